"""COW National Material Capabilities, read from the user's CSV: the weights of weighted S.

alliancekb ships no capability data. Weighted S (Signorino and Ritter 1999) weighs each
state of the system by its share of capabilities, which is what COW's Composite Index of
National Capability (CINC) is: a state's average share of the system's six capability
components that year. `read_capabilities` reads NMC's CSV (v5.0 or v6.0: a header row with
at least `ccode`, `year` and `cinc`; other columns ignored). A `cinc` that is empty or
negative (COW's -9 for missing) is no score. A bad cell is an InvalidDataError naming
file:line:column, and nothing is read.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from alliancekb.core.errors import InvalidDataError, Problem, UsageError
from alliancekb.panel.user_files import read_user_file

#: Where the data are published (the site; the data set is under "Data Sets").
NMC_SITE = "https://correlatesofwar.org/"
_NEEDED = ("ccode", "year", "cinc")


class CapabilitiesMissingError(UsageError):
    """Weighted S asked for without a capabilities file (exit 2)."""


def missing_capabilities_message() -> str:
    """What to do when weighted S is asked for without capability data."""
    return (
        "weighted S needs capability weights: pass COW's National Material Capabilities "
        "CSV (NMC 5.0 or 6.0, with ccode, year and cinc columns) with --capabilities FILE "
        f"(API: capabilities=); the Correlates of War Project publishes it at {NMC_SITE} "
        "(Data Sets, National Material Capabilities); alliancekb ships none"
    )


@dataclass
class Capabilities:
    """CINC scores by COW code and year, from one file."""

    path: str
    cinc: dict[tuple[int, int], float] = field(default_factory=dict)

    def get(self, ccode: int | None, year: int) -> float | None:
        """The state's CINC that year (None: no code, or no score in the file)."""
        return None if ccode is None else self.cinc.get((ccode, year))

    def source(self) -> dict[str, str]:
        """The file as a Data Package source (the user's copy; where NMC is published)."""
        return {
            "title": "Correlates of War Project, National Material Capabilities (the user's "
            f"copy, {Path(self.path).name})",
            "path": NMC_SITE,
        }

    @property
    def years(self) -> tuple[int, int] | None:
        """The first and last year with a score."""
        years = [year for _, year in self.cinc]
        return (min(years), max(years)) if years else None


def read_capabilities(path: str | Path) -> Capabilities:
    """The CINC scores of an NMC CSV file (module docstring)."""
    name, text = read_user_file(path, "the capabilities file")
    lines = text.splitlines()
    if not lines:
        raise InvalidDataError([], f"{name}: empty; expected NMC's CSV with ccode, year, cinc")
    header = [h.strip().lower() for h in next(csv.reader([lines[0]]))]
    absent = [c for c in _NEEDED if c not in header]
    if absent:
        raise InvalidDataError(
            [Problem(name, 1, 1, "header", f"no column {', '.join(absent)}; NMC's CSV has "
                     "ccode, year and cinc")],
            f"{name}: not COW's National Material Capabilities CSV; nothing was read",
        )  # fmt: skip
    where = {c: header.index(c) for c in _NEEDED}
    found = Capabilities(name)
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines[1:]))), start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        values: dict[str, float] = {}
        for column in _NEEDED:
            index = where[column]
            offset = sum(len(cell) + 1 for cell in row[:index]) + 1
            text = row[index].strip() if index < len(row) else ""
            try:
                if column == "cinc":
                    value = float(text) if text else -9.0
                    if not math.isfinite(value):
                        raise ValueError
                else:
                    value = int(text)
            except ValueError:
                kind = "a number" if column == "cinc" else "a whole number"
                problems.append(Problem(name, number, offset, column, f"{text!r} is not {kind}"))
                break
            values[column] = value
        else:
            key = (int(values["ccode"]), int(values["year"]))
            if key in seen:
                problems.append(
                    Problem(name, number, 1, "", f"ccode {key[0]} in {key[1]} a second time")
                )
            seen.add(key)
            if values["cinc"] >= 0:
                found.cinc[key] = values["cinc"]
    if problems:
        raise InvalidDataError(problems, f"{name}: bad capabilities file; nothing was read")
    return found
