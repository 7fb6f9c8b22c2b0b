"""The units of a panel: the states of a state system, keyed by the codes asked for.

Two state systems can define the rows. The COW state system (v2016) is the crosswalk
shipped with the importers (`load/datasets/cow_states.csv`): every COW code with the dates
of each window in which it names one country of the knowledge base (365 is the Russian
Empire, then the USSR, then Russia). A window's dates are the state's dates in the system;
where COW records an interruption (France 1942-1944) the crosswalk keeps one window, so
the panel has rows in those years (docs/panels.md). The Gleditsch–Ward system is the
user's GW list as `panel.gw` maps it to countries.

The system is the one of the first of `cow` and `gw` named in the codes (COW when neither
is): its windows say which states exist on which days. Each window is then cut where one
of the other codes asked for changes for its country, and a code the country does not
have on those days is empty (None): with `gw,cow`, GW 260 in 1950 has no COW code.

A unit is what the codes asked for tell apart: with `cow`, one row per ccode (255 in 1871
is Prussia, then the German Reich: one state for COW); with `iso3`, one per country of
the knowledge base (DEU in 1990: COW 260, then 255); with several, one per combination.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from alliancekb.core.errors import UsageError
from alliancekb.load.datasets.crosswalk import states
from alliancekb.panel.gw import GwSystem


class Code(StrEnum):
    """A country code system a panel can be keyed by."""

    COW = "cow"
    ISO3 = "iso3"
    GW = "gw"

    @property
    def system(self) -> bool:
        """Whether the code belongs to a state system (COW, GW), not to a country."""
        return self is not Code.ISO3


#: The default codes: both.
DEFAULT_CODES = (Code.COW, Code.ISO3)


class UnknownCodeError(UsageError):
    """A code system the panel does not have (exit 2)."""


_ALIASES = {"gwcode": "gw", "gleditsch-ward": "gw", "ccode": "cow"}


def parse_codes(codes: Sequence[str] | None) -> tuple[Code, ...]:
    """The code systems asked for, in the order given, each once; UnknownCodeError otherwise."""
    if not codes:
        return DEFAULT_CODES
    chosen: list[Code] = []
    for text in codes:
        for part in (p.strip().lower() for p in text.split(",")):
            try:
                code = Code(_ALIASES.get(part, part))
            except ValueError:
                raise UnknownCodeError(
                    f"unknown code system {part!r}; choose from: cow, gw, iso3"
                ) from None
            if code not in chosen:
                chosen.append(code)
    return tuple(chosen)


def system_of(codes: Sequence[Code]) -> Code:
    """The state system that defines the rows: the first of COW and GW named (COW if none)."""
    return next((c for c in codes if c.system), Code.COW)


@dataclass(frozen=True)
class Window:
    """A state of the system as one country (ISO3) from `start` to `end` (both days in),
    with its COW and GW codes on those days (None: it has none)."""

    ccode: int | None
    iso3: str
    start: dt.date
    end: dt.date
    gwcode: int | None = None

    def code(self, code: Code) -> int | str | None:
        """The window's code in a system (its ISO3 for `iso3`)."""
        if code is Code.COW:
            return self.ccode
        return self.gwcode if code is Code.GW else self.iso3


@dataclass
class Unit:
    """One row's state: its codes (in the order asked), its windows, the days it exists."""

    key: tuple[int | str | None, ...]
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


def _cow_windows(today: dt.date) -> list[Window]:
    return [
        Window(w.ccode, w.iso3, w.start, w.end or today)
        for windows in states().by_ccode.values()
        for w in windows
        if w.start is not None  # every row of the shipped crosswalk has a first day
    ]


def _gw_windows(gw: GwSystem) -> list[Window]:
    return [Window(None, w.iso3, w.start, w.end, w.gwcode) for w in gw.windows]


def _cut(base: Window, other: Code, windows: list[Window]) -> list[Window]:
    """`base` cut where `other`'s code of its country changes; None where it has none."""
    inside = sorted(
        (
            (max(w.start, base.start), min(w.end, base.end), w.code(other))
            for w in windows
            if w.iso3 == base.iso3 and w.start <= base.end and w.end >= base.start
        ),
        key=lambda piece: (piece[0], piece[1]),
    )
    found: list[Window] = []
    day = base.start
    one = dt.timedelta(days=1)

    def piece(lo: dt.date, hi: dt.date, value: int | str | None) -> None:
        ccode = value if other is Code.COW else base.ccode
        gwcode = value if other is Code.GW else base.gwcode
        assert not isinstance(ccode, str)
        assert not isinstance(gwcode, str)
        found.append(Window(ccode, base.iso3, lo, hi, gwcode))

    for lo, hi, value in inside:
        if lo < day:
            lo = day  # overlapping windows of the other system: the earlier one holds
        if lo > hi:
            continue
        if lo > day:
            piece(day, lo - one, None)
        piece(lo, hi, value)
        day = hi + one
    if day <= base.end:
        piece(day, base.end, None)
    return found


def _sort_key(key: tuple[int | str | None, ...]) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, 0) if v is None else (1, v) for v in key)


def units(codes: Sequence[Code], today: dt.date, gw: GwSystem | None = None) -> list[Unit]:
    """Every unit of the state system for `codes`, ordered by its codes (ccode by number;
    an empty code first). The system is `system_of(codes)`; GW needs the mapped list `gw`.

    An open COW window ends `today`."""
    system = system_of(codes)
    if system is Code.GW:
        if gw is None:
            raise UsageError("Gleditsch–Ward codes need a GW list")
        windows = _gw_windows(gw)
    else:
        windows = _cow_windows(today)
    for other in (c for c in codes if c.system and c is not system):
        if other is Code.GW and gw is None:
            raise UsageError("Gleditsch–Ward codes need a GW list")
        others = _gw_windows(gw) if other is Code.GW and gw else _cow_windows(today)
        by_iso3: dict[str, list[Window]] = {}
        for w in others:
            by_iso3.setdefault(w.iso3, []).append(w)
        windows = [cut for w in windows for cut in _cut(w, other, by_iso3.get(w.iso3, []))]
    by_key: dict[tuple[int | str | None, ...], Unit] = {}
    for window in windows:
        key = tuple(window.code(c) for c in codes)
        by_key.setdefault(key, Unit(key)).windows.append(window)
    found = [by_key[k] for k in sorted(by_key, key=_sort_key)]
    for unit in found:
        unit.spans = _merged(unit.windows)
    return found


def last_cow_code(unit: Unit, year: int) -> int | None:
    """The COW code of the unit on its last day in the system in `year` (None: none).

    A GW window without a COW code (`--codes gw` alone) takes the code the crosswalk gives
    its country on that day."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    best: Window | None = None
    for w in unit.windows:
        if w.start <= last and w.end >= first and (best is None or w.end > best.end):
            best = w
    if best is None:
        return None
    if best.ccode is not None:
        return best.ccode
    day = min(best.end, last)
    for row in states().by_iso3.get(best.iso3, ()):
        if row.start is not None and row.start <= day and (row.end is None or day <= row.end):
            return row.ccode
    return None
