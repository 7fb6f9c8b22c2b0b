"""A panel's rows, made year by year from the memberships read once (streamed, flat memory).

For each year: the units in the system that year (`panel.units`), the membership spells in
force on some day of it (a sweep over the spells sorted by their first day), then

- a **state-year** is coded 1 for an obligation when one of its spells that carries it
  is in force on any day of the year (COW's convention);
- a **dyad** is tied by an alliance in a year when both states are members of it on a
  same day of the year (the two spells overlap inside the year: COW's dyad spells begin
  at the later entry and end at the earlier exit). A dyad-year has a row when both states
  are in the system on a same day of the year (so a state and its successor, 260 and 255
  in 1990, are never a dyad). Undirected, a tie carries an obligation if either party
  does; directed, A→B carries A's obligations (what A owes B), as COW's
  `alliance_v4.1_by_directed.csv` and `allies --directed` (`binds`) do.

Only the ties of a year are held (per alliance, its co-members; per dyad, its alliances);
the untied dyads, most of a dyad-year panel, are written as runs of one shared suffix
(`map(head.__add__, suffixes)`), never held. Outside the coverage of the answer's source
the obligation cells are empty (None), not 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from typing import Any

from alliancekb.core.errors import UsageError
from alliancekb.panel.spells import OBLIGATIONS, Alliance, Memberships
from alliancekb.panel.units import Code, Unit

Cell = int | str | list[str] | None
Line = tuple[Any, ...]


class PanelKind(StrEnum):
    """The unit of a panel's rows."""

    STATE_YEAR = "state-year"
    DYAD_YEAR = "dyad-year"
    DIRECTED_DYAD_YEAR = "directed-dyad-year"

    @property
    def dyadic(self) -> bool:
        return self is not PanelKind.STATE_YEAR


#: The bits of each obligation mask as 0/1 cells, in column order.
_BITS = tuple(tuple(1 if m & (1 << i) else 0 for i in range(len(OBLIGATIONS))) for m in range(64))
_CODE_COLUMN = {Code.COW: "ccode", Code.ISO3: "iso3", Code.GW: "gwcode"}
_DYAD_COLUMN = {
    Code.COW: ("ccode1", "ccode2"),
    Code.ISO3: ("iso3_1", "iso3_2"),
    Code.GW: ("gwcode1", "gwcode2"),
}


def code_columns(kind: PanelKind, codes: Sequence[Code]) -> tuple[str, ...]:
    """The columns naming the row's state(s): the first state's codes, then the second's."""
    if not kind.dyadic:
        return tuple(_CODE_COLUMN[c] for c in codes)
    return (*(_DYAD_COLUMN[c][0] for c in codes), *(_DYAD_COLUMN[c][1] for c in codes))


def value_columns(by_alliance: bool, merged: bool) -> tuple[str, ...]:
    """The columns after `year`."""
    head = ("alliance", "dataset_ids", *OBLIGATIONS) if by_alliance else OBLIGATIONS
    tail = () if by_alliance else ("alliances", "alliance_keys")
    return (*head, *tail, *(("disputed",) if merged else ()))


@dataclass(frozen=True)
class _Piece:
    """A spell inside one unit's window: (unit, alliance, first and last day, ...)."""

    unit: int
    alliance: int
    start: dt.date
    end: dt.date
    mask: int
    member: bool
    disputed: bool


#: What ties two spells of one alliance: (alliance, first mask, second mask, both members,
#: disputed).
_Link = tuple[int, int, int, bool, bool]


@dataclass
class _Tie:
    """What ties a dyad (or holds a state) through one alliance in a year."""

    mask_a: int = 0
    mask_b: int = 0
    member: bool = False
    disputed: bool = False


