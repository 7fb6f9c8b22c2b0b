"""The data of a membership timeline: lanes of bars, from the query layer's answers.

No drawing here (`picture.chart` draws). A lane is one country in a scope (a scope's
chart) or one scope of a country (a country's chart). Its bars are the answer
`members` gives, day by day (`query.members.answer_segments`: every claimant's records
decided by `query.precedence`), so a lane is one row of bars that never overlap: where
each starts (and how precisely that is known), where it ends (a recorded end, the answer
changing, or open: not known to have ended), how far its evidence reaches (`confirmed`),
and whether it is presumed (durable) or unconfirmed (transitional) past that. The
datasets' own records (COW, ATOP) are the lane's `claims`, drawn thin beneath it; a
country only a dataset lists, which the answer does not take, has no lane and is named
in the footnote. A pillar's inherited members are lanes `via` the alliance.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliancekb.core.evidence import DURABLE_STATUSES, Span, edtf_or_none
from alliancekb.core.formats import Row
from alliancekb.core.vocab import Status
from alliancekb.query.cards import show
from alliancekb.query.common import scope_infos
from alliancekb.query.facts import horizon_text, with_evidence
from alliancekb.query.labels import numbered_alliance_labels
from alliancekb.query.lists import sources
from alliancekb.query.members import answer_segments, scope_context, scope_spans
from alliancekb.query.precedence import claim_precedence
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

#: A stretch of days over which the answer is the same: first, last (None: open), the
#: record that answers, its row (`query.members.answer_segments`).
Segment = tuple[dt.date | None, dt.date | None, Span[Row], Row]


@dataclass
class Bar:
    """A stretch of the answer as drawn (one record while it answers), or a dataset's record."""

    status: str
    role: str
    #: The first day it can have started, and the last (equal for a day-precise start).
    start: dt.date
    start_upper: dt.date
    #: `~`, `?`, or `` for a start as certain as its precision; `?` also for no `from`.
    start_mark: str
    #: The last day drawn; `end_kind` says why it stops there.
    end: dt.date
    #: `to` (a recorded end, or the answer stops: it left, its alliance ended),
    #: `replaced` (the next bar takes over the next day), `open` (not known to have
    #: ended: drawn to the right edge with an arrow).
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
    #: The answer over time: one row of bars, in order, never overlapping.
    bars: list[Bar] = field(default_factory=list)
    #: The datasets' records (each claimant's), drawn thin beneath the bars.
    claims: list[Bar] = field(default_factory=list)
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
    #: The datasets whose claims are drawn beneath the bars, in order of precedence.
    claimants: list[str] = field(default_factory=list)
    #: Countries (scopes) a dataset lists by the day that the answer does not take: no lane.
    listed_only: list[str] = field(default_factory=list)
    #: Whether a dataset's numbered alliance is named by its members (`query.labels`).
    renamed: bool = False


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
    return _bar(row, lower, upper, mark, end, end_kind)


def _bar(row: Row, lower: dt.date, upper: dt.date, mark: str, end: dt.date, end_kind: str) -> Bar:
    """A bar of `row` from `lower` (its start known to `upper`) to `end`."""
    confirmed = _edtf(row["confirmed"])
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


def _contiguous(last: dt.date | None, first: dt.date | None) -> bool:
    return last is not None and first is not None and last + dt.timedelta(days=1) == first


def _run_bar(run: Sequence[Segment], day: dt.date) -> Bar | None:
    """One bar from consecutive stretches of the answer given by one record."""
    first, last = run[0][0], run[-1][1]
    span, row = run[0][2], run[-1][3]
    own = _edtf(row["from"])
    mark = ""
    if first is None or first == span.start:  # the record's own start: its precision
        if own is not None:
            lower, upper = own.lower, own.upper
            mark = "?" if own.uncertain else "~" if own.approximate else ""
        elif (confirmed := _edtf(row["confirmed"])) is not None:
            lower = upper = first or confirmed.lower  # no `from`: it answers from its evidence
            mark = "?"
        elif first is not None:
            lower = upper = first
        else:
            return None
    else:  # the answer took this record from a later day (another claim answered before)
        lower = upper = first
    if last is None or last >= day:
        end, end_kind = day, "open"
    else:
        end, end_kind = last, "to"
    return _bar(row, lower, upper, mark, end, end_kind)


def answer_bars(segments: Iterable[Segment], day: dt.date) -> list[Bar]:
    """The bars of one chain's answer (`answer_segments` of one country in one scope, in
    order) up to `day`: a bar per record while it answers, a recorded end where the answer
    stops, `replaced` where the next bar takes over the next day."""
    runs: list[list[Segment]] = []
    for segment in segments:
        first, _, span, row = segment
        if row.get("_synthetic") or (first is not None and first > day):
            continue  # after its end (no longer a member), or after the day drawn
        if runs:
            before = runs[-1][-1]
            if (
                before[2] is span
                and before[3]["status"] == row["status"]
                and _contiguous(before[1], first)
            ):
                runs[-1].append(segment)
                continue
        runs.append([segment])
    bars = [bar for run in runs if (bar := _run_bar(run, day)) is not None]
    for bar, after in itertools.pairwise(bars):
        if bar.end_kind == "to" and _contiguous(bar.end, after.start):
            bar.end_kind = "replaced"
    return bars


