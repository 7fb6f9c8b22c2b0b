"""dataset claims: who claims a membership, its obligations, dated country codes, coverage

Issue 15 (COW and ATOP): a membership is a claim by its sources or by a dataset, and the
claims of several datasets about one membership are kept side by side, never merged into
one row by the loader:

- `memberships.claim`: '' for a record of the knowledge base's own, or the key of the
  dataset source that claims it; the natural key (country, scope, role, from) gains it.
- `memberships.obligations`: the obligations coded for the member ('; '-joined).
- `sources.covers_from` / `covers_to`: a dataset's coverage window (EDTF, with bounds).
- `country_codes`: the codes other systems give a country over time (COW ccodes).

Existing rows get '' (their own claim, no obligations coded, no coverage, no codes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = "uq_memberships_country_id_scope_id_role_from_text"
_NEW_KEY = "uq_memberships_country_id_scope_id_role_from_text_claim"
_KEY_COLUMNS = ["country_id", "scope_id", "role", "from_text"]


def _edtf(name: str, stem: str | None = None) -> list[sa.Column[object]]:
    """An EDTF date's three columns: the text, and the bounds named after `stem`."""
    stem = stem or name
    return [
        sa.Column(name, sa.String(32), nullable=False, server_default=""),
        sa.Column(f"{stem}_lower", sa.Date(), nullable=True),
        sa.Column(f"{stem}_upper", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("claim", sa.String(100), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("obligations", sa.String(200), nullable=False, server_default="")
        )
        batch.drop_constraint(_OLD_KEY, type_="unique")
        batch.create_unique_constraint(_NEW_KEY, [*_KEY_COLUMNS, "claim"])
    with op.batch_alter_table("sources") as batch:
        for column in [*_edtf("covers_from"), *_edtf("covers_to")]:
            batch.add_column(column)
    op.create_table(
        "country_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.Column(
            "scheme",
            sa.Enum(
                "cow", name="code_scheme", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(20), nullable=False),
        *_edtf("from_text", "from"),
        *_edtf("to_text", "to"),
        sa.ForeignKeyConstraint(
            ["country_id"],
            ["countries.id"],
            name="fk_country_codes_country_id_countries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_country_codes"),
        sa.UniqueConstraint(
            "scheme", "code", "from_text", name="uq_country_codes_scheme_code_from_text"
        ),
    )
    op.create_index("ix_country_codes_scheme_code", "country_codes", ["scheme", "code"])


def downgrade() -> None:
    op.drop_index("ix_country_codes_scheme_code", table_name="country_codes")
    op.drop_table("country_codes")
    with op.batch_alter_table("sources") as batch:
        for name in ("covers_to", "covers_from"):
            for suffix in ("_upper", "_lower", ""):
                batch.drop_column(name + suffix)
    # Dataset claims cannot live in the old key (they would collide with the knowledge
    # base's own records): they go, and the old key comes back.
    op.execute(
        "DELETE FROM membership_sources WHERE membership_id IN "
        "(SELECT id FROM memberships WHERE claim <> '')"
    )
    op.execute("DELETE FROM memberships WHERE claim <> ''")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_constraint(_NEW_KEY, type_="unique")
        batch.create_unique_constraint(_OLD_KEY, _KEY_COLUMNS)
        batch.drop_column("obligations")
        batch.drop_column("claim")
