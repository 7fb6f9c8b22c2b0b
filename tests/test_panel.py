"""`alliancekb panel` and `kb.panel`: state-years, dyad-years and directed dyad-years.

A tiny file in COW's by-member format is imported into a test database, so every rule is
seen on a handful of rows: missing (not 0) outside the source's coverage, no row for a
state outside the state system, directed against undirected dyads, one dataset against
the merged answer with `disputed`, the code columns, the year rule, the data package and
the errors. Every test runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import frictionless
import pytest
from typer.testing import CliRunner, Result

from alliancekb.api import open_kb
from alliancekb.cli.app import app
from alliancekb.core.formats import write_csv
from tests.conftest import TestDatabase

COW_SOURCE = "cow-alliances-4.1"
HEADER = (
    "version4id,ccode,state_name,all_st_day,all_st_month,all_st_year,all_end_day,"
    "all_end_month,all_end_year,ss_type,mem_st_day,mem_st_month,mem_st_year,mem_end_day,"
    "mem_end_month,mem_end_year,left_censor,right_censor,defense,neutrality,nonaggression,"
    "entente,version"
)
#: Alliance 1: the US and Canada from 1950 (defense, entente). Alliance 2: the UK and France
#: on 31 December 1930 only (nonaggression). Alliance 3, asymmetric, 1900-1910: the UK owes
#: Portugal defense, Portugal owes the UK neutrality.
ROWS = (
    '1,2,"United States of America",1,1,1950,,,,"Type I: Defense Pact",1,1,1950,,,,0,1,1,0,0,1,4.1',
    '1,20,"Canada",1,1,1950,,,,"Type I: Defense Pact",1,1,1950,,,,0,1,1,0,0,1,4.1',
    '2,200,"United Kingdom",31,12,1930,31,12,1930,"Type IIa: Non-Aggression Pact",'
    "31,12,1930,31,12,1930,0,0,0,0,1,0,4.1",
    '2,220,"France",31,12,1930,31,12,1930,"Type IIa: Non-Aggression Pact",'
    "31,12,1930,31,12,1930,0,0,0,0,1,0,4.1",
    '3,200,"United Kingdom",1,1,1900,1,1,1910,"Type I: Defense Pact",1,1,1900,1,1,1910,'
    "0,0,1,0,0,0,4.1",
    '3,235,"Portugal",1,1,1900,1,1,1910,"Type I: Defense Pact",1,1,1900,1,1,1910,0,0,0,1,0,0,4.1',
)
OBLIGATIONS = ("defense", "offense", "neutrality", "nonaggression", "consultation", "entente")


def run(db: TestDatabase, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, *args])


def import_cow(db: TestDatabase, directory: Path, rows: tuple[str, ...] = ROWS) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    text = "\n".join((HEADER, *rows)) + "\n"
    (directory / "alliance_v4.1_by_member.csv").write_text(text, encoding="utf-8")
    result = run(db, "import", "cow", str(directory))
    assert result.exit_code == 0, result.output


@pytest.fixture
def tiny(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    import_cow(db, tmp_path / "cow")
    return db


def panel(db: TestDatabase, *args: str) -> list[dict[str, str]]:
    result = run(db, "panel", *args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def at(rows: list[dict[str, str]], year: int, **codes: str) -> dict[str, str] | None:
    found = [r for r in rows if r["year"] == str(year) and all(r[k] == v for k, v in codes.items())]
    assert len(found) <= 1, found
    return found[0] if found else None


def obligations(row: dict[str, Any] | None) -> dict[str, Any]:
    assert row is not None
    return {o: row[o] for o in OBLIGATIONS}


def test_a_state_year_codes_the_obligations_in_force_that_year(tiny: TestDatabase) -> None:
    rows = panel(tiny, "state-year", "--source", COW_SOURCE, "--from", "1949", "--to", "1951")
    assert list(rows[0]) == [
        "ccode", "iso3", "year", *OBLIGATIONS, "alliances", "alliance_keys",
    ]  # fmt: skip
    usa = at(rows, 1950, ccode="2")
    assert usa is not None
    assert usa["iso3"] == "USA"
    assert obligations(usa) == dict.fromkeys(OBLIGATIONS, "0") | {"defense": "1", "entente": "1"}
    assert (usa["alliances"], usa["alliance_keys"]) == ("1", "cow-1")
    before = at(rows, 1949, ccode="2")
    assert before is not None
    assert before["alliances"] == "0"
    assert before["defense"] == "0"


def test_a_year_outside_the_sources_coverage_is_missing_not_zero(tiny: TestDatabase) -> None:
    rows = panel(tiny, "state-year", "--source", COW_SOURCE, "--from", "2012", "--to", "2013")
    inside, outside = at(rows, 2012, ccode="2"), at(rows, 2013, ccode="2")
    assert inside is not None
    assert inside["defense"] == "1"
    assert outside is not None
    assert obligations(outside) == dict.fromkeys(OBLIGATIONS, "")
    assert outside["alliances"] == ""
    assert outside["alliance_keys"] == ""
    with open_kb(tiny.url) as kb:
        found = kb.panel("state-year", source=COW_SOURCE, first=2013, last=2013, codes=["cow"])
        usa = next(r for r in found if r["ccode"] == 2)
        assert usa["defense"] is None
        assert usa["alliances"] is None
        assert "1816–2012" in found.description


def test_a_state_outside_the_state_system_has_no_row(tiny: TestDatabase) -> None:
    rows = panel(tiny, "state-year", "--source", COW_SOURCE, "--from", "1919", "--to", "1920")
    assert at(rows, 1919, ccode="2") is not None
    assert at(rows, 1919, ccode="20") is None  # Canada enters the system in 1920
    assert at(rows, 1920, ccode="20") is not None


def test_an_alliance_in_force_only_on_the_31st_of_december_codes_that_year(
    tiny: TestDatabase,
) -> None:
    rows = panel(tiny, "state-year", "--source", COW_SOURCE, "--from", "1930", "--to", "1931")
    assert at(rows, 1930, ccode="200")["nonaggression"] == "1"  # type: ignore[index]
    assert at(rows, 1931, ccode="200")["nonaggression"] == "0"  # type: ignore[index]
    dyads = panel(tiny, "dyad-year", "--source", COW_SOURCE, "--from", "1930", "--to", "1930")
    assert at(dyads, 1930, ccode1="200", ccode2="220")["nonaggression"] == "1"  # type: ignore[index]


def test_directed_dyads_carry_the_first_states_obligations(tiny: TestDatabase) -> None:
    args = ("--source", COW_SOURCE, "--from", "1905", "--to", "1905", "--codes", "cow")
    directed = panel(tiny, "directed-dyad-year", *args)
    uk_pt = at(directed, 1905, ccode1="200", ccode2="235")
    pt_uk = at(directed, 1905, ccode1="235", ccode2="200")
    assert (uk_pt["defense"], uk_pt["neutrality"]) == ("1", "0")  # type: ignore[index]
    assert (pt_uk["defense"], pt_uk["neutrality"]) == ("0", "1")  # type: ignore[index]
    undirected = panel(tiny, "dyad-year", *args)
    both = at(undirected, 1905, ccode1="200", ccode2="235")
    assert (both["defense"], both["neutrality"]) == ("1", "1")  # type: ignore[index]
    assert at(undirected, 1905, ccode1="235", ccode2="200") is None
    n = len({r["ccode1"] for r in directed})
    assert len(directed) == n * (n - 1) == 2 * len(undirected)


def test_codes_choose_the_columns_and_gleditsch_ward_needs_a_list(tiny: TestDatabase) -> None:
    rows = panel(tiny, "dyad-year", "--source", COW_SOURCE, "--from", "1950", "--to", "1950",
                 "--codes", "iso3")  # fmt: skip
    assert list(rows[0])[:3] == ["iso3_1", "iso3_2", "year"]
    assert at(rows, 1950, iso3_1="CAN", iso3_2="USA")["defense"] == "1"  # type: ignore[index]
    both = panel(tiny, "dyad-year", "--source", COW_SOURCE, "--from", "1950", "--to", "1950")
    assert list(both[0])[:5] == ["ccode1", "iso3_1", "ccode2", "iso3_2", "year"]
    refused = run(tiny, "panel", "state-year", "--codes", "gw")
    assert refused.exit_code == 2
    assert "Gleditsch–Ward codes need your copy" in refused.output
    unknown = run(tiny, "panel", "state-year", "--codes", "cow,polity")
    assert unknown.exit_code == 2
    assert "unknown code system 'polity'; choose from: cow, gw, iso3" in unknown.output


def test_by_alliance_gives_one_row_per_state_alliance_and_year(tiny: TestDatabase) -> None:
    rows = panel(tiny, "state-year", "--source", COW_SOURCE, "--by-alliance", "--codes", "cow")
    assert list(rows[0]) == ["ccode", "year", "alliance", "dataset_ids", *OBLIGATIONS]
    uk = [(r["year"], r["alliance"], r["dataset_ids"]) for r in rows if r["ccode"] == "200"]
    assert uk[0] == ("1900", "cow-3", "cow:3")
    assert len([y for y, a, _ in uk if a == "cow-3"]) == 11  # 1900-1910, both ends in
    assert ("1930", "cow-2", "cow:2") in uk


def test_the_merged_answer_marks_what_a_dataset_disputes(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    # COW dates the US in NATO (cow:227) from 1948: the knowledge base's own record answers
    # (1949-08-24), so 1948 is disputed and NATO is not among the US's alliances that year.
    row = (
        '227,2,"United States of America",4,4,1949,,,,"Type I: Defense Pact",'
        "1,1,1948,,,,0,1,1,0,0,1,4.1"
    )
    import_cow(seeded_db, tmp_path / "cow", (row,))
    rows = panel(seeded_db, "state-year", "--from", "1948", "--to", "1950", "--scope", "NATO")
    assert list(rows[0])[-1] == "disputed"
    usa_1948, usa_1950 = at(rows, 1948, iso3="USA"), at(rows, 1950, iso3="USA")
    assert usa_1948 is not None
    assert usa_1950 is not None
    assert (usa_1948["alliances"], usa_1948["defense"], usa_1948["disputed"]) == ("0", "0", "1")
    assert (usa_1950["alliance_keys"], usa_1950["defense"], usa_1950["disputed"]) == (
        "nato", "1", "0",
    )  # fmt: skip
    only_cow = panel(seeded_db, "state-year", "--source", COW_SOURCE, "--from", "1948",
                     "--to", "1948", "--scope", "NATO")  # fmt: skip
    # The state system runs to today: a later year has no rows.
    assert panel(seeded_db, "state-year", "--from", "2999", "--to", "2999") == []
    assert "disputed" not in only_cow[0]
    assert at(only_cow, 1948, iso3="USA")["alliance_keys"] == "nato"  # type: ignore[index]


def test_a_directory_gets_a_valid_data_package(tiny: TestDatabase, tmp_path: Path) -> None:
    out = tmp_path / "panel"
    result = run(tiny, "panel", "dyad-year", "--source", COW_SOURCE, "--from", "2010",
                 "--to", "2013", "--out", f"{out}/")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["datapackage.json", "dyad-year.csv"]
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = package["resources"]
    assert resource["schema"]["primaryKey"] == ["ccode1", "iso3_1", "ccode2", "iso3_2", "year"]
    assert resource["schema"]["missingValues"] == [""]
    assert "on any day of that year" in package["description"]
    assert package["description"].count("1816–2012") == 1
    assert [s["alliancekb:key"] for s in package["sources"]] == [COW_SOURCE]
    again = run(tiny, "panel", "dyad-year", "--source", COW_SOURCE, "--out", f"{out}/")
    assert again.exit_code == 2
    assert "--force" in again.output


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_formats_hold_lists_and_nulls(tiny: TestDatabase, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"p.{fmt}"
    result = run(tiny, "panel", "state-year", "--source", COW_SOURCE, "--from", "2013",
                 "--to", "2013", "--scope", "cow:1", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    rows = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    usa = next(r for r in rows if r["ccode"] == 2)
    assert usa["defense"] is None
    assert usa["alliance_keys"] is None
    with open_kb(tiny.url) as kb:
        made = kb.panel("state-year", source=COW_SOURCE, first=1950, last=1950)
        assert next(r for r in made if r["ccode"] == 2)["alliance_keys"] == ["cow-1"]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--from", "1990", "--to", "1980"), 2, "is after --to"),
        (("--source", "no-such-dataset"), 2, "no dataset 'no-such-dataset'"),
        (("--scope", "No Such Alliance"), 4, "No Such Alliance"),
        (("--codes", "fips"), 2, "unknown code system 'fips'"),
        (("--format", "parquet"), 2, "parquet"),
    ],
)
def test_user_errors_are_clear(
    tiny: TestDatabase, args: tuple[str, ...], code: int, says: str
) -> None:
    result = run(tiny, "panel", "state-year", *args)
    assert result.exit_code == code, result.output
    assert says in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["dyad-year", "directed-dyad-year", "state-year"])
def test_the_fast_csv_lines_equal_the_reference_writer(tiny: TestDatabase, kind: str) -> None:
    """Dyad-year CSV lines are made without csv.writer (panel.rows.csv_lines): the same
    text as core/formats.write_csv writing the panel's rows as dicts."""
    with open_kb(tiny.url) as kb:
        for source in (COW_SOURCE, None):
            for first, last in ((1905, 1905), (1930, 1930), (1950, 1950), (2013, 2013)):
                made = kb.panel(kind, source=source, first=first, last=last)
                reference = io.StringIO(newline="")
                write_csv(reference, made.columns, list(made))
                assert made.to_text("csv") == reference.getvalue()
