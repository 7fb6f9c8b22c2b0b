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

from typing import Any, Final

from sqlalchemy import case, func, literal, select

from alliancekb.core.kind_parts import kind_parts
from alliancekb.export.columns import (
    CONFIRMED_DOC,
    SqlDialect,
    edtf_columns,
    edtf_fields,
    field,
)
from alliancekb.export.table import ExportTable as ExportTable
from alliancekb.export.table import Query as Query
from alliancekb.store import models as m
from alliancekb.store.sql_keys import AnySelect, scope_key_joins

# -- scopes: an alliance, or one of its pillars ----------------------------------------------
_SCOPE_FIELDS = (
    field("alliance", "alliance key (the alliance itself, or the pillar's alliance)"),
    field("pillar", "pillar number within the alliance; empty = the alliance as a whole", "int"),
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
        a.key, a.name, a.full_name, sql.text(a.kind).label("kind"),
        *edtf_columns(sql, a.founded, a.founded_lower, a.founded_upper, "founded"),
        a.description, *edtf_columns(sql, a.ended, a.ended_lower, a.ended_upper, "ended"),
        a.obligations,
    ).order_by(sql.key(a.key))  # fmt: skip


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
        sql.key(ms.claim),
    ]
    return stmt, columns, order


def _memberships(sql: SqlDialect) -> AnySelect:
    ms = m.Membership
    stmt, key_columns, order = _membership_key(sql)
    return stmt.add_columns(
        *key_columns,
        sql.text(ms.status).label("status"),
        *edtf_columns(sql, ms.from_text, ms.from_lower, ms.from_upper, "from"),
        *edtf_columns(sql, ms.to_text, ms.to_lower, ms.to_upper, "to"),
        *edtf_columns(sql, ms.confirmed, ms.confirmed_lower, ms.confirmed_upper, "confirmed"),
        ms.claim, ms.obligations, ms.note,
    ).order_by(*order)  # fmt: skip


def _membership_sources(sql: SqlDialect) -> AnySelect:
    ms, link, s = m.Membership, m.membership_sources, m.Source
    stmt, key_columns, order = _membership_key(sql)
    return (
        stmt.join(link, link.c.membership_id == ms.id)
        .join(s, s.id == link.c.source_id)
        .add_columns(*key_columns, ms.from_text.label("from"), ms.claim, s.key.label("source"))
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
            *edtf_columns(sql, p.from_text, p.from_lower, p.from_upper, "from"),
            *edtf_columns(sql, p.to_text, p.to_lower, p.to_upper, "to"),
            *edtf_columns(sql, p.confirmed, p.confirmed_lower, p.confirmed_upper, "confirmed"),
            c.iso3.label("country"),
            a.key.label("alliance"),
            p.organisation,
            p.claim,
            p.note,
        )
        .join(o, o.id == p.official_id)
        .outerjoin(c, c.id == p.country_id)
        .outerjoin(a, a.id == p.alliance_id)
        .order_by(sql.key(o.key), sql.key(p.title), sql.key(p.from_text), sql.key(p.claim))
    )


def _position_sources(sql: SqlDialect) -> AnySelect:
    p, o, link, s = m.Position, m.Official, m.position_sources, m.Source
    return (
        select(
            o.key.label("official"),
            p.title,
            p.from_text.label("from"),
            p.claim,
            s.key.label("source"),
        )
        .select_from(link)
        .join(p, p.id == link.c.position_id)
        .join(o, o.id == p.official_id)
        .join(s, s.id == link.c.source_id)
        .order_by(
            sql.key(o.key),
            sql.key(p.title),
            sql.key(p.from_text),
            sql.key(p.claim),
            sql.key(s.key),
        )
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
            *edtf_columns(sql, st.date_text, st.date_lower, st.date_upper, "date"),
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
        s.key, s.title, s.publisher, s.author, s.url,
        *edtf_columns(sql, s.published, s.published_lower, s.published_upper, "published"),
        s.retrieved, sql.text(s.kind).label("kind"),
        *edtf_columns(sql, s.covers_from, s.covers_from_lower, s.covers_from_upper, "covers_from"),
        *edtf_columns(sql, s.covers_to, s.covers_to_lower, s.covers_to_upper, "covers_to"),
        s.note,
    ).order_by(sql.key(s.key))  # fmt: skip


def _country_codes(sql: SqlDialect) -> AnySelect:
    cc, c = m.CountryCode, m.Country
    return (
        select(c.iso3.label("country"), sql.text(cc.scheme).label("scheme"), cc.code,
               *edtf_columns(sql, cc.from_text, cc.from_lower, cc.from_upper, "from"),
               *edtf_columns(sql, cc.to_text, cc.to_lower, cc.to_upper, "to"))
        .join(c, c.id == cc.country_id)
        .order_by(sql.key(sql.text(cc.scheme)), sql.key(cc.code), sql.key(cc.from_text))
    )  # fmt: skip


