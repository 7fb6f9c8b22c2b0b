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

from sqlalchemy import Connection

from alliancekb.core.errors import Problem
from alliancekb.core.vocab import Obligation
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.datasets.common import MAX_CSV_BYTES, Builder, Dataset
from alliancekb.load.datasets.csv_read import CsvRead, Row
from alliancekb.load.loader import RecordStream, StreamOpener

#: The files `import atop DIR` reads.
ALLIANCE_FILE = "atop-alliance-level.csv"
MEMBER_FILE = "atop-member-level.csv"
FILES = (ALLIANCE_FILE, MEMBER_FILE)
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
        #: (atopid, ccode, entry) -> the line that gave it (ATOP repeats some spells)
        self.spells: dict[tuple[int, int, str], int] = {}

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
        earlier = self.spells.setdefault((ident, ccode, start), row.line)
        if earlier != row.line:  # the same spell again (another phase row): one claim
            return
        yield from b.spell(
            row, ident=ident, ccode=ccode,
            columns={"country": "member", "scope": "atopid", "from": "yrent", "to": "yrexit",
                     "role": "yrent", "obligations": "defense", "claimed_by": "version"},
            start=start, end=end, founding=start == self.begun[ident],
            obligations=obligations, note=f"ATOP phase {phase}" if phase else None,
        )  # fmt: skip


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
        return path, CsvRead(path, problems, MEMBER_COLUMNS, run.member, MAX_CSV_BYTES)

    return [alliances, members]
