"""The tools' JSON Schemas and argument models, derived from the question declarations.

Each declared parameter (`query/declare.py`'s `Parameter`) becomes one property of a tool's
input schema: its JSON type by its shape, `enum` from its vocabulary, `minimum` from its
`lowest`, its description from `About.help`, required when it has no default. Beside the
schema, a Pydantic model of the same parameters takes the arguments apart (unknown names
refused); the values themselves are checked by `Question.ask`, as for the CLI and the API.

Every tool also takes `known_on` (the knowledge base as it stood after a past load, as
`kb.known_on`), and a tool answering a list takes `limit` and `cursor` (one page of the
rows; the answer says how many there are and where the next page starts). A question's
own `limit` (statements, history) is the page's: the tool asks it for every row.
"""

from __future__ import annotations

import inspect
from typing import Any

from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from pydantic import ConfigDict, Field, create_model

from alliancekb.query.declare import COUNT_MAX, Parameter, Question, Shape

#: Rows on a page when `limit` is not given, and the most a page holds.
PAGE_DEFAULT = 100
PAGE_MAX = 1000

KNOWN_ON_HELP = (
    "Answer from the knowledge base as it stood after a past load: a load number (see the "
    "history tool) or a date or time (the last load finished by then). Default: as it is now."
)
LIMIT_HELP = (
    f"Rows on this page (1 to {PAGE_MAX}, default {PAGE_DEFAULT}). The answer says how many "
    "rows there are in all (`total`; null for statements and history when there are more "
    "than the page, which are not counted) and, when there are more, the `next_cursor` to "
    "ask for."
)
CURSOR_HELP = "Where the page starts: the `next_cursor` of the previous page (default: the first)."

#: The argument names every tool may add to its question's own.
OWN_ARGUMENTS = ("known_on", "limit", "cursor")


class Arguments(ArgModelBase):
    """A tool's arguments (the SDK's base for them): only its declared names (a misspelt
    one is an error, never a silently ignored filter)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")


def paged_parameter(q: Question[Any, Any]) -> Parameter | None:
    """The question's own `limit` (a count of rows), which the tool's paging replaces."""
    return next((p for p in q.parameters if p.name == "limit" and p.shape is Shape.COUNT), None)


def property_schema(parameter: Parameter) -> dict[str, Any]:
    """One declared parameter as a JSON Schema property."""
    about = parameter.about
    shape = parameter.shape
    schema: dict[str, Any]
    if shape is Shape.FLAG:
        schema = {"type": "boolean"}
    elif shape is Shape.COUNT:
        schema = {"type": "integer", "minimum": about.lowest or 0, "maximum": COUNT_MAX}
    elif shape is Shape.CHOICE:
        schema = {"type": "string", "enum": list(parameter.choices)}
    elif shape is Shape.CHOICES:
        # One value or several (any of them); a lone string is taken as a list of one.
        schema = {
            "type": "array",
            "items": {"type": "string", "enum": list(parameter.choices)},
            "uniqueItems": True,
        }
    else:  # TEXT and DATE: text (a date is EDTF text, which JSON has no type for)
        schema = {"type": "string"}
    schema["description"] = about.help
    default = parameter.default
    if default is not inspect.Parameter.empty and default is not None:
        schema["default"] = default
    return schema


def input_schema(q: Question[Any, Any], *, paged: bool) -> dict[str, Any]:
    """The tool's input schema: the question's parameters, `known_on`, paging."""
    own = paged_parameter(q)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in q.parameters:
        if parameter is own:
            continue
        properties[parameter.name] = property_schema(parameter)
        if parameter.required:
            required.append(parameter.name)
    properties.update(extra_properties(paged=paged))
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def extra_properties(*, paged: bool, known_on: bool = True) -> dict[str, Any]:
    """`known_on`, and with `paged` the page's `limit` and `cursor`."""
    found: dict[str, Any] = {}
    if known_on:
        found["known_on"] = {"type": ["string", "integer"], "description": KNOWN_ON_HELP}
    if paged:
        found["limit"] = {
            "type": "integer",
            "minimum": 1,
            "maximum": PAGE_MAX,
            "default": PAGE_DEFAULT,
            "description": LIMIT_HELP,
        }
        found["cursor"] = {"type": "string", "description": CURSOR_HELP}
    return found


def _field_type(parameter: Parameter) -> Any:
    """The Python type the argument model takes for a parameter (JSON's, loosely)."""
    shape = parameter.shape
    if shape is Shape.FLAG:
        return bool
    if shape is Shape.COUNT:
        return int | None if parameter.optional else int
    if shape is Shape.CHOICES:
        return str | list[str] | None
    if shape is Shape.DATE or parameter.optional:
        return str | None
    return str


def argument_model(q: Question[Any, Any], *, paged: bool) -> type[Arguments]:
    """The Pydantic model of a tool's arguments (names and JSON types; values are the
    question's to check)."""
    own = paged_parameter(q)
    fields: dict[str, Any] = {}
    for parameter in q.parameters:
        if parameter is own:
            continue
        if parameter.name in OWN_ARGUMENTS:
            raise TypeError(f"{q.name}: {parameter.name!r} is a tool's own argument")
        kind = _field_type(parameter)
        if parameter.required:
            fields[parameter.name] = (kind, Field(description=parameter.about.help))
        else:
            fields[parameter.name] = (
                kind,
                Field(default=parameter.default, description=parameter.about.help),
            )
    fields.update(extra_fields(paged=paged))
    model: type[Arguments] = create_model(f"{q.name}_arguments", __base__=Arguments, **fields)
    return model


def extra_fields(*, paged: bool, known_on: bool = True) -> dict[str, Any]:
    """The argument model's `known_on`, `limit` and `cursor`."""
    found: dict[str, Any] = {"known_on": (str | int | None, None)} if known_on else {}
    if paged:
        found["limit"] = (int, PAGE_DEFAULT)
        found["cursor"] = (str | None, None)
    return found


#: What a tool answering a list returns (its structured content).
ROWS_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rows": {
            "type": "array",
            "items": {"type": "object"},
            "description": "This page's rows, as `alliancekb <command> --format json` prints them.",
        },
        "total": {
            "type": ["integer", "null"],
            "description": "How many rows the whole answer has; null when there are more "
            "than this page and they were not counted (statements, history: follow "
            "`next_cursor`).",
        },
        "offset": {"type": "integer", "description": "The first row of this page (0-based)."},
        "next_cursor": {
            "type": ["string", "null"],
            "description": "The `cursor` of the next page; null on the last page.",
        },
        "meta": {
            "type": "object",
            "description": "What the answer is of: the scope, the as-of date, the statuses "
            "shown and hidden, the newest evidence, the load it was read at, ...",
        },
    },
    "required": ["rows", "total", "offset", "next_cursor", "meta"],
}

#: What `show` returns: the card as `show --format json` prints it.
CARD_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kind": {"type": "string"},
        "name": {"type": "string"},
        "fields": {"type": "object"},
        "sections": {"type": "object"},
    },
    "required": ["kind", "name", "fields", "sections"],
}
