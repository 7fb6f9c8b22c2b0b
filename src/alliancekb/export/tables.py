"""Export the knowledge base's tables to CSV, JSON or NDJSON files (docs/export.md).

Every exportable table is one SQL query over the ORM tables whose internal ids are
replaced by readable natural keys (ISO3 codes, alliance/source/official keys, pillar
numbers, statement ids), with a fixed column order and rows ordered by that natural key,
so two exports of the same knowledge are byte-identical and diff cleanly.

How it is written, and why:

- **One snapshot.** All tables are read in one read transaction (`db.read_session`: a
  deferred SQLite transaction in WAL mode, REPEATABLE READ on PostgreSQL), so a load that
  commits during a long export is either wholly in it or wholly absent.
- **Streamed.** Rows are fetched `BATCH_ROWS` at a time (a server-side cursor on
  PostgreSQL) and written as they come; memory does not grow with the table.
- **Fast.** Values are turned into their output text by SQL where both backends agree
  (dates as ISO text, vocabulary values as plain text, booleans as `true`/`false` in CSV).
  For CSV the database also quotes the fields and joins each line, which Python reads
  straight from the DB-API cursor and writes a batch at a time (`_line_batches`).
- **Whole files or none.** Every file is written to a temporary file beside its target and
  moved into place only after all tables are complete (`atomicfile`); an existing file is
  overwritten only with `force`.

CSV is RFC 4180 (header row, CRLF, quoted as needed), UTF-8, values exactly as stored;
`excel=True` adds a UTF-8 BOM and neutralises formula-like cells (`core.formats.excel_cell`).
JSON is one list of objects; NDJSON one object per line; the keys are the column names.
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal

from sqlalchemy import (
    Connection,
    Engine,
    Enum,
    Select,
    String,
    Text,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter, Case, Label, TypeCoerce
from sqlalchemy.sql.functions import coalesce as coalesce_type
from sqlalchemy.sql.schema import Column
from sqlalchemy.sql.selectable import Join

from alliancekb.core.atomicfile import PendingFile, check_targets, commit, discard, partial_file
from alliancekb.core.errors import UsageError
from alliancekb.core.formats import (
    EXCEL_FORMULA_STARTS,
    UTF8_BOM,
    Format,
    excel_cell,
    json_value,
    text_value,
)
from alliancekb.store import models as m
from alliancekb.store.db import read_session

#: Rows fetched per round trip (and held at most at once).
BATCH_ROWS: Final = 2000
#: The file formats of `export` (the Rich table is for people, not files).
FILE_FORMATS: Final = (Format.CSV, Format.JSON, Format.NDJSON)
#: File name extension per format.
EXTENSIONS: Final = {Format.CSV: ".csv", Format.JSON: ".json", Format.NDJSON: ".ndjson"}

Kind = Literal["text", "int", "bool", "date"]
#: A SELECT of any columns (SQLAlchemy 2.1 types a select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]

#: Called after each batch: (table name, rows written so far, total rows or None).
ExportProgress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Field:
    """One exported column: its name (CSV header, JSON key), value kind and meaning."""

    name: str
    kind: Kind
    doc: str


class SqlDialect:
    """Backend-specific SQL for one export: value conversions and byte-order sorting."""

    def __init__(self, conn: Connection, fmt: Format) -> None:
        self.postgres = conn.dialect.name == "postgresql"
        self.csv = fmt is Format.CSV
        # Rows are ordered by code point (as SQLite's BINARY collation and Python do). A
        # PostgreSQL database whose collation is not C would order by its locale, so the
        # keys are then compared with COLLATE "C" (which cannot use the indexes: a sort).
        self.collate = False
        if self.postgres:
            collation = conn.execute(
                text("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            ).scalar_one()
            self.collate = str(collation).upper() not in ("C", "POSIX", "C.UTF-8", "C.UTF8")

    def key(self, column: Any) -> Any:
        """An ORDER BY term for a text key: code-point order on both backends."""
        return column.collate("C") if self.collate else column

    def text(self, column: Any) -> Any:
        """A text or vocabulary column as a plain string (no Enum conversion per row)."""
        return type_coerce(column, String())

    def date(self, column: Any) -> Any:
        """A DATE as ISO text `YYYY-MM-DD` (SQLite stores that text already)."""
        if self.postgres:
            return func.to_char(column, "YYYY-MM-DD")
        return type_coerce(column, String())

    def flag(self, column: Any) -> Any:
        """A boolean: `true`/`false` text in CSV (as every read command writes), JSON bool."""
        if self.csv:
            return case((column == True, "true"), else_="false")  # noqa: E712
        return column


Query = Callable[[SqlDialect], AnySelect]


@dataclass(frozen=True)
class ExportTable:
    """An exportable table: name, what it holds, its columns, and the query of its rows."""

    name: str
    description: str
    fields: tuple[Field, ...]
    query: Query
    #: Part of the knowledge (a dump and re-load reproduces it); False for load history.
    knowledge: bool = True
    #: Rows need converting in Python (timestamps, lists): small tables only.
    python_values: bool = False

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def select(self, sql: SqlDialect) -> AnySelect:
        return self.query(sql)


def _f(name: str, doc: str, kind: Kind = "text") -> Field:
    return Field(name, kind, doc)


def _edtf_fields(name: str, what: str) -> tuple[Field, ...]:
    return (
        _f(name, f"{what}: EDTF text as written (`2024`, `2024-04~`); empty = unknown"),
        _f(f"{name}_lower", f"first day {name} can mean (ISO date); empty = unknown", "date"),
        _f(f"{name}_upper", f"last day {name} can mean (ISO date); empty = unknown", "date"),
    )


def _edtf_columns(sql: SqlDialect, text_col: Any, lower: Any, upper: Any, name: str) -> list[Any]:
    return [
        sql.text(text_col).label(name),
        sql.date(lower).label(f"{name}_lower"),
        sql.date(upper).label(f"{name}_upper"),
    ]


# -- scopes: an alliance, or one of its pillars ----------------------------------------------


def scope_key_joins(stmt: AnySelect, scope_id: Any) -> tuple[AnySelect, Any, Any]:
    """Join the alliance key and pillar number of a scope id (two indexed outer joins)."""
    own = aliased(m.Alliance, name="scope_alliance")
    pillar = aliased(m.Pillar, name="scope_pillar")
    parent = aliased(m.Alliance, name="scope_parent")
    stmt = (
        stmt.outerjoin(own, own.scope_id == scope_id)
        .outerjoin(pillar, pillar.scope_id == scope_id)
        .outerjoin(parent, parent.id == pillar.alliance_id)
    )
    return stmt, func.coalesce(own.key, parent.key), pillar.number


_SCOPE_FIELDS = (
    _f("alliance", "alliance key (the alliance itself, or the pillar's alliance)"),
    _f("pillar", "pillar number within the alliance; empty = the alliance as a whole", "int"),
)


# -- the tables ------------------------------------------------------------------------------


def _countries(sql: SqlDialect) -> AnySelect:
    c = m.Country
    return select(c.iso3, c.iso2, c.name).order_by(sql.key(c.iso3))


def _aliases(owner: Any, alias_model: Any, owner_fk: Any, key_col: Any, label: str) -> Query:
    def query(sql: SqlDialect) -> AnySelect:
        return (
            select(key_col.label(label), alias_model.alias)
            .join(owner, owner.id == owner_fk)
            .order_by(sql.key(key_col), sql.key(alias_model.alias))
        )

    return query


def _alliances(sql: SqlDialect) -> AnySelect:
    a = m.Alliance
    return select(
        a.key,
        a.name,
        a.full_name,
        sql.text(a.kind).label("kind"),
        *_edtf_columns(sql, a.founded, a.founded_lower, a.founded_upper, "founded"),
        a.description,
    ).order_by(sql.key(a.key))


def _alliance_sources(sql: SqlDialect) -> AnySelect:
    link, a, s = m.alliance_sources, m.Alliance, m.Source
    return (
        select(a.key.label("alliance"), s.key.label("source"))
        .select_from(link)
        .join(a, a.id == link.c.alliance_id)
        .join(s, s.id == link.c.source_id)
        .order_by(sql.key(a.key), sql.key(s.key))
    )


def _pillars(sql: SqlDialect) -> AnySelect:
    p, a = m.Pillar, m.Alliance
    return (
        select(a.key.label("alliance"), p.number, p.name, p.description)
        .join(a, a.id == p.alliance_id)
        .order_by(sql.key(a.key), p.number)
    )


def _pillar_aliases(sql: SqlDialect) -> AnySelect:
    p, a, pa = m.Pillar, m.Alliance, m.PillarAlias
    return (
        select(a.key.label("alliance"), p.number.label("pillar"), pa.alias)
        .join(p, p.id == pa.pillar_id)
        .join(a, a.id == p.alliance_id)
        .order_by(sql.key(a.key), p.number, sql.key(pa.alias))
    )


def _pillar_technology_areas(sql: SqlDialect) -> AnySelect:
    link, p, a, t = m.pillar_technology_areas, m.Pillar, m.Alliance, m.TechnologyArea
    return (
        select(a.key.label("alliance"), p.number.label("pillar"), t.key.label("technology_area"))
        .select_from(link)
        .join(p, p.id == link.c.pillar_id)
        .join(a, a.id == p.alliance_id)
        .join(t, t.id == link.c.technology_area_id)
        .order_by(sql.key(a.key), p.number, sql.key(t.key))
    )


def _technology_areas(sql: SqlDialect) -> AnySelect:
    t = m.TechnologyArea
    return select(t.key, t.name, t.description).order_by(sql.key(t.key))


def _membership_key(sql: SqlDialect) -> tuple[AnySelect, list[Any], list[Any]]:
    """memberships joined to their natural key; the key's columns and ORDER BY terms."""
    ms, c = m.Membership, m.Country
    stmt = select().select_from(ms).join(c, c.id == ms.country_id)
    stmt, alliance, pillar = scope_key_joins(stmt, ms.scope_id)
    columns = [
        c.iso3.label("country"),
        alliance.label("alliance"),
        pillar.label("pillar"),
        sql.text(ms.role).label("role"),
    ]
    order = [
        sql.key(c.iso3),
        sql.key(alliance),
        func.coalesce(pillar, 0),
        sql.key(sql.text(ms.role)),
        sql.key(ms.from_text),
    ]
    return stmt, columns, order


