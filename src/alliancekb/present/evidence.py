"""How an answer tells its evidence: the currency note, how old the newest evidence is on
the day asked, the sources disputing a row. Shared by the tables of `members`, `allies`,
`alliances` and `officials` (`present/views.py`, `present/allies.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from alliancekb.core.evidence import edtf_or_none
from alliancekb.core.formats import Row


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from one day to a later one."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def evidence_horizon(newest: str | None, day: dt.date) -> str:
    """The caption's evidence horizon: how old the newest evidence is on the day asked."""
    if newest is None:
        return "no dated evidence"
    found = edtf_or_none(newest)
    if found is None or found.upper >= day:
        return f"newest evidence {newest}"
    months = months_between(found.upper, day)
    age = f"{months} months" if months != 1 else "1 month"
    if months < 1:
        age = f"{(day - found.upper).days} days"
    return f"newest evidence {newest}, {age} before {day.isoformat()}"


CURRENCY_NOTE = (
    "currency: known = within the evidence; presumed = in force past its evidence, "
    "presumed to continue; unconfirmed = past its evidence, only the last thing known"
)


def disputed_by(rows: Iterable[Row]) -> Iterator[Row]:
    """Rows with `disputed_by`: the keys of the sources that dispute each (table only)."""
    for row in rows:
        claims = row.get("disputed") or []
        yield {**row, "disputed_by": [str(c).split(":", 1)[0] for c in claims]}
