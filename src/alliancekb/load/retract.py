"""Retracting facts: a membership, a position or a statement withdrawn, with who, why, when.

A retraction removes the fact's row (and its link rows) from the current tables, so no
query, export or search shows it, and records it in `retractions` under a canonical key
built from natural keys, never database ids, with a snapshot of the fact as a load-format
record. A load skips any record whose key is retracted (counted as "retracted"), so a later
load of an old file cannot bring the fact back. Retracting is idempotent; retracting a fact
that is not in the knowledge base records the retraction all the same. There is no undo.

Keys (`|` separates parts; none of the parts but a title can hold one):
- membership `<iso3>|<alliance key>[/<pillar number>]|<role>|<from>`: `JPN|aukus/2|partner|2024-04~`
  (a dataset's claim appends `|<its source key>`)
- position `<official key>|<title>|<from>`: `rahm-emanuel|Ambassador to Japan|2022-03`
- statement: its id (explicit, or derived: alliancekb.load.batches.statement_id)
`<from>` is the EDTF text as written, empty when the fact has none.

Two ways in: `retract_one.retract` (the `retract` command: one fact, named as on the
command line and checked as the load format checks it, in its own write transaction and
history entry) and the `retracted:` section of a load (`load/retracted_section.py`:
resolved with the load's other records, written at the end of the load's transaction).
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Table, delete, insert, select

from alliancekb.core.names import normalize
from alliancekb.load.schema import (
    MembershipIn,
    PositionIn,
    StatementIn,
    obligations_list,
)
from alliancekb.store import models as m

FactKind = m.FactKind
#: A fact kind -> the load report's (and history's) kind it is counted under.
COUNTED_AS = {
    FactKind.MEMBERSHIP: "memberships",
    FactKind.POSITION: "positions",
    FactKind.STATEMENT: "statements",
}

_RETRACTIONS: Table = m.Retraction.__table__  # type: ignore[assignment]
_MEMBERSHIPS: Table = m.Membership.__table__  # type: ignore[assignment]
_POSITIONS: Table = m.Position.__table__  # type: ignore[assignment]
_STATEMENTS: Table = m.Statement.__table__  # type: ignore[assignment]
#: Each kind's table and its link tables (deleted first: SQLite may run without cascades).
_OWNED: dict[FactKind, tuple[Table, list[tuple[Table, str]]]] = {
    FactKind.MEMBERSHIP: (_MEMBERSHIPS, [(m.membership_sources, "membership_id")]),
    FactKind.POSITION: (_POSITIONS, [(m.position_sources, "position_id")]),
    FactKind.STATEMENT: (
        _STATEMENTS,
        [
            (m.statement_countries, "statement_id"),
            (m.statement_scopes, "statement_id"),
            (m.statement_technology_areas, "statement_id"),
        ],
    ),
}


# -- keys -------------------------------------------------------------------------------


def membership_key(iso3: str, scope: str, role: str, from_text: str | None, claim: str = "") -> str:
    """`JPN|aukus/2|partner|2024-04~` (scope: `scope_key`); a dataset's claim adds its key:
    `DEU|nato|member|1955-05-06|cow-alliances-4.1`."""
    key = "|".join((iso3, scope, str(role), from_text or ""))
    return f"{key}|{claim}" if claim else key


def position_key(official: str, title: str, from_text: str | None, claim: str = "") -> str:
    """`rahm-emanuel|Ambassador to Japan|2022-03`; a dataset's claim adds its key:
    `fumio-kishida|Prime Minister of Japan|2021-10-04|wikidata`."""
    key = "|".join((official, title, from_text or ""))
    return f"{key}|{claim}" if claim else key


def scope_key(alliance_key: str, pillar_number: int | None = None) -> str:
    """`aukus` for an alliance, `aukus/2` for its pillar 2."""
    return alliance_key if pillar_number is None else f"{alliance_key}/{pillar_number}"


def scope_name(key: str) -> str:
    """A name the resolver maps to the scope of `key`: `aukus`, `aukus pillar 2`."""
    alliance, _, number = key.partition("/")
    return f"{alliance} pillar {number}" if number else alliance


def record_of(model: BaseModel) -> dict[str, Any]:
    """A load-format record as stored in a snapshot: the same whichever way it was made."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class RetractedKeys:
    """The canonical keys retracted so far, by kind: what a load must not bring back.

    Read once per load; nearly always empty, so the checks cost nothing then.
    """

    def __init__(self, conn: Connection) -> None:
        self.keys: dict[str, set[str]] = {kind.value: set() for kind in FactKind}
        for kind, key in conn.execute(select(_RETRACTIONS.c.kind, _RETRACTIONS.c.key)):
            self.keys[str(kind)].add(key)

    def any(self, kind: FactKind) -> bool:
        return bool(self.keys[kind.value])

    def __contains__(self, item: tuple[FactKind, str]) -> bool:
        return item[1] in self.keys[item[0].value]


