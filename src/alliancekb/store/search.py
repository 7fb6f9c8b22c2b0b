"""Full-text search over statement text, the same on SQLite (FTS5) and PostgreSQL.

User text is never handed to a search engine as syntax. It is cut into words (runs of
letters and digits; everything else, `_` included, separates words), each word becomes a
quoted literal term, and a statement matches when its text holds every word, in any case.
So `*`, `OR`, `-` and `' OR 1=1 --` are just words or nothing, never operators. The one
piece of syntax is the double quote: `"maritime autonomous"` is a phrase, its words next
to each other in that order (an unclosed quote runs to the end of the text). A text with
no words at all is a usage error, not a search that finds nothing.

Words are compared by their English stem (Martin Porter's algorithm on both backends), so
`submarine` finds "submarines" and `consider` finds "considered". There are no stop
words on either backend: `the` is a word like any other (a common word is found quickly
by walking the date index, see `walk_dates`).

Both backends tokenize and stem the text the same way so that they return the same rows:

- SQLite: an FTS5 external-content table `statements_fts` over `statements.text` with the
  `porter` tokenizer over `unicode61` (separators: anything but letters and digits; case
  folded; diacritics kept; words shorter than 3 or longer than 64 bytes are not stemmed),
  kept in step by triggers (migrations 0002, 0007).
- PostgreSQL: a stored column `statements.search_document` =
  `to_tsvector('alliancekb_porter', <text with every non-alphanumeric run replaced by a
  space, and marked words>)` with a GIN index (migrations 0003, 0007), the function
  `alliancekb_search_document(text)` since 0009: a load sends the document with the row
  (built by `store/pg_search_document.py`, tested equal to the function), and a trigger
  computes it for a row inserted without one or an updated text. The configuration
  `alliancekb_porter` stems word tokens with the snowball `porter` dictionary (the same
  algorithm as FTS5's, no stop words). Plain `to_tsvector(text)` would keep `2.5`,
  `www.wsj.com` or `pillar-2` as single tokens where FTS5 splits them. Snowball stems
  every word, so the words FTS5 leaves alone (1-2 or more than 64 characters) are marked
  with a trailing `qzq` first, which the stemmer leaves alone, and the mark is stripped
  from the stems; so are the words ending in `qzq`, so that no two words share a marked
  form (`mark`). A query's words are marked alike.

Remaining differences: PostgreSQL folds the case of non-ASCII letters by the database's
LC_CTYPE (a `C` locale folds ASCII only), FTS5 folds all of Unicode; FTS5 counts a word's
length in UTF-8 bytes, the mark in characters (a 2-letter word with a non-ASCII letter
ending in "s" is stemmed on SQLite only); a PostgreSQL document keeps positions up to
16,383 only (a phrase beyond them is not found there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Text,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy import cast as sa_cast

from alliancekb.core.errors import UsageError

#: The FTS5 table on SQLite (its shadow tables share the prefix).
#: The FTS5 index of replaced statements (migration 0008; see store/versions.py).
VERSIONS_FTS = "statements_versions_fts"
FTS_TABLE = "statements_fts"
#: The tokenizer of the FTS5 tables (migrations 0007, 0008), and of a snapshot's
#: (`export --sqlite`), so that a snapshot's search stems as the knowledge base's does.
FTS5_TOKENIZE = "porter unicode61 remove_diacritics 0"
#: The GIN index on PostgreSQL.
PG_INDEX = "ix_statements_text_search"
#: The stored tsvector column on PostgreSQL (not a model column: the loader or a trigger fills it).
PG_DOCUMENT_COLUMN = "search_document"

#: The PostgreSQL text search configuration that stems (migration 0007).
PG_CONFIG = "alliancekb_porter"

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchQuery:
    """A search text parsed: words that must each occur, and phrases (words in a row)."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)


def parse(query: str) -> SearchQuery:
    """Words and `"quoted phrases"` of a search text (an unclosed quote runs to the end).

    A phrase of one word is that word; a phrase of no words is nothing.
    """
    words: dict[str, None] = {}
    phrases: dict[tuple[str, ...], None] = {}
    for i, part in enumerate(query.split('"')):
        found = [w.lower() for w in _WORD.findall(part)]
        if i % 2 == 1 and len(found) > 1:
            phrases.setdefault(tuple(found), None)
        else:
            for word in found:
                words.setdefault(word, None)
    return SearchQuery(tuple(words), tuple(phrases))


def written(query: SearchQuery) -> str:
    """The words and phrases of a parsed search written out again: words separated by
    spaces, each phrase in double quotes (`submarine "maritime autonomous"`), which
    `parse` reads back as the same query. Shown where a search text is echoed (browse)."""
    return " ".join([*query.words, *('"' + " ".join(p) + '"' for p in query.phrases)])


