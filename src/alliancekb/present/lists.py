"""How the lists are shown: countries, alliances, pillars, technology areas, officials, sources."""

from __future__ import annotations

from collections.abc import Iterable

from alliancekb.core.clock import today
from alliancekb.core.formats import Row
from alliancekb.present.evidence import disputed_by, evidence_horizon
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import not_in_force_dim, on_day, view
from alliancekb.query.lists import (
    AlliancesResult,
    CountriesResult,
    OfficialsResult,
    PillarsResult,
    SourcesResult,
    TechAreasResult,
)

W, WS, NAME, NAMES = Kind.WORD, Kind.WORDS, Kind.NAME, Kind.NAMES

# Each command's columns, and what a narrow terminal gives up first (`*_SHRINK`: counted
# lists and dropped columns, least useful first; the caption names the steps taken).

COUNTRY_COLUMNS = [
    Column("iso3", kind=W),
    Column("iso2", kind=W),
    Column("name", style="bold", kind=NAME),
    Column("aliases", kind=NAMES),
]
ALLIANCE_COLUMNS = [
    Column("key", kind=W),
    Column("name", style="bold", kind=NAME),
    Column("full_name", min_width=16),
    Column("kind", kind=W),
    Column("founded", kind=W),
    Column("pillars", kind=W),
    Column("members", "members in force", kind=W),
    Column("aliases", kind=NAMES),
    Column("ended", kind=W),
]
#: `alliances --country`: the country's place in each alliance (a pillar's, for a partner).
ALLIANCE_PLACE_COLUMNS = [
    Column("scope", kind=NAME),
    Column("role", kind=W),
    Column("status", kind=W),
    Column("from", kind=W, table=False),
    Column("confirmed", kind=W, table=False),
    Column("currency", kind=W),
    Column("disputed", table=False),
    Column("disputed_by", "disputed by", kind=WS, data=False),
]
ALLIANCE_SHRINK = [
    Shrink("aliases", Form.DROP),
    Shrink("full_name", Form.DROP),
    Shrink("pillars", Form.DROP),
    Shrink("key", Form.DROP),
    Shrink("members", Form.DROP),
    Shrink("kind", Form.DROP),
]
#: `alliances --country`: the scope names the alliance (or its pillar), and the country's
#: place in it (role, status, currency) matters more than the alliance's facts.
ALLIANCE_PLACE_SHRINK = [*ALLIANCE_SHRINK, Shrink("name", Form.DROP), Shrink("founded", Form.DROP)]
PILLAR_COLUMNS = [
    Column("scope", style="bold", kind=NAME),
    Column("name", min_width=16),
    Column("alliance", table=False),
    Column("alliance_key", kind=W, table=False),
    Column("number", kind=W, table=False),
    Column("technology_areas", kind=WS),
    Column("members", "members in force", kind=W),
    Column("aliases", kind=NAMES),
]
PILLAR_SHRINK = [
    Shrink("aliases", Form.DROP),
    Shrink("technology_areas", Form.COUNT),
    Shrink("name", Form.DROP),
]
TECH_AREA_COLUMNS = [
    Column("key", kind=W),
    Column("name", style="bold", kind=NAME),
    Column("description", table=False),
    Column("pillars", kind=NAMES),
    Column("aliases", kind=NAMES),
]
TECH_AREA_SHRINK = [Shrink("aliases", Form.DROP), Shrink("pillars", Form.COUNT)]
POSITION_COLUMNS = [
    Column("official", kind=W, table=False),
    Column("name", style="bold", kind=NAME),
    Column("title", min_width=16),
    Column("for", "for", kind=NAME),
    Column("country", kind=W, table=False),
    Column("from", kind=W),
    Column("to", kind=W),
    Column("sources", kind=WS),
    Column("confirmed", kind=W),
    # Shown: a card lists every position, and an unconfirmed one must say so in words.
    Column("currency", kind=W),
    Column("until", kind=W, table=False),
    Column("presumed_until", "presumed until", kind=W, table=False),
    Column("presumed_by", "presumed by", table=False),
    Column("claim", table=False),
    Column("disputed", table=False),
]
POSITION_SHRINK = [
    Shrink("sources", Form.COUNT),
    Shrink("sources", Form.DROP),
    Shrink("until", Form.DROP),
    Shrink("confirmed", Form.DROP),
    Shrink("for", Form.DROP),
    Shrink("currency", Form.DROP),
]
SOURCE_COLUMNS = [
    Column("key", kind=W),
    Column("title", style="bold", min_width=16),
    Column("publisher", min_width=12),
    Column("author", table=False),
    Column("url", kind=W, table=False),
    Column("published", kind=W),
    Column("retrieved", kind=W, table=False),
    Column("kind", kind=W),
]
#: A key is never cut: on a narrow terminal the titles go under the table.
SOURCE_SHRINK = [
    Shrink("publisher", Form.DROP),
    Shrink("kind", Form.DROP),
    Shrink("title", Form.FOOTNOTE),
]


