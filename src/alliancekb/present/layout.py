"""Fitting a table to a terminal's width, without splitting a word or losing a character
unmarked.

Pure text arithmetic (no Rich): `fit` decides, for the rows to show and a width, which
columns are shown, in which form (whole, a list as its count, a note under the table, or
dropped), how wide each is, and what the caption must say about what was left out;
`cell_lines` gives a cell's lines, none wider than its column.

The rules (issues 16 and 32):

- Nothing is split inside a word, a key or a name's word, ever. A vocabulary value, a key,
  a date or a code (`Kind.WORD`) stays on one line: its column is at least as wide as its
  longest value. A list of them (`Kind.WORDS`) wraps between its items. A name
  (`Kind.NAME`) stays on one line up to `LONG_NAME` characters (a longer one wraps at its
  spaces); a list of names (`Kind.NAMES`) wraps between items, and inside an item longer
  than `LONG_NAME` only at its spaces. Free text (`Kind.TEXT`) wraps at spaces.
- When the columns' minimum widths do not fit, a column with no value in any shown row
  goes first; then the table's own shrink order (each step a column and `count`,
  `footnote` or `drop`, least useful first) is applied one step at a time until they fit.
  Each step taken is named in the caption.
- A text column may be clipped to a number of lines; a clipped cell ends with "…".
- A value wider than its column (a word of free text longer than `LONG_WORD`, or any
  value once every step is taken on a very narrow terminal and the columns are squeezed
  below their minimum) is cut with "…", never folded; the caption names its column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from alliancekb.core.formats import text_value

#: Characters between two columns (Rich's SIMPLE_HEAD box with collapsed padding).
GAP = 2
#: A text column's width when the table does not say (a readable measure, not a minimum
#: for columns whose whole content is narrower).
TEXT_MIN = 12
#: Free text keeps a word whole up to this long (a longer one is cut with "…" when its
#: column is narrower).
LONG_WORD = 20
#: A name up to this long is never wrapped ("United Kingdom", "AUKUS Pillar 2").
LONG_NAME = 24
#: The end of a clipped or cut cell.
ELLIPSIS = "…"


class Kind(StrEnum):
    """How a column's values may be broken across lines."""

    TEXT = "text"  # free text: wraps at spaces
    WORD = "word"  # one value never split (vocabulary, key, date, code, number)
    WORDS = "words"  # a list of such values: wraps between items
    NAME = "name"  # one name: on one line up to LONG_NAME, a longer one wraps at spaces
    NAMES = "names"  # a list of names: wraps between items, inside a long one at spaces


class Form(StrEnum):
    """How a column is shown in a narrower table."""

    WHOLE = "whole"
    COUNT = "count"  # a list as its number of items
    FOOTNOTE = "footnote"  # a marker such as [2] in the cell, the text under the table
    DROP = "drop"


class Cut(StrEnum):
    """How a cell lost characters (each marked with "…" and named in the caption)."""

    LINES = "lines"  # clipped to its column's number of lines
    WIDTH = "width"  # a word or value wider than its column


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Shrink(NamedTuple):
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
    #: Steps taken (in order), for the caption: empty columns dropped, then the shrink order's.
    taken: list[Shrink] = field(default_factory=list)
    #: The columns dropped because no shown row has a value in them.
    empty: list[str] = field(default_factory=list)


def items_of(value: Any) -> list[str]:
    """A cell value as the list of items a list column shows."""
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        return [f"{k}: {text_value(v, ', ')}" for k, v in value.items()]
    if isinstance(value, list | tuple):
        return [text_value(v, ", ") for v in value]
    return [text_value(value, ", ")]


def is_empty(values: Sequence[Any]) -> bool:
    """True when no value shows anything (None, "", an empty list or mapping)."""
    return not any(items_of(v) for v in values)


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _longest_line(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=0)


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class ColumnSpec(NamedTuple):
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
    word = max((_longest_word(text_value(v, " ")) for v in values), default=0)
    if spec.kind in (Kind.NAME, Kind.NAMES):
        # a name up to LONG_NAME on one line; a longer one wraps at its spaces (a key
        # among names, one long word, stays whole)
        longest = max((_item_width(i, v) for v in values for i in items_of(v)), default=0)
        return max(header, word, min(longest, LONG_NAME))
    floor = spec.min_width if spec.min_width is not None else TEXT_MIN
    # a word of free text longer than this is cut (a column as wide as a key keeps it)
    word = min(word, max(LONG_WORD, floor))
    natural = _natural(spec, form, values)
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

    def minimum_total() -> int:
        columns = [s for s in specs if forms[s.key] is not Form.DROP]
        total = sum(_minimum(s, forms[s.key], values[s.key]) for s in columns)
        return total + GAP * max(len(columns) - 1, 0)

    taken: list[Shrink] = []
    empty: list[str] = []
    # An empty column tells nothing a narrow table needs: it goes before any other.
    for key in _empty_first(specs, values, shrink):
        if minimum_total() <= width:
            break
        forms[key] = Form.DROP
        empty.append(key)
    for step in shrink:
        if minimum_total() <= width:
            break
        if step.key in by_key and forms[step.key] is not Form.DROP:
            forms[step.key] = step.form
            taken.append(step)
    columns = [s for s in specs if forms[s.key] is not Form.DROP]
    widths = _widths(columns, forms, values, width)
    return Fit([s.key for s in columns], forms, widths, taken, empty)


