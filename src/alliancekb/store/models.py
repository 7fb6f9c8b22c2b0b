"""The SQLAlchemy 2 typed ORM model: every entity of the knowledge base and its provenance.

Natural keys are unique constraints; every link is a foreign key; every vocabulary is a
CHECK constraint, so the database itself refuses what the loader would.

A *scope* is what a membership or a statement can be about: an alliance or one of its
pillars. Each alliance and each pillar owns exactly one row of `scopes`, which lets a
membership point at either through one plain foreign key (and one plain unique key).

Dates are EDTF text as written plus the first and last day the text can mean; an empty
text means "not known" (bounds NULL) and keeps the natural keys free of NULLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliancekb.core.kind_parts import kind_parts
from alliancekb.core.vocab import (
    AllianceKind,
    CodeScheme,
    FactKind,
    Role,
    ScopeKind,
    SourceKind,
    Stance,
    Status,
)
from alliancekb.store.model_base import (
    KEY_LENGTH,
    NAME_LENGTH,
    NAMING_CONVENTION,
    Alias,
    Base,
    bound,
    edtf_text,
    intpk,
    name_text,
    opt_name,
    opt_text,
    slug,
)
from alliancekb.store.model_base import link_table as _link
from alliancekb.store.tables import vocabulary

# Re-exported: every core model is `store.models.X` to its users (the base lives in a module
# of its own so that the models of a kind added later, `store.kinds`, declare theirs on it).
__all__ = [
    "KEY_LENGTH",
    "NAME_LENGTH",
    "NAMING_CONVENTION",
    "Alias",
    "Base",
    "FactKind",
]

_ALLIANCE = ("alliance_id", "alliances")
_MEMBERSHIP = ("membership_id", "memberships")
_POSITION = ("position_id", "positions")
_PILLAR = ("pillar_id", "pillars")
_STATEMENT = ("statement_id", "statements")
_SOURCE = ("source_id", "sources")
_COUNTRY = ("country_id", "countries")
_SCOPE = ("scope_id", "scopes")
_TECH = ("technology_area_id", "technology_areas")
_STATEMENT_KEY = String(KEY_LENGTH)

alliance_sources = _link("alliance_sources", _ALLIANCE, _SOURCE)
membership_sources = _link("membership_sources", _MEMBERSHIP, _SOURCE)
position_sources = _link("position_sources", _POSITION, _SOURCE)
pillar_technology_areas = _link("pillar_technology_areas", _PILLAR, _TECH)
statement_countries = _link("statement_countries", _STATEMENT, _COUNTRY, _STATEMENT_KEY)
statement_scopes = _link("statement_scopes", _STATEMENT, _SCOPE, _STATEMENT_KEY)
statement_technology_areas = _link("statement_technology_areas", _STATEMENT, _TECH, _STATEMENT_KEY)


class Source(Base):
    """Where a fact comes from."""

    __tablename__ = "sources"

    id: Mapped[intpk]
    key: Mapped[slug]
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[opt_name]
    author: Mapped[opt_name]
    url: Mapped[opt_name]
    published: Mapped[edtf_text]
    published_lower: Mapped[bound]
    published_upper: Mapped[bound]
    retrieved: Mapped[edtf_text]
    kind: Mapped[SourceKind] = mapped_column(vocabulary(SourceKind, "source_kind"))
    #: What a dataset covers (COW: 1816 to 2012): its claims hold at most to `covers_to`.
    covers_from: Mapped[edtf_text]
    covers_from_lower: Mapped[bound]
    covers_from_upper: Mapped[bound]
    covers_to: Mapped[edtf_text]
    covers_to_lower: Mapped[bound]
    covers_to_upper: Mapped[bound]
    note: Mapped[opt_text]


class Country(Base):
    """A state, identified by its ISO 3166 alpha-3 code."""

    __tablename__ = "countries"

    id: Mapped[intpk]
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    iso2: Mapped[str | None] = mapped_column(String(2), unique=True)
    name: Mapped[name_text]

    aliases: Mapped[list[CountryAlias]] = relationship(
        cascade="all, delete-orphan", order_by="CountryAlias.alias"
    )
    codes: Mapped[list[CountryCode]] = relationship(
        cascade="all, delete-orphan", order_by="(CountryCode.scheme, CountryCode.from_lower)"
    )


class CountryCode(Base):
    """A code another system gives a country, over the dates it applied (COW 260, 1955-1990).

    One state may carry several codes over time (Germany: COW 260 as the Federal Republic,
    then 255), and one code several states (COW 255: the German Reich until 1945, Germany
    from 1990), so a code is dated.
    """

    __tablename__ = "country_codes"
    __table_args__ = (
        UniqueConstraint("scheme", "code", "from_text"),
        Index("ix_country_codes_scheme_code", "scheme", "code"),
    )

    id: Mapped[intpk]
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id", ondelete="CASCADE"))
    scheme: Mapped[CodeScheme] = mapped_column(vocabulary(CodeScheme, "code_scheme"))
    code: Mapped[str] = mapped_column(String(20))
    from_text: Mapped[edtf_text]
    from_lower: Mapped[bound]
    from_upper: Mapped[bound]
    to_text: Mapped[edtf_text]
    to_lower: Mapped[bound]
    to_upper: Mapped[bound]


class Scope(Base):
    """What a membership or statement can be about: one alliance or one pillar."""

    __tablename__ = "scopes"

    id: Mapped[intpk]
    kind: Mapped[ScopeKind] = mapped_column(vocabulary(ScopeKind, "scope_kind"))


class Alliance(Base):
    """An alliance, partnership or dialogue between states."""

    __tablename__ = "alliances"

    id: Mapped[intpk]
    key: Mapped[slug]
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id", ondelete="RESTRICT"), unique=True)
    name: Mapped[name_text]
    full_name: Mapped[opt_name]
    kind: Mapped[AllianceKind] = mapped_column(vocabulary(AllianceKind, "alliance_kind"))
    founded: Mapped[edtf_text]
    founded_lower: Mapped[bound]
    founded_upper: Mapped[bound]
    description: Mapped[opt_text]
    #: When it was dissolved ('' = not known to have ended): every membership ends then.
    ended: Mapped[edtf_text]
    ended_lower: Mapped[bound]
    ended_upper: Mapped[bound]
    #: What its treaty binds every member to ('; '-joined Obligation values in vocabulary
    #: order, '' = none recorded); a member's own claim may code others.
    obligations: Mapped[str] = mapped_column(String(200), default="", server_default="")

    pillars: Mapped[list[Pillar]] = relationship(
        back_populates="alliance", order_by="Pillar.number"
    )
    aliases: Mapped[list[AllianceAlias]] = relationship(
        cascade="all, delete-orphan", order_by="AllianceAlias.alias"
    )
    sources: Mapped[list[Source]] = relationship(secondary=alliance_sources)


class Pillar(Base):
    """A numbered line of work inside an alliance (AUKUS Pillar 2)."""

    __tablename__ = "pillars"
    __table_args__ = (
        UniqueConstraint("alliance_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[intpk]
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id", ondelete="CASCADE"))
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id", ondelete="RESTRICT"), unique=True)
    number: Mapped[int]
    name: Mapped[name_text]
    description: Mapped[opt_text]

    alliance: Mapped[Alliance] = relationship(back_populates="pillars")
    aliases: Mapped[list[PillarAlias]] = relationship(
        cascade="all, delete-orphan", order_by="PillarAlias.alias"
    )
    technology_areas: Mapped[list[TechnologyArea]] = relationship(
        secondary=pillar_technology_areas, order_by="TechnologyArea.key"
    )


class TechnologyArea(Base):
    """A field of technology cooperation (quantum, hypersonics, ...)."""

    __tablename__ = "technology_areas"

    id: Mapped[intpk]
    key: Mapped[slug]
    name: Mapped[name_text]
    description: Mapped[opt_text]

    aliases: Mapped[list[TechnologyAreaAlias]] = relationship(
        cascade="all, delete-orphan", order_by="TechnologyAreaAlias.alias"
    )


class Membership(Base):
    """A country's place in an alliance or a pillar, with its lifecycle status and sources."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("country_id", "scope_id", "role", "from_text", "claim"),
        Index("ix_memberships_scope_from", "scope_id", "from_lower"),
    )

    id: Mapped[intpk]
    country_id: Mapped[int] = mapped_column(
        ForeignKey("countries.id", ondelete="RESTRICT"), index=True
    )
    scope_id: Mapped[int] = mapped_column(ForeignKey("scopes.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(vocabulary(Role, "role"))
    status: Mapped[Status] = mapped_column(vocabulary(Status, "status"))
    from_text: Mapped[edtf_text]
    from_lower: Mapped[bound]
    from_upper: Mapped[bound]
    to_text: Mapped[edtf_text]
    to_lower: Mapped[bound]
    to_upper: Mapped[bound]
    #: An explicit evidence date (a source restating the fact later than it was published).
    confirmed: Mapped[edtf_text]
    confirmed_lower: Mapped[bound]
    confirmed_upper: Mapped[bound]
    #: Whose claim this is: '' for a record of the knowledge base's own (its sources say
    #: so), or the key of the dataset source (COW, ATOP) that claims it. Claims of several
    #: datasets about one membership are separate records, never overwrites.
    claim: Mapped[str] = mapped_column(String(KEY_LENGTH), default="", server_default="")
    #: The obligations coded for the member ('; '-joined Obligation values, in vocabulary
    #: order; '' = none coded).
    obligations: Mapped[str] = mapped_column(String(200), default="", server_default="")
    note: Mapped[opt_text]

    country: Mapped[Country] = relationship()
    scope: Mapped[Scope] = relationship()
    sources: Mapped[list[Source]] = relationship(
        secondary=membership_sources, order_by="Source.key"
    )


class Official(Base):
    """A person who speaks for a state or an alliance."""

    __tablename__ = "officials"

    id: Mapped[intpk]
    key: Mapped[slug]
    name: Mapped[name_text]
    note: Mapped[opt_text]

    aliases: Mapped[list[OfficialAlias]] = relationship(
        cascade="all, delete-orphan", order_by="OfficialAlias.alias"
    )
    positions: Mapped[list[Position]] = relationship(
        back_populates="official", cascade="all, delete-orphan", order_by="Position.from_lower"
    )


class Position(Base):
    """An office an official held: a title for a country, an alliance or an organisation."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("official_id", "title", "from_text", "claim"),)

    id: Mapped[intpk]
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"))
    title: Mapped[name_text]
    country_id: Mapped[int | None] = mapped_column(
        ForeignKey("countries.id", ondelete="RESTRICT"), index=True
    )
    alliance_id: Mapped[int | None] = mapped_column(
        ForeignKey("alliances.id", ondelete="RESTRICT"), index=True
    )
    organisation: Mapped[opt_name]
    from_text: Mapped[edtf_text]
    from_lower: Mapped[bound]
    from_upper: Mapped[bound]
    to_text: Mapped[edtf_text]
    to_lower: Mapped[bound]
    to_upper: Mapped[bound]
    #: An explicit evidence date (a source restating the fact later than it was published).
    confirmed: Mapped[edtf_text]
    confirmed_lower: Mapped[bound]
    confirmed_upper: Mapped[bound]
    #: Whose claim this is: '' for a record of the knowledge base's own, or the key of the
    #: dataset source (Wikidata) that claims it: kept beside the own record, never over it.
    claim: Mapped[str] = mapped_column(String(KEY_LENGTH), default="", server_default="")
    note: Mapped[opt_text]

    official: Mapped[Official] = relationship(back_populates="positions")
    country: Mapped[Country | None] = relationship()
    alliance: Mapped[Alliance | None] = relationship()
    sources: Mapped[list[Source]] = relationship(secondary=position_sources, order_by="Source.key")


class Statement(Base):
    """Something a speaker said, dated and sourced; the id is stable across re-loads."""

    __tablename__ = "statements"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN speaker_official_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN speaker_country_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN speaker_alliance_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_speaker",
        ),
        Index("ix_statements_official_date", "speaker_official_id", "date_lower"),
        Index("ix_statements_country_date", "speaker_country_id", "date_lower"),
        Index("ix_statements_alliance_date", "speaker_alliance_id", "date_lower"),
    )

    id: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    speaker_official_id: Mapped[int | None] = mapped_column(
        ForeignKey("officials.id", ondelete="RESTRICT")
    )
    speaker_country_id: Mapped[int | None] = mapped_column(
        ForeignKey("countries.id", ondelete="RESTRICT")
    )
    speaker_alliance_id: Mapped[int | None] = mapped_column(
        ForeignKey("alliances.id", ondelete="RESTRICT")
    )
    speaker_label: Mapped[opt_name]
    date_text: Mapped[str] = mapped_column(String(32))
    date_lower: Mapped[dt.date] = mapped_column(Date, index=True)
    date_upper: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    quote: Mapped[bool] = mapped_column(Boolean(create_constraint=True, name="quote_bool"))
    stance: Mapped[Stance] = mapped_column(vocabulary(Stance, "stance"))
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[opt_text]

    speaker_official: Mapped[Official | None] = relationship()
    speaker_country: Mapped[Country | None] = relationship()
    speaker_alliance: Mapped[Alliance | None] = relationship()
    source: Mapped[Source] = relationship()
    countries: Mapped[list[Country]] = relationship(
        secondary=statement_countries, order_by="Country.iso3"
    )
    scopes: Mapped[list[Scope]] = relationship(secondary=statement_scopes)
    technology_areas: Mapped[list[TechnologyArea]] = relationship(
        secondary=statement_technology_areas, order_by="TechnologyArea.key"
    )


class CountryAlias(Alias, Base):
    """Another name a country goes by ("UK", "Britain")."""

    __tablename__ = "country_aliases"
    __owner__ = "country"
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id", ondelete="CASCADE"))


class AllianceAlias(Alias, Base):
    """Another name an alliance goes by."""

    __tablename__ = "alliance_aliases"
    __owner__ = "alliance"
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id", ondelete="CASCADE"))


class PillarAlias(Alias, Base):
    """Another name a pillar goes by ("Pillar II")."""

    __tablename__ = "pillar_aliases"
    __owner__ = "pillar"
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id", ondelete="CASCADE"))


class TechnologyAreaAlias(Alias, Base):
    """Another name a technology area goes by."""

    __tablename__ = "technology_area_aliases"
    __owner__ = "technology_area"
    technology_area_id: Mapped[int] = mapped_column(
        ForeignKey("technology_areas.id", ondelete="CASCADE")
    )


class OfficialAlias(Alias, Base):
    """Another name an official goes by."""

    __tablename__ = "official_aliases"
    __owner__ = "official"
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"))


class Load(Base):
    """One run of `alliancekb load`: what it read and what it changed."""

    __tablename__ = "loads"

    id: Mapped[intpk]
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )
    counts: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON)

    files: Mapped[list[LoadFile]] = relationship(
        cascade="all, delete-orphan", order_by="LoadFile.position"
    )


class LoadFile(Base):
    """One file of a load, identified by its content hash."""

    __tablename__ = "load_files"
    __table_args__ = (UniqueConstraint("load_id", "position"),)

    id: Mapped[intpk]
    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id", ondelete="CASCADE"))
    position: Mapped[int]
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)


#: Longest canonical key of a retracted fact (a position's key holds its title).
RETRACTION_KEY_LENGTH = 1200


class Retraction(Base):
    """A fact withdrawn from the knowledge base: who, why, when, and the fact as it was.

    The fact's own row is deleted (so no query, export or search shows it); this row keeps
    it, and keeps a later load of an old file from bringing it back: a loaded record whose
    canonical key is retracted is skipped. `key` is built from natural keys, never from
    database ids (alliancekb.load.retract): `JPN|aukus/2|partner|2024-04~` (country,
    scope, role, from), `rahm-emanuel|Ambassador to Japan|2022-03` (official, title,
    from), or a statement's id.
    """

    __tablename__ = "retractions"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[intpk]
    kind: Mapped[FactKind] = mapped_column(vocabulary(FactKind, "fact_kind"))
    key: Mapped[str] = mapped_column(String(RETRACTION_KEY_LENGTH))
    reason: Mapped[str] = mapped_column(Text)
    retracted_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    retracted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: The load (history entry) that recorded it; NULL only if that entry is deleted.
    load_id: Mapped[int | None] = mapped_column(
        ForeignKey("loads.id", ondelete="SET NULL"), index=True
    )
    #: The fact as it was, as a load-format record (NULL: it was not in the knowledge base).
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class KnowledgeClock(Base):
    """Knowledge time (migration 0008): the load now writing, and how far back history reaches.

    One row. `writing` is set inside a load's write transaction (the triggers that keep
    replaced versions read it); `since` is the oldest load whose state `--known-on` can
    reproduce (the last load before history began, raised by `db compact`).
    """

    __tablename__ = "knowledge_clock"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[intpk]
    writing: Mapped[int | None]
    since: Mapped[int]


# The models of the kinds added after the core, on the same metadata (before the versioned
# tables are listed, so that theirs are versioned too).
kind_parts("alliancekb.store.kinds")

#: The tables of facts, whose replaced rows are kept in `<name>_versions` (migration 0008):
#: everything but the record of loads. Each carries `v_load`, the load that wrote its row.
VERSIONED_TABLES: tuple[Table, ...] = tuple(
    t
    for t in Base.metadata.sorted_tables
    if t.name not in {"loads", "load_files", "knowledge_clock"}
)
for _table in VERSIONED_TABLES:
    _table.append_column(Column("v_load", Integer, nullable=False, server_default="0", index=True))
