"""The COW Formal Interstate Alliance Dataset v4.1, `alliance_v4.1_by_member.csv`, as records.

One row per member spell: `version4id` (the alliance), `ccode` (the member), the alliance's
start and end (`all_st_*`, `all_end_*`), its type (`ss_type`), the member's entry and exit
(`mem_st_*`, `mem_end_*`, blank: ongoing at the end of the data), the four obligation
flags, `left_censor` and `version`. docs/datasets.md says what each field becomes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import Connection

from alliancekb.core.datasets import dataset_named
from alliancekb.core.errors import Problem
from alliancekb.core.vocab import Obligation
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.datasets.common import MAX_CSV_BYTES, Builder, Dataset
from alliancekb.load.datasets.csv_read import CsvRead, Row
from alliancekb.load.loader import RecordStream, StreamOpener

#: The file `import cow DIR` reads, as COW distributes it (described in core/datasets.py).
FILES = dataset_named("cow").files
(MEMBER_FILE,) = FILES
COLUMNS = (
    "version4id", "ccode", "all_st_day", "all_st_month", "all_st_year", "all_end_day",
    "all_end_month", "all_end_year", "ss_type", "mem_st_day", "mem_st_month", "mem_st_year",
    "mem_end_day", "mem_end_month", "mem_end_year", "left_censor", "defense", "neutrality",
    "nonaggression", "entente", "version",
)  # fmt: skip
COW = Dataset(
    prefix="cow",
    label="COW",
    key_stem="cow-alliances",
    title="Correlates of War Formal Interstate Alliance Dataset",
    publisher="Correlates of War Project",
    url="https://correlatesofwar.org/data-sets/formal-alliances/",
    covers_from="1816",
    covers_to="2012",
    note="Gibler, Douglas M. 2009. International Military Alliances, 1648-2008. CQ Press. "
    "Imported by `alliancekb import cow` from alliance_v4.1_by_member.csv.",
)
_FLAGS = (
    ("defense", Obligation.DEFENSE),
    ("neutrality", Obligation.NEUTRALITY),
    ("nonaggression", Obligation.NONAGGRESSION),
    ("entente", Obligation.ENTENTE),
)


class _Rows:
    """Converts the rows of the by-member file, in order."""

    def __init__(self, builder: Builder) -> None:
        self.b = builder

    def __call__(self, row: Row) -> Iterator[ReadRecord]:
        b = self.b
        yield from b.source(row, "version")
        ident = row.number("version4id", lo=1)
        ccode = row.number("ccode", lo=1)
        founded = row.date("all_st_year", "all_st_month", "all_st_day")
        ended = row.date("all_end_year", "all_end_month", "all_end_day", absent_year=0)
        start = row.date("mem_st_year", "mem_st_month", "mem_st_day")
        end = row.date("mem_end_year", "mem_end_month", "mem_end_day", absent_year=0)
        obligations = [o for column, o in _FLAGS if row.flag(column)]
        censored = row.flag("left_censor")
        ss_type = row["ss_type"]
        if not ss_type.startswith("Type "):
            row.problem("ss_type", f"ss_type {ss_type!r} is not a COW alliance type")
        if not row.ok or start is None or not b.source_key:
            return
        yield from b.alliance(
            row, ident, "version4id", founded=founded, ended=ended,
            defense=ss_type.startswith("Type I:"),
            description=f"COW Formal Alliances version4id {ident}: {ss_type}; "
            f"from {founded or 'an unknown date'}" + (f" to {ended}" if ended else ""),
        )  # fmt: skip
        note = "left-censored: a member before COW's coverage begins (1816)" if censored else None
        yield from b.spell(
            row, ident=ident, ccode=ccode,
            columns={"country": "ccode", "scope": "version4id", "from": "mem_st_year",
                     "to": "mem_end_year", "role": "mem_st_year",
                     "obligations": "defense", "claimed_by": "version"},
            start=start, end=end, founding=start == founded and not censored,
            obligations=obligations, note=note,
        )  # fmt: skip


def openers(directory: Path) -> Sequence[StreamOpener]:
    """The stream of `import cow DIR`: the by-member file."""

    def member(conn: Connection, problems: list[Problem]) -> tuple[Path, RecordStream]:
        path = directory / MEMBER_FILE
        return path, CsvRead(path, problems, COLUMNS, _Rows(Builder(COW, conn)), MAX_CSV_BYTES)

    return [member]
