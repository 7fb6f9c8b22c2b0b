"""Knowledge time: the knowledge base as it stood after a past load.

Valid time (`--as-of`) is when a fact was true in the world; knowledge time is when the
knowledge base held it. Migration 0008 keeps, beside each fact table `T`, the versions
loads replaced or withdrew in `T_versions` (T's columns, then `v_until`), and stamps every
row with `v_load`, the load that wrote it. A version is held from its `v_load` until
(not including) its `v_until`; a row of `T` from its `v_load` on. So the state after load
N is, for every table, the rows of `T` with `v_load <= N` and the versions with
`v_load <= N < v_until`.

Reading that state needs no query of its own: `known_on_views` creates, inside a read
transaction, a temporary view named like each table that changed after N, and every
unqualified table name of every query (members, statements, export, dump, ...) then reads
the view (SQLite searches the `temp` schema first, PostgreSQL its `pg_temp`). Tables
nothing changed since N are left as they are. The views are dropped when the read ends.

Writes: a load opens `recording(conn, load_id)`; the triggers of 0008 read the clock it
sets, and the loader stamps the rows it inserts with the same id.

Reading a past state imports neither SQLAlchemy's ORM nor the models (~0.15 s of a
`--known-on` command, issue 32): the loads are read through `store.tables`, and the fact
tables and their columns from the database's catalog (`versioned_columns`). Only the
writes (a load, `db compact`) use the models.
"""

# ruff: noqa: S608 -- the SQL names only the models' tables and the columns the database lists

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, text, update

from alliancekb.core.knowledge_time import (
    EMPTY,
    MAX_LOAD,
    KnownOn,
    KnownOnError,
    no_such_load,
    parse_moment,
)
from alliancekb.store import tables as t
from alliancekb.store.search import VERSIONS_FTS

if TYPE_CHECKING:
    from sqlalchemy import TextClause

#: The column every fact table carries: the load that wrote its row.
V_LOAD = "v_load"
#: The suffix of a fact table's table of replaced versions.
VERSIONS = "_versions"


def versions_of(table: str) -> str:
    """The name of `table`'s table of replaced versions."""
    return table + VERSIONS


def is_versions_object(name: str | None, type_: str) -> bool:
    """Whether a reflected object is knowledge-time machinery (made by 0008, not modelled)."""
    if name is None:
        return False
    if type_ == "table":
        return name.endswith(VERSIONS) or name.startswith(VERSIONS_FTS)
    if type_ == "index":
        return VERSIONS in name
    return False


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def resolve(conn: Connection, value: str | int | dt.datetime) -> KnownOn:
    """The load a knowledge time names: a load number, or the last load ended by a moment."""
    moment = parse_moment(value) if isinstance(value, str) else value
    loads = t.loads
    since = conn.execute(text("SELECT since FROM knowledge_clock")).scalar()
    if moment == 0 and since == 0:
        return KnownOn(0, EMPTY)
    if isinstance(moment, int):
        row = None
        if 0 <= moment <= MAX_LOAD:  # past it, PostgreSQL's integer column would refuse it
            row = conn.execute(
                select(loads.c.id, loads.c.finished_at).where(loads.c.id == moment)
            ).first()
        if row is None:
            newest = conn.execute(select(loads.c.id).order_by(loads.c.id.desc()).limit(1)).scalar()
            known = f"the newest is load {newest}" if newest else "there is no load yet"
            raise KnownOnError(f"{no_such_load(moment)} ({known}; see `history`)")
    else:
        # Compared in Python: SQLite keeps the timestamps as text, so an aware bound
        # written in another zone would compare wrongly in SQL.
        row = None
        for found in conn.execute(
            select(loads.c.id, loads.c.finished_at).order_by(loads.c.id.desc())
        ):
            if _aware(found.finished_at) <= moment:
                row = found
                break
        if row is None:
            raise KnownOnError(f"no load had finished by {moment.isoformat()} (see `history`)")
    if since is not None and row.id < since:
        raise KnownOnError(
            f"the history reaches back to load {since} (it began then, or `db compact` "
            f"dropped what was older); load {row.id} cannot be reproduced"
        )
    return KnownOn(int(row.id), _aware(row.finished_at))


