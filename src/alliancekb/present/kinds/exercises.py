"""How `exercises` is shown: one row per edition; and an exercise card's editions."""

from __future__ import annotations

from collections.abc import Callable

from alliancekb.core.formats import Row
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import on_day, view
from alliancekb.query.kinds.exercises import ExercisesResult

W, WS, NAMES = Kind.WORD, Kind.WORDS, Kind.NAMES

EXERCISE_COLUMNS = [
    Column("exercise", style="bold", kind=Kind.NAME),
    Column("edition", kind=Kind.NAME),
    Column("year", kind=W, table=False),
    Column("from", kind=W),
    Column("to", kind=W),
    Column("hosts", kind=NAMES),
    Column("participants", kind=NAMES),
    Column("observers", kind=NAMES),
    Column("organiser", table=False),
    Column("exercise_key", table=False),
    Column("note", table=False),
    Column("sources", kind=WS),
]
#: A narrow terminal counts the long lists first (29 participants), then drops the sources.
EXERCISE_SHRINK = [
    Shrink("participants", Form.COUNT),
    Shrink("sources", Form.COUNT),
    Shrink("observers", Form.COUNT),
    Shrink("sources", Form.DROP),
    # the edition's name holds the exercise's ("Freedom Edge 24-2")
    Shrink("exercise", Form.DROP),
    Shrink("to", Form.DROP),
]
#: An exercise card's editions: the same columns, the exercise being the card's.
EDITION_COLUMNS = [c for c in EXERCISE_COLUMNS if c.key != "exercise"]
EDITION_CAPTION = "hosts, participants, observers: by role, as the edition's sources give them"


@view(ExercisesResult)
def exercises_table(result: ExercisesResult) -> Table:
    title = "Exercises"
    caption = EDITION_CAPTION
    if result.country is not None:
        title += f" with {result.country}"
        caption += f"; only the editions {result.country} takes part in, in any role"
    if result.as_of is not None:
        title += f" running {on_day(result.as_of)}"
        caption += "; an edition with only a year runs that whole year"
    return Table(
        EXERCISE_COLUMNS, result.rows, title=title, caption=caption, shrink=EXERCISE_SHRINK
    )


def editions_table(rows: list[Row]) -> Table:
    """A card's section of editions."""
    return Table(
        EDITION_COLUMNS, rows, title="Editions", caption=EDITION_CAPTION, shrink=EXERCISE_SHRINK
    )


#: A country's card: the editions it took part in, with its role.
TAKEN_PART_COLUMNS = [
    Column("edition", kind=Kind.NAME),
    Column("exercise", table=False),
    Column("from", kind=W),
    Column("to", kind=W),
    Column("role", kind=W),
    Column("sources", kind=WS),
]
TAKEN_PART_SHRINK = [Shrink("sources", Form.COUNT), Shrink("to", Form.DROP)]


def taken_part_table(rows: list[Row]) -> Table:
    """A country's card's section of the exercise editions it took part in."""
    return Table(
        TAKEN_PART_COLUMNS,
        rows,
        title="Military exercises (editions taken part in)",
        caption="role: host, participant or observer, as the edition's sources give it",
        shrink=TAKEN_PART_SHRINK,
    )


#: The tables of the card sections exercises add: an exercise's editions, and the editions
#: a country took part in.
SECTION_TABLES: dict[str, Callable[[list[Row]], Table]] = {
    "editions": editions_table,
    "exercises": taken_part_table,
}
