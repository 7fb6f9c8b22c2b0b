"""Reliability: migrations on a database that holds knowledge.

- `db downgrade -1` then `db upgrade` (through the CLI) on the seeded database keeps every
  table's rows, and the full-text search answers as before (on SQLite this drops and
  rebuilds the FTS5 table and its triggers);
- a migration that fails part-way leaves the schema at the revision it started from, with
  the data as it was: `migrate.upgrade` runs every step in one transaction. Shown with a
  temporary copy of the scripts plus a broken revision that creates a table and then fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.load.loader import load_files
from alliancekb.store import migrate
from tests.conftest import TestDatabase
from tests.helpers import snapshot
from tests.test_dump import knowledge

BROKEN_REVISION = '''"""a migration that fails part-way (tests only)"""

from alembic import op
import sqlalchemy as sa

revision = "9999"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("sources", sa.Column("half_done_note", sa.Text))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    op.execute("UPDATE sources SET half_done_note = 'x'")
    op.execute("SELECT * FROM no_such_table_so_this_step_fails")


def downgrade() -> None:
    op.drop_column("sources", "half_done_note")
    op.drop_table("half_done")
'''


def _searches(runner: CliRunner, db: TestDatabase) -> dict[str, list[str]]:
    found = {}
    for query in ("Japan", "quantum", "Pillar", "tsunami"):
        result = runner.invoke(
            app, ["--db", db.url, "statements", "--search", query, "--limit", "0", "-f", "json"]
        )
        assert result.exit_code == 0, result.output
        found[query] = [row["id"] for row in json.loads(result.stdout)]
    return found


def without_facts_of_0010(engine: Any) -> None:
    """Clear what only revisions 0010 and 0011 can hold (an alliance's end and treaty
    obligations; the military exercises): a step below them drops those columns and
    tables, so no round trip can keep their values."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE alliances SET ended = '', ended_lower = NULL, ended_upper = NULL, "
            "obligations = ''"
        )
        for table in (
            "exercise_participants", "exercise_edition_sources", "exercise_editions",
            "exercise_aliases", "exercises",
        ):  # fmt: skip
            conn.exec_driver_sql(f"DELETE FROM {table}")


def test_downgrade_one_step_and_up_keeps_every_row(
    seeded_db: TestDatabase, runner: CliRunner
) -> None:
    # the facts: a step down below 0008 drops the knowledge-time history, and it starts
    # again at the upgrade; a step below 0010 drops alliances' ends and obligations
    without_facts_of_0010(seeded_db.engine)
    before, rows, searches = (
        snapshot(seeded_db.engine, history=False),
        knowledge(seeded_db.engine),
        _searches(runner, seeded_db),
    )
    assert any(searches.values())
    head = migrate.head_revision()

    down = runner.invoke(app, ["--db", seeded_db.url, "db", "downgrade", "-1"])
    assert down.exit_code == 0, down.output
    assert migrate.current_revision(seeded_db.engine) != head
    up = runner.invoke(app, ["--db", seeded_db.url, "db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert migrate.current_revision(seeded_db.engine) == head

    assert snapshot(seeded_db.engine, history=False) == before
    assert knowledge(seeded_db.engine) == rows
    assert _searches(runner, seeded_db) == searches
    if seeded_db.backend == "sqlite":
        with seeded_db.engine.connect() as conn:
            check = conn.exec_driver_sql(
                "INSERT INTO statements_fts(statements_fts) VALUES ('integrity-check')"
            )
            check.close()


def test_every_step_down_and_up_keeps_the_rows_above_base(
    seeded_db: TestDatabase, runner: CliRunner, tmp_path: Path
) -> None:
    """Down to the first revision and back; then a load still indexes new statements."""
    without_facts_of_0010(seeded_db.engine)
    before = snapshot(seeded_db.engine, history=False)  # 0008's history starts again
    migrate.downgrade(seeded_db.engine, "0001")
    migrate.upgrade(seeded_db.engine)
    assert snapshot(seeded_db.engine, history=False) == before
    doc = tmp_path / "new.yaml"
    doc.write_text(
        "statements:\n  - {id: st-after-migrations, speaker: JPN, date: '2025', "
        "text: Zyxwvut after the round trip., stance: asserts, source: "
        f"{knowledge(seeded_db.engine)['sources'][0][0]}}}\n"
    )
    load_files(seeded_db.engine, [doc])
    result = runner.invoke(
        app, ["--db", seeded_db.url, "statements", "--search", "zyxwvut", "-f", "json"]
    )
    assert [row["id"] for row in json.loads(result.stdout)] == ["st-after-migrations"]


@pytest.mark.parametrize("revision", ["zzz", "-99", "--bogus"])
def test_an_unknown_revision_is_a_usage_error(
    revision: str, seeded_db: TestDatabase, runner: CliRunner
) -> None:
    before = snapshot(seeded_db.engine)
    for command in ("upgrade", "downgrade"):
        result = runner.invoke(app, ["--db", seeded_db.url, "db", command, revision])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(("alliancekb: ", "Usage: ")), result.stderr
        assert "internal error" not in result.stderr
        assert "Traceback" not in result.output
    assert snapshot(seeded_db.engine) == before


@pytest.fixture
def broken_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The real scripts plus a failing revision on top; returns the real head."""
    head = migrate.head_revision()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.scripts_location(), scripts)
    (scripts / "versions" / "9999_broken.py").write_text(BROKEN_REVISION.format(down=head))
    monkeypatch.setattr(migrate, "scripts_location", lambda: scripts)
    assert migrate.head_revision() == "9999"
    return head


def _assert_nothing_half_done(db: TestDatabase) -> None:
    inspector = inspect(db.engine)
    assert "half_done" not in inspector.get_table_names()
    assert "half_done_note" not in {c["name"] for c in inspector.get_columns("sources")}


def test_a_failing_migration_leaves_the_previous_revision(
    seeded_db: TestDatabase, broken_scripts: str
) -> None:
    before = snapshot(seeded_db.engine)
    with pytest.raises(DBAPIError):
        migrate.upgrade(seeded_db.engine)
    assert migrate.current_revision(seeded_db.engine) == broken_scripts
    _assert_nothing_half_done(seeded_db)
    assert snapshot(seeded_db.engine) == before


def test_a_failing_multi_step_upgrade_leaves_the_first_revision(
    seeded_db: TestDatabase, broken_scripts: str, runner: CliRunner
) -> None:
    """From 0001 up through 0002 (fine) and 9999 (fails): all of it is undone, 0002 too."""
    migrate.downgrade(seeded_db.engine, "0001")
    before = snapshot(seeded_db.engine)
    result = runner.invoke(app, ["--db", seeded_db.url, "db", "upgrade"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("alliancekb: "), result.stderr
    assert migrate.current_revision(seeded_db.engine) == "0001"
    _assert_nothing_half_done(seeded_db)
    assert snapshot(seeded_db.engine) == before
    if seeded_db.backend == "sqlite":
        assert "statements_fts" not in inspect(seeded_db.engine).get_table_names()
    else:
        indexes = {i["name"] for i in inspect(seeded_db.engine).get_indexes("statements")}
        assert "ix_statements_text_search" not in indexes
