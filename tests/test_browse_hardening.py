"""The browse server cannot be knocked over (issue 29, rows 3-6), through the CLI and a
live server on 127.0.0.1: arbitrary SQL off unless `--sql`, and bounded in time and memory
when on; the `members` query reads its date and scope as `members --as-of` does; an empty
or unresolvable `--host` refused; the temporary copy removed on SIGTERM and SIGHUP."""

from __future__ import annotations

import contextlib
import html
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import alliancekb
from alliancekb.browse.metadata import MEMBERS_SQL
from alliancekb.cli import app
from tests.conftest import TestDatabase
from tests.test_browse import _cli_json, _query, _snapshot, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
#: The package under test (the server runs the same code as the test process).
SRC = Path(alliancekb.__file__).resolve().parent.parent
#: A ceiling the test puts on the server whatever the code under test does, so that a
#: regression fails the test instead of exhausting the machine.
GUARD_BYTES = 3 * 1024**3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _guard() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (GUARD_BYTES, GUARD_BYTES))


def _request(url: str, timeout: float = 10) -> tuple[int, bytes]:
    """Status and body, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


def _sql_url(base: str, sql: str) -> str:
    return f"{base}/alliancekb.json?" + urllib.parse.urlencode({"sql": sql})


@contextlib.contextmanager
def _browse(
    *args: str, logs: Path, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`alliancekb browse ARGS --port P` on 127.0.0.1, up; stopped (SIGTERM) at the end.

    Its output goes to files in `logs` (a pipe nobody reads would stop the server)."""
    port = _free_port()
    environ = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    logs.mkdir(exist_ok=True)
    with (logs / "stdout").open("wb") as out, (logs / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "alliancekb", *args, "--port", str(port)],
            stdout=out, stderr=err, env=environ, cwd=ROOT, preexec_fn=_guard,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, lambda: (logs / "stderr").read_text(errors="replace")[-800:])
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _answers_within_a_second(base: str) -> None:
    started = time.monotonic()
    status, _ = _request(base + "/-/versions.json", timeout=1)
    assert status == 200
    assert time.monotonic() - started < 1


def _peak_memory(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def snapshot(runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path) -> Path:
    """The seed as a snapshot, exported from this test's backend (SQLite or PostgreSQL)."""
    return _snapshot(runner, seeded_db, tmp_path / "alliancekb.sqlite")


# -- row 3: arbitrary SQL --------------------------------------------------------------------


def test_browse_refuses_arbitrary_sql_unless_asked_for(snapshot: Path) -> None:
    with _browse("browse", str(snapshot), logs=snapshot.parent / "logs") as (base, _proc):
        status, _ = _request(_sql_url(base, "select 1"))
        assert status == 403
        status, _ = _request(_sql_url(base, "select zeroblob(1000000000)"))
        assert status == 403
        _answers_within_a_second(base)
        # Tables and the canned queries still answer.
        status, body = _request(base + "/alliancekb/members.json?scope=NATO&_shape=array")
        assert status == 200
        assert json.loads(body)
        status, _ = _request(base + "/alliancekb/memberships.json")
        assert status == 200


def test_browse_sql_is_bounded_in_memory_and_time(snapshot: Path) -> None:
    with _browse("browse", str(snapshot), "--sql", logs=snapshot.parent / "logs") as (base, proc):
        status, body = _request(_sql_url(base, "select 1 as one"))
        assert status == 200
        assert json.loads(body)["rows"] == [[1]]

        started = time.monotonic()
        status, body = _request(_sql_url(base, "select zeroblob(1000000000)"), timeout=30)
        assert status == 400
        assert "too big" in json.loads(body)["error"]
        assert time.monotonic() - started < 5
        _answers_within_a_second(base)

        # Many rows of values each within the limit: the process's bound stops them.
        columns = ", ".join("zeroblob(16000000)" for _ in range(8))
        many = (
            "with recursive c(x) as (select 1 union all select x + 1 from c limit 1001) "
            f"select {columns} from c"
        )
        started = time.monotonic()
        status, body = _request(_sql_url(base, many), timeout=60)
        assert status == 400
        assert b"too big" in body
        assert time.monotonic() - started < 30
        _answers_within_a_second(base)

        endless = (
            "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
        )
        started = time.monotonic()
        status, body = _request(_sql_url(base, endless), timeout=30)
        assert status == 400
        assert "too long" in json.loads(body)["error"]
        assert time.monotonic() - started < 5
        _answers_within_a_second(base)

        assert _peak_memory(proc.pid) < 2 * 1024**3
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


# -- row 4: the members query's date and scope -----------------------------------------------


def _members(base: str, scope: str, as_of: str) -> tuple[int, Any]:
    query = urllib.parse.urlencode({"scope": scope, "as_of": as_of, "_shape": "array"})
    status, body = _request(f"{base}/alliancekb/members.json?{query}")
    return status, json.loads(body)


def _keys(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["iso3"], r["scope"], r["role"], r["status"], r["via"], r["currency"]) for r in rows]


