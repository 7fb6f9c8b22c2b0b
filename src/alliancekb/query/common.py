"""What every read query shares: batching, link tables, scope labels, dates, ranks.

Which memberships and positions hold on a date is decided in one place,
`alliancekb.core.evidence` (fed by `query.facts`): every date counts from its first day,
an end date includes its last day at its precision (`to: 1986` runs through 1986-12-31),
a record without `from` starts at its earliest evidence, and a later record of the same
chain ends an earlier one. An as-of date given as text is read from its first day
(`2024-04` is 2024-04-01). See docs/queries.md.

Query functions take an open session (`store.db.read_session` gives one consistent
snapshot) and return a result dataclass: meta as fields, rows as plain dicts keyed by the
JSON field names. Rows of list results are a lazy iterator read in batches, so the session
must stay open until they are consumed. Link tables are fetched once per batch of rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select

from alliancekb.core.dates import EdtfError, parse_as_of, parse_edtf
from alliancekb.core.errors import NameResolutionError, NotAScopeError, UsageError
from alliancekb.core.vocab import Role, Status
from alliancekb.store import tables as t
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref, load_index

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    #: What a query reads through: an ORM session, or a Core connection (`members`).
    Reader = Session | Connection

#: Rows fetched from the database per round trip (and per link-table query).
BATCH = 500


class DateParameterError(UsageError):
    """A date parameter that is not an EDTF date; names the parameter, not a CLI flag."""

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"{parameter}: {reason}")


def parse_date(value: str | dt.date, parameter: str = "date", *, upper: bool = False) -> dt.date:
    """A date given as EDTF text (or `today`): its first day, or with `upper` its last day."""
    if isinstance(value, dt.date):
        return value
    try:
        if upper and value.strip().lower() != "today":
            return parse_edtf(value).upper
        return parse_as_of(value)
    except EdtfError as exc:
        raise DateParameterError(parameter, str(exc)) from None


def batches(session: Reader, stmt: Any) -> Iterator[Sequence[Any]]:
    """The statement's result rows, BATCH at a time (server-side cursor on PostgreSQL)."""
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    yield from result.partitions()


def grouped(session: Reader, stmt: Any) -> dict[Any, list[Any]]:
    """(owner, value) rows grouped by owner, in the statement's order."""
    out: dict[Any, list[Any]] = defaultdict(list)
    for owner, value in session.execute(stmt):
        out[owner].append(value)
    return out


def aliases_of(
    session: Reader, table: Any, owner_column: Any, ids: Sequence[int]
) -> dict[Any, list[Any]]:
    """Aliases per owner id, alphabetically, in one query (`table`: the alias table)."""
    alias = table.c.alias
    return grouped(
        session, select(owner_column, alias).where(owner_column.in_(ids)).order_by(alias)
    )


def connection_of(reader: Reader) -> Connection:
    """The Core connection a reader reads through (a session's, or the connection itself)."""
    from sqlalchemy import Connection

    return reader if isinstance(reader, Connection) else reader.connection()


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class ScopeInfo(NamedTuple):
    """What a scope row is: its label, kind, and for a pillar its alliance's scope."""

    label: str
    kind: Kind
    alliance_name: str
    alliance_scope_id: int


def scope_infos(session: Reader) -> dict[int, ScopeInfo]:
    """Every scope's label (`AUKUS`, `AUKUS Pillar 2`): one query; scopes are few."""
    infos: dict[int, ScopeInfo] = {}
    alliances: dict[int, tuple[str, int]] = {}
    for aid, name, scope_id in session.execute(
        select(t.alliances.c.id, t.alliances.c.name, t.alliances.c.scope_id)
    ):
        alliances[aid] = (name, scope_id)
        infos[scope_id] = ScopeInfo(name, Kind.ALLIANCE, name, scope_id)
    for aid, number, scope_id in session.execute(
        select(t.pillars.c.alliance_id, t.pillars.c.number, t.pillars.c.scope_id)
    ):
        name, alliance_scope = alliances[aid]
        infos[scope_id] = ScopeInfo(f"{name} Pillar {number}", Kind.PILLAR, name, alliance_scope)
    return infos


def scope_ids(session: Reader, ref: Ref, *, with_pillars: bool) -> list[int]:
    """The scope of an alliance or pillar; an alliance's pillars' scopes too if asked."""
    assert ref.scope_id is not None
    ids = [ref.scope_id]
    if ref.kind is Kind.ALLIANCE and with_pillars:
        pillars = t.pillars.c
        ids += session.scalars(select(pillars.scope_id).where(pillars.alliance_id == ref.id))
    return ids


def text_or_none(value: str | None) -> str | None:
    """Stored '' (unknown date) as None, so JSON says null and tables show nothing."""
    return value or None


_STATUS_RANK = {s.value: i for i, s in enumerate(Status)}
_ROLE_RANK = {r.value: i for i, r in enumerate(Role)}


def status_rank_of(status: str) -> int:
    """A membership status's place in the vocabulary (in-force first), for sorting."""
    return _STATUS_RANK.get(str(status), 99)


def role_rank_of(role: str) -> int:
    """A membership role's place in the vocabulary (founding-member first), for sorting."""
    return _ROLE_RANK.get(str(role), 99)


def membership_sources(session: Reader, ids: Sequence[int]) -> dict[int, list[str]]:
    """Source keys per membership, for a batch of memberships, in one query."""
    link, source = t.membership_sources, t.sources
    return grouped(
        session,
        select(link.c.membership_id, source.c.key)
        .join(source, source.c.id == link.c.source_id)
        .where(link.c.membership_id.in_(ids))
        .order_by(source.c.key),
    )


def position_sources(session: Reader, ids: Sequence[int]) -> dict[int, list[str]]:
    """Source keys per position, for a batch of positions, in one query."""
    link, source = t.position_sources, t.sources
    return grouped(
        session,
        select(link.c.position_id, source.c.key)
        .join(source, source.c.id == link.c.source_id)
        .where(link.c.position_id.in_(ids))
        .order_by(source.c.key),
    )


def resolve_scope(reader: Reader, name: str, index: NameIndex | None = None) -> Ref:
    """The alliance or pillar `name` means; NameResolutionError otherwise, a NotAScopeError
    saying what it is when it names a country, an official or another kind instead
    (`members Japan`), so that every face gives the same message."""
    # Scopes are few (hundreds at 1M statements): their whole index costs less than
    # `resolve_one`'s query would, built and compiled at each start-up.
    index = index if index is not None else load_index(reader, SCOPE_KINDS)
    try:
        return index.resolve(name, SCOPE_KINDS)
    except NameResolutionError as exc:
        if exc.ambiguous:
            raise
        # Only on the way to an error: every kind's names, read once.
        others = load_index(reader).candidates(name, frozenset(Kind) - SCOPE_KINDS)
        if not others:
            raise
        raise NotAScopeError(name, [(str(r.kind), r.label) for r in others]) from None
