"""The read side: what the analyst's commands (and export) ask of the knowledge base.

Every list function takes an open session (use `db.read_session` for one consistent
snapshot) and returns an `output.Table` whose rows are a lazy iterator: the rows are read
from the database in batches while they are written out, so the session must stay open
until the table is consumed. Link tables (sources, countries, scopes, areas, aliases) are
fetched once per batch of rows, never once per row.

Names (scopes, countries, speakers, areas) are resolved through `resolve.load_index`; a
name that fits nothing or several entities raises NameResolutionError (exit 4).

**Validity "as of" a date.** A membership or a position holds on day D when

    (from is unknown  or  from_lower <= D)  and  (to is unknown  or  D <= to_lower)

that is: every EDTF date counts from its first day (`2024-04~` from 2024-04-01, `2023`
from 2023-01-01), an end date is inclusive, an unknown start means "since before our
records" and an unknown end means "still valid". The `--as-of` date itself is read the
same way (`--as-of 2024-04` is 2024-04-01). Status is the relation's current lifecycle
status, shown as it is; with an as-of date `declined` rows are hidden and `ended` rows are
shown only when their end date is known (so that the dates can place them); without one,
`ended` and `declined` rows are hidden. An explicit status filter replaces these defaults.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from alliancekb.core.dates import parse_as_of, parse_edtf
from alliancekb.core.errors import UsageError
from alliancekb.core.formats import Row
from alliancekb.core.vocab import CLOSED_STATUSES, Role, Status
from alliancekb.present.output import Column, Table
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, SPEAKER_KINDS, Kind, NameIndex, Ref, load_index
from alliancekb.store.search import matches, walk_dates

#: The kinds a statement filter can name (everything but sources).
_FILTER_KINDS = frozenset(Kind) - {Kind.SOURCE}

#: Rows fetched from the database per round trip (and per link-table query).
BATCH = 500
#: Recent statements on a `show` card.
CARD_STATEMENTS = 10

# -- shared helpers -------------------------------------------------------------------------


def parse_date_option(text: str, option: str, *, upper: bool = False) -> dt.date:
    """An EDTF date from the command line: its first day, or with `upper` its last day."""
    from alliancekb.core.dates import EdtfError

    try:
        if upper and text.strip().lower() != "today":
            return parse_edtf(text).upper
        return parse_as_of(text)
    except EdtfError as exc:
        raise UsageError(f"{option}: {exc}") from None


def valid_on(lower_from: Any, lower_to: Any, day: dt.date) -> ColumnElement[bool]:
    """The as-of rule (module docstring) on a pair of `*_lower` bound columns."""
    return and_(
        or_(lower_from.is_(None), lower_from <= day),
        or_(lower_to.is_(None), lower_to >= day),
    )


def _batches(session: Session, stmt: Any) -> Iterator[Sequence[Any]]:
    """The statement's result rows, BATCH at a time (server-side cursor on PostgreSQL)."""
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions()


def _grouped(session: Session, stmt: Any) -> dict[Any, list[Any]]:
    """(owner, value) rows grouped by owner, in the statement's order."""
    out: dict[Any, list[Any]] = defaultdict(list)
    for owner, value in session.execute(stmt):
        out[owner].append(value)
    return out


def _aliases(
    session: Session, model: Any, owner_column: Any, ids: Sequence[int]
) -> dict[Any, list[Any]]:
    return _grouped(
        session,
        select(owner_column, model.alias).where(owner_column.in_(ids)).order_by(model.alias),
    )


@dataclass(frozen=True)
class ScopeInfo:
    """What a scope row is: its label, kind, and for a pillar its alliance's scope."""

    label: str
    kind: Kind
    alliance_name: str
    alliance_scope_id: int


def scope_infos(session: Session) -> dict[int, ScopeInfo]:
    """Every scope's label (`AUKUS`, `AUKUS Pillar 2`): one query; scopes are few."""
    infos: dict[int, ScopeInfo] = {}
    alliances: dict[int, tuple[str, int]] = {}
    for aid, name, scope_id in session.execute(
        select(m.Alliance.id, m.Alliance.name, m.Alliance.scope_id)
    ):
        alliances[aid] = (name, scope_id)
        infos[scope_id] = ScopeInfo(name, Kind.ALLIANCE, name, scope_id)
    for aid, number, scope_id in session.execute(
        select(m.Pillar.alliance_id, m.Pillar.number, m.Pillar.scope_id)
    ):
        name, alliance_scope = alliances[aid]
        infos[scope_id] = ScopeInfo(f"{name} Pillar {number}", Kind.PILLAR, name, alliance_scope)
    return infos


