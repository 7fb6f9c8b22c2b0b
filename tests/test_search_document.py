"""PostgreSQL's search document: the loader's (store/pg_search_document.py) is the reference's.

The reference is the database function `alliancekb_search_document` (migration 0009),
which a trigger applies to rows inserted without a document and to updated texts. The
property test compares the two on generated texts; the load tests check, on both
backends, that what a load writes is found, and on PostgreSQL that every stored document
is the reference's, whichever of the two computed it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.load.loader import load_files
from alliancekb.store.db import create_db_engine
from alliancekb.store.pg_search_document import (
    MAX_PIECE,
    MAX_POSITIONS,
    MAX_POSITIONS_PER_LEXEME,
    SearchDocuments,
)
from tests.conftest import PostgresServer, TestDatabase, _pg_template
from tests.helpers import BASE, write_yaml

#: Words that test the reference's rules: short words and the `qzq` mark, capitals, words
#: over 64 letters, numbers, letters beyond ASCII (Turkish dotted I, sharp s, a ligature,
#: a combining accent, other scripts), digits that are not 0-9, punctuation beyond ASCII.
WORDS = [
    "us", "use", "a", "I", "Is", "qzq", "usqzq", "AbcQZQ", "submarines", "consider",
    "considered", "AUKUS", "Pillar", "2", "2024", "2030s", "x" * 70, "naïve", "Straße",
    "İstanbul", "日本", "ﬁne", "e\u0301t\u00e9", "Ωmega", "Москва", "²", "٣", "—", "’s",
    "“AUKUS”", "\u00a0", "\u200b", "½", "Ⅻ", "ǅ",
]  # fmt: skip
SEPARATORS = [" ", "  ", ", ", ".", "-", "\n", "\t", "'", '"', "_", "/", "2.5", "@"]

texts = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(SEPARATORS),
        st.text(alphabet="abcxyzQ09 .-'éß日—", min_size=1, max_size=8),
    ),
    max_size=40,
).map("".join)


@pytest.fixture(scope="module")
def pg_engine(pg_server: PostgresServer | None) -> Iterator[Engine]:
    """A migrated PostgreSQL database for the module (the function is the reference)."""
    if pg_server is None:
        pytest.skip("the search document is PostgreSQL's (set ALLIANCEKB_TEST_POSTGRES_URL)")
    name = pg_server.create(_pg_template(pg_server))
    engine = create_db_engine(pg_server.url_for(name))
    yield engine
    engine.dispose()
    pg_server.drop(name)


def _reference(engine: Engine, texts: list[str]) -> list[str]:
    with engine.connect() as conn:
        return [
            conn.execute(text("SELECT alliancekb_search_document(:t)::text"), {"t": t}).scalar_one()
            for t in texts
        ]


def _as_stored(engine: Engine, documents: list[str | None]) -> list[str | None]:
    """Each document as the server stores it (its text form parsed and printed again)."""
    with engine.connect() as conn:
        return [
            None
            if d is None
            else conn.execute(text("SELECT CAST(:d AS tsvector)::text"), {"d": d}).scalar_one()
            for d in documents
        ]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(texts, min_size=1, max_size=6))
def test_the_loaders_search_document_is_the_reference_functions(
    pg_engine: Engine, batch: list[str]
) -> None:
    builder = SearchDocuments(pg_engine)
    try:
        documents = builder.documents(batch)
    finally:
        builder.close()
    reference = _reference(pg_engine, batch)
    for text_, document, stored, expected in zip(
        batch, documents, _as_stored(pg_engine, documents), reference, strict=True
    ):
        if text_.isascii():  # nothing here is left to the server
            assert document is not None, text_
        if document is not None:
            assert stored == expected, text_


def test_the_same_words_in_any_case_and_script_give_the_reference_document(
    pg_engine: Engine,
) -> None:
    batch = [" ".join(WORDS), " ".join(reversed(WORDS)), "".join(WORDS), "US us Us uS", ""]
    builder = SearchDocuments(pg_engine)
    try:
        documents = builder.documents(batch)
        again = builder.documents(batch)  # from the pieces it remembers
    finally:
        builder.close()
    assert documents == again
    assert None not in documents
    assert _as_stored(pg_engine, documents) == _reference(pg_engine, batch)


def test_a_builder_that_forgets_its_pieces_still_gives_the_reference_documents(
    pg_engine: Engine,
) -> None:
    batches = [WORDS[:10], WORDS[5:20], WORDS[15:], WORDS]
    builder = SearchDocuments(pg_engine, max_cached=12)  # forgets between batches
    try:
        documents = [builder.documents(batch) for batch in batches]
    finally:
        builder.close()
    for batch, got in zip(batches, documents, strict=True):
        assert _as_stored(pg_engine, got) == _reference(pg_engine, batch)


def test_what_the_server_would_clamp_or_drop_is_left_to_it(pg_engine: Engine) -> None:
    batch = [
        "word " * (MAX_POSITIONS_PER_LEXEME + 1),  # a lexeme at too many positions
        "w" + " w".join(str(i) for i in range(MAX_POSITIONS + 1)),  # too many positions
        "x" * (MAX_PIECE + 1),  # a word the server might drop
        "an ordinary text",
    ]
    builder = SearchDocuments(pg_engine)
    try:
        documents = builder.documents(batch)
    finally:
        builder.close()
    assert documents[:3] == [None, None, None]
    assert documents[3] is not None


def _statements(texts: dict[str, str]) -> str:
    return "statements:\n" + "".join(
        f"  - {{id: {key}, speaker: USA, speaker_label: US, date: 2024-01-01,"
        f" text: {json.dumps(value)}, stance: asserts, source: wsj-emanuel-2024-04}}\n"
        for key, value in texts.items()
    )


def _found(db: TestDatabase, runner: CliRunner, query: str) -> set[str]:
    result = runner.invoke(
        app, ["--db", db.url, "statements", "--search", query, "--limit", "0", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    return {row["id"] for row in json.loads(result.stdout)}


def _mismatched(db: TestDatabase) -> int:
    """Stored documents that are not the reference's (PostgreSQL), NULL ones included."""
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM statements WHERE search_document IS DISTINCT FROM "
                    "alliancekb_search_document(text)"
                )
            ).scalar_one()
        )


def test_a_load_stores_documents_that_find_its_statements_and_are_the_references(
    db: TestDatabase, runner: CliRunner, tmp_path: Path
) -> None:
    load_files(db.engine, [write_yaml(tmp_path, "base.yaml", BASE)])
    first = {
        "s-plain": "Submarines were considered in Pillar 2.",
        "s-script": "Straße naïve 日本 “AUKUS” — İstanbul’s ﬁne déjà vu",
        "s-repeated": "Repeated " + "word " * (MAX_POSITIONS_PER_LEXEME + 5),
    }
    load_files(db.engine, [write_yaml(tmp_path, "first.yaml", _statements(first))])
    assert _found(db, runner, "submarine") == {"s-plain"}
    assert _found(db, runner, "naïve") == {"s-script"}
    assert _found(db, runner, "repeated") == {"s-repeated"}
    if db.backend == "postgresql":
        assert _mismatched(db) == 0
    # A text changed by a later load: its document follows it (the update trigger).
    changed = {**first, "s-plain": "Hypersonic missiles were discussed."}
    load_files(db.engine, [write_yaml(tmp_path, "changed.yaml", _statements(changed))])
    assert _found(db, runner, "submarine") == set()
    assert _found(db, runner, "hypersonic") == {"s-plain"}
    if db.backend == "postgresql":
        assert _mismatched(db) == 0
