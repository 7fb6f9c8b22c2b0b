"""`conflicts`: where the sources disagree about a membership, or about an office.

A membership may be claimed by the knowledge base's own record (a treaty, a government
page) and by datasets (COW, ATOP), each claim a chain of its own (`query.facts`). For every
country in a scope, the claimants' in-force spells are compared:

- `missing`: one claimant has the country as a member on dates another claimant covers
  (its coverage window, and it codes the same scope) without listing it;
- `start` / `end`: both list it, but the first day in, or the last day in, differ beyond
  the precision of the dates (`1955` and `1955-05-06` agree); an exit recorded after
  another dataset's coverage, which leaves the member open, is an `end` too (its
  presumption that the membership goes on is overruled);
- `gap`: one claimant has the member out between two spells (Syria 1958–61, in the
  United Arab Republic) while another has it in then;
- `obligation`: two datasets code a different obligation on one that both code
  (defense, neutrality, nonaggression).

Each row names the sources and their values; where a difference is a known convention
(ATOP dates entry by signature, others by entry into force), `note` says so. Offices
whose holders a dataset (Wikidata) claims are compared too (`query.offices`): `scope` is
then the office's title, `country` whom it serves, and the kinds are `holder` (the
claimants have different holders when one's holder takes office), `start` and `end`
(the same holder's term dated differently).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, select, true

from alliancekb.core.evidence import Span, edtf_or_none
from alliancekb.core.formats import Row
from alliancekb.core.vocab import Obligation, SourceKind, Status
from alliancekb.query.common import scope_infos
from alliancekb.query.facts import membership_spans, position_spans
from alliancekb.query.offices import position_conflicts
from alliancekb.query.precedence import Coverage
from alliancekb.store import tables as t
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The JSON field names of a conflict row, in order.
CONFLICT_FIELDS = ("scope", "country", "iso3", "kind", "values", "note")
#: Obligations both COW and ATOP code: a difference on one of these is a disagreement.
SHARED_OBLIGATIONS = (Obligation.DEFENSE, Obligation.NEUTRALITY, Obligation.NONAGGRESSION)
#: Statuses that say the country is in (a spell to compare).
_IN = frozenset({Status.IN_FORCE, Status.SUSPENDED})
_OWN = ""
_ONE_DAY = dt.timedelta(days=1)


@dataclass
class ConflictsResult:
    """Disagreements between sources, of one scope (`scope`) or all, one country or all."""

    scope: str | None
    country: str | None
    rows: list[Row] = field(repr=False)


@dataclass
class Claim:
    """One claimant's view of a country in a scope: its in-force spells and obligations."""

    name: str
    spells: list[Span[Row]]
    obligations: set[str]

    @property
    def start(self) -> Span[Row]:
        return self.spells[0]

    @property
    def end(self) -> Span[Row]:
        return self.spells[-1]


