"""The `exercises:` section of a dump: each exercise with its editions, in the load format.

It reads what the dumper holds (the connection, the name chooser, the key order, the
source keys: `dump.kind_part.DumpReader`) and imports nothing of it; `diff` keys an
exercise by its key and an edition by (exercise, year, name).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, String, select, type_coerce

from alliancekb.core.vocab import ExerciseRole
from alliancekb.dump.kind_part import DumpPart, DumpReader, put
from alliancekb.dump.refs import Refs
from alliancekb.store.kinds import exercises as xm
from alliancekb.store.resolve import Kind

Record = dict[str, Any]
#: An organiser is written as a name that resolves to it among countries and alliances,
#: as the loader resolves it.
ORGANISER_KINDS = frozenset({Kind.COUNTRY, Kind.ALLIANCE})
_COUNTRY = frozenset({Kind.COUNTRY})
#: Participants are written hosts first, then participants, then observers.
_ROLE_ORDER = {role.value: i for i, role in enumerate(ExerciseRole)}


def exercise_records(reader: DumpReader) -> Iterator[Record]:
    """Every exercise by key: its fields, aliases, and editions by (year, name)."""
    conn, refs, order, source_keys = reader.conn, reader.refs, reader.order, reader.source_keys
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


def exercise_facts(record: Record) -> Iterator[tuple[str, str, Record]]:
    """An exercise, then each of its editions, keyed by (exercise, year, name)."""
    editions = record.pop("editions", [])
    yield "exercise", record["key"], record
    for edition in editions:
        yield "edition", f"{record['key']}|{edition['year']}|{edition.get('name', '')}", edition


PART = DumpPart(
    "exercises",
    (
        "exercises", "exercise_aliases", "exercise_editions", "exercise_participants",
        "exercise_edition_sources",
    ),
    exercise_records,
    exercise_facts,
)  # fmt: skip
