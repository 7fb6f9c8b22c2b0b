"""What changed in the knowledge base between two loads: facts added, updated field by
field, removed and retracted, each with the load that made the change.

Facts are compared as the dump writes them (the load format: natural keys and names, not
database ids), so a diff reads like an edit of the YAML. The states are the ones
`--known-on` reads (`store.versions`): the knowledge base after the first load, after
each load in between that changed anything, and after the last. Memberships and
statements are read only where a load in the range wrote or replaced them (or their
links), so a diff costs what changed, not the size of the knowledge base; the small
sections are read whole when a load touched them.
"""

# ruff: noqa: S608 -- the SQL names only the models' tables

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session, selectinload

from alliancekb.core.knowledge_time import KnownOn, KnownOnError
from alliancekb.dump.dumper import Dumper, Record
from alliancekb.dump.kind_part import DumpPart, dump_parts
from alliancekb.store import models as m
from alliancekb.store.db import read_session
from alliancekb.store.versions import (
    drop_views,
    known_on_views,
    previous_load,
    resolve,
    versions_of,
)

#: The tables behind each section of the dump.
SECTION_TABLES: dict[str, tuple[str, ...]] = {
    "sources": ("sources",),
    "countries": ("countries", "country_aliases", "country_codes"),
    "technology_areas": ("technology_areas", "technology_area_aliases"),
    "alliances": (
        "alliances", "alliance_aliases", "alliance_sources", "scopes",
        "pillars", "pillar_aliases", "pillar_technology_areas",
    ),
    "officials": ("officials", "official_aliases", "positions", "position_sources"),
    "memberships": ("memberships", "membership_sources"),
    "statements": (
        "statements", "statement_countries", "statement_scopes", "statement_technology_areas",
    ),
    "retracted": ("retractions",),
}  # fmt: skip
#: The sections of the kinds added after the core (`dump.kinds`), and their tables.
_PARTS: dict[str, DumpPart] = {part.section: part for part in dump_parts()}
SECTION_TABLES.update((part.section, part.tables) for part in _PARTS.values())

#: Memberships and statements whose ids a diff reads by list (more: read whole).
MAX_LISTED = 20_000


@dataclass(frozen=True)
class LoadFiles:
    """A load in the range: when it finished, and each file with its sha256."""

    load: int
    finished_at: dt.datetime
    files: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DiffResult:
    """The changes from one state to another; rows are keyed as `diff --format json` prints."""

    before: KnownOn
    after: KnownOn
    loads: list[LoadFiles]
    rows: list[dict[str, Any]]


Key = tuple[str, str]  # (kind, natural key)


def diff(
    engine: Engine | Connection, before: str | int | None, after: str | int | None = None
) -> DiffResult:
    """The changes from the state after load `before` to the state after `after` (default:
    the newest load); each a load number or a moment (`store.versions.resolve`). With
    `before` None: what load `after` itself changed (against the load before it)."""
    with read_session(engine) as session:
        conn = session.connection()
        if before is None:
            if after is None:
                raise KnownOnError("name the load whose changes to show", "changes")
            end = _resolve(conn, after, "changes")
            start = _resolve(conn, previous_load(conn, end.load), "changes")
        else:
            start = _resolve(conn, before, "from")
            end = _resolve(conn, after, "to") if after is not None else _newest(conn, start)
        if end.load < start.load:
            raise KnownOnError(
                f"load {end.load} is older than load {start.load}: give the earlier one first", "to"
            )
        loads = _loads(session, start.load, end.load)
        steps = [start.load] + [
            load.load for load in loads if _sections_touched(conn, load.load - 1, load.load)
        ]
        if steps[-1] != end.load:
            steps.append(end.load)
        sections = _sections_touched(conn, start.load, end.load)
        members = _touched_ids(conn, "memberships", "membership_id", start.load, end.load)
        statements = _touched_ids(conn, "statements", "statement_id", start.load, end.load)
        states = [
            _state(session, load, sections, members, statements) for load in dict.fromkeys(steps)
        ]
    files = {load.load: load.files for load in loads}
    rows = list(_changes(states, list(dict.fromkeys(steps)), files))
    return DiffResult(start, end, loads, rows)