@pytest.mark.parametrize("as_of", ["garbage", "1999-3-1", "1999-02-30", "99999", "today!"])
def test_members_query_refuses_a_date_the_cli_refuses(
    runner: CliRunner, seeded_db: TestDatabase, snapshot: Path, as_of: str
) -> None:
    cli = runner.invoke(app, ["--db", seeded_db.url, "members", "NATO", "--as-of", as_of])
    assert cli.exit_code == 2
    said = cli.stderr.strip().removeprefix("alliancekb: --as-of: ")
    with _browse("browse", str(snapshot), logs=snapshot.parent / "logs") as (base, _proc):
        status, answer = _members(base, "NATO", as_of)
        assert status == 400
        assert answer["error"] == f"as_of: {said}"
        page, body = _request(
            f"{base}/alliancekb/members?"
            + urllib.parse.urlencode({"scope": "NATO", "as_of": as_of})
        )
        assert page == 400
        assert html.escape(f"as_of: {said}").encode() in body
    # The query's SQL alone (the snapshot opened elsewhere) gives no rows, never today's.
    assert _query(snapshot, MEMBERS_SQL, scope="NATO", as_of=as_of) == []


def test_members_query_reads_dates_and_scope_aliases_as_the_cli(
    runner: CliRunner, seeded_db: TestDatabase, snapshot: Path
) -> None:
    asked = [
        ("NATO", "1999-03-11"),
        ("NATO", "1999-03-12"),
        ("nato", "1999"),
        ("NATO", "1999-03"),
        ("NATO", "today"),
        ("Pillar II", "2024-10-01"),
        ("aukus/pillar-2", "2024-10"),
        ("AUKUS Pillar 2", " 2024-10-01 "),
    ]
    with _browse("browse", str(snapshot), logs=snapshot.parent / "logs") as (base, _proc):
        for scope, as_of in asked:
            cli = _cli_json(runner, seeded_db, "members", scope, "--as-of", as_of)
            status, served = _members(base, scope, as_of)
            assert status == 200, (scope, as_of, served)
            assert _keys(served) == _keys(cli), (scope, as_of)
        before = {r["iso3"] for r in _members(base, "NATO", "1999-03-11")[1]}
        joined = {r["iso3"] for r in _members(base, "NATO", "1999-03-12")[1]}
        assert {"CZE", "HUN", "POL"} & before == set()
        assert {"CZE", "HUN", "POL"} <= joined
        cli = runner.invoke(app, ["--db", seeded_db.url, "members", "Pilar 9"])
        assert cli.exit_code == 4
        status, answer = _members(base, "Pilar 9", "")
        assert status == 400
        assert answer["error"] == "scope: " + cli.stderr.strip().removeprefix("alliancekb: ")


# -- row 5: --host ---------------------------------------------------------------------------


def _browse_exit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "alliancekb", "browse", *args, "--port", str(_free_port())],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("host", ["", "  "])
def test_browse_refuses_an_empty_host(snapshot: Path, host: str) -> None:
    try:
        result = _browse_exit(str(snapshot), "--host", host)
    except subprocess.TimeoutExpired:
        pytest.fail("browse --host '' served (every interface) instead of refusing")
    assert result.returncode == 2, result.stderr
    assert "--host" in result.stderr
    assert "Serving" not in result.stdout


def test_browse_says_an_unresolvable_host_cannot_be_resolved(snapshot: Path) -> None:
    result = _browse_exit(str(snapshot), "--host", "no-such-host.invalid")
    assert result.returncode == 2, result.stderr
    assert "cannot resolve no-such-host.invalid" in result.stderr
    assert "in use" not in result.stderr


# -- row 6: the temporary copy ---------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_browse_removes_its_temporary_copy_when_stopped_by_a_signal(
    seeded_db: TestDatabase, tmp_path: Path, signum: signal.Signals
) -> None:
    if seeded_db.backend != "sqlite":
        pytest.skip("browse copies an SQLite knowledge base only (PostgreSQL: a snapshot)")
    temp = tmp_path / "temp"
    temp.mkdir()
    with _browse(
        "--db", seeded_db.url, "browse", logs=tmp_path / "logs", env={"TMPDIR": str(temp)}
    ) as (base, proc):
        assert [p.name.startswith("alliancekb-browse-") for p in temp.iterdir()] == [True]
        _answers_within_a_second(base)
        proc.send_signal(signum)
        assert proc.wait(timeout=15) == 0  # a server asked to stop stops cleanly
    assert list(temp.iterdir()) == []
