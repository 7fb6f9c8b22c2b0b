"""Knowledge time (issue 18): every read as the knowledge base stood after a past load,
`diff` and `history --changes`, `dump --known-on` byte for byte, `db compact`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.dump.dumper import dump
from alliancekb.store import models as m
from alliancekb.store.versions import versions_of
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text, snapshot

JAPAN_EXPECTED = BASE
JAPAN_CONSULTING = BASE.replace("status: expected", "status: under-consultation")
SUBMARINE = BASE.replace(
    "Japan will be the first additional AUKUS Pillar II partner.",
    "Japan will build submarines with the AUKUS partners.",
)


def _cli(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    return runner.invoke(app, ["--db", db.url, *args])


def _json(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    result = _cli(runner, db, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _japan(rows: list[dict[str, Any]]) -> dict[str, Any]:
    [row] = [r for r in rows if r["iso3"] == "JPN"]
    return row


def _versions(db: TestDatabase) -> int:
    with db.engine.connect() as conn:
        return sum(
            conn.execute(text(f"SELECT count(*) FROM {versions_of(t.name)}")).scalar_one()
            for t in m.VERSIONED_TABLES
        )


def test_a_status_corrected_in_a_later_load_is_answered_as_it_was_known_before(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)  # load 1
    load_text(db.engine, tmp_path, JAPAN_CONSULTING)  # load 2 corrects the status
    assert _japan(_json(runner, db, "members", "AUKUS Pillar 2"))["status"] == (
        "under-consultation"
    )
    then = _japan(_json(runner, db, "members", "AUKUS Pillar 2", "--known-on", "1"))
    assert then["status"] == "expected"
    assert then["known_on"] == 1
    assert then["known_at"]
    combined = _json(
        runner, db, "members", "AUKUS Pillar 2", "--known-on", "1", "--as-of", "2025-01-01"
    )
    assert _japan(combined)["as_of"] == "2025-01-01"
    table = _cli(runner, db, "members", "AUKUS Pillar 2", "--known-on", "1").output
    assert "As known after load 1" in table
    # the view of the past is gone once the read ends: the next read answers for now
    assert _japan(_json(runner, db, "members", "AUKUS Pillar 2"))["status"] == (
        "under-consultation"
    )


def test_every_read_command_takes_known_on(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    load_text(
        db.engine, tmp_path, JAPAN_CONSULTING.replace("aliases: [UK, Britain]", "aliases: [UK]")
    )
    for command in (
        ["countries"], ["alliances"], ["pillars"], ["tech-areas"], ["officials", "--all"],
        ["sources"], ["statements"], ["timeline", "Japan"], ["conflicts"],
    ):  # fmt: skip
        rows = _json(runner, db, *command, "--known-on", "1")
        assert all(row["known_on"] == 1 for row in rows), command
    britain = [r for r in _json(runner, db, "countries", "--known-on", "1") if r["iso3"] == "GBR"]
    assert "Britain" in britain[0]["aliases"]
    card = _json(runner, db, "show", "Japan", "--known-on", "1")
    assert card["fields"]["known on"].startswith("load 1 (")


def test_pictures_at_a_past_load_say_so(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    load_text(db.engine, tmp_path, BASE.replace("  - country: JPN", "  - country: NOR"))
    graph = _cli(runner, db, "graph", "--out", str(tmp_path / "g.json"), "--known-on", "1")
    assert graph.exit_code == 0, graph.output
    assert "as known after load 1 (" in graph.output
    nodes = json.loads((tmp_path / "g.json").read_text())["nodes"]
    names = json.dumps(nodes)
    assert "JPN" in names
    assert "NOR" not in names
    chart = _cli(runner, db, "chart", "AUKUS", "--out", str(tmp_path / "c.svg"), "--known-on", "1")
    assert chart.exit_code == 0, chart.output
    assert "as known after load 1 (" in chart.output


def test_a_search_as_known_then_finds_the_words_the_statement_had_then(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    load_text(db.engine, tmp_path, SUBMARINE)
    now = _json(runner, db, "statements", "--search", "submarine")
    assert [r["id"] for r in now] == ["emanuel-japan-first-partner"]
    assert _json(runner, db, "statements", "--search", "submarine", "--known-on", "1") == []
    then = _json(runner, db, "statements", "--search", "additional partner", "--known-on", "1")
    assert [r["id"] for r in then] == ["emanuel-japan-first-partner"]
    assert "first additional" in then[0]["text"]


def test_a_search_at_a_past_load_walks_the_statements_not_a_copy_of_them(
    db: TestDatabase, tmp_path: Path
) -> None:
    """SQLite flattens the view of a past state into the query (its arms agree in
    affinity): the search reads the statements' date index, never every row first."""
    if db.backend != "sqlite":
        pytest.skip("SQLite's query plan")
    from sqlalchemy import event

    from alliancekb.query.statements import statements
    from alliancekb.store.db import read_session

    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    load_text(db.engine, tmp_path, SUBMARINE)
    seen: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        seen.append((args[2], args[3]))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with read_session(db.engine, 1) as session:
            rows = list(statements(session, search="additional", limit=5).rows)
            [(sql, params)] = [(q, p) for q, p in seen if "ORDER BY" in q and "MATCH" in q]
            plan = [
                r[3]
                for r in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            ]
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert [r["id"] for r in rows] == ["emanuel-japan-first-partner"]
    assert not any(step.startswith("CO-ROUTINE") for step in plan), plan
    assert "MERGE (UNION ALL)" in plan, plan


