"""The loader's fast paths give exactly what the plain paths give (through public functions)."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from bench.generate import write_file
from sqlalchemy import Column, Engine, Integer, MetaData, Table, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.errors import InputError, Problem, RuntimeFailure
from alliancekb.load import child_read
from alliancekb.load import validate as validate_stage
from alliancekb.load.loader import load_files
from alliancekb.load.yaml_reader import RawRecord
from alliancekb.store import models as m
from alliancekb.store.bulk_insert import BulkInserter, insert_plan, insert_rows_reference
from tests.conftest import TestDatabase
from tests.helpers import BASE, snapshot, write_yaml
from tests.reliability_support import Outcome, assert_clean_failure

#: The load history: its times differ from one load to the next.
_HISTORY = {"loads", "load_files", "knowledge_clock"}


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


@pytest.fixture(scope="module")
def generated_rows(tmp_path_factory: pytest.TempPathFactory, generated: Path) -> Any:
    """Every row of every table after loading `generated` into SQLite, as Core reads them."""
    from alliancekb.store.db import create_db_engine
    from alliancekb.store.migrate import upgrade

    path = tmp_path_factory.mktemp("rows") / "kb.sqlite"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_files(engine, [generated])
    with engine.connect() as conn:
        rows = {
            table.name: [dict(r) for r in conn.execute(select(table)).mappings()]
            for table in m.Base.metadata.sorted_tables
            if table.name not in _HISTORY
        }
    engine.dispose()
    return rows


def _copy(engine: Engine, rows: dict[str, list[dict[str, Any]]], write: Any) -> None:
    with engine.begin() as conn:
        for table in m.Base.metadata.sorted_tables:
            if rows.get(table.name):
                write(conn, table, rows[table.name])


def _inserting(**options: Any) -> tuple[Callable[[Any, Table, list[dict[str, Any]]], None], Any]:
    """A `write` for `_copy` through one BulkInserter per connection, and its closer."""
    inserters: dict[int, BulkInserter] = {}

    def write(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
        inserter = inserters.setdefault(id(conn), BulkInserter(conn, **options))
        inserter.insert_rows(table, rows)

    def close() -> None:
        for inserter in inserters.values():
            inserter.close(failing=True)

    return write, close


@pytest.mark.parametrize(
    ("copy", "rows_per_insert", "behind"),
    # PostgreSQL: COPY (on the caller's thread or behind it); without it, many INSERTs
    # with a short last one, or one per table.
    [(True, 1000, False), (True, 1000, True), (False, 7, False), (False, 1000, False)],
)
def test_the_fast_insert_path_writes_what_the_reference_path_writes(
    make_database: Any, generated_rows: Any, copy: bool, rows_per_insert: int, behind: bool
) -> None:
    fast: TestDatabase = make_database()
    plain: TestDatabase = make_database()
    bulk, close = _inserting(rows_per_insert=rows_per_insert, copy=copy, behind=behind)
    try:
        _copy(fast.engine, generated_rows, bulk)
    finally:
        close()
    _copy(plain.engine, generated_rows, insert_rows_reference)
    fast_rows, plain_rows = _raw_rows(fast.engine), _raw_rows(plain.engine)
    assert len(fast_rows["statements"]) == 300
    assert len(fast_rows["statement_countries"]) > 0
    assert fast_rows == plain_rows


def test_postgresql_takes_rows_through_copy_or_multi_row_inserts() -> None:
    from sqlalchemy.dialects import postgresql

    table: Any = m.statement_countries
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    plan = insert_plan(table, ("statement_id", "country_id"), dialect)
    assert plan is not None
    assert plan.sql == "INSERT INTO statement_countries (statement_id, country_id) VALUES "
    assert plan.row == "(%s, %s)"
    assert plan.copy == "COPY statement_countries (statement_id, country_id) FROM STDIN"
    # Names that need quoting are quoted as in Core's INSERT.
    odd = Table("Odd", MetaData(), Column("from", Integer), Column("Upper", Integer))
    plan = insert_plan(odd, ("from", "Upper"), dialect)
    assert plan is not None
    assert plan.copy == 'COPY "Odd" ("from", "Upper") FROM STDIN'


#: Values a COPY text stream must escape or tell apart: its delimiters, its escape and NULL
#: marker, NULL against the empty string, quotes, Unicode, dates at the ends of the range.
HOSTILE_TEXTS = [
    "", "\\N", "\\", "tab\there", "line\nbreak", "cr\rreturn", "back\\slash\\",
    "'single' \"double\"", "\\.", "end\\.\n\\.", "\u00e9t\u00e9 \u65e5\u672c \U0001f6a2 \u200b",
    ",;|", " spaces ", "\x7f\x01",
]  # fmt: skip


def _hostile_rows() -> dict[str, list[dict[str, Any]]]:
    import datetime as dt

    source = {"id": 1, "key": "s\t1", "title": "A\nsource", "publisher": None, "author": "",
              "url": None, "published": "2024", "published_lower": dt.date(2024, 1, 1),
              "published_upper": dt.date(2024, 12, 31), "retrieved": "", "kind": "news",
              "note": "\\N"}  # fmt: skip
    official = {"id": 1, "key": "o-1", "name": 'Ren\u00e9e "Q" O\'Brien\\'}
    statements = []
    for i, text in enumerate(HOSTILE_TEXTS):
        statements.append(
            {
                "id": f"st-{i}-{text[:3]}",
                "speaker_official_id": 1,
                "speaker_country_id": None,
                "speaker_alliance_id": None,
                "speaker_label": None if i % 2 else text,
                "date_text": text[:32],
                "date_lower": dt.date(1, 1, 1) if i % 3 == 0 else dt.date(9999, 12, 31),
                "date_upper": dt.date(2024, 2, 29),
                "text": text,
                "quote": i % 2 == 0,
                "stance": "asserts" if i % 2 else "denies",
                "source_id": 1,
                "note": text if i % 3 else None,
            }
        )
    return {"sources": [source], "officials": [official], "statements": statements}


@pytest.mark.parametrize("behind", [False, True], ids=["copy", "copy-behind"])
def test_copy_writes_hostile_values_as_the_reference_path_does(
    make_database: Any, behind: bool
) -> None:
    rows = _hostile_rows()
    assert len({r["id"] for r in rows["statements"]}) == len(HOSTILE_TEXTS)
    fast: TestDatabase = make_database()
    plain: TestDatabase = make_database()
    bulk, close = _inserting(behind=behind)
    try:
        _copy(fast.engine, rows, bulk)
    finally:
        close()
    _copy(plain.engine, rows, insert_rows_reference)
    fast_rows = _raw_rows(fast.engine)
    assert fast_rows == _raw_rows(plain.engine)
    assert len(fast_rows["statements"]) == len(HOSTILE_TEXTS)
    with fast.engine.connect() as conn:  # NULL stayed NULL and '' stayed ''
        read = dict(conn.execute(select(m.Statement.id, m.Statement.note)).all())
    assert sorted(read.values(), key=repr) == sorted(
        (r["note"] for r in rows["statements"]), key=repr
    )


def _violation(engine: Engine, insert: Callable[[Any, Table, list[dict[str, Any]]], None]) -> Any:
    """The error of inserting statements that break the primary key, then the foreign key."""
    rows = _hostile_rows()
    errors = []
    for bad in (
        [*rows["statements"], dict(rows["statements"][3], text="again")],  # the same id
        [dict(rows["statements"][0], id="st-new", source_id=999)],  # no such source
    ):
        with pytest.raises(IntegrityError) as caught:
            _insert_all(engine, rows, insert, bad)
        errors.append(caught.value)
    return errors


def _insert_all(engine: Engine, rows: Any, write: Any, statements: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for name in ("sources", "officials"):
            write(conn, m.Base.metadata.tables[name], rows[name])
        write(conn, m.Statement.__table__, statements)


@pytest.mark.parametrize("behind", [False, True], ids=["copy", "copy-behind"])
def test_a_constraint_broken_inside_copy_is_the_error_an_insert_gives(
    make_database: Any, behind: bool
) -> None:
    fast: TestDatabase = make_database()
    plain: TestDatabase = make_database()
    # Behind the caller, the error comes at the commit that follows the COPY.
    bulk, close = _inserting(behind=behind)
    try:
        fast_errors = _violation(fast.engine, bulk)
    finally:
        close()
    plain_errors = _violation(plain.engine, insert_rows_reference)
    for fast_error, plain_error in zip(fast_errors, plain_errors, strict=True):
        assert type(fast_error.orig) is type(plain_error.orig)
        assert str(fast_error.orig).splitlines()[0] == str(plain_error.orig).splitlines()[0]
        if fast.backend == "postgresql":
            assert fast_error.orig.diag.constraint_name == plain_error.orig.diag.constraint_name
            assert fast_error.orig.diag.message_detail == plain_error.orig.diag.message_detail
    # Rolled back whole; the connections (back in the pool) work.
    after = _raw_rows(fast.engine)
    assert after["statements"] == after["sources"] == []
    assert after == _raw_rows(plain.engine)


def test_a_load_that_breaks_a_constraint_inside_copy_leaves_the_database_as_it_was(
    db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliancekb.load import batches

    load_files(db.engine, [write_yaml(tmp_path, "base.yaml", BASE)])
    doc = write_yaml(
        tmp_path,
        "more.yaml",
        "statements:\n"
        + "".join(
            f"  - {{id: s-{i}, speaker: USA, speaker_label: US, date: 2024-01-0{i},"
            f" text: 'Said {i}.', stance: asserts, source: wsj-emanuel-2024-04}}\n"
            for i in range(1, 4)
        ),
    )
    # The planner is made to believe that the table holds none of them: the database
    # alone refuses the second insert of s-1, and its error is the one an INSERT gives.
    monkeypatch.setattr(batches.StatementPlanner, "_existing", lambda self, *ids: {})
    load_files(db.engine, [doc])
    before = snapshot(db.engine)
    with pytest.raises(IntegrityError) as caught:
        load_files(db.engine, [doc])
    if db.backend == "postgresql":
        assert "Key (id)=(s-1) already exists" in str(caught.value.orig)
    assert snapshot(db.engine) == before


@contextmanager
def _copying_behind(engine: Engine) -> Iterator[tuple[Any, BulkInserter, dict[str, Any]]]:
    """A connection in a transaction, an inserter copying behind it, the hostile source
    and official inserted; the inserter closed at the end (waited for, a failure dropped)."""
    rows = _hostile_rows()
    with engine.connect() as conn:
        inserter = BulkInserter(conn, behind=True)
        try:
            conn.begin()
            for name in ("sources", "officials"):
                inserter.insert_rows(m.Base.metadata.tables[name], rows[name])
            yield conn, inserter, rows
        finally:
            inserter.close(failing=True)


def test_a_copy_that_fails_behind_stops_the_next_statement_with_its_error(
    db: TestDatabase,
) -> None:
    with _copying_behind(db.engine) as (conn, inserter, rows):
        bad = [dict(rows["statements"][0], id="st-new", source_id=999)]
        if db.backend == "postgresql":
            # The COPY runs behind the caller: the statement after it gets its error
            # and never runs.
            inserter.insert_rows(m.Base.metadata.tables["statements"], bad)
            with pytest.raises(IntegrityError) as caught:
                conn.execute(select(m.Source.id)).all()
        else:  # no COPY: the insert itself fails
            with pytest.raises(IntegrityError) as caught:
                inserter.insert_rows(m.Base.metadata.tables["statements"], bad)
        conn.rollback()
        # The rows before it went with the rollback; the connection works.
        assert conn.execute(select(m.Source.id)).all() == []
    if db.backend == "postgresql":
        assert "fk_statements_source_id_sources" in str(caught.value.orig)


def test_copies_behind_run_in_order_and_the_close_waits_for_them(db: TestDatabase) -> None:
    country = {"id": 1, "iso3": "ZZZ", "iso2": "ZZ", "name": "Zedland"}
    with _copying_behind(db.engine) as (conn, inserter, rows):
        statements: list[dict[str, Any]] = rows["statements"]
        links = [{"statement_id": s["id"], "country_id": 1} for s in statements]
        inserter.insert_rows(m.Base.metadata.tables["countries"], [country])
        # Each link's foreign key needs the statement COPY before it to have finished.
        for start in range(0, len(statements), 3):
            inserter.insert_rows(
                m.Base.metadata.tables["statements"], statements[start : start + 3]
            )
            inserter.insert_rows(m.statement_countries, links[start : start + 3])
        inserter.close()
        conn.commit()
    with db.engine.connect() as conn:
        linked = conn.execute(select(m.statement_countries.c.statement_id)).scalars().all()
    assert sorted(linked) == sorted(s["id"] for s in statements)


# -- reading in a child process -------------------------------------------------------------

needs_fork = pytest.mark.skipif(not child_read.can_use_child(), reason="reads in a child on Linux")

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
def in_child(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file is read in a child process (the documented knob, so the CLI's reads too)."""
    monkeypatch.setenv(child_read.CHILD_MIN_BYTES_ENV, "0")


