"""Military exercises (issue 30): load, query, show, timeline, export, dump, diff, errors.

Through the CLI where it is the face, `alliancekb.query.kinds.exercises.exercises` where the
Python API is; every database test runs on SQLite and (when configured) PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from alliancekb import open_kb
from alliancekb.cli.app import app
from alliancekb.core.dates import dated_columns
from alliancekb.load.loader import load_files
from alliancekb.query.kinds.exercises import edition_span, exercises
from alliancekb.store.db import read_session
from tests.conftest import TestDatabase
from tests.helpers import snapshot, write_yaml
from tests.test_dump import round_trip

MakeDb = Callable[..., TestDatabase]

DOC = """
sources:
  - key: s-announce
    title: Announcement of the exercise
    publisher: A navy
    published: 2024-05-22
    kind: government
  - key: s-report
    title: Report on the exercise
    publisher: A paper
    published: 2024-07
    kind: news
countries:
  - iso3: USA
  - iso3: JPN
  - iso3: GBR
    aliases: [UK]
  - iso3: VNM
  - iso3: IND
  - iso3: AUS
  - iso3: FRA
alliances:
  - key: quad
    name: Quad
    kind: dialogue
exercises:
  - key: sea-drill
    name: Sea Drill
    aliases: [Exercise Sea Drill, SD]
    organiser: USA
    description: A test exercise.
    editions:
      - year: 2024
        name: Sea Drill 2024
        from: 2024-06-27
        to: 2024-08-01
        participants:
          - {country: USA, role: host}
          - {country: JPN}
          - {country: UK}
          - {country: VNM, role: observer}
        note: Another source gives June 26 to August 2.
        sources: [s-announce, s-report]
      - year: 2026
        sources: [s-announce]
  - key: quad-sail
    name: Quad Sail
    organiser: Quad
    editions:
      - year: 2025
        from: 2025-11
        participants:
          - {country: IND, role: host}
          - {country: AUS}
        sources: [s-report]
