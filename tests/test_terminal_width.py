"""Every read command's table at 80 and 120 columns over the seed (issue 16).

No line is wider than the terminal, and every key and vocabulary value the JSON answer
holds (the columns of kind word or words) appears whole on one line of the table, unless
the caption's "At N columns:" note names its column as counted, noted or not shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.present import (
    card_tables,
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
    "memberships": card_tables.MEMBERSHIP_OF_COLUMNS,
    "officials": lists.POSITION_COLUMNS,
    "positions": lists.POSITION_COLUMNS,
    "pillars": lists.PILLAR_COLUMNS,
    "members": members.MEMBER_COLUMNS,
    "statements": statements.STATEMENT_COLUMNS,
    "sources": card_tables.SOURCES_CITED_COLUMNS,
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


# -- issue 32: empty columns go first, no word is ever split, statements show their source --

#: The argv of every read command walked for the rules below (cards and lists alike).
EVERY_TABLE = [argv for argv, _ in COMMANDS] + [
    ["exercises"],
    ["allies", "Japan"],
    ["show", "Freedom Edge"],
]


def _strings(value: Any) -> list[str]:
    """Every text in a JSON answer (keys of objects too), recursively."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


def _norm(token: str) -> str:
    return token.strip("()[],;:'\"")


def _table_rows(text: str) -> list[str]:
    """The body lines of every table in the output: after each header's rule, as long as
    the lines have the header's column gaps (two spaces before each column's start)."""
    lines = text.splitlines()
    body: list[str] = []
    for i, line in enumerate(lines):
        if i == 0 or not line or set(line) != {"─"}:
            continue
        header = lines[i - 1].rstrip()
        starts = [m.end() for m in re.finditer(r"  +", header)]
        for row in lines[i + 1 :]:
            if cell_len(row) != cell_len(line) or any(row[s - 2 : s] != "  " for s in starts):
                break
            body.append(row)
    return body


def _split_words(text: str, words: set[str]) -> list[str]:
    """Tokens of the table that are neither a whole word of the answer nor a word cut with
    "…" (so a fragment of a word folded over two lines)."""
    bad = []
    for token in text.split():
        word = _norm(token)
        if not word or word.isdigit() or word in words:
            continue
        if token.endswith("…"):
            start = _norm(token[:-1])
            if any(w.startswith(start) for w in words):
                continue
        bad.append(token)
    return bad


@pytest.mark.parametrize("width", WIDTHS)
def test_no_cell_of_any_read_table_splits_inside_a_word(
    make_database: Callable[..., TestDatabase], width: int
) -> None:
    kb = make_database(seeded=True)
    problems: list[str] = []
    for argv in EVERY_TABLE:
        code, text = run(kb.url, argv, width)
        assert code == 0, (argv, text)
        _, data_text = run(kb.url, [*argv, "--format", "json"], width)
        words = {_norm(w) for s in _strings(json.loads(data_text)) for w in s.split()}
        words |= {"quote", "paraphrase"}  # statements' wording column
        for line in _table_rows(text):
            problems += [f"{argv} at {width}: {t!r} in {line!r}" for t in _split_words(line, words)]
    assert not problems, "\n".join(problems[:40])


def _empty_and_dropped(note: str) -> tuple[list[str], list[str]]:
    """The note's empty columns and the other columns it says are not shown."""
    empty: list[str] = []
    dropped: list[str] = []
    for part in note.split("; "):
        part = part.split(" (")[0]
        if part.endswith(" empty, not shown"):
            empty += part.removesuffix(" empty, not shown").split(", ")
        elif part.endswith(" not shown"):
            dropped += part.removesuffix(" not shown").split(", ")
    return empty, dropped


