"""How each query result is shown: its columns, row styles, title and caption.

The query layer (`alliancekb.query`) answers with plain rows and meta; this module gives
them their presentation as a `Table`, which `output.emit` writes in any format. Texts that
name command-line options belong here, not in the query layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import IO

from alliancekb.core.evidence import Currency, edtf_or_none
from alliancekb.core.formats import Format, Row
from alliancekb.core.vocab import Status
from alliancekb.present.output import Column, Table, emit
from alliancekb.query.conflicts import ConflictsResult
from alliancekb.query.lists import (
    AlliancesResult,
    CountriesResult,
    OfficialsResult,
    PillarsResult,
    SourcesResult,
    TechAreasResult,
)
from alliancekb.query.members import MembersResult, StatusRule
from alliancekb.query.statements import StatementsResult, about, who
from alliancekb.query.timeline import TimelineResult

MEMBER_COLUMNS = [
    Column("country", style="bold", min_width=8),
    Column("iso3", min_width=4),
    Column("scope", table=False),
    Column("role", min_width=7),
    Column("status", min_width=8),
    Column("from", min_width=10),
    Column("to", min_width=8),
    Column("via"),
    Column("sources"),
    Column("note", table=False),
    Column("confirmed", min_width=10),
    Column("currency", min_width=8),
    Column("until", table=False),
    Column("obligations", table=False),
    Column("dates_from", "dates from", table=False),
    Column("claim", table=False),
]
COUNTRY_COLUMNS = [Column("iso3"), Column("iso2"), Column("name", style="bold"), Column("aliases")]
ALLIANCE_COLUMNS = [
    Column("key"),
    Column("name", style="bold"),
    Column("full_name"),
    Column("kind"),
    Column("founded", min_width=10),
    Column("pillars"),
    Column("members", "members in force"),
    Column("aliases"),
]
PILLAR_COLUMNS = [
    Column("scope", style="bold"),
    Column("name"),
    Column("alliance", table=False),
    Column("alliance_key", table=False),
    Column("number", table=False),
    Column("technology_areas"),
    Column("members", "members in force"),
    Column("aliases"),
]
TECH_AREA_COLUMNS = [
    Column("key"),
    Column("name", style="bold"),
    Column("description", table=False),
    Column("pillars"),
    Column("aliases"),
]
POSITION_COLUMNS = [
    Column("official", table=False),
    Column("name", style="bold"),
    Column("title"),
    Column("for", "for"),
    Column("country", table=False),
    Column("from", min_width=10),
    Column("to", min_width=8),
    Column("sources"),
    Column("confirmed", min_width=10),
    Column("currency", table=False),
    Column("until", table=False),
]
SOURCE_COLUMNS = [
    Column("key"),
    Column("title", style="bold"),
    Column("publisher"),
    Column("author", table=False),
    Column("url", table=False),
    Column("published", min_width=10),
    Column("retrieved", table=False),
    Column("kind"),
]
#: `who` and `about` are for people only: combined from the data keys for the table.
STATEMENT_COLUMNS = [
    Column("id", table=False),
    Column("date", min_width=10),
    Column("speaker", table=False),
    Column("speaker_label", table=False),
    Column("who", style="bold", min_width=12, data=False),
    Column("stance", min_width=7),
    Column("text", min_width=20),
    Column("quote", table=False),
    Column("countries", table=False),
    Column("scopes", table=False),
    Column("technology_areas", table=False),
    Column("about", min_width=8, data=False),
    Column("source", table=False),
]
CONFLICT_COLUMNS = [
    Column("scope", style="bold"),
    Column("country", style="bold", min_width=8),
    Column("iso3", table=False),
    Column("kind", min_width=10),
    Column("values", "sources say"),
    Column("note"),
]
TIMELINE_COLUMNS = [
    Column("date", min_width=10),
    Column("event", min_width=10),
    Column("subject", style="bold"),
    Column("status"),
    Column("detail"),
    Column("sources"),
    Column("confirmed", table=False),
    Column("currency", table=False),
]


def not_in_force_dim(row: Row) -> str | None:
    """Ended and declined relations struck through; other not-in-force or unconfirmed dim."""
    status = row.get("status")
    if status in (Status.ENDED, Status.DECLINED):
        return "dim strike"
    if row.get("currency") == Currency.UNCONFIRMED:
        return "dim italic"
    return None if status in (Status.IN_FORCE, None) else "dim"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from one day to a later one."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def evidence_horizon(newest: str | None, day: dt.date) -> str:
    """The caption's evidence horizon: how old the newest evidence is on the day asked."""
    if newest is None:
        return "no dated evidence"
    found = edtf_or_none(newest)
    if found is None or found.upper >= day:
        return f"newest evidence {newest}"
    months = months_between(found.upper, day)
    age = f"{months} months" if months != 1 else "1 month"
    if months < 1:
        age = f"{(day - found.upper).days} days"
    return f"newest evidence {newest}, {age} before {day.isoformat()}"


