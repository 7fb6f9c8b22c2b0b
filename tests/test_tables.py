"""`store.tables` (the Core tables of the ORM-free read path) agrees with `store.models`:
each column's name and type (what a select and the conversion of its results use)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, ColumnClause, Enum
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from alliancekb.store import models, tables


def _pairs() -> list[Any]:
    pairs = []
    for name, table in tables.every_table().items():
        model_table = models.Base.metadata.tables[name]
        for column in table.columns:
            assert column.name in model_table.c, f"{name}.{column.name} is not in models"
            pairs.append(
                pytest.param(column, model_table.c[column.name], id=f"{name}.{column.name}")
            )
    return pairs


@pytest.mark.parametrize(("core", "orm"), _pairs())
def test_each_core_column_is_the_models_column(
    core: ColumnClause[object], orm: Column[object]
) -> None:
    pg: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    for dialect in (SQLiteDialect(), pg):
        assert core.type.compile(dialect) == orm.type.compile(dialect)
    assert type(core.type) is type(orm.type)
    assert core.type.python_type is orm.type.python_type
    if isinstance(orm.type, Enum):
        assert isinstance(core.type, Enum)
        assert core.type.enums == orm.type.enums
        assert core.type.enum_class is orm.type.enum_class


def test_every_table_here_is_a_table_of_the_models() -> None:
    assert set(tables.every_table()) <= set(models.Base.metadata.tables)


def test_a_table_is_built_once_and_named_as_built() -> None:
    first = tables.table("countries")
    assert tables.countries is first
    assert tables.table("countries") is first
    assert "countries" in tables.built()
    assert set(tables.built()) <= set(tables.every_table())


def test_a_name_that_is_no_table_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        tables.table("no_such_table")
    with pytest.raises(AttributeError):
        _ = tables.no_such_table
