"""Reliability: every hostile file in tests/corpus/bad/ is refused the documented way.

Each case goes through the real command line (`alliancekb load FILE`) against a database
that already holds knowledge (tests/helpers.BASE), and must give: the exit code in
tests/corpus/bad/expected.yaml, one `alliancekb:` message whose problem lines name
FILE:LINE:COL with the expected text, no traceback, and an unchanged database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.config import to_url
from tests.conftest import PostgresServer, TestDatabase, _pg_template
from tests.helpers import BASE, load_text, snapshot
from tests.reliability_support import Outcome, assert_clean_failure, child_env

CORPUS = Path(__file__).resolve().parent / "corpus" / "bad"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
FIFTY_MB = 50 * 1024 * 1024


def test_the_corpus_is_complete() -> None:
    """At least 40 cases; every committed file has an expectation and every expectation a file."""
    files = {p.name for p in CORPUS.glob("*.yaml")} - {"expected.yaml"}
    committed = {name for name, case in EXPECTED.items() if "generate" not in case}
    assert files == committed
    assert len(EXPECTED) >= 40


def _make(name: str, case: dict[str, Any], tmp_path: Path) -> Path:
    if "generate" not in case:
        return CORPUS / name
    path = tmp_path / name
    kind = case["generate"]
    with path.open("w", encoding="utf-8") as out:
        if kind == "big-string":  # one 50 MB title: refused by the schema's length limit
            out.write("sources:\n  - key: big-string\n    title: ")
            chunk = "x" * (1024 * 1024)
            for _ in range(FIFTY_MB // len(chunk)):
                out.write(chunk)
            out.write("\n    published: '2024'\n    kind: news\n")
        elif kind == "oversize":  # a valid document, just larger than --max-mb
            out.write("countries:\n")
            while out.tell() <= 1024 * 1024 + 100:
                out.write("  - iso3: NOR  # padding padding padding padding padding padding\n")
        else:  # pragma: no cover - a typo in expected.yaml
            raise AssertionError(f"unknown generator {kind!r}")
    return path


@dataclass
class KnownDatabase:
    """A database holding BASE, and its snapshot: every case must leave it so."""

    db: TestDatabase
    snapshot: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def corpus_databases(
    tmp_path_factory: pytest.TempPathFactory,
    pg_server: PostgresServer | None,
    sqlite_template: Path,
) -> Iterator[Callable[[str], KnownDatabase]]:
    """One database per backend for the whole corpus (made on first use, dropped after).

    Sharing it is sound because every case asserts the database is unchanged: a case that
    changed it fails itself (and the cases after it, loudly).
    """
    made: dict[str, KnownDatabase] = {}
    work = tmp_path_factory.mktemp("corpus")
    pg_names: list[str] = []

    def get(backend: str) -> KnownDatabase:
        if backend not in made:
            if backend == "sqlite":
                path = work / "corpus.sqlite"
                shutil.copyfile(sqlite_template, path)
                database = TestDatabase("sqlite", to_url(str(path)))
            else:
                assert pg_server is not None
                name = pg_server.create(_pg_template(pg_server))
                pg_names.append(name)
                database = TestDatabase("postgresql", pg_server.url_for(name))
            load_text(database.engine, work, BASE, name="base.yaml")
            made[backend] = KnownDatabase(database, snapshot(database.engine))
        return made[backend]

    yield get
    for known in made.values():
        known.db.dispose()
    for name in pg_names:
        assert pg_server is not None
        pg_server.drop(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_cleanly(
    name: str,
    backend: str,
    corpus_databases: Callable[[str], KnownDatabase],
    tmp_path: Path,
    runner: CliRunner,
) -> None:
    case = EXPECTED[name]
    known = corpus_databases(backend)
    db, before = known.db, known.snapshot
    path = _make(name, case, tmp_path)
    args = ["--db", db.url, "load", str(path)]
    if "max_mb" in case:
        args += ["--max-mb", str(case["max_mb"])]

    result = runner.invoke(app, args)
    outcome = Outcome(result.exit_code, result.stdout, result.stderr)

    assert result.exception is None or isinstance(result.exception, SystemExit), outcome
    assert_clean_failure(outcome, case["exit"])
    lines = outcome.stderr.splitlines()
    place = f"{path}:{case['at']}:"
    assert any(line.startswith(place) and case["message"] in line for line in lines), (
        f"expected a line starting {place!r} containing {case['message']!r}",
        outcome.stderr[:2000],
    )
    for at in case.get("also", []):
        assert any(line.startswith(f"{path}:{at}:") for line in lines), outcome.stderr
    assert snapshot(db.engine) == before


# -- the alias bomb costs nothing -------------------------------------------------------------

BOMB_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from alliancekb.store.db import create_db_engine
from alliancekb.core.errors import InvalidDataError
from alliancekb.load.loader import load_files

engine = create_db_engine(sys.argv[1])
tracemalloc.start()
try:
    load_files(engine, [Path(sys.argv[2])])
except InvalidDataError as exc:
    problems = len(exc.problems)
else:
    problems = 0
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"peak": peak, "problems": problems}))
"""


