"""Alliance-portfolio similarity: Signorino and Ritter's S, Cohen's kappa and Scott's pi.

Pure functions over plain data (no database): docs/similarity.md has the formulas, the tie
coding, a worked example and the sources.

A state's *portfolio* in a year is its tie to every state of that year's state system, on
the valued scale 3 defense (and offense), 2 neutrality or nonaggression, 1 entente (and
consultation), 0 none, and 3 to itself. `build_portfolios` makes every portfolio of a year
from the alliances in force in it; `similarity` scores one dyad and `dyad_similarities`
every dyad of the system, from the nonzero ties only (the vectors are mostly zeros), so a
whole year costs little more than its alliances.

`s_score`, `cohen_kappa` and `scott_pi` are the definitions over two aligned tie vectors:
the reference the fast path is tested equal to, and what a caller with vectors of its own
uses.

- S (Signorino and Ritter 1999): `1 - 2·d/d_max`, with `d = Σ w_j·δ(a_j, b_j)` and
  `d_max = Σ w_j·δ_max`; δ the absolute (default) or squared difference, δ_max = 3 or 9,
  every w_j = 1 unless weights are given.
- kappa and pi (Häge 2011): `1 - D_o/D_e` with squared differences, `D_o = Σ (a_j - b_j)²`;
  for kappa `D_e = Σa² + Σb² - 2·Σa·Σb/N` (each state's own distribution of ties), for pi
  `D_e = Σa² + Σb² - (Σa + Σb)²/(2N)` (the two pooled). `D_e` is 0 only when both
  portfolios are the same constant vector: the measure is undefined there and is `None`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from alliancekb.core.errors import UsageError
from alliancekb.core.vocab import Obligation


class SimilarityError(UsageError, ValueError):
    """An input the similarity measures cannot score: a state outside the system, fewer than
    two states, bad weights, an unknown obligation (exit 2 on the command line)."""


class Measure(StrEnum):
    """The similarity measures: Signorino and Ritter's S, Cohen's kappa, Scott's pi."""

    S = "s"
    KAPPA = "kappa"
    PI = "pi"


class Distance(StrEnum):
    """How S counts the difference between two ties: |a - b| or (a - b)².

    Squared is Häge's (a sum of squares over 9·N), not the Euclidean norm of Signorino's
    own code (the square root of that sum)."""

    ABSOLUTE = "absolute"
    SQUARED = "squared"


NO_TIE = 0
#: The top of the valued scale, and a state's tie to itself.
MAX_TIE = 3
SELF_TIE = MAX_TIE

#: Each obligation's level on the valued scale. COW's three types give defense 3,
#: neutrality and nonaggression 2, entente 1. ATOP's two obligations COW does not code:
#: offense (a promise of active military support) ranks with defense; consultation (a
#: promise to consult in a crisis, which is what COW's entente obliges) ranks with entente.
TIE_LEVELS: Mapping[str, int] = MappingProxyType(
    {
        Obligation.DEFENSE.value: 3,
        Obligation.OFFENSE.value: 3,
        Obligation.NEUTRALITY.value: 2,
        Obligation.NONAGGRESSION.value: 2,
        Obligation.ENTENTE.value: 1,
        Obligation.CONSULTATION.value: 1,
    }
)

_LEVELS = range(NO_TIE, MAX_TIE + 1)


def tie_level(obligations: Iterable[str], levels: Mapping[str, int] = TIE_LEVELS) -> int:
    """The level of a tie carrying these obligations: the highest of theirs, 0 for none.

    Names are `Obligation` values (`defense`, `offense`, `neutrality`, `nonaggression`,
    `consultation`, `entente`); `levels` may rank them otherwise (values 0 to 3).
    """
    if isinstance(obligations, str):
        raise SimilarityError(
            f"obligations must be a collection of names, not the one string {obligations!r}"
        )
    level = NO_TIE
    for name in obligations:
        value = levels.get(name)
        if value is None:
            known = ", ".join(levels)
            raise SimilarityError(f"unknown obligation {name!r}; known: {known}")
        if value not in _LEVELS:
            raise SimilarityError(f"obligation {name!r} has level {value}; levels are 0 to 3")
        level = max(level, value)
    return level


@dataclass(frozen=True)
class Portfolios:
    """Every state's alliance portfolio in one state system (one year).

    `system` is the states in their order (a portfolio vector follows it); `ties` holds,
    per state, only its nonzero ties (partner -> level), itself included at 3.
    """

    system: tuple[str, ...]
    ties: Mapping[str, Mapping[str, int]]

    def check(self, state: str) -> None:
        """Raise `SimilarityError` unless `state` is in the system."""
        if state not in self.ties:
            raise SimilarityError(
                f"{state!r} is not in the state system ({len(self.system)} states)"
            )

    def tie(self, a: str, b: str) -> int:
        """The level of the tie between two states of the system (3 for a state and itself)."""
        self.check(a)
        self.check(b)
        return self.ties[a].get(b, NO_TIE)

    def vector(self, state: str) -> tuple[int, ...]:
        """The state's portfolio: its tie to every state of the system, in `system` order."""
        self.check(state)
        row = self.ties[state]
        return tuple(row.get(other, NO_TIE) for other in self.system)