def test_a_table_at_80_columns_drops_every_empty_column_before_a_column_with_values(
    make_database: Callable[..., TestDatabase],
) -> None:
    kb = make_database(seeded=True)
    problems: list[str] = []
    for argv, columns in COMMANDS:
        if columns is None:
            continue
        _, text = run(kb.url, argv, 80)
        _, data_text = run(kb.url, [*argv, "--format", "json"], 80)
        rows = json.loads(data_text)
        _, dropped = _empty_and_dropped(declared(text, 80))
        if not dropped:
            continue
        lines = text.splitlines()
        rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
        header = " ".join(lines[1:rule]).split()
        for column in columns:
            if not column.data or any(items_of(row.get(column.key)) for row in rows):
                continue
            if all(word in header for word in column.title.split()):
                problems.append(f"{argv}: empty {column.title!r} kept while {dropped} went")
    assert not problems, "\n".join(problems)


def test_members_at_80_columns_keeps_confirmed_and_drops_the_empty_via_and_to(
    seeded_db: TestDatabase,
) -> None:
    _, text = run(seeded_db.url, ["members", "NATO", "--as-of", "2000-01-01"], 80)
    header = text.splitlines()[1]
    assert "confirmed" in header.split()
    assert "via" not in header.split()
    assert "to" not in header.split()
    empty, _ = _empty_and_dropped(declared(text, 80))
    assert sorted(empty) == ["to", "via"]


@pytest.mark.parametrize("width", WIDTHS)
def test_statements_show_each_source_key_and_whether_quoted(
    seeded_db: TestDatabase, width: int
) -> None:
    argv = ["statements", "--scope", "AUKUS Pillar 2", "--since", "2024"]
    _, text = run(seeded_db.url, argv, width)
    _, data_text = run(seeded_db.url, [*argv, "--format", "json"], width)
    rows = json.loads(data_text)
    assert rows
    header = " ".join(text.splitlines()[1:3]).split()
    assert "source" in header
    lines = text.splitlines()
    for row in rows:  # in its column or, on a narrow terminal, in a note under the table
        assert any(row["source"] in line for line in lines), row["source"]
    if width < 120 and "wording" in declared(text, width):
        return  # the caption says it went
    assert "wording" in header
    body = " ".join(_table_rows(text)).split()
    quoted = sum(1 for row in rows if row["quote"])
    assert body.count("quote") == quoted
    assert body.count("paraphrase") == len(rows) - quoted


def test_statements_too_narrow_for_the_wording_say_so(seeded_db: TestDatabase) -> None:
    _, text = run(seeded_db.url, ["statements", "--limit", "3"], 60)
    note = declared(text, 60)
    assert "wording" in note
    assert "source as numbered notes" in note


def test_a_name_is_never_wrapped_at_80_columns(seeded_db: TestDatabase) -> None:
    _, members = run(seeded_db.url, ["members", "NATO"], 80)
    assert any("United Kingdom" in line for line in members.splitlines())
    _, exercises = run(seeded_db.url, ["exercises"], 80)
    assert any("Freedom Edge 24-2" in line for line in exercises.splitlines())


NEW_STATEMENT = """\
sources:
  - key: width-test-source
    title: A source only this test loads
    published: 2024-05-01
    kind: reference
statements:
  - id: width-test-statement
    speaker: USA
    date: 2024-05-01
    text: A statement only this test loads.
    stance: asserts
    source: {source}
"""


@pytest.mark.parametrize("width", WIDTHS)
def test_diff_shows_a_changed_source_key_whole(
    seeded_db: TestDatabase, tmp_path: Path, width: int
) -> None:
    for n, source in enumerate(
        ["width-test-source", "shephard-2026-02-23-aukus-pillar2-capabilities"]
    ):
        path = tmp_path / f"load{n}.yaml"
        path.write_text(NEW_STATEMENT.format(source=source), encoding="utf-8")
        code, out = run(seeded_db.url, ["load", str(path)], width)
        assert code == 0, out
    _, text = run(seeded_db.url, ["diff", "--from", "2"], width)
    lines = text.splitlines()
    assert any("shephard-2026-02-23-aukus-pillar2-capabilities" in line for line in lines), text
    assert any("width-test-source" in line for line in lines), text