# -- facts as stored ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """A fact to retract: its kind and key; its row and snapshot when it is stored."""

    kind: FactKind
    key: str
    row_id: int | str | None = None
    #: The fact as a load-format record (None: not in the knowledge base).
    record: dict[str, Any] | None = None


class _Keys:
    """Natural keys of the entities facts point at, read on demand (small tables)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._maps: dict[str, dict[int, Any]] = {}

    def _map(self, name: str) -> dict[int, Any]:
        if name not in self._maps:
            conn, found = self.conn, {}
            columns = {
                "country": (m.Country.id, m.Country.iso3),
                "alliance": (m.Alliance.id, m.Alliance.key),
                "official": (m.Official.id, m.Official.key),
                "source": (m.Source.id, m.Source.key),
                "area": (m.TechnologyArea.id, m.TechnologyArea.key),
            }.get(name)
            if columns is not None:
                found = {row_id: key for row_id, key in conn.execute(select(*columns))}
            elif name == "scope":
                alliances = self._map("alliance")
                for scope_id, key in conn.execute(select(m.Alliance.scope_id, m.Alliance.key)):
                    found[scope_id] = scope_key(key)
                for scope_id, alliance_id, number in conn.execute(
                    select(m.Pillar.scope_id, m.Pillar.alliance_id, m.Pillar.number)
                ):
                    found[scope_id] = scope_key(alliances[alliance_id], number)
            self._maps[name] = found
        return self._maps[name]

    def of(self, name: str, row_id: int) -> Any:
        return self._map(name)[row_id]

    def sources(self, table: Table, owner: str, row_id: Any) -> list[str]:
        rows = self.conn.execute(select(table.c.source_id).where(table.c[owner] == row_id))
        return sorted(self.of("source", s) for (s,) in rows)


def _membership_fact(keys: _Keys, row: Any) -> Fact:
    scope = keys.of("scope", row.scope_id)
    iso3 = keys.of("country", row.country_id)
    record = MembershipIn.model_validate({
        "country": iso3, "scope": scope_name(scope), "role": row.role, "status": row.status,
        "from": row.from_text or None, "to": row.to_text or None,
        "confirmed": row.confirmed or None, "note": row.note,
        "claimed_by": row.claim or None,
        "obligations": obligations_list(row.obligations) or None,
        "sources": keys.sources(m.membership_sources, "membership_id", row.id),
    })  # fmt: skip
    return Fact(
        FactKind.MEMBERSHIP,
        membership_key(iso3, scope, row.role, row.from_text, row.claim),
        row.id,
        record_of(record),
    )


def _position_fact(keys: _Keys, row: Any) -> Fact:
    record = PositionIn.model_validate({
        "title": row.title,
        "country": keys.of("country", row.country_id) if row.country_id else None,
        "alliance": keys.of("alliance", row.alliance_id) if row.alliance_id else None,
        "organisation": row.organisation, "from": row.from_text or None,
        "to": row.to_text or None, "confirmed": row.confirmed or None, "note": row.note,
        "claimed_by": row.claim or None,
        "sources": keys.sources(m.position_sources, "position_id", row.id),
    })  # fmt: skip
    official = keys.of("official", row.official_id)
    return Fact(
        FactKind.POSITION, position_key(official, row.title, row.from_text, row.claim), row.id,
        {"official": official, **record_of(record)},
    )  # fmt: skip


def _statement_fact(keys: _Keys, row: Any) -> Fact:
    conn = keys.conn

    def linked(table: Table, column: str, name: str) -> list[str]:
        found = conn.execute(select(table.c[column]).where(table.c.statement_id == row.id))
        return sorted(keys.of(name, t) for (t,) in found)

    if row.speaker_official_id is not None:
        speaker = keys.of("official", row.speaker_official_id)
    elif row.speaker_country_id is not None:
        speaker = keys.of("country", row.speaker_country_id)
    else:
        speaker = keys.of("alliance", row.speaker_alliance_id)
    scopes = linked(m.statement_scopes, "scope_id", "scope")
    record = StatementIn.model_validate({
        "id": row.id, "speaker": speaker, "speaker_label": row.speaker_label,
        "date": row.date_text, "text": row.text, "quote": bool(row.quote),
        "stance": row.stance, "source": keys.of("source", row.source_id), "note": row.note,
        "about": {
            "countries": linked(m.statement_countries, "country_id", "country"),
            "scopes": [scope_name(s) for s in scopes],
            "technology_areas": linked(
                m.statement_technology_areas, "technology_area_id", "area"
            ),
        },
    })  # fmt: skip
    return Fact(FactKind.STATEMENT, row.id, row.id, record_of(record))


def _memberships(
    conn: Connection,
    country_id: int,
    scope_id: int,
    role: str | None,
    from_text: str | None,
    claim: str | None = None,
) -> list[Fact]:
    query = select(_MEMBERSHIPS).where(
        _MEMBERSHIPS.c.country_id == country_id, _MEMBERSHIPS.c.scope_id == scope_id
    )
    if claim is not None:
        query = query.where(_MEMBERSHIPS.c.claim == claim)
    if role is not None:
        query = query.where(_MEMBERSHIPS.c.role == role)
    if from_text is not None:
        query = query.where(_MEMBERSHIPS.c.from_text == from_text)
    keys = _Keys(conn)
    rows = conn.execute(query.order_by(_MEMBERSHIPS.c.role, _MEMBERSHIPS.c.from_lower)).all()
    return [_membership_fact(keys, row) for row in rows]


def _positions(
    conn: Connection, official_id: int, title: str, from_text: str | None, claim: str | None = None
) -> list[Fact]:
    """The official's positions of that title (case and punctuation aside); of one claimant
    when `claim` is given ('' the knowledge base's own)."""
    query = select(_POSITIONS).where(_POSITIONS.c.official_id == official_id)
    if claim is not None:
        query = query.where(_POSITIONS.c.claim == claim)
    if from_text is not None:
        query = query.where(_POSITIONS.c.from_text == from_text)
    keys, wanted = _Keys(conn), normalize(title)
    rows = conn.execute(query.order_by(_POSITIONS.c.from_lower)).all()
    return [_position_fact(keys, r) for r in rows if normalize(r.title) == wanted]


def _statement(conn: Connection, sid: str) -> Fact:
    row = conn.execute(select(_STATEMENTS).where(_STATEMENTS.c.id == sid)).first()
    return Fact(FactKind.STATEMENT, sid) if row is None else _statement_fact(_Keys(conn), row)


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Earlier:
    """A retraction already recorded: when, by whom, why."""

    retracted_at: dt.datetime
    by: str
    reason: str

    @property
    def day(self) -> str:
        return _utc(self.retracted_at).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Outcome:
    """What retracting one fact did: "retracted", "recorded" (it was not stored), "already"."""

    fact: Fact
    status: str
    earlier: Earlier | None = None


def _utc(when: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes: they were stored as UTC."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def earlier(conn: Connection, kind: FactKind, key: str) -> Earlier | None:
    """The recorded retraction of (kind, key), if any."""
    row = conn.execute(
        select(_RETRACTIONS.c.retracted_at, _RETRACTIONS.c.retracted_by, _RETRACTIONS.c.reason)
        .where(_RETRACTIONS.c.kind == kind.value, _RETRACTIONS.c.key == key)
    ).first()  # fmt: skip
    return None if row is None else Earlier(_utc(row[0]), row[1], row[2])


def default_by() -> str:
    """The OS user name (the default `by` of a retraction)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password file
        return "unknown"


def write_retraction(
    conn: Connection,
    fact: Fact,
    *,
    reason: str,
    by: str,
    when: dt.datetime,
    load_id: int | None,
    record: dict[str, Any] | None = None,
) -> Outcome:
    """Remove the fact (if stored) and record its retraction; nothing if already retracted.

    `record`: the snapshot to keep when the fact is not stored (a `retracted:` record's
    own `record:`, as `dump` writes it).
    """
    found = earlier(conn, fact.kind, fact.key)
    if found is not None:
        return Outcome(fact, "already", found)
    if fact.row_id is not None:
        table, links = _OWNED[fact.kind]
        for link, owner in links:
            conn.execute(delete(link).where(link.c[owner] == fact.row_id))
        conn.execute(delete(table).where(table.c.id == fact.row_id))
    conn.execute(
        insert(_RETRACTIONS).values(
            kind=fact.kind.value, key=fact.key, reason=reason, retracted_by=by,
            retracted_at=when, load_id=load_id, v_load=load_id or 0,
            snapshot=fact.record if fact.row_id is not None else record,
        )
    )  # fmt: skip
    return Outcome(fact, "retracted" if fact.row_id is not None else "recorded")


# -- a fact as named -----------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One fact named as on the command line: its kind and the names and values given."""

    kind: FactKind
    #: membership: (country, scope); position: (official, title); statement: (id,)
    names: tuple[str, ...]
    role: str | None = None
    #: EDTF text as the model stores it (normalized), or None when not given
    from_text: str | None = None
    #: membership: whose claim ('' the knowledge base's own, else a dataset source: its key,
    #: or as named by a user, which `retract_one.find_fact` resolves); None: any
    claim: str | None = None


def describe(fact: Fact) -> str:
    """`membership JPN|aukus/2|partner|2024-04~`: how messages and history name a fact."""
    return f"{fact.kind.value} {fact.key}"
