"""A picture or graph file written beside its target and moved into place when complete."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO

from alliancekb.core.atomicfile import check_targets, commit, partial_path, removed_on_failure
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
    pending = partial_path(path)
    with removed_on_failure(pending), pending.temp.open("xb") as stream:
        write(stream)
        stream.flush()
        os.fsync(stream.fileno())
    commit([pending], force=force)
