"""`alliancekb db ...`: where the database is and which schema revision it has."""

from __future__ import annotations

from typing import Annotated

import typer

from alliancekb.cli.state import state_of

app = typer.Typer(
    help="The database: where it is, its schema revision, migrations.",
    no_args_is_help=True,
)


@app.command("path")
def path_cmd(ctx: typer.Context) -> None:
    """Print which database is used and why (option, environment or default)."""
    from alliancekb.core.paths import display_name, display_text
    from alliancekb.store.db import masked, sqlite_path

    target = state_of(ctx).target()
    file = sqlite_path(target.url)
    typer.echo(display_name(file) if file is not None else display_text(masked(target.url)))
    typer.echo(f"(from {target.origin})", err=True)


@app.command("current")
def current_cmd(ctx: typer.Context) -> None:
    """Print the database's schema revision and whether it is the newest."""
    from alliancekb.store import migrate
    from alliancekb.store.db import sqlite_path, translate_db_errors

    state = state_of(ctx)
    file = sqlite_path(state.target().url)
    if file is not None and not file.exists():  # asking must not create the file
        head = migrate.head_revision()
        from alliancekb.core.paths import display_name

        where = display_name(file)
        typer.echo(f"none (no database at {where} yet; any command creates it at {head})")
        return
    engine = state.engine(prepare=False)
    with translate_db_errors(state.target().url):
        from alliancekb.load.bootstrap import refuse_foreign

        current = refuse_foreign(engine)
    head = migrate.head_revision()
    if current is None:
        typer.echo(f"none (empty database; `alliancekb db upgrade` migrates it to {head})")
    elif current == head:
        typer.echo(f"{current} (head)")
    else:
        typer.echo(f"{current} (behind head {head}: run `alliancekb db upgrade`)")


@app.command("upgrade")
def upgrade_cmd(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    seed: Annotated[
        bool,
        typer.Option(
            help="Load the bundled knowledge into a database this upgrade creates from empty."
        ),
    ] = True,
) -> None:
    """Create or migrate the schema up to REVISION (default: head), in one transaction."""
    from alliancekb.store import migrate
    from alliancekb.store.db import translate_db_errors

    state = state_of(ctx)
    engine = state.engine(prepare=False)
    with translate_db_errors(state.target().url):
        from alliancekb.cli.state import announce_creating
        from alliancekb.load.bootstrap import create, refuse_foreign

        before = refuse_foreign(engine)
        # An empty database is created and seeded in one transaction, else migrated.
        created = create(
            engine,
            revision,
            seed=seed,
            creating=(lambda: announce_creating(engine)) if seed else None,
        )
        if not created:
            migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
    seeded = " and loaded the bundled knowledge" if seed and created else ""
    typer.echo(f"database at {after} (was {before or 'empty'}){seeded}")


# `-1` (one step down) is a revision, not an unknown option.
@app.command("downgrade", context_settings={"ignore_unknown_options": True})
def downgrade_cmd(
    ctx: typer.Context,
    revision: Annotated[
        str,
        typer.Argument(help="Target revision, `-1` for one step down, or `base` for no schema."),
    ],
) -> None:
    """Migrate the schema down to REVISION, in one transaction. `base` drops every table.

    Example: alliancekb db downgrade -1
    """
    from alliancekb.store import migrate
    from alliancekb.store.db import translate_db_errors

    state = state_of(ctx)
    engine = state.engine(prepare=False)
    with translate_db_errors(state.target().url):
        from alliancekb.load.bootstrap import refuse_foreign

        before = refuse_foreign(engine)
        migrate.downgrade(engine, revision)
        after = migrate.current_revision(engine)
    typer.echo(f"database at {after or 'base'} (was {before or 'empty'})")


@app.command("compact")
def compact_cmd(
    ctx: typer.Context,
    before: Annotated[
        str,
        typer.Option(
            "--before",
            metavar="DATE",
            help="Drop the history that only states older than the last load finished "
            "before this date (YYYY-MM-DD[THH:MM], UTC unless it says) need.",
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Drop old knowledge-time history: `--known-on` and `diff` then reach back only to
    the last load before DATE. The facts themselves are untouched.

    Example: alliancekb db compact --before 2026-01-01
    """
    import datetime as dt
    import sys

    from alliancekb.core.errors import UsageError
    from alliancekb.core.knowledge_time import KnownOnError, parse_moment
    from alliancekb.store.db import write_session
    from alliancekb.store.versions import compact

    try:
        moment = parse_moment(before)
    except KnownOnError as exc:
        raise UsageError(f"--before: {exc}") from None
    if not isinstance(moment, dt.datetime):
        raise UsageError("--before: give a date or time, not a load number")
    if moment.time() == dt.time.max:  # a date: the history before that day
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if not yes and not sys.stdin.isatty():
        typer.echo(
            "alliancekb: nothing dropped: input is not a terminal, so there is no one to ask; "
            "give --yes to compact without asking",
            err=True,
        )
        raise typer.Exit(1)
    if not yes and not typer.confirm(
        f"Drop the history older than the last load before {moment.isoformat()}? "
        "Older states can then no longer be reproduced",
        default=False,
        err=True,
    ):
        raise typer.Exit(1)
    with write_session(state_of(ctx).engine()) as session:
        done = compact(session.connection(), moment)
    typer.echo(
        f"dropped {done.dropped} old version(s); history now reaches back to load {done.since}",
        err=True,
    )