def previous_load(conn: Connection, load: int) -> int:
    """The load before `load` (0: none, the empty knowledge base)."""
    loads = t.loads
    found = conn.execute(
        select(loads.c.id).where(loads.c.id < load).order_by(loads.c.id.desc()).limit(1)
    ).scalar()
    return int(found or 0)


# --- writing ---------------------------------------------------------------------------


#: The step that keeps load times strictly increasing when the clock does not move.
_TICK = dt.timedelta(microseconds=1)


def load_time(conn: Connection) -> dt.datetime:
    """The time of the load being written, in UTC, to the microsecond: call it holding the
    writers' lock (inside `store.db.write_session`), so that it is not taken before a wait.

    PostgreSQL's `now()` is its transaction's start, before the lock was waited for, and
    SQLite's CURRENT_TIMESTAMP is cut to the second: the time is the server's
    `clock_timestamp()` on PostgreSQL (one clock for every client), the system's on SQLite
    (a local file). It is later than every time of the newest load, so that load numbers
    and times rise together even when the clock stands still or steps back.
    """
    from alliancekb.store import models as m

    if conn.dialect.name == "postgresql":
        now = _aware(conn.execute(text("SELECT clock_timestamp()")).scalar_one())
    else:
        now = dt.datetime.now(dt.UTC)
    loads = m.Load.__table__
    newest = conn.execute(
        select(loads.c.started_at, loads.c.finished_at).order_by(loads.c.id.desc()).limit(1)
    ).first()
    if newest is not None:
        latest = max(_aware(t) for t in newest if t is not None)
        now = max(now, latest + _TICK)
    return now.astimezone(dt.UTC)


@contextmanager
def recording(conn: Connection, load_id: int) -> Iterator[None]:
    """Inside a write transaction: the versions the writes replace are kept as `load_id`'s.

    The clock is cleared again before the transaction commits; on an error the whole
    transaction, clock included, rolls back.
    """
    from alliancekb.store import models as m

    clock = update(m.KnowledgeClock).where(m.KnowledgeClock.id == 1)
    conn.execute(clock.values(writing=load_id))
    yield
    conn.execute(clock.values(writing=None))


# --- reading a past state --------------------------------------------------------------


#: Each fact table (a table with `<name>_versions` beside it) and its columns in order,
#: PostgreSQL's stored search document included: one query of the catalog.
_CATALOG: dict[str, TextClause] = {
    "sqlite": text(
        "SELECT substr(v.name, 1, length(v.name) - :n), c.name FROM main.sqlite_master AS v, "
        "pragma_table_info(substr(v.name, 1, length(v.name) - :n), 'main') AS c "
        "WHERE v.type = 'table' AND v.name LIKE :like ESCAPE '\\' ORDER BY 1, c.cid"
    ),
    "postgresql": text(
        "SELECT c.relname, a.attname FROM pg_catalog.pg_class AS c "
        "JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid "
        "JOIN pg_catalog.pg_class AS v "
        "ON v.relnamespace = c.relnamespace AND v.relname = c.relname || :suffix "
        "WHERE c.relnamespace = current_schema()::regnamespace "
        "AND c.relkind IN ('r', 'p') AND v.relkind IN ('r', 'p') "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
    ),
}


def versioned_columns(conn: Connection) -> dict[str, list[str]]:
    """Every fact table (a table with a table of versions beside it) and its columns.

    Read from the database, not the models (they are tested equal to the migrated
    schema; importing them would cost a `--known-on` read ~0.15 s): the table's columns
    in its order, which its versions hold too, PostgreSQL's stored search document (which
    the statements' search reads) among them.
    """
    sqlite = conn.dialect.name == "sqlite"
    params: dict[str, Any] = (
        {"n": len(VERSIONS), "like": f"%\\{VERSIONS}"} if sqlite else {"suffix": VERSIONS}
    )
    found: dict[str, list[str]] = {}
    for table, column in conn.execute(_CATALOG[conn.dialect.name], params):
        found.setdefault(str(table), []).append(str(column))
    return found


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote(name))


