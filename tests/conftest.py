"""Shared fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

Set ALLIANCEKB_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) to
add PostgreSQL. Each test gets its own database, created for it and dropped after it; a
migrated template (per test process) makes that fast. No other database is touched.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from alliancekb.core.config import to_url
from alliancekb.store.db import create_db_engine

PG_ENV = "ALLIANCEKB_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", *(["postgresql"] if os.environ.get(PG_ENV) else [])]


@dataclass
class TestDatabase:
    """One test's own database."""

    __test__ = False

    backend: str
    url: str
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_db_engine(self.url)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class PostgresServer:
    """Creates and drops uniquely named databases on the configured server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = to_url(admin_url)
        self._admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.template: str | None = None
        self.seeded_template: str | None = None

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        name = f"akb_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return name

    def drop(self, name: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    admin = os.environ.get(PG_ENV)
    if not admin:
        yield None
        return
    server = PostgresServer(admin)
    yield server
    for template in (server.template, server.seeded_template):
        if template:
            server.drop(template)
    server.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file to copy for each test."""
    from alliancekb.store import migrate

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = create_db_engine(to_url(str(path)))
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def sqlite_seeded_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A migrated SQLite file holding the bundled seed knowledge."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.sqlite"
    shutil.copyfile(sqlite_template, path)
    _seed(to_url(str(path)))
    return path


def _seed(url: str) -> None:
    from alliancekb.load.bootstrap import seed_path
    from alliancekb.load.loader import load_files

    engine = create_db_engine(url)
    load_files(engine, [seed_path()])
    engine.dispose()


def _pg_seeded_template(server: PostgresServer) -> str:
    if server.seeded_template is None:
        name = server.create(_pg_template(server))
        _seed(server.url_for(name))
        server.seeded_template = name
    return server.seeded_template


def _pg_template(server: PostgresServer) -> str:
    if server.template is None:
        from alliancekb.store import migrate

        name = server.create()
        engine = create_db_engine(server.url_for(name))
        migrate.upgrade(engine)
        engine.dispose()
        server.template = name
    return server.template


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_database(
    backend: str,
    tmp_path: Path,
    pg_server: PostgresServer | None,
    sqlite_template: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., TestDatabase]]:
    """Fresh databases on this test's backend: `make_database(migrated=True, seeded=False)`."""
    made: list[tuple[TestDatabase, str | None]] = []

    def factory(*, migrated: bool = True, seeded: bool = False) -> TestDatabase:
        if backend == "sqlite":
            path = tmp_path / f"db{len(made)}.sqlite"
            if seeded:
                shutil.copyfile(request.getfixturevalue("sqlite_seeded_template"), path)
            elif migrated:
                shutil.copyfile(sqlite_template, path)
            database = TestDatabase("sqlite", to_url(str(path)))
            made.append((database, None))
            return database
        assert pg_server is not None
        if seeded:
            name = pg_server.create(_pg_seeded_template(pg_server))
        else:
            name = pg_server.create(_pg_template(pg_server) if migrated else None)
        database = TestDatabase("postgresql", pg_server.url_for(name))
        made.append((database, name))
        return database

    yield factory
    for database, name in made:
        database.dispose()
        if name is not None and pg_server is not None:
            pg_server.drop(name)


@pytest.fixture
def db(make_database: Callable[..., TestDatabase]) -> TestDatabase:
    """A fresh, migrated, empty database on the current backend."""
    return make_database(migrated=True)


@pytest.fixture
def seeded_db(make_database: Callable[..., TestDatabase]) -> TestDatabase:
    """A fresh, migrated database holding the bundled seed knowledge."""
    return make_database(seeded=True)


@pytest.fixture
def empty_db(make_database: Callable[..., TestDatabase]) -> TestDatabase:
    """A fresh database with no schema at all."""
    return make_database(migrated=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user's data directory or environment database."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.delenv("ALLIANCEKB_DATABASE_URL", raising=False)
