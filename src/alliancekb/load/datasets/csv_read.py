"""Reading a dataset's CSV file as a stream of load records (a `RecordStream` of the loader).

The file is read as published: a header row naming the columns (extra columns are
ignored; a missing one, or one named twice, is a problem at line 1), then one row per
record, each with as many fields as the header (a short or long row is a problem at its
line, as is a field past the CSV reader's limit of 131072 characters). Each row is
converted by the dataset's reader into load-format records (a source, countries,
alliances, memberships), each validated by the load schema; every problem is reported at
`file:LINE:COLUMN` (the column is the field's position in the row, 1-based, and the message
names it), and a row with a problem gives no record. The file's bytes are hashed for the
load history as they are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from alliancekb.core.errors import Problem, RuntimeFailure
from alliancekb.core.paths import display_name
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.yaml_reader import Mark

Loc = tuple[str | int, ...]


class CsvRecord(ReadRecord):
    """A load record made from a CSV row: problems name the row and its dataset key."""

    __slots__ = ("_where",)

    def __init__(
        self, section: str, where: str, marks: dict[Loc, Mark], model: BaseModel | None
    ) -> None:
        super().__init__(section, 0, marks, model)
        self._where = where

    @property
    def where(self) -> str:
        return self._where


class Row:
    """One CSV row: its fields by column name, and where each is."""

    __slots__ = ("columns", "fields", "file", "line", "ok", "problems")

    def __init__(
        self, file: str, line: int, fields: dict[str, str], columns: dict[str, int],
        problems: list[Problem],
    ) -> None:  # fmt: skip
        self.file = file
        self.line = line
        self.fields = fields
        self.columns = columns
        self.problems = problems
        self.ok = True

    def __getitem__(self, column: str) -> str:
        return self.fields[column].strip()

    def mark(self, column: str | None) -> Mark:
        return Mark(self.line, self.columns[column] if column else 1)

    def problem(self, column: str | None, message: str) -> None:
        where = f"row {self.line}" + (f", {column}" if column else "")
        self.problems.append(
            Problem(self.file, self.line, self.mark(column).column, where, message)
        )
        self.ok = False

    def number(self, column: str, *, blank: int | None = None, lo: int = 0, hi: int = 9999) -> int:
        """A whole number in [lo, hi]; a blank field is `blank` (a problem if None)."""
        text = self[column]
        if not text and blank is not None:
            return blank
        try:
            value = int(text)
        except ValueError:
            self.problem(column, f"{column} {text!r} is not a whole number")
            return 0
        if not lo <= value <= hi:
            self.problem(column, f"{column} {value} is out of range ({lo} to {hi})")
        return value

    def flag(self, column: str) -> bool:
        """A 0/1 flag (blank: 0)."""
        return self.number(column, blank=0, lo=0, hi=1) == 1

    def date(
        self, year: str, month: str, day: str, *, absent_year: int | None = None
    ) -> str | None:
        """An EDTF date from year, month and day columns: a blank or 0 day or month is a less
        precise date (`1955-05`, `1955`), never the 1st; `absent_year` (e.g. 0) or a blank
        year means no date (None)."""
        y = self.number(year, blank=absent_year if absent_year is not None else None, lo=0)
        if absent_year is not None and y == absent_year:
            return None
        if not 1000 <= y <= 9999:
            self.problem(year, f"{year} {y} is not a year")
            return None
        m = self.number(month, blank=0, lo=0, hi=12)
        d = self.number(day, blank=0, lo=0, hi=31)
        if m == 0:
            if d:
                self.problem(day, f"{day} {d} is given without a month")
            return f"{y:04d}"
        if d == 0:
            return f"{y:04d}-{m:02d}"
        try:
            return dt.date(y, m, d).isoformat()
        except ValueError:
            self.problem(day, f"{y:04d}-{m:02d}-{d:02d} is not a date")
            return None

    def record(
        self, section: str, model: type[BaseModel], data: dict[str, Any], where: str,
        columns: dict[str, str],
    ) -> CsvRecord | None:  # fmt: skip
        """Validate one record made from this row; its problems at the columns it came from
        (`columns`: record field -> CSV column)."""
        marks: dict[Loc, Mark] = {(): self.mark(None)}
        for name, source in columns.items():
            marks[(name,)] = self.mark(source)
        try:
            validated = model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                self.problem(columns.get(field.rstrip("_")), f"{field or where}: {error['msg']}")
            return None
        return CsvRecord(section, where, marks, validated)


#: Turns one row into records (appending its problems through `row.problem`).
Convert = Callable[[Row], Iterable[ReadRecord]]


class CsvRead:
    """A `RecordStream` over one CSV file, its rows converted by `convert`."""

    def __init__(
        self, path: Path, problems: list[Problem], required: tuple[str, ...], convert: Convert,
        max_bytes: int, finish: Callable[[], Iterable[ReadRecord]] | None = None,
    ) -> None:  # fmt: skip
        self.path = path
        self.name = display_name(path)
        self.problems = problems
        self.required = required
        self.convert = convert
        #: What the converter still holds after the last row (a spell merged over rows).
        self.finish = finish
        self.max_bytes = max_bytes
        self.bytes_read = 0
        self.size = 0
        self.sha256 = ""
        self.in_child = False
        self.reader_problems: list[Problem] = []

    def _lines(self, data: bytes) -> Iterator[str]:
        for number, raw in enumerate(data.splitlines(keepends=True), start=1):
            self.bytes_read += len(raw)
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                self.reader_problems.append(
                    Problem(self.name, number, 1, f"line {number}", f"not UTF-8 text: {exc.reason}")
                )
                yield raw.decode("utf-8", errors="replace")

    def records(self) -> Iterator[ReadRecord]:
        try:
            size = self.path.stat().st_size
            if size > self.max_bytes:
                raise RuntimeFailure(
                    f"{self.name} is {size} bytes, more than the limit of {self.max_bytes}"
                )
            data = self.path.read_bytes()
        except OSError as exc:
            raise RuntimeFailure(f"cannot read {self.name}: {exc.strerror or exc}") from None
        self.size, self.sha256 = len(data), hashlib.sha256(data).hexdigest()
        reader = csv.reader(self._lines(data))
        try:
            yield from self._rows(reader)
        except csv.Error as exc:  # a field past the reader's limit, a stray quote
            line = max(reader.line_num, 1)
            message = str(exc)
            if "field limit" in message:
                message = f"a field is longer than {csv.field_size_limit()} characters"
            self.reader_problems.append(
                Problem(self.name, line, 1, f"line {line}", f"not a CSV row: {message}")
            )

    def _rows(self, reader: Any) -> Iterator[ReadRecord]:
        header = next(reader, None)
        if header is None:
            self._header_problem(1, "the file is empty: a header row was expected")
            return
        columns: dict[str, int] = {}
        for i, name in enumerate(header, start=1):
            name = name.strip()
            if name and name in columns:  # which of the two would a row's value be?
                self._header_problem(
                    i, f"column {name!r} is named twice (columns {columns[name]} and {i})"
                )
                return
            columns[name] = i
        missing = [c for c in self.required if c not in columns]
        if missing:
            self._header_problem(
                len(header) + 1,
                f"missing column(s) {', '.join(missing)}; the header must name "
                f"{', '.join(self.required)}",
            )
            return
        names, width = [name.strip() for name in header], len(header)
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != width:  # short: a column lost; long: every later one shifted
                self.problems.append(
                    Problem(
                        self.name, line, min(len(fields), width) + 1, f"row {line}",
                        f"{len(fields)} fields, the header has {width}",
                    )
                )  # fmt: skip
                continue
            row = Row(self.name, line, dict(zip(names, fields, strict=True)),
                      columns, self.problems)  # fmt: skip
            yield from self.convert(row)
        if self.finish is not None:
            yield from self.finish()

    def _header_problem(self, column: int, message: str) -> None:
        self.reader_problems.append(Problem(self.name, 1, column, "header", message))

    def close(self) -> None:
        pass
