"""The analyst's queries, timed in-process as the CLI runs them (issue 5's benchmark).

Each timed run does what `alliancekb members SCOPE --format csv` (or `statements ...
--format json`) does after parsing its arguments: open one read transaction
(`db.read_session`), call the `alliancekb.query` function (which loads the name index and
resolves the names), and write every row with `present.views.emit_result` to an in-memory
stream.
The engine (its connection pool) is made once per database, as a long-lived process
would; process start-up is measured separately (`bench.bench_startup`).

Queries (the same names at every size; the generator's entities do not depend on size):

- ``members``: `members <alliance>` for the alliance with the most membership rows;
- ``statements --speaker``: `statements --speaker <official> --since <D> --limit 50` for
  the official who speaks most, D = 2015-01-01;
- ``statements --search``: `statements --search <word> --limit 50` for each marker word
  (kestrelmoor ~0.1%, lanternfish ~1%, tidewatch ~10% of statements);
- ``members --history``: `members <alliance> --history` for the same alliance: every
  record of every chain (issue 20: chains, rows with currency and `confirmed`);
- ``officials --all``: `officials --all --format csv`: every position of every official,
  past ones included, with its currency;
- ``show``: `show Japan --format json`: a country's card (issue 32: < 100 ms at 1M), its
  newest statements among the ~3.5% of all that are about it or said by it.

The issue-5 target (< 50 ms at 1M statements) covers the first five; the last two have
none (issue 20 asks for their figures).

Each query runs once untimed (warm-up), then `runs` times; the median, min and max are
reported in milliseconds, with the number of rows written.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.kbcache import KnowledgeBase, build_into, sqlite_kb

#: The target of issue 5 for every query at 1M statements on SQLite (ms, median).
TARGET_MS = 50.0
SINCE = "2015-01-01"
SEARCH_WORDS = ("kestrelmoor", "lanternfish", "tidewatch")
LIMIT = 50
#: The country whose card `show` is timed (a seeded country, at every size).
SHOW_COUNTRY = "Japan"


@dataclass
class QueryTiming:
    """One query on one database: timings in milliseconds."""

    name: str
    command: str
    fmt: str
    rows: int
    runs: int
    median_ms: float
    min_ms: float
    max_ms: float
    samples_ms: list[float] = field(default_factory=list)


@dataclass
class Targets:
    """The names the queries use, chosen from the database before timing."""

    scope: str
    scope_rows: int
    speaker: str
    speaker_statements: int


def pick_targets(engine: Any) -> Targets:
    """The busiest alliance (membership rows) and the official who speaks most."""
    from sqlalchemy import func, select

    from alliancekb.store import models as m
    from alliancekb.store.db import read_session

    with read_session(engine) as s:
        scope_name, scope_rows = s.execute(
            select(m.Alliance.name, func.count(m.Membership.id))
            .join(m.Membership, m.Membership.scope_id == m.Alliance.scope_id)
            .group_by(m.Alliance.id, m.Alliance.name)
            .order_by(func.count(m.Membership.id).desc(), m.Alliance.name)
            .limit(1)
        ).one()
        speaker, spoken = s.execute(
            select(m.Official.name, func.count(m.Statement.id))
            .join(m.Statement, m.Statement.speaker_official_id == m.Official.id)
            .group_by(m.Official.id, m.Official.name)
            .order_by(func.count(m.Statement.id).desc(), m.Official.name)
            .limit(1)
        ).one()
    return Targets(str(scope_name), int(scope_rows), str(speaker), int(spoken))


def query_cases(targets: Targets) -> list[tuple[str, str, str, Callable[[Any], Any]]]:
    """(name, CLI command, format, function of a session returning a query result)."""
    from alliancekb.query.members import members as members_of
    from alliancekb.query.statements import statements

    def members(s: Any) -> Any:
        return members_of(s, targets.scope)

    def by_speaker(s: Any) -> Any:
        return statements(s, speaker=targets.speaker, since=SINCE, limit=LIMIT)

    cases: list[tuple[str, str, str, Callable[[Any], Any]]] = [
        ("members", f"members {targets.scope!r} --format csv", "csv", members),
        (
            "statements --speaker",
            f"statements --speaker {targets.speaker!r} --since {SINCE} --limit {LIMIT} "
            "--format json",
            "json",
            by_speaker,
        ),
    ]
    cases += search_cases()
    cases += chain_cases(targets)
    cases.append(show_case())
    return cases


def show_case() -> tuple[str, str, str, Callable[[Any], Any]]:
    """`show Japan --format json` (its card: `query.cards.show`)."""
    from alliancekb.query.cards import show

    def card(s: Any) -> Any:
        return show(s, SHOW_COUNTRY)

    return ("show", f"show {SHOW_COUNTRY} --format json", "json", card)


def _emit(result: Any, fmt: str, out: Any) -> int | None:
    """Write a query's answer as the CLI does: a card by `emit_card`, a list by its view."""
    from alliancekb.present.cards import emit_card
    from alliancekb.present.views import emit_result
    from alliancekb.query.cards import Card

    if isinstance(result, Card):
        emit_card(result, fmt, out)
        return 1
    return emit_result(result, fmt, out)


