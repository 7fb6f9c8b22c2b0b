"""How an exported column is written: its field description and its backend-specific SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, String, case, func, type_coerce

from alliancekb.core.formats import Format
from alliancekb.store.sql_keys import AnySelect, KeyOrder

Kind = Literal["text", "int", "bool", "date"]


@dataclass(frozen=True)
class Field:
    """One exported column: its name (CSV header, JSON key), value kind and meaning."""

    name: str
    kind: Kind
    doc: str


class SqlDialect(KeyOrder):
    """Backend-specific SQL for one export: value conversions and code-point key order."""

    def __init__(self, conn: Connection, fmt: Format) -> None:
        super().__init__(conn)
        self.csv = fmt is Format.CSV

    def text(self, column: Any) -> Any:
        """A text or vocabulary column as a plain string (no Enum conversion per row)."""
        return type_coerce(column, String())

    def date(self, column: Any) -> Any:
        """A DATE as ISO text `YYYY-MM-DD` (SQLite stores that text already)."""
        if self.postgres:
            return func.to_char(column, "YYYY-MM-DD")
        return type_coerce(column, String())

    def flag(self, column: Any) -> Any:
        """A boolean: `true`/`false` text in CSV (as every read command writes), JSON bool."""
        if self.csv:
            return case((column == True, "true"), else_="false")  # noqa: E712
        return column


CONFIRMED_DOC = "explicit evidence date (else the newest cited source's date)"


def field(name: str, doc: str, kind: Kind = "text") -> Field:
    return Field(name, kind, doc)


def edtf_fields(name: str, what: str) -> tuple[Field, ...]:
    return (
        field(name, f"{what}: EDTF text as written (`2024`, `2024-04~`); empty = unknown"),
        field(f"{name}_lower", f"first day {name} can mean (ISO date); empty = unknown", "date"),
        field(f"{name}_upper", f"last day {name} can mean (ISO date); empty = unknown", "date"),
    )


def edtf_columns(sql: SqlDialect, text_col: Any, lower: Any, upper: Any, name: str) -> list[Any]:
    return [
        sql.text(text_col).label(name),
        sql.date(lower).label(f"{name}_lower"),
        sql.date(upper).label(f"{name}_upper"),
    ]


def absent_as_null(stmt: AnySelect, fields: Sequence[Field]) -> AnySelect:
    """`stmt` with each text column's empty text read as NULL: one rule for an absent value.

    The database keeps some absent texts as '' (a membership's `to`, `claim`), others as
    NULL (a pillar); JSON, NDJSON and the SQLite file say `null` for both. CSV, which
    writes either as an empty field, keeps its fast path's columns as they are.
    """
    columns = [
        type_coerce(func.nullif(getattr(c, "element", c), ""), c.type).label(f.name)
        if f.kind == "text" and isinstance(c.type, String)
        else c
        for c, f in zip(stmt.selected_columns, fields, strict=True)
    ]
    return stmt.with_only_columns(*columns, maintain_column_froms=True)
