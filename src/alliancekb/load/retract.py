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

Two ways in: `retract` (the `retract` command: one fact, named as on the command line, in
its own write transaction and history entry) and the `retracted:` section of a load
(`plan_retractions` resolves them with the load's other records, `apply_retractions`
writes them at the end of the load's transaction).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, Table, delete, insert, select

from alliancekb.core.errors import AlliancekbError, NameResolutionError
from alliancekb.core.names import normalize
from alliancekb.load.resolve import ONE_KIND, Unresolved
from alliancekb.load.schema import (
    MembershipIn,
    MembershipRetraction,
    PositionIn,
    PositionRetraction,
    StatementIn,
    StatementRetraction,
    obligations_list,
)
from alliancekb.store import models as m
from alliancekb.store.db import write_session
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref, load_index
from alliancekb.store.versions import load_time, recording

if TYPE_CHECKING:
    from alliancekb.load.plan import Pending, Planner

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


def position_key(official: str, title: str, from_text: str | None) -> str:
    """`rahm-emanuel|Ambassador to Japan|2022-03`."""
    return "|".join((official, title, from_text or ""))


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
        "sources": keys.sources(m.position_sources, "position_id", row.id),
    })  # fmt: skip
    official = keys.of("official", row.official_id)
    return Fact(
        FactKind.POSITION, position_key(official, row.title, row.from_text), row.id,
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


def _positions(conn: Connection, official_id: int, title: str, from_text: str | None) -> list[Fact]:
    """The official's positions of that title (case and punctuation aside)."""
    query = select(_POSITIONS).where(_POSITIONS.c.official_id == official_id)
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


# -- the `retract` command -------------------------------------------------------------------


class AmbiguousFactError(NameResolutionError):
    """Several stored facts fit what was named, or none does and the key is incomplete (4)."""

    def __init__(self, message: str) -> None:
        AlliancekbError.__init__(self, message)


@dataclass(frozen=True)
class Request:
    """One fact named as on the command line: its kind and the names and values given."""

    kind: FactKind
    #: membership: (country, scope); position: (official, title); statement: (id,)
    names: tuple[str, ...]
    role: str | None = None
    #: EDTF text as the model stores it (normalized), or None when not given
    from_text: str | None = None
    #: membership: whose claim ('' the knowledge base's own, else a dataset source's key);
    #: None: any
    claim: str | None = None


@dataclass(frozen=True)
class RetractResult:
    """The outcome, and the history entry that records it (None when nothing changed)."""

    outcome: Outcome
    load_id: int | None


def retract(
    engine: Engine | Connection,
    request: Request,
    *,
    reason: str,
    by: str | None = None,
    when: dt.datetime | None = None,
) -> RetractResult:
    """Retract one fact in its own write transaction and history entry (a Load row)."""
    with write_session(engine) as session:
        conn = session.connection()
        kinds: Collection[Kind] = {
            FactKind.MEMBERSHIP: {Kind.COUNTRY, *SCOPE_KINDS},
            FactKind.POSITION: {Kind.OFFICIAL},
            FactKind.STATEMENT: set(),
        }[request.kind]
        fact = find_fact(conn, load_index(session, kinds) if kinds else None, request)
        found = earlier(conn, fact.kind, fact.key)
        if found is not None:
            return RetractResult(Outcome(fact, "already", found), None)
        at = load_time(conn)  # holding the writers' lock: not before a wait
        now = when or at
        counts = {COUNTED_AS[fact.kind]: {"retracted": 1}}
        load = m.Load(started_at=at, finished_at=at, counts=counts)
        session.add(load)
        session.flush()
        with recording(conn, load.id):
            outcome = write_retraction(
                conn, fact, reason=reason, by=by or default_by(), when=now, load_id=load.id
            )
        return RetractResult(outcome, load.id)


def find_fact(conn: Connection, index: NameIndex | None, request: Request) -> Fact:
    """The one fact the request names (stored or not); exit 4 when it is ambiguous."""
    if request.kind is FactKind.STATEMENT:
        return _statement(conn, request.names[0])
    assert index is not None
    if request.kind is FactKind.MEMBERSHIP:
        country = index.resolve(request.names[0], ONE_KIND[Kind.COUNTRY])
        scope = index.resolve(request.names[1], SCOPE_KINDS)
        assert scope.scope_id is not None
        found = _memberships(conn, country.id, scope.scope_id, request.role, request.from_text)
        what = f"membership of {country.label} in {scope.label}"
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousFactError(_ambiguous(what, found, "--role or --from"))
        if request.role is None:
            retracted = _retracted_like(conn, FactKind.MEMBERSHIP, country, scope)
            if len(retracted) == 1:  # retracted before: retract() says so
                return Fact(FactKind.MEMBERSHIP, retracted[0])
            raise AmbiguousFactError(
                f"no {what} is in the knowledge base; give --role (and --from) to record "
                "the retraction of one that is not, so that no load can add it"
            )
        keys = _Keys(conn)
        key = membership_key(
            keys.of("country", country.id), keys.of("scope", scope.scope_id), request.role,
            request.from_text,
        )  # fmt: skip
        return Fact(FactKind.MEMBERSHIP, key)
    official = index.resolve(request.names[0], ONE_KIND[Kind.OFFICIAL])
    title = request.names[1]
    positions = _positions(conn, official.id, title, request.from_text)
    if len(positions) == 1:
        return positions[0]
    if positions:
        what = f"position {title!r} of {official.label}"
        raise AmbiguousFactError(_ambiguous(what, positions, "--from"))
    key = position_key(_Keys(conn).of("official", official.id), title, request.from_text)
    return Fact(FactKind.POSITION, key)


def _retracted_like(conn: Connection, kind: FactKind, country: Ref, scope: Ref) -> list[str]:
    """The retracted membership keys of that country and scope (any role, any from)."""
    keys = _Keys(conn)
    assert scope.scope_id is not None
    prefix = f"{keys.of('country', country.id)}|{keys.of('scope', scope.scope_id)}|"
    rows = conn.execute(
        select(_RETRACTIONS.c.key).where(
            _RETRACTIONS.c.kind == kind.value,
            _RETRACTIONS.c.key.startswith(prefix, autoescape=True),
        )
    )
    return sorted(key for (key,) in rows)


def _ambiguous(what: str, facts: Sequence[Fact], narrow: str) -> str:
    lines = []
    for fact in facts:
        record = fact.record or {}
        role = f"{record['role']} " if "role" in record else ""
        since = f"from {record['from']}" if record.get("from") else "from an unknown date"
        status = f" ({record['status']})" if "status" in record else ""
        lines.append(f"  {role}{since}{status}: {fact.key}")
    return f"several facts match the {what}; narrow with {narrow}:\n" + "\n".join(lines)


def describe(fact: Fact) -> str:
    """`membership JPN|aukus/2|partner|2024-04~`: how messages and history name a fact."""
    return f"{fact.kind.value} {fact.key}"


# -- the `retracted:` section of a load ------------------------------------------------------


@dataclass
class Planned:
    """A `retracted:` record, its names resolved: the fact is found when it is applied."""

    item: Pending
    request: Request
    #: Resolved ids: membership (country id, scope id); position (official id,)
    ids: tuple[int, ...]
    key: str | None


def plan_retractions(planner: Planner, items: list[Pending]) -> list[Planned]:
    """Resolve the records' names (unresolved ones become located problems)."""
    resolver, stored = planner.resolver, planner.stored
    planned: list[Planned] = []
    for item in items:
        model = item.model.root
        try:
            if isinstance(model, MembershipRetraction):
                country = resolver.ref(model.country, ONE_KIND[Kind.COUNTRY], ("country",))
                scope = resolver.ref(model.scope, SCOPE_KINDS, ("scope",))
                assert scope.scope_id is not None
                claim = ""
                if model.claimed_by is not None:
                    claim = resolver.ref(
                        model.claimed_by, ONE_KIND[Kind.SOURCE], ("claimed_by",)
                    ).label
                key = membership_key(
                    stored.natural_key(country), stored.scope_key(scope), model.role,
                    model.from_, claim,
                )  # fmt: skip
                request = Request(FactKind.MEMBERSHIP, (), model.role, model.from_ or "", claim)
                ids: tuple[int, ...] = (country.id, scope.scope_id)
            elif isinstance(model, PositionRetraction):
                official = resolver.ref(model.official, ONE_KIND[Kind.OFFICIAL], ("official",))
                key = position_key(stored.natural_key(official), model.title, model.from_)
                request = Request(FactKind.POSITION, (model.title,), None, model.from_ or "")
                ids = (official.id,)
            else:
                assert isinstance(model, StatementRetraction)
                key, request, ids = model.id, Request(FactKind.STATEMENT, (model.id,)), ()
        except Unresolved as exc:
            planner.unresolved_problem(item, exc)
            continue
        planned.append(Planned(item, request, ids, key))
    return planned


def apply_retractions(
    conn: Connection, planned: list[Planned], *, load_id: int, now: dt.datetime
) -> list[Outcome]:
    """Write the planned retractions (in the load's transaction, after its other writes)."""
    outcomes = []
    for p in planned:
        model = p.item.model.root
        if p.request.kind is FactKind.MEMBERSHIP:
            found = _memberships(
                conn, p.ids[0], p.ids[1], p.request.role, p.request.from_text, p.request.claim
            )
        elif p.request.kind is FactKind.POSITION:
            found = _positions(conn, p.ids[0], p.request.names[0], p.request.from_text)
        else:
            found = [_statement(conn, p.request.names[0])]
        assert p.key is not None
        fact = found[0] if found else Fact(p.request.kind, p.key)
        given = record_of(model.record) if model.record is not None else None
        if given is not None and p.request.kind is FactKind.POSITION:
            given = {"official": model.official, **given}
        outcomes.append(
            write_retraction(
                conn, fact, reason=model.reason, by=model.by or default_by(),
                when=model.date or now, load_id=load_id, record=given,
            )
        )  # fmt: skip
    return outcomes
