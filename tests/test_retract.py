"""Retracting facts (issue 14): `alliancekb retract`, the `retracted:` section, history, dump."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.dump.dumper import dump
from alliancekb.load.loader import load_files
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text, snapshot, write_yaml

JAPAN = "JPN|aukus/2|partner|2024-04~"


def _cli(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    return runner.invoke(app, ["--db", db.url, *args])


def _json(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    result = _cli(runner, db, *args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _retractions(db: TestDatabase) -> list[tuple[str, str, str, str, Any]]:
    with Session(db.engine) as session:
        rows = session.scalars(select(m.Retraction).order_by(m.Retraction.key)).all()
        return [(r.kind, r.key, r.reason, r.retracted_by, r.snapshot) for r in rows]


def _japan_members(runner: CliRunner, db: TestDatabase) -> list[Any]:
    rows = _json(runner, db, "members", "AUKUS Pillar 2")
    return [r for r in rows if r["iso3"] == "JPN"]


def test_retracting_a_membership_removes_it_and_records_who_why_and_what(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    assert _japan_members(runner, db)
    result = _cli(
        runner, db, "retract", "membership", "Japan", "Pillar Two", "--reason", "Misquoted.",
        "--by", "alice",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"retracted membership {JAPAN}" in result.output
    assert _japan_members(runner, db) == []
    [(kind, key, reason, by, record)] = _retractions(db)
    assert (kind, key, reason, by) == ("membership", JAPAN, "Misquoted.", "alice")
    assert record["status"] == "expected"
    assert record["sources"] == ["wsj-emanuel-2024-04"]
    assert record["note"] == "Not confirmed whether Japan joins as a full member."

    history = _json(runner, db, "history")
    assert history[0]["retracted"] == 1
    assert history[0]["retractions"] == [f"membership {JAPAN} by alice: Misquoted."]
    assert history[1]["retractions"] == []
    table = _cli(runner, db, "history").output
    assert "retracted" in table
    assert "alice" in table


def test_retracting_again_changes_nothing_and_says_when(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    args = ["retract", "membership", "JPN", "aukus pillar 2", "--reason", "Wrong."]
    assert _cli(runner, db, *args).exit_code == 0
    before = snapshot(db.engine)
    again = _cli(runner, db, *args)
    assert again.exit_code == 0, again.output
    assert f"membership {JAPAN} was already retracted on " in again.output
    assert "nothing changed" in again.output
    assert snapshot(db.engine) == before


def test_several_matching_facts_exit_4_listing_them(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    doc = BASE.replace(
        "statements:",
        "  - country: JPN\n    scope: AUKUS Pillar II\n    role: observer\n    status: proposed\n"
        "    from: 2023\n    sources: [wsj-emanuel-2024-04]\nstatements:",
    )
    load_text(db.engine, tmp_path, doc)
    before = snapshot(db.engine)
    result = _cli(runner, db, "retract", "membership", "Japan", "aukus/pillar-2", "--reason", "x")
    assert result.exit_code == 4
    assert "narrow with --role or --from" in result.output
    assert "partner from 2024-04~ (expected)" in result.output
    assert "observer from 2023 (proposed)" in result.output
    assert snapshot(db.engine) == before
    narrowed = _cli(
        runner, db, "retract", "membership", "Japan", "aukus/pillar-2", "--role", "observer",
        "--reason", "x",
    )  # fmt: skip
    assert narrowed.exit_code == 0, narrowed.output
    assert len(_japan_members(runner, db)) == 1


def test_an_unknown_name_exits_4_with_a_suggestion(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    result = _cli(runner, db, "retract", "position", "rahm emmanuel", "Ambassador", "--reason", "x")
    assert result.exit_code == 4
    assert "did you mean: Rahm Emanuel" in result.output


def test_retracting_a_position_by_any_alias(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    result = _cli(
        runner, db, "retract", "position", "Rahm Emanuel", "ambassador to japan", "--reason", "x"
    )
    assert result.exit_code == 0, result.output
    assert "retracted position rahm-emanuel|Ambassador to Japan|2022-03" in result.output
    with Session(db.engine) as session:
        assert session.scalars(select(m.Position)).all() == []


def test_a_retracted_statement_leaves_search_and_a_reload_skips_it(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path, "kb.yaml", BASE)
    assert _cli(runner, db, "load", str(path)).exit_code == 0
    ids = [r["id"] for r in _json(runner, db, "statements", "--search", "first additional")]
    assert ids == ["emanuel-japan-first-partner"]
    result = _cli(
        runner, db, "retract", "statement", "emanuel-japan-first-partner", "--reason", "Retracted."
    )
    assert result.exit_code == 0, result.output
    assert _json(runner, db, "statements", "--search", "first additional") == []
    before = snapshot(db.engine)
    reload = _cli(runner, db, "load", str(path))
    assert reload.exit_code == 0, reload.output
    row = next(r for r in reload.output.splitlines() if r.startswith("statements"))
    assert row.split()[1:] == ["0", "0", "1", "1"]  # created, updated, unchanged, retracted
    assert "nothing changed" in reload.output
    after = snapshot(db.engine)
    assert after["statements"] == before["statements"]


def test_a_fact_not_in_the_knowledge_base_is_recorded_so_no_load_brings_it(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    # A statement id is checked against the stored ones (a typo must not be recorded for
    # ever): one not loaded yet is retracted by a `retracted:` section.
    result = _cli(
        runner, db, "retract", "statement", "emanuel-japan-first-partner", "--reason", "x"
    )
    assert result.exit_code == 4, result.output
    assert "a statement not loaded yet is retracted by a `retracted:` section" in result.output
    assert _retractions(db) == []
    early = "retracted:\n  - {kind: statement, id: emanuel-japan-first-partner, reason: x}\n"
    load_text(db.engine, tmp_path, early, name="early.yaml")
    report = load_text(db.engine, tmp_path, BASE)
    assert report.counts_dict()["statements"] == {
        "created": 1, "updated": 0, "unchanged": 0, "retracted": 1,
    }  # fmt: skip
    # A membership's names resolve, so one that is not stored is recorded under its key.
    named = ["retract", "membership", "Japan", "AUKUS", "--role", "member", "--from", "2030"]
    result = _cli(runner, db, *named, "--reason", "Not yet.")
    assert result.exit_code == 0, result.output
    assert "membership JPN|aukus|member|2030 is not in the knowledge base" in result.output
    later = BASE.replace(
        "statements:",
        "  - {country: JPN, scope: AUKUS, role: member, status: expected, from: 2030,\n"
        "     sources: [wsj-emanuel-2024-04]}\nstatements:",
    )
    report = load_text(db.engine, tmp_path, later, name="later.yaml")
    assert report.counts_dict()["memberships"]["retracted"] == 1


RETRACTED = """
retracted:
  - kind: membership
    country: Japan
    scope: AUKUS Pillar 2
    role: partner
    from: 2024-04~
    reason: The interview was misreported.
    by: desk
  - kind: statement
    id: emanuel-japan-first-partner
    reason: Withdrawn by the newspaper.
    date: 2026-01-15
  - kind: position
    official: rahm-emanuel
    title: Ambassador to Japan
    from: 2022-03
    reason: Wrong office.
