"""`show`: one entity's card, its facts and its sections (small, materialised row lists)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, TableClause, select
from sqlalchemy import Row as DbRow

from alliancekb.core import clock
from alliancekb.core.evidence import Span
from alliancekb.core.formats import Row, json_value
from alliancekb.query.common import ScopeInfo, scope_ids, scope_infos, text_or_none
from alliancekb.query.facts import (
    EVIDENCE_FIELDS,
    MEMBER_FIELDS,
    PILLAR_FIELDS,
    POSITION_FIELDS,
    membership_spans,
    position_row,
    position_spans,
    with_evidence,
)
from alliancekb.query.kind_part import query_parts
from alliancekb.query.labels import numbered_alliance_labels
from alliancekb.query.statements import (
    STATEMENT_FIELDS,
    Term,
    about,
    about_area_term,
    about_country_term,
    about_scopes_term,
    newest_statements,
    source_term,
    speaker_term,
    who,
)
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, Ref, resolve_one

if TYPE_CHECKING:
    from alliancekb.query.common import Reader
    from alliancekb.query.members import MembersResult

#: Recent statements on a card.
CARD_STATEMENTS = 10
SHOW_KINDS = frozenset(Kind)

#: The JSON field names of each kind of section row, in order. A card's statements carry
#: `who` and `about` (text for people) besides the statement fields, as its JSON always did;
#: its pillars leave out their aliases.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "memberships": ("scope", "role", "status", "from", "to", "sources", "note", *EVIDENCE_FIELDS),
    "officials": POSITION_FIELDS,
    "positions": POSITION_FIELDS,
    "pillars": tuple(k for k in PILLAR_FIELDS if k != "aliases"),
    "members": MEMBER_FIELDS,
    "statements": (*STATEMENT_FIELDS[:4], "who", *STATEMENT_FIELDS[4:10], "about", "source"),
    "sources": ("key", "title", "publisher", "published"),
}  # fmt: skip
#: The kinds added after the core (`query.kinds`): their cards, and their sections' fields.
_PARTS = query_parts()
for _part in _PARTS.values():
    SECTION_FIELDS.update(_part.section_fields)


#: The types `json_value` returns unchanged: a card's thousands of plain values skip it.
_JSON_PLAIN = frozenset({str, int, float, bool, type(None)})


@dataclass
class Section:
    """One section of a card: its key (memberships, members, statements, ...) and rows.

    `members` is the members answer behind a members section (its scope and status rule).
    """

    key: str
    rows: list[Row]
    members: MembersResult | None = field(default=None, repr=False)


@dataclass
class Card:
    """One entity's card: what it is, its facts (key, value) in order, and its sections."""

    kind: str
    name: str
    fields: list[tuple[str, Any]]
    sections: list[Section]

    def section(self, key: str) -> Section | None:
        """The section with this key, if the card has one."""
        return next((s for s in self.sections if s.key == key), None)

    def as_json(self) -> dict[str, Any]:
        """The card as one JSON-ready object: kind, name, fields, and rows per section.

        This is the card's JSON as `show --format json` prints it (same keys, same order).
        """
        return {
            "kind": self.kind,
            "name": self.name,
            "fields": {k: json_value(v) for k, v in self.fields},
            "sections": {
                s.key: [
                    {k: v if type(v) in _JSON_PLAIN else json_value(v) for k, v in row.items()}
                    for row in s.rows
                ]
                for s in self.sections
            },
        }


def _section(key: str, rows: Iterable[Row], result: MembersResult | None = None) -> Section:
    keys = SECTION_FIELDS[key]
    return Section(key, [{k: row.get(k) for k in keys} for row in rows], result)


def show(session: Reader, name: str, kinds: Collection[Kind] = SHOW_KINDS) -> Card:
    """The card of whatever `name` resolves to: country, alliance, pillar, official,
    technology area, source or exercise (`kinds`: only of these, as a resource's address
    names one)."""
    ref = resolve_one(session, name, kinds)
    builders: dict[Kind, Callable[[Reader, Ref], Card]] = {
        Kind.COUNTRY: _country_card,
        Kind.ALLIANCE: _alliance_card,
        Kind.PILLAR: _pillar_card,
        Kind.OFFICIAL: _official_card,
        Kind.TECHNOLOGY_AREA: _area_card,
        Kind.SOURCE: _source_card,
    }
    if ref.kind in _PARTS:
        return _kind_card(session, ref)
    return builders[ref.kind](session, ref)


def _statements(
    session: Reader, *terms: Term, infos: Mapping[int, ScopeInfo] | None = None
) -> Section:
    """The card's newest statements (`infos`: the scope labels, if the card read them:
    a card reads them once)."""
    rows = [
        {**row, "who": who(row), "about": about(row)}
        for _, row in newest_statements(session, terms, CARD_STATEMENTS, infos)
    ]
    return _section("statements", rows)


