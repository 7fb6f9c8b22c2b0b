"""When sources disagree: the one rule that decides a country's place in a scope on a day.

A membership may be claimed by the knowledge base's own record (a treaty, a government
page: `claim` '') and by datasets (COW, ATOP: `claim` = the dataset's source key), each
claimant's records a chain of their own (`query.facts`). `decide` turns all of them, for
one country in one scope, into one answer for a day, and says who disagrees:

1. **The knowledge base's own record answers.** Where it has records for the country in
   the scope, the answer is the record of its chain that holds on the day (or none).
   Datasets that say otherwise make the answer *disputed*; they never change it.
2. **Between datasets** (no record of our own):
   - a dataset *speaks* on a day inside its coverage window when it codes the scope; it
     says *in* (a spell of it holds), or *out*: the country left (a recorded exit), is not
     in yet, or is not listed at all;
   - a recorded exit ends the membership, unless a spell that starts after that exit
     holds on the day (a later claim re-establishes it);
   - entry into force, not signature, decides "member on day D": between *in* and *not
     in yet*, the dataset that dates by entry into force answers (COW before ATOP,
     `DATASET_PRECEDENCE`);
   - a dataset that covers the scope and does not list the country disputes the others.
3. **A claim is evidence only inside its source's coverage window.** Past it a dataset
   says what it said on its last day, presumed at most (its `confirmed` is the coverage
   end), and it decides only where no dataset speaks with current evidence: of the
   stale ones, the one whose coverage ends last. A stale dataset does not dispute what
   began after its coverage, nor an exit recorded after it.

An alliance that **ended** (dissolved) has no members after its last day: the answer is
none, with the records that held then as `ended`; a claim that holds later is disputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from alliancekb.core.datasets import DATASETS
from alliancekb.core.evidence import Span
from alliancekb.core.formats import Row
from alliancekb.core.vocab import Status

#: Datasets in the order their dates are preferred, by the start of their source key: the
#: order of `core.datasets.DATASETS` (COW dates a membership from its entry into force, as
#: treaties and governments do; ATOP from the signature of the treaty or accession
#: protocol). Any other dataset follows, by key.
DATASET_PRECEDENCE = tuple(d.name for d in DATASETS)

#: Statuses that say the country is in (on paper at least: suspended counts).
IN_STATUSES = frozenset({Status.IN_FORCE, Status.SUSPENDED})


def claim_precedence(claim: str | None) -> int:
    """A claim's rank: 0 for the knowledge base's own record, then the datasets of
    `DATASET_PRECEDENCE`, then any other."""
    if not claim:
        return 0
    for rank, prefix in enumerate(DATASET_PRECEDENCE):
        if claim.startswith(prefix):
            return 1 + rank
    return 1 + len(DATASET_PRECEDENCE)


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Coverage(NamedTuple):
    """A dataset's coverage window (first and last day), open where unknown."""

    first: dt.date | None = None
    last: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


class Says(StrEnum):
    """What one claimant says of a country in a scope on a day."""

    IN = "in"
    EXIT = "exit"
    NOT_YET = "not-yet"
    UNLISTED = "unlisted"


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class View(NamedTuple):
    """One dataset's view on a day: what it says, from which record, read on which day."""

    claim: str
    says: Says
    #: The record that holds (IN), ended last (EXIT) or starts first (NOT_YET).
    span: Span[Row] | None
    #: The day it is read on: the day asked, or its coverage's last day (`stale`).
    read_on: dt.date
    stale: bool
    coverage: Coverage

    @property
    def member(self) -> bool:
        return self.says is Says.IN

    def text(self) -> str:
        """What it says, in words (`disputed`)."""
        p = self.span.payload if self.span is not None else {}
        if self.says is Says.IN:
            said = f"member from {p.get('from') or '?'}"
            if p.get("to"):
                said += f" to {p['to']}"
        elif self.says is Says.EXIT:
            said = f"member until {_last_day(self.span)}"
        elif self.says is Says.NOT_YET:
            said = f"member only from {p.get('from') or '?'}"
        else:
            said = "does not list it"
        if self.coverage.last is not None and (self.stale or self.says is Says.UNLISTED):
            said += f" (covers to {self.coverage.last.isoformat()})"
        return f"{self.claim}: {said}"


