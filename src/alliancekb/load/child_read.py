"""A file's records, read and validated: in this process, or in a forked child for big files.

Reading records from libyaml events and validating them is about 40% of a load; the
other 60% (resolving names, diffing, writing) must stay in the process that holds the
transaction. On Linux, a file of `child_min_bytes` (CHILD_MIN_BYTES, 4 MiB) or more is
therefore read by a forked child process, which sends the validated records in pickled
batches through a pipe while the loader works on the ones before: two cores instead of
one. The child reads ahead by at most OUTBOX_MESSAGES batches and a pipe's buffer, then
waits for the loader, so memory stays bounded whatever the size of the file.

Either way the loader sees the same records, in the same order, with the same problems
(file:line:column), reported at the same moments, in one shape (`ReadRecord`); a child's
record marks come packed and are unpacked only if a problem needs them. Whatever goes
wrong in the child (an unreadable file, a crash, being killed) becomes one clean
RuntimeFailure in the parent, and the child never outlives the read: it is stopped when
the read ends early for any reason (an error, Ctrl-C), and it stops by itself when the
parent dies (its pipe breaks).

Validation is `alliancekb.load.validate.validate`, looked up when a read starts.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from alliancekb.core.errors import Problem, ProblemList, RuntimeFailure
from alliancekb.core.paths import display_name
from alliancekb.load import validate as validate_stage
from alliancekb.load.yaml_reader import DocumentReader, Mark, MarkMap, longest_mark

#: Files at least this big are read in a child process (where one can be forked). Forking,
#: unpickling and the parent's copy-on-write page faults cost more than reading in
#: parallel saves on small files: measured on generated files (2 cores), one process /
#: two took 345 / 371 ms at 1.1 MiB, 465 / 479 ms at 2 MiB, 697 / 627 ms at 3.9 MiB,
#: 1009 / 832 ms at 6.4 MiB. So from 4 MiB up, where two processes are clearly ahead.
CHILD_MIN_BYTES: Final = 4 * 1024 * 1024
#: Environment variable that overrides CHILD_MIN_BYTES (0: every file that can be read in a
#: child is; tests use it to drive the child through the CLI).
CHILD_MIN_BYTES_ENV: Final = "ALLIANCEKB_CHILD_MIN_BYTES"
#: Records per message from the child: large enough that pickling has little overhead per
#: record, small enough that the loader's first batch arrives quickly.
CHILD_BATCH: Final = 250
#: Messages the child may have read ahead of the pipe (some 7 MB at most).
OUTBOX_MESSAGES: Final = 32
#: Seconds to wait for a stopped child to exit before killing it.
_STOP_WAIT: Final = 2.0

# Messages from the child, each a pickled tuple whose first item is one of these.
_RECORDS: Final = 0  # (_RECORDS, bytes read, [entry, ...]); see _entry
_END: Final = 1  # (_END, reader problems, size, sha256)
_UNREADABLE: Final = 2  # (_UNREADABLE, reason): the file could not be read
_FAILED: Final = 3  # (_FAILED, description): anything else went wrong


Loc = tuple[str | int, ...]


class PackedMarks(Mapping[Loc, Mark]):
    """A record's marks sent by another process: the record's own at hand, the rest unpacked
    on first use (only a problem needs them, so most never are)."""

    __slots__ = ("_column", "_line", "_packed", "_raw")

    def __init__(self, line: int, column: int, packed: bytes | None) -> None:
        self._line = line  # the record's own mark, 1-based
        self._column = column
        self._packed = packed
        self._raw: dict[Loc, tuple[int, int]] | None = None

    def _marks(self) -> dict[Loc, tuple[int, int]]:
        if self._raw is None:
            self._raw = pickle.loads(self._packed) if self._packed is not None else {}  # noqa: S301
        return self._raw

    def __getitem__(self, path: Loc) -> Mark:
        if not path:
            return Mark(self._line, self._column)
        line, column = self._marks()[path]
        return Mark(line + 1, column + 1)

    def __contains__(self, path: object) -> bool:
        return path == () or path in self._marks()

    def __iter__(self) -> Iterator[Loc]:
        return iter({(): None, **self._marks()})

    def __len__(self) -> int:
        return len({(): None, **self._marks()})


def pack_marks(marks: MarkMap) -> bytes:
    """A record's marks as bytes, for `PackedMarks` in another process."""
    return pickle.dumps(marks.offsets(), protocol=pickle.HIGHEST_PROTOCOL)


class ReadRecord:
    """A record as the loader sees it, from either read: its place, its marks, its model."""

    __slots__ = ("index", "marks", "model", "section")

    def __init__(
        self, section: str, index: int, marks: Mapping[Loc, Mark], model: BaseModel | None
    ) -> None:
        self.section = section
        self.index = index
        #: Path inside the record -> where it starts; `()` is the record itself.
        self.marks = marks
        #: The validated model; None if the record is invalid (its problems are reported).
        self.model = model

    def mark_for(self, loc: Loc) -> Mark:
        """The mark of the longest prefix of `loc` that has one."""
        return longest_mark(self.marks, loc)

    @property
    def where(self) -> str:
        """`statements[3]`: how problems name this record."""
        return f"{self.section}[{self.index}]"


