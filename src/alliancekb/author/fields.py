"""Every field of the load format, described for people: read from the Pydantic models.

Which fields a record has, which are required, their types and the allowed values of each
vocabulary all come from the models in `load/schema.py` (and `core/vocab.py` through
them), so a field added to a model appears in the template and the JSON Schema at once.
Only the words for people live here: a description and an example per field, where the
model carries none of its own (`Field(description=..., examples=[...])` wins: a kind added
after the core says its own, in `load.kinds`, and its section's note in its `Section`).
tests/test_author.py checks that every field of every model has a description and that no
description is left over for a field that is gone.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Union

from pydantic import BaseModel, RootModel
from pydantic.fields import FieldInfo

from alliancekb.load import schema as s
from alliancekb.load.all_sections import SECTION_BY_NAME

#: What each section's records are (docs/yaml-format.md, "The shape of a file").
SECTION_NOTES: Final[dict[str, str]] = {
    "sources": "where facts come from; every fact cites one",
    "countries": "states, by ISO 3166 code",
    "technology_areas": "fields of cooperation",
    "alliances": "alliances, with their pillars",
    "officials": "people who speak or hold office, with their positions",
    "memberships": "a country's place in an alliance or pillar",
    "statements": "something a speaker said, with its source",
    "retracted": "facts withdrawn, with why (one item per fact; `kind` says which)",
}

# model -> field (Python name) -> (description, example as YAML text or None)
_NOTES: Final[dict[type[BaseModel], dict[str, tuple[str, str | None]]]] = {
    s.SourceIn: {
        "key": ("the source's own short name, used to cite it", "wsj-emanuel-2024-04"),
        "title": ("the title as published", "Interview with US Ambassador Rahm Emanuel"),
        "publisher": ("who published it", "The Wall Street Journal"),
        "author": ("who wrote it", "Roderick Gilbert"),
        "url": ("where it can be read", "https://www.wsj.com/..."),
        "published": ("when it was published; say `unknown` explicitly when it is", "2024-04~"),
        "retrieved": ("when you read it", "2024-04-12"),
        "kind": ("what sort of source it is", "news"),
        "note": ("what the dating rests on, caveats", None),
    },
    s.CountryIn: {
        "iso3": ("ISO 3166-1 alpha-3 code (or a former ISO 3166-3 code)", "JPN"),
        "name": ("default: the ISO name", "Japan"),
        "iso2": ("ISO alpha-2 code; must agree with ISO when given", "JP"),
        "aliases": ("other names people use", "[Nippon]"),
        "codes": ("codes other systems give the country, dated (COW ccodes)", None),
    },
    s.CountryCodeIn: {
        "scheme": ("the code system: `cow` (Correlates of War; ATOP uses it too)", "cow"),
        "code": ("the code", "255"),
        "from_": ("since when the code names this country", "1990-10-03"),
        "to": ("until when (its last day)", None),
    },
    s.TechnologyAreaIn: {
        "key": ("the area's short name", "quantum"),
        "name": ("the area's name", "Quantum technologies"),
        "description": ("what the area covers, and where that is said", None),
        "aliases": ("other names people use", "[quantum technology]"),
    },
    s.AllianceIn: {
        "key": ("the alliance's short name", "aukus"),
        "name": ("the alliance's name", "AUKUS"),
        "full_name": ("the name in full", "Australia–United Kingdom–United States partnership"),
        "kind": ("what sort of alliance it is", "security-partnership"),
        "founded": ("when its founding text was signed or announced", "2021-09-15"),
        "ended": ("when it was dissolved, if it was", "1991-07-01"),
        "obligations": ("what its treaty binds every member to", "[defense, consultation]"),
        "description": ("what it is, and where that is said", None),
        "aliases": ("other names people use", "[AUKUS partnership]"),
        "sources": ("sources for the alliance itself", "[wh-aukus-2021-09-15]"),
        "pillars": ("its pillars (lines of effort), each numbered", None),
    },
    s.PillarIn: {
        "number": ("the pillar's number within its alliance, 1 to 99", "2"),
        "name": ("the pillar's name", "Advanced capabilities"),
        "description": ("what the pillar covers", None),
        "aliases": ("other names (Pillar 2, Pillar II, Pillar Two are known already)", None),
        "technology_areas": ("the technology areas it covers", "[quantum, hypersonics]"),
    },
    s.OfficialIn: {
        "key": ("the person's short name", "rahm-emanuel"),
        "name": ("the person's name", "Rahm Emanuel"),
        "aliases": ("other names the sources use", "[Ambassador Emanuel]"),
        "note": ("caveats about the person's records", None),
        "positions": ("offices held, each with its sources", None),
    },
    s.PositionIn: {
        "title": ("the office", "Ambassador to Japan"),
        "country": ("the country the office belongs to", "USA"),
        "alliance": ("or the alliance it belongs to (not both)", None),
        "organisation": ("any other organisation, free text", None),
        "from_": ("when the term began; left out = from the earliest cited source", "2022-03"),
        "to": ("when it ended; left out = not known to have ended", None),
        "confirmed": ("the newest date a source supports the position", None),
        "note": ("caveats", None),
        "sources": ("sources for the position, at least one", "[wsj-emanuel-2024-04]"),
    },
    s.MembershipIn: {
        "country": ("the country", "JPN"),
        "scope": ("the alliance or pillar", "AUKUS Pillar 2"),
        "role": ("the country's role", "partner"),
        "status": ("where the relation stands; only in-force means in it today", "expected"),
        "from_": ("when it began; left out = from the earliest cited source", "2024-04~"),
        "to": ("when it ended; left out = not known to have ended", None),
        "confirmed": ("the newest date a source supports the record", None),
        "note": ("the hedges: not confirmed as a full member", None),
        "sources": ("sources for the record, at least one", "[wsj-emanuel-2024-04]"),
    },
    s.StatementIn: {
        "id": ("a stable id; without one, speaker, date and source identify it", None),
        "speaker": ("an official, or a country or alliance speaking as one", "rahm-emanuel"),
        "speaker_label": ("how the source names the speaker", "US Ambassador in Tokyo"),
        "date": ("when it was said", "2024-04~"),
        "text": ("what was said: the verbatim words, or a paraphrase", None),
        "quote": ("true only for verbatim words; default false (a paraphrase)", "false"),
        "stance": ("how the speaker stands towards what is said", "expects"),
        "about": ("the countries, scopes and technology areas it is about", None),
        "source": ("the source that reports it", "wsj-emanuel-2024-04"),
        "note": ("caveats", None),
    },
    s.AboutIn: {
        "countries": ("countries it is about", "[JPN]"),
        "scopes": ("alliances or pillars it is about", "[AUKUS Pillar 2]"),
        "technology_areas": ("technology areas it is about", "[quantum]"),
    },
    s.MembershipRetraction: {
        "kind": ("which kind of fact is withdrawn", "membership"),
        "reason": ("why it is withdrawn", "The interview was misreported."),
        "by": ("who withdraws it (default: the user loading)", None),
        "country": ("the membership's country", "CAN"),
        "scope": ("the membership's alliance or pillar", "AUKUS Pillar 2"),
        "role": ("the membership's role", "partner"),
        "from_": ("the membership's `from`, as recorded (left out: none recorded)", None),
        "claimed_by": ("the dataset whose claim is withdrawn (left out: the own record)", None),
        "record": ("the fact as it was (`dump` writes it)", None),
    },
    s.PositionRetraction: {
        "kind": ("which kind of fact is withdrawn", "position"),
        "reason": ("why it is withdrawn", "Wrong office."),
        "by": ("who withdraws it (default: the user loading)", None),
        "official": ("the official holding the position", "rahm-emanuel"),
        "title": ("the position's title", "Ambassador to Japan"),
        "from_": ("the position's `from`, as recorded (left out: none recorded)", None),
        "claimed_by": ("the dataset whose claim is withdrawn (left out: the own record)", None),
        "record": ("the fact as it was (`dump` writes it)", None),
    },
    s.StatementRetraction: {
        "kind": ("which kind of fact is withdrawn", "statement"),
        "reason": ("why it is withdrawn", "Withdrawn by the newspaper."),
        "by": ("who withdraws it (default: the user loading)", None),
        "id": ("the statement's id (see `alliancekb statements --format json`)", None),
        "record": ("the fact as it was (`dump` writes it)", None),
    },
}

# The string types of the load format, by the public names of load/schema.py: how each
# is called for people, alone and in a list.
_TYPE_NAMES: Final[list[tuple[Any, str, str]]] = [
    (s.Slug, "slug (a-z 0-9 . _ -)", "slugs"),
    (s.Title, "text, one line", "texts"),
    (s.Alias, "text, one line", "texts"),
    (s.ShortText, "text, one line", "texts"),
    (s.Text, "text", "texts"),
    (s.Ref, "name (a key, code, name or alias)", "names"),
    (s.Code, "code", "codes"),
    (s.EdtfText, "date (EDTF)", "dates"),
    (s.EdtfOrUnknown, "date (EDTF) or unknown", "dates"),
    (s.Bool, "true or false", "true or false"),
    (s.Int, "whole number", "whole numbers"),
]


@dataclass(frozen=True)
class FieldDoc:
    """One field of a record as people need to know it."""

    #: The name written in YAML (`from`, not the Python `from_`).
    name: str
    #: The Python attribute name on the model.
    attr: str
    required: bool
    #: The type in words: `slug (a-z 0-9 . _ -)`, `list of names`, `one of the values below`.
    type_name: str
    #: The allowed values of a vocabulary (empty when the field takes any value of its type).
    choices: tuple[str, ...]
    description: str
    example: str | None
    #: A nested record type (`pillars`, `positions`, `about`), and whether it is a list.
    record: type[BaseModel] | None
    many: bool
    #: Bounds of a whole number, when the model sets them.
    bounds: tuple[int | None, int | None]


def description_of(model: type[BaseModel], attr: str) -> str | None:
    """The field's description: the model's own, else this module's; None when neither."""
    info = model.model_fields[attr]
    if info.description:
        return info.description
    note = _NOTES.get(model, {}).get(attr)
    return note[0] if note else None


