"""Knowledge time (issue 18): reading at a past load (`--known-on`) against reading now.

    python -m bench --only known [--sizes N] [--postgres-url URL]

A query database (a copy of the cached SQLite file, or on PostgreSQL a copy of the query
benchmark's database: ``CREATE DATABASE ... TEMPLATE``) is given ``HISTORY_LOADS`` loads of
history through `alliancekb.load.loader.load_files`, each a YAML file written with the
project's writer (`dump.yaml_writer.dump_document`) from records read back in load format
(`dump.dumper.Dumper(session).statements(only=...)` / `.memberships(only=...)`):

- the text of ``changed`` existing statements is changed (half of them the same statements
  at every load, so they collect a version per load; half a new window of statements);
- the note of ``memberships`` memberships is changed (overlapping windows: some change at
  several loads);
- ``changed`` new statements are added (copies of the changed ones under new ids).

At 1M statements that is 1,000 statements changed, 200 memberships and 1,000 new statements
per load (fewer on a small database: a tenth of its statements, a quarter of its
memberships). Then three queries are timed in-process, as `bench.bench_queries` times
queries (one read transaction, the query function, every row rendered to a stream), with
``read_session(engine, known_on=<the first history load>)`` (temporary views over the
versions the nine later loads replaced) against ``read_session(engine)`` on the same
database, alternately, after one untimed run of each:

- ``members``: `members <the busiest alliance>` (CSV);
- ``statements --search``: `statements --search tidewatch --limit 50` (the common marker
  word, ~10% of statements; JSON);
- ``show``: `show <the country with the most memberships>` (JSON).

Target (issue 18): each `--known-on` median within 2× of the same query's median now.

The command (issue 32, row 12: `show COUNTRY` at 1M, `--known-on` too): the same `show`
run as a command, ``python -m alliancekb --db <url> show <country> --format json`` with and
without ``--known-on <the first history load>``, alternately, ``COMMAND_RUNS`` times each
after one untimed run of each: a command pays its start-up and its first (cold) query,
which the in-process figures do not show (a past state read through the ORM's models cost
each such command ~0.15 s of imports).

Loads: each history load's wall time, and the last history file loaded again (it changes
nothing; the median of three such loads) against the first history load (a file of the
same shape that changes ~2,200 records) and the median history load. Target (issue 18,
"loading a file that changes nothing costs no more than today"): the unchanged load takes
no longer than that first history load.
"""

from __future__ import annotations

import copy
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

#: Loads of history applied to the query database.
HISTORY_LOADS = 10
#: Per load at 1M statements / 100k memberships (the issue's figures).
CHANGED_STATEMENTS = 1_000
CHANGED_MEMBERSHIPS = 200
SEARCH_WORD = "tidewatch"
LIMIT = 50
#: Reloads of the last history file (each changes nothing); their median is reported.
UNCHANGED_RUNS = 3
#: Issue 18: a query at a past load within this many times the same query now.
RATIO_TARGET = 2.0
#: Runs of each whole command (`show` now and `--known-on`), alternately.
COMMAND_RUNS = 7

Render = Callable[[Any, IO[str]], int]


