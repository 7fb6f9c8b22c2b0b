"""`load`, `validate` and `history` through the command line, as analysts use them."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from alliancekb.cli import app
from tests.conftest import TestDatabase
from tests.helpers import BASE, snapshot, write_yaml


def test_load_prints_counts_and_a_second_load_says_nothing_changed(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "kb.yaml", BASE)
    first = runner.invoke(app, ["--db", db.url, "load", str(path)])
    assert first.exit_code == 0, first.output
    assert "statements" in first.output
    assert "recorded as load" in first.output
    second = runner.invoke(app, ["--db", db.url, "load", str(path)])
    assert second.exit_code == 0
    assert "nothing changed" in second.output


def test_invalid_data_exits_3_naming_file_line_and_column(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "bad.yaml", BASE.replace("stance: considers", "stance: shrugs"))
    before = snapshot(db.engine)
    result = runner.invoke(app, ["--db", db.url, "load", str(path)])
    assert result.exit_code == 3
    assert f"{path}:" in result.output
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "shrugs" in text)
    assert f"{path}:{line}:5: statements[1].stance:" in result.output
    assert "Traceback" not in result.output
    assert snapshot(db.engine) == before


def test_unresolved_name_exits_4_with_a_suggestion(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(
        tmp_path, "bad.yaml", BASE.replace("speaker: rahm-emanuel", "speaker: rahm-emmanuel")
    )
    result = runner.invoke(app, ["--db", db.url, "load", str(path)])
    assert result.exit_code == 4
    assert "did you mean: Rahm Emanuel" in result.output


def test_dry_run_shows_the_plan_and_writes_nothing(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "kb.yaml", BASE)
    before = snapshot(db.engine)
    result = runner.invoke(app, ["--db", db.url, "load", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "dry run" in " ".join(result.output.split())  # the title may wrap
    assert snapshot(db.engine) == before


def test_validate_accepts_a_good_file_and_writes_nothing(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "kb.yaml", BASE)
    before = snapshot(db.engine)
    result = runner.invoke(app, ["--db", db.url, "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid: 1 file(s)" in result.output
    assert snapshot(db.engine) == before


def test_a_missing_file_is_a_usage_error(runner: CliRunner, db: TestDatabase) -> None:
    result = runner.invoke(app, ["--db", db.url, "load", "/no/such/file.yaml"])
    assert result.exit_code == 2


def test_a_file_over_the_size_cap_is_refused_before_reading(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("statements:\n" + "# padding\n" * 200_000)
    result = runner.invoke(app, ["--db", db.url, "load", "--max-mb", "1", str(path)])
    assert result.exit_code == 3
    assert "over the limit" in result.output


def test_history_lists_each_load_with_its_file(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "kb.yaml", BASE)
    runner.invoke(app, ["--db", db.url, "load", str(path)])
    result = runner.invoke(app, ["--db", db.url, "history", "--format", "json"])
    assert result.exit_code == 0, result.output
    [load] = json.loads(result.stdout)
    assert load["files"] == [str(path)]
    assert load["sha256"] == [hashlib.sha256(path.read_bytes()).hexdigest()]
    assert load["created"] > 0
    assert load["updated"] == 0


def test_a_file_name_that_is_not_utf8_is_stored_and_shown_escaped(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    # A POSIX name is bytes: `f\xff.yaml` reaches Python with a lone surrogate in it.
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/f\xff.yaml"))
    path.write_text(textwrap.dedent(BASE).lstrip("\n"), encoding="utf-8")
    shown = f"{tmp_path}/f\\xff.yaml"
    result = runner.invoke(app, ["--db", db.url, "load", str(path)])
    assert result.exit_code == 0, result.output
    # the table's title (Rich may wrap it, at the terminal's width: a long path folds)
    assert "f\\xff.yaml: loaded" in result.output.replace("\n", "")
    history = runner.invoke(app, ["--db", db.url, "history", "--format", "json"])
    assert history.exit_code == 0, history.output
    [load] = json.loads(history.output)
    assert load["files"] == [shown]
    assert load["sha256"] == [hashlib.sha256(path.read_bytes()).hexdigest()]
    # A problem in such a file names it the same way.
    bad = Path(os.fsdecode(os.fsencode(tmp_path) + b"/g\xff.yaml"))
    bad.write_text("countries:\n  - iso3: ABC\n", encoding="utf-8")
    before = snapshot(db.engine)
    refused = runner.invoke(app, ["--db", db.url, "load", str(bad)])
    assert refused.exit_code == 3, refused.output
    assert f"{tmp_path}/g\\xff.yaml:2:5: countries[0].iso3:" in refused.output
    assert "internal error" not in refused.output
    assert snapshot(db.engine) == before


def test_no_progress_output_on_a_stderr_that_is_not_a_terminal(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "kb.yaml", BASE)
    result = runner.invoke(app, ["--db", db.url, "load", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
