"""How `allies` is shown: one row per partner, the ties that bind them, who owes whom."""

from __future__ import annotations

from dataclasses import replace

from alliancekb.present.evidence import CURRENCY_NOTE, disputed_by
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import view
from alliancekb.query.allies import AlliesResult

W, WS, NAMES = Kind.WORD, Kind.WORDS, Kind.NAMES

ALLY_COLUMNS = [
    Column("country", style="bold", kind=Kind.NAME),
    Column("iso3", kind=W),
    Column("alliances", kind=NAMES, table=False),
    Column("obligations", kind=WS, table=False),
    Column("status", kind=W, table=False),
    Column("confirmed", kind=W),
    Column("currency", kind=W),
    Column("ties", min_width=24),
    Column("binds", min_width=20, table=False),
    Column("bound_by", "bound by", min_width=20, table=False),
    Column("disputed", table=False),
    Column("sources", kind=WS, table=False),
    Column("disputed_by", "disputed by", kind=WS, data=False),
]
ALLY_SHRINK = [Shrink("iso3", Form.DROP), Shrink("confirmed", Form.DROP)]


@view(AlliesResult)
def allies_table(result: AlliesResult) -> Table:
    """`allies`: one row per partner; directed, what each side owes the other."""
    when = result.as_of.isoformat() + ("" if result.dated else " (today)")
    title = f"Allies of {result.country} as of {when}"
    columns = ALLY_COLUMNS
    if result.directed:
        columns = [
            replace(c, table=c.key in ("binds", "bound_by") or (c.table and c.key != "ties"))
            for c in ALLY_COLUMNS
        ]
        columns = [replace(c, header=f"{result.iso3} owes") if c.key == "binds" else c
                   for c in columns]  # fmt: skip
        columns = [replace(c, header=f"owes {result.iso3}") if c.key == "bound_by" else c
                   for c in columns]  # fmt: skip
    which = f" by ties carrying {', '.join(result.obligations)}" if result.obligations else ""
    rule = (
        f"`{result.iso3} owes`: the obligations {result.country} carries toward the partner; "
        f"`owes {result.iso3}`: the partner's toward it"
        if result.directed
        else "a tie carries an obligation if either party does (--directed: who owes whom)"
    )
    n, k = len(result.rows), result.alliance_count
    caption = (
        f"{n} {'country' if n == 1 else 'countries'} tied to {result.country}{which}, of "
        f"the {k} {'alliance or pillar' if k == 1 else 'alliances or pillars'} it is in (as "
        f"`members` answers: in force or suspended); {rule}; obligations are the treaty's "
        f"unless a member's own claim codes others. {CURRENCY_NOTE}."
    )
    return Table(
        columns, disputed_by(result.rows), title=title, caption=caption, shrink=ALLY_SHRINK
    )
