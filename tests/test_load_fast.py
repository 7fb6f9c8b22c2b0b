"""The loader's fast paths give exactly what the plain paths give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bench.generate import write_file
from sqlalchemy import Engine, MetaData, insert

from alliancekb import loader
from alliancekb import models as m
from alliancekb.loader import load_files
from tests.conftest import TestDatabase

#: The load history: its times differ from one load to the next.
_HISTORY = {"loads", "load_files"}


def _raw_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row but the history's, as the driver returns it (no type processing)."""
    metadata = MetaData()
    metadata.reflect(engine)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in sorted(metadata.tables):
            if not name.startswith("statements_fts") and name not in _HISTORY:
                rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"').all()
                out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fast") / "kb.yaml"
    write_file(path, statements=300, officials=20, alliances=5, with_countries=True, seed=3)
    return path


def test_driver_inserts_store_what_core_stores(
    make_database: Any, generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast: TestDatabase = make_database()
    load_files(fast.engine, [generated])

    def core_insert(self: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        self.conn.execute(insert(table), rows)

    monkeypatch.setattr(loader._Loader, "_insert_rows", core_insert)
    plain: TestDatabase = make_database()
    load_files(plain.engine, [generated])

    fast_rows, plain_rows = _raw_rows(fast.engine), _raw_rows(plain.engine)
    assert len(fast_rows["statements"]) == 300
    assert fast_rows == plain_rows


def test_an_omitted_column_with_a_default_takes_cores_path() -> None:
    from sqlalchemy.dialects import sqlite

    table: Any = m.Source.__table__
    given = tuple(c.name for c in table.columns if c.name != "retrieved")
    assert table.c.retrieved.default is not None
    assert loader._insert_plan(table, given, sqlite.dialect()) is None
    everything = tuple(c.name for c in table.columns)
    plan = loader._insert_plan(table, everything, sqlite.dialect())
    assert plan is not None
    assert plan[0].startswith("INSERT INTO sources (")


def test_driver_inserts_bind_values_as_their_column_types_do() -> None:
    from sqlalchemy.dialects import sqlite

    table: Any = m.Statement.__table__
    columns = tuple(c.name for c in table.columns)
    plan = loader._insert_plan(table, columns, sqlite.dialect())
    assert plan is not None
    processed = [columns[i] for i, _ in plan[1]]
    assert processed == ["date_lower", "date_upper", "quote", "stance"]
    by_name = {columns[i]: process for i, process in plan[1]}
    assert by_name["quote"](True) == 1
    with pytest.raises(LookupError):
        by_name["stance"]("not-a-stance")