def test_loading_a_file_that_changes_nothing_writes_no_version(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    assert _versions(db) == 0
    load_text(db.engine, tmp_path, BASE)
    assert _versions(db) == 0
    load_text(db.engine, tmp_path, JAPAN_CONSULTING)
    assert _versions(db) == 1  # the membership's earlier version, nothing else


def test_diff_names_each_changed_field_with_its_load_and_files(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    report = load_text(db.engine, tmp_path, JAPAN_CONSULTING, name="fix.yaml")
    rows = _json(runner, db, "diff", "--from", "1")
    assert rows == [
        {
            "load": 2,
            "change": "updated",
            "kind": "membership",
            "key": "JPN|aukus pillar 2|partner|2024-04~",
            "field": "status",
            "old": "expected",
            "new": "under-consultation",
            "files": [f"{tmp_path / 'fix.yaml'} sha256:{report.files[0].sha256}"],
        }
    ]
    assert _json(runner, db, "history", "--changes", "2") == rows
    added = _json(runner, db, "history", "--changes", "1")
    assert {(r["change"], r["kind"], r["key"]) for r in added} >= {
        ("added", "membership", "JPN|aukus pillar 2|partner|2024-04~"),
        ("added", "statement", "emanuel-japan-first-partner"),
        ("added", "position", "rahm-emanuel|Ambassador to Japan|2022-03"),
    }
    table = "".join(_cli(runner, db, "diff", "--from", "1", "--to", "2").output.split())
    assert "Changesfromload1" in table
    assert "fix.yaml(sha256" in table
    assert _json(runner, db, "diff", "--from", "2") == []


def test_diff_says_which_facts_were_retracted_and_why(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    result = _cli(
        runner, db, "retract", "statement", "emanuel-japan-first-partner",
        "--reason", "Misquoted.", "--by", "alice",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [row] = _json(runner, db, "history", "--changes", "2")
    assert (row["change"], row["kind"], row["key"]) == (
        "retracted", "statement", "emanuel-japan-first-partner",
    )  # fmt: skip
    assert row["new"] == "Misquoted. (by alice)"
    assert "first additional" in row["old"]


def test_diff_and_history_changes_name_the_option_a_bad_load_came_from(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    load_text(db.engine, tmp_path, JAPAN_CONSULTING)
    for args, said in (
        (["diff", "--from", "9"], "--from: there is no load 9 (the newest is load 2"),
        (["diff", "--from", "1", "--to", "7"], "--to: there is no load 7"),
        (["diff", "--from", "soon"], "--from: 'soon' is neither a load number"),
        (["diff", "--from", "2", "--to", "1"], "--to: load 1 is older than load 2"),
        (["history", "--changes", "5"], "--changes: there is no load 5"),
    ):
        result = _cli(runner, db, *args)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.output, (args, result.output)


def test_known_on_refuses_what_the_history_does_not_hold(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    missing = _cli(runner, db, "members", "AUKUS", "--known-on", "9")
    assert missing.exit_code == 2
    assert "--known-on: there is no load 9 (the newest is load 1" in missing.output
    early = _cli(runner, db, "members", "AUKUS", "--known-on", "2001-01-01")
    assert early.exit_code == 2
    assert "no load had finished by 2001-01-01" in early.output
    bad = _cli(runner, db, "dump", "--out", str(tmp_path / "x.yaml"), "--known-on", "soon")
    assert bad.exit_code == 2
    assert "neither a load number" in bad.output
    assert not (tmp_path / "x.yaml").exists()


def test_known_on_a_time_reads_the_last_load_finished_by_then(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    [first] = [r for r in _json(runner, db, "history") if r["id"] == 1]
    time.sleep(1.1)  # `history` shows whole seconds: the next load must end in a later one
    load_text(db.engine, tmp_path, JAPAN_CONSULTING)
    moment = first["finished"].replace(" ", "T")
    rows = _json(runner, db, "members", "AUKUS Pillar 2", "--known-on", moment)
    assert _japan(rows)["status"] == "expected"
    assert _japan(rows)["known_on"] == 1


def test_compacting_drops_old_versions_and_refuses_states_before_it(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    load_text(db.engine, tmp_path, JAPAN_CONSULTING)
    load_text(db.engine, tmp_path, JAPAN_EXPECTED)
    assert _versions(db) == 2
    asked = _cli(runner, db, "db", "compact", "--before", "2999-01-01")
    assert asked.exit_code == 1  # no confirmation on a non-terminal: nothing dropped
    assert "give --yes" in asked.output
    assert _versions(db) == 2
    done = _cli(runner, db, "db", "compact", "--before", "2999-01-01", "--yes")
    assert done.exit_code == 0, done.output
    assert "history now reaches back to load 3" in done.output
    assert _versions(db) == 0
    refused = _cli(runner, db, "members", "AUKUS", "--known-on", "2")
    assert refused.exit_code == 2
    assert "reaches back to load 3" in refused.output
    assert _json(runner, db, "members", "AUKUS Pillar 2", "--known-on", "3")


# -- the property: every past dump is reproduced byte for byte ---------------------------

#: Edits of BASE a step may apply (each a whole document, loaded as one file).
EDITS: dict[str, Callable[[str], str]] = {
    "base": lambda doc: doc,
    "status": lambda doc: doc.replace("status: expected", "status: under-consultation"),
    "note": lambda doc: doc.replace("joins as a full member.", "joins as a member."),
    "text": lambda doc: doc.replace("seriously consider", "consider"),
    "alias": lambda doc: doc.replace("aliases: [UK, Britain]", "aliases: [UK, Great Britain]"),
    "pillar": lambda doc: doc.replace("name: Submarines", "name: Submarine programme"),
    "new": lambda doc: (
        doc
        + """
  - id: a-new-statement
    speaker: AUS
    date: 2024-05
    text: Australia welcomes new partners.
    stance: asserts
    source: wsj-emanuel-2024-04
"""
    ),
}
RETRACTS = (
    ["statement", "emanuel-japan-first-partner"],
    ["membership", "JPN", "aukus pillar 2"],
    ["position", "rahm-emanuel", "Ambassador to Japan"],
)
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("load"), st.lists(st.sampled_from(sorted(EDITS)), max_size=3, unique=True)
        ),
        st.tuples(st.just("retract"), st.integers(0, len(RETRACTS) - 1)),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_dump_known_on_reproduces_every_earlier_dump_byte_for_byte(
    make_database: Callable[..., TestDatabase],
    runner: CliRunner,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[str, Any]],
) -> None:
    db = make_database()
    work = tmp_path_factory.mktemp("steps")
    dumps: dict[int, bytes] = {}
    for i, (action, arg) in enumerate([("load", ["base"]), *steps]):
        if action == "load":
            doc = BASE
            for edit in arg:
                doc = EDITS[edit](doc)
            load_text(db.engine, work, doc, name=f"step{i}.yaml")
        else:
            _cli(runner, db, "retract", *RETRACTS[arg], "--reason", "Test.", "--by", "t")
        with db.engine.connect() as conn:
            newest = conn.execute(text("SELECT max(id) FROM loads")).scalar_one()
        out = work / f"now{i}.yaml"
        dump(db.engine, out, force=True)
        dumps[newest] = out.read_bytes()
    before = snapshot(db.engine)
    for load, expected in dumps.items():
        out = work / f"then{load}.yaml"
        dump(db.engine, out, force=True, known_on=load)
        assert out.read_bytes() == expected, f"dump --known-on {load}"
    assert snapshot(db.engine) == before  # reading the past wrote nothing
