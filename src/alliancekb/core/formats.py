"""Output formats and the reference CSV/JSON/NDJSON writers over plain row mappings.

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
from typing import IO, Any

Row = Mapping[str, Any]

#: How lists are joined in CSV (and in table cells when `list_separator` is not set).
CSV_LIST_SEPARATOR = "; "
#: What makes a spreadsheet read a cell as a formula (OWASP, CSV injection): Excel-safe CSV
#: prefixes such a cell with `'`, which spreadsheets show as text.
EXCEL_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Written first in Excel-safe CSV, so Excel reads the file as UTF-8, not the ANSI code page.
UTF8_BOM = "\ufeff"


class Format(StrEnum):
    """The output formats every read command offers."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    NDJSON = "ndjson"


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
    stream: IO[str], keys: Sequence[str], rows: Iterable[Row], *, excel: bool = False
) -> int:
    """Write RFC 4180 CSV (a header, then one line per row, CRLF); return the row count.

    `stream` must be opened with `newline=''` when it is a file. With `excel`, a UTF-8 BOM
    comes first and every cell is passed through `excel_cell`; without it every value is
    written exactly as stored.
    """
    writer = csv.writer(stream, lineterminator="\r\n")
    cell: Callable[[Any], str] = (lambda v: excel_cell(text_value(v))) if excel else text_value
    if excel:
        stream.write(UTF8_BOM)
    writer.writerow(keys)
    count = 0
    for row in rows:
        writer.writerow([cell(row.get(k)) for k in keys])
        count += 1
    return count


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


WRITERS: dict[Format, Callable[[IO[str], Sequence[str], Iterable[Row]], int]] = {
    Format.CSV: write_csv,
    Format.JSON: write_json,
    Format.NDJSON: write_ndjson,
}