def _members(session: Reader, scope: str) -> Section:
    from alliancekb.query.members import members  # not for a country's card (SECTION_FIELDS)

    result = members(session, scope)
    result.rows = list(result.rows)
    return _section("members", result.rows, result)


def _pillars(session: Reader, alliance: str) -> list[Row]:
    from alliancekb.query.lists import pillars  # not for a country's card (SECTION_FIELDS)

    return list(pillars(session, alliance).rows)


def _sources(session: Reader, sections: Sequence[Section], extra: Iterable[str] = ()) -> Section:
    """Every source the card's rows cite, with its title: one query."""
    keys = set(extra)
    for section in sections:
        for row in section.rows:
            keys.update(row.get("sources") or [])
            if row.get("source"):
                keys.add(row["source"])
    rows: list[Row] = []
    source = t.sources.c
    if keys:
        for r in session.execute(
            select(source.key, source.title, source.publisher, source.published)
            .where(source.key.in_(sorted(keys)))
            .order_by(source.key)
        ):
            rows.append(
                {
                    "key": r.key,
                    "title": r.title,
                    "publisher": r.publisher,
                    "published": text_or_none(r.published),
                }
            )
    return _section("sources", rows)


def code_text(code: Any) -> str:
    """A dated code as people read it: `cow 260 (1955-05-05 to 1990-10-02)`; ATOP uses the
    COW codes. `code`: a row of `country_codes`."""
    when = ""
    if code.from_text or code.to_text:
        when = f" ({code.from_text or '?'} to {code.to_text or 'now'})"
    return f"{code.scheme} {code.code}{when}"


def _positions(session: Reader, where: ColumnElement[bool], day: dt.date) -> list[Row]:
    """Positions of the offices matching `where` (chains resolved), newest first."""
    spans = sorted(
        position_spans(session, where),
        key=lambda s: (s.start or dt.date.min, s.payload["name"]),
        reverse=True,
    )
    return [position_row(s, day) for s in spans]


def _country_card(session: Reader, ref: Ref) -> Card:
    country = _one(session, t.countries, ref.id)
    infos = scope_infos(session)
    today = clock.today()
    # Every record of the country's chains (the card is its record), read today.
    spans = membership_spans(session, t.memberships.c.country_id == ref.id)
    # A dataset's numbered alliance is named by the partners it gave this country, as the
    # pictures name it ("with Portugal (ATOP 1040, 1816–1820)"), not "ATOP alliance 1040".
    named = numbered_alliance_labels(
        session, {s.payload["scope_id"] for s in spans}, besides=country.iso3, infos=infos
    )

    def scope_label(s: Span[Row]) -> str:
        scope_id = s.payload["scope_id"]
        return named.get(scope_id) or infos[scope_id].label

    spans.sort(key=lambda s: (scope_label(s), s.start or dt.date.min))
    memberships = [{**with_evidence(s, today), "scope": scope_label(s)} for s in spans]
    positions = _positions(session, t.positions.c.country_id == ref.id, today)
    sections = [
        _section("memberships", memberships),
        _section("officials", positions),
        *(
            _section(*part.country_section(session, ref.id))
            for part in _PARTS.values()
            if part.country_section is not None
        ),
        _statements(session, about_country_term(ref.id), speaker_term(ref), infos=infos),
    ]
    sections.append(_sources(session, sections))
    fields = [
        ("iso3", country.iso3),
        ("iso2", country.iso2),
        ("name", country.name),
        ("aliases", _aliases(session, t.country_aliases, ref.id)),
        ("codes", [code_text(c) for c in _codes(session, ref.id)]),
    ]
    return Card("country", ref.label, fields, sections)


def _alliance_card(session: Reader, ref: Ref) -> Card:
    alliance = _one(session, t.alliances, ref.id)
    sections = [
        _section("pillars", _pillars(session, alliance.key)),
        _members(session, alliance.key),
        _statements(
            session,
            about_scopes_term(scope_ids(session, ref, with_pillars=True)),
            speaker_term(ref),
        ),
    ]
    link = t.alliance_sources.c
    own_sources = list(
        session.scalars(
            select(t.sources.c.key)
            .join(t.alliance_sources, link.source_id == t.sources.c.id)
            .where(link.alliance_id == ref.id)
            .order_by(link.source_id)
        )
    )
    sections.append(_sources(session, sections, own_sources))
    fields = [
        ("key", alliance.key),
        ("name", alliance.name),
        ("full_name", alliance.full_name),
        ("kind", alliance.kind),
        ("founded", text_or_none(alliance.founded)),
        ("ended", text_or_none(alliance.ended)),
        ("obligations", alliance.obligations.split("; ") if alliance.obligations else []),
        ("aliases", _aliases(session, t.alliance_aliases, ref.id)),
        ("description", alliance.description),
        ("sources", own_sources),
    ]
    return Card("alliance", ref.label, fields, sections)


