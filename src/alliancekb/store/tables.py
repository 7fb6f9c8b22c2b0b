"""The columns the ORM-free read path reads, as SQLAlchemy Core tables (start-up, issue 16).

`store.models` is the schema (migrations, the loader, every other command). Importing
SQLAlchemy's ORM and declaring the models costs ~0.15 s, more than all the rest of
`alliancekb members ...`; this module names the same tables with only the columns the
name index (`store.resolve`), the scope labels and membership chains (`query.common`,
`query.facts`) and `members` read, with the same types, on their own `MetaData`. A Core
select of these tables runs on a Connection or an ORM Session alike, and reads the same
rows as one of the models' columns would.

`tests/test_tables.py` holds every column here equal (name, type, nullability, key) to its
column in `models`: a column renamed or retyped there fails the test until it is here too.
Only read: nothing creates, migrates or writes these tables.

Each table is built the first time it is asked for (`tables.countries`, `table(name)`):
building all 30 costs ~4% of a read command's start-up (in instructions), and a command
reads a few (issue 32: `members` builds 8). `every_table()` builds them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from alliancekb.core.vocab import (
    AllianceKind,
    CodeScheme,
    ExerciseRole,
    FactKind,
    Role,
    SourceKind,
    Stance,
    Status,
)

metadata = MetaData()

#: How to build each table, by its name (which is also its name in this module).
_BUILDERS: dict[str, Callable[[], Table]] = {}
#: Two threads asking for a table not built yet build it once.
_BUILDING = threading.Lock()

sources: Table
countries: Table
alliances: Table
pillars: Table
technology_areas: Table
officials: Table
memberships: Table
membership_sources: Table
position_sources: Table
country_aliases: Table
alliance_aliases: Table
pillar_aliases: Table
technology_area_aliases: Table
official_aliases: Table
exercises: Table
exercise_aliases: Table
exercise_editions: Table
exercise_participants: Table
exercise_edition_sources: Table
country_codes: Table
alliance_sources: Table
pillar_technology_areas: Table
positions: Table
statements: Table
statement_countries: Table
statement_scopes: Table
statement_technology_areas: Table
loads: Table
load_files: Table
retractions: Table


def table(name: str) -> Table:
    """The Core table `name`, built the first time it is asked for."""
    found = metadata.tables.get(name)
    if found is not None:
        return found
    with _BUILDING:
        found = metadata.tables.get(name)
        if found is None:
            if name not in _BUILDERS:
                raise KeyError(name)
            found = _BUILDERS[name]()
        globals().setdefault(name, found)
        return found


def __getattr__(name: str) -> Table:
    """`tables.countries`: the table, built on first use (PEP 562)."""
    if name in _BUILDERS:
        return table(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def every_table() -> MetaData:
    """The metadata with every table built (for a check of them all)."""
    for name in _BUILDERS:
        table(name)
    return metadata


def _table(build: Callable[[], Table]) -> Callable[[], Table]:
    """Declare how to build the table named as `build` without its leading underscore."""
    _BUILDERS[build.__name__.removeprefix("_")] = build
    return build


_KEY = 100  # models.KEY_LENGTH
_NAME = 500  # models.NAME_LENGTH


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _int(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False)


def _name(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, String(_NAME), nullable=nullable)


def _edtf(name: str) -> Column[str]:
    return Column(name, String(32), nullable=False)


def _bound(name: str) -> Column[object]:
    return Column(name, Date)


def _text(name: str) -> Column[str]:
    return Column(name, Text)


def _link(name: str, left: str, right: str, left_type: Any = Integer) -> Table:
    return Table(
        name,
        metadata,
        Column(left, left_type, primary_key=True),
        Column(right, Integer, primary_key=True),
    )


def vocabulary(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR column restricted by a named CHECK constraint to the enum's values (read
    back as the enum's members); `models` declares its vocabularies with it too."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [member.value for member in e],
        validate_strings=True,
    )


@_table
def _sources() -> Table:
    return Table(
        "sources",
        metadata,
        _id(),
        Column("key", String(_KEY), nullable=False),
        Column("title", Text, nullable=False),
        _name("publisher", nullable=True),
        _name("author", nullable=True),
        _name("url", nullable=True),
        _edtf("published"),
        _bound("published_lower"),
        _bound("published_upper"),
        _edtf("retrieved"),
        _edtf("covers_to"),
        Column("kind", vocabulary(SourceKind, "source_kind"), nullable=False),
        _bound("covers_from_lower"),
        _bound("covers_to_upper"),
        _text("note"),
    )


@_table
def _countries() -> Table:
    return Table(
        "countries",
        metadata,
        _id(),
        Column("iso3", String(3), nullable=False),
        Column("iso2", String(2)),
        _name("name"),
    )


@_table
def _alliances() -> Table:
    return Table(
        "alliances",
        metadata,
        _id(),
        Column("key", String(_KEY), nullable=False),
        _int("scope_id"),
        _name("name"),
        _name("full_name", nullable=True),
        Column("kind", vocabulary(AllianceKind, "alliance_kind"), nullable=False),
        _edtf("founded"),
        _bound("founded_lower"),
        _text("description"),
        _edtf("ended"),
        _bound("ended_upper"),
        Column("obligations", String(200), nullable=False),
    )


@_table
def _pillars() -> Table:
    return Table(
        "pillars",
        metadata,
        _id(),
        _int("alliance_id"),
        _int("scope_id"),
        _int("number"),
        _name("name"),
        _text("description"),
    )


@_table
def _technology_areas() -> Table:
    return Table(
        "technology_areas",
        metadata,
        _id(),
        Column("key", String(_KEY), nullable=False),
        _name("name"),
        _text("description"),
    )


@_table
def _officials() -> Table:
    return Table(
        "officials",
        metadata,
        _id(),
        Column("key", String(_KEY), nullable=False),
        _name("name"),
        _text("note"),
    )


@_table
def _memberships() -> Table:
    return Table(
        "memberships",
        metadata,
        _id(),
        _int("country_id"),
        _int("scope_id"),
        Column("role", vocabulary(Role, "role"), nullable=False),
        Column("status", vocabulary(Status, "status"), nullable=False),
        _edtf("from_text"),
        _bound("from_lower"),
        _edtf("to_text"),
        _bound("to_upper"),
        _edtf("confirmed"),
        Column("claim", String(_KEY), nullable=False),
        Column("obligations", String(200), nullable=False),
        Column("note", Text),
    )


@_table
def _membership_sources() -> Table:
    return Table(
        "membership_sources",
        metadata,
        Column("membership_id", Integer, primary_key=True),
        Column("source_id", Integer, primary_key=True),
    )


@_table
def _position_sources() -> Table:
    return Table(
        "position_sources",
        metadata,
        Column("position_id", Integer, primary_key=True),
        Column("source_id", Integer, primary_key=True),
    )


def _aliases(owner: str) -> Table:
    return Table(
        f"{owner}_aliases",
        metadata,
        _id(),
        _int(f"{owner}_id"),
        _name("alias"),
        _name("normalized"),
    )


@_table
def _country_aliases() -> Table:
    return _aliases("country")


@_table
def _alliance_aliases() -> Table:
    return _aliases("alliance")


@_table
def _pillar_aliases() -> Table:
    return _aliases("pillar")


@_table
def _technology_area_aliases() -> Table:
    return _aliases("technology_area")


@_table
def _official_aliases() -> Table:
    return _aliases("official")


@_table
def _exercises() -> Table:
    return Table(
        "exercises",
        metadata,
        _id(),
        Column("key", String(_KEY), nullable=False),
        _name("name"),
        Column("organiser_country_id", Integer),
        Column("organiser_alliance_id", Integer),
        _text("description"),
    )


@_table
def _exercise_aliases() -> Table:
    return _aliases("exercise")


@_table
def _exercise_editions() -> Table:
    return Table(
        "exercise_editions",
        metadata,
        _id(),
        _int("exercise_id"),
        _int("year"),
        _name("name"),
        _edtf("from_text"),
        _bound("from_lower"),
        _bound("from_upper"),
        _edtf("to_text"),
        _bound("to_upper"),
        _text("note"),
    )


@_table
def _exercise_participants() -> Table:
    return Table(
        "exercise_participants",
        metadata,
        Column("edition_id", Integer, primary_key=True),
        Column("country_id", Integer, primary_key=True),
        Column("role", vocabulary(ExerciseRole, "exercise_role"), nullable=False),
    )


@_table
def _exercise_edition_sources() -> Table:
    return _link("exercise_edition_sources", "edition_id", "source_id")


@_table
def _country_codes() -> Table:
    return Table(
        "country_codes",
        metadata,
        _id(),
        _int("country_id"),
        Column("scheme", vocabulary(CodeScheme, "code_scheme"), nullable=False),
        Column("code", String(20), nullable=False),
        _edtf("from_text"),
        _bound("from_lower"),
        _edtf("to_text"),
    )


@_table
def _alliance_sources() -> Table:
    return _link("alliance_sources", "alliance_id", "source_id")


@_table
def _pillar_technology_areas() -> Table:
    return _link("pillar_technology_areas", "pillar_id", "technology_area_id")


@_table
def _positions() -> Table:
    return Table(
        "positions",
        metadata,
        _id(),
        _int("official_id"),
        _name("title"),
        Column("country_id", Integer),
        Column("alliance_id", Integer),
        _name("organisation", nullable=True),
        _edtf("from_text"),
        _bound("from_lower"),
        _edtf("to_text"),
        _bound("to_upper"),
        _edtf("confirmed"),
        Column("claim", String(_KEY), nullable=False),
    )


@_table
def _statements() -> Table:
    return Table(
        "statements",
        metadata,
        Column("id", String(_KEY), primary_key=True),
        Column("speaker_official_id", Integer),
        Column("speaker_country_id", Integer),
        Column("speaker_alliance_id", Integer),
        _name("speaker_label", nullable=True),
        Column("date_text", String(32), nullable=False),
        Column("date_lower", Date, nullable=False),
        Column("text", Text, nullable=False),
        Column("quote", Boolean(create_constraint=True, name="quote_bool"), nullable=False),
        Column("stance", vocabulary(Stance, "stance"), nullable=False),
        _int("source_id"),
    )


_STATEMENT_ID = String(_KEY)


@_table
def _statement_countries() -> Table:
    return _link("statement_countries", "statement_id", "country_id", _STATEMENT_ID)


@_table
def _statement_scopes() -> Table:
    return _link("statement_scopes", "statement_id", "scope_id", _STATEMENT_ID)


@_table
def _statement_technology_areas() -> Table:
    return _link("statement_technology_areas", "statement_id", "technology_area_id", _STATEMENT_ID)


@_table
def _loads() -> Table:
    return Table(
        "loads",
        metadata,
        _id(),
        Column("finished_at", DateTime(timezone=True), nullable=False),
        Column("counts", JSON, nullable=False),
    )


@_table
def _load_files() -> Table:
    return Table(
        "load_files",
        metadata,
        _id(),
        _int("load_id"),
        _int("position"),
        Column("path", Text, nullable=False),
        Column("sha256", String(64), nullable=False),
        _int("size"),
        _int("records"),
    )


@_table
def _retractions() -> Table:
    return Table(
        "retractions",
        metadata,
        _id(),
        Column("kind", vocabulary(FactKind, "fact_kind"), nullable=False),
        Column("key", String(1200), nullable=False),  # models.RETRACTION_KEY_LENGTH
        Column("reason", Text, nullable=False),
        _name("retracted_by"),
        Column("load_id", Integer),
    )


def kind_tables(name: str, key: str, names: Sequence[str], alias_owner: str | None) -> None:
    """The Core tables of a kind added after the core (`store.kinds`): its key and name
    columns (as `slug` and `name_text` declare them) and its aliases; `store.entities`
    declares them from the kind's description, so no kind is spelled here."""
    if name not in _BUILDERS:

        def build() -> Table:
            key_column = Column(key, String(_KEY), nullable=False)
            return Table(name, metadata, _id(), key_column, *(_name(c) for c in names if c != key))

        _BUILDERS[name] = build
    if alias_owner is not None and f"{alias_owner}_aliases" not in _BUILDERS:
        _BUILDERS[f"{alias_owner}_aliases"] = lambda: _aliases(alias_owner)
