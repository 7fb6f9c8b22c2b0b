"""The `alliancekb` command line: a thin layer over the library.

Nothing heavy is imported at module level, so `alliancekb --help` starts fast; each
command imports the library parts it needs when it runs.
"""

from __future__ import annotations

from alliancekb.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
