"""`statements`: what was said, by whom, about what, newest first; and the clauses on them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.orm import Session

from alliancekb.core.formats import Row
from alliancekb.query.common import ScopeInfo, batches, parse_date, scope_ids, scope_infos
from alliancekb.store import models as m
from alliancekb.store.db import KNOWN_ON
from alliancekb.store.resolve import SCOPE_KINDS, SPEAKER_KINDS, Kind, Ref, load_index
from alliancekb.store.search import matches, walk_dates

#: The kinds a statement filter can name (everything but sources).
_FILTER_KINDS = frozenset(Kind) - {Kind.SOURCE}

#: The JSON field names of a statement row, in order.
STATEMENT_FIELDS = (
    "id",
    "date",
    "speaker",
    "speaker_label",
    "stance",
    "text",
    "quote",
    "countries",
    "scopes",
    "technology_areas",
    "source",
)


@dataclass
class StatementsResult:
    """Statements matching every filter given, newest first.

    Meta: the labels of the entities filtered on, the date bounds and search text as given,
    and the limit (None: all). Rows are keyed by STATEMENT_FIELDS (streamed).
    """

    speaker: str | None
    country: str | None
    scope: str | None
    tech_area: str | None
    since: str | None
    until: str | None
    search: str | None
    limit: int | None
    rows: Iterator[Row] | list[Row] = field(repr=False)


def speaker_clause(ref: Ref) -> ColumnElement[bool]:
    """Statements spoken by an official, a country or an alliance."""
    column = {
        Kind.OFFICIAL: m.Statement.speaker_official_id,
        Kind.COUNTRY: m.Statement.speaker_country_id,
        Kind.ALLIANCE: m.Statement.speaker_alliance_id,
    }[ref.kind]
    return column == ref.id


def about_country_clause(country_id: int) -> ColumnElement[bool]:
    """Statements about a country."""
    link = m.statement_countries
    return m.Statement.id.in_(select(link.c.statement_id).where(link.c.country_id == country_id))


def about_scopes_clause(ids: Sequence[int]) -> ColumnElement[bool]:
    """Statements about any of these scopes."""
    link = m.statement_scopes
    return m.Statement.id.in_(select(link.c.statement_id).where(link.c.scope_id.in_(ids)))


def about_area_clause(area_id: int) -> ColumnElement[bool]:
    """Statements about a technology area."""
    link = m.statement_technology_areas
    return m.Statement.id.in_(
        select(link.c.statement_id).where(link.c.technology_area_id == area_id)
    )


def _text_of(value: str | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else value


def statements(
    session: Session,
    *,
    speaker: str | None = None,
    country: str | None = None,
    scope: str | None = None,
    tech_area: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> StatementsResult:
    """Statements, newest first (date, then id), filtered by every parameter given.

    `speaker`: an official, a country or an alliance speaking. `country`, `scope`,
    `tech_area`: what the statement is about; an alliance as `scope` includes statements
    about its pillars. `since`/`until`: EDTF dates; a statement is kept when its date's
    first day is on or after `since`'s first day and on or before `until`'s last day
    (until 2024 keeps all of 2024). `search`: every word must occur in the text (see
    `alliancekb.store.search`). `limit`: at most that many rows (None or 0: all).
    """
    index = (
        load_index(session, _FILTER_KINDS) if (speaker or country or scope or tech_area) else None
    )
    clauses: list[ColumnElement[bool]] = []
    labels: dict[str, str | None] = dict.fromkeys(("speaker", "country", "scope", "tech_area"))
    if speaker is not None:
        assert index is not None
        ref = index.resolve(speaker, SPEAKER_KINDS)
        clauses.append(speaker_clause(ref))
        labels["speaker"] = ref.label
    if country is not None:
        assert index is not None
        ref = index.resolve(country, {Kind.COUNTRY})
        clauses.append(about_country_clause(ref.id))
        labels["country"] = ref.label
    if scope is not None:
        assert index is not None
        ref = index.resolve(scope, SCOPE_KINDS)
        clauses.append(about_scopes_clause(scope_ids(session, ref, with_pillars=True)))
        labels["scope"] = ref.label
    if tech_area is not None:
        assert index is not None
        ref = index.resolve(tech_area, {Kind.TECHNOLOGY_AREA})
        clauses.append(about_area_clause(ref.id))
        labels["tech_area"] = ref.label
    if since is not None:
        clauses.append(m.Statement.date_lower >= parse_date(since, "since"))
    if until is not None:
        clauses.append(m.Statement.date_lower <= parse_date(until, "until", upper=True))
    if search is not None:
        dialect = session.get_bind().dialect.name
        rowid: Any = literal_column("statements.rowid")
        history = KNOWN_ON in session.info  # a past state: replaced texts count too
        drive = not walk_dates(session.connection(), search, limit, history=history)
        clauses.append(
            matches(dialect, m.Statement.text, rowid, search, drive=drive, history=history)
        )
    rows = (row for _, row in statement_hits(session, clauses, limit=limit))
    return StatementsResult(
        speaker=labels["speaker"],
        country=labels["country"],
        scope=labels["scope"],
        tech_area=labels["tech_area"],
        since=None if since is None else _text_of(since),
        until=None if until is None else _text_of(until),
        search=search,
        limit=limit or None,
        rows=rows,
    )


def statement_hits(
    session: Session,
    clauses: Sequence[ColumnElement[bool]],
    *,
    limit: int | None = None,
    newest_first: bool = True,
) -> Iterator[tuple[dt.date | None, Row]]:
    """(first day of its date, row) per statement matching all clauses; links per batch."""
    speaker = func.coalesce(m.Official.name, m.Country.name, m.Alliance.name)
    order = (
        (m.Statement.date_lower.desc(), m.Statement.id)
        if newest_first
        else (m.Statement.date_lower, m.Statement.id)
    )
    stmt = (
        select(
            m.Statement.id,
            m.Statement.date_text,
            m.Statement.date_lower,
            speaker.label("speaker"),
            m.Statement.speaker_label,
            m.Statement.text,
            m.Statement.quote,
            m.Statement.stance,
            m.Source.key.label("source"),
        )
        .outerjoin(m.Official, m.Official.id == m.Statement.speaker_official_id)
        .outerjoin(m.Country, m.Country.id == m.Statement.speaker_country_id)
        .outerjoin(m.Alliance, m.Alliance.id == m.Statement.speaker_alliance_id)
        .join(m.Source, m.Source.id == m.Statement.source_id)
        .where(*clauses)
        .order_by(*order)
    )
    if limit:
        stmt = stmt.limit(limit)
    infos: dict[int, ScopeInfo] | None = None
    for batch in batches(session, stmt):
        if infos is None:
            infos = scope_infos(session)
        about = statement_links(session, [r.id for r in batch], infos)
        for r in batch:
            links = about.get(r.id, {})
            yield (
                r.date_lower,
                {
                    "id": r.id,
                    "date": r.date_text,
                    "speaker": r.speaker,
                    "speaker_label": r.speaker_label,
                    "stance": r.stance,
                    "text": r.text,
                    "quote": r.quote,
                    "countries": links.get("countries", []),
                    "scopes": links.get("scopes", []),
                    "technology_areas": links.get("technology_areas", []),
                    "source": r.source,
                },
            )


def who(row: Row) -> str:
    """Who spoke, in what capacity: `Rahm Emanuel (US Ambassador to Japan)`."""
    label = row.get("speaker_label")
    return str(row["speaker"]) + (f" ({label})" if label else "")


def about(row: Row) -> list[str]:
    """Everything a statement is about: countries, then scopes, then technology areas."""
    return [*row["countries"], *row["scopes"], *row["technology_areas"]]


def statement_links(
    session: Session, ids: Sequence[str], infos: Mapping[int, ScopeInfo]
) -> dict[str, dict[str, list[str]]]:
    """What each statement of a batch is about: iso3 codes, scope labels, area keys."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sc, ss, st = m.statement_countries, m.statement_scopes, m.statement_technology_areas
    for sid, iso3 in session.execute(
        select(sc.c.statement_id, m.Country.iso3)
        .join(m.Country, m.Country.id == sc.c.country_id)
        .where(sc.c.statement_id.in_(ids))
        .order_by(m.Country.iso3)
    ):
        out[sid]["countries"].append(iso3)
    scope_rows = session.execute(
        select(ss.c.statement_id, ss.c.scope_id).where(ss.c.statement_id.in_(ids))
    ).all()
    for sid, scope_id in sorted(scope_rows, key=lambda r: infos[r[1]].label):
        out[sid]["scopes"].append(infos[scope_id].label)
    for sid, key in session.execute(
        select(st.c.statement_id, m.TechnologyArea.key)
        .join(m.TechnologyArea, m.TechnologyArea.id == st.c.technology_area_id)
        .where(st.c.statement_id.in_(ids))
        .order_by(m.TechnologyArea.key)
    ):
        out[sid]["technology_areas"].append(key)
    return out