def _memberships(sql: SqlDialect) -> AnySelect:
    ms = m.Membership
    stmt, key_columns, order = _membership_key(sql)
    return stmt.add_columns(
        *key_columns,
        sql.text(ms.status).label("status"),
        *_edtf_columns(sql, ms.from_text, ms.from_lower, ms.from_upper, "from"),
        *_edtf_columns(sql, ms.to_text, ms.to_lower, ms.to_upper, "to"),
        ms.note,
    ).order_by(*order)


def _membership_sources(sql: SqlDialect) -> AnySelect:
    ms, link, s = m.Membership, m.membership_sources, m.Source
    stmt, key_columns, order = _membership_key(sql)
    return (
        stmt.join(link, link.c.membership_id == ms.id)
        .join(s, s.id == link.c.source_id)
        .add_columns(*key_columns, ms.from_text.label("from"), s.key.label("source"))
        .order_by(*order, sql.key(s.key))
    )


def _officials(sql: SqlDialect) -> AnySelect:
    o = m.Official
    return select(o.key, o.name, o.note).order_by(sql.key(o.key))


def _positions(sql: SqlDialect) -> AnySelect:
    p, o, c, a = m.Position, m.Official, m.Country, m.Alliance
    return (
        select(
            o.key.label("official"),
            p.title,
            *_edtf_columns(sql, p.from_text, p.from_lower, p.from_upper, "from"),
            *_edtf_columns(sql, p.to_text, p.to_lower, p.to_upper, "to"),
            c.iso3.label("country"),
            a.key.label("alliance"),
            p.organisation,
            p.note,
        )
        .join(o, o.id == p.official_id)
        .outerjoin(c, c.id == p.country_id)
        .outerjoin(a, a.id == p.alliance_id)
        .order_by(sql.key(o.key), sql.key(p.title), sql.key(p.from_text))
    )


