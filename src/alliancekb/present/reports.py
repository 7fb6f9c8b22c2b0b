"""Tables about loads: the history of past loads and the report of one load."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from alliancekb.core.formats import Format
from alliancekb.present.escape import visible
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table, emit
from alliancekb.query.history import HistoryResult

if TYPE_CHECKING:
    # The dumper behind a diff (YAML, the models) is no cost of `history` (start-up).
    from alliancekb.dump.diff import DiffResult

HISTORY_COLUMNS = [
    Column("id", "load", kind=Kind.WORD),
    Column("finished", "finished (UTC)", min_width=10),  # wraps between date and time
    Column("files", kind=Kind.WORDS),
    Column("sha256", kind=Kind.WORD, table=False),
    Column("records", kind=Kind.WORD),
    Column("created", kind=Kind.WORD),
    Column("updated", kind=Kind.WORD),
    Column("unchanged", kind=Kind.WORD),
    # In CSV and JSON only: a table lists each retraction under the load's files instead
    # (so the table of plain loads reads as it always has, and still fits a terminal).
    Column("retracted", kind=Kind.WORD, table=False),
    Column("retractions", kind=Kind.WORDS, table=False),
]
#: A file's path is never split: on a narrow terminal the paths go under the table.
HISTORY_SHRINK = [Shrink("files", Form.FOOTNOTE)]
HISTORY_CAPTION = (
    "records: the records in the files; created, updated, unchanged: the facts of each "
    "outcome, counted with the pillars inside alliances and the positions inside officials "
    "(so they may add up to more than records)"
)
REPORT_COLUMNS = [
    Column("kind"),
    *(Column(k, kind=Kind.WORD) for k in ("created", "updated", "unchanged")),
]
#: The load report's column for retractions: only when the load had any.
RETRACTED_COLUMN = Column("retracted", kind=Kind.WORD)


def emit_history(result: HistoryResult, fmt: Format | str, stream: IO[str] | None = None) -> None:
    """Write the past loads in `fmt`; a table lists what a load retracted under its files."""
    rows = result.rows
    if Format(fmt).for_people:
        rows = [_with_retractions(row) for row in rows]
    table = Table(
        HISTORY_COLUMNS,
        rows,
        title="Loads, newest first",
        caption=HISTORY_CAPTION,
        shrink=HISTORY_SHRINK,
    )
    emit(table, fmt, stream)


def _with_retractions(row: dict[str, object]) -> dict[str, object]:
    retractions = row.get("retractions") or []
    if not retractions:
        return row
    assert isinstance(retractions, list)
    assert isinstance(row["files"], list)
    # A reason a load gave may hold a line break: shown escaped, it cannot forge a row.
    shown = (f"retracted {visible(str(r), newlines=False)}" for r in retractions)
    return {**row, "files": [*row["files"], *shown]}


def render_load_counts(
    files: Iterable[str], counts: Mapping[str, Mapping[str, int]], verb: str
) -> None:
    """Print what a load created, updated and left unchanged per kind (kinds with any)."""
    rows = [
        {"kind": kind.replace("_", " "), "retracted": 0, **by_outcome}
        for kind, by_outcome in counts.items()
        if any(by_outcome.values())
    ]
    columns = REPORT_COLUMNS
    if any(row["retracted"] for row in rows):
        columns = [*REPORT_COLUMNS, RETRACTED_COLUMN]
    title = f"{', '.join(files)}: {verb}" if files else verb
    emit(Table(columns, rows, title=title), "table")


DIFF_COLUMNS = [
    Column("load", kind=Kind.WORD),
    Column("change", kind=Kind.WORD),
    Column("kind", kind=Kind.WORD),
    Column("key", kind=Kind.WORD),
    Column("field", kind=Kind.WORD),
    # As wide as a key (or less, when every value is shorter): a key in a value is never
    # cut; on a narrow terminal the values go under the table, whole.
    Column("old", min_width=60, clip=4),
    Column("new", min_width=60, clip=4),
    # The table names each load's files once, under it (the caption).
    Column("files", kind=Kind.WORDS, table=False),
]
#: At 80 columns the load goes first (the caption lists the loads), then the kind, then the
#: old and the new values become numbered notes under the table.
DIFF_SHRINK = [
    Shrink("load", Form.DROP),
    Shrink("kind", Form.DROP),
    Shrink("old", Form.FOOTNOTE),
    Shrink("new", Form.FOOTNOTE),
]


def emit_diff(result: DiffResult, fmt: Format | str, stream: IO[str] | None = None) -> None:
    """Write the changes between two loads: one row per fact added, removed or retracted,
    and per field updated; the loads with their files and sha256 in the caption."""
    before, after = result.before, result.after
    loads = "; ".join(
        f"load {load.load}: "
        + (", ".join(f"{path} (sha256 {digest[:12]}…)" for path, digest in load.files) or "-")
        for load in result.loads
    )
    none = "" if result.rows else "No fact changed. "
    table = Table(
        DIFF_COLUMNS,
        result.rows,
        title=f"Changes from {before.describe()} to {after.describe()}",
        caption=(
            f"{none}Loads: {loads or 'none'}. old/new: a removed or added fact as its "
            "load-format record (JSON); lists joined by '; '"
        ),
        shrink=DIFF_SHRINK,
    )
    emit(table, fmt, stream)


#: How many updated facts a load's report lists field by field.
UPDATES_SHOWN = 5


def render_updates(rows: Sequence[dict[str, Any]], updated: int, load: int) -> None:
    """After a load: what changed in the first updated facts, one `field: old -> new` line
    each (a newer source cited shows as the sources' change), then where the rest are."""
    import sys

    facts: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        facts.setdefault((row["kind"], row["key"]), []).append(row)
    out = sys.stdout
    shown = list(facts.items())[:UPDATES_SHOWN]
    if shown:
        plural = "s" if len(facts) != 1 else ""
        first = f", the first {len(shown)}" if len(facts) > len(shown) else ""
        out.write(f"updated ({len(facts)} fact{plural}{first}):\n")
    for (kind, key), changes in shown:
        out.write(f"  {kind} {visible(key, newlines=False)}\n")
        for change in changes:
            out.write(
                f"    {change['field']}: {_short(change['old'])} -> {_short(change['new'])}\n"
            )
            if change["field"] == "sources" and change["old"]:
                dropped = set(change["old"].split("; ")) - set((change["new"] or "").split("; "))
                if dropped:
                    gone = visible(", ".join(sorted(dropped)), newlines=False)
                    out.write(
                        f"    no longer cited: {gone}"
                        " (a record's sources are replaced: list the old ones too to add "
                        "evidence)\n"
                    )
    rest = updated - len(shown) if shown else updated
    if rest > 0 or not shown:
        out.write(
            f"{'every' if not shown else 'the other'} updated record's changes, field by field: "
            f"`alliancekb history --changes {load}`\n"
        )


def _short(value: str | None, width: int = 100) -> str:
    """A value on one line, cut at `width` characters (`(none)` for nothing)."""
    if value is None or value == "":
        return "(none)"
    text = visible(value, newlines=False)
    return text if len(text) <= width else text[: width - 1] + "…"
