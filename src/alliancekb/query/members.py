"""`members`: who is in an alliance or pillar, with role, status, dates, evidence and sources.

The answer is for one day, today unless an as-of date is given: of each chain (one country
in one scope, its records ordered by `from`, a later record ending the earlier one) the
record that holds on that day, with its `confirmed` evidence date and its `currency`
(`core.evidence`). With `history`, every record of every chain is listed instead.

Status is the record's lifecycle status, shown as it is. Without an as-of date `ended`
and `declined` rows are hidden; with one, `declined` rows are hidden and `ended` rows are
shown only when their end date is known (so that the dates can place them). An explicit
status filter replaces these defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from alliancekb.core.evidence import Currency, Span
from alliancekb.core.formats import Row
from alliancekb.core.vocab import CLOSED_STATUSES, Obligation, Role, Status
from alliancekb.query.common import role_rank_of, scope_infos, status_rank_of
from alliancekb.query.facts import EVIDENCE_FIELDS, answering, horizon_text, membership_spans
from alliancekb.query.facts import with_evidence as _with_evidence
from alliancekb.store import tables as t
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The JSON field names of a member row, in order (the evidence fields last, so that the
#: columns of CSV files written before them keep their places).
MEMBER_FIELDS = (
    "country",
    "iso3",
    "scope",
    "role",
    "status",
    "from",
    "to",
    "via",
    "sources",
    "note",
    *EVIDENCE_FIELDS,
    "obligations",
    "dates_from",
    "claim",
)


class StatusRule(StrEnum):
    """Which statuses a members answer shows."""

    #: Only the statuses asked for (`MembersResult.statuses`).
    CHOSEN = "chosen"
    #: With an as-of date: declined hidden, ended only with a known end date.
    AS_OF = "as-of"
    #: Without one: every status except the closed ones (`MembersResult.hidden`).
    DEFAULT = "default"


@dataclass
class MembersResult:
    """The members of one scope: meta, and rows keyed by MEMBER_FIELDS."""

    scope: str
    #: The day answered (today unless asked); with `history`, the day currency is read on.
    as_of: dt.date
    rule: StatusRule
    #: The statuses asked for (CHOSEN), in vocabulary order; empty otherwise.
    statuses: tuple[Status, ...]
    #: The statuses hidden outright (DEFAULT: the closed ones; AS_OF: declined).
    hidden: tuple[Status, ...]
    rows: Iterator[Row] | list[Row] = field(repr=False)
    #: Whether the as-of date was asked for (False: today by default).
    dated: bool = False
    #: Every record of every chain, not the one answer per chain.
    history: bool = False
    #: Only rows of these currencies (empty: all).
    currencies: tuple[Currency, ...] = ()
    #: The newest evidence among the scope's records (EDTF as written), if any.
    newest_evidence: str | None = None
    #: Only rows coded with all of these obligations (empty: all).
    obligations: tuple[str, ...] = ()


def _in_vocabulary_order(statuses: set[Status] | frozenset[Status]) -> tuple[Status, ...]:
    return tuple(sorted(statuses, key=list(Status).index))


def status_rule(
    statuses: Sequence[Status | str] | None, dated: bool
) -> tuple[StatusRule, tuple[Status, ...], tuple[Status, ...]]:
    """The status rule of an answer, the statuses chosen, and those hidden."""
    if statuses:
        return StatusRule.CHOSEN, _in_vocabulary_order({Status(s) for s in statuses}), ()
    if dated:
        return StatusRule.AS_OF, (), (Status.DECLINED,)
    return StatusRule.DEFAULT, (), _in_vocabulary_order(CLOSED_STATUSES)


def shown(rule: StatusRule, chosen: tuple[Status, ...], row: Row) -> bool:
    """Whether a row's status passes the rule."""
    status = row["status"]
    if rule is StatusRule.CHOSEN:
        return status in chosen
    if rule is StatusRule.AS_OF:
        return status != Status.DECLINED and (status != Status.ENDED or row["to"] is not None)
    return status not in CLOSED_STATUSES


def scope_spans(session: Reader, scope_ids: Sequence[int]) -> list[Span[Row]]:
    """Every membership record of these scopes, chains resolved."""
    return membership_spans(session, t.memberships.c.scope_id.in_(scope_ids))


#: Datasets in the order their dates are preferred, by the start of their source key: COW
#: dates a membership from its entry into force, as treaties and governments do; ATOP from
#: the signature of the treaty or accession protocol. Any other dataset follows, by key.
DATASET_PRECEDENCE = ("cow", "atop")


def claim_precedence(claim: str | None) -> int:
    """A claim's rank in the precedence of dates: 0 for the knowledge base's own record,
    then the datasets of `DATASET_PRECEDENCE`, then any other (as `merge_claims` orders)."""
    if not claim:
        return 0
    for rank, prefix in enumerate(DATASET_PRECEDENCE):
        if claim.startswith(prefix):
            return 1 + rank
    return 1 + len(DATASET_PRECEDENCE)


def _precedence(span: Span[Row]) -> tuple[int, str]:
    """The knowledge base's own record first (treaties, governments), then the datasets."""
    claim = span.payload.get("claim") or ""
    return (claim_precedence(claim), claim)


