"""A picture or graph file written beside its target and moved into place when complete."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from alliancekb.core.atomicfile import (
    PendingFile,
    check_targets,
    commit,
    discard,
    no_room,
    remove_stale_partials,
)
from alliancekb.core.errors import UsageError


def format_of(path: Path, formats: tuple[str, ...], given: str | None = None) -> str:
    """The format asked for, else the file's extension; UsageError when it is neither."""
    fmt = given or path.suffix.lower().lstrip(".")
    if fmt not in formats:
        raise UsageError(
            f"{path}: cannot tell the format from the extension; use one of "
            f"{', '.join('.' + f for f in formats)}"
        )
    return fmt


def check_out(path: Path, *, force: bool) -> None:
    """Refuse an existing file without `force` (exit 2) before any work is done."""
    check_targets([path], force=force)


def write_file(path: Path, write: Callable[[IO[bytes]], None], *, force: bool) -> None:
    """Write through `write` to a temporary file beside `path`, then move it into place."""
    check_targets([path], force=force)
    remove_stale_partials(path.parent)
    temp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.partial"
    pending = PendingFile(temp, path)
    try:
        with temp.open("xb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as exc:
        discard([pending])
        if isinstance(exc, OSError):
            failure = no_room(exc, path)
            if failure is not None:
                raise failure from None
        raise
    commit([pending], force=force)
