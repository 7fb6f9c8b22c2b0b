"""Alliance-portfolio similarity on a panel's own dyad-years: a score column, or one dyad.

The ties come from the panel's rows themselves: a dyad's tie in a year is the level of the
obligations its row codes (`similarity.tie_level`: defense or offense 3, neutrality or
nonaggression 2, entente or consultation 1). So a score agrees with the panel beside it:
the same year rule, the same coverage, one dataset's claims or the merged answer, the same
state system (the states with rows that year). A year outside the coverage has no ties:
its scores are missing, not computed from zeros. A directed panel ties a dyad at the
higher of its two directions. docs/similarity.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from alliancekb.core.errors import UsageError
from alliancekb.panel.rows import Line
from alliancekb.panel.similarity import (
    MAX_TIE,
    SELF_TIE,
    TIE_LEVELS,
    Distance,
    Measure,
    Portfolios,
    dyad_similarities,
)
from alliancekb.panel.spells import OBLIGATIONS

#: Each obligation column's tie level, in column order.
_LEVEL_OF_COLUMN = tuple(TIE_LEVELS[name] for name in OBLIGATIONS)


@dataclass(frozen=True)
class Scoring:
    """Which similarity a panel's column holds."""

    measure: Measure = Measure.S
    #: None: the measure's own (S absolute; kappa and pi squared, as Häge computes them).
    distance: Distance | None = None

    @property
    def column(self) -> str:
        """The column's name: the measure, `_squared` added for S on squared distances."""
        if self.measure is Measure.S and self.distance is Distance.SQUARED:
            return "s_squared"
        return self.measure.value


def scoring(measure: str | None, distance: str | None = None) -> Scoring | None:
    """The scoring asked for (None: no score); UsageError naming the choices otherwise."""
    if measure is None:
        if distance is not None:
            raise UsageError("a distance applies to a similarity measure: give one too")
        return None
    try:
        chosen = Measure(measure.lower())
    except ValueError:
        raise UsageError(
            f"unknown similarity measure {measure!r}; choose from: "
            + ", ".join(m.value for m in Measure)
        ) from None
    try:
        how = None if distance is None else Distance(distance.lower())
    except ValueError:
        raise UsageError(
            f"unknown distance {distance!r}; choose from: " + ", ".join(d.value for d in Distance)
        ) from None
    if how is Distance.ABSOLUTE and chosen is not Measure.S:
        raise UsageError(f"{chosen.value} is computed on squared distances only (Häge 2011)")
    return Scoring(chosen, how)


def _tie(cells: Sequence[Any]) -> int | None:
    """The tie a row's obligation cells code (None: outside the coverage)."""
    level = 0
    for cell, column_level in zip(cells, _LEVEL_OF_COLUMN, strict=True):
        if cell is None:
            return None
        if cell and column_level > level:
            level = column_level
    return level


@dataclass
class YearTies:
    """One year's state system and ties, read off its dyad rows."""

    year: int
    #: Each state's key as text ("2|USA"), in the rows' order.
    system: list[str] = field(default_factory=list)
    ties: dict[str, dict[str, int]] = field(default_factory=dict)
    #: False when the year is outside the coverage (no ties known).
    known: bool = True

    def add(self, a: str, b: str, level: int | None) -> None:
        for state in (a, b):
            if state not in self.ties:
                self.system.append(state)
                self.ties[state] = {state: SELF_TIE}
        if level is None:
            self.known = False
        elif level and level > self.ties[a].get(b, 0):
            self.ties[a][b] = self.ties[b][a] = level

    def portfolios(self) -> Portfolios:
        return Portfolios(tuple(self.system), self.ties)


def state_key(cells: Sequence[Any]) -> str:
    return "|".join(map(str, cells))


def year_ties(year: int, lines: Iterable[Line], width: int) -> YearTies:
    found = YearTies(year)
    start = 2 * width + 1
    for line in lines:
        tie = _tie(line[start : start + len(OBLIGATIONS)])
        found.add(state_key(line[:width]), state_key(line[width : 2 * width]), tie)
    return found


def scored_lines(lines: Iterable[Line], width: int, chosen: Scoring) -> Iterator[Line]:
    """The dyad rows (`width` code columns per state, then the year and the obligations)
    with the year's score of each dyad appended; held one year at a time."""
    for year, group in groupby(lines, itemgetter(2 * width)):
        rows = list(group)
        ties = year_ties(year, rows, width)
        scores: dict[tuple[str, str], float | None] = {}
        if ties.known and len(ties.system) > 1:
            for a, b, value in dyad_similarities(
                ties.portfolios(), chosen.measure, distance=chosen.distance
            ):
                scores[a, b] = scores[b, a] = value
        for line in rows:
            yield (*line, scores.get((state_key(line[:width]), state_key(line[width : 2 * width]))))


def tie_names() -> Mapping[int, str]:
    """Each tie level's name, for people."""
    return {0: "none", 1: "entente", 2: "neutrality/nonaggression", MAX_TIE: "defense"}
