"""The units of a panel: the states of the COW state system, keyed by the codes asked for.

The universe is the crosswalk shipped with the importers (`load/datasets/cow_states.csv`):
every COW state system (v2016) code with the dates of each window in which it names one
country of the knowledge base (365 is the Russian Empire, then the USSR, then Russia). A
window's dates are the state's dates in the system; where COW records an interruption
(France 1942-1944) the crosswalk keeps one window, so the panel has rows in those years
(docs/panels.md).

A unit is what the codes asked for tell apart: with `cow`, one row per ccode (255 in 1871
is Prussia, then the German Reich: one state for COW); with `iso3`, one per country of
the knowledge base (DEU in 1990: COW 260, then 255); with both, one per pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from alliancekb.core.errors import UsageError
from alliancekb.load.datasets.crosswalk import states


class Code(StrEnum):
    """A country code system a panel can be keyed by."""

    COW = "cow"
    ISO3 = "iso3"


#: The default codes: both.
DEFAULT_CODES = (Code.COW, Code.ISO3)


class UnknownCodeError(UsageError):
    """A code system the panel does not have (exit 2)."""


def parse_codes(codes: Sequence[str] | None) -> tuple[Code, ...]:
    """The code systems asked for, in the order given, each once; UnknownCodeError otherwise.

    Gleditsch–Ward codes are refused with their reason: alliancekb ships no GW state list.
    """
    if not codes:
        return DEFAULT_CODES
    chosen: list[Code] = []
    for text in codes:
        for part in (p.strip().lower() for p in text.split(",")):
            if part in ("gw", "gwcode", "gleditsch-ward"):
                raise UnknownCodeError(
                    "Gleditsch–Ward codes are not available: alliancekb ships no "
                    "Gleditsch–Ward state list to date them from (docs/panels.md); "
                    "choose from: cow, iso3"
                )
            try:
                code = Code(part)
            except ValueError:
                raise UnknownCodeError(
                    f"unknown code system {part!r}; choose from: cow, iso3"
                ) from None
            if code not in chosen:
                chosen.append(code)
    return tuple(chosen)


@dataclass(frozen=True)
class Window:
    """A ccode naming one country (ISO3) from `start` to `end` (both days in)."""

    ccode: int
    iso3: str
    start: dt.date
    end: dt.date


@dataclass
class Unit:
    """One row's state: its codes (in the order asked), its windows, the days it exists."""

    key: tuple[int | str, ...]
    windows: list[Window] = field(default_factory=list)
    #: The days it is in the system, as merged intervals (first, last).
    spans: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    def days_in(self, year: int) -> tuple[dt.date, dt.date] | None:
        """The first and last day of `year` it exists on (None: not in the system)."""
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        found: tuple[dt.date, dt.date] | None = None
        for start, end in self.spans:
            if start <= last and end >= first:
                lo, hi = max(start, first), min(end, last)
                found = (lo, hi) if found is None else (min(found[0], lo), max(found[1], hi))
        return found


def _merged(windows: list[Window]) -> list[tuple[dt.date, dt.date]]:
    spans: list[tuple[dt.date, dt.date]] = []
    for w in sorted(windows, key=lambda w: w.start):
        if spans and w.start <= spans[-1][1] + dt.timedelta(days=1):
            spans[-1] = (spans[-1][0], max(spans[-1][1], w.end))
        else:
            spans.append((w.start, w.end))
    return spans


def units(codes: Sequence[Code], today: dt.date) -> list[Unit]:
    """Every unit of the state system for `codes`, ordered by its codes (ccode by number).

    An open window ends `today`."""
    by_key: dict[tuple[int | str, ...], Unit] = {}
    for windows in states().by_ccode.values():
        for w in windows:
            if w.start is None:
                continue  # every row of the shipped crosswalk has a first day
            window = Window(w.ccode, w.iso3, w.start, w.end or today)
            key = tuple(w.ccode if c is Code.COW else w.iso3 for c in codes)
            by_key.setdefault(key, Unit(key)).windows.append(window)
    found = [by_key[k] for k in sorted(by_key)]
    for unit in found:
        unit.spans = _merged(unit.windows)
    return found
