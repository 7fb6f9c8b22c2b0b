"""Transactions behave on SQLite as on PostgreSQL: savepoints, rollback, waiting writers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from alliancekb.store.db import write_session
from alliancekb.store.models import Country
from tests.conftest import TestDatabase


def _count(db: TestDatabase) -> int:
    with Session(db.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Country)) or 0)


def test_outer_rollback_undoes_a_released_savepoint(db: TestDatabase) -> None:
    with Session(db.engine) as session:
        session.begin()
        nested = session.begin_nested()
        session.execute(insert(Country).values(iso3="JPN", iso2="JP", name="Japan"))
        nested.commit()  # RELEASE SAVEPOINT
        session.rollback()
    assert _count(db) == 0


def test_rolled_back_savepoint_keeps_the_outer_work(db: TestDatabase) -> None:
    with write_session(db.engine) as session:
        session.execute(insert(Country).values(iso3="JPN", iso2="JP", name="Japan"))
        nested = session.begin_nested()
        session.execute(insert(Country).values(iso3="KOR", iso2="KR", name="Korea"))
        nested.rollback()
    assert _count(db) == 1


def test_ddl_is_rolled_back_with_its_transaction(db: TestDatabase) -> None:
    from sqlalchemy import inspect, text

    with Session(db.engine) as session:
        session.begin()
        session.execute(text("CREATE TABLE scratch (x INTEGER)"))
        session.rollback()
    assert "scratch" not in inspect(db.engine).get_table_names()


WRITER = """
import sys, time
from sqlalchemy import insert
from alliancekb.store.db import create_db_engine, write_session
from alliancekb.store.models import Country
url, codes = sys.argv[1], sys.argv[2].split(",")
engine = create_db_engine(url)
with write_session(engine) as session:
    for code in codes:
        session.execute(insert(Country).values(iso3=code, iso2=None, name=code))
        time.sleep(0.05)  # hold the write lock long enough for the other writer to queue
print("ok")
"""


def test_two_processes_writing_the_same_sqlite_file_both_finish(
    db: TestDatabase, tmp_path: Path
) -> None:
    if db.backend != "sqlite":
        return  # PostgreSQL's row locks are tested by the concurrent-load suite
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    batches = ["AAA,AAB,AAC,AAD,AAE,AAF,AAG,AAH", "BBA,BBB,BBC,BBD,BBE,BBF,BBG,BBH"]
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), db.url, codes],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for codes in batches
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _count(db) == 16
