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
child reports its peak RSS (``ru_maxrss``). Needs the shared copies of the datasets
(``../shared/external``); ``run()`` returns None without them.
"""

from __future__ import annotations

import argparse
import json
import resource
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=_ROOT)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(workdir: Path, ext: Path | None = None) -> dict[str, Any] | None:
    """Both variants, each in its own child process; None when the data is absent."""
    ext = ext or external()
    if ext is None:
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    ours = _child("import", ext, workdir)
    floor = _child("csv", ext, workdir)
    return {
        "import": ours,
        "csv": floor,
        "ratio": ours["seconds"] / floor["seconds"] if floor["seconds"] else None,
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
        f"Import / csv: {result['ratio']:.0f}×. A second `import cow` took "
        f"{ours['second_import_seconds']:.2f} s and changed "
        f"{'nothing' if ours['second_import_unchanged'] else 'something (a bug)'}.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--external", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--child", choices=("import", "csv"), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ext = args.external or external()
    if ext is None:
        print("the dataset copies are absent (../shared/external): skipped")
        return 0
    if args.child is not None:
        assert args.workdir is not None
        result = _variant_import(ext, args.workdir) if args.child == "import" else _variant_csv(ext)
        result["peak_rss_mb"] = _peak_mb()
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="alliancekb-import-") as tmp:
        measured = run(args.workdir or Path(tmp), ext)
    assert measured is not None
    print("\n".join(markdown(measured)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
