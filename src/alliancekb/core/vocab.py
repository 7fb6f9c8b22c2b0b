"""The controlled vocabularies shared by the YAML schema, the database and the queries."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    NEWS = "news"
    GOVERNMENT = "government"
    DATASET = "dataset"
    REFERENCE = "reference"
    TREATY = "treaty"


class AllianceKind(StrEnum):
    DEFENSE_TREATY = "defense-treaty"
    SECURITY_PARTNERSHIP = "security-partnership"
    INTELLIGENCE_SHARING = "intelligence-sharing"
    DIALOGUE = "dialogue"
    OTHER = "other"


class Role(StrEnum):
    FOUNDING_MEMBER = "founding-member"
    MEMBER = "member"
    PARTNER = "partner"
    CANDIDATE = "candidate"
    OBSERVER = "observer"


class Status(StrEnum):
    """A lifecycle: only IN_FORCE means "is in it today"."""

    IN_FORCE = "in-force"
    ANNOUNCED = "announced"
    EXPECTED = "expected"
    UNDER_CONSULTATION = "under-consultation"
    PROPOSED = "proposed"
    SUSPENDED = "suspended"
    ENDED = "ended"
    DECLINED = "declined"


#: Statuses hidden unless asked for: the relation is over or never happened.
CLOSED_STATUSES = frozenset({Status.ENDED, Status.DECLINED})


class DisputedRule(StrEnum):
    """Which rows an answer shows by whether a source disputes them."""

    SHOW = "show"
    ONLY = "only"
    HIDE = "hide"


class Stance(StrEnum):
    ASSERTS = "asserts"
    EXPECTS = "expects"
    CONSIDERS = "considers"
    SUPPORTS = "supports"
    OPPOSES = "opposes"
    DENIES = "denies"


class Obligation(StrEnum):
    """What an alliance commits its members to, as COW and ATOP code it."""

    DEFENSE = "defense"
    OFFENSE = "offense"
    NEUTRALITY = "neutrality"
    NONAGGRESSION = "nonaggression"
    CONSULTATION = "consultation"
    ENTENTE = "entente"


class CodeScheme(StrEnum):
    """Country code systems besides ISO 3166 (`cow`: Correlates of War ccodes, also ATOP's)."""

    COW = "cow"


class ScopeKind(StrEnum):
    ALLIANCE = "alliance"
    PILLAR = "pillar"


class ExerciseRole(StrEnum):
    """A country's part in one edition of a military exercise."""

    HOST = "host"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


class FactKind(StrEnum):
    """The kinds of fact that can be retracted."""

    MEMBERSHIP = "membership"
    POSITION = "position"
    STATEMENT = "statement"
