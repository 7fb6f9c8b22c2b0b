"""Schema migrations through Alembic, from the scripts shipped inside the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect

from alliancekb.core.errors import RuntimeFailure, UsageError
from alliancekb.store.db import WRITE_OPTION, lock_writers

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (and Mako, which it imports) costs ~0.1 s of every command's start; it is imported
# only to migrate or to explain a revision mismatch; `store.fast_head.is_at_head` answers
# the usual question (is the database at the scripts' head?) without it.

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/alliancekb (or the installed package)


def scripts_location() -> Path:
    """The migration scripts: inside the installed wheel, else the source checkout's."""
    bundled = _PACKAGE_DIR / "_migrations"
    if (bundled / "env.py").is_file():
        return bundled
    checkout = _PACKAGE_DIR.parent.parent / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    raise RuntimeFailure("the migration scripts are missing from this installation")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic `include_name` hook: compare everything but the search and history machinery
    (made by migrations, not declared as models)."""
    from alliancekb.store.search import is_search_object
    from alliancekb.store.versions import is_versions_object

    return not (is_search_object(name, type_, parent_names) or is_versions_object(name, type_))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at our scripts, optionally bound to an open connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(scripts_location()))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision the scripts know."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeFailure(f"the migration scripts have {len(heads)} heads; expected one")
    return heads[0]


def is_known_revision(revision: str) -> bool:
    """Whether `revision` is one of our scripts' revisions (not another application's)."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    """The database's revision, or None when it has never been migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def has_tables(bind: Engine | Connection) -> bool:
    """Whether the database holds any table at all (a non-empty database is never auto-created)."""
    if isinstance(bind, Connection):
        return bool(set(inspect(bind).get_table_names()) - {"alembic_version"})
    with bind.connect() as conn:
        return bool(set(inspect(conn).get_table_names()) - {"alembic_version"})


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for a whole migration run, holding the write lock from its start.

    Migrations (and the creation of a new database) run one at a time and never beside a
    load: on SQLite the transaction begins IMMEDIATE; on PostgreSQL it first takes the
    writers' advisory lock. What the caller reads inside it (is the database empty?) is
    therefore still true when it writes. On SQLite foreign keys are checked at the end.

    SQLite's batch mode rebuilds tables by copy-and-drop; with foreign keys enforced the
    drop would cascade into child tables, so enforcement is off while migrating and a
    `foreign_key_check` inside the transaction proves nothing was broken.
    """
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if not sqlite:
                    lock_writers(conn)
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeFailure(
                            f"migration would break {len(broken)} foreign key(s); rolled back"
                        )
        finally:
            if sqlite:
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA foreign_keys = ON")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate up to `revision` in one transaction: all of it happens or none of it."""

    with migration_transaction(engine) as conn:
        upgrade_in(conn, revision)


def upgrade_in(conn: Connection, revision: str = "head") -> None:
    """Migrate up to `revision` inside the caller's migration transaction."""
    from alembic import command

    with _revision_errors():
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate down to `revision` (`base` for an empty schema) in one transaction."""
    from alembic import command

    with migration_transaction(engine) as conn, _revision_errors():
        command.downgrade(alembic_config(conn), revision)


@contextmanager
def _revision_errors() -> Iterator[None]:
    """A revision Alembic cannot find or reach is the user's mistake (exit 2), not a crash."""
    from alembic.util.exc import CommandError

    try:
        yield
    except CommandError as exc:
        raise UsageError(f"{exc}; see `alliancekb db current`") from None
