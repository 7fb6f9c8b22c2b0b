"""PostgreSQL: the search document may come with the row; a trigger computes it otherwise

0007's stored generated column computed `statements.search_document` on the server for
every inserted row: two regular expressions, `to_tsvector` with the Porter stemmer and a
third expression over its text, most of the server's time in a load. The loader can build
the same document itself (store/pg_search_document.py, tested equal to the function
below) and send it with the row. So on PostgreSQL:

- `search_document` stays, with its values and its GIN index, as a plain column (`DROP
  EXPRESSION`).
- `alliancekb_search_document(text)`: 0007's expression as a function, the reference.
- A trigger fills the column with it when a row is inserted without one, and whenever an
  update changes `text`: every other writer (the ORM, `psql`) gets what 0007 gave.

SQLite is unchanged (its FTS5 index is kept by triggers already). Downgrade restores 0007's
generated column (computed again for every row).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Literal SQL, as in 0007 (whose expression this is): a migration is a frozen record.
_MARKED = r"'\m([[:alnum:]]{1,2}|[[:alnum:]]{65,}|[[:alnum:]]*qzq)\M', '\&qzq', 'gi'"
_UNMARKED = r"""'qzq''', '''', 'g'"""


def _document(config: str, text: str) -> str:
    return (
        f"regexp_replace(to_tsvector('{config}'::regconfig, regexp_replace("
        f"regexp_replace({text}, '[^[:alnum:]]+', ' ', 'g'), {_MARKED}))::text, "
        f"{_UNMARKED})::tsvector"
    )


def _pg_up(schema: str) -> list[str]:
    config = f"{schema}.alliancekb_porter"
    return [
        "ALTER TABLE statements ALTER COLUMN search_document DROP EXPRESSION",
        f"CREATE FUNCTION {schema}.alliancekb_search_document(document_text text) "
        "RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$ SELECT {_document(config, 'document_text')} $$",
        f"CREATE FUNCTION {schema}.statements_search_document() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.search_document := {schema}.alliancekb_search_document(NEW.text); "
        "RETURN NEW; END $$",
        "CREATE TRIGGER statements_search_bi BEFORE INSERT ON statements FOR EACH ROW "
        "WHEN (NEW.search_document IS NULL) "
        f"EXECUTE FUNCTION {schema}.statements_search_document()",
        "CREATE TRIGGER statements_search_bu BEFORE UPDATE OF text ON statements "
        "FOR EACH ROW WHEN (NEW.text IS DISTINCT FROM OLD.text) "
        f"EXECUTE FUNCTION {schema}.statements_search_document()",
    ]


def _pg_down(schema: str) -> list[str]:
    config = f"{schema}.alliancekb_porter"
    return [
        "DROP TRIGGER IF EXISTS statements_search_bu ON statements",
        "DROP TRIGGER IF EXISTS statements_search_bi ON statements",
        f"DROP FUNCTION IF EXISTS {schema}.statements_search_document()",
        f"DROP FUNCTION IF EXISTS {schema}.alliancekb_search_document(text)",
        "DROP INDEX IF EXISTS ix_statements_text_search",
        "ALTER TABLE statements DROP COLUMN IF EXISTS search_document",
        "ALTER TABLE statements ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
        f"({_document(config, 'text')}) STORED",
        "CREATE INDEX ix_statements_text_search ON statements USING gin (search_document)",
    ]


def _schema() -> str:
    """The schema the tables live in (quoted), where the functions go."""
    bind = op.get_bind()
    name = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    return str(bind.dialect.identifier_preparer.quote_identifier(name))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _pg_up(_schema()):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _pg_down(_schema()):
            op.execute(statement)
