"""Export files: where each table goes, and writing them all from one snapshot (docs/export.md).

- **One snapshot.** All tables are read in one read transaction (`db.read_session`: a
  deferred SQLite transaction in WAL mode, REPEATABLE READ on PostgreSQL), so a load that
  commits during a long export is either wholly in it or wholly absent.
- **Streamed.** Rows are fetched `batch_rows` at a time (a server-side cursor on
  PostgreSQL) and written as they come; memory does not grow with the table.
- **Fast.** CSV lines are built by the database (`fast_csv`), JSON and NDJSON written
  from rows SQL already typed (`fast_json`); both are tested equal to the reference writers
  of `core.formats`, which write the few rows converted in Python (the load history's CSV).
- **Whole files or none.** Every file is written to a temporary file beside its target and
  moved into place only after all tables are complete (`atomicfile`); an existing file is
  overwritten only with `force`.
- **Described.** An export into a directory (`package_in`) also writes `datapackage.json`
  there (`datapackage`), from the same snapshot, committed last with the files.

CSV is RFC 4180 (header row, CRLF, quoted as needed), UTF-8, values exactly as stored;
`excel=True` adds a UTF-8 BOM and neutralises formula-like cells (`core.formats.excel_cell`).
JSON is one list of objects; NDJSON one object per line; the keys are the column names; an
absent value is `null` in them, never `""` (`columns.absent_as_null`).
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import Connection, Engine, func, select

from alliancekb.core.atomicfile import (
    PendingFile,
    check_targets,
    commit,
    discard,
    make_directories,
    partial_file,
)
from alliancekb.core.errors import UsageError
from alliancekb.core.formats import Format, file_formats, json_value, text_value, write_csv
from alliancekb.export import datapackage
from alliancekb.export.catalogue import BY_NAME, TABLES, ExportTable
from alliancekb.export.columns import SqlDialect, absent_as_null
from alliancekb.export.fast_csv import sql_line_batches, write_csv_lines
from alliancekb.export.fast_json import write_json_rows
from alliancekb.store.db import read_session

#: Rows fetched per round trip (and held at most at once).
BATCH_ROWS: Final = 2000
#: The file formats of `export` (the registry's formats with a writer and an extension; the
#: Rich table is for people, not files).
FILE_FORMATS: Final = file_formats()

#: Called after each batch: (table name, rows written so far, total rows or None).
ExportProgress = Callable[[str, int, int | None], None]

__all__ = [
    "BATCH_ROWS",
    "BY_NAME",
    "TABLES",
    "ExportProgress",
    "Target",
    "UnknownTableError",
    "Written",
    "export",
    "file_format",
    "into_directory",
    "plan",
    "rows_of",
    "table_named",
    "write_table",
]


# -- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One table and the file it goes to."""

    table: ExportTable
    path: Path


class UnknownTableError(UsageError):
    """No exportable table has the name asked for (exit 2)."""


def table_named(name: str) -> ExportTable:
    """The exportable table `name` (`-` and `_` alike); UnknownTableError listing them otherwise."""
    table = BY_NAME.get(name.strip().lower().replace("-", "_"))
    if table is None:
        raise UnknownTableError(f"no exportable table {name!r}; choose from: {', '.join(BY_NAME)}")
    return table


def plan(
    names: Sequence[str], out: Path, fmt: Format | str = Format.CSV, *, directory: bool = False
) -> list[Target]:
    """Where each table goes.

    No names: every table, into the directory `out` (created if missing). One name: the
    file `out`, or `out/<table>.<ext>` when `out` is an existing directory or `directory`
    says it is one (a path typed with a trailing `/`, which `Path` drops). Several names:
    the directory `out`.
    """
    fmt = file_format(fmt)
    tables = [table_named(n) for n in names] if names else list(TABLES)
    duplicates = sorted({t.name for t in tables if tables.count(t) > 1})
    if duplicates:
        raise UsageError(f"table(s) named twice: {', '.join(duplicates)}")
    ext = fmt.extension or ""
    if not into_directory(names, out, directory=directory):
        return [Target(tables[0], out)]
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; several tables go into a directory")
    return [Target(t, out / f"{t.name}{ext}") for t in tables]


def into_directory(names: Sequence[str], out: Path, *, directory: bool = False) -> bool:
    """Whether `plan(names, out, directory=)` writes into the directory `out` (else a file)."""
    return len(names) != 1 or directory or out.is_dir()


