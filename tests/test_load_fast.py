"""The loader's fast paths give exactly what the plain paths give."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bench.generate import write_file
from sqlalchemy import Engine, MetaData, insert
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.errors import InputError, Problem, RuntimeFailure
from alliancekb.load import loader, records
from alliancekb.load.loader import load_files
from alliancekb.load.yaml_reader import RawRecord
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.helpers import BASE, snapshot, write_yaml
from tests.reliability_support import Outcome, assert_clean_failure

#: The load history: its times differ from one load to the next.
_HISTORY = {"loads", "load_files"}


def _raw_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row but the history's, as the driver returns it (no type processing)."""
    metadata = MetaData()
    metadata.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in sorted(metadata.tables):
            if not name.startswith("statements_fts") and name not in _HISTORY:
                rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"').all()
                out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fast") / "kb.yaml"
    write_file(path, statements=300, officials=20, alliances=5, with_countries=True, seed=3)
    return path


def test_driver_inserts_store_what_core_stores(
    make_database: Any, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast: TestDatabase = make_database()
    monkeypatch.setattr(loader, "ROWS_PER_INSERT", 7)  # PostgreSQL: many INSERTs, a short last
    load_files(fast.engine, [generated])

    def core_insert(self: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(insert(table), rows)

    monkeypatch.setattr(loader._Loader, "_insert_rows", core_insert)
    plain: TestDatabase = make_database()
    load_files(plain.engine, [generated])

    fast_rows, plain_rows = _raw_rows(fast.engine), _raw_rows(plain.engine)
    assert len(fast_rows["statements"]) == 300
    assert fast_rows == plain_rows


def test_postgresql_takes_rows_in_multi_row_inserts() -> None:
    from sqlalchemy.dialects import postgresql

    table: Any = m.statement_countries
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    plan = loader._insert_plan(table, ("statement_id", "country_id"), dialect)
    assert plan is not None
    assert plan.sql == "INSERT INTO statement_countries (statement_id, country_id) VALUES "
    assert plan.row == "(%s, %s)"


def test_an_omitted_column_with_a_default_takes_cores_path() -> None:
    from sqlalchemy.dialects import sqlite

    table: Any = m.Source.__table__
    given = tuple(c.name for c in table.columns if c.name != "retrieved")
    assert table.c.retrieved.default is not None
    assert loader._insert_plan(table, given, sqlite.dialect()) is None
    everything = tuple(c.name for c in table.columns)
    plan = loader._insert_plan(table, everything, sqlite.dialect())
    assert plan is not None
    assert plan.sql.startswith("INSERT INTO sources (")


def test_driver_inserts_bind_values_as_their_column_types_do() -> None:
    from sqlalchemy.dialects import sqlite

    table: Any = m.Statement.__table__
    columns = tuple(c.name for c in table.columns)
    plan = loader._insert_plan(table, columns, sqlite.dialect())
    assert plan is not None
    processed = [columns[i] for i, _ in plan.processors]
    assert processed == ["date_lower", "date_upper", "quote", "stance"]
    by_name = {columns[i]: process for i, process in plan.processors}
    assert by_name["quote"](True) == 1
    with pytest.raises(LookupError):
        by_name["stance"]("not-a-stance")


# -- reading in a child process -------------------------------------------------------------

needs_fork = pytest.mark.skipif(not records.can_use_child(), reason="reads in a child on Linux")

#: A file with every kind of problem, some in records the loader sees only after others:
#: invalid records, YAML-level problems, a duplicate id, unresolved names (whose marks
#: travel packed), and references that resolve only later in the file.
BAD = """
statements:
  - id: s-one
    speaker: later-official
    date: 2024-05-01
    text: Resolves only once the official below is read.
    stance: asserts
    about: {countries: [JPN, Atlantis], scopes: [aukus]}
    source: later-source
  - id: s-one
    speaker: later-official
    date: 2024-05-02
    text: A second statement with the same id.
    stance: asserts
    source: later-source
  - speaker: later-official
    date: 2024-13-01
    text: An invalid date and stance.
    stance: maybe
    source: later-source
  - speaker: later-official
    date: 2024-06-01
    text: A duplicate key follows.
    text: again
    stance: asserts
    about: {technology_areas: [quantum, warp-drive]}
    source: later-source
  - &anchor
    speaker: later-official
    date: 2024-06-02
    text: An anchor.
    stance: asserts
    source: later-source
  - speaker: later-official
    date: 2024-06-03
    text: Fine, once everything below is read.
    stance: asserts
    about: {countries: [Japan], scopes: [aukus], technology_areas: [quantum]}
    source: later-source
sources:
  - key: later-source
    title: A source defined after the statements that cite it
    published: 2024
    kind: news
countries:
  - iso3: JPN
officials:
  - key: later-official
    name: Later Official
  - key: other-official
    name: Other Official
    positions:
      - title: Envoy
        country: Narnia
        sources: [later-source]
technology_areas:
  - key: quantum
    name: Quantum
alliances:
  - key: aukus
    name: AUKUS
    kind: security-partnership
memberships:
  - country: JPN
    scope: aukus
    role: partner
    status: expected
    sources: [later-source, missing-source]
"""


@pytest.fixture
def in_child(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file is read in a child process; the list of files that were."""
    read_in_child: list[Path] = []
    original = records._ChildRead.__init__

    def spy(self: Any, path: Path, *args: Any) -> None:
        read_in_child.append(path)
        original(self, path, *args)

    monkeypatch.setattr(records, "CHILD_MIN_BYTES", 0)
    monkeypatch.setattr(records._ChildRead, "__init__", spy)
    return read_in_child


def _problems(engine: Engine, paths: list[Path]) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_files(engine, paths)
    return list(caught.value.problems)


def test_small_files_are_read_here_and_big_ones_in_a_child(
    tmp_path: Path, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = write_yaml(tmp_path, "small.yaml", BASE)
    assert isinstance(records.open_read(small, name="s", max_bytes=10**9, problems=[]),
                      records._LocalRead)  # fmt: skip
    monkeypatch.setattr(records, "CHILD_MIN_BYTES", generated.stat().st_size)
    read = records.open_read(generated, name="g", max_bytes=10**9, problems=[])
    try:
        assert isinstance(read, records._ChildRead) == records.can_use_child()
    finally:
        read.close()
    # Over the size limit: read here, where the limit is reported.
    read = records.open_read(generated, name="g", max_bytes=100, problems=[])
    assert isinstance(read, records._LocalRead)


@needs_fork
def test_a_child_read_gives_the_same_database(
    make_database: Any, generated: Path, tmp_path: Path, in_child: list[Path]
) -> None:
    base = write_yaml(tmp_path, "base.yaml", BASE)
    child: TestDatabase = make_database()
    load_files(child.engine, [base])
    child_report = load_files(child.engine, [generated])
    assert in_child == [base, generated]
    records_child = _raw_rows(child.engine)

    in_child.clear()
    records.CHILD_MIN_BYTES = 10**12  # type: ignore[misc]  # undone by the fixture's monkeypatch
    here: TestDatabase = make_database()
    load_files(here.engine, [base])
    here_report = load_files(here.engine, [generated])
    assert in_child == []

    assert records_child == _raw_rows(here.engine)
    assert child_report.counts_dict() == here_report.counts_dict()
    assert child_report.files == here_report.files
    # Loading again through a child changes nothing.
    records.CHILD_MIN_BYTES = 0  # type: ignore[misc]
    assert load_files(child.engine, [generated]).changed == 0


@needs_fork
def test_a_child_read_reports_exactly_the_same_problems(
    db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_child: list[Path]
) -> None:
    bad = write_yaml(tmp_path, "bad.yaml", BAD)
    broken = write_yaml(tmp_path, "broken.yaml", "statements:\n  - [unclosed\n")
    before = snapshot(db.engine)
    from_child = _problems(db.engine, [bad, broken])
    assert in_child == [bad, broken]

    monkeypatch.setattr(records, "CHILD_MIN_BYTES", 10**12)
    assert _problems(db.engine, [bad, broken]) == from_child
    assert in_child == [bad, broken]
    assert snapshot(db.engine) == before

    lines = BAD.lstrip("\n").splitlines()
    atlantis = next(i for i, line in enumerate(lines) if "Atlantis" in line)
    found = {(p.file.rsplit("/", 1)[-1], p.where): (p.line, p.column) for p in from_child}
    assert found == {
        ("bad.yaml", "statements[0].about.countries[1]"): (
            atlantis + 1,
            lines[atlantis].index("Atlantis") + 1,
        ),
        ("bad.yaml", "statements[1]"): (9, 5),  # the same id
        ("bad.yaml", "statements[2].date"): (16, 5),
        ("bad.yaml", "statements[2].stance"): (18, 5),
        ("bad.yaml", "statements[3].text"): (23, 5),  # a duplicate key
        ("bad.yaml", "statements[3].about.technology_areas[1]"): (25, 41),
        ("bad.yaml", "statements[4]"): (27, 5),  # an anchor
        ("bad.yaml", "officials[1].positions[0].country"): (53, 9),
        ("bad.yaml", "memberships[0].sources[1]"): (67, 29),
        ("broken.yaml", "statements[0]"): (2, 5),  # not a mapping
        ("broken.yaml", ""): (3, 1),  # invalid YAML: the flow list never ends
    }


def _in_the_child(monkeypatch: pytest.MonkeyPatch, act: Callable[[RawRecord], None]) -> None:
    """Run `act` on every record the child validates (the fork inherits this patch)."""
    original = records.validate
    parent = os.getpid()

    def patched(raw: RawRecord, file: str, problems: list[Problem]) -> Any:
        if os.getpid() != parent:
            act(raw)
        return original(raw, file, problems)

    monkeypatch.setattr(records, "validate", patched)


def _exit(raw: RawRecord) -> None:
    if raw.section == "statements":
        os._exit(3)


def _raise(raw: RawRecord) -> None:
    if raw.section == "statements" and raw.index == 20:
        raise RuntimeError("something broke")


def _killed(raw: RawRecord) -> None:
    if raw.section == "statements" and raw.index == 20:
        os.kill(os.getpid(), signal.SIGKILL)


@needs_fork
@pytest.mark.parametrize(
    ("act", "message"),
    [
        (_exit, "the reading process stopped unexpectedly (exited with status 3)"),
        (_raise, "failed: RuntimeError: something broke"),
        (_killed, "the reading process stopped unexpectedly (was killed by signal 9)"),
    ],
)
def test_a_child_failure_is_one_clean_error_and_nothing_is_written(
    act: Callable[[RawRecord], None],
    message: str,
    db: TestDatabase,
    generated: Path,
    tmp_path: Path,
    runner: CliRunner,
    in_child: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    load_files(db.engine, [write_yaml(tmp_path, "base.yaml", BASE)])
    before = snapshot(db.engine)
    _in_the_child(monkeypatch, act)

    with pytest.raises(RuntimeFailure) as caught:
        load_files(db.engine, [generated])
    assert str(caught.value).startswith(f"reading {generated} failed: ")
    assert message in str(caught.value)
    assert snapshot(db.engine) == before

    result = runner.invoke(app, ["--db", db.url, "load", str(generated)])
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)
    assert_clean_failure(outcome, 1)
    assert message in outcome.stderr
    assert snapshot(db.engine) == before
    assert multiprocessing.active_children() == []
    # Nothing from the child reached the terminal (it writes to the same descriptors).
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


@needs_fork
def test_ctrl_c_during_a_child_read_leaves_no_process_behind(
    db: TestDatabase,
    generated: Path,
    in_child: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def stall(raw: RawRecord) -> None:
        if raw.section == "statements" and raw.index == records.CHILD_BATCH + 10:
            time.sleep(60)  # after its first batch: the child is alive at the interrupt

    _in_the_child(monkeypatch, stall)
    calls: list[int] = []
    original = loader._Loader._first_time

    def interrupted(self: Any, raw: RawRecord, model: Any, file: str) -> bool:
        calls.append(1)
        if len(calls) == 100:
            raise KeyboardInterrupt
        return original(self, raw, model, file)

    monkeypatch.setattr(loader._Loader, "_first_time", interrupted)
    before = snapshot(db.engine)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        load_files(db.engine, [generated])
    assert time.monotonic() - started < 30
    assert in_child == [generated]
    assert multiprocessing.active_children() == []
    assert snapshot(db.engine) == before


@needs_fork
def test_the_child_stops_by_itself_when_the_parent_stops_reading(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pause(raw: RawRecord) -> None:
        if raw.section == "statements" and raw.index == 0:
            time.sleep(0.5)  # the parent is gone by now

    _in_the_child(monkeypatch, pause)
    read = records._ChildRead(generated, "g", 10**9, [])
    read._receiver.close()  # as a parent's death would: the pipe has no reader any more
    read._process.join(30)
    assert read._process.exitcode == 1  # a broken pipe: it left without waiting for anyone
    read.close()


def test_the_child_reads_ahead_only_so_far_and_sends_everything_in_order() -> None:
    class Gate:
        """A pipe that takes nothing until it is opened."""

        def __init__(self) -> None:
            self.open = threading.Event()
            self.sent: list[tuple[Any, ...]] = []

        def send_bytes(self, data: bytes) -> None:
            self.open.wait()
            self.sent.append(pickle.loads(data))

    gate = Gate()
    outbox = records._Outbox(gate)  # type: ignore[arg-type]
    held = records.OUTBOX_MESSAGES + 1  # one in the (blocked) pipe, the rest queued
    for i in range(held):
        outbox.send((i,))
    blocked = threading.Thread(target=outbox.send, args=((held,),), daemon=True)
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # full: the reader waits instead of reading further ahead
    gate.open.set()
    blocked.join(5)
    outbox.close()
    assert gate.sent == [(i,) for i in range(held + 1)]


def test_a_broken_pipe_stops_the_child_outbox() -> None:
    class Broken:
        def send_bytes(self, data: bytes) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    def fill(outbox: records._Outbox) -> None:
        for i in range(records.OUTBOX_MESSAGES + 5):
            outbox.send((i,))

    outbox = records._Outbox(Broken())  # type: ignore[arg-type]
    with pytest.raises(records._ParentGone):
        fill(outbox)
    with pytest.raises(records._ParentGone):
        outbox.close()


def test_packed_marks_are_the_marks(tmp_path: Path) -> None:
    from alliancekb.load.yaml_reader import DocumentReader, MarkMap, PackedMarks

    reader = DocumentReader(write_yaml(tmp_path, "base.yaml", BASE))
    checked = 0
    for raw in reader.records():
        assert isinstance(raw.marks, MarkMap)
        start = raw.marks[()]
        packed = PackedMarks(start.line, start.column, raw.marks.pack())
        assert dict(packed) == dict(raw.marks)
        for loc in [*raw.marks, ("no", "such", 3)]:
            assert RawRecord(raw.section, raw.index, {}, packed).mark_for(loc) == raw.mark_for(loc)
            checked += 1
    assert checked > 50
