"""Full-text search over statement text, the same on SQLite (FTS5) and PostgreSQL.

User text is never handed to a search engine as syntax. It is cut into words (runs of
letters and digits; everything else, `_` included, separates words), each word becomes a
quoted literal term, and a statement matches when its text holds every word, in any case.
So `"`, `*`, `OR`, `-` and `' OR 1=1 --` are just words or nothing, never operators.

Both backends tokenize the text the same way so that they return the same rows:

- SQLite: an FTS5 external-content table `statements_fts` over `statements.text` with the
  `unicode61` tokenizer (separators: anything but letters and digits; case folded;
  diacritics kept), kept in step by triggers (migration 0002).
- PostgreSQL: a stored generated column `statements.search_document` =
  `to_tsvector('simple', <text with every non-alphanumeric run replaced by a space>)`
  (migration 0003), with a GIN index. It is computed once, on write, so that a query
  walking another index checks each row cheaply. Plain `to_tsvector('simple', text)`
  would keep `2.5`, `www.wsj.com` or `pillar-2` as single tokens where FTS5 splits them,
  and the backends would disagree; `simple` does no stemming and has no stop words,
  like FTS5.

Remaining difference: PostgreSQL folds the case of non-ASCII letters by the database's
LC_CTYPE (a `C` locale folds ASCII only); FTS5 folds all of Unicode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    false,
    func,
    literal_column,
    select,
    text,
)

#: The FTS5 table on SQLite (its shadow tables share the prefix).
FTS_TABLE = "statements_fts"
#: The GIN index on PostgreSQL.
PG_INDEX = "ix_statements_text_search"
#: The stored tsvector column on PostgreSQL (not a model column: the database computes it).
PG_DOCUMENT_COLUMN = "search_document"

_WORD = re.compile(r"[^\W_]+")


def search_words(query: str) -> list[str]:
    """The words of a search text, lower-cased, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query):
        seen.setdefault(word.lower(), None)
    return list(seen)


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression requiring every word, each a quoted literal term."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def is_search_object(name: str | None, type_: str, parent_names: Any = None) -> bool:
    """Whether a reflected schema object belongs to the search machinery (not to the models).

    Used as Alembic's `include_name` filter negated: FTS5's virtual and shadow tables, and
    the PostgreSQL document column and its index, are created by migrations 0002 and 0003,
    not declared as models.
    """
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == PG_DOCUMENT_COLUMN
    return type_ == "index" and name == PG_INDEX


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic `include_name` hook: compare everything but the search machinery."""
    return not is_search_object(name, type_, parent_names)


def matches(
    dialect: str, text_column: Any, rowid_column: Any, query: str, *, drive: bool = True
) -> ColumnElement[bool]:
    """A WHERE clause: the statement's text holds every word of `query` (no words: nothing).

    `text_column` is `Statement.text`; `rowid_column` is the statements table's rowid on
    SQLite (the FTS5 table is keyed by it). `drive=False` (SQLite) keeps SQLite from
    starting at the text index's hits, so that it walks another index, such as the date
    index for newest-first, and checks each row against the hits (see `walk_dates`).
    """
    words = search_words(query)
    if not words:
        return false()
    if dialect == "sqlite":
        # SQLite's unary `+` makes a term unusable as an index constraint.
        rowid = rowid_column if drive else literal_column(f"+{rowid_column}")
        return cast("ColumnElement[bool]", rowid.in_(_fts_hits(words)))
    document: Any = literal_column(f"{text_column.table.name}.{PG_DOCUMENT_COLUMN}")
    query_terms = func.plainto_tsquery(literal_column("'simple'"), " ".join(words))
    return cast("ColumnElement[bool]", document.op("@@")(query_terms))


def _fts_hits(words: list[str]) -> Any:
    return (
        select(literal_column("rowid", Integer))
        .select_from(text(FTS_TABLE))
        .where(literal_column(FTS_TABLE).op("MATCH")(fts5_query(words)))
    )


#: How much cheaper a row of the date-index walk is than a fetched and sorted hit
#: (measured at 1M statements: ~0.2 µs per index entry checked against the hits, ~1 µs
#: per hit fetched by rowid and sorted).
WALK_ADVANTAGE = 5


def walk_dates(conn: Connection, query: str, limit: int | None) -> bool:
    """Whether the newest `limit` hits of `query` are found faster by walking the date index.

    SQLite cannot tell how common a word is, so it always starts from the text index's
    hits: it fetches every hit and sorts them by date to return the newest 50, which is
    100k rows for a word in 10% of 1M statements. Walking the date index newest first
    and checking each row against the hits stops after about `limit * total / hits`
    rows instead: far fewer for a common word, far more for a rare one (a word with no
    hits walks the whole index). FTS5 counts a word's hits from its index alone, so
    counting first and choosing costs a few milliseconds at most.
    """
    words = search_words(query)
    if not limit or not words or conn.dialect.name != "sqlite":
        return False
    hits = conn.execute(select(func.count()).select_from(_fts_hits(words).subquery())).scalar()
    total = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM statements")).scalar()
    hits, total = int(hits or 0), int(total or 0)
    return hits > 0 and limit * total / hits < WALK_ADVANTAGE * hits


#: The SQLite trigger that indexes each inserted statement (migration 0002).
FTS_INSERT_TRIGGER = "statements_fts_ai"


@contextmanager
def bulk_indexing(conn: Connection) -> Iterator[None]:
    """Index the statements inserted inside the block in one pass at its end (SQLite).

    FTS5's per-row insert trigger costs about three times the insert itself; a bulk load
    drops it, and when the block ends without an exception, indexes every row added since
    it began with one `INSERT ... SELECT` and re-creates the trigger from its own stored
    SQL (so a later migration that changes it is followed). The update and delete
    triggers stay in place.

    Must run inside a transaction that is rolled back if the block raises: on SQLite DDL
    is transactional, so the rollback restores the trigger, and the index never saw the
    rows. Rows inserted inside the block must not have their text updated or be deleted
    before it ends (the update/delete triggers would un-index text that was never
    indexed). On other backends (PostgreSQL's GIN index) this does nothing.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    trigger_sql = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_INSERT_TRIGGER},
    ).scalar_one_or_none()
    if trigger_sql is None:  # no search index in this schema: nothing to keep in step
        yield
        return
    before = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM statements")).scalar_one()
    conn.exec_driver_sql(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
    yield
    conn.execute(
        text(
            "INSERT INTO statements_fts(rowid, text) "
            "SELECT rowid, text FROM statements WHERE rowid > :before"
        ),
        {"before": before},
    )
    conn.exec_driver_sql(trigger_sql)
