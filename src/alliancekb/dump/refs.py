"""The names `dump` writes for references: for each entity, one that resolves to it alone.

A reference (a statement's speaker, a membership's scope, ...) is written as a name that
the loader's resolver maps to exactly that entity in the dumped database: the key or code
when it is unambiguous, else the first unambiguous name or alias. Aliases may collide
(the loader allows it), so a key alone is not always enough; a reference that no name can
express is an error rather than a dump that loads differently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from alliancekb.core.errors import RuntimeFailure
from alliancekb.store.entities import ALIASED
from alliancekb.store.resolve import Kind, NameIndex, load_index

EntityKey = tuple[Kind, int]


@dataclass(frozen=True)
class EntityNames:
    """An entity's names in order of preference, and the one messages show (key or code)."""

    label: str
    names: list[str]


def entity_names(conn: Connection) -> dict[EntityKey, EntityNames]:
    """Every entity's names: key or code first, then its names, then its aliases (sorted).

    The names and alias tables come from `store.entities`, as the name index's do.
    """
    names: dict[EntityKey, EntityNames] = {}
    alliance_names: dict[int, list[str]] = {}
    for entity in ALIASED:  # alliances before pillars: a pillar is named through them
        aliases: dict[int, list[str]] = defaultdict(list)
        assert entity.alias_model is not None
        for owner_id, alias in conn.execute(select(entity.alias_owner, entity.alias_model.alias)):
            aliases[owner_id].append(alias)
        for found in aliases.values():
            found.sort()
        for row in conn.execute(select(*entity.columns())).mappings():
            own_aliases = aliases[row["id"]]
            if entity.kind is Kind.PILLAR:
                own = [f"pillar {row['number']}", row["name"], *own_aliases]
                combined = [f"{a} {p}" for a in alliance_names[row["alliance_id"]] for p in own]
                names[(Kind.PILLAR, row["id"])] = EntityNames(
                    combined[0], [*combined, row["name"], *own_aliases]
                )
                continue
            own = [*entity.names(row), *own_aliases]
            if entity.kind is Kind.ALLIANCE:
                alliance_names[row["id"]] = own
            names[(entity.kind, row["id"])] = EntityNames(row[entity.key], own)
    return names


class Refs:
    """For each entity, a name that resolves to it alone, found once and remembered."""

    def __init__(self, session: Session, conn: Connection) -> None:
        self.index: NameIndex = load_index(session)
        self._names = entity_names(conn)
        self._chosen: dict[tuple[Kind, int, frozenset[Kind]], str] = {}

    def name(self, kind: Kind, entity_id: int, kinds: frozenset[Kind]) -> str:
        """A name for the entity that resolves to it alone among `kinds`."""
        key = (kind, entity_id, kinds)
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = self._chosen[key] = self._choose(kind, entity_id, kinds)
        return chosen

    def _choose(self, kind: Kind, entity_id: int, kinds: frozenset[Kind]) -> str:
        entity = self._names[(kind, entity_id)]
        for name in entity.names:
            found = self.index.candidates(name, kinds)
            if len(found) == 1 and (found[0].kind, found[0].id) == (kind, entity_id):
                return name
        raise RuntimeFailure(
            f"cannot dump: no name of {kind} {entity.label!r} refers to it "
            f"alone (its names are shared with other entities: {', '.join(entity.names)}); "
            "give it a distinct alias and dump again"
        )
