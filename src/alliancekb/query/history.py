"""The record of past loads, and of the retractions each made (who, why, when)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from alliancekb.store import tables as t

if TYPE_CHECKING:
    from alliancekb.query.common import Reader


@dataclass(frozen=True)
class LoadFileSummary:
    """One file of a past load: its path, digest, size and record count."""

    path: str
    sha256: str
    size: int
    records: int


@dataclass(frozen=True)
class LoadSummary:
    """One past load and its totals over every kind."""

    id: int
    finished_at: dt.datetime
    files: Sequence[LoadFileSummary]
    counts: dict[str, dict[str, int]]
    #: What the load retracted: `membership JPN|aukus/2|partner|2024-04~ by alice: why`.
    retractions: Sequence[str] = ()

    def _total(self, outcome: str) -> int:
        return sum(c.get(outcome, 0) for c in self.counts.values())

    @property
    def created(self) -> int:
        return self._total("created")

    @property
    def updated(self) -> int:
        return self._total("updated")

    @property
    def unchanged(self) -> int:
        return self._total("unchanged")

    @property
    def retracted(self) -> int:
        """Retractions recorded, plus records skipped because their fact is retracted."""
        return self._total("retracted")


def recent_loads(session: Reader, limit: int = 20) -> list[LoadSummary]:
    """The newest loads first."""
    loads = session.execute(
        select(t.loads.c.id, t.loads.c.finished_at, t.loads.c.counts)
        .order_by(t.loads.c.id.desc())
        .limit(limit)
    ).all()
    files: dict[int, list[LoadFileSummary]] = {}
    retractions: dict[int, list[str]] = {}
    if loads:
        ids = [load.id for load in loads]
        f = t.load_files.c
        for r in session.execute(
            select(f.load_id, f.path, f.sha256, f.size, f.records)
            .where(f.load_id.in_(ids))
            .order_by(f.load_id, f.position)
        ):
            files.setdefault(r.load_id, []).append(
                LoadFileSummary(r.path, r.sha256, r.size, r.records)
            )
        x = t.retractions.c
        for r in session.execute(
            select(x.load_id, x.kind, x.key, x.retracted_by, x.reason)
            .where(x.load_id.in_(ids))
            .order_by(x.id)
        ):
            retractions.setdefault(r.load_id, []).append(
                f"{r.kind} {r.key} by {r.retracted_by}: {r.reason}"
            )
    return [
        LoadSummary(
            id=load.id,
            finished_at=load.finished_at,
            files=files.get(load.id, []),
            counts=dict(load.counts),
            retractions=retractions.get(load.id, []),
        )
        for load in loads
    ]


#: The JSON field names of a history row, in order.
HISTORY_FIELDS = (
    "id",
    "finished",
    "files",
    "sha256",
    "records",
    "created",
    "updated",
    "unchanged",
    "retracted",
    "retractions",
)


@dataclass
class HistoryResult:
    """Past loads, newest first: one row per load keyed by HISTORY_FIELDS."""

    limit: int
    rows: list[dict[str, object]] = field(repr=False)


def history(session: Reader, limit: int = 20) -> HistoryResult:
    """The newest `limit` loads as rows: when (UTC), which files and digests, what changed."""
    rows: list[dict[str, object]] = [
        {
            "id": load.id,
            "finished": load.finished_at.strftime("%Y-%m-%d %H:%M:%S"),
            "files": [f.path for f in load.files],
            "sha256": [f.sha256 for f in load.files],
            "records": sum(f.records for f in load.files),
            "created": load.created,
            "updated": load.updated,
            "unchanged": load.unchanged,
            "retracted": load.retracted,
            "retractions": list(load.retractions),
        }
        for load in recent_loads(session, limit)
    ]
    return HistoryResult(limit, rows)
