"""How each query result is shown: its columns, row styles, title and caption.

The query layer (`alliancekb.query`) answers with plain rows and meta; this module gives
them their presentation as a `Table`, which `output.emit` writes in any format. Texts that
name command-line options belong here, not in the query layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import IO, TYPE_CHECKING

from alliancekb.core.clock import today
from alliancekb.core.evidence import Currency
from alliancekb.core.formats import Format, Row
from alliancekb.core.knowledge_time import KnownOn, knowledge_fields
from alliancekb.core.vocab import Status
from alliancekb.present.evidence import CURRENCY_NOTE, disputed_by, evidence_horizon
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table, emit
from alliancekb.query.members import MembersResult, StatusRule

# The other query modules read through the ORM: imported by the tables that show them,
# so that `members` never imports it (start-up, issue 16; tests/test_startup_imports.py).
if TYPE_CHECKING:
    from alliancekb.query.allies import AlliesResult
    from alliancekb.query.conflicts import ConflictsResult
    from alliancekb.query.lists import (
        AlliancesResult,
        CountriesResult,
        OfficialsResult,
        PillarsResult,
        SourcesResult,
        TechAreasResult,
    )
    from alliancekb.query.statements import StatementsResult
    from alliancekb.query.timeline import TimelineResult

W, WS, NAMES = Kind.WORD, Kind.WORDS, Kind.NAMES

# Each command's columns, and what a narrow terminal gives up first (`*_SHRINK`: counted
# lists and dropped columns, least useful first; the caption names the steps taken).
MEMBER_COLUMNS = [
    Column("country", style="bold", min_width=10),
    Column("iso3", kind=W),
    Column("scope", table=False),
    Column("role", kind=W),
    Column("status", kind=W),
    Column("from", kind=W),
    Column("to", kind=W),
    Column("via", min_width=8),
    Column("sources", kind=WS),
    Column("note", table=False),
    Column("confirmed", kind=W),
    Column("currency", kind=W),
    Column("until", kind=W, table=False),
    Column("obligations", kind=WS, table=False),
    Column("dates_from", "dates from", kind=WS, table=False),
    Column("claim", table=False),
    Column("disputed", table=False),
    Column("obligations_from", "obligations from", table=False),
    # Table only: who disputes the row (the whole claim is in CSV/JSON `disputed`).
    Column("disputed_by", "disputed by", kind=WS, data=False),
]
MEMBER_SHRINK = [
    Shrink("sources", Form.COUNT),
    Shrink("iso3", Form.DROP),
    Shrink("confirmed", Form.DROP),
    Shrink("until", Form.DROP),
    Shrink("to", Form.DROP),
    Shrink("sources", Form.DROP),
    Shrink("via", Form.DROP),
    Shrink("disputed_by", Form.COUNT),
]
COUNTRY_COLUMNS = [
    Column("iso3", kind=W),
    Column("iso2", kind=W),
    Column("name", style="bold", min_width=16),
    Column("aliases", kind=NAMES),
]
ALLIANCE_COLUMNS = [
    Column("key", kind=W),
    Column("name", style="bold", min_width=10),
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
    Column("scope", min_width=10),
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
PILLAR_COLUMNS = [
    Column("scope", style="bold", min_width=14),
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
    Column("name", style="bold", min_width=16),
    Column("description", table=False),
    Column("pillars", kind=NAMES),
    Column("aliases", kind=NAMES),
]
TECH_AREA_SHRINK = [Shrink("aliases", Form.DROP), Shrink("pillars", Form.COUNT)]
POSITION_COLUMNS = [
    Column("official", kind=W, table=False),
    Column("name", style="bold", min_width=12),
    Column("title", min_width=16),
    Column("for", "for", min_width=10),
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
]
POSITION_SHRINK = [
    Shrink("sources", Form.COUNT),
    Shrink("until", Form.DROP),
    Shrink("for", Form.DROP),
    Shrink("confirmed", Form.DROP),
    Shrink("sources", Form.DROP),
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
SOURCE_SHRINK = [Shrink("publisher", Form.DROP), Shrink("kind", Form.DROP)]
#: `who` and `about` are for people only: combined from the data keys for the table.
STATEMENT_COLUMNS = [
    Column("id", kind=W, table=False),
    Column("date", kind=W),
    Column("speaker", table=False),
    Column("speaker_label", table=False),
    Column("who", style="bold", min_width=10, data=False),
    Column("stance", kind=W),
    Column("text", min_width=24),
    Column("quote", table=False),
    Column("countries", kind=WS, table=False),
    Column("scopes", kind=NAMES, table=False),
    Column("technology_areas", kind=WS, table=False),
    Column("about", kind=NAMES, data=False),
    Column("source", kind=W, table=False),
]
STATEMENT_SHRINK = [Shrink("about", Form.COUNT)]
CONFLICT_COLUMNS = [
    Column("scope", style="bold", min_width=10),
    Column("country", style="bold", min_width=10),
    Column("iso3", kind=W, table=False),
    Column("kind", kind=W),
    Column("values", "sources say", kind=NAMES),
    Column("note", min_width=16),
]
CONFLICT_SHRINK = [Shrink("note", Form.FOOTNOTE)]
TIMELINE_COLUMNS = [
    Column("date", kind=W),
    Column("event", kind=W),
    Column("subject", style="bold", min_width=12),
    Column("status", kind=W),
    Column("detail", min_width=24),
    Column("sources", kind=WS),
    Column("confirmed", kind=W, table=False),
    Column("currency", kind=W, table=False),
]
TIMELINE_SHRINK = [
    Shrink("sources", Form.COUNT),
    Shrink("detail", Form.FOOTNOTE),
    Shrink("sources", Form.DROP),
]


def not_in_force_dim(row: Row) -> str | None:
    """Ended and declined relations struck through; other not-in-force or unconfirmed dim."""
    status = row.get("status")
    if status in (Status.ENDED, Status.DECLINED):
        return "dim strike"
    if row.get("currency") == Currency.UNCONFIRMED:
        return "dim italic"
    return None if status in (Status.IN_FORCE, None) else "dim"


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


def members_disputes(result: MembersResult) -> str:
    """The caption's sentences on disputes, overruled claims and a dissolved alliance."""
    said: list[str] = []
    if result.dissolved and result.ended:
        said.append(
            f"{result.scope} was dissolved on {result.ended}: no members after it "
            "(--status ended lists them with their last day)"
        )
    if result.disputed_count:
        n = result.disputed_count
        said.append(
            f"{n} row{'s' if n != 1 else ''} disputed: a source says otherwise "
            "(`disputed` in --format json or csv says what; `alliancekb conflicts`)"
        )
    if result.disputed_hidden:
        which = "undisputed" if result.disputed_rule == "only" else "disputed"
        said.append(f"{result.disputed_hidden} {which} rows hidden (--disputed)")
    if result.overruled:
        named = "; ".join(
            f"{o['country']} ({', '.join(str(c).split(':', 1)[0] for c in o['disputed'])})"
            for o in result.overruled[:5]
        )
        more = len(result.overruled) - 5
        said.append(
            "Not members by this answer though a source lists them: "
            + named
            + (f" and {more} more" if more > 0 else "")
        )
    return "".join(f" {s}." for s in said)


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
    if not any(o for o in (result.disputed_count, result.disputed_rule != "show")):
        columns = [c for c in columns if c.key != "disputed_by"]
    return Table(
        columns,
        disputed_by(result.rows),
        title=members_title(result),
        caption=(
            f"Shown: {members_shown(result)}; {chains}. `via`: inherited from the alliance."
            f"{members_disputes(result)} {horizon.capitalize()}. {CURRENCY_NOTE}."
        ),
        row_style=not_in_force_dim,
        shrink=MEMBER_SHRINK,
        elsewhere="--sources keeps the sources whole; --format csv or json has every column",
    )