def _claims(spans: Iterable[Span[Row]], answer: Sequence[Bar], day: dt.date) -> list[Bar]:
    """The datasets' records of one chain, as thin bars, by claimant and start; none
    where one dataset alone speaks and its records are the answer (they would repeat it)."""
    chain = list(spans)
    bars = [bar_of(with_evidence(s, day), day) for s in chain if s.payload.get("claim")]
    found = [b for b in bars if b is not None]
    claimants = {s.payload.get("claim") for s in chain}
    if answer and len(claimants) == 1 and all(b.claim in claimants for b in answer):
        return []
    return sorted(found, key=lambda b: (claim_precedence(b.claim), b.start))


def _footnotes(session: Session, lanes: Sequence[Lane]) -> list[tuple[int, str, str]]:
    titles = {r["key"]: r["title"] or r["key"] for r in sources(session).rows}
    numbers: dict[str, int] = {}
    for lane in lanes:
        for bar in [*lane.bars, *lane.claims]:
            for key in bar.sources:
                numbers.setdefault(key, len(numbers) + 1)
        lane.notes = sorted({numbers[k] for b in [*lane.bars, *lane.claims] for k in b.sources})
    return [(n, key, titles.get(key, key)) for key, n in numbers.items()]


def _first_day(lanes: Sequence[Lane], day: dt.date) -> dt.date:
    starts = [b.start for lane in lanes for b in [*lane.bars, *lane.claims]]
    return min(starts, default=day)


def _claimants(lanes: Sequence[Lane]) -> list[str]:
    found = {b.claim for lane in lanes for b in lane.claims if b.claim}
    return sorted(found, key=lambda c: (claim_precedence(c), c))


Chain = tuple[str, int]


def _chains(
    session: Session, scope_ids: Sequence[int]
) -> tuple[list[Span[Row]], dict[Chain, list[Segment]], dict[Chain, list[Span[Row]]]]:
    """Every record of these scopes, and by (iso3, scope id) its answer's stretches and its
    records."""
    spans = scope_spans(session, scope_ids)
    context = scope_context(session, scope_ids, spans)
    segments: dict[Chain, list[Segment]] = {}
    for segment in answer_segments(spans, context):
        payload = segment[2].payload
        segments.setdefault((payload["iso3"], payload["scope_id"]), []).append(segment)
    records: dict[Chain, list[Span[Row]]] = {}
    for span in spans:
        records.setdefault((span.payload["iso3"], span.payload["scope_id"]), []).append(span)
    return spans, segments, records


def scope_timeline(session: Session, scope: str, day: dt.date) -> Timeline:
    """One lane per country (per country and `via` for a pillar's inherited members)."""
    ref = load_index(session, SCOPE_KINDS).resolve(scope, SCOPE_KINDS)
    assert ref.scope_id is not None
    infos = scope_infos(session)
    wanted = [ref.scope_id]
    if ref.kind is Kind.PILLAR:
        wanted.append(infos[ref.scope_id].alliance_scope_id)
    spans, segments, records = _chains(session, wanted)
    names = {s.payload["iso3"]: s.payload["country"] for s in spans}
    lanes: list[Lane] = []
    listed_only: set[str] = set()
    for key, chain in records.items():
        iso3, scope_id = key
        via = infos[scope_id].label if scope_id != ref.scope_id else None
        bars = answer_bars(segments.get(key, []), day)
        lane = Lane(names[iso3], via, bars, _claims(chain, bars, day))
        if lane.bars:
            lanes.append(lane)
        elif any(b.start <= day for b in lane.claims):
            listed_only.add(names[iso3])
    # Inherited members first (the alliance), then by first start, then name.
    lanes.sort(key=lambda ln: (ln.via is None, ln.bars[0].start, ln.label))
    numbered = numbered_alliance_labels(session, [ref.scope_id])
    evidence = horizon_text(spans)
    return Timeline(
        title=f"{numbered.get(ref.scope_id, infos[ref.scope_id].label)}: membership timeline",
        kind="scope",
        lanes=lanes,
        as_of=day,
        first=_first_day(lanes, day),
        last=day,
        newest_evidence=evidence,
        footnotes=_footnotes(session, lanes),
        names=sorted({lane.label for lane in lanes}),
        claimants=_claimants(lanes),
        listed_only=sorted(listed_only - {lane.label for lane in lanes}),
        renamed=bool(numbered),
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
    infos = scope_infos(session)
    # The scopes of the card's memberships: every scope the country has a record in.
    scope_ids = sorted(
        session.scalars(
            select(m.Membership.scope_id)
            .join(m.Country, m.Country.id == m.Membership.country_id)
            .where(m.Country.iso3 == iso3)
            .distinct()
        )
    )
    _, segments, records = _chains(session, scope_ids)
    numbered = numbered_alliance_labels(session, scope_ids, besides=iso3)
    lanes: list[Lane] = []
    listed_only: set[str] = set()
    for scope_id in scope_ids:
        key = (iso3, scope_id)
        label = numbered.get(scope_id, infos[scope_id].label)
        bars = answer_bars(segments.get(key, []), day)
        lane = Lane(label, None, bars, _claims(records.get(key, []), bars, day))
        if lane.bars:
            lanes.append(lane)
        elif any(b.start <= day for b in lane.claims):
            listed_only.add(label)
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
        claimants=_claimants(lanes),
        listed_only=sorted(listed_only),
        renamed=any(lane.label in numbered.values() for lane in lanes),
    )


def timeline_for(session: Session, name: str, day: dt.date) -> Timeline:
    """A scope's or a country's timeline; unknown names raise NameResolutionError (exit 4)."""
    kinds = {*SCOPE_KINDS, Kind.COUNTRY}
    ref = load_index(session, kinds).resolve(name, kinds)
    if ref.kind is Kind.COUNTRY:
        return country_timeline(session, name, day)
    return scope_timeline(session, name, day)