def section_note(name: str) -> str:
    """What a section's records are, for people (the template's and the schema's comment)."""
    if name in SECTION_NOTES:
        return SECTION_NOTES[name]
    section = SECTION_BY_NAME.get(name)
    return section.note if section is not None and section.note else "records"


def _example_text(examples: list[Any] | None) -> str | None:
    """A model's first example as YAML text (`[Rim of the Pacific]`, `2024`)."""
    if not examples:
        return None
    example = examples[0]
    if isinstance(example, list):
        return "[" + ", ".join(str(item) for item in example) + "]"
    return str(example)


def documented_fields() -> dict[type[BaseModel], set[str]]:
    """The fields this module describes, per model (for the test that none is stale)."""
    return {model: set(notes) for model, notes in _NOTES.items()}


def fields_of(model: type[BaseModel]) -> list[FieldDoc]:
    """Every field of `model`, in the model's order."""
    hints = typing.get_type_hints(model, include_extras=True)
    docs = []
    for attr, info in model.model_fields.items():
        shape = _shape(hints[attr])
        note = _NOTES.get(model, {}).get(attr)
        docs.append(
            FieldDoc(
                name=info.alias or attr,
                attr=attr,
                required=info.is_required(),
                type_name=shape.type_name,
                choices=shape.choices,
                description=description_of(model, attr) or "",
                example=note[1] if note else _example_text(info.examples),
                record=shape.record,
                many=shape.many,
                bounds=_bounds(info, hints[attr]),
            )
        )
    return docs


