"""How `conflicts` is shown: where the sources disagree about a membership."""

from __future__ import annotations

from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import view
from alliancekb.query.conflicts import ConflictsResult

W, NAMES = Kind.WORD, Kind.NAMES

CONFLICT_COLUMNS = [
    Column("scope", style="bold", kind=Kind.NAME),
    Column("country", style="bold", kind=Kind.NAME),
    Column("iso3", kind=W, table=False),
    Column("kind", kind=W),
    Column("values", "sources say", kind=NAMES),
    Column("note", min_width=16),
]
CONFLICT_SHRINK = [Shrink("note", Form.FOOTNOTE)]


@view(ConflictsResult)
def conflicts_table(result: ConflictsResult) -> Table:
    title = "Where the sources disagree"
    title += f" about {result.scope}" if result.scope else ""
    title += f" on {result.country}" if result.country else ""
    return Table(
        CONFLICT_COLUMNS,
        result.rows,
        title=title,
        caption=(
            "missing: one source lists the member on dates another covers without it; "
            "start/end: the dates differ beyond their precision (or an exit falls after "
            "another source's coverage); gap: one source has the member out between two "
            "spells while another has it in; obligation: the datasets code different "
            "obligations"
        ),
        shrink=CONFLICT_SHRINK,
    )
