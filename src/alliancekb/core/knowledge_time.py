"""Knowledge time in plain terms: a past load of the knowledge base, and how one is named.

The database side (the versions loads replaced, and reading a past state) is
`alliancekb.store.versions`; this module needs no database.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from alliancekb.core.errors import UsageError

#: When "load 0", the empty knowledge base before the first load, stood.
EMPTY = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class KnownOnError(UsageError):
    """A knowledge time that names no load the history can reproduce.

    `parameter` says which one (`known_on`, or `diff`'s `from` / `to` / `changes`); the
    CLI names its option, the library no flag.
    """

    def __init__(self, message: str, parameter: str = "known_on") -> None:
        super().__init__(message)
        self.parameter = parameter


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class KnownOn(NamedTuple):
    """A past state of the knowledge base: the load it stood at, and when that load ended."""

    load: int
    finished_at: dt.datetime

    def describe(self) -> str:
        """`load 7 (2026-12-02 15:04 UTC)`; load 0 is the empty knowledge base."""
        if self.load == 0:
            return "the empty knowledge base (before load 1)"
        when = self.finished_at
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return f"load {self.load} ({when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC)"


def knowledge_fields(known: KnownOn, as_of: dt.date | None) -> dict[str, object]:
    """What each row read at a past load carries: `known_on` (the load), `known_at` (when
    it finished) and the `as_of` date asked, if any."""
    fields: dict[str, object] = {
        "known_on": known.load,
        "known_at": known.finished_at.isoformat(timespec="seconds"),
    }
    if as_of is not None:
        fields["as_of"] = as_of.isoformat()
    return fields


_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: A load number: ASCII digits only (`str.isdigit` also takes `²` and `١`).
_LOAD_NUMBER = re.compile(r"[0-9]+")
#: The largest load number there can be (the ids are 32-bit integers on PostgreSQL).
MAX_LOAD = 2**31 - 1


def is_load_number(value: str) -> bool:
    """Whether `value` names a load by its number (ASCII digits, spaces around allowed)."""
    return _LOAD_NUMBER.fullmatch(value.strip()) is not None


def no_such_load(digits: str | int) -> str:
    """`there is no load N`, a very long N shortened."""
    text = str(digits)
    shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text)} digits)"
    return f"there is no load {shown}"


def parse_moment(value: str) -> int | dt.datetime:
    """A load number, or a date or ISO datetime: the end of the day, hour, minute or second
    it names (naive means UTC)."""
    value = value.strip()
    if _LOAD_NUMBER.fullmatch(value):
        if len(value.lstrip("0")) > len(str(MAX_LOAD)):  # int() refuses past 4300 digits
            raise KnownOnError(f"{no_such_load(value)} (see `history`)")
        return int(value)
    try:
        if _DATE.match(value):
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        # A time means the end of what it names: `16:09` holds until 16:09:59.999999,
        # so the load `history` lists as finished at 16:09:56 is found by that time.
        clock = re.split(r"[+Z-]", value.partition("T")[2] or value.partition(" ")[2])[0]
        if "." not in clock:
            spare = {1: dt.timedelta(hours=1), 2: dt.timedelta(minutes=1)}.get(
                clock.count(":") + 1 if clock else 0, dt.timedelta(seconds=1)
            )
            moment += spare - dt.timedelta(microseconds=1)
    except ValueError:
        raise KnownOnError(
            f"{value!r} is neither a load number (see `history`) nor a date or time "
            "(YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS][+HH:MM])"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