def _position_sources(sql: SqlDialect) -> AnySelect:
    p, o, link, s = m.Position, m.Official, m.position_sources, m.Source
    return (
        select(
            o.key.label("official"),
            p.title,
            p.from_text.label("from"),
            s.key.label("source"),
        )
        .select_from(link)
        .join(p, p.id == link.c.position_id)
        .join(o, o.id == p.official_id)
        .join(s, s.id == link.c.source_id)
        .order_by(sql.key(o.key), sql.key(p.title), sql.key(p.from_text), sql.key(s.key))
    )


def _statements(sql: SqlDialect) -> AnySelect:
    st, o, c, a, s = m.Statement, m.Official, m.Country, m.Alliance, m.Source
    speaker_kind = case(
        (st.speaker_official_id.is_not(None), literal("official")),
        (st.speaker_country_id.is_not(None), literal("country")),
        else_=literal("alliance"),
    )
    return (
        select(
            st.id,
            *_edtf_columns(sql, st.date_text, st.date_lower, st.date_upper, "date"),
            speaker_kind.label("speaker_kind"),
            func.coalesce(o.key, c.iso3, a.key).label("speaker"),
            st.speaker_label,
            st.text,
            sql.flag(st.quote).label("quote"),
            sql.text(st.stance).label("stance"),
            s.key.label("source"),
            st.note,
        )
        .outerjoin(o, o.id == st.speaker_official_id)
        .outerjoin(c, c.id == st.speaker_country_id)
        .outerjoin(a, a.id == st.speaker_alliance_id)
        .join(s, s.id == st.source_id)
        .order_by(sql.key(st.id))
    )


def _statement_countries(sql: SqlDialect) -> AnySelect:
    link, c = m.statement_countries, m.Country
    return (
        select(link.c.statement_id.label("statement"), c.iso3.label("country"))
        .join(c, c.id == link.c.country_id)
        .order_by(sql.key(link.c.statement_id), sql.key(c.iso3))
    )


def _statement_scopes(sql: SqlDialect) -> AnySelect:
    link = m.statement_scopes
    stmt, alliance, pillar = scope_key_joins(select().select_from(link), link.c.scope_id)
    return stmt.add_columns(
        link.c.statement_id.label("statement"), alliance.label("alliance"), pillar.label("pillar")
    ).order_by(sql.key(link.c.statement_id), sql.key(alliance), func.coalesce(pillar, 0))


