"""memberships and positions carry an explicit evidence date (`confirmed`)

Truth over time (issue 14): a fact's evidence date is the newest date at which a cited
source supports it. It is usually the newest cited source's publication date, computed
when the fact is read; a record may also say `confirmed: DATE` when a source restates the
fact later than it was published. That explicit date is stored like every EDTF date: the
text as written ('' = none) and its first and last day. Existing rows get no explicit
date, which leaves their evidence to their sources, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("memberships", "positions")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("confirmed", sa.String(32), nullable=False, server_default="")
            )
            batch.add_column(sa.Column("confirmed_lower", sa.Date(), nullable=True))
            batch.add_column(sa.Column("confirmed_upper", sa.Date(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("confirmed_upper")
            batch.drop_column("confirmed_lower")
            batch.drop_column("confirmed")
