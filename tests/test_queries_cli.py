"""The read commands through the CLI, on tests/fixtures/kb.yaml, on every backend."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from typer.testing import CliRunner, Result

from alliancekb.cli import app
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase

FIXTURE = Path(__file__).parent / "fixtures" / "kb.yaml"
MEMBER_KEYS = {"country", "iso3", "scope", "role", "status", "from", "to", "via", "sources"}
STATEMENT_KEYS = {
    "id", "date", "speaker", "speaker_label", "text", "quote", "stance", "countries",
    "scopes", "technology_areas", "source",
}  # fmt: skip


@pytest.fixture
def kb(db: TestDatabase) -> TestDatabase:
    """A database loaded with the query fixture."""
    load_files(db.engine, [FIXTURE])
    db.dispose()  # the CLI opens its own engine
    return db


def run(kb: TestDatabase, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", kb.url, *args])


def rows(kb: TestDatabase, *args: str) -> list[dict[str, Any]]:
    result = run(kb, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def ids(kb: TestDatabase, *args: str) -> list[str]:
    return [r["id"] for r in rows(kb, "statements", *args)]


# -- members --------------------------------------------------------------------------------


def test_members_of_a_pillar_include_the_alliance_via_and_its_own_partners(
    kb: TestDatabase,
) -> None:
    found = rows(kb, "members", "AUKUS Pillar 2")
    assert all(set(r) >= MEMBER_KEYS for r in found)
    got = {(r["iso3"], r["scope"], r["via"], r["status"]) for r in found}
    assert got == {
        ("AUS", "AUKUS", "AUKUS", "in-force"),
        ("GBR", "AUKUS", "AUKUS", "in-force"),
        ("USA", "AUKUS", "AUKUS", "in-force"),
        ("JPN", "AUKUS Pillar 2", None, "expected"),
        ("CAN", "AUKUS Pillar 2", None, "under-consultation"),
        ("KOR", "AUKUS Pillar 2", None, "under-consultation"),
    }  # NZL declined: hidden by default
    assert [r["iso3"] for r in found[:3]] == ["AUS", "GBR", "USA"]  # in-force first
    japan = next(r for r in found if r["iso3"] == "JPN")
    assert japan["sources"] == ["wsj-emanuel-2024-04"]
    assert japan["from"] == "2024-04~"
    assert japan["to"] is None
    assert japan["note"] == "Not confirmed whether Japan joins as a full member."
    usa = next(r for r in found if r["iso3"] == "USA")
    assert usa["sources"] == ["wh-aukus-2021-09-15", "wsj-emanuel-2024-04"]


@pytest.mark.parametrize("name", ["aukus pillar II", "AUKUS/pillar-2", "Pillar Two"])
def test_members_accepts_any_name_of_the_pillar(kb: TestDatabase, name: str) -> None:
    assert {r["iso3"] for r in rows(kb, "members", name)} == {
        "AUS", "GBR", "USA", "JPN", "CAN", "KOR"
    }  # fmt: skip


def test_members_of_an_alliance_have_no_pillar_partners(kb: TestDatabase) -> None:
    found = rows(kb, "members", "aukus")
    assert {r["iso3"] for r in found} == {"AUS", "GBR", "USA"}
    assert {r["via"] for r in found} == {None}


def test_members_status_and_role_filters(kb: TestDatabase) -> None:
    assert [r["iso3"] for r in rows(kb, "members", "pillar 2", "--status", "declined")] == ["NZL"]
    partners = rows(kb, "members", "pillar 2", "--role", "partner", "-s", "expected")
    assert [r["iso3"] for r in partners] == ["JPN"]
    ended = rows(kb, "members", "nato", "--status", "ended")
    assert [r["iso3"] for r in ended] == ["FRA"]


@pytest.mark.parametrize(
    ("scope", "as_of", "expected"),
    [
        # joined: Finland 2023-04-04, Sweden 2024-03-07; France ended, end unknown: hidden
        ("nato", "2023-06", {"USA", "NOR", "FIN"}),
        ("nato", "2024-03-07", {"USA", "NOR", "FIN", "SWE"}),
        ("nato", "1949", set()),  # 1949-01-01: before entry into force
        ("nato", "1949-08-24", {"USA", "NOR"}),
        # left: Pakistan 1973-11-07, the rest at dissolution 1977-06-30 (end inclusive)
        ("seato", "1970", {"PAK", "USA"}),
        ("seato", "1973-11-07", {"PAK", "USA"}),
        ("seato", "1973-11-08", {"USA"}),
        ("seato", "1977-07", set()),
        # approximate: Japan 2024-04~ counts from 2024-04-01; Korea's start is unknown, so
        # it answers from its earliest evidence (a source of 2024-04~), never before
        ("pillar 2", "2024-03-31", {"AUS", "GBR", "USA"}),
        ("pillar 2", "2024-04", {"AUS", "GBR", "USA", "KOR", "JPN", "CAN"}),
        ("pillar 2", "2021-09-14", set()),
    ],
)
def test_members_as_of(kb: TestDatabase, scope: str, as_of: str, expected: set[str]) -> None:
    assert {r["iso3"] for r in rows(kb, "members", scope, "--as-of", as_of)} == expected


def test_members_as_of_a_bad_date_is_a_usage_error(kb: TestDatabase) -> None:
    result = run(kb, "members", "nato", "--as-of", "last tuesday")
    assert result.exit_code == 2
    assert "--as-of" in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["officials", "--as-of", "2023-02-30"], "--as-of"),
        (["statements", "--since", "soon"], "--since"),
        (["statements", "--until", "2024-13"], "--until"),
    ],
)
def test_a_bad_date_names_the_option_it_came_from(
    kb: TestDatabase, args: list[str], option: str
) -> None:
    # The query layer names its parameter (`until: ...`); the CLI names the option.
    result = run(kb, *args)
    assert result.exit_code == 2
    assert f"alliancekb: {option}: " in result.output


# -- lists ---------------------------------------------------------------------------------


def test_countries(kb: TestDatabase) -> None:
    found = {r["iso3"]: r for r in rows(kb, "countries")}
    assert len(found) == 12
    assert found["GBR"]["aliases"] == ["Britain", "UK"]
    assert found["NOR"]["iso2"] == "NO"
    assert found["NOR"]["name"] == "Norway"


def test_alliances_count_in_force_members(kb: TestDatabase) -> None:
    found = {r["key"]: r for r in rows(kb, "alliances")}
    assert {k: (r["members"], r["pillars"]) for k, r in found.items()} == {
        "aukus": (3, 2), "nato": (4, 0), "seato": (0, 0),
    }  # fmt: skip
    assert found["nato"]["aliases"] == ["North Atlantic Alliance"]


def test_alliances_as_of_a_day_before_one_was_founded_leave_it_out_and_say_so(
    kb: TestDatabase,
) -> None:
    assert "aukus" not in {r["key"] for r in rows(kb, "alliances", "--as-of", "2021-09-14")}
    assert "aukus" in {r["key"] for r in rows(kb, "alliances", "--as-of", "2021-09-15")}
    result = run(kb, "alliances", "--as-of", "2000")
    assert result.exit_code == 0, result.output
    assert "AUKUS" not in result.stdout
    assert "1 alliance(s) founded after 2000-01-01 not listed" in " ".join(result.stdout.split())


def test_pillars(kb: TestDatabase) -> None:
    found = rows(kb, "pillars", "--alliance", "AUKUS")
    assert [(r["scope"], r["technology_areas"], r["members"]) for r in found] == [
        ("AUKUS Pillar 1", ["submarines"], 3),
        ("AUKUS Pillar 2", ["hypersonics", "quantum"], 3),
    ]


def test_tech_areas_by_scope(kb: TestDatabase) -> None:
    assert {r["key"] for r in rows(kb, "tech-areas")} == {"quantum", "hypersonics", "submarines"}
    assert [r["key"] for r in rows(kb, "tech-areas", "--scope", "Pillar II")] == [
        "hypersonics", "quantum"
    ]  # fmt: skip
    assert {r["key"] for r in rows(kb, "tech-areas", "--scope", "aukus")} == {
        "quantum", "hypersonics", "submarines"
    }  # fmt: skip


def test_officials_as_of_and_country(kb: TestDatabase) -> None:
    def held(*args: str) -> set[tuple[str, str]]:
        return {(r["official"], r["title"]) for r in rows(kb, "officials", *args)}

    assert held("--as-of", "2023-01") == {
        ("rahm-emanuel", "Ambassador to Japan"),
        ("kurt-campbell", "Indo-Pacific Coordinator"),
    }
    # Marles's only source is of 2021-09-15: past it he is the last thing known, not current.
    assert held("--as-of", "2023-01", "--currency", "unconfirmed") == {
        ("richard-marles", "Deputy Prime Minister")
    }
    # Campbell's coordinator post ended 2024-02 (counted from 2024-02-01).
    assert held("--as-of", "2024-03", "--country", "US") == {
        ("rahm-emanuel", "Ambassador to Japan"),
        ("kurt-campbell", "Deputy Secretary of State"),
    }
    # nobody held in office today: the rows are the last known holders (unconfirmed)
    assert held("--country", "Australia") == {("richard-marles", "Deputy Prime Minister")}
    assert held("--country", "Australia", "--currency", "unconfirmed") == {
        ("richard-marles", "Deputy Prime Minister")
    }
    assert len(held("--all")) == 4


def test_sources(kb: TestDatabase) -> None:
    found = rows(kb, "sources")
    assert [r["key"] for r in found] == [
        "wsj-emanuel-2024-04", "nato-members", "wh-aukus-2021-09-15", "seato-history",
    ]  # fmt: skip
    assert found[-1]["published"] == "unknown"  # said explicitly in the YAML
    assert [r["key"] for r in rows(kb, "sources", "--kind", "reference")] == ["seato-history"]


# -- statements ------------------------------------------------------------------------------

ALL_NEWEST_FIRST = [
    "us-considers-japan",  # 2024-04-05
    "emanuel-japan-first-partner",  # 2024-04~ (from 2024-04-01)
    "campbell-hypersonics",  # 2024-03
    "emanuel-2022",
    "aukus-launch",
]


def test_statements_newest_first_with_the_contract_keys(kb: TestDatabase) -> None:
    found = rows(kb, "statements")
    assert [r["id"] for r in found] == ALL_NEWEST_FIRST
    assert all(set(r) == STATEMENT_KEYS for r in found)
    first = found[1]
    assert first == {
        "id": "emanuel-japan-first-partner",
        "date": "2024-04~",
        "speaker": "Rahm Emanuel",
        "speaker_label": "US Ambassador in Tokyo",
        "text": "Japan will be the first additional AUKUS Pillar II partner.",
        "quote": False,
        "stance": "asserts",
        "countries": ["JPN"],
        "scopes": ["AUKUS Pillar 2"],
        "technology_areas": ["quantum"],
        "source": "wsj-emanuel-2024-04",
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--speaker", "Emanuel"], ["emanuel-japan-first-partner", "emanuel-2022"]),
        (["--speaker", "United States"], ["us-considers-japan"]),
        (["--speaker", "aukus"], ["aukus-launch"]),
        (["--country", "CAN"], ["campbell-hypersonics"]),
        (["--scope", "AUKUS Pillar 2"], ["emanuel-japan-first-partner", "campbell-hypersonics"]),
        # an alliance includes statements about its pillars
        (["--scope", "AUKUS"], [i for i in ALL_NEWEST_FIRST if i != "emanuel-2022"]),
        (["--tech-area", "quantum technology"],
         ["us-considers-japan", "emanuel-japan-first-partner"]),
        (["--since", "2024-04"], ["us-considers-japan", "emanuel-japan-first-partner"]),
        (["--since", "2022", "--until", "2024-03"], ["campbell-hypersonics", "emanuel-2022"]),
        (["--until", "2021"], ["aukus-launch"]),
        (["--limit", "2"], ALL_NEWEST_FIRST[:2]),
        (["--country", "JPN", "--speaker", "rahm-emanuel", "--since", "2023"],
         ["emanuel-japan-first-partner"]),
    ],
)  # fmt: skip
def test_statement_filters(kb: TestDatabase, args: list[str], expected: list[str]) -> None:
    assert ids(kb, *args) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("japan", {"us-considers-japan", "emanuel-japan-first-partner", "campbell-hypersonics"}),
        ("JAPAN Partner", {"us-considers-japan", "emanuel-japan-first-partner"}),
        ("consider", {"us-considers-japan"}),  # the text says CONSIDER
        ("considers", {"us-considers-japan"}),  # English stems: considers = consider
        ("partner", {"us-considers-japan", "emanuel-japan-first-partner", "emanuel-2022"}),
        ("2", {"campbell-hypersonics", "aukus-launch"}),  # Pillar-2 and 2.5 split alike
        ("billion", {"aukus-launch"}),
        ("-japan", {"us-considers-japan", "emanuel-japan-first-partner", "campbell-hypersonics"}),
    ],
)
def test_search_finds_words_in_any_case(kb: TestDatabase, query: str, expected: set[str]) -> None:
    assert set(ids(kb, "--search", query)) == expected


@pytest.mark.parametrize(
    "payload",
    ['"', "*", "OR", "-", "japan OR", "' OR 1=1 --", '"japan', "NEAR(japan partner)",
     "text:japan*", "^japan", "'; DROP TABLE statements; --", "\\", "%", "(", "japan AND NOT"],
)  # fmt: skip
def test_search_syntax_is_neither_an_error_nor_an_operator(kb: TestDatabase, payload: str) -> None:
    # Stemmed: every word of the payload is in the text, or a word with its stem.
    words = {w[:4] for w in re.findall(r"[^\W_]+", payload.lower())}
    if not words:  # nothing to search for is a usage error, not an empty answer
        assert run(kb, "statements", "--search", payload).exit_code == 2
        assert len(ids(kb)) == 5
        return
    found = set(ids(kb, "--search", payload))
    # Every row really holds every word of the payload, as a word (its stem's start).
    for row in rows(kb, "statements", "--search", payload):
        assert words <= {w[:4] for w in re.findall(r"[^\W_]+", row["text"].lower())}
    assert "aukus-launch" not in found or "or" in words  # OR is a word, never a union
    assert len(ids(kb)) == 5  # the table is still there


def test_search_follows_updated_and_deleted_text(kb: TestDatabase, tmp_path: Path) -> None:
    changed = FIXTURE.read_text(encoding="utf-8").replace(
        "Deterrence in the Indo-Pacific", "Resolve in the Indo-Pacific"
    )
    path = tmp_path / "kb.yaml"
    path.write_text(changed, encoding="utf-8")
    load_files(kb.engine, [path])
    kb.dispose()
    assert ids(kb, "--search", "deterrence") == []
    assert ids(kb, "--search", "resolve indo") == ["emanuel-2022"]


# -- show and timeline -----------------------------------------------------------------------


def card(kb: TestDatabase, name: str) -> dict[str, Any]:
    result = run(kb, "show", name, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_show_country(kb: TestDatabase) -> None:
    c = card(kb, "Japan")
    assert (c["kind"], c["fields"]["iso3"]) == ("country", "JPN")
    assert [(m["scope"], m["status"]) for m in c["sections"]["memberships"]] == [
        ("AUKUS Pillar 2", "expected")
    ]
    assert {s["id"] for s in c["sections"]["statements"]} == {
        "us-considers-japan", "emanuel-japan-first-partner", "campbell-hypersonics",
        "emanuel-2022",
    }  # fmt: skip
    assert [s["key"] for s in c["sections"]["sources"]] == ["wsj-emanuel-2024-04"]


def test_show_country_lists_ended_memberships_and_officials(kb: TestDatabase) -> None:
    c = card(kb, "USA")
    assert {(m["scope"], m["status"]) for m in c["sections"]["memberships"]} == {
        ("AUKUS", "in-force"), ("NATO", "in-force"), ("SEATO", "ended"),
    }  # fmt: skip
    assert {o["official"] for o in c["sections"]["officials"]} == {"rahm-emanuel", "kurt-campbell"}


def test_show_pillar_alliance_official_area_source(kb: TestDatabase) -> None:
    pillar = card(kb, "aukus pillar two")
    assert pillar["kind"] == "pillar"
    assert pillar["fields"]["technology_areas"] == ["hypersonics", "quantum"]
    assert {(m["iso3"], m["via"]) for m in pillar["sections"]["members"]} >= {
        ("AUS", "AUKUS"), ("JPN", None)
    }  # fmt: skip
    alliance = card(kb, "North Atlantic Alliance")
    assert alliance["kind"] == "alliance"
    assert {m["iso3"] for m in alliance["sections"]["members"]} == {"USA", "NOR", "FIN", "SWE"}
    official = card(kb, "kurt-campbell")
    assert [p["title"] for p in official["sections"]["positions"]] == [
        "Deputy Secretary of State", "Indo-Pacific Coordinator",
    ]  # fmt: skip
    area = card(kb, "hypersonics")
    assert area["fields"]["pillars"] == ["AUKUS Pillar 2"]
    assert [s["id"] for s in area["sections"]["statements"]] == ["campbell-hypersonics"]
    source = card(kb, "seato-history")
    assert source["kind"] == "source"
    assert source["fields"]["published"] == "unknown"


def test_show_as_table_and_csv(kb: TestDatabase) -> None:
    result = CliRunner().invoke(app, ["--db", kb.url, "show", "Japan"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Japan (JPN)" in result.output
    assert "AUKUS Pillar 2" in result.output
    assert "\x1b[" not in result.output
    result = run(kb, "show", "Japan", "--format", "csv")
    records = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"section": "fields", "row": "", "key": "iso3", "value": "JPN"} in records
    assert {"section": "memberships", "row": "1", "key": "status", "value": "expected"} in records


def test_timeline_of_a_country_is_in_date_order(kb: TestDatabase) -> None:
    found = rows(kb, "timeline", "Japan")
    assert [(r["date"], r["event"]) for r in found] == [
        ("2022-06-01", "statement"),
        ("2024-03", "statement"),
        ("2024-04~", "membership from"),
        ("2024-04~", "statement"),
        ("2024-04-05", "statement"),
    ]
    assert found[2]["subject"] == "Japan in AUKUS Pillar 2 (partner)"
    assert found[2]["sources"] == ["wsj-emanuel-2024-04"]


def test_timeline_of_an_alliance_shows_ends(kb: TestDatabase) -> None:
    found = rows(kb, "timeline", "SEATO")
    assert [(r["date"], r["event"], r["subject"]) for r in found] == [
        ("1955-02-19", "membership from", "Pakistan in SEATO (founding-member)"),
        ("1955-02-19", "membership from", "United States in SEATO (founding-member)"),
        ("1973-11-07", "membership to", "Pakistan in SEATO (founding-member)"),
        ("1977-06-30", "membership to", "United States in SEATO (founding-member)"),
    ]


def test_timeline_of_an_official(kb: TestDatabase) -> None:
    found = rows(kb, "timeline", "Kurt Campbell")
    assert [r["event"] for r in found] == [
        "position from", "position to", "position from", "statement",
    ]  # fmt: skip


# -- names, formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["members", "AUKUS Pilar 2"], "AUKUS Pillar 2"),
        (["statements", "--speaker", "Rahm Emmanuel"], "Rahm Emanuel"),
        (["statements", "--country", "Japn"], "Japan (JPN)"),
        (["show", "submarines"], "ambiguous"),
        (["timeline", "Natoo"], "NATO"),
        (["officials", "--country", "Atlantis"], "unknown country 'Atlantis'"),
    ],
)
def test_unknown_or_ambiguous_names_exit_4_with_candidates(
    kb: TestDatabase, args: list[str], expected: str
) -> None:
    result = run(kb, *args)
    assert result.exit_code == 4, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output


def test_ambiguous_name_lists_every_candidate(kb: TestDatabase) -> None:
    message = run(kb, "show", "submarines").stderr
    assert "AUKUS Pillar 1 (Submarines) (pillar)" in message
    assert "Submarines (technology area)" in message


def test_csv_on_stdout_is_quoted_as_rfc4180_with_lf_line_ends(kb: TestDatabase) -> None:
    result = run(kb, "statements", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split(",")[:2] == ["id", "date"]
    # For a terminal or a pipe (`grep 'x$'`, `cut`): LF; files written by export keep CRLF.
    assert b"\r" not in result.stdout_bytes  # Result.stdout folds CRLF: read the bytes
    assert result.stdout_bytes.endswith(b"\n")
    parsed = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    launch = next(r for r in parsed if r["id"] == "aukus-launch")
    assert launch["countries"] == "AUS; GBR; USA"
    assert launch["text"].endswith('2.5 "billion" dollars -- or more.')
    assert launch["quote"] == "true"


def test_ndjson_has_one_object_per_line(kb: TestDatabase) -> None:
    result = run(kb, "members", "nato", "--format", "ndjson")
    lines = result.stdout.splitlines()
    assert [json.loads(line)["iso3"] for line in lines] == ["NOR", "USA", "FIN", "SWE"]


def test_empty_json_is_an_empty_list(kb: TestDatabase) -> None:
    assert rows(kb, "members", "seato") == []


def test_table_output_is_plain_text_when_piped(kb: TestDatabase) -> None:
    result = CliRunner().invoke(
        app, ["--db", kb.url, "members", "pillar 2"], env={"NO_COLOR": "1", "COLUMNS": "160"}
    )
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert "Members of AUKUS Pillar 2" in result.output
    assert "Japan" in result.output
    assert "expected" in result.output
    assert "every status except ended and declined" in result.output


def test_unknown_format_is_a_usage_error(kb: TestDatabase) -> None:
    result = run(kb, "countries", "--format", "xml")
    assert result.exit_code == 2


def test_markup_in_data_is_not_interpreted(kb: TestDatabase, tmp_path: Path) -> None:
    doc = tmp_path / "markup.yaml"
    doc.write_text(
        "statements:\n  - id: markup\n    speaker: USA\n    date: 2025-01-01\n"
        "    text: '[bold]not bold[/bold] and [link=x]y[/link]'\n    stance: asserts\n"
        "    source: nato-members\n",
        encoding="utf-8",
    )
    load_files(kb.engine, [doc])
    kb.dispose()
    result = CliRunner().invoke(
        app, ["--db", kb.url, "statements", "--limit", "1"], env={"COLUMNS": "200"}
    )
    assert "[bold]not bold[/bold]" in result.output


# -- query plans (SQLite) -------------------------------------------------------------------


def _plans(kb: TestDatabase, *args: str) -> list[str]:
    """EXPLAIN QUERY PLAN of every statement the command runs that reads the big tables."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if re.search(r"\bFROM (statements|memberships)\b", statement):
            captured.append((statement, params))

    # On the Engine class: the CLI creates its own engine.
    event.listen(Engine, "before_cursor_execute", capture)
    try:
        result = run(kb, *args, "--format", "json")
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    assert result.exit_code == 0, result.output
    assert captured, "the command ran no query on statements/memberships"
    engine = kb.engine
    plans = []
    with engine.connect() as conn:
        for statement, params in captured:
            detail = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            plans.append("\n".join(str(r[-1]) for r in detail))
    kb.dispose()
    return plans


