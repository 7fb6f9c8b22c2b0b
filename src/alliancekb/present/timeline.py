"""How `timeline` is shown: an entity's dated events, oldest first."""

from __future__ import annotations

from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import view
from alliancekb.query.timeline import TimelineResult

W, WS = Kind.WORD, Kind.WORDS

TIMELINE_COLUMNS = [
    Column("date", kind=W),
    Column("event", kind=W),
    Column("subject", style="bold", min_width=12),
    Column("status", kind=W),
    Column("detail", min_width=24),
    Column("sources", kind=WS),
    Column("confirmed", kind=W, table=False),
    Column("currency", kind=W, table=False),
]
TIMELINE_SHRINK = [
    Shrink("sources", Form.COUNT),
    Shrink("detail", Form.FOOTNOTE),
    Shrink("sources", Form.DROP),
]


@view(TimelineResult)
def timeline_table(result: TimelineResult) -> Table:
    return Table(
        TIMELINE_COLUMNS,
        result.rows,
        title=f"Timeline of {result.name}",
        caption=(
            "dates by their first day; undated starts (no `from` recorded) last; "
            "status of a statement = stance"
        ),
        shrink=TIMELINE_SHRINK,
    )
