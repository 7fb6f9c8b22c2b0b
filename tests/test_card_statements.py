"""A card's newest statements and the name it is asked for (issue 32, row 12).

`show COUNTRY` lists the newest statements about the country or said by it. For a
country named in many statements SQLite walks the date index newest first and stops at
the card's ten; for a rare one it fetches the few hits and sorts them. Both plans answer
the same. The name is resolved without reading every source key, with the same answer
as the full name index: a source key that is also another entity's name is ambiguous.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.core.dates import parse_edtf
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase

FIXTURE = Path(__file__).parent / "fixtures" / "kb.yaml"


@pytest.fixture
def kb(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    """The query fixture, plus 120 statements said by the United States (one a month)."""
    lines = ["statements:"]
    for i in range(120):
        lines += [
            f"  - id: usa-{i:03d}",
            "    speaker: USA",
            f"    date: {2000 + i // 12}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            f"    text: note {i}",
            "    stance: asserts",
            "    source: wsj-emanuel-2024-04",
        ]
    many = tmp_path / "many.yaml"
    many.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_files(db.engine, [FIXTURE, many])
    db.dispose()  # the CLI opens its own engine
    return db


def _run(kb: TestDatabase, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", kb.url, *args])


def _card_statements(kb: TestDatabase, name: str) -> list[str]:
    result = _run(kb, "show", name, "--format", "json")
    assert result.exit_code == 0, result.output
    return [s["id"] for s in json.loads(result.output)["sections"]["statements"]]


def _newest(kb: TestDatabase, *filters: str) -> list[str]:
    """The ids `statements` gives for each filter, merged newest first (the first day of
    the date, then id: the order `statements` gives)."""
    found: dict[str, tuple[dt.date, str]] = {}
    for flag, value in zip(filters[::2], filters[1::2], strict=True):
        result = _run(kb, "statements", flag, value, "--limit", "0", "--format", "json")
        assert result.exit_code == 0, result.output
        for row in json.loads(result.output):
            found[row["id"]] = (parse_edtf(row["date"]).lower, row["id"])
    by_date = sorted(found.values(), key=lambda d: d[1])
    by_date.sort(key=lambda d: d[0], reverse=True)
    return [i for _, i in by_date][:10]


@pytest.mark.parametrize("country", ["United States", "Japan"])
def test_a_country_card_lists_its_newest_statements_whether_it_is_common_or_rare(
    kb: TestDatabase, country: str
) -> None:
    expected = _newest(kb, "--country", country, "--speaker", country)
    assert expected  # the fixture has statements about both
    assert _card_statements(kb, country) == expected


def _card_plans(kb: TestDatabase, name: str) -> str:
    """EXPLAIN QUERY PLAN of the card's query of its statements (with their speakers)."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if re.search(r"\bFROM statements LEFT OUTER JOIN officials\b", statement):
            captured.append((statement, params))

    event.listen(Engine, "before_cursor_execute", capture)  # the CLI makes its own engine
    try:
        assert _card_statements(kb, name)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    assert len(captured) == 1
    with kb.engine.connect() as conn:
        statement, params = captured[0]
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    kb.dispose()
    return "\n".join(str(r[-1]) for r in plan)


@pytest.mark.parametrize(("country", "walks"), [("United States", True), ("Japan", False)])
def test_sqlite_walks_the_date_index_for_the_card_of_a_country_in_many_statements(
    kb: TestDatabase, backend: str, country: str, walks: bool
) -> None:
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    plan = _card_plans(kb, country)
    walked = "SCAN statements USING INDEX ix_statements_date_lower" in plan
    assert walked is walks, plan
    if walks:
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan  # no sort of every hit


def test_show_names_a_source_key_that_is_another_entitys_name_as_ambiguous(
    kb: TestDatabase, tmp_path: Path
) -> None:
    doc = tmp_path / "source.yaml"
    doc.write_text(
        "sources:\n  - key: japan\n    title: A source keyed like a country\n"
        "    published: 2024\n    kind: news\n",
        encoding="utf-8",
    )
    load_files(kb.engine, [doc])
    kb.dispose()
    result = _run(kb, "show", "Japan")
    assert result.exit_code == 4, result.output
    assert "ambiguous" in result.output
    assert "Japan (JPN) (country)" in result.output
    assert "japan (source)" in result.output


def test_show_finds_a_source_by_its_key_and_suggests_one_for_a_near_miss(
    kb: TestDatabase,
) -> None:
    card = json.loads(_run(kb, "show", "wsj-emanuel-2024-04", "--format", "json").output)
    assert card["kind"] == "source"
    result = _run(kb, "show", "wsj-emanuel-2024-4")
    assert result.exit_code == 4, result.output
    assert "wsj-emanuel-2024-04" in result.output
