"""Reliability: SQL injection and search syntax through every CLI filter and name argument.

Each payload in each argument slot must give a correct (possibly empty) answer or a clean
error (exit 2: bad option value; exit 4: a name that resolves to nothing), never a
traceback, and the database must be unchanged after all of them. A name argument never
matches by wildcard (`%`, `_`, `*`): it is unknown (exit 4). A --search that answers
returns only statements that contain one of the payload's words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.query.declare import Shape
from alliancekb.query.questions import QUESTIONS
from tests.conftest import TestDatabase
from tests.helpers import snapshot
from tests.reliability_support import Outcome, assert_clean_failure, assert_clean_usage_error

PAYLOADS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    '"; DROP TABLE statements; --',
    "'); DELETE FROM countries; --",
    "1; UPDATE sources SET title='pwned'",
    "* ",
    "*",
    "%",
    "_",
    "%_%",
    "\\",
    "NEAR(",
    'japan" OR "x',
    '"unterminated',
    "AUKUS' UNION SELECT id, text FROM statements --",
    "a:b AND NOT c",
    "()",
    "^$.*[",
    "Ｘａｎａｄｕ'; --",
    "日本 OR 1=1",
    "\u202eOR 1=1",
    "x" * 5000,
]

#: Argument slots: how a payload is passed, and what a wrong value must give.
#: "name": a name that resolves to nothing (exit 4); "date": a bad date (exit 2);
#: "choice": not in the vocabulary (exit 2); "search": any answer or a clean exit 2.
SLOTS: dict[str, tuple[list[str], str]] = {
    "members SCOPE": (["members", "{}"], "name"),
    "members --status": (["members", "aukus", "--status", "{}"], "choice"),
    "members --role": (["members", "aukus", "--role", "{}"], "choice"),
    "members --as-of": (["members", "aukus", "--as-of", "{}"], "date"),
    "statements --speaker": (["statements", "--speaker", "{}"], "name"),
    "statements --country": (["statements", "--country", "{}"], "name"),
    "statements --scope": (["statements", "--scope", "{}"], "name"),
    "statements --tech-area": (["statements", "--tech-area", "{}"], "name"),
    "statements --search": (["statements", "--search", "{}"], "search"),
    "statements --since": (["statements", "--since", "{}"], "date"),
    "statements --until": (["statements", "--until", "{}"], "date"),
    "show NAME": (["show", "{}"], "name"),
    "timeline NAME": (["timeline", "{}"], "name"),
    "officials --country": (["officials", "--country", "{}"], "name"),
    "tech-areas --scope": (["tech-areas", "--scope", "{}"], "name"),
    "pillars --alliance": (["pillars", "--alliance", "{}"], "name"),
    "sources --kind": (["sources", "--kind", "{}"], "choice"),
}
EXPECTED_FAILURE = {"name": (4,), "date": (2,), "choice": (2,), "search": (2,)}
WORD = re.compile(r"\w+")


def _run(runner: CliRunner, db: TestDatabase, args: list[str]) -> Outcome:
    result = runner.invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _check_search(payload: str, rows: list[dict[str, Any]]) -> None:
    words = {w.casefold() for w in WORD.findall(payload)}
    for row in rows:
        text = str(row["text"]).casefold()
        assert any(w in text for w in words), (payload, row["text"])


@pytest.mark.parametrize("slot", list(SLOTS))
def test_payloads_are_answered_or_refused_cleanly(
    slot: str, seeded_db: TestDatabase, runner: CliRunner, tmp_path: Path
) -> None:
    template, kind = SLOTS[slot]
    before = snapshot(seeded_db.engine)
    everything = len(json.loads(_run(runner, seeded_db, ["statements", "--limit", "0"]).stdout))
    for payload in PAYLOADS:
        args = [payload if a == "{}" else a for a in template]
        outcome = _run(runner, seeded_db, args)
        if outcome.code == 0:
            rows = json.loads(outcome.stdout)
            if kind == "name":
                # A name nobody has can only resolve to nothing, never to a wildcard match.
                pytest.fail(f"{slot} {payload!r} resolved to something: {outcome.stdout[:300]}")
            if kind == "search":
                _check_search(payload, rows)
                assert len(rows) < everything, (slot, payload)
            if kind in ("date", "choice"):
                pytest.fail(f"{slot} accepted {payload!r}")
        elif outcome.code == 2 and outcome.stderr.startswith("Usage:"):
            assert_clean_usage_error(outcome)  # an option value the framework refused
        else:
            assert_clean_failure(outcome, EXPECTED_FAILURE[kind])
    assert snapshot(seeded_db.engine) == before
    assert everything == len(
        json.loads(_run(runner, seeded_db, ["statements", "--limit", "0"]).stdout)
    )


def test_search_with_quotes_finds_what_it_should(
    seeded_db: TestDatabase, runner: CliRunner
) -> None:
    """The payload machinery is not just refusing everything: real searches answer."""
    for query in ("Japan", "japan's", '"Pillar II"', "quantum*", "(AUKUS)"):
        outcome = _run(runner, seeded_db, ["statements", "--search", query])
        assert outcome.code == 0, (query, outcome)
        rows = json.loads(outcome.stdout)
        assert rows, query
        _check_search(query, rows)


#: Every declared parameter taking values of a vocabulary, with a value of it to pass
#: alongside the required ones: (command, option, required arguments).
VOCABULARY_OPTIONS = [
    (q.name.replace("_", "-"), p, [a.name for a in q.parameters if a.required])
    for q in QUESTIONS.values()
    for p in q.parameters
    if p.shape in (Shape.CHOICE, Shape.CHOICES)
]


@pytest.mark.parametrize(
    ("command", "parameter", "required"),
    VOCABULARY_OPTIONS,
    ids=[f"{c} {p.name}" for c, p, _ in VOCABULARY_OPTIONS],
)
def test_every_choice_option_refuses_a_value_outside_its_vocabulary(
    seeded_db: TestDatabase, runner: CliRunner, command: str, parameter: Any, required: list[str]
) -> None:
    """A value outside a stored vocabulary is a usage error naming the choices, never a
    value reaching an enum column (that was `sources --kind`, an internal error before it
    checked); each of the vocabulary's own values is taken."""
    option = "--" + parameter.name.replace("_", "-")
    given = ["NATO" if name != "country" else "USA" for name in required]
    for bad in ("in_force", "'; DROP TABLE countries; --", "IN-FORCE"):
        outcome = _run(runner, seeded_db, [command, *given, option, bad])
        assert_clean_usage_error(outcome)
        assert parameter.choices[0] in outcome.stderr, outcome
    for good in parameter.choices:
        outcome = _run(runner, seeded_db, [command, *given, option, good])
        assert outcome.code == 0, (good, outcome)


def test_export_table_names_are_not_sql(
    seeded_db: TestDatabase, runner: CliRunner, tmp_path: Path
) -> None:
    """A table name is looked up in the list of exportable tables, never put into SQL."""
    before = snapshot(seeded_db.engine)
    for i, payload in enumerate(PAYLOADS):
        out = tmp_path / f"out{i}"
        result = runner.invoke(app, ["--db", seeded_db.url, "export", payload, "--out", str(out)])
        outcome = Outcome(result.exit_code, result.stdout, result.stderr)
        assert_clean_failure(outcome, 2)
        assert "no exportable table" in outcome.stderr
        assert not out.exists()
    assert snapshot(seeded_db.engine) == before
