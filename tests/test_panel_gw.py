"""Panels keyed by Gleditsch–Ward codes, from a GW list the user supplies (docs/panels.md).

tests/data/gw_states_built.dat is a hand-made list in Gleditsch's published format
(tab-separated, dd:mm:yyyy, Latin-1; tests/data/README.md); a tiny COW file gives the
alliances. The rules seen: the GW system defines the rows when gw comes first in --codes,
the COW system when cow does (the other code empty where the state has none); GW 678 is
Yemen before and after unification, GW 260 the Federal Republic before and after 1990,
GW 340 Serbia (mapped by name) around GW 345 Yugoslavia; an entry with no country is
reported; a bad line names file:line:column and nothing is read. Both backends.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import frictionless
import pytest
from typer.testing import CliRunner, Result

from alliancekb.api import open_kb
from alliancekb.cli.app import app
from alliancekb.panel.gw import read_gw_list
from tests.conftest import TestDatabase
from tests.test_panel import COW_SOURCE, OBLIGATIONS, import_cow

GW_LIST = Path(__file__).parent / "data" / "gw_states_built.dat"


def member(alliance: int, ccode: int, start: str, end: str, flags: str) -> str:
    """A by-member row: the alliance's and the member's dates alike (d,m,y or empty)."""
    kind = "Type I: Defense Pact" if flags.startswith("1") else "Type III: Entente"
    return (
        f'{alliance},{ccode},"state {ccode}",{start},{end},"{kind}",{start},{end},0,0,{flags},4.1'
    )


#: Serbia and Bulgaria 1912-1913 (defense); North and South Yemen 1980-1989 (entente);
#: unified Yemen and the USA 1995-2000 (defense); the USA with the Federal Republic (COW
#: 260) to 1990-10-02 and Germany (COW 255) after (defense); Serbia (COW 345) and Russia
#: 2007-2010 (entente).
ROWS = (
    member(10, 345, "13,3,1912", "30,6,1913", "1,0,0,0"),
    member(10, 355, "13,3,1912", "30,6,1913", "1,0,0,0"),
    member(11, 678, "1,1,1980", "31,12,1989", "0,0,0,1"),
    member(11, 680, "1,1,1980", "31,12,1989", "0,0,0,1"),
    member(12, 679, "1,1,1995", "31,12,2000", "1,0,0,0"),
    member(12, 2, "1,1,1995", "31,12,2000", "1,0,0,0"),
    member(13, 2, "5,5,1955", ",,", "1,0,0,0"),
    '13,260,"state 260",5,5,1955,,,,"Type I: Defense Pact",5,5,1955,2,10,1990,0,1,1,0,0,0,4.1',
    '13,255,"state 255",5,5,1955,,,,"Type I: Defense Pact",3,10,1990,,,,0,1,1,0,0,0,4.1',
    member(14, 345, "1,1,2007", "31,12,2010", "0,0,0,1"),
    member(14, 365, "1,1,2007", "31,12,2010", "0,0,0,1"),
)


def run(db: TestDatabase, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, *args], env=env)


@pytest.fixture
def kb(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    import_cow(db, tmp_path / "cow", ROWS)
    return db


def panel(db: TestDatabase, *args: str) -> list[dict[str, str]]:
    result = run(db, "panel", *args, "--source", COW_SOURCE, "--gw-list", str(GW_LIST))
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def rows_of(rows: list[dict[str, str]], year: int, **codes: str) -> list[dict[str, str]]:
    return [r for r in rows if r["year"] == str(year) and all(r[k] == v for k, v in codes.items())]


def one(rows: list[dict[str, str]], year: int, **codes: str) -> dict[str, str]:
    found = rows_of(rows, year, **codes)
    assert len(found) == 1, found
    return found[0]


def tied(row: dict[str, str]) -> set[str]:
    return {o for o in OBLIGATIONS if row[o] == "1"}


def test_gw_codes_without_a_list_say_to_pass_one_and_where_it_is_published(
    kb: TestDatabase,
) -> None:
    result = run(kb, "panel", "state-year", "--codes", "gw", "--from", "2000", "--to", "2000")
    assert result.exit_code == 2
    assert "--gw-list" in result.output
    assert "http://www.ksgleditsch.com/data-4.html" in result.output
    assert "ALLIANCEKB_GW_LIST" in result.output


def test_gw_678_is_yemen_before_and_after_unification(kb: TestDatabase) -> None:
    rows = panel(kb, "state-year", "--codes", "gw,iso3", "--from", "1985", "--to", "1995")
    assert list(rows[0])[:3] == ["gwcode", "iso3", "year"]
    assert one(rows, 1985, gwcode="678")["iso3"] == "YEM"
    assert tied(one(rows, 1985, gwcode="678")) == {"entente"}
    assert tied(one(rows, 1985, gwcode="680", iso3="YMD")) == {"entente"}
    # COW's 679 (unified Yemen) is GW's 678 still: its alliance with the USA is there.
    assert tied(one(rows, 1995, gwcode="678", iso3="YEM")) == {"defense"}
    assert rows_of(rows, 1990, gwcode="680")  # South Yemen to 21 May 1990
    assert not rows_of(rows, 1991, gwcode="680")
    assert not [r for r in rows if r["gwcode"] == "679"]


def test_with_cow_codes_beside_unified_yemen_carries_cow_679_and_gw_678(
    kb: TestDatabase,
) -> None:
    cow_first = panel(kb, "state-year", "--codes", "cow,gw", "--from", "1995", "--to", "1995")
    assert one(cow_first, 1995, ccode="679")["gwcode"] == "678"
    gw_first = panel(kb, "state-year", "--codes", "gw,cow", "--from", "1995", "--to", "1995")
    assert one(gw_first, 1995, gwcode="678")["ccode"] == "679"


def test_gw_260_is_the_federal_republic_before_and_after_1990(kb: TestDatabase) -> None:
    rows = panel(kb, "state-year", "--codes", "gw,cow", "--from", "1950", "--to", "1995")
    # 1950: in the GW system, not yet in COW's: a row, its COW code empty.
    assert one(rows, 1950, gwcode="260")["ccode"] == ""
    assert tied(one(rows, 1950, gwcode="260")) == set()
    # 1990: one GW state, two COW codes: one row per combination, as cow,iso3 does.
    assert {r["ccode"] for r in rows_of(rows, 1990, gwcode="260")} == {"260", "255"}
    assert tied(one(rows, 1995, gwcode="260", ccode="255")) == {"defense"}
    assert not rows_of(rows, 1950, gwcode="255")  # GW 255 ends in 1945
    assert not rows_of(rows, 1991, gwcode="265")
    assert one(rows, 1989, gwcode="265")["ccode"] == "265"


def test_serbia_is_gw_340_after_2006_and_cow_345(kb: TestDatabase) -> None:
    gw_first = panel(kb, "state-year", "--codes", "gw,cow,iso3", "--from", "2005", "--to", "2010")
    serbia = one(gw_first, 2010, gwcode="340")
    assert (serbia["ccode"], serbia["iso3"]) == ("345", "SRB")
    assert tied(serbia) == {"entente"}
    assert not rows_of(gw_first, 2010, gwcode="345")
    assert one(gw_first, 2005, gwcode="345")["iso3"] == "SCG"
    cow_first = panel(kb, "state-year", "--codes", "cow,gw", "--from", "2010", "--to", "2010")
    assert one(cow_first, 2010, ccode="345")["gwcode"] == "340"
    early = panel(kb, "state-year", "--codes", "gw,iso3", "--from", "1912", "--to", "1912")
    assert tied(one(early, 1912, gwcode="340", iso3="SRB")) == {"defense"}


def test_the_system_named_first_decides_which_states_have_rows(kb: TestDatabase) -> None:
    gw_first = panel(kb, "state-year", "--codes", "gw,cow", "--from", "1900", "--to", "1900")
    canada = one(gw_first, 1900, gwcode="20")  # in the GW list from 1867, in COW's from 1920
    assert canada["ccode"] == ""
    assert len(gw_first) == 5  # the GW list's 1900: USA, Canada, Germany, Serbia, Russia
    cow_first = panel(kb, "state-year", "--codes", "cow,gw", "--from", "1900", "--to", "1900")
    assert not rows_of(cow_first, 1900, ccode="20")
    spain = one(cow_first, 1900, ccode="230")  # not in the (built) GW list: no GW code
    assert spain["gwcode"] == ""


def test_gw_dyads_follow_the_gw_system(kb: TestDatabase) -> None:
    rows = panel(kb, "dyad-year", "--codes", "gw", "--from", "1985", "--to", "1985")
    assert list(rows[0])[:3] == ["gwcode1", "gwcode2", "year"]
    assert tied(one(rows, 1985, gwcode1="678", gwcode2="680")) == {"entente"}
    assert tied(one(rows, 1985, gwcode1="2", gwcode2="260")) == {"defense"}
    states = {r["gwcode1"] for r in rows} | {r["gwcode2"] for r in rows}
    assert len(rows) == len(states) * (len(states) - 1) // 2


def test_entries_with_no_country_are_reported_not_dropped_silently(
    kb: TestDatabase, tmp_path: Path
) -> None:
    args = ("state-year", "--codes", "gw", "--from", "1920", "--to", "1920")
    result = run(kb, "panel", *args, "--gw-list", str(GW_LIST), "--source", COW_SOURCE)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())  # wrapped at 80 columns
    assert max(len(line) for line in result.stderr.splitlines()) <= 80
    assert "1 map to no country" in said
    assert "711 Tibet 1913–1950" in said
    assert "2 mapped by name" in said  # the two entries of GW 340, Serbia
    assert ",711," not in result.stdout
    out = tmp_path / "gw"
    written = run(kb, "panel", *args, "--gw-list", str(GW_LIST), "--out", f"{out}/")
    assert written.exit_code == 0, written.output
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert "711 Tibet" in package["description"]
    gw_source = package["sources"][-1]
    assert gw_source["path"] == "http://www.ksgleditsch.com/data-4.html"
    assert "gw_states_built.dat" in gw_source["title"]
    assert "Gleditsch–Ward" in package["resources"][0]["schema"]["fields"][0]["description"]
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_a_package_with_both_systems_has_no_primary_key_and_validates(
    kb: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "both"
    result = run(
        kb, "panel", "state-year", "--codes", "gw,cow", "--from", "1949", "--to", "1991",
        "--gw-list", str(GW_LIST), "--out", f"{out}/",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    schema = package["resources"][0]["schema"]
    assert "primaryKey" not in schema
    assert "the other system's code is empty" in package["description"]
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_the_list_is_read_in_latin_1_as_published_and_in_utf_8(tmp_path: Path) -> None:
    entries = read_gw_list(GW_LIST)
    assert len(entries) == 14
    names = {e.gwcode: e.name for e in entries}
    assert names[271] == "Württemberg"
    assert names[437] == "Côte d'Ivoire"
    utf8 = tmp_path / "utf8.dat"
    utf8.write_text(GW_LIST.read_bytes().decode("latin-1"), encoding="utf-8")
    assert read_gw_list(utf8) == entries


def test_a_bad_line_names_file_line_and_column_and_nothing_is_read(
    kb: TestDatabase, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.dat"
    bad.write_bytes(GW_LIST.read_bytes() + b"999\tXXX\tNowhere\t31:02:1990\t01:01:2000\r\n")
    result = run(
        kb, "panel", "state-year", "--codes", "gw", "--gw-list", str(bad), "--from", "2000",
        "--to", "2000",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "bad.dat:15:17: first day:" in result.output
    assert "'31:02:1990' is not a date" in result.output
    assert "gwcode" not in result.stdout
    short = tmp_path / "short.dat"
    short.write_text("2\tUSA\tUnited States of America\t01:01:1816\n", encoding="utf-8")
    result = run(kb, "panel", "state-year", "--codes", "gw", "--gw-list", str(short))
    assert result.exit_code == 3
    assert "short.dat:1:1:" in result.output
    assert "expected 5" in result.output


def test_the_list_may_come_from_the_environment(kb: TestDatabase) -> None:
    args = ("panel", "state-year", "--codes", "gw", "--from", "1985", "--to", "1985")
    result = run(kb, *args, env={"ALLIANCEKB_GW_LIST": str(GW_LIST)})
    assert result.exit_code == 0, result.output
    assert "gwcode,year" in result.stdout


def test_the_api_takes_the_list_as_the_command_does(kb: TestDatabase) -> None:
    command = panel(kb, "state-year", "--codes", "gw,iso3", "--from", "1985", "--to", "1990")
    with open_kb(kb.url) as opened:
        made = opened.panel(
            "state-year", source=COW_SOURCE, first=1985, last=1990, codes=["gw", "iso3"],
            gw_list=GW_LIST,
        )  # fmt: skip
        rows = list(made)
    assert len(rows) == len(command)
    yemen = next(r for r in rows if r["gwcode"] == 678 and r["year"] == 1985)
    assert (yemen["iso3"], yemen["entente"]) == ("YEM", 1)
    with open_kb(kb.url) as opened, pytest.raises(Exception, match="--gw-list"):
        opened.panel("state-year", codes=["gw"])


def test_a_list_or_capabilities_file_that_cannot_be_read_is_a_usage_error(
    kb: TestDatabase, tmp_path: Path
) -> None:
    absent = tmp_path / "nowhere.dat"
    result = run(kb, "panel", "state-year", "--codes", "gw", "--gw-list", str(absent))
    assert result.exit_code == 2
    assert f"cannot read the Gleditsch–Ward list {absent}" in result.output
    result = run(kb, "similarity", "USA", "France", "--year", "1816", "--weighted",
                 "--capabilities", str(absent))  # fmt: skip
    assert result.exit_code == 2
    assert f"cannot read the capabilities file {absent}" in result.output
    assert "Traceback" not in result.output