def variants(model: type[BaseModel]) -> list[type[BaseModel]]:
    """The record models a section's items may take: the members of a root model's union
    (`retracted:` items, told apart by `kind`), else the model itself."""
    if not issubclass(model, RootModel):
        return [model]
    found: list[type[BaseModel]] = []
    stack: list[Any] = [model.model_fields["root"].annotation]
    while stack:
        hint = stack.pop(0)
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            found.append(hint)
        else:
            stack += list(typing.get_args(hint))
    return found


def models_in(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """`model`'s record types and every record type nested in them, depth first, each once."""
    seen: list[type[BaseModel]] = []

    def walk(current: type[BaseModel]) -> Iterator[type[BaseModel]]:
        if current in seen:
            return
        seen.append(current)
        yield current
        for doc in fields_of(current):
            if doc.record is not None:
                yield from walk(doc.record)

    for variant in variants(model):
        yield from walk(variant)


@dataclass(frozen=True)
class _Shape:
    type_name: str
    choices: tuple[str, ...] = ()
    record: type[BaseModel] | None = None
    many: bool = False


def _shape(hint: Any) -> _Shape:
    hint = _without_none(hint)
    for known, name, _plural in _TYPE_NAMES:
        if hint == known:
            return _Shape(name)
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:  # constraints on a type (`Field(min_length=1)`)
        return _shape(typing.get_args(hint)[0])
    if origin is list:
        (item,) = typing.get_args(hint)
        inner = _shape(item)
        if inner.record is not None:
            return _Shape(f"list of {_record_name(inner.record)}s", (), inner.record, True)
        plural = next((p for k, _, p in _TYPE_NAMES if _without_none(item) == k), "values")
        return _Shape(f"list of {plural}", inner.choices)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _Shape("choice", tuple(str(v.value) for v in hint))
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _Shape("mapping", (), hint)
    if hint in (str, int, bool):
        return _Shape({str: "text", int: "whole number", bool: "true or false"}[hint])
    return _Shape("value")


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def _record_name(model: type[BaseModel]) -> str:
    """`PillarIn` -> `pillar`, `AboutIn` -> `about` (the record as people call it)."""
    return model.__name__.removesuffix("In").lower()


def _bounds(info: FieldInfo, hint: Any) -> tuple[int | None, int | None]:
    low = high = None
    metadata: list[Any] = list(info.metadata)
    if typing.get_origin(hint) is typing.Annotated:
        for extra in typing.get_args(hint)[1:]:
            if isinstance(extra, FieldInfo):
                metadata += extra.metadata
    for item in metadata:
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high