def _statement_technology_areas(sql: SqlDialect) -> AnySelect:
    link, t = m.statement_technology_areas, m.TechnologyArea
    return (
        select(link.c.statement_id.label("statement"), t.key.label("technology_area"))
        .join(t, t.id == link.c.technology_area_id)
        .order_by(sql.key(link.c.statement_id), sql.key(t.key))
    )


def _sources(sql: SqlDialect) -> AnySelect:
    s = m.Source
    return select(
        s.key,
        s.title,
        s.publisher,
        s.author,
        s.url,
        *_edtf_columns(sql, s.published, s.published_lower, s.published_upper, "published"),
        s.retrieved,
        sql.text(s.kind).label("kind"),
        s.note,
    ).order_by(sql.key(s.key))


def _loads(sql: SqlDialect) -> AnySelect:
    ld, lf = m.Load, m.LoadFile
    files = select(func.count()).where(lf.load_id == ld.id).scalar_subquery()
    records = select(func.coalesce(func.sum(lf.records), 0)).where(lf.load_id == ld.id)
    return select(
        ld.id,
        ld.started_at,
        ld.finished_at,
        files.label("files"),
        records.scalar_subquery().label("records"),
        ld.counts,
    ).order_by(ld.id)


_KEY = "natural key"
TABLES: Final[tuple[ExportTable, ...]] = (
    ExportTable(
        "sources",
        "where facts come from: one row per source",
        (
            _f("key", f"source key ({_KEY})"),
            _f("title", "title"),
            _f("publisher", "publisher"),
            _f("author", "author"),
            _f("url", "URL"),
            *_edtf_fields("published", "publication date (`unknown` if said so)"),
            _f("retrieved", "date retrieved (EDTF); empty = not given"),
            _f("kind", "news, government, dataset, reference or treaty"),
            _f("note", "free-text note"),
        ),
        _sources,
    ),
    ExportTable(
        "countries",
        "states by ISO 3166 code",
        (
            _f("iso3", f"ISO 3166-1 alpha-3 code ({_KEY})"),
            _f("iso2", "ISO 3166-1 alpha-2 code"),
            _f("name", "name"),
        ),
        _countries,
    ),
    ExportTable(
        "country_aliases",
        "other names of countries",
        (_f("country", "country iso3"), _f("alias", "another name")),
        _aliases(m.Country, m.CountryAlias, m.CountryAlias.country_id, m.Country.iso3, "country"),
    ),
    ExportTable(
        "technology_areas",
        "fields of technology cooperation",
        (
            _f("key", f"technology area key ({_KEY})"),
            _f("name", "name"),
            _f("description", "description"),
        ),
        _technology_areas,
    ),
    ExportTable(
        "technology_area_aliases",
        "other names of technology areas",
        (_f("technology_area", "technology area key"), _f("alias", "another name")),
        _aliases(
            m.TechnologyArea,
            m.TechnologyAreaAlias,
            m.TechnologyAreaAlias.technology_area_id,
            m.TechnologyArea.key,
            "technology_area",
        ),
    ),
    ExportTable(
        "alliances",
        "alliances, partnerships and dialogues",
        (
            _f("key", f"alliance key ({_KEY})"),
            _f("name", "short name"),
            _f("full_name", "full name"),
            _f("kind", "defense-treaty, security-partnership, intelligence-sharing, dialogue, …"),
            *_edtf_fields("founded", "founding date"),
            _f("description", "description"),
        ),
        _alliances,
    ),
    ExportTable(
        "alliance_aliases",
        "other names of alliances",
        (_f("alliance", "alliance key"), _f("alias", "another name")),
        _aliases(
            m.Alliance, m.AllianceAlias, m.AllianceAlias.alliance_id, m.Alliance.key, "alliance"
        ),
    ),
    ExportTable(
        "alliance_sources",
        "the sources cited for each alliance",
        (_f("alliance", "alliance key"), _f("source", "source key")),
        _alliance_sources,
    ),
    ExportTable(
        "pillars",
        "numbered lines of work inside alliances (AUKUS Pillar 2)",
        (
            _f("alliance", "alliance key"),
            _f("number", f"pillar number (with alliance: {_KEY})", "int"),
            _f("name", "name"),
            _f("description", "description"),
        ),
        _pillars,
    ),
    ExportTable(
        "pillar_aliases",
        "other names of pillars",
        (
            _f("alliance", "alliance key"),
            _f("pillar", "pillar number", "int"),
            _f("alias", "another name"),
        ),
        _pillar_aliases,
    ),
    ExportTable(
        "pillar_technology_areas",
        "the technology areas of each pillar",
        (
            _f("alliance", "alliance key"),
            _f("pillar", "pillar number", "int"),
            _f("technology_area", "technology area key"),
        ),
        _pillar_technology_areas,
    ),
    ExportTable(
        "memberships",
        "a country's role and status in an alliance or a pillar, with dates",
        (
            _f("country", "country iso3"),
            *_SCOPE_FIELDS,
            _f("role", "founding-member, member, partner, candidate or observer"),
            _f("status", "in-force, announced, expected, under-consultation, proposed, …"),
            *_edtf_fields("from", "start (with country, alliance, pillar, role: natural key)"),
            *_edtf_fields("to", "end; empty = still valid"),
            _f("note", "free-text note"),
        ),
        _memberships,
    ),
    ExportTable(
        "membership_sources",
        "the sources cited for each membership",
        (
            _f("country", "country iso3"),
            *_SCOPE_FIELDS,
            _f("role", "role"),
            _f("from", "start as written (with the four before: the membership)"),
            _f("source", "source key"),
        ),
        _membership_sources,
    ),
    ExportTable(
        "officials",
        "people who speak for states and alliances",
        (
            _f("key", f"official key ({_KEY})"),
            _f("name", "name"),
            _f("note", "free-text note"),
        ),
        _officials,
    ),
    ExportTable(
        "official_aliases",
        "other names of officials",
        (_f("official", "official key"), _f("alias", "another name")),
        _aliases(
            m.Official, m.OfficialAlias, m.OfficialAlias.official_id, m.Official.key, "official"
        ),
    ),
    ExportTable(
        "positions",
        "offices officials held",
        (
            _f("official", "official key"),
            _f("title", "title of the office"),
            *_edtf_fields("from", "start (with official and title: natural key)"),
            *_edtf_fields("to", "end; empty = still held or unknown"),
            _f("country", "iso3 of the country served, if any"),
            _f("alliance", "key of the alliance served, if any"),
            _f("organisation", "organisation served, if not a country or alliance"),
            _f("note", "free-text note"),
        ),
        _positions,
    ),
    ExportTable(
        "position_sources",
        "the sources cited for each position",
        (
            _f("official", "official key"),
            _f("title", "title"),
            _f("from", "start as written (with official and title: the position)"),
            _f("source", "source key"),
        ),
        _position_sources,
    ),
    ExportTable(
        "statements",
        "what officials, countries and alliances said, dated and sourced",
        (
            _f("id", f"statement id ({_KEY})"),
            *_edtf_fields("date", "date said"),
            _f("speaker_kind", "official, country or alliance"),
            _f("speaker", "official key, country iso3 or alliance key"),
            _f("speaker_label", "how the source names the speaker"),
            _f("text", "the statement"),
            _f("quote", "true = verbatim words, false = paraphrase", "bool"),
            _f("stance", "asserts, expects, considers, supports, opposes or denies"),
            _f("source", "source key"),
            _f("note", "free-text note"),
        ),
        _statements,
    ),
    ExportTable(
        "statement_countries",
        "the countries each statement is about",
        (_f("statement", "statement id"), _f("country", "country iso3")),
        _statement_countries,
    ),
    ExportTable(
        "statement_scopes",
        "the alliances and pillars each statement is about",
        (_f("statement", "statement id"), *_SCOPE_FIELDS),
        _statement_scopes,
    ),
    ExportTable(
        "statement_technology_areas",
        "the technology areas each statement is about",
        (_f("statement", "statement id"), _f("technology_area", "technology area key")),
        _statement_technology_areas,
    ),
    ExportTable(
        "loads",
        "load history: one row per `load` run (not knowledge: a dump does not carry it)",
        (
            _f("id", "load number", "int"),
            _f("started_at", "when the load began (ISO timestamp, UTC)"),
            _f("finished_at", "when it was committed"),
            _f("files", "number of files read", "int"),
            _f("records", "number of records read", "int"),
            _f("counts", "created/updated/unchanged per kind (JSON text in CSV)"),
        ),
        _loads,
        knowledge=False,
        python_values=True,
    ),
)
BY_NAME: Final = {t.name: t for t in TABLES}


