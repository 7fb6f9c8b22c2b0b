"""Getting a database ready for use: created, migrated, seeded on first use; checked after."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from alliancekb.core.errors import RuntimeFailure
from alliancekb.store import fast_head, migrate
from alliancekb.store.db import masked

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


def prepare(engine: Engine, *, seed: bool = True) -> bool:
    """Make the database usable; return True when it was created just now.

    An empty database is migrated to head and loaded with the bundled seed, so a new
    user's first command answers. A database at another revision is never migrated
    behind the user's back: that is `alliancekb db upgrade`.
    """
    if fast_head.is_at_head(engine):  # the usual case, answered without Alembic
        return False
    if not migrate.has_tables(engine):
        migrate.upgrade(engine)
        if seed:
            from alliancekb.load.loader import load_files

            load_files(engine, [seed_path()])
        return True
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        raise RuntimeFailure(
            f"the database {masked(str(engine.url))} is at revision {current or 'none'}, "
            f"this alliancekb needs {head}: run `alliancekb db upgrade`"
        )
    return False
