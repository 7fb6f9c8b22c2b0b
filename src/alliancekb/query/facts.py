"""Memberships and positions as chains of evidence-dated records (core.evidence's rules).

Every read that says who is in a scope or who holds an office goes through here: `members`,
the member counts of `alliances` and `pillars`, `officials`, `show` and `timeline`. One
function per kind fetches the records with their sources' dates and resolves the chains,
so no two commands can disagree about what held on a date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, or_, select

from alliancekb.core.dates import EdtfDate
from alliancekb.core.evidence import (
    DURABLE_STATUSES,
    Span,
    evidence,
    office_horizon,
    resolve_chains,
    source_date,
)
from alliancekb.core.formats import Row
from alliancekb.core.names import normalize
from alliancekb.query.common import text_or_none
from alliancekb.store import tables as t

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The fields every membership and position row carries besides its own (JSON names).
EVIDENCE_FIELDS = ("confirmed", "currency", "until")

# The row fields of pillars, members and positions live here, not beside their queries
# (`query.lists`, `query.members`): a country's card needs them and neither module
# (importing both: 38M instructions of `show`'s start-up, issue 32 row 11).

#: The JSON field names of a pillar row, in order.
PILLAR_FIELDS = (
    "scope",
    "name",
    "alliance",
    "alliance_key",
    "number",
    "technology_areas",
    "members",
    "aliases",
)

#: The JSON field names of a member row, in order (the evidence fields last, so that the
#: columns of CSV files written before them keep their places).
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
    *EVIDENCE_FIELDS,
    "obligations",
    "dates_from",
    "claim",
    "disputed",
    "obligations_from",
)

#: The JSON field names of a position row, in order.
POSITION_FIELDS = (
    "official",
    "name",
    "title",
    "for",
    "country",
    "from",
    "to",
    "sources",
    *EVIDENCE_FIELDS,
    "presumed_until",
    "presumed_by",
    "claim",
    "disputed",
)


def position_row(span: Span[Row], day: dt.date) -> Row:
    """A position's row (POSITION_FIELDS) with its evidence read on `day`."""
    row = dict(with_evidence(span, day))
    if span.end is not None:  # it ended (its own `to`, or a successor): nothing to presume
        row["presumed_until"] = row["presumed_by"] = None
    row.setdefault("disputed", [])
    return {k: row.get(k) for k in POSITION_FIELDS}


def _sources_of(
    session: Reader, link: Any, owner: Any, table: Any, where: ColumnElement[bool]
) -> dict[int, list[tuple[str, EdtfDate | None]]]:
    """(source key, its evidence date) per owner row matching `where`, keys in order."""
    found: dict[int, list[tuple[str, EdtfDate | None]]] = defaultdict(list)
    source = t.sources.c
    stmt = (
        select(owner, source.key, source.published, source.covers_to)
        .select_from(link)
        .join(table, table.c.id == owner)
        .join(t.sources, source.id == link.c.source_id)
        .where(where)
        .order_by(owner, source.key)
    )
    for owner_id, key, published, covers_to in session.execute(stmt):
        found[owner_id].append((key, source_date(published, covers_to)))
    return found


def membership_spans(session: Reader, where: ColumnElement[bool]) -> list[Span[Row]]:
    """The memberships matching `where` as resolved chains (country, scope, claimant).

    `where` is on the Core table `store.tables.memberships` (read on a Session or a
    Connection alike).

    The payload holds the row's own fields (country, iso3, scope_id, role, status, from,
    to, sources, note, claim, obligations, and `id`); the caller adds the scope label and
    `via`. `where` must take in whole chains (select by scope or by country, never by date
    or status).
    """
    ms, country = t.memberships.c, t.countries.c
    stmt = (
        select(
            ms.id,
            ms.country_id,
            country.name,
            country.iso3,
            ms.scope_id,
            ms.role,
            ms.status,
            ms.from_text,
            ms.from_lower,
            ms.to_text,
            ms.to_upper,
            ms.confirmed,
            ms.claim,
            ms.obligations,
            ms.note,
        )
        .join(t.countries, country.id == ms.country_id)
        .where(where)
    )
    link = t.membership_sources
    cited = _sources_of(session, link, link.c.membership_id, t.memberships, where)
    spans: list[Span[Row]] = []
    # Unpacked, not read by attribute: a country's card resolves hundreds of records.
    for (
        id_, country_id, country_name, iso3, scope_id, role, status, from_text, from_lower,
        to_text, to_upper, confirmed, claim, obligations, note,
    ) in session.execute(stmt):  # fmt: skip
        sources = cited.get(id_, [])
        row: Row = {
            "id": id_,
            "country": country_name,
            "iso3": iso3,
            "scope_id": scope_id,
            "role": role,
            "status": status,
            "from": from_text or None,
            "to": to_text or None,
            "sources": [key for key, _ in sources],
            "note": note,
            "claim": claim or None,
            "obligations": obligations.split("; ") if obligations else [],
        }
        spans.append(
            Span(
                row,
                # Each claimant's records form their own chain: a dataset's later spell
                # never ends the knowledge base's own record, nor another dataset's.
                (country_id, scope_id, claim),
                from_lower,
                from_text,
                to_upper,
                evidence([d for _, d in sources], confirmed),
                status in DURABLE_STATUSES,
                order=str(role),
            )
        )
    return resolve_chains(spans)


def office_of(title: str, country_id: int | None, alliance_id: int | None, org: str | None) -> Any:
    """The chain of a position: the office (title and whom it serves), not the person."""
    return (normalize(title), country_id, alliance_id, normalize(org or ""))


