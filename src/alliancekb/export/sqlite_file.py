"""The whole knowledge base as one SQLite file: every exportable table, from one snapshot.

`alliancekb export --sqlite FILE` writes the tables of the export catalogue (readable
natural keys, the same columns and rows as the CSV/JSON export, docs/export.md) into a
fresh SQLite database, from one read transaction on any backend, so the copy is
consistent. Natural keys become primary keys and references to them foreign keys (tools
such as Datasette show them as links); statements get an FTS5 index on their text; the
`snapshot` table says when and from what the copy was taken. Callers may add tables of
their own (`ExtraTable`: derived answers, say) read in the same transaction.

The file is written beside the target and moved into place when complete (as every
export), and made read-only: it is a snapshot, not a database to load into.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alliancekb.core.atomicfile import check_targets, commit, partial_path, removed_on_failure
from alliancekb.core.errors import RuntimeFailure
from alliancekb.core.formats import Format
from alliancekb.export.catalogue import TABLES, ExportTable
from alliancekb.export.files import rows_of
from alliancekb.export.keys import PRIMARY_KEYS, REFERENCES
from alliancekb.store.db import read_session
from alliancekb.store.search import FTS5_TOKENIZE

_SQL_TYPES = {"int": "INTEGER", "bool": "INTEGER", "date": "TEXT", "text": "TEXT"}
#: The FTS5 index on statement text (tokenized as the knowledge base's own search).
FTS_TABLE = "statements_fts"
SNAPSHOT_TABLE = "snapshot"


@dataclass(frozen=True)
class ExtraTable:
    """A table a caller adds: name, description, (column, SQL type, doc), and its rows."""

    name: str
    description: str
    columns: tuple[tuple[str, str, str], ...]
    rows: Callable[[Session], Iterable[Sequence[Any]]]


@dataclass(frozen=True)
class SnapshotReport:
    path: Path
    #: Rows per table, in the order written.
    counts: dict[str, int]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_sql(table: ExportTable) -> str:
    pk = PRIMARY_KEYS.get(table.name)
    parts = []
    for f in table.fields:
        column = f"{_quote(f.name)} {_SQL_TYPES[f.kind]}"
        if f.name == pk:
            column += " PRIMARY KEY"
        target = REFERENCES.get(f.name)
        if target is not None and target != table.name:
            column += f" REFERENCES {_quote(target)}({_quote(PRIMARY_KEYS[target])})"
        parts.append(column)
    return f"CREATE TABLE {_quote(table.name)} ({', '.join(parts)})"


def _value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _insert(out: sqlite3.Connection, name: str, width: int, rows: Iterable[Sequence[Any]]) -> int:
    sql = f"INSERT INTO {_quote(name)} VALUES ({', '.join('?' * width)})"  # noqa: S608
    count = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(_value(v) for v in row))
        if len(batch) >= 5000:
            out.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    out.executemany(sql, batch)
    return count + len(batch)


def write_sqlite(
    engine: Engine,
    target: Path,
    *,
    force: bool = False,
    extra: Sequence[ExtraTable] = (),
    described_as: str = "",
    known_on: str | int | None = None,
) -> SnapshotReport:
    """Write the knowledge base (and `extra` tables) to a new SQLite file at `target`.

    Refuses an existing target without `force` (UsageError, exit 2). `described_as` (the
    database the copy is of, password-free) goes into the `snapshot` table. `known_on`:
    the copy as the knowledge base stood after that load.
    """
    check_targets([target], force=force)
    pending = partial_path(target)
    temp = pending.temp
    counts: dict[str, int] = {}
    with removed_on_failure(pending):
        try:
            out = sqlite3.connect(temp)
        except sqlite3.Error as exc:
            raise RuntimeFailure(f"cannot write {target}: {exc}") from None
        try:
            out.execute("PRAGMA journal_mode=OFF")
            out.execute("PRAGMA synchronous=OFF")
            with read_session(engine, known_on) as session:
                conn = session.connection()
                taken = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
                for table in TABLES:
                    out.execute(_create_sql(table))
                    counts[table.name] = _insert(
                        out, table.name, len(table.fields), rows_of(conn, table, Format.JSON)
                    )
                for more in extra:
                    columns = ", ".join(f"{_quote(c)} {t}" for c, t, _ in more.columns)
                    out.execute(f"CREATE TABLE {_quote(more.name)} ({columns})")
                    counts[more.name] = _insert(
                        out, more.name, len(more.columns), more.rows(session)
                    )
            _add_search(out)
            _add_snapshot_table(out, taken, described_as, counts)
            out.commit()
            out.execute("VACUUM")
        except sqlite3.Error as exc:
            raise RuntimeFailure(f"cannot write {target}: {exc}") from None
        finally:
            out.close()
        os.chmod(temp, 0o444)
    if force:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(target, 0o644)  # a read-only earlier snapshot may be replaced
    commit([pending], force=force)
    return SnapshotReport(target, counts)


def _add_search(out: sqlite3.Connection) -> None:
    """FTS5 on statement text, with the tokenizer the knowledge base's own search uses
    (Porter stems: `submarine` finds "submarines", as `statements --search` does)."""
    out.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        f"text, content='statements', content_rowid='rowid', tokenize='{FTS5_TOKENIZE}')"
    )
    out.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608


def _add_snapshot_table(
    out: sqlite3.Connection, taken: str, described_as: str, counts: dict[str, int]
) -> None:
    from alliancekb.core.version import __version__

    out.execute(f"CREATE TABLE {SNAPSHOT_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
    rows = [
        ("taken_at", taken),
        ("taken_from", described_as),
        ("alliancekb_version", __version__),
        ("tables", json.dumps(counts)),
    ]
    out.executemany(f"INSERT INTO {SNAPSHOT_TABLE} VALUES (?, ?)", rows)  # noqa: S608
