"""How an exported column is written: its field description and its backend-specific SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, String, case, func, type_coerce

from alliancekb.core.formats import Format
from alliancekb.store.sql_keys import KeyOrder

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