# -- planning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One table and the file it goes to."""

    table: ExportTable
    path: Path


def table_named(name: str) -> ExportTable:
    """The exportable table `name` (`-` and `_` alike); UsageError listing them otherwise."""
    table = BY_NAME.get(name.strip().lower().replace("-", "_"))
    if table is None:
        raise UsageError(
            f"no exportable table {name!r}; choose from: {', '.join(BY_NAME)} "
            "(see `alliancekb export --list`)"
        )
    return table


def plan(names: Sequence[str], out: Path, fmt: Format | str = Format.CSV) -> list[Target]:
    """Where each table goes.

    No names: every table, into the directory `out` (created if missing). One name: the
    file `out`, or `out/<table>.<ext>` when `out` is an existing directory. Several names:
    the directory `out`.
    """
    fmt = file_format(fmt)
    tables = [table_named(n) for n in names] if names else list(TABLES)
    duplicates = sorted({t.name for t in tables if tables.count(t) > 1})
    if duplicates:
        raise UsageError(f"table(s) named twice: {', '.join(duplicates)}")
    ext = EXTENSIONS[fmt]
    if len(names) == 1 and not out.is_dir() and not str(out).endswith(("/", "\\")):
        return [Target(tables[0], out)]
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; several tables go into a directory")
    return [Target(t, out / f"{t.name}{ext}") for t in tables]


