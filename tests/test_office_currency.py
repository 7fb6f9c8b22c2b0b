"""Office holders are presumed in office for a stated horizon past their evidence (issue 28).

A fixed term's scheduled end where the office has one (the US President: four years from
the term's first day), otherwise 12 months after the newest evidence; `unconfirmed`
after. Tested at the edges of each horizon through the CLI, with "today" pinned by
ALLIANCEKB_TODAY, on both backends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb.cli.app import app
from tests.conftest import TestDatabase

OFFICES = """
sources:
  - key: "page-2025-03-10"
    title: "A page naming the minister"
    publisher: "Example Government"
    published: "2025-03-10"
    retrieved: "2026-12-07"
    kind: "government"
  - key: "page-2025-02-01"
    title: "A page naming the president"
    publisher: "Example Government"
    published: "2025-02-01"
    retrieved: "2026-12-07"
    kind: "government"
countries:
  - iso3: "USA"
  - iso3: "FRA"
officials:
  - key: "a-minister"
    name: "A Minister"
    positions:
      - title: "Minister of Examples"
        country: "FRA"
        from: "2024-06-01"
        sources: ["page-2025-03-10"]
  - key: "a-president"
    name: "A President"
    positions:
      - title: "President of the United States"
        country: "USA"
        from: "2025-01-20"
        sources: ["page-2025-02-01"]
"""


@pytest.fixture
def offices(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    path = tmp_path / "offices.yaml"
    path.write_text(OFFICES, encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", db.url, "load", str(path)])
    assert result.exit_code == 0, result.output
    return db


def officials(db: TestDatabase, *args: str, today: str | None = None) -> list[dict[str, Any]]:
    env = {"ALLIANCEKB_TODAY": today} if today else {}
    result = CliRunner().invoke(
        app, ["--db", db.url, "officials", *args, "--format", "json"], env=env
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def holder(rows: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    return next((r for r in rows if r["official"] == key), None)


@pytest.mark.parametrize(
    ("day", "currency"),
    [("2025-03-10", "known"), ("2025-03-11", "presumed"), ("2026-03-10", "presumed")],
)
def test_a_minister_is_presumed_in_office_for_twelve_months_past_the_evidence(
    offices: TestDatabase, day: str, currency: str
) -> None:
    row = holder(officials(offices, "--as-of", day), "a-minister")
    assert row is not None
    assert row["currency"] == currency
    assert row["presumed_until"] == "2026-03-10"
    assert row["presumed_by"] == "12 months after the newest evidence"


def test_a_minister_is_unconfirmed_the_day_after_the_horizon(offices: TestDatabase) -> None:
    shown = officials(offices, "--as-of", "2026-03-11", "--currency", "known", "--currency",
                      "presumed")  # fmt: skip
    assert holder(shown, "a-minister") is None
    every = officials(offices, "--as-of", "2026-03-11", "--currency", "unconfirmed")
    row = holder(every, "a-minister")
    assert row is not None
    assert row["currency"] == "unconfirmed"


@pytest.mark.parametrize(
    ("day", "currency"), [("2029-01-20", "presumed"), ("2029-01-21", "unconfirmed")]
)
def test_a_president_is_presumed_to_the_end_of_the_four_year_term(
    offices: TestDatabase, day: str, currency: str
) -> None:
    row = holder(officials(offices, "--as-of", day, "--currency", currency), "a-president")
    assert row is not None
    assert row["currency"] == currency
    assert row["presumed_until"] == "2029-01-20"
    assert row["presumed_by"] == "the 4-year term from 2025-01-20"


def test_today_is_the_pinned_day_and_nobody_held_shows_the_last_known_holders(
    offices: TestDatabase,
) -> None:
    held = officials(offices, today="2026-01-01")
    assert {r["official"] for r in held} == {"a-minister", "a-president"}
    later = officials(offices, "--country", "FRA", today="2027-01-01")
    assert [r["official"] for r in later] == ["a-minister"]
    assert later[0]["currency"] == "unconfirmed"
    table = CliRunner().invoke(
        app, ["--db", offices.url, "officials", "--country", "FRA"],
        env={"ALLIANCEKB_TODAY": "2027-01-01", "COLUMNS": "120"},
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "last known holders" in table.stdout


def test_a_pinned_today_that_is_not_a_date_is_a_usage_error(offices: TestDatabase) -> None:
    result = CliRunner().invoke(
        app, ["--db", offices.url, "officials"], env={"ALLIANCEKB_TODAY": "someday"}
    )
    assert result.exit_code == 2
    assert "ALLIANCEKB_TODAY='someday' is not a date" in result.stderr
