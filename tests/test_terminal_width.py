"""Every read command's table at 80 and 120 columns over the seed (issue 16).

No line is wider than the terminal, and every key and vocabulary value the JSON answer
holds (the columns of kind word or words) appears whole on one line of the table, unless
the caption's "At N columns:" note names its column as counted, noted or not shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.present import (
    cards,
    conflicts,
    lists,
    members,
    reports,
    statements,
    timeline,
)
from alliancekb.present.kinds import exercises
from alliancekb.present.layout import Kind, items_of
from alliancekb.present.output import Column
from tests.conftest import TestDatabase

#: argv, and the columns of its table (None: a `show` card, columns per section).
COMMANDS: list[tuple[list[str], Sequence[Column] | None]] = [
    (["members", "AUKUS Pillar 2"], members.MEMBER_COLUMNS),
    (["members", "AUKUS Pillar 2", "--history"], members.MEMBER_COLUMNS),
    (["members", "AUKUS Pillar 2", "--sources"], members.MEMBER_COLUMNS),
    (["members", "NATO", "--as-of", "2000-01-01"], members.MEMBER_COLUMNS),
    (["members", "ANZUS", "--status", "ended"], members.MEMBER_COLUMNS),
    (["countries"], lists.COUNTRY_COLUMNS),
    (["alliances"], lists.ALLIANCE_COLUMNS),
    (["alliances", "--country", "Japan"], lists.ALLIANCE_COLUMNS),
    (["pillars"], lists.PILLAR_COLUMNS),
    (["tech-areas"], lists.TECH_AREA_COLUMNS),
    (["officials", "--all"], lists.POSITION_COLUMNS),
    (["officials", "--as-of", "2024-06"], lists.POSITION_COLUMNS),
    (["sources"], lists.SOURCE_COLUMNS),
    (["statements"], statements.STATEMENT_COLUMNS),
    (["statements", "--scope", "AUKUS Pillar 2", "--since", "2024"], statements.STATEMENT_COLUMNS),
    (["timeline", "Japan"], timeline.TIMELINE_COLUMNS),
    (["timeline", "AUKUS Pillar 2"], timeline.TIMELINE_COLUMNS),
    (["conflicts"], conflicts.CONFLICT_COLUMNS),
    (["history"], reports.HISTORY_COLUMNS),
    (["show", "Japan"], None),
    (["show", "AUKUS"], None),
    (["show", "NATO"], None),
    (["show", "AUKUS Pillar 2"], None),
    (["show", "Rahm Emanuel"], None),
    (["show", "quantum"], None),
    (["show", "wh-2024-09-17-aukus-third-anniversary"], None),
]
#: A card's sections and their columns.
SECTION_COLUMNS: dict[str, Sequence[Column]] = {
    "memberships": cards.MEMBERSHIP_OF_COLUMNS,
    "officials": lists.POSITION_COLUMNS,
    "positions": lists.POSITION_COLUMNS,
    "pillars": lists.PILLAR_COLUMNS,
    "members": members.MEMBER_COLUMNS,
    "statements": statements.STATEMENT_COLUMNS,
    "sources": cards.SOURCES_CITED_COLUMNS,
    "exercises": exercises.TAKEN_PART_COLUMNS,
    "editions": exercises.EDITION_COLUMNS,
}
#: Data keys a table shows inside a combined column (`about` = countries, scopes, areas).
SHOWN_IN = {"countries": "about", "technology_areas": "about"}
WIDTHS = (80, 120)


def run(url: str, argv: list[str], width: int) -> tuple[int, str]:
    env = {"COLUMNS": str(width), "LINES": "40", "NO_COLOR": "1", "TERM": "xterm"}
    result = CliRunner().invoke(app, ["--db", url, "--no-pager", *argv], env=env)
    return result.exit_code, result.stdout


def declared(text: str, width: int) -> str:
    """The text of every "At N columns:" note (the caption's account of a narrow table)."""
    flat = " ".join(text.split())
    return " ".join(re.findall(rf"At {width} columns: (.*?\))\.", flat))


def atoms(rows: list[dict[str, Any]], columns: Sequence[Column]) -> list[tuple[Column, str]]:
    """(column, value) for every word or list item a table must show whole."""
    by_key = {c.key: c for c in columns}
    found = []
    for row in rows:
        for key, value in row.items():
            column = by_key.get(key)
            if column is None or column.kind not in (Kind.WORD, Kind.WORDS):
                continue
            if not column.table:
                shown = by_key.get(SHOWN_IN.get(key, ""))
                if shown is None or not shown.table:
                    continue
                column = shown
            found += [(column, item) for item in items_of(value) if item]
    return found


def sections(
    data: Any, columns: Sequence[Column] | None
) -> list[tuple[list[Any], Sequence[Column]]]:
    if columns is not None:
        return [(data, columns)]
    return [(rows, SECTION_COLUMNS[key]) for key, rows in data["sections"].items()]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_read_table_fits_and_shows_every_key_whole(
    make_database: Callable[..., TestDatabase], width: int
) -> None:
    kb = make_database(seeded=True)
    problems: list[str] = []
    for argv, columns in COMMANDS:
        code, text = run(kb.url, argv, width)
        assert code == 0, (argv, text)
        lines = text.splitlines()
        problems += [
            f"{argv} line {i} is {cell_len(line)} wide: {line!r}"
            for i, line in enumerate(lines, 1)
            if cell_len(line) > width
        ]
        code, data_text = run(kb.url, [*argv, "--format", "json"], width)
        assert code == 0, (argv, data_text)
        note = declared(text, width)
        for rows, cols in sections(json.loads(data_text), columns):
            for column, item in atoms(rows, cols):
                if column.title in note:
                    continue
                if not any(item in line for line in lines):
                    problems.append(f"{argv}: {column.key} value {item!r} not whole in the table")
    assert not problems, "\n".join(problems[:40])


def test_a_narrow_table_says_what_it_left_out(seeded_db: TestDatabase) -> None:
    _, text = run(seeded_db.url, ["alliances"], 80)
    note = declared(text, 80)
    assert "aliases" in note
    assert "not shown" in note
    _, wide = run(seeded_db.url, ["alliances"], 200)
    assert "columns:" not in wide.replace("Exportable", "")
    assert "five-eyes" in wide


def test_members_sources_keeps_every_key(seeded_db: TestDatabase) -> None:
    _, counted = run(seeded_db.url, ["members", "AUKUS Pillar 2"], 80)
    assert "sources" in declared(counted, 80)  # counted or not shown, and said so
    assert "wh-2024-09-17-aukus-third-anniversary" not in counted
    _, whole = run(seeded_db.url, ["members", "AUKUS Pillar 2", "--sources"], 80)
    assert "wh-2024-09-17-aukus-third-anniversary" in whole
    assert max(cell_len(line) for line in whole.splitlines()) <= 80


def test_a_list_wraps_between_items_with_no_blank_line(seeded_db: TestDatabase) -> None:
    _, text = run(seeded_db.url, ["members", "NATO", "--sources"], 120)
    table = text.split("Shown:")[0]
    rows = [line for line in table.splitlines()[3:] if line.strip()]
    assert len(rows) == len(table.splitlines()[3:])  # no blank line inside a cell
    assert "nato-member-countries" in table
