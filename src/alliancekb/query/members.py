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
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import or_, select

from alliancekb.core.clock import today
from alliancekb.core.evidence import Currency, Span
from alliancekb.core.formats import Row
from alliancekb.core.vocab import (
    CLOSED_STATUSES,
    DisputedRule,
    Obligation,
    Role,
    SourceKind,
    Status,
)
from alliancekb.query.common import resolve_scope, role_rank_of, scope_infos, status_rank_of
from alliancekb.query.facts import MEMBER_FIELDS as MEMBER_FIELDS
from alliancekb.query.facts import horizon_text, membership_spans
from alliancekb.query.facts import with_evidence as _with_evidence
from alliancekb.query.precedence import (
    IN_STATUSES,
    Coverage,
    Decision,
    decide,
)
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, NameIndex

if TYPE_CHECKING:
    from alliancekb.query.common import Reader


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
    #: Which rows are shown by `disputed`.
    disputed_rule: DisputedRule = DisputedRule.SHOW
    #: How many rows shown are disputed, and how many were left out by `disputed_rule`.
    disputed_count: int = 0
    disputed_hidden: int = 0
    #: Countries a source lists on the day against the answer (not rows of it): dicts with
    #: country, iso3, scope, disputed.
    overruled: list[Row] = field(default_factory=list)
    #: The day the alliance was dissolved (EDTF as written), if it was; `dissolved`: by
    #: the day answered.
    ended: str | None = None
    dissolved: bool = False


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
    if row.get("_synthetic") and rule is not StatusRule.CHOSEN:
        return False  # a country that left (or whose alliance ended): `--status ended`
    if rule is StatusRule.CHOSEN:
        return status in chosen
    if rule is StatusRule.AS_OF:
        return status != Status.DECLINED and (status != Status.ENDED or row["to"] is not None)
    return status not in CLOSED_STATUSES


def scope_spans(session: Reader, scope_ids: Sequence[int]) -> list[Span[Row]]:
    """Every membership record of these scopes, chains resolved."""
    return membership_spans(session, t.memberships.c.scope_id.in_(scope_ids))


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class ScopeContext(NamedTuple):
    """What `precedence.decide` needs besides the records: per scope, the datasets that
    code it and the alliance's end and treaty obligations; each dataset's coverage."""

    coverage: dict[str, Coverage]
    claimants: dict[int, frozenset[str]]
    #: The alliance's last day, by scope (a pillar's is its alliance's).
    ended: dict[int, dt.date]
    #: The treaty's obligations, by scope (an alliance's own scope only).
    obligations: dict[int, tuple[str, ...]]
    #: The alliance's name, by scope (where obligations come from).
    alliance_names: dict[int, str]

    def ended_text(self, scope_id: int) -> str | None:
        day = self.ended.get(scope_id)
        return day.isoformat() if day is not None else None


def scope_context(
    session: Reader, scope_ids: Collection[int], spans: Sequence[Span[Row]] | None = None
) -> ScopeContext:
    """The context of these scopes. `spans`: every record of them, when the caller has read
    them all already (the claimants are then taken from them, not queried)."""
    ms, a, p, src = t.memberships.c, t.alliances.c, t.pillars.c, t.sources.c
    wanted = set(scope_ids)
    claimants: dict[int, set[str]] = {sid: set() for sid in wanted}
    if spans is not None:
        for span in spans:
            claim = span.payload.get("claim")
            if claim:
                claimants.setdefault(span.payload["scope_id"], set()).add(claim)
    elif wanted:
        for scope_id, claim in session.execute(
            select(ms.scope_id, ms.claim)
            .where(ms.scope_id.in_(sorted(wanted)), ms.claim != "")
            .distinct()
        ):
            claimants.setdefault(scope_id, set()).add(claim)
    # Only the claimants' windows: a knowledge base may hold thousands of sources.
    keys = sorted({k for found in claimants.values() for k in found})
    coverage = {
        key: Coverage(first, last)
        for key, first, last in session.execute(
            select(src.key, src.covers_from_lower, src.covers_to_upper).where(
                src.kind == SourceKind.DATASET, src.key.in_(keys)
            )
        )
    } if keys else {}  # fmt: skip
    ended: dict[int, dt.date] = {}
    obligations: dict[int, tuple[str, ...]] = {}
    names: dict[int, str] = {}
    # Only the alliances of these scopes (a pillar's: its alliance's).
    pillar_of = dict(
        session.execute(
            select(p.scope_id, p.alliance_id).where(p.scope_id.in_(sorted(wanted)))
        ).all()
    )
    by_alliance: dict[int, int] = {}
    for aid, scope_id, name, ended_upper, coded in session.execute(
        select(a.id, a.scope_id, a.name, a.ended_upper, a.obligations).where(
            or_(a.scope_id.in_(sorted(wanted)), a.id.in_(sorted(set(pillar_of.values()))))
        )
    ):
        by_alliance[aid] = scope_id
        names[scope_id] = name
        if ended_upper is not None:
            ended[scope_id] = ended_upper
        if coded:
            obligations[scope_id] = tuple(coded.split("; "))
    for scope_id, aid in pillar_of.items():
        alliance_scope = by_alliance[aid]
        names[scope_id] = names[alliance_scope]
        if alliance_scope in ended:
            ended[scope_id] = ended[alliance_scope]
    return ScopeContext(
        coverage,
        {k: frozenset(v) for k, v in claimants.items()},
        ended,
        obligations,
        names,
    )


