"""The benchmark suite: load, queries, export and CLI start-up, each against its baseline.

    python -m bench [--quick] [--sizes 10000,100000,1000000] [--postgres-url URL]
        [--out DIR] [--write-docs] [--rebuild]
        [--only startup,queries,known,pictures,assistant,import,panel,load,export]

The full run, as the lead runs it for docs/PERFORMANCE.md (about an hour on the 2-core
machine once the 1M database is cached; building it adds several minutes)::

    python -m bench --postgres-url postgresql://postgres@127.0.0.1:5432/postgres

Pieces (``--only``): ``startup`` (``--help`` and a database command against the bare
imports and ``sqlite-utils query``), ``queries`` (issue 5's queries plus ``members
--history`` and ``officials --all`` at every size), ``known`` (``--known-on`` against now
after 10 history loads, on a copy of the largest SQLite query database and of the largest
PostgreSQL one: ``bench.bench_known``), ``pictures`` (``chart`` and ``graph`` on the
seeded database and the largest size up to 100k: ``bench.bench_pictures``), ``assistant``
(a tool call of ``alliancekb mcp``'s server against the same API call, in process, on the
seeded database: ``bench.bench_assistant``), ``import``
(COW + ATOP against ``csv``; a generated sample in ``--quick`` when the shared copies are
absent), ``panel`` (the dyad-year panel of both imports, 1816-2012, written against
``csv.writer`` writing the same rows from a list, with its peak memory:
``bench.bench_panel``; 1998-2000 of a generated sample in ``--quick``), ``load`` and ``export``.

Writes ``results.json`` and ``report.md`` into ``--out`` (default ``bench/out/``); the full
run (no ``--quick``) also regenerates ``docs/PERFORMANCE.md``, and ``--write-docs`` asks
for it in any mode. ``--quick`` runs every piece at tiny sizes (500 statements) with
fewer repetitions, caches nothing outside ``--out`` and needs no network: ``.ci/run``
runs it so that the benchmarks never rot. The exit status is 1 if any piece failed.

The full run's query databases (10k, 100k and 1M statements) are built with the real
loader once and cached under ``bench/.data/`` (see ``bench.kbcache``): the first run
spends several minutes loading 1M statements, reruns reuse the files. ``--rebuild``
builds them again.

Sizes: ``--sizes`` are the query and export sizes; the load benchmark (its targets are at
100k) runs at the sizes up to ``--max-load-size`` (default 100,000), its naive variant
measured on at most ``--naive-statements`` (default 100,000) and scaled linearly beyond.
The load of 1M statements is reported from building the 1M query database. PostgreSQL
(``--postgres-url``, an admin URL: the suite creates and drops its own databases) runs the
queries at the sizes up to ``--postgres-max-size`` (default 100,000: loading 1M into
PostgreSQL takes long) and the loader at the load sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import inspect
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import bench_queries, bench_startup, report

_HERE = Path(__file__).resolve().parent
QUICK_SIZE = 500
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
#: The pieces, in the order they run (`--only`).
PIECES = (
    "startup", "queries", "known", "pictures", "assistant", "import", "panel", "load", "export",
)  # fmt: skip


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(s.replace("_", "")) for s in text.split(",") if s.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from None
    if not sizes or sizes[0] <= 0:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def machine(postgres_url: str | None) -> dict[str, Any]:
    """The machine and software the figures were measured on."""
    import sqlalchemy

    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu_model": "?",
        "memory_gb": 0.0,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlite_cli": "not installed",
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": None,
        "load_average_start": os.getloadavg()[0],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    cli = shutil.which("sqlite3")
    if cli:
        done = subprocess.run([cli, "--version"], capture_output=True, text=True, check=False)
        info["sqlite_cli"] = done.stdout.split()[0] if done.stdout else "?"
    if postgres_url:
        try:
            info["postgresql"] = bench_queries.postgres_version(postgres_url)
        except Exception as exc:  # reported, not fatal: the PostgreSQL pieces will fail too
            info["postgresql"] = f"unreachable ({type(exc).__name__})"
    return info


class Suite:
    """Runs the pieces, collecting results and errors (a failed piece does not stop the rest)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results: dict[str, Any] = {"errors": []}
        self.started = time.perf_counter()

    def log(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def piece(self, name: str, fn: Callable[[], Any]) -> Any:
        self.log(f"== {name}")
        try:
            return fn()
        except Exception as exc:
            self.log(f"!! {name} failed: {exc!r}")
            traceback.print_exc()
            first = (str(exc).strip().splitlines() or [""])[0]
            self.results["errors"].append(f"{name}: {type(exc).__name__}: {first}")
            return {"error": f"{type(exc).__name__}: {first}"}


def _optional_module(name: str) -> Any:
    """`bench.<name>`, or None when it is not there (yet)."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return None
        raise


def run_load(suite: Suite, sizes: list[int], workdir: Path) -> dict[str, Any] | None:
    module = _optional_module("bench_load")
    if module is None:
        suite.log("load: bench.bench_load not available, skipped")
        return None
    args = suite.args
    runs = []
    for n in sizes:
        naive = min(n, args.naive_statements)
        suite.log(f"load: {n} statements (naive on {naive})")
        result: dict[str, Any] = module.run(
            n, workdir / f"load-{n}", args.postgres_url, naive_statements=naive
        )
        if hasattr(module, "markdown"):
            result["markdown"] = module.markdown(result)
        runs.append(result)
        for variant, fig in result["sqlite"].items():
            suite.log(
                f"  {variant:<6} {fig['seconds']:8.2f} s {fig['statements_per_s']:9,.0f}/s "
                f"peak {fig['peak_rss_mb']:.0f} MB"
                + (f" + {fig['reader_peak_rss_mb']:.0f} MB reader"
                   if fig.get("reader_peak_rss_mb") else "")
            )  # fmt: skip
        shutil.rmtree(workdir / f"load-{n}", ignore_errors=True)
    return {"runs": runs}


def run_import(suite: Suite, workdir: Path) -> dict[str, Any] | None:
    """The import of COW and ATOP against reading their CSVs (skipped without the data)."""
    module = _optional_module("bench_import")
    if module is None:
        suite.log("import: bench.bench_import not available, skipped")
        return None
    # Quick: a generated sample when the shared copies are absent (the piece never rots).
    result: dict[str, Any] | None = module.run(workdir / "import", sample=suite.args.quick)
    if result is None:
        suite.log("import: the COW and ATOP copies (../shared/external) are absent, skipped")
        return None
    ours, floor = result["import"], result["csv"]
    suite.log(
        f"import ({result['data']}): {ours['seconds']:.2f} s (csv {floor['seconds']:.3f} s, "
        f"×{result['ratio']:.0f}), peak {ours['peak_rss_mb']:.0f} MB "
        f"(csv {floor['peak_rss_mb']:.0f} MB)"
    )
    return result


def run_panel(suite: Suite, workdir: Path) -> dict[str, Any] | None:
    """The dyad-year panel of both imports against `csv.writer` (skipped without the data)."""
    from bench import bench_panel

    quick = suite.args.quick
    result = bench_panel.run(workdir / "panel", only_sample=quick, runs=1 if quick else 3)
    if result is None:
        suite.log("panel: the COW and ATOP copies (../shared/external) are absent, skipped")
        return None
    first, last = result["years"]
    suite.log(
        f"panel ({result['data']}, {first}-{last}): {result['rows']:,} dyad-years in "
        f"{result['panel_seconds']:.2f} s (csv.writer {result['csv_seconds']:.2f} s, "
        f"×{result['ratio']:.2f}; rows alone ×{result['write_ratio']:.2f}), "
        f"peak {result['peak_mb']:.1f} MB "
        f"(ten years {result['peak_mb_ten_years']:.1f} MB)"
    )
    return result


def run_export(
    suite: Suite, sizes: list[int], workdir: Path, data_dir: Path | None
) -> dict[str, Any] | None:
    """The export benchmark at each size, on the query benchmark's (cached) databases."""
    module = _optional_module("bench_export")
    if module is None:
        suite.log("export: bench.bench_export not available, skipped")
        return None
    from bench.kbcache import DATA_DIR, sqlite_kb

    takes_database = "database" in inspect.signature(module.run).parameters
    runs = []
    for n in sizes:
        suite.log(f"export: {n} statements")
        kw: dict[str, Any] = {}
        if takes_database:
            kb = sqlite_kb(
                n,
                memberships=bench_queries.memberships_for(n),
                log=suite.log,
                data_dir=data_dir if data_dir is not None else DATA_DIR,
            )
            kw["database"] = kb.path
        result: dict[str, Any] = module.run(n, workdir / f"export-{n}", **kw)
        if hasattr(module, "markdown"):
            result["markdown"] = module.markdown(result)
        runs.append(result)
        suite.log(f"  {json.dumps({k: v for k, v in result.items() if k != 'markdown'})}")
        shutil.rmtree(workdir / f"export-{n}", ignore_errors=True)
    return {"runs": runs}


def run_known(
    suite: Suite,
    sqlite_size: int,
    pg_size: int | None,
    runs: int,
    workdir: Path,
    data_dir: Path | None,
    pg_copies: dict[int, str],
) -> dict[str, Any]:
    """Knowledge time (bench.bench_known) on a copy of the SQLite query database of
    `sqlite_size` and, with `--postgres-url`, of the PostgreSQL one of `pg_size` (the
    queries piece's copy, or one built here when that piece did not run)."""
    from bench import bench_known
    from bench.kbcache import DATA_DIR, sqlite_kb, sqlite_url

    out: list[dict[str, Any]] = []
    kb = sqlite_kb(
        sqlite_size,
        memberships=bench_queries.memberships_for(sqlite_size),
        log=suite.log,
        data_dir=data_dir if data_dir is not None else DATA_DIR,
    )
    assert kb.path is not None
    target = workdir / "known" / "kb.sqlite"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kb.path, target)
    try:
        suite.log(f"known: sqlite {sqlite_size:,} statements (a copy of {kb.path.name})")
        result = bench_known.run(sqlite_url(target), workdir / "known", runs=runs, log=suite.log)
        result["backend"] = "sqlite"
        result["markdown"] = "\n".join(bench_known.markdown(result))
        out.append(result)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    admin_url = suite.args.postgres_url
    if admin_url and pg_size is not None:
        url = pg_copies.pop(pg_size, None) or _postgres_kb(suite, admin_url, pg_size, workdir)
        try:
            suite.log(f"known: postgresql {pg_size:,} statements")
            result = bench_known.run(url, workdir / "known-pg", runs=runs, log=suite.log)
            result["backend"] = "postgresql"
            result["markdown"] = "\n".join(bench_known.markdown(result))
            out.append(result)
        finally:
            _drop_database(admin_url, url)
    return {"runs": out}


