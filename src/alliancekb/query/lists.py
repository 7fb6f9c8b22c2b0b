"""The simple lists: countries, alliances, pillars, technology areas, officials, sources."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alliancekb.core.formats import Row
from alliancekb.core.vocab import Status
from alliancekb.query.common import (
    aliases_of,
    batches,
    grouped,
    position_sources,
    scope_ids,
    scope_infos,
    text_or_none,
    valid_on,
)
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

RowIterator = Iterator[Row] | list[Row]

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


@dataclass
class CountriesResult:
    """Every country; rows: iso3, iso2, name, aliases."""

    rows: RowIterator = field(repr=False)


@dataclass
class AlliancesResult:
    """Every alliance; rows: key, name, full_name, kind, founded, pillars, members, aliases.

    `members` counts the countries in force today.
    """

    rows: RowIterator = field(repr=False)


@dataclass
class PillarsResult:
    """Every pillar, or one alliance's (`alliance`: its name).

    Rows: scope, name, alliance, alliance_key, number, technology_areas, members, aliases;
    `members` counts the countries in force today, the alliance's members included.
    """

    alliance: str | None
    rows: RowIterator = field(repr=False)


@dataclass
class TechAreasResult:
    """Technology areas, or those of one scope (`scope`: its label).

    Rows: key, name, description, pillars, aliases.
    """

    scope: str | None
    rows: RowIterator = field(repr=False)


@dataclass
class OfficialsResult:
    """Officials' positions: of one country (`country`: its name) and in office on `as_of`.

    `as_of` is None when every position is listed. Rows: official, name, title, for,
    country, from, to, sources.
    """

    country: str | None
    as_of: dt.date | None
    rows: RowIterator = field(repr=False)


@dataclass
class SourcesResult:
    """Sources, of one kind or all; rows: key, title, publisher, author, url, published,
    retrieved, kind."""

    kind: str | None
    rows: RowIterator = field(repr=False)


def countries(session: Session) -> CountriesResult:
    """Every country: ISO codes, name, aliases; ordered by name."""
    stmt = select(m.Country.id, m.Country.iso3, m.Country.iso2, m.Country.name).order_by(
        m.Country.name
    )

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            aliases = aliases_of(
                session, m.CountryAlias, m.CountryAlias.country_id, [r.id for r in batch]
            )
            for r in batch:
                yield {
                    "iso3": r.iso3,
                    "iso2": r.iso2,
                    "name": r.name,
                    "aliases": aliases.get(r.id, []),
                }

    return CountriesResult(rows())


def alliances(session: Session) -> AlliancesResult:
    """Every alliance with its kind, founding date, pillar count and in-force member count."""
    pillar_count = (
        select(func.count()).where(m.Pillar.alliance_id == m.Alliance.id).scalar_subquery()
    )
    in_force = (
        select(func.count(func.distinct(m.Membership.country_id)))
        .where(m.Membership.scope_id == m.Alliance.scope_id, m.Membership.status == Status.IN_FORCE)
        .scalar_subquery()
    )
    stmt = select(
        m.Alliance.id,
        m.Alliance.key,
        m.Alliance.name,
        m.Alliance.full_name,
        m.Alliance.kind,
        m.Alliance.founded,
        pillar_count.label("pillars"),
        in_force.label("members"),
    ).order_by(m.Alliance.name)

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            aliases = aliases_of(
                session, m.AllianceAlias, m.AllianceAlias.alliance_id, [r.id for r in batch]
            )
            for r in batch:
                yield {
                    "key": r.key,
                    "name": r.name,
                    "full_name": r.full_name,
                    "kind": r.kind,
                    "founded": text_or_none(r.founded),
                    "pillars": r.pillars,
                    "members": r.members,
                    "aliases": aliases.get(r.id, []),
                }

    return AlliancesResult(rows())


def pillars(session: Session, alliance: str | None = None) -> PillarsResult:
    """Every pillar (or one alliance's): its technology areas and in-force member count."""
    stmt = (
        select(
            m.Pillar.id,
            m.Pillar.number,
            m.Pillar.name,
            m.Pillar.scope_id,
            m.Alliance.name.label("alliance"),
            m.Alliance.key.label("alliance_key"),
            m.Alliance.scope_id.label("alliance_scope_id"),
        )
        .join(m.Alliance, m.Alliance.id == m.Pillar.alliance_id)
        .order_by(m.Alliance.name, m.Pillar.number)
    )
    label = None
    if alliance is not None:
        ref = load_index(session, {Kind.ALLIANCE}).resolve(alliance, {Kind.ALLIANCE})
        stmt = stmt.where(m.Pillar.alliance_id == ref.id)
        label = ref.label
    link = m.pillar_technology_areas

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            ids = [r.id for r in batch]
            areas = grouped(
                session,
                select(link.c.pillar_id, m.TechnologyArea.key)
                .join(m.TechnologyArea, m.TechnologyArea.id == link.c.technology_area_id)
                .where(link.c.pillar_id.in_(ids))
                .order_by(m.TechnologyArea.key),
            )
            aliases = aliases_of(session, m.PillarAlias, m.PillarAlias.pillar_id, ids)
            counts = _in_force_counts(session, [(r.scope_id, r.alliance_scope_id) for r in batch])
            for r in batch:
                yield {
                    "scope": f"{r.alliance} Pillar {r.number}",
                    "name": r.name,
                    "alliance": r.alliance,
                    "alliance_key": r.alliance_key,
                    "number": r.number,
                    "technology_areas": areas.get(r.id, []),
                    "members": counts.get(r.scope_id, 0),
                    "aliases": aliases.get(r.id, []),
                }

    return PillarsResult(label, rows())


def _in_force_counts(session: Session, pairs: Sequence[tuple[int, int]]) -> dict[int, int]:
    """For (pillar scope, alliance scope) pairs: distinct in-force countries of either."""
    wanted = {s for pair in pairs for s in pair}
    countries_of: dict[int, set[int]] = defaultdict(set)
    for scope_id, country_id in session.execute(
        select(m.Membership.scope_id, m.Membership.country_id).where(
            m.Membership.scope_id.in_(wanted), m.Membership.status == Status.IN_FORCE
        )
    ):
        countries_of[scope_id].add(country_id)
    return {p: len(countries_of[p] | countries_of[a]) for p, a in pairs}


def tech_areas(session: Session, scope: str | None = None) -> TechAreasResult:
    """Every technology area with the pillars that cover it; `scope` keeps an alliance's
    (any of its pillars) or one pillar's areas."""
    infos = scope_infos(session)
    link = m.pillar_technology_areas
    stmt = select(
        m.TechnologyArea.id,
        m.TechnologyArea.key,
        m.TechnologyArea.name,
        m.TechnologyArea.description,
    ).order_by(m.TechnologyArea.name)
    label = None
    if scope is not None:
        ref = load_index(session, SCOPE_KINDS).resolve(scope, SCOPE_KINDS)
        covered = (
            select(link.c.technology_area_id)
            .join(m.Pillar, m.Pillar.id == link.c.pillar_id)
            .where(m.Pillar.scope_id.in_(scope_ids(session, ref, with_pillars=True)))
        )
        stmt = stmt.where(m.TechnologyArea.id.in_(covered))
        label = ref.label

    def rows() -> Iterator[Row]:
        for batch in batches(session, stmt):
            ids = [r.id for r in batch]
            covering = grouped(
                session,
                select(link.c.technology_area_id, m.Pillar.scope_id)
                .join(m.Pillar, m.Pillar.id == link.c.pillar_id)
                .where(link.c.technology_area_id.in_(ids)),
            )
            aliases = aliases_of(
                session, m.TechnologyAreaAlias, m.TechnologyAreaAlias.technology_area_id, ids
            )
            for r in batch:
                yield {
                    "key": r.key,
                    "name": r.name,
                    "description": r.description,
                    "pillars": sorted(infos[s].label for s in covering.get(r.id, [])),
                    "aliases": aliases.get(r.id, []),
                }

    return TechAreasResult(label, rows())


def position_stmt() -> Any:
    """Positions with their official, country and alliance (unfiltered, unordered)."""
    return (
        select(
            m.Position.id,
            m.Official.key,
            m.Official.name,
            m.Position.title,
            m.Position.organisation,
            m.Position.from_text,
            m.Position.to_text,
            m.Country.iso3,
            m.Country.name.label("country_name"),
            m.Alliance.name.label("alliance_name"),
        )
        .join(m.Official, m.Official.id == m.Position.official_id)
        .outerjoin(m.Country, m.Country.id == m.Position.country_id)
        .outerjoin(m.Alliance, m.Alliance.id == m.Position.alliance_id)
    )


def position_rows(session: Session, stmt: Any) -> Iterator[Row]:
    """Rows of a `position_stmt`, with their sources fetched per batch."""
    for batch in batches(session, stmt):
        sources = position_sources(session, [r.id for r in batch])
        for r in batch:
            yield {
                "official": r.key,
                "name": r.name,
                "title": r.title,
                "for": r.country_name or r.alliance_name or r.organisation,
                "country": r.iso3,
                "from": text_or_none(r.from_text),
                "to": text_or_none(r.to_text),
                "sources": sources.get(r.id, []),
            }


def officials(
    session: Session,
    country: str | None = None,
    as_of: dt.date | None = None,
    *,
    all_positions: bool = False,
) -> OfficialsResult:
    """Officials and the positions they hold as of a date (default today), one row each.

    `country` keeps positions held for that country. `all_positions` lists every position,
    past ones included, regardless of the date.
    """
    day = as_of or dt.date.today()
    stmt = position_stmt().order_by(m.Official.name, m.Position.from_lower, m.Position.id)
    label = None
    if country is not None:
        ref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        stmt = stmt.where(m.Position.country_id == ref.id)
        label = ref.label
    if not all_positions:
        stmt = stmt.where(valid_on(m.Position.from_lower, m.Position.to_lower, day))
    return OfficialsResult(label, None if all_positions else day, position_rows(session, stmt))


def sources(session: Session, kind: str | None = None) -> SourcesResult:
    """Every source, newest publication first (unknown dates last)."""
    stmt = select(
        m.Source.key,
        m.Source.title,
        m.Source.publisher,
        m.Source.author,
        m.Source.url,
        m.Source.published,
        m.Source.retrieved,
        m.Source.kind,
    ).order_by(m.Source.published_lower.desc().nulls_last(), m.Source.key)
    if kind is not None:
        stmt = stmt.where(m.Source.kind == kind)

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