@pytest.mark.parametrize("name", ["billion-laughs.yaml", "billion-laughs-top-level.yaml"])
def test_alias_bomb_is_refused_small(name: str, db: TestDatabase, tmp_path: Path) -> None:
    """Refused with a few MB at most, in a fresh process (its time: bench/bench_load.py)."""
    load_text(db.engine, tmp_path, BASE, name="base.yaml")
    proc = subprocess.run(
        [sys.executable, "-c", BOMB_PROBE, db.url, str(CORPUS / name)],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    measured = json.loads(proc.stdout)
    assert measured["problems"] > 0
    assert measured["peak"] < 4 * 1024 * 1024, measured


# -- endless input: --max-mb bounds every read, whatever the file is ----------------------------

ENDLESS = {
    "load-dev-zero": (["load", "/dev/zero", "--max-mb", "1"], None, "character U+0000"),
    "load-dev-urandom": (["load", "/dev/urandom"], None, "the file must be UTF-8"),
    "validate-dev-zero": (["validate", "/dev/zero"], None, "character U+0000"),
    "load-yes-pipe": (
        ["load", "/dev/stdin", "--max-mb", "1"],
        ["yes", "junk: ["],
        "over the limit of 1048576 bytes",
    ),
    "load-valid-endless-pipe": (
        ["load", "/dev/stdin", "--max-mb", "1"],
        ["yes", "# a comment that never ends"],
        "over the limit of 1048576 bytes",
    ),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("child", ["in-process", "child"])
@pytest.mark.parametrize("case", sorted(ENDLESS))
def test_endless_input_ends_with_a_clear_error(case: str, child: str, db: TestDatabase) -> None:
    """A device or a pipe that never ends is read only up to the limit, in the reader and in
    the child reader alike (the size check before reading sees 0 bytes for them)."""
    args, feeder, message = ENDLESS[case]
    env = child_env(ALLIANCEKB_CHILD_MIN_BYTES="0" if child == "child" else str(1 << 40))
    feed = subprocess.Popen(feeder, stdout=subprocess.PIPE) if feeder else None
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "alliancekb", "--db", db.url, *args],
            stdin=feed.stdout if feed is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=90,  # stops a hung read: the test then fails instead of hanging
            env=env,
            check=False,
        )
    finally:
        if feed is not None:
            feed.kill()
            feed.wait()
    outcome = Outcome(proc.returncode, proc.stdout, proc.stderr)
    assert_clean_failure(outcome, 3)
    assert message in outcome.stderr, outcome.stderr


# -- memory does not grow with the number of problems -------------------------------------------

