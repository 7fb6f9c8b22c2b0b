"""What every model shares: the declarative base, its naming convention, the column types
and the alias mixin.

Its own module so that the models of a kind added later (`store.kinds`) declare
themselves on the same base without importing `store.models`, which re-exports them and
lists every fact table (`VERSIONED_TABLES`) once all are declared.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KEY_LENGTH = 100
NAME_LENGTH = 500

intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
slug = Annotated[str, mapped_column(String(KEY_LENGTH), unique=True)]
name_text = Annotated[str, mapped_column(String(NAME_LENGTH))]
opt_name = Annotated[str | None, mapped_column(String(NAME_LENGTH))]
opt_text = Annotated[str | None, mapped_column(Text)]
edtf_text = Annotated[str, mapped_column(String(32), default="", server_default="")]
bound = Annotated[dt.date | None, mapped_column(Date)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def link_table(
    name: str, left: tuple[str, str], right: tuple[str, str], left_type: Any = Integer
) -> Table:
    """A many-to-many link table (column, referred table) x 2 whose rows vanish with either side."""
    (left_col, left_table), (right_col, right_table) = left, right
    return Table(
        name,
        Base.metadata,
        Column(
            left_col,
            left_type,
            ForeignKey(f"{left_table}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(
            right_col,
            Integer,
            ForeignKey(f"{right_table}.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


class Alias:
    """Another name an entity goes by: as written, and in normal form for lookups.

    One mixin, not one table for all kinds: each kind keeps its own table so that the
    owner is a real foreign key (ON DELETE CASCADE) rather than an unchecked (kind, id) pair.
    A subclass names its owner (`__owner__`) and declares the `<owner>_id` column.
    """

    __owner__: ClassVar[str]

    # first, as in the tables the migrations made (a mixin's columns otherwise come last)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    alias: Mapped[name_text]
    normalized: Mapped[name_text]

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint(f"{cls.__owner__}_id", "normalized"), Index(None, "normalized"))
