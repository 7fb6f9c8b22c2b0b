"""The commands about evidence between countries: where sources disagree, and who is
allied with whom by which treaty (`conflicts`, `allies`).

Like the other read commands: one read transaction, one `alliancekb.query` function,
its result handed to `alliancekb.present`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alliancekb.cli.options import FormatOpt, ObligationsOpt
from alliancekb.cli.reading import AsOfOpt, KnownOnOpt, as_of_date, emit, read_paged


def conflicts_cmd(
    ctx: typer.Context,
    scope: Annotated[
        str | None,
        typer.Argument(metavar="[SCOPE]", help="An alliance or pillar; all of them if left out."),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", "-c", metavar="NAME", help="Only this country.")
    ] = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Where the sources disagree about a membership: who is in, since when, bound to what.

    A membership may be claimed by the knowledge base's own record and by datasets (COW,
    ATOP: `alliancekb import`). For each country, kind is `missing` (one source lists it
    on dates another covers without it), `start` or `end` (the dates differ beyond their
    precision) or `obligation` (the datasets code different obligations); `values` gives
    each source's value and `note` names a known convention difference.

    Examples:

      alliancekb conflicts NATO

      alliancekb conflicts --country Germany --format json
    """
    from alliancekb.query.conflicts import conflicts

    with read_paged(ctx) as (session, out):
        emit(session, conflicts(session, scope, country), fmt, out)


def allies_cmd(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(metavar="COUNTRY", help="A country, by any name.")],
    as_of: AsOfOpt = None,
    obligation: ObligationsOpt = None,
    directed: Annotated[
        bool,
        typer.Option(
            "--directed",
            help="Say who owes what to whom: the country's obligations toward each partner, "
            "and the partner's toward it.",
        ),
    ] = False,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Which countries a country is allied with on a date, and by which alliances.

    One row per partner: the alliances (or pillars) both are in on the date, as `members`
    answers them (in force or suspended), each with its obligations, status, currency,
    disputes and sources. Obligations belong to the treaty (NATO: defense, consultation)
    and every member inherits them unless a claim of its own codes others. Undirected
    (the default), a tie carries an obligation if either party does, so an asymmetric
    treaty is still a pact of both; --directed says who is bound to whom.

    Examples:

      alliancekb allies USA --obligation defense

      alliancekb allies Japan --directed

      alliancekb allies Germany --as-of 1980-01-01 --format csv
    """
    from alliancekb.query.allies import allies

    with read_paged(ctx) as (session, out):
        result = allies(
            session, country, as_of_date(as_of), obligations=obligation, directed=directed
        )
        emit(session, result, fmt, out)


def register(app: typer.Typer) -> None:
    """Add `conflicts` and `allies` to the root app."""
    app.command("conflicts")(conflicts_cmd)
    app.command("allies")(allies_cmd)
