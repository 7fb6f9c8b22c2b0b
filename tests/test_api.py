"""The Python API (docs/api.md): same rows as the CLI's JSON, its own errors, cheap import."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb import open_kb
from alliancekb.api import KnowledgeBase
from alliancekb.cli import app
from alliancekb.core.errors import NameResolutionError, UsageError
from alliancekb.query.members import MEMBER_FIELDS, StatusRule
from alliancekb.query.statements import STATEMENT_FIELDS
from tests.conftest import TestDatabase

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


@pytest.fixture
def kb(seeded_db: TestDatabase) -> Any:
    with open_kb(seeded_db.url) as opened:
        yield opened


def _cli_json(db: TestDatabase, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


#: (CLI arguments, the API call giving the same answer)
SAME_ANSWERS: list[tuple[list[str], Any]] = [
    (["members", "AUKUS Pillar 2"], lambda kb: kb.members("AUKUS Pillar 2")),
    (
        ["members", "NATO", "--as-of", "2000-01-01", "--status", "in-force"],
        lambda kb: kb.members("NATO", as_of="2000-01-01", status="in-force"),
    ),
    (
        ["members", "AUKUS", "-s", "in-force", "-r", "founding-member"],
        lambda kb: kb.members("AUKUS", status=["in-force"], role=["founding-member"]),
    ),
    (["countries"], lambda kb: kb.countries()),
    (["alliances"], lambda kb: kb.alliances()),
    (["pillars", "--alliance", "AUKUS"], lambda kb: kb.pillars("AUKUS")),
    (["tech-areas", "--scope", "AUKUS Pillar 2"], lambda kb: kb.tech_areas("AUKUS Pillar 2")),
    (["officials", "--country", "USA"], lambda kb: kb.officials("USA")),
    (["officials", "--all"], lambda kb: kb.officials(all_positions=True)),
    (["sources", "--kind", "government"], lambda kb: kb.sources("government")),
    (["statements", "--speaker", "UK"], lambda kb: kb.statements(speaker="UK", limit=100)),
    (
        ["statements", "--scope", "AUKUS Pillar 2", "--since", "2024", "--until", "2024-09"],
        lambda kb: kb.statements(scope="AUKUS Pillar 2", since="2024", until="2024-09"),
    ),
    (["statements", "--search", "japan", "-n", "0"], lambda kb: kb.statements(search="japan")),
    (["show", "Japan"], lambda kb: kb.show("Japan")),
    (["show", "AUKUS"], lambda kb: kb.show("AUKUS")),
    (["show", "AUKUS Pillar II"], lambda kb: kb.show("AUKUS Pillar II")),
    (["show", "Rahm Emanuel"], lambda kb: kb.show("Rahm Emanuel")),
    (["timeline", "Japan"], lambda kb: kb.timeline("Japan")),
    (["timeline", "NATO"], lambda kb: kb.timeline("NATO")),
    (["history"], lambda kb: kb.history()),
]


@pytest.mark.parametrize(("args", "call"), SAME_ANSWERS, ids=[" ".join(a) for a, _ in SAME_ANSWERS])
def test_the_api_answers_what_the_cli_prints_as_json(
    seeded_db: TestDatabase, kb: KnowledgeBase, args: list[str], call: Any
) -> None:
    expected = _cli_json(seeded_db, *args)
    got = call(kb)
    assert got == expected
    assert json.loads(json.dumps(got)) == got  # JSON-ready values
    if isinstance(got, list) and got:
        assert list(got[0]) == list(expected[0])  # the same keys in the same order


def test_rows_carry_the_answers_meta(kb: KnowledgeBase) -> None:
    rows = kb.members("aukus pillar II")
    assert rows.meta.scope == "AUKUS Pillar 2"
    assert rows.meta.as_of == dt.date.today()
    assert not rows.meta.dated
    assert rows.meta.rule is StatusRule.DEFAULT
    assert rows.meta.hidden == ("ended", "declined")
    assert rows
    assert all(tuple(r) == MEMBER_FIELDS for r in rows)

    chosen = kb.members("NATO", as_of="2023-06", status=["in-force", "expected"])
    assert chosen.meta.as_of is not None
    assert chosen.meta.as_of.isoformat() == "2023-06-01"
    assert chosen.meta.statuses == ("in-force", "expected")

    said = kb.statements(speaker="UK", since="2020", limit=2)
    assert (said.meta.speaker, said.meta.since, said.meta.limit) == (
        "United Kingdom (GBR)",
        "2020",
        2,
    )
    assert len(said) <= 2
    assert all(tuple(r) == STATEMENT_FIELDS for r in said)


def test_errors_are_the_librarys_and_name_no_cli_flag(kb: KnowledgeBase) -> None:
    with pytest.raises(NameResolutionError) as unknown:
        kb.members("Atlantis")
    assert unknown.value.exit_code == 4
    for call in (
        lambda: kb.statements(since="2024-13"),
        lambda: kb.members("NATO", as_of="yesterday"),
        lambda: kb.members("NATO", status="sleeping"),
        lambda: kb.sources(kind="rumour"),
        lambda: kb.statements(limit=-1),
    ):
        with pytest.raises(UsageError) as bad:
            call()
        assert "--" not in str(bad.value)
    with pytest.raises(UsageError, match=r"^since: '2024-13': month 13 does not exist$"):
        kb.statements(since="2024-13")


def test_open_kb_creates_migrates_and_seeds_a_new_database(tmp_path: Path) -> None:
    with open_kb(tmp_path / "new.sqlite") as kb:
        assert {r["iso3"] for r in kb.members("AUKUS", status="in-force")} == {"AUS", "GBR", "USA"}
        assert len(kb.history()) == 1
    with open_kb(tmp_path / "empty.sqlite", seed=False) as kb:
        assert kb.countries() == []


def test_open_kb_takes_the_database_from_the_environment(
    seeded_db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLIANCEKB_DATABASE_URL", seeded_db.url)
    with open_kb() as kb:
        assert kb.target.origin == "ALLIANCEKB_DATABASE_URL"
        assert kb.countries()


def test_importing_alliancekb_imports_no_sqlalchemy_until_open_kb_is_asked_for() -> None:
    code = (
        "import sys, alliancekb, alliancekb.cli\n"
        "before = 'sqlalchemy' in sys.modules\n"
        "from alliancekb import open_kb\n"
        "print(before, 'sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "True"]


def _doc_examples() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 10
    return "\n".join(blocks)


def test_the_documented_examples_run(
    seeded_db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = _doc_examples().replace('"kb.sqlite"', repr(seeded_db.url))
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    kb = namespace["kb"]
    assert isinstance(kb, KnowledgeBase)
