"""`allies`: the dyadic question. Which countries is a country tied to on a day, by what?

For a country X on day D: every alliance (or pillar) X is in on D, as `members` answers
(`precedence.decide`: in force or suspended), and every other country in it on D. One
row per partner country, with the alliances that tie them, each with its obligations,
status, currency, disputes and sources.

Obligations belong to the treaty and each member inherits them unless its own claim
codes others (`members`' `obligations`). Undirected (the default), a tie carries an
obligation if either party does; directed, `binds` says what X owes the partner and
`bound_by` what the partner owes X, so an asymmetric treaty shows who must defend whom.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alliancekb.core.clock import today
from alliancekb.core.evidence import Currency, Span
from alliancekb.core.formats import Row
from alliancekb.core.vocab import Obligation, Status
from alliancekb.query.common import scope_infos
from alliancekb.query.facts import membership_spans
from alliancekb.query.members import StatusRule, member_rows, scope_context, scope_spans
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The JSON field names of an allies row, in order.
ALLY_FIELDS = (
    "country",
    "iso3",
    "alliances",
    "obligations",
    "status",
    "confirmed",
    "currency",
    "ties",
    "binds",
    "bound_by",
    "disputed",
    "sources",
)

#: A tie holds while both parties are in: in force, or suspended on paper.
_TIED = (Status.IN_FORCE, Status.SUSPENDED)


@dataclass
class AlliesResult:
    """A country's allies on a day: meta, and rows keyed by ALLY_FIELDS."""

    country: str
    iso3: str
    as_of: dt.date
    dated: bool
    directed: bool
    #: Only ties carrying all of these obligations (empty: any tie).
    obligations: tuple[str, ...]
    rows: list[Row] = field(repr=False)
    #: How many alliances the country is in on the day (ties counted once each).
    alliance_count: int = 0


def _ordered(obligations: set[str]) -> list[str]:
    return [o.value for o in Obligation if o.value in obligations]


def _worse(a: str, b: str) -> str:
    order = list(Currency)
    return max(Currency(a), Currency(b), key=order.index).value


def allies(
    session: Reader,
    country: str,
    as_of: dt.date | None = None,
    obligations: Sequence[Obligation | str] | None = None,
    *,
    directed: bool = False,
) -> AlliesResult:
    """Every country tied to `country` on a day (today by default) by an alliance both are in."""
    ref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
    day = as_of or today()
    wanted = {Obligation(o).value for o in obligations or ()}
    infos = scope_infos(session)
    own_spans = membership_spans(session, t.memberships.c.country_id == ref.id)
    own_scopes = {s.chain[1] for s in own_spans}  # type: ignore[index]
    own_rows = member_rows(
        own_spans, day, StatusRule.CHOSEN, _TIED, context=scope_context(session, own_scopes)
    )
    mine: dict[int, Row] = {row["scope_id"]: row for _, row in own_rows}
    # A pillar's members include its alliance's: a partner of a pillar is tied to them.
    scopes = set(mine) | {infos[s].alliance_scope_id for s in mine}
    spans = scope_spans(session, sorted(scopes))
    context = scope_context(session, scopes, spans)
    rows_by_scope: dict[int, list[tuple[Span[Row], Row]]] = {}
    for span, row in member_rows(spans, day, StatusRule.CHOSEN, _TIED, context=context):
        rows_by_scope.setdefault(row["scope_id"], []).append((span, row))
    partners: dict[Any, dict[str, Any]] = {}
    for scope_id, my_row in sorted(mine.items(), key=lambda kv: infos[kv[0]].label):
        info = infos[scope_id]
        members = list(rows_by_scope.get(scope_id, []))
        if info.kind is Kind.PILLAR:
            members += rows_by_scope.get(info.alliance_scope_id, [])
        for span, row in members:
            partner_id = span.chain[0]  # type: ignore[index]
            if partner_id == ref.id:
                continue
            theirs, ours = set(row["obligations"]), set(my_row["obligations"])
            carried = theirs | ours
            if not wanted <= carried:
                continue
            entry = partners.setdefault(
                partner_id,
                {"country": row["country"], "iso3": row["iso3"], "ties": []},
            )
            if any(tie["scope_id"] == scope_id for tie in entry["ties"]):
                continue
            entry["ties"].append(
                {
                    "scope_id": scope_id,
                    "label": info.label,
                    "obligations": _ordered(carried),
                    "binds": _ordered(ours),
                    "bound_by": _ordered(theirs),
                    "status": Status.SUSPENDED.value
                    if Status.SUSPENDED in (row["status"], my_row["status"])
                    else Status.IN_FORCE.value,
                    "currency": _worse(row["currency"], my_row["currency"]),
                    "confirmed": min(
                        (c for c in (row["confirmed"], my_row["confirmed"]) if c),
                        default=None,
                    ),
                    "disputed": [
                        *(f"{info.label} ({ref.label}): {d}" for d in my_row["disputed"]),
                        *(f"{info.label} ({row['country']}): {d}" for d in row["disputed"]),
                    ],
                    "sources": sorted({*row["sources"], *my_row["sources"]}),
                }
            )
    rows = [_row(entry, directed) for entry in partners.values()]
    rows.sort(key=lambda r: r["country"])
    return AlliesResult(
        ref.label,
        _iso3_of(ref.label),
        day,
        as_of is not None,
        directed,
        tuple(_ordered(wanted)),
        rows,
        alliance_count=len(mine),
    )


def _iso3_of(label: str) -> str:
    return label.rsplit("(", 1)[-1].rstrip(")") if label.endswith(")") else label


def _tie_text(tie: dict[str, Any], key: str = "obligations") -> str:
    said = ", ".join(tie[key]) or "no obligation recorded"
    return f"{tie['label']}: {said} ({tie['status']}, {tie['currency']})"


def _row(entry: dict[str, Any], directed: bool) -> Row:
    ties = entry["ties"]
    in_force = any(t["status"] == Status.IN_FORCE.value for t in ties)
    currencies = [Currency(t["currency"]) for t in ties]
    best = min(currencies, key=list(Currency).index).value
    confirmed = max((t["confirmed"] for t in ties if t["confirmed"]), default=None)
    return {
        "country": entry["country"],
        "iso3": entry["iso3"],
        "alliances": [t["label"] for t in ties],
        "obligations": _ordered({o for t in ties for o in t["obligations"]}),
        "status": Status.IN_FORCE.value if in_force else Status.SUSPENDED.value,
        "confirmed": confirmed,
        "currency": best,
        "ties": [_tie_text(t) for t in ties],
        "binds": [_tie_text(t, "binds") for t in ties] if directed else None,
        "bound_by": [_tie_text(t, "bound_by") for t in ties] if directed else None,
        "disputed": [d for t in ties for d in t["disputed"]],
        "sources": sorted({s for t in ties for s in t["sources"]}),
    }