#: Up to how many places (country, alliance) of offices the positions read are chosen
#: in SQL (past it: all are read, and chosen by office below).
_PLACES_IN_SQL = 16


def _is(column: ColumnElement[int | None], value: int | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def position_spans(
    session: Reader, where: ColumnElement[bool], matching: set[int] | None = None
) -> list[Span[Row]]:
    """Positions whose office has a position matching `where`, as resolved chains.

    Chains run across officials (a new holder of an office ends the previous holder's
    term), one per claimant (the own records; a dataset's), so every position of a
    matching office is resolved; payload: the position row (with `office`, the chain
    without its claimant, and `claim`). `matching`: filled with the ids of the positions
    matching `where` themselves (read by the same query as their offices).
    """
    p = t.positions.c
    offices = select(p.id, p.title, p.country_id, p.alliance_id, p.organisation).where(where)
    wanted: set[Any] = set()
    for id_, *office in session.execute(offices):
        wanted.add(office_of(*office))
        if matching is not None:
            matching.add(id_)
    if not wanted:
        return []
    places = sorted({(o[1], o[2]) for o in wanted}, key=repr)
    stmt = (
        select(
            p.id,
            t.officials.c.key,
            t.officials.c.name,
            p.title,
            p.organisation,
            p.country_id,
            p.alliance_id,
            p.from_text,
            p.from_lower,
            p.to_text,
            p.to_upper,
            p.confirmed,
            p.claim,
            t.countries.c.iso3,
            t.countries.c.name.label("country_name"),
            t.alliances.c.name.label("alliance_name"),
        )
        .join(t.officials, t.officials.c.id == p.official_id)
        .outerjoin(t.countries, t.countries.c.id == p.country_id)
        .outerjoin(t.alliances, t.alliances.c.id == p.alliance_id)
        .order_by(p.id)
    )
    if len(places) <= _PLACES_IN_SQL:
        # Only the places of the wanted offices (an office is its title and whom it
        # serves; the titles are compared in normal form below): a country's card reads
        # its own positions, not every position of the knowledge base.
        stmt = stmt.where(
            or_(*(and_(_is(p.country_id, c), _is(p.alliance_id, a)) for c, a in places))
        )
    rows = [
        r
        for r in session.execute(stmt)
        if office_of(r.title, r.country_id, r.alliance_id, r.organisation) in wanted
    ]
    ids = [r.id for r in rows]
    cited = _position_sources(session, ids)
    spans: list[Span[Row]] = []
    for r in rows:
        sources = cited.get(r.id, [])
        row: dict[str, Any] = {
            "id": r.id,
            "official": r.key,
            "name": r.name,
            "title": r.title,
            "for": r.country_name or r.alliance_name or r.organisation,
            "country": r.iso3,
            "from": text_or_none(r.from_text),
            "to": text_or_none(r.to_text),
            "sources": [key for key, _ in sources],
            "claim": r.claim or None,
            "office": office_of(r.title, r.country_id, r.alliance_id, r.organisation),
        }
        found = evidence((d for _, d in sources), r.confirmed)
        horizon, rule = office_horizon(normalize(r.title), r.from_lower, found.confirmed_upper)
        row["presumed_until"] = horizon.isoformat() if horizon is not None else None
        row["presumed_by"] = rule or None
        spans.append(
            Span(
                row,
                # Each claimant's records of an office form their own chain: Wikidata's
                # next holder never ends the knowledge base's own record (query.offices).
                (*row["office"], r.claim),
                r.from_lower,
                r.from_text,
                r.to_upper,
                found,
                durable=False,
                order=f"{r.key}\x1f{r.title}",
                horizon=horizon,
            )
        )
    return resolve_chains(spans)


def _position_sources(
    session: Reader, ids: Sequence[int]
) -> dict[int, list[tuple[str, EdtfDate | None]]]:
    link, source = t.position_sources, t.sources.c
    found: dict[int, list[tuple[str, EdtfDate | None]]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for owner_id, key, published, covers_to in session.execute(
            select(link.c.position_id, source.key, source.published, source.covers_to)
            .join(t.sources, source.id == link.c.source_id)
            .where(link.c.position_id.in_(chunk))
            .order_by(link.c.position_id, source.key)
        ):
            found[owner_id].append((key, source_date(published, covers_to)))
    return found


def until_of(span: Span[Row]) -> str | None:
    """The last day a record answers, as shown: its own `to`, or the day before its successor."""
    if span.end is None:
        return None
    if span.replaced_by is None:
        return span.payload.get("to")
    return span.end.isoformat()


def with_evidence(span: Span[Row], day: dt.date) -> Row:
    """The record's row with `confirmed`, `currency` (on `day`) and `until`."""
    return {
        **span.payload,
        "confirmed": span.evidence.confirmed,
        "currency": span.currency(day).value,
        "until": until_of(span),
    }


def answering(spans: Iterable[Span[Row]], day: dt.date) -> list[Span[Row]]:
    """The records that answer for `day`: at most one per chain."""
    return [s for s in spans if s.answers(day)]


def horizon_text(spans: Iterable[Span[Any]]) -> str | None:
    """The newest `confirmed` as written."""
    best = max(
        (s for s in spans if s.evidence.confirmed_upper is not None),
        key=lambda s: s.evidence.confirmed_upper or dt.date.min,
        default=None,
    )
    return best.evidence.confirmed if best is not None else None
