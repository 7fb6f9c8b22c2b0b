"""Pictures (issue 17): `alliancekb chart` and `alliancekb graph` wall time and peak memory.

    python -m bench --only pictures [--sizes N]

Each command runs as a child process of a small launcher (``python -c`` with `os.wait4`):
its wall time and its peak RSS (``ru_maxrss`` from `wait4`) are its own, except that on
Linux a child's ``ru_maxrss`` starts from its launcher's resident size at exec time; the
launcher is a bare interpreter, so that floor is small and reported (``floor_mb``: the
figure the launcher reports for `python -c pass`).

Commands, on the seeded SQLite database (created and seeded by a first, untimed command)
and on the query benchmark's database of the largest size up to 100,000 statements:

- ``chart``: `chart NATO --out x.png` (matplotlib), against its baseline `members NATO
  --format csv` (the same memberships read and written as text: the ratio is what the
  picture adds);
- ``graph``: `graph --out x.graphml` (every membership an edge), against its baseline
  `export memberships --out x.csv` (the same rows to a file).

One untimed warm-up of each, then ``runs`` alternating runs; medians reported. No target:
the issue asks for the figures.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The size of the largest generated database the pictures are drawn from.
MAX_STATEMENTS = 100_000
SCOPE = "NATO"

#: The launcher: runs argv[1:], prints its wall time and peak RSS (wait4) as JSON.
LAUNCHER = """\
import json, os, subprocess, sys, time
t0 = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - t0
error = child.stderr.read().decode(errors="replace")[-2000:] if status else ""
print(json.dumps({"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
                  "status": os.waitstatus_to_exitcode(status), "error": error}))
"""


def measure(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One run of `argv` under the launcher: seconds, peak_mb."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} exited {result['status']}: {result['error']}")
    return result


def commands(database: Path, workdir: Path) -> dict[str, list[str]]:
    """Each variant's command line (the pictures and their baselines)."""
    base = [sys.executable, "-m", "alliancekb", "--db", str(database)]
    return {
        "chart": [*base, "chart", SCOPE, "--out", str(workdir / "chart.png"), "--force"],
        "members": [*base, "members", SCOPE, "--format", "csv"],
        "graph": [*base, "graph", "--out", str(workdir / "graph.graphml"), "--force"],
        "export": [
            *base, "export", "memberships", "--out", str(workdir / "memberships.csv"), "--force",
        ],
    }  # fmt: skip


#: The picture variants and the baseline each is compared with.
PAIRS = (("chart", "members"), ("graph", "export"))


def run_on(database: Path, workdir: Path, runs: int, label: str) -> dict[str, Any]:
    """Every variant on one database, alternately; medians, peaks and ratios."""
    from bench.bench_startup import child_env

    env = child_env()
    workdir.mkdir(parents=True, exist_ok=True)
    argvs = commands(database, workdir)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in argvs}
    for argv in argvs.values():
        measure(argv, env)  # warm-up (and, for the seeded database, its creation)
    for _ in range(runs):
        for name, argv in argvs.items():
            samples[name].append(measure(argv, env))
    figures: dict[str, Any] = {}
    for name, runs_of in samples.items():
        seconds = [r["seconds"] for r in runs_of]
        figures[name] = {
            "command": "alliancekb " + " ".join(_shown(a, workdir) for a in argvs[name][5:]),
            "median_s": statistics.median(seconds),
            "min_s": min(seconds),
            "max_s": max(seconds),
            "peak_mb": max(r["peak_mb"] for r in runs_of),
        }
    for picture, baseline in PAIRS:
        p, b = figures[picture], figures[baseline]
        p["baseline"] = baseline
        p["time_ratio"] = p["median_s"] / b["median_s"]
        p["peak_ratio"] = p["peak_mb"] / b["peak_mb"]
    out_files = {"chart": workdir / "chart.png", "graph": workdir / "graph.graphml"}
    for name, path in out_files.items():
        figures[name]["bytes"] = path.stat().st_size if path.exists() else 0
    return {"database": label, "runs": runs, "figures": figures}


def _shown(arg: str, workdir: Path) -> str:
    arg = arg.replace(str(workdir) + "/", "")
    return f"'{arg}'" if " " in arg else arg


def run(
    workdir: Path, *, runs: int = 3, generated: tuple[int, Path] | None = None
) -> dict[str, Any]:
    """On the seeded database and, given (statements, path), on a generated one."""
    from bench.bench_startup import child_env

    workdir.mkdir(parents=True, exist_ok=True)
    floor = measure([sys.executable, "-c", "pass"], child_env())["peak_mb"]
    seeded = workdir / "seeded.sqlite"
    databases = [run_on(seeded, workdir / "seeded", runs, "seeded")]
    if generated is not None:
        statements, path = generated
        databases.append(run_on(path, workdir / "generated", runs, f"{statements:,} statements"))
        databases[-1]["statements"] = statements
    return {"floor_mb": floor, "databases": databases}


def markdown(result: dict[str, Any]) -> list[str]:
    lines = [
        "| database | command | median | min | max | peak RSS | output | × baseline time "
        "| × baseline peak |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for db in result["databases"]:
        for name in ("chart", "members", "graph", "export"):
            f = db["figures"][name]
            picture = "time_ratio" in f
            lines.append(
                f"| {db['database']} | `{f['command']}` | {f['median_s'] * 1000:.0f} ms | "
                f"{f['min_s'] * 1000:.0f} ms | {f['max_s'] * 1000:.0f} ms | "
                f"{f['peak_mb']:.0f} MB | "
                + (f"{f['bytes'] / 1000:,.0f} kB" if picture else "")
                + " | "
                + (f"**{f['time_ratio']:.2f}×**" if picture else "")
                + " | "
                + (f"{f['peak_ratio']:.2f}×" if picture else "")
                + " |"
            )
    lines += [
        "",
        f"Launcher floor (`python -c pass` under the same launcher): {result['floor_mb']:.0f} MB.",
    ]
    return lines
