"""Shared pieces of the reliability suite (tests/test_reliability_*.py).

The suite drives the real command line in child processes where a crash, a kill or a
second writer is the point, and through Typer's CliRunner where a monkeypatched fault is.
Either way a failure must look the same to a user: one `alliancekb: ...` message on
stderr, a documented exit code, and never a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from alliancekb.store import models as m

REPO = Path(__file__).resolve().parent.parent
# A traceback, or SafeGroup's last-resort message for an exception nobody translated.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "', "internal error")


@dataclass(frozen=True)
class Outcome:
    """What a command did: its exit code and what it printed."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child `alliancekb`: no debug switch, no stray database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCEKB_")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.update(extra)
    return env


def cli_command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "alliancekb", "--db", url, *args]


def run_cli(url: str, *args: str, timeout: float = 120, **env: str) -> Outcome:
    """Run `alliancekb --db URL ARGS...` in a child process and wait for it."""
    proc = subprocess.run(
        cli_command(url, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(**env),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def start_cli(url: str, *args: str) -> subprocess.Popen[str]:
    """Start `alliancekb --db URL ARGS...` in a child process (its own process group)."""
    return subprocess.Popen(
        cli_command(url, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=child_env(),
        start_new_session=True,
    )


def assert_clean_failure(outcome: Outcome, codes: int | Sequence[int]) -> None:
    """A failure as a user must see it: the exit code, one `alliancekb:` message, no traceback."""
    allowed = (codes,) if isinstance(codes, int) else tuple(codes)
    assert outcome.code in allowed, outcome
    assert_no_traceback(outcome)
    assert outcome.stderr.startswith("alliancekb: "), outcome
    # One message: only the first line names the program (problem lists follow it).
    assert outcome.stderr.count("alliancekb: ") == 1, outcome


def assert_clean_usage_error(outcome: Outcome) -> None:
    """Exit 2 as the command-line framework reports it: usage line, one boxed error."""
    assert outcome.code == 2, outcome
    assert_no_traceback(outcome)
    assert "Invalid value" in outcome.stderr, outcome
    assert not outcome.stdout, outcome


def assert_no_traceback(outcome: Outcome) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in outcome.output, outcome


def statement_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(m.Statement)) or 0)


def load_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(m.Load)) or 0)


# -- splitting a generated document into overlapping files ------------------------------------

_SECTION = re.compile(r"^([a-z_]+):\s*$")


def split_document(text: str) -> dict[str, list[str]]:
    """The records of a bench/generate.py document, per section, each as its own text.

    The generator writes a section header at column 0 and every record as `- ...` at
    column 0 with its fields indented under it, so records are found line by line.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            current = sections.setdefault(header.group(1), [])
        elif line.startswith("- "):
            assert current is not None
            current.append(line)
        elif current is not None and current and line.strip():
            current[-1] += line
    return sections


def join_document(sections: dict[str, list[str]]) -> str:
    return "".join(
        f"{name}:\n" + ("".join(records) if records else "  []\n")
        for name, records in sections.items()
    )


def overlapping_files(
    source: Path, out: Path, parts: int, window: int, step: int
) -> tuple[list[Path], int]:
    """`parts` files, each holding every entity and `window` statements starting `step` apart.

    Neighbouring files share `window - step` statements (wrapping around), and every file
    repeats every source, country, alliance, official and membership, identically: the
    knowledge is the same whatever order they are loaded in. Returns the files and the
    number of distinct statements they hold between them.
    """
    sections = split_document(source.read_text(encoding="utf-8"))
    statements = sections.pop("statements")
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    used: set[int] = set()
    for i in range(parts):
        picked = [(i * step + j) % len(statements) for j in range(window)]
        used.update(picked)
        part = dict(sections)
        part["statements"] = [statements[k] for k in picked]
        path = out / f"part{i}.yaml"
        path.write_text(join_document(part), encoding="utf-8")
        files.append(path)
    return files, len(used)
