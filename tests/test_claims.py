"""Claims per source: one row per country with every claim's sources, a documented
precedence for its dates, obligations, coverage windows, and `conflicts`.

The knowledge bases here are small YAML files the tests write, so every expectation can be
read off the file; the real COW and ATOP imports are tested in tests/test_import.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase

CLAIMS_KB = """\
sources:
  - {key: treaty, title: The treaty, published: "1949-04-04", kind: treaty}
  - {key: members-page, title: Members page, published: "2024-03-11", kind: government}
  - {key: cow, title: COW alliances 4.1, published: unknown, kind: dataset,
     covers_from: "1816", covers_to: "2012"}
  - {key: atop, title: ATOP 4.01, published: unknown, kind: dataset,
     covers_from: "1815", covers_to: "2016"}
countries:
  - iso3: USA
  - iso3: POL
  - iso3: BGR
  - iso3: DEU
  - iso3: TUR
alliances:
  - {key: pact, name: Pact, kind: defense-treaty, aliases: ["cow:227", "atop:3180"]}
  - {key: other, name: Other pact, kind: defense-treaty}
memberships:
  # the knowledge base's own records
  - {country: USA, scope: pact, role: founding-member, status: in-force, from: "1949-08-24",
     sources: [treaty, members-page]}
  - {country: POL, scope: pact, role: member, status: in-force, from: "1999-03-12",
     sources: [members-page]}
  - {country: BGR, scope: pact, role: member, status: in-force, from: "2004-03-29",
     sources: [members-page]}
  # COW's claims: USA and Poland, not Bulgaria (joined 2004, inside COW's coverage)
  - {country: USA, scope: pact, role: founding-member, status: in-force, from: "1949-08-24",
     claimed_by: cow, obligations: [defense], sources: [cow]}
  - {country: POL, scope: pact, role: member, status: in-force, from: "1999-03-12",
     claimed_by: cow, obligations: [defense], sources: [cow]}
  - {country: DEU, scope: pact, role: member, status: in-force, from: "1955-05-06",
     to: "1990-10-02", claimed_by: cow, obligations: [defense], sources: [cow]}
  # ATOP's: entry by signature, and a one-day later exit; a neutrality COW does not code
  - {country: USA, scope: pact, role: founding-member, status: in-force, from: "1949-04-04",
     claimed_by: atop, obligations: [defense, consultation], sources: [atop]}
  - {country: POL, scope: pact, role: member, status: in-force, from: "1997-12-16",
     claimed_by: atop, obligations: [defense, neutrality], sources: [atop]}
  - {country: BGR, scope: pact, role: member, status: in-force, from: "2003-03-26",
     claimed_by: atop, obligations: [defense], sources: [atop]}
  - {country: DEU, scope: pact, role: member, status: in-force, from: "1954-10-23",
     to: "1990-10-03", claimed_by: atop, obligations: [defense], sources: [atop]}
  # a dataset-only alliance, in force to the end of ATOP's coverage
  - {country: TUR, scope: other, role: member, status: in-force, from: "1955-02",
     claimed_by: atop, obligations: [consultation], sources: [atop]}