def file_format(fmt: Format | str) -> Format:
    """`fmt` as one of the file formats; UsageError otherwise."""
    try:
        parsed = Format(fmt)
    except ValueError:
        parsed = None
    if parsed not in FILE_FORMATS:
        raise UsageError(f"export format must be one of: {', '.join(FILE_FORMATS)}")
    assert parsed is not None
    return parsed


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What one file received."""

    table: str
    path: Path
    #: Rows written; for the data package, the resources it describes.
    rows: int
    #: `table` for a table's file, `package` for `datapackage.json`.
    kind: str = "table"


def export(
    engine: Engine,
    targets: Sequence[Target],
    fmt: Format | str = Format.CSV,
    *,
    excel: bool = False,
    force: bool = False,
    progress: ExportProgress | None = None,
    count_rows: bool = False,
    batch_rows: int = BATCH_ROWS,
    known_on: str | int | None = None,
    package_in: Path | None = None,
) -> list[Written]:
    """Write every target from one read snapshot; move the files into place at the end.

    Nothing is written at any target unless every table was exported completely. Raises
    UsageError (exit 2) when a target exists and `force` is not given, or when `excel` is
    asked for a format other than CSV. `count_rows` counts each table first (in the same
    snapshot) so that `progress` gets totals; it is called every `batch_rows` rows.
    `known_on`: the snapshot as the knowledge base stood after that load. `package_in`:
    the directory of the targets, where `datapackage.json` describing them is written too
    (listed last in the result).
    """
    fmt = file_format(fmt)
    if excel and fmt is not Format.CSV:
        raise UsageError("Excel-safe output applies to CSV only")
    make_directories(list(dict.fromkeys(t.path.parent for t in targets)))
    package = None if package_in is None else datapackage.package_path(package_in)
    if package_in is not None:
        for target in targets:
            datapackage.relative_path(target.path, package_in)  # refused before any work
    check_targets([t.path for t in targets] + ([package] if package else []), force=force)
    pending: list[PendingFile] = []
    written: list[Written] = []
    try:
        with read_session(engine, known_on) as session:
            conn = session.connection()
            created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            sql = SqlDialect(conn, fmt)
            for target in targets:
                total = _count(conn, target.table, sql) if count_rows else None
                with partial_file(target.path) as (stream, item):
                    pending.append(item)
                    rows = write_table(
                        conn, target.table, stream, fmt, excel=excel, sql=sql,
                        progress=None if progress is None else _progress_for(
                            progress, target.table.name, total
                        ),
                        batch_rows=batch_rows,
                    )  # fmt: skip
                written.append(Written(target.table.name, target.path, rows))
            if package is not None and package_in is not None:
                descriptor = datapackage.describe(
                    conn, [datapackage.PackagedFile(t.table, t.path) for t in targets], fmt,
                    package_in, created=created, known_on=known_on,
                )  # fmt: skip
                with partial_file(package) as (stream, item):
                    pending.append(item)
                    datapackage.write(stream, descriptor)
                written.append(Written(package.name, package, len(targets), kind="package"))
    except BaseException:
        discard(pending)
        raise
    commit(pending, force=force)
    return written


def _progress_for(progress: ExportProgress, name: str, total: int | None) -> Callable[[int], None]:
    progress(name, 0, total)
    return lambda rows: progress(name, rows, total)


def _count(conn: Connection, table: ExportTable, sql: SqlDialect) -> int:
    stmt = table.select(sql).order_by(None).subquery()
    return int(conn.execute(select(func.count()).select_from(stmt)).scalar_one())


def rows_of(
    conn: Connection,
    table: ExportTable,
    fmt: Format | str = Format.JSON,
    *,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[tuple[Any, ...]]:
    """A table's rows as plain tuples in column order, values as `fmt` writes them, streamed.

    Mapped to the column names, they are what the reference writers of `core.formats`
    take: the exported file is their text for these rows.
    """
    sql = SqlDialect(conn, file_format(fmt))
    for batch in _batches(conn, table, sql, batch_rows):
        for row in batch:
            yield tuple(row)


def _batches(
    conn: Connection, table: ExportTable, sql: SqlDialect, batch_rows: int
) -> Iterator[Sequence[Any]]:
    stmt = absent_as_null(table.select(sql), table.fields)
    result = conn.execution_options(yield_per=batch_rows).execute(stmt)
    try:
        if table.python_values:
            converted = _python_converter(sql.csv)
            for batch in result.partitions():
                yield [tuple(converted(v) for v in row) for row in batch]
        else:
            yield from result.partitions()
    finally:
        result.close()


def _python_converter(for_csv: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True, ensure_ascii=False) if for_csv else value
        return text_value(value) if for_csv else json_value(value)

    return convert


def write_table(
    conn: Connection,
    table: ExportTable,
    stream: IO[str],
    fmt: Format | str = Format.CSV,
    *,
    excel: bool = False,
    sql: SqlDialect | None = None,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Stream one table to a text stream (opened with `newline=''`); return the row count.

    CSV, JSON and NDJSON have fast paths (`fast_csv`, `fast_json`); any other format, and
    CSV of the few tables converted in Python, goes through the format's reference writer.
    """
    fmt = file_format(fmt)
    sql = sql if sql is not None else SqlDialect(conn, fmt)
    if fmt is Format.CSV and not table.python_values:
        lines = sql_line_batches(conn, table, sql, excel=excel, batch_rows=batch_rows)
        return write_csv_lines(
            stream, table.columns, _prefetched(lines), excel=excel, progress=progress
        )
    batches = _prefetched(_batches(conn, table, sql, batch_rows))
    if fmt in (Format.JSON, Format.NDJSON):
        return write_json_rows(
            stream, table.columns, batches, ndjson=fmt is Format.NDJSON, progress=progress
        )
    rows = _mappings(table.columns, batches, progress)
    if fmt is Format.CSV:
        return write_csv(stream, table.columns, rows, excel=excel)
    assert fmt.writer is not None  # a file format has one
    return fmt.writer(stream, table.columns, rows)


def _mappings(
    columns: list[str], batches: Iterable[Sequence[Any]], progress: Callable[[int], None] | None
) -> Iterator[dict[str, Any]]:
    """Rows as mappings for the reference writer; `progress` once each batch is written."""
    count = 0
    for batch in batches:
        for row in batch:
            yield dict(zip(columns, row, strict=True))
        count += len(batch)
        if progress is not None:
            progress(count)


_END: Final = object()


def _prefetched(batches: Iterator[Any], depth: int = 4) -> Iterator[Any]:
    """Fetch the next batches in a thread while this one is written.

    The driver releases the GIL while the database steps through rows (SQLite) or waits
    for the server (PostgreSQL), so reading and writing overlap on two cores. At most
    `depth` batches wait in the queue: memory stays bounded.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_END)
        except BaseException as exc:  # handed to the writing thread, which raises it
            put(exc)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # the result is closed in the thread that used it

    thread = threading.Thread(target=produce, name="export-fetch", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
