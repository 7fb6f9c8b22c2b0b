"""The `exercises:` section of a dump: each exercise with its editions, in the load format.

Beside `dump.dumper` (which calls it) so that neither module outgrows the size limit; it
reads what the dumper holds (the connection, the name chooser, the key order, the source
keys) and imports nothing of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, String, select, type_coerce

from alliancekb.core.vocab import ExerciseRole
from alliancekb.dump.refs import Refs
from alliancekb.store.kinds import exercises as xm
from alliancekb.store.resolve import Kind
from alliancekb.store.sql_keys import KeyOrder

Record = dict[str, Any]
#: An organiser is written as a name that resolves to it among countries and alliances,
#: as the loader resolves it.
ORGANISER_KINDS = frozenset({Kind.COUNTRY, Kind.ALLIANCE})
_COUNTRY = frozenset({Kind.COUNTRY})
#: Participants are written hosts first, then participants, then observers.
_ROLE_ORDER = {role.value: i for i, role in enumerate(ExerciseRole)}


def exercise_records(
    conn: Connection,
    refs: Refs,
    order: KeyOrder,
    source_keys: dict[int, str],
    put: Callable[[Record, str, Any], None],
) -> Iterator[Record]:
    """Every exercise by key: its fields, aliases, and editions by (year, name)."""
    x, e = xm.Exercise, xm.ExerciseEdition
    aliases: dict[int, list[str]] = defaultdict(list)
    for owner, alias in conn.execute(select(xm.ExerciseAlias.exercise_id, xm.ExerciseAlias.alias)):
        aliases[owner].append(alias)
    editions: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(
        select(e.id, e.exercise_id, e.year, e.name, e.from_text, e.to_text, e.note)
    ):
        editions[row.exercise_id].append(row)
    participants = _participants(conn, refs)
    sources: dict[int, list[str]] = defaultdict(list)
    link = xm.exercise_edition_sources
    for edition_id, source_id in conn.execute(select(link.c.edition_id, link.c.source_id)):
        sources[edition_id].append(source_keys[source_id])
    for xid, key, name, country_id, alliance_id, description in conn.execute(
        select(x.id, x.key, x.name, x.organiser_country_id, x.organiser_alliance_id,
               x.description).order_by(order.key(x.key))
    ):  # fmt: skip
        record: Record = {"key": key, "name": name}
        put(record, "aliases", sorted(aliases.get(xid, [])))
        if country_id is not None:
            record["organiser"] = refs.name(Kind.COUNTRY, country_id, ORGANISER_KINDS)
        if alliance_id is not None:
            record["organiser"] = refs.name(Kind.ALLIANCE, alliance_id, ORGANISER_KINDS)
        put(record, "description", description)
        records = []
        for ed in sorted(editions.get(xid, []), key=lambda r: (r.year, r.name)):
            er: Record = {"year": ed.year}
            put(er, "name", ed.name)
            put(er, "from", ed.from_text)
            put(er, "to", ed.to_text)
            put(er, "participants", participants.get(ed.id, []))
            put(er, "note", ed.note)
            er["sources"] = sorted(sources.get(ed.id, []))
            records.append(er)
        put(record, "editions", records)
        yield record


def _participants(conn: Connection, refs: Refs) -> dict[int, list[Record]]:
    """Per edition: its participants as records, by the name written."""
    p = xm.ExerciseParticipant
    out: dict[int, list[Record]] = defaultdict(list)
    for edition_id, country_id, role in conn.execute(
        select(p.edition_id, p.country_id, type_coerce(p.role, String()))
    ):
        out[edition_id].append(
            {"country": refs.name(Kind.COUNTRY, country_id, _COUNTRY), "role": role}
        )
    for found in out.values():
        found.sort(key=lambda r: (_ROLE_ORDER[r["role"]], r["country"]))
    return dict(out)
