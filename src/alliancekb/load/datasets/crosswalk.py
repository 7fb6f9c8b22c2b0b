"""The crosswalks shipped with the project: COW states to countries, alliances to named ones.

`cow_states.csv` maps every COW country code (ccode) of the COW state system v2016 (and
the one ATOP-only code) to a country of the knowledge base, date-aware: one ccode may name
several states over time (365: the Russian Empire, the USSR, Russia), each row a window.
`alliances.csv` links COW and ATOP alliances to the named alliances an analyst asks for
(NATO = cow:227 = atop:3180). Both files, their sources and rules: README.md beside them
and docs/datasets.md.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_PACKAGE = "alliancekb.load.datasets"


@dataclass(frozen=True)
class StateWindow:
    """One row of the states crosswalk: a ccode means this country from `start` to `end`."""

    ccode: int
    cow_abb: str
    cow_name: str
    #: First and last day of the window (None: open; the first window of a ccode is also
    #: open to the past, and its last to the future, whatever these say).
    start: dt.date | None
    end: dt.date | None
    iso3: str
    #: The knowledge base's name for a state ISO does not name well ('' = ISO's name).
    name: str
    aliases: tuple[str, ...]
    notes: str


@dataclass(frozen=True)
class Piece:
    """A part of a dataset's membership spell that falls in one state's window."""

    window: StateWindow
    #: Where the piece starts / ends when a window boundary cut the spell (None: the
    #: spell's own start / end).
    cut_start: dt.date | None
    cut_end: dt.date | None


class States:
    """The states crosswalk: which country a ccode means on a day."""

    def __init__(self, rows: list[StateWindow]) -> None:
        self.by_ccode: dict[int, list[StateWindow]] = defaultdict(list)
        self.by_iso3: dict[str, list[StateWindow]] = defaultdict(list)
        for row in rows:
            self.by_ccode[row.ccode].append(row)
            self.by_iso3[row.iso3].append(row)
        for windows in self.by_ccode.values():
            windows.sort(key=lambda w: w.start or dt.date.min)

    def country_for(self, ccode: int, day: dt.date) -> StateWindow | None:
        """The window of `ccode` that holds `day`; None for an unknown code or a gap
        (COW 255 between 1945-05-09 and 1990-10-02 names no state)."""
        windows = self.by_ccode.get(ccode)
        if not windows:
            return None
        found = windows[0]
        for window in windows[1:]:
            if window.start is not None and window.start <= day:
                found = window
        later = windows.index(found) < len(windows) - 1
        if later and found.end is not None and day > found.end:
            return None
        return found

    def pieces(self, ccode: int, start: dt.date, end: dt.date | None) -> list[Piece] | None:
        """A spell from `start` to `end` (None: ongoing) cut where the ccode changes state.

        Imprecise dates are placed by their first day (a spell ending in `1918` is not
        cut on 1918-12-01). None when a part of the spell falls in no state's window.
        """
        first = self.country_for(ccode, start)
        if first is None:
            return None
        windows = self.by_ccode[ccode]
        pieces = [Piece(first, None, None)]
        for window in windows[windows.index(first) + 1 :]:
            assert window.start is not None
            if end is not None and window.start > end:
                break
            previous = pieces[-1]
            cut_end = window.start - dt.timedelta(days=1)
            if previous.window.end is not None and previous.window.end < cut_end:
                return None  # a gap between the windows inside the spell
            pieces[-1] = Piece(previous.window, previous.cut_start, cut_end)
            pieces.append(Piece(window, window.start, None))
        return pieces

    def codes_of(self, iso3: str) -> list[dict[str, Any]]:
        """A country's COW codes, as the load format's `codes` list."""
        codes = []
        for w in sorted(self.by_iso3[iso3], key=lambda w: (w.start or dt.date.min, w.ccode)):
            code: dict[str, Any] = {"scheme": "cow", "code": str(w.ccode)}
            if w.start is not None:
                code["from"] = w.start.isoformat()
            if w.end is not None:
                code["to"] = w.end.isoformat()
            codes.append(code)
        return codes


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def states() -> States:
    """The states crosswalk shipped with the package (read once)."""
    text = resources.files(_PACKAGE).joinpath("cow_states.csv").read_text(encoding="utf-8")
    rows = [
        StateWindow(
            ccode=int(r["ccode"]),
            cow_abb=r["cow_abb"],
            cow_name=r["cow_name"],
            start=_date(r["from"]),
            end=_date(r["to"]),
            iso3=r["iso3"],
            name=r["name"],
            aliases=tuple(a.strip() for a in r["aliases"].split(";") if a.strip()),
            notes=r["notes"],
        )
        for r in csv.DictReader(text.splitlines())
    ]
    return States(rows)


@dataclass(frozen=True)
class NamedAlliance:
    """A named alliance that dataset alliances are linked to."""

    key: str
    name: str
    full_name: str
    kind: str
    founded: str
    aliases: tuple[str, ...]
    cow: tuple[int, ...]
    atop: tuple[int, ...]
    notes: str


@dataclass(frozen=True)
class Alliances:
    """The alliance crosswalk: dataset alliance ids -> named alliances."""

    named: tuple[NamedAlliance, ...]

    def linked(self, dataset: str, ident: int) -> NamedAlliance | None:
        for alliance in self.named:
            if ident in getattr(alliance, dataset):
                return alliance
        return None


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(";") if part.strip())


@cache
def alliances() -> Alliances:
    """The alliance crosswalk shipped with the package (read once)."""
    text = resources.files(_PACKAGE).joinpath("alliances.csv").read_text(encoding="utf-8")
    return Alliances(
        tuple(
            NamedAlliance(
                key=r["key"],
                name=r["name"],
                full_name=r["full_name"],
                kind=r["kind"],
                founded=r["founded"],
                aliases=tuple(a.strip() for a in r["aliases"].split(";") if a.strip()),
                cow=_ids(r["cow"]),
                atop=_ids(r["atop"]),
                notes=r["notes"],
            )
            for r in csv.DictReader(text.splitlines())
        )
    )
