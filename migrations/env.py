"""Alembic environment: the models' metadata, batch mode for SQLite, our engine setup."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from alliancekb.core.config import resolve_target
from alliancekb.store.db import create_db_engine
from alliancekb.store.migrate import include_name
from alliancekb.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        transaction_per_migration=False,
        # The search machinery (FTS5 tables, a GIN expression index) is not in the models.
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = create_db_engine(resolve_target().url)
    with engine.connect() as conn:
        run_with(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=resolve_target().url,
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
