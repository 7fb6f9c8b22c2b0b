"""Retracting one fact named by a user (the `retract` command), checked as a load checks it.

Every retraction is written by `dump` as a `retracted:` record, so what is recorded here
must load again: a value the load format refuses (a reason, a `by` or a title holding a
control character or a line break, one longer than the format allows) is refused
(`InvalidRetraction`, exit 2), and a statement id that names no stored statement is
refused with the nearest ids (exit 4), where a typo would otherwise stay recorded for
ever. A membership or a position that is not stored is still recorded (its names resolve,
so its key is one the format can write); a statement not loaded yet is retracted by a
`retracted:` section of a load. The messages name the values, never a command-line flag
(`cli/retract_cmds.py` puts its flag in front).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any

from pydantic import StringConstraints, TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine, func, select

from alliancekb.core.errors import (
    AlliancekbError,
    NameResolutionError,
    UsageError,
    describe_unresolved,
)
from alliancekb.load.resolve import ONE_KIND
from alliancekb.load.retract import (
    _RETRACTIONS,
    _STATEMENTS,
    COUNTED_AS,
    Fact,
    FactKind,
    Outcome,
    Request,
    _Keys,
    _memberships,
    _positions,
    _statement,
    default_by,
    earlier,
    membership_key,
    position_key,
    write_retraction,
)
from alliancekb.load.schema import OneLine, ShortText, Title
from alliancekb.store import models as m
from alliancekb.store.db import write_session
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref, load_index
from alliancekb.store.versions import load_time, recording

# -- the values, as the load format checks them ----------------------------------------------

#: Each value a user gives, as the load format types it; a reason is one line here (a
#: command line's reason is; a `retracted:` record's may hold a line break).
_TYPES: dict[str, Any] = {
    "reason": Title,
    "by": ShortText,
    "title": ShortText,
    # empty or unknown: no stored statement has it (exit 4, with the nearest ids)
    "id": Annotated[str, StringConstraints(strip_whitespace=True), OneLine],
}


class InvalidRetraction(UsageError):
    """A value the load format refuses (exit 2): `field` says which."""

    def __init__(self, field: str, why: str) -> None:
        self.field = field
        self.why = why
        super().__init__(f"{field}: {why}")


@cache
def _adapter(field: str) -> TypeAdapter[str]:
    return TypeAdapter(_TYPES[field])


def checked(field: str, value: str) -> str:
    """`value` (of `reason`, `by`, `title` or `id`) as the load format keeps it (stripped);
    InvalidRetraction (exit 2) when the format refuses it."""
    try:
        return _adapter(field).validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        kind, context = error["type"], error.get("ctx") or {}
        if kind == "string_too_short":
            why = "may not be empty"
        elif kind == "string_too_long":
            why = f"is longer than {context['max_length']} characters"
        else:
            why = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidRetraction(field, why) from None


def default_user() -> str:
    """The OS user name as a `by` the load format takes; "unknown" when it is not one."""
    try:
        return checked("by", default_by())
    except InvalidRetraction:
        return "unknown"


def _checked_request(request: Request) -> Request:
    if request.kind is FactKind.STATEMENT:
        return replace(request, names=(checked("id", request.names[0]),))
    if request.kind is FactKind.POSITION:
        official, title = request.names
        return replace(request, names=(official, checked("title", title)))
    return request


# -- the command -------------------------------------------------------------------------------


class AmbiguousFactError(NameResolutionError):
    """Several stored facts fit what was named, or none does and the key is incomplete (4)."""

    def __init__(self, message: str) -> None:
        AlliancekbError.__init__(self, message)


class UnknownFactError(AmbiguousFactError):
    """What was named is no stored fact and cannot be recorded as one (exit 4)."""


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
    reason = checked("reason", reason)
    by = default_user() if by is None else checked("by", by)
    request = _checked_request(request)
    with write_session(engine) as session:
        conn = session.connection()
        kinds: Collection[Kind] = {
            FactKind.MEMBERSHIP: {Kind.COUNTRY, *SCOPE_KINDS, Kind.SOURCE},
            FactKind.POSITION: {Kind.OFFICIAL, Kind.SOURCE} if request.claim else {Kind.OFFICIAL},
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
            outcome = write_retraction(conn, fact, reason=reason, by=by, when=now, load_id=load.id)
        return RetractResult(outcome, load.id)


def find_fact(conn: Connection, index: NameIndex | None, request: Request) -> Fact:
    """The one fact the request names (stored or not); exit 4 when it is ambiguous, or a
    statement that is not stored."""
    if request.kind is FactKind.STATEMENT:
        return _stored_statement(conn, request.names[0])
    assert index is not None
    if request.kind is FactKind.MEMBERSHIP:
        return _membership(conn, index, request)
    official = index.resolve(request.names[0], ONE_KIND[Kind.OFFICIAL])
    title = request.names[1]
    claim = request.claim
    if claim:
        claim = _dataset(conn, index, claim)
    positions = _positions(conn, official.id, title, request.from_text, claim)
    if len(positions) == 1:
        return positions[0]
    if positions:
        what = f"position {title!r} of {official.label}"
        claims = {p.key.count("|") for p in positions}
        narrowing = "--from, --own or --claim" if len(claims) > 1 else "--from"
        raise AmbiguousFactError(_ambiguous(what, positions, narrowing))
    key = position_key(
        _Keys(conn).of("official", official.id), title, request.from_text, claim or ""
    )
    return Fact(FactKind.POSITION, key)


def _membership(conn: Connection, index: NameIndex, request: Request) -> Fact:
    country = index.resolve(request.names[0], ONE_KIND[Kind.COUNTRY])
    scope = index.resolve(request.names[1], SCOPE_KINDS)
    assert scope.scope_id is not None
    claim = request.claim
    if claim:
        claim = _dataset(conn, index, claim)
    found = _memberships(conn, country.id, scope.scope_id, request.role, request.from_text, claim)
    what = f"membership of {country.label} in {scope.label}"
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousFactError(_ambiguous(what, found, _narrowing(found)))
    if request.role is None:
        retracted = _retracted_like(conn, country, scope, claim)
        if len(retracted) == 1:  # retracted before: retract() says so
            return Fact(FactKind.MEMBERSHIP, retracted[0])
        raise AmbiguousFactError(
            f"no {what} is in the knowledge base; give --role (and --from) to record "
            "the retraction of one that is not, so that no load can add it"
        )
    keys = _Keys(conn)
    key = membership_key(
        keys.of("country", country.id), keys.of("scope", scope.scope_id), request.role,
        request.from_text, claim or "",
    )  # fmt: skip
    return Fact(FactKind.MEMBERSHIP, key)


def _dataset(conn: Connection, index: NameIndex, name: str) -> str:
    """The key of the dataset source `name` names (a claim is a dataset's)."""
    source = index.resolve(name, ONE_KIND[Kind.SOURCE])
    datasets = [
        key
        for key, kind in conn.execute(select(m.Source.key, m.Source.kind).order_by(m.Source.key))
        if str(getattr(kind, "value", kind)) == "dataset"
    ]
    if source.label not in datasets:
        shown = f"; the datasets: {', '.join(datasets)}" if datasets else ""
        raise UnknownFactError(
            f"{source.label} is not a dataset source: only a dataset's claims are kept "
            f"apart from the knowledge base's own records{shown}"
        )
    return source.label


def _stored_statement(conn: Connection, sid: str) -> Fact:
    """The stored statement `sid`, or its earlier retraction; else exit 4, the nearest ids."""
    fact = _statement(conn, sid)
    if fact.row_id is not None or earlier(conn, FactKind.STATEMENT, sid) is not None:
        return fact
    message = describe_unresolved(sid, "statement", _nearest_ids(conn, sid), False)
    raise UnknownFactError(
        f"{message} (`statements -f json` shows the ids; a statement not loaded yet is "
        "retracted by a `retracted:` section of a load)"
    )


#: Past this many statements, the nearest ids are looked for among those that begin alike.
_ALL_IDS_UP_TO = 50_000


def _nearest_ids(conn: Connection, sid: str, n: int = 5) -> list[str]:
    wanted = "-".join(sid.lower().split())
    if not wanted:
        return []
    query = select(_STATEMENTS.c.id)
    if conn.execute(select(func.count()).select_from(_STATEMENTS)).scalar_one() > _ALL_IDS_UP_TO:
        query = query.where(_STATEMENTS.c.id.startswith(wanted[:3], autoescape=True))
    ids = [sid for (sid,) in conn.execute(query)]
    same = [i for i in ids if i.lower() == wanted]
    return same or difflib.get_close_matches(wanted, ids, n=n, cutoff=0.6)


def _retracted_like(conn: Connection, country: Ref, scope: Ref, claim: str | None) -> list[str]:
    """The retracted membership keys of that country and scope (any role, any from), of
    that claim when one is given ('': the knowledge base's own)."""
    keys = _Keys(conn)
    assert scope.scope_id is not None
    prefix = f"{keys.of('country', country.id)}|{keys.of('scope', scope.scope_id)}|"
    rows = conn.execute(
        select(_RETRACTIONS.c.key).where(
            _RETRACTIONS.c.kind == FactKind.MEMBERSHIP.value,
            _RETRACTIONS.c.key.startswith(prefix, autoescape=True),
        )
    )
    found = sorted(key for (key,) in rows)
    if claim is None:
        return found
    # own: country|scope|role|from; a claim's: ...|from|source
    return [k for k in found if (k.count("|") == 3 if not claim else k.endswith(f"|{claim}"))]


def _narrowing(facts: Sequence[Fact]) -> str:
    """The options that tell the memberships apart."""
    records = [fact.record or {} for fact in facts]
    options = [
        option
        for field, option in (("role", "--role"), ("from", "--from"), ("claimed_by", "--own"))
        if len({str(record.get(field)) for record in records}) > 1
    ]
    if "--own" in options:
        options.append("--claim")
    options = options or ["--role", "--from"]
    return ", ".join(options[:-1]) + f" or {options[-1]}"


def _ambiguous(what: str, facts: Sequence[Fact], narrow: str) -> str:
    lines = []
    for fact in facts:
        record = fact.record or {}
        role = f"{record['role']} " if "role" in record else ""
        since = f"from {record['from']}" if record.get("from") else "from an unknown date"
        status = f" ({record['status']})" if "status" in record else ""
        lines.append(f"  {role}{since}{status}: {fact.key}")
    return f"several facts match the {what}; narrow with {narrow}:\n" + "\n".join(lines)