def changed_since(
    conn: Connection, load: int, tables: Sequence[str] | None = None
) -> list[tuple[str, bool]]:
    """The tables a load after `load` changed, and whether each has versions to bring back.

    One query (an indexed probe per table and per table of versions), one round trip.
    `tables`: the fact tables (default: `versioned_columns`').
    """
    if tables is None:
        tables = list(versioned_columns(conn))
    probes = []
    for name in tables:
        q, kept = _quote(conn, name), _quote(conn, versions_of(name))
        probes.append(
            f"SELECT '{name}' AS name, "
            f"EXISTS (SELECT 1 FROM {q} WHERE v_load > :n) AS newer, "
            f"EXISTS (SELECT 1 FROM {kept} WHERE v_until > :n) AS older"
        )
    rows = conn.execute(text(" UNION ALL ".join(probes)), {"n": load})
    return [(str(name), bool(older)) for name, newer, older in rows if newer or older]


def known_on_views(conn: Connection, load: int) -> list[str]:
    """Views that make every unqualified read see the knowledge base after `load`.

    Returns the names to give `drop_views`. Call inside a read transaction.
    """
    columns = versioned_columns(conn)
    changed = changed_since(conn, load, list(columns))
    if not changed:
        return []
    sqlite = conn.dialect.name == "sqlite"
    schema = (
        "main"
        if sqlite
        else _quote(conn, str(conn.execute(text("SELECT current_schema()")).scalar_one()))
    )
    made = []
    for name, has_versions in changed:
        listed = ", ".join(_quote(conn, c) for c in columns[name])
        # A view has no rowid: the statements' search matches FTS5 rowids, so the view
        # carries one (a kept version's is the negative of its own rowid; see search.py).
        # Both arms' columns must have the same affinity, or SQLite will not flatten the
        # view into a query (it would read every row of it first: 1 s at 1M statements),
        # hence the CAST: a bare `-rowid` has none.
        current_rowid = "rowid AS rowid, " if sqlite and name == "statements" else ""
        version_rowid = "CAST(-rowid AS INTEGER) AS rowid, " if current_rowid else ""
        q = _quote(conn, name)
        body = f"SELECT {current_rowid}{listed} FROM {schema}.{q} WHERE v_load <= {int(load)}"
        if has_versions:
            body += (
                f" UNION ALL SELECT {version_rowid}{listed} FROM {schema}."
                f"{_quote(conn, versions_of(name))} "
                f"WHERE v_load <= {int(load)} AND v_until > {int(load)}"
            )
        _ddl(conn, f"CREATE TEMP VIEW {q} AS {body}")
        made.append(name)
    return made


def drop_views(conn: Connection, names: Sequence[str]) -> None:
    """Drop the views `known_on_views` made (they would outlive the transaction)."""
    temp = "temp" if conn.dialect.name == "sqlite" else "pg_temp"
    for name in names:
        _ddl(conn, f"DROP VIEW IF EXISTS {temp}.{_quote(conn, name)}")


def _ddl(conn: Connection, sql: str) -> None:
    # On the driver's own cursor: a streaming reader (dump) has asked SQLAlchemy for
    # server-side cursors, which PostgreSQL opens only for queries.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


@dataclass(frozen=True)
class Compacted:
    """What `compact` did: the oldest load still reproducible, and the versions dropped."""

    since: int
    dropped: int


def compact(conn: Connection, before: dt.datetime) -> Compacted:
    """Drop the versions only states older than the last load finished before `before` need.

    Inside a write transaction. The state after that load and every later one stay
    reproducible; `--known-on` an older load is refused from then on.
    """
    from alliancekb.store import models as m

    loads = m.Load.__table__
    rows = conn.execute(select(loads.c.id, loads.c.finished_at).order_by(loads.c.id.desc()))
    keep = next((int(r.id) for r in rows if _aware(r.finished_at) < before), None)
    since = int(conn.execute(select(m.KnowledgeClock.since)).scalar() or 0)
    if keep is None or keep <= since:
        return Compacted(since, 0)
    dropped = 0
    for table in m.VERSIONED_TABLES:
        result = conn.execute(
            text(f"DELETE FROM {_quote(conn, versions_of(table.name))} WHERE v_until <= :k"),
            {"k": keep},
        )
        dropped += max(result.rowcount, 0)
    conn.execute(update(m.KnowledgeClock).where(m.KnowledgeClock.id == 1).values(since=keep))
    return Compacted(keep, dropped)
