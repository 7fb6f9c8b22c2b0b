"""A load indexes its statements for search in bulk (search.bulk_indexing), and nothing is lost.

On SQLite the loader drops FTS5's per-row insert trigger for the load and indexes the new
rows in one pass at its end; these tests check that search finds what was loaded, that a
failed load leaves the trigger and the index as they were, and that the other triggers
(text updates) keep working. On PostgreSQL the GIN index needs nothing of this; the
search tests run there too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert, literal_column, select, text
from sqlalchemy.orm import Session

from alliancekb.core.errors import InvalidDataError
from alliancekb.store import models as m
from alliancekb.store import search
from alliancekb.store.search import FTS_INSERT_TRIGGER, bulk_indexing, matches
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text

_FIRST = "emanuel-japan-first-partner"

MORE = """
statements:
  - id: extra-one
    speaker: rahm-emanuel
    date: 2024-05
    text: Quokkaberry cooperation is on the table.
    stance: considers
    source: wsj-emanuel-2024-04
  - id: extra-two
    speaker: USA
    date: 2024-06
    text: Another quokkaberry remark, about submarines.
    stance: asserts
    source: wsj-emanuel-2024-04
"""


def found(db: TestDatabase, query: str) -> set[str]:
    with Session(db.engine) as session:
        dialect = session.get_bind().dialect.name
        rowid: Any = literal_column("statements.rowid")
        where = matches(dialect, m.Statement.text, rowid, query)
        return set(session.scalars(select(m.Statement.id).where(where)))


def trigger_sql(db: TestDatabase) -> str | None:
    with db.engine.connect() as conn:
        sql: str | None = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": FTS_INSERT_TRIGGER},
        ).scalar_one_or_none()
        return sql


def fts_state(db: TestDatabase) -> tuple[int, list[tuple[Any, ...]]]:
    """The FTS5 index checked against its content, and what it holds (SQLite)."""
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO statements_fts(statements_fts, rank) VALUES ('integrity-check', 1)")
        )
        count = conn.execute(text("SELECT count(*) FROM statements_fts")).scalar_one()
        # The index's own terms (an fts5vocab view made and dropped inside the transaction).
        conn.execute(text("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, statements_fts, row)"))
        terms = conn.execute(text("SELECT term, doc, cnt FROM temp.v ORDER BY term")).all()
        conn.execute(text("DROP TABLE temp.v"))
    return int(count), [tuple(t) for t in terms]


def test_search_finds_the_statements_a_load_inserted(db: TestDatabase, tmp_path: Path) -> None:
    before = trigger_sql(db) if db.backend == "sqlite" else None
    load_text(db.engine, tmp_path, BASE)
    assert found(db, "first additional pillar") == {_FIRST}
    assert len(found(db, "japan")) == 2
    load_text(db.engine, tmp_path, BASE + MORE.replace("statements:\n", "", 1), "more.yaml")
    assert found(db, "quokkaberry") == {"extra-one", "extra-two"}
    assert len(found(db, "japan")) == 2
    if db.backend == "sqlite":
        assert trigger_sql(db) == before is not None  # re-created exactly as it was
        count, _ = fts_state(db)
        assert count == 4


def test_a_failed_load_leaves_the_trigger_and_the_index_intact(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    sql = trigger_sql(db) if db.backend == "sqlite" else None
    state = fts_state(db) if db.backend == "sqlite" else None
    broken = BASE + MORE.replace("statements:\n", "", 1).replace("stance: asserts", "stance: ???")
    with pytest.raises(InvalidDataError):
        load_text(db.engine, tmp_path, broken, "broken.yaml")
    assert found(db, "quokkaberry") == set()
    assert found(db, "first additional") == {_FIRST}
    if db.backend == "sqlite":
        assert trigger_sql(db) == sql is not None
        assert fts_state(db) == state
    # The trigger still indexes a plain insert made outside any load.
    with db.engine.begin() as conn:
        conn.execute(
            insert(m.Statement).values(
                id="plain-insert", speaker_country_id=_usa(conn), date_text="2024",
                date_lower=_date(2024, 1, 1), date_upper=_date(2024, 12, 31),
                text="A zanzibarite sentence.", quote=False, stance="asserts",
                source_id=_source(conn),
            )
        )  # fmt: skip
    assert found(db, "zanzibarite") == {"plain-insert"}


def test_a_changed_text_is_reindexed(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, BASE)
    edited = BASE.replace("the first additional AUKUS", "the first quokkaberry AUKUS")
    report = load_text(db.engine, tmp_path, edited)
    assert report.counts_dict()["statements"]["updated"] == 1
    assert found(db, "quokkaberry") == {_FIRST}
    assert found(db, "additional") == set()
    if db.backend == "sqlite":
        count, _ = fts_state(db)
        assert count == 2


def test_bulk_indexing_indexes_only_on_success(db: TestDatabase, tmp_path: Path) -> None:
    if db.backend != "sqlite":
        pytest.skip("the FTS5 trigger exists on SQLite only")
    load_text(db.engine, tmp_path, BASE)
    sql, state = trigger_sql(db), fts_state(db)
    with db.engine.connect() as conn:
        trans = conn.begin()
        with pytest.raises(RuntimeError):
            _fail_inside(conn)
        trans.rollback()
    assert trigger_sql(db) == sql
    assert fts_state(db) == state
    assert found(db, "wombatine") == set()
    with db.engine.begin() as conn, bulk_indexing(conn):
        _insert_one(conn, "inside-ok", "A wombatine sentence.")
    assert trigger_sql(db) == sql
    assert found(db, "wombatine") == {"inside-ok"}
    assert fts_state(db)[0] == 3


def _fail_inside(conn: Connection) -> None:
    with bulk_indexing(conn):
        assert _trigger_in(conn) is None  # dropped inside the block
        _insert_one(conn, "inside-failed", "A wombatine sentence.")
        raise RuntimeError("the load fails")


def _trigger_in(conn: Connection) -> str | None:
    sql: str | None = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
        {"n": FTS_INSERT_TRIGGER},
    ).scalar_one_or_none()
    return sql


def _insert_one(conn: Connection, sid: str, body: str) -> None:
    conn.execute(
        insert(m.Statement).values(
            id=sid, speaker_country_id=_usa(conn), date_text="2024",
            date_lower=_date(2024, 1, 1), date_upper=_date(2024, 12, 31), text=body,
            quote=False, stance="asserts", source_id=_source(conn),
        )
    )  # fmt: skip


def _usa(conn: Connection) -> int:
    return int(conn.execute(select(m.Country.id).where(m.Country.iso3 == "USA")).scalar_one())


def _source(conn: Connection) -> int:
    return int(conn.execute(select(m.Source.id).limit(1)).scalar_one())


def _date(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _indexes(conn: Connection) -> dict[str, str]:
    rows = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('statements', 'statement_countries', 'statement_scopes',"
            " 'statement_technology_areas')"
        )
    )
    return {str(name): str(sql) for name, sql in rows}


def test_a_load_into_a_nearly_empty_table_builds_the_secondary_indexes_at_its_end(
    db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.backend != "sqlite":
        pytest.skip("PostgreSQL keeps its indexes (dropping one would lock readers out)")
    with db.engine.connect() as conn:
        indexes = _indexes(conn)
    assert "ix_statements_date_lower" in indexes
    assert "ix_statement_countries_country_id" in indexes
    load_text(db.engine, tmp_path, BASE)
    with db.engine.connect() as conn:
        trans = conn.begin()
        assert _indexes(conn) == indexes  # the load put them back
        with pytest.raises(RuntimeError):
            _fail_without_indexes(conn)
        trans.rollback()  # as a failed load's transaction is
    with db.engine.connect() as conn:
        assert _indexes(conn) == indexes
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    # A table holding more than the limit keeps its indexes throughout.
    monkeypatch.setattr(search, "DEFER_INDEXES_MAX_ROWS", 0)
    with db.engine.begin() as conn, bulk_indexing(conn):
        assert _indexes(conn) == indexes
        _insert_one(conn, "inside-kept", "A numbat sentence.")
    with db.engine.connect() as conn:
        assert _indexes(conn) == indexes
    assert found(db, "numbat") == {"inside-kept"}


def _fail_without_indexes(conn: Connection) -> None:
    with bulk_indexing(conn):
        assert _indexes(conn) == {}  # dropped inside the block
        _insert_one(conn, "inside-failed", "A numbat sentence.")
        raise RuntimeError("the load fails")
