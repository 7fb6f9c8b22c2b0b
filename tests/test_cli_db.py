"""The `db` commands and the CLI's promises: help, exit codes, no tracebacks, no passwords."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.store.migrate import head_revision
from tests.conftest import TestDatabase


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "db" in result.output


def test_db_current_on_a_fresh_database_says_it_is_empty(
    runner: CliRunner, empty_db: TestDatabase
) -> None:
    result = runner.invoke(app, ["--db", empty_db.url, "db", "current"])
    assert result.exit_code == 0, result.output
    assert "none" in result.output


def test_db_upgrade_then_current_reports_head(runner: CliRunner, empty_db: TestDatabase) -> None:
    assert runner.invoke(app, ["--db", empty_db.url, "db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["--db", empty_db.url, "db", "current"])
    assert f"{head_revision()} (head)" in result.output


def test_db_downgrade_to_base_removes_the_schema(runner: CliRunner, db: TestDatabase) -> None:
    result = runner.invoke(app, ["--db", db.url, "db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "none" in runner.invoke(app, ["--db", db.url, "db", "current"]).output


def test_unreachable_database_exits_1_without_password_or_traceback(runner: CliRunner) -> None:
    url = "postgresql://analyst:s3cr%40t-pw@127.0.0.1:1/nowhere"
    result = runner.invoke(app, ["--db", url, "db", "current"])
    assert result.exit_code == 1
    assert "s3cr" not in result.output
    assert "Traceback" not in result.output
    assert "database error" in result.output


def test_unknown_database_scheme_exits_1_with_readable_message(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--db", "oracle9://scott:tiger99@db/x", "db", "current"])
    assert result.exit_code == 1
    assert "tiger99" not in result.output
    assert "cannot use database" in result.output


def test_db_path_defaults_to_the_user_data_directory(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "path"])
    assert result.exit_code == 0
    assert str(tmp_path / "home") in result.output
    assert result.output.strip().splitlines()[0].endswith("alliancekb.sqlite")


def test_db_path_honours_the_environment_variable(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "team.sqlite"
    result = runner.invoke(app, ["db", "path"], env={"ALLIANCEKB_DATABASE_URL": str(target)})
    assert str(target) in result.output


def test_help_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['alliancekb', '--help']\n"
        "from alliancekb.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'pydantic', 'yaml') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in result.stdout


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alliancekb", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("alliancekb ")


def _countries(db: TestDatabase) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from alliancekb.store.models import Country

    with Session(db.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Country)) or 0)


def test_db_upgrade_of_an_empty_database_loads_the_bundled_knowledge(
    runner: CliRunner, empty_db: TestDatabase
) -> None:
    result = runner.invoke(app, ["--db", empty_db.url, "db", "upgrade"])
    assert "loaded the bundled knowledge" in result.output
    assert _countries(empty_db) > 200


def test_db_upgrade_no_seed_leaves_the_database_empty(
    runner: CliRunner, empty_db: TestDatabase
) -> None:
    result = runner.invoke(app, ["--db", empty_db.url, "db", "upgrade", "--no-seed"])
    assert result.exit_code == 0, result.output
    assert _countries(empty_db) == 0
