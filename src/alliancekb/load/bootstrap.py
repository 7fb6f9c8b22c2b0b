"""Getting a database ready for use: created, migrated, seeded on first use; checked after."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from alliancekb.core.errors import RuntimeFailure
from alliancekb.store import fast_head, migrate
from alliancekb.store.db import masked, sqlite_path

ENV_NO_SEED = "ALLIANCEKB_NO_SEED"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/alliancekb (or the installed package)


def seed_path() -> Path:
    """The bundled knowledge: inside the installed wheel, else the source checkout's."""
    for candidate in (
        _PACKAGE_DIR / "_data" / "seed.yaml",
        _PACKAGE_DIR.parent.parent / "data" / "seed.yaml",
    ):
        if candidate.is_file():
            return candidate
    raise RuntimeFailure("the bundled seed knowledge (seed.yaml) is missing from this installation")


def prepare(
    engine: Engine, *, seed: bool = True, creating: Callable[[], None] | None = None
) -> bool:
    """Make the database usable; return True when it was created just now.

    An empty database is migrated to head and loaded with the bundled seed, so a new
    user's first command answers. A database at another revision is never migrated
    behind the user's back: that is `alliancekb db upgrade`. `creating` is called as
    `create` does.
    """
    if fast_head.is_at_head(engine):  # the usual case, answered without Alembic
        return False
    if create(engine, seed=seed, creating=creating):
        return True
    current, head = refuse_foreign(engine), migrate.head_revision()
    if current != head:
        raise RuntimeFailure(
            f"the database {masked(str(engine.url))} is at revision {current or 'none'}, "
            f"this alliancekb needs {head}: run `alliancekb db upgrade`"
        )
    return False


def create(
    engine: Engine,
    revision: str = "head",
    *,
    seed: bool = True,
    creating: Callable[[], None] | None = None,
) -> bool:
    """Migrate an empty database to `revision` and load the seed, as one transaction.

    Returns False, changing nothing, when the database is not empty (any more). "Created
    and seeded" is one fact: the migration and the seed load commit together, so a first
    run that is interrupted or killed anywhere leaves the database empty, and the next
    run creates it again. The transaction holds the write lock from its start (BEGIN
    IMMEDIATE on SQLite, the advisory lock on PostgreSQL) and looks for tables only then:
    of several first runs at once, one creates and seeds, the others wait and find it made.

    `creating` is called once the database is known to be empty, before the seconds the
    migration and the seed take (so that the one run that creates it can say so); the
    runs that find it made never call it.
    """
    with migrate.migration_transaction(engine) as conn:
        if migrate.has_tables(conn):
            return False
        if creating is not None:
            creating()
        migrate.upgrade_in(conn, revision)
        if seed:
            from alliancekb.load.loader import load_files

            load_files(conn, [seed_path()])
    return True


def seed_newest_evidence() -> str | None:
    """The newest publication date among the bundled knowledge's sources (EDTF as
    written; None when none is dated): how fresh a database created from it is.

    Read from the seed's `sources:` section, which comes first, before the database is
    created (the line that says so is printed before the seconds of seeding); ~0.1 s.
    """
    from alliancekb.core.dates import EdtfError, parse_edtf
    from alliancekb.load.yaml_reader import DocumentReader

    newest = None
    for record in DocumentReader(seed_path()).records():
        if record.section != "sources":
            break
        published = record.data.get("published")
        try:
            date = parse_edtf(published) if isinstance(published, str) else None
        except EdtfError:  # `unknown`
            continue
        if date is not None and (newest is None or date.upper > newest.upper):
            newest = date
    return newest.text if newest is not None else None


def refuse_foreign(engine: Engine) -> str | None:
    """The database's alliancekb revision; refuse a database that is not ours.

    A database with tables but no alliancekb revision (no version table, or another
    application's revision in it) belongs to something else: no command may add our
    tables to it. Returns the revision (None for an empty database).
    """
    current = migrate.current_revision(engine)
    if current is None and not migrate.has_tables(engine):
        return None
    if current is None or not migrate.is_known_revision(current):
        shown = migrate_target(engine)
        raise RuntimeFailure(
            f"not an alliancekb database: {shown} has tables but no alliancekb schema "
            "revision; it is left untouched (choose another database)"
        )
    return current


def migrate_target(engine: Engine) -> str:
    """The database as shown to a user: the SQLite file, else the masked URL."""
    path = sqlite_path(str(engine.url.render_as_string(hide_password=False)))
    return str(path) if path is not None else masked(str(engine.url))
