"""Inserting many rows: a fast driver-level path beside the reference Core path.

`insert_rows_reference` is plain SQLAlchemy Core (`conn.execute(table.insert(), rows)`).
`BulkInserter.insert_rows` writes exactly the same rows faster: the rows go to the driver
as tuples, each value through its column type's bind processor (what Core would do), in
one statement written once, because Core's per-row parameter handling costs more than
SQLite's insert itself. SQLite takes them as one executemany; PostgreSQL as multi-row
INSERTs of up to `rows_per_insert` rows (psycopg's executemany sends a statement per row).
Other backends, and any insert Core would bind more for (a default for a column left
out), take the reference path.

The bind processors come from SQLAlchemy's `TypeEngine._cached_bind_processor`, a private
(but long-stable) API: this module is the only place that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import Connection, Dialect, Table, insert

#: Rows per multi-row INSERT on PostgreSQL.
ROWS_PER_INSERT: Final = 1000
#: The most parameters one PostgreSQL statement may have here (the protocol's limit is 65535).
MAX_PARAMETERS: Final = 30_000


@dataclass(frozen=True)
class InsertPlan:
    """How the fast path writes rows of some columns of a table."""

    #: The INSERT of one row (executemany), or the statement up to `VALUES ` (multi-row).
    sql: str
    #: The position and bind processor of each column that has one.
    processors: list[tuple[int, Callable[[Any], Any]]]
    #: One row's placeholders, `(%s, %s)`, for multi-row INSERTs; None for executemany.
    row: str | None = None


def insert_plan(table: Table, columns: tuple[str, ...], dialect: Dialect) -> InsertPlan | None:
    """The fast plan for inserting `columns` of `table` (SQLite, PostgreSQL); None: Core's path.

    None also when Core would bind anything more (a default for a column left out).
    """
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if set(compiled.params) != set(columns) or dialect.name not in ("sqlite", "postgresql"):
        return None
    processors: list[tuple[int, Callable[[Any], Any]]] = [
        (i, process)
        for i, c in enumerate(columns)
        if (process := table.c[c].type._cached_bind_processor(dialect)) is not None
    ]
    if dialect.name == "sqlite":
        if compiled.positiontup != list(columns):
            return None
        return InsertPlan(str(compiled), processors)
    # Core's statement, its one row of named placeholders replaced by positional ones.
    head, _, _ = str(compiled).partition(" VALUES ")
    return InsertPlan(head + " VALUES ", processors, "(" + ", ".join(["%s"] * len(columns)) + ")")


def insert_rows_reference(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """The reference path: plain Core executemany."""
    if rows:
        conn.execute(insert(table), list(rows))


class BulkInserter:
    """The fast path on one connection, its plans made once per table and set of columns."""

    def __init__(
        self,
        conn: Connection,
        *,
        rows_per_insert: int = ROWS_PER_INSERT,
        max_parameters: int = MAX_PARAMETERS,
    ) -> None:
        self.conn = conn
        self.rows_per_insert = rows_per_insert
        self.max_parameters = max_parameters
        self._plans: dict[tuple[str, tuple[str, ...]], InsertPlan | None] = {}

    def insert_rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys, in as few round trips as can be."""
        if not rows:
            return
        columns = tuple(rows[0])
        key = (table.name, columns)
        if key not in self._plans:
            self._plans[key] = insert_plan(table, columns, self.conn.dialect)
        plan = self._plans[key]
        if plan is None:
            insert_rows_reference(self.conn, table, rows)
            return
        # By name, not by position: a row's keys may come in another order.
        values_of = itemgetter(*columns)
        params: list[tuple[Any, ...]]
        if len(columns) == 1:
            params = [(row[columns[0]],) for row in rows]
        elif plan.processors:
            params = []
            for row in rows:
                values = list(values_of(row))
                for i, process in plan.processors:
                    if values[i] is not None:
                        values[i] = process(values[i])
                params.append(tuple(values))
        else:
            params = [values_of(row) for row in rows]
        if plan.row is None:
            self.conn.exec_driver_sql(plan.sql, params)
            return
        per_insert = max(1, min(self.rows_per_insert, self.max_parameters // len(columns)))
        for start in range(0, len(params), per_insert):
            chunk = params[start : start + per_insert]
            sql = plan.sql + ", ".join([plan.row] * len(chunk))
            self.conn.exec_driver_sql(sql, tuple(v for values in chunk for v in values))


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    rows_per_insert: int = ROWS_PER_INSERT,
    max_parameters: int = MAX_PARAMETERS,
) -> None:
    """The fast path for one call (a loader keeps a `BulkInserter` to reuse its plans)."""
    inserter = BulkInserter(conn, rows_per_insert=rows_per_insert, max_parameters=max_parameters)
    inserter.insert_rows(table, rows)
