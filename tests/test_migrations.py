"""The migration scripts: one head, up and down cleanly, and the models match the schema."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from alliancekb.core.errors import RuntimeFailure
from alliancekb.load.bootstrap import prepare
from alliancekb.store import fast_head, migrate
from alliancekb.store.migrate import include_name
from alliancekb.store.models import Base
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


def test_the_scanned_head_is_alembics_head() -> None:
    """The start-up fast path reads the head from the scripts; it must agree with Alembic."""
    assert fast_head.scanned_head() == migrate.head_revision()


def test_is_at_head_only_at_the_head(empty_db: TestDatabase) -> None:
    assert not fast_head.is_at_head(empty_db.engine)  # no version table: not sure, so False
    migrate.upgrade(empty_db.engine, "0001")
    assert not fast_head.is_at_head(empty_db.engine)
    migrate.upgrade(empty_db.engine)
    assert fast_head.is_at_head(empty_db.engine)


def test_a_database_behind_the_scripts_is_refused_not_migrated(db: TestDatabase) -> None:
    """The fast path says "not at head"; the slow path names both revisions."""
    migrate.downgrade(db.engine, "0001")
    with pytest.raises(RuntimeFailure, match=r"at revision 0001.*db upgrade"):
        prepare(db.engine)
    assert migrate.current_revision(db.engine) == "0001"


def test_a_command_on_a_database_at_head_does_not_import_alembic(db: TestDatabase) -> None:
    code = (
        "import sys\n"
        "from alliancekb.load.bootstrap import prepare\n"
        "from alliancekb.store.db import create_db_engine\n"
        f"assert prepare(create_db_engine({db.url!r})) is False\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
