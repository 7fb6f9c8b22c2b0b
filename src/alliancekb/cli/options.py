"""Options and value checks shared by the command modules (defined once, used everywhere)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from alliancekb.core.formats import Format, file_formats, read_formats
from alliancekb.core.vocab import Obligation
from alliancekb.query.declare import COUNT_MAX as COUNT_MAX  # the declarations' (every face's)

#: The formats of every read command, and of `export`: from the registry (core/formats.py).
FORMATS = tuple(f.value for f in read_formats())
FILE_FORMATS = tuple(f.value for f in file_formats())
FILE_EXTENSIONS = tuple(f.extension for f in file_formats() if f.extension)
#: The obligations a treaty or a dataset codes (core.vocab: plain enums, cheap for --help).
OBLIGATIONS = tuple(o.value for o in Obligation)


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


def or_list(items: list[str]) -> str:
    """`a`, `a, or b`, `a, b, or c`: the choices of a help text."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])}, or {items[-1]}"


def formats_help(formats: tuple[Format, ...]) -> str:
    """`--format`'s help: the formats for people, then those for tools (streamed or not)."""
    people = [f.spec.description for f in formats if f.for_people]
    tools = [f for f in formats if not f.for_people]
    streamed = " (streamed)" if all(f.streams for f in tools) else ""
    titles = "/".join(f.spec.title for f in tools)
    return f"Output format: {or_list([*people, f'{titles} for tools{streamed}'])}."


FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="|".join(FORMATS),
        callback=one_of(FORMATS),
        help=formats_help(read_formats()),
    ),
]
#: The read commands' `--columns`: which keys of CSV/JSON/NDJSON, in which order.
ColumnsOpt = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="KEY,KEY...",
        help=(
            "Write only these columns, in this order (comma-separated keys, as --format json "
            "names them), with --format csv, json or ndjson: `--columns country,status,from`. "
            "Rather than `cut -d,`, which splits a quoted value holding a comma."
        ),
        show_default=False,
    ),
]
#: `export --format`: the formats written to files.
FileFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="|".join(FILE_FORMATS),
        callback=one_of(FILE_FORMATS),
        help=f"File format: {or_list([f.spec.description for f in file_formats()])}.",
    ),
]


def count_option(*names: str, min: int, help: str, metavar: str = "N") -> Any:
    """An integer option checked against [min, COUNT_MAX]; the message says the range (exit 2)."""

    def check(value: int | None) -> int | None:
        if value is not None and not min <= value <= COUNT_MAX:
            raise typer.BadParameter(f"{value} is not in the allowed range {min} to {COUNT_MAX}")
        return value

    return typer.Option(*names, metavar=metavar, callback=check, help=help)


def output_path(value: str) -> Path:
    """An --out value as a path; an empty one is a usage error, not the current directory."""
    if not value.strip():
        raise typer.BadParameter("an empty path; give a file or directory (. for here)")
    return Path(value)


def output_text(value: str) -> str:
    """An --out value as typed (a trailing `/` says "a directory"); never empty."""
    output_path(value)
    return value


def out_option(*names: str, metavar: str, help: str, as_typed: bool = False) -> Any:
    """An --out option: a path, never empty (`--out ''` would otherwise mean `.`).

    `as_typed`: the value stays the text typed, for a command that reads a trailing `/`
    (a path drops it).
    """
    parser = output_text if as_typed else output_path
    return typer.Option(*names, metavar=metavar, help=help, show_default=False, parser=parser)
