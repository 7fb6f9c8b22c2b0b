"""An exportable table: its name, what it holds, its columns and the query of its rows.

Its own module so that the catalogue's tables can be declared in more than one module
(`export.catalogue`, `export.kinds`) without those importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alliancekb.export.columns import Field, SqlDialect
from alliancekb.store.sql_keys import AnySelect

Query = Callable[[SqlDialect], AnySelect]


@dataclass(frozen=True)
class ExportTable:
    """An exportable table: name, what it holds, its columns, and the query of its rows."""

    name: str
    description: str
    fields: tuple[Field, ...]
    query: Query
    #: Part of the knowledge (a dump and re-load reproduces it); False for load history.
    knowledge: bool = True
    #: Rows need converting in Python (timestamps, lists): small tables only.
    python_values: bool = False

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def select(self, sql: SqlDialect) -> AnySelect:
        """The SELECT of the rows, its columns checked against the fields."""
        stmt = self.query(sql)
        names = [c.name for c in stmt.selected_columns]
        if names != self.columns:  # a mistake in a table definition, caught by any test
            raise AssertionError(f"{self.name}: query columns {names} != fields {self.columns}")
        return stmt