def countries_table(result: CountriesResult) -> Table:
    return Table(COUNTRY_COLUMNS, result.rows, title="Countries")


def _on(day: dt.date) -> str:
    return "today" if day == today() else f"on {day.isoformat()}"


def alliances_table(result: AlliancesResult) -> Table:
    title = "Alliances"
    columns = ALLIANCE_COLUMNS
    caption = (
        f"members: countries in force {_on(result.as_of)} (as `members` answers); "
        "ended: the day it was dissolved"
    )
    rows: Iterable[Row] = result.rows
    if result.country is not None:
        title += f" of {result.country} {_on(result.as_of)}"
        # The country's place first: a partner of a pillar is not a member of the alliance.
        keep = [c for c in ALLIANCE_COLUMNS if c.key not in ("full_name", "aliases")]
        columns = [*keep[:2], *ALLIANCE_PLACE_COLUMNS, *keep[2:]]
        caption += (
            f"; scope, role, status, currency: {result.country}'s place, as `members` "
            "answers it (a pillar's partner is not a member of the alliance); `disputed by`: "
            "a source that says otherwise"
        )
        rows = disputed_by(rows)
    return Table(columns, rows, title=title, caption=caption, shrink=ALLIANCE_SHRINK)


def pillars_table(result: PillarsResult) -> Table:
    caption = f"members: countries in force {_on(result.as_of)}, the alliance's members included"
    return Table(
        PILLAR_COLUMNS, result.rows, title="Pillars", caption=caption, shrink=PILLAR_SHRINK
    )


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
    if result.last_known:
        title = title.replace(" in office on ", ": last known holders on ")
    return Table(
        POSITION_COLUMNS,
        result.rows,
        title=title,
        caption=officials_caption(result),
        row_style=not_in_force_dim,
        shrink=POSITION_SHRINK,
    )


