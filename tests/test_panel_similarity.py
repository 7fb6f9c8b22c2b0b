"""`alliancekb similarity A B --year Y` and `panel dyad-year --similarity`: portfolios from
the panel's own ties, over that year's state system (docs/similarity.md).

On the tiny COW file of tests/test_panel.py: in 1950 only the US and Canada are allied
(defense), so every score can be computed by hand from N, the states of 1950.
"""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pytest

from alliancekb.api import open_kb
from tests.conftest import TestDatabase
from tests.test_panel import COW_SOURCE, at, import_cow, panel, run


@pytest.fixture
def tiny(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    import_cow(db, tmp_path / "cow")
    return db


def _scores_1950(db: TestDatabase, *more: str) -> list[dict[str, str]]:
    return panel(db, "dyad-year", "--source", COW_SOURCE, "--from", "1950", "--to", "1950",
                 "--codes", "iso3", *more)  # fmt: skip


def test_the_similarity_column_equals_the_formula_over_that_years_system(
    tiny: TestDatabase,
) -> None:
    rows = _scores_1950(tiny, "--similarity", "s")
    assert list(rows[0])[-1] == "s"
    n = len({r["iso3_1"] for r in rows} | {r["iso3_2"] for r in rows})
    # Identical portfolios (each tied 3 to itself and to the other): S = 1.
    assert float(at(rows, 1950, iso3_1="CAN", iso3_2="USA")["s"]) == 1.0  # type: ignore[index]
    # USA (3 at USA, CAN) against Mexico (3 at MEX): Σ|a-b| = 3+3+3 = 9, S = 1 - 2·9/(3N).
    us_mx = at(rows, 1950, iso3_1="MEX", iso3_2="USA")
    assert float(us_mx["s"]) == pytest.approx(1 - 6 / n)  # type: ignore[index]
    # Two unallied states (3 at itself each): Σ = 6, S = 1 - 4/N.
    mx_br = at(rows, 1950, iso3_1="BRA", iso3_2="MEX")
    assert float(mx_br["s"]) == pytest.approx(1 - 4 / n)  # type: ignore[index]


def test_similarity_answers_as_the_panels_column(tiny: TestDatabase) -> None:
    rows = _scores_1950(tiny, "--similarity", "kappa")
    column = float(at(rows, 1950, iso3_1="FRA", iso3_2="USA")["kappa"])  # type: ignore[index]
    result = run(tiny, "similarity", "USA", "France", "--year", "1950", "--measure", "kappa",
                 "--source", COW_SOURCE, "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["value"] == pytest.approx(column)
    assert (answer["a"], answer["b"], answer["distance"]) == ("USA", "FRA", "squared")
    assert answer["states"] == len({r["iso3_1"] for r in rows} | {r["iso3_2"] for r in rows})
    assert answer["differing"] == [
        {"state": "CAN", "a": 3, "b": 0},
        {"state": "FRA", "a": 0, "b": 3},
        {"state": "USA", "a": 3, "b": 0},
    ]


def test_allies_alike_score_one_and_the_text_says_so(tiny: TestDatabase) -> None:
    result = run(tiny, "similarity", "United States", "Canada", "--year", "1950",
                 "--source", COW_SOURCE)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "S of USA and CAN in 1950: 1.0000"
    assert "tied alike to every state" in result.stdout


def test_outside_the_coverage_a_score_is_missing_not_computed(tiny: TestDatabase) -> None:
    rows = panel(tiny, "dyad-year", "--source", COW_SOURCE, "--from", "2013", "--to", "2013",
                 "--codes", "iso3", "--similarity", "s")  # fmt: skip
    assert rows
    assert {r["s"] for r in rows} == {""}
    with open_kb(tiny.url) as kb:
        found = kb.panel("dyad-year", source=COW_SOURCE, first=2013, last=2013,
                         codes=["iso3"], similarity="s")  # fmt: skip
        assert next(iter(found))["s"] is None
    result = run(tiny, "similarity", "USA", "CAN", "--year", "2013", "--source", COW_SOURCE)
    assert result.exit_code == 0, result.output
    assert "missing" in result.stdout
    assert "outside the coverage" in result.stdout


def test_a_state_not_in_that_years_system_is_a_clear_error(tiny: TestDatabase) -> None:
    result = run(tiny, "similarity", "USA", "Canada", "--year", "1919", "--source", COW_SOURCE)
    assert result.exit_code == 2
    assert "CAN is not in the state system in 1919" in result.output
    assert "Traceback" not in result.output


def test_similarity_refuses_what_it_cannot_compute(tiny: TestDatabase) -> None:
    absolute_kappa = run(tiny, "similarity", "USA", "CAN", "--year", "1950", "--measure",
                         "kappa", "--distance", "absolute")  # fmt: skip
    assert absolute_kappa.exit_code == 2
    assert "squared distances only" in absolute_kappa.output
    state_year = run(tiny, "panel", "state-year", "--similarity", "s")
    assert state_year.exit_code == 2
    by_alliance = run(tiny, "panel", "dyad-year", "--by-alliance", "--similarity", "s")
    assert by_alliance.exit_code == 2
    assert "one row per dyad" in by_alliance.output


def test_the_data_package_describes_the_score_as_a_number(
    tiny: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "scored"
    result = run(tiny, "panel", "dyad-year", "--source", COW_SOURCE, "--from", "1950",
                 "--to", "1950", "--similarity", "pi", "--out", f"{out}/")  # fmt: skip
    assert result.exit_code == 0, result.output
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    fields = package["resources"][0]["schema"]["fields"]
    assert fields[-1]["name"] == "pi"
    assert fields[-1]["type"] == "number"
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_api_answers_as_the_cli(tiny: TestDatabase) -> None:
    result = run(tiny, "similarity", "USA", "FRA", "--year", "1905", "--source", COW_SOURCE,
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    with open_kb(tiny.url) as kb:
        assert kb.similarity("USA", "FRA", year=1905, source=COW_SOURCE) == json.loads(
            result.stdout
        )


def test_similarity_says_when_the_merged_answer_is_past_the_datasets_coverage(
    tiny: TestDatabase,
) -> None:
    late = run(tiny, "similarity", "USA", "Canada", "--year", "2020", "--format", "json")
    assert late.exit_code == 0, late.output
    assert json.loads(late.stdout)["presumed"] is True
    text = run(tiny, "similarity", "USA", "Canada", "--year", "2020")
    assert "past the datasets' coverage: ties partly presumed" in text.stdout
    inside = run(tiny, "similarity", "USA", "Canada", "--year", "2000", "--format", "json")
    assert json.loads(inside.stdout)["presumed"] is False
    replication = run(tiny, "similarity", "USA", "Canada", "--year", "2010", "--source",
                      COW_SOURCE, "--format", "json")  # fmt: skip
    assert json.loads(replication.stdout)["presumed"] is False


def test_a_mistyped_country_gets_the_clis_suggestions_and_exit_4(tiny: TestDatabase) -> None:
    result = run(tiny, "similarity", "USA", "Canadda", "--year", "2000")
    assert result.exit_code == 4
    assert "Canada" in result.output