def file_format(fmt: Format | str) -> Format:
    try:
        parsed = Format(fmt)
    except ValueError:
        parsed = None
    if parsed not in FILE_FORMATS:
        raise UsageError(f"export format must be one of: {', '.join(FILE_FORMATS)}")
    assert parsed is not None
    return parsed


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What one file received."""

    table: str
    path: Path
    rows: int


def export(
    engine: Engine,
    targets: Sequence[Target],
    fmt: Format | str = Format.CSV,
    *,
    excel: bool = False,
    force: bool = False,
    progress: ExportProgress | None = None,
    count_rows: bool = False,
) -> list[Written]:
    """Write every target from one read snapshot; move the files into place at the end.

    Nothing is written at any target unless every table was exported completely. Raises
    UsageError (exit 2) when a target exists and `force` is not given, or when `excel` is
    asked for a format other than CSV. `count_rows` counts each table first (in the same
    snapshot) so that `progress` gets totals.
    """
    fmt = file_format(fmt)
    if excel and fmt is not Format.CSV:
        raise UsageError("--excel applies to CSV only")
    for target in targets:
        target.path.parent.mkdir(parents=True, exist_ok=True)
    check_targets([t.path for t in targets], force=force)
    pending: list[PendingFile] = []
    written: list[Written] = []
    try:
        with read_session(engine) as session:
            conn = session.connection()
            sql = SqlDialect(conn, fmt)
            for target in targets:
                total = _count(conn, target.table, sql) if count_rows else None
                with partial_file(target.path) as (stream, item):
                    pending.append(item)
                    rows = write_table(
                        conn, target.table, stream, fmt, excel=excel, sql=sql,
                        progress=None if progress is None else _progress_for(
                            progress, target.table.name, total
                        ),
                    )  # fmt: skip
                written.append(Written(target.table.name, target.path, rows))
    except BaseException:
        discard(pending)
        raise
    commit(pending, force=force)
    return written


def _progress_for(progress: ExportProgress, name: str, total: int | None) -> Callable[[int], None]:
    progress(name, 0, total)
    return lambda rows: progress(name, rows, total)


def _count(conn: Connection, table: ExportTable, sql: SqlDialect) -> int:
    stmt = table.select(sql).order_by(None).subquery()
    return int(conn.execute(select(func.count()).select_from(stmt)).scalar_one())


def rows_of(
    conn: Connection, table: ExportTable, fmt: Format | str = Format.JSON
) -> Iterator[tuple[Any, ...]]:
    """A table's rows as plain tuples in column order (for tests and other tools), streamed."""
    sql = SqlDialect(conn, file_format(fmt))
    for batch in _batches(conn, table, sql):
        for row in batch:
            yield tuple(row)


def _batches(conn: Connection, table: ExportTable, sql: SqlDialect) -> Iterator[Sequence[Any]]:
    stmt = table.select(sql)
    names = [c.name for c in stmt.selected_columns]
    if names != table.columns:  # a mistake in a table definition, caught by any test
        raise AssertionError(f"{table.name}: query columns {names} != fields {table.columns}")
    result = conn.execution_options(yield_per=BATCH_ROWS).execute(stmt)
    try:
        if table.python_values:
            converted = _python_converter(sql.csv)
            for batch in result.partitions():
                yield [tuple(converted(v) for v in row) for row in batch]
        else:
            yield from result.partitions()
    finally:
        result.close()


def _python_converter(for_csv: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True, ensure_ascii=False) if for_csv else value
        return text_value(value) if for_csv else json_value(value)

    return convert


