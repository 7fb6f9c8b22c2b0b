"""The record of past loads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alliancekb.store import models as m


@dataclass(frozen=True)
class LoadFileSummary:
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
