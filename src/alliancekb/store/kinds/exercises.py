"""Military exercises (issue 30): an exercise, its dated editions, who took part and how.

An exercise (RIMPAC, Talisman Sabre) is a named entity like an alliance: a key, a name,
aliases, an optional organiser (a country or an alliance). Each edition is one running
of it: a year, EDTF dates at their precision, the countries taking part with their role
(host, participant, observer) and the sources that say so. An edition's natural key is
(exercise, year, name): two editions in one year (a spring and an autumn running) are
told apart by their name; `name` is '' when the year alone names the edition.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliancekb.core.vocab import ExerciseRole
from alliancekb.store.model_base import (
    NAME_LENGTH,
    Alias,
    Base,
    bound,
    edtf_text,
    intpk,
    link_table,
    name_text,
    opt_text,
    slug,
)
from alliancekb.store.tables import vocabulary

exercise_edition_sources = link_table(
    "exercise_edition_sources", ("edition_id", "exercise_editions"), ("source_id", "sources")
)


class Exercise(Base):
    """A recurring military exercise, organised by a country or an alliance (or not known)."""

    __tablename__ = "exercises"
    __table_args__ = (
        # One organiser at most: a country or an alliance, as a position's office.
        CheckConstraint(
            "organiser_country_id IS NULL OR organiser_alliance_id IS NULL",
            name="one_organiser",
        ),
    )

    id: Mapped[intpk]
    key: Mapped[slug]
    name: Mapped[name_text]
    organiser_country_id: Mapped[int | None] = mapped_column(
        ForeignKey("countries.id", ondelete="RESTRICT"), index=True
    )
    organiser_alliance_id: Mapped[int | None] = mapped_column(
        ForeignKey("alliances.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[opt_text]

    aliases: Mapped[list[ExerciseAlias]] = relationship(
        cascade="all, delete-orphan", order_by="ExerciseAlias.alias"
    )
    editions: Mapped[list[ExerciseEdition]] = relationship(
        back_populates="exercise",
        cascade="all, delete-orphan",
        order_by="(ExerciseEdition.year, ExerciseEdition.name)",
    )


class ExerciseEdition(Base):
    """One running of an exercise: its year, its dates as written, and their bounds."""

    __tablename__ = "exercise_editions"
    __table_args__ = (
        UniqueConstraint("exercise_id", "year", "name"),
        CheckConstraint("year >= 1 AND year <= 9999", name="year_range"),
        # `--as-of` reads editions by their first day.
        Index("ix_exercise_editions_from", "from_lower"),
    )

    id: Mapped[intpk]
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    year: Mapped[int]
    #: The edition's own name ("RIMPAC 2024"); '' when its year alone names it.
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="", server_default="")
    from_text: Mapped[edtf_text]
    from_lower: Mapped[bound]
    from_upper: Mapped[bound]
    to_text: Mapped[edtf_text]
    to_lower: Mapped[bound]
    to_upper: Mapped[bound]
    note: Mapped[opt_text]

    exercise: Mapped[Exercise] = relationship(back_populates="editions")
    participants: Mapped[list[ExerciseParticipant]] = relationship(
        cascade="all, delete-orphan", order_by="ExerciseParticipant.country_id"
    )


class ExerciseParticipant(Base):
    """A country's part in an edition: host, participant or observer (one role each)."""

    __tablename__ = "exercise_participants"

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_editions.id", ondelete="CASCADE"), primary_key=True
    )
    country_id: Mapped[int] = mapped_column(
        ForeignKey("countries.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    role: Mapped[ExerciseRole] = mapped_column(vocabulary(ExerciseRole, "exercise_role"))


class ExerciseAlias(Alias, Base):
    """Another name an exercise goes by ("Exercise Talisman Sabre")."""

    __tablename__ = "exercise_aliases"
    __owner__ = "exercise"
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