def _obligations(
    decision: Decision, scope_id: int, context: ScopeContext | None
) -> tuple[list[str], str | None]:
    """The obligations of an answer and where they come from: the answering record's own
    coding (a claim of the member's own), else the treaty's, else the agreeing datasets'."""
    answer = decision.answer
    if answer is not None and answer.payload["obligations"] and not answer.payload["claim"]:
        return list(answer.payload["obligations"]), "record"
    treaty = context.obligations.get(scope_id) if context is not None else None
    if treaty:
        return list(treaty), f"treaty ({context.alliance_names[scope_id]})" if context else None
    coded = {o for s in decision.agreeing for o in s.payload["obligations"]}
    if not coded:
        return [], None
    by = sorted({s.payload["claim"] or "record" for s in decision.agreeing
                 if s.payload["obligations"]})  # fmt: skip
    return [o.value for o in Obligation if o.value in coded], "; ".join(by)


def _answer_row(decision: Decision, day: dt.date, scope_id: int,
                context: ScopeContext | None) -> tuple[Span[Row], Row] | None:  # fmt: skip
    """The row of a decision: its answering record, or an `ended` row for a country that
    left (or whose alliance ended) before the day; None when it was never in."""
    span = decision.answer
    if span is None:
        if decision.ended is None:
            return None
        span = decision.ended
        row = dict(_with_evidence(span, day))
        row["status"] = Status.ENDED.value if span.payload["status"] in IN_STATUSES else (
            row["status"])  # fmt: skip
        ended_on = decision.ended_on or span.end
        if ended_on is not None and row.get("to") is None:
            row["to"] = ended_on.isoformat()
        row["until"] = ended_on.isoformat() if ended_on is not None else row.get("until")
        row["_synthetic"] = True
    else:
        row = dict(_with_evidence(span, day))
    row["dates_from"] = list(span.payload["sources"])
    agreeing = decision.agreeing or [span]
    row["sources"] = sorted({k for s in agreeing for k in s.payload["sources"]})
    evidence = [s for s in agreeing if s.payload["status"] == span.payload["status"]] or [span]
    freshest = max(evidence, key=lambda s: s.evidence.confirmed_upper or dt.date.min)
    row["confirmed"] = freshest.evidence.confirmed
    currencies = {s.currency(day) for s in evidence}
    row["currency"] = next(c for c in Currency if c in currencies).value
    row["obligations"], row["obligations_from"] = _obligations(decision, scope_id, context)
    row["disputed"] = list(decision.disputed)
    return span, row