def build_portfolios(
    system: Sequence[str],
    alliances: Iterable[Mapping[str, Iterable[str]]],
    *,
    levels: Mapping[str, int] = TIE_LEVELS,
) -> Portfolios:
    """Every portfolio of a state system from the alliances in force in its year.

    `alliances`: per alliance, each member -> its own obligations in it. Two states are
    tied at the highest level over the alliances both belong to, and in one alliance at
    the level of the obligations either of them carries (the union of the two members'
    obligations, as COW's dyadic file codes a dyad). Members outside `system` are left out:
    a portfolio has a position only for the system's states.
    """
    states = _check_system(system)
    ties: dict[str, dict[str, int]] = {state: {state: SELF_TIE} for state in states}
    for alliance in alliances:
        members = [
            (member, tie_level(obligations, levels)) for member, obligations in alliance.items()
        ]
        inside = [(member, level) for member, level in members if member in ties]
        for index, (a, level_a) in enumerate(inside):
            row_a = ties[a]
            for b, level_b in inside[index + 1 :]:
                level = max(level_a, level_b)
                if level > row_a.get(b, NO_TIE):
                    row_a[b] = level
                    ties[b][a] = level
    return Portfolios(
        system=states,
        ties=MappingProxyType({state: MappingProxyType(row) for state, row in ties.items()}),
    )


def similarity(
    portfolios: Portfolios,
    a: str,
    b: str,
    measure: Measure = Measure.S,
    *,
    weights: Mapping[str, float] | None = None,
    distance: Distance | None = None,
) -> float | None:
    """The similarity of two states' portfolios.

    `weights` (state -> weight, e.g. capability shares; every state of the system needs
    one, none negative, not all zero) gives weighted S; kappa and pi take none. `distance`:
    S's difference, absolute unless told; kappa and pi use squared differences (Häge 2011)
    and refuse absolute. `None`: kappa or pi undefined (both portfolios the same constant
    vector, so no agreement beyond chance can be told from chance).
    """
    portfolios.check(a)
    portfolios.check(b)
    return _Scorer(portfolios, measure, weights, distance).score(a, b)


def dyad_similarities(
    portfolios: Portfolios,
    measure: Measure = Measure.S,
    *,
    weights: Mapping[str, float] | None = None,
    distance: Distance | None = None,
) -> Iterator[tuple[str, str, float | None]]:
    """Every undirected dyad of the system with its similarity, as (a, b, value).

    Dyads come in `system` order (a before b, each pair once; the measures are symmetric).
    Parameters and `None` values as in `similarity`.
    """
    scorer = _Scorer(portfolios, measure, weights, distance)
    system = portfolios.system
    for index, a in enumerate(system):
        for b in system[index + 1 :]:
            yield a, b, scorer.score(a, b)


def s_score(
    a: Sequence[int],
    b: Sequence[int],
    *,
    weights: Sequence[float] | None = None,
    distance: Distance = Distance.ABSOLUTE,
) -> float:
    """Signorino and Ritter's S of two aligned tie vectors (levels 0 to 3).

    `1 - 2·Σ w_j·δ(a_j, b_j) / (δ_max·Σ w_j)`; unweighted, every w_j is 1 and it is
    `1 - 2·Σ|a_j - b_j| / (3·N)`. From -1 (opposite extremes everywhere) to 1 (identical).
    """
    _check_vectors(a, b)
    if weights is None:
        weights = [1.0] * len(a)
    elif len(weights) != len(a):
        raise SimilarityError(f"{len(weights)} weights for {len(a)} states")
    total = _check_weight_values(weights)
    power = _power(distance)
    d = math.fsum(w * _delta(x, y, power) for w, x, y in zip(weights, a, b, strict=True))
    return 1.0 - 2.0 * d / (_delta(MAX_TIE, NO_TIE, power) * total)