CURRENCY_NOTE = (
    "currency: known = within the evidence; presumed = in force past its evidence, "
    "presumed to continue; unconfirmed = past its evidence, only the last thing known"
)


def members_shown(result: MembersResult) -> str:
    """Which statuses a members answer shows, in words."""
    if result.rule is StatusRule.CHOSEN:
        shown = "status: " + ", ".join(result.statuses)
    elif result.rule is StatusRule.AS_OF:
        shown = "declined hidden; ended shown only with a known end date"
    else:
        shown = f"every status except {' and '.join(result.hidden)} (use --status to choose)"
    if result.currencies:
        shown += "; currency: " + ", ".join(result.currencies)
    if result.obligations:
        shown += "; obligations: " + ", ".join(result.obligations)
    return shown


def members_title(result: MembersResult) -> str:
    if result.history:
        return f"Members of {result.scope}: every record of every chain"
    when = result.as_of.isoformat() + ("" if result.dated else " (today)")
    return f"Members of {result.scope} as of {when}"


def members_table(result: MembersResult) -> Table:
    horizon = evidence_horizon(result.newest_evidence, result.as_of)
    chains = (
        "`until`: where a later record of the chain replaced it"
        if result.history
        else "one row per country and scope (--history: the whole chain)"
    )
    columns = MEMBER_COLUMNS
    if result.history:  # the chain's story: where each record ended
        columns = [replace(c, table=True) if c.key == "until" else c for c in MEMBER_COLUMNS]
    return Table(
        columns,
        result.rows,
        title=members_title(result),
        caption=(
            f"Shown: {members_shown(result)}; {chains}. `via`: inherited from the alliance. "
            f"{horizon.capitalize()}. {CURRENCY_NOTE}."
        ),
        row_style=not_in_force_dim,
    )


def countries_table(result: CountriesResult) -> Table:
    return Table(COUNTRY_COLUMNS, result.rows, title="Countries")


def _on(day: dt.date) -> str:
    return "today" if day == dt.date.today() else f"on {day.isoformat()}"


def alliances_table(result: AlliancesResult) -> Table:
    title = "Alliances"
    if result.country is not None:
        title += f" of {result.country} {_on(result.as_of)}"
    return Table(
        ALLIANCE_COLUMNS,
        result.rows,
        title=title,
        caption=f"members: countries in force {_on(result.as_of)} (as `members` answers)",
    )


def pillars_table(result: PillarsResult) -> Table:
    caption = f"members: countries in force {_on(result.as_of)}, the alliance's members included"
    return Table(PILLAR_COLUMNS, result.rows, title="Pillars", caption=caption)


def tech_areas_table(result: TechAreasResult) -> Table:
    title = "Technology areas" + (f" of {result.scope}" if result.scope else "")
    return Table(TECH_AREA_COLUMNS, result.rows, title=title)


