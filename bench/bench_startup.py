"""CLI start-up: `alliancekb --help` against a bare Typer app, and a database command
against `python -c "import sqlalchemy, typer, rich"` (issue 16: ratio <= 1.3) and against
`sqlite-utils query` on the same SQLite file, all measured in the same run; then every
read command (`READ_COMMANDS`, one per question of `query/questions.py`) against the same
imports (issue 32: each within 1.3x), alternately, as data (CSV or JSON: start-up and the
query, not the drawing of a long table for people).

Both are started the same way (`python -m ...` / `python script.py` with this
interpreter, `--help`, output discarded), alternately, `runs` times each after one
untimed warm-up each (so both read the same warm file cache); the median wall time of
each and their ratio are reported. `python -X importtime` shows whether `alliancekb
--help` imports SQLAlchemy (it must not: issue 5) and how many modules it imports.

Outside `--quick`, where valgrind is installed, every read command and the imports are
also counted in instructions (callgrind, whole process, once each after a warm-up): a
count that the load of the machine does not move, where the wall ratios of a shared
2-core machine swing by about 0.1 between runs.
"""

from __future__ import annotations

import os
import re
import shutil
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


def child_env() -> dict[str, str]:
    """The environment of the timed children: no PYTHON* or ALLIANCEKB* settings, no colour,
    100 columns, and PYTHONPATH naming the alliancekb this bench imports (a worktree's src/
    beside, or instead of, an installed copy), for the baselines too (same path search)."""
    import alliancekb

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ALLIANCEKB"))}
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "100"
    env["PYTHONPATH"] = str(Path(alliancekb.__file__).resolve().parent.parent)
    return env


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


#: Issue 16: a database command costs at most this many times the bare imports.
COMMAND_RATIO_TARGET = 1.3
COMMAND = ["members", "AUKUS Pillar 2", "--format", "csv"]
#: Modules of ours or SQLAlchemy's the command does not use (it reads Core tables).
MEMBERS_UNNEEDED = frozenset(
    {"alliancekb.load.schema", "sqlalchemy.orm", "alliancekb.store.models"}
)
#: One invocation of every read command, as data, on the seeded database (issue 32).
READ_COMMANDS: dict[str, list[str]] = {
    "members": ["members", "NATO", "--format", "json"],
    "countries": ["countries", "--format", "csv"],
    "alliances": ["alliances", "--country", "Japan", "--format", "csv"],
    "allies": ["allies", "Japan", "--format", "csv"],
    "conflicts": ["conflicts", "--format", "csv"],
    "pillars": ["pillars", "--format", "csv"],
    "tech_areas": ["tech-areas", "--format", "csv"],
    "officials": ["officials", "--format", "csv"],
    "sources": ["sources", "--format", "csv"],
    "statements": ["statements", "--country", "Japan", "--limit", "5", "--format", "json"],
    "show": ["show", "Japan", "--format", "json"],
    "timeline": ["timeline", "Japan", "--format", "csv"],
    "exercises": ["exercises", "--format", "csv"],
    "history": ["history", "--format", "json"],
}
SQLITE_UTILS_SQL = (
    "SELECT c.name, c.iso3, m.role, m.status FROM memberships m "
    "JOIN countries c ON c.id = m.country_id"
)


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def _sqlite_utils(python: str) -> list[str] | None:
    """How to start `sqlite-utils` (beside this interpreter, else on PATH), or None."""
    beside = Path(python).parent / "sqlite-utils"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("sqlite-utils")
    return [found] if found else None


