"""Import benchmark (issue 15): `import cow` and `import atop` against reading the same CSVs.

    python -m bench.bench_import [--external DIR] [--workdir DIR]

Variants, each in a fresh child process, in the same run:

(a) ``import``: ``alliancekb.load.datasets.importer.import_dataset`` of COW v4.1 and then
    ATOP v4.01 into a fresh migrated SQLite database holding the seed (creating it is not
    timed): every row validated, countries and alliances through the crosswalks, planned
    and written in one transaction each, the history recorded.
(b) ``csv``: the same three CSV files read with ``csv.DictReader``, every row kept as a
    dict: the floor of reading them at all.

The ratio (a)/(b) says what validating, resolving and writing cost over reading. Each
child reports its peak RSS (``VmHWM``: its own, not the launching process's size that
``ru_maxrss`` starts from). The real files are the shared copies of the datasets
(``../shared/external``, never copied into the repository). Without them, ``run(...,
sample=True)`` (what ``python -m bench --quick`` does) writes a tiny generated set in the
same formats (`write_sample`: a few hundred member rows of invented alliances between
real COW state codes, NATO's ids among them) so that the piece keeps running; the result
says which (``data``: ``shared copies`` or ``generated sample``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_CANDIDATES = (_ROOT.parent / "shared" / "external", Path("/work/shared/external"))
COW_DIR = "cow-formal-alliances-v4.1"
ATOP_DIR = "atop-v4.01"


def external() -> Path | None:
    """Where the shared copies are, or None."""
    for candidate in EXTERNAL_CANDIDATES:
        if (candidate / COW_DIR).is_dir() and (candidate / ATOP_DIR).is_dir():
            return candidate
    return None


def _peak_mb() -> float:
    from bench.kbcache import _peak_rss_kb

    return _peak_rss_kb() / 1024


#: COW state codes of the generated sample (states throughout 1950-2030 in the crosswalk).
SAMPLE_CCODES = (2, 20, 200, 210, 211, 220, 230, 235, 290, 325, 350, 365, 385, 390,
                 640, 710, 732, 740, 750, 900, 920)  # fmt: skip


def write_sample(directory: Path, alliances: int = 40, seed: int = 0) -> Path:
    """A tiny COW + ATOP set in the real files' formats under `directory`; returns it.

    `alliances` alliances (the first is NATO's ids, COW 227 / ATOP 3180, so the crosswalk
    is exercised), each with 3-12 members from `SAMPLE_CCODES`, begun 1950-2000 and some
    ended; every obligation flag 0 or 1. Only the columns the importers read, plus the
    version.
    """
    import csv
    import random

    from alliancekb.load.datasets import atop, cow

    rng = random.Random(seed)
    (directory / COW_DIR).mkdir(parents=True, exist_ok=True)
    (directory / ATOP_DIR).mkdir(parents=True, exist_ok=True)
    cow_rows: list[dict[str, object]] = []
    atop_alliances: list[dict[str, object]] = []
    atop_members: list[dict[str, object]] = []
    for i in range(alliances):
        cow_id, atop_id = (227, 3180) if i == 0 else (900 + i, 9000 + i)
        begin = (rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
        end = (begin[0] + rng.randint(5, 20), rng.randint(1, 12), 28) if i % 3 == 2 else None
        flags = [rng.randint(0, 1) for _ in range(5)]
        atop_alliances.append(
            {"atopid": atop_id, "begyr": begin[0], "begmo": begin[1], "begday": begin[2],
             "endyr": end[0] if end else "", "endmo": end[1] if end else "",
             "endday": end[2] if end else "", **dict(zip(atop._OBLIGATIONS, flags, strict=True)),
             "version": "4.01"}
        )  # fmt: skip
        for ccode in rng.sample(SAMPLE_CCODES, rng.randint(3, 12)):
            cow_rows.append(
                {"version4id": cow_id, "ccode": ccode, "all_st_day": begin[2],
                 "all_st_month": begin[1], "all_st_year": begin[0],
                 "all_end_day": end[2] if end else "", "all_end_month": end[1] if end else "",
                 "all_end_year": end[0] if end else "", "ss_type": "Type I: Defense Pact",
                 "mem_st_day": begin[2], "mem_st_month": begin[1], "mem_st_year": begin[0],
                 "mem_end_day": end[2] if end else "", "mem_end_month": end[1] if end else "",
                 "mem_end_year": end[0] if end else "", "left_censor": 0, "defense": flags[0],
                 "neutrality": flags[2], "nonaggression": flags[3], "entente": flags[4],
                 "version": "4.1"}
            )  # fmt: skip
            atop_members.append(
                {"atopid": atop_id, "member": ccode, "yrent": begin[0], "moent": begin[1],
                 "dayent": begin[2], "yrexit": end[0] if end else 0,
                 "moexit": end[1] if end else 0, "dayexit": end[2] if end else 0, "phase": 1,
                 **dict(zip(atop._OBLIGATIONS, flags, strict=True)), "version": "4.01"}
            )  # fmt: skip
    files = (
        (directory / COW_DIR / cow.MEMBER_FILE, cow.COLUMNS, cow_rows),
        (directory / ATOP_DIR / atop.ALLIANCE_FILE, atop.ALLIANCE_COLUMNS, atop_alliances),
        (directory / ATOP_DIR / atop.MEMBER_FILE, atop.MEMBER_COLUMNS, atop_members),
    )
    for path, columns, rows in files:
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(columns))
            writer.writeheader()
            writer.writerows(rows)
    return directory


def _variant_import(ext: Path, workdir: Path) -> dict[str, Any]:
    from alliancekb.core.config import to_url
    from alliancekb.load.bootstrap import seed_path
    from alliancekb.load.datasets.importer import import_dataset
    from alliancekb.load.loader import load_files
    from alliancekb.store import migrate
    from alliancekb.store.db import create_db_engine

    engine = create_db_engine(to_url(str(workdir / "kb.sqlite")))
    migrate.upgrade(engine)
    load_files(engine, [seed_path()])
    started = time.perf_counter()
    cow = import_dataset(engine, "cow", ext / COW_DIR)
    cow_s = time.perf_counter() - started
    atop = import_dataset(engine, "atop", ext / ATOP_DIR)
    seconds = time.perf_counter() - started
    again = time.perf_counter()
    unchanged = import_dataset(engine, "cow", ext / COW_DIR).changed == 0
    again_s = time.perf_counter() - again
    engine.dispose()
    return {
        "seconds": seconds, "cow_seconds": cow_s, "atop_seconds": seconds - cow_s,
        "records": sum(f.records for f in (*cow.files, *atop.files)),
        "second_import_seconds": again_s, "second_import_unchanged": unchanged,
    }  # fmt: skip


def _variant_csv(ext: Path) -> dict[str, Any]:
    import csv

    from alliancekb.load.datasets import atop, cow

    files = [ext / COW_DIR / cow.MEMBER_FILE] + [ext / ATOP_DIR / name for name in atop.FILES]
    started = time.perf_counter()
    rows = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as f:
            rows.append(list(csv.DictReader(f)))
    return {"seconds": time.perf_counter() - started, "records": sum(len(r) for r in rows)}


def _child(variant: str, ext: Path, workdir: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.bench_import", "--child", variant,
               "--external", str(ext), "--workdir", str(workdir)]  # fmt: skip
    out = subprocess.run(command, check=False, capture_output=True, text=True, cwd=_ROOT)
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"the {variant} child failed ({out.returncode}): {tail}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(
    workdir: Path, ext: Path | None = None, *, sample: bool = False, only_sample: bool = False
) -> dict[str, Any] | None:
    """Both variants, each in its own child process; None when the data is absent. With
    `sample`, a generated sample stands in for absent data; `only_sample` always uses one."""
    ext = None if only_sample else ext or external()
    workdir.mkdir(parents=True, exist_ok=True)
    data = "shared copies" if ext == external() else str(ext)
    if ext is None:
        if not (sample or only_sample):
            return None
        ext = write_sample(workdir / "sample")
        data = "generated sample"
    ours = _child("import", ext, workdir)
    floor = _child("csv", ext, workdir)
    return {
        "data": data,
        "import": ours,
        "csv": floor,
        "ratio": ours["seconds"] / floor["seconds"] if floor["seconds"] else None,
        "peak_ratio": ours["peak_rss_mb"] / floor["peak_rss_mb"] if floor["peak_rss_mb"] else None,
    }


def markdown(result: dict[str, Any]) -> list[str]:
    ours, floor = result["import"], result["csv"]
    return [
        "| variant | seconds | rows or records | peak RSS |",
        "|---|---:|---:|---:|",
        f"| `import cow` + `import atop` | {ours['seconds']:.2f} (COW {ours['cow_seconds']:.2f},"
        f" ATOP {ours['atop_seconds']:.2f}) | {ours['records']:,} records | "
        f"{ours['peak_rss_mb']:.0f} MB |",
        f"| `csv.DictReader` of the same files | {floor['seconds']:.3f} | "
        f"{floor['records']:,} rows | {floor['peak_rss_mb']:.0f} MB |",
        "",
        f"Data: {result.get('data', 'shared copies')}. Import / csv: {result['ratio']:.0f}× "
        "the time"
        + (f", {result['peak_ratio']:.1f}× the peak memory" if result.get("peak_ratio") else "")
        + ". A second `import cow` took "
        f"{ours['second_import_seconds']:.2f} s and changed "
        f"{'nothing' if ours['second_import_unchanged'] else 'something (a bug)'}.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--external", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--sample", action="store_true", help="a generated set, not the copies")
    parser.add_argument("--child", choices=("import", "csv"), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ext = args.external or external()
    if args.child is not None:
        assert args.workdir is not None
        assert ext is not None
        result = _variant_import(ext, args.workdir) if args.child == "import" else _variant_csv(ext)
        result["peak_rss_mb"] = _peak_mb()
        print(json.dumps(result))
        return 0
    if ext is None and not args.sample:
        print("the dataset copies are absent (../shared/external): skipped (try --sample)")
        return 0
    with tempfile.TemporaryDirectory(prefix="alliancekb-import-") as tmp:
        measured = run(args.workdir or Path(tmp), ext, only_sample=args.sample)
    assert measured is not None
    print("\n".join(markdown(measured)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