def member_rows(
    spans: Sequence[Span[Row]],
    day: dt.date,
    rule: StatusRule = StatusRule.DEFAULT,
    chosen: tuple[Status, ...] = (),
    *,
    history: bool = False,
    context: ScopeContext | None = None,
    overruled: list[Row] | None = None,
) -> list[tuple[Span[Row], Row]]:
    """The answer for `day` (one row per country and scope, decided by
    `precedence.decide`), or with `history` every record of every chain, that passes the
    status rule. `overruled` collects the countries a claim lists on the day against the
    answer (rows with `country`, `iso3`, `scope_id`, `disputed`).

    The one rule behind `members` and every member count (`alliances`, `pillars`, `show`,
    `allies`, graphs, charts, browse).
    """
    picked: list[tuple[Span[Row], Row]] = []
    if history:
        for s in spans:
            row = {**_with_evidence(s, day), "dates_from": s.payload["sources"]}
            row["disputed"] = []
            row["obligations_from"] = (
                ("record" if not s.payload["claim"] else s.payload["claim"])
                if s.payload["obligations"]
                else None
            )
            picked.append((s, row))
        return [(span, row) for span, row in picked if shown(rule, chosen, row)]
    groups: dict[tuple[Any, Any], list[Span[Row]]] = {}
    for span in spans:
        groups.setdefault(span.chain[:2], []).append(span)  # type: ignore[index]
    for (_, scope_id), group in groups.items():
        decision = decide(
            group,
            day,
            claimants=context.claimants.get(scope_id, ()) if context else (),
            coverage=context.coverage if context else None,
            ended=context.ended.get(scope_id) if context else None,
        )
        made = _answer_row(decision, day, scope_id, context)
        visible = made is not None and shown(rule, chosen, made[1])
        if not visible and not decision.member and decision.disputed and overruled is not None:
            first = group[0].payload
            overruled.append(
                {
                    "country": first["country"],
                    "iso3": first["iso3"],
                    "scope_id": scope_id,
                    "disputed": list(decision.disputed),
                }
            )
        if made is not None and visible:
            picked.append(made)
    return picked


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
    disputed: DisputedRule | str = DisputedRule.SHOW,
    index: NameIndex | None = None,
) -> MembersResult:
    """Who is in an alliance or pillar on a day (today by default), one row per country.

    A pillar's rows include its alliance's memberships (`via` = the alliance's name:
    members of an alliance take part in all its pillars) besides its own (`via` empty).
    Each row carries `confirmed` and `currency`. `obligations` keeps the rows coded with
    every obligation given (a member inherits its treaty's unless its own claim codes
    others). Where sources disagree, `precedence.decide` answers and `disputed` lists the
    claims against it; `disputed` (the rule) keeps every row, only disputed ones, or none.
    Rows are ordered by status (in-force first), role, country; with `history`, by
    country, scope and start.
    """
    ref = resolve_scope(session, scope, index)
    infos = scope_infos(session)
    assert ref.scope_id is not None
    own = infos[ref.scope_id]
    wanted = [ref.scope_id]
    if ref.kind is Kind.PILLAR:
        wanted.append(own.alliance_scope_id)
    day = as_of or today()
    rule, chosen, hidden = status_rule(statuses, as_of is not None)
    spans = scope_spans(session, wanted)
    context = scope_context(session, wanted, spans)
    overruled: list[Row] = []
    picked = member_rows(
        spans, day, rule, chosen, history=history, context=context, overruled=overruled
    )
    keep = _RowFilter.of(roles, currencies, obligations, DisputedRule(disputed))
    rows, disputed_count, disputed_hidden = keep.rows(picked, infos, ref.scope_id)
    ordered: list[Row] = [{k: r.get(k) for k in MEMBER_FIELDS} for r in _ordered(rows, history)]
    return MembersResult(
        own.label,
        day,
        rule,
        chosen,
        hidden,
        ordered,
        dated=as_of is not None,
        history=history,
        currencies=keep.currencies,
        newest_evidence=horizon_text(spans),
        obligations=tuple(o.value for o in Obligation if o.value in keep.obligations),
        disputed_rule=keep.disputed,
        disputed_count=disputed_count,
        disputed_hidden=disputed_hidden,
        overruled=_overruled(overruled, infos),
        ended=context.ended_text(ref.scope_id) and _ended_text(session, ref.scope_id, infos),
        dissolved=ref.scope_id in context.ended and day > context.ended[ref.scope_id],
    )


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class _RowFilter(NamedTuple):
    """What `members` keeps of the answer: roles, currencies, obligations, disputes."""

    roles: frozenset[Role]
    currencies: tuple[Currency, ...]
    obligations: frozenset[str]
    disputed: DisputedRule

    @classmethod
    def of(
        cls,
        roles: Sequence[Role | str] | None,
        currencies: Sequence[Currency | str] | None,
        obligations: Sequence[Obligation | str] | None,
        disputed: DisputedRule,
    ) -> _RowFilter:
        return cls(
            frozenset(Role(r) for r in roles or ()),
            tuple(sorted({Currency(c) for c in currencies or ()}, key=list(Currency).index)),
            frozenset(Obligation(o).value for o in obligations or ()),
            disputed,
        )

    def wanted(self, row: Row) -> bool:
        """Of a role, a currency and with every obligation asked for (if asked)."""
        if self.roles and row["role"] not in self.roles:
            return False
        if self.currencies and row["currency"] not in self.currencies:
            return False
        return self.obligations <= set(row["obligations"])

    def rows(
        self, picked: list[tuple[Span[Row], Row]], infos: dict[int, Any], scope_id: int
    ) -> tuple[list[Row], int, int]:
        """The rows kept, with `scope`, `via` and `_start` (the record's start, to order
        by); how many are disputed, and how many the dispute rule hid."""
        rule = self.disputed
        disputed_count = disputed_hidden = 0
        rows: list[Row] = []
        for span, row in picked:
            if not self.wanted(row):
                continue
            is_disputed = bool(row.get("disputed"))
            if (rule is DisputedRule.ONLY and not is_disputed) or (
                rule is DisputedRule.HIDE and is_disputed
            ):
                disputed_hidden += 1
                continue
            disputed_count += is_disputed
            info = infos[row["scope_id"]]
            rows.append(
                {
                    **{k: row[k] for k in MEMBER_FIELDS if k in row},
                    "scope": info.label,
                    "via": info.label if row["scope_id"] != scope_id else None,
                    "_start": span.start,
                }
            )
        return rows, disputed_count, disputed_hidden