def _scope_ids(session: Session, ref: Ref, *, with_pillars: bool) -> list[int]:
    """The scope of an alliance or pillar; an alliance's pillars' scopes too if asked."""
    assert ref.scope_id is not None
    ids = [ref.scope_id]
    if ref.kind is Kind.ALLIANCE and with_pillars:
        ids += session.scalars(select(m.Pillar.scope_id).where(m.Pillar.alliance_id == ref.id))
    return ids


def _text(value: str | None) -> str | None:
    """Stored '' (unknown date) as None, so JSON says null and tables show nothing."""
    return value or None


def _status_rank() -> Any:
    return case({s.value: i for i, s in enumerate(Status)}, value=m.Membership.status, else_=99)


def _role_rank() -> Any:
    return case({r.value: i for i, r in enumerate(Role)}, value=m.Membership.role, else_=99)


def _not_in_force_dim(row: Row) -> str | None:
    status = row.get("status")
    if status in (Status.ENDED, Status.DECLINED):
        return "dim strike"
    return None if status in (Status.IN_FORCE, None) else "dim"


# -- members ------------------------------------------------------------------------------

MEMBER_COLUMNS = [
    Column("country", style="bold", min_width=8),
    Column("iso3", min_width=4),
    Column("scope", table=False),
    Column("role", min_width=7),
    Column("status", min_width=8),
    Column("from", min_width=10),
    Column("to", min_width=8),
    Column("via"),
    Column("sources"),
    Column("note", table=False),
]


def status_filter(
    statuses: Sequence[Status] | None, as_of: dt.date | None
) -> tuple[ColumnElement[bool], str]:
    """The WHERE clause on membership status, and a sentence saying what it hides."""
    if statuses:
        chosen = sorted({Status(s) for s in statuses}, key=list(Status).index)
        return m.Membership.status.in_(chosen), "status: " + ", ".join(chosen)
    if as_of is not None:
        clause = and_(
            m.Membership.status != Status.DECLINED,
            or_(m.Membership.status != Status.ENDED, m.Membership.to_lower.is_not(None)),
        )
        return clause, "declined hidden; ended shown only with a known end date"
    closed = sorted(CLOSED_STATUSES, key=list(Status).index)
    return (
        m.Membership.status.not_in(closed),
        f"every status except {' and '.join(closed)} (use --status to choose)",
    )


def members(
    session: Session,
    scope: str,
    as_of: dt.date | None = None,
    statuses: Sequence[Status] | None = None,
    roles: Sequence[Role] | None = None,
    *,
    index: NameIndex | None = None,
) -> Table:
    """Who is in an alliance or pillar: role, status, dates, `via`, sources per row.

    A pillar's rows include its alliance's memberships (`via` = the alliance's name:
    members of an alliance take part in all its pillars) besides its own (`via` empty).
    Rows are ordered by status (in-force first), role, country. See the module docstring
    for `as_of` and the default status filter.
    """
    index = index if index is not None else load_index(session, SCOPE_KINDS)
    ref = index.resolve(scope, SCOPE_KINDS)
    infos = scope_infos(session)
    assert ref.scope_id is not None
    own = infos[ref.scope_id]
    scope_ids = [ref.scope_id]
    if ref.kind is Kind.PILLAR:
        scope_ids.append(own.alliance_scope_id)
    clause, hidden = status_filter(statuses, as_of)
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
        .where(m.Membership.scope_id.in_(scope_ids), clause)
        .order_by(_status_rank(), _role_rank(), m.Country.name, m.Membership.from_lower)
    )
    if roles:
        stmt = stmt.where(m.Membership.role.in_(sorted({Role(r) for r in roles})))
    if as_of is not None:
        stmt = stmt.where(valid_on(m.Membership.from_lower, m.Membership.to_lower, as_of))

    def rows() -> Iterator[Row]:
        for batch in _batches(session, stmt):
            sources = membership_sources(session, [r.id for r in batch])
            for r in batch:
                info = infos[r.scope_id]
                yield {
                    "country": r.name,
                    "iso3": r.iso3,
                    "scope": info.label,
                    "role": r.role,
                    "status": r.status,
                    "from": _text(r.from_text),
                    "to": _text(r.to_text),
                    "via": info.label if r.scope_id != ref.scope_id else None,
                    "sources": sources.get(r.id, []),
                    "note": r.note,
                }

    when = f"as of {as_of.isoformat()}" if as_of else "all dates"
    return Table(
        MEMBER_COLUMNS,
        rows(),
        title=f"Members of {own.label} ({when})",
        caption=f"Shown: {hidden}. `via`: inherited from the alliance.",
        row_style=_not_in_force_dim,
    )


