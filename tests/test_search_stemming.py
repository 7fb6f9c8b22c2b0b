"""Search finds words by their English stem, phrases in quotes, and refuses an empty text.

On the bundled seed, through the CLI, on every backend (the same expected rows on each);
one test compares every word and every two-word phrase of the seed's statements on
SQLite and PostgreSQL directly; migration 0007 is stepped down and up with data.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, literal_column, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.config import to_url
from alliancekb.store import migrate
from alliancekb.store import models as m
from alliancekb.store.db import create_db_engine
from alliancekb.store.search import mark, matches, parse
from tests.conftest import PostgresServer, TestDatabase, _pg_seeded_template

SUBMARINES = {
    "aukus-2021-09-15-submarines-first-initiative",
    "aukus-2023-03-13-submarine-pathway",
    "aukus-dmm-2025-12-10-pillar1-deterrent",
    "marles-2025-12-08-ausmin-srf-west",
    "wh-fact-sheet-2022-04-05-eight-areas",
}
MARITIME_AUTONOMOUS = {"aukus-2024-09-17-japan-consultations"}


def search(db: TestDatabase, runner: CliRunner, query: str) -> Any:
    return runner.invoke(
        app, ["--db", db.url, "statements", "--search", query, "--limit", "0", "-f", "json"]
    )


def found(db: TestDatabase, runner: CliRunner, query: str) -> set[str]:
    result = search(db, runner, query)
    assert result.exit_code == 0, result.output
    return {row["id"] for row in json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("submarine", SUBMARINES),
        ("submarines", SUBMARINES),
        ("SUBMARINE nuclear", {"aukus-2021-09-15-submarines-first-initiative",
                               "aukus-2023-03-13-submarine-pathway"}),
        ('"maritime autonomous"', MARITIME_AUTONOMOUS),
        ('"maritime autonomous', MARITIME_AUTONOMOUS),  # an unclosed quote runs to the end
        ('"autonomous maritime"', set()),  # a phrase keeps its order
        ('japan "maritime autonomous systems"', MARITIME_AUTONOMOUS),
        ('"maritime autonomy" "big play"', {"aukus-2024-09-17-maritime-autonomy"}),
        ('"submarines"', SUBMARINES),  # a phrase of one word is the word
    ],
)  # fmt: skip
def test_search_stems_words_and_keeps_phrases(
    seeded_db: TestDatabase, runner: CliRunner, query: str, expected: set[str]
) -> None:
    assert found(seeded_db, runner, query) == expected


def test_words_anywhere_in_any_order(seeded_db: TestDatabase, runner: CliRunner) -> None:
    both = found(seeded_db, runner, "autonomous maritime")
    assert both == MARITIME_AUTONOMOUS | {"aukus-2024-09-17-maritime-autonomy"}


@pytest.mark.parametrize("query", ["", " ", "..", '""', '" "', "-_-", "'"])
def test_a_search_without_words_is_a_usage_error(
    seeded_db: TestDatabase, runner: CliRunner, query: str
) -> None:
    result = search(seeded_db, runner, query)
    assert result.exit_code == 2, result.output
    assert "no words to search for" in result.stderr
    assert "Traceback" not in result.output


def test_parse_reads_words_and_phrases() -> None:
    parsed = parse('Japan "Maritime  autonomous" japan "x" "" "a b')
    assert parsed.words == ("japan", "x")
    assert parsed.phrases == (("maritime", "autonomous"), ("a", "b"))
    assert not parse('" .. "')


def test_marks_are_distinct_and_only_where_fts5_does_not_stem() -> None:
    assert mark("submarines") == "submarines"
    assert mark("us") == "usqzq"
    assert mark("x" * 65) == "x" * 65 + "qzq"
    assert mark("qzq") == "qzqqzq"  # a word ending in the mark cannot meet a marked word
    words = ["us", "usqzq", "u", "uqzq", "qzq", "q", "x" * 64, "x" * 65]
    assert len({mark(w) for w in words}) == len(words)


# -- SQLite and PostgreSQL agree ---------------------------------------------------------------


def _ids(engine: Engine, query: str) -> frozenset[str]:
    with Session(engine) as session:
        dialect = engine.dialect.name
        where = matches(dialect, m.Statement.text, literal_column("statements.rowid"), query)
        return frozenset(session.scalars(select(m.Statement.id).where(where)))


def test_both_backends_find_the_same_statements_for_every_word_and_pair_of_the_seed(
    sqlite_seeded_template: Path, pg_server: PostgresServer | None
) -> None:
    if pg_server is None:
        pytest.skip("needs ALLIANCEKB_TEST_POSTGRES_URL")
    lite = create_db_engine(to_url(str(sqlite_seeded_template)))
    pg = create_db_engine(pg_server.url_for(_pg_seeded_template(pg_server)))
    try:
        with Session(lite) as session:
            texts = list(session.scalars(select(m.Statement.text)))
        queries: set[str] = set()
        for body in texts:
            words = re.findall(r"[^\W_]+", body)
            queries.update(words)
            queries.update(f'"{a} {b}"' for a, b in itertools.pairwise(words))
            queries.update(f"{w}s" for w in words)  # plurals that are not in the text
        assert len(queries) > 500
        differ = [q for q in sorted(queries) if _ids(lite, q) != _ids(pg, q)]
        assert differ == []
        assert _ids(lite, "submarine") == SUBMARINES
    finally:
        lite.dispose()
        pg.dispose()


# -- migration 0007 up and down with data -------------------------------------------------------


def _unstemmed_hits(engine: Engine, word: str) -> int:
    """Hits of one word in the index of revision 0006 (no stemming)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT count(*) FROM statements_fts WHERE statements_fts MATCH :q"
            return int(conn.execute(text(sql), {"q": f'"{word}"'}).scalar_one())
        sql = (
            "SELECT count(*) FROM statements WHERE search_document @@ plainto_tsquery('simple', :q)"
        )
        return int(conn.execute(text(sql), {"q": word}).scalar_one())


def test_migration_0007_stems_the_existing_rows_and_steps_back(
    seeded_db: TestDatabase, runner: CliRunner
) -> None:
    engine = seeded_db.engine
    assert found(seeded_db, runner, "submarine") == SUBMARINES
    migrate.downgrade(engine, "0006")
    seeded_db.dispose()
    assert _unstemmed_hits(seeded_db.engine, "submarine") == 3
    assert _unstemmed_hits(seeded_db.engine, "submarines") == 3
    migrate.upgrade(seeded_db.engine)
    seeded_db.dispose()
    assert found(seeded_db, runner, "submarine") == SUBMARINES
    assert found(seeded_db, runner, "us") == found(seeded_db, runner, "US")
    if seeded_db.backend == "sqlite":
        with seeded_db.engine.connect() as conn:
            conn.exec_driver_sql(
                "INSERT INTO statements_fts(statements_fts) VALUES ('integrity-check')"
            ).close()
