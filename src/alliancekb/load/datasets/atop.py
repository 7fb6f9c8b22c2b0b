"""ATOP v4.01 (Alliance Treaty Obligations and Provisions) as records: two files, in order.

`atop-alliance-level.csv` gives each alliance (`atopid`): its begin and end
(`begyr/begmo/begday`, `endyr/endmo/endday`, 0 = none) and its obligations;
`atop-member-level.csv` one row per member and phase: `member` (a COW ccode), entry and
exit (`yrent/moent/dayent`, `yrexit/moexit/dayexit`, 0 = no exit recorded), `phase` and the
member's obligations (`defense`, `offense`, `neutral`, `nonagg`, `consul`).
docs/datasets.md says what each field becomes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from alliancekb.core.datasets import dataset_named
from alliancekb.core.errors import Problem
from alliancekb.core.vocab import Obligation
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.datasets.common import MAX_CSV_BYTES, Builder, Dataset
from alliancekb.load.datasets.csv_read import CsvRead, Row
from alliancekb.load.loader import RecordStream, StreamOpener
from alliancekb.load.schema import bounds

#: The files `import atop DIR` reads (described in core/datasets.py).
FILES = dataset_named("atop").files
ALLIANCE_FILE, MEMBER_FILE = FILES
_OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul")
ALLIANCE_COLUMNS = (
    "atopid", "begyr", "begmo", "begday", "endyr", "endmo", "endday", *_OBLIGATIONS, "version",
)  # fmt: skip
MEMBER_COLUMNS = (
    "atopid", "member", "yrent", "moent", "dayent", "yrexit", "moexit", "dayexit", "phase",
    *_OBLIGATIONS, "version",
)  # fmt: skip
ATOP = Dataset(
    prefix="atop",
    label="ATOP",
    key_stem="atop",
    title="Alliance Treaty Obligations and Provisions (ATOP)",
    publisher="ATOP project (Leeds, Ritter, Mitchell and Long)",
    url="http://www.atopdata.org/",
    covers_from="1815",
    covers_to="2016",
    note="Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell, and Andrew G. "
    "Long. 2002. Alliance Treaty Obligations and Provisions, 1815-1944. International "
    "Interactions 28: 237-260. Imported by `alliancekb import atop` from "
    "atop-alliance-level.csv and atop-member-level.csv.",
)
_FLAGS = tuple(
    zip(
        _OBLIGATIONS,
        (Obligation.DEFENSE, Obligation.OFFENSE, Obligation.NEUTRALITY,
         Obligation.NONAGGRESSION, Obligation.CONSULTATION),
        strict=True,
    )
)  # fmt: skip


class _Import:
    """The rows of both files, the alliance level first (the members need its dates)."""

    def __init__(self, builder: Builder) -> None:
        self.b = builder
        #: atopid -> begin date (a member entering then is a founding member)
        self.begun: dict[int, str | None] = {}
        #: The last spell read, held back: ATOP repeats a spell in consecutive phase rows
        #: (a partner of Czechoslovakia, in the phases with the Czech Republic and with
        #: Slovakia, both from 1993-01-01), which become one claim to the later exit.
        self.held: tuple[tuple[int, int, str], Row, dict[str, Any]] | None = None

    def alliance(self, row: Row) -> Iterator[ReadRecord]:
        b = self.b
        yield from b.source(row, "version")
        ident = row.number("atopid", lo=1)
        begun = row.date("begyr", "begmo", "begday")
        ended = row.date("endyr", "endmo", "endday", absent_year=0)
        obligations = [o for column, o in _FLAGS if row.flag(column)]
        if ident in self.begun:
            row.problem("atopid", f"atopid {ident} is given twice")
        if not row.ok or not b.source_key:
            return
        self.begun[ident] = begun
        coded = ", ".join(o.value for o in obligations) or "none coded"
        yield from b.alliance(
            row, ident, "atopid", founded=begun, ended=ended,
            defense=Obligation.DEFENSE in obligations,
            description=f"ATOP atopid {ident}: obligations {coded}; from "
            f"{begun or 'an unknown date'}" + (f" to {ended}" if ended else ""),
        )  # fmt: skip

    def member(self, row: Row) -> Iterator[ReadRecord]:
        b = self.b
        yield from b.source(row, "version")
        ident = row.number("atopid", lo=1)
        ccode = row.number("member", lo=1)
        start = row.date("yrent", "moent", "dayent")
        end = row.date("yrexit", "moexit", "dayexit", absent_year=0)
        phase = row.number("phase", blank=0, lo=0, hi=99)
        obligations = [o for column, o in _FLAGS if row.flag(column)]
        if row.ok and ident not in self.begun:
            row.problem("atopid", f"atopid {ident} is not in {ALLIANCE_FILE}")
        if not row.ok or start is None or not b.source_key:
            return
        key = (ident, ccode, start)
        spell: dict[str, Any] = {
            "ident": ident, "ccode": ccode, "start": start, "end": end,
            "founding": start == self.begun[ident], "obligations": obligations,
            "phases": [phase] if phase else [],
        }  # fmt: skip
        if self.held is not None and self.held[0] == key:
            held = self.held[2]
            held["end"] = _later(held["end"], end)
            held["obligations"] = [
                o for o in Obligation if o in {*held["obligations"], *obligations}
            ]
            held["phases"] += spell["phases"]
            return
        yield from self.release()
        self.held = (key, row, spell)

    def release(self) -> Iterator[ReadRecord]:
        """The spell held back, as its records."""
        if self.held is None:
            return
        _, row, spell = self.held
        self.held = None
        phases = spell.pop("phases")
        note = f"ATOP phase {', '.join(map(str, phases))}" if phases else None
        yield from self.b.spell(
            row, columns={"country": "member", "scope": "atopid", "from": "yrent",
                          "to": "yrexit", "role": "yrent", "obligations": "defense",
                          "claimed_by": "version"},
            note=note, **spell,
        )  # fmt: skip


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two exits (None: no exit, the latest of all)."""
    if a is None or b is None:
        return None
    lo_a, lo_b = bounds(a), bounds(b)
    assert lo_a is not None
    assert lo_b is not None
    return a if lo_a.lower >= lo_b.lower else b


def openers(directory: Path) -> Sequence[StreamOpener]:
    """The streams of `import atop DIR`: the alliance level, then the member level."""
    state: dict[str, _Import] = {}

    def alliances(conn: Connection, problems: list[Problem]) -> tuple[Path, RecordStream]:
        state["import"] = run = _Import(Builder(ATOP, conn))
        path = directory / ALLIANCE_FILE
        return path, CsvRead(path, problems, ALLIANCE_COLUMNS, run.alliance, MAX_CSV_BYTES)

    def members(conn: Connection, problems: list[Problem]) -> tuple[Path, RecordStream]:
        path = directory / MEMBER_FILE
        run = state["import"]
        return path, CsvRead(
            path, problems, MEMBER_COLUMNS, run.member, MAX_CSV_BYTES, finish=run.release
        )

    return [alliances, members]