"""


def test_a_retracted_section_applies_after_the_rest_and_is_idempotent(
    db: TestDatabase, tmp_path: Path, runner: CliRunner
) -> None:
    load_text(db.engine, tmp_path, BASE)
    report = load_text(db.engine, tmp_path, RETRACTED + BASE)
    counts = report.counts_dict()
    assert counts["memberships"]["retracted"] == 1
    assert counts["statements"]["retracted"] == 1
    assert counts["positions"]["retracted"] == 1
    assert report.changed == 3
    assert _japan_members(runner, db) == []
    kept = {key: (reason, by) for _, key, reason, by, _ in _retractions(db)}
    assert kept[JAPAN] == ("The interview was misreported.", "desk")
    with Session(db.engine) as session:
        when = session.scalar(
            select(m.Retraction.retracted_at).where(m.Retraction.kind == "statement")
        )
    assert when is not None
    assert when.strftime("%Y-%m-%d") == "2026-01-15"
    again = load_text(db.engine, tmp_path, RETRACTED + BASE)
    assert again.changed == 0


def test_problems_in_a_retracted_section_are_located_and_change_nothing(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    bad = write_yaml(
        tmp_path,
        "bad.yaml",
        RETRACTED.replace("    reason: Wrong office.\n", "").replace(
            "kind: statement", "kind: quote"
        ),
    )
    result = _cli(runner, db, "load", str(bad))
    assert result.exit_code == 3
    lines = bad.read_text().splitlines()
    quote = next(i for i, t in enumerate(lines, 1) if "kind: quote" in t)
    assert f"{bad}:{quote}:5: retracted[1].kind: a retraction's kind is one of:" in result.output
    assert "retracted[2].reason: required field 'reason' is missing" in result.output
    assert snapshot(db.engine) == before
    unknown = write_yaml(
        tmp_path, "unknown.yaml", RETRACTED.replace("country: Japan", "country: Japna")
    )
    result = _cli(runner, db, "load", str(unknown))
    assert result.exit_code == 4
    assert "retracted[0].country" in result.output
    assert snapshot(db.engine) == before
    dry = _cli(runner, db, "load", "--dry-run", str(write_yaml(tmp_path, "ok.yaml", RETRACTED)))
    assert dry.exit_code == 0, dry.output
    assert "retracted" in dry.output
    assert snapshot(db.engine) == before


def test_dump_writes_the_retractions_and_a_load_of_it_reproduces_them(
    runner: CliRunner, db: TestDatabase, make_database: Any, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    load_text(db.engine, tmp_path, RETRACTED, name="retract.yaml")
    never = "retracted:\n  - {kind: statement, id: never-loaded, reason: x}\n"
    load_text(db.engine, tmp_path, never, name="never.yaml")
    out = tmp_path / "dump.yaml"
    dump(db.engine, out)
    text = out.read_text(encoding="utf-8")
    assert "\nretracted:\n" in text
    fresh = make_database()
    load_files(fresh.engine, [out])
    assert _retractions(fresh) == _retractions(db)
    exported = {}
    for name, kb in (("old", db), ("new", fresh)):
        target = tmp_path / f"{name}.json"
        result = _cli(runner, kb, "export", "retractions", "-f", "json", "-o", str(target))
        assert result.exit_code == 0, result.output
        exported[name] = target.read_text(encoding="utf-8")
    assert exported["old"] == exported["new"]
    assert "never-loaded" in exported["old"]


# -- hardening (issue 29): retract refuses what the load format refuses ---------------------


def _retract_statement(runner: CliRunner, db: TestDatabase, sid: str, *options: str) -> Any:
    return _cli(runner, db, "retract", "statement", sid, "--reason", "Typo.", *options)


@pytest.mark.parametrize("sid", ["", "Emanuel-Japan-Typo", "id with spaces", "emanuel-japan"])
def test_a_statement_id_that_matches_no_stored_statement_exits_4_with_the_nearest_ids(
    runner: CliRunner, db: TestDatabase, tmp_path: Path, sid: str
) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    result = _retract_statement(runner, db, sid)
    assert result.exit_code == 4, result.output
    assert f"unknown statement {sid!r}" in result.output
    if sid.lower().startswith("emanuel"):
        assert "did you mean: emanuel-japan-first-partner?" in result.output
    assert snapshot(db.engine) == before


@pytest.mark.parametrize(
    ("option", "value"),
    [("--reason", "Typo\x1b[31m."), ("--reason", "Typo.\nforged line"), ("--reason", "tab\there"),
     ("--by", "alice\x1b]0;pwned\x07"), ("--by", "alice\nbob"), ("--by", " "),
     ("--reason", "x" * 100_001), ("--by", "b" * 501)],
)  # fmt: skip
def test_control_characters_in_reason_or_by_exit_2_and_record_nothing(
    runner: CliRunner, db: TestDatabase, tmp_path: Path, option: str, value: str
) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    base = ["--reason", "Typo.", "--by", "alice"]
    given = [*base[: base.index(option)], option, value, *base[base.index(option) + 2 :]]
    for args in (
        ["statement", "emanuel-japan-first-partner"],
        ["membership", "Japan", "Pillar Two"],
        ["position", "rahm-emanuel", "Ambassador to Japan"],
    ):
        result = _cli(runner, db, "retract", *args, *given)
        assert result.exit_code == 2, result.output
        assert option in result.output
        assert "\x1b" not in result.output
    assert snapshot(db.engine) == before


@pytest.mark.parametrize("title", ["", "Ambassador\x1b[2J", "Envoy\nforged", "t" * 501])
def test_a_position_title_the_load_format_refuses_exits_2(
    runner: CliRunner, db: TestDatabase, tmp_path: Path, title: str
) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    result = _cli(
        runner, db, "retract", "position", "rahm-emanuel", title, "--from", "2030", "--reason", "x"
    )
    assert result.exit_code == 2, result.output
    assert "TITLE" in result.output
    assert snapshot(db.engine) == before


def test_a_dump_after_mistyped_retractions_loads_into_an_empty_database(
    runner: CliRunner, db: TestDatabase, make_database: Any, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    for sid in ("", "Emanuel-Japan-Typo", "id with spaces"):
        _retract_statement(runner, db, sid)
    _retract_statement(runner, db, "emanuel-japan-first-partner", "--by", "a\x1b[31m")
    _cli(runner, db, "retract", "statement", "emanuel-japan-first-partner", "--reason", "a\nb")
    _cli(runner, db, "retract", "position", "rahm-emanuel", " Envoy ", "--reason", "Not held.")
    out, again = tmp_path / "dump.yaml", tmp_path / "again.yaml"
    assert _cli(runner, db, "dump", "-o", str(out)).exit_code == 0
    fresh = make_database()
    loaded = _cli(runner, fresh, "load", str(out))
    assert loaded.exit_code == 0, loaded.output
    assert _cli(runner, fresh, "dump", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    assert _retractions(fresh) == _retractions(db)


# -- an own record and a dataset's claim alike (issue 29, row 11) --------------------------------

CLAIMED = BASE.replace(
    "\ncountries:",
    "\n  - {key: cow-4.1, title: COW 4.1, published: unknown, kind: dataset}\n"
    "  - {key: atop-4.01, title: ATOP 4.01, published: unknown, kind: dataset}\ncountries:",
    1,
).replace(
    "statements:",
    "  - {country: JPN, scope: AUKUS Pillar II, role: partner, status: expected,\n"
    "     from: 2024-04~, claimed_by: cow-4.1, sources: [cow-4.1]}\nstatements:",
)


def _japan_claims(db: TestDatabase) -> list[str]:
    with Session(db.engine) as session:
        query = select(m.Membership.claim).where(m.Membership.from_text == "2024-04~")
        return sorted(session.scalars(query).all())


def test_retract_membership_picks_the_own_record_or_a_dataset_claim_with_own_or_claim(
    runner: CliRunner, db: TestDatabase, make_database: Any, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, CLAIMED)
    assert _japan_claims(db) == ["", "cow-4.1"]
    named = ["retract", "membership", "JPN", "aukus pillar 2", "--role", "partner",
             "--from", "2024-04~", "--reason", "Misreported."]  # fmt: skip
    both = _cli(runner, db, *named)
    assert both.exit_code == 4
    assert "narrow with --own or --claim" in both.output
    assert f"{JAPAN}|cow-4.1" in both.output
    assert _cli(runner, db, *named, "--own", "--claim", "cow-4.1").exit_code == 2
    unknown = _cli(runner, db, *named, "--claim", "cow-4")
    assert unknown.exit_code == 4
    assert "did you mean: cow-4.1" in unknown.output
    not_a_dataset = _cli(runner, db, *named, "--claim", "wsj-emanuel-2024-04")
    assert not_a_dataset.exit_code == 4
    assert "is not a dataset" in not_a_dataset.output

    claim = _cli(runner, db, *named, "--claim", "cow-4.1")
    assert claim.exit_code == 0, claim.output
    assert f"retracted membership {JAPAN}|cow-4.1" in claim.output
    assert _japan_claims(db) == [""]
    # Another dataset's claim that is not stored is recorded under its own key.
    atop = _cli(runner, db, *named, "--claim", "atop-4.01")
    assert atop.exit_code == 0, atop.output
    assert f"membership {JAPAN}|atop-4.01 is not in the knowledge base" in atop.output
    own = _cli(runner, db, *named, "--own")
    assert own.exit_code == 0, own.output
    assert f"retracted membership {JAPAN}:" in own.output
    assert _japan_claims(db) == []
    again = _cli(runner, db, *named, "--own")
    assert "already retracted" in again.output

    out, copy = tmp_path / "dump.yaml", tmp_path / "copy.yaml"
    assert _cli(runner, db, "dump", "-o", str(out)).exit_code == 0
    fresh = make_database()
    assert _cli(runner, fresh, "load", str(out)).exit_code == 0
    assert _cli(runner, fresh, "dump", "-o", str(copy)).exit_code == 0
    assert copy.read_bytes() == out.read_bytes()
    # A later load of the file holding both records brings neither back.
    load_text(fresh.engine, tmp_path, CLAIMED)
    assert _japan_claims(fresh) == []


# -- a reason is one line wherever it is shown (issue 29, row 13) ---------------------------------


def test_a_multi_line_reason_from_a_load_is_shown_escaped_in_history(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    section = RETRACTED.replace(
        "reason: Withdrawn by the newspaper.",
        'reason: "Withdrawn.\\n2  2099-01-01 00:00:00  [9]  forged"',
    )
    load_text(db.engine, tmp_path, section, name="retract.yaml")
    table = _cli(runner, db, "history").output
    lines = table.splitlines()
    assert not any(line.startswith("2  2099") for line in lines), table
    assert "Withdrawn.\\n2  2099-01-01" in table
    retractions = _json(runner, db, "history")[0]["retractions"]
    assert any(r.endswith("Withdrawn.\n2  2099-01-01 00:00:00  [9]  forged") for r in retractions)


# -- the documented example (issue 32, row 5) ---------------------------------------------

QUERIES_MD = Path(__file__).resolve().parent.parent / "docs" / "queries.md"


def _retract_examples() -> list[list[tuple[str, list[str]]]]:
    """docs/queries.md's `retract` examples: per console block of the section, each
    `$ alliancekb ...` command in order and the lines it prints."""
    section = QUERIES_MD.read_text(encoding="utf-8").split("\n## retract\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks: list[list[tuple[str, list[str]]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        commands: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                commands[-1][1].append(line)
        blocks.append(commands)
    return blocks


def _shown_as(line: str, expected: str) -> bool:
    """Whether a printed line is the documented one (`…` stands for any text: a day)."""
    return re.fullmatch(".*".join(map(re.escape, expected.split("…"))), line) is not None


def test_the_documented_retract_example_runs_as_written(
    runner: CliRunner, make_database: Callable[..., TestDatabase]
) -> None:
    blocks = _retract_examples()
    assert sum(" statement " in command for block in blocks for command, _ in block) == 2
    for block in blocks:  # each block on the bundled knowledge, its commands in order
        db = make_database(seeded=True)
        for command, expected in block:
            _runs_as_documented(runner, db, command, expected)


def _runs_as_documented(
    runner: CliRunner, db: TestDatabase, command: str, expected: list[str]
) -> None:
    line, _, echo = command.partition(";")
    args = shlex.split(line)
    assert args[0] == "alliancekb"
    before = snapshot(db.engine)
    result = _cli(runner, db, *args[1:])
    shown = result.output.splitlines()
    if echo:
        assert echo.strip() == 'echo "exit $?"'
        shown.append(f"exit {result.exit_code}")
    else:
        assert result.exit_code == 0, result.output
    assert len(shown) == len(expected), (command, shown)
    for printed, documented in zip(shown, expected, strict=True):
        assert _shown_as(printed, documented), (command, printed, documented)
    if result.exit_code:  # refused: nothing recorded
        assert snapshot(db.engine) == before