def _ordered(rows: list[Row], history: bool) -> list[Row]:
    """By country, scope and start with `history`; else by status, role, country, start."""
    if history:
        return sorted(rows, key=lambda r: (r["country"], r["scope"], r["_start"] or dt.date.min))
    return sorted(
        rows,
        key=lambda r: (
            status_rank_of(r["status"]),
            role_rank_of(r["role"]),
            r["country"],
            r["_start"] or dt.date.min,
        ),
    )


def _overruled(overruled: list[Row], infos: dict[int, Any]) -> list[Row]:
    """The countries a claim lists against the answer, by country, with their scope's label."""
    return [
        {
            "country": o["country"],
            "iso3": o["iso3"],
            "scope": infos[o["scope_id"]].label,
            "disputed": o["disputed"],
        }
        for o in sorted(overruled, key=lambda o: o["country"])
    ]


def _ended_text(session: Reader, scope_id: int, infos: dict[int, Any]) -> str | None:
    """The alliance's `ended` as written (a pillar's: its alliance's)."""
    a = t.alliances.c
    alliance_scope = infos[scope_id].alliance_scope_id
    text = session.execute(select(a.ended).where(a.scope_id == alliance_scope)).scalar()
    return text or None


def answer_segments(
    spans: Sequence[Span[Row]], context: ScopeContext, *, overruled: bool = False
) -> Iterator[tuple[dt.date | None, dt.date | None, Span[Row], Row]]:
    """The answer of every country in every scope of `spans` as it changes over time:
    (first day, last day, record, row) for each stretch of days over which `decide` and
    the row's currency give the same answer (None: open). A browse snapshot stores them,
    so that "who was in S on D" is a range query that answers as `members` does.

    With `overruled`, also the stretches in which the answer is "never in" while a claim
    says "in" (`members`' `overruled`): the country's first record, and a row with
    `_synthetic`, no status and the claims in `disputed` (the panels' `disputed`)."""
    groups: dict[tuple[Any, Any], list[Span[Row]]] = {}
    for span in spans:
        groups.setdefault(span.chain[:2], []).append(span)  # type: ignore[index]
    one = dt.timedelta(days=1)
    for (_, scope_id), group in groups.items():
        claimants = context.claimants.get(scope_id, frozenset())
        ended = context.ended.get(scope_id)
        changes: set[dt.date] = set()
        for s in group:
            ends = (s.end, s.evidence.confirmed_upper, s.to_upper)
            changes.update(d + one for d in ends if d is not None and d < dt.date.max)
            if s.start is not None:
                changes.add(s.start)
        for key in claimants | {s.payload["claim"] for s in group if s.payload["claim"]}:
            window = context.coverage.get(key)
            if window is not None and window.first is not None:
                changes.add(window.first)
            if window is not None and window.last is not None:
                changes.add(window.last + one)
        if ended is not None:
            changes.add(ended + one)
        starts = sorted(d for d in changes if d > dt.date.min)
        firsts: list[dt.date | None] = [None, *starts]
        for i, first in enumerate(firsts):
            last = starts[i] - one if i < len(starts) else None
            day = first if first is not None else (starts[0] - one if starts else today())
            decision = decide(
                group, day, claimants=claimants, coverage=context.coverage, ended=ended
            )
            made = _answer_row(decision, day, scope_id, context)
            if made is not None:
                yield first, last, made[0], made[1]
            elif overruled and decision.disputed:
                p = group[0].payload
                row = {"country": p["country"], "iso3": p["iso3"], "scope_id": scope_id,
                       "status": None, "obligations": [], "_synthetic": True,
                       "disputed": list(decision.disputed)}  # fmt: skip
                yield first, last, group[0], row
