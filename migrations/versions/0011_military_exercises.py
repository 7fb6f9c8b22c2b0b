"""military exercises: exercises, their editions, participants and sources

Issue 30 (a new kind of entity):

- `exercises`: a recurring military exercise (key, name, an optional organiser: a
  country or an alliance, never both), with `exercise_aliases` like every named kind.
- `exercise_editions`: one running of an exercise, keyed by (exercise, year, name); its
  dates are EDTF text with bounds (`from_text`/`from_lower`/`from_upper`, the same for `to`).
- `exercise_participants`: a country's role in an edition (host, participant, observer).
- `exercise_edition_sources`: the sources cited for an edition.

Knowledge time (0008): each new table is a fact table, so it carries `v_load` (indexed)
and gets its `_versions` table and the two triggers 0008 gave every fact table, made the
same way (SQLite: triggers naming every column; PostgreSQL: the `knowledge_version()`
function 0008 created). The tables are new, so there is no kept version to copy.

The SQL of the versions is written out as in 0008 and 0010: a migration is a frozen record.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:00:00
"""

# ruff: noqa: S608 -- the SQL names only the tables above and the columns the database lists

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The new fact tables, parents first (downgrade drops them in reverse).
TABLES = (
    "exercises",
    "exercise_aliases",
    "exercise_editions",
    "exercise_edition_sources",
    "exercise_participants",
)
_CLOCK = "(SELECT writing FROM knowledge_clock WHERE id = 1)"


def _v_load() -> sa.Column[int]:
    return sa.Column("v_load", sa.Integer(), server_default="0", nullable=False)


def _create_tables() -> None:
    op.create_table(
        "exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("organiser_country_id", sa.Integer(), nullable=True),
        sa.Column("organiser_alliance_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        _v_load(),
        sa.CheckConstraint(
            "organiser_country_id IS NULL OR organiser_alliance_id IS NULL",
            name=op.f("ck_exercises_one_organiser"),
        ),
        sa.ForeignKeyConstraint(
            ["organiser_alliance_id"],
            ["alliances.id"],
            name=op.f("fk_exercises_organiser_alliance_id_alliances"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organiser_country_id"],
            ["countries.id"],
            name=op.f("fk_exercises_organiser_country_id_countries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercises")),
        sa.UniqueConstraint("key", name=op.f("uq_exercises_key")),
    )
    op.create_index(
        op.f("ix_exercises_organiser_alliance_id"), "exercises", ["organiser_alliance_id"]
    )
    op.create_index(
        op.f("ix_exercises_organiser_country_id"), "exercises", ["organiser_country_id"]
    )
    op.create_table(
        "exercise_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=500), nullable=False),
        sa.Column("normalized", sa.String(length=500), nullable=False),
        _v_load(),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_aliases_exercise_id_exercises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_aliases")),
        sa.UniqueConstraint(
            "exercise_id", "normalized", name=op.f("uq_exercise_aliases_exercise_id_normalized")
        ),
    )
    op.create_index(op.f("ix_exercise_aliases_normalized"), "exercise_aliases", ["normalized"])
    op.create_table(
        "exercise_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), server_default="", nullable=False),
        sa.Column("from_text", sa.String(length=32), server_default="", nullable=False),
        sa.Column("from_lower", sa.Date(), nullable=True),
        sa.Column("from_upper", sa.Date(), nullable=True),
        sa.Column("to_text", sa.String(length=32), server_default="", nullable=False),
        sa.Column("to_lower", sa.Date(), nullable=True),
        sa.Column("to_upper", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _v_load(),
        sa.CheckConstraint(
            "year >= 1 AND year <= 9999", name=op.f("ck_exercise_editions_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_editions_exercise_id_exercises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_editions")),
        sa.UniqueConstraint(
            "exercise_id", "year", "name", name=op.f("uq_exercise_editions_exercise_id_year_name")
        ),
    )
    op.create_index("ix_exercise_editions_from", "exercise_editions", ["from_lower"])
    op.create_table(
        "exercise_edition_sources",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        _v_load(),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["exercise_editions.id"],
            name=op.f("fk_exercise_edition_sources_edition_id_exercise_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_exercise_edition_sources_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "edition_id", "source_id", name=op.f("pk_exercise_edition_sources")
        ),
    )
    op.create_index(
        op.f("ix_exercise_edition_sources_source_id"), "exercise_edition_sources", ["source_id"]
    )
    op.create_table(
        "exercise_participants",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "host",
                "participant",
                "observer",
                name="exercise_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        _v_load(),
        sa.ForeignKeyConstraint(
            ["country_id"],
            ["countries.id"],
            name=op.f("fk_exercise_participants_country_id_countries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["exercise_editions.id"],
            name=op.f("fk_exercise_participants_edition_id_exercise_editions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("edition_id", "country_id", name=op.f("pk_exercise_participants")),
    )
    op.create_index(
        op.f("ix_exercise_participants_country_id"), "exercise_participants", ["country_id"]
    )
    for table in TABLES:
        op.create_index(f"ix_{table}_v_load", table, ["v_load"])


def _sqlite_versions(bind: Connection, table: str) -> None:
    """0008's `_versions` table and two triggers for one new table, made as 0008 made them."""
    rows = bind.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
    columns = [(str(r[1]), str(r[2])) for r in rows]
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


def _pg_versions(table: str) -> None:
    """0008's `_versions` table and triggers for one new table (`knowledge_version()`)."""
    # LIKE copies the columns in order with their types and NOT NULL, nothing else.
    op.execute(f"CREATE TABLE {table}_versions (LIKE {table})")
    op.execute(
        f"ALTER TABLE {table}_versions ADD COLUMN v_until INTEGER NOT NULL, "
        "ADD COLUMN v_id BIGSERIAL PRIMARY KEY"
    )
    op.execute(f"CREATE INDEX ix_{table}_versions_v_until ON {table}_versions (v_until)")
    op.execute(f"CREATE INDEX ix_{table}_versions_v_load ON {table}_versions (v_load)")
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
    _create_tables()
    for table in TABLES:
        if bind.dialect.name == "sqlite":
            _sqlite_versions(bind, table)
        else:
            _pg_versions(table)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        if bind.dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_au")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_ad")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_bu ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_versions_ad ON {table}")
        op.execute(f"DROP TABLE {table}_versions")
        op.drop_table(table)