FULL_SCAN = re.compile(r"^SCAN (statements|memberships)\b(?! USING)", re.MULTILINE)


@pytest.mark.parametrize(
    ("args", "index"),
    [
        (["members", "AUKUS Pillar 2"], "ix_memberships_scope_from"),
        (["statements", "--speaker", "Rahm Emanuel"], "ix_statements_official_date"),
        (["statements", "--since", "2024-01"], "ix_statements_date_lower"),
        (["statements", "--search", "japan"], "statements_fts"),
    ],
)
def test_query_plans_use_indexes(
    kb: TestDatabase, backend: str, args: list[str], index: str
) -> None:
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    plans = _plans(kb, *args)
    assert not [p for p in plans if FULL_SCAN.search(p)], plans
    assert any(index in p for p in plans), plans


def test_fts_table_is_in_step_with_statements(kb: TestDatabase, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the FTS5 table is SQLite's")
    with kb.engine.connect() as conn:
        check = "INSERT INTO statements_fts(statements_fts, rank) VALUES ('integrity-check', 1)"
        conn.exec_driver_sql(check)  # raises if the index and the content disagree
        count = conn.execute(text("SELECT count(*) FROM statements_fts")).scalar_one()
    assert count == 5


# -- search with a limit: common and rare words ------------------------------------------------


def _many_statements(n: int) -> str:
    """n statements on distinct days, all with `harbour`, every 17th also with `lighthouse`."""
    lines = ["statements:"]
    for i in range(n):
        extra = " lighthouse" if i % 17 == 0 else ""
        lines += [
            f"  - id: many-{i:03d}",
            "    speaker: USA",
            f"    date: {2000 + i // 12}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            f"    text: harbour{extra} note {i}",
            "    stance: asserts",
            "    source: wsj-emanuel-2024-04",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("word", ["harbour", "lighthouse"])
def test_search_with_a_limit_gives_the_newest_hits_for_common_and_rare_words(
    kb: TestDatabase, tmp_path: Path, word: str
) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(_many_statements(120), encoding="utf-8")
    load_files(kb.engine, [path])
    kb.dispose()
    everything = ids(kb, "--search", word, "--limit", "0")
    assert len(everything) == (120 if word == "harbour" else 8)
    assert ids(kb, "--search", word, "--limit", "5") == everything[:5]


@pytest.mark.parametrize(
    ("word", "walks"), [("harbour", True), ("lighthouse", False), ("nowhere", False)]
)
def test_sqlite_walks_the_date_index_only_for_a_common_word(
    kb: TestDatabase, backend: str, tmp_path: Path, word: str, walks: bool
) -> None:
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    path = tmp_path / "many.yaml"
    path.write_text(_many_statements(120), encoding="utf-8")
    load_files(kb.engine, [path])
    kb.dispose()
    plans = "\n".join(_plans(kb, "statements", "--search", word, "--limit", "5"))
    assert ("SCAN statements USING INDEX ix_statements_date_lower" in plans) is walks, plans


def test_the_presentation_columns_are_the_query_fields() -> None:
    # present/ lays out what query/ answers: a data column for every field, in order.
    from alliancekb.present import card_tables as cards
    from alliancekb.present import lists, members, statements, timeline
    from alliancekb.present.reports import HISTORY_COLUMNS
    from alliancekb.query.cards import SECTION_FIELDS
    from alliancekb.query.history import HISTORY_FIELDS
    from alliancekb.query.lists import PILLAR_FIELDS
    from alliancekb.query.members import MEMBER_FIELDS
    from alliancekb.query.statements import STATEMENT_FIELDS
    from alliancekb.query.timeline import TIMELINE_FIELDS

    def data_keys(columns: list[Any]) -> list[str]:
        return [c.key for c in columns if c.data]

    assert data_keys(members.MEMBER_COLUMNS) == list(MEMBER_FIELDS)
    assert data_keys(statements.STATEMENT_COLUMNS) == list(STATEMENT_FIELDS)
    assert data_keys(lists.PILLAR_COLUMNS) == list(PILLAR_FIELDS)
    assert data_keys(timeline.TIMELINE_COLUMNS) == list(TIMELINE_FIELDS)
    assert data_keys(HISTORY_COLUMNS) == list(HISTORY_FIELDS)
    # `wording` is the table's reading of `quote` ("quote" or "paraphrase"), in no data
    table_only = {"wording"}
    card_statements = [c.key for c in statements.STATEMENT_COLUMNS if c.key not in table_only]
    assert card_statements == list(SECTION_FIELDS["statements"])
    assert [c.key for c in cards.MEMBERSHIP_OF_COLUMNS] == list(SECTION_FIELDS["memberships"])
    assert [c.key for c in lists.POSITION_COLUMNS] == list(SECTION_FIELDS["positions"])
    assert [c.key for c in cards.SOURCES_CITED_COLUMNS] == list(SECTION_FIELDS["sources"])


def test_columns_writes_only_the_named_columns_in_the_order_given(kb: TestDatabase) -> None:
    result = run(kb, "members", "NATO", "--format", "csv", "--columns", "status,country")
    assert result.exit_code == 0, result.output
    parsed = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert parsed[0] == ["status", "country"]
    assert all(len(row) == 2 for row in parsed)
    found = rows(kb, "statements", "--columns", "id, date")
    assert found
    assert all(list(r) == ["id", "date"] for r in found)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--columns", "country"], "--columns chooses the columns of --format csv"),
        (["-f", "csv", "--columns", "country,colour"], "no column 'colour' in this answer"),
        (["-f", "csv", "--columns", ","], "--columns: give the columns' keys"),
    ],
)
def test_columns_with_a_table_or_an_unknown_key_is_a_usage_error(
    kb: TestDatabase, args: list[str], expected: str
) -> None:
    result = run(kb, "members", "NATO", *args)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert result.stdout == ""