def merge_claims(spans: Sequence[Span[Row]], day: dt.date) -> list[tuple[Span[Row], Row]]:
    """One row per country and scope from the claims answering `day`.

    Status, role and dates come from the claim of highest precedence (the knowledge
    base's own record over a dataset's; `dates_from` names its sources); `sources` and
    `obligations` gather every claim's; `confirmed` and `currency` take the freshest
    evidence among the claims that agree with the status shown.
    """
    groups: dict[tuple[Any, Any], list[Span[Row]]] = {}
    for span in spans:
        groups.setdefault(span.chain[:2], []).append(span)  # type: ignore[index]
    out: list[tuple[Span[Row], Row]] = []
    for group in groups.values():
        group.sort(key=_precedence)
        primary = group[0]
        row = dict(_with_evidence(primary, day))
        row["dates_from"] = list(primary.payload["sources"])
        if len(group) > 1:
            status = primary.payload["status"]
            agreeing = [s for s in group if s.payload["status"] == status]
            row["sources"] = sorted({k for s in group for k in s.payload["sources"]})
            coded = {o for s in group for o in s.payload["obligations"]}
            row["obligations"] = [o.value for o in Obligation if o.value in coded]
            freshest = max(agreeing, key=lambda s: s.evidence.confirmed_upper or dt.date.min)
            row["confirmed"] = freshest.evidence.confirmed
            currencies = {s.currency(day) for s in agreeing}
            best = next(c for c in Currency if c in currencies)
            row["currency"] = best.value
        out.append((primary, row))
    return out


def member_rows(
    spans: Sequence[Span[Row]],
    day: dt.date,
    rule: StatusRule = StatusRule.DEFAULT,
    chosen: tuple[Status, ...] = (),
    *,
    history: bool = False,
) -> list[tuple[Span[Row], Row]]:
    """The answer for `day` (one row per country and scope, claims merged), or with
    `history` every record of every chain, that passes the status rule.

    The one rule behind `members` and every member count (`alliances`, `pillars`, `show`).
    """
    picked: list[tuple[Span[Row], Row]]
    if history:
        picked = [
            (s, {**_with_evidence(s, day), "dates_from": s.payload["sources"]}) for s in spans
        ]
    else:
        picked = merge_claims(answering(spans, day), day)
    return [(span, row) for span, row in picked if shown(rule, chosen, row)]


def members(
    session: Reader,
    scope: str,
    as_of: dt.date | None = None,
    statuses: Sequence[Status | str] | None = None,
    roles: Sequence[Role | str] | None = None,
    *,
    currencies: Sequence[Currency | str] | None = None,
    obligations: Sequence[Obligation | str] | None = None,
    history: bool = False,
    index: NameIndex | None = None,
) -> MembersResult:
    """Who is in an alliance or pillar on a day (today by default), one row per country.

    A pillar's rows include its alliance's memberships (`via` = the alliance's name:
    members of an alliance take part in all its pillars) besides its own (`via` empty).
    Each row carries `confirmed` and `currency`. `obligations` keeps the rows coded with
    every obligation given. Rows are ordered by status (in-force first), role, country;
    with `history`, by country, scope and start.
    """
    index = index if index is not None else load_index(session, SCOPE_KINDS)
    ref = index.resolve(scope, SCOPE_KINDS)
    infos = scope_infos(session)
    assert ref.scope_id is not None
    own = infos[ref.scope_id]
    wanted = [ref.scope_id]
    if ref.kind is Kind.PILLAR:
        wanted.append(own.alliance_scope_id)
    day = as_of or dt.date.today()
    rule, chosen, hidden = status_rule(statuses, as_of is not None)
    spans = scope_spans(session, wanted)
    picked = member_rows(spans, day, rule, chosen, history=history)
    role_set = {Role(r) for r in roles or ()}
    currency_set = tuple(sorted({Currency(c) for c in currencies or ()}, key=list(Currency).index))
    obligation_set = {Obligation(o).value for o in obligations or ()}
    rows: list[Row] = []
    for span, row in picked:
        if role_set and row["role"] not in role_set:
            continue
        if currency_set and row["currency"] not in currency_set:
            continue
        if not obligation_set <= set(row["obligations"]):
            continue
        info = infos[row["scope_id"]]
        rows.append(
            {
                **{k: row[k] for k in MEMBER_FIELDS if k in row},
                "scope": info.label,
                "via": info.label if row["scope_id"] != ref.scope_id else None,
                "_start": span.start,
            }
        )
    if history:
        rows.sort(key=lambda r: (r["country"], r["scope"], r["_start"] or dt.date.min))
    else:
        rows.sort(
            key=lambda r: (
                status_rank_of(r["status"]),
                role_rank_of(r["role"]),
                r["country"],
                r["_start"] or dt.date.min,
            )
        )
    ordered: list[Row] = [{k: r.get(k) for k in MEMBER_FIELDS} for r in rows]
    return MembersResult(
        own.label,
        day,
        rule,
        chosen,
        hidden,
        ordered,
        dated=as_of is not None,
        history=history,
        currencies=currency_set,
        newest_evidence=horizon_text(spans),
        obligations=tuple(o.value for o in Obligation if o.value in obligation_set),
    )
