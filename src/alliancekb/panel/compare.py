"""Two countries' alliance portfolios compared in one year (`alliancekb similarity A B`).

The year's dyad-year panel (the same source or merged answer, the same scopes) gives the
state system and every tie (`panel.scores`); the answer says the value, the N states it
is over, and the states the two are tied to differently. Weighted S weighs each state by
its CINC that year (`panel.capabilities`), as `panel dyad-year --similarity s --weighted`
does. docs/similarity.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from alliancekb.panel.build import capabilities_of, panel
from alliancekb.panel.capabilities import Capabilities
from alliancekb.panel.scores import (
    capability_weights,
    scoring,
    unweighted,
    usable_weights,
    year_ties,
)
from alliancekb.panel.similarity import Distance, Measure, SimilarityError, similarity
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind, resolve_one

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
    #: Weighted S: the capabilities file's name (None: unweighted).
    weighted_by: str | None = None
    #: The merged answer past every dataset's coverage: its ties are the knowledge base's
    #: own records and the datasets' last word, presumed (docs/panels.md).
    presumed: bool = False

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
            "weighted": self.weighted_by is not None,
            "capabilities": self.weighted_by,
            "presumed": self.presumed,
        }


def _country(reader: Reader, name: str) -> str:
    ref = resolve_one(reader, name, {Kind.COUNTRY})
    iso3: str = reader.execute(
        select(t.countries.c.iso3).where(t.countries.c.id == ref.id)
    ).scalar_one()
    return iso3


def _no_weights(cinc: Capabilities, year: int, lacking: list[str]) -> str:
    if not lacking:
        return f"every CINC of the {year} system is 0 in {Path(cinc.path).name}"
    shown = ", ".join(lacking[:8]) + (f" and {len(lacking) - 8} more" if len(lacking) > 8 else "")
    return f"no CINC in {Path(cinc.path).name} for {len(lacking)} state(s) in {year}: {shown}"


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
    weighted: bool = False,
    capabilities: str | Path | Capabilities | None = None,
) -> SimilarityAnswer:
    """How alike two countries' alliance portfolios were in `year` (`alliancekb similarity`).

    Over the state system of that year, from the dyad-year panel of the same `source`
    (None: the merged answer) and `scopes`; `measure` s, kappa or pi. `weighted`: S weighted
    by each state's CINC that year in `capabilities` (COW's NMC CSV); missing, with the
    states named, when a state of the system has none.
    """
    chosen = scoring(measure, distance, weighted)
    assert chosen is not None
    cinc = capabilities_of(capabilities) if weighted else None
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
    weights = None
    lacking: list[str] = []
    if cinc is not None:
        given = capability_weights(made.rows.units, cinc)(year)
        lacking = unweighted(ties, given)
        weights = usable_weights(ties, given)
    if not ties.known:
        missing = f"{year} is outside the coverage of {made.source or 'the answer'}"
    else:
        portfolios = ties.portfolios()
        if cinc is not None and weights is None:
            missing = _no_weights(cinc, year, lacking)
        else:
            value = similarity(
                portfolios, first, second, chosen.measure, weights=weights,
                distance=chosen.distance,
            )  # fmt: skip
            if value is None:
                missing = "undefined: both portfolios are the same constant (no chance correction)"
        differing = sorted(
            (state, portfolios.tie(first, state), portfolios.tie(second, state))
            for state in ties.system
            if portfolios.tie(first, state) != portfolios.tie(second, state)
        )
    ends = [end.year for _, end in made.rows.memberships.coverage.values() if end is not None]
    presumed = made.source is None and bool(ends) and year > max(ends)
    return SimilarityAnswer(
        first, second, year, chosen.measure.value, how.value, value, len(ties.system),
        made.source, differing, missing, Path(cinc.path).name if cinc else None, presumed,
    )  # fmt: skip