PROBLEMS_PROBE = """
import json, sys, tracemalloc
from pathlib import Path
from alliancekb.store.db import create_db_engine
from alliancekb.core.errors import InvalidDataError
from alliancekb.load.loader import load_files

engine = create_db_engine(sys.argv[1])
tracemalloc.start()
try:
    load_files(engine, [Path(sys.argv[2])])
except InvalidDataError as exc:
    total, message = exc.total, str(exc)
else:
    total, message = 0, ""
_, peak = tracemalloc.get_traced_memory()
lines = message.splitlines()
print(json.dumps({"peak": peak, "total": total, "first": lines[0], "last": lines[-1]}))
"""

#: Hostile shapes that make one problem per line (or one huge record), by line count.
MANY_PROBLEMS: dict[str, tuple[str, Callable[[int], str], bool]] = {
    "unknown-sections": ("", lambda i: f"k{i}: []\n", True),
    "unknown-fields": ("countries:\n  - iso3: NOR\n", lambda i: f"    f{i}: []\n", False),
    "duplicate-keys": ("countries:\n  - iso3: NOR\n", lambda i: "    iso3: NOR\n", False),
    "invalid-records": ("countries:\n", lambda i: f"  - {{iso3: NOR, bad{i}: 1}}\n", True),
}


def _problems_probe(db: TestDatabase, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBLEMS_PROBE, db.url, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=child_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    measured: dict[str, Any] = json.loads(proc.stdout)
    return measured


@pytest.mark.timeout(600)
@pytest.mark.parametrize("shape", sorted(MANY_PROBLEMS))
def test_memory_does_not_grow_with_the_number_of_problems(
    shape: str, db: TestDatabase, tmp_path: Path
) -> None:
    """The first 1000 problems are kept, the rest counted: the peak stays flat from 10k to
    100k problem lines, and the message still says how many there were."""
    head, line, one_each = MANY_PROBLEMS[shape]
    peaks, totals = {}, {}
    for count in (10_000, 100_000):
        path = tmp_path / f"{shape}-{count}.yaml"
        path.write_text(head + "".join(line(i) for i in range(count)), encoding="utf-8")
        measured = _problems_probe(db, path)
        peaks[count] = measured["peak"]
        if one_each:
            assert measured["total"] == count, measured
            assert measured["last"] == f"... and {count - 50} more", measured
        totals[count] = measured["total"]
    if not one_each:  # one record too large: refused from its 10000th value on
        assert totals[10_000] == totals[100_000] <= 10_000, totals
    assert peaks[100_000] < 64 * 1024 * 1024, peaks
    assert peaks[100_000] < peaks[10_000] * 1.5 + 4 * 1024 * 1024, peaks


# -- file names that are not UTF-8, or hold control characters ----------------------------------


@pytest.mark.parametrize("child", ["in-process", "child"])
@pytest.mark.parametrize("command", ["load", "validate"])
def test_a_hostile_file_name_is_printed_escaped(
    command: str, child: str, db: TestDatabase, tmp_path: Path
) -> None:
    """A name with a byte that is not UTF-8 and a terminal escape: every problem names the
    file in an escaped, readable form, never a traceback or an 'internal error'."""
    raw = os.fsencode(tmp_path) + b"/bad\xff\x1b[31m.yaml"
    with open(raw, "wb") as out:
        out.write(b"countries:\n  - iso3: ABC\n")
    env = child_env(ALLIANCEKB_CHILD_MIN_BYTES="0" if child == "child" else str(1 << 40))
    proc = subprocess.run(
        [sys.executable, "-m", "alliancekb", "--db", db.url, command, os.fsdecode(raw)],
        capture_output=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    stderr = proc.stderr.decode("utf-8")  # strict: the output is valid UTF-8
    outcome = Outcome(proc.returncode, proc.stdout.decode("utf-8"), stderr)
    assert_clean_failure(outcome, 3)
    shown = f"{tmp_path}/bad\\xff\\x1b[31m.yaml:2:5: countries[0].iso3:"
    assert any(line.startswith(shown) for line in stderr.splitlines()), stderr
    assert "\x1b" not in stderr
