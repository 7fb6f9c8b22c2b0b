"""Reliability: the database's life, from its first use on, as a hostile new user meets it.

- A first run killed (SIGKILL or Ctrl-C) anywhere between "migrated" and "seeded" never
  leaves an empty knowledge base behind: creation and seed are one transaction.
- Several first runs at once on an empty database serialise: every one succeeds and the
  seed is in the history once.
- A lock held by another connection makes reads and loads give up after
  ALLIANCEKB_LOCK_TIMEOUT seconds with "database busy", on both backends.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from alliancekb.core.config import to_url
from alliancekb.store import models as m
from alliancekb.store.db import sqlite_path
from tests.conftest import TestDatabase
from tests.helpers import BASE, write_yaml
from tests.reliability_support import (
    Outcome,
    assert_clean_failure,
    assert_no_traceback,
    run_cli,
    start_cli,
)

MakeDb = Callable[..., TestDatabase]
PILLAR = "AUKUS Pillar 2"


def _version_visible(url: str) -> bool:
    """Whether another connection sees a committed alliancekb revision yet."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            return False
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1) as conn:
                return bool(conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0])
        except sqlite3.Error:
            return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM alembic_version")).scalar())
    except DBAPIError:
        return False
    finally:
        engine.dispose()


def _answers_the_seeded_question(url: str) -> None:
    out = run_cli(url, "members", PILLAR, "--format", "json")
    assert out.code == 0, out
    assert len(json.loads(out.stdout)) >= 3, out


def _first_run(url: str) -> subprocess.Popen[str]:
    return start_cli(url, "members", PILLAR, "--format", "json")


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> Outcome:
    if proc.poll() is None:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return Outcome(proc.returncode, out, err)


@pytest.mark.slow
def test_a_first_run_killed_once_migrated_still_seeds_next_time(make_database: MakeDb) -> None:
    """SIGKILL the moment the version table is visible (before the fix: seed never ran)."""
    for _ in range(1):
        database = make_database(migrated=False)
        proc = _first_run(database.url)
        while proc.poll() is None and not _version_visible(database.url):
            time.sleep(0.002)
        _stop(proc, signal.SIGKILL)
        _answers_the_seeded_question(database.url)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.4, 1.2])
def test_a_first_run_killed_at_any_moment_leaves_a_usable_database(
    make_database: MakeDb, delay: float
) -> None:
    """SIGKILL after a delay (a kill loop over the first run) and Ctrl-C: the next run answers."""
    for sig in (signal.SIGKILL, signal.SIGINT):
        database = make_database(migrated=False)
        proc = _first_run(database.url)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=delay)
        _stop(proc, sig)  # (a Ctrl-C during Python's start-up is Python's own traceback)
        _answers_the_seeded_question(database.url)


def _together(commands: list[list[str]], url: str) -> list[Outcome]:
    procs = [start_cli(url, *args) for args in commands]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        outcomes.append(Outcome(proc.returncode, out, err))
    return outcomes


def _seed_loads(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).where(m.LoadFile.path.like("%seed.yaml"))
            return int(conn.scalar(query) or 0)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_concurrent_first_queries_serialise(make_database: MakeDb) -> None:
    """4 first runs at once: all answer the same, the seed loaded once."""
    database = make_database(migrated=False)
    outcomes = _together([["members", "aukus", "--format", "json"]] * 4, database.url)
    for outcome in outcomes:
        assert outcome.code == 0, outcome
        assert_no_traceback(outcome)
    assert len({o.stdout for o in outcomes}) == 1
    assert _seed_loads(database.url) == 1


@pytest.mark.slow
def test_concurrent_first_loads_serialise(make_database: MakeDb, tmp_path: Path) -> None:
    """4 first loads at once: all succeed, the seed in the history once, each load once."""
    database = make_database(migrated=False)
    doc = write_yaml(tmp_path, "doc.yaml", BASE)
    outcomes = _together([["load", str(doc)]] * 4, database.url)
    for outcome in outcomes:
        assert outcome.code == 0, outcome
        assert_no_traceback(outcome)
    assert _seed_loads(database.url) == 1
    history = run_cli(database.url, "history", "--format", "json")
    assert history.code == 0, history
    assert len(json.loads(history.stdout)) == 5, history


