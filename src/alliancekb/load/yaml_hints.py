"""Syntax errors an indentation mistake makes, explained (issue 16).

libyaml reports where parsing failed, not why: a field indented deeper than the one above
it continues that field's value ("mapping values are not allowed in this context"); a
field indented less than its record's other fields falls out of the record ("did not find
expected '-' indicator"). `indentation_cause` reads the lines again (only after an error)
and names the field, its column and the column it belongs at.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml


def _line_of(path: Path, number: int) -> str | None:
    """Line `number` (0-based) of the file, as text (read again: only after an error)."""
    try:
        with path.open("rb") as f:
            for i, raw in enumerate(f):
                if i == number:
                    return raw.decode("utf-8", "replace").rstrip("\r\n")
    except OSError:
        return None
    return None


_KEY_LINE = re.compile(r"^( *)(?:- +)?([A-Za-z_][\w-]*) *:(?: |$)")


def indentation_cause(path: Path, exc: yaml.MarkedYAMLError) -> str | None:
    """The likely cause of a syntax error an indentation mistake makes, in words.

    A field indented deeper than the one above it continues that field's value ("mapping
    values are not allowed"); one indented less than its record's other fields falls out
    of the record ("did not find expected '-' indicator"). Both name the field, its
    column and the column it belongs at; None for any other error.
    """
    mark, problem = exc.problem_mark, exc.problem or ""
    if mark is None:
        return None
    line = _line_of(path, mark.line)
    found = _KEY_LINE.match(line or "")
    if found is None:
        return None
    field, column = found.group(2), len(found.group(1)) + 1
    if problem.startswith("mapping values are not allowed"):
        for number in range(mark.line - 1, -1, -1):
            above = _KEY_LINE.match(_line_of(path, number) or "")
            if above is not None and above.end(1) < column - 1:
                at = above.start(2) + 1
                return (
                    f"`{field}` at column {column} is indented more than `{above.group(2)}` "
                    f"on line {number + 1}, so it reads as part of that value; a field of the "
                    f"same record goes at column {at}"
                )
        return None
    start = exc.context_mark
    if "expected '-' indicator" in problem and start is not None:
        opening = _line_of(path, start.line) or ""
        item = re.match(r"^ *- +", opening)
        if item is None:
            return None
        at = item.end() + 1
        return (
            f"`{field}` at column {column} is outside the record that starts at line "
            f"{start.line + 1}, column {at}: indent it to column {at}"
        )
    return None
