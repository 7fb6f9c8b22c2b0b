"""One rows type for every read command, and its renderers: the Rich table, and the
writer of every other format of `core.formats.Format` (CSV, JSON, NDJSON).

A `Table` is a list of columns and an iterable of row mappings keyed by `Column.key` (the
JSON key, a contract: docs/queries.md). The CSV, JSON and NDJSON writers take a text
stream and consume the rows one at a time, so a result of any size is written without
being held in memory; only the Rich table (for people) collects its rows to size them.

Values: `None` is empty (JSON null); lists stay lists in JSON and become `; `-joined text in
CSV; dates become ISO text; booleans are JSON booleans and `true`/`false` in CSV.

Rich is imported only inside the table renderer, so building a `Table` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from alliancekb.core.formats import Format, Row, text_value, write_csv
from alliancekb.present.escape import visible
from alliancekb.present.layout import (
    ColumnSpec,
    Cut,
    Fit,
    Form,
    Kind,
    Shrink,
    cell_lines,
    fit,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text


@dataclass(frozen=True)
class Column:
    """One column: its JSON/CSV key, its table header, and how the table shows it."""

    key: str
    header: str | None = None
    style: str | None = None
    #: How the table may break its values across lines (present/layout.py): free text
    #: wraps at spaces; a word (vocabulary, key, date, code) is never split; a name stays
    #: on one line (up to 24 characters); a list of words or names wraps between its items.
    kind: Kind = Kind.TEXT
    #: A text column's readable width: narrower columns are shrunk first (see
    #: `Table.shrink`); words and lists need no minimum, their longest value is one.
    min_width: int | None = None
    #: A text column shows at most this many lines per cell, the last ending with "…".
    clip: int | None = None
    #: Shown in the Rich table; False keeps detail that would crowd a terminal to CSV/JSON.
    table: bool = True
    #: Written to CSV/JSON; False for a table-only convenience column (e.g. text combined
    #: from other keys for people).
    data: bool = True

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key.replace("_", " ")

    def spec(self) -> ColumnSpec:
        return ColumnSpec(self.key, self.title, self.kind, self.min_width, self.clip)


@dataclass
class Table:
    """Rows to show: columns, an iterable of row mappings, an optional title and caption."""

    columns: Sequence[Column]
    rows: Iterable[Row]
    title: str | None = None
    #: A note under the table (e.g. which statuses are hidden); not part of CSV/JSON.
    caption: str | None = None
    #: A row's style in the Rich table (e.g. dim for a relation that is not in force).
    row_style: Callable[[Row], str | None] | None = field(default=None, repr=False)
    #: What a terminal too narrow for every column gives up first: each step counts a
    #: list or drops a column, least useful first; the caption names the steps taken.
    shrink: Sequence[Shrink] = ()
    #: Where the whole of a counted or dropped column is (ends the caption's note).
    elsewhere: str = "--format csv or json has every column"


# -- Rich ---------------------------------------------------------------------------------


def console_for(stream: IO[str] | None = None) -> Console:
    """A Rich console on `stream` (default stdout at call time).

    Rich itself decides colour: none when the stream is not a terminal or NO_COLOR is
    set, and the terminal's width when it is one. Piped output is plain text.
    """
    import sys

    from rich.console import Console

    return Console(file=stream if stream is not None else sys.stdout, highlight=False)


def cell_text(value: object) -> Text:
    """A value as the text of a table cell or card field: control characters escaped.

    Text objects, not str: data such as "[bold]" must not be read as Rich markup.
    """
    from rich.text import Text

    return Text(visible(text_value(value, ", ")))


def line_text(text: str, style: str = "") -> Text:
    """A title, caption or note on one line: control characters (newlines too) escaped."""
    from rich.text import Text

    return Text(visible(text, newlines=False), style=style)


def rich_table(table: Table, width: int) -> RenderableType:
    """The Rich renderable of a table `width` characters wide at most (rows collected: a
    table needs them all to size itself); the caption says what a narrow width left out."""
    from rich import box
    from rich.console import Group
    from rich.table import Table as RichTable

    shown = [c for c in table.columns if c.table]
    # Control characters escaped before the layout measures and wraps the text, so that
    # the widths are those of the text shown and no character is taken for a space.
    originals = list(table.rows)
    rows = [{c.key: _visible_value(row.get(c.key)) for c in shown} for row in originals]
    layout = fit([c.spec() for c in shown], rows, width, table.shrink)
    columns = [c for c in shown if c.key in layout.widths]
    out = RichTable(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        title_justify="left",
    )
    for column in columns:
        out.add_column(
            column.title,
            style=column.style,
            width=layout.widths[column.key],
            # every line is made to fit its column (present/layout.py); should Rich measure
            # a word wider (a wide character), it is cut with "…", never folded
            overflow="ellipsis",
        )
    cuts: dict[str, set[Cut]] = {}
    notes: dict[str, int] = {}  # a note's text -> its number: one note for equal values
    for original, row in zip(originals, rows, strict=True):
        style = table.row_style(original) if table.row_style is not None else None
        cells = []
        for column in columns:
            value, form = row.get(column.key), layout.forms[column.key]
            if form is Form.FOOTNOTE:
                note = "" if value in (None, "", []) else text_value(value, ", ")
                if note:
                    notes.setdefault(note, len(notes) + 1)
                cells.append(cell_text(f"[{notes[note]}]" if note else ""))
                continue
            text, cut = cell_lines(column.spec(), form, value, layout.widths[column.key])
            if cut:
                cuts.setdefault(column.key, set()).update(cut)
            cells.append(cell_text(text))
        out.add_row(*cells, style=style)
    footnotes = [cell_text(f"[{n}] {note}") for note, n in notes.items()]
    caption = table.caption or ""
    note = narrow_note(table, layout, cuts, width)
    if note:
        caption = f"{caption.rstrip('.')}. {note}" if caption else note
    # Above and under the table, not in it: the title, footnotes and caption wrap at the
    # terminal's width, never at a narrower table's.
    title = [line_text(table.title, "table.title")] if table.title else []
    return Group(*title, out, *footnotes, *([line_text(caption, "dim")] if caption else []))


def _visible_value(value: object) -> object:
    """A cell value with every control character in its text escaped (lists item by item)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list | tuple):
        return [_visible_value(v) for v in value]
    if isinstance(value, dict):
        return {visible(str(k)): _visible_value(v) for k, v in value.items()}
    return value


