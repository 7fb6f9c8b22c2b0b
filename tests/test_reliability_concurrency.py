"""Reliability: concurrent writers and readers during writes, on SQLite and PostgreSQL.

- Writers: several `alliancekb load` processes on overlapping files at once all finish, and
  the knowledge equals loading the files one after another (the exported tables, which use
  natural keys, so the order the ids were handed out in does not matter). On SQLite the
  second writer waits on the busy timeout; on PostgreSQL loads take a transaction-level
  advisory lock (db.write_session) so they serialize instead of racing on natural keys.
- Readers: queries and exports running while a load of N statements commits see 0 or N of
  them, never a part.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bench.generate import write_file

from alliancekb.export.files import export, plan
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase
from tests.reliability_support import (
    Outcome,
    assert_no_traceback,
    load_count,
    overlapping_files,
    run_cli,
    split_document,
    start_cli,
    statement_count,
)
from tests.test_dump import knowledge

MakeDb = Callable[..., TestDatabase]


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-contained generated document: every entity plus 600 statements."""
    path = tmp_path_factory.mktemp("kb") / "kb.yaml"
    write_file(path, statements=600, officials=40, alliances=6, with_countries=True, seed=7)
    return path


def _run_together(url: str, files: list[Path]) -> list[Outcome]:
    procs = [start_cli(url, "load", str(f)) for f in files]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        outcomes.append(Outcome(proc.returncode, out, err))
    return outcomes


@pytest.mark.slow
def test_concurrent_loads_equal_sequential_loads(
    db: TestDatabase, make_database: MakeDb, small_kb: Path, tmp_path: Path
) -> None:
    """SQLite: two writers; PostgreSQL: eight. All finish; nothing lost, nothing doubled."""
    parts = 2 if db.backend == "sqlite" else 8
    files, distinct = overlapping_files(small_kb, tmp_path / "parts", parts, window=200, step=120)
    outcomes = _run_together(db.url, files)
    for outcome in outcomes:
        assert outcome.code == 0, outcome
        assert_no_traceback(outcome)
    assert statement_count(db.engine) == distinct
    assert load_count(db.engine) == parts

    reference = make_database(migrated=True)
    for path in files:
        load_files(reference.engine, [path])
    assert knowledge(db.engine) == knowledge(reference.engine)


# -- readers during a write -------------------------------------------------------------------


@pytest.mark.slow
def test_readers_see_all_of_a_load_or_none(db: TestDatabase, tmp_path: Path) -> None:
    """Query commands and exports polled while a load commits see 0 or N statements."""
    doc = tmp_path / "kb.yaml"
    write_file(doc, statements=1500, officials=40, alliances=6, with_countries=True, seed=11)
    total = 1500

    seen_counts: set[int] = set()
    seen_exports: set[tuple[int, int]] = set()
    reads: list[float] = []  # when each read began
    failures: list[str] = []
    stop = threading.Event()

    alliance = re.search(r'key: "([^"]+)"', split_document(doc.read_text())["alliances"][0])
    assert alliance is not None
    members_args = ("members", alliance.group(1), "--format", "json")
    seen_members: set[int | None] = set()

    def poll_queries() -> None:
        while not stop.is_set():
            reads.append(time.monotonic())
            out = run_cli(db.url, "statements", "--limit", "100000", "--format", "json")
            if out.code != 0:
                failures.append(f"statements: {out}")
                return
            seen_counts.add(len(json.loads(out.stdout)))
            out = run_cli(db.url, *members_args)
            if out.code not in (0, 4):  # 4: the alliance does not exist yet
                failures.append(f"members: {out}")
                return
            seen_members.add(len(json.loads(out.stdout)) if out.code == 0 else None)

    def poll_exports() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            target = tmp_path / f"export{n}"
            reads.append(time.monotonic())
            try:
                targets = plan(["statements", "sources"], target, "json")
                written = export(db.engine, targets, "json", force=True)
            except Exception as exc:  # reported below; the test thread asserts
                failures.append(f"export: {exc!r}")
                return
            rows = {w.table: w.rows for w in written}
            seen_exports.add((rows["statements"], rows["sources"]))

    threads = [threading.Thread(target=poll_queries), threading.Thread(target=poll_exports)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        began = time.monotonic()
        loader = start_cli(db.url, "load", str(doc))
        out, err = loader.communicate(timeout=240)
        ended = time.monotonic()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    # And once more after the load, so each reader has seen the committed state.
    for poll in (poll_queries, poll_exports):
        stop.clear()
        threading.Timer(0.01, stop.set).start()
        poll()
    assert loader.returncode == 0, (out, err)
    assert not failures, failures
    assert sum(began < t < ended for t in reads) >= 3, "the readers hardly ran during the load"
    assert seen_counts <= {0, total}, seen_counts
    assert total in seen_counts
    final_members = run_cli(db.url, *members_args)
    assert final_members.code == 0, final_members
    assert seen_members <= {None, len(json.loads(final_members.stdout))}, seen_members
    sources = statement_sources(db)
    assert seen_exports <= {(0, 0), (total, sources)}, seen_exports
    assert (total, sources) in seen_exports


def statement_sources(db: TestDatabase) -> int:
    return len(knowledge(db.engine)["sources"])