def _resolve(conn: Connection, value: str | int, parameter: str) -> KnownOn:
    """`versions.resolve`, its error naming the parameter the value came from."""
    try:
        return resolve(conn, value)
    except KnownOnError as exc:
        raise KnownOnError(str(exc), parameter) from None


def _newest(conn: Connection, start: KnownOn) -> KnownOn:
    loads = m.Load.__table__
    row = conn.execute(
        select(loads.c.id, loads.c.finished_at).order_by(loads.c.id.desc()).limit(1)
    ).one()
    return resolve(conn, int(row.id)) if row.id != start.load else start


def _loads(session: Session, after: int, upto: int) -> list[LoadFiles]:
    found = session.scalars(
        select(m.Load)
        .options(selectinload(m.Load.files))
        .where(m.Load.id > after, m.Load.id <= upto)
        .order_by(m.Load.id)
    )
    return [
        LoadFiles(load.id, load.finished_at, [(f.path, f.sha256) for f in load.files])
        for load in found
    ]


def _written(conn: Connection, table: str, after: int, upto: int) -> bool:
    params = {"a": after, "b": upto}
    now = conn.execute(
        text(f"SELECT 1 FROM {table} WHERE v_load > :a AND v_load <= :b LIMIT 1"), params
    ).first()
    if now is not None:
        return True
    kept = conn.execute(
        text(
            f"SELECT 1 FROM {versions_of(table)} WHERE (v_until > :a AND v_until <= :b) "
            "OR (v_load > :a AND v_load <= :b) LIMIT 1"
        ),
        params,
    ).first()
    return kept is not None


def _sections_touched(conn: Connection, after: int, upto: int) -> set[str]:
    """The sections a load after `after` up to `upto` wrote or replaced rows of."""
    return {
        section
        for section, tables in SECTION_TABLES.items()
        if any(_written(conn, table, after, upto) for table in tables)
    }


def _touched_ids(
    conn: Connection, table: str, owner: str, after: int, upto: int
) -> list[Any] | None:
    """Ids of `table` (or of its links' owners) written or replaced in the range; None: many."""
    params = {"a": after, "b": upto}
    tables = [(table, "id")] + [
        (link, owner) for link in SECTION_TABLES[table][1:] if link.startswith(table[:-1])
    ]
    found: set[Any] = set()
    for name, column in tables:
        for source, where in (
            (name, "v_load > :a AND v_load <= :b"),
            (
                versions_of(name),
                "(v_until > :a AND v_until <= :b) OR (v_load > :a AND v_load <= :b)",
            ),
        ):
            found.update(
                conn.execute(text(f"SELECT DISTINCT {column} FROM {source} WHERE {where}"), params)
                .scalars()
                .all()
            )
            if len(found) > MAX_LISTED:
                return None
    return sorted(found)


def _state(
    session: Session,
    load: int,
    sections: set[str],
    members: Sequence[int] | None,
    statements: Sequence[str] | None,
) -> dict[Key, Record]:
    """The touched facts as they stood after `load`, keyed by kind and natural key."""
    conn = session.connection()
    views = known_on_views(conn, load)
    try:
        session.expunge_all()  # the ORM must not hand back another state's objects
        dumper = Dumper(session)
        facts: dict[Key, Record] = {}
        for section in sorted(sections):
            if section == "memberships":
                records: Iterator[Record] = dumper.memberships(members)
            elif section == "statements":
                records = dumper.statements(statements)
            else:
                records = (
                    _PARTS[section].records(dumper)
                    if section in _PARTS
                    else getattr(dumper, section)()
                )
            for kind, key, record in _facts(section, records):
                facts[(kind, key)] = record
        return facts
    finally:
        drop_views(conn, views)


