"""What "today" is: the day an answer without `--as-of` is for.

The system's date, unless `ALLIANCEKB_TODAY` names another (an ISO date, `2026-12-31`):
a report can then be made again later exactly as it was (currency, ages of evidence and
who holds an office all depend on the day), and the recorded outputs of the test suite
do not change with the calendar.
"""

from __future__ import annotations

import datetime as dt
import os

from alliancekb.core.errors import UsageError

ENV_TODAY = "ALLIANCEKB_TODAY"


def today() -> dt.date:
    """Today, or the day `ALLIANCEKB_TODAY` names."""
    pinned = os.environ.get(ENV_TODAY, "").strip()
    if not pinned:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise UsageError(
            f"{ENV_TODAY}={pinned!r} is not a date: give an ISO date (2026-12-31) or unset it"
        ) from None
