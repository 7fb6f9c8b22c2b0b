"""knowledge time: every fact table keeps the versions a load replaced

Valid time (`--as-of`) says when a fact was true in the world; this revision adds
transaction time, when the knowledge base held it:

- Every fact table gains `v_load`, the load that wrote the row as it is now (0: before
  history began), and an index on it.
- Beside each fact table `T`, a table `T_versions` holds the versions loads replaced or
  withdrew: T's columns (same names, types and order, no constraints), then `v_until`,
  the load that replaced or removed that version. A version held from load `v_load`
  up to (not including) load `v_until`; the row in `T` holds from its `v_load` on.
- `knowledge_clock` (one row): `writing`, the load whose write transaction is in
  progress (NULL otherwise), and `since`, the oldest load whose state the history can
  reproduce (the newest load at this upgrade: rows written before it carry v_load 0).
- Triggers record a version when a row that an earlier load wrote is updated (with a
  changed value) or deleted while `writing` is set, and stamp the updated row with the
  load. Inserts are stamped by the loader itself (a trigger per inserted row would cost
  the bulk path a second write). A load that changes nothing writes no version.
- SQLite: `statements_versions_fts`, an FTS5 index of the replaced statements' text (the
  same tokenizer as `statements_fts`), so that a search as known at a past load finds the
  words the statements had then. PostgreSQL keeps the old `search_document` in the
  version row.

Downgrade drops the history (the versions, the stamps, the clock); the facts stay. An
upgrade again starts it afresh, from the newest load then.

The tables and columns are read from the database as 0007 left it and written out here
literally (the triggers name every column), so this revision is a frozen record; a later
revision that changes a fact table's columns must change its `_versions` table and
triggers too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:00:00
"""

# ruff: noqa: S608 -- the SQL names only the tables above and the columns the database lists

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The fact tables at this revision: everything but the record of loads.
TABLES = (
    "sources",
    "countries",
    "country_codes",
    "country_aliases",
    "scopes",
    "alliances",
    "alliance_aliases",
    "alliance_sources",
    "pillars",
    "pillar_aliases",
    "pillar_technology_areas",
    "technology_areas",
    "technology_area_aliases",
    "memberships",
    "membership_sources",
    "officials",
    "official_aliases",
    "positions",
    "position_sources",
    "statements",
    "statement_countries",
    "statement_scopes",
    "statement_technology_areas",
    "retractions",
)

_CLOCK = "(SELECT writing FROM knowledge_clock WHERE id = 1)"
_TOKENIZE = "porter unicode61 remove_diacritics 0"


def _sqlite_columns(bind: Connection, table: str) -> list[tuple[str, str]]:
    rows = bind.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
    return [(str(r[1]), str(r[2])) for r in rows]


def _sqlite_up(bind: Connection) -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ADD COLUMN v_load INTEGER DEFAULT 0 NOT NULL")
        op.execute(f"CREATE INDEX ix_{table}_v_load ON {table} (v_load)")
        columns = _sqlite_columns(bind, table)
        names = [name for name, _ in columns]
        declared = ", ".join(f'"{name}" {type_}'.rstrip() for name, type_ in columns)
        op.execute(f"CREATE TABLE {table}_versions ({declared}, v_until INTEGER NOT NULL)")
        op.execute(f"CREATE INDEX ix_{table}_versions_v_until ON {table}_versions (v_until)")
        op.execute(f"CREATE INDEX ix_{table}_versions_v_load ON {table}_versions (v_load)")
        listed = ", ".join(f'"{n}"' for n in names)
        old = ", ".join(f'OLD."{n}"' for n in names)
        changed = " OR ".join(f'OLD."{n}" IS NOT NEW."{n}"' for n in names if n != "v_load")
        record = f"INSERT INTO {table}_versions ({listed}, v_until) VALUES ({old}, {_CLOCK});"
        earlier = f"{_CLOCK} IS NOT NULL AND OLD.v_load IS NOT {_CLOCK}"
        op.execute(
            f"CREATE TRIGGER {table}_versions_au AFTER UPDATE ON {table} "
            f"WHEN {earlier} AND ({changed}) BEGIN {record} "
            f"UPDATE {table} SET v_load = {_CLOCK} WHERE rowid = NEW.rowid; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_versions_ad AFTER DELETE ON {table} "
            f"WHEN {earlier} BEGIN {record} END"
        )
    op.execute(
        "CREATE VIRTUAL TABLE statements_versions_fts USING fts5("
        f"text, content='statements_versions', tokenize='{_TOKENIZE}')"
    )
    op.execute(
        "CREATE TRIGGER statements_versions_fts_ai AFTER INSERT ON statements_versions BEGIN "
        "INSERT INTO statements_versions_fts(rowid, text) VALUES (new.rowid, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER statements_versions_fts_ad AFTER DELETE ON statements_versions BEGIN "
        "INSERT INTO statements_versions_fts(statements_versions_fts, rowid, text) "
        "VALUES ('delete', old.rowid, old.text); END"
    )


