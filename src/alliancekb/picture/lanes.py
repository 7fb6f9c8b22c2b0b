"""The data of a membership timeline: lanes of bars, from the query layer's answers.

No drawing here (`picture.chart` draws): this module asks `query.members` for every record
of every chain (`history=True`, currency read on the as-of day) and turns each row into a
bar: where it starts (and how precisely that is known), where it ends (its own `to`, the
day before a later record replaced it, or open: not known to have ended), how far its
evidence reaches (`confirmed`), and whether it is presumed (durable) or unconfirmed
(transitional) past that. A scope gives one lane per country (inherited members, `via`
the alliance, marked); a country gives one lane per alliance or pillar it has records in.
Where datasets claim the same membership, the claim of highest precedence (the
knowledge base's own, then COW, then ATOP: `query.members.claim_precedence`) gives the
bars and the others are drawn thin beneath them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliancekb.core.evidence import DURABLE_STATUSES, edtf_or_none
from alliancekb.core.formats import Row
from alliancekb.core.vocab import Status
from alliancekb.query.cards import show
from alliancekb.query.common import scope_infos
from alliancekb.query.lists import sources
from alliancekb.query.members import members
from alliancekb.query.precedence import claim_precedence
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

ALL_STATUSES = tuple(Status)


@dataclass
class Bar:
    """One membership record as drawn."""

    status: str
    role: str
    #: The first day it can have started, and the last (equal for a day-precise start).
    start: dt.date
    start_upper: dt.date
    #: `~`, `?`, or `` for a start as certain as its precision; `?` also for no `from`.
    start_mark: str
    #: The last day drawn; `end_kind` says why it stops there.
    end: dt.date
    #: `to` (a recorded end), `replaced` (a later record took over), `open` (not known
    #: to have ended: drawn to the right edge with an arrow).
    end_kind: str
    #: The last day the evidence covers (None: no dated evidence).
    evidence_until: dt.date | None
    #: Past its evidence: presumed to continue (durable) or only the last thing known.
    durable: bool
    currency: str
    from_text: str | None
    to_text: str | None
    claim: str | None
    sources: list[str]


@dataclass
class Lane:
    """A row of the chart: a country in a scope, or a scope of a country."""

    label: str
    #: The alliance through which a pillar's member takes part (inherited), if so.
    via: str | None
    bars: list[Bar] = field(default_factory=list)
    #: Other claimants' records (datasets), drawn thin.
    others: list[Bar] = field(default_factory=list)
    #: Footnote numbers of its sources.
    notes: list[int] = field(default_factory=list)


@dataclass
class Timeline:
    """Everything a chart shows: title, lanes, the dates of its axis, the footnotes."""

    title: str
    #: "scope" (lanes are countries) or "country" (lanes are scopes).
    kind: str
    lanes: list[Lane]
    as_of: dt.date
    first: dt.date
    last: dt.date
    newest_evidence: str | None
    #: (number, source key, title) in the order of first citation.
    footnotes: list[tuple[int, str, str]]
    #: Every country (scope chart) or scope (country chart) named, for checking the picture.
    names: list[str]


_edtf = edtf_or_none


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def bar_of(row: Row, day: dt.date) -> Bar | None:
    """The bar of one `members --history` row, or None when it starts after `day`."""
    start = _edtf(row["from"])
    confirmed = _edtf(row["confirmed"])
    mark = ""
    if start is not None:
        lower, upper = start.lower, start.upper
        mark = "?" if start.uncertain else "~" if start.approximate else ""
    elif confirmed is not None:  # no `from`: it answers from its evidence
        lower = upper = confirmed.lower
        mark = "?"
    else:
        return None
    if lower > day:
        return None
    to = _edtf(row["to"])
    until = _day(row.get("until"))
    if to is not None and (until is None or to.upper <= until):
        end, end_kind = to.upper, "to"
    elif until is not None:
        end, end_kind = until, "replaced"
    else:
        end, end_kind = day, "open"
    if end > day:
        end, end_kind = day, "open"
    return Bar(
        status=str(row["status"]),
        role=str(row["role"]),
        start=lower,
        start_upper=min(upper, end),
        start_mark=mark,
        end=max(end, lower),
        end_kind=end_kind,
        evidence_until=confirmed.upper if confirmed is not None else None,
        durable=Status(row["status"]) in DURABLE_STATUSES,
        currency=str(row["currency"]),
        from_text=row["from"],
        to_text=row["to"],
        claim=row.get("claim"),
        sources=list(row["sources"]),
    )


def _fill(lane: Lane, rows: Iterable[Row], day: dt.date) -> None:
    bars = [(row, bar_of(row, day)) for row in rows]
    drawn = [(row, bar) for row, bar in bars if bar is not None]
    if not drawn:
        return
    best = min(claim_precedence(row.get("claim")) for row, _ in drawn)
    for row, bar in drawn:
        (lane.bars if claim_precedence(row.get("claim")) == best else lane.others).append(bar)
    lane.bars.sort(key=lambda b: b.start)
    lane.others.sort(key=lambda b: (b.claim or "", b.start))


def _footnotes(session: Session, lanes: Sequence[Lane]) -> list[tuple[int, str, str]]:
    titles = {r["key"]: r["title"] or r["key"] for r in sources(session).rows}
    numbers: dict[str, int] = {}
    for lane in lanes:
        for bar in [*lane.bars, *lane.others]:
            for key in bar.sources:
                numbers.setdefault(key, len(numbers) + 1)
        lane.notes = sorted({numbers[k] for b in [*lane.bars, *lane.others] for k in b.sources})
    return [(n, key, titles.get(key, key)) for key, n in numbers.items()]


def _first_day(lanes: Sequence[Lane], day: dt.date) -> dt.date:
    starts = [b.start for lane in lanes for b in [*lane.bars, *lane.others]]
    return min(starts, default=day)


def scope_timeline(session: Session, scope: str, day: dt.date) -> Timeline:
    """One lane per country (per country and `via` for a pillar's inherited members)."""
    result = members(session, scope, as_of=day, statuses=ALL_STATUSES, history=True)
    grouped: dict[tuple[str, str | None], list[Row]] = {}
    labels: dict[tuple[str, str | None], str] = {}
    for row in result.rows:
        key = (row["iso3"], row["via"])
        grouped.setdefault(key, []).append(row)
        labels[key] = row["country"]
    lanes: list[Lane] = []
    for key, rows in grouped.items():
        lane = Lane(labels[key], key[1])
        _fill(lane, rows, day)
        if lane.bars:
            lanes.append(lane)
    # Inherited members first (the alliance), then by first start, then name.
    lanes.sort(key=lambda ln: (ln.via is None, ln.bars[0].start, ln.label))
    return Timeline(
        title=f"{result.scope}: membership timeline",
        kind="scope",
        lanes=lanes,
        as_of=day,
        first=_first_day(lanes, day),
        last=day,
        newest_evidence=result.newest_evidence,
        footnotes=_footnotes(session, lanes),
        names=sorted({lane.label for lane in lanes}),
    )


def scope_names(session: Session) -> dict[str, str]:
    """Each scope's label -> a name that resolves to it alone (key, `key/pillar-N`)."""
    infos = scope_infos(session)
    keys = dict(session.execute(select(m.Alliance.scope_id, m.Alliance.key)).all())
    names: dict[str, str] = {}
    for scope_id, key in keys.items():
        names[infos[scope_id].label] = key
    pillar_rows = session.execute(
        select(m.Pillar.scope_id, m.Alliance.key, m.Pillar.number).join(
            m.Alliance, m.Alliance.id == m.Pillar.alliance_id
        )
    )
    for scope_id, key, number in pillar_rows:
        names[infos[scope_id].label] = f"{key}/pillar-{number}"
    return names


def country_timeline(session: Session, country: str, day: dt.date) -> Timeline:
    """One lane per alliance or pillar the country has records in (its own records)."""
    card = show(session, country)
    iso3 = dict(card.fields)["iso3"]
    section = card.section("memberships")
    scopes = sorted({r["scope"] for r in section.rows}) if section is not None else []
    names = scope_names(session)
    lanes: list[Lane] = []
    for label in scopes:
        result = members(
            session, names.get(label, label), as_of=day, statuses=ALL_STATUSES, history=True
        )
        rows = [r for r in result.rows if r["iso3"] == iso3 and r["via"] is None]
        lane = Lane(label, None)
        _fill(lane, rows, day)
        if lane.bars:
            lanes.append(lane)
    lanes.sort(key=lambda ln: (ln.bars[0].start, ln.label))
    evidence = [b.evidence_until for ln in lanes for b in ln.bars if b.evidence_until]
    return Timeline(
        title=f"{card.name}: alliances timeline",
        kind="country",
        lanes=lanes,
        as_of=day,
        first=_first_day(lanes, day),
        last=day,
        newest_evidence=max(evidence).isoformat() if evidence else None,
        footnotes=_footnotes(session, lanes),
        names=sorted({lane.label for lane in lanes}),
    )


def timeline_for(session: Session, name: str, day: dt.date) -> Timeline:
    """A scope's or a country's timeline; unknown names raise NameResolutionError (exit 4)."""
    kinds = {*SCOPE_KINDS, Kind.COUNTRY}
    ref = load_index(session, kinds).resolve(name, kinds)
    if ref.kind is Kind.COUNTRY:
        return country_timeline(session, name, day)
    return scope_timeline(session, name, day)