@view(CountriesResult)
def countries_table(result: CountriesResult) -> Table:
    return Table(COUNTRY_COLUMNS, result.rows, title="Countries")


@view(AlliancesResult)
def alliances_table(result: AlliancesResult) -> Table:
    title = "Alliances"
    columns = ALLIANCE_COLUMNS
    caption = (
        f"members: countries in force {on_day(result.as_of)} (as `members` answers); "
        "ended: the day it was dissolved"
    )
    if result.founded_later:
        caption += (
            f"; {result.founded_later} alliance(s) founded after {result.as_of.isoformat()} "
            "not listed"
        )
    rows: Iterable[Row] = result.rows
    shrink = ALLIANCE_SHRINK
    if result.country is not None:
        shrink = ALLIANCE_PLACE_SHRINK
        title += f" of {result.country} {on_day(result.as_of)}"
        # The country's place first: a partner of a pillar is not a member of the alliance.
        keep = [c for c in ALLIANCE_COLUMNS if c.key not in ("full_name", "aliases")]
        columns = [*keep[:2], *ALLIANCE_PLACE_COLUMNS, *keep[2:]]
        caption += (
            f"; scope, role, status, currency: {result.country}'s place, as `members` "
            "answers it (a pillar's partner is not a member of the alliance); `disputed by`: "
            "a source that says otherwise"
        )
        rows = disputed_by(rows)
    return Table(columns, rows, title=title, caption=caption, shrink=shrink)


@view(PillarsResult)
def pillars_table(result: PillarsResult) -> Table:
    caption = f"members: countries in force {on_day(result.as_of)}, the alliance's members included"
    return Table(
        PILLAR_COLUMNS, result.rows, title="Pillars", caption=caption, shrink=PILLAR_SHRINK
    )


@view(TechAreasResult)
def tech_areas_table(result: TechAreasResult) -> Table:
    title = "Technology areas" + (f" of {result.scope}" if result.scope else "")
    return Table(TECH_AREA_COLUMNS, result.rows, title=title, shrink=TECH_AREA_SHRINK)


def officials_caption(result: OfficialsResult) -> str:
    """What the evidence says about the officials shown and those left out."""
    day = result.as_of or today()
    parts = [evidence_horizon(result.newest_evidence, day).capitalize()]
    if result.last_known:
        parts.append(
            f"Nobody is confirmed or presumed in these offices on {day.isoformat()}: the "
            "rows are the last known holders, each with its last confirmation"
        )
    parts.append(
        "A holder is presumed in office past the newest evidence to a fixed term's end "
        "(US President: 4 years; Philippine President: 6) or for 12 months, unconfirmed "
        "after (`presumed_until`, `presumed_by` in --format json or csv)"
    )
    if result.as_of is not None:
        shown = ", ".join(result.currencies) or "every currency"
        parts.append(f"Shown: positions {shown} on {day.isoformat()} (--currency to choose)")
    disputed = sum(1 for row in result.rows if row.get("disputed"))
    if disputed:
        parts.append(
            f"{disputed} row{'s' if disputed != 1 else ''} disputed: another source names "
            "another holder or other dates (`disputed` in --format json or csv; "
            "`alliancekb conflicts`)"
        )
    for row in result.left_out:
        served = row.get("for")
        where = f", {served}" if served and served not in row["title"] else ""
        parts.append(
            f"Not confirmed since {row['confirmed'] or 'any dated source'}: "
            f"{row['name']}, {row['title']}{where}"
        )
    return ". ".join(parts) + "."


@view(OfficialsResult)
def officials_table(result: OfficialsResult) -> Table:
    title = "Officials"
    if result.country is not None:
        title += f" of {result.country}"
    if result.as_of is not None:
        title += f" in office on {result.as_of.isoformat()}"
    if result.last_known:
        title = title.replace(" in office on ", ": last known holders on ")
    rows = list(result.rows)  # a list already: a table holds its rows
    columns = POSITION_COLUMNS
    if any(row.get("disputed") for row in rows):
        # Table only: who disputes the row (the whole claim is in CSV/JSON `disputed`).
        columns = [*columns, Column("disputed_by", "disputed by", kind=WS, data=False)]
        rows = list(disputed_by(rows))
    return Table(
        columns,
        rows,
        title=title,
        caption=officials_caption(result),
        row_style=not_in_force_dim,
        shrink=[*POSITION_SHRINK, Shrink("disputed_by", Form.COUNT)],
    )


@view(SourcesResult)
def sources_table(result: SourcesResult) -> Table:
    return Table(SOURCE_COLUMNS, result.rows, title="Sources", shrink=SOURCE_SHRINK)
