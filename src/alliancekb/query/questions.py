"""Every read question, declared once: its parameters (help, values, defaults) and answer.

The Python API's methods (`api.py`) and the CLI's read commands (`cli/asking.py`) are
derived from these declarations (`query/declare.py`), so a parameter cannot exist in one
face and not the other. Each function takes a reader (an open read transaction) and calls
the query module that answers it, imported when asked (the CLI reads these declarations
for `--help`, on its start path).

Written without `from __future__ import annotations`: `declare` reads each `About` from
the annotation objects; the readers' and results' types are quoted (never evaluated).
"""

from typing import TYPE_CHECKING, Annotated, Any

from alliancekb.core.evidence import Currency
from alliancekb.core.vocab import DisputedRule, Obligation, Role, SourceKind, Status
from alliancekb.query.declare import About, Choices, DateLike, Question, day, many, question

if TYPE_CHECKING:
    from alliancekb.query.allies import AlliesResult
    from alliancekb.query.cards import Card
    from alliancekb.query.common import Reader
    from alliancekb.query.conflicts import ConflictsResult
    from alliancekb.query.history import HistoryResult
    from alliancekb.query.kinds.exercises import ExercisesResult
    from alliancekb.query.lists import (
        AlliancesResult,
        CountriesResult,
        OfficialsResult,
        PillarsResult,
        SourcesResult,
        TechAreasResult,
    )
    from alliancekb.query.members import MembersResult
    from alliancekb.query.statements import StatementsResult
    from alliancekb.query.timeline import TimelineResult


def _values(vocabulary: Any) -> str:
    return ", ".join(v.value for v in vocabulary)


# Parameters several questions share: declared once here.
AsOf = Annotated[
    DateLike | None,
    About(
        "Answer for a past (or future) date: YYYY, YYYY-MM or YYYY-MM-DD, or `today`.",
        metavar="DATE",
    ),
]
Currencies = Annotated[
    Choices,
    About(
        "Only rows of this currency (repeatable): known (within the evidence), presumed "
        "(in force past its evidence), unconfirmed (past its evidence: the last thing known).",
        metavar="CURRENCY",
        vocabulary=Currency,
        what="currency",
    ),
]
Obligations = Annotated[
    Choices,
    About(
        f"Only rows carrying this obligation (repeatable: all of them): {_values(Obligation)}. "
        "A member carries its treaty's obligations unless its own record codes others.",
        metavar="OBLIGATION",
        vocabulary=Obligation,
        what="obligation",
    ),
]


@question("members", orm=False)
def members(
    reader: "Reader",
    scope: Annotated[
        str,
        About("An alliance or a pillar, by any name or alias.", metavar="SCOPE", positional=True),
    ],
    as_of: AsOf = None,
    status: Annotated[
        Choices,
        About(
            f"Only this status (repeatable): {_values(Status)}.",
            metavar="STATUS",
            vocabulary=Status,
            what="status",
        ),
    ] = None,
    role: Annotated[
        Choices,
        About(
            f"Only this role (repeatable): {_values(Role)}.",
            metavar="ROLE",
            vocabulary=Role,
            what="role",
        ),
    ] = None,
    currency: Currencies = None,
    obligation: Obligations = None,
    history: Annotated[
        bool, About("Every record of every chain (proposed -> ... -> in force).")
    ] = False,
    disputed: Annotated[
        str,
        About(
            "Rows a source disputes: show them marked (default), only them, or hide them.",
            metavar="show|only|hide",
            vocabulary=DisputedRule,
            what="disputed rule",
        ),
    ] = "show",
) -> "MembersResult":
    """Who is in an alliance or pillar on a date, default today."""
    from alliancekb.query.members import members as answer

    return answer(
        reader,
        scope,
        day(as_of),
        many(status),
        many(role),
        currencies=many(currency),
        obligations=many(obligation),
        history=history,
        disputed=disputed,
    )


@question("countries", orm=False)
def countries(reader: "Reader") -> "CountriesResult":
    """Every country: ISO codes, names and aliases."""
    from alliancekb.query.lists import countries as answer

    return answer(reader)


@question("alliances", orm=False)
def alliances(
    reader: "Reader",
    as_of: AsOf = None,
    country: Annotated[
        str | None,
        About(
            "Only the alliances this country is in on the date (any status shown by "
            "`members`), across every imported dataset.",
            metavar="NAME",
        ),
    ] = None,
) -> "AlliancesResult":
    """Every alliance (or a country's), members counted in force on a date."""
    from alliancekb.query.lists import alliances as answer

    return answer(reader, day(as_of), country=country)


@question("allies", orm=False)
def allies(
    reader: "Reader",
    country: Annotated[str, About("A country, by any name.", metavar="COUNTRY", positional=True)],
    as_of: AsOf = None,
    obligation: Obligations = None,
    directed: Annotated[
        bool,
        About(
            "Say who owes what to whom: the country's obligations toward each partner, "
            "and the partner's toward it."
        ),
    ] = False,
) -> "AlliesResult":
    """The countries a country is allied with on a date, and by what."""
    from alliancekb.query.allies import allies as answer

    return answer(reader, country, day(as_of), many(obligation), directed=directed)


@question("conflicts", orm=False)
def conflicts(
    reader: "Reader",
    scope: Annotated[
        str | None,
        About("An alliance or pillar; all of them if left out.", metavar="SCOPE", positional=True),
    ] = None,
    country: Annotated[str | None, About("Only this country.", metavar="NAME")] = None,
) -> "ConflictsResult":
    """Where the sources disagree about memberships."""
    from alliancekb.query.conflicts import conflicts as answer

    return answer(reader, scope, country)


