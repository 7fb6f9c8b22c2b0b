"""Every command's --help reads finished: real metavars, no type placeholders (issue 16)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.cli.help import reflow

#: What Typer shows when a parameter has no metavar of its own, or Click-style usage
#: nested in brackets: none of it may reach a user.
PLACEHOLDERS = re.compile(r"<bool>|<str>|<int|<float|<path|<list|list\[|\{|\[\[|\[x[<>]=")


def command_paths() -> Iterator[list[str]]:
    root = typer.main.get_command(app)
    yield []

    def walk(group: object, path: list[str]) -> Iterator[list[str]]:
        for name, command in getattr(group, "commands", {}).items():
            yield [*path, name]
            yield from walk(command, [*path, name])

    yield from walk(root, [])


def test_every_command_is_found() -> None:
    names = {" ".join(p) for p in command_paths()}
    assert {"members", "load", "export", "db upgrade", "retract membership"} <= names


@pytest.mark.parametrize("path", list(command_paths()), ids=lambda p: " ".join(p) or "root")
def test_help_has_no_placeholder(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    found = PLACEHOLDERS.findall(result.output)
    assert not found, f"{' '.join(path)} --help shows {found}:\n{result.output}"
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_flags_show_no_metavar_and_options_a_real_one() -> None:
    out = CliRunner().invoke(app, ["statements", "--help"], env={"COLUMNS": "100"}).output
    assert re.search(r"--speaker\s+NAME", out)
    assert re.search(r"--limit\s+-n\s+N\b", out)
    assert re.search(r"--since\s+DATE", out)
    out = CliRunner().invoke(app, ["load", "--help"], env={"COLUMNS": "100"}).output
    assert "[OPTIONS] FILE..." in out
    assert re.search(r"--dry-run\s+Check", out)
    out = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "100"}).output
    assert "[OPTIONS] [TABLE]..." in out


def test_help_paragraphs_reflow_and_examples_keep_their_lines() -> None:
    text = "First line\nof a paragraph.\n\nExamples:\n\n  alliancekb a\n  alliancekb b"
    assert (
        reflow(text) == "First line of a paragraph.\n\nExamples:\n\n  alliancekb a\n  alliancekb b"
    )
    out = CliRunner().invoke(app, ["members", "--help"], env={"COLUMNS": "80"}).output
    lines = [line.strip() for line in out.splitlines()]
    assert "form a" not in lines
    assert "country" not in lines


def _help_texts(path: list[str]) -> list[str]:
    command: object = typer.main.get_command(app)
    for name in path:
        command = getattr(command, "commands", {})[name]
    params = getattr(command, "params", [])
    return [getattr(command, "help", None) or "", *(getattr(p, "help", None) or "" for p in params)]


@pytest.mark.parametrize("path", list(command_paths()), ids=lambda p: " ".join(p) or "root")
def test_help_loses_no_bracketed_text_to_rich_markup(path: list[str]) -> None:
    """Help is Rich markup: an unescaped `[web]` is a style tag, shown as nothing."""
    from rich.text import Text

    for text in _help_texts(path):
        shown = Text.from_markup(text).plain
        assert shown == text.replace("\\[", "["), f"{' '.join(path)}: {text!r}"
