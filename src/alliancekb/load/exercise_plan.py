"""The plan of an exercise's organiser and editions (what differs from the generic entity path).

`load.plan.Planner` plans an exercise's own row like every entity section (its key, name,
aliases; `load.sections`), and hands over here what an exercise has besides: the organiser
(a country or an alliance, resolved with the rest of the record before anything is
written) and its editions, each upserted by (exercise, year, name) with its dates, its
sources and its participants. As with an official's positions, an edition the record
leaves out stays; an edition's participants and sources, when given, replace the stored
ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from alliancekb.core.dates import dated_columns
from alliancekb.core.vocab import ExerciseRole
from alliancekb.load.apply import Writes
from alliancekb.load.resolve import ONE_KIND, Loc, Resolver, Unresolved
from alliancekb.load.schema import EditionIn, ExerciseIn
from alliancekb.load.sections import EDITION_PARTICIPANTS, EDITION_SOURCES, EDITIONS, Link
from alliancekb.load.stored import StoredRows
from alliancekb.store.resolve import Kind, Ref

#: What an organiser may be.
ORGANISER_KINDS = frozenset({Kind.COUNTRY, Kind.ALLIANCE})
EDITION_KEY = ("exercise_id", "year", "name")


@dataclass(frozen=True)
class ResolvedEdition:
    """An edition's references as ids: (country id, role) per participant, source ids."""

    participants: list[tuple[int, ExerciseRole]]
    sources: list[int]


@dataclass(frozen=True)
class ResolvedExercise:
    organiser: Ref | None
    editions: list[ResolvedEdition]


class EditionPlanner(Protocol):
    """What of `load.plan.Planner` the editions use."""

    stored: StoredRows
    writes: Writes

    def count(self, kind: str, outcome: str) -> None: ...

    def set_links(self, link: Link, owner_id: Any, targets: list[int] | None) -> str: ...


def resolve_exercise(resolver: Resolver, record: ExerciseIn) -> ResolvedExercise:
    """Every name the record gives, as ids; `Unresolved` at the first that is not known."""
    organiser = None
    if record.organiser is not None:
        organiser = resolver.ref(record.organiser, ORGANISER_KINDS, ("organiser",))
    editions = [
        _resolve_edition(resolver, edition, ("editions", i))
        for i, edition in enumerate(record.editions or [])
    ]
    return ResolvedExercise(organiser, editions)


def _resolve_edition(resolver: Resolver, edition: EditionIn, loc: Loc) -> ResolvedEdition:
    participants: dict[int, ExerciseRole] = {}
    for j, participant in enumerate(edition.participants):
        where = (*loc, "participants", j, "country")
        ref = resolver.ref(participant.country, ONE_KIND[Kind.COUNTRY], where)
        if ref.id in participants:  # two names of one country (`UK`, `GBR`)
            raise Unresolved(where, f"{ref.label} is named more than once among the participants")
        participants[ref.id] = participant.role
    sources = [r.id for r in resolver.refs(edition.sources, Kind.SOURCE, (*loc, "sources"))]
    return ResolvedEdition(sorted(participants.items()), sources)


def organiser_values(record: ExerciseIn, resolved: ResolvedExercise) -> dict[str, Any]:
    """The organiser's two columns (one of them NULL), or nothing when the record leaves
    it out (the stored organiser stays)."""
    if "organiser" not in record.model_fields_set:
        return {}
    ref = resolved.organiser
    return {
        "organiser_country_id": ref.id if ref is not None and ref.kind is Kind.COUNTRY else None,
        "organiser_alliance_id": ref.id if ref is not None and ref.kind is Kind.ALLIANCE else None,
    }


def plan_editions(
    planner: EditionPlanner, exercise_id: int, record: ExerciseIn, resolved: ResolvedExercise
) -> None:
    """Upsert each edition the record gives, with its sources and participants."""
    for edition, refs in zip(record.editions or [], resolved.editions, strict=True):
        values: dict[str, Any] = {
            **dated_columns("from_text", "from", edition.from_),
            **dated_columns("to_text", "to", edition.to),
            "note": edition.note,
        }
        key = (exercise_id, edition.year, edition.name or "")
        row_id, outcome = planner.stored.upsert(EDITIONS, EDITION_KEY, key, values)
        outcomes = [
            outcome,
            planner.set_links(EDITION_SOURCES, row_id, refs.sources),
            _set_participants(planner, row_id, refs.participants),
        ]
        planner.count("editions", _merged(outcomes))


def _set_participants(
    planner: EditionPlanner, edition_id: int, participants: list[tuple[int, ExerciseRole]]
) -> str:
    stored = planner.stored.owned(EDITION_PARTICIPANTS, "edition_id")
    wanted = [
        {"edition_id": edition_id, "country_id": country, "role": role}
        for country, role in participants
    ]
    have = sorted(
        ((r["country_id"], str(r["role"])) for r in stored.get(edition_id, [])),
    )
    if have == [(r["country_id"], str(r["role"])) for r in wanted]:
        return "unchanged"
    planner.writes.replace_owned(EDITION_PARTICIPANTS, "edition_id", edition_id, wanted)
    stored[edition_id] = wanted
    return "updated"


def _merged(outcomes: list[str]) -> str:
    if "created" in outcomes:
        return "created"
    return "updated" if "updated" in outcomes else "unchanged"
