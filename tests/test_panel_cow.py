"""The panels replicate COW's own yearly and dyadic files (docs/datasets.md, "Panels").

The COW Formal Alliances v4.1 copy in ../shared/external is imported into a test database;
`panel state-year --source cow-alliances-4.1 --codes cow --by-alliance` must give COW's
`alliance_v4.1_by_member_yearly.csv` and the dyad-year panel the year-by-year expansion of
`alliance_v4.1_by_dyad.csv`, up to the differences docs/datasets.md explains, each of
which is a rule here:

1. a state has no row in a year in which it is not in the COW state system (the
   crosswalk's dates): COW lists members before their entry (Syria, Lebanon and Jordan in
   the Arab League in 1945) or after their exit (Hesse Grand Ducal to 1871);
2. COW code 260 (the German Federal Republic) after 1990-10-02 is Germany, COW 255;
3. COW's yearly file places a member's later spell in an alliance right after the year its
   previous spell ended (Egypt's return to the Arab League in 1989 is listed from 1980):
   alliancekb codes each spell by its own dates (checked here against the yearly file).

Skipped when the files are absent (the data are not shipped).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from alliancekb.api import open_kb
from alliancekb.cli.app import app
from alliancekb.load.datasets.crosswalk import states
from tests.conftest import TestDatabase
from tests.test_import import COW_DIR, needs_cow

FLAGS = ("defense", "neutrality", "nonaggression", "entente")
LAST = dt.date(2012, 12, 31)
UNIFIED = dt.date(1990, 10, 3)
Key = tuple[int, ...]
Flags = tuple[int, ...]


def _date(row: dict[str, str], prefix: str) -> dt.date | None:
    year = row[f"{prefix}_year"]
    if not year:
        return None
    return dt.date(int(year), int(row[f"{prefix}_month"] or 1), int(row[f"{prefix}_day"] or 1))


def _in_system(ccode: int, start: dt.date, end: dt.date) -> Iterator[tuple[int, dt.date, dt.date]]:
    """The days of [start, end] the ccode is in the state system (rules 1 and 2)."""
    if ccode == 260 and end >= UNIFIED:
        yield from _in_system(255, max(start, UNIFIED), end)
        end = UNIFIED - dt.timedelta(days=1)
    for window in states().by_ccode[ccode]:
        assert window.start is not None
        lo, hi = max(start, window.start), min(end, window.end or LAST)
        if lo <= hi:
            yield ccode, lo, hi


def _add(found: dict[Key, Flags], key: Key, flags: Flags) -> None:
    old = found.get(key, (0,) * len(flags))
    found[key] = tuple(max(a, b) for a, b in zip(old, flags, strict=True))


def _flags(row: dict[str, str]) -> Flags:
    return tuple(int(row[f] or 0) for f in FLAGS)


def _read(name: str) -> list[dict[str, str]]:
    with (COW_DIR / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def expected_members() -> dict[Key, Flags]:
    """(version4id, ccode, year) -> flags: each member spell by its own dates."""
    found: dict[Key, Flags] = {}
    for row in _read("alliance_v4.1_by_member.csv"):
        start, end = _date(row, "mem_st"), _date(row, "mem_end") or LAST
        assert start is not None
        for ccode, lo, hi in _in_system(int(row["ccode"]), start, end):
            for year in range(lo.year, hi.year + 1):
                _add(found, (int(row["version4id"]), ccode, year), _flags(row))
    return found


def expected_dyads() -> dict[Key, Flags]:
    """(version4id, lower ccode, higher ccode, year) -> flags, from the dyad spells."""
    found: dict[Key, Flags] = {}
    for row in _read("alliance_v4.1_by_dyad.csv"):
        start, end = _date(row, "dyad_st"), _date(row, "dyad_end") or LAST
        assert start is not None
        ones = list(_in_system(int(row["ccode1"]), start, end))
        twos = list(_in_system(int(row["ccode2"]), start, end))
        for c1, lo1, hi1 in ones:
            for c2, lo2, hi2 in twos:
                lo, hi = max(lo1, lo2), min(hi1, hi2)
                for year in range(lo.year, hi.year + 1) if lo <= hi else ():
                    key = (int(row["version4id"]), min(c1, c2), max(c1, c2), year)
                    _add(found, key, _flags(row))
    return found


def test_cows_yearly_file_shifts_later_spells_and_otherwise_follows_the_spells() -> None:
    """Rule 3, read from COW's own files: the yearly file is the by-member file expanded
    with each later spell moved to follow its predecessor's last year."""
    if not (COW_DIR / "alliance_v4.1_by_member_yearly.csv").is_file():
        pytest.skip(f"the COW files are not at {COW_DIR}")
    spells: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for row in _read("alliance_v4.1_by_member.csv"):
        pair: Key = (int(row["version4id"]), int(row["ccode"]))
        spells[pair].append((int(row["mem_st_year"]), int(row["mem_end_year"] or 2012)))
    shifted: set[Key] = set()
    for key, found in spells.items():
        previous: int | None = None
        for start, end in sorted(found):
            first = start if previous is None else previous + 1
            shifted.update((*key, y) for y in range(first, first + end - start + 1))
            previous = first + end - start
    yearly = {
        (int(r["version4id"]), int(r["ccode"]), int(r["year"]))
        for r in _read("alliance_v4.1_by_member_yearly.csv")
    }
    assert yearly == shifted


def _panel_rows(db: TestDatabase, *args: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(app, ["--db", db.url, "panel", *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(result.stdout.splitlines()))


def _version4id(row: dict[str, str]) -> int:
    (only,) = row["dataset_ids"].split("; ")
    prefix, number = only.split(":")
    assert prefix == "cow"
    return int(number)


@needs_cow
def test_the_state_year_and_dyad_year_panels_replicate_cows_files(db: TestDatabase) -> None:
    result = CliRunner().invoke(app, ["--db", db.url, "import", "cow", str(COW_DIR)])
    assert result.exit_code == 0, result.output
    source = ("--source", "cow-alliances-4.1", "--codes", "cow", "--by-alliance")

    members = {
        (_version4id(r), int(r["ccode"]), int(r["year"])): tuple(int(r[f]) for f in FLAGS)
        for r in _panel_rows(db, "state-year", *source)
    }
    assert members == expected_members()

    by_alliance = {
        (_version4id(r), int(r["ccode1"]), int(r["ccode2"]), int(r["year"])): tuple(
            int(r[f]) for f in FLAGS
        )
        for r in _panel_rows(db, "dyad-year", *source)
    }
    dyads = expected_dyads()
    assert by_alliance == dyads

    # The aggregated panel: every tied dyad-year, its alliances and obligations.
    tied: dict[Key, tuple[set[int], Flags]] = {}
    for (vid, c1, c2, year), flags in dyads.items():
        alliances, old = tied.get((c1, c2, year), (set(), (0,) * 4))
        tied[(c1, c2, year)] = (alliances | {vid}, tuple(map(max, old, flags)))
    with open_kb(db.url) as kb:
        made = kb.panel("dyad-year", source="cow-alliances-4.1", codes=["cow"])
        columns = made.columns
        got: dict[Key, tuple[int, Flags]] = {}
        rows = 0
        for line in made.lines():
            rows += 1
            row = dict(zip(columns, line, strict=True))
            if row["alliances"]:
                key = (row["ccode1"], row["ccode2"], row["year"])
                got[key] = (row["alliances"], tuple(row[f] for f in FLAGS))
    assert got == {k: (len(a), f) for k, (a, f) in tied.items()}
    assert rows > 500_000  # every dyad of the system, tied or not