@question("pillars", orm=False)
def pillars(
    reader: "Reader",
    alliance: Annotated[str | None, About("Only this alliance's pillars.", metavar="NAME")] = None,
    as_of: AsOf = None,
) -> "PillarsResult":
    """Every pillar, or one alliance's."""
    from alliancekb.query.lists import pillars as answer

    return answer(reader, alliance, day(as_of))


@question("tech_areas", orm=False)
def tech_areas(
    reader: "Reader",
    scope: Annotated[
        str | None,
        About("Only the areas of this pillar (or any pillar of this alliance).", metavar="NAME"),
    ] = None,
) -> "TechAreasResult":
    """Every technology area, or one scope's."""
    from alliancekb.query.lists import tech_areas as answer

    return answer(reader, scope)


@question("officials", orm=False)
def officials(
    reader: "Reader",
    country: Annotated[
        str | None, About("Only positions held for this country.", metavar="NAME")
    ] = None,
    as_of: AsOf = None,
    all_positions: Annotated[bool, About("Every position, past ones included.")] = False,
    currency: Currencies = None,
) -> "OfficialsResult":
    """Positions held on a date, default today, or all of them."""
    from alliancekb.query.lists import officials as answer

    return answer(
        reader,
        country,
        day(as_of),
        all_positions=all_positions,
        currencies=many(currency),
    )


@question("sources", orm=False)
def sources(
    reader: "Reader",
    kind: Annotated[
        str | None,
        About(
            f"Only this kind: {_values(SourceKind)}.",
            metavar="KIND",
            vocabulary=SourceKind,
            what="source kind",
        ),
    ] = None,
) -> "SourcesResult":
    """Every source, newest first, or those of one kind."""
    from alliancekb.query.lists import sources as answer

    return answer(reader, kind)


@question("statements", orm=False)
def statements(
    reader: "Reader",
    *,
    speaker: Annotated[
        str | None, About("Said by this official, country or alliance.", metavar="NAME")
    ] = None,
    country: Annotated[str | None, About("About this country.", metavar="NAME")] = None,
    scope: Annotated[
        str | None,
        About("About this pillar, or this alliance (its pillars included).", metavar="NAME"),
    ] = None,
    tech_area: Annotated[str | None, About("About this technology area.", metavar="NAME")] = None,
    since: Annotated[DateLike | None, About("Dated on or after DATE.", metavar="DATE")] = None,
    until: Annotated[
        DateLike | None, About("Dated on or before DATE (2024 = all of 2024).", metavar="DATE")
    ] = None,
    search: Annotated[
        str | None,
        About(
            "Full-text: every word of TEXT must occur in the statement (any case).",
            metavar="TEXT",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        About("At most this many rows; 0 = all.", metavar="N", lowest=0, for_people=100),
    ] = None,
) -> "StatementsResult":
    """Statements, newest first, filtered by every argument given.

    Returned as data, no limit is the default (None or 0: all); shown to a person, 100.
    """
    from alliancekb.query.statements import statements as answer

    return answer(
        reader,
        speaker=speaker,
        country=country,
        scope=scope,
        tech_area=tech_area,
        since=since,
        until=until,
        search=search,
        limit=limit or None,
    )


@question("show", orm=False)
def show(
    reader: "Reader",
    name: Annotated[
        str,
        About(
            "A country, alliance, pillar, official, technology area or source, by any name.",
            positional=True,
        ),
    ],
) -> "Card":
    """One entity's card: kind, name, fields, sections."""
    from alliancekb.query.cards import show as answer

    return answer(reader, name)


@question("timeline", orm=False)
def timeline(
    reader: "Reader",
    name: Annotated[
        str,
        About("A country, alliance, pillar, official or technology area.", positional=True),
    ],
) -> "TimelineResult":
    """Dated events of an entity, oldest first."""
    from alliancekb.query.timeline import timeline as answer

    return answer(reader, name)


@question("exercises", orm=False)
def exercises(
    reader: "Reader",
    country: Annotated[
        str | None,
        About(
            "Only the editions this country takes part in (as host, participant or observer).",
            metavar="NAME",
        ),
    ] = None,
    as_of: Annotated[
        DateLike | None,
        About(
            "Only the editions running on this date: YYYY, YYYY-MM or YYYY-MM-DD, or "
            "`today` (every edition if left out).",
            metavar="DATE",
        ),
    ] = None,
) -> "ExercisesResult":
    """The editions of military exercises, or those running on a date, or a country's."""
    from alliancekb.query.kinds.exercises import exercises as answer

    return answer(reader, as_of=day(as_of), country=country)


@question("history", orm=False)
def history(
    reader: "Reader",
    limit: Annotated[int, About("Show at most this many loads.", metavar="N", lowest=1)] = 20,
) -> "HistoryResult":
    """Past loads, newest first."""
    from alliancekb.query.history import history as answer

    return answer(reader, limit)


#: Every read question, by name.
QUESTIONS: dict[str, Question[Any, Any]] = {
    q.name: q
    for q in (
        members,
        countries,
        alliances,
        allies,
        conflicts,
        pillars,
        tech_areas,
        officials,
        sources,
        statements,
        show,
        timeline,
        exercises,
        history,
    )
}