def officials_caption(result: OfficialsResult) -> str:
    """What the evidence says about the officials shown and those left out."""
    day = result.as_of or dt.date.today()
    parts = [evidence_horizon(result.newest_evidence, day).capitalize()]
    if result.as_of is not None:
        shown = ", ".join(result.currencies) or "every currency"
        parts.append(f"Shown: positions {shown} on {day.isoformat()} (--currency to choose)")
    for row in result.left_out:
        served = row.get("for")
        where = f", {served}" if served and served not in row["title"] else ""
        parts.append(
            f"Not confirmed since {row['confirmed'] or 'any dated source'}: "
            f"{row['name']}, {row['title']}{where}"
        )
    return ". ".join(parts) + "."


def officials_table(result: OfficialsResult) -> Table:
    title = "Officials"
    if result.country is not None:
        title += f" of {result.country}"
    if result.as_of is not None:
        title += f" in office on {result.as_of.isoformat()}"
    return Table(
        POSITION_COLUMNS,
        result.rows,
        title=title,
        caption=officials_caption(result),
        row_style=not_in_force_dim,
    )


def sources_table(result: SourcesResult) -> Table:
    return Table(SOURCE_COLUMNS, result.rows, title="Sources")


def for_people(rows: Iterable[Row]) -> Iterator[Row]:
    """Statement rows with the table's `who` and `about` added."""
    for row in rows:
        yield {**row, "who": who(row), "about": about(row)}


def statements_title(result: StatementsResult) -> str:
    described: list[str] = []
    if result.speaker is not None:
        described.append(f"by {result.speaker}")
    described += [f"about {x}" for x in (result.country, result.scope, result.tech_area) if x]
    if result.since is not None:
        described.append(f"since {result.since}")
    if result.until is not None:
        described.append(f"until {result.until}")
    if result.search is not None:
        described.append(f"containing {result.search!r}")
    return "Statements" + (" " + ", ".join(described) if described else "")


def statements_table(result: StatementsResult) -> Table:
    limit = result.limit
    caption = "newest first" + (f"; at most {limit} (--limit)" if limit else "")
    return Table(
        STATEMENT_COLUMNS,
        for_people(result.rows),
        title=statements_title(result),
        caption=caption,
    )


def conflicts_table(result: ConflictsResult) -> Table:
    title = "Where the sources disagree"
    title += f" about {result.scope}" if result.scope else ""
    title += f" on {result.country}" if result.country else ""
    return Table(
        CONFLICT_COLUMNS,
        result.rows,
        title=title,
        caption=(
            "missing: one source lists the member on dates another covers without it; "
            "start/end: the dates differ beyond their precision; obligation: the datasets "
            "code different obligations"
        ),
    )


def timeline_table(result: TimelineResult) -> Table:
    return Table(
        TIMELINE_COLUMNS,
        result.rows,
        title=f"Timeline of {result.name}",
        caption="dates by their first day; undated starts last; status of a statement = stance",
    )


Result = (
    MembersResult
    | CountriesResult
    | AlliancesResult
    | PillarsResult
    | TechAreasResult
    | OfficialsResult
    | SourcesResult
    | StatementsResult
    | TimelineResult
    | ConflictsResult
)


def table_of(result: Result) -> Table:
    """The presentation of any list result."""
    if isinstance(result, MembersResult):
        return members_table(result)
    if isinstance(result, CountriesResult):
        return countries_table(result)
    if isinstance(result, AlliancesResult):
        return alliances_table(result)
    if isinstance(result, PillarsResult):
        return pillars_table(result)
    if isinstance(result, TechAreasResult):
        return tech_areas_table(result)
    if isinstance(result, OfficialsResult):
        return officials_table(result)
    if isinstance(result, SourcesResult):
        return sources_table(result)
    if isinstance(result, StatementsResult):
        return statements_table(result)
    if isinstance(result, ConflictsResult):
        return conflicts_table(result)
    return timeline_table(result)


def emit_result(result: Result, fmt: Format | str, stream: IO[str] | None = None) -> int | None:
    """Write a list result in `fmt` (streamed for CSV/JSON/NDJSON); rows written, if counted."""
    return emit(table_of(result), fmt, stream)
