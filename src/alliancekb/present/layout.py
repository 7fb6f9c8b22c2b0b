"""Fitting a table to a terminal's width, without losing a character unmarked.

Pure text arithmetic (no Rich): `fit` decides, for the rows to show and a width, which
columns are shown, in which form (whole, or a list as its count), how wide each is, and
what the caption must say about what was left out; `cell_lines` gives a cell's lines.

The rules (issue 16):

- A vocabulary value, a key, a date or a code (`Kind.WORD`) is never split: its column is
  at least as wide as its longest value. A list of them (`Kind.WORDS`) wraps between its
  items, never inside one; a list of names (`Kind.NAMES`) wraps between items, and inside
  an item only at its spaces. Free text (`Kind.TEXT`) wraps at spaces.
- When the columns' minimum widths do not fit, the table's own shrink order (each step a
  column and `count`, `footnote` or `drop`, least useful first) is applied one step at a time until
  they do; each step taken is named in the caption.
- A text column may be clipped to a number of lines; a clipped cell ends with "…".
- Only when every step is taken and the table still does not fit (a very narrow terminal)
  are the widest columns squeezed below their minimum (a long word then folds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from alliancekb.core.formats import text_value

#: Characters between two columns (Rich's SIMPLE_HEAD box with collapsed padding).
GAP = 2
#: A text column's width when the table does not say (a readable measure, not a minimum
#: for columns whose whole content is narrower).
TEXT_MIN = 12
#: Free text keeps a word whole up to this long (a longer one may fold).
LONG_WORD = 20
#: The end of a clipped cell.
ELLIPSIS = "…"


class Kind(StrEnum):
    """How a column's values may be broken across lines."""

    TEXT = "text"  # free text: wraps at spaces
    WORD = "word"  # one value never split (vocabulary, key, date, code, number)
    WORDS = "words"  # a list of such values: wraps between items
    NAMES = "names"  # a list of names: wraps between items, inside one only at spaces


class Form(StrEnum):
    """How a column is shown in a narrower table."""

    WHOLE = "whole"
    COUNT = "count"  # a list as its number of items
    FOOTNOTE = "footnote"  # a marker such as [2] in the cell, the text under the table
    DROP = "drop"


@dataclass(frozen=True)
class Shrink:
    """One step of a table's shrink order: show `key` as `form` (count or drop)."""

    key: str
    form: Form


@dataclass
class Fit:
    """The layout of a table at one width."""

    #: The shown columns' keys, their forms and widths, in the table's order.
    keys: list[str]
    forms: dict[str, Form]
    widths: dict[str, int]
    #: Steps of the shrink order taken (in order), for the caption.
    taken: list[Shrink] = field(default_factory=list)
    #: True when even the narrowest layout had to squeeze columns below their minimum.
    squeezed: bool = False