@dataclass
class Rows:
    """The rows of a panel: `lines(joined)` streams them as tuples in `columns` order."""

    kind: PanelKind
    codes: tuple[Code, ...]
    by_alliance: bool
    first_year: int
    last_year: int
    memberships: Memberships
    units: list[Unit]
    #: The years the answer speaks for (inside them obligations are 0/1; outside, empty).
    covered: tuple[int | None, int | None] = (None, None)
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if self.first_year > self.last_year:
            raise UsageError(
                f"the first year ({self.first_year}) is after the last ({self.last_year})"
            )
        merged = self.memberships.source is None
        self.columns = (
            *code_columns(self.kind, self.codes),
            "year",
            *value_columns(self.by_alliance, merged),
        )

    def covers(self, year: int) -> bool:
        lo, hi = self.covered
        return (lo is None or lo <= year) and (hi is None or year <= hi)

    def lines(self, joined: bool = False) -> Iterator[Line]:
        """Every row as a tuple; `joined`: lists as `; `-joined text (CSV), else lists.

        Each year's rows are a few runs (`_Year.dyads`), chained in C: a row costs no
        Python frame of its own."""
        return chain.from_iterable(chain.from_iterable(self._years(joined)))

    def csv_lines(self, terminator: str = "\r\n") -> Iterator[str] | None:
        """The dyad-years as CSV lines (after the header), each ending in `terminator`,
        made without `csv.writer`: an untied dyad's line is its first state's codes and
        the second's cells, both rendered once a year (the fast path, tested equal to
        `csv.writer` writing `lines(joined=True)`). None for the other panels."""
        if not self.kind.dyadic or self.by_alliance:
            return None
        return chain.from_iterable(chain.from_iterable(self._years(True, terminator)))

    def _years(self, joined: bool, terminator: str | None = None) -> Iterator[list[Iterable[Any]]]:
        """Each year's rows, as runs (CSV lines with a `terminator`)."""
        pieces = _pieces(self.memberships, self.units)
        pieces.sort(key=lambda p: p.start)
        nxt = 0
        active: list[_Piece] = []
        #: A dyad's cells by what ties it (its alliances and masks): shared across years.
        cache: dict[Any, Line] = {}
        #: Each alliance's links, kept while its spells stay the same all year.
        links: dict[int, tuple[Any, list[tuple[tuple[int, int], _Link]]]] = {}
        line_ends: dict[Line, str] = {}
        for year in range(self.first_year, self.last_year + 1):
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            while nxt < len(pieces) and pieces[nxt].start <= last:
                active.append(pieces[nxt])
                nxt += 1
            active = [p for p in active if p.end >= first]
            year_rows = _Year(self, year, joined, cache, links, terminator, line_ends)
            if self.kind.dyadic:
                yield year_rows.dyads(active)
            else:
                yield [year_rows.states(active)]


def _pieces(memberships: Memberships, units: list[Unit]) -> list[_Piece]:
    """Each spell cut to the windows of the units its country is in."""
    windows: dict[str, list[tuple[int, dt.date, dt.date]]] = {}
    for i, unit in enumerate(units):
        for w in unit.windows:
            windows.setdefault(w.iso3, []).append((i, w.start, w.end))
    pieces = []
    for s in memberships.spells:
        for index, start, end in windows.get(s.iso3, ()):
            lo, hi = max(s.start, start), min(s.end, end)
            if lo <= hi:
                pieces.append(_Piece(index, s.alliance, lo, hi, s.mask, s.member, s.disputed))
    return pieces


def _csv_cell(value: Any) -> str:
    """One cell as `csv.writer` writes it (None empty; minimal quoting)."""
    if value is None:
        return ""
    text = str(value)
    if any(c in text for c in ',"\r\n'):
        stream = io.StringIO()
        csv.writer(stream, lineterminator="\n").writerow([text, ""])
        return stream.getvalue()[:-2]  # without the empty second cell and the line end
    return text


def _csv_cells(cells: Line) -> str:
    return ",".join(map(_csv_cell, cells))


