"""statement search stems English words (Porter) on both backends

`--search submarine` found only the word "submarine", not "submarines". The index now
stores Porter stems, the same algorithm on both backends, with no stop words on either:

- SQLite: the FTS5 table is re-created with `tokenize='porter unicode61 remove_diacritics
  0'` (the same word splitting as 0002, then FTS5's Porter stemmer), its triggers
  re-created, and the existing rows indexed again.
- PostgreSQL: a dictionary `alliancekb_porter` (the snowball template's `porter`
  language: Martin Porter's original algorithm, as FTS5's; no stop-word list) and a text
  search configuration `alliancekb_porter` (a copy of `simple` whose word tokens go
  through that dictionary). The stored column `search_document` is rebuilt with it.

FTS5's stemmer leaves a word alone when it is shorter than 3 or longer than 64 bytes
(Snowball would make "us" "u", and "use" is "us"); PostgreSQL cannot be told so. The
document therefore marks those words (and the words that end in the mark, so that no two
words share a marked form) with a trailing `qzq`, which the stemmer leaves alone, and
strips the mark from the stems: the stored lexemes are FTS5's. `alliancekb.store.search`
builds a query's tsquery in the same way.

Downgrade restores 0003's unstemmed index on both backends.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Literal SQL, as in 0002 and 0003: a migration is a frozen record of what it did.


def _sqlite_index(tokenize: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS statements_fts_au",
        "DROP TRIGGER IF EXISTS statements_fts_ad",
        "DROP TRIGGER IF EXISTS statements_fts_ai",
        "DROP TABLE IF EXISTS statements_fts",
        "CREATE VIRTUAL TABLE statements_fts USING fts5("
        f"text, content='statements', tokenize='{tokenize}')",
        "CREATE TRIGGER statements_fts_ai AFTER INSERT ON statements BEGIN "
        "INSERT INTO statements_fts(rowid, text) VALUES (new.rowid, new.text); END",
        "CREATE TRIGGER statements_fts_ad AFTER DELETE ON statements BEGIN "
        "INSERT INTO statements_fts(statements_fts, rowid, text) "
        "VALUES ('delete', old.rowid, old.text); END",
        "CREATE TRIGGER statements_fts_au AFTER UPDATE OF text ON statements BEGIN "
        "INSERT INTO statements_fts(statements_fts, rowid, text) "
        "VALUES ('delete', old.rowid, old.text); "
        "INSERT INTO statements_fts(rowid, text) VALUES (new.rowid, new.text); END",
        "INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')",
    ]


_SQLITE_UP = _sqlite_index("porter unicode61 remove_diacritics 0")
_SQLITE_DOWN = _sqlite_index("unicode61 remove_diacritics 0")

# Every token type a run of letters and digits can become; numbers keep `simple`.
_WORD_TOKENS = (
    "asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, "
    "hword_numpart"
)
# Words of 1-2 characters, of more than 64, or ending in qzq get a trailing qzq.
_MARKED = r"'\m([[:alnum:]]{1,2}|[[:alnum:]]{65,}|[[:alnum:]]*qzq)\M', '\&qzq', 'gi'"
# The mark off the stems again, in the tsvector's text form ('lexeme':positions).
_UNMARKED = r"""'qzq''', '''', 'g'"""


def _pg_up(schema: str) -> list[str]:
    config = f"{schema}.alliancekb_porter"
    return [
        f"CREATE TEXT SEARCH DICTIONARY {config} (TEMPLATE = snowball, Language = porter)",
        f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = simple)",
        f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR {_WORD_TOKENS} WITH {config}",
        "DROP INDEX IF EXISTS ix_statements_text_search",
        "ALTER TABLE statements DROP COLUMN IF EXISTS search_document",
        "ALTER TABLE statements ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
        f"(regexp_replace(to_tsvector('{config}'::regconfig, regexp_replace("
        f"regexp_replace(text, '[^[:alnum:]]+', ' ', 'g'), {_MARKED}))::text, "
        f"{_UNMARKED})::tsvector) STORED",
        "CREATE INDEX ix_statements_text_search ON statements USING gin (search_document)",
    ]


def _pg_down(schema: str) -> list[str]:
    config = f"{schema}.alliancekb_porter"
    return [
        "DROP INDEX IF EXISTS ix_statements_text_search",
        "ALTER TABLE statements DROP COLUMN IF EXISTS search_document",
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {config}",
        f"DROP TEXT SEARCH DICTIONARY IF EXISTS {config}",
        "ALTER TABLE statements ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple', regexp_replace(text, '[^[:alnum:]]+', ' ', 'g'))) STORED",
        "CREATE INDEX ix_statements_text_search ON statements USING gin (search_document)",
    ]


def _schema() -> str:
    """The schema the tables live in (quoted), where the dictionary and configuration go."""
    bind = op.get_bind()
    name = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    return str(bind.dialect.identifier_preparer.quote_identifier(name))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _pg_up(_schema()):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _pg_down(_schema()):
            op.execute(statement)
