"""Messages a new user meets (issue 16): a country given to `members`, a file name given
to a multi-table export, the dry run's heading, what `history`'s columns count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.load.bootstrap import seed_path
from tests.conftest import TestDatabase


def invoke(kb: TestDatabase, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", kb.url, "--no-pager", *args], env={"COLUMNS": "100"})


def test_members_of_a_country_says_what_it_is_and_where_to_look(seeded_db: TestDatabase) -> None:
    result = invoke(seeded_db, "members", "Japan")
    assert result.exit_code == 4
    assert "'Japan' is a country (Japan (JPN)), not an alliance or pillar" in result.stderr
    assert "`alliancekb show Japan`" in result.stderr
    assert "`alliancekb alliances --country Japan`" in result.stderr
    unknown = invoke(seeded_db, "members", "Nowhereland")
    assert unknown.exit_code == 4
    assert "unknown alliance or pillar 'Nowhereland'" in unknown.stderr


def test_several_tables_to_a_file_name_are_refused(seeded_db: TestDatabase, tmp_path: Path) -> None:
    target = tmp_path / "two.csv"
    result = invoke(seeded_db, "export", "statements", "memberships", "--out", str(target))
    assert result.exit_code == 2
    assert "looks like a file name" in result.stderr
    assert "two/" in result.stderr
    assert not target.exists()
    one = invoke(seeded_db, "export", "statements", "--out", str(target))
    assert one.exit_code == 0
    assert target.is_file()


def test_dry_run_has_one_heading(seeded_db: TestDatabase) -> None:
    result = invoke(seeded_db, "load", "--dry-run", str(seed_path()))
    assert result.exit_code == 0
    assert "dry run, what a load would do (nothing is written)" in result.stdout
    assert "a load would change nothing" in result.stdout
    assert "nothing changed" not in result.stdout
    assert "would change (dry run" not in result.stdout


def test_history_explains_its_columns(seeded_db: TestDatabase) -> None:
    out = " ".join(invoke(seeded_db, "history").stdout.split())
    assert "records: the records in the files" in out
    assert "pillars inside alliances and the positions inside officials" in out
