"""The Markdown report (and docs/PERFORMANCE.md) from a benchmark run's JSON.

    python -m bench.report RESULTS.json [--out REPORT.md]

Every target of the loader (issue 3), queries (issue 5) and export (issue 6) issues is
evaluated here from the measured figures and marked met or missed with the measured
ratio or figure; targets whose figures the run did not measure are marked "not measured".
Where a target is missed, the page shows the analysis in `MISS_NOTES` (written from a
profile of this code: see `bench_queries.profile_query`) and the top of the profile taken
in the run itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"

# The analysis of each missed target: where the time goes and what would close the gap.
# Keyed by Target.key; shown only when that target is missed in the run.
MISS_NOTES: dict[str, str] = {
    "q-members": (
        "Almost all of the time is name resolution, not the membership query. "
        "`queries.members` calls `resolve.load_index(session)`, which reads *every* name in "
        "the database (countries, alliances, pillars with their generated name forms, "
        "officials, technology areas, aliases, and every source key) and normalizes each "
        "one in Python (`names.normalize`: NFKD, combining-mark filter, regex) on every "
        "command. What it reads grows with the knowledge base although the answer does "
        "not: the generator writes one source per 50 statements (20,000 source keys at 1M, "
        "about a third of the index's cost on their own) and the 1M knowledge base has "
        "311 alliances and 435 pillars (each pillar with several generated name forms) "
        "against 38 and 38 at 10k/100k (seed included). In the profile below `load_index` is "
        "~97% of the "
        "query and `normalize` ~60%. The SQL (index "
        "`ix_memberships_scope_from`, one batch of sources per 500 rows) and the CSV "
        "rendering take a few milliseconds. **To close the gap:** resolve only the kinds "
        "asked for (`members` resolves a scope, so sources, officials and countries need not "
        "be indexed: `load_index(session, kinds)`), and look a name up by its stored "
        "normalized form (the alias tables already have an indexed `normalized` column) "
        "instead of building the whole index, building the full index only to suggest "
        "nearest names after a miss."
    ),
    "q-speaker": (
        "Same cause as `members`: `queries.statements(speaker=...)` builds the full name "
        "index (`load_index`, ~96% of the profile below) to resolve one speaker. The "
        "statement query itself walks `ix_statements_official_date` (speaker, date) "
        "newest first and stops after 50 rows; rows, links and JSON take ~15 ms. **To "
        "close the gap:** the same targeted name lookup as for `members`."
    ),
    "q-search": (
        "The time is in SQLite (`Cursor.execute` in the profile below). The query is "
        "`statements.rowid IN (SELECT rowid FROM statements_fts WHERE ... MATCH ...)` "
        "joined to speaker and source, `ORDER BY date_lower DESC, id LIMIT 50`: SQLite "
        "drives it from the FTS hit list, fetches *every* matching statement with its "
        "joins and sorts them all in a temporary B-tree before the limit. The FTS match "
        "itself is cheap (counting tidewatch's ~100k hits takes ~3 ms), so the cost grows "
        "with the number of hits: fine for kestrelmoor (0.1%), close to the budget for "
        "lanternfish (1%: 44-54 ms in our runs) and far over it for tidewatch (10%). "
        "**To close the gap** (measured by hand on "
        "the 1M database with the same SQL): apply the limit before the joins (a subquery "
        "selecting the 50 rowids, joined afterwards: lanternfish 127 → 27 ms), and for a "
        "common word walk `ix_statements_date_lower` newest first probing the hit set "
        "(`INDEXED BY` or an equivalent planner hint: tidewatch 493 → 23 ms, lanternfish "
        "→ 7 ms). The right plan depends on the hit count, which FTS5 gives in a few "
        "milliseconds: sort the hits when they are few, walk the date index when they are "
        "many."
    ),
    "load-naive": (
        "The loader does work the naive way skips: positions for every field, Pydantic "
        "validation, name resolution, an idempotence diff against stored rows, the load "
        "record. See the profile below."
    ),
    "load-floor": (
        "The floor reads libyaml events and runs one `executemany` of ready rows; the "
        "loader's extra per-record Python work is visible in the profile below (taken in "
        "this run on a load of 20,000 statements): the YAML reader that keeps a position "
        "for every field (`yamlio.DocumentReader._record`), statement resolution and "
        "upsert (`_apply_statements`: the SQL itself, id hashing, name lookups), the "
        "entity upserts (officials, sources) one statement per record, and validation. "
        "**To close the gap:** batch the entity upserts like statements, keep positions "
        "lazily (compute line/column only for a record that fails validation: libyaml "
        "marks are cheap, building the position map is not), and skip the existing-row "
        "diff on a table that was empty when the load began."
    ),
    "load-rate": (
        "15,000 statements/s is 6.7 s for the 100k file. The load runs in two processes: "
        "a child reads and validates the YAML (8.6 s of CPU for this file, measured on "
        "2026-12-03 outside the suite), the loader plans and writes. The child alone is "
        "over the budget. A cProfile of the loader on the same file the same day (16.7 s "
        "under the profiler): 2.3 s waiting for the child's records, 1.1 s unpickling "
        "them, 2.7 s resolving the statements' names (`batches._resolve`, 525k lookups), "
        "3.0 s in SQLite's `executemany` of statements and links, 1.9 s in 4,850 single "
        "statements (sources, officials and positions upserted one at a time), 1.8 s "
        "building the search index at the end. **To close the gap**: read the file in "
        "two children (its halves cut at a record boundary), which needs the loader's own "
        "work under ~6 s: batch the entity upserts like statements, and resolve each "
        "distinct name once per batch instead of once per reference."
    ),
    "load-memory": "See the profile below and the loader's batch sizes.",
    "load-scaling-rate": (
        "Measured by CPU time on the same files (issue 20's work, a session with other "
        "jobs on the machine): 0.54× before, 0.76× after. Three causes were closed: the "
        "secondary indexes of statements and their links took keys in random order (now "
        "built at the end of a load into a nearly empty table), memberships were read "
        "whole for every load (now per batch of keys), and the keys a load had seen lived "
        "in Python dicts (now a private SQLite table with a 2 MB cache, `load/seen.py`). "
        "What remains is mostly the random-order primary keys of statements and their "
        "link rows, which must stay; loading in key order (sorting each batch) would be "
        "the next step."
    ),
    "load-scaling-memory": (
        "Before issue 20's work 2.46×, then 1.50× (loader + reader, the same files). The "
        "keys a load has seen (~40 MB at 1M when they lived in memory) now live in a "
        "private SQLite database with a 2 MB cache that spills to a temporary file "
        "(`load/seen.py`), and the loader's memory stays flat through the statements. "
        "Where the rest goes was measured on 2026-12-03 with tracemalloc and the loader's "
        "VmRSS on the 1M and 100k files cut after their first 20,000 statements (which "
        "reach within 7 MB of the full 1M peak): the whole gap is there before the first "
        "statement, so it grows with what precedes the statements, not with them. At the "
        "start of the statements the loader holds 197 MB against 106 MB (SQLite's page "
        "cache, ~37 MB at the peak of both, is not the gap). Python's traced heap goes "
        "from 9.6 to 57.6 MiB: the cached rows of the 20,000 sources (15.5 MiB with their "
        "strings, against 2,000 at 100k), the name index of those sources (its names by "
        "entity and entities by name: 6.2 and 10.6 MiB by deep size, sharing strings), "
        "the date cache (8,547 → 30,037 dates, 5.5 MiB), and "
        "~15 MiB of reference cycles left by the membership queries (one built per batch, "
        "never freed while the collector is paused). The cycles are gone (one query per "
        "size, built once; a test holds the garbage to a few objects), but RSS at the "
        "start of the statements did not move: the memberships section's own peak "
        "(~12 MiB of short-lived objects per batch, ~70 MiB traced at its height) sets the "
        "high-water mark. **To close the gap**: keep only `{id, key, kind}` of a source "
        "created by the load (a key is never planned twice in one load; ~12 MB), a single "
        "`Ref` instead of a set per name in the name index and slotted `Ref`s (~7 MB), a "
        "smaller date cache (~4 MB), and smaller membership batches, which bound the "
        "high-water mark of that section."
    ),
    "load-postgresql": (
        "Measured on 2026-12-03 on this run's 100k file (the server's statement log, "
        "CPU times of the loading process). Before this session's work the load took "
        "34.3 s here: the stored search document (two regular expressions, `to_tsvector` "
        "with the Porter stemmer, a third expression over its text) cost the server ~15 s "
        "(COPYing the 100k statements into a bare table takes 0.9 s, 16.6 s with the "
        "document and its GIN index), and the loader waited for each COPY before planning "
        "the next batch. Two changes: the loader builds the document itself and sends it "
        "with the row (`store/pg_search_document.py`: the stem of each distinct word asked "
        "of the server once, tested equal to the reference function that a trigger applies "
        "to any other writer; migration 0009), and its COPYs run on a worker thread behind "
        "the planner (`store/copy_behind.py`). What remains (20.4 s in a run outside the "
        "suite): the loading process spends 12.4 s of CPU (planning, ~4.5 s building "
        "documents, formatting COPY rows) and its reading child 8.6 s, against SQLite's "
        "whole load at ~11 s, on two cores that the server's ~10 s also needs: the "
        "statements' COPY with its six B-tree indexes, the GIN index and four foreign keys, "
        "and 322k link rows with two foreign-key checks each (~4 s for the 178k country "
        "links). **To close the gap**: less Python per statement in the loader (the "
        "document built from the words the reader has already split, the COPY rows "
        "formatted without a dict per row), or a COPY in binary format; PostgreSQL's "
        "foreign-key checks of the link rows stay."
    ),
    "export-rate": (
        "Each CSV line is built by the database (quoted and joined with SQL string "
        "functions) and read from the DB-API cursor in a thread while the previous batch "
        "is written, so the writer waits on the database: on the 1M database the "
        "line-building SELECT alone takes ~1.5× the plain SELECT in the stdlib `sqlite3` "
        "module (the per-row quoting checks of the free-text columns: `instr` per special "
        "character, `replace` for quotes; closed vocabularies and lookup-table keys skip "
        "them). Process start-up (~0.4 s: SQLAlchemy, the models, Typer) is above half of "
        "the `sqlite3 -csv` time at 100k and below, so the ratio there stays ~0.3 whatever "
        "the writer does. At 1M the ratio sits on the line: 0.54× in the full run of "
        "2026-12-02, 0.41× and 0.48× in two full runs on 2026-12-03, with no change to "
        "the export code between them. A cProfile of the 1M export on 2026-12-03 (20.3 s "
        "under the profiler, other work running on the machine): the writing thread waits "
        "15.4 s for the lines the database builds and spends 3.0 s writing them. "
        "**To close the gap**: take the quoting checks out of the SELECT for the free-text "
        "columns "
        "(plain values, quoted in the reading thread only where a value holds a comma, "
        "quote or line break), so that the database does no more than `sqlite3 -csv`'s "
        "own SELECT."
    ),
}

#: Shown under the query table when PostgreSQL was measured.
PG_NOTE = (
    "PostgreSQL has no target. Two causes made searches slow there, both fixed: results "
    "are read through server-side cursors (`yield_per`), which PostgreSQL plans for "
    "their first 10% of rows (`cursor_tuple_fraction`), so a rare word walked the date "
    "index instead of asking the GIN index (2.7 s at 1M); every read transaction now "
    "sets `cursor_tuple_fraction = 1` (every cursor is read to its end). And a walk of "
    "the date index, right for a common word, computed "
    "`to_tsvector(regexp_replace(text))` for every row it passed (~40 µs each); the "
    "document is now a stored generated column (migration 0003), computed once on write."
)


@dataclass
class Target:
    key: str
    issue: int
    target: str
    measured: str
    #: True met, False missed, None not measured in this run.
    met: bool | None


def _fmt_ms(x: float | None) -> str:
    return "—" if x is None else (f"{x:.1f} ms" if x < 100 else f"{x:.0f} ms")


def _fmt_ratio(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.2f}×" if x < 0.95 else f"{x:.1f}×"


def _fmt_int(x: float | int | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _status(met: bool | None) -> str:
    return {True: "**met**", False: "**missed**", None: "not measured"}[met]


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _measured(section: Any) -> dict[str, Any] | None:
    """A piece's figures, or None when it was not measured or failed (`{"error": ...}`)."""
    if isinstance(section, dict) and "error" not in section:
        return section
    return None


