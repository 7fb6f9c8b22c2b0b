"""A Gleditsch–Ward state list supplied by the user, read and mapped to the knowledge base.

alliancekb ships no Gleditsch–Ward (GW) list (its terms are not ours to redistribute), so a
panel keyed by GW codes reads the user's copy of Gleditsch's own file, `iisystem.dat` (and
`microstatessystem.dat`, which may be concatenated to it): tab-delimited, no header, five
columns — gwcode, abbreviation, name, first day, last day — with dates as dd:mm:yyyy, in
Latin-1 as published (UTF-8 is accepted too). A line that does not parse is an
InvalidDataError naming file:line:column, and nothing is loaded.

Each entry (a GW code from one day to another) is mapped to countries of the knowledge base,
day by day (`map_entries`):

1. where the shipped COW crosswalk has the same code on those days, its country (most GW
   codes are COW's: GW 345 in 1950 is COW 345, Yugoslavia; GW 255 in 1880 is the German
   Reich);
2. the days of the entry no such COW window covers take the country of the covered days
   just before them (before the first covered day, of those just after): the entry is one
   state, so GW 678 after 1990-05-22 is unified Yemen, the country COW 678 named before,
   and GW 260 before 1955 is the Federal Republic;
3. an entry no COW window of its code touches is mapped by its name, as the command line
   resolves names (GW 340, Serbia);
4. otherwise it maps to no country: it has no rows, and it is reported (`GwSystem.unmapped`),
   never dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alliancekb.core.errors import InvalidDataError, Problem, UsageError
from alliancekb.load.datasets.crosswalk import states
from alliancekb.panel.user_files import read_user_file

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: Where Gleditsch publishes the list (named in errors and docs).
GW_LIST_PAGE = "http://www.ksgleditsch.com/data-4.html"
#: The publication the list documents (Gleditsch's page names it).
GW_CITATION = (
    'Gleditsch, Kristian S. and Michael D. Ward. 1999. "Interstate System Membership: A '
    'Revised List of the Independent States since 1816." International Interactions 25: '
    "393-413."
)
#: The environment variable the command line reads a GW list's path from.
GW_LIST_ENV = "ALLIANCEKB_GW_LIST"
_COLUMNS = ("gwcode", "abbreviation", "name", "first day", "last day")


class GwListMissingError(UsageError):
    """GW codes asked for without a GW list (exit 2)."""


@dataclass(frozen=True)
class GwEntry:
    """One line of a GW list: `gwcode` names the state `name` from `start` to `end`."""

    gwcode: int
    abbreviation: str
    name: str
    start: dt.date
    end: dt.date
    line: int


@dataclass(frozen=True)
class GwWindow:
    """Part of a GW entry mapped to one country of the knowledge base (ISO3)."""

    gwcode: int
    iso3: str
    start: dt.date
    end: dt.date


@dataclass
class GwSystem:
    """A GW list mapped to the knowledge base: its windows, and what did not map."""

    path: str
    entries: int
    windows: list[GwWindow] = field(default_factory=list)
    #: The entries no country of the knowledge base was found for (they have no rows).
    unmapped: list[GwEntry] = field(default_factory=list)
    #: The entries mapped by their name (no COW code of theirs on their days).
    by_name: list[GwEntry] = field(default_factory=list)
    #: The list's last day (a state still in the system has it as its last).
    last_day: dt.date | None = None

    def source(self) -> dict[str, str]:
        """The list as a Data Package source (the user's copy; where it is published)."""
        return {
            "title": f"Gleditsch and Ward, list of independent states (the user's copy, "
            f"{Path(self.path).name})",
            "path": GW_LIST_PAGE,
            "alliancekb:note": GW_CITATION,
        }

    def report(self) -> str:
        """The mapping in one sentence (for the data package and the command's stderr)."""
        text = (
            f"Gleditsch–Ward list {Path(self.path).name}: {self.entries} entries, to "
            f"{self.last_day.isoformat() if self.last_day else '?'}; "
            f"{len(self.by_name)} mapped by name"
        )
        if not self.unmapped:
            return text + ", every entry mapped to a country."
        shown = "; ".join(
            f"{e.gwcode} {e.name} {e.start.year}–{e.end.year}" for e in self.unmapped[:10]
        )
        more = f" and {len(self.unmapped) - 10} more" if len(self.unmapped) > 10 else ""
        return (
            text + f"; {len(self.unmapped)} map to no country of the knowledge base and have "
            f"no rows: {shown}{more}."
        )


def missing_list_message() -> str:
    """What to do when GW codes are asked for without a list."""
    return (
        "Gleditsch–Ward codes need your copy of Gleditsch's list of independent states "
        f"(iisystem.dat, published at {GW_LIST_PAGE}; alliancekb ships none): pass it "
        f"with --gw-list FILE or ${GW_LIST_ENV} (API: gw_list=)"
    )


def _day(text: str) -> dt.date:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        raise ValueError(f"{text!r} is not a date as dd:mm:yyyy")
    day, month, year = (int(p) for p in parts)
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a date: {error}") from None


def read_gw_list(path: str | Path) -> list[GwEntry]:
    """Every entry of a GW list file; InvalidDataError (exit 3) naming each bad line's
    file:line:column, and nothing read, if any line is bad."""
    name, text = read_user_file(path, "the Gleditsch–Ward list")
    entries: list[GwEntry] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        cells = raw.rstrip().split("\t")  # trailing blanks after the last day are no column
        if len(cells) != len(_COLUMNS):
            problems.append(Problem(
                name, number, 1, "",
                f"{len(cells)} tab-separated column(s), expected 5: gwcode, abbreviation, "
                "name, first day, last day (dd:mm:yyyy)",
            ))  # fmt: skip
            continue
        column = 1
        found: list[object] = []
        for index, cell in enumerate(cells):
            text = cell.strip()
            try:
                if index == 0:
                    if not text.isdigit():
                        raise ValueError(f"{text!r} is not a whole number")
                    found.append(int(text))
                elif index in (3, 4):
                    found.append(_day(text))
                elif not text:
                    raise ValueError("empty")
                else:
                    found.append(text)
            except ValueError as error:
                problems.append(Problem(name, number, column, _COLUMNS[index], str(error)))
                break
            column += len(cell) + 1
        else:
            code, abbreviation, state, start, end = found
            assert isinstance(code, int)
            assert isinstance(start, dt.date)
            assert isinstance(end, dt.date)
            if end < start:
                problems.append(Problem(
                    name, number, column - len(cells[4]) - 1, _COLUMNS[4],
                    f"the last day {end:%d:%m:%Y} is before the first {start:%d:%m:%Y}",
                ))  # fmt: skip
                continue
            entries.append(GwEntry(code, str(abbreviation), str(state), start, end, number))
    if problems:
        raise InvalidDataError(problems, f"{name}: not a Gleditsch–Ward list; nothing was read")
    if not entries:
        raise InvalidDataError([], f"{name}: the Gleditsch–Ward list has no entries")
    return entries


def _cow_pieces(entry: GwEntry, today: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """The parts of the entry that COW windows of the same code cover: (first, last, iso3)."""
    found = []
    for w in states().by_ccode.get(entry.gwcode, ()):
        if w.start is None:
            continue
        lo, hi = max(w.start, entry.start), min(w.end or today, entry.end)
        if lo <= hi:
            found.append((lo, hi, w.iso3))
    return sorted(found)


def _fill(entry: GwEntry, pieces: list[tuple[dt.date, dt.date, str]]) -> list[GwWindow]:
    """The whole entry as windows: each gap takes the country of the piece before it (the
    first piece's, before that piece)."""
    windows: list[GwWindow] = []
    day = entry.start
    for n, (lo, hi, iso3) in enumerate(pieces):
        if lo > day:
            before = pieces[n - 1][2] if n else iso3
            windows.append(GwWindow(entry.gwcode, before, day, lo - dt.timedelta(days=1)))
        windows.append(GwWindow(entry.gwcode, iso3, lo, hi))
        day = hi + dt.timedelta(days=1)
    if day <= entry.end:
        windows.append(GwWindow(entry.gwcode, pieces[-1][2], day, entry.end))
    # Adjacent windows of one country are one.
    merged: list[GwWindow] = []
    for w in windows:
        if (
            merged
            and merged[-1].iso3 == w.iso3
            and merged[-1].end + dt.timedelta(days=1) == w.start
        ):
            merged[-1] = GwWindow(w.gwcode, w.iso3, merged[-1].start, w.end)
        else:
            merged.append(w)
    return merged


def map_entries(reader: Reader, path: str, entries: Sequence[GwEntry], today: dt.date) -> GwSystem:
    """The entries mapped to countries of the knowledge base (the module's rules)."""
    from sqlalchemy import select

    from alliancekb.store import tables as t
    from alliancekb.store.resolve import Kind, Ref, load_index

    system = GwSystem(path, len(entries), last_day=max(e.end for e in entries))
    index = None
    iso3_of: dict[int, str] = {}
    for entry in entries:
        pieces = _cow_pieces(entry, today)
        if pieces:
            system.windows.extend(_fill(entry, pieces))
            continue
        if index is None:
            index = load_index(reader, {Kind.COUNTRY})
            iso3_of = {
                row.id: row.iso3
                for row in reader.execute(select(t.countries.c.id, t.countries.c.iso3))
            }
        found = index.lookup(entry.name, {Kind.COUNTRY})
        if isinstance(found, Ref) and found.id in iso3_of:
            system.by_name.append(entry)
            system.windows.append(GwWindow(entry.gwcode, iso3_of[found.id], entry.start, entry.end))
        else:
            system.unmapped.append(entry)
    return system


def gw_system(reader: Reader, path: str | Path | None, today: dt.date) -> GwSystem:
    """The GW list at `path` read and mapped; GwListMissingError when there is none."""
    if path is None or not str(path).strip():
        raise GwListMissingError(missing_list_message())
    return map_entries(reader, str(path), read_gw_list(path), today)


def codes_named(codes: Iterable[str] | None) -> bool:
    """Whether GW codes are among the code systems asked for."""
    for text in codes or ():
        for part in text.split(","):
            if part.strip().lower() in ("gw", "gwcode", "gleditsch-ward"):
                return True
    return False
