"""positions are claims: the knowledge base's own, or a dataset's (Wikidata)

Issue 34 (officials from Wikidata): a position, like a membership since 0006, is a claim
by its sources or by a dataset, and a dataset's claims are kept beside the knowledge
base's own records, never merged into them by the loader:

- `positions.claim`: '' for a record of the knowledge base's own, or the key of the
  dataset source that claims it (`wikidata`); the natural key (official, title, from)
  gains it. Existing rows get '' (their own claim).

Knowledge time (0008): `positions_versions` keeps the versions loads replaced, with the
same columns. On SQLite `positions` is rebuilt (a UNIQUE constraint cannot be dropped
otherwise), the column is appended to `positions_versions`, and 0008's two triggers,
which name every column, are made again. On PostgreSQL the trigger copies a row by
position (`($1).*`), so `positions_versions` is rebuilt with the columns in `positions`'
new order and its kept versions copied over by name (as 0010 did for `alliances`).

Downgrade withdraws the datasets' position claims (the old key cannot hold them beside
the own records) and their citations, then drops the column.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 18:00:00
"""

# ruff: noqa: S608 -- the SQL names only the table above and the columns the database lists

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = "uq_positions_official_id_title_from_text"
_NEW_KEY = "uq_positions_official_id_title_from_text_claim"
_KEY_COLUMNS = ["official_id", "title", "from_text"]
_DECLARED = "VARCHAR(100) DEFAULT '' NOT NULL"
_CLOCK = "(SELECT writing FROM knowledge_clock WHERE id = 1)"


def _sqlite_triggers(bind: Connection) -> None:
    """0008's two triggers on `positions`, naming its columns as they are now."""
    rows = bind.exec_driver_sql('PRAGMA table_info("positions")').all()
    names = [str(r[1]) for r in rows]
    listed = ", ".join(f'"{n}"' for n in names)
    old = ", ".join(f'OLD."{n}"' for n in names)
    changed = " OR ".join(f'OLD."{n}" IS NOT NEW."{n}"' for n in names if n != "v_load")
    record = f"INSERT INTO positions_versions ({listed}, v_until) VALUES ({old}, {_CLOCK});"
    earlier = f"{_CLOCK} IS NOT NULL AND OLD.v_load IS NOT {_CLOCK}"
    _drop_sqlite_triggers()
    op.execute(
        f"CREATE TRIGGER positions_versions_au AFTER UPDATE ON positions "
        f"WHEN {earlier} AND ({changed}) BEGIN {record} "
        f"UPDATE positions SET v_load = {_CLOCK} WHERE rowid = NEW.rowid; END"
    )
    op.execute(
        f"CREATE TRIGGER positions_versions_ad AFTER DELETE ON positions "
        f"WHEN {earlier} BEGIN {record} END"
    )


def _drop_sqlite_triggers() -> None:
    op.execute("DROP TRIGGER IF EXISTS positions_versions_au")
    op.execute("DROP TRIGGER IF EXISTS positions_versions_ad")


def _pg_rebuild_versions(columns: list[str]) -> None:
    """`positions_versions` again, its columns in `positions`' order, its rows kept."""
    listed = ", ".join(f'"{c}"' for c in columns)
    op.execute("ALTER TABLE positions_versions RENAME TO positions_versions_old")
    op.execute("DROP INDEX IF EXISTS ix_positions_versions_v_until")
    op.execute("DROP INDEX IF EXISTS ix_positions_versions_v_load")
    op.execute("CREATE TABLE positions_versions (LIKE positions)")
    op.execute(
        "ALTER TABLE positions_versions ADD COLUMN v_until INTEGER NOT NULL, "
        "ADD COLUMN v_id BIGSERIAL PRIMARY KEY"
    )
    op.execute(
        f"INSERT INTO positions_versions ({listed}, v_until) "
        f"SELECT {listed}, v_until FROM positions_versions_old ORDER BY v_id"
    )
    op.execute("DROP TABLE positions_versions_old")
    op.execute("CREATE INDEX ix_positions_versions_v_until ON positions_versions (v_until)")
    op.execute("CREATE INDEX ix_positions_versions_v_load ON positions_versions (v_load)")


def _pg_columns(bind: Connection, table: str) -> list[str]:
    rows = bind.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %(t)s ORDER BY ordinal_position",
        {"t": table},
    ).all()
    return [str(r[0]) for r in rows]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _drop_sqlite_triggers()
        with op.batch_alter_table("positions", recreate="always") as batch:
            batch.add_column(sa.Column("claim", sa.String(100), nullable=False, server_default=""))
            batch.drop_constraint(_OLD_KEY, type_="unique")
            batch.create_unique_constraint(_NEW_KEY, [*_KEY_COLUMNS, "claim"])
        op.execute(f"ALTER TABLE positions_versions ADD COLUMN claim {_DECLARED}")
        _sqlite_triggers(bind)
    else:
        op.execute(f"ALTER TABLE positions ADD COLUMN claim {_DECLARED}")
        op.drop_constraint(_OLD_KEY, "positions", type_="unique")
        op.create_unique_constraint(_NEW_KEY, "positions", [*_KEY_COLUMNS, "claim"])
        old = set(_pg_columns(bind, "positions_versions"))
        _pg_rebuild_versions([c for c in _pg_columns(bind, "positions") if c in old])


def downgrade() -> None:
    bind = op.get_bind()
    claimed = "SELECT id FROM positions WHERE claim <> ''"
    op.execute(f"DELETE FROM position_sources WHERE position_id IN ({claimed})")
    if bind.dialect.name == "sqlite":
        _drop_sqlite_triggers()  # so that the withdrawn claims leave no versions behind
        op.execute("DELETE FROM positions WHERE claim <> ''")
        with op.batch_alter_table("positions", recreate="always") as batch:
            batch.drop_constraint(_NEW_KEY, type_="unique")
            batch.drop_column("claim")
            batch.create_unique_constraint(_OLD_KEY, _KEY_COLUMNS)
        op.execute("ALTER TABLE positions_versions DROP COLUMN claim")
        _sqlite_triggers(bind)
    else:
        op.execute("DELETE FROM positions WHERE claim <> ''")
        op.drop_constraint(_NEW_KEY, "positions", type_="unique")
        op.execute("ALTER TABLE positions DROP COLUMN claim")
        op.create_unique_constraint(_OLD_KEY, "positions", _KEY_COLUMNS)
        kept = [c for c in _pg_columns(bind, "positions_versions") if c != "claim"]
        _pg_rebuild_versions([c for c in kept if c not in ("v_until", "v_id")])
