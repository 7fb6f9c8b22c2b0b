"""`exercises`: one row per edition of a military exercise, who hosted and who took part.

An edition runs from the first day its `from` can mean to the last day its `to` can mean
(`edition_span`): without a `to`, to the last day of its `from` (a `from` of `2026-07`
runs through July); without either, the whole of its year. `--as-of D` keeps the
editions running on D; `--country C` those C takes part in, in any role.

Its `PART` gives an exercise's card (its editions) and timeline (an event per edition),
and a country's card section and timeline events (the editions it took part in).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from alliancekb.core.formats import Row
from alliancekb.core.vocab import ExerciseRole
from alliancekb.query.common import text_or_none
from alliancekb.query.kind_part import CardData, Event, QueryPart
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The JSON field names of an edition row, in order.
EXERCISE_FIELDS = (
    "exercise",
    "edition",
    "year",
    "from",
    "to",
    "hosts",
    "participants",
    "observers",
    "organiser",
    "exercise_key",
    "note",
    "sources",
)
#: Which list of a row each role fills.
ROLE_FIELDS = {
    ExerciseRole.HOST: "hosts",
    ExerciseRole.PARTICIPANT: "participants",
    ExerciseRole.OBSERVER: "observers",
}


@dataclass
class ExercisesResult:
    """Editions of exercises, oldest first; rows keyed by EXERCISE_FIELDS.

    `as_of`: only the editions running that day (None: every edition); `country`: only
    those this country (its label) takes part in, in any role.
    """

    rows: list[Row] = field(repr=False)
    as_of: dt.date | None = None
    country: str | None = None


def edition_span(
    year: int, from_lower: dt.date | None, from_upper: dt.date | None, to_upper: dt.date | None
) -> tuple[dt.date, dt.date]:
    """The first and last day an edition can be running, from its dates at their precision."""
    start = from_lower or dt.date(year, 1, 1)
    end = to_upper or from_upper or dt.date(year, 12, 31)
    return start, max(start, end)


def exercises(
    session: Reader, *, as_of: dt.date | None = None, country: str | None = None
) -> ExercisesResult:
    """Every edition of every exercise (or those running on `as_of`, or with `country`)."""
    label = None
    country_id = None
    if country is not None:
        ref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        label, country_id = ref.label, ref.id
    rows = edition_rows(session)
    if country_id is not None:
        rows = [r for r in rows if country_id in r["_roles"]]
    if as_of is not None:
        rows = [r for r in rows if r["_start"] <= as_of <= r["_end"]]
    return ExercisesResult([_public(r) for r in rows], as_of, label)


def _public(row: dict[str, Any]) -> Row:
    return {k: row.get(k) for k in EXERCISE_FIELDS}


def edition_rows(session: Reader, exercise_id: int | None = None) -> list[dict[str, Any]]:
    """Every edition (or one exercise's) as a row, oldest first; each row also carries
    `_start`, `_end` (its span), `_roles` (each taking part country's id: its role) and
    `_id`."""
    e, x = t.exercise_editions.c, t.exercises.c
    # The organiser's name (a country's, else an alliance's) in the same query: not every
    # country's and alliance's name read to look up a few.
    organiser = func.coalesce(t.countries.c.name, t.alliances.c.name).label("organiser")
    stmt = (
        select(
            e.id, e.year, e.name, e.from_text, e.from_lower, e.from_upper, e.to_text,
            e.to_upper, e.note, x.key, x.name.label("exercise"), organiser,
        )
        .join(t.exercises, x.id == e.exercise_id)
        .outerjoin(t.countries, t.countries.c.id == x.organiser_country_id)
        .outerjoin(t.alliances, t.alliances.c.id == x.organiser_alliance_id)
    )  # fmt: skip
    if exercise_id is not None:
        stmt = stmt.where(e.exercise_id == exercise_id)
    editions = session.execute(stmt).all()
    ids = [r.id for r in editions]
    people = _participants(session, ids)
    sources = _sources(session, ids)
    rows: list[dict[str, Any]] = []
    for r in editions:
        start, end = edition_span(r.year, r.from_lower, r.from_upper, r.to_upper)
        row: dict[str, Any] = {
            "exercise": r.exercise,
            "edition": r.name or f"{r.exercise} {r.year}",
            "year": r.year,
            "from": text_or_none(r.from_text),
            "to": text_or_none(r.to_text),
            "organiser": r.organiser,
            "exercise_key": r.key,
            "note": r.note,
            "sources": sources.get(r.id, []),
            "_id": r.id,
            "_start": start,
            "_end": end,
            "_roles": {cid: held for cid, _, held in people.get(r.id, [])},
        }
        for role, key in ROLE_FIELDS.items():
            row[key] = [name for _, name, held in people.get(r.id, []) if held == role]
        rows.append(row)
    rows.sort(key=lambda row: (row["_start"], row["exercise"], row["edition"]))
    return rows


def country_editions(session: Reader, country_id: int) -> list[dict[str, Any]]:
    """The editions a country took part in, oldest first, each with its role in it (host,
    participant or observer): a country's card and timeline list them."""
    found = []
    for row in edition_rows(session):
        role = row["_roles"].get(country_id)
        if role is None:
            continue
        found.append(
            {
                "edition": row["edition"],
                "exercise": row["exercise"],
                "from": row["from"] or str(row["year"]),
                "to": row["to"],
                "role": role,
                "sources": row["sources"],
                "_start": row["_start"],
            }
        )
    return found


def _participants(session: Reader, ids: Sequence[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Per edition: (country id, name, role) of each participant, by name."""
    p, c = t.exercise_participants.c, t.countries.c
    out: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    if not ids:
        return out
    stmt = (
        select(p.edition_id, c.id, c.name, p.role)
        .join(t.countries, c.id == p.country_id)
        .where(p.edition_id.in_(ids))
        .order_by(c.name)
    )
    for edition_id, country_id, name, role in session.execute(stmt):
        out[edition_id].append((country_id, name, str(role)))
    return out


def _sources(session: Reader, ids: Sequence[int]) -> dict[int, list[str]]:
    link, s = t.exercise_edition_sources, t.sources.c
    out: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return out
    stmt = (
        select(link.c.edition_id, s.key)
        .join(t.sources, s.id == link.c.source_id)
        .where(link.c.edition_id.in_(ids))
        .order_by(s.key)
    )
    for edition_id, key in session.execute(stmt):
        out[edition_id].append(key)
    return out


def organiser_name(session: Reader, exercise: Any) -> str | None:
    """An exercise's organiser by name, or None (`exercise`: a row of `exercises`)."""
    for owner, organiser in (
        (t.countries, exercise.organiser_country_id),
        (t.alliances, exercise.organiser_alliance_id),
    ):
        if organiser is not None:
            stmt = select(owner.c.name).where(owner.c.id == organiser)
            return str(session.execute(stmt).scalar_one())
    return None


def _card(session: Reader, exercise_id: int) -> CardData:
    x, alias = t.exercises, t.exercise_aliases.c
    exercise = session.execute(select(x).where(x.c.id == exercise_id)).one()
    aliases = select(alias.alias).where(alias.exercise_id == exercise_id).order_by(alias.alias)
    editions = edition_rows(session, exercise_id)
    fields = [
        ("key", exercise.key),
        ("name", exercise.name),
        ("aliases", list(session.scalars(aliases))),
        ("organiser", organiser_name(session, exercise)),
        ("description", exercise.description),
        ("editions", len(editions)),
    ]
    return CardData(fields, [("editions", list[Row](editions))])


def _timeline(session: Reader, exercise_id: int) -> list[Row]:
    """An exercise's editions as timeline rows, by their first day: when, who hosted, how
    many took part and who observed."""
    rows: list[Row] = []
    for r in edition_rows(session, exercise_id):
        parts = []
        if r["to"]:
            parts.append(f"to {r['to']}")
        if r["hosts"]:
            parts.append("hosts: " + ", ".join(r["hosts"]))
        if r["participants"]:
            parts.append(f"participants: {len(r['participants'])}")
        if r["observers"]:
            parts.append("observers: " + ", ".join(r["observers"]))
        rows.append(
            {
                "date": r["from"] or str(r["year"]),
                "event": "edition",
                "subject": r["edition"],
                "detail": "; ".join(parts) or None,
                "sources": r["sources"],
            }
        )
    return rows


def _country_section(session: Reader, country_id: int) -> tuple[str, list[Row]]:
    return "exercises", list(country_editions(session, country_id))


def _country_events(session: Reader, country_id: int) -> Iterator[Event]:
    # A country's part in each exercise edition, at the edition's first day.
    for r in country_editions(session, country_id):
        detail = f"{r['role']} in {r['exercise']}" + (f", to {r['to']}" if r["to"] else "")
        row = {
            "date": r["from"],
            "event": "exercise",
            "subject": r["edition"],
            "status": r["role"],
            "detail": detail,
            "sources": r["sources"],
        }
        yield ((r["_start"], 0, r["edition"]), row)


PART = QueryPart(
    Kind.EXERCISE,
    {
        "editions": (
            "edition", "year", "from", "to", "hosts", "participants", "observers", "note",
            "sources",
        ),
        "exercises": ("edition", "exercise", "from", "to", "role", "sources"),
    },
    _card,
    _timeline,
    _country_section,
    _country_events,
)  # fmt: skip