def _last_day(span: Span[Row] | None) -> str:
    if span is None or span.end is None:
        return "?"
    to = span.payload.get("to")
    return str(to) if to and span.replaced_by is None else span.end.isoformat()


@dataclass
class Decision:
    """The answer for one country in one scope on one day."""

    #: The record that answers (its status may be any), or None: not in the scope.
    answer: Span[Row] | None
    #: Whether the answer says the country is in (in force or suspended).
    member: bool
    #: When the answer is None: the record that held last before the day, if any (the
    #: country left, or the alliance ended), and its last day.
    ended: Span[Row] | None = None
    ended_on: dt.date | None = None
    #: Whether the scope's alliance had been dissolved by the day.
    dissolved: bool = False
    #: The claimants that disagree with the answer: "key: what it says".
    disputed: list[str] = field(default_factory=list)
    #: The records that agree with the answer (evidence, sources, obligations).
    agreeing: list[Span[Row]] = field(default_factory=list)


def _claim(span: Span[Row]) -> str:
    return str(span.payload.get("claim") or "")


def _view(claim: str, spans: Sequence[Span[Row]], day: dt.date, coverage: Coverage) -> View | None:
    if coverage.first is not None and day < coverage.first:
        return None
    stale = coverage.last is not None and day > coverage.last
    read_on = coverage.last if stale and coverage.last is not None else day
    holding = next((s for s in spans if s.answers(read_on)), None)
    if holding is not None:
        return View(claim, Says.IN, holding, read_on, stale, coverage)
    ended = [s for s in spans if s.end is not None and s.end < read_on]
    if ended:
        last = max(ended, key=lambda s: s.end or dt.date.min)
        return View(claim, Says.EXIT, last, read_on, stale, coverage)
    if spans:
        first = min(spans, key=lambda s: s.start or dt.date.min)
        return View(claim, Says.NOT_YET, first, read_on, stale, coverage)
    return View(claim, Says.UNLISTED, None, read_on, stale, coverage)


def _by_rank(views: Sequence[View]) -> list[View]:
    return sorted(views, key=lambda v: (claim_precedence(v.claim), v.claim))


def _end_of(view: View) -> dt.date | None:
    """The last day of a view's record, if it has one."""
    return view.span.end if view.span is not None else None


def _deciding(views: Sequence[View]) -> list[View]:
    """The views that decide: those read on the day asked, else the latest stale ones."""
    current = [v for v in views if not v.stale]
    if current:
        return current
    latest = max((v.read_on for v in views), default=None)
    return [v for v in views if v.read_on == latest]


def _leaver(exits: Sequence[View]) -> View | None:
    """The exit that ends last."""
    return max(exits, key=lambda v: _end_of(v) or dt.date.min, default=None)


def _datasets_decide(views: Sequence[View]) -> tuple[View | None, bool, dt.date | None]:
    """(the view that answers, member?, the exit that ends it) among the deciding views."""
    pool = _deciding(views)
    if not pool:
        return None, False, None
    ins = _by_rank([v for v in pool if v.member])
    exits = [v for v in pool if v.says is Says.EXIT and _end_of(v)]
    last_exit = max((end for v in exits if (end := _end_of(v))), default=None)
    if not ins:
        return _leaver(exits), False, last_exit
    if len(ins) == len(pool):
        return ins[0], True, None
    if last_exit is not None:
        again = [v for v in ins if v.span and v.span.start and v.span.start > last_exit]
        if not again:
            return _leaver(exits), False, last_exit
        ins = again
    contenders = _by_rank([*ins, *(v for v in pool if v.says is Says.NOT_YET)])
    top = contenders[0]
    return (top, True, None) if top.member else (top, False, None)