def _pillar_card(session: Reader, ref: Ref) -> Card:
    pillar = _one(session, t.pillars, ref.id)
    infos = scope_infos(session)
    assert ref.scope_id is not None
    label = infos[ref.scope_id].label
    sections = [
        _members(session, label),
        _statements(session, about_scopes_term([ref.scope_id]), infos=infos),
    ]
    sections.append(_sources(session, sections))
    fields = [
        ("alliance", _one(session, t.alliances, pillar.alliance_id).name),
        ("number", pillar.number),
        ("name", pillar.name),
        ("aliases", _aliases(session, t.pillar_aliases, ref.id)),
        ("description", pillar.description),
        ("technology_areas", _pillar_areas(session, ref.id)),
    ]
    return Card("pillar", label, fields, sections)


def _official_card(session: Reader, ref: Ref) -> Card:
    official = _one(session, t.officials, ref.id)
    positions = [
        p
        for p in _positions(session, t.positions.c.official_id == ref.id, clock.today())
        if p["official"] == official.key
    ]
    sections = [
        _section("positions", positions),
        _statements(session, speaker_term(ref)),
    ]
    sections.append(_sources(session, sections))
    fields = [
        ("key", official.key),
        ("name", official.name),
        ("aliases", _aliases(session, t.official_aliases, ref.id)),
        ("note", official.note),
    ]
    return Card("official", ref.label, fields, sections)


def _area_card(session: Reader, ref: Ref) -> Card:
    area = _one(session, t.technology_areas, ref.id)
    infos = scope_infos(session)
    link = t.pillar_technology_areas
    pillar_scopes = session.scalars(
        select(t.pillars.c.scope_id)
        .join(link, link.c.pillar_id == t.pillars.c.id)
        .where(link.c.technology_area_id == ref.id)
    ).all()
    sections = [_statements(session, about_area_term(ref.id), infos=infos)]
    sections.append(_sources(session, sections))
    fields = [
        ("key", area.key),
        ("name", area.name),
        ("description", area.description),
        ("aliases", _aliases(session, t.technology_area_aliases, ref.id)),
        ("pillars", sorted(infos[s].label for s in pillar_scopes)),
    ]
    return Card("technology area", ref.label, fields, sections)


def _source_card(session: Reader, ref: Ref) -> Card:
    source = _one(session, t.sources, ref.id)
    sections = [_statements(session, source_term(ref.id))]
    fields = [
        ("key", source.key),
        ("title", source.title),
        ("publisher", source.publisher),
        ("author", source.author),
        ("url", source.url),
        ("published", text_or_none(source.published)),
        ("retrieved", text_or_none(source.retrieved)),
        ("kind", source.kind),
        ("note", source.note),
    ]
    return Card("source", ref.label, fields, sections)


def _kind_card(session: Reader, ref: Ref) -> Card:
    """The card of a kind added after the core, from its `QueryPart`, with its sources."""
    data = _PARTS[ref.kind].card(session, ref.id)
    sections = [_section(key, rows) for key, rows in data.sections]
    sections.append(_sources(session, sections))
    return Card(ref.kind.value, ref.label, data.fields, sections)


def _one(session: Reader, table: TableClause, id: int) -> DbRow[Any]:
    """The row of an entity, by id (every column the Core table holds)."""
    return session.execute(select(table).where(table.c.id == id)).one()


def _aliases(session: Reader, table: TableClause, owner_id: int) -> list[str]:
    """An entity's aliases, alphabetically (`table`: its kind's alias table)."""
    owner = next(c for c in table.c if c.name.endswith("_id"))
    return list(
        session.scalars(select(table.c.alias).where(owner == owner_id).order_by(table.c.alias))
    )


def _codes(session: Reader, country_id: int) -> list[DbRow[Any]]:
    """A country's dated codes, by scheme and start."""
    c = t.country_codes.c
    stmt = select(t.country_codes).where(c.country_id == country_id)
    return list(session.execute(stmt.order_by(c.scheme, c.from_lower)).all())


def _pillar_areas(session: Reader, pillar_id: int) -> list[str]:
    """The keys of a pillar's technology areas, in key order."""
    link, area = t.pillar_technology_areas.c, t.technology_areas.c
    return list(
        session.scalars(
            select(area.key)
            .join(t.pillar_technology_areas, link.technology_area_id == area.id)
            .where(link.pillar_id == pillar_id)
            .order_by(area.key)
        )
    )
