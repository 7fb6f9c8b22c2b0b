"""What every command shares: the chosen database, opened lazily."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from alliancekb.core.config import DatabaseTarget


# eq=False: states are never compared, and an __eq__ costs ~0.5M instructions at start-up.
@dataclass(eq=False)
class CliState:
    """Global options and the engine opened for them."""

    db_option: str | None
    #: Long output on a terminal through $PAGER (False: --no-pager).
    pager: bool = True
    _engine: Engine | None = field(default=None, repr=False)
    _urls: list[str] = field(default_factory=list, repr=False)

    def target(self) -> DatabaseTarget:
        from alliancekb.core.config import resolve_target

        if self.db_option is not None and not self.db_option.strip():
            from alliancekb.core.errors import UsageError

            raise UsageError("--db is empty: give an SQLite file path or a database URL")
        target = resolve_target(self.db_option)
        if target.url not in self._urls:
            self._urls.append(target.url)
        return target

    def engine(self, *, prepare: bool = True) -> Engine:
        """The database engine; with `prepare`, created, migrated and seeded on first use."""
        if self._engine is None:
            from alliancekb.store.db import create_db_engine

            self._engine = create_db_engine(self.target().url)
            if prepare:
                from alliancekb.load.bootstrap import prepare as prepare_db
                from alliancekb.store.db import translate_db_errors

                engine = self._engine
                with translate_db_errors(self.target().url):
                    prepare_db(engine, creating=lambda: announce_creating(engine))
        return self._engine

    def scrub(self, message: str) -> str:
        """Hide the database password in text meant for the user (by URL structure)."""
        if self._urls:
            from alliancekb.store.db import scrub_password

            for url in self._urls:
                message = scrub_password(message, url)
        return message


def announce_creating(engine: Engine) -> None:
    """One line on stderr as a new knowledge base is created (the seed takes seconds):
    where it is and how fresh the bundled knowledge is.

    Always on stderr, a terminal or not: stdout stays the answer alone (pipes stay clean),
    and a script that wants silence sends stderr away (`2>/dev/null`).
    """
    from alliancekb.core.paths import display_text
    from alliancekb.load.bootstrap import seed_newest_evidence
    from alliancekb.store.db import masked, sqlite_path

    path = sqlite_path(str(engine.url))
    where = str(path) if path is not None else masked(str(engine.url))
    newest = seed_newest_evidence()
    fresh = f" (newest evidence {newest})" if newest else ""
    typer.echo(
        f"alliancekb: creating the knowledge base at {display_text(where)} "
        f"from the bundled knowledge{fresh}…",
        err=True,
    )


def state_of(ctx: typer.Context) -> CliState:
    """The CliState the root callback put on the context."""
    obj = ctx.find_object(CliState)
    if obj is None:  # pragma: no cover - the root callback always sets it
        obj = CliState(db_option=None)
        ctx.obj = obj
    return obj
