"""Truth over time: evidence dates, chains of records, and the currency of an answer.

These are the rules every read follows (no database here; `query.facts` feeds them rows).

**Evidence.** A membership or a position is supported by its cited sources. Its
`confirmed` date is the newest date at which a source supports it: the newest cited
source's publication date (a source without one, such as a continually updated page,
gives no evidence date: the day it was read is not the day its text was written; a
dataset's is the end of its coverage), or an explicit `confirmed` on the record when a
source restates the fact later. Its *earliest
evidence* is the oldest such date.

**Validity.** A record starts on the first day of its `from`; with no `from` it starts at
its earliest evidence (it never answers for a date before anything supported it). Its own
`to` includes its last day at its precision (`to: 1986` runs through 1986-12-31).

**Chains.** Records of one chain (a country in one scope; one office) are ordered by
start; a later record ends the earlier one the day before it starts, unless the earlier
one's own `to` ends it sooner. So at most one record of a chain answers any date.

**Currency.** For the date D a record answers (or, for a record that ended before D, its
last day):
- `known`: D lies within the evidence: on or before `confirmed` (at its precision), or
  within a recorded `to`;
- `presumed`: past the evidence, for a durable fact (an `in-force`, `suspended`, `ended`
  or `declined` membership), which is presumed to continue, as COW right-censors;
- `unconfirmed`: past the evidence, for a transitional fact (`announced`, `expected`,
  `under-consultation`, `proposed`): only the last thing known, not a current fact.

**Offices.** A holder with no known end is *presumed* in office for a stated horizon past
the newest evidence, `unconfirmed` after it (`office_horizon`): to the scheduled end of a
fixed term where the office has one and the term's start is known (`FIXED_TERMS`: a US
President's four years, a Philippine President's six), otherwise `OFFICE_HORIZON_MONTHS`
(12) after the newest evidence: a cabinet post, an ambassadorship or a head of
government changes at any time, and a year without a source mentioning the holder is
long enough to stop presuming.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from alliancekb.core.dates import EdtfDate, EdtfError, parse_edtf
from alliancekb.core.vocab import Status


class Currency(StrEnum):
    """How far the evidence carries an answer on the date asked."""

    KNOWN = "known"
    PRESUMED = "presumed"
    UNCONFIRMED = "unconfirmed"


#: Membership statuses presumed to continue past their evidence.
DURABLE_STATUSES = frozenset({Status.IN_FORCE, Status.SUSPENDED, Status.ENDED, Status.DECLINED})

_ONE_DAY = dt.timedelta(days=1)


def edtf_or_none(text: str | None) -> EdtfDate | None:
    """A stored EDTF text parsed, or None for '' / `unknown` / anything unparsable."""
    if not text:
        return None
    try:
        return parse_edtf(text)
    except EdtfError:
        return None


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Evidence(NamedTuple):
    """What the cited sources say about when a fact held."""

    #: The newest evidence date as written (EDTF), None when no source is dated.
    confirmed: str | None = None
    #: Its last day: the evidence covers every date up to it.
    confirmed_upper: dt.date | None = None
    #: The first day of the oldest evidence date.
    earliest: dt.date | None = None


def source_date(published: str | None, covers_to: str | None = None) -> EdtfDate | None:
    """The date a source supports its facts: the end of a dataset's coverage (COW: 2012),
    else its publication date; None when neither is known.

    Not the day it was read: an undated page read today may be a revision of years ago, or
    a document of 1954, and would carry its facts to today. A record whose source restates
    a fact later says so with an explicit `confirmed`. A dataset's membership with no exit
    is "ongoing at the end of coverage": the evidence stops there, whatever the release date.
    """
    return edtf_or_none(covers_to) or edtf_or_none(published)


def evidence(dates: Iterable[EdtfDate | None], explicit: str | None = None) -> Evidence:
    """The evidence of a fact from its cited sources' dates and its explicit `confirmed`."""
    known = [d for d in dates if d is not None]
    stated = edtf_or_none(explicit)
    candidates = [*known, stated] if stated is not None else known
    if not candidates:
        return Evidence()
    newest = max(candidates, key=lambda d: (d.upper, d.lower))
    return Evidence(newest.text, newest.upper, min(d.lower for d in candidates))