def _failed_or_absent(section: Any) -> list[str]:
    if isinstance(section, dict) and section.get("error"):
        return [f"Failed in this run: `{section['error']}`"]
    return ["Not measured in this run."]


def _number(d: Any, *names: str) -> float | None:
    """The first of `names` present in `d` as a number."""
    if not isinstance(d, dict):
        return None
    for name in names:
        value = d.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


# -- reading the load and export results (their modules' dicts) ---------------------------


def _size_rows(section: Any) -> list[dict[str, Any]]:
    """The per-size result dicts of the load or export section."""
    if not isinstance(section, dict):
        return []
    runs = section.get("runs")
    return [r for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []


def _at(rows: Iterable[dict[str, Any]], statements: int) -> dict[str, Any] | None:
    for row in rows:
        if row.get("statements") == statements and row.get("backend", "sqlite") == "sqlite":
            return row
    return None


def _query_at(results: dict[str, Any], backend: str, statements: int) -> dict[str, Any] | None:
    for r in results.get("queries") or []:
        if r["backend"] == backend and r["statements"] == statements:
            return dict(r)
    return None


# -- targets ------------------------------------------------------------------------------


def evaluate(results: dict[str, Any]) -> list[Target]:
    """Every target of issues 3, 5, 6 and 20, met or missed (or not measured) in `results`."""
    targets: list[Target] = []
    targets += _load_targets(results)
    targets += _scaling_targets(results)
    targets += _query_targets(results)
    targets += _export_targets(results)
    targets += _known_targets(results)
    return targets


def _known_targets(results: dict[str, Any]) -> list[Target]:
    """Issue 18 at the largest SQLite size measured: three ratios and the unchanged load."""
    section = _measured(results.get("known"))
    runs = [r for r in _size_rows(section) if r.get("backend") == "sqlite"]
    run = max(runs, key=lambda r: int(r["statements"]), default=None)
    at = f" ({_fmt_int(run['statements'])} statements)" if run else ""
    out: list[Target] = []
    for name in ("members", "statements --search", "show"):
        q = next((q for q in (run or {}).get("queries", []) if q["name"] == name), None)
        out.append(
            Target(
                f"known-{name.split()[0]}",
                18,
                f"`{name} --known-on <first history load>` within 2× of `{name}` now, "
                "after 10 history loads, SQLite",
                "—"
                if q is None
                else f"{q['ratio']:.2f}× ({_fmt_ms(q['known_on']['median_ms'])} vs "
                f"{_fmt_ms(q['now']['median_ms'])}){at}",
                None if q is None or run is None else q["ratio"] <= run.get("ratio_target", 2.0),
            )
        )
    show = next((q for q in (run or {}).get("queries", []) if q["name"] == "show"), None)
    big = run is not None and int(run["statements"]) >= 1_000_000
    out.append(
        Target(
            "known-show-1m",
            32,
            "`show --known-on <first history load>` at 1M statements, SQLite: < 100 ms",
            "—" if show is None else f"median {_fmt_ms(show['known_on']['median_ms'])}{at}",
            None if show is None or not big else show["known_on"]["median_ms"] < 100,
        )
    )
    ratio = _number(run, "unchanged_ratio")
    out.append(
        Target(
            "known-unchanged",
            18,
            "a load that changes nothing (the last history file again) costs no more than "
            "the first history load",
            "—"
            if ratio is None or run is None
            else f"{ratio:.2f}× ({run['unchanged']['seconds']:.2f} s vs "
            f"{run['history'][0]['seconds']:.2f} s){at}",
            None if ratio is None else ratio <= 1.0,
        )
    )
    return out


def _load_targets(results: dict[str, Any]) -> list[Target]:
    row = _at(_size_rows(results.get("load")), 100_000)
    variants = _get(row, "sqlite") or {}
    ours, naive, floor = variants.get("load"), variants.get("naive"), variants.get("floor")
    ours_s = _number(ours, "seconds")
    naive_s = _number(naive, "seconds")
    floor_s = _number(floor, "seconds")
    rate = _number(ours, "statements_per_s")
    peak = _number(ours, "peak_rss_mb")
    # The load's reading process (big files) counts too: the sum overstates (shared pages).
    reader_peak = _number(ours, "reader_peak_rss_mb") or 0.0
    if peak is not None:
        peak += reader_peak
    pg_s = _number(_get(row, "postgresql"), "seconds")
    pg_ratio = ours_s / pg_s if ours_s and pg_s else None
    speedup = naive_s / ours_s if naive_s and ours_s else None
    vs_floor = ours_s / floor_s if ours_s and floor_s else None
    if speedup is not None and isinstance(naive, dict) and naive.get("scaled"):
        naive_note = f", naive measured on {naive['measured_statements']:,} and scaled"
    else:
        naive_note = ""
    return [
        Target(
            "load-naive",
            3,
            "load 100k: ≥ 10× faster than naive (`yaml.safe_load` + one ORM object per record)",
            "—"
            if speedup is None
            else f"{speedup:.1f}× faster ({ours_s:.1f} s vs {naive_s:.1f} s{naive_note})",
            None if speedup is None else speedup >= 10,
        ),
        Target(
            "load-floor",
            3,
            "load 100k: within 2× of the floor (libyaml events + one `executemany`)",
            "—" if vs_floor is None else f"{vs_floor:.2f}× the floor ({floor_s:.1f} s)",
            None if vs_floor is None else vs_floor <= 2,
        ),
        Target(
            "load-rate",
            3,
            "load 100k: ≥ 15,000 statements/s",
            "—" if rate is None else f"{rate:,.0f} statements/s",
            None if rate is None else rate >= 15_000,
        ),
        Target(
            "load-memory",
            3,
            "load 100k: peak memory < 250 MB",
            "—"
            if peak is None
            else f"{peak:.0f} MB" + (" (loader + reading process)" if reader_peak else ""),
            None if peak is None else peak < 250,
        ),
        Target(
            "load-postgresql",
            20,
            "load 100k on PostgreSQL: ≥ 0.7× SQLite's statements/s (same file, same run)",
            "—" if pg_ratio is None else f"{pg_ratio:.2f}× ({pg_s:.1f} s vs {ours_s:.1f} s)",
            None if pg_ratio is None else pg_ratio >= 0.7,
        ),
    ]


def _scaling_targets(results: dict[str, Any]) -> list[Target]:
    """Issue 20: building the 1M SQLite query database against building the 100k one."""
    builds = {
        r["statements"]: r.get("build") or {}
        for r in results.get("queries") or []
        if r.get("backend") == "sqlite"
    }
    small: dict[str, Any] = builds.get(100_000) or {}
    big: dict[str, Any] = builds.get(1_000_000) or {}
    rate = peak = None
    if big and small.get("statements_per_s") and small.get("peak_rss_mb"):
        rate = big["statements_per_s"] / small["statements_per_s"]
        peak = big["peak_rss_mb"] / small["peak_rss_mb"]
    return [
        Target(
            "load-scaling-rate",
            20,
            "load 1M (building the 1M query database): ≥ 0.8× the 100k rate",
            "—"
            if rate is None
            else f"{rate:.2f}× ({big['statements_per_s']:,.0f} vs "
            f"{small['statements_per_s']:,.0f} statements/s)",
            None if rate is None else rate >= 0.8,
        ),
        Target(
            "load-scaling-memory",
            20,
            "load 1M: peak memory within 1.2× of the 100k peak",
            "—"
            if peak is None
            else f"{peak:.2f}× ({big['peak_rss_mb']:.0f} vs {small['peak_rss_mb']:.0f} MB)",
            None if peak is None else peak <= 1.2,
        ),
    ]


def bench_show_country() -> str:
    """The country `show` is timed for (bench.bench_queries.SHOW_COUNTRY)."""
    from bench.bench_queries import SHOW_COUNTRY

    return SHOW_COUNTRY


def _query_targets(results: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    largest = max((r["statements"] for r in results.get("queries") or []), default=None)
    at_1m = _query_at(results, "sqlite", 1_000_000)
    base = (
        _query_at(results, "sqlite", min(r["statements"] for r in results["queries"]))
        if (results.get("queries"))
        else None
    )
    keys = {"members": "q-members", "statements --speaker": "q-speaker"}
    names = ["members", "statements --speaker"] + [
        f"statements --search {w}" for w in ("kestrelmoor", "lanternfish", "tidewatch")
    ]
    for name in names:
        key = keys.get(name, "q-search")
        timing = _timing(at_1m, name)
        base_timing = _timing(base, name)
        measured = "—"
        if timing is not None:
            measured = f"median {_fmt_ms(timing['median_ms'])}"
            if base_timing is not None and base is not None:
                ratio = timing["median_ms"] / base_timing["median_ms"]
                measured += f" ({ratio:.1f}× the {_fmt_int(base['statements'])} figure)"
        out.append(
            Target(
                key,
                5,
                f"`{name}` at 1M statements / 100k memberships, SQLite: < 50 ms",
                measured
                if timing is not None or largest is None
                else f"— (largest run: {largest:,})",
                None if timing is None else timing["median_ms"] < 50,
            )
        )
    timing = _timing(at_1m, "show")
    members = _timing(at_1m, "members")
    measured = "—" if largest is None else f"— (largest run: {largest:,})"
    if timing is not None:
        measured = f"median {_fmt_ms(timing['median_ms'])}"
        if members is not None:
            measured += f" ({timing['median_ms'] / members['median_ms']:.1f}× `members`)"
    out.append(
        Target(
            "q-show",
            32,
            f"`show {bench_show_country()}` at 1M statements, SQLite: < 100 ms",
            measured,
            None if timing is None else timing["median_ms"] < 100,
        )
    )
    startup = _measured(results.get("startup"))
    if startup is not None:
        measured = (
            f"{'imports' if startup['imports_sqlalchemy'] else 'does not import'} SQLAlchemy; "
            f"{_fmt_ms(startup['alliancekb_help_ms']['median'])} vs bare Typer "
            f"{_fmt_ms(startup['bare_typer_help_ms']['median'])} ({startup['ratio']:.2f}×)"
        )
        met: bool | None = not startup["imports_sqlalchemy"]
    else:
        measured, met = "—", None
    out.append(
        Target("startup", 5, "`alliancekb --help` does not import SQLAlchemy", measured, met)
    )
    command = _measured(startup.get("command")) if startup is not None else None
    if command is not None:
        measured = (
            f"{command['ratio']:.2f}× ({_fmt_ms(command['alliancekb_ms']['median'])} vs "
            f"{_fmt_ms(command['imports_ms']['median'])})"
        )
        met = command["ratio"] <= command["target"]
    else:
        measured, met = "—", None
    target = (
        '`members "AUKUS Pillar 2" --format csv` (seeded SQLite) ≤ 1.3× '
        '`python -c "import sqlalchemy, typer, rich"`'
    )
    out.append(Target("startup_command", 16, target, measured, met))
    read = command.get("read_commands") if command is not None else None
    if read:
        worst = max(read, key=lambda r: r["ratio"])
        measured = f"worst {worst['ratio']:.2f}× (`{worst['name']}`) of {len(read)} commands"
        met = all(r["met"] for r in read)
    else:
        measured, met = "—", None
    target = (
        'every read command (seeded SQLite, as CSV or JSON) ≤ 1.3× `python -c "import '
        'sqlalchemy, typer, rich"`, each against its own interleaved runs of the imports'
    )
    out.append(Target("startup_read_commands", 32, target, measured, met))
    counted = command.get("read_commands_instructions") if command is not None else None
    if counted:
        worst = max(counted, key=lambda r: r["ratio"])
        measured = f"worst {worst['ratio']:.3f}× (`{worst['name']}`) of {len(counted)} commands"
        target = (
            "the same, in instructions (callgrind, whole process): every read command ≤ 1.3× "
            'the instructions of `python -c "import sqlalchemy, typer, rich"`'
        )
        met = all(r["met"] for r in counted)
        out.append(Target("startup_read_commands_instructions", 32, target, measured, met))
    return out


def _command_lines(c: dict[str, Any] | None) -> list[str]:
    """Issue 16: a database command against the bare imports and `sqlite-utils query`."""
    if not isinstance(c, dict):
        return []
    rows = [
        (f"`{c['command']}`", *(_fmt_ms(c["alliancekb_ms"][k]) for k in ("median", "min", "max"))),
        (
            '`python -c "import sqlalchemy, typer, rich"`',
            *(_fmt_ms(c["imports_ms"][k]) for k in ("median", "min", "max")),
        ),
    ]
    if "sqlite_utils_ms" in c:
        rows.append(
            (
                "`sqlite-utils query` (same file, a memberships join, CSV)",
                *(_fmt_ms(c["sqlite_utils_ms"][k]) for k in ("median", "min", "max")),
            )
        )
    out = ["", "A database command on the seeded SQLite database (issue 16):", ""]
    out += _table(("command", "median", "min", "max"), rows)
    versus = (
        f"; {c['sqlite_utils_ratio']:.2f}× `sqlite-utils query`"
        if "sqlite_utils_ratio" in c
        else f" ({c['sqlite_utils_note']})"
    )
    out += [
        "",
        f"Ratio: **{c['ratio']:.2f}×** the bare imports (target ≤ {c['target']}×){versus}. "
        f"Modules it need not import, imported: {', '.join(c['unneeded_modules']) or 'none'}.",
    ]
    out += _read_command_lines(c.get("read_commands"), c["target"])
    out += _instruction_lines(c.get("read_commands_instructions"), c["target"])
    if "read_commands_instructions_note" in c:
        out += ["", f"Instruction counts: {c['read_commands_instructions_note']}."]
    return out


def _instruction_lines(counted: list[dict[str, Any]] | None, target: float) -> list[str]:
    """Issue 32: the same commands in instructions (callgrind), which load does not move."""
    if not counted:
        return []
    rows = [
        (
            f"`{r['command']}`",
            f"{r['alliancekb_instructions'] / 1e6:,.1f}M",
            f"{r['imports_instructions'] / 1e6:,.1f}M",
            f"{r['ratio']:.3f}×",
            "met" if r["met"] else "**missed**",
        )
        for r in counted
    ]
    out = [
        "",
        "The same commands in instructions (valgrind's callgrind, the whole process once "
        "after a warm-up, `PYTHONHASHSEED=0`): unlike wall time, the machine's load does "
        f"not move these counts (target ≤ {target}×):",
        "",
    ]
    return out + _table(("command", "instructions", "imports", "ratio", "result"), rows)


def _read_command_lines(read: list[dict[str, Any]] | None, target: float) -> list[str]:
    """Issue 32: every read command against the bare imports, one row each."""
    if not read:
        return []
    rows = [
        (
            f"`{r['command']}`",
            _fmt_ms(r["alliancekb_ms"]["median"]),
            _fmt_ms(r["imports_ms"]["median"]),
            f"{r['ratio']:.2f}×",
            "met" if r["met"] else "**missed**",
        )
        for r in read
    ]
    out = [
        "",
        "Every read command on the same database (issue 32), each alternating with its own "
        f"runs of the bare imports (target ≤ {target}×):",
        "",
    ]
    return out + _table(("command", "median", "imports median", "ratio", "result"), rows)


def _timing(result: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    if result is None:
        return None
    for q in result["queries"]:
        if q["name"] == name:
            return dict(q)
    return None


def _export_targets(results: dict[str, Any]) -> list[Target]:
    rows = _size_rows(results.get("export"))
    big = _at(rows, 1_000_000)
    small = _at(rows, 10_000)
    peak_big = _number(big, "export_peak_mib")
    peak_small = _number(small, "export_peak_mib")
    ours_rate = _number(big, "export_rows_per_s")
    cli_rate = _number(big, "sqlite3_rows_per_s")
    ratio = _number(big, "throughput_ratio")
    if ratio is None and ours_rate and cli_rate:
        ratio = ours_rate / cli_rate
    growth = peak_big / peak_small if peak_big and peak_small else None
    return [
        Target(
            "export-memory",
            6,
            "export 1M statements to CSV: peak memory < 150 MB",
            "—" if peak_big is None else f"{peak_big:.0f} MiB",
            None if peak_big is None else peak_big < 150,
        ),
        Target(
            "export-growth",
            6,
            "export 1M: peak within 1.5× of the 10k peak",
            "—" if growth is None else f"{growth:.2f}× ({peak_small:.0f} → {peak_big:.0f} MiB)",
            None if growth is None else growth <= 1.5,
        ),
        Target(
            "export-rate",
            6,
            "export 1M: throughput ≥ ½ of `sqlite3 -csv` on the same rows",
            "—"
            if ratio is None
            else f"{ratio:.2f}× ({_fmt_int(ours_rate)} vs {_fmt_int(cli_rate)} rows/s)",
            None if ratio is None else ratio >= 0.5,
        ),
    ]


def _floor_note(section: Any) -> list[str]:
    rows = _size_rows(section)
    cli = [r["sqlite3_peak_mib"] for r in rows if isinstance(r.get("sqlite3_peak_mib"), int)]
    if not rows or ("rss_floor_mb" not in (section or {}) and not cli):
        return []
    shown = (
        f"the `sqlite3` CLI's figure ({max(cli)} MiB; its own use is a few MB) is that floor"
        if cli
        else "a figure near the size of a Python process with the bench modules imported "
        "(~50-60 MB) is that floor"
    )
    return [
        "",
        "Peak RSS of a child process is its `ru_maxrss`, which on Linux starts from the "
        "launching process's resident size at exec time. Each size ran in a fresh process "
        "(not the suite, which grows with the in-process query benchmark), so the inherited "
        f"part is small but not zero: {shown}, not the program's use.",
    ]


def _export_lines(section: Any) -> list[str]:
    rows = _size_rows(section)
    if not rows or any("export_s" not in r for r in rows):
        return _generic_section(section, "export")
    base = rows[0]
    table = _table(
        (
            "statements",
            "CSV",
            "alliancekb export",
            "peak RSS",
            f"peak × {base['statements']:,}",
            "`sqlite3 -csv`",
            "sqlite3 peak RSS",
            "throughput ratio (export / sqlite3)",
            "same bytes",
            "same rows",
        ),
        (
            (
                f"{r['statements']:,}",
                f"{r['csv_bytes'] / 1e6:,.0f} MB",
                f"{r['export_s']:.2f} s ({r['export_rows_per_s']:,} rows/s)",
                f"{r['export_peak_mib']} MiB",
                f"{r['export_peak_mib'] / base['export_peak_mib']:.2f}×",
                f"{r['sqlite3_s']:.2f} s ({r['sqlite3_rows_per_s']:,} rows/s)",
                f"{r['sqlite3_peak_mib']} MiB",
                f"{r['throughput_ratio']:.2f}×",
                r.get("same_bytes"),
                r.get("same_rows", "?"),
            )
            for r in rows
        ),
    )
    return [
        "`alliancekb export statements --out F.csv` as a child process (wall time, peak RSS "
        "from `wait4`) against `sqlite3 -csv` running the export's own SELECT into a file, "
        "on the query benchmark's databases, in the same run. The bytes differ by design "
        "(same rows: the values read back as CSV are equal): the export ends rows with CRLF "
        "(RFC 4180) and quotes only fields that need it; sqlite3 3.40 ends rows with LF and "
        "also quotes fields holding a space or a non-ASCII character.",
        "",
        *table,
        *_dump_lines(rows),
    ]


def _dump_lines(rows: list[dict[str, Any]]) -> list[str]:
    dumped = [r for r in rows if "dump_s" in r]
    if not dumped:
        return []
    table = _table(
        (
            "statements",
            "YAML",
            "alliancekb dump",
            "peak RSS",
            "every record through the safe dumper",
            "speed-up",
            "same bytes",
        ),
        (
            (
                f"{r['statements']:,}",
                f"{r['dump_bytes'] / 1e6:,.0f} MB",
                f"{r['dump_s']:.2f} s ({r['dump_statements_per_s']:,} statements/s)",
                f"{r['dump_peak_mib']} MiB",
                f"{r['dump_baseline_s']:.2f} s ({r['dump_baseline_statements_per_s']:,}/s)",
                f"{r['dump_speedup']:.2f}×",
                r.get("dump_same_bytes"),
            )
            for r in dumped
        ),
    )
    return [
        "",
        "`alliancekb dump --out F.yaml` of the same database as a child process, against the "
        "same dump with `yamlio.emit_record` switched off (every record through PyYAML's safe "
        "dumper, as before issue 6), in the same run.",
        "",
        *table,
    ]


# -- Markdown -----------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return lines


def machine_lines(meta: dict[str, Any]) -> list[str]:
    m = meta.get("machine", {})
    return [
        f"- Date: {meta.get('date', '?')} (run took {meta.get('duration_s', 0):.0f} s)",
        f"- CPU: {m.get('cpu_model', '?')}, {m.get('cores', '?')} cores (`os.cpu_count()`)",
        f"- Memory: {m.get('memory_gb', 0):.1f} GB (`/proc/meminfo` MemTotal)",
        f"- OS: {m.get('os', '?')}; 1-minute load average {m.get('load_average_start', 0):.2f} "
        f"at the start of the run, {m.get('load_average_end', 0):.2f} at the end (other work on "
        "the machine shows here)",
        f"- Python {m.get('python', '?')}, SQLite {m.get('sqlite', '?')} (Python's library), "
        f"`sqlite3` CLI {m.get('sqlite_cli', '?')}, SQLAlchemy {m.get('sqlalchemy', '?')}",
        f"- PostgreSQL: {m.get('postgresql') or 'not measured (no --postgres-url)'}",
        f"- Command: `{meta.get('command', 'python -m bench')}`",
        *_pieces_lines(meta),
    ]


def _pieces_lines(meta: dict[str, Any]) -> list[str]:
    pieces = meta.get("pieces_measured")
    if not pieces:
        return []
    when: dict[str, list[str]] = {}
    for piece, date in pieces.items():
        when.setdefault(date, []).append(piece)
    return [
        f"- Merged from two runs on this machine (`--merge`; earlier: "
        f"`{meta.get('merged_from')}`): "
        + "; ".join(f"{', '.join(p)} measured {d}" for d, p in sorted(when.items()))
    ]


def _query_lines(results: dict[str, Any]) -> list[str]:
    rows = []
    queries = results.get("queries") or []
    for backend in ("sqlite", "postgresql"):
        runs = sorted(
            (r for r in queries if r["backend"] == backend), key=lambda r: r["statements"]
        )
        if not runs:
            continue
        base = runs[0]
        for r in runs:
            for q in r["queries"]:
                b = _timing(base, q["name"])
                ratio = q["median_ms"] / b["median_ms"] if b else None
                lite = _timing(_query_at(results, "sqlite", r["statements"]), q["name"])
                vs_sqlite = q["median_ms"] / lite["median_ms"] if lite else None
                rows.append(
                    (
                        backend,
                        f"{r['statements']:,}",
                        f"{r['memberships']:,}",
                        f"`{q['name']}`",
                        _fmt_ms(q["median_ms"]),
                        _fmt_ms(q["min_ms"]),
                        _fmt_ms(q["max_ms"]),
                        q["rows"],
                        "1.0×" if r is base else _fmt_ratio(ratio),
                        "" if backend == "sqlite" else _fmt_ratio(vs_sqlite),
                    )
                )
    if not rows:
        return ["Not measured in this run."]
    first = min(r["statements"] for r in queries)
    lines = _table(
        (
            "backend",
            "statements",
            "memberships",
            "query",
            "median",
            "min",
            "max",
            "rows",
            f"× {first:,}",
            "× SQLite",
        ),
        rows,
    )
    names = []
    for r in queries:
        t = r["targets"]
        names.append(
            f"- {r['backend']} {r['statements']:,}: scope `{t['scope']}` "
            f"({t['scope_rows']:,} membership rows), speaker `{t['speaker']}` "
            f"({t['speaker_statements']:,} statements); marker hits {r['markers']}"
        )
    return [*lines, "", "Names used:", "", *names]


def _build_lines(results: dict[str, Any]) -> list[str]:
    rows = []
    for r in results.get("queries") or []:
        b = r["build"]
        rows.append(
            (
                r["backend"],
                f"{r['statements']:,}",
                f"{b['yaml_bytes'] / 1e6:,.0f} MB" if b["yaml_bytes"] else "—",
                f"{b['load_s']:.1f} s",
                f"{b['statements_per_s']:,.0f}",
                f"{b['peak_rss_mb']:.0f} MB",
                "cached (built " + b["built_at"] + ")" if b["cached"] else "built in this run",
            )
        )
    if not rows:
        return []
    return _table(
        (
            "backend",
            "statements",
            "YAML",
            "alliancekb load",
            "statements/s",
            "peak RSS",
            "database",
        ),
        rows,
    )


def _generic_section(section: Any, title: str) -> list[str]:
    """A load/export section as its module reported it: a table per size if it has one."""
    if section is None:
        return [f"Not measured in this run ({title} benchmark not available)."]
    if isinstance(section, dict) and section.get("error"):
        return [f"Failed in this run: `{section['error']}`"]
    if isinstance(section, dict) and isinstance(section.get("markdown"), str):
        return [section["markdown"].rstrip()]
    rows = _size_rows(section)
    if not rows:
        return ["```json", json.dumps(section, indent=2, default=str)[:4000], "```"]
    lines: list[str] = []
    for row in rows:
        if isinstance(row.get("markdown"), str):
            lines += [row["markdown"].rstrip(), ""]
            continue
        lines += [
            f"{row.get('backend', 'sqlite')}, {row.get('statements', '?'):,} statements:",
            "",
            "```json",
            json.dumps(row, indent=2, default=str),
            "```",
            "",
        ]
    return lines


def render(results: dict[str, Any]) -> str:
    meta = results.get("meta", {})
    targets = evaluate(results)
    out: list[str] = [
        "# Performance",
        "",
        "<!-- Generated by `python -m bench` (bench/report.py) from "
        "its results JSON: do not edit by hand. -->",
        "",
        "Every figure below comes from one run of `python -m bench` on the machine "
        "described, with its baseline measured in the same run. Regenerate with "
        "`python -m bench --write-docs` (the full run: 10k, 100k and 1M statements) or "
        "`python -m bench.report RESULTS.json --out docs/PERFORMANCE.md`.",
        "",
    ]
    if meta.get("quick"):
        out += ["> **Quick run** (tiny sizes): figures are not comparable with the targets.", ""]
    out += ["## Machine", "", *machine_lines(meta), ""]
    out += ["## Targets", ""]
    out += _table(
        ("issue", "target", "measured", "result"),
        ((f"#{t.issue}", t.target, t.measured, _status(t.met)) for t in targets),
    )
    met = sum(t.met is True for t in targets)
    missed = sum(t.met is False for t in targets)
    out += ["", f"{met} met, {missed} missed, {len(targets) - met - missed} not measured.", ""]

    out += ["## Queries (issue 5)", ""]
    out += [
        "In-process, as the CLI runs them: one read transaction, the `alliancekb.query` "
        "function (name resolution included), every row rendered by "
        "`present.views.emit_result` to an in-memory CSV (`members`) or JSON (`statements`) "
        "stream. One warm-up, then "
        f"{meta.get('runs', '?')} timed runs: median, min, max. `× base` is the median "
        "divided by the smallest size's median (how cost grows with size); `× SQLite` is a "
        "PostgreSQL median divided by SQLite's at the same size. Memberships "
        "are one per ten statements (100,000 at 1M, as issue 5 asks); the 1M knowledge "
        "base has ~300 alliances so that 100,000 memberships fit (the generator needs a "
        "distinct (country, scope) for each). `members --history` (the whole chains of the same "
        "alliance) and `officials --all` (every position, with its currency) are issue 20's "
        "and have no target of their own.",
        "",
    ]
    out += _query_lines(results)
    if any(r["backend"] == "postgresql" for r in results.get("queries") or []):
        out += ["", PG_NOTE]
    out += ["", "### Building the query databases (alliancekb load, at each size)", ""]
    out += [
        "Each database is generated (`bench.generate`) and loaded with the real loader "
        "(`load_files`) in a child process after the bundled seed: its wall time and peak "
        "RSS (`ru_maxrss`, seed load included) are its own. SQLite databases are cached "
        "under `bench/.data/` keyed by size, memberships, alliances, seed and schema "
        "revision, so reruns skip the build; a cached row repeats the figures measured "
        "when it was built. PostgreSQL databases are created for the run and dropped "
        "after it (then `ANALYZE`d, as autovacuum would; SQLite is not analysed, as "
        "alliancekb never does).",
        "",
    ]
    out += _build_lines(results) or ["Not measured in this run."]
    out += ["", "## Load (issue 3)", ""]
    out += _generic_section(results.get("load"), "load")
    out += _floor_note(results.get("load"))
    builds = [r for r in results.get("queries") or [] if r["backend"] == "sqlite"]
    if builds:
        out += [
            "",
            "Peak memory of `alliancekb load` at each query-benchmark size (the builds above, "
            "seed included): "
            + ", ".join(
                f"{r['statements']:,} statements {r['build']['peak_rss_mb']:.0f} MB "
                f"({r['build']['statements_per_s']:,.0f} statements/s)"
                for r in sorted(builds, key=lambda r: r["statements"])
            )
            + ".",
        ]
    out += ["", "## Export (issue 6)", ""]
    out += _export_lines(results.get("export"))
    out += _floor_note(results.get("export"))
    imported = results.get("import")
    if isinstance(imported, dict) and imported.get("error"):
        out += ["", "## Import of COW and ATOP (issue 15)", "", *_failed_or_absent(imported)]
    if isinstance(imported, dict) and "import" in imported:
        from bench.bench_import import markdown as import_markdown

        out += ["", "## Import of COW and ATOP (issue 15)", ""]
        out += [
            "`import cow` then `import atop` (bench/bench_import.py) into a fresh SQLite "
            "database holding the seed, against `csv.DictReader` of the same three files, "
            "each in its own child process, in the same run. Peak RSS is each child's own "
            "(`VmHWM`); the ratios are the import's time and peak over the reading's. No "
            "target: the issue asks for the ratios.",
            "",
            *import_markdown(imported),
        ]
    panel = results.get("panel")
    if isinstance(panel, dict) and "ratio" in panel:
        from bench.bench_panel import markdown as panel_markdown

        out += ["", "## Panels (issue 33)", ""]
        out += [
            "The dyad-year panel of both imports (the merged answer, bench/bench_panel.py) "
            "written to a CSV file, rows made as they are written, against `csv.writer` "
            "writing the same rows from a list made beforehand, in the same process and "
            "run (best of the runs). Peak memory is Python's own allocations "
            "(`tracemalloc`) while the panel is written.",
            "",
            *panel_markdown(panel),
        ]
    out += ["", "## Knowledge time (issue 18)", ""]
    out += _known_lines(results.get("known"))
    out += ["", "## Pictures (issue 17)", ""]
    out += _picture_lines(results.get("pictures"))
    out += ["", "## The assistants' server (issue 31)", ""]
    out += _assistant_lines(results.get("assistant"))
    out += ["", "## CLI start-up (issue 5)", ""]
    s = _measured(results.get("startup"))
    if s is not None:
        sqlalchemy = (
            "**imported**: " + ", ".join(s["sqlalchemy_modules"])
            if s["imports_sqlalchemy"]
            else "not imported"
        )
        out += _table(
            ("command", "median", "min", "max"),
            [
                (
                    "`alliancekb --help`",
                    _fmt_ms(s["alliancekb_help_ms"]["median"]),
                    _fmt_ms(s["alliancekb_help_ms"]["min"]),
                    _fmt_ms(s["alliancekb_help_ms"]["max"]),
                ),
                (
                    "bare Typer app `--help` (one command)",
                    _fmt_ms(s["bare_typer_help_ms"]["median"]),
                    _fmt_ms(s["bare_typer_help_ms"]["min"]),
                    _fmt_ms(s["bare_typer_help_ms"]["max"]),
                ),
                ("`python -c pass`", _fmt_ms(s["python_bare_ms"]), "", ""),
            ],
        )
        out += [
            "",
            f"Ratio: **{s['ratio']:.2f}×** the bare Typer app ({s['runs']} alternating runs "
            f"each). `python -X importtime`: {s['modules_imported']} modules imported "
            f"(bare Typer app: {s['bare_modules_imported']}); SQLAlchemy "
            f"{sqlalchemy}; "
            f"heavy libraries imported: {', '.join(s['heavy_modules']) or 'none'}.",
        ]
        out += _command_lines(s.get("command"))
    else:
        out += _failed_or_absent(results.get("startup"))
    misses = [t for t in targets if t.met is False]
    if misses:
        out += ["", "## Where the time goes (missed targets)", ""]
        seen: set[str] = set()
        shown_profiles: set[str] = set()
        for t in misses:
            if t.key in seen:
                continue
            seen.add(t.key)
            note = MISS_NOTES.get(t.key)
            out += [f"### {t.target}", "", note or "No analysis recorded for this target.", ""]
            profile = (results.get("profiles") or {}).get(t.key)
            if profile and profile in shown_profiles:
                out += ["(Profile: see above.)", ""]
            elif profile:
                shown_profiles.add(profile)
                what = (
                    f"a load of {results.get('meta', {}).get('load_profile_statements', 20_000):,}"
                    " statements"
                    if t.key.startswith("load")
                    else "20 runs of the query at the largest size"
                )
                out += [
                    f"Profile (pyinstrument, this run, {what}):",
                    "",
                    "```",
                    *_trim_profile(profile),
                    "```",
                    "",
                ]
    errors = results.get("errors") or []
    if errors:
        out += ["", "## Errors in this run", ""] + [f"- {e}" for e in errors]
    return "\n".join(out).rstrip() + "\n"


def _known_lines(section: Any) -> list[str]:
    runs = _size_rows(_measured(section))
    if not runs:
        return _failed_or_absent(section)
    out = [
        "`--known-on` against the same query now, on a copy of a query database given 10 "
        "loads of history through `load_files` (bench/bench_known.py): each read at the "
        "first history load goes through the temporary views over the versions the nine "
        "later loads replaced. In-process, as the queries above (one read transaction, the "
        "query, every row rendered); `show` renders the card as JSON. Target (issue 18): "
        "within 2×; and a load that changes nothing costs no more than one that changes.",
        "",
    ]
    for r in runs:
        out += [str(r.get("markdown") or "").rstrip(), ""]
    return out[:-1]


def _picture_lines(section: Any) -> list[str]:
    result = _measured(section)
    if result is None or "databases" not in result:
        return _failed_or_absent(section)
    from bench.bench_pictures import markdown as picture_markdown

    return [
        "`alliancekb chart` and `alliancekb graph` as child processes (bench/bench_pictures.py), "
        "wall time and peak RSS (`wait4`), each against a command that reads the same rows "
        "without drawing: `chart NATO` against `members NATO --format csv`, `graph` against "
        "`export memberships`, alternately in the same run. No target.",
        "",
        *picture_markdown(result),
    ]


def _assistant_lines(section: Any) -> list[str]:
    result = _measured(section)
    if result is None or "figures" not in result:
        return _failed_or_absent(section)
    from bench.bench_assistant import markdown as assistant_markdown

    return [
        "A tool call of `alliancekb mcp`'s server through the MCP SDK's in-memory client, "
        "and the same tool as the server runs it (`MCPServer.call_tool`), against the same "
        "Python API call, alternately in one process on the seeded SQLite database "
        f"(bench/bench_assistant.py; medians of {result['runs']} runs). Target (issue 31): "
        "within 1.5×.",
        "",
        *assistant_markdown(result),
    ]


def _trim_profile(text: str, lines: int = 40) -> list[str]:
    body = [ln for ln in text.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(body) if ln.lstrip()[:1].isdigit()), 0)
    return body[start : start + lines]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("results", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="default: stdout")
    args = parser.parse_args(argv)
    text = render(json.loads(args.results.read_text()))
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
