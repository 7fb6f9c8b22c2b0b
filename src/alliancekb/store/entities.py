"""Each kind of named entity described once: its model, natural key, names and aliases.

The name index (`store.resolve`), the loader and the dump all need to know, for a country,
an alliance, a pillar, a technology area, an official or a source: which model holds it,
which column is its natural key, which columns are names people type, which table holds
its aliases, and how it is labelled for people. They read it from `ENTITIES`, so a new kind
(or a new name column) is added in one place. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement

from alliancekb.store import models as m


class Kind(StrEnum):
    """The kinds of entity a name can mean."""

    COUNTRY = "country"
    ALLIANCE = "alliance"
    PILLAR = "pillar"
    TECHNOLOGY_AREA = "technology area"
    OFFICIAL = "official"
    SOURCE = "source"


ALL_KINDS: frozenset[Kind] = frozenset(Kind)
SCOPE_KINDS: frozenset[Kind] = frozenset({Kind.ALLIANCE, Kind.PILLAR})
SPEAKER_KINDS: frozenset[Kind] = frozenset({Kind.OFFICIAL, Kind.COUNTRY, Kind.ALLIANCE})


def country_label(name: str, iso3: str) -> str:
    """`Japan (JPN)`: how a country is shown in messages and candidate lists."""
    return f"{name} ({iso3})"


def pillar_label(alliance_name: str, number: int, name: str) -> str:
    """`AUKUS Pillar 2 (Advanced capabilities)`."""
    return f"{alliance_name} Pillar {number} ({name})"


Row = Mapping[Any, Any]  # a SQLAlchemy RowMapping or a plain dict


@dataclass(frozen=True)
class EntityKind:
    """How one kind of entity is stored and named."""

    kind: Kind
    #: The load-format section its records come from.
    section: str
    model: type[m.Base]
    #: The natural key column (what a load matches on and the dump writes).
    key: str
    #: Columns whose values are names people use for it, besides its aliases, in order of
    #: preference (the dump writes a reference as the first name that resolves alone).
    name_columns: tuple[str, ...]
    #: The alias table and its owner column, or None for a kind without aliases.
    alias_model: type[m.Alias] | None
    #: Its label for people, from a row holding at least `label_columns`.
    label: Callable[[Row], str]
    label_columns: tuple[str, ...]

    @property
    def alias_owner(self) -> ColumnElement[int]:
        """The alias table's column pointing at the owner (`country_aliases.country_id`)."""
        assert self.alias_model is not None
        column: ColumnElement[int] = getattr(self.alias_model, f"{self.alias_model.__owner__}_id")
        return column

    def columns(self) -> list[ColumnElement[Any]]:
        """id, then every column the names and the label need, each once."""
        wanted = dict.fromkeys(("id", *self.name_columns, *self.label_columns))
        if self.kind in SCOPE_KINDS:
            wanted["scope_id"] = None
        if self.kind is Kind.PILLAR:
            wanted["alliance_id"] = None
            wanted["number"] = None
        return [getattr(self.model, name) for name in wanted]

    def names(self, row: Row) -> list[str]:
        """The names a row gives (absent or empty ones left out); aliases are not included."""
        return [row[c] for c in self.name_columns if row.get(c)]


ENTITIES: dict[Kind, EntityKind] = {
    e.kind: e
    for e in (
        EntityKind(
            Kind.COUNTRY, "countries", m.Country, "iso3", ("iso3", "name", "iso2"),
            m.CountryAlias, lambda r: country_label(r["name"], r["iso3"]), ("name", "iso3"),
        ),
        EntityKind(
            Kind.ALLIANCE, "alliances", m.Alliance, "key", ("key", "name", "full_name"),
            m.AllianceAlias, lambda r: str(r["name"]), ("name",),
        ),
        # A pillar's label needs its alliance's name: `resolve` adds it (see `pillar_label`).
        EntityKind(
            Kind.PILLAR, "pillars", m.Pillar, "number", ("name",),
            m.PillarAlias, lambda r: str(r["name"]), ("name",),
        ),
        EntityKind(
            Kind.TECHNOLOGY_AREA, "technology_areas", m.TechnologyArea, "key", ("key", "name"),
            m.TechnologyAreaAlias, lambda r: str(r["name"]), ("name",),
        ),
        EntityKind(
            Kind.OFFICIAL, "officials", m.Official, "key", ("key", "name"),
            m.OfficialAlias, lambda r: str(r["name"]), ("name",),
        ),
        EntityKind(
            Kind.SOURCE, "sources", m.Source, "key", ("key",),
            None, lambda r: str(r["key"]), ("key",),
        ),
    )
}  # fmt: skip

#: Kinds with an alias table, in a stable order.
ALIASED: Sequence[EntityKind] = [e for e in ENTITIES.values() if e.alias_model is not None]
