"""`alliancekb import cow|atop DIR`: the political-science datasets, through the command line.

The datasets are not part of the project: these tests read the shared copies in
../shared/external (DESIGN.md §6) and are skipped when they are absent. Every database
test runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from alliancekb.cli.app import app
from alliancekb.load.datasets import atop, cow
from alliancekb.load.datasets.crosswalk import alliances, states
from alliancekb.load.schema import iso_country, user_assigned
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.test_dump import knowledge

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "external"
for _candidate in (EXTERNAL, Path("/work/shared/external")):
    if _candidate.is_dir():
        EXTERNAL = _candidate
        break
COW_DIR = EXTERNAL / "cow-formal-alliances-v4.1"
ATOP_DIR = EXTERNAL / "atop-v4.01"
STATES = EXTERNAL / "cow-state-system-v2016" / "states2016.csv"

needs_cow = pytest.mark.skipif(
    not (COW_DIR / cow.MEMBER_FILE).is_file(),
    reason=f"the COW Formal Alliances v4.1 copy is not at {COW_DIR} (data is not shipped)",
)
needs_atop = pytest.mark.skipif(
    not all((ATOP_DIR / name).is_file() for name in atop.FILES),
    reason=f"the ATOP v4.01 copy is not at {ATOP_DIR} (data is not shipped)",
)


def run(db: TestDatabase, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, *args])


def members(db: TestDatabase, *args: str) -> set[str]:
    result = run(db, "members", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    found = {row["iso3"] for row in rows}
    assert len(found) == len(rows), "claims merge into one row per country"
    return found


def rows_of(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


@needs_cow
@needs_atop
def test_both_imports_load_every_row_and_answer(seeded_db: TestDatabase) -> None:
    db = seeded_db
    first = run(db, "import", "cow", str(COW_DIR))
    assert first.exit_code == 0, first.output
    assert "imported" in first.stdout
    again = run(db, "import", "cow", str(COW_DIR))
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.stdout
    result = run(db, "import", "atop", str(ATOP_DIR))
    assert result.exit_code == 0, result.output
    assert "nothing changed" in run(db, "import", "atop", str(ATOP_DIR)).stdout

    with db.engine.connect() as conn:
        claims = dict(
            conn.execute(
                select(m.Membership.claim, func.count()).group_by(m.Membership.claim)
            ).all()
        )
        files = conn.execute(select(m.LoadFile.path, m.LoadFile.sha256)).all()
        sources = {
            row[0]: (str(row[1]), row[2], row[3])
            for row in conn.execute(
                select(m.Source.key, m.Source.kind, m.Source.covers_from, m.Source.covers_to)
            )
        }
    # Every row is a claim: COW's 1221 rows, and 11 spells cut where a ccode changes state
    # (365 across 1991-12-26, 640 across 1923-10-29, ...); ATOP's rows less the spells it
    # repeats (the same member and entry in two phase rows), cut likewise.
    assert claims["cow-alliances-4.1"] >= rows_of(COW_DIR / cow.MEMBER_FILE)
    assert claims["atop-4.01"] >= rows_of(ATOP_DIR / atop.MEMBER_FILE) - 20
    assert sources["cow-alliances-4.1"] == ("dataset", "1816", "2012")
    assert sources["atop-4.01"] == ("dataset", "1815", "2016")
    names = {Path(path).name for path, _ in files}
    assert {cow.MEMBER_FILE, *atop.FILES} <= names
    assert all(len(sha) == 64 for _, sha in files)

    nato_1990 = members(db, "cow:227", "--as-of", "1990-01-01")
    assert len(nato_1990) == 16
    assert "DEU" in nato_1990  # West Germany (COW 260) is Germany
    warsaw = members(db, "Warsaw Pact", "--as-of", "1960-01-01")
    # COW ends Hungary's membership on 1956-11-15 (never restored), ATOP keeps it to 1991:
    # a recorded exit ends a membership (docs/queries.md, "When sources disagree"), so
    # Hungary is out, and the answer names ATOP's claim against it.
    assert warsaw == {"SUN", "DDR", "CSK", "POL", "ROU", "BGR", "ALB"}
    assert members(db, "atop:3285", "--as-of", "1960-01-01") == warsaw
    caption = " ".join(run(db, "members", "Warsaw Pact", "--as-of", "1960-01-01").stdout.split())
    assert "though a source lists them: Hungary (atop-4.01)" in caption
    with db.engine.connect() as conn:
        hungary = conn.execute(
            select(m.Membership.claim, m.Membership.to_text)
            .join(m.Country)
            .join(m.Alliance, m.Alliance.scope_id == m.Membership.scope_id)
            .where(m.Country.iso3 == "HUN", m.Alliance.key == "warsaw-pact")
        ).all()
    assert sorted(hungary) == [("atop-4.01", "1991-07-01"), ("cow-alliances-4.1", "1956-11-15")]
    assert len(members(db, "NATO", "--as-of", "2010-01-01", "--status", "in-force")) == 28
    turkey = run(db, "alliances", "--country", "TUR", "--as-of", "1980-01-01", "--format", "json")
    assert "nato" in {row["key"] for row in json.loads(turkey.stdout)}
    # COW runs to 2012 but lacks NATO's 2004 and 2009 entrants; ATOP dates accessions by
    # the protocol's signature (Poland 1997-12-16, against entry into force 1999-03-12).
    found = json.loads(run(db, "conflicts", "NATO", "--format", "json").stdout)
    missing = {r["iso3"] for r in found if r["kind"] == "missing"}
    assert missing == {"BGR", "EST", "LVA", "LTU", "ROU", "SVK", "SVN", "ALB", "HRV"}
    poland = next(r for r in found if r["iso3"] == "POL" and r["kind"] == "start")
    assert poland["values"]["atop-4.01"] == "1997-12-16"
    assert "signature" in poland["note"]
    germany = json.loads(run(db, "conflicts", "cow:227", "--country", "DEU", "-f", "json").stdout)
    assert {r["kind"] for r in germany} >= {"start"}
    # Historic states are countries of their own, with their COW codes.
    shown = run(db, "show", "XOE", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert "Ottoman Empire" in shown.stdout
    with db.engine.connect() as conn:
        codes = conn.execute(
            select(m.Country.iso3, m.CountryCode.code, m.CountryCode.from_text)
            .join(m.Country)
            .where(m.CountryCode.code.in_(["255", "260", "365"]))
        ).all()
    assert set(codes) == {
        ("XPR", "255", "1816-01-01"), ("XGR", "255", "1871-01-18"), ("DEU", "255", "1990-10-03"),
        ("DEU", "260", "1955-05-05"), ("XRE", "365", "1816-01-01"), ("SUN", "365", "1917-11-08"),
        ("RUS", "365", "1991-12-26"),
    }  # fmt: skip


def _copy(tmp_path: Path, source: Path, files: tuple[str, ...]) -> Path:
    target = tmp_path / source.name
    target.mkdir()
    for name in files:
        shutil.copyfile(source / name, target / name)
    return target


def _edit(path: Path, line: int, column: str, value: str) -> int:
    """Set one field of one row (1-based line, the header is line 1); its 1-based column."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    index = rows[0].index(column)
    rows[line - 1][index] = value
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return index + 1


