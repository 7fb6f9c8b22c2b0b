"""Help that reads finished: real metavars, no type placeholders (issue 16).

Typer 0.29 shows a type for every parameter (`<bool>` for a flag, `<str>`, `<list[Path]>`)
unless it has a metavar, and writes a required argument as `{scope}` in the usage line.
Here every flag shows none, every argument its metavar in capitals (SCOPE, FILE...,
[TABLE]...), as Click and git write them. Options give their own metavar (DATE, NAME, N);
tests/test_help.py checks every command's help for a placeholder left.

`use_plain_help(app)` puts these classes on every command and group registered on the app,
so a command added later gets them without asking.
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def _plain(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperOption) and param.metavar is None:
            # a flag takes no value: it shows none; an option without a metavar of its
            # own shows its name (`--reason` REASON), never a type
            long_names = [o for o in param.opts if o.startswith("--")] or param.opts
            param.metavar = "" if param.is_flag else long_names[0].lstrip("-").upper()
        elif isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = param.name.upper() if param.name else "ARG"
            # the name column shows the metavar; the type column nothing
            param.display_type_rich = _no_type  # type: ignore[method-assign]
    return params


def _no_type(ctx: Any = None) -> None:
    return None


def _usage(command: Any, ctx: typer.Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if not isinstance(param, TyperArgument):
            pieces += param.get_usage_pieces(ctx)
            continue
        name = str(param.metavar)
        if param.nargs != 1 and not name.endswith("..."):
            name += "..."
        if not param.required and not name.startswith("["):
            name = f"[{name}]"
        pieces.append(name)
    return pieces


def reflow(text: str | None) -> str | None:
    """Help text with each paragraph on one line, so Rich wraps it at the terminal's
    width (a docstring's own line breaks left single words on a line at 80 columns).
    An indented paragraph (an example) keeps its lines."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        p
        if any(line.startswith((" ", "\b")) for line in p.split("\n"))
        else " ".join(line.strip() for line in p.split("\n"))
        for p in paragraphs
    )


class PlainHelpCommand(TyperCommand):
    """A command whose help shows metavars, never Typer's type placeholders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)

    def get_params(self, ctx: typer.Context) -> list[Any]:  # type: ignore[override]
        return _plain(super().get_params(ctx))

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return _usage(self, ctx)


class PlainHelpGroup(TyperGroup):
    """A command group whose own options show no type placeholders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflow(self.help)

    def get_params(self, ctx: typer.Context) -> list[Any]:  # type: ignore[override]
        return _plain(super().get_params(ctx))


def use_plain_help(app: typer.Typer) -> None:
    """The plain-help classes on every command and group of `app`, at any depth."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):  # Typer's default: not a class of its own
            command.cls = PlainHelpCommand
    for group in app.registered_groups:
        if not isinstance(group.cls, type) or group.cls is TyperGroup:
            group.cls = PlainHelpGroup
        if group.typer_instance is not None:
            instance = group.typer_instance
            if not isinstance(instance.info.cls, type) or instance.info.cls is TyperGroup:
                instance.info.cls = PlainHelpGroup
            use_plain_help(instance)
