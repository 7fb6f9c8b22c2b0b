"""`timeline`: dated memberships, positions and statements about an entity, oldest first."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from alliancekb.core.formats import Row
from alliancekb.query.common import membership_sources, scope_ids, scope_infos, text_or_none
from alliancekb.query.lists import position_rows, position_stmt
from alliancekb.query.statements import (
    about_area_clause,
    about_country_clause,
    about_scopes_clause,
    speaker_clause,
    statement_hits,
    who,
)
from alliancekb.store import models as m
from alliancekb.store.resolve import Kind, load_index

#: The JSON field names of a timeline row, in order.
TIMELINE_FIELDS = ("date", "event", "subject", "status", "detail", "sources")
TIMELINE_KINDS = frozenset(Kind) - {Kind.SOURCE}
_FAR_FUTURE = dt.date.max

Event = tuple[tuple[Any, ...], Row]


@dataclass
class TimelineResult:
    """The timeline of one entity (`name`: its label); rows keyed by TIMELINE_FIELDS."""

    name: str
    rows: Iterator[Row] | list[Row] = field(repr=False)


def timeline(session: Session, name: str) -> TimelineResult:
    """Dated memberships, positions and statements about an entity, oldest first.

    A membership or position gives one event at its start (`from`) and one at its end
    (`to`) when that is known; events ordered by each date's first day; undated starts
    come last. For a country: its memberships, positions held for it, statements by or
    about it. For an alliance: memberships in it and its pillars, its positions, statements
    by or about it or its pillars. For a pillar: its own and its alliance's memberships,
    statements about it. For an official: positions and statements. For a technology
    area: statements about it.
    """
    index = load_index(session)
    ref = index.resolve(name, TIMELINE_KINDS)
    infos = scope_infos(session)
    membership_where: ColumnElement[bool] | None = None
    position_where: ColumnElement[bool] | None = None
    statement_where: ColumnElement[bool]
    if ref.kind is Kind.COUNTRY:
        membership_where = m.Membership.country_id == ref.id
        position_where = m.Position.country_id == ref.id
        statement_where = or_(about_country_clause(ref.id), speaker_clause(ref))
    elif ref.kind is Kind.ALLIANCE:
        ids = scope_ids(session, ref, with_pillars=True)
        membership_where = m.Membership.scope_id.in_(ids)
        position_where = m.Position.alliance_id == ref.id
        statement_where = or_(about_scopes_clause(ids), speaker_clause(ref))
    elif ref.kind is Kind.PILLAR:
        assert ref.scope_id is not None
        membership_where = m.Membership.scope_id.in_(
            [ref.scope_id, infos[ref.scope_id].alliance_scope_id]
        )
        statement_where = about_scopes_clause([ref.scope_id])
    elif ref.kind is Kind.OFFICIAL:
        position_where = m.Position.official_id == ref.id
        statement_where = speaker_clause(ref)
    else:
        statement_where = about_area_clause(ref.id)

    def membership_events(where: ColumnElement[bool]) -> Iterator[Event]:
        found = session.execute(
            select(
                m.Membership.id,
                m.Country.name,
                m.Membership.scope_id,
                m.Membership.role,
                m.Membership.status,
                m.Membership.note,
                m.Membership.from_text,
                m.Membership.from_lower,
                m.Membership.to_text,
                m.Membership.to_lower,
            )
            .join(m.Country, m.Country.id == m.Membership.country_id)
            .where(where)
        ).all()
        srcs = membership_sources(session, [r.id for r in found])
        for r in found:
            subject = f"{r.name} in {infos[r.scope_id].label} ({r.role})"
            base = {"subject": subject, "status": r.status, "sources": srcs.get(r.id, [])}
            yield (
                (r.from_lower or _FAR_FUTURE, 0, subject),
                {
                    **base,
                    "date": text_or_none(r.from_text),
                    "event": "membership from",
                    "detail": r.note,
                },
            )
            if r.to_lower is not None:
                yield (
                    (r.to_lower, 1, subject),
                    {**base, "date": r.to_text, "event": "membership to", "detail": None},
                )

    def position_events(where: ColumnElement[bool]) -> Iterator[Event]:
        stmt = position_stmt().add_columns(m.Position.from_lower, m.Position.to_lower)
        for r, row in zip(
            session.execute(stmt.where(where)).all(),
            position_rows(session, position_stmt().where(where)),
            strict=True,
        ):
            subject = f"{row['name']}: {row['title']}" + (f", {row['for']}" if row["for"] else "")
            base = {"subject": subject, "status": None, "sources": row["sources"]}
            yield (
                (r.from_lower or _FAR_FUTURE, 0, subject),
                {**base, "date": row["from"], "event": "position from", "detail": None},
            )
            if r.to_lower is not None:
                yield (
                    (r.to_lower, 1, subject),
                    {**base, "date": row["to"], "event": "position to", "detail": None},
                )

    def dated() -> list[Event]:
        events: list[Event] = []
        if membership_where is not None:
            events.extend(membership_events(membership_where))
        if position_where is not None:
            events.extend(position_events(position_where))
        return sorted(events, key=lambda e: e[0])

    def statement_events() -> Iterator[Event]:
        for day, row in statement_hits(session, [statement_where], newest_first=False):
            yield (
                (day, 2, row["id"]),
                {
                    "date": row["date"],
                    "event": "statement",
                    "subject": who(row),
                    "status": row["stance"],
                    "detail": row["text"],
                    "sources": [row["source"]],
                },
            )

    def rows() -> Iterator[Row]:
        # Memberships and positions are few per entity; statements may be many: streamed.
        merged = heapq.merge(dated(), statement_events(), key=lambda e: e[0])
        for _, row in merged:
            yield {k: row[k] for k in TIMELINE_FIELDS}

    return TimelineResult(ref.label, rows())
