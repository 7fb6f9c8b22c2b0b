"""Inserting many rows: a fast driver-level path beside the reference Core path.

`insert_rows_reference` is plain SQLAlchemy Core (`conn.execute(table.insert(), rows)`).
`BulkInserter.insert_rows` writes exactly the same rows faster: the rows go to the driver
as tuples, each value through its column type's bind processor (what Core would do), in
one statement written once, because Core's per-row parameter handling costs more than
SQLite's insert itself. SQLite takes them as one executemany. PostgreSQL takes them
through `COPY ... FROM STDIN` (psycopg 3's `cursor.copy()`, text format) on the load's own
connection and transaction: the server parses no statement and binds no parameter per
row, and inserts the rows in batches. A driver without `copy()` (or `copy=False`) gets
multi-row INSERTs of up to `rows_per_insert` rows instead (psycopg's executemany sends a
statement per row). Other backends, and any insert Core would bind more for (a default
for a column left out), take the reference path.

A failure inside COPY (a constraint the rows break, a lost connection) is raised as the
SQLAlchemy exception an INSERT would have raised (`IntegrityError`, `OperationalError`...,
wrapping the same psycopg error, whose message names the same constraint and key), and a
lost connection is invalidated as SQLAlchemy would: callers and `store.db`'s translation
see one kind of error whichever path wrote the rows.

The bind processors come from SQLAlchemy's `TypeEngine._cached_bind_processor`, a private
(but long-stable) API: this module is the only place that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

from sqlalchemy import Connection, Dialect, Table, insert
from sqlalchemy.exc import DBAPIError

from alliancekb.store.copy_behind import CopyBehind

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
    #: `COPY table (columns) FROM STDIN` (PostgreSQL); None elsewhere.
    copy: str | None = None


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
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return InsertPlan(head + " VALUES ", processors, row, copy_statement(table, columns, dialect))


def copy_statement(table: Table, columns: Sequence[str], dialect: Dialect) -> str:
    """`COPY table (columns) FROM STDIN`, names quoted as Core quotes them."""
    quote = dialect.identifier_preparer
    return (
        f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) "
        "FROM STDIN"
    )


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
        copy: bool = True,
        behind: bool = False,
    ) -> None:
        self.conn = conn
        self.rows_per_insert = rows_per_insert
        self.max_parameters = max_parameters
        # COPY needs psycopg 3's `Cursor.copy`; another PostgreSQL driver gets INSERTs.
        self.copy = copy and conn.dialect.driver == "psycopg"
        self._plans: dict[tuple[str, tuple[str, ...]], InsertPlan | None] = {}
        #: COPYs on a worker thread while the caller goes on (store/copy_behind.py).
        self._behind = CopyBehind(conn) if behind and self.copy else None

    def close(self, *, failing: bool = False) -> None:
        """Wait for the COPYs still running behind (raising a failure unless `failing`)."""
        if self._behind is not None:
            self._behind.close(failing=failing)

    def insert_rows(
        self,
        table: Table,
        rows: Sequence[dict[str, Any]],
        *,
        extra: tuple[str, Callable[[Sequence[dict[str, Any]]], list[Any]]] | None = None,
    ) -> None:
        """Insert rows that all have the same keys, in as few round trips as can be.

        `extra`: a column the database fills itself when it is left out (a trigger), and
        how to compute its values from the rows; sent only where the rows go by COPY.
        """
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
        if self.copy and plan.copy is not None:
            copy = plan.copy
            if extra is not None:
                column, compute = extra
                copy = copy_statement(table, (*columns, column), self.conn.dialect)
                params = [
                    (*values, value) for values, value in zip(params, compute(rows), strict=True)
                ]
            self._copy(copy, params)
            return
        per_insert = max(1, min(self.rows_per_insert, self.max_parameters // len(columns)))
        for start in range(0, len(params), per_insert):
            chunk = params[start : start + per_insert]
            sql = plan.sql + ", ".join([plan.row] * len(chunk))
            self.conn.exec_driver_sql(sql, tuple(v for values in chunk for v in values))

    def _copy(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        """The rows through COPY on the connection's own psycopg connection (its transaction)."""
        conn = self.conn
        if not conn.in_transaction():
            # What executing an INSERT would do (autobegin): the COPY is then committed or
            # rolled back with the Connection's transaction, not left to the driver's.
            conn.begin()
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()

        def as_error(exc: BaseException) -> BaseException:
            error = _as_sqlalchemy_error(conn, sql, exc, cursor)
            if error is not exc:
                error.__cause__ = exc
            return error

        if self._behind is not None:
            self._behind.submit(lambda: _copy_rows(cursor, sql, params), as_error)
            return
        try:
            _copy_rows(cursor, sql, params)
        except Exception as exc:
            raise as_error(exc)  # noqa: B904 -- as_error sets the cause


def _copy_rows(cursor: Any, sql: str, params: list[tuple[Any, ...]]) -> None:
    try:
        with cursor.copy(sql) as copy:
            write_row = copy.write_row
            for values in params:
                write_row(values)
    finally:
        cursor.close()


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


def _as_sqlalchemy_error(
    conn: Connection, sql: str, exc: BaseException, cursor: Any
) -> BaseException:
    """A driver error from COPY as SQLAlchemy would raise it for a statement (else `exc`).

    Its class from the driver's (IntegrityError for a unique or foreign key violation,
    OperationalError for a lost connection...); a disconnect invalidates the connection,
    as SQLAlchemy does when a statement meets one, so the pool never hands it out again.
    """
    dialect = conn.dialect
    dbapi = dialect.loaded_dbapi
    if not isinstance(exc, dbapi.Error):
        return exc
    raw = conn.connection.dbapi_connection
    disconnect = dialect.is_disconnect(exc, raw, cursor)
    if disconnect:
        conn.invalidate(exc)
    wrapped: BaseException = DBAPIError.instance(
        sql, None, exc, dbapi.Error, connection_invalidated=disconnect, dialect=dialect
    )
    return wrapped
