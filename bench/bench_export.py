"""Benchmark: export N statements to CSV; peak memory and throughput against `sqlite3 -csv`.

    python -m bench.bench_export --statements 10000 1000000 [--workdir DIR] [--db PATH]

For each size: a synthetic knowledge base (bench.generate, on top of the seed's countries)
is generated and loaded into an SQLite file in the work directory (kept and reused when it
already exists: loading 1M statements takes minutes). Then, in the same run:

- `alliancekb export statements --out F.csv` runs as a child process; its wall time and
  peak resident memory (ru_maxrss from wait4, the child alone) are measured;
- `/usr/bin/sqlite3 -csv` runs the very same SELECT (compiled from the export's query
  with literal values) into another file, timed the same way.

The result says rows per second of each, their ratio (export / sqlite3; issue 6 asks for at
least 0.5) and whether both files hold the same bytes. `run()` is importable for `python -m
bench`.

Up to `DUMP_MAX_STATEMENTS`, the same database is also dumped to YAML (`alliancekb dump`,
a child process) and, as the baseline in the same run, dumped again with every record
going through PyYAML's safe dumper (`dump(..., fast=False)`: the dump as it was before
it wrote the common records itself, `dump/fast_yaml.py`); both files must be the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
#: Largest database dumped (the dumper baseline runs at ~3k statements/s).
DUMP_MAX_STATEMENTS = 100_000


def _child(command: list[str], stdout: Path | None = None) -> tuple[float, int]:
    """Run a child process; return its wall seconds and peak RSS in MiB."""
    out = stdout.open("wb") if stdout is not None else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    finally:
        if stdout is not None:
            out.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        error = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{command[:4]} failed ({proc.returncode}): {error}")
    if proc.stderr:
        proc.stderr.close()
    # ru_maxrss is KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return seconds, round(usage.ru_maxrss * scale / 2**20)


def prepare(statements: int, workdir: Path) -> Path:
    """An SQLite database holding the seed and `statements` synthetic statements (cached)."""
    database = workdir / f"export-{statements}.sqlite"
    if database.exists():
        return database
    workdir.mkdir(parents=True, exist_ok=True)
    document = workdir / f"export-{statements}.yaml"
    python = sys.executable
    subprocess.run(
        [python, "-m", "bench.generate", "--statements", str(statements), "--out", str(document)],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    partial = database.with_suffix(".partial.sqlite")
    for stale in workdir.glob(partial.name + "*"):
        stale.unlink()
    cli = [python, "-m", "alliancekb", "--db", str(partial)]
    subprocess.run([*cli, "db", "upgrade"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*cli, "load", "--max-mb", "100000", str(document)],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    document.unlink()
    os.replace(partial, database)
    return database


def statements_sql() -> str:
    """The export's statements query as SQLite text, literal values inlined."""
    from sqlalchemy import create_engine

    from alliancekb.core.formats import Format
    from alliancekb.export.catalogue import BY_NAME
    from alliancekb.export.columns import SqlDialect

    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        stmt = BY_NAME["statements"].select(SqlDialect(conn, Format.CSV))
        return str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))