def narrow_note(table: Table, layout: Fit, cuts: Mapping[str, set[Cut]], width: int) -> str:
    """What the width left out: empty columns, counted lists, notes under the table,
    dropped columns, clipped and cut cells."""
    titles = {c.key: c.title for c in table.columns}
    keys = list(dict.fromkeys(s.key for s in layout.taken))  # each once, in its final form
    counted = [titles[k] for k in keys if layout.forms[k] is Form.COUNT]
    noted = [titles[k] for k in keys if layout.forms[k] is Form.FOOTNOTE]
    dropped = [titles[k] for k in keys if layout.forms[k] is Form.DROP]
    parts = []
    if layout.empty:
        parts.append(f"{', '.join(titles[k] for k in layout.empty)} empty, not shown")
    if counted:
        parts.append(f"{', '.join(counted)} as a count")
    if noted:
        parts.append(f"{', '.join(noted)} as numbered notes under the table")
    if dropped:
        parts.append(f"{', '.join(dropped)} not shown")
    parts += [
        f"{titles[c.key]} cut at {c.clip} line{'s' if c.clip != 1 else ''} (…)"
        for c in table.columns
        if Cut.LINES in cuts.get(c.key, set())
    ]
    wide = [titles[c.key] for c in table.columns if Cut.WIDTH in cuts.get(c.key, set())]
    if wide:
        parts.append(f"{', '.join(wide)}: values wider than the column cut (…)")
    if not parts:
        return ""
    return f"At {width} columns: {'; '.join(parts)} ({table.elsewhere})."


def render_table(table: Table, console: Console | None = None) -> None:
    """Print a table for people; says so when it has no rows."""
    console = console if console is not None else console_for()
    rows = iter(table.rows)
    first = next(rows, None)
    if first is None:
        if table.title:
            console.print(line_text(table.title, "bold"))
        console.print("(no rows)", markup=False)
        if table.caption:
            console.print(line_text(table.caption, "dim"))
        return
    table.rows = _chain(first, rows)
    console.print(rich_table(table, console.width))


def _chain(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rest


def emit(table: Table, fmt: Format | str, stream: IO[str] | None = None) -> int | None:
    """Write `table` in `fmt` to `stream` (default stdout), by the format's writer (streamed)
    or, for people, as the Rich table.

    Returns the number of rows written (None for the Rich table). CSV rows end in LF:
    this is output for a terminal or a pipe (`cut`, `grep '...$'`), never a file that
    `export` or `--out` writes, which keep RFC 4180's CRLF (docs/export.md).
    """
    import sys

    fmt = Format(fmt)
    if fmt.writer is None:
        render_table(table, console_for(stream))
        return None
    out = stream if stream is not None else sys.stdout
    keys = [c.key for c in data_columns(table.columns)]
    if fmt is Format.CSV:
        return write_csv(out, keys, table.rows, line_feed=True)
    return fmt.writer(out, keys, table.rows)


def data_columns(columns: Sequence[Column]) -> list[Column]:
    """The columns that CSV and JSON carry (the contract's keys)."""
    return [c for c in columns if c.data]
