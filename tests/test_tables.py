"""`store.tables` (the Core tables of the ORM-free read path) agrees with `store.models`."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Enum
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from alliancekb.store import models, tables


def _pairs() -> list[tuple[Column[object], Column[object]]]:
    pairs = []
    for table in tables.every_table().sorted_tables:
        model_table = models.Base.metadata.tables[table.name]
        for column in table.columns:
            assert column.name in model_table.c, f"{table.name}.{column.name} is not in models"
            pairs.append((column, model_table.c[column.name]))
    return pairs


def _name(column: Column[object]) -> str:
    return f"{column.table.name}.{column.name}"


@pytest.mark.parametrize(("core", "orm"), _pairs(), ids=_name)
def test_each_core_column_is_the_models_column(core: Column[object], orm: Column[object]) -> None:
    pg: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    for dialect in (SQLiteDialect(), pg):
        assert core.type.compile(dialect) == orm.type.compile(dialect)
    assert type(core.type) is type(orm.type)
    assert core.type.python_type is orm.type.python_type
    assert core.nullable == orm.nullable
    assert core.primary_key == orm.primary_key
    if isinstance(orm.type, Enum):
        assert isinstance(core.type, Enum)
        assert core.type.enums == orm.type.enums
        assert core.type.enum_class is orm.type.enum_class


def test_every_table_here_is_a_table_of_the_models() -> None:
    assert set(tables.every_table().tables) <= set(models.Base.metadata.tables)