def membership_sources(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """Source keys per membership, for a batch of memberships, in one query."""
    link = m.membership_sources
    return _grouped(
        session,
        select(link.c.membership_id, m.Source.key)
        .join(m.Source, m.Source.id == link.c.source_id)
        .where(link.c.membership_id.in_(ids))
        .order_by(m.Source.key),
    )


def position_sources(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    """Source keys per position, for a batch of positions, in one query."""
    link = m.position_sources
    return _grouped(
        session,
        select(link.c.position_id, m.Source.key)
        .join(m.Source, m.Source.id == link.c.source_id)
        .where(link.c.position_id.in_(ids))
        .order_by(m.Source.key),
    )


# -- simple lists ---------------------------------------------------------------------------


def countries(session: Session) -> Table:
    """Every country: ISO codes, name, aliases; ordered by name."""
    stmt = select(m.Country.id, m.Country.iso3, m.Country.iso2, m.Country.name).order_by(
        m.Country.name
    )

    def rows() -> Iterator[Row]:
        for batch in _batches(session, stmt):
            aliases = _aliases(
                session, m.CountryAlias, m.CountryAlias.country_id, [r.id for r in batch]
            )
            for r in batch:
                yield {
                    "iso3": r.iso3,
                    "iso2": r.iso2,
                    "name": r.name,
                    "aliases": aliases.get(r.id, []),
                }

    columns = [
        Column("iso3"),
        Column("iso2"),
        Column("name", style="bold"),
        Column("aliases"),
    ]
    return Table(columns, rows(), title="Countries")


def _in_force_count(scope_ids: Any) -> Any:
    return (
        select(func.count(func.distinct(m.Membership.country_id)))
        .where(m.Membership.scope_id.in_(scope_ids), m.Membership.status == Status.IN_FORCE)
        .scalar_subquery()
    )


def alliances(session: Session) -> Table:
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
        for batch in _batches(session, stmt):
            aliases = _aliases(
                session, m.AllianceAlias, m.AllianceAlias.alliance_id, [r.id for r in batch]
            )
            for r in batch:
                yield {
                    "key": r.key,
                    "name": r.name,
                    "full_name": r.full_name,
                    "kind": r.kind,
                    "founded": _text(r.founded),
                    "pillars": r.pillars,
                    "members": r.members,
                    "aliases": aliases.get(r.id, []),
                }

    columns = [
        Column("key"),
        Column("name", style="bold"),
        Column("full_name"),
        Column("kind"),
        Column("founded", min_width=10),
        Column("pillars"),
        Column("members", "members in force"),
        Column("aliases"),
    ]
    return Table(columns, rows(), title="Alliances", caption="members: countries in force today")


def pillars(session: Session, alliance: str | None = None) -> Table:
    """Every pillar (or one alliance's): its technology areas and in-force member count.

    The member count includes the alliance's in-force members, who take part in every pillar.
    """
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
    if alliance is not None:
        ref = load_index(session, {Kind.ALLIANCE}).resolve(alliance, {Kind.ALLIANCE})
        stmt = stmt.where(m.Pillar.alliance_id == ref.id)
    link = m.pillar_technology_areas

    def rows() -> Iterator[Row]:
        for batch in _batches(session, stmt):
            ids = [r.id for r in batch]
            areas = _grouped(
                session,
                select(link.c.pillar_id, m.TechnologyArea.key)
                .join(m.TechnologyArea, m.TechnologyArea.id == link.c.technology_area_id)
                .where(link.c.pillar_id.in_(ids))
                .order_by(m.TechnologyArea.key),
            )
            aliases = _aliases(session, m.PillarAlias, m.PillarAlias.pillar_id, ids)
            counts = _in_force_counts(session, [(r.scope_id, r.alliance_scope_id) for r in batch])
            for r in batch:
                yield {
                    "alliance": r.alliance,
                    "alliance_key": r.alliance_key,
                    "number": r.number,
                    "name": r.name,
                    "scope": f"{r.alliance} Pillar {r.number}",
                    "technology_areas": areas.get(r.id, []),
                    "members": counts.get(r.scope_id, 0),
                    "aliases": aliases.get(r.id, []),
                }

    columns = [
        Column("scope", style="bold"),
        Column("name"),
        Column("alliance", table=False),
        Column("alliance_key", table=False),
        Column("number", table=False),
        Column("technology_areas"),
        Column("members", "members in force"),
        Column("aliases"),
    ]
    return Table(
        columns,
        rows(),
        title="Pillars",
        caption="members: countries in force today, the alliance's members included",
    )


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


def tech_areas(session: Session, scope: str | None = None) -> Table:
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
    title = "Technology areas"
    if scope is not None:
        ref = load_index(session, SCOPE_KINDS).resolve(scope, SCOPE_KINDS)
        scope_ids = _scope_ids(session, ref, with_pillars=True)
        covered = (
            select(link.c.technology_area_id)
            .join(m.Pillar, m.Pillar.id == link.c.pillar_id)
            .where(m.Pillar.scope_id.in_(scope_ids))
        )
        stmt = stmt.where(m.TechnologyArea.id.in_(covered))
        title += f" of {ref.label}"

    def rows() -> Iterator[Row]:
        for batch in _batches(session, stmt):
            ids = [r.id for r in batch]
            covering = _grouped(
                session,
                select(link.c.technology_area_id, m.Pillar.scope_id)
                .join(m.Pillar, m.Pillar.id == link.c.pillar_id)
                .where(link.c.technology_area_id.in_(ids)),
            )
            aliases = _aliases(
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

    columns = [
        Column("key"),
        Column("name", style="bold"),
        Column("description", table=False),
        Column("pillars"),
        Column("aliases"),
    ]
    return Table(columns, rows(), title=title)


POSITION_COLUMNS = [
    Column("official", table=False),
    Column("name", style="bold"),
    Column("title"),
    Column("for", "for"),
    Column("country", table=False),
    Column("from", min_width=10),
    Column("to", min_width=8),
    Column("sources"),
]


def _position_stmt() -> Any:
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


def _position_rows(session: Session, stmt: Any) -> Iterator[Row]:
    for batch in _batches(session, stmt):
        sources = position_sources(session, [r.id for r in batch])
        for r in batch:
            yield {
                "official": r.key,
                "name": r.name,
                "title": r.title,
                "for": r.country_name or r.alliance_name or r.organisation,
                "country": r.iso3,
                "from": _text(r.from_text),
                "to": _text(r.to_text),
                "sources": sources.get(r.id, []),
            }


def officials(
    session: Session,
    country: str | None = None,
    as_of: dt.date | None = None,
    *,
    all_positions: bool = False,
) -> Table:
    """Officials and the positions they hold as of a date (default today), one row each.

    `country` keeps positions held for that country. `all_positions` lists every position,
    past ones included, regardless of the date. The as-of rule is the module docstring's.
    """
    day = as_of or dt.date.today()
    stmt = _position_stmt().order_by(m.Official.name, m.Position.from_lower, m.Position.id)
    title = "Officials"
    if country is not None:
        ref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        stmt = stmt.where(m.Position.country_id == ref.id)
        title += f" of {ref.label}"
    if not all_positions:
        stmt = stmt.where(valid_on(m.Position.from_lower, m.Position.to_lower, day))
        title += f" in office on {day.isoformat()}"
    return Table(POSITION_COLUMNS, _position_rows(session, stmt), title=title)


def sources(session: Session, kind: str | None = None) -> Table:
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
        for batch in _batches(session, stmt):
            for r in batch:
                yield {
                    "key": r.key,
                    "title": r.title,
                    "publisher": r.publisher,
                    "author": r.author,
                    "url": r.url,
                    "published": _text(r.published),
                    "retrieved": _text(r.retrieved),
                    "kind": r.kind,
                }

    columns = [
        Column("key"),
        Column("title", style="bold"),
        Column("publisher"),
        Column("author", table=False),
        Column("url", table=False),
        Column("published", min_width=10),
        Column("retrieved", table=False),
        Column("kind"),
    ]
    return Table(columns, rows(), title="Sources")


# -- statements -----------------------------------------------------------------------------

STATEMENT_COLUMNS = [
    Column("id", table=False),
    Column("date", min_width=10),
    Column("speaker", table=False),
    Column("speaker_label", table=False),
    Column("who", style="bold", min_width=12, data=False),
    Column("stance", min_width=7),
    Column("text", min_width=20),
    Column("quote", table=False),
    Column("countries", table=False),
    Column("scopes", table=False),
    Column("technology_areas", table=False),
    Column("about", min_width=8, data=False),
    Column("source", table=False),
]


@dataclass
class StatementFilter:
    """Conditions on statements, built from resolved entities (all must hold)."""

    clauses: list[ColumnElement[bool]] = field(default_factory=list)
    described: list[str] = field(default_factory=list)


def speaker_clause(ref: Ref) -> ColumnElement[bool]:
    """Statements spoken by an official, a country or an alliance."""
    column = {
        Kind.OFFICIAL: m.Statement.speaker_official_id,
        Kind.COUNTRY: m.Statement.speaker_country_id,
        Kind.ALLIANCE: m.Statement.speaker_alliance_id,
    }[ref.kind]
    return column == ref.id


def about_country_clause(country_id: int) -> ColumnElement[bool]:
    """Statements about a country."""
    link = m.statement_countries
    return m.Statement.id.in_(select(link.c.statement_id).where(link.c.country_id == country_id))


def about_scopes_clause(scope_ids: Sequence[int]) -> ColumnElement[bool]:
    """Statements about any of these scopes."""
    link = m.statement_scopes
    return m.Statement.id.in_(select(link.c.statement_id).where(link.c.scope_id.in_(scope_ids)))


def about_area_clause(area_id: int) -> ColumnElement[bool]:
    """Statements about a technology area."""
    link = m.statement_technology_areas
    return m.Statement.id.in_(
        select(link.c.statement_id).where(link.c.technology_area_id == area_id)
    )


def statements(
    session: Session,
    *,
    speaker: str | None = None,
    country: str | None = None,
    scope: str | None = None,
    tech_area: str | None = None,
    since: str | None = None,
    until: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> Table:
    """Statements, newest first (date, then id), filtered by every option given.

    `speaker`: an official, a country or an alliance speaking. `country`, `scope`,
    `tech_area`: what the statement is about; an alliance as `scope` includes statements
    about its pillars. `since`/`until`: EDTF dates; a statement is kept when its date's
    first day is on or after `since`'s first day and on or before `until`'s last day
    (`--until 2024` keeps all of 2024). `search`: every word must occur in the text (see
    `alliancekb.store.search`). `limit`: at most that many rows (None or 0: all).
    """
    index = (
        load_index(session, _FILTER_KINDS) if (speaker or country or scope or tech_area) else None
    )
    filt = StatementFilter()
    if speaker is not None:
        assert index is not None
        ref = index.resolve(speaker, SPEAKER_KINDS)
        filt.clauses.append(speaker_clause(ref))
        filt.described.append(f"by {ref.label}")
    if country is not None:
        assert index is not None
        ref = index.resolve(country, {Kind.COUNTRY})
        filt.clauses.append(about_country_clause(ref.id))
        filt.described.append(f"about {ref.label}")
    if scope is not None:
        assert index is not None
        ref = index.resolve(scope, SCOPE_KINDS)
        filt.clauses.append(about_scopes_clause(_scope_ids(session, ref, with_pillars=True)))
        filt.described.append(f"about {ref.label}")
    if tech_area is not None:
        assert index is not None
        ref = index.resolve(tech_area, {Kind.TECHNOLOGY_AREA})
        filt.clauses.append(about_area_clause(ref.id))
        filt.described.append(f"about {ref.label}")
    if since is not None:
        filt.clauses.append(m.Statement.date_lower >= parse_date_option(since, "--since"))
        filt.described.append(f"since {since}")
    if until is not None:
        day = parse_date_option(until, "--until", upper=True)
        filt.clauses.append(m.Statement.date_lower <= day)
        filt.described.append(f"until {until}")
    if search is not None:
        dialect = session.get_bind().dialect.name
        rowid: Any = literal_column("statements.rowid")
        drive = not walk_dates(session.connection(), search, limit)
        filt.clauses.append(matches(dialect, m.Statement.text, rowid, search, drive=drive))
        filt.described.append(f"containing {search!r}")
    title = "Statements" + (" " + ", ".join(filt.described) if filt.described else "")
    caption = "newest first" + (f"; at most {limit} (--limit)" if limit else "")
    return Table(
        STATEMENT_COLUMNS,
        statement_rows(session, filt.clauses, limit=limit),
        title=title,
        caption=caption,
    )


def statement_rows(
    session: Session,
    clauses: Sequence[ColumnElement[bool]],
    *,
    limit: int | None = None,
    newest_first: bool = True,
) -> Iterator[Row]:
    """Statement rows matching all clauses, with their about-lists fetched per batch."""
    speaker = func.coalesce(m.Official.name, m.Country.name, m.Alliance.name)
    order = (
        (m.Statement.date_lower.desc(), m.Statement.id)
        if newest_first
        else (m.Statement.date_lower, m.Statement.id)
    )
    stmt = (
        select(
            m.Statement.id,
            m.Statement.date_text,
            m.Statement.date_lower,
            speaker.label("speaker"),
            m.Statement.speaker_label,
            m.Statement.text,
            m.Statement.quote,
            m.Statement.stance,
            m.Source.key.label("source"),
        )
        .outerjoin(m.Official, m.Official.id == m.Statement.speaker_official_id)
        .outerjoin(m.Country, m.Country.id == m.Statement.speaker_country_id)
        .outerjoin(m.Alliance, m.Alliance.id == m.Statement.speaker_alliance_id)
        .join(m.Source, m.Source.id == m.Statement.source_id)
        .where(*clauses)
        .order_by(*order)
    )
    if limit:
        stmt = stmt.limit(limit)
    infos: dict[int, ScopeInfo] | None = None
    for batch in _batches(session, stmt):
        if infos is None:
            infos = scope_infos(session)
        about = statement_links(session, [r.id for r in batch], infos)
        for r in batch:
            links = about.get(r.id, {})
            yield {
                "id": r.id,
                "date": r.date_text,
                "date_lower": r.date_lower,
                "speaker": r.speaker,
                "speaker_label": r.speaker_label,
                "text": r.text,
                "quote": r.quote,
                "stance": r.stance,
                "countries": links.get("countries", []),
                "scopes": links.get("scopes", []),
                "technology_areas": links.get("technology_areas", []),
                "source": r.source,
                # For people (table only): who spoke, in what capacity; what it is about.
                "who": r.speaker + (f" ({r.speaker_label})" if r.speaker_label else ""),
                "about": [
                    *links.get("countries", []),
                    *links.get("scopes", []),
                    *links.get("technology_areas", []),
                ],
            }


def statement_links(
    session: Session, ids: Sequence[str], infos: Mapping[int, ScopeInfo]
) -> dict[str, dict[str, list[str]]]:
    """What each statement of a batch is about: iso3 codes, scope labels, area keys."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sc, ss, st = m.statement_countries, m.statement_scopes, m.statement_technology_areas
    for sid, iso3 in session.execute(
        select(sc.c.statement_id, m.Country.iso3)
        .join(m.Country, m.Country.id == sc.c.country_id)
        .where(sc.c.statement_id.in_(ids))
        .order_by(m.Country.iso3)
    ):
        out[sid]["countries"].append(iso3)
    scope_rows = session.execute(
        select(ss.c.statement_id, ss.c.scope_id).where(ss.c.statement_id.in_(ids))
    ).all()
    for sid, scope_id in sorted(scope_rows, key=lambda r: infos[r[1]].label):
        out[sid]["scopes"].append(infos[scope_id].label)
    for sid, key in session.execute(
        select(st.c.statement_id, m.TechnologyArea.key)
        .join(m.TechnologyArea, m.TechnologyArea.id == st.c.technology_area_id)
        .where(st.c.statement_id.in_(ids))
        .order_by(m.TechnologyArea.key)
    ):
        out[sid]["technology_areas"].append(key)
    return out


# -- show: one entity's card ---------------------------------------------------------------


@dataclass
class Card:
    """One entity's card: what it is, its facts (label, value) and its sections (tables).

    The sections' rows are materialised lists: a card is small by construction (recent
    statements are capped at CARD_STATEMENTS).
    """

    kind: str
    name: str
    fields: list[tuple[str, Any]]
    sections: list[tuple[str, Table]]

    def as_json(self) -> dict[str, Any]:
        """The card as one JSON-ready object: kind, name, fields, and rows per section."""
        from alliancekb.core.formats import json_value

        return {
            "kind": self.kind,
            "name": self.name,
            "fields": {k: json_value(v) for k, v in self.fields},
            "sections": {
                key: [{c.key: json_value(r.get(c.key)) for c in t.columns} for r in t.rows]
                for key, t in self.sections
            },
        }


def _materialised(table: Table) -> Table:
    table.rows = list(table.rows)
    return table


def _statement_section(
    session: Session, clause: ColumnElement[bool], what: str
) -> tuple[str, Table]:
    rows = list(statement_rows(session, [clause], limit=CARD_STATEMENTS))
    table = Table(
        STATEMENT_COLUMNS,
        rows,
        title=f"Recent statements {what}",
        caption=f"the newest {CARD_STATEMENTS} at most; `statements` lists them all",
    )
    return "statements", table


def _sources_section(
    session: Session, sections: Sequence[tuple[str, Table]], extra: Iterable[str] = ()
) -> tuple[str, Table]:
    """Every source the card's rows cite, with its title: one query."""
    keys = set(extra)
    for _, table in sections:
        for row in table.rows:
            keys.update(row.get("sources") or [])
            if row.get("source"):
                keys.add(row["source"])
    rows: list[Row] = []
    if keys:
        for r in session.execute(
            select(m.Source.key, m.Source.title, m.Source.publisher, m.Source.published)
            .where(m.Source.key.in_(sorted(keys)))
            .order_by(m.Source.key)
        ):
            rows.append(
                {
                    "key": r.key,
                    "title": r.title,
                    "publisher": r.publisher,
                    "published": _text(r.published),
                }
            )
    columns = [
        Column("key"),
        Column("title"),
        Column("publisher"),
        Column("published", min_width=10),
    ]
    return "sources", Table(columns, rows, title="Sources cited")


SHOW_KINDS = frozenset(Kind)


def show(session: Session, name: str) -> Card:
    """The card of whatever `name` resolves to: country, alliance, pillar, official,
    technology area or source."""
    index = load_index(session)
    ref = index.resolve(name, SHOW_KINDS)
    builders: dict[Kind, Callable[[Session, Ref, NameIndex], Card]] = {
        Kind.COUNTRY: _country_card,
        Kind.ALLIANCE: _alliance_card,
        Kind.PILLAR: _pillar_card,
        Kind.OFFICIAL: _official_card,
        Kind.TECHNOLOGY_AREA: _area_card,
        Kind.SOURCE: _source_card,
    }
    card: Card = builders[ref.kind](session, ref, index)
    return card


MEMBERSHIP_OF_COLUMNS = [
    Column("scope", style="bold"),
    Column("role"),
    Column("status"),
    Column("from", min_width=10),
    Column("to", min_width=8),
    Column("sources"),
    Column("note"),
]


def _country_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    country = session.get_one(m.Country, ref.id)
    infos = scope_infos(session)
    stmt = (
        select(
            m.Membership.id,
            m.Membership.scope_id,
            m.Membership.role,
            m.Membership.status,
            m.Membership.from_text,
            m.Membership.to_text,
            m.Membership.note,
        )
        .where(m.Membership.country_id == ref.id)
        .order_by(_status_rank(), m.Membership.from_lower)
    )
    found = session.execute(stmt).all()
    srcs = membership_sources(session, [r.id for r in found])
    memberships = [
        {
            "scope": infos[r.scope_id].label,
            "role": r.role,
            "status": r.status,
            "from": _text(r.from_text),
            "to": _text(r.to_text),
            "sources": srcs.get(r.id, []),
            "note": r.note,
        }
        for r in found
    ]
    sections = [
        (
            "memberships",
            Table(
                MEMBERSHIP_OF_COLUMNS,
                memberships,
                title="Memberships",
                caption="every status, ended and declined included",
                row_style=_not_in_force_dim,
            ),
        ),
        (
            "officials",
            _materialised(
                Table(
                    POSITION_COLUMNS,
                    _position_rows(
                        session,
                        _position_stmt()
                        .where(m.Position.country_id == ref.id)
                        .order_by(m.Position.from_lower.desc().nulls_last(), m.Official.name),
                    ),
                    title="Officials (positions held for this country)",
                )
            ),
        ),
        _statement_section(
            session, or_(about_country_clause(ref.id), speaker_clause(ref)), "by or about it"
        ),
    ]
    sections.append(_sources_section(session, sections))
    fields = [
        ("iso3", country.iso3),
        ("iso2", country.iso2),
        ("name", country.name),
        ("aliases", [a.alias for a in country.aliases]),
    ]
    return Card("country", ref.label, fields, sections)


def _alliance_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    alliance = session.get_one(m.Alliance, ref.id)
    pillar_table = _materialised(pillars(session, alliance.key))
    pillar_table.columns = [c for c in pillar_table.columns if c.key != "aliases"]
    sections = [
        ("pillars", pillar_table),
        ("members", _materialised(members(session, alliance.key, index=index))),
        _statement_section(
            session,
            or_(
                about_scopes_clause(_scope_ids(session, ref, with_pillars=True)),
                speaker_clause(ref),
            ),
            "by or about it (its pillars included)",
        ),
    ]
    own_sources = [s.key for s in alliance.sources]
    sections.append(_sources_section(session, sections, own_sources))
    fields = [
        ("key", alliance.key),
        ("name", alliance.name),
        ("full_name", alliance.full_name),
        ("kind", alliance.kind),
        ("founded", _text(alliance.founded)),
        ("aliases", [a.alias for a in alliance.aliases]),
        ("description", alliance.description),
        ("sources", own_sources),
    ]
    return Card("alliance", ref.label, fields, sections)


def _pillar_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    pillar = session.get_one(m.Pillar, ref.id)
    infos = scope_infos(session)
    assert ref.scope_id is not None
    label = infos[ref.scope_id].label
    member_table = _materialised(members(session, label, index=index))
    sections = [
        ("members", member_table),
        _statement_section(session, about_scopes_clause([ref.scope_id]), "about it"),
    ]
    sections.append(_sources_section(session, sections))
    fields = [
        ("alliance", pillar.alliance.name),
        ("number", pillar.number),
        ("name", pillar.name),
        ("aliases", [a.alias for a in pillar.aliases]),
        ("description", pillar.description),
        ("technology_areas", [t.key for t in pillar.technology_areas]),
    ]
    return Card("pillar", label, fields, sections)


def _official_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    official = session.get_one(m.Official, ref.id)
    positions = _materialised(
        Table(
            POSITION_COLUMNS,
            _position_rows(
                session,
                _position_stmt()
                .where(m.Position.official_id == ref.id)
                .order_by(m.Position.from_lower.desc().nulls_last(), m.Position.id),
            ),
            title="Positions",
        )
    )
    sections = [
        ("positions", positions),
        _statement_section(session, speaker_clause(ref), "by this official"),
    ]
    sections.append(_sources_section(session, sections))
    fields = [
        ("key", official.key),
        ("name", official.name),
        ("aliases", [a.alias for a in official.aliases]),
        ("note", official.note),
    ]
    return Card("official", ref.label, fields, sections)


def _area_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    area = session.get_one(m.TechnologyArea, ref.id)
    infos = scope_infos(session)
    link = m.pillar_technology_areas
    pillar_scopes = session.scalars(
        select(m.Pillar.scope_id)
        .join(link, link.c.pillar_id == m.Pillar.id)
        .where(link.c.technology_area_id == ref.id)
    ).all()
    sections = [
        _statement_section(session, about_area_clause(ref.id), "about it"),
    ]
    sections.append(_sources_section(session, sections))
    fields = [
        ("key", area.key),
        ("name", area.name),
        ("description", area.description),
        ("aliases", [a.alias for a in area.aliases]),
        ("pillars", sorted(infos[s].label for s in pillar_scopes)),
    ]
    return Card("technology area", ref.label, fields, sections)


def _source_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    source = session.get_one(m.Source, ref.id)
    sections = [
        _statement_section(session, m.Statement.source_id == ref.id, "citing it"),
    ]
    fields = [
        ("key", source.key),
        ("title", source.title),
        ("publisher", source.publisher),
        ("author", source.author),
        ("url", source.url),
        ("published", _text(source.published)),
        ("retrieved", _text(source.retrieved)),
        ("kind", source.kind),
        ("note", source.note),
    ]
    return Card("source", ref.label, fields, sections)


# -- timeline -------------------------------------------------------------------------------

TIMELINE_COLUMNS = [
    Column("date", min_width=10),
    Column("event", min_width=10),
    Column("subject", style="bold"),
    Column("status"),
    Column("detail"),
    Column("sources"),
]
TIMELINE_KINDS = frozenset(Kind) - {Kind.SOURCE}
_FAR_FUTURE = dt.date.max


def timeline(session: Session, name: str) -> Table:
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
        scope_ids = _scope_ids(session, ref, with_pillars=True)
        membership_where = m.Membership.scope_id.in_(scope_ids)
        position_where = m.Position.alliance_id == ref.id
        statement_where = or_(about_scopes_clause(scope_ids), speaker_clause(ref))
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

    def dated() -> list[tuple[tuple[Any, ...], Row]]:
        events: list[tuple[tuple[Any, ...], Row]] = []
        if membership_where is not None:
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
                .where(membership_where)
            ).all()
            srcs = membership_sources(session, [r.id for r in found])
            for r in found:
                subject = f"{r.name} in {infos[r.scope_id].label} ({r.role})"
                base = {"subject": subject, "status": r.status, "sources": srcs.get(r.id, [])}
                events.append(
                    (
                        (r.from_lower or _FAR_FUTURE, 0, subject),
                        {
                            **base,
                            "date": _text(r.from_text),
                            "event": "membership from",
                            "detail": r.note,
                        },
                    )
                )
                if r.to_lower is not None:
                    events.append(
                        (
                            (r.to_lower, 1, subject),
                            {**base, "date": r.to_text, "event": "membership to", "detail": None},
                        )
                    )
        if position_where is not None:
            stmt = _position_stmt().add_columns(m.Position.from_lower, m.Position.to_lower)
            for r, row in zip(
                session.execute(stmt.where(position_where)).all(),
                _position_rows(session, _position_stmt().where(position_where)),
                strict=True,
            ):
                subject = f"{row['name']}: {row['title']}" + (
                    f", {row['for']}" if row["for"] else ""
                )
                base = {"subject": subject, "status": None, "sources": row["sources"]}
                events.append(
                    (
                        (r.from_lower or _FAR_FUTURE, 0, subject),
                        {**base, "date": row["from"], "event": "position from", "detail": None},
                    )
                )
                if r.to_lower is not None:
                    events.append(
                        (
                            (r.to_lower, 1, subject),
                            {**base, "date": row["to"], "event": "position to", "detail": None},
                        )
                    )
        return sorted(events, key=lambda e: e[0])

    def statement_events() -> Iterator[tuple[tuple[Any, ...], Row]]:
        for row in statement_rows(session, [statement_where], newest_first=False):
            speaker = row["speaker"] + (
                f" ({row['speaker_label']})" if row["speaker_label"] else ""
            )
            yield (
                (row["date_lower"], 2, row["id"]),
                {
                    "date": row["date"],
                    "event": "statement",
                    "subject": speaker,
                    "status": row["stance"],
                    "detail": row["text"],
                    "sources": [row["source"]],
                },
            )

    def rows() -> Iterator[Row]:
        # Memberships and positions are few per entity; statements may be many: streamed.
        merged = heapq.merge(dated(), statement_events(), key=lambda e: e[0])
        for _, row in merged:
            yield row

    return Table(
        TIMELINE_COLUMNS,
        rows(),
        title=f"Timeline of {ref.label}",
        caption="dates by their first day; undated starts last; status of a statement = stance",
    )
