"""`panel(reader, kind, ...)`: a panel's plan, read in one read transaction.

Everything the rows need is read here (the memberships, the alliances' keys, the
datasets' coverage and citations); the `Panel` it returns makes its rows without the
database, so a caller may close the transaction and stream them (`panel.write`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from alliancekb.core.clock import today
from alliancekb.core.errors import UsageError
from alliancekb.core.vocab import SourceKind
from alliancekb.panel import spells as spells_mod
from alliancekb.panel.capabilities import (
    Capabilities,
    CapabilitiesMissingError,
    missing_capabilities_message,
    read_capabilities,
)
from alliancekb.panel.gw import GwSystem, gw_system
from alliancekb.panel.rows import Line, PanelKind, Rows
from alliancekb.panel.scores import Scoring, Weights, capability_weights, scored_lines, scoring
from alliancekb.panel.units import Code, parse_codes, system_of, units
from alliancekb.store import tables as t

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The years a panel may ask for.
FIRST_YEAR, LAST_YEAR = 1000, 9998

#: The year rule, said in docs/panels.md and in every data package.
YEAR_RULE = (
    "A state (a dyad) is coded 1 for an obligation in a year when a membership (both "
    "states' memberships of one alliance) carrying it was in force on any day of that year "
    "(the Correlates of War convention)."
)


class UnknownPanelError(UsageError):
    """A panel kind that does not exist (exit 2)."""


def panel_kind(kind: PanelKind | str) -> PanelKind:
    """`kind` as a PanelKind; UnknownPanelError listing them otherwise."""
    try:
        return PanelKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in PanelKind)
        raise UnknownPanelError(f"unknown panel {kind!r}; choose from: {choices}") from None


@dataclass
class Panel:
    """A panel ready to stream: its rows (`lines`, or dicts by iterating), what it is."""

    rows: Rows
    #: The dataset sources behind it (Data Package `sources`): title, path, key, note.
    sources: list[dict[str, str]]
    #: What the panel is, in words: its unit, answer, years, coverage and the year rule.
    description: str
    #: A dyad panel's similarity column, if asked (`panel.scores`).
    scoring: Scoring | None = None
    #: Weighted S's weights by year (`scores.capability_weights`).
    weights: Weights | None = None
    #: The GW list the rows follow or carry (None: no GW codes).
    gw: GwSystem | None = None
    kind: PanelKind = field(init=False)

    def __post_init__(self) -> None:
        self.kind = self.rows.kind

    @property
    def columns(self) -> tuple[str, ...]:
        if self.scoring is not None:
            return (*self.rows.columns, self.scoring.column)
        return self.rows.columns

    @property
    def source(self) -> str | None:
        """The dataset whose claims it codes (None: the merged answer)."""
        return self.rows.memberships.source

    def lines(self, joined: bool = False) -> Iterator[Line]:
        """Each row as a tuple in `columns` order (`joined`: lists as `; `-joined text)."""
        if self.scoring is not None:
            return scored_lines(
                self.rows.lines(joined), len(self.rows.codes), self.scoring, self.weights
            )
        return self.rows.lines(joined)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        columns = self.columns
        for line in self.lines():
            yield dict(zip(columns, line, strict=True))


def _year(value: int | None, name: str) -> int | None:
    if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
        raise UsageError(f"the {name} year must be from {FIRST_YEAR} to {LAST_YEAR}, not {value}")
    return value


def _covered(found: spells_mod.Memberships) -> tuple[int | None, int | None]:
    lo = found.covers_from.year if found.covers_from is not None else None
    hi = found.covers_to.year if found.covers_to is not None else None
    return lo, hi


def panel(
    reader: Reader,
    kind: PanelKind | str,
    *,
    first: int | None = None,
    last: int | None = None,
    source: str | None = None,
    codes: Sequence[str] | None = None,
    scopes: Sequence[str] = (),
    by_alliance: bool = False,
    similarity: str | None = None,
    distance: str | None = None,
    weighted: bool = False,
    capabilities: str | Path | Capabilities | None = None,
    gw_list: str | Path | None = None,
) -> Panel:
    """The panel `kind` from `first` to `last` (years, both in).

    `source`: one dataset's claims (its source key, `cow-alliances-4.1`), else the merged
    answer with `disputed`. `codes`: `cow`, `iso3` or both (the default). `scopes`: only
    these alliances. `by_alliance`: one row per state (dyad), alliance and year tied,
    instead of one per state (dyad) and year. `similarity` (s, kappa or pi; `distance`
    absolute or squared): a dyad panel's column of the dyad's alliance-portfolio similarity
    that year (docs/similarity.md); `weighted` S weighs each state by its CINC in
    `capabilities` (COW's NMC CSV, a path or a read `Capabilities`). `gw_list`: the user's
    Gleditsch–Ward list (iisystem.dat), needed by `gw` codes: the rows follow the system of
    the first of `cow` and `gw` in `codes` (docs/panels.md). Default years: the answer's
    coverage (the merged answer: from its datasets' first year to this year).
    """
    chosen = panel_kind(kind)
    scored = scoring(similarity, distance, weighted)
    if scored is not None and (not chosen.dyadic or by_alliance):
        raise UsageError("a similarity column is for the dyad-year panels, one row per dyad")
    wanted = parse_codes(codes)
    _year(first, "first")
    _year(last, "last")
    cinc = capabilities_of(capabilities) if weighted else None
    now = today()
    gw = gw_system(reader, gw_list, now) if Code.GW in wanted else None
    found = spells_mod.read(reader, source, scopes)
    covered = _covered(found)
    if found.source is None:
        covered = (covered[0], now.year)  # the merged answer speaks up to today
    lo = first if first is not None else max(covered[0] or 1816, 1816)
    hi = last if last is not None else (covered[1] or now.year)
    made = units(wanted, now, gw)
    rows = Rows(chosen, wanted, by_alliance, lo, hi, found, made, covered)
    sources = dataset_sources(reader, sorted(found.coverage))
    sources += [given.source() for given in (gw, cinc) if given is not None]
    text = describe(rows, found, now, gw)
    weights = None
    if cinc is not None:
        weights = capability_weights(made, cinc)
        text += " " + WEIGHTS_RULE.format(file=Path(cinc.path).name)
    return Panel(rows, sources, text, scored, weights, gw)


#: Weighted S's rule, said in docs/similarity.md and in the data package.
WEIGHTS_RULE = (
    "Weighted S weighs each state of the year's system by its CINC that year in {file} "
    "(COW National Material Capabilities; a state's COW code on its last day in the system "
    "that year); a year in which a state of the system has no CINC has its scores empty."
)


def capabilities_of(given: str | Path | Capabilities | None) -> Capabilities:
    """The capabilities given, read if a path; CapabilitiesMissingError if none."""
    if given is None or (not isinstance(given, Capabilities) and not str(given).strip()):
        raise CapabilitiesMissingError(missing_capabilities_message())
    return given if isinstance(given, Capabilities) else read_capabilities(given)


def dataset_sources(reader: Reader, keys: Sequence[str]) -> list[dict[str, str]]:
    """The dataset sources `keys`, as Data Package sources (title, URL, key, citation)."""
    s = t.sources.c
    found = []
    for key, title, url, note in reader.execute(
        select(s.key, s.title, s.url, s.note)
        .where(s.kind == SourceKind.DATASET, s.key.in_(list(keys)))
        .order_by(s.key)
    ):
        item = {"title": title, "alliancekb:key": key}
        if url:
            item["path"] = url
        if note:
            item["alliancekb:note"] = note
        found.append(item)
    return found


def _window(first: dt.date | None, last: dt.date | None) -> str:
    lo = str(first.year) if first is not None else "?"
    return f"{lo}–{last.year}" if last is not None else f"from {lo}"


def describe(
    rows: Rows, found: spells_mod.Memberships, now: dt.date, gw: GwSystem | None = None
) -> str:
    """The panel in words: unit, answer, coverage (once), years, the year rule, and the GW
    list's mapping (what did not map)."""
    unit = {
        PanelKind.STATE_YEAR: "state-year",
        PanelKind.DYAD_YEAR: "dyad-year (undirected)",
        PanelKind.DIRECTED_DYAD_YEAR: "directed dyad-year (A→B carries A's obligations)",
    }[rows.kind]
    if rows.by_alliance:
        unit += ", one row per alliance that ties it"
    if found.source is not None:
        first, last = found.coverage[found.source]
        answer = f"the claims of the dataset {found.source} alone (coverage {_window(first, last)})"
    else:
        windows = "; ".join(f"{k} {_window(*w)}" for k, w in sorted(found.coverage.items()))
        answer = (
            "the knowledge base's merged answer (its own records over the datasets', "
            "entry into force over signature, a dataset past its coverage presumed at most; "
            f"`disputed` = 1 where a source disagrees), coverage from "
            f"{rows.covered[0] or '?'} to {now.year}"
            + (f" (datasets: {windows})" if windows else "")
        )
    names = {
        Code.COW: "COW state system v2016 codes (ccode)",
        Code.ISO3: "ISO3",
        Code.GW: "Gleditsch–Ward codes (gwcode)",
    }
    codes = ", ".join(names[c] for c in rows.codes)
    if system_of(rows.codes) is Code.GW:
        system = (
            "a state has rows only in the years the user's Gleditsch–Ward list has it on some day"
        )
    else:
        system = (
            "a state has rows only in the years it is in the COW state system as "
            "alliancekb's crosswalk dates it"
        )
    if len([c for c in rows.codes if c.system]) > 1:
        system += "; the other system's code is empty where the state has none"
    text = (
        f"alliancekb {unit} panel, {rows.first_year}–{rows.last_year}, from {answer}. "
        f"States keyed by {codes}; {system}. "
        f"{YEAR_RULE} Outside the answer's coverage the obligation cells are empty "
        "(missing), not 0."
    )
    return text + (" " + gw.report() if gw is not None else "")
