"""`export --sqlite` and `browse`: the snapshot holds the knowledge base and the CLI's
answers; Datasette serves it read-only; a real headless browser loads a canned query."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb.browse.metadata import CONFLICTS_SQL, MEMBERS_SQL, STATEMENTS_ABOUT_SQL
from alliancekb.cli import app
from alliancekb.export.catalogue import TABLES
from tests.conftest import TestDatabase
from tests.test_claims import CLAIMS_KB

ROOT = Path(__file__).resolve().parent.parent


def _snapshot(runner: CliRunner, db: TestDatabase, path: Path) -> Path:
    result = runner.invoke(app, ["--db", db.url, "export", "--sqlite", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _cli_json(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    result = runner.invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _query(path: Path, sql: str, **params: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def test_snapshot_holds_every_table_and_is_read_only(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    path = _snapshot(runner, seeded_db, tmp_path / "kb.sqlite")
    assert not os.access(path, os.W_OK) or os.geteuid() == 0
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    names = {r["name"] for r in _query(path, "SELECT name FROM sqlite_master")}
    assert {t.name for t in TABLES} | {"member_records", "scopes", "conflicts"} <= names
    exported = tmp_path / "csv"
    result = runner.invoke(app, ["--db", seeded_db.url, "export", "--out", str(exported)])
    assert result.exit_code == 0, result.output
    for table in TABLES:
        lines = (exported / f"{table.name}.csv").read_bytes().count(b"\n")
        rows = _query(path, f'SELECT count(*) AS n FROM "{table.name}"')[0]["n"]
        if table.name not in ("statements", "memberships", "positions", "sources", "retractions"):
            assert rows == lines - 1, table.name  # (multi-line notes make CSV lines differ)
        else:
            assert rows > 0 or table.name == "retractions"
    countries = _query(path, "SELECT iso3 FROM countries")
    assert len(countries) == len(_cli_json(runner, seeded_db, "countries"))
    hits = _query(path, "SELECT rowid FROM statements_fts WHERE statements_fts MATCH 'japan'")
    assert hits
    again = runner.invoke(app, ["--db", seeded_db.url, "export", "--sqlite", str(path)])
    assert again.exit_code == 2
    assert "--force" in again.stderr
    forced = runner.invoke(app, ["--db", seeded_db.url, "export", "--sqlite", str(path), "--force"])
    assert forced.exit_code == 0, forced.output


def _member_keys(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (r["iso3"], r["scope"], r["role"], r["status"], r["via"], r["currency"], r["confirmed"])
        for r in rows
    ]


@pytest.mark.parametrize("fixture", ["seed", "claims"])
def test_members_canned_query_answers_as_the_cli(
    runner: CliRunner, make_database: Any, tmp_path: Path, fixture: str
) -> None:
    if fixture == "seed":
        db = make_database(seeded=True)
    else:
        from alliancekb.load.loader import load_files

        db = make_database()
        kb = tmp_path / "claims.yaml"
        kb.write_text(CLAIMS_KB)
        load_files(db.engine, [kb])
    path = _snapshot(runner, db, tmp_path / "kb.sqlite")
    scopes = [r["scope"] for r in _query(path, "SELECT scope FROM scopes")]
    assert scopes
    for scope in scopes:
        for day in ("1950-06-01", "1960-01-01", "1990-10-03", "2004-06-01", "2024-05-01",
                    "2024-10-01", "2030-01-01"):  # fmt: skip
            cli = _cli_json(runner, db, "members", scope, "--as-of", day)
            canned = _query(path, MEMBERS_SQL, scope=scope, as_of=day)
            assert _member_keys(canned) == _member_keys(cli), (scope, day)


def test_other_canned_queries(runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path) -> None:
    path = _snapshot(runner, seeded_db, tmp_path / "kb.sqlite")
    about = _query(path, STATEMENTS_ABOUT_SQL, country="Japan")
    cli = _cli_json(runner, seeded_db, "statements", "--country", "Japan", "--limit", "0")
    assert {r["text"] for r in about} == {r["text"] for r in cli}
    conflicts = _query(path, CONFLICTS_SQL, scope="")
    assert len(conflicts) == len(_cli_json(runner, seeded_db, "conflicts"))


def test_browse_explains_the_snapshot_for_postgresql_and_refuses_a_non_snapshot(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    if seeded_db.backend == "postgresql":
        result = runner.invoke(app, ["--db", seeded_db.url, "browse"])
        assert result.exit_code == 2
        assert "export --sqlite" in result.stderr
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).close()
    result = runner.invoke(app, ["--db", seeded_db.url, "browse", str(other)])
    assert result.exit_code == 2
    assert "export --sqlite" in result.stderr


# -- the server, for real --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        assert response.status == 200
        return bytes(response.read())


def wait_until_serving(base: str, proc: subprocess.Popen[bytes], said: Callable[[], str]) -> None:
    """Wait (60 s at most) until browse at `base` answers; fail with what it said if it exits."""
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"browse exited {proc.returncode}: {said()}")
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("browse did not answer within 60 s")
            time.sleep(0.3)


@contextlib.contextmanager
def _server(snapshot: Path, port: int) -> Iterator[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "alliancekb", "browse", str(snapshot), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def said() -> str:
        _out, err = proc.communicate()
        return err.decode()[-800:]

    try:
        wait_until_serving(base, proc, said)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def served(runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path) -> Iterator[str]:
    if seeded_db.backend != "sqlite":
        pytest.skip("the server serves a snapshot: the backend it came from is tested above")
    path = _snapshot(runner, seeded_db, tmp_path / "alliancekb.sqlite")
    with _server(path, _free_port()) as base:
        yield base


def test_browse_serves_pages_facets_and_canned_queries(served: str) -> None:
    home = _get(served + "/").decode()
    assert "alliancekb" in home
    table = _get(served + "/alliancekb/memberships").decode()
    assert "a country&#39;s role and status" in table or "role and status" in table
    faceted = json.loads(_get(served + "/alliancekb/memberships.json?_facet=status"))
    facet_values = {v["value"] for v in faceted["facet_results"]["status"]["results"]}
    assert "in-force" in facet_values
    search = json.loads(_get(served + "/alliancekb/statements.json?_search=japan&_shape=array"))
    assert search
    url = served + "/alliancekb/members.json?scope=AUKUS+Pillar+2&as_of=2024-10-01&_shape=array"
    rows = json.loads(_get(url))
    assert {r["iso3"] for r in rows} == {"AUS", "GBR", "USA", "JPN", "CAN", "NZL", "KOR"}
    request = urllib.request.Request(served + "/alliancekb/-/create", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError):  # read-only: no writes through Datasette
        urllib.request.urlopen(request, timeout=10)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_a_real_browser_loads_the_members_query(served: str, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium)")
    shot = tmp_path / "members.png"
    url = served + "/alliancekb/members?scope=NATO&as_of=2024-12-31"
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2400",
         f"--screenshot={shot}", url],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.exists(), result.stderr.decode()[-800:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", url],
        capture_output=True, timeout=120, check=False, text=True,
    )  # fmt: skip
    assert "Türkiye" in dom.stdout or "Turkey" in dom.stdout, dom.stderr[-800:]
    assert "North Macedonia" in dom.stdout
