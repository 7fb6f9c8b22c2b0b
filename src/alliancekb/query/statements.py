"""`statements`: what was said, by whom, about what, newest first; and the clauses on them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)

from alliancekb.core.formats import Row
from alliancekb.query.common import (
    ScopeInfo,
    batches,
    connection_of,
    parse_date,
    scope_ids,
    scope_infos,
)
from alliancekb.store import tables as t
from alliancekb.store.db import KNOWN_ON
from alliancekb.store.resolve import SCOPE_KINDS, SPEAKER_KINDS, Kind, Ref, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

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


def speaker_column(ref: Ref) -> str:
    """The column of statements naming this kind of speaker."""
    return {
        Kind.OFFICIAL: "speaker_official_id",
        Kind.COUNTRY: "speaker_country_id",
        Kind.ALLIANCE: "speaker_alliance_id",
    }[ref.kind]


def speaker_clause(ref: Ref) -> ColumnElement[bool]:
    """Statements spoken by an official, a country or an alliance."""
    return t.statements.c[speaker_column(ref)] == ref.id


def about_country_clause(country_id: int) -> ColumnElement[bool]:
    """Statements about a country."""
    link = t.statement_countries
    return t.statements.c.id.in_(select(link.c.statement_id).where(link.c.country_id == country_id))


def about_scopes_clause(ids: Sequence[int]) -> ColumnElement[bool]:
    """Statements about any of these scopes."""
    link = t.statement_scopes
    return t.statements.c.id.in_(select(link.c.statement_id).where(link.c.scope_id.in_(ids)))


def about_area_clause(area_id: int) -> ColumnElement[bool]:
    """Statements about a technology area."""
    link = t.statement_technology_areas
    return t.statements.c.id.in_(
        select(link.c.statement_id).where(link.c.technology_area_id == area_id)
    )


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Term(NamedTuple):
    """One way a statement is found (about a country, said by a speaker, ...), two ways.

    `indexed`: the clause an index answers (every hit fetched, then sorted by date);
    `checked`: the same test as a check of each statement met walking the date index
    newest first (no index can answer it, so SQLite walks the dates); `counted`: how many
    statements it holds, from the tables themselves (an estimate under `--known-on`).
    """

    indexed: ColumnElement[bool]
    checked: ColumnElement[bool]
    counted: Select[int]


def _unindexed(name: str) -> ColumnElement[int]:
    # SQLite's unary `+` makes a term unusable as an index constraint.
    return literal_column(f"+statements.{name}", Integer)


def _count(table_name: str, name: str, ids: Sequence[int]) -> Select[int]:
    # The table itself, not a past state's view of it (store/versions.py), which SQLite
    # would read whole: the count is an estimate either way.
    owner = column(name, Integer)
    stored = table(table_name, owner, schema="main")
    return select(func.count()).select_from(stored).where(owner.in_(ids))


def speaker_term(ref: Ref) -> Term:
    """Statements spoken by an official, a country or an alliance."""
    name = speaker_column(ref)
    counted = _count("statements", name, [ref.id])
    return Term(speaker_clause(ref), _unindexed(name) == ref.id, counted)


def _link_term(link: Any, name: str, ids: Sequence[int]) -> Term:
    owner = link.c[name]
    return Term(
        t.statements.c.id.in_(select(link.c.statement_id).where(owner.in_(ids))),
        exists().where(link.c.statement_id == t.statements.c.id, owner.in_(ids)),
        _count(link.name, name, ids),
    )


def about_country_term(country_id: int) -> Term:
    """Statements about a country."""
    return _link_term(t.statement_countries, "country_id", [country_id])


def about_scopes_term(ids: Sequence[int]) -> Term:
    """Statements about any of these scopes."""
    return _link_term(t.statement_scopes, "scope_id", ids)


def about_area_term(area_id: int) -> Term:
    """Statements about a technology area."""
    return _link_term(t.statement_technology_areas, "technology_area_id", [area_id])


def source_term(source_id: int) -> Term:
    """Statements a source holds."""
    return Term(
        t.statements.c.source_id == source_id,
        _unindexed("source_id") == source_id,
        _count("statements", "source_id", [source_id]),
    )


#: How much cheaper a statement checked walking the date index is than a hit fetched and
#: sorted (as `store.search.WALK_ADVANTAGE`, for the same two plans).
WALK_ADVANTAGE = 5


def _walk_dates(session: Reader, terms: Sequence[Term], limit: int) -> bool:
    """Whether the newest `limit` statements of any of `terms` are found faster walking
    the date index newest first than fetching every hit and sorting them.

    SQLite starts from the terms' indexes: a country named in 35,000 of 1M statements
    costs 35,000 rows fetched and sorted for a card's 10. Walking the dates stops after
    about `limit * total / hits` statements instead: far fewer for a common name, far
    more for a rare one. Counting the hits costs an index range each. PostgreSQL plans
    by its own statistics.
    """
    conn = connection_of(session)
    if conn.dialect.name != "sqlite":
        return False
    hits = sum(int(conn.execute(term.counted).scalar() or 0) for term in terms)
    total = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM main.statements")).scalar()
    return hits > 0 and limit * int(total or 0) / hits < WALK_ADVANTAGE * hits


def newest_statements(
    session: Reader,
    terms: Sequence[Term],
    limit: int,
    infos: Mapping[int, ScopeInfo] | None = None,
) -> Iterator[tuple[dt.date | None, Row]]:
    """The newest `limit` statements matching any of `terms`, by the cheaper plan
    (`infos`: the scope labels, when the caller has read them already)."""
    walk = _walk_dates(session, terms, limit)
    clause = or_(*(term.checked if walk else term.indexed for term in terms))
    return statement_hits(session, [clause], limit=limit, infos=infos)


def _text_of(value: str | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else value


def statements(
    session: Reader,
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
        clauses.append(t.statements.c.date_lower >= parse_date(since, "since"))
    if until is not None:
        clauses.append(t.statements.c.date_lower <= parse_date(until, "until", upper=True))
    if search is not None:
        # Imported here: a card, a timeline and a listing without --search need none of it.
        from alliancekb.store.search import matches, walk_dates

        conn = connection_of(session)
        rowid: Any = literal_column("statements.rowid")
        history = KNOWN_ON in session.info  # a past state: replaced texts count too
        drive = not walk_dates(conn, search, limit, history=history)
        text_column = t.statements.c.text
        dialect = conn.dialect.name
        clauses.append(matches(dialect, text_column, rowid, search, drive=drive, history=history))
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
    session: Reader,
    clauses: Sequence[ColumnElement[bool]],
    *,
    limit: int | None = None,
    newest_first: bool = True,
    infos: Mapping[int, ScopeInfo] | None = None,
) -> Iterator[tuple[dt.date | None, Row]]:
    """(first day of its date, row) per statement matching all clauses; links per batch.

    `infos`: the scope labels (`scope_infos`), when the caller has read them already."""
    speaker = func.coalesce(t.officials.c.name, t.countries.c.name, t.alliances.c.name)
    order = (
        (t.statements.c.date_lower.desc(), t.statements.c.id)
        if newest_first
        else (t.statements.c.date_lower, t.statements.c.id)
    )
    stmt = (
        select(
            t.statements.c.id,
            t.statements.c.date_text,
            t.statements.c.date_lower,
            speaker.label("speaker"),
            t.statements.c.speaker_label,
            t.statements.c.text,
            t.statements.c.quote,
            t.statements.c.stance,
            t.sources.c.key.label("source"),
        )
        .outerjoin(t.officials, t.officials.c.id == t.statements.c.speaker_official_id)
        .outerjoin(t.countries, t.countries.c.id == t.statements.c.speaker_country_id)
        .outerjoin(t.alliances, t.alliances.c.id == t.statements.c.speaker_alliance_id)
        .join(t.sources, t.sources.c.id == t.statements.c.source_id)
        .where(*clauses)
        .order_by(*order)
    )
    if limit:
        stmt = stmt.limit(limit)
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
    session: Reader, ids: Sequence[str], infos: Mapping[int, ScopeInfo]
) -> dict[str, dict[str, list[str]]]:
    """What each statement of a batch is about: iso3 codes, scope labels, area keys."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sc, ss, st = t.statement_countries, t.statement_scopes, t.statement_technology_areas
    for sid, iso3 in session.execute(
        select(sc.c.statement_id, t.countries.c.iso3)
        .join(t.countries, t.countries.c.id == sc.c.country_id)
        .where(sc.c.statement_id.in_(ids))
        .order_by(t.countries.c.iso3)
    ):
        out[sid]["countries"].append(iso3)
    scope_rows = session.execute(
        select(ss.c.statement_id, ss.c.scope_id).where(ss.c.statement_id.in_(ids))
    ).all()
    for sid, scope_id in sorted(scope_rows, key=lambda r: infos[r[1]].label):
        out[sid]["scopes"].append(infos[scope_id].label)
    for sid, key in session.execute(
        select(st.c.statement_id, t.technology_areas.c.key)
        .join(t.technology_areas, t.technology_areas.c.id == st.c.technology_area_id)
        .where(st.c.statement_id.in_(ids))
        .order_by(t.technology_areas.c.key)
    ):
        out[sid]["technology_areas"].append(key)
    return out
