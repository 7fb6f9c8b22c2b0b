"""The tools: one per read question, derived from its declaration, and `diff`.

A question's tool takes the question's parameters (`schema.py`), asks it in one read
transaction at `known_on` (the same `Question.ask` as the CLI and the API, which checks
every value), and returns structured content: one page of the rows as the API gives them
(`query/data_rows.py`: the CLI's `--format json`), how many rows there are, the next
page's cursor, and the answer's meta (its result dataclass's facts: the as-of date, what
was hidden, the newest evidence, the load read at). `show` returns the card.

A failure the assistant can act on (an unknown or ambiguous name with its candidates, a
bad date naming its parameter, a `known_on` before the first load, a bad cursor) is a
tool error result (`isError`), with the facts in its structured content; nothing a caller
sends stops the server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import create_model
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alliancekb.assistant import guide, schema
from alliancekb.core.errors import AlliancekbError, NameResolutionError, UsageError
from alliancekb.core.knowledge_time import KnownOn, KnownOnError
from alliancekb.query.common import DateParameterError
from alliancekb.query.data_rows import data_rows
from alliancekb.query.declare import Question
from alliancekb.query.questions import QUESTIONS
from alliancekb.store.db import KNOWN_ON, read_session, scrub_password

log = logging.getLogger("alliancekb.assistant")

#: Every tool only reads, and knows only its own knowledge base (no web, no other system).
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

#: The questions whose answer is one object, not rows to page.
CARD_QUESTIONS = frozenset({"show"})


class Reading:
    """The knowledge base the tools read: an engine, and its URL for scrubbing messages.

    `on_the_loop`: the tools answer on the server's event loop rather than in a worker
    thread. Over stdio the server has one client, whose calls of a few milliseconds each
    then skip a thread hop (~0.6 ms, a third of what a call adds); over HTTP, where
    several clients may call at once, each call takes a worker thread so that one long
    answer does not hold the others.
    """

    def __init__(self, engine: Engine, *, on_the_loop: bool = False) -> None:
        self.engine = engine
        self.on_the_loop = on_the_loop
        self.url = engine.url.render_as_string(hide_password=False)

    @contextmanager
    def session(self, known_on: str | int | None) -> Iterator[Session]:
        """One read transaction, at a past load when `known_on` names one."""
        with read_session(self.engine, known_on) as session:
            yield session

    def scrub(self, message: str) -> str:
        """The message with the database password hidden."""
        return scrub_password(message, self.url)


def question_tools(reading: Reading) -> list[Tool]:
    """One tool per read question (query/questions.py), in their declared order."""
    return [question_tool(q, reading) for q in QUESTIONS.values()]


def question_tool(q: Question[Any, Any], reading: Reading) -> Tool:
    """The tool of one question: its name, description, schemas and call."""
    paged = q.name not in CARD_QUESTIONS
    own_limit = schema.paged_parameter(q)

    def call(**arguments: Any) -> CallToolResult:
        known_on = arguments.pop("known_on", None)
        limit = arguments.pop("limit", schema.PAGE_DEFAULT)
        cursor = arguments.pop("cursor", None)
        offset = _offset(cursor) if paged else 0
        _check_limit(limit)
        if own_limit is not None:
            # The question reads no further than this page and one row more (a `statements`
            # over a million rows stays a page's work); the total is then not counted.
            arguments[own_limit.name] = offset + limit + 1
        with reading.session(_known_on(known_on)) as session:
            result = q.ask(session, **arguments)
            known = session.info.get(KNOWN_ON)
            if not paged:
                return _ok(_card(result, known))
            rows, total = _page(data_rows(result, known), offset, limit)
            counted: int | None = total
            meta = meta_of(result, known)
            if own_limit is not None:
                meta.pop(own_limit.name, None)  # the page's bound, not the asker's
                if total > offset + limit:
                    counted = None  # more rows than this page: how many, not read
            return _ok(_paged(rows, counted, offset, limit, meta))

    return _tool(
        call,
        reading,
        q.name,
        description=describe(q),
        parameters=schema.input_schema(q, paged=paged),
        arguments=schema.argument_model(q, paged=paged),
        output=schema.ROWS_OUTPUT if paged else schema.CARD_OUTPUT,
    )


def diff_tool(reading: Reading) -> Tool:
    """`diff`: what changed between two loads (kb.diff, `alliancekb diff`)."""
    loads = "a load number (see the history tool) or a date or time (the last load by then)"
    parameters = {
        "type": "object",
        "properties": {
            "before": {"type": ["string", "integer"], "description": f"The earlier load: {loads}."},
            "after": {
                "type": ["string", "integer"],
                "description": f"The later load: {loads}. Default: the newest load.",
            },
            **schema.extra_properties(paged=True, known_on=False),
        },
        "required": ["before"],
        "additionalProperties": False,
    }
    arguments = create_model(
        "diff_arguments",
        __base__=schema.Arguments,
        before=(str | int, ...),
        after=(str | int | None, None),
        **schema.extra_fields(paged=True, known_on=False),
    )

    def call(
        before: str | int,
        after: str | int | None = None,
        limit: int = schema.PAGE_DEFAULT,
        cursor: str | None = None,
    ) -> CallToolResult:
        from alliancekb.dump.diff import diff

        offset = _offset(cursor)
        _check_limit(limit)
        result = diff(reading.engine, before, after)
        rows, total = _page(result.rows, offset, limit)
        return _ok(_paged(rows, total, offset, limit, meta_of(result, None)))

    description = (
        "What changed in the knowledge base from one load to another (default: to the "
        "newest): facts added, updated field by field, removed and retracted, each with "
        "the load that changed it. Rows as `alliancekb diff --format json` prints them."
    )
    return _tool(
        call,
        reading,
        "diff",
        description=description,
        parameters=parameters,
        arguments=arguments,
        output=schema.ROWS_OUTPUT,
    )


def _tool(
    call: Callable[..., CallToolResult],
    reading: Reading,
    name: str,
    *,
    description: str,
    parameters: dict[str, Any],
    arguments: type[schema.Arguments],
    output: dict[str, Any],
) -> Tool:
    # Built from its parts, not from `call`'s signature: the schema is the declaration's,
    # and a result built here (a CallToolResult) is passed through as it is.
    answer = guarded(call, reading)
    fn: Callable[..., Any] = answer
    if reading.on_the_loop:

        async def on_the_loop(**arguments: Any) -> CallToolResult:
            return answer(**arguments)

        fn = on_the_loop
    return Tool(
        fn=fn,
        name=name,
        title=None,
        description=description,
        parameters=parameters,
        fn_metadata=FuncMetadata(arg_model=arguments, output_schema=output),
        is_async=reading.on_the_loop,
        context_kwarg=None,
        annotations=READ_ONLY,
    )


def describe(q: Question[Any, Any]) -> str:
    """A tool's description: the question's summary and docstring, how to read the rows."""
    from inspect import getdoc

    rest = (getdoc(q.answer) or "").partition("\n\n")[2].replace("\n", " ")
    parts = [q.summary, rest, f"The answer of `alliancekb {q.name.replace('_', '-')}`."]
    if q.name not in CARD_QUESTIONS:
        parts.append(guide.READING)
    return " ".join(p for p in parts if p)


def meta_of(result: Any, known: KnownOn | None) -> dict[str, Any]:
    """The answer's facts besides its rows (its result dataclass's fields), JSON-ready."""
    meta = {
        f.name: plain(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if f.name != "rows"
    }
    if known is not None:
        meta["known_on"] = known.describe()
    return meta


def plain(value: Any) -> Any:
    """A value as JSON holds it: dataclasses and mappings as objects, enums as their
    value, dates as ISO text, anything else unknown as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def _card(result: Any, known: KnownOn | None) -> dict[str, Any]:
    """`show`'s card as its JSON prints it; read at a past load, its first field says so."""
    card: dict[str, Any] = result.as_json()
    if known is not None:
        card["fields"] = {"known on": known.describe(), **card["fields"]}
    return card