class _Year:
    """The rows of one year."""

    def __init__(
        self,
        rows: Rows,
        year: int,
        joined: bool,
        cache: dict[Any, Line],
        links: dict[int, tuple[Any, list[tuple[tuple[int, int], _Link]]]],
        terminator: str | None = None,
        line_ends: dict[Line, str] | None = None,
    ) -> None:
        self.rows = rows
        #: Make CSV lines ending in it instead of tuples (dyads only).
        self.terminator = terminator
        #: A unit's codes and the year, as CSV text, by unit.
        self.texts: dict[int, str] = {}
        #: A tied dyad's cells after the year, as CSV text with the terminator.
        self.line_ends = line_ends if line_ends is not None else {}
        self.cache = cache
        self.links = links
        self.year = year
        self.joined = joined
        self.merged = rows.memberships.source is None
        self.covered = rows.covers(year)
        self.alliances = rows.memberships.alliances
        self.first, self.last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        #: The units in the system this year, in order, and their days in it.
        self.alive: list[int] = []
        self.days: dict[int, tuple[dt.date, dt.date]] = {}
        for i, unit in enumerate(rows.units):
            days = unit.days_in(year)
            if days is not None:
                self.alive.append(i)
                self.days[i] = days
        width = len(rows.columns) - len(rows.codes) * (2 if rows.kind.dyadic else 1) - 1
        self.empty: Line = (None,) * width

    # -- cells ---------------------------------------------------------------------------

    def keys(self, alliances: Sequence[int]) -> str | list[str]:
        keys = sorted(self.alliances[a].key for a in alliances)
        return "; ".join(keys) if self.joined else keys

    def ids(self, alliance: Alliance) -> str | list[str]:
        return "; ".join(alliance.dataset_ids) if self.joined else list(alliance.dataset_ids)

    def values(self, mask: int, alliances: Sequence[int], disputed: bool) -> Line:
        """The cells after `year` of an aggregated row."""
        line: Line = (*_BITS[mask], len(alliances), self.keys(alliances))
        return (*line, int(disputed)) if self.merged else line

    def zero(self) -> Line:
        return self.values(0, (), False) if self.covered else self.empty

    def alliance_values(self, alliance: int, mask: int, disputed: bool) -> Line:
        found = self.alliances[alliance]
        line: Line = (found.key, self.ids(found), *_BITS[mask])
        return (*line, int(disputed)) if self.merged else line

    def by_alliance_order(self, ties: dict[int, _Tie]) -> list[int]:
        return sorted(ties, key=lambda a: self.alliances[a].key)

    # -- states ----------------------------------------------------------------------------

    def states(self, active: list[_Piece]) -> list[Line]:
        return list(self._states(active))

    def _states(self, active: list[_Piece]) -> Iterator[Line]:
        held: dict[int, dict[int, _Tie]] = {}
        if self.covered:
            for p in active:
                tie = held.setdefault(p.unit, {}).setdefault(p.alliance, _Tie())
                if p.member:
                    tie.member = True
                    tie.mask_a |= p.mask
                tie.disputed |= p.disputed
        year = (self.year,)
        for i in self.alive:
            head = self.rows.units[i].key + year
            ties = held.get(i)
            if self.rows.by_alliance:
                for a in self.by_alliance_order(ties or {}):
                    tie = (ties or {})[a]
                    if tie.member:
                        yield head + self.alliance_values(a, tie.mask_a, tie.disputed)
                continue
            if not ties:
                yield head + self.zero()
                continue
            members = [a for a, tie in ties.items() if tie.member]
            mask = 0
            for a in members:
                mask |= ties[a].mask_a
            yield head + self.values(mask, members, any(t.disputed for t in ties.values()))

    # -- dyads -----------------------------------------------------------------------------

    def ties(self, active: list[_Piece]) -> dict[tuple[int, int], list[_Link]]:
        """(a, b) with a < b -> what ties them this year, one link per alliance and pair of
        spells (members both, on a same day of the year; or one a member and the other
        claimed against the answer: disputed only)."""
        by_alliance: dict[int, list[_Piece]] = {}
        for p in active:
            by_alliance.setdefault(p.alliance, []).append(p)
        first, last = self.first, self.last
        found: dict[tuple[int, int], list[_Link]] = {}
        for alliance, group in by_alliance.items():
            group.sort(key=lambda p: p.unit)
            whole = all(p.start <= first and p.end >= last for p in group)
            key = tuple(map(id, group)) if whole else None
            cached = self.links.get(alliance)
            if key is not None and cached is not None and cached[0] == key:
                pairs = cached[1]  # the same spells all year, as the year before
            else:
                pairs = self._pairs(alliance, group)
                if key is not None:
                    self.links[alliance] = (key, pairs)
            for pair, link in pairs:
                if pair in found:
                    found[pair].append(link)
                else:
                    found[pair] = [link]
        return found

    def _pairs(self, alliance: int, group: list[_Piece]) -> list[tuple[tuple[int, int], _Link]]:
        """The links of one alliance's spells (sorted by unit) this year."""
        first, last = self.first, self.last
        pairs = []
        for n, p in enumerate(group):
            p_full = p.start <= first and p.end >= last
            for q in group[n + 1 :]:
                if q.unit == p.unit or not (p.member or q.member):
                    continue
                if not (p_full and q.start <= first and q.end >= last) and max(
                    p.start, q.start, first
                ) > min(p.end, q.end, last):
                    continue  # never members on a same day of the year
                link = (alliance, p.mask, q.mask, p.member and q.member, p.disputed or q.disputed)
                pairs.append(((p.unit, q.unit), link))
        return pairs

    def dyads(self, active: list[_Piece]) -> list[Iterable[Any]]:
        """The year's rows as runs: untied partners as one `map` between tied ones."""
        ties = self.ties(active) if self.covered else {}
        directed = self.rows.kind is PanelKind.DIRECTED_DYAD_YEAR
        if self.rows.by_alliance:
            return [self._alliance_dyads(ties, directed)]
        partners: dict[int, list[int]] = {}
        for a, b in ties:
            partners.setdefault(a, []).append(b)
            if directed:
                partners.setdefault(b, []).append(a)
        units = self.rows.units
        tail = (self.year, *self.zero())
        suffixes: list[Any] = [self._suffix(units[j].key + tail) for j in self.alive]
        position = {j: m for m, j in enumerate(self.alive)}
        count = len(self.alive)
        runs: list[Iterable[Any]] = []
        for n, i in enumerate(self.alive):
            head: Any = units[i].key
            if self.terminator is not None:
                head = _csv_cells(head)
            tied = {position[j]: j for j in partners.get(i, ())}
            spans = [(0, n), (n + 1, count)] if directed else [(n + 1, count)]
            if self.days[i] != (self.first, self.last):
                # In the system part of the year only: its partners one by one.
                runs.append([
                    self._row(head, m, suffixes, tied, ties, i)
                    for lo, hi in spans for m in range(lo, hi)
                    if self._meet(i, self.alive[m])
                ])  # fmt: skip
                continue
            for lo, hi in spans:
                if not tied:
                    runs.append(map(head.__add__, suffixes[lo:hi]))
                    continue
                # A copy of the run with each tied partner's suffix made whole.
                run = suffixes[lo:hi]
                for m, j in tied.items():
                    if lo <= m < hi:
                        run[m - lo] = self._tied_suffix(i, j, ties)
                runs.append(map(head.__add__, run))
        return runs

    def _meet(self, i: int, j: int) -> bool:
        (a0, a1), (b0, b1) = self.days[i], self.days[j]
        return max(a0, b0) <= min(a1, b1)

    def _row(
        self,
        head: Any,
        m: int,
        suffixes: list[Any],
        tied: dict[int, int],
        ties: dict[tuple[int, int], list[_Link]],
        i: int,
    ) -> Any:
        j = tied.get(m)
        return head + (suffixes[m] if j is None else self._tied_suffix(i, j, ties))

    def _suffix(self, cells: Line) -> Any:
        """The cells after the first state's codes: a tuple, or CSV text (`,` first, the
        terminator last)."""
        if self.terminator is None:
            return cells
        return "," + _csv_cells(cells) + self.terminator

    def _tied_suffix(self, i: int, j: int, ties: dict[tuple[int, int], list[_Link]]) -> Any:
        """The cells of i's row with j after i's codes (as text: its parts rendered once)."""
        values = self._dyad_values(i, j, ties)
        if self.terminator is None:
            return (*self.rows.units[j].key, self.year, *values)
        codes = self.texts.get(j)
        if codes is None:
            codes = self.texts[j] = f",{_csv_cells(self.rows.units[j].key)},{self.year},"
        text = self.line_ends.get(values)
        if text is None:
            text = self.line_ends[values] = _csv_cells(values) + self.terminator
        return codes + text

    def _dyad_values(self, i: int, j: int, ties: dict[tuple[int, int], list[_Link]]) -> Line:
        """The cells of i's row with j: cached by what ties them (the same in most years)."""
        links = ties[(i, j)] if i < j else ties[(j, i)]
        directed = self.rows.kind is PanelKind.DIRECTED_DYAD_YEAR
        key = (tuple(links), i < j or not directed)
        found = self.cache.get(key)
        if found is not None:
            return found
        mine = i < j  # a link's first mask is the lower unit's
        members: set[int] = set()
        mask = 0
        for alliance, mask_a, mask_b, member, _ in links:
            if member:
                members.add(alliance)
                own, other = (mask_a, mask_b) if mine else (mask_b, mask_a)
                mask |= own if directed else own | other
        found = self.values(mask, sorted(members), any(link[4] for link in links))
        self.cache[key] = found
        return found

    def _alliance_dyads(
        self, ties: dict[tuple[int, int], list[_Link]], directed: bool
    ) -> list[Line]:
        """One row per dyad and alliance that ties it (directed: each way)."""
        units = self.rows.units
        found: list[Line] = []
        pairs = sorted([*ties, *((b, a) for a, b in ties)] if directed else ties)
        for i, j in pairs:
            held: dict[int, _Tie] = {}
            for alliance, mask_a, mask_b, member, disputed in ties[(i, j) if i < j else (j, i)]:
                if not member:
                    continue
                own, other = (mask_a, mask_b) if i < j else (mask_b, mask_a)
                tie = held.setdefault(alliance, _Tie())
                tie.mask_a |= own if directed else own | other
                tie.disputed |= disputed
            head = units[i].key + units[j].key + (self.year,)
            for a in self.by_alliance_order(held):
                found.append(head + self.alliance_values(a, held[a].mask_a, held[a].disputed))
        return found