def sizes_for(statements: int, memberships: int) -> tuple[int, int]:
    """(statements changed and added, memberships changed) per load for a database."""
    return min(CHANGED_STATEMENTS, max(statements // 10, 1)), min(
        CHANGED_MEMBERSHIPS, max(memberships // 4, 1)
    )


def write_history(
    engine: Any, path: Path, k: int, *, statements: int, memberships: int
) -> dict[str, int]:
    """Write history load `k` (1-based) to `path`; the records it holds, per kind."""
    from sqlalchemy import func, select

    from alliancekb.dump.dumper import Dumper
    from alliancekb.dump.yaml_writer import dump_document
    from alliancekb.store import models as m
    from alliancekb.store.db import read_session

    with read_session(engine) as session:
        st, ms = m.Statement, m.Membership
        total = session.execute(select(func.count()).select_from(st)).scalar_one()
        fixed = statements // 2
        # The same first half at every load (chains of versions), then a moving window.
        ids = list(session.execute(select(st.id).order_by(st.id).limit(fixed)).scalars())
        offset = fixed + (k - 1) * (statements - fixed)
        if offset + statements - fixed > total:
            offset = fixed
        ids += session.execute(
            select(st.id).order_by(st.id).offset(offset).limit(statements - fixed)
        ).scalars()
        n_members = session.execute(select(func.count()).select_from(ms)).scalar_one()
        start = ((k - 1) * (memberships // 2)) % max(n_members - memberships + 1, 1)
        member_ids = list(
            session.execute(
                select(ms.id).order_by(ms.id).offset(start).limit(memberships)
            ).scalars()
        )
        dumper = Dumper(session)
        changed = list(dumper.statements(only=ids))
        member_records = list(dumper.memberships(only=member_ids))
    added = []
    for i, record in enumerate(changed):
        new = copy.deepcopy(record)
        new["id"] = f"bench-history-{k}-{i}"
        new["text"] = f"Added in history load {k}: {record['text']}"
        added.append(new)
        record["text"] = f"{record['text']} (Revised in history load {k}.)"
    for record in member_records:
        record["note"] = f"Note revised in history load {k}."
    with path.open("w", encoding="utf-8") as out:
        dump_document({"memberships": member_records, "statements": changed + added}, out)
    return {"statements_changed": len(changed), "statements_added": len(added),
            "memberships_changed": len(member_records)}  # fmt: skip


def _load(engine: Any, path: Path) -> tuple[float, int, int]:
    """(seconds, load number, records changed) of one `load_files`."""
    from alliancekb.load.loader import load_files

    t0 = time.perf_counter()
    report = load_files(engine, [path], max_bytes=path.stat().st_size + 1)
    seconds = time.perf_counter() - t0
    assert report.load_id is not None
    return seconds, report.load_id, report.changed


def pick(engine: Any) -> dict[str, str]:
    """The busiest alliance and the country with the most memberships."""
    from sqlalchemy import func, select

    from alliancekb.store import models as m
    from alliancekb.store.db import read_session
    from bench.bench_queries import pick_targets

    scope = pick_targets(engine).scope
    with read_session(engine) as s:
        country = s.execute(
            select(m.Country.name)
            .join(m.Membership, m.Membership.country_id == m.Country.id)
            .group_by(m.Country.id, m.Country.name)
            .order_by(func.count(m.Membership.id).desc(), m.Country.name)
            .limit(1)
        ).scalar_one()
    return {"scope": scope, "country": str(country)}


def cases(names: dict[str, str]) -> list[tuple[str, str, Render]]:
    """(name, CLI command, render(session, out) -> rows written)."""
    from alliancekb.present.cards import emit_card
    from alliancekb.present.views import emit_result
    from alliancekb.query.cards import show
    from alliancekb.query.members import members
    from alliancekb.query.statements import statements
    from alliancekb.store.db import KNOWN_ON

    def members_rows(s: Any, out: IO[str]) -> int:
        result = members(s, names["scope"])
        return int(emit_result(result, "csv", out, known=s.info.get(KNOWN_ON)) or 0)

    def search_rows(s: Any, out: IO[str]) -> int:
        result = statements(s, search=SEARCH_WORD, limit=LIMIT)
        return int(emit_result(result, "json", out, known=s.info.get(KNOWN_ON)) or 0)

    def show_card(s: Any, out: IO[str]) -> int:
        emit_card(show(s, names["country"]), "json", out, known=s.info.get(KNOWN_ON))
        return 1

    return [
        ("members", f"members {names['scope']!r} --format csv", members_rows),
        (
            "statements --search",
            f"statements --search {SEARCH_WORD} --limit {LIMIT} --format json",
            search_rows,
        ),
        ("show", f"show {names['country']!r} --format json", show_card),
    ]


def _timings(samples: list[float], rows: int, chars: int) -> dict[str, Any]:
    return {
        "median_ms": statistics.median(samples),
        "min_ms": min(samples),
        "max_ms": max(samples),
        "rows": rows,
        "chars": chars,
        "samples_ms": [round(x, 3) for x in samples],
    }


def time_pair(engine: Any, render: Render, known_on: int, runs: int) -> dict[str, Any]:
    """The query now and at `known_on`, alternately, `runs` times each after a warm-up."""
    from alliancekb.store.db import read_session

    def once(at: int | None) -> tuple[float, int, int]:
        out = io.StringIO()
        t0 = time.perf_counter()
        with read_session(engine, known_on=at) as session:
            rows = render(session, out)
        return (time.perf_counter() - t0) * 1000, rows, len(out.getvalue())

    once(None)
    once(known_on)
    now: list[float] = []
    past: list[float] = []
    now_rows = past_rows = now_chars = past_chars = 0
    for _ in range(runs):
        ms, now_rows, now_chars = once(None)
        now.append(ms)
        ms, past_rows, past_chars = once(known_on)
        past.append(ms)
    result = {
        "now": _timings(now, now_rows, now_chars),
        "known_on": _timings(past, past_rows, past_chars),
    }
    result["ratio"] = result["known_on"]["median_ms"] / result["now"]["median_ms"]
    return result


def time_commands(url: str, country: str, known_on: int, runs: int) -> dict[str, Any]:
    """`show <country> --format json` as a command, now and at `known_on`, alternately,
    `runs` times each after an untimed run of each: wall time (ms)."""
    import subprocess
    import sys

    from bench.bench_startup import child_env

    env = child_env()
    now = [sys.executable, "-m", "alliancekb", "--db", url, "show", country, "--format", "json"]
    past = [*now, "--known-on", str(known_on)]

    def once(argv: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        return (time.perf_counter() - t0) * 1000

    once(now)
    once(past)
    now_ms: list[float] = []
    past_ms: list[float] = []
    for _ in range(runs):
        now_ms.append(once(now))
        past_ms.append(once(past))
    result = {"now": _timings(now_ms, 1, 0), "known_on": _timings(past_ms, 1, 0)}
    result["ratio"] = result["known_on"]["median_ms"] / result["now"]["median_ms"]
    return result


def run(
    url: str,
    workdir: Path,
    *,
    runs: int = 7,
    loads: int = HISTORY_LOADS,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Give the database at `url` (a copy: it is changed) its history, then time."""
    from sqlalchemy import func, select

    from alliancekb.store import models as m
    from alliancekb.store.db import create_db_engine, read_session

    workdir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(url)
    try:
        with read_session(engine) as s:
            n_statements = s.execute(select(func.count()).select_from(m.Statement)).scalar_one()
            n_members = s.execute(select(func.count()).select_from(m.Membership)).scalar_one()
        per_statements, per_members = sizes_for(n_statements, n_members)
        history: list[dict[str, Any]] = []
        path = workdir / "history-0.yaml"
        for k in range(1, loads + 1):
            path = workdir / f"history-{k}.yaml"
            records = write_history(
                engine, path, k, statements=per_statements, memberships=per_members
            )
            seconds, load_id, changed = _load(engine, path)
            history.append({"load": load_id, "seconds": seconds, "changed": changed,
                            "yaml_bytes": path.stat().st_size, **records})  # fmt: skip
            log(f"  history load {k}: load {load_id}, {changed:,} changed in {seconds:.2f} s")
        # Loaded again, the last file changes nothing, each time: the median of three.
        agains = [_load(engine, path) for _ in range(UNCHANGED_RUNS)]
        again_s = statistics.median(a[0] for a in agains)
        again_id, again_changed = agains[0][1], max(a[2] for a in agains)
        log(f"  the last history file again: {again_changed} changed in {again_s:.2f} s")
        known_on = history[0]["load"]
        names = pick(engine)
        queries = []
        for name, command, render in cases(names):
            figures = time_pair(engine, render, known_on, runs)
            queries.append({"name": name, "command": command, **figures})
            log(
                f"  {name:<20} now {figures['now']['median_ms']:8.2f} ms, known-on "
                f"{figures['known_on']['median_ms']:8.2f} ms ({figures['ratio']:.2f}×)"
            )
        whole = time_commands(url, names["country"], known_on, min(runs, COMMAND_RUNS))
        log(
            f"  {'show (command)':<20} now {whole['now']['median_ms']:8.2f} ms, known-on "
            f"{whole['known_on']['median_ms']:8.2f} ms ({whole['ratio']:.2f}×)"
        )
    finally:
        engine.dispose()
    first = history[0]["seconds"]
    return {
        "statements": n_statements,
        "memberships": n_members,
        "runs": runs,
        "known_on": known_on,
        "names": names,
        "per_load": {
            "statements_changed": per_statements,
            "statements_added": per_statements,
            "memberships_changed": per_members,
        },
        "history": history,
        "unchanged": {
            "load": again_id,
            "seconds": again_s,
            "changed": again_changed,
            "runs": UNCHANGED_RUNS,
        },
        "history_median_s": statistics.median(h["seconds"] for h in history),
        "unchanged_ratio": again_s / first if first else None,
        "ratio_target": RATIO_TARGET,
        "queries": queries,
        "command": {
            "command": f"show {names['country']!r} --format json",
            "runs": min(runs, COMMAND_RUNS),
            **whole,
        },
    }


def markdown(result: dict[str, Any]) -> list[str]:
    """The section of one run (one backend, one size)."""
    history = result["history"]
    first, unchanged = history[0], result["unchanged"]
    per = result["per_load"]
    lines = [
        f"{result['backend']}, {result['statements']:,} statements / "
        f"{result['memberships']:,} memberships, after {len(history)} history loads "
        f"(each: {per['statements_changed']:,} statements changed, "
        f"{per['statements_added']:,} added, {per['memberships_changed']:,} membership notes "
        f"changed); `--known-on {result['known_on']}` (the first history load); "
        f"{result['runs']} alternating runs each:",
        "",
        "| query | now: median | `--known-on`: median | min (now / known-on) | rows "
        "(now / known-on) | known-on / now |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for q in result["queries"]:
        now, past = q["now"], q["known_on"]
        lines.append(
            f"| `{q['command']}` | {now['median_ms']:.1f} ms | {past['median_ms']:.1f} ms | "
            f"{now['min_ms']:.1f} / {past['min_ms']:.1f} ms | {now['rows']} / {past['rows']} | "
            f"**{q['ratio']:.2f}×** |"
        )
    command = result.get("command")
    if command:
        now, past = command["now"], command["known_on"]
        lines.append(
            f"| `alliancekb {command['command']}` as a command ({command['runs']} runs: "
            f"start-up and a first, cold query) | {now['median_ms']:.1f} ms | "
            f"{past['median_ms']:.1f} ms | {now['min_ms']:.1f} / {past['min_ms']:.1f} ms | "
            f"1 / 1 | **{command['ratio']:.2f}×** |"
        )
    times = ", ".join(f"{h['seconds']:.2f}" for h in history)
    lines += [
        "",
        f"History loads (s): {times}. The last history file loaded again changed "
        f"{unchanged['changed']} records in {unchanged['seconds']:.2f} s (median of "
        f"{unchanged.get('runs', 1)}): **{result['unchanged_ratio']:.2f}×** the first history "
        f"load ({first['seconds']:.2f} s, {first['changed']:,} records changed), "
        f"{unchanged['seconds'] / result['history_median_s']:.2f}× the median history load.",
    ]
    return lines
