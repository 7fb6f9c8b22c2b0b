"""Engines and transactions: SQLite done right, PostgreSQL unchanged, passwords never shown."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

from alliancekb.core.config import DEFAULT_LOCK_TIMEOUT_S, ENV_LOCK_TIMEOUT, lock_timeout_s
from alliancekb.core.errors import RuntimeFailure, UsageError

#: How long a reader or writer waits for a lock before giving up, by default (seconds);
#: ALLIANCEKB_LOCK_TIMEOUT sets it (`core.config.lock_timeout_s`).
BUSY_TIMEOUT_S = DEFAULT_LOCK_TIMEOUT_S
#: The backends alliancekb runs on (SQLAlchemy's backend names).
SUPPORTED_BACKENDS = frozenset({"sqlite", "postgresql"})
#: Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
WRITE_OPTION = "alliancekb_write"


def masked(url: str) -> str:
    """The URL as it may be shown to a user: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return _URL_PASSWORD.sub(r"\1***@", url)


def password_of(url: str) -> str | None:
    """The password in a URL (its parsed password field), or None."""
    try:
        password = make_url(url).password
        return None if password is None else str(password)
    except (ArgumentError, ValueError):
        found = _URL_PASSWORD.search(url)
        return found.group(2) if found and found.group(2) else None


#: `scheme://user:PASSWORD@` in a URL that SQLAlchemy cannot parse.
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)([^@]*)@")


def scrub_password(message: str, url: str) -> str:
    """`message` with the database URL's password hidden wherever it stands as a password.

    By structure, not by every occurrence of the string: the URL itself (as given and as
    SQLAlchemy renders it) becomes its masked form, and `user:PASSWORD@` or
    `password=PASSWORD` (a libpq connection string) in any form the password may be
    written in (raw or URL-encoded) become `***`. A short password such as `1` is thus
    hidden without mangling "127.0.0.1" or "port 5432" into a clue.
    """
    password = password_of(url)
    if not password:
        return message
    shown = masked(url)
    urls = {url}
    with suppress(ArgumentError, ValueError):
        urls.add(make_url(url).render_as_string(hide_password=False))
    for form in sorted(urls, key=len, reverse=True):
        message = message.replace(form, shown)
    for form in {password, quote(password, safe=""), quote_plus(password)}:
        escaped = re.escape(form)
        message = re.sub(rf"(:){escaped}(@)", r"\1***\2", message)
        message = re.sub(rf"(\bpassword\s*=\s*'?){escaped}('|\s|$)", r"\1***\2", message)
    return message


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
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise UsageError(f"unsupported database (SQLite or PostgreSQL): {masked(url)}")
    timeout = lock_timeout_s()
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RuntimeFailure(
                    f"cannot create the directory of the database {path}: {exc.strerror or exc}"
                ) from None
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"timeout": timeout, "check_same_thread": False},
        )
        _make_sqlite_transactional(engine, timeout)
        return engine
    try:
        engine = create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10}
            if parsed.get_backend_name() == "postgresql"
            else {},
        )
    except (ArgumentError, ImportError) as exc:
        raise RuntimeFailure(f"cannot use database {masked(url)}: {exc}") from None
    if engine.dialect.name == "postgresql":
        _bound_lock_waits(engine, timeout)
    return engine


def _bound_lock_waits(engine: Engine, timeout: float) -> None:
    """Every PostgreSQL transaction (read or write) waits at most `timeout` for a lock.

    Without it a query behind another session's `LOCK TABLE ... ACCESS EXCLUSIVE` waits
    forever. Set once per connection, so it holds for each of its transactions, and
    for the advisory write lock too; a wait that runs out is "database busy".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET lock_timeout = {max(1, int(timeout * 1000))}")
        finally:
            cursor.close()
        dbapi_connection.commit()


def _make_sqlite_transactional(engine: Engine, timeout: float) -> None:
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
            cursor.execute(f"PRAGMA busy_timeout = {max(1, int(timeout * 1000))}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


#: `Session.info` key of the load a read session sees the knowledge base at (None: now).
KNOWN_ON = "alliancekb.known_on"

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
    from sqlalchemy.orm import Session  # the ORM (~0.1 s): only for the commands that use it

    with translate_db_errors(engine.engine.url.render_as_string(hide_password=False)):
        bound = engine.execution_options(**{WRITE_OPTION: True})
        with Session(bound, expire_on_commit=False) as session, session.begin():
            if engine.dialect.name == "postgresql":
                lock_writers(session.connection())
            yield session


def lock_writers(conn: Connection) -> None:
    """Wait (up to the lock timeout, set per connection) for the PostgreSQL advisory write lock."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


