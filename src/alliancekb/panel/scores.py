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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

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
from alliancekb.panel.units import Unit, last_cow_code

if TYPE_CHECKING:
    from alliancekb.panel.capabilities import Capabilities

#: Each obligation column's tie level, in column order.
_LEVEL_OF_COLUMN = tuple(TIE_LEVELS[name] for name in OBLIGATIONS)


@dataclass(frozen=True)
class Scoring:
    """Which similarity a panel's column holds."""

    measure: Measure = Measure.S
    #: None: the measure's own (S absolute; kappa and pi squared, as Häge computes them).
    distance: Distance | None = None
    #: Weighted S: each state of the system weighs its CINC that year (`capabilities`).
    weighted: bool = False

    @property
    def column(self) -> str:
        """The column's name: the measure, `_squared` added for S on squared distances,
        `_weighted` for weighted S."""
        name = self.measure.value
        if self.measure is Measure.S and self.distance is Distance.SQUARED:
            name = "s_squared"
        return f"{name}_weighted" if self.weighted else name


def scoring(
    measure: str | None, distance: str | None = None, weighted: bool = False
) -> Scoring | None:
    """The scoring asked for (None: no score); UsageError naming the choices otherwise.

    `weighted`: S weighted by capability shares; kappa and pi are refused (alliancekb
    computes them unweighted only)."""
    if measure is None:
        if distance is not None:
            raise UsageError("a distance applies to a similarity measure: give one too")
        if weighted:
            raise UsageError("--weighted applies to a similarity measure: give --similarity s")
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
    if weighted and chosen is not Measure.S:
        raise UsageError(
            f"weights apply to S only: alliancekb computes {chosen.value} unweighted "
            "(drop --weighted, or use --measure s)"
        )
    return Scoring(chosen, how, weighted)


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


#: A year's weight of each state (its `state_key`): None where it has none.
Weights = Callable[[int], Mapping[str, float | None]]


def unweighted(ties: YearTies, weights: Mapping[str, float | None]) -> list[str]:
    """The states of the year's system with no weight (weighted S is missing then)."""
    return [state for state in ties.system if weights.get(state) is None]


def usable_weights(ties: YearTies, weights: Mapping[str, float | None]) -> dict[str, float] | None:
    """The year's weights, or None when a state has none or all are 0 (S missing)."""
    found = {state: weights.get(state) for state in ties.system}
    if any(w is None for w in found.values()):
        return None
    chosen = {state: float(w) for state, w in found.items() if w is not None}
    return chosen if sum(chosen.values()) > 0 else None


def scored_lines(
    lines: Iterable[Line], width: int, chosen: Scoring, weights: Weights | None = None
) -> Iterator[Line]:
    """The dyad rows (`width` code columns per state, then the year and the obligations)
    with the year's score of each dyad appended; held one year at a time.

    Weighted S (`weights`): a year in which a state of the system has no weight has its
    scores missing."""
    for year, group in groupby(lines, itemgetter(2 * width)):
        rows = list(group)
        ties = year_ties(year, rows, width)
        scores: dict[tuple[str, str], float | None] = {}
        given = None
        if chosen.weighted:
            assert weights is not None
            given = usable_weights(ties, weights(year))
        if ties.known and len(ties.system) > 1 and (given is not None or not chosen.weighted):
            for a, b, value in dyad_similarities(
                ties.portfolios(), chosen.measure, weights=given, distance=chosen.distance
            ):
                scores[a, b] = scores[b, a] = value
        for line in rows:
            yield (*line, scores.get((state_key(line[:width]), state_key(line[width : 2 * width]))))


def tie_names() -> Mapping[int, str]:
    """Each tie level's name, for people."""
    return {0: "none", 1: "entente", 2: "neutrality/nonaggression", MAX_TIE: "defense"}


def capability_weights(units: Sequence[Unit], capabilities: Capabilities) -> Weights:
    """Each unit's weight in a year: the CINC of its COW code on its last day in the system
    that year (DEU in 1990: 255's), None where it has no COW code or no score."""

    def weights(year: int) -> dict[str, float | None]:
        return {
            state_key(unit.key): capabilities.get(last_cow_code(unit, year), year)
            for unit in units
            if unit.days_in(year) is not None
        }

    return weights