def cohen_kappa(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Cohen's kappa of two aligned tie vectors, with squared differences (Häge 2011).

    `1 - Σ(a_j - b_j)² / (Σa² + Σb² - 2·Σa·Σb/N)`; `None` when the denominator is 0.
    """
    _check_vectors(a, b)
    return _kappa(len(a), sum(a), sum(b), _sum_squares(a), _sum_squares(b), _ssd(a, b))


def scott_pi(a: Sequence[int], b: Sequence[int]) -> float | None:
    """Scott's pi of two aligned tie vectors, with squared differences (Häge 2011).

    `1 - Σ(a_j - b_j)² / (Σa² + Σb² - (Σa + Σb)²/(2N))`; `None` when the denominator is 0.
    """
    _check_vectors(a, b)
    return _pi(len(a), sum(a), sum(b), _sum_squares(a), _sum_squares(b), _ssd(a, b))


# -- the computations ---------------------------------------------------------------------


def _kappa(n: int, s1: int, s2: int, ss1: int, ss2: int, ssd: int) -> float | None:
    # Multiplied through by N, the expected disagreement is an integer: exact zero test.
    expected = n * (ss1 + ss2) - 2 * s1 * s2
    return None if expected == 0 else 1.0 - n * ssd / expected


def _pi(n: int, s1: int, s2: int, ss1: int, ss2: int, ssd: int) -> float | None:
    expected = 2 * n * (ss1 + ss2) - (s1 + s2) ** 2
    return None if expected == 0 else 1.0 - 2 * n * ssd / expected


def _sum_squares(values: Iterable[int]) -> int:
    return sum(value * value for value in values)


def _ssd(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(_delta(x, y, 2) for x, y in zip(a, b, strict=True))


def _delta(x: int, y: int, power: int) -> int:
    """|x - y| (power 1) or (x - y)² (power 2)."""
    difference = abs(x - y)
    return difference * difference if power == 2 else difference


def _power(distance: Distance) -> int:
    return 2 if Distance(distance) is Distance.SQUARED else 1


class _Scorer:
    """One measure over one system's portfolios, from their nonzero ties.

    Per state it keeps Σ and Σ² of its vector (the zeros add nothing); per dyad it visits
    only the states either of the two is tied to, since elsewhere both are 0.
    """

    def __init__(
        self,
        portfolios: Portfolios,
        measure: Measure,
        weights: Mapping[str, float] | None,
        distance: Distance | None,
    ) -> None:
        self.ties = portfolios.ties
        self.n = len(portfolios.system)
        self.measure = Measure(measure)
        if self.measure is Measure.S:
            self.power = _power(distance or Distance.ABSOLUTE)
            self.weights = None if weights is None else _system_weights(portfolios, weights)
            total = self.n if self.weights is None else math.fsum(self.weights.values())
            self.d_max = _delta(MAX_TIE, NO_TIE, self.power) * total
            return
        if weights is not None:
            raise SimilarityError(f"weights apply to S only, not to {self.measure.value}")
        if distance is not None and Distance(distance) is not Distance.SQUARED:
            raise SimilarityError(
                f"{self.measure.value} is defined with squared distances (Häge 2011)"
            )
        self.sums = {state: sum(row.values()) for state, row in self.ties.items()}
        self.squares = {state: _sum_squares(row.values()) for state, row in self.ties.items()}

    def score(self, a: str, b: str) -> float | None:
        row_a, row_b = self.ties[a], self.ties[b]
        partners = row_a.keys() | row_b.keys()
        if self.measure is Measure.S:
            return 1.0 - 2.0 * self._distance(row_a, row_b, partners) / self.d_max
        ssd = sum(_delta(row_a.get(j, NO_TIE), row_b.get(j, NO_TIE), 2) for j in partners)
        args = (self.n, self.sums[a], self.sums[b], self.squares[a], self.squares[b], ssd)
        return _kappa(*args) if self.measure is Measure.KAPPA else _pi(*args)

    def _distance(
        self, row_a: Mapping[str, int], row_b: Mapping[str, int], partners: Iterable[str]
    ) -> float:
        power, weights = self.power, self.weights
        if weights is None:
            return sum(_delta(row_a.get(j, NO_TIE), row_b.get(j, NO_TIE), power) for j in partners)
        return math.fsum(
            weights[j] * _delta(row_a.get(j, NO_TIE), row_b.get(j, NO_TIE), power) for j in partners
        )


# -- checks -------------------------------------------------------------------------------


def _check_system(system: Sequence[str]) -> tuple[str, ...]:
    if isinstance(system, str):
        raise SimilarityError(f"the state system must be a sequence of states, not {system!r}")
    states = tuple(system)
    if len(states) < 2:
        raise SimilarityError(
            f"a state system needs at least two states to compare portfolios; got {len(states)}"
        )
    repeated = sorted(state for state, count in Counter(states).items() if count > 1)
    if repeated:
        raise SimilarityError(f"states listed twice in the system: {', '.join(repeated)}")
    return states


def _check_vectors(a: Sequence[int], b: Sequence[int]) -> None:
    if len(a) != len(b):
        raise SimilarityError(f"portfolios of different lengths: {len(a)} and {len(b)}")
    if len(a) < 2:
        raise SimilarityError(f"portfolios need at least two states to compare; got {len(a)}")
    for vector in (a, b):
        for value in vector:
            if value not in _LEVELS:
                raise SimilarityError(f"tie level {value!r} is not one of 0, 1, 2, 3")


def _check_weight_values(weights: Iterable[float]) -> float:
    values = list(weights)
    bad = [w for w in values if not math.isfinite(w) or w < 0]
    if bad:
        raise SimilarityError(f"weights must be finite and not negative; got {bad[0]!r}")
    total = math.fsum(values)
    if total <= 0:
        raise SimilarityError("weights sum to 0: weighted S needs some positive weight")
    return total


def _system_weights(portfolios: Portfolios, weights: Mapping[str, float]) -> dict[str, float]:
    missing = [state for state in portfolios.system if state not in weights]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise SimilarityError(f"no weight for {len(missing)} state(s) of the system: {shown}")
    chosen = {state: weights[state] for state in portfolios.system}
    _check_weight_values(chosen.values())
    return chosen