def _read_in_child(report: Any) -> list[str]:
    return [f.path for f in report.files if f.read_in_child]


def _problems(engine: Engine, paths: list[Path], **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_files(engine, paths, **options)
    return list(caught.value.problems)


def test_small_files_are_read_here_and_big_ones_in_a_child(
    tmp_path: Path, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = write_yaml(tmp_path, "small.yaml", BASE)
    assert not child_read.open_read(small, name="s", max_bytes=10**9, problems=[]).in_child
    big = generated.stat().st_size
    read = child_read.open_read(
        generated, name="g", max_bytes=10**9, problems=[], child_min_bytes=big
    )
    try:
        assert read.in_child == child_read.can_use_child()
    finally:
        read.close()
    monkeypatch.setenv(child_read.CHILD_MIN_BYTES_ENV, str(big))  # the knob, the same way
    read = child_read.open_read(generated, name="g", max_bytes=10**9, problems=[])
    try:
        assert read.in_child == child_read.can_use_child()
    finally:
        read.close()
    # Over the size limit: read here, where the limit is reported.
    read = child_read.open_read(generated, name="g", max_bytes=100, problems=[], child_min_bytes=0)
    assert not read.in_child


@needs_fork
def test_a_child_read_gives_the_same_database(
    make_database: Any, generated: Path, tmp_path: Path
) -> None:
    base = write_yaml(tmp_path, "base.yaml", BASE)
    child: TestDatabase = make_database()
    base_report = load_files(child.engine, [base], child_min_bytes=0)
    child_report = load_files(child.engine, [generated], child_min_bytes=0)
    assert _read_in_child(base_report) + _read_in_child(child_report) == [str(base), str(generated)]
    records_child = _raw_rows(child.engine)

    here: TestDatabase = make_database()
    base_report = load_files(here.engine, [base], child_min_bytes=10**12)
    here_report = load_files(here.engine, [generated], child_min_bytes=10**12)
    assert _read_in_child(base_report) + _read_in_child(here_report) == []

    assert records_child == _raw_rows(here.engine)
    assert child_report.counts_dict() == here_report.counts_dict()
    assert child_report.files == here_report.files
    # Loading again through a child changes nothing.
    assert load_files(child.engine, [generated], child_min_bytes=0).changed == 0


@needs_fork
def test_a_child_read_reports_exactly_the_same_problems(db: TestDatabase, tmp_path: Path) -> None:
    bad = write_yaml(tmp_path, "bad.yaml", BAD)
    broken = write_yaml(tmp_path, "broken.yaml", "statements:\n  - [unclosed\n")
    before = snapshot(db.engine)
    from_child = _problems(db.engine, [bad, broken], child_min_bytes=0)
    # The same problems from the child as from a read here, on a load and on a dry run.
    assert _problems(db.engine, [bad, broken], child_min_bytes=10**12) == from_child
    assert _problems(db.engine, [bad, broken], child_min_bytes=0, dry_run=True) == from_child
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
    """Run `act` on every record the child validates, through the public validate function
    (which a read looks up when it starts; the fork inherits the replacement)."""
    original = validate_stage.validate
    parent = os.getpid()

    def patched(raw: RawRecord, file: str, problems: list[Problem]) -> Any:
        if os.getpid() != parent:
            act(raw)
        return original(raw, file, problems)

    monkeypatch.setattr(validate_stage, "validate", patched)


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
    in_child: None,
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
    in_child: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def stall(raw: RawRecord) -> None:
        if raw.section == "statements" and raw.index == child_read.CHILD_BATCH + 10:
            time.sleep(60)  # after its first batch: the child is alive at the interrupt

    _in_the_child(monkeypatch, stall)
    readers: list[str] = []

    def ctrl_c() -> None:
        # A real Ctrl-C: SIGINT to this process while its child is reading.
        readers.extend(p.name for p in multiprocessing.active_children())
        os.kill(os.getpid(), signal.SIGINT)

    before = snapshot(db.engine)
    started = time.monotonic()
    timer = threading.Timer(1.0, ctrl_c)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            load_files(db.engine, [generated])
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30
    assert readers == [f"alliancekb-read-{generated.name}"]
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
    read: Any = child_read.open_read(
        generated, name="g", max_bytes=10**9, problems=[], child_min_bytes=0
    )
    assert read.in_child
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
    outbox = child_read._Outbox(gate)  # type: ignore[arg-type]
    held = child_read.OUTBOX_MESSAGES + 1  # one in the (blocked) pipe, the rest queued
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

    def fill(outbox: child_read._Outbox) -> None:
        for i in range(child_read.OUTBOX_MESSAGES + 5):
            outbox.send((i,))

    outbox = child_read._Outbox(Broken())  # type: ignore[arg-type]
    with pytest.raises(child_read._ParentGone):
        fill(outbox)
    with pytest.raises(child_read._ParentGone):
        outbox.close()


def test_packed_marks_are_the_marks(tmp_path: Path) -> None:
    from alliancekb.load.child_read import PackedMarks, ReadRecord, pack_marks
    from alliancekb.load.yaml_reader import DocumentReader, MarkMap

    reader = DocumentReader(write_yaml(tmp_path, "base.yaml", BASE))
    checked = 0
    for raw in reader.records():
        assert isinstance(raw.marks, MarkMap)
        start = raw.marks[()]
        packed = PackedMarks(start.line, start.column, pack_marks(raw.marks))
        assert dict(packed) == dict(raw.marks)
        for loc in [*raw.marks, ("no", "such", 3)]:
            record = ReadRecord(raw.section, raw.index, packed, None)
            assert record.mark_for(loc) == raw.mark_for(loc)
            checked += 1
    assert checked > 50


def test_a_load_makes_no_garbage_that_grows_with_its_memberships(
    db: TestDatabase, tmp_path: Path
) -> None:
    # The collector is paused during a load: a reference cycle made per batch (a query
    # built around the batch's keys) would hold every key until the load ends. Collected
    # at each progress call, the garbage stays far below one object per membership.
    import gc

    from alliancekb.load.bootstrap import seed_path

    path = tmp_path / "memberships.yaml"
    write_file(path, statements=50, memberships=3000, alliances=20, seed=5)
    load_files(db.engine, [seed_path()])
    garbage: list[int] = []
    gc.collect()
    load_files(db.engine, [path], progress=lambda *_: garbage.append(gc.collect()))
    assert len(garbage) > 3
    assert sum(garbage) < 300
