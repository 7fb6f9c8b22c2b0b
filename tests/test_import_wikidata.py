"""`alliancekb import wikidata FILE.json`: office holders from Wikidata, as claims.

The results file is tests/fixtures/wikidata/officials.json, built by hand to the W3C
SPARQL 1.1 Query Results JSON format (its README says what each binding tests); the
persons, offices' QIDs and dates are fictional. No test reaches the internet: `--fetch`
is tested against a local HTTP server. Every test runs on SQLite and, when configured,
PostgreSQL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from alliancekb.cli.app import app
from alliancekb.store import models as m
from tests.conftest import TestDatabase

FIXTURE = Path(__file__).parent / "fixtures" / "wikidata" / "officials.json"
RETRIEVED = "2026-06-01"
PM = "Prime Minister of Japan"
OWN = """\
sources:
  - key: own-src
    title: A government page (test)
    publisher: Test
    published: 2024-06-01
    kind: government
countries:
  - iso3: JPN
    name: Japan
officials:
  - key: ada-example
    name: Ada Example
    positions:
      - title: Prime Minister of Japan
        country: JPN
        from: 2021-10-04
        sources: [own-src]
"""


def run(db: TestDatabase, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, *args])


def ok(db: TestDatabase, *args: str) -> Result:
    result = run(db, *args)
    assert result.exit_code == 0, result.output
    return result


def rows(db: TestDatabase, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(ok(db, *args, "--format", "json").stdout)
    return found


@pytest.fixture
def kb(db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestDatabase:
    """A knowledge base with its own record of Ada Example, and the fixture imported."""
    monkeypatch.setenv("ALLIANCEKB_TODAY", "2026-07-01")
    own = tmp_path / "own.yaml"
    own.write_text(OWN, encoding="utf-8")
    ok(db, "load", str(own))
    ok(db, "import", "wikidata", str(FIXTURE), "--retrieved", RETRIEVED)
    return db


def wikidata_positions(db: TestDatabase) -> dict[tuple[str, str], dict[str, Any]]:
    with db.engine.connect() as conn:
        found = conn.execute(
            select(m.Official.key, m.Position.title, m.Position.from_text, m.Position.to_text,
                   m.Position.note)
            .join(m.Official, m.Official.id == m.Position.official_id)
            .where(m.Position.claim == "wikidata")
        ).all()  # fmt: skip
    return {(r[0], r[1]): {"from": r[2], "to": r[3], "note": r[4]} for r in found}


def test_dates_keep_wikidatas_precision_and_ranks_decide_what_is_imported(
    kb: TestDatabase,
) -> None:
    claims = wikidata_positions(kb)
    assert claims[("ada-example", PM)] == {
        **claims[("ada-example", PM)], "from": "2021-10-04", "to": "2024-10-01"
    }  # fmt: skip
    assert claims[("cy-example", PM)]["from"] == "2010"  # precision 9: not 2010-01-01
    assert claims[("cy-example", "Minister of Defense")]["from"] == "2019-09"  # precision 10
    assert claims[("cy-example", "Minister of Defense")]["to"] == "2020-09-16"
    assert "preferred rank" in claims[("ben-example", PM)]["note"]
    assert "preferred rank (current)" in claims[("cy-example", PM)]["note"]
    keys = {key for key, _ in claims}
    assert "fay-example" not in keys  # deprecated rank: not imported
    assert "eve-example" not in keys  # normal, open, after the preferred holder: left out


def test_a_holder_with_no_start_has_an_open_start_and_says_so(kb: TestDatabase) -> None:
    dee = wikidata_positions(kb)[("dee-example", "Minister for Foreign Affairs")]
    assert dee["from"] == ""
    assert "no start time in Wikidata: an open start" in dee["note"]


def test_a_person_holding_two_offices_is_one_official(kb: TestDatabase) -> None:
    found = [r for r in rows(kb, "officials", "--all") if r["official"] == "cy-example"]
    assert sorted(r["title"] for r in found) == ["Minister of Defense", PM]


def test_a_person_is_matched_to_the_existing_official_and_gains_the_wikidata_alias(
    kb: TestDatabase,
) -> None:
    with kb.engine.connect() as conn:
        named = conn.scalar(
            select(func.count()).select_from(m.Official).where(m.Official.name == "Ada Example")
        )
        aliases = conn.scalars(
            select(m.OfficialAlias.alias)
            .join(m.Official, m.Official.id == m.OfficialAlias.official_id)
            .where(m.Official.key == "ada-example")
        ).all()
    assert named == 1
    assert "wikidata:Q900000001" in aliases


def test_a_renamed_person_is_matched_by_the_wikidata_id(kb: TestDatabase, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.json"
    renamed.write_text(FIXTURE.read_text().replace('"Ada Example"', '"Ada B. Example"'))
    ok(kb, "import", "wikidata", str(renamed), "--retrieved", RETRIEVED)
    with kb.engine.connect() as conn:
        officials = conn.scalars(select(m.Official.key)).all()
        aliases = conn.scalars(select(m.OfficialAlias.alias)).all()
    assert "ada-b-example" not in officials
    assert "Ada B. Example" in aliases


def test_importing_the_same_file_again_changes_nothing(kb: TestDatabase) -> None:
    again = ok(kb, "import", "wikidata", str(FIXTURE), "--retrieved", RETRIEVED)
    assert "nothing changed" in again.stdout


def test_a_corrected_end_date_updates_that_one_claim(kb: TestDatabase, tmp_path: Path) -> None:
    corrected = tmp_path / "corrected.json"
    corrected.write_text(FIXTURE.read_text().replace("2020-09-16T", "2020-09-15T"))
    result = ok(kb, "import", "wikidata", str(corrected), "--retrieved", RETRIEVED)
    counts = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert counts["positions"] == ["0", "1", "4"]
    assert wikidata_positions(kb)[("cy-example", "Minister of Defense")]["to"] == "2020-09-15"
    changes = rows(kb, "diff", "--from", "2", "--to", "3")
    assert [(c["change"], c["key"], c["field"]) for c in changes] == [
        ("updated", "cy-example|Minister of Defense|2019-09|wikidata", "to")
    ]


def pm_on(db: TestDatabase, *args: str) -> dict[str, Any]:
    (row,) = [r for r in rows(db, "officials", "--country", "JPN", *args) if r["title"] == PM]
    return row


def test_officials_answer_from_the_merged_claims_with_their_currency(kb: TestDatabase) -> None:
    agreed = pm_on(kb, "--as-of", "2022-01-01")  # both claim Ada: the own record answers
    assert (agreed["official"], agreed["claim"], agreed["disputed"]) == ("ada-example", None, [])
    assert agreed["currency"] == "known"
    only = pm_on(kb, "--as-of", "2015-06-01")  # the own record is silent: Wikidata answers
    assert (only["official"], only["claim"], only["from"]) == ("cy-example", "wikidata", "2010")
    # Own evidence (2024-06-01) presumes Ada to 2025-06-01; Wikidata knows Ben then.
    fresher = pm_on(kb, "--as-of", "2025-03-01")
    assert (fresher["official"], fresher["claim"], fresher["currency"]) == (
        "ben-example", "wikidata", "known"
    )  # fmt: skip
    assert fresher["disputed"] == ["own-src: Ada Example from 2021-10-04"]
    today = pm_on(kb)  # ALLIANCEKB_TODAY 2026-07-01: past Wikidata's retrieval
    assert (today["official"], today["currency"], today["confirmed"]) == (
        "ben-example", "presumed", RETRIEVED
    )  # fmt: skip


def test_conflicts_show_where_wikidata_disagrees_with_the_own_record(kb: TestDatabase) -> None:
    found = [r for r in rows(kb, "conflicts") if r["scope"] == PM]
    kinds = {r["kind"]: r["values"] for r in found}
    assert kinds["end"] == [
        "own-src: Ada Example with no end (in office)",
        "wikidata: Ada Example until 2024-10-01",
    ]
    assert kinds["holder"] == [
        "own-src: Ada Example from 2021-10-04",
        "wikidata: Ben Example from 2024-10-01",
    ]
    assert {r["iso3"] for r in found} == {"JPN"}


def test_a_dry_run_writes_nothing(db: TestDatabase) -> None:
    result = ok(db, "import", "wikidata", str(FIXTURE), "--dry-run")
    assert "dry run" in result.stdout
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.Position)) == 0


def test_the_import_is_in_the_history_and_the_diff(kb: TestDatabase) -> None:
    history = rows(kb, "history")
    assert any("officials.json" in json.dumps(r) for r in history)
    diff = ok(kb, "diff", "--from", "1", "--to", "2")
    assert "Ben Example" in diff.stdout


def test_retract_claim_withdraws_wikidatas_position_and_a_reimport_keeps_it_out(
    kb: TestDatabase,
) -> None:
    ambiguous = run(kb, "retract", "position", "Ada Example", PM, "--reason", "test")
    assert ambiguous.exit_code == 4, ambiguous.output
    ok(kb, "retract", "position", "Ada Example", PM, "--claim", "wikidata", "--reason", "test")
    assert ("ada-example", PM) not in wikidata_positions(kb)
    again = ok(kb, "import", "wikidata", str(FIXTURE), "--retrieved", RETRIEVED)
    assert ("ada-example", PM) not in wikidata_positions(kb)
    assert "retracted" in again.stdout
    own = rows(kb, "officials", "--all")
    assert any(r["official"] == "ada-example" and r["claim"] is None for r in own)


def test_a_dump_keeps_whose_claim_a_position_is_and_loads_back(
    kb: TestDatabase, tmp_path: Path, make_database: Any
) -> None:
    ok(kb, "retract", "position", "Cy Example", PM, "--claim", "wikidata", "--reason", "test")
    out = tmp_path / "dump.yaml"
    ok(kb, "dump", "--out", str(out))
    assert "claimed_by: wikidata" in out.read_text(encoding="utf-8")
    fresh = make_database()
    ok(fresh, "load", str(out))
    assert wikidata_positions(fresh) == wikidata_positions(kb)
    assert ("cy-example", PM) not in wikidata_positions(fresh)
    with fresh.engine.connect() as conn:
        keys = conn.scalars(select(m.Retraction.key)).all()
    assert keys == [f"cy-example|{PM}|2010|wikidata"]


# -- bad files -------------------------------------------------------------------------------


def refused(db: TestDatabase, tmp_path: Path, text: str) -> str:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    result = run(db, "import", "wikidata", str(bad), "--retrieved", RETRIEVED)
    assert result.exit_code == 3, result.output
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.Source)) == 0, "nothing loaded"
    return result.stderr


def test_a_file_that_is_not_json_is_refused_at_its_fault(db: TestDatabase, tmp_path: Path) -> None:
    err = refused(db, tmp_path, '{"head": {"vars": []},\n  "results": [}')
    assert "bad.json:2:" in err
    assert "not JSON" in err


def test_a_document_without_a_required_variable_names_it(db: TestDatabase, tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text())
    doc["head"]["vars"].remove("rank")
    err = refused(db, tmp_path, json.dumps(doc, indent=1))
    assert "bad.json:3:" in err
    assert "missing variable(s) rank" in err


def test_a_bad_binding_is_named_with_its_line_and_column(db: TestDatabase, tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    text = text.replace('"value": "10",', '"value": "ten",', 1)
    assert '"ten"' in text
    err = refused(db, tmp_path, text)
    # The place of the variable's value (its term object), in the binding it belongs to.
    line = text[: text.rindex('"startPrecision"', 0, text.index('"ten"'))].count("\n") + 1
    assert f"bad.json:{line}:" in err
    assert "results.bindings[3].startPrecision" in err
    assert "is not a number" in err


def test_a_binding_naming_no_wikidata_item_is_refused(db: TestDatabase, tmp_path: Path) -> None:
    text = FIXTURE.read_text().replace("entity/Q900000004", "entity/X4", 1)
    err = refused(db, tmp_path, text)
    assert "results.bindings[4].person" in err
    assert "is not a Wikidata item" in err


def test_a_missing_file_is_a_usage_error(db: TestDatabase, tmp_path: Path) -> None:
    result = run(db, "import", "wikidata", str(tmp_path / "none.json"))
    assert result.exit_code == 2, result.output
    assert "is not a file" in result.stderr


# -- the query and --fetch -----------------------------------------------------------------


def test_print_query_prints_the_documented_query(db: TestDatabase) -> None:
    default = ok(db, "import", "wikidata", "--print-query").stdout
    for part in ("p:P39", "psv:P580", "psv:P582", "wikibase:timePrecision", "wdt:P1906",
                 "wdt:P1313", "wdt:P298", "wikibase:rank", '"JPN"'):  # fmt: skip
        assert part in default
    chosen = ok(db, "import", "wikidata", "--print-query", "--position", "Q11696").stdout
    assert "VALUES ?position { wd:Q11696 }" in chosen
    assert "wdt:P1906" not in chosen
    bad = run(db, "import", "wikidata", "--print-query", "--position", "11696x")
    assert bad.exit_code == 2, bad.output


class _Answer(BaseHTTPRequestHandler):
    body = FIXTURE.read_bytes()
    seen: ClassVar[list[tuple[str, str, str]]] = []

    def do_GET(self) -> None:
        self.seen.append(
            (self.path, self.headers.get("User-Agent", ""), self.headers.get("Accept", ""))
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, str]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Answer.seen = []
    monkeypatch.setenv(
        "ALLIANCEKB_WIKIDATA_ENDPOINT", f"http://127.0.0.1:{server.server_port}/sparql"
    )
    try:
        yield _Answer.seen
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_sends_the_query_saves_the_answer_and_imports_it(
    db: TestDatabase, endpoint: list[tuple[str, str, str]]
) -> None:
    result = ok(db, "import", "wikidata", "--fetch", "--retrieved", RETRIEVED)
    ((path, agent, accept),) = endpoint
    assert path.startswith("/sparql?query=")
    assert "format=json" in path
    assert agent.startswith("alliancekb/")
    assert accept == "application/sparql-results+json"
    saved = result.stderr.split(" to ", 1)[1].strip()
    assert Path(saved).read_bytes() == FIXTURE.read_bytes()
    assert ("ben-example", PM) in wikidata_positions(db)


def test_fetch_offline_is_a_clear_runtime_failure(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    port = server.server_port
    server.server_close()  # nothing listens there now
    monkeypatch.setenv("ALLIANCEKB_WIKIDATA_ENDPOINT", f"http://127.0.0.1:{port}/sparql")
    result = run(db, "import", "wikidata", "--fetch")
    assert result.exit_code == 1, result.output
    assert "cannot reach the Wikidata Query Service" in result.stderr


def test_the_default_query_covers_the_countries_the_bundled_officials_serve(
    seeded_db: TestDatabase,
) -> None:
    from alliancekb.load.datasets.wikidata_query import DEFAULT_COUNTRIES

    served = {r["country"] for r in rows(seeded_db, "officials", "--all") if r["country"]}
    assert set(DEFAULT_COUNTRIES) == served


def test_a_position_claimed_by_a_source_that_is_not_a_dataset_is_refused(
    db: TestDatabase, tmp_path: Path
) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(OWN.replace("        sources: [own-src]", "        claimed_by: own-src\n"
                               "        sources: [own-src]"), encoding="utf-8")  # fmt: skip
    result = run(db, "load", str(own))
    assert result.exit_code == 3, result.output
    assert "own.yaml:17:9: officials[0].positions[0].claimed_by" in result.stderr
    assert "own-src is not a source of kind `dataset`" in result.stderr


def test_retract_own_picks_the_knowledge_bases_record(kb: TestDatabase) -> None:
    ok(kb, "retract", "position", "Ada Example", PM, "--own", "--reason", "test")
    claims = {(r["official"], r["claim"]) for r in rows(kb, "officials", "--all")}
    assert ("ada-example", "wikidata") in claims
    assert ("ada-example", None) not in claims