def can_use_child() -> bool:
    """Whether a child process can read (forking is cheap and safe enough on Linux only)."""
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def _unreadable(name: str, reason: str) -> RuntimeFailure:
    return RuntimeFailure(f"cannot read {display_name(name)}: {reason}")


class RecordRead:
    """Reading one file: `records()` yields ReadRecords in file order.

    A record's validation problems are appended to `problems` just before it is yielded.
    While reading, `bytes_read` grows; when `records()` is exhausted, `size`, `sha256` and
    `reader_problems` (the problems of the YAML itself) describe the file. `close()` ends
    the read early (always safe to call).
    """

    def __init__(self, path: Path, name: str, max_bytes: int, problems: list[Problem]) -> None:
        self.path = path
        self.name = name
        self.max_bytes = max_bytes
        self.problems = problems
        self._bytes_read = 0
        self.size = 0
        self.sha256 = ""
        self.reader_problems: list[Problem] = ProblemList()

    @property
    def bytes_read(self) -> int:
        """Bytes of the file read so far."""
        return self._bytes_read

    #: Whether a child process reads the file.
    in_child = False

    def records(self) -> Iterator[ReadRecord]:
        """The records in file order, each with its model (None if it is invalid)."""
        raise NotImplementedError

    def close(self) -> None:
        """End the read (stopping any helper); nothing more is yielded."""


class _LocalRead(RecordRead):
    """Reading in this process."""

    _reader: DocumentReader | None = None

    def records(self) -> Iterator[ReadRecord]:
        name, problems = self.name, self.problems
        validate = validate_stage.validate
        reader = self._reader = DocumentReader(
            self.path, max_bytes=self.max_bytes, display_name=name
        )
        try:
            for raw in reader.records():
                yield ReadRecord(raw.section, raw.index, raw.marks, validate(raw, name, problems))
        except OSError as exc:
            raise _unreadable(name, exc.strerror or str(exc)) from None
        self._bytes_read = self.size = reader.size
        self._reader = None
        self.sha256 = reader.sha256
        self.reader_problems = reader.problems

    @property
    def bytes_read(self) -> int:
        return self._reader.bytes_read if self._reader is not None else self._bytes_read


