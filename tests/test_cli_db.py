"""The `db` commands and the CLI's promises: help, exit codes, no tracebacks, no passwords."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
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


@pytest.mark.parametrize(
    "url", ["oracle9://scott:tiger99@db/x", "mysql://scott:tiger99@127.0.0.1/x"]
)
@pytest.mark.parametrize("command", [["db", "current"], ["members", "aukus"]])
def test_an_unsupported_database_is_a_usage_error(
    runner: CliRunner, url: str, command: list[str]
) -> None:
    """Not "No module named 'MySQLdb'": the backends alliancekb runs on, exit 2."""
    result = runner.invoke(app, ["--db", url, *command])
    assert result.exit_code == 2, result.output
    assert "tiger99" not in result.output
    assert result.stderr.startswith("alliancekb: unsupported database (SQLite or PostgreSQL)")


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_db_option_is_a_usage_error(runner: CliRunner, value: str) -> None:
    """Not a silent fall-back to the default database."""
    for command in (["db", "path"], ["members", "aukus"]):
        result = runner.invoke(app, ["--db", value, *command])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("alliancekb: --db is empty"), result.output
        assert not result.stdout, result.output


def test_db_current_on_a_new_path_creates_nothing(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.sqlite"
    result = runner.invoke(app, ["--db", str(path), "db", "current"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("none (no database at"), result.output
    assert not path.parent.exists()


@pytest.mark.parametrize("where", ["/proc/x/kb.sqlite", "{file}/kb.sqlite"])
def test_a_directory_that_cannot_be_made_is_a_designed_message(
    runner: CliRunner, tmp_path: Path, where: str
) -> None:
    file = tmp_path / "a-file"
    file.write_text("x")
    path = where.format(file=file)
    result = runner.invoke(app, ["--db", path, "members", "aukus"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(
        f"alliancekb: cannot create the directory of the database {path}: "
    ), result.output
    assert result.stderr[-1:] == "\n"
    assert result.stderr.count("\n") == 1, result.output


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