def parse_required(query: str) -> SearchQuery:
    """`parse`, but a text without a single word is a usage error (exit 2)."""
    parsed = parse(query)
    if not parsed:
        raise UsageError(
            f"search: {query!r} has no words to search for (words are letters and digits)"
        )
    return parsed


#: The mark of the words PostgreSQL's stemmer must leave alone (migration 0007).
PG_MARK = "qzq"


def mark(word: str) -> str:
    """A lower-cased word as PostgreSQL's index stems it (see the module's docstring).

    FTS5's Porter stemmer leaves words shorter than 3 or longer than 64 bytes alone;
    Snowball's would not, so such words get a trailing `qzq`, which stops it, and the
    stems lose it again (`pg_query`, the document of migration 0007). Words that end in
    `qzq` already get one too, so that no two words share a marked form.
    """
    if len(word) <= 2 or len(word) > 64 or word.endswith(PG_MARK):
        return word + PG_MARK
    return word


def _fts5_term(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_query(query: SearchQuery) -> str:
    """An FTS5 MATCH expression requiring every word and phrase, each of quoted terms."""
    parts = [_fts5_term(w) for w in query.words]
    parts += [" + ".join(_fts5_term(w) for w in phrase) for phrase in query.phrases]
    return " AND ".join(parts)


def pg_query(query: SearchQuery) -> Any:
    """A PostgreSQL tsquery requiring every word and phrase, stemmed as the documents are.

    The words are marked, stemmed by the configuration, and the marks taken off the
    stems in the tsquery's text form (`'lexeme' & 'lexeme'`; lexemes are letters and
    digits only), as migration 0007's document does.
    """
    config: Any = literal_column(f"'{PG_CONFIG}'")
    parts: list[Any] = []
    if query.words:
        parts.append(func.plainto_tsquery(config, " ".join(mark(w) for w in query.words)))
    for phrase in query.phrases:
        parts.append(func.phraseto_tsquery(config, " ".join(mark(w) for w in phrase)))
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&")(part)
    from sqlalchemy.dialects.postgresql import TSQUERY

    unmarked = func.regexp_replace(sa_cast(combined, Text), f"{PG_MARK}'", "'", "g")
    return sa_cast(unmarked, TSQUERY)


def is_search_object(name: str | None, type_: str, parent_names: Any = None) -> bool:
    """Whether a reflected schema object belongs to the search machinery (not to the models).

    Alembic's `include_name` hook (`store.migrate.include_name`) leaves them out: FTS5's
    virtual and shadow tables, and the PostgreSQL document column and its index, are
    created by migrations 0002 and 0003, not declared as models.
    """
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == PG_DOCUMENT_COLUMN
    return type_ == "index" and name == PG_INDEX


def matches(
    dialect: str,
    text_column: Any,
    rowid_column: Any,
    query: str,
    *,
    drive: bool = True,
    history: bool = False,
) -> ColumnElement[bool]:
    """A WHERE clause: the statement's text holds every word and phrase of `query`.

    A `query` without words is a UsageError. `text_column` is `Statement.text`;
    `rowid_column` is the statements table's rowid on SQLite (the FTS5 table is keyed by
    it). `drive=False` (SQLite) keeps SQLite from starting at the text index's hits, so
    that it walks another index, such as the date index for newest-first, and checks
    each row against the hits (see `walk_dates`). `history` (SQLite, reading a past state
    through `store.versions`' views): the replaced statements' text is searched too, their
    rows numbered as the view numbers them (the negative of the version's rowid).
    """
    parsed = parse_required(query)
    if dialect == "sqlite":
        # SQLite's unary `+` makes a term unusable as an index constraint.
        rowid = rowid_column if drive else literal_column(f"+{rowid_column}")
        return cast("ColumnElement[bool]", rowid.in_(_fts_hits(parsed, history=history)))
    document: Any = literal_column(f"{text_column.table.name}.{PG_DOCUMENT_COLUMN}")
    return cast("ColumnElement[bool]", document.op("@@")(pg_query(parsed)))


def _fts_hits(query: SearchQuery, *, history: bool = False) -> Any:
    hits = (
        select(literal_column("rowid", Integer))
        .select_from(text(FTS_TABLE))
        .where(literal_column(FTS_TABLE).op("MATCH")(fts5_query(query)))
    )
    if not history:
        return hits
    return hits.union_all(
        select(literal_column("-rowid", Integer))
        .select_from(text(VERSIONS_FTS))
        .where(literal_column(VERSIONS_FTS).op("MATCH")(fts5_query(query)))
    )


#: How much cheaper a row of the date-index walk is than a fetched and sorted hit
#: (measured at 1M statements: ~0.2 µs per index entry checked against the hits, ~1 µs
#: per hit fetched by rowid and sorted).
WALK_ADVANTAGE = 5


def walk_dates(conn: Connection, query: str, limit: int | None, *, history: bool = False) -> bool:
    """Whether the newest `limit` hits of `query` are found faster by walking the date index.

    SQLite cannot tell how common a word is, so it always starts from the text index's
    hits: it fetches every hit and sorts them by date to return the newest 50, which is
    100k rows for a word in 10% of 1M statements. Walking the date index newest first
    and checking each row against the hits stops after about `limit * total / hits`
    rows instead: far fewer for a common word, far more for a rare one (a word with no
    hits walks the whole index). FTS5 counts a word's hits from its index alone, so
    counting first and choosing costs a few milliseconds at most.
    """
    parsed = parse_required(query)
    if not limit or conn.dialect.name != "sqlite":
        return False
    counted = _fts_hits(parsed, history=history).subquery()
    hits = conn.execute(select(func.count()).select_from(counted)).scalar()
    # The table itself, not a past state's view of it (store/versions.py), which SQLite
    # would read whole for its largest rowid: the total is an estimate either way.
    total = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM main.statements")).scalar()
    hits, total = int(hits or 0), int(total or 0)
    return hits > 0 and limit * total / hits < WALK_ADVANTAGE * hits


#: The SQLite trigger that indexes each inserted statement (migration 0002).
FTS_INSERT_TRIGGER = "statements_fts_ai"


#: Tables whose secondary indexes a load into a nearly empty statements table builds at
#: its end (SQLite): the statements and their links, the bulk of a load.
DEFERRED_INDEX_TABLES = (
    "statements",
    "statement_countries",
    "statement_scopes",
    "statement_technology_areas",
)
#: At most this many statements (by rowid) at the start of a load, and the secondary
#: indexes of DEFERRED_INDEX_TABLES are dropped for it and built again at its end.
DEFER_INDEXES_MAX_ROWS = 10_000
#: SQLite's `cache_size` while those indexes are built (SQLite's default, 2 MB).
SORT_CACHE_SIZE = -2000


@contextmanager
def bulk_indexing(conn: Connection) -> Iterator[None]:
    """Index the statements inserted inside the block in one pass at its end (SQLite).

    FTS5's per-row insert trigger costs about three times the insert itself; a bulk load
    drops it, and when the block ends without an exception, indexes every row added since
    it began with one `INSERT ... SELECT` and re-creates the trigger from its own stored
    SQL (so a later migration that changes it is followed). The update and delete
    triggers stay in place.

    When the statements table holds at most DEFER_INDEXES_MAX_ROWS rows as the block
    begins, the secondary (non-unique) B-tree indexes of the statements and their link
    tables are dropped too and created again, from their stored SQL, at its end. Their
    keys (dates, speakers, countries) arrive in random order, so once the indexes outgrow
    the page cache each insert costs page reads and writes per index: a load of 400k
    statements spent 1.5x the CPU per statement of a load of 100k inserting them. Built
    at the end from sorted rows, they cost about the same per row at any size; the unique indexes
    (primary keys) stay, so the database still refuses a duplicate as the rows go in.
    Only when the table starts nearly empty: the build at the end reads the whole table,
    which would make a small load into a big database pay for the database.

    Must run inside a transaction that is rolled back if the block raises: on SQLite DDL
    is transactional, so the rollback restores the trigger and the indexes, and the index
    never saw the rows. Rows inserted inside the block must not have their text updated
    or be deleted before it ends (the update/delete triggers would un-index text that was
    never indexed). Readers are not blocked meanwhile (WAL: they see the committed
    database, indexes included). On other backends (PostgreSQL's GIN index) this does
    nothing: there, dropping an index would lock readers out for the whole load.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    trigger_sql = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_INSERT_TRIGGER},
    ).scalar_one_or_none()
    before = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM statements")).scalar_one()
    deferred: list[tuple[str, str]] = []
    if before <= DEFER_INDEXES_MAX_ROWS:
        # `sql` is NULL for the indexes behind a PRIMARY KEY or UNIQUE constraint: kept.
        deferred = [
            (str(name), str(sql))
            for name, table, sql in conn.exec_driver_sql(
                "SELECT name, tbl_name, sql FROM sqlite_master"
                " WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
            )
            if table in DEFERRED_INDEX_TABLES
        ]
    for name, _ in deferred:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    if trigger_sql is not None:
        conn.exec_driver_sql(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
    yield
    if deferred:
        # SQLite sorts an index's keys in memory up to its page cache's size, on top of
        # the cache: under a load's large cache that is as much again at 1M statements.
        # With the default cache the sort goes through temporary files in runs.
        cache = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
        conn.exec_driver_sql(f"PRAGMA cache_size = {SORT_CACHE_SIZE}")
        for _, sql in deferred:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
    if trigger_sql is None:  # no search index in this schema: nothing to keep in step
        return
    conn.execute(
        text(
            "INSERT INTO statements_fts(rowid, text) "
            "SELECT rowid, text FROM statements WHERE rowid > :before"
        ),
        {"before": before},
    )
    conn.exec_driver_sql(trigger_sql)
