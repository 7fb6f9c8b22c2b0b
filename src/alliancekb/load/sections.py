"""Each entity section described as data: table, natural key, given fields, aliases, links, index.

The planner (alliancekb.load.plan) applies every entity section through one generic path
driven by these descriptions; only what really differs per core kind is code there
(pillars inside alliances, positions inside officials, memberships and statements in
batches). A kind added later says what it plans besides its own row in its `Parts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table

from alliancekb.core.dates import dated_columns
from alliancekb.core.vocab import ScopeKind
from alliancekb.load.resolve import Resolver
from alliancekb.load.schema import (
    AllianceIn,
    CountryIn,
    OfficialIn,
    SourceIn,
    TechnologyAreaIn,
    iso_country,
    obligations_text,
)
from alliancekb.store import models as m
from alliancekb.store.entities import ENTITIES, EntityKind
from alliancekb.store.resolve import Kind

#: A record's values to write, given the stored row (None: the row is new).
Values = Callable[[Any, dict[str, Any] | None], dict[str, Any]]


@dataclass(frozen=True)
class Aliases:
    """An alias table: `owner` is its column naming the entity."""

    table: Table
    owner: str


@dataclass(frozen=True)
class Link:
    """A list of references stored as a link table, from the record field `field`."""

    field: str
    table: Table
    owner: str
    target: str
    kind: Kind


@dataclass(frozen=True)
class Parts:
    """What a kind plans besides its own row (an exercise's organiser and its editions).

    `resolve(resolver, record)` turns every name the record gives into ids before anything
    is written (raising `load.resolve.Unresolved` at the first unknown one); `values(record,
    resolved)` adds columns of the kind's own row; `plan(planner, row_id, record, resolved)`
    upserts what the row owns, counting each part under one of `counted`.
    """

    resolve: Callable[[Resolver, Any], Any]
    values: Callable[[Any, Any], dict[str, Any]]
    plan: Callable[[Any, int, Any, Any], None]
    #: The names its parts are counted under in a load's report ("editions").
    counted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """How one entity section is planned: its kind (`store.entities`) and what the load adds."""

    entity: EntityKind
    #: Its records' model (the load format).
    record: type[BaseModel]
    values: Values
    links: tuple[Link, ...] = ()
    #: A new row gets a new scope of this kind (alliances).
    scope: ScopeKind | None = None
    #: Put in the index only when created (a source is named by its key alone).
    index_created_only: bool = False
    #: What it plans besides its own row, for a kind added after the core.
    parts: Parts | None = None
    #: What its records are, for people (the template's comment; the core's are in
    #: `author.fields`).
    note: str = ""

    @property
    def name(self) -> str:
        return self.entity.section

    @property
    def kind(self) -> Kind:
        return self.entity.kind

    @property
    def table(self) -> Table:
        return _t(self.entity.model)

    @property
    def key(self) -> str:
        return self.entity.key

    @property
    def aliases(self) -> Aliases | None:
        alias = self.entity.alias_model
        return None if alias is None else Aliases(_t(alias), f"{alias.__owner__}_id")


def given(
    record: BaseModel,
    values: dict[str, Any],
    *,
    always: set[str],
    field_of: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Only the values of fields the record states (or must state): left-out fields are kept."""
    stated = record.model_fields_set
    field_of = field_of or {}
    return {k: v for k, v in values.items() if k in always or field_of.get(k, k) in stated}


def _source_values(src: SourceIn, _stored: dict[str, Any] | None) -> dict[str, Any]:
    return given(
        src,
        {
            "title": src.title,
            "publisher": src.publisher,
            "author": src.author,
            "url": src.url,
            **dated_columns("published", "published", src.published, absent=None),
            "retrieved": src.retrieved or "",
            "kind": src.kind,
            **dated_columns("covers_from", "covers_from", src.covers_from),
            **dated_columns("covers_to", "covers_to", src.covers_to),
            "note": src.note,
        },
        always={"title", "published", "published_lower", "published_upper", "kind"},
        field_of={
            "published_lower": "published",
            "published_upper": "published",
            **{
                f"covers_{e}_{b}": f"covers_{e}" for e in ("from", "to") for b in ("lower", "upper")
            },
        },
    )


def _country_values(c: CountryIn, stored: dict[str, Any] | None) -> dict[str, Any]:
    # A name left out keeps the stored one; a new country takes ISO's name (or its code).
    iso = iso_country(c.iso3) or {}
    values = {"name": c.name or iso.get("name") or c.iso3, "iso2": c.iso2 or iso.get("iso2")}
    if c.name is None and stored is not None:
        values.pop("name")
    return values


def _technology_area_values(t: TechnologyAreaIn, _stored: dict[str, Any] | None) -> dict[str, Any]:
    return given(t, {"name": t.name, "description": t.description}, always={"name"})


def _alliance_values(a: AllianceIn, _stored: dict[str, Any] | None) -> dict[str, Any]:
    return given(
        a,
        {
            "name": a.name,
            "full_name": a.full_name,
            "kind": a.kind,
            **dated_columns("founded", "founded", a.founded),
            **dated_columns("ended", "ended", a.ended),
            "obligations": obligations_text(a.obligations),
            "description": a.description,
        },
        always={"name", "kind"},
        field_of={
            "founded_lower": "founded",
            "founded_upper": "founded",
            "ended_lower": "ended",
            "ended_upper": "ended",
        },
    )


def _official_values(o: OfficialIn, _stored: dict[str, Any] | None) -> dict[str, Any]:
    return given(o, {"name": o.name, "note": o.note}, always={"name"})


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


#: The core's entity sections, in the order a flush applies them (dependencies first); the
#: kinds added later follow them (`load.all_sections`).
CORE_ENTITY_SECTIONS: tuple[Section, ...] = (
    Section(ENTITIES[Kind.SOURCE], SourceIn, _source_values, index_created_only=True),
    Section(ENTITIES[Kind.COUNTRY], CountryIn, _country_values),
    Section(ENTITIES[Kind.TECHNOLOGY_AREA], TechnologyAreaIn, _technology_area_values),
    Section(
        ENTITIES[Kind.ALLIANCE], AllianceIn, _alliance_values,
        links=(Link("sources", m.alliance_sources, "alliance_id", "source_id", Kind.SOURCE),),
        scope=ScopeKind.ALLIANCE,
    ),
    Section(ENTITIES[Kind.OFFICIAL], OfficialIn, _official_values),
)  # fmt: skip

PILLAR_ALIASES = Aliases(_t(m.PillarAlias), f"{m.PillarAlias.__owner__}_id")
PILLAR_AREAS = Link(
    "technology_areas", m.pillar_technology_areas, "pillar_id", "technology_area_id",
    Kind.TECHNOLOGY_AREA,
)  # fmt: skip
POSITION_SOURCES = Link("sources", m.position_sources, "position_id", "source_id", Kind.SOURCE)
#: A country's dated codes in other systems (COW), replaced whole when a record gives them.
COUNTRY_CODES: Table = _t(m.CountryCode)
MEMBERSHIP_SOURCES = Link(
    "sources", m.membership_sources, "membership_id", "source_id", Kind.SOURCE
)
#: A statement's link tables: name -> (table, target column).
STATEMENT_LINKS: dict[str, tuple[Table, str]] = {
    "countries": (m.statement_countries, "country_id"),
    "scopes": (m.statement_scopes, "scope_id"),
    "technology_areas": (m.statement_technology_areas, "technology_area_id"),
}
