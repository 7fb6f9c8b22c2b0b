"""The output formats, each declared once, and the reference CSV/JSON/NDJSON writers.

`Format` is the registry: each member declares a format's name, what help texts call it,
its file extension, whether it streams, its writer and its content type. Every face reads
the list from it: the read commands' `--format` (cli/options.py), `export --format` and the
extension of each file it writes (export/files.py), `present/output.emit`, and the API's
`Rows.to_text`/`Rows.to_file` (api.py). Adding a format is one member here (its writer may
live elsewhere and import what it needs when called).

The writers take a text stream, the keys to write and an iterable of row mappings, and
consume the rows one at a time, so a result of any size is written without being held in
memory. They are the reference: the fast paths (export/fast_csv.py) are tested equal to them.

Values: `None` is empty (JSON null); lists stay lists in JSON and become `; `-joined text in
CSV; dates become ISO text; booleans are JSON booleans and `true`/`false` in CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

Row = Mapping[str, Any]

#: How lists are joined in CSV (and in table cells when `list_separator` is not set).
CSV_LIST_SEPARATOR = "; "
#: What makes a spreadsheet read a cell as a formula (OWASP, CSV injection): Excel-safe CSV
#: prefixes such a cell with `'`, which spreadsheets show as text.
EXCEL_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Written first in Excel-safe CSV, so Excel reads the file as UTF-8, not the ANSI code page.
UTF8_BOM = "\ufeff"


def json_value(value: Any) -> Any:
    """A value as JSON can hold it: enums as their value, dates as ISO text, lists kept."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def text_value(value: Any, list_separator: str = CSV_LIST_SEPARATOR) -> str:
    """A value as one cell of text: lists joined, mappings as `key: value` items, booleans
    `true`/`false`, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return list_separator.join(text_value(v, list_separator) for v in value)
    if isinstance(value, dict):  # source -> value, as `conflicts` gives: one readable cell
        return list_separator.join(f"{k}: {text_value(v, ', ')}" for k, v in value.items())
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def excel_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: `'` before a formula-like start (OWASP)."""
    return "'" + text if text.startswith(EXCEL_FORMULA_STARTS) else text


def write_csv(
    stream: IO[str],
    keys: Sequence[str],
    rows: Iterable[Row],
    *,
    excel: bool = False,
    line_feed: bool = False,
) -> int:
    """Write RFC 4180 CSV (a header, then one line per row, CRLF); return the row count.

    `stream` must be opened with `newline=''` when it is a file. With `excel`, a UTF-8 BOM
    comes first and every cell is passed through `excel_cell`; without it every value is
    written exactly as stored. With `line_feed`, each row ends in LF instead of CRLF (for
    a terminal or a pipe, where `grep '...$'`, `cut` and `tail` expect LF); fields are
    quoted exactly as in RFC 4180 mode, so a CR or LF inside a value stays quoted.
    """
    target: IO[str] | _LineFeedRows = _LineFeedRows(stream) if line_feed else stream
    writer = csv.writer(target, lineterminator="\r\n")
    cell: Callable[[Any], str] = (lambda v: excel_cell(text_value(v))) if excel else text_value
    if excel:
        stream.write(UTF8_BOM)
    writer.writerow(keys)
    count = 0
    for row in rows:
        writer.writerow([cell(row.get(k)) for k in keys])
        count += 1
    return count


class _LineFeedRows:
    """A stream for `csv.writer` that ends each row in LF instead of CRLF.

    Not `lineterminator="\\n"`: the csv module then leaves a value holding a bare CR
    unquoted, which no reader reads back. The writer writes one row per call, so only the
    row's own terminator is replaced, never a line break quoted inside a value.
    """

    __slots__ = ("stream",)

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        if text.endswith("\r\n"):
            text = text[:-2] + "\n"
        return self.stream.write(text)


def json_object(keys: Sequence[str], row: Row) -> str:
    """One row as a JSON object with `keys`, in that order (non-ASCII kept)."""
    return json.dumps({k: json_value(row.get(k)) for k in keys}, ensure_ascii=False)


