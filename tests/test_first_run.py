"""A new user's first command: it creates the knowledge base (seconds) and says so on stderr.

Run as a user runs it, in a child process whose stderr is a pipe, not a terminal: the line
is for a person watching a pipe too, and stdout stays the answer alone.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

from alliancekb.core.dates import EdtfError, parse_edtf
from alliancekb.store.db import sqlite_path
from tests.conftest import TestDatabase


def _alliancekb(db: TestDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alliancekb", "--db", db.url, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _newest_published(sources_csv: str) -> str:
    """The newest `published` of the sources, by the last day each date can mean."""
    dated = []
    for row in csv.DictReader(io.StringIO(sources_csv)):
        try:
            dated.append(parse_edtf(row["published"]))
        except EdtfError:  # empty or `unknown`
            continue
    return max(dated, key=lambda d: d.upper).text


def test_the_first_command_says_on_stderr_where_it_creates_the_knowledge_base_and_how_fresh(
    empty_db: TestDatabase,
) -> None:
    first = _alliancekb(empty_db, "sources", "--format", "csv")
    assert first.returncode == 0, first.stderr
    lines = first.stderr.splitlines()
    assert len(lines) == 1, first.stderr
    assert lines[0].startswith("alliancekb: creating the knowledge base at "), lines
    assert lines[0].endswith("…"), lines
    path = sqlite_path(empty_db.url)
    if path is not None:
        assert str(path) in lines[0]
    assert f"(newest evidence {_newest_published(first.stdout)})" in lines[0]
    again = _alliancekb(empty_db, "sources", "--format", "csv")
    assert again.stderr == ""  # only the command that creates it says so
    assert again.stdout == first.stdout  # the line never reaches stdout


def test_db_upgrade_of_an_empty_database_says_it_creates_it_on_stderr_not_stdout(
    empty_db: TestDatabase,
) -> None:
    done = _alliancekb(empty_db, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("database at ")
    assert "creating the knowledge base at " in done.stderr
    assert done.stderr.count("\n") == 1


def test_db_upgrade_no_seed_creates_only_the_schema_and_says_nothing_on_stderr(
    empty_db: TestDatabase,
) -> None:
    done = _alliancekb(empty_db, "db", "upgrade", "--no-seed")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
