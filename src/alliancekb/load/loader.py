"""Loading YAML into the knowledge base: read -> validate -> resolve -> plan -> apply.

A load reads its files as streams of validated records (a big file is read and validated
by a child process meanwhile: alliancekb.load.child_read). The plan stage
(alliancekb.load.plan, .batches) resolves each record's references and decides what
changes; small sections (sources, countries, alliances, ...) are held until the next
flush and planned in dependency order, memberships and statements in batches. A
reference may point at an entity defined later in the same file or in a later file of the
same load: a record whose names do not resolve yet is held (only those records are) and
retried at the end of each file; what still does not resolve when the last file has been
read is reported where it is used. Every problem of every file is collected.

A real load runs in one write transaction and applies the plan as it is made
(alliancekb.load.apply); if there is any problem the whole transaction is rolled back
and the database is unchanged. A dry run (`validate`, `load --dry-run`) plans under a
read transaction only and writes nothing, so it never waits for, or blocks, a writer.
See docs/architecture.md.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from alliancekb.core.errors import (
    InvalidDataError,
    Problem,
    ProblemList,
    UnresolvedReferenceError,
)
from alliancekb.core.paths import display_name, stored_name
from alliancekb.load.all_sections import COUNTED_KINDS
from alliancekb.load.apply import DatabaseWrites, Writes
from alliancekb.load.batches import StatementPlanner, plan_memberships, statement_id
from alliancekb.load.child_read import ReadRecord, open_read
from alliancekb.load.plan import Pending, PlannedWrites, Planner, singular
from alliancekb.load.retract import COUNTED_AS, FactKind, earlier
from alliancekb.load.retracted_section import Planned as PlannedRetraction
from alliancekb.load.retracted_section import apply_retractions, plan_retractions
from alliancekb.load.yaml_reader import DEFAULT_MAX_BYTES
from alliancekb.store import models as m
from alliancekb.store.db import read_session, write_session
from alliancekb.store.resolve import NameIndex, load_index
from alliancekb.store.search import bulk_indexing
from alliancekb.store.versions import load_time, recording

__all__ = [
    "BATCH_SIZE",
    "COUNTED_KINDS",
    "FileReport",
    "KindCounts",
    "LoadReport",
    "ProgressCallback",
    "RecordStream",
    "StreamOpener",
    "load_files",
    "load_records",
    "singular",
    "statement_id",
]

#: Statements and memberships are planned and written in batches of this many records
#: (the environment variable ALLIANCEKB_LOAD_BATCH_SIZE overrides it, for tests of batching).
BATCH_SIZE = 2000
BATCH_SIZE_ENV = "ALLIANCEKB_LOAD_BATCH_SIZE"


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Retractions this load recorded, and records skipped because their fact is retracted.
    retracted: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class FileReport:
    #: The file's name as stored in the load history: valid Unicode whatever bytes the
    #: name holds (an undecodable byte as `\xNN`: alliancekb.core.paths.stored_name).
    path: str
    sha256: str
    size: int
    records: int
    #: Whether a child process read the file (how, not what: not compared).
    read_in_child: bool = field(default=False, compare=False)


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would do)."""

    files: list[FileReport] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in COUNTED_KINDS}
    )
    dry_run: bool = False
    load_id: int | None = None
    #: Retractions this load recorded (a change, unlike a record skipped as retracted).
    retractions: int = 0

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values()) + self.retractions

    def counts_dict(self) -> dict[str, dict[str, int]]:
        """Per kind: created, updated, unchanged, and `retracted` where there were any.

        (Left out at zero, so that the history of a load without retractions reads as
        it always has.)
        """
        counts = {}
        for kind, c in self.counts.items():
            counts[kind] = {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            if c.retracted:
                counts[kind]["retracted"] = c.retracted
        return counts


#: Called as records are read: (file, records read in it, bytes read, total bytes). The
#: total is the file's size, known from the start for a regular file; None while a pipe
#: (or anything else with no size) is read; the last call of a file gives the bytes read.
ProgressCallback = Callable[[Path, int, int, int | None], None]
#: Records between two progress calls.
PROGRESS_EVERY = 500


class RecordStream(Protocol):
    """What a load reads records from: a YAML file (child_read) or a dataset's CSV file.

    `records()` yields ReadRecords in order (appending each invalid record's problems to
    the load's problem list); when it is exhausted, `size` and `sha256` describe the file,
    `reader_problems` lists problems of the file itself. `close()` ends a read early.
    """

    @property
    def bytes_read(self) -> int: ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def in_child(self) -> bool: ...

    @property
    def reader_problems(self) -> list[Problem]: ...

    def records(self) -> Iterator[ReadRecord]: ...

    def close(self) -> None: ...


#: Opens one input of a load, inside its transaction (the connection may be read: an
#: import asks which alliances exist) with the load's problem list: its path and stream.
StreamOpener = Callable[[Connection, list[Problem]], tuple[Path, RecordStream]]


def load_files(
    engine: Engine | Connection,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: ProgressCallback | None = None,
    batch_size: int | None = None,
    child_min_bytes: int | None = None,
) -> LoadReport:
    """Load YAML files in one transaction; raise InputError (nothing written) on any problem.

    `dry_run` plans only, under a read transaction. `batch_size` (default BATCH_SIZE, or
    ALLIANCEKB_LOAD_BATCH_SIZE) and `child_min_bytes` (files this big or bigger are read
    in a child process; default CHILD_MIN_BYTES, or ALLIANCEKB_CHILD_MIN_BYTES) tune how,
    never what.
    """

    def body(run: _Run) -> None:
        run.files(paths, max_bytes, progress, child_min_bytes)

    return _load(engine, body, dry_run=dry_run, batch_size=batch_size)


def load_records(
    engine: Engine | Connection,
    openers: Sequence[StreamOpener],
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    batch_size: int | None = None,
) -> LoadReport:
    """Load record streams (a dataset import's CSV files) exactly as `load_files` loads YAML:
    one transaction, every problem at its file:line:column, each file in the history."""

    def body(run: _Run) -> None:
        run.streams(openers, progress)

    return _load(engine, body, dry_run=dry_run, batch_size=batch_size)


def _load(
    engine: Engine | Connection,
    body: Callable[[_Run], None],
    *,
    dry_run: bool,
    batch_size: int | None,
) -> LoadReport:
    report = LoadReport(dry_run=dry_run)
    size = batch_size or int(os.environ.get(BATCH_SIZE_ENV) or BATCH_SIZE)
    if dry_run:
        with _gc_paused(), read_session(engine) as session:
            conn = session.connection()
            with (
                _large_cache(conn),
                closing(_Run(conn, report, PlannedWrites(), size, load_index(session))) as run,
            ):
                body(run)
            session.rollback()
        return report
    with _gc_paused(), write_session(engine) as session:
        conn = session.connection()
        started = load_time(conn)  # holding the writers' lock: not before a wait
        # The history entry comes first: every row this load writes or replaces is
        # stamped with its id (knowledge time, store/versions.py).
        load = m.Load(started_at=started, finished_at=started, counts={})
        session.add(load)
        session.flush()
        report.load_id = load.id
        with recording(conn, load.id):
            # Statements are indexed for search in one pass at the end (a failure rolls back).
            with _large_cache(conn), bulk_indexing(conn):
                # Given a Connection, the schema may be in its uncommitted transaction.
                own = engine if isinstance(engine, Engine) else None
                with (
                    DatabaseWrites(conn, load_id=load.id, engine=own) as writes,
                    closing(_Run(conn, report, writes, size, load_index(session))) as run,
                ):
                    body(run)
            if run.retractions:
                # After the search index is complete (bulk_indexing): a statement deleted
                # inside that block would be taken out of an index it was never put in.
                outcomes = apply_retractions(conn, run.retractions, load_id=load.id, now=started)
                for outcome in outcomes:
                    run.count_retraction(outcome.fact.kind, outcome.status != "already")
        load.counts = report.counts_dict()
        load.files = [
            m.LoadFile(position=i, path=f.path, sha256=f.sha256, size=f.size, records=f.records)
            for i, f in enumerate(report.files)
        ]
        load.finished_at = load_time(conn)
        session.flush()
    return report


class _Run:
    """One load run across its files: read, admit, flush to the planner."""

    def __init__(
        self,
        conn: Connection,
        report: LoadReport,
        writes: Writes,
        batch_size: int,
        index: NameIndex,
    ) -> None:
        self.report = report
        self.batch_size = batch_size
        self.planner = Planner(conn, index, writes, self._count)
        self.statements = StatementPlanner(self.planner, overlay=isinstance(writes, PlannedWrites))
        self.dry_run = isinstance(writes, PlannedWrites)
        #: The `retracted:` records, resolved: applied after every other record.
        self.retractions: list[PlannedRetraction] = []

    def close(self) -> None:
        """Free what the run held for the whole load."""
        self.planner.close()

    def _count(self, kind: str, outcome: str) -> None:
        self.report.counts[kind].add(outcome)

    def count_retraction(self, kind: FactKind, new: bool) -> None:
        """A retraction of the load: recorded now (a change), or recorded before."""
        self._count(COUNTED_AS[kind], "retracted" if new else "unchanged")
        if new:
            self.report.retractions += 1

    def files(
        self,
        paths: Sequence[Path],
        max_bytes: int,
        progress: ProgressCallback | None,
        child_min_bytes: int | None,
    ) -> None:
        for i, path in enumerate(paths):
            self.file(path, max_bytes, progress, child_min_bytes, last=i == len(paths) - 1)
        self.finish()

    def streams(self, openers: Sequence[StreamOpener], progress: ProgressCallback | None) -> None:
        for i, opener in enumerate(openers):
            path, read = opener(self.planner.conn, self.planner.problems)
            self.read(path, read, progress, last=i == len(openers) - 1)
        self.finish()

    def finish(self) -> None:
        """After the last file: the retractions, then every problem found, if any."""
        pending, self.planner.pending["retracted"] = self.planner.pending["retracted"], []
        self.retractions = plan_retractions(self.planner, pending)
        if self.dry_run:  # what a real load would record (it counts what it did)
            conn = self.planner.conn
            for planned in self.retractions:
                kind = planned.request.kind
                assert planned.key is not None
                self.count_retraction(kind, earlier(conn, kind, planned.key) is None)
        self.raise_problems()

    def file(
        self,
        path: Path,
        max_bytes: int,
        progress: ProgressCallback | None,
        child_min_bytes: int | None,
        *,
        last: bool,
    ) -> None:
        read = open_read(
            path, name=display_name(path), max_bytes=max_bytes, problems=self.planner.problems,
            child_min_bytes=child_min_bytes,
        )  # fmt: skip
        self.read(path, read, progress, last=last)

    def read(
        self, path: Path, read: RecordStream, progress: ProgressCallback | None, *, last: bool
    ) -> None:
        # The name in problems: printable whatever bytes it holds (`f\xff.yaml`).
        name = display_name(path)
        planner = self.planner
        pending, size = planner.pending, self.batch_size
        count = 0
        total = _size_of(path) if progress is not None else None
        if progress is not None:
            progress(path, 0, 0, total)
        try:
            for record in read.records():
                count += 1
                if (
                    record.model is not None
                    and planner.admit(record, name)
                    and (len(pending["statements"]) >= size or len(pending["memberships"]) >= size)
                ):
                    self.flush(final=False)
                if progress is not None and count % PROGRESS_EVERY == 0:
                    done = read.bytes_read
                    progress(path, count, done if total is None else min(done, total), total)
        finally:
            read.close()
        planner.problems.extend(read.reader_problems)
        # The held records are retried now; only after the last file is a name unresolved.
        self.flush(final=last, retry=True)
        if progress is not None:
            progress(path, count, read.size, read.size)
        self.report.files.append(
            FileReport(stored_name(path), read.sha256, read.size, count, read.in_child)
        )

    def flush(self, *, final: bool, retry: bool = False) -> None:
        """Plan what is pending, dependencies first.

        `retry`: the held (deferred) records too; `final`: report what still does not
        resolve, else hold it again for the next retry.
        """
        planner = self.planner
        planner.plan_entities(final)
        for batch in self._batches("memberships", retry or final):
            plan_memberships(planner, batch, final)
        for batch in self._batches("statements", retry or final):
            self.statements.plan(batch, final)

    def _batches(self, section: str, retry: bool) -> Iterator[list[Pending]]:
        """The pending records of a batched section (on `retry`, the deferred ones first)."""
        planner = self.planner
        batch, planner.pending[section] = planner.pending[section], []
        if retry:
            batch = planner.deferred[section] + batch
            planner.deferred[section] = []
        for start in range(0, len(batch), self.batch_size):
            yield batch[start : start + self.batch_size]

    def raise_problems(self) -> None:
        problems, unresolved = self.planner.problems, self.planner.unresolved
        if problems:
            found = ProblemList(problems) + unresolved  # bounded, counting those not kept
            found.sort(key=_problem_order)
            raise InvalidDataError(found, f"{found.total} problem(s) found; nothing was loaded")
        if unresolved:
            found = ProblemList(unresolved)
            found.sort(key=_problem_order)
            raise UnresolvedReferenceError(
                found, f"{found.total} reference(s) did not resolve; nothing was loaded"
            )


def _size_of(path: Path) -> int | None:
    """A regular file's size; None for a pipe, a terminal or a file that cannot be stat'ed."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a load.

    A batch of pending records (their marks, models and rows) lives long enough to be
    promoted to the oldest generation, so a load of 100k statements otherwise triggers a
    full collection of the whole heap every batch: 9 of 23 seconds. Reference counting
    frees everything as usual, so a load must not build reference cycles per batch: they
    would stay until the end (SQLAlchemy constructs are such cycles, which is why the
    queries a batch runs are built once, e.g. `stored._memberships_query`).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: SQLite page cache for a load, in KiB: the statement and link primary keys are random
#: (hashed ids), and the default 2 MB cache makes their inserts thrash.
LOAD_CACHE_KIB = 32 * 1024


@contextmanager
def _large_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache for the duration of a load (a per-connection setting).

    Restored when the load ends. Not when it fails: then the transaction is rolled back,
    and after a Ctrl-C inside a statement the connection is invalidated (it is discarded,
    setting and all), so a statement here would raise PendingRollbackError in place of
    the KeyboardInterrupt or error the user must see.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    try:
        yield
    except BaseException:
        if not conn.invalidated and conn.in_transaction():
            with suppress(SQLAlchemyError):  # the failure in flight is the one to report
                conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
        raise
    conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _problem_order(p: Problem) -> tuple[str, int, int]:
    return (p.file, p.line, p.column)