def search_cases() -> list[tuple[str, str, str, Callable[[Any], Any]]]:
    """`statements --search <word> --limit 50` for each marker word."""
    from alliancekb.query.statements import statements

    cases: list[tuple[str, str, str, Callable[[Any], Any]]] = []
    for word in SEARCH_WORDS:

        def search(s: Any, word: str = word) -> Any:
            return statements(s, search=word, limit=LIMIT)

        cases.append(
            (
                f"statements --search {word}",
                f"statements --search {word} --limit {LIMIT} --format json",
                "json",
                search,
            )
        )
    return cases


#: The queries of issue 20: whole chains and every position (no target of their own).
CHAIN_QUERIES = ("members --history", "officials --all")


def chain_cases(targets: Targets) -> list[tuple[str, str, str, Callable[[Any], Any]]]:
    """`members <alliance> --history` and `officials --all`, both as CSV."""
    from alliancekb.query.lists import officials
    from alliancekb.query.members import members as members_of

    def history(s: Any) -> Any:
        return members_of(s, targets.scope, history=True)

    def all_positions(s: Any) -> Any:
        return officials(s, all_positions=True)

    return [
        ("members --history", f"members {targets.scope!r} --history --format csv", "csv", history),
        ("officials --all", "officials --all --format csv", "csv", all_positions),
    ]


def time_query(engine: Any, make_table: Callable[[Any], Any], fmt: str, runs: int) -> QueryTiming:
    """Warm up once, then time `runs` complete runs (session, query, names, rendering)."""
    from alliancekb.store.db import read_session

    def once() -> tuple[float, int]:
        out = io.StringIO()
        t0 = time.perf_counter()
        with read_session(engine) as session:
            written = _emit(make_table(session), fmt, out)
        elapsed = time.perf_counter() - t0
        return elapsed * 1000, int(written or 0)

    once()
    samples: list[float] = []
    rows = 0
    for _ in range(runs):
        ms, rows = once()
        samples.append(ms)
    return QueryTiming(
        name="",
        command="",
        fmt=fmt,
        rows=rows,
        runs=runs,
        median_ms=statistics.median(samples),
        min_ms=min(samples),
        max_ms=max(samples),
        samples_ms=[round(x, 3) for x in samples],
    )


def run_on(kb: KnowledgeBase, runs: int) -> dict[str, Any]:
    """Every query on one database."""
    from alliancekb.store.db import create_db_engine

    engine = create_db_engine(kb.url)
    try:
        targets = pick_targets(engine)
        timings = []
        for name, command, fmt, make_table in query_cases(targets):
            timing = time_query(engine, make_table, fmt, runs)
            timing.name, timing.command = name, command
            timings.append(timing)
    finally:
        engine.dispose()
    return {
        "url": kb.url,
        "statements": kb.info.statements,
        "memberships": kb.info.memberships,
        "markers": kb.info.markers,
        "cached": kb.cached,
        "build": _build_dict(kb),
        "targets": targets.__dict__,
        "queries": [t.__dict__ for t in timings],
    }