def run_pictures(
    suite: Suite, sizes: list[int], workdir: Path, data_dir: Path | None, quick: bool
) -> dict[str, Any]:
    """Chart and graph on the seeded database and the largest query database <= 100k."""
    from bench import bench_pictures
    from bench.kbcache import DATA_DIR, sqlite_kb

    small = [n for n in sizes if n <= bench_pictures.MAX_STATEMENTS]
    generated = None
    if small:
        kb = sqlite_kb(
            small[-1],
            memberships=bench_queries.memberships_for(small[-1]),
            log=suite.log,
            data_dir=data_dir if data_dir is not None else DATA_DIR,
        )
        assert kb.path is not None
        generated = (small[-1], kb.path)
    result = bench_pictures.run(workdir / "pictures", runs=1 if quick else 3, generated=generated)
    for db in result["databases"]:
        for name, f in db["figures"].items():
            suite.log(
                f"  {db['database']:<20} {name:<8} {f['median_s'] * 1000:7.0f} ms "
                f"peak {f['peak_mb']:5.0f} MB"
                + (f" ({f['time_ratio']:.2f}× {f['baseline']})" if "time_ratio" in f else "")
            )
    return result


def run_assistant(suite: Suite, workdir: Path, quick: bool) -> dict[str, Any]:
    """A tool call of the MCP server against the same API call, on the seeded database."""
    from bench import bench_assistant

    result = bench_assistant.run(workdir / "assistant", runs=3 if quick else 30)
    for f in result["figures"]:
        suite.log(
            f"  {f['question']:<26} API {f['api_ms']:6.1f} ms  tool {f['tool_ms']:6.1f} ms "
            f"({f['ratio']:.2f}×)  in the server {f['server_ms']:6.1f} ms"
        )
    return result