def _page(rows: Iterable[dict[str, Any]], offset: int, limit: int) -> tuple[list[Any], int]:
    """The rows of one page and the count of all; only the page's rows are kept."""
    page: list[Any] = []
    total = 0
    for row in rows:
        if offset <= total < offset + limit:
            page.append(row)
        total += 1
    return page, total


def _paged(
    rows: list[Any], total: int | None, offset: int, limit: int, meta: dict[str, Any]
) -> dict[str, Any]:
    """One page; `total` None: there are more rows than this page, not counted."""
    following = offset + limit
    return {
        "rows": rows,
        "total": total,
        "offset": offset,
        "next_cursor": str(following) if total is None or following < total else None,
        "meta": meta,
    }


def _offset(cursor: str | None) -> int:
    """The first row a cursor names (it is the row's number, as text)."""
    if cursor is None or cursor == "":
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise UsageError(f"cursor: {cursor!r} is not a cursor this server gave (next_cursor)")
    return int(cursor)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= schema.PAGE_MAX:
        raise UsageError(f"limit: {limit} is not in the allowed range 1 to {schema.PAGE_MAX}")


def _known_on(value: str | int | None) -> str | int | None:
    if isinstance(value, int) and value < 0:
        raise KnownOnError(f"{value} is not a load number (see the history tool)")
    return value


