"""A kind's part in `show` and `timeline`, for the kinds added after the core (`query.kinds`).

`query.cards` builds the card of such a kind, and adds its section to a country's card,
from the kind's `QueryPart`; `query.timeline` gives its timeline and adds its events to a
country's timeline the same way. Rows are plain dicts; the card and the timeline pick
their fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from alliancekb.core.formats import Row
from alliancekb.core.kind_parts import kind_parts
from alliancekb.store.resolve import Kind

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: A timeline event: (its sort key, its row).
Event = tuple[tuple[Any, ...], Row]


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class CardData(NamedTuple):
    """An entity's card as plain data: its facts in order, and each section's rows."""

    fields: list[tuple[str, Any]]
    sections: list[tuple[str, list[Row]]]


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class QueryPart(NamedTuple):
    """How `show` and `timeline` read one kind."""

    kind: Kind
    #: The JSON field names of the rows of each card section it gives, by section key.
    section_fields: dict[str, tuple[str, ...]]
    #: The card of the entity with this id.
    card: Callable[[Reader, int], CardData]
    #: The timeline rows of the entity with this id, oldest first.
    timeline: Callable[[Reader, int], list[Row]]
    #: A country's section of it (key, rows), and the country's timeline events from it.
    country_section: Callable[[Reader, int], tuple[str, list[Row]]] | None = None
    country_events: Callable[[Reader, int], Iterator[Event]] | None = None


def query_parts() -> dict[Kind, QueryPart]:
    """The `PART` of every module of `query.kinds`, by kind."""
    parts: dict[Kind, QueryPart] = {}
    for module in kind_parts("alliancekb.query.kinds"):
        part = module.PART
        assert isinstance(part, QueryPart), f"{module.__name__}.PART is not a QueryPart"
        parts[part.kind] = part
    return parts