def sources_table(result: SourcesResult) -> Table:
    return Table(SOURCE_COLUMNS, result.rows, title="Sources", shrink=SOURCE_SHRINK)


def for_people(rows: Iterable[Row]) -> Iterator[Row]:
    """Statement rows with the table's `who` and `about` added."""
    from alliancekb.query.statements import about, who

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
        shrink=STATEMENT_SHRINK,
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
            "start/end: the dates differ beyond their precision (or an exit falls after "
            "another source's coverage); gap: one source has the member out between two "
            "spells while another has it in; obligation: the datasets code different "
            "obligations"
        ),
        shrink=CONFLICT_SHRINK,
    )


def timeline_table(result: TimelineResult) -> Table:
    return Table(
        TIMELINE_COLUMNS,
        result.rows,
        title=f"Timeline of {result.name}",
        caption="dates by their first day; undated starts last; status of a statement = stance",
        shrink=TIMELINE_SHRINK,
    )


if TYPE_CHECKING:
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
        | AlliesResult
    )


def table_of(result: Result) -> Table:
    """The presentation of any list result."""
    if isinstance(result, MembersResult):
        return members_table(result)
    from alliancekb.query.conflicts import ConflictsResult
    from alliancekb.query.lists import (
        AlliancesResult,
        CountriesResult,
        OfficialsResult,
        PillarsResult,
        SourcesResult,
        TechAreasResult,
    )
    from alliancekb.query.statements import StatementsResult

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
    from alliancekb.query.allies import AlliesResult

    if isinstance(result, AlliesResult):
        from alliancekb.present.allies import allies_table

        return allies_table(result)
    return timeline_table(result)


def known_on_table(table: Table, known: KnownOn, as_of: dt.date | None) -> Table:
    """The table as the knowledge base stood after a past load: its caption says so, and
    each CSV/JSON row carries `known_on` (the load), `known_at` and the `as_of` date."""
    values = knowledge_fields(known, as_of)
    note = f"As known after {known.describe()}"
    return replace(
        table,
        columns=[*table.columns, *(Column(key, table=False) for key in values)],
        rows=({**row, **values} for row in table.rows),
        caption=f"{note}; {table.caption}" if table.caption else note,
    )


def emit_result(
    result: Result,
    fmt: Format | str,
    stream: IO[str] | None = None,
    *,
    whole: Sequence[str] = (),
    known: KnownOn | None = None,
) -> int | None:
    """Write a list result in `fmt` (streamed for CSV/JSON/NDJSON); rows written, if counted.

    `whole`: columns a narrow table keeps whole (`members --sources`): never counted or
    dropped, at worst numbered notes under the table. `known`: the past load the result
    was read at (`--known-on`), said in the caption and in every row.
    """
    table = table_of(result)
    if known is not None:
        as_of = getattr(result, "as_of", None)
        table = known_on_table(table, known, as_of if isinstance(as_of, dt.date) else None)
    if whole:
        shrink: list[Shrink] = []
        for step in table.shrink:
            if step.key in whole:
                step = Shrink(step.key, Form.FOOTNOTE)
            if step not in shrink:
                shrink.append(step)
        table = replace(table, shrink=shrink)
    return emit(table, fmt, stream)