def instructions(argv: list[str], env: dict[str, str], workdir: Path) -> int:
    """The instructions `argv` runs, whole process, counted by valgrind's callgrind after one
    warm-up run (the same total on a loaded machine as on an idle one)."""
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    out = workdir / "callgrind.out"
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    out.unlink(missing_ok=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count for {argv}: {done.stderr[-500:]}")
    return int(found.group(1))


def run_read_commands_instructions(
    database: Path, env: dict[str, str], workdir: Path
) -> list[dict[str, Any]] | None:
    """Every read command against the bare imports in instructions (callgrind), one row
    each; None without valgrind. Wall times on a shared 2-core machine swing by +-0.1x
    between runs; instruction counts do not (hash seed fixed: `PYTHONHASHSEED=0`)."""
    if shutil.which("valgrind") is None:
        return None
    fixed = {**env, "PYTHONHASHSEED": "0"}
    base = instructions([sys.executable, "-c", "import sqlalchemy, typer, rich"], fixed, workdir)
    rows = []
    for name, args in READ_COMMANDS.items():
        ours = [sys.executable, "-m", "alliancekb", "--db", str(database), *args]
        count = instructions(ours, fixed, workdir)
        rows.append(
            {
                "name": name,
                "command": _shown(args),
                "alliancekb_instructions": count,
                "imports_instructions": base,
                "ratio": count / base,
                "met": count / base <= COMMAND_RATIO_TARGET,
            }
        )
    return rows


def counted_instructions(database: Path, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """`read_commands_instructions` (the rows), or `read_commands_instructions_note` saying
    why there are none: a count that fails must not lose the wall times measured beside it."""
    try:
        counted = run_read_commands_instructions(database, env, workdir)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return {"read_commands_instructions_note": f"the instruction counts failed: {first}"}
    if counted is None:
        return {
            "read_commands_instructions_note": (
                "valgrind is not installed: the instruction counts were skipped"
            )
        }
    return {"read_commands_instructions": counted}


def run_command(
    workdir: Path, runs: int = 10, *, count_instructions: bool = False
) -> dict[str, Any]:
    """`alliancekb members ... --format csv` on the seeded SQLite database vs the baselines.

    The database is created and seeded by a first, untimed command. The three (or two,
    without sqlite-utils) are run alternately, `runs` times each after one untimed
    warm-up each; medians and ratios are reported, with the modules the command imports
    that it should not need (pydantic, the load schema, pycountry, alembic, yaml, Rich for
    CSV, SQLAlchemy's ORM and the models).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "startup.sqlite"
    env = child_env()
    ours = [sys.executable, "-m", "alliancekb", "--db", str(database), *COMMAND]
    imports = [sys.executable, "-c", "import sqlalchemy, typer, rich"]
    utils = _sqlite_utils(sys.executable)
    commands = {"alliancekb": ours, "imports": imports}
    if utils is not None:
        commands["sqlite_utils"] = [*utils, "query", str(database), SQLITE_UTILS_SQL, "--csv"]
    _time_run(ours, env)  # creates and seeds the database
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():
        _time_run(argv, env)
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(_time_run(argv, env))
    modules = _imported(ours, env)
    medians = {name: statistics.median(v) for name, v in samples.items()}
    result: dict[str, Any] = {
        "runs": runs,
        "command": "alliancekb " + " ".join(f"'{a}'" if " " in a else a for a in COMMAND),
        "alliancekb_ms": _stats(samples["alliancekb"]),
        "imports_ms": _stats(samples["imports"]),
        "ratio": medians["alliancekb"] / medians["imports"],
        "target": COMMAND_RATIO_TARGET,
        "met": medians["alliancekb"] / medians["imports"] <= COMMAND_RATIO_TARGET,
        "unneeded_modules": sorted(
            {n.split(".")[0] for n in modules}
            & {"pydantic", "pycountry", "alembic", "yaml", "rich"}
            | (MEMBERS_UNNEEDED & set(modules))
        ),
        "modules_imported": len(modules),
    }
    result["read_commands"] = run_read_commands(database, env, runs)
    if count_instructions:
        result.update(counted_instructions(database, env, workdir))
    if "sqlite_utils" in samples:
        result["sqlite_utils_ms"] = _stats(samples["sqlite_utils"])
        result["sqlite_utils_ratio"] = medians["alliancekb"] / medians["sqlite_utils"]
    else:
        result["sqlite_utils_note"] = (
            "sqlite-utils is not installed: the comparison with `sqlite-utils query` was "
            "skipped (pip install sqlite-utils into this environment to measure it)"
        )
    return result


def _shown(args: list[str]) -> str:
    return "alliancekb " + " ".join(f"'{a}'" if " " in a else a for a in args)


def run_read_commands(database: Path, env: dict[str, str], runs: int) -> list[dict[str, Any]]:
    """Every read command against the bare imports: each command alternates with its own
    run of the imports (`runs` times after a warm-up), so that both see the same load of
    the machine; one row per command with both medians and their ratio."""
    imports = [sys.executable, "-c", "import sqlalchemy, typer, rich"]
    rows = []
    for name, args in READ_COMMANDS.items():
        ours = [sys.executable, "-m", "alliancekb", "--db", str(database), *args]
        _time_run(ours, env)
        _time_run(imports, env)
        mine: list[float] = []
        base: list[float] = []
        for _ in range(runs):
            mine.append(_time_run(ours, env))
            base.append(_time_run(imports, env))
        ratio = statistics.median(mine) / statistics.median(base)
        rows.append(
            {
                "name": name,
                "command": _shown(args),
                "alliancekb_ms": _stats(mine),
                "imports_ms": _stats(base),
                "ratio": ratio,
                "met": ratio <= COMMAND_RATIO_TARGET,
            }
        )
    return rows


def run(workdir: Path, runs: int = 10, *, count_instructions: bool = False) -> dict[str, Any]:
    """Time both `--help`s; report medians, the ratio, and SQLAlchemy's absence."""
    workdir.mkdir(parents=True, exist_ok=True)
    bare = workdir / "bare_typer_app.py"
    bare.write_text(BARE_TYPER_APP)
    env = child_env()
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
        "command": run_command(workdir / "command", runs, count_instructions=count_instructions),
    }
