"""Panel benchmark (issue 33): the dyad-year panel written to a file against `csv.writer`.

    python -m bench.bench_panel [--external DIR] [--workdir DIR] [--from YEAR] [--to YEAR]

COW v4.1 and ATOP v4.01 are imported into a fresh SQLite database holding the seed (not
timed); then, in the same process and run:

(a) ``panel``: ``kb.panel("dyad-year", ...)`` (the merged answer of both imports, with
    `disputed`) planned and written to a CSV file by ``Panel.to_file``, rows made as they
    are written;
(b) ``csv``: the same rows, made beforehand into a list (not timed), written to another
    file by ``csv.writer.writerows``: the floor of writing them at all.

Both files must hold the same bytes. The ratio (a)/(b) is issue 33's target (within 2×),
reported end to end (the plan: reading the memberships and deciding the merged answer,
then the rows) and for the rows alone.
Memory: the peak of Python allocations (``tracemalloc``) while the panel is written, for
the whole range and for its first ten years: a streamed panel's peak does not grow with
its rows (the list of (b) is reported beside it). ``python -m bench --quick`` imports the
generated sample of bench.bench_import instead (``only_sample``; ``sample``: only when
the shared copies are absent) and writes a short range.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import gc
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.bench_import import ATOP_DIR, COW_DIR, external, write_sample

#: The years of the full run, as issue 33 states it, and of the quick one.
FULL_YEARS = (1816, 2012)
QUICK_YEARS = (1998, 2000)


def _database(workdir: Path, ext: Path) -> str:
    from alliancekb.core.config import to_url
    from alliancekb.load.bootstrap import seed_path
    from alliancekb.load.datasets.importer import import_dataset
    from alliancekb.load.loader import load_files
    from alliancekb.store import migrate
    from alliancekb.store.db import create_db_engine

    path = workdir / "kb.sqlite"
    path.unlink(missing_ok=True)
    url = to_url(str(path))
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    load_files(engine, [seed_path()])
    import_dataset(engine, "cow", ext / COW_DIR)
    import_dataset(engine, "atop", ext / ATOP_DIR)
    engine.dispose()
    return url


def _peak_mb(write: Any) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(
    workdir: Path,
    ext: Path | None = None,
    *,
    sample: bool = False,
    only_sample: bool = False,
    years: tuple[int, int] | None = None,
    runs: int = 3,
) -> dict[str, Any] | None:
    """Both variants, best of `runs`; None when the data is absent (unless `sample`;
    `only_sample`: the generated sample whatever is present)."""
    from alliancekb.api import open_kb

    ext = None if only_sample else ext or external()
    workdir.mkdir(parents=True, exist_ok=True)
    data = "shared copies"
    if ext is None:
        if not (sample or only_sample):
            return None
        ext = write_sample(workdir / "sample")
        data = "generated sample"
    first, last = years or (QUICK_YEARS if sample or only_sample else FULL_YEARS)
    url = _database(workdir, ext)
    ours_path, floor_path = workdir / "panel.csv", workdir / "csv.csv"
    with open_kb(url) as kb:

        def made(to: int = last) -> Any:
            return kb.panel("dyad-year", first=first, last=to)

        panel_s, write_s, rows = [], [], 0
        for _ in range(runs):
            started = time.perf_counter()
            planned = made()
            planned_at = time.perf_counter()
            rows = planned.to_file(ours_path, force=True)
            panel_s.append(time.perf_counter() - started)
            write_s.append(time.perf_counter() - planned_at)
        built = made()
        columns = built.columns
        lines = list(built._made.lines(joined=True))
        csv_s = []
        for _ in range(runs):
            started = time.perf_counter()
            with floor_path.open("w", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream, lineterminator="\r\n")
                writer.writerow(columns)
                writer.writerows(lines)
            csv_s.append(time.perf_counter() - started)
        same = filecmp.cmp(ours_path, floor_path, shallow=False)
        file_mb = ours_path.stat().st_size / 2**20
        list_mb = _peak_mb(lambda: list(made()._made.lines(joined=True)))
        del lines
        scratch = workdir / "peak.csv"
        peak_full = _peak_mb(lambda: made().to_file(scratch, force=True))
        peak_ten = _peak_mb(lambda: made(min(last, first + 9)).to_file(scratch, force=True))
    return {
        "data": data,
        "years": [first, last],
        "rows": rows,
        "panel_seconds": min(panel_s),
        "write_seconds": min(write_s),
        "csv_seconds": min(csv_s),
        "ratio": min(panel_s) / min(csv_s) if min(csv_s) else None,
        "write_ratio": min(write_s) / min(csv_s) if min(csv_s) else None,
        "same_bytes": same,
        "peak_mb": peak_full,
        "peak_mb_ten_years": peak_ten,
        "prebuilt_list_mb": list_mb,
        "file_mb": file_mb,
    }


def markdown(result: dict[str, Any]) -> list[str]:
    first, last = result["years"]
    return [
        "| variant | seconds | rows | peak Python memory |",
        "|---|---:|---:|---:|",
        f"| `kb.panel('dyad-year')` + `to_file` ({first}–{last}) | "
        f"{result['panel_seconds']:.2f} | {result['rows']:,} | {result['peak_mb']:.1f} MB "
        f"(first ten years: {result['peak_mb_ten_years']:.1f} MB) |",
        f"| of which `to_file` (rows made and written) | {result['write_seconds']:.2f} | "
        f"{result['rows']:,} | |",
        f"| `csv.writer` from a prebuilt list | {result['csv_seconds']:.2f} | {result['rows']:,} "
        f"| the list: {result['prebuilt_list_mb']:.0f} MB |",
        "",
        f"Ratio **{result['ratio']:.2f}×** end to end, planning included (reading the "
        f"memberships and deciding the merged answer), **{result['write_ratio']:.2f}×** for "
        "making and writing the rows (target within 2×); the files are "
        f"{'the same bytes' if result['same_bytes'] else 'DIFFERENT'} "
        f"({result['file_mb']:.0f} MB; data: {result['data']}).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out/panel"))
    parser.add_argument("--from", dest="first", type=int, default=FULL_YEARS[0])
    parser.add_argument("--to", dest="last", type=int, default=FULL_YEARS[1])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = run(args.workdir, args.external, years=(args.first, args.last), runs=args.runs)
    if result is None:
        raise SystemExit("the COW and ATOP copies are absent (../shared/external)")
    print(json.dumps(result, indent=2))
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
