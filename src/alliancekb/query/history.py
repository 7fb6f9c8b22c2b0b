"""The record of past loads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alliancekb.store import models as m


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


def recent_loads(session: Session, limit: int = 20) -> list[LoadSummary]:
    """The newest loads first."""
    loads = session.scalars(
        select(m.Load).options(selectinload(m.Load.files)).order_by(m.Load.id.desc()).limit(limit)
    )
    return [
        LoadSummary(
            id=load.id,
            finished_at=load.finished_at,
            files=[LoadFileSummary(f.path, f.sha256, f.size, f.records) for f in load.files],
            counts=dict(load.counts),
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
)


@dataclass
class HistoryResult:
    """Past loads, newest first: one row per load keyed by HISTORY_FIELDS."""

    limit: int
    rows: list[dict[str, object]] = field(repr=False)


def history(session: Session, limit: int = 20) -> HistoryResult:
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
        }
        for load in recent_loads(session, limit)
    ]
    return HistoryResult(limit, rows)
