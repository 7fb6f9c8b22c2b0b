"""Weighted S on the command line, in the panel and through the API (docs/similarity.md).

tests/data/nmc_1816_built.csv is a hand-made file in the columns of COW's National
Material Capabilities CSV for the 23 states of the 1816 COW system: the USA 0.2, the
United Kingdom 0.5, France 0.3, every other state 0 (invented values). With a defense
pact of the UK and France and an entente of the USA and the UK in 1816, by hand:

    USA (3, 1, 0 | 0...)  FRA (0, 3, 3 | 0...)  over (USA, GBR, FRA | the 20 others)
    Σ w_j·|a_j − b_j| = 0.2·3 + 0.5·2 + 0.3·3 = 2.5,  Σ w_j = 1
    weighted S(USA, FRA) = 1 − 2·2.5 / (3·1) = −2/3   (unweighted: 1 − 2·8/(3·23) = 53/69)
    weighted S(GBR, FRA) = 1 − 2·(0.2·1) / 3 = 13/15

A year in which a state of the system has no CINC has no weighted S (missing, the states
named). Both backends.
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
from tests.conftest import TestDatabase
from tests.test_panel import COW_SOURCE, import_cow
from tests.test_panel_gw import GW_LIST

NMC = Path(__file__).parent / "data" / "nmc_1816_built.csv"
ROWS = (
    '1,200,"United Kingdom",1,1,1816,31,12,1820,"Type I: Defense Pact",1,1,1816,31,12,1820,'
    "0,0,1,0,0,0,4.1",
    '1,220,"France",1,1,1816,31,12,1820,"Type I: Defense Pact",1,1,1816,31,12,1820,0,0,1,0,0,0,4.1',
    '2,2,"United States of America",1,1,1816,31,12,1820,"Type III: Entente",1,1,1816,31,12,'
    "1820,0,0,0,0,0,1,4.1",
    '2,200,"United Kingdom",1,1,1816,31,12,1820,"Type III: Entente",1,1,1816,31,12,1820,'
    "0,0,0,0,0,1,4.1",
)


def run(db: TestDatabase, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, *args])


@pytest.fixture
def kb(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    import_cow(db, tmp_path / "cow", ROWS)
    return db


def similarity(db: TestDatabase, *args: str) -> dict[str, object]:
    result = run(db, "similarity", *args, "--source", COW_SOURCE, "--format", "json")
    assert result.exit_code == 0, result.output
    found: dict[str, object] = json.loads(result.stdout)
    return found


def weighted_panel(db: TestDatabase, nmc: Path, year: int = 1816) -> list[dict[str, str]]:
    result = run(
        db, "panel", "dyad-year", "--from", str(year), "--to", str(year), "--codes", "cow",
        "--source", COW_SOURCE, "--similarity", "s", "--weighted", "--capabilities", str(nmc),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_weighted_s_equals_the_hand_computation(kb: TestDatabase) -> None:
    found = similarity(kb, "USA", "France", "--year", "1816", "--weighted", "--capabilities",
                       str(NMC))  # fmt: skip
    assert found["value"] == pytest.approx(-2 / 3)
    assert (found["weighted"], found["capabilities"], found["states"]) == (
        True, "nmc_1816_built.csv", 23,
    )  # fmt: skip
    plain = similarity(kb, "USA", "France", "--year", "1816")
    assert plain["value"] == pytest.approx(53 / 69)
    assert plain["weighted"] is False
    gbr = similarity(kb, "United Kingdom", "France", "--year", "1816", "--weighted",
                     "--capabilities", str(NMC))  # fmt: skip
    assert gbr["value"] == pytest.approx(13 / 15)


def test_the_command_the_panel_column_and_the_api_agree(kb: TestDatabase) -> None:
    rows = weighted_panel(kb, NMC)
    assert list(rows[0])[-1] == "s_weighted"
    usa_fra = next(r for r in rows if (r["ccode1"], r["ccode2"]) == ("2", "220"))
    command = similarity(kb, "USA", "France", "--year", "1816", "--weighted",
                         "--capabilities", str(NMC))  # fmt: skip
    assert float(usa_fra["s_weighted"]) == pytest.approx(command["value"])
    with open_kb(kb.url) as opened:
        api = opened.similarity("USA", "France", year=1816, source=COW_SOURCE, weighted=True,
                                capabilities=NMC)  # fmt: skip
        made = opened.panel("dyad-year", first=1816, last=1816, codes=["cow"], source=COW_SOURCE,
                            similarity="s", weighted=True, capabilities=NMC)  # fmt: skip
        column = next(r for r in made if (r["ccode1"], r["ccode2"]) == (2, 220))
    assert api == command
    assert column["s_weighted"] == pytest.approx(-2 / 3)


def test_weighted_s_in_a_gw_panel_weighs_each_state_by_its_cow_codes_cinc(
    kb: TestDatabase,
) -> None:
    # The built GW list's 1816: GW 2 (USA, CINC 0.2), 255, 271 and 365 (CINC 0 each). Only
    # the USA's own position weighs: S(2, 255) = 1 - 2·(0.2·3)/(3·0.2) = -1; S(255, 271) = 1.
    result = run(
        kb, "panel", "dyad-year", "--from", "1816", "--to", "1816", "--codes", "gw",
        "--gw-list", str(GW_LIST), "--source", COW_SOURCE, "--similarity", "s", "--weighted",
        "--capabilities", str(NMC),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {(r["gwcode1"], r["gwcode2"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert len(rows) == 6
    assert float(rows["2", "255"]["s_weighted"]) == pytest.approx(-1)
    assert float(rows["255", "271"]["s_weighted"]) == pytest.approx(1)


def test_the_text_answer_says_it_is_weighted_within_80_columns(kb: TestDatabase) -> None:
    result = run(kb, "similarity", "USA", "France", "--year", "1816", "--source", COW_SOURCE,
                 "--weighted", "--capabilities", str(NMC))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("weighted S of USA and FRA in 1816: -0.6667")
    assert "each state weighted by its 1816 CINC in nmc_1816_built.csv" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_a_state_without_cinc_makes_weighted_s_missing_and_is_named(
    kb: TestDatabase, tmp_path: Path
) -> None:
    lacking = tmp_path / "nmc.csv"
    lines = NMC.read_text(encoding="utf-8").splitlines()
    lacking.write_text("\n".join(line for line in lines if ",640," not in line) + "\n")
    found = similarity(kb, "USA", "France", "--year", "1816", "--weighted", "--capabilities",
                       str(lacking))  # fmt: skip
    assert found["value"] is None
    assert found["missing"] == "no CINC in nmc.csv for 1 state(s) in 1816: XOE"
    rows = weighted_panel(kb, lacking)
    assert {r["s_weighted"] for r in rows} == {""}
    later = similarity(kb, "USA", "France", "--year", "1817", "--weighted", "--capabilities",
                       str(NMC))  # fmt: skip
    assert later["value"] is None
    assert str(later["missing"]).startswith("no CINC in nmc_1816_built.csv for 23 state(s)")
    text = run(kb, "similarity", "USA", "France", "--year", "1817", "--weighted",
               "--capabilities", str(NMC))  # fmt: skip
    assert "for 23 state(s) in 1817: CHE, DNK" in " ".join(text.stdout.split())
    assert max(len(line) for line in text.stdout.splitlines()) <= 80


def test_weighted_without_capabilities_says_where_nmc_is_published(kb: TestDatabase) -> None:
    result = run(kb, "similarity", "USA", "France", "--year", "1816", "--weighted")
    assert result.exit_code == 2
    assert "--capabilities FILE" in result.output
    assert "National Material Capabilities" in result.output
    assert "https://correlatesofwar.org/" in result.output
    result = run(kb, "panel", "dyad-year", "--similarity", "s", "--weighted")
    assert result.exit_code == 2
    assert "--capabilities FILE" in result.output


def test_weights_are_refused_for_kappa_and_pi_and_without_a_measure(kb: TestDatabase) -> None:
    result = run(kb, "similarity", "USA", "France", "--year", "1816", "--measure", "kappa",
                 "--weighted", "--capabilities", str(NMC))  # fmt: skip
    assert result.exit_code == 2
    assert "weights apply to S only" in result.output
    result = run(kb, "panel", "dyad-year", "--weighted", "--capabilities", str(NMC))
    assert result.exit_code == 2
    assert "--similarity s" in result.output


def test_a_bad_capabilities_file_names_file_line_and_column(
    kb: TestDatabase, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("stateabb,ccode,year,cinc\nUSA,2,1816,0.2\nUKG,200,1816,lots\n")
    result = run(kb, "similarity", "USA", "France", "--year", "1816", "--weighted",
                 "--capabilities", str(bad))  # fmt: skip
    assert result.exit_code == 3
    assert "bad.csv:3:14: cinc: 'lots' is not a number" in result.output
    headless = tmp_path / "headless.csv"
    headless.write_text("ccode,year,milex\n2,1816,100\n")
    result = run(kb, "similarity", "USA", "France", "--year", "1816", "--weighted",
                 "--capabilities", str(headless))  # fmt: skip
    assert result.exit_code == 3
    assert "no column cinc" in result.output


def test_a_weighted_panels_package_names_the_capabilities_and_validates(
    kb: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "dyads"
    result = run(
        kb, "panel", "dyad-year", "--from", "1816", "--to", "1817", "--codes", "cow",
        "--source", COW_SOURCE, "--similarity", "s", "--weighted", "--capabilities", str(NMC),
        "--out", f"{out}/",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert "weighs each state of the year's system by its CINC" in package["description"]
    assert package["sources"][-1]["path"] == "https://correlatesofwar.org/"
    field = package["resources"][0]["schema"]["fields"][-1]
    assert (field["name"], field["type"]) == ("s_weighted", "number")
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
