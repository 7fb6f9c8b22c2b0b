"""A YAML mistake is one problem that names its likely cause (issue 16).

The files are in tests/corpus/bad/ (their messages are checked by
test_reliability_corpus.py); here: that each gives that one problem and nothing beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliancekb.cli import app
from tests.conftest import TestDatabase

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad"


@pytest.mark.parametrize(
    "name",
    [
        "indent-field-too-deep.yaml",
        "indent-field-outside-record.yaml",
        "about-not-a-mapping.yaml",
        "unknown-field-misspelt.yaml",
        "record-without-dash.yaml",
    ],
)
def test_one_problem_names_the_cause(seeded_db: TestDatabase, name: str) -> None:
    result = CliRunner().invoke(app, ["--db", seeded_db.url, "validate", str(CORPUS / name)])
    assert result.exit_code == 3
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(CORPUS))]
    assert len(lines) == 1, result.stderr
    assert "is missing" not in result.stderr  # the field is there, only misplaced or misspelt
    assert "AboutIn" not in result.stderr  # no internal class name
