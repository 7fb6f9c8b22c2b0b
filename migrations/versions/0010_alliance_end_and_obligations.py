"""alliances end, and carry the obligations of their treaty

Issue 27 (when sources disagree):

- `alliances.ended` (EDTF, with bounds): the day an alliance or organisation was dissolved
  (the Warsaw Pact 1991-07-01, SEATO 1977-06-30). After it every membership of the
  alliance has ended; '' = not known to have ended.
- `alliances.obligations`: what the treaty binds every member to ('; '-joined
  Obligation values in vocabulary order, '' = none recorded). Members inherit them unless
  a claim of their own codes others.

Knowledge time (0008): `alliances_versions` keeps the versions loads replaced, with the
same columns in the same order. On SQLite the new columns are appended to both tables
and the two triggers, which name every column, are made again. On PostgreSQL the
trigger copies a row by position (`($1).*`), so `alliances_versions` is rebuilt with the
columns in `alliances`' new order and its kept versions copied over by name.

The SQL is written out literally, as in 0008: a migration is a frozen record.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:00:00
"""

# ruff: noqa: S608 -- the SQL names only the table above and the columns the database lists

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADDED = (
    ("ended", "VARCHAR(32) DEFAULT '' NOT NULL"),
    ("ended_lower", "DATE"),
    ("ended_upper", "DATE"),
    ("obligations", "VARCHAR(200) DEFAULT '' NOT NULL"),
)
_CLOCK = "(SELECT writing FROM knowledge_clock WHERE id = 1)"


def _sqlite_triggers(bind: Connection) -> None:
    """0008's two triggers on `alliances`, naming its columns as they are now."""
    rows = bind.exec_driver_sql('PRAGMA table_info("alliances")').all()
    names = [str(r[1]) for r in rows]
    listed = ", ".join(f'"{n}"' for n in names)
    old = ", ".join(f'OLD."{n}"' for n in names)
    changed = " OR ".join(f'OLD."{n}" IS NOT NEW."{n}"' for n in names if n != "v_load")
    record = f"INSERT INTO alliances_versions ({listed}, v_until) VALUES ({old}, {_CLOCK});"
    earlier = f"{_CLOCK} IS NOT NULL AND OLD.v_load IS NOT {_CLOCK}"
    op.execute("DROP TRIGGER IF EXISTS alliances_versions_au")
    op.execute("DROP TRIGGER IF EXISTS alliances_versions_ad")
    op.execute(
        f"CREATE TRIGGER alliances_versions_au AFTER UPDATE ON alliances "
        f"WHEN {earlier} AND ({changed}) BEGIN {record} "
        f"UPDATE alliances SET v_load = {_CLOCK} WHERE rowid = NEW.rowid; END"
    )
    op.execute(
        f"CREATE TRIGGER alliances_versions_ad AFTER DELETE ON alliances "
        f"WHEN {earlier} BEGIN {record} END"
    )


def _pg_rebuild_versions(bind: Connection, columns: list[str]) -> None:
    """`alliances_versions` again, its columns in `alliances`' order, its rows kept."""
    listed = ", ".join(f'"{c}"' for c in columns)
    op.execute("ALTER TABLE alliances_versions RENAME TO alliances_versions_old")
    op.execute("DROP INDEX IF EXISTS ix_alliances_versions_v_until")
    op.execute("DROP INDEX IF EXISTS ix_alliances_versions_v_load")
    op.execute("CREATE TABLE alliances_versions (LIKE alliances)")
    op.execute(
        "ALTER TABLE alliances_versions ADD COLUMN v_until INTEGER NOT NULL, "
        "ADD COLUMN v_id BIGSERIAL PRIMARY KEY"
    )
    op.execute(
        f"INSERT INTO alliances_versions ({listed}, v_until) "
        f"SELECT {listed}, v_until FROM alliances_versions_old ORDER BY v_id"
    )
    op.execute("DROP TABLE alliances_versions_old")
    op.execute("CREATE INDEX ix_alliances_versions_v_until ON alliances_versions (v_until)")
    op.execute("CREATE INDEX ix_alliances_versions_v_load ON alliances_versions (v_load)")


def _pg_columns(bind: Connection, table: str) -> list[str]:
    rows = bind.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %(t)s ORDER BY ordinal_position",
        {"t": table},
    ).all()
    return [str(r[0]) for r in rows]


def upgrade() -> None:
    bind = op.get_bind()
    for name, declared in _ADDED:
        op.execute(f"ALTER TABLE alliances ADD COLUMN {name} {declared}")
    if bind.dialect.name == "sqlite":
        for name, declared in _ADDED:
            op.execute(f"ALTER TABLE alliances_versions ADD COLUMN {name} {declared}")
        _sqlite_triggers(bind)
    else:
        old = set(_pg_columns(bind, "alliances_versions"))
        kept = [c for c in _pg_columns(bind, "alliances") if c in old]
        _pg_rebuild_versions(bind, kept)


def downgrade() -> None:
    bind = op.get_bind()
    added = [name for name, _ in _ADDED]
    if bind.dialect.name == "sqlite":
        # SQLite drops a column only when no trigger names it: the triggers go first.
        op.execute("DROP TRIGGER IF EXISTS alliances_versions_au")
        op.execute("DROP TRIGGER IF EXISTS alliances_versions_ad")
        for table in ("alliances", "alliances_versions"):
            for name in added:
                op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        _sqlite_triggers(bind)
    else:
        for name in added:
            op.execute(f"ALTER TABLE alliances DROP COLUMN {name}")
        kept = [c for c in _pg_columns(bind, "alliances_versions") if c not in added]
        kept = [c for c in kept if c not in ("v_until", "v_id")]
        _pg_rebuild_versions(bind, kept)