def conflicts(
    session: Reader, scope: str | None = None, country: str | None = None
) -> ConflictsResult:
    """Every place where the sources disagree about a membership, by scope and country."""
    where: ColumnElement[bool] = true()
    scope_label = country_label = None
    if scope is not None:
        ref = load_index(session, SCOPE_KINDS).resolve(scope, SCOPE_KINDS)
        where = and_(where, t.memberships.c.scope_id == ref.scope_id)
        scope_label = ref.label
    if country is not None:
        cref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        where = and_(where, t.memberships.c.country_id == cref.id)
        country_label = cref.label
    coverage = _coverages(session)
    infos = scope_infos(session)
    spans = membership_spans(session, where)
    by_pair: dict[tuple[Any, Any], dict[str, list[Span[Row]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    claimants_of_scope: dict[Any, set[str]] = defaultdict(set)
    for span in spans:
        payload = span.payload
        claim = payload.get("claim") or _OWN
        claimants_of_scope[payload["scope_id"]].add(claim)
        by_pair[span.chain[:2]][claim].append(span)  # type: ignore[index]
    rows: list[Row] = []
    for (_, scope_id), claims in by_pair.items():
        label = infos[scope_id].label
        found = {
            name: Claim(name, [s for s in chain if s.payload["status"] in _IN], _coded(chain))
            for name, chain in claims.items()
        }
        first = next(iter(claims.values()))[0].payload
        for kind, values, note in _disagreements(found, claimants_of_scope[scope_id], coverage):
            rows.append(
                {
                    "scope": label,
                    "country": first["country"],
                    "iso3": first["iso3"],
                    "kind": kind,
                    "values": values,
                    "note": note,
                }
            )
    if scope is None:
        rows.extend(_office_rows(session, country))
    rows.sort(key=lambda r: (r["scope"], r["country"], CONFLICT_KINDS.index(r["kind"])))
    return ConflictsResult(scope_label, country_label, rows)


#: A membership's kinds of disagreement, then an office's (`query.offices`).
CONFLICT_KINDS = ("missing", "start", "end", "gap", "obligation", "holder")


def _office_rows(session: Reader, country: str | None) -> Iterator[Row]:
    """Where the claimants of an office disagree: `scope` is the office's title,
    `country` whom it serves."""
    where: ColumnElement[bool] = t.positions.c.claim != _OWN
    if country is not None:
        cref = load_index(session, {Kind.COUNTRY}).resolve(country, {Kind.COUNTRY})
        where = and_(where, t.positions.c.country_id == cref.id)
    for payload, kind, values in position_conflicts(position_spans(session, where)):
        yield {
            "scope": payload["title"],
            "country": payload["for"],
            "iso3": payload["country"],
            "kind": kind,
            "values": values,
            "note": None,
        }


def _coverages(session: Reader) -> dict[str, Coverage]:
    """Each dataset source's coverage window, by key."""
    out: dict[str, Coverage] = {}
    source = t.sources.c
    for key, first, last in session.execute(
        select(source.key, source.covers_from_lower, source.covers_to_upper).where(
            source.kind == SourceKind.DATASET
        )
    ):
        out[key] = Coverage(first, last)
    return out


def _coded(chain: Iterable[Span[Row]]) -> set[str]:
    return {o for span in chain for o in span.payload["obligations"]}


def _label(claim: Claim) -> str:
    """How a claimant is named in `values`: a dataset by its key, the knowledge base's own
    record by the sources it cites."""
    if claim.name != _OWN:
        return claim.name
    return ", ".join(sorted({k for s in claim.spells for k in s.payload["sources"]})) or "own"


def _disagreements(
    claims: dict[str, Claim], claimants: set[str], coverage: dict[str, Coverage]
) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """Every disagreement between the claimants of one country in one scope."""
    names = sorted(claims, key=lambda n: (n != _OWN, n))
    yield from _missing(claims, names, claimants, coverage)
    listed = [claims[n] for n in names if claims[n].spells]
    yield from _starts(listed)
    yield from _ends(listed, coverage)
    yield from _gaps(listed, coverage)
    yield from _obligation_codes(listed)


def _missing(
    claims: dict[str, Claim], names: list[str], claimants: set[str], coverage: dict[str, Coverage]
) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """Listed by one claimant on days another dataset covers without listing it."""
    for name in sorted(claimants - set(claims)):
        window = coverage.get(name)
        if window is None:
            continue
        for other in names:
            spell = next((s for s in claims[other].spells if _overlaps(s, window)), None)
            if spell is None:
                continue
            days = [d for d in (spell.start, window.first) if d is not None]
            first_day = max(days) if days else None
            values = {
                _label(claims[other]): f"member from {spell.payload['from'] or '?'}",
                name: "not listed"
                + (f" (covers to {window.last.isoformat()})" if window.last else ""),
            }
            note = f"{name} codes this alliance but not this member on dates it covers" + (
                f" (from {first_day.isoformat()})" if first_day else ""
            )
            yield "missing", values, note
            break


def _starts(listed: list[Claim]) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    starts = [c.start.payload["from"] for c in listed]
    if any(_differ(a, b) for a in starts for b in starts):
        begun: dict[str, Any] = {_label(c): f for c, f in zip(listed, starts, strict=True)}
        yield "start", begun, _start_note(listed)


def _ends(
    listed: list[Claim], coverage: dict[str, Coverage]
) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    ends = [_end_text(c) for c in listed]
    if any(_ends_differ(a, b, coverage) for a in listed for b in listed):
        ended: dict[str, Any] = {_label(c): e for c, e in zip(listed, ends, strict=True)}
        yield "end", ended, _end_note(ends)
        return
    # An exit recorded after another dataset's coverage, which leaves the member open: not
    # a contradiction of its evidence, but its presumption that the membership goes on.
    for closed in listed:
        last = edtf_or_none(_end_text(closed))
        if last is None:
            continue
        for open_claim in listed:
            window = coverage.get(open_claim.name)
            if (
                _end_text(open_claim) is None
                and window is not None
                and window.last is not None
                and last.lower > window.last
            ):
                values = {
                    _label(closed): _end_text(closed),
                    _label(open_claim): f"open (covers to {window.last.isoformat()})",
                }
                note = (
                    f"after {open_claim.name}'s coverage: the exit overrules its presumption "
                    "that the membership goes on"
                )
                yield "end", values, note
                return


def _gaps(
    listed: list[Claim], coverage: dict[str, Coverage]
) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """A claimant out between two of its spells while another has the member in then."""
    for claim in listed:
        for before, after in itertools.pairwise(claim.spells):
            if before.end is None or after.start is None:
                continue
            gap = (before.end + _ONE_DAY, after.start - _ONE_DAY)
            if gap[0] > gap[1]:
                continue
            for other in listed:
                if other is claim:
                    continue
                window = coverage.get(other.name, Coverage(None, None))
                if not (window.covers(gap[0]) or window.covers(gap[1])):
                    continue
                if any(_spans_days(s, *gap) for s in other.spells):
                    values = {
                        _label(claim): f"out {gap[0].isoformat()} to {gap[1].isoformat()}",
                        _label(other): "member then",
                    }
                    yield (
                        "gap",
                        values,
                        (
                            f"{claim.name or 'the own record'} has the member out between two "
                            "spells; the other source has it in"
                        ),
                    )
                    break


def _spans_days(span: Span[Row], first: dt.date, last: dt.date) -> bool:
    return (span.start is None or span.start <= last) and (span.end is None or span.end >= first)


def _obligation_codes(listed: list[Claim]) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    datasets = [c for c in listed if c.name != _OWN]
    coded = {c.name: sorted(o for o in c.obligations if o in SHARED_OBLIGATIONS) for c in datasets}
    if len({tuple(v) for v in coded.values()}) > 1:
        yield "obligation", coded, "the datasets code different obligations for this member"


def _overlaps(span: Span[Row], window: Coverage) -> bool:
    starts_before_window_ends = (
        window.last is None or span.start is None or span.start <= window.last
    )
    ends_after_window_starts = window.first is None or span.end is None or span.end >= window.first
    return starts_before_window_ends and ends_after_window_starts


def _differ(a: str | None, b: str | None) -> bool:
    """Whether two EDTF dates disagree beyond their precision (their spans do not meet)."""
    da, db = edtf_or_none(a), edtf_or_none(b)
    if da is None or db is None:
        return (da is None) != (db is None)
    return da.upper < db.lower or db.upper < da.lower


def _end_text(claim: Claim) -> str | None:
    end: str | None = claim.end.payload["to"]
    return end


def _ends_differ(a: Claim, b: Claim, coverage: dict[str, Coverage]) -> bool:
    end_a, end_b = _end_text(a), _end_text(b)
    if end_a is None and end_b is None:
        return False
    if end_a is None or end_b is None:
        # An open end and an end after the other claimant's coverage do not disagree.
        ended, open_claim = (a, b) if end_a is not None else (b, a)
        day = edtf_or_none(ended.end.payload["to"])
        window = coverage.get(open_claim.name)
        return not (day is not None and window is not None and window.last is not None
                    and day.lower > window.last)  # fmt: skip
    return _differ(end_a, end_b)


def _start_note(listed: list[Claim]) -> str | None:
    firsts = [(c.name, edtf_or_none(c.start.payload["from"])) for c in listed]
    own = next((d for n, d in firsts if n == _OWN), None)
    datasets = [(n, d) for n, d in firsts if n != _OWN and d is not None]
    earlier = [n for n, d in datasets if own is not None and _differ(d.text, own.text)]
    if (
        own is not None
        and earlier
        and all(d.upper < own.lower for n, d in datasets if n in earlier)
    ):
        return (
            f"known convention difference: {' and '.join(earlier)} "
            f"{'dates' if len(earlier) == 1 else 'date'} entry by the signature "
            "of the treaty or accession protocol, the knowledge base's record by entry into force"
        )
    for name, mine in firsts:
        others = [d for n, d in firsts if n != name and d is not None]
        if (
            name.startswith("atop")
            and mine
            and others
            and all(mine.upper < d.lower for d in others)
        ):
            return (
                "known convention difference: ATOP dates a member's entry by the signature of "
                "the treaty or accession protocol; the others by its entry into force"
            )
    return None


def _end_note(ends: list[str | None]) -> str | None:
    days = [d.lower for d in (edtf_or_none(e) for e in ends) if d is not None]
    if len(days) > 1 and (max(days) - min(days)).days <= 1:
        return "one day apart: the last day in, against the first day out"
    return None