def items_of(value: Any) -> list[str]:
    """A cell value as the list of items a list column shows."""
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        return [f"{k}: {text_value(v, ', ')}" for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [text_value(v, ", ") for v in value]
    return [text_value(value, ", ")]


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _longest_line(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=0)


@dataclass(frozen=True)
class ColumnSpec:
    """What the layout needs of a column (`output.Column` gives it)."""

    key: str
    title: str
    kind: Kind
    min_width: int | None = None
    clip: int | None = None


def _minimum(spec: ColumnSpec, form: Form, values: Sequence[Any]) -> int:
    header = _longest_word(spec.title)
    if form is Form.FOOTNOTE:
        return max(header, len(f"[{len(values)}]"))
    if form is Form.COUNT:
        return max(header, *(len(str(len(items_of(v)))) for v in values), 1)
    if spec.kind is Kind.WORD:
        return max(header, *(_longest_line(text_value(v, ", ")) for v in values), 1)
    if spec.kind is Kind.WORDS:
        # an item and the comma after it
        return max(header, *(_item_width(i, v) for v in values for i in items_of(v)), 1)
    natural = _natural(spec, form, values)
    floor = spec.min_width if spec.min_width is not None else TEXT_MIN
    # a word of free text or of a name longer than this folds
    word = min(max((_longest_word(text_value(v, " ")) for v in values), default=0), LONG_WORD)
    if spec.kind is Kind.NAMES:
        # a name wider than this wraps at its spaces
        longest = max((_item_width(i, v) for v in values for i in items_of(v)), default=0)
        return max(header, word, min(longest, max(floor, 16)))
    return max(header, word, min(natural, floor))


def _item_width(item: str, value: Any) -> int:
    """An item of a list cell with the comma that follows it when it is not alone."""
    return len(item) + (1 if len(items_of(value)) > 1 else 0)


def _natural(spec: ColumnSpec, form: Form, values: Sequence[Any]) -> int:
    """The width of the column with every cell on one line."""
    if form in (Form.COUNT, Form.FOOTNOTE):
        return _minimum(spec, form, values)
    widths = [len(spec.title)]
    for value in values:
        if spec.kind in (Kind.WORDS, Kind.NAMES):
            widths.append(len(", ".join(items_of(value))))
        else:
            widths.append(_longest_line(text_value(value, ", ")))
    return max(widths)


def fit(
    specs: Sequence[ColumnSpec],
    rows: Sequence[Mapping[str, Any]],
    width: int,
    shrink: Sequence[Shrink] = (),
) -> Fit:
    """Which columns, in which form and width, fit `width` characters."""
    values = {s.key: [row.get(s.key) for row in rows] for s in specs}
    forms = {s.key: Form.WHOLE for s in specs}
    by_key = {s.key: s for s in specs}

    def shown() -> list[ColumnSpec]:
        return [s for s in specs if forms[s.key] is not Form.DROP]

    def minimum_total() -> int:
        columns = shown()
        total = sum(_minimum(s, forms[s.key], values[s.key]) for s in columns)
        return total + GAP * max(len(columns) - 1, 0)

    taken: list[Shrink] = []
    for step in shrink:
        if minimum_total() <= width:
            break
        if step.key in by_key and forms[step.key] is not Form.DROP:
            forms[step.key] = step.form
            taken.append(step)
    columns = shown()
    mins = {s.key: _minimum(s, forms[s.key], values[s.key]) for s in columns}
    naturals = {s.key: max(_natural(s, forms[s.key], values[s.key]), mins[s.key]) for s in columns}
    room = width - GAP * max(len(columns) - 1, 0)
    widths = dict(mins)
    squeezed = False
    if sum(mins.values()) > room:
        # first free text below its readable width (it wraps at spaces), then anything
        floors = {s.key: _hard_minimum(s, forms[s.key], values[s.key]) for s in columns}
        _squeeze(widths, room, floors)
        squeezed = sum(widths.values()) > room
        if squeezed:  # then a long word of free text folds; a key or a value last of all
            text = {s.key for s in columns if s.kind is Kind.TEXT and forms[s.key] is Form.WHOLE}
            _squeeze(widths, room, {k: 8 if k in text else widths[k] for k in widths})
            _squeeze(widths, room, {k: 1 for k in widths})
    else:
        _widen(widths, naturals, room - sum(mins.values()))
    return Fit([s.key for s in columns], forms, widths, taken, squeezed)


def _hard_minimum(spec: ColumnSpec, form: Form, values: Sequence[Any]) -> int:
    """The narrowest a column gets without splitting a word: free text at its longest
    word (up to LONG_WORD); other kinds at their minimum."""
    if spec.kind is not Kind.TEXT or form is not Form.WHOLE:
        return _minimum(spec, form, values)
    word = min(max((_longest_word(text_value(v, " ")) for v in values), default=0), LONG_WORD)
    return max(_longest_word(spec.title), word, 1)


def _widen(widths: dict[str, int], naturals: Mapping[str, int], extra: int) -> None:
    """Share `extra` among the columns that want more, in proportion to what they want."""
    wants = {k: naturals[k] - widths[k] for k in widths if naturals[k] > widths[k]}
    total = sum(wants.values())
    if total <= extra:
        for key, want in wants.items():
            widths[key] += want
        return
    given = 0
    for key, want in wants.items():
        share = want * extra // total
        widths[key] += share
        given += share
    # the remainder, one character each, to the columns that want the most
    for key in sorted(wants, key=lambda k: naturals[k] - widths[k], reverse=True):
        if given >= extra:
            break
        if widths[key] < naturals[key]:
            widths[key] += 1
            given += 1


def _squeeze(widths: dict[str, int], room: int, floors: Mapping[str, int]) -> None:
    """Narrow the widest columns above their floor, one character at a time, toward `room`."""
    while sum(widths.values()) > room:
        above = [k for k in widths if widths[k] > floors[k]]
        if not above:
            return
        widest = max(above, key=lambda k: widths[k] - floors[k])
        widths[widest] -= 1


def wrap_words(words: Sequence[str], width: int, separator: str = " ") -> list[str]:
    """Greedy lines of at most `width` (a word wider than the line stands alone)."""
    lines: list[str] = []
    line = ""
    last = len(words) - 1
    for i, word in enumerate(words):
        # the separator's mark (`,`) ends a line that is followed by another
        mark = len(separator.rstrip()) if i < last else 0
        if not line:
            line = word
        elif len(line) + len(separator) + len(word) + mark <= width:
            line += separator + word
        else:
            lines.append(line + separator.rstrip())
            line = word
    if line:
        lines.append(line)
    return lines


def wrap_text(text: str, width: int) -> list[str]:
    """Free text as lines of at most `width`, broken at spaces (each paragraph kept)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        # spaces only: any other character, whitespace or not, is kept as it is
        out += wrap_words([w for w in paragraph.split(" ") if w], width) or [""]
    return out


def clip_lines(lines: list[str], most: int, width: int) -> tuple[list[str], bool]:
    """At most `most` lines, the last ending with "…" when any were cut."""
    if len(lines) <= most:
        return lines, False
    kept = lines[:most]
    last = kept[-1]
    if len(last) + len(ELLIPSIS) > width:
        last = last[: max(width - len(ELLIPSIS), 0)].rstrip()
    kept[-1] = last + ELLIPSIS
    return kept, True


def cell_lines(spec: ColumnSpec, form: Form, value: Any, width: int) -> tuple[str, bool]:
    """A cell's text for the table (lines joined by newlines) and whether it was clipped."""
    if form is Form.COUNT:
        items = items_of(value)
        return (str(len(items)) if items else ""), False
    if spec.kind in (Kind.WORDS, Kind.NAMES):
        # a line holding one name wider than the column is wrapped by the renderer, at
        # the name's spaces
        return "\n".join(wrap_words(items_of(value), width, ", ")), False
    text = text_value(value, ", ")
    if spec.kind is Kind.WORD or spec.clip is None:
        return text, False
    lines, clipped = clip_lines(wrap_text(text, width), spec.clip, width)
    return "\n".join(lines), clipped
