"""`show`: one entity's card, its facts and its sections (small, materialised row lists)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from alliancekb.core import clock
from alliancekb.core.formats import Row, json_value
from alliancekb.query.common import scope_ids, scope_infos, text_or_none
from alliancekb.query.facts import EVIDENCE_FIELDS, membership_spans, position_spans, with_evidence
from alliancekb.query.kind_part import query_parts
from alliancekb.query.lists import PILLAR_FIELDS, POSITION_FIELDS, pillars, position_row
from alliancekb.query.members import MEMBER_FIELDS, MembersResult, members
from alliancekb.query.statements import (
    STATEMENT_FIELDS,
    about,
    about_area_clause,
    about_country_clause,
    about_scopes_clause,
    speaker_clause,
    statement_hits,
    who,
)
from alliancekb.store import models as m
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, NameIndex, Ref, load_index

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
                s.key: [{k: json_value(v) for k, v in row.items()} for row in s.rows]
                for s in self.sections
            },
        }


def _section(key: str, rows: Iterable[Row], result: MembersResult | None = None) -> Section:
    keys = SECTION_FIELDS[key]
    return Section(key, [{k: row.get(k) for k in keys} for row in rows], result)


def show(session: Session, name: str, kinds: Collection[Kind] = SHOW_KINDS) -> Card:
    """The card of whatever `name` resolves to: country, alliance, pillar, official,
    technology area, source or exercise (`kinds`: only of these, as a resource's address
    names one)."""
    index = load_index(session)
    ref = index.resolve(name, kinds)
    builders: dict[Kind, Callable[[Session, Ref, NameIndex], Card]] = {
        Kind.COUNTRY: _country_card,
        Kind.ALLIANCE: _alliance_card,
        Kind.PILLAR: _pillar_card,
        Kind.OFFICIAL: _official_card,
        Kind.TECHNOLOGY_AREA: _area_card,
        Kind.SOURCE: _source_card,
    }
    if ref.kind in _PARTS:
        return _kind_card(session, ref)
    return builders[ref.kind](session, ref, index)


def _statements(session: Session, clause: ColumnElement[bool]) -> Section:
    rows = [
        {**row, "who": who(row), "about": about(row)}
        for _, row in statement_hits(session, [clause], limit=CARD_STATEMENTS)
    ]
    return _section("statements", rows)


def _members(session: Session, scope: str, index: NameIndex) -> Section:
    result = members(session, scope, index=index)
    result.rows = list(result.rows)
    return _section("members", result.rows, result)


def _sources(session: Session, sections: Sequence[Section], extra: Iterable[str] = ()) -> Section:
    """Every source the card's rows cite, with its title: one query."""
    keys = set(extra)
    for section in sections:
        for row in section.rows:
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
                    "published": text_or_none(r.published),
                }
            )
    return _section("sources", rows)


def code_text(code: m.CountryCode) -> str:
    """A dated code as people read it: `cow 260 (1955-05-05 to 1990-10-02)`; ATOP uses the
    COW codes."""
    when = ""
    if code.from_text or code.to_text:
        when = f" ({code.from_text or '?'} to {code.to_text or 'now'})"
    return f"{code.scheme} {code.code}{when}"


def _positions(session: Session, where: ColumnElement[bool], day: dt.date) -> list[Row]:
    """Positions of the offices matching `where` (chains resolved), newest first."""
    spans = sorted(
        position_spans(session, where),
        key=lambda s: (s.start or dt.date.min, s.payload["name"]),
        reverse=True,
    )
    return [position_row(s, day) for s in spans]


def _country_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    country = session.get_one(m.Country, ref.id)
    infos = scope_infos(session)
    today = clock.today()
    # Every record of the country's chains (the card is its record), read today.
    spans = membership_spans(session, t.memberships.c.country_id == ref.id)
    spans.sort(key=lambda s: (infos[s.payload["scope_id"]].label, s.start or dt.date.min))
    memberships = [
        {**with_evidence(s, today), "scope": infos[s.payload["scope_id"]].label} for s in spans
    ]
    positions = _positions(session, m.Position.country_id == ref.id, today)
    sections = [
        _section("memberships", memberships),
        _section("officials", positions),
        *(
            _section(*part.country_section(session, ref.id))
            for part in _PARTS.values()
            if part.country_section is not None
        ),
        _statements(session, or_(about_country_clause(ref.id), speaker_clause(ref))),
    ]
    sections.append(_sources(session, sections))
    fields = [
        ("iso3", country.iso3),
        ("iso2", country.iso2),
        ("name", country.name),
        ("aliases", [a.alias for a in country.aliases]),
        ("codes", [code_text(c) for c in country.codes]),
    ]
    return Card("country", ref.label, fields, sections)


def _alliance_card(session: Session, ref: Ref, index: NameIndex) -> Card:
    alliance = session.get_one(m.Alliance, ref.id)
    sections = [
        _section("pillars", pillars(session, alliance.key).rows),
        _members(session, alliance.key, index),
        _statements(
            session,
            or_(
                about_scopes_clause(scope_ids(session, ref, with_pillars=True)),
                speaker_clause(ref),
            ),
        ),
    ]
    own_sources = [s.key for s in alliance.sources]
    sections.append(_sources(session, sections, own_sources))
    fields = [
        ("key", alliance.key),
        ("name", alliance.name),
        ("full_name", alliance.full_name),
        ("kind", alliance.kind),
        ("founded", text_or_none(alliance.founded)),
        ("ended", text_or_none(alliance.ended)),
        ("obligations", alliance.obligations.split("; ") if alliance.obligations else []),
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
    sections = [
        _members(session, label, index),
        _statements(session, about_scopes_clause([ref.scope_id])),
    ]
    sections.append(_sources(session, sections))
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
    positions = [
        p
        for p in _positions(session, m.Position.official_id == ref.id, clock.today())
        if p["official"] == official.key
    ]
    sections = [
        _section("positions", positions),
        _statements(session, speaker_clause(ref)),
    ]
    sections.append(_sources(session, sections))
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
    sections = [_statements(session, about_area_clause(ref.id))]
    sections.append(_sources(session, sections))
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
    sections = [_statements(session, m.Statement.source_id == ref.id)]
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


def _kind_card(session: Session, ref: Ref) -> Card:
    """The card of a kind added after the core, from its `QueryPart`, with its sources."""
    data = _PARTS[ref.kind].card(session, ref.id)
    sections = [_section(key, rows) for key, rows in data.sections]
    sections.append(_sources(session, sections))
    return Card(ref.kind.value, ref.label, data.fields, sections)
