"""When sources disagree about an office: who holds it on a day, and where the claims differ.

A position may be the knowledge base's own record (`claim` '') or a dataset's claim
(Wikidata: `claim` = `wikidata`); each claimant's records of an office form a chain of
their own (`query.facts.position_spans`). For an office on a day:

1. Of the claimants whose chain has a holder on the day, the one whose evidence carries
   that holder furthest answers: `known` before `presumed` before `unconfirmed`
   (`core.evidence`: an office holder is presumed for a horizon past the newest evidence).
2. Between equally current claims, the knowledge base's own record answers, then the
   datasets in the order of `core/datasets.py` (`precedence.claim_precedence`).
3. The other claimants' holders that day make the answer `disputed` (a different holder,
   or the same one with a different start); they never change it.

So a record of the knowledge base's own answers for as long as its sources carry it,
and a fresher claim (Wikidata retrieved this month) answers where they no longer do,
saying that the own record disagreed. `position_conflicts` lists, per office, where the
claimants disagree at all (`conflicts`): a different start or end of the same holder's
term, or a different holder when one claimant's holder takes office.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence

from alliancekb.core.evidence import Currency, Span, edtf_or_none
from alliancekb.core.formats import Row
from alliancekb.query.precedence import claim_precedence

_CURRENCY_RANK = {Currency.KNOWN: 0, Currency.PRESUMED: 1, Currency.UNCONFIRMED: 2}
#: The kinds of disagreement about an office, in the order `conflicts` lists them.
OFFICE_CONFLICT_KINDS = ("holder", "start", "end")


def claimant(span: Span[Row]) -> str:
    """Who claims a position, as `disputed` and `conflicts` name it: the dataset's source
    key, or the own record's cited sources."""
    p = span.payload
    return str(p.get("claim") or ", ".join(p.get("sources") or []) or "knowledge base")


def _said(span: Span[Row]) -> str:
    p = span.payload
    said = f"{claimant(span)}: {p['name']}"
    if p.get("from"):
        said += f" from {p['from']}"
    if p.get("to"):
        said += f" to {p['to']}"
    return said


def _office(span: Span[Row]) -> Hashable:
    return span.payload["office"]  # type: ignore[no-any-return]


def _same_start(a: Span[Row], b: Span[Row]) -> bool:
    """Whether two starts agree within their precision (`2021` and `2021-10-04` do)."""
    x, y = edtf_or_none(a.payload.get("from")), edtf_or_none(b.payload.get("from"))
    if x is None or y is None:
        return x is None and y is None
    return x.lower <= y.upper and y.lower <= x.upper


def office_answers(spans: Sequence[Span[Row]], day: dt.date) -> list[tuple[Span[Row], list[str]]]:
    """The one holder of each office on `day` (spans answering it), with what the other
    claimants say against it; in the order of `spans`."""
    by_office: dict[Hashable, list[Span[Row]]] = defaultdict(list)
    for span in spans:
        if span.answers(day):
            by_office[_office(span)].append(span)
    chosen: dict[int, list[str]] = {}
    for holders in by_office.values():
        best = min(
            holders,
            key=lambda s: (
                _CURRENCY_RANK[s.currency(day)],
                claim_precedence(s.payload.get("claim")),
            ),
        )
        disputed = [
            _said(s)
            for s in holders
            if s is not best
            and (s.payload["official"] != best.payload["official"] or not _same_start(s, best))
        ]
        chosen[id(best)] = disputed
    return [(s, chosen[id(s)]) for s in spans if id(s) in chosen]


def position_conflicts(spans: Iterable[Span[Row]]) -> Iterator[tuple[Row, str, list[str]]]:
    """Where the claimants of an office disagree: (a position row of the office, kind,
    values), one per office, kind and pair of records."""
    by_office: dict[Hashable, dict[str, list[Span[Row]]]] = defaultdict(lambda: defaultdict(list))
    for span in spans:
        by_office[_office(span)][str(span.payload.get("claim") or "")].append(span)
    for claims in by_office.values():
        if len(claims) < 2:
            continue
        names = sorted(claims, key=claim_precedence)
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                yield from _pair(claims[first], claims[second])


def _pair(
    ours: Sequence[Span[Row]], theirs: Sequence[Span[Row]]
) -> Iterator[tuple[Row, str, list[str]]]:
    seen: set[tuple[str, str]] = set()
    for a in ours:
        for b in theirs:
            if a.payload["official"] != b.payload["official"]:
                continue
            if not _same_start(a, b):
                yield a.payload, "start", [_said(a), _said(b)]
            if _ends_differ(a, b):
                yield a.payload, "end", [_ends(a), _ends(b)]
    for later, other in ((b, ours) for b in theirs):
        yield from _holder(later, other, seen)
    for later, other in ((a, theirs) for a in ours):
        yield from _holder(later, other, seen)


def _holder(
    span: Span[Row], others: Sequence[Span[Row]], seen: set[tuple[str, str]]
) -> Iterator[tuple[Row, str, list[str]]]:
    """When `span`'s holder takes office, the other claimant has someone else in it."""
    if span.start is None:
        return
    for other in others:
        if other.answers(span.start) and other.payload["official"] != span.payload["official"]:
            pair = tuple(sorted((span.payload["official"], other.payload["official"])))
            if pair in seen:
                return
            seen.add((pair[0], pair[1]))
            yield span.payload, "holder", [_said(other), _said(span)]
            return


def _end_range(span: Span[Row]) -> tuple[dt.date, dt.date] | None:
    """The last day in office as the claimant says it, as a range of days at its
    precision: its `to`, or the day before its successor took office; None when open."""
    to = edtf_or_none(span.payload.get("to"))
    if to is not None:  # as the claimant says it, even where a successor's start cuts it
        return to.lower, to.upper
    return None if span.end is None else (span.end, span.end)


def _ends_differ(a: Span[Row], b: Span[Row]) -> bool:
    x, y = _end_range(a), _end_range(b)
    if x is None or y is None:
        return (x is None) != (y is None)
    return not (x[0] <= y[1] and y[0] <= x[1])


def _end_text(span: Span[Row]) -> str | None:
    to = span.payload.get("to")
    if to:
        return str(to)
    return None if span.end is None else span.end.isoformat()


def _ends(span: Span[Row]) -> str:
    end = _end_text(span)
    return f"{claimant(span)}: {span.payload['name']} " + (
        f"until {end}" if end else "with no end (in office)"
    )
