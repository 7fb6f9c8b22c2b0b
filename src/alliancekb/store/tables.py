"""The columns the ORM-free read path reads, as SQLAlchemy Core table clauses (start-up,
issue 16).

`store.models` is the schema (migrations, the loader, every other command). Importing
SQLAlchemy's ORM and declaring the models costs ~0.15 s, more than all the rest of
`alliancekb members ...`; this module names the same tables with only the columns the
name index (`store.resolve`), the scope labels and membership chains (`query.common`,
`query.facts`) and the read commands read, with the same types. A select of these
tables runs on a Connection or an ORM Session alike, and reads the same rows, converted
by the same types (dates, enums, JSON), as one of the models' columns would.

They are lightweight `TableClause`s (`sqlalchemy.table` and `column`), not `Table`s: a
select needs a table's name and its columns' names and types, nothing more. A `Table`
also registers itself in a `MetaData`, sets up constraints, keys and their events: 25
`Table`s cost `show` ~40M instructions, about a tenth of its start-up past the imports
of SQLAlchemy, Typer and Rich (issue 32); the same clauses cost about a quarter of that.
So nothing here says what is nullable or a primary key: the models do, and nothing
reads that here.

`tests/test_tables.py` holds every column here equal (name, type) to its column in
`models`: a column renamed or retyped there fails the test until it is here too. Only
read: nothing creates, migrates or writes these tables.

Each table is built the first time it is asked for (`tables.countries`, `table(name)`):
a command reads a few (issue 32: `members` builds 8 of 30). `every_table()` builds them
all; `built()` names those built so far.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnClause,
    Date,
    DateTime,
    Enum,
    Integer,
    String,
    TableClause,
    Text,
    column,
)
from sqlalchemy import table as table_clause

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

#: The tables built so far, by name.
_BUILT: dict[str, TableClause] = {}
#: How to build each table, by its name (which is also its name in this module).
_BUILDERS: dict[str, Callable[[], TableClause]] = {}
#: Two threads asking for a table not built yet build it once.
_BUILDING = threading.Lock()

sources: TableClause
countries: TableClause
alliances: TableClause
pillars: TableClause
technology_areas: TableClause
officials: TableClause
memberships: TableClause
membership_sources: TableClause
position_sources: TableClause
country_aliases: TableClause
alliance_aliases: TableClause
pillar_aliases: TableClause
technology_area_aliases: TableClause
official_aliases: TableClause
exercises: TableClause
exercise_aliases: TableClause
exercise_editions: TableClause
exercise_participants: TableClause
exercise_edition_sources: TableClause
country_codes: TableClause
alliance_sources: TableClause
pillar_technology_areas: TableClause
positions: TableClause
statements: TableClause
statement_countries: TableClause
statement_scopes: TableClause
statement_technology_areas: TableClause
loads: TableClause
load_files: TableClause
retractions: TableClause


def table(name: str) -> TableClause:
    """The Core table `name`, built the first time it is asked for."""
    found = _BUILT.get(name)
    if found is not None:
        return found
    with _BUILDING:
        found = _BUILT.get(name)
        if found is None:
            if name not in _BUILDERS:
                raise KeyError(name)
            found = _BUILT[name] = _BUILDERS[name]()
        globals().setdefault(name, found)
        return found


def __getattr__(name: str) -> TableClause:
    """`tables.countries`: the table, built on first use (PEP 562)."""
    if name in _BUILDERS:
        return table(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def every_table() -> dict[str, TableClause]:
    """Every table, built, by name (for a check of them all)."""
    return {name: table(name) for name in _BUILDERS}


def built() -> list[str]:
    """The names of the tables built so far, sorted."""
    return sorted(_BUILT)


def _table(build: Callable[[], TableClause]) -> Callable[[], TableClause]:
    """Declare how to build the table named as `build` without its leading underscore."""
    _BUILDERS[build.__name__.removeprefix("_")] = build
    return build


_KEY = 100  # models.KEY_LENGTH
_NAME = 500  # models.NAME_LENGTH


def _id() -> ColumnClause[int]:
    return column("id", Integer)


def _int(name: str) -> ColumnClause[int]:
    return column(name, Integer)


def _name(name: str) -> ColumnClause[str]:
    return column(name, String(_NAME))


def _edtf(name: str) -> ColumnClause[str]:
    return column(name, String(32))


def _bound(name: str) -> ColumnClause[object]:
    return column(name, Date)


def _text(name: str) -> ColumnClause[str]:
    return column(name, Text)


def _link(name: str, left: str, right: str, left_type: Any = Integer) -> TableClause:
    return table_clause(name, column(left, left_type), column(right, Integer))


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
def _sources() -> TableClause:
    return table_clause(
        "sources",
        _id(),
        column("key", String(_KEY)),
        column("title", Text),
        _name("publisher"),
        _name("author"),
        _name("url"),
        _edtf("published"),
        _bound("published_lower"),
        _bound("published_upper"),
        _edtf("retrieved"),
        _edtf("covers_to"),
        column("kind", vocabulary(SourceKind, "source_kind")),
        _bound("covers_from_lower"),
        _bound("covers_to_upper"),
        _text("note"),
    )


@_table
def _countries() -> TableClause:
    return table_clause(
        "countries",
        _id(),
        column("iso3", String(3)),
        column("iso2", String(2)),
        _name("name"),
    )


@_table
def _alliances() -> TableClause:
    return table_clause(
        "alliances",
        _id(),
        column("key", String(_KEY)),
        _int("scope_id"),
        _name("name"),
        _name("full_name"),
        column("kind", vocabulary(AllianceKind, "alliance_kind")),
        _edtf("founded"),
        _bound("founded_lower"),
        _text("description"),
        _edtf("ended"),
        _bound("ended_upper"),
        column("obligations", String(200)),
    )


@_table
def _pillars() -> TableClause:
    return table_clause(
        "pillars",
        _id(),
        _int("alliance_id"),
        _int("scope_id"),
        _int("number"),
        _name("name"),
        _text("description"),
    )


@_table
def _technology_areas() -> TableClause:
    return table_clause(
        "technology_areas",
        _id(),
        column("key", String(_KEY)),
        _name("name"),
        _text("description"),
    )


@_table
def _officials() -> TableClause:
    return table_clause(
        "officials",
        _id(),
        column("key", String(_KEY)),
        _name("name"),
        _text("note"),
    )


@_table
def _memberships() -> TableClause:
    return table_clause(
        "memberships",
        _id(),
        _int("country_id"),
        _int("scope_id"),
        column("role", vocabulary(Role, "role")),
        column("status", vocabulary(Status, "status")),
        _edtf("from_text"),
        _bound("from_lower"),
        _edtf("to_text"),
        _bound("to_upper"),
        _edtf("confirmed"),
        column("claim", String(_KEY)),
        column("obligations", String(200)),
        column("note", Text),
    )


@_table
def _membership_sources() -> TableClause:
    return table_clause(
        "membership_sources",
        column("membership_id", Integer),
        column("source_id", Integer),
    )


@_table
def _position_sources() -> TableClause:
    return table_clause(
        "position_sources",
        column("position_id", Integer),
        column("source_id", Integer),
    )


def _aliases(owner: str) -> TableClause:
    return table_clause(
        f"{owner}_aliases",
        _id(),
        _int(f"{owner}_id"),
        _name("alias"),
        _name("normalized"),
    )


@_table
def _country_aliases() -> TableClause:
    return _aliases("country")


@_table
def _alliance_aliases() -> TableClause:
    return _aliases("alliance")


@_table
def _pillar_aliases() -> TableClause:
    return _aliases("pillar")


@_table
def _technology_area_aliases() -> TableClause:
    return _aliases("technology_area")


@_table
def _official_aliases() -> TableClause:
    return _aliases("official")


@_table
def _exercises() -> TableClause:
    return table_clause(
        "exercises",
        _id(),
        column("key", String(_KEY)),
        _name("name"),
        column("organiser_country_id", Integer),
        column("organiser_alliance_id", Integer),
        _text("description"),
    )


@_table
def _exercise_aliases() -> TableClause:
    return _aliases("exercise")


@_table
def _exercise_editions() -> TableClause:
    return table_clause(
        "exercise_editions",
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
def _exercise_participants() -> TableClause:
    return table_clause(
        "exercise_participants",
        column("edition_id", Integer),
        column("country_id", Integer),
        column("role", vocabulary(ExerciseRole, "exercise_role")),
    )


@_table
def _exercise_edition_sources() -> TableClause:
    return _link("exercise_edition_sources", "edition_id", "source_id")


@_table
def _country_codes() -> TableClause:
    return table_clause(
        "country_codes",
        _id(),
        _int("country_id"),
        column("scheme", vocabulary(CodeScheme, "code_scheme")),
        column("code", String(20)),
        _edtf("from_text"),
        _bound("from_lower"),
        _edtf("to_text"),
    )


@_table
def _alliance_sources() -> TableClause:
    return _link("alliance_sources", "alliance_id", "source_id")


@_table
def _pillar_technology_areas() -> TableClause:
    return _link("pillar_technology_areas", "pillar_id", "technology_area_id")


@_table
def _positions() -> TableClause:
    return table_clause(
        "positions",
        _id(),
        _int("official_id"),
        _name("title"),
        column("country_id", Integer),
        column("alliance_id", Integer),
        _name("organisation"),
        _edtf("from_text"),
        _bound("from_lower"),
        _edtf("to_text"),
        _bound("to_upper"),
        _edtf("confirmed"),
        column("claim", String(_KEY)),
    )


@_table
def _statements() -> TableClause:
    return table_clause(
        "statements",
        column("id", String(_KEY)),
        column("speaker_official_id", Integer),
        column("speaker_country_id", Integer),
        column("speaker_alliance_id", Integer),
        _name("speaker_label"),
        column("date_text", String(32)),
        column("date_lower", Date),
        column("text", Text),
        column("quote", Boolean(create_constraint=True, name="quote_bool")),
        column("stance", vocabulary(Stance, "stance")),
        _int("source_id"),
    )


_STATEMENT_ID = String(_KEY)


@_table
def _statement_countries() -> TableClause:
    return _link("statement_countries", "statement_id", "country_id", _STATEMENT_ID)


@_table
def _statement_scopes() -> TableClause:
    return _link("statement_scopes", "statement_id", "scope_id", _STATEMENT_ID)


@_table
def _statement_technology_areas() -> TableClause:
    return _link("statement_technology_areas", "statement_id", "technology_area_id", _STATEMENT_ID)


@_table
def _loads() -> TableClause:
    return table_clause(
        "loads",
        _id(),
        column("finished_at", DateTime(timezone=True)),
        column("counts", JSON),
    )


@_table
def _load_files() -> TableClause:
    return table_clause(
        "load_files",
        _id(),
        _int("load_id"),
        _int("position"),
        column("path", Text),
        column("sha256", String(64)),
        _int("size"),
        _int("records"),
    )


@_table
def _retractions() -> TableClause:
    return table_clause(
        "retractions",
        _id(),
        column("kind", vocabulary(FactKind, "fact_kind")),
        column("key", String(1200)),  # models.RETRACTION_KEY_LENGTH
        column("reason", Text),
        _name("retracted_by"),
        column("load_id", Integer),
    )


def kind_tables(name: str, key: str, names: Sequence[str], alias_owner: str | None) -> None:
    """The Core tables of a kind added after the core (`store.kinds`): its key and name
    columns (as `slug` and `name_text` declare them) and its aliases; `store.entities`
    declares them from the kind's description, so no kind is spelled here."""
    if name not in _BUILDERS:

        def build() -> TableClause:
            key_column = column(key, String(_KEY))
            return table_clause(name, _id(), key_column, *(_name(c) for c in names if c != key))

        _BUILDERS[name] = build
    if alias_owner is not None and f"{alias_owner}_aliases" not in _BUILDERS:
        _BUILDERS[f"{alias_owner}_aliases"] = lambda: _aliases(alias_owner)
