"""The read commands derived from the question declarations (`query/questions.py`).

`read_command(question, help=...)` makes the Typer command of a question: one option per
declared parameter (`as_of` -> `--as-of`; a positional one an argument), its help, metavar
and checks from its `About` (a vocabulary's values, a count's range), then what only a
command has: `--known-on` (the API's `kb.known_on(load)`) and `--format`. The command
opens one read transaction, asks the question (which checks every value as the API does)
and hands the answer to `alliancekb.present`. The command's long help, with its examples,
and its short option names are the CLI's own; everything else comes from the declaration.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from alliancekb.cli.options import ColumnsOpt, FormatOpt, count_option, each_one_of, one_of
from alliancekb.cli.reading import (
    KnownOnAsOfOpt,
    KnownOnOpt,
    date_options,
    emit,
    read_paged,
    read_paged_core,
)
from alliancekb.query.declare import Parameter, Question, Shape

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

#: Present an answer: (reader, result, format, stream, the command's own option values).
Present = Callable[[Any, Any, str, "IO[str] | None", dict[str, Any]], None]
#: Say more about a failed question (reader, the values given, the error); may raise.
Explain = Callable[[Any, dict[str, Any], Exception], None]
#: Answer another question instead, when the command's own options ask it (True: done).
Instead = Callable[[typer.Context, dict[str, Any], str], bool]


def option_name(parameter: Parameter, renamed: Mapping[str, str]) -> str:
    """The long option of a parameter: `--as-of` for `as_of`, unless the command renames it."""
    return renamed.get(parameter.name, "--" + parameter.name.replace("_", "-"))


def _typer_param(parameter: Parameter, names: Sequence[str]) -> tuple[Any, Any]:
    """The annotation and default of a parameter's option (or argument)."""
    about = parameter.about
    default = parameter.default
    if about.for_people is not None:
        default = about.for_people
    if default is inspect.Parameter.empty:
        default = ...
    if about.positional:
        metavar = about.metavar
        if metavar is not None and not parameter.required:
            metavar = f"[{metavar}]"
        argument = typer.Argument(metavar=metavar, help=about.help)
        kind = str if parameter.required else str | None
        return Annotated[kind, argument], default
    shape = parameter.shape
    settings: dict[str, Any] = {"help": about.help}
    if about.metavar is not None:
        settings["metavar"] = about.metavar
    if shape is Shape.FLAG:
        return Annotated[bool, typer.Option(*names, help=about.help)], default
    if shape is Shape.CHOICES:
        settings["callback"] = each_one_of(parameter.choices)
        return Annotated[list[str] | None, typer.Option(*names, **settings)], default
    if shape is Shape.CHOICE:
        settings["callback"] = one_of(parameter.choices)
    if shape is Shape.COUNT:
        counted = count_option(
            *names, min=about.lowest or 0, help=about.help, metavar=about.metavar or "N"
        )
        return Annotated[int, counted], default
    kind = str | None if parameter.optional or shape is Shape.DATE else str
    return Annotated[kind, typer.Option(*names, **settings)], default


def _signature(
    question: Question[Any, Any],
    renamed: Mapping[str, str],
    short: Mapping[str, str],
    extra: Mapping[str, inspect.Parameter],
    known_on: bool,
    columns: bool,
) -> inspect.Signature:
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter("ctx", keyword, annotation=typer.Context)]
    for parameter in question.parameters:
        names = [option_name(parameter, renamed)]
        if parameter.name in short:
            names.append(short[parameter.name])
        annotation, default = _typer_param(parameter, names)
        params.append(
            inspect.Parameter(parameter.name, keyword, annotation=annotation, default=default)
        )
        if parameter.name in extra:
            params.append(extra[parameter.name])
    if known_on:
        dated = any(p.name == "as_of" for p in question.parameters)
        option = KnownOnAsOfOpt if dated else KnownOnOpt
        params.append(inspect.Parameter("known_on", keyword, annotation=option, default=None))
    params.append(inspect.Parameter("fmt", keyword, annotation=FormatOpt, default="table"))
    if columns:
        params.append(inspect.Parameter("columns", keyword, annotation=ColumnsOpt, default=None))
    return inspect.Signature(params, return_annotation=None)


def _emit(reader: Any, result: Any, fmt: str, out: IO[str] | None, own: dict[str, Any]) -> None:
    emit(reader, result, fmt, out, columns=own.get("columns", ()))


def chosen_columns(value: str | None, fmt: str) -> tuple[str, ...]:
    """`--columns a,b`: the keys, in the order given, each once (none: every column)."""
    from alliancekb.core.errors import UsageError
    from alliancekb.core.formats import Format

    if value is None:
        return ()
    keys = tuple(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    if not keys:
        raise UsageError("--columns: give the columns' keys, comma-separated (country,status)")
    if Format(fmt).for_people:
        raise UsageError(
            "--columns chooses the columns of --format csv, json or ndjson; "
            "a table chooses its own to fit the terminal"
        )
    return keys


def read_command(
    question: Question[Any, Any],
    *,
    help: str,
    renamed: Mapping[str, str] | None = None,
    short: Mapping[str, str] | None = None,
    extra: Mapping[str, inspect.Parameter] | None = None,
    present: Present = _emit,
    explain: Explain | None = None,
    instead: Instead | None = None,
    known_on: bool = True,
    columns: bool = True,
) -> Callable[..., None]:
    """The Typer command of a question (its function, for `app.command(name)`).

    `renamed`: a parameter's long option when not its name (`all_positions` -> `--all`);
    `short`: its short option (`status` -> `-s`); `extra`: the command's own options (how
    it presents), each after the declared parameter it is keyed by, handed to `present`
    by name; `explain`: called with a failed question's
    error before it is raised (a better message for what the name turned out to be);
    `instead`: given the command's own option values and the format, answers another
    question when they ask it (`history --changes`), returning True; `columns`: the
    command takes `--columns` (its chosen keys are `own["columns"]` for `present`).
    """
    renamed = dict(renamed or {})
    extra = dict(extra or {})
    signature = _signature(question, renamed, short or {}, extra, known_on, columns)
    options = {p.name: option_name(p, renamed) for p in question.parameters}
    own_names = [p.name for p in extra.values()]

    def command(ctx: typer.Context, **values: Any) -> None:
        fmt = values.pop("fmt")
        values.pop("known_on", None)
        own = {name: values.pop(name) for name in own_names}
        if columns:
            own["columns"] = chosen_columns(values.pop("columns"), fmt)
        if instead is not None and instead(ctx, own, fmt):
            return
        with _reader(ctx, question.orm) as (reader, out), date_options(options):
            try:
                result = question.ask(reader, **values)
            except Exception as exc:
                if explain is not None:
                    explain(reader, values, exc)
                raise
            present(reader, result, fmt, out, own)

    command.__name__ = f"{question.name}_cmd"
    command.__doc__ = help
    command.__signature__ = signature  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    return command


@contextmanager
def _reader(ctx: typer.Context, orm: bool) -> Iterator[tuple[Session | Connection, IO[str] | None]]:
    """The read transaction: an ORM session, or a Core connection for a question that
    needs no ORM (its command then never imports it: start-up, issue 16)."""
    opened = read_paged(ctx) if orm else read_paged_core(ctx)
    with opened as (reader, out):
        yield reader, out
