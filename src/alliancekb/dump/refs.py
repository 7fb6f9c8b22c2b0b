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
from alliancekb.store import models as m
from alliancekb.store.resolve import Kind, NameIndex, load_index

EntityKey = tuple[Kind, int]


@dataclass(frozen=True)
class EntityNames:
    """An entity's names in order of preference, and the one messages show (key or code)."""

    label: str
    names: list[str]


def entity_names(conn: Connection) -> dict[EntityKey, EntityNames]:
    """Every entity's names: key or code first, then its names, then its aliases (sorted).

    The one place `dump` reads names. `store.resolve` builds its index from the same
    columns; this is the seam where a shared store function can take over.
    """
    aliases: dict[EntityKey, list[str]] = defaultdict(list)
    for kind, model, owner in (
        (Kind.COUNTRY, m.CountryAlias, m.CountryAlias.country_id),
        (Kind.ALLIANCE, m.AllianceAlias, m.AllianceAlias.alliance_id),
        (Kind.PILLAR, m.PillarAlias, m.PillarAlias.pillar_id),
        (Kind.TECHNOLOGY_AREA, m.TechnologyAreaAlias, m.TechnologyAreaAlias.technology_area_id),
        (Kind.OFFICIAL, m.OfficialAlias, m.OfficialAlias.official_id),
    ):
        for owner_id, alias in conn.execute(select(owner, model.alias)):
            aliases[(kind, owner_id)].append(alias)
    for found in aliases.values():
        found.sort()
    names: dict[EntityKey, EntityNames] = {}
    for cid, iso3, iso2, name in conn.execute(
        select(m.Country.id, m.Country.iso3, m.Country.iso2, m.Country.name)
    ):
        own = [iso3, name, *([iso2] if iso2 else []), *aliases[(Kind.COUNTRY, cid)]]
        names[(Kind.COUNTRY, cid)] = EntityNames(iso3, own)
    alliance_names: dict[int, list[str]] = {}
    for aid, key, name, full_name in conn.execute(
        select(m.Alliance.id, m.Alliance.key, m.Alliance.name, m.Alliance.full_name)
    ):
        own = [key, name, *([full_name] if full_name else []), *aliases[(Kind.ALLIANCE, aid)]]
        alliance_names[aid] = own
        names[(Kind.ALLIANCE, aid)] = EntityNames(key, own)
    for pid, aid, number, name in conn.execute(
        select(m.Pillar.id, m.Pillar.alliance_id, m.Pillar.number, m.Pillar.name)
    ):
        own = [f"pillar {number}", name, *aliases[(Kind.PILLAR, pid)]]
        combined = [f"{a} {p}" for a in alliance_names[aid] for p in own]
        names[(Kind.PILLAR, pid)] = EntityNames(
            combined[0], [*combined, name, *aliases[(Kind.PILLAR, pid)]]
        )
    for tid, key, name in conn.execute(
        select(m.TechnologyArea.id, m.TechnologyArea.key, m.TechnologyArea.name)
    ):
        own = [key, name, *aliases[(Kind.TECHNOLOGY_AREA, tid)]]
        names[(Kind.TECHNOLOGY_AREA, tid)] = EntityNames(key, own)
    for oid, key, name in conn.execute(select(m.Official.id, m.Official.key, m.Official.name)):
        own = [key, name, *aliases[(Kind.OFFICIAL, oid)]]
        names[(Kind.OFFICIAL, oid)] = EntityNames(key, own)
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
