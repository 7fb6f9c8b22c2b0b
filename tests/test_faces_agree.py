"""Small disagreements between what a face says and what it does (issue 32, row 10).

A timeline puts undated rows in one place and says where; JSON says `null` for every
absent value, in every export table; a command's help names only options it has; the
Python API's error for a scope that is another kind of entity is the CLI's; the API's
rows show in a notebook as an escaped HTML table whose caption states the answer's facts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from alliancekb import open_kb
from alliancekb.cli import app
from alliancekb.core.errors import NameResolutionError
from tests.conftest import TestDatabase
from tests.helpers import write_yaml


def invoke(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    return runner.invoke(app, ["--db", db.url, *args])


# --- timeline: undated rows last, and said --------------------------------------------


def test_timeline_puts_every_undated_row_after_the_dated_ones_and_says_so(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    result = invoke(runner, seeded_db, "timeline", "Japan", "--format", "json")
    assert result.exit_code == 0, result.output
    dates = [row["date"] for row in json.loads(result.stdout)]
    undated = dates.index(None)  # Fumio Kishida's term: no `from` in its sources
    assert all(d is None for d in dates[undated:]), dates[undated - 2 :]
    table = invoke(runner, seeded_db, "timeline", "Japan")
    assert "undated starts (no `from` recorded) last" in " ".join(table.stdout.split())
    help_text = " ".join(invoke(runner, seeded_db, "timeline", "--help").stdout.split())
    assert "whose start is not recorded comes last, undated" in help_text


# --- JSON: null, never "" --------------------------------------------------------------


def _values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _values(v)
    else:
        yield value


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_export_says_null_for_every_absent_value_in_every_table(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out"
    result = invoke(runner, seeded_db, "export", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    for path in sorted(out.glob(f"*.{fmt}")):  # the tables (not datapackage.json)
        text = path.read_text(encoding="utf-8")
        rows = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
        assert "" not in list(_values(rows)), path.name
    memberships = json.loads((out / "memberships.json").read_text()) if fmt == "json" else None
    if memberships is not None:  # an ongoing membership: no end, no claim
        ongoing = next(r for r in memberships if r["country"] == "AUS" and r["alliance"] == "aukus")
        assert ongoing["to"] is None
        assert ongoing["to_lower"] is None
        assert ongoing["claim"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["members", "AUKUS Pillar 2"],
        ["officials", "--all"],
        ["sources"],
        ["alliances"],
        ["timeline", "Japan"],
        ["exercises"],
        ["statements", "--country", "Japan"],
    ],
)
def test_read_commands_json_says_null_for_an_absent_value(
    runner: CliRunner, seeded_db: TestDatabase, args: list[str]
) -> None:
    result = invoke(runner, seeded_db, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "" not in list(_values(json.loads(result.stdout)))


# --- help: only the command's own options ------------------------------------------------


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_each_commands_help_names_only_options_it_has() -> None:
    wrong = []
    for name, command in _commands(typer.main.get_command(app)):
        own = {o for p in command.params for o in getattr(p, "opts", [])} | {"--help", "--db"}
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        for text in texts:
            prose = re.sub(r"`[^`]*`", "", text)  # `members X --status ...`: another command
            wrong += [f"{name}: {o}" for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", prose)
                      if o not in own]  # fmt: skip
    assert not wrong, wrong


def test_known_on_help_mentions_as_of_exactly_where_the_command_has_it() -> None:
    for name, command in _commands(typer.main.get_command(app)):
        options = {o: p for p in command.params for o in getattr(p, "opts", [])}
        if "--known-on" in options:
            mentions = "--as-of" in (options["--known-on"].help or "")
            assert mentions == ("--as-of" in options), name


# --- the API's errors are the CLI's -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Japan", "'Japan' is a country (Japan (JPN)), not an alliance or pillar"),
        ("Rahm Emanuel", "'Rahm Emanuel' is an official (Rahm Emanuel), not an alliance or pillar"),
    ],
)
def test_api_says_what_a_scope_that_is_another_entity_is_as_the_cli_does(
    runner: CliRunner, seeded_db: TestDatabase, name: str, said: str
) -> None:
    with open_kb(seeded_db.url) as kb, pytest.raises(NameResolutionError) as raised:
        kb.members(name)
    assert str(raised.value) == said
    cli = invoke(runner, seeded_db, "members", name)
    assert cli.exit_code == 4
    assert cli.stderr.startswith(f"alliancekb: {said}; for what is known about it see ")


def test_api_and_cli_say_the_same_of_an_unknown_scope(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    with open_kb(seeded_db.url) as kb, pytest.raises(NameResolutionError) as raised:
        kb.members("Atlantis")
    cli = invoke(runner, seeded_db, "members", "Atlantis")
    assert cli.stderr.strip() == f"alliancekb: {raised.value}"


# --- the API's rows in a notebook ---------------------------------------------------------


def test_rows_show_in_a_notebook_as_an_escaped_table_with_the_answers_facts(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    hostile = write_yaml(
        tmp_path,
        "hostile.yaml",
        """
        sources:
          - key: hostile-title
            title: "<script>alert('x')</script> & <b>bold</b>"
            published: 2099-01-01
            kind: news
        """,
    )
    loaded = invoke(runner, seeded_db, "load", str(hostile))
    assert loaded.exit_code == 0, loaded.output
    with open_kb(seeded_db.url) as kb:
        sources = kb.sources()  # newest first: the hostile title is in the first row
        members = kb.members("AUKUS Pillar 2", as_of="2025-01-01")
    html = sources._repr_html_()
    assert "<script>" not in html
    assert "<b>bold" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert html.count("<tr>") == 1 + 50  # the header and the first 50 rows
    assert f"first 50 of {len(sources)} rows" in html
    shown = members._repr_html_()
    caption = re.search(r"<caption>(.*?)</caption>", shown)
    assert caption is not None
    assert "scope: AUKUS Pillar 2" in caption.group(1)
    assert "as_of: 2025-01-01" in caption.group(1)
    assert f"{len(members)} row(s)" in caption.group(1)
    assert shown.count("<tr>") == 1 + len(members)
    assert "<th>country</th>" in shown
    assert "<td>Japan</td>" in shown
