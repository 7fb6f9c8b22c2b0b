"""Tables about loads: the history of past loads and the report of one load."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO

from alliancekb.core.formats import Format
from alliancekb.present.output import Column, Table, emit
from alliancekb.query.history import HistoryResult

HISTORY_COLUMNS = [
    Column("id", "load", min_width=4),
    Column("finished", "finished (UTC)", min_width=19),
    Column("files"),
    Column("sha256", table=False),
    Column("records", min_width=7),
    Column("created", min_width=7),
    Column("updated", min_width=7),
    Column("unchanged", min_width=9),
]
REPORT_COLUMNS = [Column(k, min_width=9) for k in ("kind", "created", "updated", "unchanged")]


def emit_history(result: HistoryResult, fmt: Format | str, stream: IO[str] | None = None) -> None:
    """Write the past loads in `fmt`."""
    emit(Table(HISTORY_COLUMNS, result.rows, title="Loads, newest first"), fmt, stream)


def render_load_counts(
    files: Iterable[str], counts: Mapping[str, Mapping[str, int]], verb: str
) -> None:
    """Print what a load created, updated and left unchanged per kind (kinds with any)."""
    rows = [
        {"kind": kind.replace("_", " "), **by_outcome}
        for kind, by_outcome in counts.items()
        if any(by_outcome.values())
    ]
    emit(Table(REPORT_COLUMNS, rows, title=f"{', '.join(files)}: {verb}"), "table")