def _facts(section: str, records: Iterator[Record]) -> Iterator[tuple[str, str, Record]]:
    """Each record as (kind, natural key, fields); pillars and positions on their own."""
    for record in records:
        if section == "sources":
            yield "source", record["key"], record
        elif section == "countries":
            yield "country", record["iso3"], record
        elif section == "technology_areas":
            yield "technology_area", record["key"], record
        elif section == "alliances":
            pillars = record.pop("pillars", [])
            yield "alliance", record["key"], record
            for pillar in pillars:
                yield "pillar", f"{record['key']} pillar {pillar['number']}", pillar
        elif section == "officials":
            positions = record.pop("positions", [])
            yield "official", record["key"], record
            for position in positions:
                yield "position", _position_key({"official": record["key"], **position}), position
        elif section in _PARTS:
            yield from _PARTS[section].facts(record)
        elif section == "memberships":
            yield "membership", _membership_key(record), record
        elif section == "statements":
            yield "statement", record["id"], record
        else:
            yield "retraction", _retraction_key(record), record


def _membership_key(record: Record) -> str:
    parts = [record["country"], record["scope"], record["role"], record.get("from", "")]
    if record.get("claimed_by"):
        parts.append(record["claimed_by"])
    return "|".join(parts)


def _retraction_key(record: Record) -> str:
    kind = record["kind"]
    if kind == "statement":
        return f"statement|{record['id']}"
    if kind == "membership":
        return "membership|" + _membership_key(record)
    return "position|" + _position_key(record)


def _position_key(record: Record) -> str:
    """`official|title|from`, and `|dataset` for a dataset's claim (as retractions key it)."""
    parts = [record["official"], record["title"], record.get("from", "")]
    if record.get("claimed_by"):
        parts.append(record["claimed_by"])
    return "|".join(parts)


def _changes(
    states: list[dict[Key, Record]], loads: list[int], files: dict[int, list[tuple[str, str]]]
) -> Iterator[dict[str, Any]]:
    first, last = states[0], states[-1]
    retracted = {
        key: record
        for (kind, key), record in last.items()
        if kind == "retraction" and (kind, key) not in first
    }
    for fact in sorted(set(first) | set(last)):
        kind, key = fact
        old, new = first.get(fact), last.get(fact)
        if old == new:
            continue
        # the last load in the range whose step changed this fact
        load = next(
            loads[i]
            for i in range(len(states) - 1, 0, -1)
            if states[i].get(fact) != states[i - 1].get(fact)
        )
        base = {"load": load, "files": [f"{p} sha256:{h}" for p, h in files.get(load, [])]}
        if kind == "retraction" and tuple(key.split("|", 1)) in first:
            continue  # said on the retracted fact's own row
        if old is None:
            yield _row(base, "added", kind, key, None, None, _text(new))
        elif new is None:
            retraction = retracted.get(f"{kind}|{key}")
            if retraction is not None:
                why = f"{retraction['reason']} (by {retraction['by']})"
                yield _row(base, "retracted", kind, key, None, _text(old), why)
            else:
                yield _row(base, "removed", kind, key, None, _text(old), None)
        else:
            for name in sorted(set(old) | set(new)):
                if old.get(name) != new.get(name):
                    was, now = old.get(name), new.get(name)
                    yield _row(base, "updated", kind, key, name, _text(was), _text(now))


def _row(
    base: dict[str, Any],
    change: str,
    kind: str,
    key: str,
    name: str | None,
    old: str | None,
    new: str | None,
) -> dict[str, Any]:
    return {
        "change": change,
        "kind": kind,
        "key": key,
        "field": name,
        "old": old,
        "new": new,
        **base,
    }


def _text(value: Any) -> str | None:
    """A value as one line of text: lists joined by '; ', records as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
