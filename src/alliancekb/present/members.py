"""How `members` is shown: who is in a scope, the statuses shown, disputes, the evidence."""

from __future__ import annotations

from dataclasses import replace

from alliancekb.present.evidence import CURRENCY_NOTE, disputed_by, evidence_horizon
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import not_in_force_dim, view
from alliancekb.query.members import MembersResult, StatusRule

W, WS = Kind.WORD, Kind.WORDS

# The command's columns, and what a narrow terminal gives up first (`MEMBER_SHRINK`: counted
# lists and dropped columns, least useful first; the caption names the steps taken).

MEMBER_COLUMNS = [
    Column("country", style="bold", kind=Kind.NAME),
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
    Shrink("sources", Form.DROP),
    Shrink("via", Form.DROP),
    Shrink("confirmed", Form.DROP),
    Shrink("until", Form.DROP),
    Shrink("to", Form.DROP),
    Shrink("disputed_by", Form.COUNT),
]


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


@view(MembersResult)
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
