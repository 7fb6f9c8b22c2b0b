"""Long output on a terminal goes through a pager, as git's does.

A read command writes its answer into `paged(...)`'s stream. When standard output is not a
terminal, or `--no-pager` is given, or the pager is set to nothing, that stream is None
(stdout itself: nothing is held back, CSV/JSON stream as before). On a terminal the answer
is held in a `TerminalBuffer` (Rich sizes and colours it for the terminal it is going to),
and once the command's read transaction is closed it is printed: through the pager when it
has more lines than the terminal, directly otherwise.

The pager is `$ALLIANCEKB_PAGER`, else `$PAGER`, else `less -FRX`; an empty value or `cat`
means none. `LESS=FRX` is set for the pager when `LESS` is not (quit at once on one screen,
keep colours, leave the text on the screen), as git does.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO

DEFAULT_PAGER = "less -FRX"
PAGER_VARIABLES = ("ALLIANCEKB_PAGER", "PAGER")


def pager_command(env: Mapping[str, str] | None = None) -> str | None:
    """The pager's command line, or None for no pager."""
    env = os.environ if env is None else env
    for name in PAGER_VARIABLES:
        value = env.get(name)
        if value is not None:
            value = value.strip()
            return None if value in ("", "cat") else value
    return DEFAULT_PAGER


class TerminalBuffer(io.StringIO):
    """Text on its way to a terminal through the pager: it answers `isatty()` as the
    terminal does, so that Rich gives it the terminal's width and colours."""

    def isatty(self) -> bool:
        return True


def wants_pager(enabled: bool, stream: IO[str] | None = None) -> bool:
    """Whether output to `stream` (stdout) goes through a pager."""
    stream = sys.stdout if stream is None else stream
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return enabled and terminal and pager_command() is not None


@contextmanager
def paged(enabled: bool) -> Iterator[IO[str] | None]:
    """The stream a command writes its answer to (None: stdout, unpaged); see the module."""
    if not wants_pager(enabled):
        yield None
        return
    buffer = TerminalBuffer()
    yield buffer  # an exception leaves with nothing printed: the error says why
    show(buffer.getvalue())


def show(text: str) -> None:
    """Print `text` on the terminal: through the pager when it is longer than a screen."""
    command = pager_command()
    lines = text.count("\n")
    if command is None or lines < shutil.get_terminal_size().lines:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        pager = subprocess.Popen(  # noqa: S602 - the user's own $PAGER command line
            command, shell=True, stdin=subprocess.PIPE, env=env, encoding="utf-8"
        )
    except OSError:
        sys.stdout.write(text)
        return
    assert pager.stdin is not None
    try:
        pager.stdin.write(text)
        pager.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early: their choice
        pass
    while True:
        try:
            pager.wait()
            return
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less uses it)
            continue
