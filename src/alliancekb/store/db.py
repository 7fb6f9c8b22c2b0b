"""Engines and transactions: SQLite done right, PostgreSQL unchanged, passwords never shown."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from alliancekb.core.errors import RuntimeFailure

#: How long a writer waits for another writer before giving up (seconds).
BUSY_TIMEOUT_S = 60.0
#: Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
WRITE_OPTION = "alliancekb_write"


def masked(url: str) -> str:
    """The URL as it may be shown to a user: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return _URL_PASSWORD.sub(r"\1***@", url)


def password_of(url: str) -> str | None:
    """The password in a URL, so error text can be scrubbed of it."""
    try:
        password = make_url(url).password
        return None if password is None else str(password)
    except (ArgumentError, ValueError):
        found = _URL_PASSWORD.search(url)
        return found.group(2) if found and found.group(2) else None


#: `scheme://user:PASSWORD@` in a URL that SQLAlchemy cannot parse.
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)([^@]*)@")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL, or None for memory or another backend."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and real transactions."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise RuntimeFailure(f"not a database URL or path: {masked(url)}") from None
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        _make_sqlite_transactional(engine)
        return engine
    try:
        return create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10}
            if parsed.get_backend_name() == "postgresql"
            else {},
        )
    except (ArgumentError, ImportError) as exc:
        raise RuntimeFailure(f"cannot use database {masked(url)}: {exc}") from None


def _make_sqlite_transactional(engine: Engine) -> None:
    """Apply SQLAlchemy's documented fix for pysqlite's legacy transaction handling.

    The stdlib driver issues BEGIN lazily and never for DDL, which breaks SAVEPOINT and
    the rollback of DDL. We switch its own handling off and emit BEGIN ourselves; writers
    say BEGIN IMMEDIATE so that a second writer waits on the busy timeout rather than
    failing with "database is locked" when it first tries to write.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


#: The PostgreSQL advisory lock every write transaction holds (any fixed 64-bit number).
WRITE_LOCK_KEY = 0x616B625F6C6F6164  # "akb_load"


@contextmanager
def write_session(engine: Engine | Connection) -> Iterator[Session]:
    """One write transaction: committed on success, rolled back on any exception.

    Writers run one at a time on both backends. SQLite's BEGIN IMMEDIATE makes a second
    writer wait on the busy timeout; on PostgreSQL the transaction first takes an advisory
    lock (released by its commit or rollback, or when its connection dies), waiting up to
    the same timeout. Without it, two loads of the same natural keys in READ COMMITTED
    both find a key absent and both insert it: a unique violation or a deadlock. A load
    is one big write, so serializing loads costs nothing that matters, and every read of
    the loader happens after the lock, on the committed state of the previous writer.

    Given a Connection already in a (migration) transaction, the session joins it: the
    caller's transaction commits or rolls back everything together (a new database is
    created and seeded as one fact).
    """
    with translate_db_errors(engine.engine.url.render_as_string(hide_password=False)):
        bound = engine.execution_options(**{WRITE_OPTION: True})
        with Session(bound, expire_on_commit=False) as session, session.begin():
            if engine.dialect.name == "postgresql":
                lock_writers(session.connection())
            yield session


def lock_writers(conn: Connection) -> None:
    """Wait (up to BUSY_TIMEOUT_S) for this transaction's PostgreSQL advisory write lock."""
    before = conn.execute(
        text("SELECT current_setting('lock_timeout'), set_config('lock_timeout', :ms, true)"),
        {"ms": f"{int(BUSY_TIMEOUT_S * 1000)}ms"},
    ).scalar_one()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
    conn.execute(text("SELECT set_config('lock_timeout', :before, true)"), {"before": before})


@contextmanager
def read_session(engine: Engine | Connection) -> Iterator[Session]:
    """One read transaction: a consistent snapshot for everything read inside it."""
    with translate_db_errors(engine.engine.url.render_as_string(hide_password=False)):
        options: dict[str, Any] = {}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        bound = engine.execution_options(**options) if options else engine
        with Session(bound, expire_on_commit=False) as session, session.begin():
            if engine.dialect.name == "postgresql":
                # Results are read through server-side cursors (`yield_per`), and
                # PostgreSQL plans a cursor for fetching only its first 10% of rows: a
                # search for a rare word then walks the date index row by row instead of
                # asking the text index (seconds at 1M statements). Every cursor here is
                # read to its end, so plan for all of it, as for a plain query.
                session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
            yield session


@contextmanager
def translate_db_errors(url: str) -> Iterator[None]:
    """Turn driver failures (unreachable, locked, disk full) into one readable RuntimeFailure."""
    try:
        yield
    except OperationalError as exc:
        raise RuntimeFailure(describe_db_error(exc, url)) from None
    except DBAPIError as exc:
        if exc.connection_invalidated or _sqlstate(exc) in _ENVIRONMENT_SQLSTATES:
            raise RuntimeFailure(describe_db_error(exc, url)) from None
        raise


#: SQLSTATEs the driver reports as programming errors that are the environment's doing:
#: 42501 insufficient_privilege (a role without the right to connect, create or write).
_ENVIRONMENT_SQLSTATES = frozenset({"42501"})


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def describe_db_error(exc: DBAPIError, url: str) -> str:
    """A one-line description of a driver error, scrubbed of the password."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    message = f"database error ({masked(url)}): {detail}"
    password = password_of(url)
    if password:
        message = message.replace(password, "***")
    return message
