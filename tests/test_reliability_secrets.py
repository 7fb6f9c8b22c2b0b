"""Reliability: no command prints the database password, whatever fails.

Every command runs against URLs that carry a password and fail in different ways: a host
that does not resolve, a closed port, a port that is not a number, a driver that is not
installed, a database that does not exist, a role that does not exist, a real role (made
for the test) that may not log in, may not connect, or may not create the schema. The
password must not appear in stdout or stderr, raw or URL-encoded; failures are clean.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from alliancekb.cli.app import app
from tests.conftest import PostgresServer
from tests.helpers import BASE, write_yaml
from tests.reliability_support import Outcome, assert_no_traceback, child_env, run_cli

SECRET = f"Sekr3t-{uuid.uuid4().hex[:10]}"
#: A password that needs URL-encoding: each encoded form must be hidden too.
ODD_SECRET = f"p@ss:w/rd%?#{uuid.uuid4().hex[:6]}"

COMMANDS: list[list[str]] = [
    ["members", "aukus"],
    ["statements", "--search", "japan"],
    ["show", "JPN"],
    ["history"],
    ["load", "{doc}"],
    ["validate", "{doc}"],
    ["export", "--out", "{out}"],
    ["dump", "--out", "{out}/dump.yaml"],
    ["db", "current"],
    ["db", "upgrade"],
    ["db", "downgrade", "base"],
    ["db", "path"],
]


def forms(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), quote_plus(secret)]


def with_password(url: str, password: str) -> str:
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def _check(outcome: Outcome, secret: str, where: str) -> None:
    for form in forms(secret):
        assert form not in outcome.output, (where, outcome)
    assert_no_traceback(outcome)
    if outcome.code != 0:
        assert outcome.stderr.startswith("alliancekb: "), (where, outcome)


def _run_all(runner: CliRunner, url: str, secret: str, tmp_path: Path) -> list[int]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    doc = write_yaml(tmp_path, "doc.yaml", BASE)
    codes = []
    for i, template in enumerate(COMMANDS):
        out = tmp_path / f"out{i}"
        args = [a.format(doc=doc, out=out) for a in template]
        result = runner.invoke(app, ["--db", url, *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.exception,
        )
        outcome = Outcome(result.exit_code, result.stdout, result.stderr)
        _check(outcome, secret, f"{url} {args}")
        codes.append(outcome.code)
    return codes


# -- URLs that fail before any server answers -------------------------------------------------

UNREACHABLE = {
    "host does not resolve": "postgresql://akb:{pw}@nonexistent-host.invalid/akb",
    "port closed": "postgresql://akb:{pw}@127.0.0.1:1/akb",
    "port not a number": "postgresql://akb:{pw}@127.0.0.1:notaport/akb",
    "driver not installed": "mysql://akb:{pw}@127.0.0.1/akb",
    "no such scheme": "nosuchdb://akb:{pw}@127.0.0.1/akb",
}
UNSUPPORTED = {"driver not installed", "no such scheme"}


@pytest.mark.parametrize("secret", [SECRET, ODD_SECRET], ids=["plain", "needs-encoding"])
@pytest.mark.parametrize("case", list(UNREACHABLE))
def test_unreachable_databases_never_show_the_password(
    case: str, secret: str, runner: CliRunner, tmp_path: Path
) -> None:
    url = UNREACHABLE[case].format(pw=quote(secret, safe=""))
    codes = _run_all(runner, url, secret, tmp_path)
    # Every command but `db path` (which only prints the masked URL) fails: exit 1, or
    # exit 2 for a database alliancekb does not run on.
    failed = 2 if case in UNSUPPORTED else 1
    assert codes == [failed] * (len(COMMANDS) - 1) + [0], codes


def test_db_path_masks_the_password(runner: CliRunner) -> None:
    url = f"postgresql://akb:{quote(SECRET, safe='')}@db.example/akb"
    result = runner.invoke(app, ["--db", url, "db", "path"])
    assert result.exit_code == 0
    assert "akb:***@db.example" in result.stdout
    assert SECRET not in result.output


def test_a_raw_at_sign_in_the_password_is_a_usage_error_with_a_hint(runner: CliRunner) -> None:
    """`akb:Secr@tPass@host`: SQLAlchemy would take `tPass@host` for the host and show it."""
    url = "postgresql://akb:Secr@tPass@127.0.0.1:5432/akb"
    for args in (["db", "path"], ["members", "aukus"]):
        result = runner.invoke(app, ["--db", url, *args])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("alliancekb: "), result.output
        assert "%40" in result.stderr, result.output
        assert "tPass" not in result.output, result.output
        assert "Secr" not in result.output, result.output


@pytest.mark.parametrize("password", ["1", "0", "a", "5432", "postgresql"])
def test_a_short_or_common_password_is_masked_without_mangling_the_message(
    password: str, runner: CliRunner
) -> None:
    """Masking by URL structure: the host, port and words around stay readable."""
    url = f"postgresql://akb:{password}@127.0.0.1:1/akb"
    result = runner.invoke(app, ["--db", url, "members", "aukus"])
    assert result.exit_code == 1, result.output
    assert "postgresql+psycopg://akb:***@127.0.0.1:1/akb" in result.stderr, result.output
    assert 'connection to server at "127.0.0.1", port 1 failed' in result.stderr, result.output
    assert f":{password}@" not in result.output
    path = runner.invoke(app, ["--db", url, "db", "path"])
    assert path.stdout == "postgresql+psycopg://akb:***@127.0.0.1:1/akb\n", path.output


def test_password_from_the_environment_is_hidden_too(tmp_path: Path) -> None:
    """Through a child process and ALLIANCEKB_DATABASE_URL instead of --db."""
    url = f"postgresql://akb:{quote(ODD_SECRET, safe='')}@127.0.0.1:1/akb"
    for args in (["members", "aukus"], ["db", "path"], ["db", "current"]):
        proc = run_cli(url, *args)  # --db as well: the same scrubbing
        _check(proc, ODD_SECRET, str(args))

    done = subprocess.run(
        [sys.executable, "-m", "alliancekb", "members", "aukus"],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(ALLIANCEKB_DATABASE_URL=url),
        check=False,
    )
    _check(Outcome(done.returncode, done.stdout, done.stderr), ODD_SECRET, "environment")
    assert done.returncode == 1


# -- a real server: real roles, real refusals ---------------------------------------------------


@pytest.fixture
def pg_roles(pg_server: PostgresServer | None) -> Iterator[dict[str, str]]:
    """Roles and a database made for this test on the configured server, dropped after."""
    if pg_server is None:
        pytest.skip("needs ALLIANCEKB_TEST_POSTGRES_URL")
    tag = uuid.uuid4().hex[:8]
    login, nologin = f"akb_secret_test_{tag}", f"akb_secret_nologin_{tag}"
    closed = pg_server.create()  # a database its roles may not connect to
    open_db = pg_server.create()  # one they may connect to, but not create tables in
    admin = create_engine(pg_server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN PASSWORD '{SECRET}'"))
        conn.execute(text(f"CREATE ROLE {nologin} NOLOGIN PASSWORD '{SECRET}'"))
        conn.execute(text(f'REVOKE CONNECT ON DATABASE "{closed}" FROM PUBLIC'))
    with create_engine(pg_server.url_for(open_db), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    base = make_url(pg_server.admin_url)
    try:
        yield {
            "real role, no right to create the schema": base.set(
                username=login, password=SECRET, database=open_db
            ).render_as_string(hide_password=False),
            "real role, no right to connect": base.set(
                username=login, password=SECRET, database=closed
            ).render_as_string(hide_password=False),
            "real role that may not log in": base.set(
                username=nologin, password=SECRET, database=open_db
            ).render_as_string(hide_password=False),
            "no such role": base.set(
                username=f"akb_nobody_{tag}", password=SECRET, database=open_db
            ).render_as_string(hide_password=False),
            "no such database": base.set(
                password=SECRET, database=f"akb_nodb_{tag}"
            ).render_as_string(hide_password=False),
        }
    finally:
        for name in (closed, open_db):
            pg_server.drop(name)
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {login}"))
            conn.execute(text(f"DROP ROLE IF EXISTS {nologin}"))
        admin.dispose()


def test_real_server_refusals_never_show_the_password(
    pg_roles: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    for case, url in pg_roles.items():
        codes = _run_all(runner, url, SECRET, tmp_path / case.replace(" ", "-").replace(",", ""))
        # Reading the revision may work (exit 0); anything that needs the schema fails.
        assert set(codes) <= {0, 1}, (case, codes)
        assert codes[0] == 1, (case, codes)
