"""The migration scripts: one head, up and down cleanly, and the models match the schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from alliancekb import migrate
from alliancekb.models import Base
from alliancekb.search import include_name
from tests.conftest import TestDatabase


def test_migration_scripts_have_a_single_head() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1


def test_upgrade_from_empty_to_head_creates_every_model_table(empty_db: TestDatabase) -> None:
    migrate.upgrade(empty_db.engine)
    assert migrate.current_revision(empty_db.engine) == migrate.head_revision()
    tables = set(inspect(empty_db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_base_and_up_again(empty_db: TestDatabase) -> None:
    migrate.upgrade(empty_db.engine)
    migrate.downgrade(empty_db.engine, "base")
    assert migrate.current_revision(empty_db.engine) is None
    assert not migrate.has_tables(empty_db.engine)
    migrate.upgrade(empty_db.engine)
    assert migrate.current_revision(empty_db.engine) == migrate.head_revision()


def test_models_match_the_migrated_schema(db: TestDatabase) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata
        )
    assert diff == []


def test_every_revision_steps_down_and_up_one_at_a_time(empty_db: TestDatabase) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
    for revision in revisions:
        migrate.upgrade(empty_db.engine, revision)
        assert migrate.current_revision(empty_db.engine) == revision
    for revision in reversed(revisions):
        migrate.downgrade(empty_db.engine, f"{revision}-1" if revision != revisions[0] else "base")
    assert migrate.current_revision(empty_db.engine) is None
