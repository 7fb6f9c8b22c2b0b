"""Pydantic models of the YAML load format (docs/yaml-format.md).

The reader hands every scalar over as a string (or None for an empty value); these models
decide every type, so `NO` stays Norway and `012` stays `012`. Unknown fields are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Final, Literal, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from alliancekb.core.dates import (
    UNKNOWN_DATE as UNKNOWN_DATE,  # re-exported: the load format's word
)
from alliancekb.core.dates import EdtfDate, EdtfError, parse_edtf
from alliancekb.core.names import normalize
from alliancekb.core.vocab import (
    AllianceKind,
    CodeScheme,
    Obligation,
    Role,
    SourceKind,
    Stance,
    Status,
)
from alliancekb.load.iso_codes import USER_ASSIGNED as USER_ASSIGNED
from alliancekb.load.iso_codes import iso_country as iso_country
from alliancekb.load.iso_codes import user_assigned as user_assigned


def _edtf(value: str) -> str:
    try:
        return parse_edtf(value).text
    except EdtfError as exc:
        raise ValueError(str(exc)) from None


# Characters no string may hold, however YAML spelled them (raw bytes are refused by the
# reader; escapes such as "\e", "\x9b", "\0" or "\uFFFF" arrive here): C0 controls, DEL,
# C1 controls and the noncharacters U+FFFE/U+FFFF. A terminal obeys the controls (colours,
# window titles, a carriage return that overwrites the line), PostgreSQL cannot store NUL.
# Multi-line text (statement text, notes, descriptions) may hold a tab or a line feed.
_ONE_LINE_BAD: Final = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_MULTI_LINE_BAD: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def _refuse(match: re.Match[str], one_line: bool) -> NoReturn:
    code = ord(match.group())
    if code == 0:
        what = "NUL"
    elif code in (0x09, 0x0A) and one_line:
        what = "a tab or line break; this field is one line"
    elif code >= 0xFFFE:
        what = "a noncharacter"
    else:
        what = "a control character"
    raise ValueError(f"text may not contain the character U+{code:04X} ({what})")


def _one_line(value: str) -> str:
    if (bad := _ONE_LINE_BAD.search(value)) is not None:
        _refuse(bad, one_line=True)
    return value


def _multi_line(value: str) -> str:
    if (bad := _MULTI_LINE_BAD.search(value)) is not None:
        _refuse(bad, one_line=False)
    return value


#: The check every string of the format goes through: one of these two is the last
#: validator of every string type below (tests/test_yamlio.py checks that no field misses it).
OneLine = AfterValidator(_one_line)
MultiLine = AfterValidator(_multi_line)
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000), MultiLine
]
#: A title: as long as text may be, but one line.
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000), OneLine
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), OneLine
]
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$"
    ),
    OneLine,
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True), OneLine]

# The only forms of a boolean and an integer the format accepts: YAML 1.2's core schema
# (not YAML 1.1's `yes`/`on`/`y`, nor Pydantic's lax `1`/`t`, nor `012`, `1_0`, `2.0`).
_BOOLEANS: Final = {"true": True, "True": True, "TRUE": True}
_BOOLEANS_FALSE: Final = {"false": False, "False": False, "FALSE": False}
_DECIMAL: Final = re.compile(r"-?(?:0|[1-9][0-9]*)")


def _yaml_bool(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in _BOOLEANS:
            return True
        if text in _BOOLEANS_FALSE:
            return False
        raise ValueError(f"{_shown(value)} is not a boolean; write true or false")
    return value  # not a string: the type check says what it is


def _yaml_int(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL.fullmatch(text) is None:
            raise ValueError(
                f"{_shown(value)} is not a whole number; write plain decimal digits "
                "without leading zeros, underscores or a decimal point (e.g. 12)"
            )
        return int(text)
    if isinstance(value, bool):  # never a number here
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:39] + "…")


#: A boolean: true or false (YAML 1.2 core), nothing else.
YamlBool = BeforeValidator(_yaml_bool)
YamlInt = BeforeValidator(_yaml_int)
Bool = Annotated[bool, YamlBool, Strict()]
#: A whole number in plain decimal digits (YAML 1.2 core, without leading zeros).
Int = Annotated[int, YamlInt, Strict()]


def _has_word(value: str) -> str:
    if not normalize(value):
        raise ValueError(f"{value!r} has no letter or digit, so it cannot name anything")
    return value


#: Another name for an entity: compared without case, accents and punctuation.
Alias = Annotated[ShortText, AfterValidator(_has_word)]
#: A reference to another entity by its key, code, name or any alias.
Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), OneLine
]


def _edtf_or_unknown(value: str) -> str:
    return UNKNOWN_DATE if value.lower() == UNKNOWN_DATE else _edtf(value)


EdtfText = Annotated[str, StringConstraints(strip_whitespace=True), OneLine, AfterValidator(_edtf)]
#: An EDTF date, or the word `unknown` said explicitly.
EdtfOrUnknown = Annotated[
    str, StringConstraints(strip_whitespace=True), OneLine, AfterValidator(_edtf_or_unknown)
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
    title: Title
    publisher: ShortText | None = None
    author: ShortText | None = None
    url: ShortText | None = None
    published: EdtfOrUnknown = Field(
        description="EDTF date of publication, or `unknown` said explicitly"
    )
    retrieved: EdtfText | None = None
    kind: SourceKind
    covers_from: EdtfText | None = Field(
        default=None, description="a dataset's coverage: the first date it covers"
    )
    covers_to: EdtfText | None = Field(
        default=None,
        description="a dataset's coverage: the last date it covers (its claims hold at most "
        "to here: `ongoing` at the end of coverage is not `today`)",
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _coverage_in_order(self) -> SourceIn:
        lo, hi = bounds(self.covers_from), bounds(self.covers_to)
        if lo is not None and hi is not None and lo.lower > hi.upper:
            raise ValueError(
                f"'covers_from' ({self.covers_from}) is after 'covers_to' ({self.covers_to})"
            )
        return self


def _cow_code(value: str) -> str:
    if re.fullmatch(r"[1-9][0-9]{0,3}", value) is None:
        raise ValueError(f"{value!r} is not a COW country code (1 to 9999, no leading zeros)")
    return value


class CountryCodeIn(Record):
    """A code another system gives the country, over the dates it applied."""

    scheme: CodeScheme
    code: Annotated[ShortText, Field(max_length=20)]
    from_: EdtfText | None = Field(default=None, alias="from")
    to: EdtfText | None = None

    @model_validator(mode="after")
    def _valid(self) -> CountryCodeIn:
        if self.scheme is CodeScheme.COW:
            _cow_code(self.code)
        check_order(self.from_, self.to)
        return self


class CountryIn(Record):
    # `name` is declared (so validated) first: whether a user-assigned iso3 is acceptable
    # depends on it, and a problem with the code belongs at `iso3`.
    name: ShortText | None = None
    iso3: Code
    iso2: Code | None = None
    aliases: list[Alias] | None = None
    codes: list[CountryCodeIn] | None = None

    @field_validator("iso3")
    @classmethod
    def _known_iso3(cls, value: str, info: ValidationInfo) -> str:
        if iso_country(value) is not None:
            return value
        if not user_assigned(value):
            raise ValueError(
                f"{value!r} is not an ISO 3166-1 alpha-3 code (nor a former one, ISO "
                "3166-3); a state ISO does not know takes a user-assigned code XAA-XZZ "
                "with its name"
            )
        if info.data.get("name") is None:
            raise ValueError(
                f"{value!r} is not an ISO 3166-1 alpha-3 code: it is in the user-assigned "
                "range XAA-XZZ, which names nothing; give the state's name"
            )
        return value

    @model_validator(mode="after")
    def _iso2_matches(self) -> CountryIn:
        if user_assigned(self.iso3) and iso_country(self.iso3) is None and self.iso2 is not None:
            raise ValueError(f"{self.iso3} is user-assigned: ISO gives it no iso2")
        codes = [(c.scheme, c.code, c.from_ or "") for c in self.codes or []]
        dupes = sorted(
            {f"{s}:{c} from {f or '?'}" for s, c, f in codes if codes.count((s, c, f)) > 1}
        )
        if dupes:
            raise ValueError(f"code(s) {', '.join(dupes)} appear more than once")
        expected = iso_country(self.iso3)
        if self.iso2 is not None and expected is not None and expected.get("iso2") != self.iso2:
            raise ValueError(
                f"iso2 {self.iso2!r} does not match ISO 3166 for {self.iso3} "
                f"({expected.get('iso2') or 'none'})"
            )
        return self


class TechnologyAreaIn(Record):
    key: Slug
    name: ShortText
    description: Text | None = None
    aliases: list[Alias] | None = None


class PillarIn(Record):
    number: Annotated[Int, Field(ge=1, le=99)]
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
    ended: EdtfText | None = Field(
        default=None,
        description="when it was dissolved: every membership of it ends then (left out: not "
        "known to have ended)",
    )
    obligations: list[Obligation] | None = Field(
        default=None,
        description="what its treaty binds every member to; members inherit them unless a "
        "claim of their own codes others",
    )
    description: Text | None = None
    aliases: list[Alias] | None = None
    sources: list[Ref] | None = None
    pillars: list[PillarIn] | None = None

    @model_validator(mode="after")
    def _ended_after_founded(self) -> AllianceIn:
        lo, hi = bounds(self.founded), bounds(self.ended)
        if lo is not None and hi is not None and lo.lower > hi.upper:
            raise ValueError(f"'ended' ({self.ended}) is before 'founded' ({self.founded})")
        return self

    @field_validator("pillars")
    @classmethod
    def _unique_numbers(cls, pillars: list[PillarIn] | None) -> list[PillarIn] | None:
        numbers = [p.number for p in pillars or []]
        dupes = sorted({n for n in numbers if numbers.count(n) > 1})
        if dupes:
            raise ValueError(f"pillar number(s) {dupes} appear more than once")
        return pillars


def check_order(start: str | None, end: str | None) -> None:
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
    confirmed: EdtfText | None = Field(
        default=None,
        description="the newest date a source supports the fact, when a source restates it "
        "later than it was published",
    )
    claimed_by: Ref | None = Field(
        default=None,
        description="the dataset source (kind `dataset`) whose claim this is; left out: "
        "the knowledge base's own record",
    )
    obligations: list[Obligation] | None = Field(
        default=None, description="what the member is committed to, as the source codes it"
    )
    note: Text | None = None
    sources: Annotated[list[Ref], Field(min_length=1)]

    @model_validator(mode="after")
    def _dates_in_order(self) -> MembershipIn:
        check_order(self.from_, self.to)
        return self


def obligations_text(obligations: list[Obligation] | None) -> str:
    """The stored form of a list of obligations: `; `-joined in vocabulary order, '' = none."""
    given = set(obligations or ())
    return "; ".join(o.value for o in Obligation if o in given)


def obligations_list(text: str | None) -> list[str]:
    """The stored form back as a list of values."""
    return [part for part in (text or "").split("; ") if part]


class PositionIn(Record):
    title: ShortText
    country: Ref | None = None
    alliance: Ref | None = None
    organisation: ShortText | None = None
    from_: EdtfText | None = Field(default=None, alias="from")
    to: EdtfText | None = None
    confirmed: EdtfText | None = Field(
        default=None,
        description="the newest date a source supports the fact, when a source restates it "
        "later than it was published",
    )
    claimed_by: Ref | None = Field(
        default=None,
        description="the dataset source (kind `dataset`, e.g. Wikidata) whose claim this is; "
        "left out: the knowledge base's own record",
    )
    note: Text | None = None
    sources: Annotated[list[Ref], Field(min_length=1)]

    @model_validator(mode="after")
    def _valid(self) -> PositionIn:
        if self.country is not None and self.alliance is not None:
            raise ValueError("a position belongs to a country or an alliance, not both")
        check_order(self.from_, self.to)
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
    quote: Bool = False
    stance: Stance
    about: AboutIn = Field(default_factory=AboutIn)
    source: Ref
    note: Text | None = None


def _when(value: object) -> object:
    """An ISO 8601 date or date-time (UTC when it names no zone) -> an aware datetime."""
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{_shown(value)} is not an ISO 8601 date or date-time "
                "(e.g. 2026-05-01 or 2026-05-01T09:30:00Z)"
            ) from None
        return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return value


#: When something happened: an ISO 8601 date or date-time, UTC unless a zone is given.
When = Annotated[dt.datetime, BeforeValidator(_when)]


class RetractionBase(Record):
    """What every retraction says: why, by whom (default: the loading user), and when."""

    reason: Text
    by: ShortText | None = None
    date: When | None = Field(
        default=None, description="when it was retracted (default: the time of the load)"
    )


class MembershipRetraction(RetractionBase):
    """Withdraws the membership (country, scope, role, from): all four, as in `memberships`."""

    kind: Literal["membership"]
    country: Ref
    scope: Ref
    role: Role
    from_: EdtfText | None = Field(default=None, alias="from")
    #: Whose claim: a dataset source (left out: the knowledge base's own record).
    claimed_by: Ref | None = None
    #: The fact as it was (written by `dump`; used when the fact is not in the database).
    record: MembershipIn | None = None


class PositionRetraction(RetractionBase):
    """Withdraws an official's position (title, from)."""

    kind: Literal["position"]
    official: Ref
    title: ShortText
    from_: EdtfText | None = Field(default=None, alias="from")
    #: Whose claim: a dataset source (left out: the knowledge base's own record).
    claimed_by: Ref | None = None
    record: PositionIn | None = None


class StatementRetraction(RetractionBase):
    """Withdraws a statement, by its id (explicit, or derived: see `alliancekb dump`)."""

    kind: Literal["statement"]
    id: Slug
    record: StatementIn | None = None


AnyRetraction = MembershipRetraction | PositionRetraction | StatementRetraction


class RetractionIn(RootModel[Annotated[AnyRetraction, Field(discriminator="kind")]]):
    """One item of `retracted:`: its `kind` says which fields it has."""

    model_config = ConfigDict(frozen=True)


#: A retraction's kind -> its model (how problems inside one are located and named).
RETRACTION_KINDS: dict[str, type[RetractionBase]] = {
    "membership": MembershipRetraction,
    "position": PositionRetraction,
    "statement": StatementRetraction,
}

#: The core's section name -> record model, in the order a load applies them (dependencies
#: first). `load.all_sections.SECTIONS` adds the kinds added later (after `officials`) and
#: `retracted` (after every other section, whatever the order in the file).
CORE_SECTIONS: dict[str, type[BaseModel]] = {
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
