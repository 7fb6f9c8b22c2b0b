"""Load benchmark (issue 3): alliancekb load against the naive way and the floor.

    python -m bench.bench_load --statements 100000 [--naive-statements 10000]
        [--workdir DIR] [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
    python -m bench.bench_load --alias-bomb   # the time to refuse a billion-laughs file

Variants, each timed in a fresh child process on a fresh migrated database that already
holds the bundled seed (every ISO country; loading it is not timed):

(a) ``load``: ``alliancekb.load.loader.load_files`` on the generated file, as ``alliancekb load``
    does it (validation, name resolution, upsert diffing, links, search index, history).
    On Linux a file of 4 MiB or more is read and validated by a second process
    (``alliancekb.load.child_read``), so (a) uses two cores where (b) and (c) use one.
(b) ``naive``: ``yaml.safe_load`` of the whole file, then one ORM object per record
    (sources, technology areas, alliances and pillars, officials and positions,
    memberships, statements with their links) added to a session, one commit.
(c) ``floor``: the statements' rows built straight from libyaml events
    (``yaml.parse(..., Loader=yaml.CSafeLoader)``) and written with one ``executemany``
    into the same schema, search index included (built in bulk, as (a) does). The other
    sections are loaded before the clock starts, so (c) writes only the statements table:
    no validation, no links, no diffing. It is the floor under (a).

Each child reports its own peak RSS (``ru_maxrss`` of the child itself: the children's
figure from ``RUSAGE_CHILDREN`` is a maximum over every child waited for, so it cannot
tell one variant from the next), and (a) also the peak RSS of its reading process (its
own ``RUSAGE_CHILDREN``); the memory target is checked against their sum, which
overstates it (the forked reader shares pages with the loader). The naive way is slow:
``--naive-statements N`` runs it on a file of N statements and scales its time linearly
to the full size (the table says so). ``run()`` returns the figures as a dict and prints nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

VARIANTS = ("load", "naive", "floor")
#: Issue 3's targets.
TARGET_SPEEDUP_OVER_NAIVE = 10.0
TARGET_WITHIN_FLOOR = 2.0
TARGET_STATEMENTS_PER_S = 15_000.0
TARGET_PEAK_MB = 250.0
#: Issue 20's: PostgreSQL's statements/s at least this fraction of SQLite's.
TARGET_POSTGRESQL_OVER_SQLITE = 0.7


# --------------------------------------------------------------------------- the parent


def data_file(workdir: Path, statements: int) -> Path:
    """The generated file of `statements` statements in `workdir` (made once, then reused)."""
    from bench.generate import write_file

    path = workdir / f"kb{statements}.yaml"
    if not path.exists():
        partial = path.with_suffix(".part")
        write_file(partial, statements=statements)
        partial.replace(path)
    return path


def _child(variant: str, file: Path, url: str) -> dict[str, Any]:
    """Run one variant in a fresh interpreter; its JSON line of figures."""
    command = [sys.executable, "-m", "bench.bench_load", "--variant", variant,
               "--file", str(file), "--db", url]  # fmt: skip
    root = Path(__file__).resolve().parent.parent
    path = [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"variant {variant} failed ({done.returncode}):\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@contextmanager
def _sqlite_url(workdir: Path, name: str) -> Iterator[str]:
    path = workdir / f"{name}.sqlite"
    _remove_sqlite(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        _remove_sqlite(path)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@contextmanager
def _postgres_url(admin_url: str) -> Iterator[str]:
    """A fresh, uniquely named database on the server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from alliancekb.core.config import to_url

    admin = create_engine(to_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"akb_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(to_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _figures(raw: dict[str, Any], scale: float = 1.0) -> dict[str, Any]:
    seconds = float(raw["seconds"]) * scale
    statements = int(raw["statements"] * scale)
    return {
        "seconds": seconds,
        "statements": statements,
        "measured_statements": int(raw["statements"]),
        "scaled": scale != 1.0,
        "statements_per_s": statements / seconds if seconds else float("inf"),
        "peak_rss_mb": raw["maxrss_kb"] / 1024,
        "reader_peak_rss_mb": raw.get("reader_maxrss_kb", 0) / 1024,
    }


def run(
    statements: int,
    workdir: Path,
    postgres_url: str | None = None,
    *,
    naive_statements: int | None = None,
    variants: Sequence[str] = VARIANTS,
) -> dict[str, Any]:
    """Measure the variants at `statements` statements; the figures, ratios and targets.

    Returns ``{"statements", "sqlite": {variant: figures}, "ratios", "targets",
    "postgresql": figures | None}`` where figures are seconds, statements/s and peak RSS.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    full = data_file(workdir, statements)
    results: dict[str, dict[str, Any]] = {}
    for variant in variants:
        file, scale = full, 1.0
        if variant == "naive" and naive_statements and naive_statements < statements:
            file, scale = data_file(workdir, naive_statements), statements / naive_statements
        with _sqlite_url(workdir, f"bench-{variant}") as url:
            results[variant] = _figures(_child(variant, file, url), scale)
    out: dict[str, Any] = {"statements": statements, "sqlite": results}
    ratios: dict[str, float] = {}
    if "load" in results and "naive" in results:
        ratios["naive_over_load"] = results["naive"]["seconds"] / results["load"]["seconds"]
    if "load" in results and "floor" in results:
        ratios["load_over_floor"] = results["load"]["seconds"] / results["floor"]["seconds"]
    out["ratios"] = ratios
    load = results.get("load")
    out["targets"] = {
        "naive_over_load >= 10": ratios.get("naive_over_load", 0.0) >= TARGET_SPEEDUP_OVER_NAIVE
        if "naive_over_load" in ratios else None,
        "load_over_floor <= 2": ratios.get("load_over_floor", 99.0) <= TARGET_WITHIN_FLOOR
        if "load_over_floor" in ratios else None,
        "statements/s >= 15000": load["statements_per_s"] >= TARGET_STATEMENTS_PER_S
        if load else None,
        "peak RSS < 250 MB": load["peak_rss_mb"] + load["reader_peak_rss_mb"] < TARGET_PEAK_MB
        if load else None,
    }  # fmt: skip
    out["postgresql"] = None
    if postgres_url:
        with _postgres_url(postgres_url) as url:
            out["postgresql"] = pg = _figures(_child("load", full, url))
        if load:
            # PostgreSQL's rate as a fraction of SQLite's, the same file in the same run.
            ratios["postgresql_over_sqlite"] = load["seconds"] / pg["seconds"]
            out["targets"][f"postgresql >= {TARGET_POSTGRESQL_OVER_SQLITE}x sqlite"] = (
                ratios["postgresql_over_sqlite"] >= TARGET_POSTGRESQL_OVER_SQLITE
            )
    return out


#: A billion-laughs document: nine levels of ten aliases (never expanded by the reader).
_BOMB = "statements:\n  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  - &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10)
)


def alias_bomb(workdir: Path) -> dict[str, float]:
    """Seconds and traced peak memory to refuse a billion-laughs document, in a fresh process.

    The test suite bounds only its memory (tests/test_reliability_corpus.py); its time,
    which depends on the machine and its load, is measured here.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    bomb = workdir / "billion-laughs.yaml"
    bomb.write_text(_BOMB, encoding="utf-8")
    probe = (
        "import json, sys, time, tracemalloc\n"
        "from pathlib import Path\n"
        "from bench.bench_load import _prepare\n"
        "from alliancekb.core.errors import InvalidDataError\n"
        "from alliancekb.load.loader import load_files\n"
        "engine = _prepare(sys.argv[1])\n"
        "tracemalloc.start()\n"
        "began = time.perf_counter()\n"
        "try:\n"
        "    load_files(engine, [Path(sys.argv[2])])\n"
        "except InvalidDataError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('the alias bomb was not refused')\n"
        "seconds = time.perf_counter() - began\n"
        "peak_mb = tracemalloc.get_traced_memory()[1] / 2**20\n"
        "print(json.dumps({'seconds': seconds, 'peak_mb': peak_mb}))\n"
    )
    with _sqlite_url(workdir, "bench-bomb") as url:
        proc = subprocess.run(
            [sys.executable, "-c", probe, url, str(bomb)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def markdown(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (what `__main__` prints)."""
    names = {
        "load": "(a) alliancekb load",
        "naive": "(b) naive: yaml.safe_load + ORM objects",
        "floor": "(c) floor: libyaml events + one executemany",
    }
    lines = [
        f"Loading {result['statements']:,} statements into a fresh SQLite database "
        "(seed loaded first, not timed):",
        "",
        "| variant | seconds | statements/s | peak RSS (MB) |",
        "|---|---:|---:|---:|",
    ]
    for variant, fig in result["sqlite"].items():
        note = (
            f" (measured on {fig['measured_statements']:,}, time scaled)" if fig["scaled"] else ""
        )
        lines.append(
            f"| {names[variant]}{note} | {fig['seconds']:.2f} | {fig['statements_per_s']:,.0f} "
            f"| {_peak(fig)} |"
        )
    pg = result.get("postgresql")
    if pg:
        lines.append(
            f"| (a) alliancekb load, PostgreSQL | {pg['seconds']:.2f} "
            f"| {pg['statements_per_s']:,.0f} | {_peak(pg)} |"
        )
    lines.append("")
    ratios = result["ratios"]
    if "naive_over_load" in ratios:
        lines.append(f"- b / a = {ratios['naive_over_load']:.1f} (target >= 10)")
    if "load_over_floor" in ratios:
        lines.append(f"- a / c = {ratios['load_over_floor']:.2f} (target <= 2)")
    if "postgresql_over_sqlite" in ratios:
        lines.append(
            f"- PostgreSQL / SQLite statements/s = {ratios['postgresql_over_sqlite']:.2f}"
            f" (target >= {TARGET_POSTGRESQL_OVER_SQLITE})"
        )
    for target, met in result["targets"].items():
        if met is not None:
            lines.append(f"- {target}: {'met' if met else 'MISSED'}")
    return "\n".join(lines)


def _peak(fig: dict[str, Any]) -> str:
    """`153`, or `153 + 72 (reader)` when a reading process ran beside the loader."""
    reader = fig.get("reader_peak_rss_mb", 0.0)
    own = f"{fig['peak_rss_mb']:.0f}"
    return f"{own} + {reader:.0f} (reader)" if reader else own


# --------------------------------------------------------------------------- the children


def _prepare(url: str, *prefix_files: Path) -> Any:
    """A migrated database holding the seed (and the given files): the untimed setup."""
    from alliancekb.load.bootstrap import seed_path
    from alliancekb.load.loader import load_files
    from alliancekb.store import migrate
    from alliancekb.store.db import create_db_engine

    engine = create_db_engine(url)
    migrate.upgrade(engine)
    for path in [seed_path(), *prefix_files]:
        load_files(engine, [path])
    return engine


def _variant_load(file: Path, url: str) -> int:
    from alliancekb.load.loader import load_files

    engine = _prepare(url)
    started = time.perf_counter()
    report = load_files(engine, [file])
    _stop(started)
    return report.counts["statements"].created


def _variant_naive(file: Path, url: str) -> int:
    import yaml
    from sqlalchemy.orm import Session

    from alliancekb.core.dates import parse_edtf
    from alliancekb.core.vocab import ScopeKind
    from alliancekb.load.loader import statement_id
    from alliancekb.store import models as m

    engine = _prepare(url)
    started = time.perf_counter()
    with file.open(encoding="utf-8") as f:
        doc: dict[str, list[dict[str, Any]]] = yaml.safe_load(f)

    def day(text: Any) -> Any:
        return parse_edtf(str(text)) if text else None

    with Session(engine) as session:
        countries = {c.iso3: c for c in session.query(m.Country)}
        sources: dict[str, Any] = {}
        for r in doc.get("sources", []):
            d = day(r["published"])
            sources[r["key"]] = src = m.Source(
                key=r["key"], title=r["title"], publisher=r.get("publisher"),
                author=r.get("author"), url=r.get("url"), published=str(r["published"]),
                published_lower=d.lower if d else None, published_upper=d.upper if d else None,
                retrieved=str(r.get("retrieved") or ""), kind=r["kind"], note=r.get("note"),
            )  # fmt: skip
            session.add(src)
        areas: dict[str, Any] = {t.key: t for t in session.query(m.TechnologyArea)}
        for r in doc.get("technology_areas", []):
            if r["key"] not in areas:  # the seed has some of them
                areas[r["key"]] = area = m.TechnologyArea(key=r["key"], name=r["name"])
                session.add(area)
        alliances: dict[str, Any] = {}
        scopes: dict[str, Any] = {}
        for r in doc.get("alliances", []):
            d = day(r.get("founded"))
            scope = m.Scope(kind=ScopeKind.ALLIANCE)
            session.add(scope)
            session.flush()  # the naive way: a round trip for each new scope id
            alliance = m.Alliance(
                key=r["key"], name=r["name"], full_name=r.get("full_name"), kind=r["kind"],
                founded=str(r.get("founded") or ""), founded_lower=d.lower if d else None,
                founded_upper=d.upper if d else None, scope_id=scope.id,
                sources=[sources[s] for s in r.get("sources") or []],
            )  # fmt: skip
            alliances[r["key"]] = alliance
            scopes[r["key"]] = scope
            for p in r.get("pillars") or []:
                pillar_scope = m.Scope(kind=ScopeKind.PILLAR)
                session.add(pillar_scope)
                session.flush()
                alliance.pillars.append(
                    m.Pillar(number=int(p["number"]), name=p["name"], scope_id=pillar_scope.id,
                             technology_areas=[areas[t] for t in p.get("technology_areas") or []])
                )  # fmt: skip
                scopes[f"{r['key']} pillar {p['number']}"] = pillar_scope
            session.add(alliance)
        officials: dict[str, Any] = {}
        for r in doc.get("officials", []):
            official = m.Official(key=r["key"], name=r["name"])
            for p in r.get("positions") or []:
                lo, hi = day(p.get("from")), day(p.get("to"))
                official.positions.append(
                    m.Position(
                        title=p["title"],
                        country=countries[p["country"]] if p.get("country") else None,
                        alliance=alliances[p["alliance"]] if p.get("alliance") else None,
                        from_text=str(p.get("from") or ""), to_text=str(p.get("to") or ""),
                        from_lower=lo.lower if lo else None, from_upper=lo.upper if lo else None,
                        to_lower=hi.lower if hi else None, to_upper=hi.upper if hi else None,
                        sources=[sources[s] for s in p["sources"]],
                    )
                )  # fmt: skip
            officials[r["key"]] = official
            session.add(official)
        for r in doc.get("memberships", []):
            lo, hi = day(r.get("from")), day(r.get("to"))
            session.add(
                m.Membership(
                    country=countries[r["country"]], scope=scopes[r["scope"]], role=r["role"],
                    status=r["status"], from_text=str(r.get("from") or ""),
                    to_text=str(r.get("to") or ""), from_lower=lo.lower if lo else None,
                    from_upper=lo.upper if lo else None, to_lower=hi.lower if hi else None,
                    to_upper=hi.upper if hi else None, note=r.get("note"),
                    sources=[sources[s] for s in r["sources"]],
                )
            )  # fmt: skip
        count = 0
        for r in doc.get("statements", []):
            speaker = r["speaker"]
            by_official = officials.get(speaker)
            by_country = countries.get(speaker) if by_official is None else None
            by_alliance = (
                alliances.get(speaker) if by_official is None and by_country is None else None
            )
            d = parse_edtf(str(r["date"]))
            about = r.get("about") or {}
            session.add(
                m.Statement(
                    id=r.get("id") or statement_id(speaker, str(r["date"]), r["source"]),
                    speaker_official=by_official, speaker_country=by_country,
                    speaker_alliance=by_alliance, speaker_label=r.get("speaker_label"),
                    date_text=str(r["date"]), date_lower=d.lower, date_upper=d.upper,
                    text=r["text"], quote=r.get("quote") in (True, "true"), stance=r["stance"],
                    source=sources[r["source"]], note=r.get("note"),
                    countries=list({c: countries[c] for c in about.get("countries", [])}.values()),
                    scopes=list({s: scopes[s] for s in about.get("scopes", [])}.values()),
                    technology_areas=list(
                        {t: areas[t] for t in about.get("technology_areas", [])}.values()
                    ),
                )
            )  # fmt: skip
            count += 1
        session.commit()
    _stop(started)
    return count


def _prefix_file(file: Path) -> Path:
    """The file up to its `statements:` section (the generator writes statements last)."""
    prefix = Path(tempfile.mkstemp(suffix=".yaml", prefix="bench-prefix-")[1])
    with file.open(encoding="utf-8") as src, prefix.open("w", encoding="utf-8") as out:
        for line in src:
            if line == "statements:\n":
                break
            out.write(line)
    return prefix


def _variant_floor(file: Path, url: str) -> int:
    import yaml
    from sqlalchemy import select
    from yaml.events import (
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    from alliancekb.core.dates import parse_edtf
    from alliancekb.load.loader import statement_id
    from alliancekb.store import models as m
    from alliancekb.store.search import bulk_indexing

    prefix = _prefix_file(file)
    try:
        engine = _prepare(url, prefix)
    finally:
        prefix.unlink()
    with engine.connect() as conn:
        officials = dict(conn.execute(select(m.Official.key, m.Official.id)).all())
        countries = dict(conn.execute(select(m.Country.iso3, m.Country.id)).all())
        alliances = dict(conn.execute(select(m.Alliance.key, m.Alliance.id)).all())
        sources = dict(conn.execute(select(m.Source.key, m.Source.id)).all())
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    insert_sql = (
        "INSERT INTO statements (id, speaker_official_id, speaker_country_id, "
        "speaker_alliance_id, speaker_label, date_text, date_lower, date_upper, text, quote, "
        f"stance, source_id, note) VALUES ({', '.join([mark] * 13)})"
    )

    started = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    with file.open("rb") as f:
        events = yaml.parse(f, Loader=yaml.CSafeLoader)
        in_statements = False
        depth = 0
        record: dict[str, Any] = {}
        key: str | None = None
        event: Any
        for event in events:
            cls = event.__class__
            if cls is MappingStartEvent or cls is SequenceStartEvent:
                depth += 1
                if depth == 3:
                    record, key = {}, None
                elif depth == 4:
                    key = None  # a nested value (`about`): not needed for the row
                continue
            if cls is MappingEndEvent or cls is SequenceEndEvent:
                depth -= 1
                if depth == 2 and in_statements and cls is MappingEndEvent:
                    rows.append(_floor_row(record, officials, countries, alliances, sources,
                                           parse_edtf, statement_id, sqlite))  # fmt: skip
                continue
            if cls is not ScalarEvent:
                continue
            if depth == 1:
                in_statements = event.value == "statements"
            elif depth == 3 and in_statements:
                if key is None:
                    key = event.value
                else:
                    record[key] = event.value
                    key = None
    with engine.begin() as conn, bulk_indexing(conn):
        raw: Any = conn.connection.driver_connection
        raw.cursor().executemany(insert_sql, rows)
    _stop(started)
    return len(rows)


def _floor_row(
    r: dict[str, Any],
    officials: dict[str, int],
    countries: dict[str, int],
    alliances: dict[str, int],
    sources: dict[str, int],
    parse_edtf: Any,
    statement_id: Any,
    sqlite: bool,
) -> tuple[Any, ...]:
    speaker = r["speaker"]  # the generator names speakers by key or ISO code
    official = officials.get(speaker)
    country = countries.get(speaker) if official is None else None
    alliance = alliances.get(speaker) if official is None and country is None else None
    kind = "official" if official else "country" if country else "alliance"
    d = parse_edtf(r["date"])
    lower, upper = (d.lower.isoformat(), d.upper.isoformat()) if sqlite else (d.lower, d.upper)
    quote = r.get("quote") == "true"
    return (
        r.get("id") or statement_id(f"{kind}:{speaker}", r["date"], r["source"]),
        official,
        country,
        alliance,
        r.get("speaker_label"),
        r["date"],
        lower,
        upper,
        r["text"],
        int(quote) if sqlite else quote,
        r["stance"],
        sources[r["source"]],
        r.get("note"),
    )


_STOPPED: list[float] = []


def _stop(started: float) -> None:
    _STOPPED.append(time.perf_counter() - started)


def _run_variant(variant: str, file: Path, url: str) -> None:
    """In the child: run one variant and print its figures as one JSON line."""
    count = {"load": _variant_load, "naive": _variant_naive, "floor": _variant_floor}[variant](
        file, url
    )
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    # The processes this one waited for: the reading processes of its loads, if any (the
    # seed is too small for one, so only the timed load's).
    reader_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures = {"seconds": _STOPPED[-1], "statements": count, "maxrss_kb": maxrss_kb,
               "reader_maxrss_kb": reader_kb}  # fmt: skip
    print(json.dumps(figures))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument(
        "--naive-statements", type=int, default=None,
        help="run the naive variant on this many statements and scale its time",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "akb-bench")
    parser.add_argument("--postgres-url", default=os.environ.get("ALLIANCEKB_BENCH_POSTGRES_URL"))
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument(
        "--alias-bomb", action="store_true", help="time refusing a billion-laughs document only"
    )
    # The child side (one variant, in its own process).
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        _run_variant(args.variant, args.file, args.db)
        return 0
    if args.alias_bomb:
        bomb = alias_bomb(args.workdir)
        print(
            f"alias bomb refused in {bomb['seconds']:.3f} s, traced peak {bomb['peak_mb']:.1f} MB"
        )
        return 0
    result = run(
        args.statements, args.workdir, args.postgres_url,
        naive_statements=args.naive_statements,
        variants=[v for v in args.variants.split(",") if v],
    )  # fmt: skip
    print(markdown(result))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
