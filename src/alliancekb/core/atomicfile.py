"""Files that appear whole or not at all: written beside the target, then moved into place.

`export` and `dump` write each file to a hidden temporary file in the target's own
directory (`.NAME.PID.partial`), flush it to disk, and only then move it into place in
one atomic rename. A run that fails or is interrupted removes its temporary files; a run
killed outright (SIGKILL, power loss) leaves the target untouched and at worst a hidden
`.partial` file, which the next write to the same directory removes once the process that
made it is gone.

Ordinary OS conditions get one designed message, never a bare OSError: a full disk or a
file-size limit while writing ("disk full writing PATH; nothing was written"), a path
under a file, a directory that may not be created, a target that is not a regular file
(a device or a pipe is never replaced, even with `force`).

An existing target is replaced only with `force`. Without it the final step is a hard
link, which the operating system refuses when the name exists, so even a file created by
someone else during a long export is never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from alliancekb.core.errors import RuntimeFailure, UsageError

#: Suffix of the temporary files; recognisable, and hidden by the leading dot.
PARTIAL_SUFFIX = ".partial"
#: Text streams are written through a buffer of this size (fewer system calls).
BUFFER_BYTES = 1 << 20


class TargetExistsError(UsageError):
    """A target file exists and `--force` was not given (exit 2, like any usage error)."""


@dataclass
class PendingFile:
    """A finished temporary file waiting to be moved to its target."""

    temp: Path
    target: Path


#: A write that failed for want of room: the disk, the user's quota, or a file-size limit.
_NO_ROOM = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded"}


def make_directories(directories: Sequence[Path]) -> None:
    """Create each directory and its parents if missing, or say in one line why not.

    A path under a file is a usage error (exit 2); a directory the system refuses (no
    permission, a read-only or virtual filesystem) a runtime failure (exit 1).
    """
    for directory in directories:
        under_file = _file_above(directory)
        if under_file is not None:
            raise UsageError(f"cannot create directory {directory}: {under_file} is a file")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RuntimeFailure(
                f"cannot create directory {directory}: {exc.strerror or exc}"
            ) from None


def _file_above(path: Path) -> Path | None:
    """The nearest existing path at or above `path` if it is not a directory."""
    for candidate in (path, *path.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
        except OSError:
            return None
    return None


def check_targets(targets: Sequence[Path], *, force: bool) -> None:
    """Refuse before any work when a target exists (without `force`) or is not a file."""
    for target in targets:
        if target.is_dir():
            raise UsageError(f"{target} is a directory; give a file path")
        if target.exists() and not target.is_file():
            raise UsageError(f"{target} is not a regular file; give a file path")
        if not target.parent.is_dir():
            under_file = _file_above(target.parent)
            if under_file is not None:
                raise UsageError(f"cannot write {target}: {under_file} is a file")
            raise UsageError(f"directory {target.parent} does not exist")
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise TargetExistsError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
            "use --force to overwrite"
        )


def partial_path(target: Path) -> PendingFile:
    """A fresh temporary name beside `target` (stale partials of dead writers removed)."""
    remove_stale_partials(target.parent)
    name = f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}{PARTIAL_SUFFIX}"
    return PendingFile(target.parent / name, target)


@contextmanager
def removed_on_failure(pending: PendingFile) -> Iterator[None]:
    """Remove the temporary file if the block raises; a full disk becomes a designed
    message ("nothing was written") instead of an OSError."""
    try:
        yield
    except BaseException as exc:
        discard([pending])
        if isinstance(exc, OSError):
            failure = no_room(exc, pending.target)
            if failure is not None:
                raise failure from None
        raise


@contextmanager
def partial_file(target: Path) -> Iterator[tuple[TextIO, PendingFile]]:
    """A UTF-8 text stream (`newline=''`) on a fresh temporary file beside `target`.

    The file is flushed and fsynced when the block ends normally, and removed when it
    raises (including KeyboardInterrupt). Move it into place with `commit`.
    """
    pending = partial_path(target)
    temp = pending.temp
    try:
        # O_EXCL: never write through a name another process prepared (a symlink, say).
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:
        raise RuntimeFailure(f"cannot write in {target.parent}: {exc.strerror}") from None
    with (
        removed_on_failure(pending),
        open(fd, "w", encoding="utf-8", newline="", buffering=BUFFER_BYTES) as stream,
    ):
        yield stream, pending
        stream.flush()
        # Durable before it is visible: a crash after the rename must not leave an
        # empty or short file under the real name.
        os.fsync(stream.fileno())


def no_room(exc: OSError, target: Path) -> RuntimeFailure | None:
    """The designed message for a write that found no room (None for any other OSError).

    EFBIG comes from a file-size limit (`ulimit -f`; Python ignores SIGXFSZ, so the
    write fails instead of killing the process).
    """
    if exc.errno == errno.EFBIG:
        cause = "file too large for the file-size limit"
    elif exc.errno in _NO_ROOM:
        cause = _NO_ROOM[exc.errno]
    else:
        return None
    return RuntimeFailure(f"{cause} writing {target}; nothing was written")


def commit(pending: Sequence[PendingFile], *, force: bool) -> None:
    """Move finished temporary files to their targets; on failure remove the rest."""
    try:
        for item in pending:
            _move(item, force=force)
    finally:
        for item in pending:
            with contextlib.suppress(FileNotFoundError):
                item.temp.unlink()
    if pending:
        _sync_directory(pending[-1].target.parent)


def discard(pending: Sequence[PendingFile]) -> None:
    """Remove temporary files that will not be committed."""
    for item in pending:
        with contextlib.suppress(FileNotFoundError):
            item.temp.unlink()


def _move(item: PendingFile, *, force: bool) -> None:
    if force:
        os.replace(item.temp, item.target)
        return
    try:
        # link() fails if the target exists: the no-overwrite check and the move are one step.
        os.link(item.temp, item.target)
    except FileExistsError:
        raise TargetExistsError(
            f"{item.target} appeared during the export; use --force to overwrite"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise RuntimeFailure(f"cannot write {item.target}: {exc.strerror}") from None
        # A filesystem without hard links: check, then rename (a small race, documented).
        if item.target.exists():
            raise TargetExistsError(
                f"{item.target} appeared during the export; use --force to overwrite"
            ) from None
        os.replace(item.temp, item.target)
    else:
        item.temp.unlink()


def _sync_directory(directory: Path) -> None:
    """Make the renames themselves durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_PARTIAL_NAME = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}" + re.escape(PARTIAL_SUFFIX) + "$")


def remove_stale_partials(directory: Path) -> list[Path]:
    """Remove `.partial` files left by killed runs (their process no longer exists)."""
    removed: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL_NAME.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
