"""The `alliancekb` command line: a thin layer over the library.

Nothing heavy is imported at module level, so `alliancekb --help` starts fast; each
command imports the library parts it needs when it runs.
"""

from __future__ import annotations

import gc
import sys

from alliancekb.cli.app import app, only_command

#: Allocations between young collections in a command's process (Python's default: 700).
#: A read command's objects mostly live until exit (modules, tables, compiled
#: statements); at 700 `show` ran ~125 young collections and one full one over ~56,000
#: objects: 63M of its 1,489M instructions (callgrind; issue 32 row 11).
GC_YOUNG_THRESHOLD = 10_000


def main() -> None:
    """Console-script entry point: the app built with only the command asked for.

    What is imported before it runs is frozen out of the collector's scans, and young
    collections are rarer: a command is a short process whose objects mostly live to
    its end (a load turns the collector off itself). Not undone on return (28M
    instructions more at exit): `main` is a process's entry point; the library and the
    tests' `app` leave the collector as it is.
    """
    gc.freeze()
    _, *older = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *older)
    with only_command(sys.argv[1:]):
        app()


__all__ = ["GC_YOUNG_THRESHOLD", "app", "main"]
