"""Military exercises in the load format: the `exercises:` section, its records and its plan.

`load.plan.Planner` plans an exercise's own row like every entity section (its key, name,
aliases: `SECTION`), and hands over to `SECTION.parts` what an exercise has besides: the organiser
(a country or an alliance, resolved with the rest of the record before anything is
written) and its editions, each upserted by (exercise, year, name) with its dates, its
sources and its participants. As with an official's positions, an edition the record
leaves out stays; an edition's participants and sources, when given, replace the stored
ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import Field, field_validator, model_validator
from sqlalchemy import Table

from alliancekb.core.dates import dated_columns
from alliancekb.core.names import normalize
from alliancekb.core.vocab import ExerciseRole
from alliancekb.load.apply import Writes
from alliancekb.load.resolve import ONE_KIND, Loc, Resolver, Unresolved
from alliancekb.load.schema import (
    Alias,
    EdtfText,
    Int,
    Record,
    ShortText,
    Slug,
    Text,
    bounds,
    check_order,
)
from alliancekb.load.schema import (
    Ref as RefName,
)
from alliancekb.load.sections import Link, Parts, Section, given
from alliancekb.load.stored import StoredRows
from alliancekb.store.entities import ENTITIES
from alliancekb.store.kinds import exercises as xm
from alliancekb.store.resolve import Kind, Ref


class ParticipantIn(Record):
    country: RefName = Field(description="the country", examples=["JPN"])
    role: ExerciseRole = Field(
        default=ExerciseRole.PARTICIPANT,
        description="its part: host, participant (the default) or observer",
        examples=["participant"],
    )


class EditionIn(Record):
    """One running of an exercise: its year (what names it), its dates, who took part."""

    year: Annotated[
        Int, Field(ge=1, le=9999, description="the year that names the edition", examples=[2024])
    ]
    name: ShortText | None = Field(
        default=None, description="the edition's own name (RIMPAC 2024); left out: its year"
    )
    from_: EdtfText | None = Field(
        default=None,
        alias="from",
        description="its first day, at the precision known",
        examples=["2024-06-27"],
    )
    to: EdtfText | None = Field(
        default=None,
        description="its last day; left out = the end of `from` (or of the year)",
        examples=["2024-08-01"],
    )
    participants: list[ParticipantIn] = Field(
        default_factory=list, description="the countries taking part, each with its role"
    )
    note: Text | None = Field(
        default=None, description="caveats: sources that disagree on dates or participants"
    )
    sources: Annotated[
        list[RefName],
        Field(
            min_length=1,
            description="sources for the edition, at least one",
            examples=[["pacfleet-rimpac-2024"]],
        ),
    ]

    @model_validator(mode="after")
    def _valid(self) -> EditionIn:
        check_order(self.from_, self.to)
        start = bounds(self.from_)
        if start is not None and not start.lower.year <= self.year <= start.upper.year:
            raise ValueError(f"'from' ({self.from_}) is not in the edition's year ({self.year})")
        countries = [normalize(p.country) for p in self.participants]
        if len(set(countries)) != len(countries):
            raise ValueError("a country is named more than once among the participants")
        return self


class ExerciseIn(Record):
    key: Slug = Field(description="the exercise's short name", examples=["rimpac"])
    name: ShortText = Field(description="the exercise's name", examples=["RIMPAC"])
    aliases: list[Alias] | None = Field(
        default=None, description="other names people use", examples=[["Rim of the Pacific"]]
    )
    organiser: RefName | None = Field(
        default=None,
        description="the country or alliance that organises it, if one does",
        examples=["USA"],
    )
    description: Text | None = Field(default=None, description="what it is, and where that is said")
    editions: list[EditionIn] | None = Field(
        default=None, description="its runnings, each with its dates, participants and sources"
    )

    @field_validator("editions")
    @classmethod
    def _unique_editions(cls, editions: list[EditionIn] | None) -> list[EditionIn] | None:
        keys = [f"{e.year} {e.name}" if e.name else str(e.year) for e in editions or []]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"edition(s) {', '.join(dupes)} appear more than once")
        return editions


#: What an organiser may be.
ORGANISER_KINDS = frozenset({Kind.COUNTRY, Kind.ALLIANCE})
EDITION_KEY = ("exercise_id", "year", "name")
EDITIONS: Table = xm.ExerciseEdition.__table__  # type: ignore[assignment]
#: An edition's participants (country, role), replaced whole when its record is loaded.
EDITION_PARTICIPANTS: Table = xm.ExerciseParticipant.__table__  # type: ignore[assignment]
EDITION_SOURCES = Link(
    "sources", xm.exercise_edition_sources, "edition_id", "source_id", Kind.SOURCE
)


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


def _exercise_values(e: ExerciseIn, _stored: dict[str, Any] | None) -> dict[str, Any]:
    # The organiser is a reference: `organiser_values` adds its two columns once resolved.
    return given(e, {"name": e.name, "description": e.description}, always={"name"})


#: The `exercises:` section: planned after the core's entities, before memberships.
SECTION = Section(
    ENTITIES[Kind.EXERCISE],
    ExerciseIn,
    _exercise_values,
    parts=Parts(resolve_exercise, organiser_values, plan_editions, counted=("editions",)),
    note="military exercises, with their editions and who took part",
)
