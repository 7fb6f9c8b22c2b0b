"""Reliability of what reaches the user's terminal and files (issue #13, output side).

- Control characters in stored data (loaded before the reader refused them, or written by
  SQL) are shown as visible escapes in tables and cards, never sent raw to the terminal;
  CSV and JSON keep the stored text exactly.
- Ordinary OS conditions while writing files (a full disk or a file-size limit, a path
  under a file, an empty path) get a designed one-line message and leave no file behind.
- Numeric options are checked against their range before they reach the database.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase
from tests.reliability_support import Outcome, assert_clean_failure

FIXTURE = Path(__file__).parent / "fixtures" / "kb.yaml"
#: OSC title rewrite, BEL, clear screen, CR, a C1 CSI, a noncharacter, a tab, DEL.
HOSTILE = "Evil\x1b]0;pwned\x07\x1b[2J\rover\x9b31m\ufffe\uffff\tX\x7f"
#: Any raw control character but the newline (and the ones Rich itself sends: none
#: without a terminal), or a noncharacter.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


@pytest.fixture
def kb(db: TestDatabase) -> TestDatabase:
    """The query fixture, then hostile text written by SQL (the loader refuses it)."""
    load_files(db.engine, [FIXTURE])
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE countries SET name = :n WHERE iso3 = 'JPN'"), {"n": HOSTILE})
        conn.execute(text("UPDATE alliances SET name = :n WHERE key = 'aukus'"), {"n": HOSTILE})
        conn.execute(text("UPDATE statements SET text = :n"), {"n": HOSTILE + "\nline two"})
    db.dispose()  # the CLI opens its own engine
    return db


def _invoke(kb: TestDatabase, *args: str) -> Outcome:
    result = CliRunner().invoke(app, ["--db", kb.url, *args], env={"COLUMNS": "400"})
    return Outcome(result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["countries"],
        ["show", "JPN"],
        ["show", "aukus"],
        ["members", "aukus"],
        ["alliances"],
        ["statements"],
        ["timeline", "JPN"],
    ],
    ids=" ".join,
)
def test_tables_and_cards_escape_control_characters(kb: TestDatabase, args: list[str]) -> None:
    outcome = _invoke(kb, *args)
    assert outcome.code == 0, outcome
    assert not RAW.search(outcome.stdout), repr(outcome.stdout)
    # Shown, visibly: the escapes a reader can see (a table may fold a long cell).
    flat = re.sub(r"\s+", "", outcome.stdout)
    assert "Evil\\x1b]0;pwned\\x07\\x1b[2J\\rover\\x9b31m\\ufffe\\uffff\\tX\\x7f" in flat


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_keeps_the_stored_text_exactly(kb: TestDatabase, fmt: str) -> None:
    outcome = _invoke(kb, "countries", "--format", fmt)
    assert outcome.code == 0, outcome
    lines = [outcome.stdout] if fmt == "json" else outcome.stdout.splitlines()
    names = [
        r["name"]
        for line in lines
        for r in (json.loads(line) if fmt == "json" else [json.loads(line)])
    ]
    assert HOSTILE in names
    assert "\x1b" not in outcome.stdout  # JSON escapes it by itself


def test_csv_keeps_the_stored_text_exactly(kb: TestDatabase) -> None:
    outcome = _invoke(kb, "countries", "--format", "csv")
    assert outcome.code == 0, outcome
    names = [r["name"] for r in csv.DictReader(io.StringIO(outcome.stdout, newline=""))]
    assert HOSTILE in names


def test_an_error_message_quoting_stored_names_escapes_them(kb: TestDatabase) -> None:
    outcome = _invoke(kb, "show", "Evil\x1b]0;pwned")
    assert_clean_failure(outcome, 4)
    assert not RAW.search(outcome.stderr), repr(outcome.stderr)
