"""Option values converted without Pydantic, when they are plain (start-up, issue 16).

Typer (0.29) converts every option value through a Pydantic `TypeAdapter`, built on first
use: a command with one `str` option imports Pydantic and builds adapters, about 0.1 s
of every command's start-up. Most options of alliancekb are plain (`str`, `int` with
bounds, `bool`, lists of `str`); `Path` options (whose checks, such as "exists", Typer
makes in its converter) keep Typer's. `prepare(command)` gives each such
parameter a converter that handles the values it can convert exactly as the adapter
would, and hands any other value (a bad number, a number out of range, a parser that
refuses) to Typer's own converter, built then, so that every error message is Typer's.

It sets Typer's private `_runtime_param` slot, which Typer fills lazily itself; a Typer
without that slot is left alone (commands then only start slower).
"""

from __future__ import annotations

import re
from typing import Any

_INT = re.compile(r"0|-?[1-9][0-9]*")


def prepare(command: Any, ctx: Any) -> None:
    """Give the plain parameters of a Click/Typer command the Pydantic-free converter.

    `ctx`: the command's context, or its parent's (the help option, which Typer makes
    on first use, takes the same names from either).
    """
    for param in command.get_params(ctx):
        if getattr(param, "_runtime_param", False) is not None:
            continue  # not a Typer parameter, or its converter exists already
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or _convert(descriptor) is None:
            continue
        param._runtime_param = _runtime(descriptor)


def _convert(descriptor: Any) -> Any:
    """The converter of one value for this parameter's type, or None when not plain."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or getattr(info, "clamp", False):
        return None
    annotation = descriptor.annotation
    if annotation == list[str]:
        if getattr(info, "parser", None) is not None:
            return None
        return lambda value: [_one(str, info, v) for v in value] if _all_str(value) else _NO
    if annotation in (str, int, bool):
        return lambda value: _one(annotation, info, value)
    return None


class _Missing:
    pass


_NO: Any = _Missing()


def _all_str(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _one(annotation: Any, info: Any, value: Any) -> Any:
    """`value` converted, or `_NO` when Typer's converter must decide (and word the error)."""
    parser = getattr(info, "parser", None)
    if parser is not None:
        try:
            return parser(value)
        except Exception:
            return _NO
    if annotation is str:
        return value if isinstance(value, str) else _NO
    if annotation is bool:
        return value if isinstance(value, bool) else _NO
    if isinstance(value, bool):
        return _NO
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT.fullmatch(value):
        number = int(value)
    else:
        return _NO
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None and number < low) or (high is not None and number > high):
        return _NO
    return number


def _runtime(descriptor: Any) -> Any:
    from typer._coercion import RuntimeParam, build_runtime_param

    convert = _convert(descriptor)

    class PlainRuntimeParam(RuntimeParam):
        """Plain values converted here; anything else by Typer's converter (its errors)."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            converted = convert(value)
            if converted is _NO or (isinstance(converted, list) and _NO in converted):
                typer_own = build_runtime_param(descriptor)
                return typer_own._coerce_value(value, param=param, ctx=ctx)
            return converted

    return PlainRuntimeParam(
        parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
    )
