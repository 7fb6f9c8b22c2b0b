"""`members`: who is in an alliance or pillar, with role, status, dates and sources.

Status is the relation's current lifecycle status, shown as it is. Without an as-of date
`ended` and `declined` rows are hidden; with one, `declined` rows are hidden and `ended`
rows are shown only when their end date is known (so that the dates can place them). An
explicit status filter replaces these defaults. The as-of rule is `query.common`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from alliancekb.core.formats import Row
from alliancekb.core.vocab import CLOSED_STATUSES, Role, Status
from alliancekb.query.common import (
    batches,
    membership_sources,
    role_rank,
    scope_infos,
    status_rank,
    text_or_none,
    valid_on,
)
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, load_index

#: The JSON field names of a member row, in order.
MEMBER_FIELDS = (
    "country",
    "iso3",
    "scope",
    "role",
    "status",
    "from",
    "to",
    "via",
    "sources",
    "note",
)


class StatusRule(StrEnum):
    """Which statuses a members answer shows."""

    #: Only the statuses asked for (`MembersResult.statuses`).
    CHOSEN = "chosen"
    #: With an as-of date: declined hidden, ended only with a known end date.
    AS_OF = "as-of"
    #: Without one: every status except the closed ones (`MembersResult.hidden`).
    DEFAULT = "default"


@dataclass
class MembersResult:
    """The members of one scope: meta, and rows keyed by MEMBER_FIELDS (streamed)."""

    scope: str
    as_of: dt.date | None
    rule: StatusRule
    #: The statuses asked for (CHOSEN), in vocabulary order; empty otherwise.
    statuses: tuple[Status, ...]
    #: The statuses hidden outright (DEFAULT: the closed ones; AS_OF: declined).
    hidden: tuple[Status, ...]
    rows: Iterator[Row] | list[Row] = field(repr=False)


def _in_vocabulary_order(statuses: set[Status] | frozenset[Status]) -> tuple[Status, ...]:
    return tuple(sorted(statuses, key=list(Status).index))


def status_filter(
    statuses: Sequence[Status | str] | None, as_of: dt.date | None
) -> tuple[ColumnElement[bool], StatusRule, tuple[Status, ...], tuple[Status, ...]]:
    """The WHERE clause on membership status, its rule, the statuses chosen and hidden."""
    if statuses:
        chosen = _in_vocabulary_order({Status(s) for s in statuses})
        return m.Membership.status.in_(chosen), StatusRule.CHOSEN, chosen, ()
    if as_of is not None:
        clause = and_(
            m.Membership.status != Status.DECLINED,
            or_(m.Membership.status != Status.ENDED, m.Membership.to_lower.is_not(None)),
        )
        return clause, StatusRule.AS_OF, (), (Status.DECLINED,)
    closed = _in_vocabulary_order(CLOSED_STATUSES)
    return m.Membership.status.not_in(closed), StatusRule.DEFAULT, (), closed


def members(
    session: Session,
    scope: str,
    as_of: dt.date | None = None,
    statuses: Sequence[Status | str] | None = None,
    roles: Sequence[Role | str] | None = None,
    *,
    index: NameIndex | None = None,
) -> MembersResult:
    """Who is in an alliance or pillar: role, status, dates, `via`, sources per row.

    A pillar's rows include its alliance's memberships (`via` = the alliance's name:
    members of an alliance take part in all its pillars) besides its own (`via` empty).
    Rows are ordered by status (in-force first), role, country.
    """
    index = index if index is not None else load_index(session, SCOPE_KINDS)
    ref = index.resolve(scope, SCOPE_KINDS)
    infos = scope_infos(session)
    assert ref.scope_id is not None
    own = infos[ref.scope_id]
    wanted = [ref.scope_id]
    if ref.kind is Kind.PILLAR:
        wanted.append(own.alliance_scope_id)
    clause, rule, chosen, hidden = status_filter(statuses, as_of)
    stmt = (
        select(
            m.Membership.id,
            m.Country.name,
            m.Country.iso3,
            m.Membership.scope_id,
            m.Membership.role,
            m.Membership.status,
            m.Membership.from_text,
            m.Membership.to_text,
            m.Membership.note,
        )
        .join(m.Country, m.Country.id == m.Membership.country_id)
        .where(m.Membership.scope_id.in_(wanted), clause)
        .order_by(status_rank(), role_rank(), m.Country.name, m.Membership.from_lower)
    )
    if roles:
        stmt = stmt.where(m.Membership.role.in_(sorted({Role(r) for r in roles})))
    if as_of is not None:
        stmt = stmt.where(valid_on(m.Membership.from_lower, m.Membership.to_lower, as_of))

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            sources = membership_sources(session, [r.id for r in batch])
            for r in batch:
                info = infos[r.scope_id]
                yield {
                    "country": r.name,
                    "iso3": r.iso3,
                    "scope": info.label,
                    "role": r.role,
                    "status": r.status,
                    "from": text_or_none(r.from_text),
                    "to": text_or_none(r.to_text),
                    "via": info.label if r.scope_id != ref.scope_id else None,
                    "sources": sources.get(r.id, []),
                    "note": r.note,
                }

    return MembersResult(own.label, as_of, rule, chosen, hidden, rows())