_PG_FUNCTION = f"""
CREATE FUNCTION knowledge_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clock integer := {_CLOCK};
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- generated columns are not computed yet in NEW: compare the rest
        IF clock IS NULL OR OLD.v_load IS NOT DISTINCT FROM clock
           OR (to_jsonb(NEW) - 'v_load' - 'search_document')
              IS NOT DISTINCT FROM (to_jsonb(OLD) - 'v_load' - 'search_document') THEN
            RETURN NEW;
        END IF;
        EXECUTE format('INSERT INTO %I.%I SELECT ($1).*, $2',
                       TG_TABLE_SCHEMA, TG_TABLE_NAME || '_versions') USING OLD, clock;
        NEW.v_load := clock;
        RETURN NEW;
    END IF;
    IF clock IS NOT NULL AND OLD.v_load IS DISTINCT FROM clock THEN
        EXECUTE format('INSERT INTO %I.%I SELECT ($1).*, $2',
                       TG_TABLE_SCHEMA, TG_TABLE_NAME || '_versions') USING OLD, clock;
    END IF;
    RETURN OLD;
END
$$
"""


def _pg_up() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ADD COLUMN v_load INTEGER DEFAULT 0 NOT NULL")
        op.execute(f"CREATE INDEX ix_{table}_v_load ON {table} (v_load)")
        # LIKE copies the columns in order with their types and NOT NULL, nothing else:
        # a generated column becomes a plain one, which is what a kept version needs.
        op.execute(f"CREATE TABLE {table}_versions (LIKE {table})")
        op.execute(
            f"ALTER TABLE {table}_versions ADD COLUMN v_until INTEGER NOT NULL, "
            "ADD COLUMN v_id BIGSERIAL PRIMARY KEY"
        )
        op.execute(f"CREATE INDEX ix_{table}_versions_v_until ON {table}_versions (v_until)")
        op.execute(f"CREATE INDEX ix_{table}_versions_v_load ON {table}_versions (v_load)")
    op.execute(_PG_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_versions_bu BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION knowledge_version()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_versions_ad AFTER DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION knowledge_version()"
        )


def upgrade() -> None:
    bind = op.get_bind()
    op.execute(
        "CREATE TABLE knowledge_clock (id INTEGER NOT NULL, writing INTEGER, "
        "since INTEGER NOT NULL, CONSTRAINT pk_knowledge_clock PRIMARY KEY (id), "
        "CONSTRAINT ck_knowledge_clock_one_row CHECK (id = 1))"
    )
    op.execute(
        "INSERT INTO knowledge_clock (id, writing, since) "
        "SELECT 1, NULL, coalesce(max(id), 0) FROM loads"
    )
    if bind.dialect.name == "sqlite":
        _sqlite_up(bind)
    else:
        _pg_up()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS statements_versions_fts_ai")
        op.execute("DROP TRIGGER IF EXISTS statements_versions_fts_ad")
        op.execute("DROP TABLE IF EXISTS statements_versions_fts")
    for table in TABLES:
        if bind.dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_au")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_ad")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_bu ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_ad ON {table}")
        op.execute(f"DROP TABLE {table}_versions")
        op.execute(f"DROP INDEX ix_{table}_v_load")
        op.execute(f"ALTER TABLE {table} DROP COLUMN v_load")
    if bind.dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS knowledge_version()")
    op.execute("DROP TABLE knowledge_clock")