def _loads(sql: SqlDialect) -> AnySelect:
    ld, lf = m.Load, m.LoadFile
    files = select(func.count()).where(lf.load_id == ld.id).scalar_subquery()
    records = select(func.coalesce(func.sum(lf.records), 0)).where(lf.load_id == ld.id)
    return select(
        ld.id, ld.started_at, ld.finished_at, files.label("files"),
        records.scalar_subquery().label("records"), ld.counts,
    ).order_by(ld.id)  # fmt: skip


def _retractions(sql: SqlDialect) -> AnySelect:
    r = m.Retraction
    return select(
        sql.text(r.kind).label("kind"), r.key, r.reason, r.retracted_by, r.retracted_at,
        r.snapshot,
    ).order_by(sql.text(r.kind), sql.key(r.key))  # fmt: skip


_KEY = "natural key"
TABLES: Final[tuple[ExportTable, ...]] = (
    ExportTable(
        "sources",
        "where facts come from: one row per source",
        (
            field("key", f"source key ({_KEY})"),
            field("title", "title"),
            field("publisher", "publisher"),
            field("author", "author"),
            field("url", "URL"),
            *edtf_fields("published", "publication date (`unknown` if said so)"),
            field("retrieved", "date retrieved (EDTF); empty = not given"),
            field("kind", "news, government, dataset, reference or treaty"),
            *edtf_fields("covers_from", "a dataset's coverage: first date"),
            *edtf_fields("covers_to", "a dataset's coverage: last date (claims hold to here)"),
            field("note", "free-text note"),
        ),
        _sources,
    ),
    ExportTable(
        "countries",
        "states by ISO 3166 code",
        (
            field("iso3", f"ISO 3166-1 alpha-3 code ({_KEY})"),
            field("iso2", "ISO 3166-1 alpha-2 code"),
            field("name", "name"),
        ),
        _countries,
    ),
    ExportTable(
        "country_codes",
        "codes other systems give countries (`cow`: Correlates of War), dated",
        (
            field("country", "country iso3"),
            field("scheme", "code system: cow"),
            field("code", "the code (with scheme and from: natural key)"),
            *edtf_fields("from", "first date the code applies"),
            *edtf_fields("to", "last date the code applies; empty = to now"),
        ),
        _country_codes,
    ),
    ExportTable(
        "country_aliases",
        "other names of countries",
        (field("country", "country iso3"), field("alias", "another name")),
        _aliases(m.Country, m.CountryAlias, m.CountryAlias.country_id, m.Country.iso3, "country"),
    ),
    ExportTable(
        "technology_areas",
        "fields of technology cooperation",
        (
            field("key", f"technology area key ({_KEY})"),
            field("name", "name"),
            field("description", "description"),
        ),
        _technology_areas,
    ),
    ExportTable(
        "technology_area_aliases",
        "other names of technology areas",
        (field("technology_area", "technology area key"), field("alias", "another name")),
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
            field("key", f"alliance key ({_KEY})"),
            field("name", "short name"),
            field("full_name", "full name"),
            field(
                "kind", "defense-treaty, security-partnership, intelligence-sharing, dialogue, …"
            ),
            *edtf_fields("founded", "founding date"),
            field("description", "description"),
            *edtf_fields("ended", "the day it was dissolved (empty: not known to have ended)"),
            field("obligations", "what its treaty binds every member to, `; `-joined"),
        ),
        _alliances,
    ),
    ExportTable(
        "alliance_aliases",
        "other names of alliances",
        (field("alliance", "alliance key"), field("alias", "another name")),
        _aliases(
            m.Alliance, m.AllianceAlias, m.AllianceAlias.alliance_id, m.Alliance.key, "alliance"
        ),
    ),
    ExportTable(
        "alliance_sources",
        "the sources cited for each alliance",
        (field("alliance", "alliance key"), field("source", "source key")),
        _alliance_sources,
    ),
    ExportTable(
        "pillars",
        "numbered lines of work inside alliances (AUKUS Pillar 2)",
        (
            field("alliance", "alliance key"),
            field("number", f"pillar number (with alliance: {_KEY})", "int"),
            field("name", "name"),
            field("description", "description"),
        ),
        _pillars,
    ),
    ExportTable(
        "pillar_aliases",
        "other names of pillars",
        (
            field("alliance", "alliance key"),
            field("pillar", "pillar number", "int"),
            field("alias", "another name"),
        ),
        _pillar_aliases,
    ),
    ExportTable(
        "pillar_technology_areas",
        "the technology areas of each pillar",
        (
            field("alliance", "alliance key"),
            field("pillar", "pillar number", "int"),
            field("technology_area", "technology area key"),
        ),
        _pillar_technology_areas,
    ),
    ExportTable(
        "memberships",
        "a country's role and status in an alliance or a pillar, with dates",
        (
            field("country", "country iso3"),
            *_SCOPE_FIELDS,
            field("role", "founding-member, member, partner, candidate or observer"),
            field("status", "in-force, announced, expected, under-consultation, proposed, …"),
            *edtf_fields("from", "start (with country, alliance, pillar, role, claim: key)"),
            *edtf_fields("to", "end, inclusive; empty = not known to have ended"),
            *edtf_fields("confirmed", CONFIRMED_DOC),
            field("claim", "'' = the knowledge base's record; else the claiming dataset's key"),
            field("obligations", "coded obligations (defense, neutrality, …), `; `-joined"),
            field("note", "free-text note"),
        ),
        _memberships,
    ),
    ExportTable(
        "membership_sources",
        "the sources cited for each membership",
        (
            field("country", "country iso3"),
            *_SCOPE_FIELDS,
            field("role", "role"),
            field("from", "start as written (with the four before and claim: the membership)"),
            field("claim", "the claiming dataset's key; '' = the knowledge base's own"),
            field("source", "source key"),
        ),
        _membership_sources,
    ),
    ExportTable(
        "officials",
        "people who speak for states and alliances",
        (
            field("key", f"official key ({_KEY})"),
            field("name", "name"),
            field("note", "free-text note"),
        ),
        _officials,
    ),
    ExportTable(
        "official_aliases",
        "other names of officials",
        (field("official", "official key"), field("alias", "another name")),
        _aliases(
            m.Official, m.OfficialAlias, m.OfficialAlias.official_id, m.Official.key, "official"
        ),
    ),
    ExportTable(
        "positions",
        "offices officials held",
        (
            field("official", "official key"),
            field("title", "title of the office"),
            *edtf_fields("from", "start (with official and title: natural key)"),
            *edtf_fields("to", "end, inclusive; empty = not known to have ended"),
            *edtf_fields("confirmed", CONFIRMED_DOC),
            field("country", "iso3 of the country served, if any"),
            field("alliance", "key of the alliance served, if any"),
            field("organisation", "organisation served, if not a country or alliance"),
            field("claim", "'' = the knowledge base's record; else the claiming dataset's key"),
            field("note", "free-text note"),
        ),
        _positions,
    ),
    ExportTable(
        "position_sources",
        "the sources cited for each position",
        (
            field("official", "official key"),
            field("title", "title"),
            field("from", "start as written (with official, title and claim: the position)"),
            field("claim", "the claiming dataset's key; '' = the knowledge base's own"),
            field("source", "source key"),
        ),
        _position_sources,
    ),
    ExportTable(
        "statements",
        "what officials, countries and alliances said, dated and sourced",
        (
            field("id", f"statement id ({_KEY})"),
            *edtf_fields("date", "date said"),
            field("speaker_kind", "official, country or alliance"),
            field("speaker", "official key, country iso3 or alliance key"),
            field("speaker_label", "how the source names the speaker"),
            field("text", "the statement"),
            field("quote", "true = verbatim words, false = paraphrase", "bool"),
            field("stance", "asserts, expects, considers, supports, opposes or denies"),
            field("source", "source key"),
            field("note", "free-text note"),
        ),
        _statements,
    ),
    ExportTable(
        "statement_countries",
        "the countries each statement is about",
        (field("statement", "statement id"), field("country", "country iso3")),
        _statement_countries,
    ),
    ExportTable(
        "statement_scopes",
        "the alliances and pillars each statement is about",
        (field("statement", "statement id"), *_SCOPE_FIELDS),
        _statement_scopes,
    ),
    ExportTable(
        "statement_technology_areas",
        "the technology areas each statement is about",
        (field("statement", "statement id"), field("technology_area", "technology area key")),
        _statement_technology_areas,
    ),
    ExportTable(
        "retractions",
        "facts withdrawn (`retract`): gone from every other table, kept here (docs/yaml-format.md)",
        (
            field("kind", "membership, position or statement"),
            field("key", f"the fact's canonical key ({_KEY}s joined by `|`, or a statement id)"),
            field("reason", "why it was withdrawn"),
            field("retracted_by", "who withdrew it"),
            field("retracted_at", "when (ISO timestamp, UTC)"),
            field("snapshot", "the fact as it was, a load-format record (JSON text in CSV)"),
        ),
        _retractions,
        python_values=True,
    ),
    # The tables of the kinds added after the core (`export.kinds`).
    *(table for module in kind_parts("alliancekb.export.kinds") for table in module.TABLES),
    ExportTable(
        "loads",
        "load history: one row per `load` run (not knowledge: a dump does not carry it)",
        (
            field("id", "load number", "int"),
            field("started_at", "when the load began (ISO timestamp, UTC)"),
            field("finished_at", "when it was committed"),
            field("files", "number of files read", "int"),
            field("records", "number of records read", "int"),
            field("counts", "created/updated/unchanged per kind (JSON text in CSV)"),
        ),
        _loads,
        knowledge=False,
        python_values=True,
    ),
)
BY_NAME: Final = {t.name: t for t in TABLES}
