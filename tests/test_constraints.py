"""The database itself refuses what the model forbids, whatever the code above it does."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError, StatementError

from alliancekb.store.db import write_session
from alliancekb.store.models import Country, Membership, Scope, Source
from tests.conftest import TestDatabase


def _country(db: TestDatabase, iso3: str = "JPN", iso2: str = "JP") -> int:
    with write_session(db.engine) as session:
        result = session.execute(
            insert(Country).values(iso3=iso3, iso2=iso2, name=iso3).returning(Country.id)
        )
        return int(result.scalar_one())


def test_duplicate_natural_key_is_refused(db: TestDatabase) -> None:
    _country(db)
    with pytest.raises(IntegrityError), write_session(db.engine) as session:
        session.execute(insert(Country).values(iso3="JPN", iso2="XX", name="Again"))


def test_dangling_foreign_key_is_refused(db: TestDatabase) -> None:
    country = _country(db)
    with pytest.raises(IntegrityError), write_session(db.engine) as session:
        session.execute(
            insert(Membership).values(
                country_id=country, scope_id=999_999, role="member", status="in-force"
            )
        )


def test_invalid_enum_value_is_refused_by_the_database(db: TestDatabase) -> None:
    with pytest.raises(IntegrityError), write_session(db.engine) as session:
        # Raw SQL, so that only the database's CHECK constraint stands in the way.
        session.execute(
            text(
                "INSERT INTO sources (key, title, published, retrieved, kind)"
                " VALUES ('s', 't', '', '', 'rumour')"
            )
        )


def test_invalid_enum_value_is_refused_before_it_reaches_the_database(db: TestDatabase) -> None:
    with pytest.raises(StatementError), write_session(db.engine) as session:
        session.execute(insert(Scope).values(kind="galaxy"))


def test_statement_must_have_exactly_one_speaker(db: TestDatabase) -> None:
    with write_session(db.engine) as session:
        source_id = session.execute(
            insert(Source)
            .values(key="s", title="t", kind="news", published="2024")
            .returning(Source.id)
        ).scalar_one()
    with pytest.raises(IntegrityError), write_session(db.engine) as session:
        session.execute(
            text(
                "INSERT INTO statements (id, date_text, date_lower, date_upper, text, quote,"
                " stance, source_id) VALUES ('x', '2024', '2024-01-01', '2024-12-31', 'no one',"
                " false, 'asserts', :source)"
            ),
            {"source": source_id},
        )