def write_json(stream: IO[str], keys: Sequence[str], rows: Iterable[Row]) -> int:
    """Write a JSON list of objects with `keys`, row by row; return the row count."""
    count = 0
    stream.write("[")
    for row in rows:
        stream.write(",\n" if count else "\n")
        stream.write(json_object(keys, row))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def write_ndjson(stream: IO[str], keys: Sequence[str], rows: Iterable[Row]) -> int:
    """Write one JSON object per line; return the row count."""
    count = 0
    for row in rows:
        stream.write(json_object(keys, row))
        stream.write("\n")
        count += 1
    return count


if TYPE_CHECKING:
    #: A writer of rows: (text stream, keys, rows) -> the number of rows written.
    RowWriter = Callable[[IO[str], Sequence[str], Iterable[Row]], int]


class FormatSpec:
    """What every face needs to know of one output format.

    - `title`: its name in help texts ("CSV");
    - `description`: what `export --format`'s help (and the read commands', for the
      table) says it is ("CSV (RFC 4180, UTF-8)");
    - `content_type`: its media type (for a web face, and a file's type);
    - `writer`: the rows' writer; None for the Rich table, which present/output.py renders
      for people;
    - `extension`: a file's extension; None when the format is not written to files;
    - `streams`: rows written as they come, so an answer of any size is never held in
      memory (the Rich table collects its rows to size its columns).

    A plain class, not a dataclass: every command's start-up defines it, and making a
    dataclass costs ~0.5 ms (measured).
    """

    __slots__ = ("content_type", "description", "extension", "streams", "title", "writer")

    def __init__(
        self,
        *,
        title: str,
        description: str,
        content_type: str,
        writer: RowWriter | None = None,
        extension: str | None = None,
        streams: bool = True,
    ) -> None:
        self.title = title
        self.description = description
        self.content_type = content_type
        self.writer = writer
        self.extension = extension
        self.streams = streams


class Format(StrEnum):
    """The output formats: the one registry every face reads (see the module).

    Each member is `NAME = "name", FormatSpec(...)`; it compares equal to its name.
    """

    spec: FormatSpec

    # Runs once per member as the class is made; `Format("csv")` afterwards is the Enum's
    # lookup by value (the optional `spec` lets type checkers see that call).
    def __new__(cls, name: str, spec: FormatSpec | None = None) -> Format:
        if spec is None:
            raise TypeError(f"the format {name!r} is declared without its FormatSpec")
        member = str.__new__(cls, name)
        member._value_ = name
        member.spec = spec
        return member

    TABLE = (
        "table",
        FormatSpec(
            title="table",
            description="a table for people",
            content_type="text/plain; charset=utf-8",
            streams=False,
        ),
    )
    CSV = (
        "csv",
        FormatSpec(
            title="CSV",
            description="CSV (RFC 4180, UTF-8)",
            content_type="text/csv; charset=utf-8",
            writer=write_csv,
            extension=".csv",
        ),
    )
    JSON = (
        "json",
        FormatSpec(
            title="JSON",
            description="a JSON list of objects",
            content_type="application/json",
            writer=write_json,
            extension=".json",
        ),
    )
    NDJSON = (
        "ndjson",
        FormatSpec(
            title="NDJSON",
            description="NDJSON",
            content_type="application/x-ndjson",
            writer=write_ndjson,
            extension=".ndjson",
        ),
    )

    @property
    def writer(self) -> RowWriter | None:
        return self.spec.writer

    @property
    def for_people(self) -> bool:
        """Rendered for a person (present/output.py), not written by a row writer."""
        return self.spec.writer is None

    @property
    def streams(self) -> bool:
        return self.spec.streams

    @property
    def extension(self) -> str | None:
        return self.spec.extension

    @property
    def content_type(self) -> str:
        return self.spec.content_type


def read_formats() -> tuple[Format, ...]:
    """The formats of every read command (`--format`), in declaration order."""
    return tuple(Format)


def file_formats() -> tuple[Format, ...]:
    """The formats written to files (`export`, the API's `to_file`): those with a writer
    and an extension."""
    return tuple(f for f in Format if f.writer is not None and f.extension is not None)


def format_of_path(path: str | PurePath) -> Format | None:
    """The file format a path's extension names (case aside); None when none does."""
    suffix = PurePath(path).suffix.lower()
    return next((f for f in file_formats() if f.extension == suffix), None)


#: Each streamed format's reference writer (the fast paths are tested equal to them).
WRITERS: dict[Format, RowWriter] = {f: f.writer for f in Format if f.writer is not None}
