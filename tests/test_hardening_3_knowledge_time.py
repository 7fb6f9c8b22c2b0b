"""Hardening, third round (issue 29): knowledge time that never lies.

Row 2: a load's time is taken once it holds the writers' lock, at sub-second precision,
strictly increasing with the load numbers. Row 9: a load number is ASCII digits, and one
too large for any load is "there is no load N", never an internal error.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.store import models as m
from alliancekb.store.db import write_session
from tests.conftest import TestDatabase
from tests.helpers import BASE, write_yaml
from tests.reliability_support import start_cli

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


# -- row 2: a load's time is taken holding the writers' lock -----------------------------

#: Seconds the test's writer holds the lock while a retract and a load wait for it.
_HOLD_S = 2.5

_LATER = """
countries:
  - iso3: NZL
"""


def _times(db: TestDatabase) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """(id, started_at, finished_at) of every load, by id, as aware UTC datetimes."""

    def aware(moment: dt.datetime) -> dt.datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    loads = m.Load.__table__
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(loads.c.id, loads.c.started_at, loads.c.finished_at).order_by(loads.c.id)
        ).all()
    return [(int(r.id), aware(r.started_at), aware(r.finished_at)) for r in rows]


def _japan(db: TestDatabase, *args: str) -> list[str]:
    rows = json.loads(_cli(db, "members", "AUKUS Pillar 2", "--format", "json", *args).stdout)
    return [row["iso3"] for row in rows if row["iso3"] == "JPN"]


def test_loads_waiting_for_the_writers_lock_are_timed_after_it_in_load_order(
    db: TestDatabase, tmp_path: Path
) -> None:
    assert _cli(db, "load", str(write_yaml(tmp_path, "base.yaml", BASE))).exit_code == 0
    later = write_yaml(tmp_path, "later.yaml", _LATER)
    with write_session(db.engine) as session:  # another writer holds the lock
        session.execute(text("SELECT 1"))
        waiting = [
            start_cli(db.url, "retract", "membership", "JPN", "AUKUS Pillar 2", "--reason", "x"),
            start_cli(db.url, "load", str(later)),
        ]
        time.sleep(_HOLD_S / 2)  # both have started and wait for the lock by now
        between = dt.datetime.now(dt.UTC)  # a moment at which neither has committed
        time.sleep(_HOLD_S / 2)
        assert all(proc.poll() is None for proc in waiting), "they waited for the lock"
        released = dt.datetime.now(dt.UTC)
        session.rollback()
    for proc in waiting:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    times = _times(db)
    assert [t[0] for t in times] == [1, 2, 3]
    for _, started, finished in times[1:]:
        # Taken once the lock was theirs: not at the start of their transactions.
        assert started >= released, (started, released)
        assert finished >= started
    # Strictly increasing with the load numbers, to the microsecond (not cut to seconds).
    stamps = [stamp for _, started, finished in times for stamp in (started, finished)]
    assert all(a < b for a, b in zip(stamps[1::2], stamps[2::2], strict=False)), times
    assert any(stamp.microsecond for stamp in stamps[2:]), "sub-second precision"
    # `history` lists the loads newest first, times falling with the numbers.
    history = json.loads(_cli(db, "history", "--format", "json").stdout)
    assert [row["id"] for row in history] == [3, 2, 1]
    assert sorted(row["finished"] for row in history) == [row["finished"] for row in history][::-1]
    # The knowledge base as known at a moment during the wait: load 1, Japan still in.
    moment = between.isoformat()
    assert _japan(db, "--known-on", moment) == ["JPN"]
    assert _japan(db) == []
    known = json.loads(
        _cli(db, "members", "AUKUS Pillar 2", "--format", "json", "--known-on", moment).stdout
    )
    assert {row["known_on"] for row in known} == {1}
    # Compacting before that moment keeps what load 1 needs.
    compact = _cli(db, "db", "compact", "--yes", "--before", moment)
    assert compact.exit_code == 0, compact.output
    assert _japan(db, "--known-on", "1") == ["JPN"]
