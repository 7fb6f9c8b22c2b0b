"""The exportable tables: their columns, what each column means, and the SELECT of their rows.

Every exportable table is one SQL query over the ORM tables whose internal ids are
replaced by readable natural keys (ISO3 codes, alliance/source/official keys, pillar
numbers, statement ids), with a fixed column order and rows ordered by that natural key,
so two exports of the same knowledge are byte-identical and diff cleanly (docs/export.md).

Values are turned into their output text by SQL where both backends agree (dates as ISO
text, vocabulary values as plain text, booleans as `true`/`false` in CSV), so the rows
need no conversion in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import Connection, String, case, func, literal, select, type_coerce

from alliancekb.core.formats import Format
from alliancekb.store import models as m
from alliancekb.store.sql_keys import AnySelect, KeyOrder, scope_key_joins

Kind = Literal["text", "int", "bool", "date"]


@dataclass(frozen=True)
class Field:
    """One exported column: its name (CSV header, JSON key), value kind and meaning."""

    name: str
    kind: Kind
    doc: str


class SqlDialect(KeyOrder):
    """Backend-specific SQL for one export: value conversions and code-point key order."""

    def __init__(self, conn: Connection, fmt: Format) -> None:
        super().__init__(conn)
        self.csv = fmt is Format.CSV

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
        """The SELECT of the rows, its columns checked against the fields."""
        stmt = self.query(sql)
        names = [c.name for c in stmt.selected_columns]
        if names != self.columns:  # a mistake in a table definition, caught by any test
            raise AssertionError(f"{self.name}: query columns {names} != fields {self.columns}")
        return stmt


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