def write_table(
    conn: Connection,
    table: ExportTable,
    stream: IO[str],
    fmt: Format | str = Format.CSV,
    *,
    excel: bool = False,
    sql: SqlDialect | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stream one table to a text stream (opened with `newline=''`); return the row count."""
    fmt = file_format(fmt)
    sql = sql if sql is not None else SqlDialect(conn, fmt)
    if fmt is Format.CSV and not table.python_values:
        return _write_csv_lines(
            stream, table.columns, _prefetched(_line_batches(conn, table, sql, excel=excel)),
            excel=excel, progress=progress,
        )  # fmt: skip
    batches = _prefetched(_batches(conn, table, sql))
    if fmt is Format.CSV:
        return _write_csv(stream, table.columns, batches, excel=excel, progress=progress)
    return _write_json(stream, table.columns, batches, ndjson=fmt is Format.NDJSON,
                       progress=progress)  # fmt: skip


# -- CSV lines made by the database -----------------------------------------------------------
#
# For the tables whose values SQL already turns into text, the database also quotes each
# field and joins the line (as `sqlite3 -csv` does): the driver hands over one string per
# row instead of a dozen values, and this C work runs while the GIL is released. The
# text is the same as `_csv_field`/`_excel_field` write (tests compare them).


def csv_field_sql(value: Any, postgres: bool, *, kind: Kind = "text", excel: bool = False) -> Any:
    """SQL for one CSV field: NULL empty, `'` before a formula start (excel), quoted if needed.

    Numbers and dates can need neither, so only text pays for the checks (a few `instr` calls or
    one regular expression per value).
    """
    text_value: Any = func.coalesce(cast(value, Text()), "")
    if kind in ("int", "date", "bool"):
        return text_value
    words = fixed_words(value)
    if words is not None and all(_csv_field(w) == _excel_field(w) == w for w in words):
        return text_value
    if excel:
        char = func.chr if postgres else func.char
        starts = [literal(c) for c in ("=", "+", "-", "@")] + [char(9), char(13), char(10)]
        text_value = case(
            (func.substr(text_value, 1, 1).in_(starts), literal("'") + text_value),
            else_=text_value,
        )
    if postgres:
        special = text_value.op("~")(literal('[",\r\n]'))
    else:
        # Four instr() calls measured faster than one GLOB '*[...]*' (12.5 s vs 15 s, 1M).
        # The comma first: prose usually has one early, and OR stops at the first hit.
        special = or_(*(func.instr(text_value, c) > 0 for c in (",", '"', "\n", "\r")))
    quoted = literal('"') + func.replace(text_value, '"', '""') + literal('"')
    return case((special, quoted), else_=text_value)


def fixed_words(expr: Any) -> frozenset[str] | None:
    """The only texts `expr` can have (NULL aside), when the schema or the query fixes them.

    A vocabulary column (its values held by a CHECK constraint), or a CASE choosing among
    literal strings. None when the values are open (any text the database holds).
    """
    while isinstance(expr, Label | TypeCoerce):
        expr = expr.element if isinstance(expr, Label) else expr.clause
    if isinstance(expr, Case):
        results = [result for _, result in expr.whens]
        if expr.else_ is not None:
            results.append(expr.else_)
        if all(isinstance(r, BindParameter) and isinstance(r.value, str) for r in results):
            return frozenset(r.value for r in results)
        return None
    column_type = getattr(expr, "type", None)
    if isinstance(column_type, Enum) and column_type.create_constraint:
        return frozenset(column_type.enums)
    return None


def _line_batches(
    conn: Connection, table: ExportTable, sql: SqlDialect, *, excel: bool
) -> Iterator[Sequence[Any]]:
    stmt = table.select(sql)
    names = [c.name for c in stmt.selected_columns]
    if names != table.columns:  # a mistake in a table definition, caught by any test
        raise AssertionError(f"{table.name}: query columns {names} != fields {table.columns}")
    driving = _driving_table(stmt)
    fields = [
        func.coalesce(cast(value, Text()), "")
        if f.kind == "text" and _written_as_stored(conn, value, driving, sql, excel=excel)
        else csv_field_sql(value, sql.postgres, kind=f.kind, excel=excel)
        for c, f in zip(stmt.selected_columns, table.fields, strict=True)
        for value in [getattr(c, "element", c)]
    ]
    line = fields[0]
    for field in fields[1:]:
        line = line + literal(",") + field
    line = type_coerce(line + literal("\r\n"), String())
    yield from _driver_batches(
        conn, stmt.with_only_columns(line.label("line"), maintain_column_froms=True), sql
    )


def _driving_table(stmt: AnySelect) -> Any:
    """The table the query's rows come from: the leftmost of its FROM clause."""
    froms = stmt.get_final_froms()
    first: Any = froms[0] if froms else None
    while isinstance(first, Join):
        first = first.left
    return first


def _lookup_columns(expr: Any, driving: Any) -> list[Any] | None:
    """The columns of joined tables that `expr` is one of (a column, or COALESCE of them)."""
    while isinstance(expr, Label | TypeCoerce):
        expr = expr.element if isinstance(expr, Label) else expr.clause
    candidates = list(expr.clauses) if isinstance(expr, coalesce_type) else [expr]
    # By name: the ORM's columns carry annotated copies of their table.
    driving_name = getattr(driving, "name", None)
    if all(isinstance(c, Column) and c.table.name != driving_name for c in candidates):
        return candidates
    return None


def _written_as_stored(
    conn: Connection, expr: Any, driving: Any, sql: SqlDialect, *, excel: bool
) -> bool:
    """Whether no value `expr` can take needs quoting (or, with `excel`, a `'` prefix).

    Asked of the joined lookup tables (sources, officials, countries, alliances: small)
    that the value is read from, in this snapshot: one EXISTS per column instead of
    checking the field on every row of a large table. A key with a comma would make it
    False, and the field is checked per row as usual.
    """
    columns = _lookup_columns(expr, driving)
    if columns is None:
        return False
    for column in columns:
        written = csv_field_sql(column, sql.postgres, excel=excel)
        stored = func.coalesce(cast(column, Text()), "")
        if conn.execute(select(exists().where(written != stored))).scalar_one():
            return False
    return True


def _driver_batches(conn: Connection, stmt: AnySelect, sql: SqlDialect) -> Iterator[Sequence[Any]]:
    """The rows of `stmt` as the driver's own tuples, `BATCH_ROWS` at a time.

    The lines need no conversion, and going past SQLAlchemy's result (a Row object and a
    Python call per row) to the DB-API cursor halves the Python work per line. The cursor
    is opened on the session's own connection, so it reads in the session's transaction:
    the same snapshot as every other table. On PostgreSQL it is a named (server-side)
    cursor, so the rows stream rather than arrive all at once. The only bound values are
    the constant strings of `csv_field_sql`, rendered inline.
    """
    text_sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver: Any = conn.connection.dbapi_connection
    cursor = driver.cursor(name="alliancekb_export") if sql.postgres else driver.cursor()
    try:
        cursor.execute(text_sql)
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield batch
    finally:
        cursor.close()


def _write_csv_lines(
    stream: IO[str],
    columns: list[str],
    batches: Iterable[Sequence[Any]],
    *,
    excel: bool,
    progress: Callable[[int], None] | None,
) -> int:
    if excel:
        stream.write(UTF8_BOM)
    stream.write(",".join(map(_csv_field, columns)) + "\r\n")
    count = 0
    for batch in batches:
        stream.write("".join([row[0] for row in batch]))
        count += len(batch)
        if progress is not None:
            progress(count)
    return count


#: A field that needs quoting in RFC 4180 CSV (what csv.QUOTE_MINIMAL quotes).
_CSV_SPECIAL: Final = re.compile('[",\r\n]').search


def _csv_field(value: Any) -> str:
    """One field as csv.writer (QUOTE_MINIMAL) writes it: None empty, quoted when needed."""
    if value.__class__ is str:
        if _CSV_SPECIAL(value) is None:
            return value
        return '"' + value.replace('"', '""') + '"'
    return "" if value is None else str(value)


def _excel_field(value: Any) -> str:
    if value.__class__ is str and value.startswith(EXCEL_FORMULA_STARTS):
        value = excel_cell(value)
    return _csv_field(value)


def _write_csv(
    stream: IO[str],
    columns: list[str],
    batches: Iterable[Sequence[Any]],
    *,
    excel: bool,
    progress: Callable[[int], None] | None,
) -> int:
    """RFC 4180 CSV, byte for byte what `output.write_csv` writes for the same rows.

    The query already made every value its text, so a batch becomes one string with one
    Python call per field: a third faster than `csv.writer`, which examines every
    character in C but pays per character for it.
    """
    field = _excel_field if excel else _csv_field
    if excel:
        stream.write(UTF8_BOM)
    stream.write(",".join(map(_csv_field, columns)) + "\r\n")
    count = 0
    for batch in batches:
        stream.write("".join([",".join(map(field, row)) + "\r\n" for row in batch]))
        count += len(batch)
        if progress is not None:
            progress(count)
    return count


def _write_json(
    stream: IO[str],
    columns: list[str],
    batches: Iterable[Sequence[Any]],
    *,
    ndjson: bool,
    progress: Callable[[int], None] | None,
) -> int:
    """A JSON list of objects (one per line) or NDJSON, keys in column order."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    if not ndjson:
        stream.write("[")
    for batch in batches:
        for row in batch:
            line = dumps(dict(zip(columns, row, strict=True)))
            if ndjson:
                stream.write(line + "\n")
            else:
                stream.write(("\n" if count == 0 else ",\n") + line)
            count += 1
        if progress is not None:
            progress(count)
    if not ndjson:
        stream.write("\n]\n" if count else "]\n")
    return count


_END: Final = object()


def _prefetched(batches: Iterator[Any], depth: int = 4) -> Iterator[Any]:
    """Fetch the next batches in a thread while this one is written.

    The driver releases the GIL while the database steps through rows (SQLite) or waits
    for the server (PostgreSQL), so reading and writing overlap on two cores. At most
    `depth` batches wait in the queue: memory stays bounded.
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_END)
        except BaseException as exc:  # handed to the writing thread, which raises it
            put(exc)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # the result is closed in the thread that used it

    thread = threading.Thread(target=produce, name="export-fetch", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