@contextmanager
def read_session(
    engine: Engine | Connection, known_on: str | int | dt.datetime | None = None
) -> Iterator[Session]:
    """One read transaction: a consistent snapshot for everything read inside it.

    `known_on` (a load number, or a moment: the last load finished by then): everything
    read inside sees the knowledge base as it stood after that load, and
    `session.info[KNOWN_ON]` holds that load (`core.knowledge_time.KnownOn`).
    """
    from sqlalchemy.orm import Session

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
            if known_on is None:
                yield session
                return
            with _known_on(session.connection(), known_on, session.info):
                yield session


@contextmanager
def _known_on(conn: Connection, known_on: str | int | dt.datetime, info: Any) -> Iterator[None]:
    """Inside a read transaction: every read sees the knowledge base after that load, and
    `info[KNOWN_ON]` says which (`store.versions`)."""
    from alliancekb.store.versions import drop_views, known_on_views, resolve

    known = resolve(conn, known_on)
    views = known_on_views(conn, known.load)
    info[KNOWN_ON] = known
    try:
        yield
        # Before the commit; on an error the rollback takes the views away.
        drop_views(conn, views)
    finally:
        info.pop(KNOWN_ON, None)  # a Connection's info outlives it in the pool


@contextmanager
def read_connection(
    engine: Engine, known_on: str | int | dt.datetime | None = None
) -> Iterator[Connection]:
    """`read_session`'s transaction on a Core connection: for a read that needs no ORM
    (`members`: start-up, issue 16), so that SQLAlchemy's ORM is never imported.
    `known_on` as for `read_session` (`conn.info[KNOWN_ON]` while it lasts)."""
    with translate_db_errors(engine.url.render_as_string(hide_password=False)):
        options: dict[str, Any] = {}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        with engine.connect() as conn, conn.execution_options(**options).begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))  # as read_session
            if known_on is None:
                yield conn
                return
            with _known_on(conn, known_on, conn.info):
                yield conn


@contextmanager
def translate_db_errors(url: str) -> Iterator[None]:
    """Turn driver failures (unreachable, locked, disk full) into one readable RuntimeFailure."""
    try:
        yield
    except OperationalError as exc:
        if _is_corrupt(exc):
            path = sqlite_path(url)
            raise RuntimeFailure(
                f"not an alliancekb database, or corrupted: {path or masked(url)}"
            ) from None
        if _is_busy(exc):
            raise RuntimeFailure(
                f"database busy: {masked(url)}: another connection holds a lock; gave up "
                f"after {lock_timeout_s():g} s (set {ENV_LOCK_TIMEOUT} to wait longer)"
            ) from None
        raise RuntimeFailure(describe_db_error(exc, url)) from None
    except DBAPIError as exc:
        if _is_corrupt(exc):
            path = sqlite_path(url)
            raise RuntimeFailure(
                f"not an alliancekb database, or corrupted: {path or masked(url)}"
            ) from None
        if exc.connection_invalidated or _sqlstate(exc) in _ENVIRONMENT_SQLSTATES:
            raise RuntimeFailure(describe_db_error(exc, url)) from None
        raise


#: SQLSTATEs the driver reports as programming errors that are the environment's doing:
#: 42501 insufficient_privilege (a role without the right to connect, create or write).
_ENVIRONMENT_SQLSTATES = frozenset({"42501"})


#: 55P03 lock_not_available: PostgreSQL's lock_timeout ran out.
_BUSY_SQLSTATE = "55P03"
#: SQLite's words when its busy timeout ran out.
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")


#: SQLITE_CORRUPT and SQLITE_NOTADB: a damaged file, or one that is no SQLite database.
_SQLITE_CORRUPT_CODES = frozenset({11, 26})


def _is_corrupt(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if not isinstance(exc.orig, sqlite3.DatabaseError) or not isinstance(code, int):
        return False
    return code & 0xFF in _SQLITE_CORRUPT_CODES  # the primary code of an extended one


def _is_busy(exc: DBAPIError) -> bool:
    if _sqlstate(exc) == _BUSY_SQLSTATE:
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and str(exc.orig) in _SQLITE_BUSY


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def describe_db_error(exc: DBAPIError, url: str) -> str:
    """A one-line description of a driver error, scrubbed of the password."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    return scrub_password(f"database error ({masked(url)}): {detail}", url)
