"""The command about military exercises: `exercises`, one row per edition.

Like the other read commands (`alliances` is its model): one read transaction, one
`alliancekb.query` function, its result handed to `alliancekb.present`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alliancekb.cli.options import FormatOpt
from alliancekb.cli.reading import AsOfOpt, KnownOnOpt, as_of_date, emit, read_paged


def exercises_cmd(
    ctx: typer.Context,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            metavar="NAME",
            help="Only the editions this country takes part in (as host, participant or observer).",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List the editions of military exercises: dates, hosts, participants, observers.

    An edition runs from the first day its `from` can mean to the last day its `to` can
    mean; without `to`, to the end of its `from`; with neither, its whole year. With
    --as-of, only the editions running that day (every edition if left out).

    Examples:

      alliancekb exercises

      alliancekb exercises --country Japan

      alliancekb exercises --as-of 2024-07-04
    """
    from alliancekb.query.exercises import exercises

    with read_paged(ctx) as (session, out):
        emit(session, exercises(session, as_of=as_of_date(as_of), country=country), fmt, out)


def register(app: typer.Typer) -> None:
    """Add `exercises` to the root app."""
    app.command("exercises")(exercises_cmd)
