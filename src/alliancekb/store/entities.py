"""Each kind of named entity described once: its model, natural key, names and aliases.

The name index (`store.resolve`), the loader and the dump all need to know, for a country,
an alliance, a pillar, a technology area, an official, a source or a military exercise:
which model holds it, which column is its natural key, which columns are names people
type, which table holds its aliases, and how it is labelled for people. They read it from
`ENTITIES`, so a new kind (or a new name column) is added in one place. See docs/architecture.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, TableClause

from alliancekb.store import tables

if TYPE_CHECKING:
    from alliancekb.store import models as m


class Kind(StrEnum):
    """The kinds of entity a name can mean."""

    COUNTRY = "country"
    ALLIANCE = "alliance"
    PILLAR = "pillar"
    TECHNOLOGY_AREA = "technology area"
    OFFICIAL = "official"
    SOURCE = "source"
    EXERCISE = "exercise"


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


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class EntityKind(NamedTuple):
    """How one kind of entity is stored and named.

    Its model and alias model (`store.models`, the ORM) are named, and imported when first
    asked for: the name index reads the same columns from `store.tables` (Core), so that a
    command resolving a name never pays for the ORM (start-up, issue 16).
    """

    kind: Kind
    #: The load-format section its records come from.
    section: str
    #: Its model's class name in `store.models`, and its table.
    model_name: str
    table: str
    #: The natural key column (what a load matches on and the dump writes).
    key: str
    #: Columns whose values are names people use for it, besides its aliases, in order of
    #: preference (the dump writes a reference as the first name that resolves alone).
    name_columns: tuple[str, ...]
    #: The owner of its alias table (`country`: the model `CountryAlias`, the table
    #: `country_aliases`, its column `country_id`), or None for a kind without aliases.
    alias_owner_name: str | None
    #: Its label for people, from a row holding at least `label_columns`.
    label: Callable[[Row], str]
    label_columns: tuple[str, ...]
    #: The module of its models: `store.models` for the core kinds, a module of
    #: `store.kinds` for a kind added later (with its parts in each layer: `core.kind_parts`).
    module: str = "alliancekb.store.models"

    @property
    def model(self) -> type[m.Base]:
        """The ORM model of this kind."""
        model: type[m.Base] = getattr(self._models(), self.model_name)
        return model

    @property
    def alias_model(self) -> type[m.Alias] | None:
        """The ORM model of its aliases, or None."""
        if self.alias_owner_name is None:
            return None
        alias: type[m.Alias] = getattr(self._models(), f"{self.model_name}Alias")
        return alias

    def _models(self) -> ModuleType:
        # `store.models` first, whatever the kind: it imports every kind's models, so that
        # the mappers find the tables theirs refer to.
        from alliancekb.store import models

        return models if self.module == models.__name__ else importlib.import_module(self.module)

    @property
    def alias_owner(self) -> ColumnElement[int]:
        """The alias table's column pointing at the owner (`country_aliases.country_id`)."""
        assert self.alias_model is not None
        column: ColumnElement[int] = getattr(self.alias_model, f"{self.alias_model.__owner__}_id")
        return column

    def columns(self) -> list[ColumnElement[Any]]:
        """id, then every column the names and the label need, each once (the model's)."""
        return [getattr(self.model, name) for name in self._wanted()]

    def table_columns(self) -> list[ColumnElement[Any]]:
        """The same columns as `columns()`, of its Core table (`store.tables`)."""
        table: TableClause = tables.table(self.table)
        return [table.c[name] for name in self._wanted()]

    def alias_table_columns(self) -> tuple[ColumnElement[int], ColumnElement[str]] | None:
        """Its alias table's owner column and normalized name (Core), or None."""
        if self.alias_owner_name is None:
            return None
        table = tables.table(f"{self.alias_owner_name}_aliases")
        return table.c[f"{self.alias_owner_name}_id"], table.c["normalized"]

    def _wanted(self) -> list[str]:
        wanted = dict.fromkeys(("id", *self.name_columns, *self.label_columns))
        if self.kind in SCOPE_KINDS:
            wanted["scope_id"] = None
        if self.kind is Kind.PILLAR:
            wanted["alliance_id"] = None
            wanted["number"] = None
        return list(wanted)

    def names(self, row: Row) -> list[str]:
        """The names a row gives (absent or empty ones left out); aliases are not included."""
        return [row[c] for c in self.name_columns if row.get(c)]


ENTITIES: dict[Kind, EntityKind] = {
    e.kind: e
    for e in (
        EntityKind(
            Kind.COUNTRY, "countries", "Country", "countries", "iso3", ("iso3", "name", "iso2"),
            "country", lambda r: country_label(r["name"], r["iso3"]), ("name", "iso3"),
        ),
        EntityKind(
            Kind.ALLIANCE, "alliances", "Alliance", "alliances", "key",
            ("key", "name", "full_name"), "alliance", lambda r: str(r["name"]), ("name",),
        ),
        # A pillar's label needs its alliance's name: `resolve` adds it (see `pillar_label`).
        EntityKind(
            Kind.PILLAR, "pillars", "Pillar", "pillars", "number", ("name",),
            "pillar", lambda r: str(r["name"]), ("name",),
        ),
        EntityKind(
            Kind.TECHNOLOGY_AREA, "technology_areas", "TechnologyArea", "technology_areas", "key",
            ("key", "name"), "technology_area", lambda r: str(r["name"]), ("name",),
        ),
        EntityKind(
            Kind.OFFICIAL, "officials", "Official", "officials", "key", ("key", "name"),
            "official", lambda r: str(r["name"]), ("name",),
        ),
        EntityKind(
            Kind.SOURCE, "sources", "Source", "sources", "key", ("key",),
            None, lambda r: str(r["key"]), ("key",),
        ),
        EntityKind(
            Kind.EXERCISE, "exercises", "Exercise", "exercises", "key", ("key", "name"),
            "exercise", lambda r: str(r["name"]), ("name",), "alliancekb.store.kinds.exercises",
        ),
    )
}  # fmt: skip


def _declare_added_tables() -> None:
    """The Core tables of the kinds added after the core (the core's are spelled in `tables`)."""
    for entity in ENTITIES.values():
        if entity.module != "alliancekb.store.models":
            tables.kind_tables(
                entity.table, entity.key, entity._wanted()[1:], entity.alias_owner_name
            )


_declare_added_tables()

#: Kinds with an alias table, in a stable order.
ALIASED: Sequence[EntityKind] = [e for e in ENTITIES.values() if e.alias_owner_name is not None]
