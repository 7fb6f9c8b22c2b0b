"""The `retracted:` section of a load: its records resolved with the load's other records
(`plan_retractions`, a part of the plan stage like `load/batches.py`) and written at the end
of the load's transaction (`apply_retractions`), through the retractions of `load/retract.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection

from alliancekb.load.plan import Pending, Planner
from alliancekb.load.resolve import ONE_KIND, Resolver, Unresolved
from alliancekb.load.retract import (
    Fact,
    FactKind,
    Outcome,
    Request,
    _memberships,
    _positions,
    _statement,
    default_by,
    membership_key,
    position_key,
    record_of,
    write_retraction,
)
from alliancekb.load.schema import (
    AnyRetraction,
    MembershipRetraction,
    PositionRetraction,
    StatementRetraction,
)
from alliancekb.store.resolve import SCOPE_KINDS, Kind, Ref


@dataclass
class Planned:
    """A `retracted:` record, its names resolved: the fact is found when it is applied."""

    item: Pending
    request: Request
    #: Resolved ids: membership (country id, scope id); position (official id,)
    ids: tuple[int, ...]
    key: str | None


def plan_retractions(planner: Planner, items: list[Pending]) -> list[Planned]:
    """Resolve the records' names (unresolved ones become located problems, each of them)."""
    resolver, stored = planner.resolver, planner.stored
    planned: list[Planned] = []
    for item in items:
        model = item.model.root
        try:
            refs = _references(resolver, model)
        except Unresolved as exc:
            planner.unresolved_problem(item, exc, partial(_references, resolver, model))
            continue
        if isinstance(model, MembershipRetraction):
            country, scope, claimant = refs
            assert country is not None
            assert scope is not None
            assert scope.scope_id is not None
            claim = "" if claimant is None else claimant.label
            key = membership_key(
                stored.natural_key(country), stored.scope_key(scope), model.role,
                model.from_, claim,
            )  # fmt: skip
            request = Request(FactKind.MEMBERSHIP, (), model.role, model.from_ or "", claim)
            ids: tuple[int, ...] = (country.id, scope.scope_id)
        elif isinstance(model, PositionRetraction):
            official, claimant = refs
            assert official is not None
            claim = "" if claimant is None else claimant.label
            key = position_key(stored.natural_key(official), model.title, model.from_, claim)
            request = Request(FactKind.POSITION, (model.title,), None, model.from_ or "", claim)
            ids = (official.id,)
        else:
            assert isinstance(model, StatementRetraction)
            key, request, ids = model.id, Request(FactKind.STATEMENT, (model.id,)), ()
        planned.append(Planned(item, request, ids, key))
    return planned


def _references(resolver: Resolver, model: AnyRetraction) -> tuple[Ref | None, ...]:
    """The entities a retraction names: a membership's country, scope and claimant (None
    without one); a position's official; none for a statement (named by its id)."""
    if isinstance(model, MembershipRetraction):
        country = resolver.ref(model.country, ONE_KIND[Kind.COUNTRY], ("country",))
        scope = resolver.ref(model.scope, SCOPE_KINDS, ("scope",))
        claimant = None
        if model.claimed_by is not None:
            claimant = resolver.ref(model.claimed_by, ONE_KIND[Kind.SOURCE], ("claimed_by",))
        return country, scope, claimant
    if isinstance(model, PositionRetraction):
        claimant = None
        if model.claimed_by is not None:
            claimant = resolver.ref(model.claimed_by, ONE_KIND[Kind.SOURCE], ("claimed_by",))
        return resolver.ref(model.official, ONE_KIND[Kind.OFFICIAL], ("official",)), claimant
    return ()


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
            found = _positions(
                conn, p.ids[0], p.request.names[0], p.request.from_text, p.request.claim
            )
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