def run(statements: int, workdir: Path, database: Path | None = None) -> dict[str, Any]:
    """Export `statements` statements to CSV and compare with sqlite3 -csv; return the figures."""
    database = database if database is not None else prepare(statements, workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    ours, theirs = workdir / "export-statements.csv", workdir / "sqlite3-statements.csv"
    export_cmd = [sys.executable, "-m", "alliancekb", "--db", str(database), "export",
                  "statements", "--out", str(ours), "--force"]  # fmt: skip
    # Warm the OS cache once, so neither side pays for the first read of the file.
    _child([SQLITE3, str(database), "SELECT count(*) FROM statements"])
    export_s, export_mib = _child(export_cmd)
    sqlite_s, sqlite_mib = _child(
        [SQLITE3, "-csv", "-header", str(database), statements_sql()], stdout=theirs
    )
    # Dumped before the CSV files are read back, which would raise this process's resident
    # size, and with it the floor of the dump children's peak (see `python -m bench`).
    dumped = run_dump(statements, workdir, database) if statements <= DUMP_MAX_STATEMENTS else {}
    with ours.open("rb") as f:
        rows = sum(1 for _ in f)  # lines, an upper bound of rows (texts may hold newlines)
    same = filecmp.cmp(ours, theirs, shallow=False)  # streamed: the files may be GBs
    # The bytes differ by design: the export ends rows with CRLF (RFC 4180) and quotes only
    # what needs it (csv.QUOTE_MINIMAL); sqlite3 3.40 ends them with LF and also quotes
    # fields holding a space or any non-ASCII byte. The values must be the same.
    same_rows = _same_rows(ours, theirs)
    result = {
        "statements": statements,
        "csv_bytes": ours.stat().st_size,
        **_timing("export", "rows", statements, export_s, export_mib),
        **_timing("sqlite3", "rows", statements, sqlite_s, sqlite_mib),
        "throughput_ratio": round(sqlite_s / export_s, 2),
        "same_bytes": same,
        "same_rows": same_rows,
        "lines": rows,
    }
    ours.unlink()
    theirs.unlink()
    result.update(dumped)
    return result


def _timing(name: str, unit: str, count: int, seconds: float, peak_mib: float) -> dict[str, Any]:
    """One measured run as result keys: `<name>_s`, `<name>_peak_mib`, `<name>_<unit>_per_s`."""
    return {
        f"{name}_s": round(seconds, 2),
        f"{name}_peak_mib": peak_mib,
        f"{name}_{unit}_per_s": round(count / seconds),
    }


def _same_rows(ours: Path, theirs: Path) -> bool:
    """Whether two CSV files hold the same rows of the same values (read as CSV, streamed)."""
    with (
        ours.open(encoding="utf-8", newline="") as a,
        theirs.open(encoding="utf-8", newline="") as b,
    ):
        return all(x == y for x, y in itertools.zip_longest(csv.reader(a), csv.reader(b)))


def run_dump(statements: int, workdir: Path, database: Path) -> dict[str, Any]:
    """`alliancekb dump` against the same dump with every record through the safe dumper."""
    ours, baseline = workdir / "dump.yaml", workdir / "dump-baseline.yaml"
    args = ["--db", str(database), "dump", "--force", "--out"]
    dump_s, dump_mib = _child([sys.executable, "-m", "alliancekb", *args, str(ours)])
    base_s, base_mib = _child(
        [sys.executable, "-m", "bench.bench_export", "--dumper-only", *args, str(baseline)]
    )
    same = filecmp.cmp(ours, baseline, shallow=False)
    result = {
        "dump_bytes": ours.stat().st_size,
        **_timing("dump", "statements", statements, dump_s, dump_mib),
        **_timing("dump_baseline", "statements", statements, base_s, base_mib),
        "dump_speedup": round(base_s / dump_s, 2),
        "dump_same_bytes": same,
    }
    ours.unlink()
    baseline.unlink()
    return result


def _dump_with_the_dumper_only(cli_args: list[str]) -> None:
    """`alliancekb --db DB dump --force --out FILE` with every record written by PyYAML's dumper."""
    from pathlib import Path

    from alliancekb.dump.dumper import dump
    from alliancekb.store.db import create_db_engine

    db, out = cli_args[cli_args.index("--db") + 1], cli_args[cli_args.index("--out") + 1]
    url = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    dump(create_db_engine(url), Path(out), force="--force" in cli_args, fast=False)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--dumper-only"]:
        _dump_with_the_dumper_only(argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/alliancekb-bench"))
    parser.add_argument("--db", type=Path, nargs="*", help="existing databases, one per size")
    args = parser.parse_args(argv)
    results = []
    for i, n in enumerate(args.statements):
        database = args.db[i] if args.db and i < len(args.db) else None
        results.append(run(n, args.workdir, database))
        print(json.dumps(results[-1]), flush=True)
    print("\n| statements | export s | export peak MiB | sqlite3 -csv s | ratio | same bytes |")
    print("|---:|---:|---:|---:|---:|:---:|")
    for r in results:
        print(f"| {r['statements']:,} | {r['export_s']} | {r['export_peak_mib']} | "
              f"{r['sqlite3_s']} | {r['throughput_ratio']} | {r['same_bytes']} |")  # fmt: skip
    dumped = [r for r in results if "dump_s" in r]
    if dumped:
        print("\n| statements | dump s | statements/s | dumper-only s | speed-up | same bytes |")
        print("|---:|---:|---:|---:|---:|:---:|")
    for r in dumped:
        print(f"| {r['statements']:,} | {r['dump_s']} | {r['dump_statements_per_s']:,} | "
              f"{r['dump_baseline_s']} | {r['dump_speedup']} | "
              f"{r['dump_same_bytes']} |")  # fmt: skip
    if len(results) > 1:
        smallest, largest = results[0], results[-1]
        growth = largest["export_peak_mib"] / smallest["export_peak_mib"]
        print(
            f"\npeak memory {largest['statements']:,} / {smallest['statements']:,}: {growth:.2f}x"
        )


if __name__ == "__main__":
    main()