class _ChildRead(RecordRead):
    """Reading in a forked child process, which sends batches of validated records."""

    in_child = True

    def __init__(self, path: Path, name: str, max_bytes: int, problems: list[Problem]) -> None:
        super().__init__(path, name, max_bytes, problems)
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        _widen(receiver)
        self._receiver: Connection = receiver
        self._process: Any = context.Process(
            target=_child_main,
            args=(path, name, max_bytes, sender, receiver),
            name=f"alliancekb-read-{display_name(path.name)}",
            daemon=True,
        )
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking a process with threads (a progress bar's):
            # the child takes none of their locks (it never prints, and leaves by _exit).
            warnings.simplefilter("ignore", DeprecationWarning)
            self._process.start()
        sender.close()  # the child's end: when the child is gone, recv sees the end

    def records(self) -> Iterator[ReadRecord]:
        problems = self.problems
        try:
            while True:
                message = self._receive()
                kind = message[0]
                if kind == _RECORDS:
                    self._bytes_read = message[1]
                    for section, index, line, column, model, extra in message[2]:
                        if model is None:
                            problems.extend(extra)
                            extra = None
                        yield ReadRecord(section, index, PackedMarks(line, column, extra), model)
                elif kind == _END:
                    self.reader_problems, self.size, self.sha256 = message[1:]
                    self._bytes_read = self.size
                    return
                elif kind == _UNREADABLE:
                    raise _unreadable(self.name, message[1])
                else:
                    raise RuntimeFailure(f"reading {display_name(self.name)} failed: {message[1]}")
        finally:
            self.close()

    def _receive(self) -> tuple[Any, ...]:
        try:
            data = self._receiver.recv_bytes()
        except (EOFError, OSError):
            raise RuntimeFailure(self._death()) from None
        message: tuple[Any, ...] = pickle.loads(data)  # noqa: S301 - from our own child
        return message

    def _death(self) -> str:
        self._process.join(_STOP_WAIT)
        code = self._process.exitcode
        how = (
            "was still running"
            if code is None
            else f"was killed by signal {-code}"
            if code < 0
            else f"exited with status {code}"
        )
        return (
            f"reading {display_name(self.name)} failed: "
            f"the reading process stopped unexpectedly ({how})"
        )

    def close(self) -> None:
        process = self._process
        if process.is_alive():
            process.terminate()
            process.join(_STOP_WAIT)
            if process.is_alive():
                process.kill()
        process.join()
        self._receiver.close()


#: The pipe's buffer: the child may run this far ahead while the loader writes a batch.
PIPE_BYTES: Final = 1024 * 1024


def _widen(pipe: Connection) -> None:
    """Make the pipe's buffer PIPE_BYTES (Linux), or as large as the system allows.

    With the default 64 KiB the child stops after one message while the loader writes a
    batch of BATCH_SIZE statements, and then the loader waits for the child: the two
    would mostly take turns instead of working at the same time.
    """
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # a smaller buffer: slower, still correct


def open_read(
    path: Path,
    *,
    name: str,
    max_bytes: int,
    problems: list[Problem],
    child_min_bytes: int | None = None,
) -> RecordRead:
    """A read of `path`: in a child process if it has `child_min_bytes` or more and one can be
    made (0: every file that can be; None: ALLIANCEKB_CHILD_MIN_BYTES or CHILD_MIN_BYTES)."""
    if child_min_bytes is None:
        child_min_bytes = int(os.environ.get(CHILD_MIN_BYTES_ENV) or CHILD_MIN_BYTES)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # the read in this process reports it
    if child_min_bytes <= size <= max_bytes and can_use_child():
        return _ChildRead(path, name, max_bytes, problems)
    return _LocalRead(path, name, max_bytes, problems)


# --------------------------------------------------------------------------- the child


def _child_main(
    path: Path, name: str, max_bytes: int, sender: Connection, receiver: Connection
) -> None:
    """The child process: read, validate, send; then leave at once by os._exit.

    Leaving by _exit skips the interpreter's and multiprocessing's clean-up (flushing
    streams, finalizers) that could touch locks a parent thread held when it forked, and
    the parent's copies of database connections. Ctrl-C is ignored here: the parent gets
    it too, and stops this process.
    """
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        receiver.close()  # only the parent reads: a dead parent must break this pipe
        code = _child_read(path, name, max_bytes, sender)
    except BaseException:  # noqa: S110 - nowhere to report it: the parent sees the exit
        pass
    finally:
        os._exit(code)


class _ParentGone(Exception):
    """The pipe to the parent broke: it has stopped reading (or died)."""


def _child_read(path: Path, name: str, max_bytes: int, sender: Connection) -> int:
    """Read and send everything; the exit status (1 when the parent is gone)."""
    outbox = _Outbox(sender)
    try:
        code = _read_and_send(path, name, max_bytes, outbox.send)
        outbox.close()
    except _ParentGone:
        return 1
    return code


class _Outbox:
    """Sends the child's messages from a thread, holding up to OUTBOX_MESSAGES of them.

    While the loader applies entities (a row at a time) the child would otherwise stop as
    soon as the pipe is full; with this much in hand it reads ahead, and the loader finds
    the next statements ready instead of waiting for them. Memory stays bounded.
    """

    def __init__(self, sender: Connection) -> None:
        self._sender = sender
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=OUTBOX_MESSAGES)
        self._broken = False
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                self._sender.send_bytes(data)
            except OSError:
                self._broken = True  # the parent is gone: drop the rest
                return

    def send(self, message: tuple[Any, ...]) -> None:
        """Queue a message (waiting while the outbox is full); _ParentGone if it cannot go."""
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        while not self._broken:
            try:
                self._queue.put(data, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _ParentGone

    def close(self) -> None:
        """Send what is queued (unless the parent is gone), then stop the thread."""
        while not self._broken and self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        if self._broken:
            raise _ParentGone


def _read_and_send(
    path: Path, name: str, max_bytes: int, send: Callable[[tuple[Any, ...]], None]
) -> int:
    reader = DocumentReader(path, max_bytes=max_bytes, display_name=name)
    validate = validate_stage.validate  # looked up here, after the fork
    problems: list[Problem] = ProblemList()
    entries: list[tuple[Any, ...]] = []
    try:
        try:
            for raw in reader.records():
                model = validate(raw, name, problems)
                marks = raw.marks
                assert isinstance(marks, MarkMap)
                start = marks[()]
                entry: tuple[Any, ...]
                if model is None:
                    entry = (raw.section, raw.index, start.line, start.column, None, problems)
                    problems = ProblemList()
                else:
                    packed = pack_marks(marks)
                    entry = (raw.section, raw.index, start.line, start.column, model, packed)
                entries.append(entry)
                if len(entries) >= CHILD_BATCH:
                    send((_RECORDS, reader.bytes_read, entries))
                    entries = []
            send((_RECORDS, reader.bytes_read, entries))
            send((_END, reader.problems, reader.size, reader.sha256))
        except OSError as exc:
            send((_UNREADABLE, exc.strerror or str(exc)))
        except _ParentGone:
            raise
        except Exception as exc:  # any failure: the parent reports it
            send((_FAILED, f"{type(exc).__name__}: {exc}"))
    except _ParentGone:
        return 1
    return 0
