"""Hardening, third round (issue 29): knowledge time that never lies.

Row 2: a load's time is taken once it holds the writers' lock, at sub-second precision,
strictly increasing with the load numbers. Row 9: a load number is ASCII digits, and one
too large for any load is "there is no load N", never an internal error.
"""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb.cli.app import app
from tests.conftest import TestDatabase

#: A load number no database holds, digits that are not ASCII, and a number too long for int().
HOSTILE_LOAD_NUMBERS = [
    pytest.param("99999999999", id="eleven-digits"),
    pytest.param("2147483648", id="past-int32"),
    pytest.param("²", id="superscript-two"),
    pytest.param("1²", id="one-superscript-two"),
    pytest.param("١", id="arabic-indic-one"),
    pytest.param("9" * 5000, id="5000-digits"),
]


def _cli(db: TestDatabase, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", db.url, "--no-pager", *args], env={"COLUMNS": "100"})


def _assert_refused(result: Any, option: str, value: str) -> None:
    assert result.exit_code == 2, (option, value[:20], result.output[:400])
    assert "internal error" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"alliancekb: {option}: "), first
    if value.isascii():
        assert "there is no load" in first, first
    else:
        assert "not a load number" in first or "neither a load number" in first, first
    assert len(first) < 300, "a 5000-digit number is shortened"


@pytest.mark.parametrize("value", HOSTILE_LOAD_NUMBERS)
def test_a_load_number_that_is_not_ascii_digits_or_too_large_is_refused_with_exit_2(
    seeded_db: TestDatabase, value: str
) -> None:
    _assert_refused(_cli(seeded_db, "members", "AUKUS", "--known-on", value), "--known-on", value)
    _assert_refused(_cli(seeded_db, "diff", "--from", value), "--from", value)
    _assert_refused(_cli(seeded_db, "diff", "--from", "1", "--to", value), "--to", value)
    _assert_refused(_cli(seeded_db, "history", "--changes", value), "--changes", value)
    compact = _cli(seeded_db, "db", "compact", "--yes", "--before", value)
    assert compact.exit_code == 2, compact.output[:400]
    assert compact.stderr.startswith("alliancekb: --before: "), compact.stderr[:300]
    assert "internal error" not in compact.output


def test_ascii_load_numbers_still_name_loads(seeded_db: TestDatabase) -> None:
    assert _cli(seeded_db, "members", "AUKUS", "--known-on", "1").exit_code == 0
    assert _cli(seeded_db, "members", "AUKUS", "--known-on", " 0001 ").exit_code == 0
    assert _cli(seeded_db, "history", "--changes", "1").exit_code == 0
    missing = _cli(seeded_db, "history", "--changes", "2147483648")
    assert missing.exit_code == 2
    assert "there is no load 2147483648" in missing.stderr
