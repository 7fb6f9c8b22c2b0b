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
import os
import re
import resource
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.cli.options import COUNT_MAX
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase
from tests.reliability_support import (
    Outcome,
    assert_clean_failure,
    assert_clean_usage_error,
    child_env,
    cli_command,
)

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


# -- files: designed messages for ordinary OS conditions -------------------------------------

#: The file-size limit of the child: above SQLite's 32 KiB shared-memory file, below the export.
FSIZE_LIMIT = 48 * 1024


@pytest.fixture
def big_db(db: TestDatabase) -> TestDatabase:
    """The query fixture with one statement text longer than FSIZE_LIMIT."""
    load_files(db.engine, [FIXTURE])
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE statements SET text = :t WHERE id = (SELECT MIN(id) FROM statements)"),
            {"t": "long " * FSIZE_LIMIT},
        )
    db.dispose()
    return db


def _limited_cli(url: str, cwd: Path, *args: str) -> Outcome:
    """`alliancekb` in a child under a file-size limit (writes past it fail with EFBIG)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))

    proc = subprocess.run(
        cli_command(url, *args),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=child_env(PYTHONDONTWRITEBYTECODE="1"),
        stdin=subprocess.DEVNULL,
        preexec_fn=limit,
        check=False,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize(
    "args",
    [["export", "--out", "kb"], ["export", "statements", "--out", "kb/s.csv"],
     ["dump", "--out", "kb/kb.yaml"]],
    ids=" ".join,
)  # fmt: skip
def test_a_file_size_limit_is_a_designed_message_and_leaves_no_file(
    big_db: TestDatabase, tmp_path: Path, args: list[str]
) -> None:
    work = tmp_path / "work"
    (work / "kb").mkdir(parents=True)
    outcome = _limited_cli(big_db.url, work, *args)
    assert_clean_failure(outcome, 1)
    assert "nothing was written" in outcome.stderr, outcome
    assert "kb" in outcome.stderr, outcome
    assert list((work / "kb").iterdir()) == []


def _run(db: TestDatabase, *args: str) -> Outcome:
    result = CliRunner().invoke(app, ["--db", db.url, *args])
    return Outcome(result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--out", "afile/sub"],
        ["export", "countries", "--out", "afile/sub/countries.csv"],
        ["export", "countries", "--out", "afile/countries.csv"],
        ["dump", "--out", "afile/kb.yaml"],
    ],
    ids=" ".join,
)
def test_a_path_under_a_file_is_a_usage_error(
    db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("keep me\n")
    outcome = _run(db, *args)
    assert_clean_failure(outcome, 2)
    assert "afile is a file" in outcome.stderr, outcome
    assert (tmp_path / "afile").read_text() == "keep me\n"


@pytest.mark.parametrize("command", ["export", "dump"])
def test_a_directory_that_may_not_be_created_is_a_runtime_error(
    db: TestDatabase, command: str
) -> None:
    # /sys refuses new directories even to root (the tests run as root).
    target = "/sys/alliancekb-test/sub" + ("" if command == "export" else "/kb.yaml")
    outcome = _run(db, command, "--out", target)
    assert_clean_failure(outcome, (1, 2))
    assert "/sys/alliancekb-test" in outcome.stderr, outcome
    assert not os.path.exists("/sys/alliancekb-test")


@pytest.mark.parametrize("command", [["export"], ["export", "countries"], ["dump"]], ids=" ".join)
def test_an_empty_out_path_is_a_usage_error(
    db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    outcome = _run(db, *command, "--out", "")
    assert_clean_usage_error(outcome)
    assert "--out" in outcome.stderr, outcome
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("command", [["export", "countries"], ["dump"]], ids=" ".join)
def test_a_target_that_is_not_a_regular_file_is_never_replaced(
    db: TestDatabase, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "out").mkdir()
    fifo = tmp_path / "out" / "pipe"
    os.mkfifo(fifo)
    outcome = _run(db, *command, "--out", str(fifo), "--force")
    assert_clean_failure(outcome, 2)
    assert "not a regular file" in outcome.stderr, outcome
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in fifo.parent.iterdir()] == ["pipe"]


# -- bounded options --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["statements", "history"])
@pytest.mark.parametrize("value", ["9223372036854775808", "9223372036854775807", "-1"])
def test_a_limit_out_of_range_is_a_usage_error_naming_the_range(
    db: TestDatabase, command: str, value: str
) -> None:
    outcome = _run(db, command, "--limit", value)
    assert_clean_usage_error(outcome)
    lowest = 0 if command == "statements" else 1
    message = re.sub(r"[\s│]+", " ", outcome.stderr)
    assert f"{value} is not in the allowed range {lowest} to {COUNT_MAX}" in message, outcome


@pytest.mark.parametrize("args", [["countries", "--format", "csv"], ["statements"]], ids=" ".join)
def test_a_full_disk_on_standard_output_is_a_designed_message(
    db: TestDatabase, args: list[str]
) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            cli_command(db.url, *args),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
    outcome = Outcome(proc.returncode, "", proc.stderr)
    assert_clean_failure(outcome, 1)
    assert "disk full writing standard output" in outcome.stderr, outcome