def decide(
    spans: Sequence[Span[Row]],
    day: dt.date,
    *,
    claimants: Collection[str] = (),
    coverage: Mapping[str, Coverage] | None = None,
    ended: dt.date | None = None,
) -> Decision:
    """The answer for one country in one scope on `day`, from every claimant's records.

    `spans`: every record of the country in the scope, chains resolved per claimant.
    `claimants`: the datasets that code the scope (a dataset that does not list the
    country speaks too). `coverage`: each dataset's window. `ended`: the last day of the
    scope's alliance, if it was dissolved.

    In steps: the own record answers if there is one (`_own_decision`), else the
    datasets decide (`_datasets_decision`); then every dataset's view agrees or disputes
    (`_weigh`).
    """
    coverage = coverage or {}
    if ended is not None and day > ended:
        return _dissolved(spans, day, claimants=claimants, coverage=coverage, ended=ended)
    by_claim: dict[str, list[Span[Row]]] = {}
    for span in spans:
        by_claim.setdefault(_claim(span), []).append(span)
    own = by_claim.pop("", [])
    datasets = sorted({*by_claim, *claimants})
    views = [
        v
        for k in datasets
        if (v := _view(k, by_claim.get(k, []), day, coverage.get(k, Coverage()))) is not None
    ]
    decision, out_since = _own_decision(own, day) if own else _datasets_decision(views)
    _weigh(decision, views, out_since)
    return decision


def _own_decision(own: Sequence[Span[Row]], day: dt.date) -> tuple[Decision, dt.date | None]:
    """The own record's answer, and since when the country is out (if it left)."""
    answer = next((s for s in own if s.answers(day)), None)
    member = answer is not None and answer.payload.get("status") in IN_STATUSES
    decision = Decision(answer, member)
    if answer is not None:
        return decision, None
    before = [s for s in own if s.end is not None and s.end < day]
    if not before:
        return decision, None
    last = max(before, key=lambda s: s.end or dt.date.min)
    decision.ended, decision.ended_on = last, last.end
    return decision, last.end


def _datasets_decision(views: Sequence[View]) -> tuple[Decision, dt.date | None]:
    """The datasets' answer (no own record), and since when the country is out."""
    chosen, member, exit_day = _datasets_decide(views)
    if member and chosen is not None:
        # The dates come from the claimant first in precedence among those that agree
        # (entry into force over signature), stale or not.
        first = _by_rank([v for v in views if v.member])[0]
        return Decision(first.span, True), None
    decision = Decision(None, False)
    if chosen is not None and chosen.says is Says.EXIT and chosen.span is not None:
        decision.ended, decision.ended_on = chosen.span, chosen.span.end
    return decision, exit_day


def _weigh(decision: Decision, views: Sequence[View], out_since: dt.date | None) -> None:
    """Each view agrees with the decision (its record kept as evidence) or disputes it
    (unless it is stale and differs only by what happened after its coverage)."""
    for view in views:
        if view.member == decision.member:
            if view.member and view.span is not None and view.span is not decision.answer:
                decision.agreeing.append(view.span)
            continue
        if view.stale and _explained_after(view, decision, out_since):
            continue
        decision.disputed.append(view.text())
    if decision.answer is not None:
        decision.agreeing.insert(0, decision.answer)


def _explained_after(view: View, decision: Decision, out_since: dt.date | None) -> bool:
    """Whether a stale view differs only by what happened after its coverage ended."""
    if view.member:  # it says in; the answer says out: because of a later exit?
        return out_since is not None and out_since > view.read_on
    # it says out; the answer says in: because the membership began after its coverage?
    start = decision.answer.start if decision.answer is not None else None
    return start is not None and start > view.read_on


def _dissolved(
    spans: Sequence[Span[Row]],
    day: dt.date,
    *,
    claimants: Collection[str],
    coverage: Mapping[str, Coverage],
    ended: dt.date,
) -> Decision:
    """After the alliance's last day: no member; those of its last day ended with it."""
    last = decide(spans, ended, claimants=claimants, coverage=coverage)
    decision = Decision(None, False, dissolved=True)
    if last.member and last.answer is not None:
        decision.ended, decision.ended_on = last.answer, ended
        if last.answer.end is not None and last.answer.end < ended:
            decision.ended_on = last.answer.end
    elif last.ended is not None:
        decision.ended, decision.ended_on = last.ended, last.ended_on
    after = [s for s in spans if s.answers(day) and s.payload.get("status") in IN_STATUSES]
    for span in after:
        claim = _claim(span) or "own record"
        decision.disputed.append(
            f"{claim}: member from {span.payload.get('from') or '?'} "
            f"(after the alliance ended on {ended.isoformat()})"
        )
    return decision
