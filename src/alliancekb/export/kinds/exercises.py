"""The exportable tables of military exercises: exercises, aliases, editions, participants,
and the sources of each edition; ids replaced by natural keys, rows in key order.

An edition is named by (exercise key, year, edition name; '' when its year names it),
as the load format's natural key.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select

from alliancekb.export.columns import Field, SqlDialect, edtf_columns, edtf_fields, field
from alliancekb.export.table import ExportTable
from alliancekb.store import models as m
from alliancekb.store.kinds import exercises as xm
from alliancekb.store.sql_keys import AnySelect

_EDITION_FIELDS: Final[tuple[Field, ...]] = (
    field("exercise", "exercise key"),
    field("year", "the edition's year", "int"),
    field("edition", "the edition's name; '' = its year names it (with exercise and year: "
          "the edition)"),
)  # fmt: skip


def _edition_key(sql: SqlDialect) -> tuple[list[Any], list[Any]]:
    """The edition's key columns and their order."""
    x, e = xm.Exercise, xm.ExerciseEdition
    columns = [x.key.label("exercise"), e.year, e.name.label("edition")]
    return columns, [sql.key(x.key), e.year, sql.key(e.name)]


def _exercises(sql: SqlDialect) -> AnySelect:
    x, c, a = xm.Exercise, m.Country, m.Alliance
    return (
        select(
            x.key, x.name, c.iso3.label("organiser_country"),
            a.key.label("organiser_alliance"), x.description,
        )
        .outerjoin(c, c.id == x.organiser_country_id)
        .outerjoin(a, a.id == x.organiser_alliance_id)
        .order_by(sql.key(x.key))
    )  # fmt: skip


def _exercise_aliases(sql: SqlDialect) -> AnySelect:
    x, al = xm.Exercise, xm.ExerciseAlias
    return (
        select(x.key.label("exercise"), al.alias)
        .join(x, x.id == al.exercise_id)
        .order_by(sql.key(x.key), sql.key(al.alias))
    )


def _editions(sql: SqlDialect) -> AnySelect:
    x, e = xm.Exercise, xm.ExerciseEdition
    key, order = _edition_key(sql)
    return (
        select(
            *key,
            *edtf_columns(sql, e.from_text, e.from_lower, e.from_upper, "from"),
            *edtf_columns(sql, e.to_text, e.to_lower, e.to_upper, "to"),
            e.note,
        )
        .join(x, x.id == e.exercise_id)
        .order_by(*order)
    )


def _participants(sql: SqlDialect) -> AnySelect:
    x, e, p, c = xm.Exercise, xm.ExerciseEdition, xm.ExerciseParticipant, m.Country
    key, order = _edition_key(sql)
    return (
        select(*key, c.iso3.label("country"), sql.text(p.role).label("role"))
        .select_from(p)
        .join(e, e.id == p.edition_id)
        .join(x, x.id == e.exercise_id)
        .join(c, c.id == p.country_id)
        .order_by(*order, sql.key(c.iso3))
    )


def _edition_sources(sql: SqlDialect) -> AnySelect:
    x, e, link, s = xm.Exercise, xm.ExerciseEdition, xm.exercise_edition_sources, m.Source
    key, order = _edition_key(sql)
    return (
        select(*key, s.key.label("source"))
        .select_from(link)
        .join(e, e.id == link.c.edition_id)
        .join(x, x.id == e.exercise_id)
        .join(s, s.id == link.c.source_id)
        .order_by(*order, sql.key(s.key))
    )


TABLES: Final[tuple[ExportTable, ...]] = (
    ExportTable(
        "exercises",
        "military exercises, each run in editions",
        (
            field("key", "exercise key (natural key)"),
            field("name", "name"),
            field("organiser_country", "iso3 of the organising country, if a country organises it"),
            field("organiser_alliance", "key of the organising alliance, if one organises it"),
            field("description", "what it is"),
        ),
        _exercises,
    ),
    ExportTable(
        "exercise_aliases",
        "other names of exercises",
        (field("exercise", "exercise key"), field("alias", "another name")),
        _exercise_aliases,
    ),
    ExportTable(
        "exercise_editions",
        "the editions (runnings) of each exercise, dated",
        (
            *_EDITION_FIELDS,
            *edtf_fields("from", "first day"),
            *edtf_fields("to", "last day, inclusive; empty = the end of `from`"),
            field("note", "free-text note"),
        ),
        _editions,
    ),
    ExportTable(
        "exercise_participants",
        "the countries taking part in each edition, with their role",
        (
            *_EDITION_FIELDS,
            field("country", "country iso3"),
            field("role", "host, participant or observer"),
        ),
        _participants,
    ),
    ExportTable(
        "exercise_edition_sources",
        "the sources cited for each edition",
        (*_EDITION_FIELDS, field("source", "source key")),
        _edition_sources,
    ),
)
