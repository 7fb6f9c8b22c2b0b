"""The views of query results: a registry of result type -> the function that gives it
its presentation (a `Table`), and what the views share.

The query layer (`alliancekb.query`) answers with plain rows and meta; a view gives them
their columns, row styles, title and caption, and `output.emit` writes the `Table` in any
format of the registry of formats (`core/formats.py`). Texts that name command-line
options belong here, not in the query layer.

Each view module registers its own views with `@view(ResultType)`. The views of the results
of `alliancekb.query.X` live in `alliancekb.present.X` (`members`, `lists`, `statements`,
`conflicts`, `timeline`, `allies`): `table_of` imports that module the first time it meets
such a result, so that a command imports only the views it shows (`members` never imports
the ORM the other query modules read through: start-up, tests/test_startup_imports.py).
A new kind of result is one view function in one module.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import IO, Any, TypeVar

from alliancekb.core.clock import today
from alliancekb.core.evidence import Currency
from alliancekb.core.formats import Format, Row
from alliancekb.core.knowledge_time import KnownOn, knowledge_fields
from alliancekb.core.vocab import Status
from alliancekb.present.layout import Form, Shrink
from alliancekb.present.output import Column, Table, emit

#: A query's answer: a result dataclass with `rows` (and meta its view reads).
Result = Any
R = TypeVar("R")
View = Callable[[R], Table]

#: Result type -> its view; filled by `@view` as each view module is imported.
VIEWS: dict[type, Callable[[Any], Table]] = {}


def view(result_type: type[R]) -> Callable[[View[R]], View[R]]:
    """Register the decorated function as the view of `result_type`'s results."""

    def register(function: View[R]) -> View[R]:
        if result_type in VIEWS:
            raise ValueError(f"{result_type.__qualname__} has a view already")
        VIEWS[result_type] = function
        return function

    return register


def view_of(result_type: type) -> Callable[[Any], Table]:
    """The view registered for `result_type` (or a base class), importing its view module
    (`alliancekb.present.X` for a result of `alliancekb.query.X`) the first time."""
    for attempt in range(2):
        for kind in result_type.__mro__:
            if kind in VIEWS:
                return VIEWS[kind]
        if attempt == 0:
            # alliancekb.query.X -> alliancekb.present.X (query.kinds.X -> present.kinds.X)
            module = result_type.__module__.removeprefix("alliancekb.query.")
            try:
                importlib.import_module(f"alliancekb.present.{module}")
            except ModuleNotFoundError:
                break
    raise TypeError(f"no view is registered for {result_type.__qualname__}")


def table_of(result: Result) -> Table:
    """The presentation of any list result, by its registered view."""
    return view_of(type(result))(result)


# -- what the views share ---------------------------------------------------------------------


def not_in_force_dim(row: Row) -> str | None:
    """Ended and declined relations struck through; other not-in-force or unconfirmed dim."""
    status = row.get("status")
    if status in (Status.ENDED, Status.DECLINED):
        return "dim strike"
    if row.get("currency") == Currency.UNCONFIRMED:
        return "dim italic"
    return None if status in (Status.IN_FORCE, None) else "dim"


def on_day(day: dt.date) -> str:
    return "today" if day == today() else f"on {day.isoformat()}"


# -- a result in any format -------------------------------------------------------------------


def known_on_table(table: Table, known: KnownOn, as_of: dt.date | None) -> Table:
    """The table as the knowledge base stood after a past load: its caption says so, and
    each CSV/JSON row carries `known_on` (the load), `known_at` and the `as_of` date."""
    values = knowledge_fields(known, as_of)
    note = f"As known after {known.describe()}"
    return replace(
        table,
        columns=[*table.columns, *(Column(key, table=False) for key in values)],
        rows=({**row, **values} for row in table.rows),
        caption=f"{note}; {table.caption}" if table.caption else note,
    )


def only_columns(table: Table, keys: Sequence[str]) -> Table:
    """The table with only the data columns `keys`, in that order; a key it does not have
    is a UsageError naming the keys it has (before any row is written)."""
    from alliancekb.core.errors import UsageError

    data = {c.key: c for c in table.columns if c.data}
    unknown = [k for k in keys if k not in data]
    if unknown:
        raise UsageError(
            f"--columns: no column {', '.join(map(repr, unknown))} in this answer; "
            f"its columns: {','.join(data)}"
        )
    return replace(table, columns=[data[k] for k in keys])


def emit_result(
    result: Result,
    fmt: Format | str,
    stream: IO[str] | None = None,
    *,
    whole: Sequence[str] = (),
    known: KnownOn | None = None,
    columns: Sequence[str] = (),
) -> int | None:
    """Write a list result in `fmt` through its view (streamed, but for the table); the rows
    written, if counted.

    `whole`: columns a narrow table keeps whole (`members --sources`): never counted or
    dropped, at worst numbered notes under the table. `known`: the past load the result
    was read at (`--known-on`), said in the caption and in every row. `columns`: only
    these keys of CSV/JSON, in this order (`--columns`; an unknown one is a UsageError).
    """
    table = table_of(result)
    if known is not None:
        as_of = getattr(result, "as_of", None)
        table = known_on_table(table, known, as_of if isinstance(as_of, dt.date) else None)
    if columns:
        table = only_columns(table, columns)
    if whole:
        shrink: list[Shrink] = []
        for step in table.shrink:
            if step.key in whole:
                step = Shrink(step.key, Form.FOOTNOTE)
            if step not in shrink:
                shrink.append(step)
        table = replace(table, shrink=shrink)
    return emit(table, fmt, stream)
