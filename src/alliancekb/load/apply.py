"""The apply stage: the writes a plan makes, done in the load's write transaction.

The planner (alliancekb.load.plan) decides what changes and calls a `Writes`; on a real
load that is `DatabaseWrites`, which writes on the transaction's connection and returns
the new rows' ids; on a dry run it is `plan.PlannedWrites`, which writes nothing and
hands out provisional ids. Core statements throughout: the ORM's bulk path costs 3x here.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Insert, Table, delete, insert, update

from alliancekb.core.vocab import ScopeKind
from alliancekb.store import models as m
from alliancekb.store.bulk_insert import BulkInserter
from alliancekb.store.pg_search_document import SearchDocuments
from alliancekb.store.search import PG_DOCUMENT_COLUMN
from alliancekb.store.versions import V_LOAD

_SCOPES: Table = m.Scope.__table__  # type: ignore[assignment]
_MEMBERSHIPS: Table = m.Membership.__table__  # type: ignore[assignment]
_STATEMENTS: Table = m.Statement.__table__  # type: ignore[assignment]


class Writes(Protocol):
    """What a plan asks to be written (each method: one change the plan decided)."""

    def insert(self, table: Table, row: dict[str, Any]) -> int:
        """Insert one entity row; its id."""

    def update(self, table: Table, row_id: Any, changed: dict[str, Any]) -> None:
        """Set `changed` on the row whose id is `row_id`."""

    def new_scope(self, kind: ScopeKind) -> int:
        """A new scope (of an alliance or a pillar); its id."""

    def replace_owned(
        self, table: Table, owner_col: str, owner_id: Any, rows: list[dict[str, Any]]
    ) -> None:
        """Replace the rows an owner has in an alias or link table with `rows`."""

    def delete_owned(self, table: Table, owner_col: str, owner_id: Any) -> None:
        """Delete the rows an owner has in a link table (new ones follow by `insert_rows`)."""

    def insert_memberships(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert memberships; their ids, in the order of `rows`."""

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert many rows with the same keys (statements and links)."""


class DatabaseWrites:
    """Writes on the load's connection, inside its write transaction."""

    def __init__(self, conn: Connection, *, load_id: int = 0, engine: Engine | None = None) -> None:
        self.conn = conn
        #: Stamped on every row inserted (`v_load`: knowledge time, store/versions.py).
        self.load_id = load_id
        # COPY behind: PostgreSQL inserts a batch while the planner makes the next.
        self._bulk = BulkInserter(conn, behind=True)
        self._inserts: dict[str, Insert] = {}
        # Where rows go by COPY (PostgreSQL), the loader builds their search documents; the
        # stems are asked on a connection of `engine` (a committed schema), else on `conn`.
        self._documents = SearchDocuments(engine or conn) if self._bulk.copy else None

    def __enter__(self) -> DatabaseWrites:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        # Unwinding an error of its own, the load must not have it replaced by a COPY's.
        self.close(failing=exc_type is not None)

    def close(self, *, failing: bool = False) -> None:
        """Wait for the writes still running (raising a failure unless `failing`)."""
        try:
            self._bulk.close(failing=failing)
        finally:
            if self._documents is not None:
                self._documents.close()

    def insert(self, table: Table, row: dict[str, Any]) -> int:
        statement = self._inserts.get(table.name)
        if statement is None:
            # Built once: building and caching a statement per row cost more than the
            # insert (SQLAlchemy caches the compiled form per set of columns given).
            statement = self._inserts[table.name] = insert(table).returning(table.c.id)
        return int(self.conn.execute(statement, {**row, V_LOAD: self.load_id}).scalar_one())

    def update(self, table: Table, row_id: Any, changed: dict[str, Any]) -> None:
        self.conn.execute(update(table).where(table.c.id == row_id).values(**changed))

    def new_scope(self, kind: ScopeKind) -> int:
        return int(
            self.conn.execute(
                insert(_SCOPES).values(kind=kind, v_load=self.load_id).returning(_SCOPES.c.id)
            ).scalar_one()
        )

    def replace_owned(
        self, table: Table, owner_col: str, owner_id: Any, rows: list[dict[str, Any]]
    ) -> None:
        self.delete_owned(table, owner_col, owner_id)
        if rows:
            self.conn.execute(insert(table), self._stamped(rows))

    def delete_owned(self, table: Table, owner_col: str, owner_id: Any) -> None:
        self.conn.execute(delete(table).where(table.c[owner_col] == owner_id))

    def insert_memberships(self, rows: list[dict[str, Any]]) -> list[int]:
        result = self.conn.execute(
            insert(_MEMBERSHIPS).returning(_MEMBERSHIPS.c.id, sort_by_parameter_order=True),
            self._stamped(rows),
        )
        return [int(row_id) for row_id in result.scalars()]

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if self._documents is not None and table.name == _STATEMENTS.name:
            documents = self._documents.documents
            self._bulk.insert_rows(
                table,
                self._stamped(rows),
                extra=(PG_DOCUMENT_COLUMN, lambda rows: documents([r["text"] for r in rows])),
            )
            return
        self._bulk.insert_rows(table, self._stamped(rows))

    def _stamped(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Copies: the planner keeps its rows to compare later records with.
        load_id = self.load_id
        return [{**row, V_LOAD: load_id} for row in rows]
