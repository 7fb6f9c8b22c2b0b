"""Two countries' alliance portfolios compared in one year (`alliancekb similarity A B`).

The year's dyad-year panel (the same source or merged answer, the same scopes) gives the
state system and every tie (`panel.scores`); the answer says the value, the N states it
is over, and the states the two are tied to differently. docs/similarity.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from alliancekb.panel.build import panel
from alliancekb.panel.scores import scoring, year_ties
from alliancekb.panel.similarity import Distance, Measure, SimilarityError, similarity
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, load_index

if TYPE_CHECKING:
    from alliancekb.query.common import Reader


@dataclass(frozen=True)
class SimilarityAnswer:
    """Two states' similarity in one year, and what it rests on."""

    a: str
    b: str
    year: int
    measure: str
    distance: str
    #: None: outside the coverage, or kappa/pi undefined (both portfolios one constant).
    value: float | None
    #: The states of the system that year (N).
    states: int
    #: The dataset whose claims it codes (None: the merged answer).
    source: str | None
    #: The states the two are tied to differently: (iso3, a's tie, b's tie), by iso3.
    differing: list[tuple[str, int, int]]
    #: Why `value` is None, if it is.
    missing: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The answer as the CLI's JSON prints it."""
        return {
            "a": self.a,
            "b": self.b,
            "year": self.year,
            "measure": self.measure,
            "distance": self.distance,
            "value": self.value,
            "states": self.states,
            "source": self.source,
            "differing": [{"state": s, "a": x, "b": y} for s, x, y in self.differing],
            "missing": self.missing,
        }


def _country(reader: Reader, name: str) -> str:
    ref = load_index(reader, {Kind.COUNTRY}).resolve(name, {Kind.COUNTRY})
    iso3: str = reader.execute(
        select(t.countries.c.iso3).where(t.countries.c.id == ref.id)
    ).scalar_one()
    return iso3


def similarity_of(
    reader: Reader,
    a: str,
    b: str,
    year: int,
    *,
    measure: str = "s",
    distance: str | None = None,
    source: str | None = None,
    scopes: Sequence[str] = (),
) -> SimilarityAnswer:
    """How alike two countries' alliance portfolios were in `year` (`alliancekb similarity`).

    Over the state system of that year, from the dyad-year panel of the same `source`
    (None: the merged answer) and `scopes`; `measure` s, kappa or pi.
    """
    chosen = scoring(measure, distance)
    assert chosen is not None
    first, second = _country(reader, a), _country(reader, b)
    made = panel(reader, "dyad-year", first=year, last=year, source=source, codes=["iso3"],
                 scopes=scopes)  # fmt: skip
    ties = year_ties(year, made.lines(), 1)
    for iso3 in (first, second):
        if iso3 not in ties.ties:
            raise SimilarityError(
                f"{iso3} is not in the state system in {year} (COW state system, "
                "as the shipped crosswalk dates it)"
            )
    how = chosen.distance or (
        Distance.ABSOLUTE if chosen.measure is Measure.S else Distance.SQUARED
    )
    value: float | None = None
    missing = None
    differing: list[tuple[str, int, int]] = []
    if not ties.known:
        missing = f"{year} is outside the coverage of {made.source or 'the answer'}"
    else:
        portfolios = ties.portfolios()
        value = similarity(portfolios, first, second, chosen.measure, distance=chosen.distance)
        if value is None:
            missing = "undefined: both portfolios are the same constant (no chance correction)"
        differing = sorted(
            (state, portfolios.tie(first, state), portfolios.tie(second, state))
            for state in ties.system
            if portfolios.tie(first, state) != portfolios.tie(second, state)
        )
    return SimilarityAnswer(
        first, second, year, chosen.measure.value, how.value, value, len(ties.system),
        made.source, differing, missing,
    )  # fmt: skip
