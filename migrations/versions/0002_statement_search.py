"""full-text search over statement text

SQLite: an FTS5 external-content table over statements.text, kept in step by triggers,
built for the rows already there. PostgreSQL: a GIN expression index. Both tokenize text
the same way (see alliancekb.store.search), so a search gives the same rows on both.

A later migration that rebuilds `statements` on SQLite (batch mode copies the table and
drops the old one) drops these triggers with it and may renumber rowids: it must re-create
the triggers and run `INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')`.
The writers must not use INSERT OR REPLACE on statements either: the rows REPLACE deletes
fire no delete trigger (unless recursive_triggers is on) and the index would go stale.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Literal SQL (not built from alliancekb.store.search): a migration is a frozen record of what
# it did, whatever the package says later.
_SQLITE_UP = [
    # unicode61 with diacritics kept: PostgreSQL's 'simple' configuration keeps them too.
    "CREATE VIRTUAL TABLE statements_fts USING fts5("
    "text, content='statements', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER statements_fts_ai AFTER INSERT ON statements BEGIN "
    "INSERT INTO statements_fts(rowid, text) VALUES (new.rowid, new.text); END",
    "CREATE TRIGGER statements_fts_ad AFTER DELETE ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); END",
    "CREATE TRIGGER statements_fts_au AFTER UPDATE OF text ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, text) "
    "VALUES ('delete', old.rowid, old.text); "
    "INSERT INTO statements_fts(rowid, text) VALUES (new.rowid, new.text); END",
    # Index the rows that exist already.
    "INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS statements_fts_au",
    "DROP TRIGGER IF EXISTS statements_fts_ad",
    "DROP TRIGGER IF EXISTS statements_fts_ai",
    "DROP TABLE IF EXISTS statements_fts",
]
_PG_UP = (
    "CREATE INDEX ix_statements_text_search ON statements USING gin "
    "(to_tsvector('simple', regexp_replace(text, '[^[:alnum:]]+', ' ', 'g')))"
)
_PG_DOWN = "DROP INDEX IF EXISTS ix_statements_text_search"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_PG_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_PG_DOWN)