def _postgres_kb(suite: Suite, admin_url: str, size: int, workdir: Path) -> str:
    """A PostgreSQL query database of `size` built for this piece; its URL."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from alliancekb.core.config import to_url
    from bench.kbcache import build_into

    admin_url = to_url(admin_url)
    name = f"alliancekb_bench_{os.getpid()}_{size}_known"
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    memberships = bench_queries.memberships_for(size)
    build_into(url, size, memberships=memberships, workdir=workdir, log=suite.log)
    return url


def _drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from alliancekb.core.config import to_url

    name = make_url(url).database
    admin = create_engine(to_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _pieces_in_fresh_processes(suite: Suite, piece: str, sizes: list[int]) -> dict[str, Any] | None:
    """The load or export piece, one fresh process per size (see `_fresh_process`)."""
    runs: list[Any] = []
    floors: list[float] = []
    for n in sizes:
        result = _fresh_process(suite, piece, n)
        suite.results["errors"] += result.get("errors", [])
        section = result.get(piece)
        if section is None:
            return None  # the benchmark module is not there
        if "error" in section:
            raise RuntimeError(section["error"])
        runs += section["runs"]
        floors.append(result[f"{piece}_rss_floor_mb"])
    return {"runs": runs, "rss_floor_mb": max(floors, default=0.0)}


def _fresh_process(suite: Suite, piece: str, size: int) -> dict[str, Any]:
    """Run the load or export piece in a new, small process; its results.

    Their children report peak memory from `ru_maxrss`, and on Linux a child's
    `ru_maxrss` starts from its parent's resident size when it execs: started from this
    process (grown by the in-process query benchmark) they would report this process's
    size. A fresh process per size keeps that floor at the size of an interpreter with the
    bench modules imported (the export benchmark reads both CSV files back to compare them,
    which would raise the floor for the next size).
    """
    args = suite.args
    with tempfile.TemporaryDirectory(prefix="alliancekb-piece-") as tmp:
        result_path = Path(tmp) / "piece.json"
        command = [sys.executable, "-m", "bench", "--only", piece, "--out", str(args.out)]
        command += ["--piece-json", str(result_path), "--no-docs"]
        command += ["--naive-statements", str(args.naive_statements)]
        command += ["--max-load-size", str(args.max_load_size)]
        if args.quick:
            command.append("--quick")
        command += ["--sizes", str(size)]
        if args.postgres_url and piece == "load":
            command += ["--postgres-url", args.postgres_url]
        subprocess.run(command, check=True, cwd=_HERE.parent)
        result: dict[str, Any] = json.loads(result_path.read_text())
        return result


def profile_misses(suite: Suite, out: Path) -> dict[str, str]:
    """A pyinstrument profile of each query that misses its target at the largest size."""
    profiles: dict[str, str] = {}
    queries = [r for r in suite.results.get("queries") or [] if r["backend"] == "sqlite"]
    if not queries:
        return profiles
    largest = max(queries, key=lambda r: r["statements"])
    url = largest.get("url")
    if not url:
        return profiles
    keys = {"members": "q-members", "statements --speaker": "q-speaker"}
    for q in largest["queries"]:
        if q["name"] in bench_queries.CHAIN_QUERIES:  # no target: nothing to explain
            continue
        key = keys.get(q["name"], "q-search")
        if q["median_ms"] < bench_queries.TARGET_MS or key in profiles:
            continue
        # For search, profile the slowest word (the most matches).
        if key == "q-search":
            q = max(
                (x for x in largest["queries"] if x["name"].startswith("statements --search")),
                key=lambda x: x["median_ms"],
            )
        suite.log(f"profile: {q['name']} at {largest['statements']:,}")
        text = bench_queries.profile_query(url, q["name"], out / f"profile-{key}.txt")
        if text:
            profiles[key] = text
    missed = {t.key for t in report.evaluate(suite.results) if t.met is False}
    if missed & {"load-floor", "load-rate", "load-naive", "load-memory"}:
        suite.log(f"profile: alliancekb load of {LOAD_PROFILE_STATEMENTS:,} statements")
        text = profile_load(LOAD_PROFILE_STATEMENTS, out / "profile-load.txt")
        if text:
            for key in ("load-floor", "load-rate", "load-naive", "load-memory"):
                profiles[key] = text
    return profiles


#: Statements in the profiled load (a profile of the loader's steady state, quickly).
LOAD_PROFILE_STATEMENTS = 20_000


def profile_load(statements: int, out_path: Path) -> str:
    """A pyinstrument profile of `load_files` on a generated file, as text ('' without it)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return ""
    from alliancekb.load.bootstrap import prepare
    from alliancekb.load.loader import load_files
    from alliancekb.store.db import create_db_engine
    from bench.generate import write_file

    with tempfile.TemporaryDirectory(prefix="alliancekb-profile-") as tmp:
        yaml_path = Path(tmp) / "kb.yaml"
        write_file(yaml_path, statements=statements)
        engine = create_db_engine(f"sqlite:///{Path(tmp) / 'kb.sqlite'}")
        try:
            prepare(engine)
            profiler = Profiler(interval=0.001)
            profiler.start()
            load_files(engine, [yaml_path])
            profiler.stop()
        finally:
            engine.dispose()
    text = str(profiler.output_text(unicode=False, color=False, show_all=False))
    out_path.write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes; a smoke test (CI)")
    parser.add_argument("--sizes", type=_sizes, default=None, help="statements, e.g. 10000,100000")
    parser.add_argument("--postgres-url", default=None, help="admin URL of a PostgreSQL server")
    parser.add_argument("--postgres-max-size", type=int, default=100_000)
    parser.add_argument("--max-load-size", type=int, default=100_000)
    parser.add_argument("--naive-statements", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=None, help="timed runs per query (7)")
    parser.add_argument("--out", type=Path, default=_HERE / "out")
    parser.add_argument("--write-docs", action="store_true", help="regenerate docs/PERFORMANCE.md")
    parser.add_argument("--no-docs", action="store_true", help="never write docs/PERFORMANCE.md")
    parser.add_argument(
        "--merge",
        type=Path,
        default=None,
        help="results.json of an earlier run: keep its pieces that this run does not measure",
    )
    parser.add_argument("--piece-json", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached query databases")
    parser.add_argument(
        "--only",
        default=",".join(PIECES),
        help=f"comma-separated pieces to run ({', '.join(PIECES)})",
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    sizes: list[int] = args.sizes or ([QUICK_SIZE] if quick else list(DEFAULT_SIZES))
    runs: int = args.runs or (3 if quick else 7)
    only = {p.strip() for p in args.only.split(",") if p.strip()}
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if quick:
        args.naive_statements = min(args.naive_statements, QUICK_SIZE)

    suite = Suite(args)
    suite.results["meta"] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "sizes": sizes,
        "runs": runs,
        "command": "python -m bench " + " ".join(_redacted(argv or sys.argv[1:])),
        "machine": machine(args.postgres_url),
    }
    pg_sizes = [n for n in sizes if n <= args.postgres_max_size]
    pg_copies: dict[int, str] = {}  # PostgreSQL copies of query databases, for "known"
    with tempfile.TemporaryDirectory(prefix="alliancekb-bench-") as tmp:
        workdir = Path(tmp)
        data_dir = out / ".data" if quick else None  # quick: nothing cached outside --out
        if "startup" in only:
            suite.results["startup"] = suite.piece(
                "startup",
                lambda: bench_startup.run(
                    workdir / "startup", runs=3 if quick else 10, count_instructions=not quick
                ),
            )
        if "queries" in only:
            qs = suite.piece(
                "queries (sqlite)",
                lambda: bench_queries.run_sqlite(
                    sizes, runs=runs, data_dir=data_dir, rebuild=args.rebuild, log=suite.log
                ),
            )
            suite.results["queries"] = qs if isinstance(qs, list) else []
            if args.postgres_url:
                pg = suite.piece(
                    "queries (postgresql)",
                    lambda: bench_queries.run_postgres(
                        args.postgres_url,
                        pg_sizes,
                        runs=runs,
                        workdir=workdir,
                        log=suite.log,
                        keep_copy_of=pg_sizes[-1] if "known" in only and pg_sizes else None,
                    ),
                )
                if isinstance(pg, list):
                    suite.results["queries"] += pg
                    pg_copies.update(
                        (r["statements"], r.pop("copy_url")) for r in pg if "copy_url" in r
                    )
        if "known" in only:
            suite.results["known"] = suite.piece(
                "known",
                lambda: run_known(
                    suite,
                    sizes[-1],
                    pg_sizes[-1] if args.postgres_url and pg_sizes else None,
                    runs,
                    workdir,
                    data_dir,
                    pg_copies,
                ),
            )
        if "pictures" in only:
            suite.results["pictures"] = suite.piece(
                "pictures", lambda: run_pictures(suite, sizes, workdir, data_dir, quick)
            )
        if "assistant" in only:
            suite.results["assistant"] = suite.piece(
                "assistant", lambda: run_assistant(suite, workdir, quick)
            )
        for copy_url in pg_copies.values():  # made for the known piece, which failed early
            _drop_database(args.postgres_url, copy_url)
        load_sizes = [n for n in sizes if n <= args.max_load_size] or sizes[:1]
        if args.piece_json is not None:
            # Inside the fresh process `_fresh_process` started: run the piece, hand back JSON.
            if "load" in only:
                suite.results["load"] = suite.piece(
                    "load", lambda: run_load(suite, load_sizes, workdir)
                )
            if "export" in only:
                suite.results["export"] = suite.piece(
                    "export", lambda: run_export(suite, sizes, workdir, data_dir)
                )
            from bench.kbcache import _peak_rss_kb

            # The children's peak-memory figures cannot be below this (see _fresh_process).
            suite.results[f"{next(iter(only))}_rss_floor_mb"] = _peak_rss_kb() / 1024
            args.piece_json.write_text(json.dumps(suite.results, default=str))
            return 0
        if "import" in only:
            suite.results["import"] = suite.piece("import", lambda: run_import(suite, workdir))
        if "panel" in only:
            suite.results["panel"] = suite.piece("panel", lambda: run_panel(suite, workdir))
        for name, piece_sizes in (("load", load_sizes), ("export", sizes)):
            if name in only:
                suite.results[name] = suite.piece(
                    name, functools.partial(_pieces_in_fresh_processes, suite, name, piece_sizes)
                )
        if not quick and suite.results.get("queries"):
            profiles = suite.piece("profiles", lambda: profile_misses(suite, out))
            suite.results["profiles"] = profiles if isinstance(profiles, dict) else {}
    for r in suite.results.get("queries") or []:
        r.pop("url", None)
    suite.results["meta"]["duration_s"] = time.perf_counter() - suite.started
    suite.results["meta"]["machine"]["load_average_end"] = os.getloadavg()[0]

    if args.merge is not None:
        _merge(suite.results, json.loads(args.merge.read_text()), only)

    results_path = out / "results.json"
    results_path.write_text(json.dumps(suite.results, indent=2, default=str) + "\n")
    text = report.render(suite.results)
    (out / "report.md").write_text(text)
    suite.log(f"wrote {results_path} and {out / 'report.md'}")
    if (args.write_docs or not quick) and not args.no_docs:
        report.DOCS_PAGE.write_text(text)
        suite.log(f"wrote {report.DOCS_PAGE}")
    for t in report.evaluate(suite.results):
        if t.met is not None:
            suite.log(f"#{t.issue} {'met   ' if t.met else 'MISSED'} {t.target}: {t.measured}")
    if suite.results["errors"]:
        suite.log(f"{len(suite.results['errors'])} piece(s) failed")
        return 1
    return 0


def _merge(results: dict[str, Any], earlier: dict[str, Any], only: set[str]) -> None:
    """Fill the pieces this run did not measure from an earlier run; say which came from where."""
    now = results["meta"]["date"]
    sources = dict(earlier["meta"].get("pieces_measured") or {})
    for piece in PIECES:
        if piece in only:
            sources[piece] = now
        elif piece in earlier:
            results[piece] = earlier[piece]
            sources.setdefault(piece, earlier["meta"]["date"])
    profiles = dict(earlier.get("profiles") or {})
    profiles.update(results.get("profiles") or {})
    results["profiles"] = profiles
    results["errors"] = [*earlier.get("errors", []), *results["errors"]]
    machine_now, machine_then = results["meta"]["machine"], earlier["meta"].get("machine", {})
    if not machine_now.get("postgresql") and machine_then.get("postgresql"):
        machine_now["postgresql"] = machine_then["postgresql"]
    results["meta"]["pieces_measured"] = sources
    results["meta"]["merged_from"] = earlier["meta"].get("command")
    results["meta"]["duration_s"] += earlier["meta"].get("duration_s", 0.0)


def _redacted(argv: list[str]) -> list[str]:
    """The command line with any password in a URL replaced by ***."""
    from alliancekb.store.db import masked

    return [masked(a) if "://" in a else a for a in argv]


if __name__ == "__main__":
    raise SystemExit(main())
