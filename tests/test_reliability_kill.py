"""Reliability: `kill -9` during a load, at 20 random (seeded) moments per backend.

A child `alliancekb load` of a generated document (2,000 statements and every entity they
need) is SIGKILLed after a random delay spread over the whole run, start-up to commit.
Afterwards the database passes its integrity check, holds all of the load or none of it
(the statements, the load's history row, and every other table with them), and loading
the file again completes it (or, when the kill came after the commit, changes nothing).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.generate import write_file
from sqlalchemy import text

from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase
from tests.helpers import snapshot
from tests.reliability_support import load_count, start_cli, statement_count

MakeDb = Callable[..., TestDatabase]
TRIALS = 20
SEED = 20240410


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "kb.yaml"
    write_file(path, statements=2000, officials=60, alliances=8, with_countries=True, seed=3)
    return path


def integrity_problems(db: TestDatabase) -> list[str]:
    """What the backend's own checks find wrong (nothing, after any crash)."""
    with db.engine.connect() as conn:
        if db.backend == "sqlite":
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            return [r for r in rows if r != "ok"] + [f"foreign key: {b}" for b in broken]
        # PostgreSQL recovers on its own; check that the data is readable and consistent.
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM statement_countries sc "
                "LEFT JOIN statements s ON s.id = sc.statement_id WHERE s.id IS NULL"
            )
        ).scalar_one()
        return [f"{orphans} orphaned statement_countries rows"] if orphans else []


@pytest.mark.slow
def test_sigkill_during_a_load_leaves_all_or_nothing(
    backend: str, make_database: MakeDb, document: Path
) -> None:
    # The full picture, from an uninterrupted load: what "all" looks like and how long it takes.
    reference = make_database(migrated=True)
    empty = snapshot(reference.engine)
    began = time.monotonic()
    proc = start_cli(reference.url, "load", str(document))
    out, err = proc.communicate(timeout=300)
    duration = time.monotonic() - began
    assert proc.returncode == 0, (out, err)
    total = statement_count(reference.engine)
    assert total == 2000
    reference.dispose()

    rng = random.Random(f"{SEED}-{backend}")
    outcomes = {"none": 0, "all": 0, "finished before the kill": 0}
    db: TestDatabase | None = None
    for trial in range(TRIALS):
        if db is None:  # a database a kill left empty serves the next trial too
            db = make_database(migrated=True)
        delay = rng.uniform(0.05, duration * 1.1)
        proc = start_cli(db.url, "load", str(document))
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)

        assert integrity_problems(db) == [], (trial, delay)
        count = statement_count(db.engine)
        assert count in (0, total), f"trial {trial}: {count} of {total} statements after a kill"
        if count == 0:
            assert snapshot(db.engine) == empty, f"trial {trial}: a partial load survived"
            outcomes["none"] += 1
        else:
            assert load_count(db.engine) == 1
            outcomes["finished before the kill" if finished else "all"] += 1

        # The user runs the load again (every few trials: each re-run costs a whole load).
        if trial % 4 == 0 or outcomes["none" if count == 0 else "all"] == 1:
            report = load_files(db.engine, [document])
            assert statement_count(db.engine) == total
            if count == 0:
                assert report.counts["statements"].created == total
            else:
                assert report.changed == 0
        if count or statement_count(db.engine):
            db.dispose()
            db = None
    # The delays spread over the whole run: most kills must land while it is loading.
    print(f"kill -9 on {backend}: {TRIALS} trials, load {duration:.2f} s, {outcomes}")
    assert outcomes["none"] >= TRIALS // 2, outcomes