@needs_cow
def test_a_bad_row_is_reported_at_its_place_and_nothing_is_written(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    db = seeded_db
    directory = _copy(tmp_path, COW_DIR, cow.FILES)
    path = directory / cow.MEMBER_FILE
    column = _edit(path, 500, "mem_st_month", "13")
    year_column = _edit(path, 900, "mem_st_year", "19x5")
    before = knowledge(db.engine)
    result = run(db, "import", "cow", str(directory))
    assert result.exit_code == 3, result.output
    assert f"{cow.MEMBER_FILE}:500:{column}" in result.stderr
    assert "mem_st_month 13 is out of range" in result.stderr
    assert f"{cow.MEMBER_FILE}:900:{year_column}" in result.stderr
    assert knowledge(db.engine) == before
    # A header without a required column: at line 1.
    text = path.read_text(encoding="utf-8").replace("mem_end_year", "mem_end_yr", 1)
    path.write_text(text, encoding="utf-8")
    result = run(db, "import", "cow", str(directory))
    assert result.exit_code == 3, result.output
    assert f"{cow.MEMBER_FILE}:1:" in result.stderr
    assert "missing column(s) mem_end_year" in result.stderr
    assert knowledge(db.engine) == before


@needs_cow
def test_a_corrected_file_updates_and_counts(seeded_db: TestDatabase, tmp_path: Path) -> None:
    db = seeded_db
    directory = _copy(tmp_path, COW_DIR, cow.FILES)
    assert run(db, "import", "cow", str(directory)).exit_code == 0
    path = directory / cow.MEMBER_FILE
    with path.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    _edit(path, 2, "defense", "0")  # UK in COW alliance 1: defense no longer coded
    dry = run(db, "import", "cow", str(directory), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "nothing changed" not in dry.stdout
    result = run(db, "import", "cow", str(directory))
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("memberships"))
    assert line.split()[1:3] == ["0", "1"], line  # created 0, updated 1
    assert "defense" in header


def test_a_missing_directory_or_file_names_what_is_expected(
    db: TestDatabase, tmp_path: Path
) -> None:
    result = run(db, "import", "cow", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "is not a directory" in result.stderr
    assert cow.MEMBER_FILE in result.stderr
    result = run(db, "import", "atop", str(tmp_path))
    assert result.exit_code == 2
    assert "atop-alliance-level.csv" in result.stderr
    assert "atopdata.org" in result.stderr


def test_help_says_where_to_download_and_that_data_is_not_shipped() -> None:
    result = CliRunner().invoke(app, ["import", "--help"])
    assert result.exit_code == 0
    assert "correlatesofwar.org" in result.stdout
    assert "atopdata.org" in result.stdout
    assert "not shipped" in result.stdout


# -- the crosswalks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ccode", "day", "iso3"),
    [
        (365, "1900-01-01", "XRE"),
        (365, "1960-01-01", "SUN"),
        (365, "1991-12-25", "SUN"),
        (365, "1991-12-26", "RUS"),
        (260, "1960-01-01", "DEU"),
        (255, "1930-01-01", "XGR"),
        (255, "1860-01-01", "XPR"),
        (255, "1960-01-01", None),  # no German state coded 255 between 1945 and 1990
        (255, "1995-01-01", "DEU"),
        (265, "1960-01-01", "DDR"),
        (315, "1960-01-01", "CSK"),
        (345, "1960-01-01", "YUG"),
        (345, "2004-01-01", "SCG"),
        (345, "2010-01-01", "SRB"),
        (640, "1900-01-01", "XOE"),
        (640, "1980-01-01", "TUR"),
        (640, "1815-06-01", "XOE"),  # ATOP starts before COW's system
        (2, "1816-01-01", "USA"),
        (999, "1960-01-01", None),
    ],
)
def test_country_for(ccode: int, day: str, iso3: str | None) -> None:
    window = states().country_for(ccode, dt.date.fromisoformat(day))
    assert (window.iso3 if window else None) == iso3


def test_a_spell_across_a_change_of_state_is_cut() -> None:
    pieces = states().pieces(365, dt.date(1971, 8, 9), dt.date(1992, 1, 1))
    assert pieces is not None
    assert [(p.window.iso3, p.cut_start, p.cut_end) for p in pieces] == [
        ("SUN", None, dt.date(1991, 12, 25)),
        ("RUS", dt.date(1991, 12, 26), None),
    ]
    assert states().pieces(255, dt.date(1940, 1, 1), dt.date(1991, 1, 1)) is None


def test_every_crosswalk_code_is_valid() -> None:
    for iso3, windows in states().by_iso3.items():
        assert iso_country(iso3) is not None or (user_assigned(iso3) and windows[0].name), iso3
    keys = [a.key for a in alliances().named]
    assert len(keys) == len(set(keys))
    ids = [(d, i) for a in alliances().named for d in ("cow", "atop") for i in getattr(a, d)]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(not STATES.is_file(), reason=f"no COW state system copy at {STATES}")
def test_every_cow_state_is_in_the_crosswalk() -> None:
    with STATES.open(newline="", encoding="utf-8") as f:
        system = {(int(r["ccode"]), r["stateabb"]) for r in csv.DictReader(f)}
    crosswalk = {(w.ccode, w.cow_abb) for ws in states().by_ccode.values() for w in ws}
    assert system <= crosswalk
    # Each state's system dates fall in some window of its code.
    with STATES.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            day = dt.date(int(r["styear"]), int(r["stmonth"]), int(r["stday"]))
            assert states().country_for(int(r["ccode"]), day) is not None, r
