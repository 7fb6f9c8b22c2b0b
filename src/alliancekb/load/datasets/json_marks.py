"""A JSON document with the place of every member: `line:column` for problems.

The standard library's `json` parses a document but forgets where each value was. A
SPARQL results file holds one record per binding, so a problem must name the binding's
place: this walks the document with `json.JSONDecoder.raw_decode` (the same parser,
value by value) and keeps, for each object, where each member's value starts.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from typing import Any

from alliancekb.load.raw_record import Mark

_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


class JsonSyntaxError(ValueError):
    """Not JSON: the message and the 1-based line and column of the fault."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class Node:
    """A JSON value and where it starts; an object's members and an array's items as
    Nodes of their own."""

    value: Any
    mark: Mark
    members: dict[str, Node] = field(default_factory=dict)
    items: list[Node] = field(default_factory=list)


class _Walk:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = [i for i, c in enumerate(text) if c == "\n"]

    def mark(self, offset: int) -> Mark:
        line = bisect.bisect_left(self.lines, offset)
        start = self.lines[line - 1] + 1 if line else 0
        return Mark(line + 1, offset - start + 1)

    def skip(self, i: int) -> int:
        while i < len(self.text) and self.text[i] in _SPACE:
            i += 1
        return i

    def expect(self, i: int, char: str) -> int:
        i = self.skip(i)
        if i >= len(self.text) or self.text[i] != char:
            mark = self.mark(i)
            raise JsonSyntaxError(f"expected {char!r}", mark.line, mark.column)
        return i + 1

    def value(self, i: int) -> tuple[Node, int]:
        i = self.skip(i)
        here = self.mark(i)
        char = self.text[i] if i < len(self.text) else ""
        if char == "{":
            return self.object(i, here)
        if char == "[":
            return self.array(i, here)
        try:
            value, end = _DECODER.raw_decode(self.text, i)
        except json.JSONDecodeError as exc:
            raise JsonSyntaxError(exc.msg, exc.lineno, exc.colno) from None
        return Node(value, here), end

    def object(self, i: int, here: Mark) -> tuple[Node, int]:
        node = Node({}, here)
        i = self.skip(i + 1)
        if i < len(self.text) and self.text[i] == "}":
            return node, i + 1
        while True:
            i = self.skip(i)
            key_mark = self.mark(i)
            if i >= len(self.text) or self.text[i] != '"':
                raise JsonSyntaxError(
                    "expected a member name in quotes", key_mark.line, key_mark.column
                )
            key, i = _DECODER.raw_decode(self.text, i)
            i = self.expect(i, ":")
            child, i = self.value(i)
            node.members[key] = child
            node.value[key] = child.value
            i = self.skip(i)
            if i < len(self.text) and self.text[i] == ",":
                i += 1
                continue
            return node, self.expect(i, "}")

    def array(self, i: int, here: Mark) -> tuple[Node, int]:
        node = Node([], here)
        i = self.skip(i + 1)
        if i < len(self.text) and self.text[i] == "]":
            return node, i + 1
        while True:
            child, i = self.value(i)
            node.items.append(child)
            node.value.append(child.value)
            i = self.skip(i)
            if i < len(self.text) and self.text[i] == ",":
                i += 1
                continue
            return node, self.expect(i, "]")


def parse(text: str) -> Node:
    """The document as Nodes, every member and item with its place; a JsonSyntaxError at
    the fault."""
    walk = _Walk(text)
    try:
        json.loads(text)  # the reference: refuse what `json` refuses, where it says
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(exc.msg, exc.lineno, exc.colno) from None
    node, end = walk.value(0)
    end = walk.skip(end)
    if end != len(text):
        mark = walk.mark(end)
        raise JsonSyntaxError("extra data after the document", mark.line, mark.column)
    return node