"""


@pytest.fixture
def claims_db(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS_KB)
    load_files(db.engine, [path])
    return db


def _rows(runner: CliRunner, db: TestDatabase, *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def _by_iso3(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    assert len({r["iso3"] for r in rows}) == len(rows), "one row per country"
    return {r["iso3"]: r for r in rows}


def test_one_row_per_country_with_every_claims_sources(
    runner: CliRunner, claims_db: TestDatabase
) -> None:
    rows = _by_iso3(_rows(runner, claims_db, "members", "pact", "--as-of", "2010-01-01"))
    assert set(rows) == {"USA", "POL", "BGR"}
    assert rows["USA"]["sources"] == ["atop", "cow", "members-page", "treaty"]
    # The knowledge base's own record gives the dates, and says so.
    assert rows["POL"]["from"] == "1999-03-12"
    assert rows["POL"]["dates_from"] == ["members-page"]
    assert rows["POL"]["claim"] is None
    assert rows["POL"]["obligations"] == ["defense", "neutrality"]


def test_a_dataset_gives_the_dates_where_the_knowledge_base_has_no_record(
    runner: CliRunner, claims_db: TestDatabase
) -> None:
    rows = _by_iso3(_rows(runner, claims_db, "members", "cow:227", "--as-of", "1960-01-01"))
    assert rows["DEU"]["dates_from"] == ["cow"]  # COW (entry into force) before ATOP
    assert rows["DEU"]["from"] == "1955-05-06"
    assert rows["DEU"]["claim"] == "cow"


def test_coverage_ends_the_evidence_of_a_dataset_claim(
    runner: CliRunner, claims_db: TestDatabase
) -> None:
    def turkey(as_of: str) -> dict[str, Any]:
        return _by_iso3(_rows(runner, claims_db, "members", "other", "--as-of", as_of))["TUR"]

    assert turkey("2016-06-01")["currency"] == "known"
    later = turkey("2020-01-01")
    assert later["currency"] == "presumed"  # ongoing at the end of coverage, not "today"
    assert later["confirmed"] == "2016"


def test_obligation_filter(runner: CliRunner, claims_db: TestDatabase) -> None:
    neutral = _rows(
        runner, claims_db, "members", "pact", "--as-of", "2010", "--obligation", "neutrality"
    )
    assert [r["iso3"] for r in neutral] == ["POL"]
    both = _rows(runner, claims_db, "members", "pact", "--as-of", "2010",
                 "--obligation", "defense", "--obligation", "consultation")  # fmt: skip
    assert [r["iso3"] for r in both] == ["USA"]


def test_alliances_of_a_country_across_datasets(runner: CliRunner, claims_db: TestDatabase) -> None:
    keys = [r["key"] for r in _rows(runner, claims_db, "alliances", "--country", "TUR",
                                     "--as-of", "1980-01-01")]  # fmt: skip
    assert keys == ["other"]
    assert _rows(runner, claims_db, "alliances", "--country", "TUR", "--as-of", "1950") == []


def _conflicts(runner: CliRunner, db: TestDatabase, *args: str) -> dict[tuple[str, str], Any]:
    rows = _rows(runner, db, "conflicts", *args)
    assert all(list(r) == ["scope", "country", "iso3", "kind", "values", "note"] for r in rows)
    return {(r["iso3"], r["kind"]): r for r in rows}


def test_conflicts_name_the_sources_and_their_values(
    runner: CliRunner, claims_db: TestDatabase
) -> None:
    found = _conflicts(runner, claims_db, "pact")
    # COW covers 2004 but does not list Bulgaria.
    missing = found[("BGR", "missing")]
    assert missing["values"]["cow"] == "not listed (covers to 2012-12-31)"
    assert ("USA", "missing") not in found
    # ATOP dates entry by signature: a known convention difference.
    start = found[("POL", "start")]
    assert start["values"] == {
        "members-page": "1999-03-12",
        "cow": "1999-03-12",
        "atop": "1997-12-16",
    }
    assert "signature" in start["note"]
    assert "signature" in found[("USA", "start")]["note"]
    end = found[("DEU", "end")]
    assert end["values"] == {"cow": "1990-10-02", "atop": "1990-10-03"}
    assert "one day" in end["note"]
    obligation = found[("POL", "obligation")]
    assert obligation["values"] == {"atop": ["defense", "neutrality"], "cow": ["defense"]}
    # Agreement is not a conflict: both datasets code the USA's defense obligation (ATOP's
    # consultation is not one COW codes), and nobody ends the USA's membership.
    assert ("USA", "obligation") not in found
    assert ("USA", "end") not in found


def test_conflicts_of_one_country(runner: CliRunner, claims_db: TestDatabase) -> None:
    found = _conflicts(runner, claims_db, "--country", "Germany")
    assert {key[0] for key in found} == {"DEU"}
    table = runner.invoke(app, ["--db", claims_db.url, "conflicts", "pact"],
                          env={"COLUMNS": "160"})  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "Where the sources disagree about Pact" in table.output


def test_counts_follow_the_merged_answer_not_any_claim(
    runner: CliRunner, claims_db: TestDatabase, tmp_path: Path
) -> None:
    """A dataset's in-force claim does not count a country whose own record has ended."""
    extra = tmp_path / "ended.yaml"
    extra.write_text(
        "memberships:\n"
        "  - {country: TUR, scope: pact, role: member, status: ended, from: '2000',\n"
        "     sources: [members-page]}\n"
        "  - {country: TUR, scope: pact, role: member, status: in-force, from: '1990',\n"
        "     claimed_by: atop, sources: [atop]}\n"
    )
    load_files(claims_db.engine, [extra])
    in_force = _rows(runner, claims_db, "members", "pact", "--as-of", "2010", "-s", "in-force")
    assert "TUR" not in {r["iso3"] for r in in_force}
    pact = next(
        r for r in _rows(runner, claims_db, "alliances", "--as-of", "2010") if r["key"] == "pact"
    )
    assert pact["members"] == len(in_force)