"""


@pytest.fixture
def kb(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    """A database holding the two exercises of DOC."""
    load_files(db.engine, [write_yaml(tmp_path, "exercises.yaml", DOC)])
    db.dispose()  # the CLI opens its own engine
    return db


def run(kb: TestDatabase, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", kb.url, *args], env={"COLUMNS": "200"})


def rows(kb: TestDatabase, *args: str) -> list[dict[str, Any]]:
    result = run(kb, "exercises", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def editions(kb: TestDatabase, *args: str) -> list[str]:
    return [r["edition"] for r in rows(kb, *args)]


# -- load and query -------------------------------------------------------------------------


def test_every_edition_is_a_row_oldest_first_with_roles_apart(kb: TestDatabase) -> None:
    found = rows(kb)
    assert [r["edition"] for r in found] == ["Sea Drill 2024", "Quad Sail 2025", "Sea Drill 2026"]
    first = found[0]
    assert first == {
        "exercise": "Sea Drill",
        "edition": "Sea Drill 2024",
        "year": 2024,
        "from": "2024-06-27",
        "to": "2024-08-01",
        "hosts": ["United States"],
        "participants": ["Japan", "United Kingdom"],
        "observers": ["Vietnam"],
        "organiser": "United States",
        "exercise_key": "sea-drill",
        "note": "Another source gives June 26 to August 2.",
        "sources": ["s-announce", "s-report"],
    }
    assert found[1]["organiser"] == "Quad"  # an alliance organises it
    assert found[2]["from"] is None
    assert found[2]["hosts"] == []


def test_country_keeps_the_editions_it_takes_part_in_in_any_role(kb: TestDatabase) -> None:
    assert editions(kb, "--country", "Japan") == ["Sea Drill 2024"]
    assert editions(kb, "--country", "Vietnam") == ["Sea Drill 2024"]  # an observer
    assert editions(kb, "--country", "USA") == ["Sea Drill 2024"]  # the host
    assert editions(kb, "--country", "India") == ["Quad Sail 2025"]
    assert editions(kb, "--country", "France") == []
    result = run(kb, "exercises", "--country", "Atlantis")
    assert result.exit_code != 0
    assert "unknown country 'Atlantis'" in result.output


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2024-06-27", ["Sea Drill 2024"]),  # its first day
        ("2024-08-01", ["Sea Drill 2024"]),  # its last day
        ("2024-08-02", []),
        ("2025-11-30", ["Quad Sail 2025"]),  # from a month, no to: that month
        ("2025-12-01", []),
        ("2026-01-01", ["Sea Drill 2026"]),  # only a year: the whole year
        ("2026-12-31", ["Sea Drill 2026"]),
    ],
)
def test_as_of_keeps_the_editions_running_that_day(
    kb: TestDatabase, as_of: str, expected: list[str]
) -> None:
    assert editions(kb, "--as-of", as_of) == expected


def test_country_and_as_of_together_and_a_bad_date(kb: TestDatabase) -> None:
    assert editions(kb, "--country", "UK", "--as-of", "2024-07") == ["Sea Drill 2024"]
    assert editions(kb, "--country", "UK", "--as-of", "2026") == []
    result = run(kb, "exercises", "--as-of", "2024-02-30")
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_the_python_api_answers_as_the_cli(kb: TestDatabase) -> None:
    with read_session(kb.engine) as session:
        result = exercises(session, as_of=dt.date(2024, 7, 4), country="JPN")
        assert result.country == "Japan (JPN)"
        assert result.as_of == dt.date(2024, 7, 4)
        assert result.rows == rows(kb, "--as-of", "2024-07-04", "--country", "JPN")
    with open_kb(kb.url) as api:
        assert api.exercises() == rows(kb)
        dated = api.exercises(country="JPN", as_of="2024-07-04")
        assert dated == rows(kb, "--as-of", "2024-07-04", "--country", "JPN")
        assert dated.meta.country == "Japan (JPN)"


def test_the_table_says_what_it_shows(kb: TestDatabase) -> None:
    result = run(kb, "exercises", "--country", "Japan", "--as-of", "2024-07-04")
    assert result.exit_code == 0, result.output
    assert "Exercises with Japan (JPN) running on 2024-07-04" in result.stdout
    assert "Sea Drill 2024" in result.stdout
    csv_rows = list(csv.DictReader(run(kb, "exercises", "--format", "csv").stdout.splitlines()))
    assert csv_rows[0]["participants"] == "Japan; United Kingdom"


def test_known_on_reads_a_past_load(kb: TestDatabase, tmp_path: Path) -> None:
    changed = DOC.replace("{country: JPN}", "{country: JPN}\n          - {country: FRA}")
    load_files(kb.engine, [write_yaml(tmp_path, "changed.yaml", changed)])
    kb.dispose()
    assert editions(kb, "--country", "France") == ["Sea Drill 2024"]
    loads = json.loads(run(kb, "history", "--format", "json").stdout)
    first = min(int(r["id"]) for r in loads if "exercises.yaml" in json.dumps(r))
    assert editions(kb, "--country", "France", "--known-on", str(first)) == []


# -- show and timeline ----------------------------------------------------------------------


def test_show_an_exercise_by_any_name(kb: TestDatabase) -> None:
    for name in ("sea-drill", "Sea Drill", "exercise sea drill", "SD"):
        result = run(kb, "show", name, "--format", "json")
        assert result.exit_code == 0, result.output
        card = json.loads(result.stdout)
        assert card["kind"] == "exercise"
        assert card["fields"]["organiser"] == "United States"
        assert card["fields"]["aliases"] == ["Exercise Sea Drill", "SD"]
        assert [e["edition"] for e in card["sections"]["editions"]] == [
            "Sea Drill 2024",
            "Sea Drill 2026",
        ]
        assert [s["key"] for s in card["sections"]["sources"]] == ["s-announce", "s-report"]
    table = run(kb, "show", "Sea Drill")
    assert table.exit_code == 0, table.output
    assert "Sea Drill · exercise" in table.stdout
    assert "Editions" in table.stdout


def test_timeline_lists_the_editions(kb: TestDatabase) -> None:
    result = run(kb, "timeline", "Sea Drill", "--format", "json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert [(e["date"], e["event"], e["subject"]) for e in events] == [
        ("2024-06-27", "edition", "Sea Drill 2024"),
        ("2026", "edition", "Sea Drill 2026"),
    ]
    assert events[0]["detail"] == (
        "to 2024-08-01; hosts: United States; participants: 2; observers: Vietnam"
    )
    assert events[0]["sources"] == ["s-announce", "s-report"]


def test_a_countrys_card_and_timeline_list_the_editions_it_took_part_in(kb: TestDatabase) -> None:
    result = run(kb, "show", "USA", "--format", "json")
    assert result.exit_code == 0, result.output
    taken = json.loads(result.stdout)["sections"]["exercises"]
    assert [(e["edition"], e["role"], e["from"]) for e in taken] == [
        ("Sea Drill 2024", "host", "2024-06-27")
    ]
    result = run(kb, "show", "Vietnam", "--format", "json")
    assert [e["role"] for e in json.loads(result.stdout)["sections"]["exercises"]] == ["observer"]
    result = run(kb, "timeline", "India", "--format", "json")
    assert result.exit_code == 0, result.output
    events = [e for e in json.loads(result.stdout) if e["event"] == "exercise"]
    assert [(e["date"], e["subject"], e["status"]) for e in events] == [
        ("2025-11", "Quad Sail 2025", "host")
    ]
    assert events[0]["detail"] == "host in Quad Sail"


# -- export, dump, diff ---------------------------------------------------------------------


def test_export_writes_the_exercise_tables(kb: TestDatabase, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(kb, "export", "--out", str(out))
    assert result.exit_code == 0, result.output

    def read(name: str) -> list[dict[str, str]]:
        with (out / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    assert [
        (r["key"], r["organiser_country"], r["organiser_alliance"]) for r in read("exercises")
    ] == [
        ("quad-sail", "", "quad"),
        ("sea-drill", "USA", ""),
    ]
    assert [r["alias"] for r in read("exercise_aliases")] == ["Exercise Sea Drill", "SD"]
    first = read("exercise_editions")[1]
    assert (first["exercise"], first["year"], first["edition"]) == (
        "sea-drill",
        "2024",
        "Sea Drill 2024",
    )
    assert (first["from_lower"], first["to_upper"]) == ("2024-06-27", "2024-08-01")
    roles = {(r["edition"], r["country"], r["role"]) for r in read("exercise_participants")}
    assert ("Sea Drill 2024", "VNM", "observer") in roles
    assert ("", "IND", "host") in roles
    assert len(read("exercise_edition_sources")) == 4


def test_dump_round_trips_the_exercises(
    kb: TestDatabase, make_database: MakeDb, tmp_path: Path
) -> None:
    out = round_trip(kb, make_database, tmp_path)  # every exported table equal after reload
    text = out.read_text(encoding="utf-8")
    assert "exercises:\n  - key: quad-sail" in text
    assert "organiser: quad" in text  # the alliance by its key
    # Loading the dump back changes nothing.
    assert load_files(kb.engine, [out]).changed == 0


def test_a_second_load_of_the_same_file_changes_nothing(kb: TestDatabase, tmp_path: Path) -> None:
    report = load_files(kb.engine, [write_yaml(tmp_path, "again.yaml", DOC)])
    assert report.changed == 0
    assert report.counts["editions"].unchanged == 3


def test_diff_names_the_changed_edition(kb: TestDatabase, tmp_path: Path) -> None:
    changed = DOC.replace("to: 2024-08-01", "to: 2024-08-02")
    load_files(kb.engine, [write_yaml(tmp_path, "changed.yaml", changed)])
    kb.dispose()
    result = run(kb, "history", "--format", "json")
    last = max(int(r["id"]) for r in json.loads(result.stdout))
    diff = json.loads(run(kb, "diff", "--from", str(last - 1), "--format", "json").stdout)
    assert [(r["kind"], r["key"], r["field"], r["old"], r["new"]) for r in diff] == [
        ("edition", "sea-drill|2024|Sea Drill 2024", "to", "2024-08-01", "2024-08-02")
    ]


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "where", "message"),
    [
        ("{country: JPN}", "exercises[0].editions[0].participants[1].role", "host"),
        ("{country: JPN}", "exercises[0].editions[0].participants[1].country", "Atlantis"),
    ],
)
def test_a_bad_record_names_its_place_and_changes_nothing(
    kb: TestDatabase, tmp_path: Path, bad: str, where: str, message: str
) -> None:
    replacement = (
        "{country: JPN, role: admiral}" if where.endswith("role") else "{country: Atlantis}"
    )
    text = DOC.replace("{country: USA}", "{country: USA}").replace(bad, replacement)
    text = text.replace("name: Sea Drill\n", "name: Sea Drill Renamed\n")  # a change too
    path = write_yaml(tmp_path, "bad.yaml", text)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if replacement in t)
    before = snapshot(kb.engine)
    result = run(kb, "load", str(path))
    assert result.exit_code != 0
    assert f"{path}:{line}:" in result.output
    assert where in result.output
    assert message in result.output
    assert snapshot(kb.engine) == before


def test_a_record_of_an_edition_out_of_its_year_is_refused(
    kb: TestDatabase, tmp_path: Path
) -> None:
    text = DOC.replace(
        "      - year: 2024\n        name: Sea Drill 2024",
        "      - year: 2023\n        name: Sea Drill 2024",
    )
    path = write_yaml(tmp_path, "year.yaml", text)
    before = snapshot(kb.engine)
    result = run(kb, "load", str(path))
    assert result.exit_code != 0
    assert "is not in the edition's year (2023)" in result.output
    assert "exercises[0].editions[0]" in result.output
    assert snapshot(kb.engine) == before


def test_one_country_named_twice_is_refused(kb: TestDatabase, tmp_path: Path) -> None:
    text = DOC.replace("{country: UK}", "{country: UK}\n          - {country: GBR}")
    path = write_yaml(tmp_path, "twice.yaml", text)
    result = run(kb, "load", str(path))
    assert result.exit_code != 0
    assert "United Kingdom (GBR) is named more than once among the participants" in result.output
    assert "participants[3].country" in result.output


# -- the date helper ------------------------------------------------------------------------


def test_dated_columns_and_edition_spans() -> None:
    assert dated_columns("from_text", "from", "2024-06~") == {
        "from_text": "2024-06~",
        "from_lower": dt.date(2024, 6, 1),
        "from_upper": dt.date(2024, 6, 30),
    }
    assert dated_columns("to_text", "to", None) == {
        "to_text": "",
        "to_lower": None,
        "to_upper": None,
    }
    year = edition_span(2026, None, None, None)
    assert year == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    month = edition_span(2025, dt.date(2025, 11, 1), dt.date(2025, 11, 30), None)
    assert month == (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
