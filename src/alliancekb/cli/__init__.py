"""The `alliancekb` command line: a thin layer over the library.

Nothing heavy is imported at module level, so `alliancekb --help` starts fast; each
command imports the library parts it needs when it runs.
"""

from __future__ import annotations

import sys

from alliancekb.cli.app import app, only_command


def main() -> None:
    """Console-script entry point: the app built with only the command asked for."""
    with only_command(sys.argv[1:]):
        app()


__all__ = ["app", "main"]
