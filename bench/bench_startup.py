"""CLI start-up: `alliancekb --help` against a bare Typer app, measured in the same run.

Both are started the same way (`python -m ...` / `python script.py` with this
interpreter, `--help`, output discarded), alternately, `runs` times each after one
untimed warm-up each (so both read the same warm file cache); the median wall time of
each and their ratio are reported. `python -X importtime` shows whether `alliancekb
--help` imports SQLAlchemy (it must not: issue 5) and how many modules it imports.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BARE_TYPER_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


if __name__ == "__main__":
    app()
'''


def _time_run(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return (time.perf_counter() - t0) * 1000


def _imported(argv: list[str], env: dict[str, str]) -> list[str]:
    """Top-level module names imported by `argv` (run under -X importtime)."""
    proc = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    names = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "imported package":
                names.append(name)
    return names


def run(workdir: Path, runs: int = 10) -> dict[str, Any]:
    """Time both `--help`s; report medians, the ratio, and SQLAlchemy's absence."""
    workdir.mkdir(parents=True, exist_ok=True)
    bare = workdir / "bare_typer_app.py"
    bare.write_text(BARE_TYPER_APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "100"
    ours = [sys.executable, "-m", "alliancekb", "--help"]
    theirs = [sys.executable, str(bare), "--help"]
    _time_run(ours, env)
    _time_run(theirs, env)
    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    for _ in range(runs):
        ours_ms.append(_time_run(ours, env))
        theirs_ms.append(_time_run(theirs, env))
    python_ms = [_time_run([sys.executable, "-c", "pass"], env) for _ in range(runs)]
    modules = _imported(ours, env)
    bare_modules = _imported(theirs, env)
    sqlalchemy = sorted({n for n in modules if n.split(".")[0] == "sqlalchemy"})
    ours_median = statistics.median(ours_ms)
    theirs_median = statistics.median(theirs_ms)
    return {
        "runs": runs,
        "alliancekb_help_ms": {
            "median": ours_median,
            "min": min(ours_ms),
            "max": max(ours_ms),
        },
        "bare_typer_help_ms": {
            "median": theirs_median,
            "min": min(theirs_ms),
            "max": max(theirs_ms),
        },
        "python_bare_ms": statistics.median(python_ms),
        "ratio": ours_median / theirs_median,
        "imports_sqlalchemy": bool(sqlalchemy),
        "sqlalchemy_modules": sqlalchemy[:10],
        "modules_imported": len(modules),
        "bare_modules_imported": len(bare_modules),
        "heavy_modules": sorted(
            {n.split(".")[0] for n in modules}
            & {"sqlalchemy", "alembic", "pydantic", "yaml", "psycopg", "rich", "pycountry"}
        ),
    }