T = TypeVar("T")


@dataclass
class Span(Generic[T]):
    """One record of a chain as the rules see it, with the payload it came from."""

    payload: T
    #: The chain it belongs to (country and scope; an office).
    chain: Hashable
    #: The first day of `from`, or None when unknown.
    from_lower: dt.date | None
    #: `from` as written ('' when unknown): orders records of the same start day.
    from_text: str
    #: The last day of its own `to`, None when no end is recorded.
    to_upper: dt.date | None
    evidence: Evidence
    durable: bool
    #: A tie-break among records of the same chain and start (role, title...).
    order: str = ""
    #: Filled by `resolve_chains`: the first day it answers (None = since always) ...
    start: dt.date | None = field(default=None, init=False)
    #: ... and the last (None = not known to have ended).
    end: dt.date | None = field(default=None, init=False)
    #: The record that ends it, if a later one of its chain does.
    replaced_by: Span[T] | None = field(default=None, init=False, repr=False)
    #: Past its evidence, presumed to hold up to this day and unconfirmed after it
    #: (offices: `office_horizon`); None: `durable` decides.
    horizon: dt.date | None = None

    def answers(self, day: dt.date) -> bool:
        """Whether this record answers for `day` (after `resolve_chains`)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def currency(self, day: dt.date) -> Currency:
        """How far the evidence carries this record on `day` (its last day, if it ended)."""
        if self.end is not None and self.end < day:
            day = self.end
        confirmed = self.evidence.confirmed_upper
        if (confirmed is not None and day <= confirmed) or (
            self.to_upper is not None and day <= self.to_upper
        ):
            return Currency.KNOWN
        if self.horizon is not None:
            return Currency.PRESUMED if day <= self.horizon else Currency.UNCONFIRMED
        return Currency.PRESUMED if self.durable else Currency.UNCONFIRMED


#: Offices with a fixed term (normalised title -> years), from the term's first day.
#: The US President: four years (US Constitution, Article II, Section 1, and the 20th
#: Amendment: the term ends at noon on 20 January). The Philippine President: six years
#: (1987 Constitution, Article VII, Section 4).
FIXED_TERMS = {
    "president of the united states": 4,
    "president of the philippines": 6,
}

#: How long a holder of an office without a fixed term is presumed in office past the
#: newest evidence.
OFFICE_HORIZON_MONTHS = 12


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def office_horizon(
    normalized_title: str, from_lower: dt.date | None, confirmed_upper: dt.date | None
) -> tuple[dt.date | None, str]:
    """The last day a holder is presumed in office, and the rule that says so.

    A fixed term's scheduled end where the office has one and the term's start is known;
    else `OFFICE_HORIZON_MONTHS` after the newest evidence; (None, '') without evidence.
    """
    years = FIXED_TERMS.get(normalized_title)
    if years is not None and from_lower is not None:
        end = _plus_years(from_lower, years)
        if confirmed_upper is None or end >= confirmed_upper:
            return end, f"the {years}-year term from {from_lower.isoformat()}"
    if confirmed_upper is None:
        return None, ""
    return (
        _plus_years(confirmed_upper, 1),
        f"{OFFICE_HORIZON_MONTHS} months after the newest evidence",
    )


def resolve_chains(spans: Sequence[Span[T]]) -> list[Span[T]]:
    """Give every span its start and end under the chain rule; the spans in chain order."""
    for span in spans:
        span.start = span.from_lower if span.from_lower is not None else span.evidence.earliest
        span.end = span.to_upper
        span.replaced_by = None
    ordered = sorted(
        spans,
        key=lambda s: (
            repr(s.chain),
            s.start is not None,
            s.start or dt.date.min,
            s.from_text,
            s.order,
        ),
    )
    for earlier, later in itertools.pairwise(ordered):
        if earlier.chain != later.chain:
            continue
        if later.start is None:  # both since always: the later in order replaces at once
            cut: dt.date | None = dt.date.min
        else:
            cut = later.start - _ONE_DAY if later.start > dt.date.min else dt.date.min
        if earlier.end is None or (cut is not None and cut < earlier.end):
            earlier.end = cut
            earlier.replaced_by = later
    return ordered
