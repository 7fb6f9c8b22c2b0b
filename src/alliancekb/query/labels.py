"""Readable names for the alliances a dataset numbers but does not name.

COW and ATOP give their alliances numbers, not names. An alliance the import cannot link
to a named one (the crosswalk, docs/datasets.md) is stored as "ATOP alliance 1390
(1894–1895)" under the key `atop-1390`: true, but a chart of Japan with twenty such lanes
says nothing. What the import does know is who was in it, so a picture names it by its
members (as the dataset records them, every claim), its dataset and number, and its years:
"with Korea (ATOP 1390, 1894–1895)" on Japan's chart, "Japan–Korea (ATOP 1390,
1894–1895)" as a title or a graph node. The stored name is left as the import wrote it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from alliancekb.core.datasets import DATASETS
from alliancekb.store import tables as t
from alliancekb.store.entities import Kind

if TYPE_CHECKING:
    from alliancekb.query.common import Reader, ScopeInfo

#: The name `load/datasets/common.py` gives an alliance it cannot link (its key:
#: `<dataset>-<number>`); only such a name is replaced.
_NUMBERED = re.compile(r"(?P<label>[A-Za-z]+) alliance (?P<number>\d+) \((?P<years>[^)]*)\)")
_DATASET_NAMES = frozenset(d.name for d in DATASETS)
#: A label's room for the members' names (the rest: dataset, number, years).
ROOM = 34
#: Said under a picture that names such an alliance.
NOTE = (
    "COW and ATOP number their alliances without naming them: such an alliance is named "
    "here by its members, with its dataset, number and years."
)


def _numbered(key: str, name: str) -> tuple[str, str, str] | None:
    """(dataset label, number, years) of an alliance the import named by its number."""
    found = _NUMBERED.fullmatch(name)
    if found is None:
        return None
    label, number = found["label"], found["number"]
    if label.lower() not in _DATASET_NAMES or key != f"{label.lower()}-{number}":
        return None
    return label, number, found["years"]


def listed(names: Sequence[str], room: int = ROOM, pair: str = "–") -> str:
    """Names joined while they fit in `room` characters, the rest counted: "A, B and 3 more";
    two that fit are joined by `pair` ("Japan–Korea", "Germany and Italy")."""
    if len(names) == 2 and len(names[0]) + len(pair) + len(names[1]) <= room:
        return f"{names[0]}{pair}{names[1]}"
    shown: list[str] = []
    for i, name in enumerate(names):
        rest = len(names) - i - 1
        tail = f" and {rest} more" if rest else ""
        if shown and len(", ".join([*shown, name])) + len(tail) > room:
            break
        shown.append(name)
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def _members(session: Reader, scope_ids: Collection[int]) -> dict[int, list[tuple[str, str]]]:
    """Each scope's countries (iso3, name), in order of their first entry, then name."""
    ms, c = t.memberships.c, t.countries.c
    first = func.min(ms.from_lower)
    rows = session.execute(
        select(ms.scope_id, c.iso3, c.name, first)
        .join(t.countries, c.id == ms.country_id)
        .where(ms.scope_id.in_(sorted(scope_ids)))
        .group_by(ms.scope_id, c.iso3, c.name)
    ).all()
    by_scope: dict[int, list[tuple[dt.date, str, str]]] = {}
    for scope_id, iso3, name, day in rows:
        by_scope.setdefault(scope_id, []).append((day or dt.date.max, name, iso3))
    return {
        sid: [(iso3, name) for _, name, iso3 in sorted(found)] for sid, found in by_scope.items()
    }


def numbered_alliance_labels(
    session: Reader,
    scope_ids: Collection[int],
    *,
    besides: str | None = None,
    infos: Mapping[int, ScopeInfo] | None = None,
) -> dict[int, str]:
    """A readable label for each of these scopes that is a dataset's numbered alliance.

    `besides`: the iso3 of the country whose picture it is; its partners are named
    ("with Korea (ATOP 1390, 1894–1895)"). Without it, every member ("Japan–Korea (...)").
    Scopes with another name (a named alliance, a pillar) are not in the answer.
    `infos`: the scopes' labels (`scope_infos`), if the caller read them: only the
    alliances named as a number are read again (for their keys), none if there are none.
    """
    if infos is not None:
        scope_ids = [
            s
            for s in scope_ids
            if infos[s].kind is Kind.ALLIANCE and _NUMBERED.fullmatch(infos[s].label)
        ]
        if not scope_ids:
            return {}
    a = t.alliances.c
    numbered: dict[int, tuple[str, str, str]] = {}
    for scope_id, key, name in session.execute(
        select(a.scope_id, a.key, a.name).where(a.scope_id.in_(sorted(scope_ids)))
    ):
        parts = _numbered(key, name)
        if parts is not None:
            numbered[scope_id] = parts
    if not numbered:
        return {}
    labels: dict[int, str] = {}
    for scope_id, countries in _members(session, numbered).items():
        label, number, years = numbered[scope_id]
        names = [name for iso3, name in countries if iso3 != besides]
        if not names:
            continue
        who = f"with {listed(names, pair=' and ')}" if besides else listed(names)
        labels[scope_id] = f"{who} ({label} {number}, {years})"
    return labels