# -- a lock held by another connection: "database busy" after ALLIANCEKB_LOCK_TIMEOUT -----------


@contextmanager
def _lock_held(database: TestDatabase) -> Iterator[None]:
    """Another connection holds a lock that blocks readers and writers of the statements."""
    path = sqlite_path(database.url)
    if path is not None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            # In WAL mode only an exclusive locking mode keeps readers out.
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("DELETE FROM loads")
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(database.url)
    try:
        with engine.connect() as pg, pg.begin():
            pg.execute(text("LOCK TABLE statements IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["statements", "--limit", "1"], ["load", "{doc}"]])
def test_a_held_lock_gives_database_busy_after_the_lock_timeout(
    make_database: MakeDb, tmp_path: Path, command: list[str]
) -> None:
    database = make_database(seeded=True)
    doc = write_yaml(tmp_path, "doc.yaml", BASE)
    args = [a.format(doc=doc) for a in command]
    with _lock_held(database):
        # The subprocess timeout only stops a hang; nothing here measures time.
        outcome = run_cli(database.url, *args, timeout=30, ALLIANCEKB_LOCK_TIMEOUT="1")
    assert_clean_failure(outcome, 1)
    assert "database busy" in outcome.stderr, outcome
    assert "ALLIANCEKB_LOCK_TIMEOUT" in outcome.stderr, outcome
    after = run_cli(database.url, "statements", "--limit", "1", "--format", "json")
    assert after.code == 0, after


def test_a_lock_timeout_that_is_not_a_number_is_a_usage_error(db: TestDatabase) -> None:
    outcome = run_cli(db.url, "statements", "--limit", "1", ALLIANCEKB_LOCK_TIMEOUT="soon")
    assert_clean_failure(outcome, 2)
    assert "ALLIANCEKB_LOCK_TIMEOUT" in outcome.stderr, outcome


# -- foreign and corrupt databases ----------------------------------------------------------------

FOREIGN_COMMANDS = [
    ["members", "aukus"],
    ["load", "{doc}"],
    ["db", "upgrade"],
    ["db", "current"],
    ["db", "downgrade", "base"],
]


def _tables(database: TestDatabase) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(database.url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("version", [None, "f00dfeed"])
def test_a_foreign_database_is_refused_by_every_command(
    make_database: MakeDb, tmp_path: Path, version: str | None
) -> None:
    """Tables but no alliancekb revision (none, or another application's): left untouched."""
    database = make_database(migrated=False)
    engine = create_engine(database.url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE inventory (id INTEGER PRIMARY KEY, name TEXT)"))
        if version is not None:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
    engine.dispose()
    before = _tables(database)
    doc = write_yaml(tmp_path, "doc.yaml", BASE)
    for command in FOREIGN_COMMANDS:
        outcome = run_cli(database.url, *[a.format(doc=doc) for a in command])
        assert_clean_failure(outcome, 1)
        assert "not an alliancekb database" in outcome.stderr, (command, outcome)
    assert _tables(database) == before


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _truncated(path: Path) -> None:
    run = run_cli(to_url(str(path)), "db", "upgrade")
    assert run.code == 0, run
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(path.read_bytes()[: 5 * 4096])


@pytest.mark.parametrize("spoil", [_garbage, _truncated])
def test_a_corrupt_sqlite_file_is_named_not_an_internal_error(
    tmp_path: Path, spoil: Callable[[Path], None]
) -> None:
    path = tmp_path / "kb.sqlite"
    spoil(path)
    spoiled = path.read_bytes()
    for command in (["members", "aukus"], ["statements", "--limit", "1"], ["db", "current"]):
        outcome = run_cli(to_url(str(path)), *command)
        assert_clean_failure(outcome, 1)
        assert f"not an alliancekb database, or corrupted: {path}" in outcome.stderr, outcome
    assert path.read_bytes() == spoiled