def _build_dict(kb: KnowledgeBase) -> dict[str, Any]:
    info = kb.info
    return {
        "load_s": round(info.load_s, 3),
        "seed_load_s": round(info.seed_load_s, 3),
        "generate_s": round(info.generate_s, 3),
        "statements_per_s": round(info.statements_per_s, 1),
        "peak_rss_mb": round(info.peak_rss_mb, 1),
        "yaml_bytes": info.yaml_bytes,
        "built_at": info.built_at,
        "cached": kb.cached,
    }


def memberships_for(statements: int) -> int:
    """Memberships generated beside `statements`: one per ten (100,000 at 1M, as issue 5)."""
    return max(statements // 10, 50)


def run_sqlite(
    sizes: list[int],
    *,
    runs: int = 7,
    data_dir: Path | None = None,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """The queries at each size on SQLite (databases cached in `data_dir`)."""
    results = []
    for n in sizes:
        t0 = time.perf_counter()
        kw: dict[str, Any] = {"data_dir": data_dir} if data_dir is not None else {}
        kb = sqlite_kb(n, memberships=memberships_for(n), rebuild=rebuild, log=log, **kw)
        state = "cached" if kb.cached else f"built in {time.perf_counter() - t0:.0f} s"
        log(f"queries: sqlite {n} statements ({state}: {kb.path})")
        result = run_on(kb, runs)
        result["backend"] = "sqlite"
        results.append(result)
        for q in result["queries"]:
            log(f"  {q['name']:<32} median {q['median_ms']:8.2f} ms  rows {q['rows']}")
    return results


def run_postgres(
    admin_url: str,
    sizes: list[int],
    *,
    runs: int = 7,
    workdir: Path,
    log: Callable[[str], None] = print,
    keep_copy_of: int | None = None,
) -> list[dict[str, Any]]:
    """The queries at each size on PostgreSQL, each in its own database, dropped after.

    `keep_copy_of`: at that size, copy the database first (`CREATE DATABASE ... TEMPLATE`)
    and hand its URL back as the result's ``copy_url`` (the caller drops it): the
    knowledge-time benchmark changes the copy.
    """
    import os

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from alliancekb.core.config import to_url

    admin_url = to_url(admin_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    results = []
    try:
        for n in sizes:
            name = f"alliancekb_bench_{os.getpid()}_{n}"
            url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                t0 = time.perf_counter()
                kb = build_into(url, n, memberships=memberships_for(n), workdir=workdir, log=log)
                built = time.perf_counter() - t0
                log(f"queries: postgresql {n} statements (built in {built:.0f} s)")
                result = run_on(kb, runs)
                result["backend"] = "postgresql"
                if n == keep_copy_of:
                    copy = f"{name}_copy"
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy}"')
                        conn.exec_driver_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
                    result["copy_url"] = (
                        make_url(admin_url).set(database=copy).render_as_string(hide_password=False)
                    )
                results.append(result)
                for q in result["queries"]:
                    log(f"  {q['name']:<32} median {q['median_ms']:8.2f} ms  rows {q['rows']}")
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
    return results


def postgres_version(admin_url: str) -> str:
    from sqlalchemy import create_engine

    from alliancekb.core.config import to_url

    engine = create_engine(to_url(admin_url))
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar_one())
    finally:
        engine.dispose()


def profile_query(kb_url: str, name: str, out_path: Path) -> str:
    """A pyinstrument profile of one query (20 runs), as text; '' if pyinstrument is missing."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return ""
    from alliancekb.present.views import emit_result as emit
    from alliancekb.store.db import create_db_engine, read_session

    engine = create_db_engine(kb_url)
    try:
        targets = pick_targets(engine)
        case = next(c for c in query_cases(targets) if c[0] == name)
        _, _, fmt, make_table = case
        with read_session(engine) as session:
            emit(make_table(session), fmt, io.StringIO())
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(20):
            with read_session(engine) as session:
                emit(make_table(session), fmt, io.StringIO())
        profiler.stop()
    finally:
        engine.dispose()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    out_path.write_text(text)
    return str(text)
