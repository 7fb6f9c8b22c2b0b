"""`timeline`: dated memberships, positions and statements about an entity, oldest first."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_

from alliancekb.core import clock
from alliancekb.core.evidence import Span, edtf_or_none
from alliancekb.core.formats import Row
from alliancekb.query.common import scope_ids, scope_infos
from alliancekb.query.facts import membership_spans, position_spans
from alliancekb.query.kind_part import Event, query_parts
from alliancekb.query.statements import (
    about_area_clause,
    about_country_clause,
    about_scopes_clause,
    speaker_clause,
    statement_hits,
    who,
)
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The JSON field names of a timeline row, in order.
TIMELINE_FIELDS = (
    "date",
    "event",
    "subject",
    "status",
    "detail",
    "sources",
    "confirmed",
    "currency",
)
TIMELINE_KINDS = frozenset(Kind) - {Kind.SOURCE}
_FAR_FUTURE = dt.date.max


@dataclass
class TimelineResult:
    """The timeline of one entity (`name`: its label); rows keyed by TIMELINE_FIELDS."""

    name: str
    rows: Iterator[Row] | list[Row] = field(repr=False)


def timeline(session: Reader, name: str) -> TimelineResult:
    """Dated memberships, positions and statements about an entity, oldest first.

    A membership or position gives one event at its start (its `from`) and one at its
    own end (`to`) when that is known; a record a later one replaced ends where the
    later one starts. Events are ordered by each date's first day; undated starts (no
    `from` recorded) come last, after every dated event. Rows of facts carry `confirmed`
    and `currency` (read today). For a country: its memberships, positions held for it,
    statements by or about it. For an alliance: memberships in it and its pillars, its
    positions, statements by or about it or its pillars. For a pillar: its own and its
    alliance's memberships, statements about it. For an official: positions and
    statements. For a technology area: statements about it. For an exercise: its editions.
    """
    # Its kinds' names only (a large knowledge base holds tens of thousands of sources).
    ref = load_index(session, TIMELINE_KINDS).resolve(name, TIMELINE_KINDS)
    parts = query_parts()
    if ref.kind in parts:  # a kind added after the core (`query.kinds`) gives its own
        own = parts[ref.kind].timeline(session, ref.id)
        return TimelineResult(ref.label, [{k: r.get(k) for k in TIMELINE_FIELDS} for r in own])
    infos = scope_infos(session)
    membership_where: ColumnElement[bool] | None = None
    position_where: ColumnElement[bool] | None = None
    statement_where: ColumnElement[bool]
    if ref.kind is Kind.COUNTRY:
        membership_where = t.memberships.c.country_id == ref.id
        position_where = t.positions.c.country_id == ref.id
        statement_where = or_(about_country_clause(ref.id), speaker_clause(ref))
    elif ref.kind is Kind.ALLIANCE:
        ids = scope_ids(session, ref, with_pillars=True)
        membership_where = t.memberships.c.scope_id.in_(ids)
        position_where = t.positions.c.alliance_id == ref.id
        statement_where = or_(about_scopes_clause(ids), speaker_clause(ref))
    elif ref.kind is Kind.PILLAR:
        assert ref.scope_id is not None
        membership_where = t.memberships.c.scope_id.in_(
            [ref.scope_id, infos[ref.scope_id].alliance_scope_id]
        )
        statement_where = about_scopes_clause([ref.scope_id])
    elif ref.kind is Kind.OFFICIAL:
        position_where = t.positions.c.official_id == ref.id
        statement_where = speaker_clause(ref)
    else:
        statement_where = about_area_clause(ref.id)

    today = clock.today()

    def fact_events(span: Span[Row], subject: str, kind: str, status: str | None) -> list[Event]:
        """A record's start, and its end when its own `to` or a later record gives one."""
        p = span.payload
        base = {
            "subject": subject,
            "status": status,
            "sources": p["sources"],
            "confirmed": span.evidence.confirmed,
            "currency": span.currency(today).value,
        }
        # Ordered by the date the row shows: a start known only from its evidence is
        # undated here, and goes last with the other undated rows, never between dates.
        started = edtf_or_none(p["from"])
        events: list[Event] = [
            (
                (started.lower if started is not None else _FAR_FUTURE, 0, subject),
                {**base, "date": p["from"], "event": f"{kind} from", "detail": p.get("note")},
            )
        ]
        ended = edtf_or_none(p["to"]) if span.replaced_by is None else None
        if ended is not None:  # ordered by its first day, as every date of a timeline
            events.append(
                ((ended.lower, 1, subject), {**base, "date": p["to"], "event": f"{kind} to"})
            )
        return events

    def membership_events(where: ColumnElement[bool]) -> Iterator[Event]:
        for span in membership_spans(session, where):
            p = span.payload
            subject = f"{p['country']} in {infos[p['scope_id']].label} ({p['role']})"
            yield from fact_events(span, subject, "membership", p["status"])

    def position_events(where: ColumnElement[bool]) -> Iterator[Event]:
        # Chains run across holders of an office; the timeline shows the matching ones.
        mine: set[int] = set()
        for span in position_spans(session, where, mine):
            p = span.payload
            if p["id"] not in mine:
                continue
            subject = f"{p['name']}: {p['title']}" + (f", {p['for']}" if p["for"] else "")
            yield from fact_events(span, subject, "position", None)

    def dated() -> list[Event]:
        events: list[Event] = []
        if membership_where is not None:
            events.extend(membership_events(membership_where))
        if position_where is not None:
            events.extend(position_events(position_where))
        if ref.kind is Kind.COUNTRY:
            for part in parts.values():
                if part.country_events is not None:
                    events.extend(part.country_events(session, ref.id))
        return sorted(events, key=lambda e: e[0])

    def statement_events() -> Iterator[Event]:
        hits = statement_hits(session, [statement_where], newest_first=False, infos=infos)
        for day, row in hits:
            yield (
                (day, 2, row["id"]),
                {
                    "date": row["date"],
                    "event": "statement",
                    "subject": who(row),
                    "status": row["stance"],
                    "detail": row["text"],
                    "sources": [row["source"]],
                    "confirmed": None,
                    "currency": None,
                },
            )

    def rows() -> Iterator[Row]:
        # Memberships and positions are few per entity; statements may be many: streamed.
        merged = heapq.merge(dated(), statement_events(), key=lambda e: e[0])
        for _, row in merged:
            yield {k: row.get(k) for k in TIMELINE_FIELDS}

    return TimelineResult(ref.label, rows())
