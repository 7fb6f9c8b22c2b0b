"""One record as the reader gives it: its values as strings, and where each one is.

`RawRecord` is one item of a section list before validation; its `marks` map each path
inside it (`("about", "countries", 1)`) to the 1-based line and column where it starts, so
that every later problem (a Pydantic error, an unknown name) points into the file. Read by
`load/yaml_reader.py`, which builds them, and by the stages after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Mark", "MarkMap", "RawRecord", "longest_mark", "render_path"]


@dataclass(frozen=True, slots=True)
class Mark:
    """A place in the file: 1-based line and column (columns count characters)."""

    line: int
    column: int


class MarkMap(Mapping[tuple[str | int, ...], Mark]):
    """Path -> Mark, made lazily from the parser's own 0-based marks (cheap on the hot path)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[tuple[str | int, ...], Any]) -> None:
        self._raw = raw  # values: anything with 0-based .line and .column

    def __getitem__(self, path: tuple[str | int, ...]) -> Mark:
        mark = self._raw[path]
        return Mark(mark.line + 1, mark.column + 1)

    def __iter__(self) -> Iterator[tuple[str | int, ...]]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"MarkMap({dict(self)!r})"

    def offsets(self) -> dict[tuple[str | int, ...], tuple[int, int]]:
        """Path -> the parser's 0-based (line, column): plain data, cheap to send elsewhere."""
        return {path: (mark.line, mark.column) for path, mark in self._raw.items()}


def longest_mark(marks: Mapping[tuple[str | int, ...], Mark], loc: tuple[str | int, ...]) -> Mark:
    """The mark of the longest prefix of `loc` that has one; `()` (the record) at least."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in marks:
            return marks[loc[:end]]
    return marks[()]


@dataclass
class RawRecord:
    """One item of a section list, every scalar a str (or None), with where each value is."""

    section: str
    index: int
    data: dict[str, Any]
    #: Path inside the record -> where it starts: `()` is the record itself; a mapping key's
    #: path maps to the mark of the key; a list item's path to the mark of the item.
    marks: Mapping[tuple[str | int, ...], Mark] = field(repr=False)

    def mark_for(self, loc: tuple[str | int, ...]) -> Mark:
        """The mark of the longest prefix of `loc` that has one (e.g. a Pydantic error loc)."""
        return longest_mark(self.marks, loc)

    @property
    def where(self) -> str:
        """`statements[3]`: how problems name this record."""
        return f"{self.section}[{self.index}]"


def render_path(prefix: str, path: Iterable[str | int]) -> str:
    """`statements[3]` + ("about", "countries", 1) -> `statements[3].about.countries[1]`."""
    out = prefix
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out
