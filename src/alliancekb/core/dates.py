"""EDTF dates (Library of Congress, level 0 and the qualifiers of level 1).

A date is kept as the text the analyst wrote plus the first and last day it can mean, so
that "valid as of D" is a plain range comparison. The qualifiers `?` (uncertain), `~`
(approximate) and `%` (both) do not widen the bounds: `2024-04~` spans April 2024, and
the qualifier stays visible in the text for the reader to weigh.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date
from typing import NamedTuple

_EDTF = re.compile(
    r"^(?P<year>\d{4}|\d{3}X|\d{2}XX)"
    r"(?:-(?P<month>\d{2}|XX)(?:-(?P<day>\d{2}|XX))?)?"
    r"(?P<qual>[?~%])?$"
)

SUPPORTED_FORMS = (
    "YYYY, YYYY-MM or YYYY-MM-DD, optionally ending in ~ (approximate), ? (uncertain) or %"
)


class EdtfError(ValueError):
    """The text is not an EDTF date of the supported forms."""


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class EdtfDate(NamedTuple):
    """An EDTF date with its bounds: the first and the last day it may mean."""

    text: str
    lower: date
    upper: date
    precision: str  # "year", "month" or "day"
    approximate: bool
    uncertain: bool

    def __str__(self) -> str:
        return self.text


@functools.lru_cache(maxsize=65536)
def parse_edtf(text: str) -> EdtfDate:
    """Parse an EDTF date such as `2024`, `2024-04~` or `2024-04-10?`; raise EdtfError.

    Cached: a load parses each date twice (the schema checks it, the loader takes its
    bounds) and dates repeat; the result is immutable (~210 bytes a date, its slots and
    its two `date`s: 65,536 dates, the days of 180 years, hold ~14 MB).
    """
    m = _EDTF.match(text.strip())
    if m is None:
        raise EdtfError(f"{text!r} is not an EDTF date ({SUPPORTED_FORMS})")
    year_s, month_s, day_s, qual = m.group("year", "month", "day", "qual")
    approximate = qual in ("~", "%")
    uncertain = qual in ("?", "%")
    if "X" in year_s:
        if month_s is not None:
            raise EdtfError(f"{text!r}: a year with unspecified digits cannot have a month")
        lo_year, hi_year = int(year_s.replace("X", "0")), int(year_s.replace("X", "9"))
        return EdtfDate(
            text.strip(),
            date(max(lo_year, 1), 1, 1),
            date(hi_year, 12, 31),
            "year",
            approximate,
            uncertain,
        )
    year = int(year_s)
    if year == 0:
        raise EdtfError(f"{text!r}: year 0000 is not supported")
    if month_s is None:
        return EdtfDate(
            text.strip(), date(year, 1, 1), date(year, 12, 31), "year", approximate, uncertain
        )
    if month_s == "XX":
        if day_s is not None and day_s != "XX":
            raise EdtfError(f"{text!r}: a day cannot follow an unspecified month")
        return EdtfDate(
            text.strip(), date(year, 1, 1), date(year, 12, 31), "year", approximate, uncertain
        )
    month = int(month_s)
    if not 1 <= month <= 12:
        raise EdtfError(f"{text!r}: month {month_s} does not exist")
    last = calendar.monthrange(year, month)[1]
    if day_s is None or day_s == "XX":
        return EdtfDate(
            text.strip(),
            date(year, month, 1),
            date(year, month, last),
            "month",
            approximate,
            uncertain,
        )
    day = int(day_s)
    if not 1 <= day <= last:
        raise EdtfError(f"{text!r}: day {day_s} does not exist in {year:04d}-{month:02d}")
    d = date(year, month, day)
    return EdtfDate(text.strip(), d, d, "day", approximate, uncertain)


def parse_as_of(text: str) -> date:
    """Read an `--as-of` style date: any EDTF date counts from its first day; `today` works."""
    if text.strip().lower() == "today":
        from alliancekb.core.clock import today

        return today()
    return parse_edtf(text).lower


#: A date field's explicit "not known" (the load format's `unknown`): text, but no bounds.
UNKNOWN_DATE = "unknown"


def dated_columns(
    column: str, bounds: str, text: str | None, *, absent: str | None = ""
) -> dict[str, str | date | None]:
    """The three stored columns of one dated field, from its EDTF text (None: not known).

    `dated_columns("from_text", "from", "2024-06~")` is `{"from_text": "2024-06~",
    "from_lower": 2024-06-01, "from_upper": 2024-06-30}`; not known is `absent` (`""`
    by default: a text column taking part in natural keys must hold no NULL) and two NULL
    bounds, as is `unknown`. One helper so that a dated column's text and its bounds are
    never written apart.
    """
    parsed = parse_edtf(text) if text and text != UNKNOWN_DATE else None
    return {
        column: text or absent,
        f"{bounds}_lower": parsed.lower if parsed is not None else None,
        f"{bounds}_upper": parsed.upper if parsed is not None else None,
    }
