"""The simple lists: countries, alliances, pillars, technology areas, officials, sources."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, func, or_, select

from alliancekb.core.clock import today
from alliancekb.core.evidence import Currency, Span
from alliancekb.core.formats import Row
from alliancekb.core.vocab import Status
from alliancekb.query.common import (
    aliases_of,
    batches,
    grouped,
    scope_ids,
    scope_infos,
    text_or_none,
)
from alliancekb.query.facts import PILLAR_FIELDS as PILLAR_FIELDS
from alliancekb.query.facts import POSITION_FIELDS as POSITION_FIELDS
from alliancekb.query.facts import (
    horizon_text,
    membership_spans,
    position_row,
    position_spans,
)
from alliancekb.query.members import StatusRule, member_rows, scope_context, scope_spans
from alliancekb.query.offices import office_answers
from alliancekb.store import tables as t
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

RowIterator = Iterator[Row] | list[Row]
CountSets = dict[int, set[Any]]


#: The JSON field names of a pillar row, in order.
@dataclass
class CountriesResult:
    """Every country; rows: iso3, iso2, name, aliases."""

    rows: RowIterator = field(repr=False)


@dataclass
class AlliancesResult:
    """Every alliance; rows: key, name, full_name, kind, founded, pillars, members, aliases.

    `members` counts the countries in force on `as_of` (by the rule `members` answers with).
    """

    rows: RowIterator = field(repr=False)
    as_of: dt.date = field(default_factory=dt.date.today)
    #: Only the alliances this country is in (its label), if asked.
    country: str | None = None
    #: How many alliances are not listed because they were founded after `as_of`.
    founded_later: int = 0


@dataclass
class PillarsResult:
    """Every pillar, or one alliance's (`alliance`: its name).

    Rows: scope, name, alliance, alliance_key, number, technology_areas, members, aliases;
    `members` counts the countries in force on `as_of`, the alliance's members included.
    """

    alliance: str | None
    rows: RowIterator = field(repr=False)
    as_of: dt.date = field(default_factory=dt.date.today)


@dataclass
class TechAreasResult:
    """Technology areas, or those of one scope (`scope`: its label).

    Rows: key, name, description, pillars, aliases.
    """

    scope: str | None
    rows: RowIterator = field(repr=False)


@dataclass
class OfficialsResult:
    """Officials' positions: of one country (`country`: its name) and held on `as_of`.

    `as_of` is None when every position is listed. Rows: official, name, title, for,
    country, from, to, sources, confirmed, currency, until. By default only positions
    `known` to be held are rows; those held only by the last thing known are named in
    `unconfirmed` (rows of their own when `currencies` asks for them).
    """

    country: str | None
    as_of: dt.date | None
    rows: RowIterator = field(repr=False)
    #: Only rows of these currencies; by default known and presumed.
    currencies: tuple[Currency, ...] = ()
    #: Positions answering `as_of` but left out by `currencies` (their rows).
    left_out: list[Row] = field(default_factory=list)
    #: The newest evidence among the positions considered (EDTF as written).
    newest_evidence: str | None = None
    #: Nobody held an office on the day by the currencies asked: the rows are the last
    #: known holders of the offices considered (`left_out` is then empty).
    last_known: bool = False


@dataclass
class SourcesResult:
    """Sources, of one kind or all; rows: key, title, publisher, author, url, published,
    retrieved, kind."""

    kind: str | None
    rows: RowIterator = field(repr=False)


def countries(session: Reader) -> CountriesResult:
    """Every country: ISO codes, name, aliases; ordered by name."""
    c = t.countries.c
    stmt = select(c.id, c.iso3, c.iso2, c.name).order_by(c.name)

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            aliases = aliases_of(
                session, t.country_aliases, t.country_aliases.c.country_id, [r.id for r in batch]
            )
            for r in batch:
                yield {
                    "iso3": r.iso3,
                    "iso2": r.iso2,
                    "name": r.name,
                    "aliases": aliases.get(r.id, []),
                }

    return CountriesResult(rows())


def _in_force_by_scope(session: Reader, scope_ids: Sequence[int], day: dt.date) -> CountSets:
    """In-force countries per scope on `day`, by the rule `members` answers with."""
    found: CountSets = defaultdict(set)
    # member_rows, not the raw records: the claims are decided first, so a dataset's
    # in-force claim does not count a country whose own record says otherwise.
    spans = scope_spans(session, scope_ids)
    context = scope_context(session, scope_ids, spans)
    for span, row in member_rows(
        spans, day, StatusRule.CHOSEN, (Status.IN_FORCE,), context=context
    ):
        found[row["scope_id"]].add(span.chain[0])  # type: ignore[index]
    return found


def _places_of(session: Reader, country_id: int, day: dt.date) -> dict[int, Row]:
    """A country's place in each alliance on `day` (by alliance id), as `members` answers:
    the row of the alliance itself, else of one of its pillars (a partner of a pillar)."""
    spans = membership_spans(session, t.memberships.c.country_id == country_id)
    scopes = {span.chain[1] for span in spans}  # type: ignore[index]
    context = scope_context(session, scopes)
    infos = scope_infos(session)
    alliance_of = dict(session.execute(select(t.alliances.c.scope_id, t.alliances.c.id)).all())
    places: dict[int, Row] = {}
    for _, row in member_rows(spans, day, context=context):
        info = infos[row["scope_id"]]
        alliance_id = alliance_of[info.alliance_scope_id]
        own_scope = info.kind is Kind.ALLIANCE
        if alliance_id in places and not own_scope:
            continue
        places[alliance_id] = {**row, "scope": info.label}
    return places


#: What `alliances --country` adds to each row: the country's place, as `members` says.
COUNTRY_PLACE_FIELDS = ("scope", "role", "status", "from", "confirmed", "currency", "disputed")


def alliances(
    session: Reader, as_of: dt.date | None = None, *, country: str | None = None
) -> AlliancesResult:
    """Every alliance with its kind, founding and end dates, pillar count and in-force
    member count.

    `country` keeps the alliances (or their pillars) it is in on the date, as `members`
    answers (any status it shows by default), and adds its place in each
    (`COUNTRY_PLACE_FIELDS`: the scope it is in, role, status, from, evidence, disputes).
    """
    day = as_of or today()
    label = None
    pillar_count = (
        select(func.count()).where(t.pillars.c.alliance_id == t.alliances.c.id).scalar_subquery()
    )
    stmt = select(
        t.alliances.c.id,
        t.alliances.c.key,
        t.alliances.c.name,
        t.alliances.c.full_name,
        t.alliances.c.kind,
        t.alliances.c.founded,
        t.alliances.c.ended,
        t.alliances.c.scope_id,
        pillar_count.label("pillars"),
    ).order_by(t.alliances.c.name)
    # An alliance founded after the day did not exist on it (its founding's earliest day).
    later = t.alliances.c.founded_lower > day
    stmt = stmt.where(or_(t.alliances.c.founded_lower.is_(None), ~later))
    founded_later = 0
    places: dict[int, Row] = {}
    if country is not None:
        ref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        label = ref.label
        places = _places_of(session, ref.id, day)
        stmt = stmt.where(t.alliances.c.id.in_(sorted(places)))
    else:
        founded_later = session.execute(
            select(func.count()).select_from(t.alliances).where(later)
        ).scalar_one()

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            aliases = aliases_of(
                session, t.alliance_aliases, t.alliance_aliases.c.alliance_id, [r.id for r in batch]
            )
            in_force = _in_force_by_scope(session, [r.scope_id for r in batch], day)
            for r in batch:
                row: dict[str, Any] = {
                    "key": r.key,
                    "name": r.name,
                    "full_name": r.full_name,
                    "kind": r.kind,
                    "founded": text_or_none(r.founded),
                    "pillars": r.pillars,
                    "members": len(in_force[r.scope_id]),
                    "aliases": aliases.get(r.id, []),
                    "ended": text_or_none(r.ended),
                }
                if country is not None:
                    place = places[r.id]
                    row.update({k: place.get(k) for k in COUNTRY_PLACE_FIELDS})
                yield row

    return AlliancesResult(rows(), day, label, founded_later)


def pillars(
    session: Reader, alliance: str | None = None, as_of: dt.date | None = None
) -> PillarsResult:
    """Every pillar (or one alliance's): its technology areas and in-force member count."""
    day = as_of or today()
    stmt = (
        select(
            t.pillars.c.id,
            t.pillars.c.number,
            t.pillars.c.name,
            t.pillars.c.scope_id,
            t.alliances.c.name.label("alliance"),
            t.alliances.c.key.label("alliance_key"),
            t.alliances.c.scope_id.label("alliance_scope_id"),
        )
        .join(t.alliances, t.alliances.c.id == t.pillars.c.alliance_id)
        .order_by(t.alliances.c.name, t.pillars.c.number)
    )
    label = None
    if alliance is not None:
        ref = load_index(session, {Kind.ALLIANCE}).resolve(alliance, {Kind.ALLIANCE})
        stmt = stmt.where(t.pillars.c.alliance_id == ref.id)
        label = ref.label
    link = t.pillar_technology_areas

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            ids = [r.id for r in batch]
            areas = grouped(
                session,
                select(link.c.pillar_id, t.technology_areas.c.key)
                .join(t.technology_areas, t.technology_areas.c.id == link.c.technology_area_id)
                .where(link.c.pillar_id.in_(ids))
                .order_by(t.technology_areas.c.key),
            )
            aliases = aliases_of(session, t.pillar_aliases, t.pillar_aliases.c.pillar_id, ids)
            in_force = _in_force_by_scope(
                session, [s for r in batch for s in (r.scope_id, r.alliance_scope_id)], day
            )
            for r in batch:
                yield {
                    "scope": f"{r.alliance} Pillar {r.number}",
                    "name": r.name,
                    "alliance": r.alliance,
                    "alliance_key": r.alliance_key,
                    "number": r.number,
                    "technology_areas": areas.get(r.id, []),
                    "members": len(in_force[r.scope_id] | in_force[r.alliance_scope_id]),
                    "aliases": aliases.get(r.id, []),
                }

    return PillarsResult(label, rows(), day)


def tech_areas(session: Reader, scope: str | None = None) -> TechAreasResult:
    """Every technology area with the pillars that cover it; `scope` keeps an alliance's
    (any of its pillars) or one pillar's areas."""
    infos = scope_infos(session)
    link = t.pillar_technology_areas
    stmt = select(
        t.technology_areas.c.id,
        t.technology_areas.c.key,
        t.technology_areas.c.name,
        t.technology_areas.c.description,
    ).order_by(t.technology_areas.c.name)
    label = None
    if scope is not None:
        ref = load_index(session, SCOPE_KINDS).resolve(scope, SCOPE_KINDS)
        covered = (
            select(link.c.technology_area_id)
            .join(t.pillars, t.pillars.c.id == link.c.pillar_id)
            .where(t.pillars.c.scope_id.in_(scope_ids(session, ref, with_pillars=True)))
        )
        stmt = stmt.where(t.technology_areas.c.id.in_(covered))
        label = ref.label

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            ids = [r.id for r in batch]
            covering = grouped(
                session,
                select(link.c.technology_area_id, t.pillars.c.scope_id)
                .join(t.pillars, t.pillars.c.id == link.c.pillar_id)
                .where(link.c.technology_area_id.in_(ids)),
            )
            alias = t.technology_area_aliases
            aliases = aliases_of(session, alias, alias.c.technology_area_id, ids)
            for r in batch:
                yield {
                    "key": r.key,
                    "name": r.name,
                    "description": r.description,
                    "pillars": sorted(infos[s].label for s in covering.get(r.id, [])),
                    "aliases": aliases.get(r.id, []),
                }

    return TechAreasResult(label, rows())


#: What `officials` shows by default: positions the evidence carries to the date asked.
HELD = (Currency.KNOWN, Currency.PRESUMED)


def _career_order(span: Span[Row]) -> tuple[Any, ...]:
    p = span.payload
    return (p["name"], span.start or dt.date.min, p["title"], p["id"])


def officials(
    session: Reader,
    country: str | None = None,
    as_of: dt.date | None = None,
    *,
    all_positions: bool = False,
    currencies: Sequence[Currency | str] | None = None,
) -> OfficialsResult:
    """Officials and the positions they hold on a date (default today), one row each.

    An office is held by one person at a time: a later holder ends the earlier one's term.
    Past its evidence a holder is presumed in office up to `presumed_until` (a fixed
    term's end, else 12 months: `core.evidence.office_horizon`), and `unconfirmed` after:
    by default such positions are left out of the rows and named in `left_out`, unless
    nobody is held in office at all, when the rows are the last known holders
    (`last_known`). `country` keeps
    positions held for that country; `all_positions` lists every position, past ones
    included, regardless of the date.
    """
    day = as_of or today()
    label = None
    where: ColumnElement[bool] = t.positions.c.id.is_not(None)
    if country is not None:
        ref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        where = t.positions.c.country_id == ref.id
        label = ref.label
    # Offices serve one country each, so the chains of a country's offices are its own.
    spans = position_spans(session, where)
    spans_shown = sorted(spans, key=_career_order)
    chosen = tuple(sorted({Currency(c) for c in currencies or HELD}, key=list(Currency).index))
    rows: list[Row] = []
    left_out: list[Row] = []
    if all_positions:
        rows = [position_row(s, day) for s in spans_shown]
        if currencies:
            rows = [r for r in rows if r["currency"] in chosen]
        return OfficialsResult(
            label, None, rows, chosen if currencies else (), [], horizon_text(spans)
        )
    # One holder per office: the claimants decide (query.offices), the others dispute.
    for span, disputed in office_answers(spans_shown, day):
        row = {**position_row(span, day), "disputed": disputed}
        (rows if row["currency"] in chosen else left_out).append(row)
    if not rows and left_out:
        return OfficialsResult(label, day, left_out, chosen, [], horizon_text(spans), True)
    return OfficialsResult(label, day, rows, chosen, left_out, horizon_text(spans))


def sources(session: Reader, kind: str | None = None) -> SourcesResult:
    """Every source, newest publication first (unknown dates last)."""
    stmt = select(
        t.sources.c.key,
        t.sources.c.title,
        t.sources.c.publisher,
        t.sources.c.author,
        t.sources.c.url,
        t.sources.c.published,
        t.sources.c.retrieved,
        t.sources.c.kind,
    ).order_by(t.sources.c.published_lower.desc().nulls_last(), t.sources.c.key)
    if kind is not None:
        stmt = stmt.where(t.sources.c.kind == kind)

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            for r in batch:
                yield {
                    "key": r.key,
                    "title": r.title,
                    "publisher": r.publisher,
                    "author": r.author,
                    "url": r.url,
                    "published": text_or_none(r.published),
                    "retrieved": text_or_none(r.retrieved),
                    "kind": r.kind,
                }

    return SourcesResult(kind, rows())
