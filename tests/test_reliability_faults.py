"""Reliability: injected faults during a load, each a clean error and a rolled-back database.

- a database error at the k-th batch of statements or memberships (batches made small);
- a full disk on SQLite (`PRAGMA max_page_count` set just above the database's size);
- a lost PostgreSQL connection mid-load (pg_terminate_backend from a second connection).

A clean error, through the command line: exit 1, one `alliancekb:` message, no traceback.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from bench.generate import write_file
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.load.loader import BATCH_SIZE_ENV
from alliancekb.store import db as db_module
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text, snapshot
from tests.reliability_support import (
    Outcome,
    assert_clean_failure,
    start_cli,
    statement_count,
)


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 statements, 400+ memberships: many batches of 50."""
    path = tmp_path_factory.mktemp("faults") / "kb.yaml"
    write_file(path, statements=600, officials=40, alliances=8, with_countries=True, seed=5)
    return path


def _invoke(runner: CliRunner, *args: str) -> Outcome:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _io_error(statement: str) -> OperationalError:
    return OperationalError(statement, {}, sqlite3.OperationalError("disk I/O error"))


# -- a failure at the k-th batch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "k"),
    [
        ("statements", 1),
        ("statements", 5),
        ("statements", 12),  # the last batch of 600 in batches of 50
        ("memberships", 1),
        ("memberships", 3),
    ],
)
def test_failure_at_the_kth_batch_rolls_back(
    table: str,
    k: int,
    db: TestDatabase,
    document: Path,
    tmp_path: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    monkeypatch.setenv(BATCH_SIZE_ENV, "50")
    if db.backend == "postgresql" and table == "statements":
        _fail_in_copy(db, runner, document, k, before)
        return
    calls: list[int] = []

    def failing(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        # After a batch's INSERT has run: a real write first, so the rollback has something
        # to undo. Each batch of new rows is one INSERT (batches are smaller than a page).
        if statement.startswith(f"INSERT INTO {table} ("):
            calls.append(1)
            if len(calls) == k:
                raise _io_error(f"batch {k}")

    event.listen(Engine, "after_cursor_execute", failing)
    try:
        outcome = _invoke(runner, "--db", db.url, "load", str(document))
    finally:
        event.remove(Engine, "after_cursor_execute", failing)

    assert len(calls) == k, calls
    assert_clean_failure(outcome, 1)
    assert "disk I/O error" in outcome.stderr
    assert snapshot(db.engine) == before

    outcome = _invoke(runner, "--db", db.url, "load", str(document))
    assert outcome.code == 0, outcome  # nothing left behind in the way of the next load


def _fail_in_copy(db: TestDatabase, runner: CliRunner, document: Path, k: int, before: Any) -> None:
    """PostgreSQL takes statements through COPY, which no SQLAlchemy event sees: the
    server itself fails at the first row of the k-th batch (a trigger raising disk_full)."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE SEQUENCE fault_rows")
        conn.exec_driver_sql(
            "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF nextval('fault_rows') = {(k - 1) * 50 + 1} THEN "
            f"RAISE EXCEPTION 'disk I/O error (batch {k})' USING ERRCODE = 'disk_full'; "
            "END IF; RETURN NEW; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER fault BEFORE INSERT ON statements FOR EACH ROW EXECUTE FUNCTION fault()"
        )
    try:
        outcome = _invoke(runner, "--db", db.url, "load", str(document))
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER fault ON statements")
            conn.exec_driver_sql("DROP FUNCTION fault()")
            conn.exec_driver_sql("DROP SEQUENCE fault_rows")
    assert_clean_failure(outcome, 1)
    assert f"disk I/O error (batch {k})" in outcome.stderr
    assert snapshot(db.engine) == before
    outcome = _invoke(runner, "--db", db.url, "load", str(document))
    assert outcome.code == 0, outcome


# -- disk full on SQLite ------------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Engines the CLI opens get a page limit a few pages above the file's current size."""
    original = db_module.create_db_engine
    headroom: list[int] = [8]

    def limited(url: str, **kwargs: Any) -> Engine:
        engine = original(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + headroom[0]}")

        return engine

    monkeypatch.setattr(db_module, "create_db_engine", limited)
    return headroom


def test_disk_full_on_sqlite_is_a_clean_error(
    db: TestDatabase,
    document: Path,
    tmp_path: Path,
    runner: CliRunner,
    full_disk: list[int],
) -> None:
    if db.backend != "sqlite":
        pytest.skip("max_page_count is SQLite's")
    load_text(db.engine, tmp_path, BASE)
    db.dispose()
    before = snapshot(db.engine)

    outcome = _invoke(runner, "--db", db.url, "load", str(document))

    assert_clean_failure(outcome, 1)
    assert "database or disk is full" in outcome.stderr
    assert snapshot(db.engine) == before
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"

    full_disk[0] = 100_000  # room again: the same load now succeeds
    outcome = _invoke(runner, "--db", db.url, "load", str(document))
    assert outcome.code == 0, outcome
    assert statement_count(db.engine) == 600 + 2


# -- a lost PostgreSQL connection ---------------------------------------------------------------


def test_lost_postgresql_connection_mid_load(
    db: TestDatabase, tmp_path: Path, document: Path
) -> None:
    if db.backend != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    big = tmp_path / "big.yaml"
    write_file(big, statements=3000, officials=60, alliances=8, with_countries=True, seed=6)
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    database = db.engine.url.database

    proc = start_cli(db.url, "load", str(big))
    terminated = False
    with db.engine.connect() as conn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            # The loader's connection, once its transaction has written something.
            pid = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = :db "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                ),
                {"db": database},
            ).scalar()
            if pid is not None:
                time.sleep(0.2)
                terminated = bool(
                    conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
                )
                break
            conn.rollback()
            time.sleep(0.02)
    out, err = proc.communicate(timeout=120)
    outcome = Outcome(proc.returncode, out, err)

    assert terminated, ("the load finished before its connection could be cut", outcome)
    assert_clean_failure(outcome, 1)
    assert "database error" in outcome.stderr
    db.dispose()
    assert snapshot(db.engine) == before


# -- Ctrl-C at any statement of a load ----------------------------------------------------------


@pytest.mark.parametrize("from_end", [1, 2, 3, 4, 5, 6, 8, 12, "middle", "start"])
def test_ctrl_c_at_any_statement_of_a_load_is_exit_130_and_nothing_written(
    from_end: int | str,
    make_database: Any,
    tmp_path: Path,
    runner: CliRunner,
) -> None:
    # A real SIGINT just before the k-th statement of a load (counted from its end: the
    # search index, the cache setting restored, the history rows), so the interrupt lands
    # inside the driver's call, as a Ctrl-C does; the connection is then invalidated.
    path = tmp_path / "kb.yaml"
    path.write_text(BASE.lstrip("\n"), encoding="utf-8")
    counter = make_database(migrated=True)
    total = [0]

    def counting(*_: Any) -> None:
        total[0] += 1

    event.listen(Engine, "before_cursor_execute", counting)
    try:
        assert _invoke(runner, "--db", counter.url, "load", str(path)).code == 0
    finally:
        event.remove(Engine, "before_cursor_execute", counting)
    k = {"middle": total[0] // 2, "start": 1}.get(str(from_end)) or total[0] + 1 - int(from_end)

    db = make_database(migrated=True)
    before = snapshot(db.engine)
    seen = [0]

    def interrupting(*_: Any) -> None:
        seen[0] += 1
        if seen[0] == k:
            os.kill(os.getpid(), signal.SIGINT)

    event.listen(Engine, "before_cursor_execute", interrupting)
    try:
        outcome = _invoke(runner, "--db", db.url, "load", str(path))
    finally:
        event.remove(Engine, "before_cursor_execute", interrupting)
    assert seen[0] >= k
    assert_clean_failure(outcome, 130)
    assert outcome.stderr.startswith("alliancekb: interrupted; nothing was written"), outcome
    assert snapshot(db.engine) == before
    assert _invoke(runner, "--db", db.url, "load", str(path)).code == 0