def _ok(content: dict[str, Any]) -> CallToolResult:
    # The JSON text too, for clients that read only text content (the spec's advice).
    text = json.dumps(content, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=content)


def guarded(call: Callable[..., CallToolResult], reading: Reading) -> Callable[..., CallToolResult]:
    """The call, the library's errors turned into tool error results; anything else
    propagates (the SDK answers it with a generic tool error and logs it on stderr)."""

    def answer(**arguments: Any) -> CallToolResult:
        try:
            return call(**arguments)
        except AlliancekbError as exc:
            failed = error_result(exc, reading)
            log.info("refused: %s", failed.structured_content)
            return failed

    return answer


def error_result(exc: AlliancekbError, reading: Reading) -> CallToolResult:
    """A library error as a tool error: its message, and the facts to correct the call."""
    message = reading.scrub(str(exc))
    facts: dict[str, Any] = {"error": message, "kind": type(exc).__name__}
    text = message
    if isinstance(exc, NameResolutionError):
        names = names_to_call(reading, exc.candidates)
        facts.update(
            name=exc.name,
            candidates=exc.candidates,
            names=names,
            ambiguous=exc.ambiguous,
            of=exc.kind,
        )
        if names:
            text += f"\nCall again with one of these names: {'; '.join(names)}."
    if isinstance(exc, DateParameterError | KnownOnError):
        facts["parameter"] = exc.parameter
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=facts, is_error=True
    )


def names_to_call(reading: Reading, candidates: list[str]) -> list[str]:
    """A name for each candidate that resolves to it alone.

    A candidate is a label for people (`AUKUS Pillar 2 (Advanced capabilities)`, `Anguilla
    (AIA) (country)`), which no name resolves to as written; an assistant copies what it
    is given, so it gets the label without its trailing parentheses where that names one
    entity (the label itself otherwise).
    """
    from alliancekb.store.resolve import load_index

    with reading.session(None) as session:
        index = load_index(session)
    names: list[str] = []
    for label in candidates:
        forms = [label]
        while forms[-1].endswith(")") and " (" in forms[-1]:
            forms.append(forms[-1].rsplit(" (", 1)[0])
        chosen = next((f for f in reversed(forms) if len(index.candidates(f)) == 1), label)
        if chosen not in names:
            names.append(chosen)
    return names
