"""Options and value checks shared by the command modules (defined once, used everywhere)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

#: The formats of every read command.
FORMATS = ("table", "csv", "json", "ndjson")


def one_of(choices: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """A callback refusing a value outside `choices` (a usage error, exit 2)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r}: choose one of {', '.join(choices)}")
        return value

    return check


def each_one_of(choices: tuple[str, ...]) -> Callable[[list[str] | None], list[str] | None]:
    """A callback refusing any value of a repeated option outside `choices`."""
    check_one = one_of(choices)

    def check(values: list[str] | None) -> list[str] | None:
        for value in values or []:
            check_one(value)
        return values

    return check


FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="table|csv|json|ndjson",
        callback=one_of(FORMATS),
        help="Output format: a table for people, or CSV/JSON/NDJSON for tools (streamed).",
    ),
]
