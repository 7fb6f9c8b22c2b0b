"""SQL for natural keys, shared by `export` and `dump`: code-point order and scope keys.

Both write rows ordered by their natural key, the same on SQLite and PostgreSQL, and
both name a scope (an alliance or one of its pillars) by the alliance key and the pillar
number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, text
from sqlalchemy.orm import aliased

from alliancekb.store import models as m

#: A SELECT of any columns (SQLAlchemy 2.1 types a select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]

_BYTE_ORDER_COLLATIONS = ("C", "POSIX", "C.UTF-8", "C.UTF8")


class KeyOrder:
    """ORDER BY terms for text keys in code-point order (as SQLite's BINARY and Python sort)."""

    def __init__(self, conn: Connection) -> None:
        self.postgres = conn.dialect.name == "postgresql"
        # A PostgreSQL database whose collation is not C would order by its locale, so the
        # keys are then compared with COLLATE "C" (which cannot use the indexes: a sort).
        self.collate = False
        if self.postgres:
            collation = conn.execute(
                text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            ).scalar_one()
            self.collate = str(collation).upper() not in _BYTE_ORDER_COLLATIONS

    def key(self, column: Any) -> Any:
        """An ORDER BY term for a text key: code-point order on both backends."""
        return column.collate("C") if self.collate else column


def scope_key_joins(stmt: AnySelect, scope_id: Any) -> tuple[AnySelect, Any, Any]:
    """Join the alliance key and pillar number of a scope id (two indexed outer joins)."""
    own = aliased(m.Alliance, name="scope_alliance")
    pillar = aliased(m.Pillar, name="scope_pillar")
    parent = aliased(m.Alliance, name="scope_parent")
    stmt = (
        stmt.outerjoin(own, own.scope_id == scope_id)
        .outerjoin(pillar, pillar.scope_id == scope_id)
        .outerjoin(parent, parent.id == pillar.alliance_id)
    )
    return stmt, func.coalesce(own.key, parent.key), pillar.number
