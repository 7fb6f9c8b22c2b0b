"""Pydantic models of the YAML load format (docs/yaml-format.md).

The reader hands every scalar over as a string (or None for an empty value); these models
decide every type, so `NO` stays Norway and `012` stays `012`. Unknown fields are errors.
"""

from __future__ import annotations

from typing import Annotated

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from alliancekb.core.dates import EdtfDate, EdtfError, parse_edtf
from alliancekb.core.names import normalize
from alliancekb.core.vocab import AllianceKind, Role, SourceKind, Stance, Status


def _edtf(value: str) -> str:
    try:
        return parse_edtf(value).text
    except EdtfError as exc:
        raise ValueError(str(exc)) from None


def _no_nul(value: str) -> str:
    # YAML may spell it as an escape ("\0"); PostgreSQL cannot store it in text at all.
    if "\x00" in value:
        raise ValueError("text may not contain the character U+0000 (NUL)")
    return value


NoNul = AfterValidator(_no_nul)
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000), NoNul
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul
]
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$"
    ),
]


def _has_word(value: str) -> str:
    if not normalize(value):
        raise ValueError(f"{value!r} has no letter or digit, so it cannot name anything")
    return value


#: Another name for an entity: compared without case, accents and punctuation.
Alias = Annotated[ShortText, AfterValidator(_has_word)]
#: A reference to another entity by its key, code, name or any alias.
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul]
UNKNOWN_DATE = "unknown"


def _edtf_or_unknown(value: str) -> str:
    return UNKNOWN_DATE if value.lower() == UNKNOWN_DATE else _edtf(value)


EdtfText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_edtf)]
#: An EDTF date, or the word `unknown` said explicitly.
EdtfOrUnknown = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_edtf_or_unknown)
]


def bounds(text: str | None) -> EdtfDate | None:
    """The parsed EDTF date of a validated field, or None when absent or `unknown`."""
    if text is None or text == UNKNOWN_DATE:
        return None
    return parse_edtf(text)


class Record(BaseModel):
    """Base of every YAML record: unknown fields are errors, values are never coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceIn(Record):
    key: Slug
    title: Text
    publisher: ShortText | None = None
    author: ShortText | None = None
    url: ShortText | None = None
    published: EdtfOrUnknown = Field(
        description="EDTF date of publication, or `unknown` said explicitly"
    )
    retrieved: EdtfText | None = None
    kind: SourceKind
    note: Text | None = None


class CountryIn(Record):
    iso3: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)]
    name: ShortText | None = None
    iso2: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)] | None = None
    aliases: list[Alias] | None = None

    @field_validator("iso3")
    @classmethod
    def _known_iso3(cls, value: str) -> str:
        if iso_country(value) is None:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 code")
        return value

    @model_validator(mode="after")
    def _iso2_matches(self) -> CountryIn:
        expected = iso_country(self.iso3)
        if self.iso2 is not None and expected is not None and expected.get("iso2") != self.iso2:
            raise ValueError(
                f"iso2 {self.iso2!r} does not match ISO 3166 for {self.iso3} "
                f"({expected.get('iso2') or 'none'})"
            )
        return self


def iso_country(iso3: str) -> dict[str, str] | None:
    """ISO 3166 facts for a code: current (3166-1) or formerly used (3166-3)."""
    if len(iso3) != 3 or not iso3.isalpha():
        return None
    current = pycountry.countries.get(alpha_3=iso3.upper())
    if current is not None:
        return {
            "iso3": current.alpha_3,
            "iso2": current.alpha_2,
            "name": getattr(current, "common_name", None) or current.name,
            "official_name": getattr(current, "official_name", current.name),
        }
    former = pycountry.historic_countries.get(alpha_3=iso3.upper())
    if former is not None:
        return {"iso3": former.alpha_3, "name": former.name, "official_name": former.name}
    return None


class TechnologyAreaIn(Record):
    key: Slug
    name: ShortText
    description: Text | None = None
    aliases: list[Alias] | None = None


class PillarIn(Record):
    number: Annotated[int, Field(ge=1, le=99)]
    name: ShortText
    description: Text | None = None
    aliases: list[Alias] | None = None
    technology_areas: list[Ref] | None = None


class AllianceIn(Record):
    key: Slug
    name: ShortText
    full_name: ShortText | None = None
    kind: AllianceKind
    founded: EdtfText | None = None
    description: Text | None = None
    aliases: list[Alias] | None = None
    sources: list[Ref] | None = None
    pillars: list[PillarIn] | None = None

    @field_validator("pillars")
    @classmethod
    def _unique_numbers(cls, pillars: list[PillarIn] | None) -> list[PillarIn] | None:
        numbers = [p.number for p in pillars or []]
        dupes = sorted({n for n in numbers if numbers.count(n) > 1})
        if dupes:
            raise ValueError(f"pillar number(s) {dupes} appear more than once")
        return pillars


def _check_order(start: str | None, end: str | None) -> None:
    lo, hi = bounds(start), bounds(end)
    if lo is not None and hi is not None and lo.lower > hi.upper:
        raise ValueError(f"'from' ({start}) is after 'to' ({end})")


class MembershipIn(Record):
    country: Ref
    scope: Ref
    role: Role
    status: Status
    from_: EdtfText | None = Field(default=None, alias="from")
    to: EdtfText | None = None
    note: Text | None = None
    sources: Annotated[list[Ref], Field(min_length=1)]

    @model_validator(mode="after")
    def _dates_in_order(self) -> MembershipIn:
        _check_order(self.from_, self.to)
        return self


class PositionIn(Record):
    title: ShortText
    country: Ref | None = None
    alliance: Ref | None = None
    organisation: ShortText | None = None
    from_: EdtfText | None = Field(default=None, alias="from")
    to: EdtfText | None = None
    note: Text | None = None
    sources: Annotated[list[Ref], Field(min_length=1)]

    @model_validator(mode="after")
    def _valid(self) -> PositionIn:
        if self.country is not None and self.alliance is not None:
            raise ValueError("a position belongs to a country or an alliance, not both")
        _check_order(self.from_, self.to)
        return self


class OfficialIn(Record):
    key: Slug
    name: ShortText
    aliases: list[Alias] | None = None
    note: Text | None = None
    positions: list[PositionIn] | None = None


class AboutIn(Record):
    countries: list[Ref] = Field(default_factory=list)
    scopes: list[Ref] = Field(default_factory=list)
    technology_areas: list[Ref] = Field(default_factory=list)


class StatementIn(Record):
    id: Slug | None = None
    speaker: Ref
    speaker_label: ShortText | None = None
    date: EdtfText
    text: Text
    quote: bool = False
    stance: Stance
    about: AboutIn = Field(default_factory=AboutIn)
    source: Ref
    note: Text | None = None


#: Section name -> record model, in the order a load applies them (dependencies first).
SECTIONS: dict[str, type[Record]] = {
    "sources": SourceIn,
    "countries": CountryIn,
    "technology_areas": TechnologyAreaIn,
    "alliances": AllianceIn,
    "officials": OfficialIn,
    "memberships": MembershipIn,
    "statements": StatementIn,
}


def field_aliases(model: type[BaseModel]) -> dict[str, str]:
    """Python attribute name -> YAML field name, where they differ (`from_` -> `from`)."""
    return {name: info.alias for name, info in model.model_fields.items() if info.alias is not None}