def _empty_first(
    specs: Sequence[ColumnSpec], values: Mapping[str, Sequence[Any]], shrink: Sequence[Shrink]
) -> list[str]:
    """The empty columns, in the order they go: as the shrink order names them, then the
    others from the right."""
    empty = [s.key for s in specs if is_empty(values[s.key])]
    named = list(dict.fromkeys(s.key for s in shrink if s.key in empty))
    return named + [k for k in reversed(empty) if k not in named]


def _widths(
    columns: Sequence[ColumnSpec],
    forms: Mapping[str, Form],
    values: Mapping[str, Sequence[Any]],
    width: int,
) -> dict[str, int]:
    """Each shown column's width (below their minimums only when nothing else fits)."""
    mins = {s.key: _minimum(s, forms[s.key], values[s.key]) for s in columns}
    naturals = {s.key: max(_natural(s, forms[s.key], values[s.key]), mins[s.key]) for s in columns}
    room = width - GAP * max(len(columns) - 1, 0)
    widths = dict(mins)
    if sum(mins.values()) <= room:
        # a word of free text longer than LONG_WORD (a key in a note) whole when there is room
        for s in sorted(columns, key=lambda s: _longest_text_word(s, forms, values)):
            want = min(_longest_text_word(s, forms, values), naturals[s.key]) - widths[s.key]
            if 0 < want <= room - sum(widths.values()):
                widths[s.key] += want
        _widen(widths, naturals, room - sum(widths.values()))
        return widths
    # free text below its readable width, then a long name: both wrap at spaces
    floors = {s.key: _hard_minimum(s, forms[s.key], values[s.key]) for s in columns}
    _squeeze(widths, room, floors)
    if sum(widths.values()) > room:
        # still too wide: a word of text or of a name is cut with "…"; a key or value last
        wraps = {s.key for s in columns if s.kind not in (Kind.WORD, Kind.WORDS)}
        _squeeze(widths, room, {k: min(8, widths[k]) if k in wraps else widths[k] for k in widths})
        _squeeze(widths, room, {k: 1 for k in widths})
    return widths


def _longest_text_word(
    spec: ColumnSpec, forms: Mapping[str, Form], values: Mapping[str, Sequence[Any]]
) -> int:
    if spec.kind is not Kind.TEXT or forms[spec.key] is not Form.WHOLE:
        return 0
    return max((_longest_word(text_value(v, " ")) for v in values[spec.key]), default=0)


def _hard_minimum(spec: ColumnSpec, form: Form, values: Sequence[Any]) -> int:
    """The narrowest a column gets without cutting a word: free text at its longest word
    (up to LONG_WORD), a name at its longest word (it wraps at spaces); other kinds at
    their minimum."""
    if spec.kind in (Kind.WORD, Kind.WORDS) or form is not Form.WHOLE:
        return _minimum(spec, form, values)
    word = max((_longest_word(text_value(v, " ")) for v in values), default=0)
    if spec.kind is Kind.TEXT:
        word = min(word, LONG_WORD)
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


def cut_line(line: str, width: int) -> tuple[str, bool]:
    """A line of at most `width` characters: a longer one cut, ending with "…"."""
    if len(line) <= width:
        return line, False
    return line[: max(width - len(ELLIPSIS), 0)].rstrip() + ELLIPSIS, True


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


def _name_lines(items: Sequence[str], width: int) -> list[str]:
    """A list of names wrapped between items; an item wider than the line at its spaces."""
    lines: list[str] = []
    for line in wrap_words(items, width, ", "):
        lines += wrap_text(line, width) if len(line) > width else [line]
    return lines


def _lines(spec: ColumnSpec, value: Any, width: int) -> list[str]:
    if spec.kind is Kind.WORDS:
        return wrap_words(items_of(value), width, ", ")
    if spec.kind is Kind.NAMES:
        return _name_lines(items_of(value), width)
    text = text_value(value, ", ")
    if spec.kind is Kind.WORD:
        return text.split("\n")
    if spec.kind is Kind.NAME and len(text) <= width:
        return [text]
    return wrap_text(text, width)


def cell_lines(spec: ColumnSpec, form: Form, value: Any, width: int) -> tuple[str, set[Cut]]:
    """A cell's text for the table (lines joined by newlines, none wider than `width`) and
    how it lost characters, if it did."""
    if form is Form.COUNT:
        items = items_of(value)
        return (str(len(items)) if items else ""), set()
    cuts: set[Cut] = set()
    lines = _lines(spec, value, width)
    if spec.clip is not None and spec.kind is Kind.TEXT:
        lines, clipped = clip_lines(lines, spec.clip, width)
        if clipped:
            cuts.add(Cut.LINES)
    shown = []
    for line in lines:
        text, cut = cut_line(line, width)
        if cut:
            cuts.add(Cut.WIDTH)
        shown.append(text)
    return "\n".join(shown), cuts
