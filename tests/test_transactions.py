"""Transactions behave on SQLite as on PostgreSQL: savepoints, rollback, waiting writers,
and a dry run (`validate`, `load --dry-run`) that never takes the write lock."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.load.loader import load_files
from alliancekb.store.db import write_session
from alliancekb.store.models import Country
from tests.conftest import TestDatabase
from tests.helpers import BASE, snapshot, write_yaml


def _count(db: TestDatabase) -> int:
    with Session(db.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Country)) or 0)


def test_outer_rollback_undoes_a_released_savepoint(db: TestDatabase) -> None:
    with Session(db.engine) as session:
        session.begin()
        nested = session.begin_nested()
        session.execute(insert(Country).values(iso3="JPN", iso2="JP", name="Japan"))
        nested.commit()  # RELEASE SAVEPOINT
        session.rollback()
    assert _count(db) == 0


def test_rolled_back_savepoint_keeps_the_outer_work(db: TestDatabase) -> None:
    with write_session(db.engine) as session:
        session.execute(insert(Country).values(iso3="JPN", iso2="JP", name="Japan"))
        nested = session.begin_nested()
        session.execute(insert(Country).values(iso3="KOR", iso2="KR", name="Korea"))
        nested.rollback()
    assert _count(db) == 1


def test_ddl_is_rolled_back_with_its_transaction(db: TestDatabase) -> None:
    from sqlalchemy import inspect, text

    with Session(db.engine) as session:
        session.begin()
        session.execute(text("CREATE TABLE scratch (x INTEGER)"))
        session.rollback()
    assert "scratch" not in inspect(db.engine).get_table_names()


WRITER = """
import sys, time
from sqlalchemy import insert
from alliancekb.store.db import create_db_engine, write_session
from alliancekb.store.models import Country
url, codes = sys.argv[1], sys.argv[2].split(",")
engine = create_db_engine(url)
with write_session(engine) as session:
    for code in codes:
        session.execute(insert(Country).values(iso3=code, iso2=None, name=code))
        time.sleep(0.05)  # hold the write lock long enough for the other writer to queue
print("ok")
"""


def test_two_processes_writing_the_same_sqlite_file_both_finish(
    db: TestDatabase, tmp_path: Path
) -> None:
    if db.backend != "sqlite":
        return  # PostgreSQL's row locks are tested by the concurrent-load suite
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    batches = ["AAA,AAB,AAC,AAD,AAE,AAF,AAG,AAH", "BBA,BBB,BBC,BBD,BBE,BBF,BBG,BBH"]
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), db.url, codes],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for codes in batches
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _count(db) == 16


# -- the plan stage takes no write lock -----------------------------------------------------

#: Seconds a dry run may take while a writer holds the lock: a dry run that waited for the
#: lock would wait for the busy timeout (60 s) or, on PostgreSQL, for ever.
_PLAN_TIMEOUT_S = 20.0


def _within(seconds: float, act: Callable[[], Any]) -> Any:
    """`act()`'s result, or a failure if it has not returned within `seconds`."""
    done: list[Any] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(act())
        except BaseException as exc:  # re-raised below, in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s: it took the write lock"
    if failed:
        raise failed[0]
    return done[0]


@contextmanager
def _writer_holding_the_lock(db: TestDatabase) -> Iterator[None]:
    """Another connection in a write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    writers' lock and LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE on tables a load writes)."""
    with write_session(db.engine) as session:
        if db.backend == "postgresql":
            session.execute(
                text("LOCK TABLE statements, countries, memberships IN SHARE ROW EXCLUSIVE MODE")
            )
        session.execute(insert(Country).values(iso3="ZZZ", iso2=None, name="Held"))
        yield
        session.rollback()


def test_validate_and_dry_run_succeed_while_a_writer_holds_the_lock(
    db: TestDatabase, tmp_path: Path, runner: CliRunner
) -> None:
    doc = write_yaml(tmp_path, "base.yaml", BASE)
    before = snapshot(db.engine)
    with _writer_holding_the_lock(db):
        # Everything in the file is new: memberships and statements use the countries,
        # sources and alliances it creates (planned, not written).
        planned = _within(_PLAN_TIMEOUT_S, lambda: load_files(db.engine, [doc], dry_run=True))
        validated = _within(
            _PLAN_TIMEOUT_S, lambda: runner.invoke(app, ["--db", db.url, "validate", str(doc)])
        )
        dry = _within(
            _PLAN_TIMEOUT_S,
            lambda: runner.invoke(app, ["--db", db.url, "load", "--dry-run", str(doc)]),
        )
    assert validated.exit_code == 0, validated.output
    assert dry.exit_code == 0, dry.output
    assert snapshot(db.engine) == before
    # The plan counted what the load then does.
    loaded = load_files(db.engine, [doc])
    assert planned.counts_dict() == loaded.counts_dict()
    assert planned.counts["memberships"].created == 2
    assert planned.counts["statements"].created == 2


def test_a_dry_run_plans_updates_against_the_stored_rows(db: TestDatabase, tmp_path: Path) -> None:
    load_files(db.engine, [write_yaml(tmp_path, "base.yaml", BASE)])
    edited = BASE.replace("name: Submarines", "name: Conventionally armed submarines").replace(
        "status: expected", "status: in-force"
    )
    edited += """  - speaker: USA
    date: 2024-05
    text: A new statement by a country the file does not define.
    stance: asserts
    source: wsj-emanuel-2024-04
"""
    doc = write_yaml(tmp_path, "edited.yaml", edited)
    before = snapshot(db.engine)
    with _writer_holding_the_lock(db):
        planned = _within(_PLAN_TIMEOUT_S, lambda: load_files(db.engine, [doc], dry_run=True))
    assert snapshot(db.engine) == before
    loaded = load_files(db.engine, [doc])
    assert planned.counts_dict() == loaded.counts_dict()
    assert loaded.counts["pillars"].updated == 1
    assert loaded.counts["memberships"].updated == 1
    assert loaded.counts["statements"].created == 1
