"""statements keep their identity when edited; facts can be retracted

Truth over time (issue 14). Two changes, one revision:

1. A statement given without an `id` used to get `st-` + the first 20 hex digits of
   sha256(speaker, date, text, source): editing its text and loading again made a second
   statement. It is now identified by (speaker, date, source) alone: `st-` + sha256 of
   those three (`alliancekb.load.batches.statement_id`), so an edit updates it. Every stored
   statement whose id equals the OLD derivation of its own stored values gets the NEW
   derived id, in `statements` and in the link tables (statement_countries,
   statement_scopes, statement_technology_areas). Statements with explicit ids (any id
   that is not the old derivation of the row) are untouched. If two old-derived
   statements would get the same new id (one speaker, one date, one source, two texts),
   or the new id is already taken, they KEEP their old ids: nothing is merged or lost,
   and a later load of their file asks for an `id` each, as it must.

   Search: on SQLite the FTS5 index (0002) is keyed by the statements table's rowid,
   which an UPDATE of the `id` column does not change (`id` is a TEXT primary key, not the
   rowid), and the index's triggers fire on changes of `text` only: the index stays
   correct without a rebuild. On PostgreSQL the stored search document (0003) depends on
   `text` alone. The link rows are deleted and re-inserted under the new id (their
   foreign keys have no ON UPDATE CASCADE, and PostgreSQL checks them at once).

2. A new table `retractions`: facts withdrawn (alliancekb.store.models.Retraction).

Downgrade reverses both: every statement whose id equals the NEW derivation of its
stored values gets the OLD derivation of its current text back (unless two would collide,
or the id is taken: then it keeps its id), and the `retractions` table is dropped. The
retracted facts stay out of the knowledge base; only the record of their retraction
(and its snapshot of each fact) is lost, so back it up first (`alliancekb dump`).

The id derivations are written out here, not imported: a migration is a frozen record of
what it did, whatever the package says later.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINKS = {
    "statement_countries": "country_id",
    "statement_scopes": "scope_id",
    "statement_technology_areas": "technology_area_id",
}
#: Statements renamed per round of link moves (keeps each IN (...) list modest).
_CHUNK = 500


def _digest(*parts: str) -> str:
    return "st-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def _old_id(speaker: str, date: str, text: str, source: str) -> str:
    return _digest(speaker, date, text, source)


def _new_id(speaker: str, date: str, source: str) -> str:
    return _digest(speaker, date, source)


_STATEMENTS_WITH_KEYS = sa.text(
    "SELECT s.id, s.date_text, s.text, src.key AS source, o.key AS official, "
    "c.iso3 AS country, a.key AS alliance "
    "FROM statements s JOIN sources src ON src.id = s.source_id "
    "LEFT JOIN officials o ON o.id = s.speaker_official_id "
    "LEFT JOIN countries c ON c.id = s.speaker_country_id "
    "LEFT JOIN alliances a ON a.id = s.speaker_alliance_id"
)


def _speaker(row: sa.Row[tuple[object, ...]]) -> str:
    if row.official is not None:
        return f"official:{row.official}"
    if row.country is not None:
        return f"country:{row.country}"
    return f"alliance:{row.alliance}"


def _renames(
    conn: sa.Connection,
    derived_now: Callable[[str, str, str, str], str],
    derived_then: Callable[[str, str, str, str], str],
) -> dict[str, str]:
    """{id: new id} for every statement whose id is `derived_now` of its stored values.

    Targets two statements would share, or that another statement already has, are left
    out: those statements keep their ids.
    """
    ids: set[str] = set()
    wanted: dict[str, str] = {}
    for row in conn.execute(_STATEMENTS_WITH_KEYS):
        ids.add(row.id)
        values = (_speaker(row), row.date_text, row.text, row.source)
        if row.id == derived_now(*values):
            wanted[row.id] = derived_then(*values)
    shared = Counter(wanted.values())
    return {
        old: new
        for old, new in wanted.items()
        if old != new and shared[new] == 1 and new not in ids
    }


def _rename(conn: sa.Connection, renames: dict[str, str]) -> None:
    """Give statements new ids, moving their link rows along.

    (Table and column names in the SQL come from `_LINKS`, constants of this file.)
    """
    items = sorted(renames.items())
    for start in range(0, len(items), _CHUNK):
        chunk = dict(items[start : start + _CHUNK])
        olds = list(chunk)
        moved: dict[str, list[dict[str, object]]] = {}
        for table, column in _LINKS.items():
            rows = conn.execute(
                sa.text(
                    f"SELECT statement_id, {column} FROM {table} WHERE statement_id IN :ids"  # noqa: S608
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": olds},
            ).all()
            moved[table] = [{"sid": chunk[sid], "target": target} for sid, target in rows]
            conn.execute(
                sa.text(f"DELETE FROM {table} WHERE statement_id IN :ids").bindparams(  # noqa: S608
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": olds},
            )
        conn.execute(
            sa.text("UPDATE statements SET id = :new WHERE id = :old"),
            [{"old": old, "new": new} for old, new in chunk.items()],
        )
        for table, column in _LINKS.items():
            if moved[table]:
                conn.execute(
                    sa.text(f"INSERT INTO {table} (statement_id, {column}) VALUES (:sid, :target)"),  # noqa: S608
                    moved[table],
                )


def _old_of(speaker: str, date: str, text: str, source: str) -> str:
    return _old_id(speaker, date, text, source)


def _new_of(speaker: str, date: str, text: str, source: str) -> str:
    return _new_id(speaker, date, source)


def upgrade() -> None:
    op.create_table(
        "retractions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "membership",
                "position",
                "statement",
                name="fact_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=1200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("retracted_by", sa.String(length=500), nullable=False),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["loads.id"],
            name=op.f("fk_retractions_load_id_loads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retractions")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_retractions_kind_key")),
    )
    op.create_index(op.f("ix_retractions_load_id"), "retractions", ["load_id"], unique=False)
    conn = op.get_bind()
    _rename(conn, _renames(conn, _old_of, _new_of))


def downgrade() -> None:
    conn = op.get_bind()
    _rename(conn, _renames(conn, _new_of, _old_of))
    op.drop_index(op.f("ix_retractions_load_id"), table_name="retractions")
    op.drop_table("retractions")
