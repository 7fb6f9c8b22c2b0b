"""The console examples of README.md and docs/*.md: found, run, compared, and recorded again.

Every fenced block of shell (```console, ```sh, ```bash, ```shell) in README.md and
docs/*.md is an example. tests/test_doc_examples.py runs each ```console block and fails,
naming its file and line, when what the commands print is not what the block shows;
`python -m tests.doc_examples` rewrites the blocks that differ with what the commands print
now (read the diff).

How a ```console block is run:

- each `$ ` line is one command, run by bash; the lines after it, up to the next `$ `
  line, are what it prints (standard output and standard error together, as a terminal
  shows them; trailing spaces aside). `…` in the shown text stands for any text, lines
  included: an output cut short (`…` on a line of its own) or a value that changes from
  run to run (a load's time);
- the commands of one block run one after the other on one fresh copy of the bundled
  knowledge (`alliancekb` is the command of this checkout; the database is
  `$ALLIANCEKB_DATABASE_URL`), in a fresh directory holding the files of
  tests/doc_files/ (the YAML an example loads), with `ALLIANCEKB_TODAY=2026-12-07`,
  `COLUMNS=110` (unless the command sets it), no colour and no pager;
- a block that cannot run in the tests (it needs the network, a browser, a server that
  keeps running, or files that are not shipped) says so on the line just before it:
  `<!-- not run: REASON -->`, with its reason. A ```sh or ```bash block (install and
  server commands, no output shown) is never run and must carry that mark.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The files an example may name (`alliancekb load notes.yaml`), copied where it runs.
DOC_FILES = Path(__file__).resolve().parent / "doc_files"
#: The day every example is run on (the outputs say "as of … (today)", and ages).
TODAY = "2026-12-07"
WIDTH = "110"
MAX_LINES = 40
SHELL_LANGUAGES = ("console", "sh", "bash", "shell")
_FENCE = re.compile(r"^```(\w+)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.*?)\s*-->\s*$")


@dataclass
class Step:
    """One `$ command` of a console block and what the block shows it printing."""

    command: str
    shown: list[str] = field(default_factory=list)


@dataclass
class Example:
    """One fenced block of shell in a page."""

    path: Path
    #: The line of the opening fence (1-based), as an editor shows it.
    line: int
    language: str
    body: list[str]
    #: `<!-- not run: REASON -->` before the block: its reason ("" when the mark has none).
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def steps(self) -> list[Step]:
        """The commands and their shown output; ValueError for text before the first `$`."""
        steps: list[Step] = []
        for text in self.body:
            if text.startswith("$ "):
                steps.append(Step(text[2:]))
            elif not steps:
                raise ValueError(f"{self.where}: a console block starts with a `$ ` command")
            else:
                steps[-1].shown.append(text)
        return steps


def pages() -> list[Path]:
    """The pages whose examples are checked."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples(path: Path) -> list[Example]:
    """The shell blocks of one page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].startswith("```")), len(lines)
        )
        if fence.group(1) in SHELL_LANGUAGES:
            mark = _NOT_RUN.match(lines[index - 1]) if index else None
            found.append(
                Example(
                    path=path,
                    line=index + 1,
                    language=fence.group(1),
                    body=lines[index + 1 : end],
                    not_run=mark.group(1) if mark else None,
                )
            )
        index = end + 1
    return found


def all_examples() -> list[Example]:
    """Every shell block of README.md and docs/*.md."""
    return [example for page in pages() for example in examples(page)]


def matches(shown: list[str], printed: str) -> bool:
    """Whether the printed text is what the block shows (`…` standing for any text)."""
    expected = "\n".join(line.rstrip() for line in shown).strip("\n")
    pattern = ".*?".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, tidy(printed), re.S) is not None


def tidy(printed: str) -> str:
    """Printed text as a block shows it: no trailing spaces, no blank lines at the ends."""
    return "\n".join(line.rstrip() for line in printed.splitlines()).strip("\n")


def _shim(directory: Path) -> Path:
    """A directory holding an `alliancekb` that runs this checkout's, for bash's PATH."""
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    script = bin_dir / "alliancekb"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m alliancekb "$@"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def run(example: Example, database_url: str) -> list[tuple[Step, str]]:
    """Run a console block's commands in order, on `database_url`; each with its output."""
    with tempfile.TemporaryDirectory(prefix="alliancekb-example-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(DOC_FILES, work)
        bin_dir = _shim(Path(tmp))
        source = str(ROOT / "src")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": os.pathsep.join(
                p for p in (source, os.environ.get("PYTHONPATH", "")) if p
            ),
            "ALLIANCEKB_DATABASE_URL": database_url,
            "ALLIANCEKB_TODAY": TODAY,
            "COLUMNS": WIDTH,
            "NO_COLOR": "1",
            "TERM": "dumb",
            "PYTHONUNBUFFERED": "1",  # standard output and error interleaved as printed
            "HOME": tmp,
        }
        env.pop("LINES", None)
        done = []
        for step in example.steps():
            result = subprocess.run(
                ["bash", "-c", step.command],
                cwd=work,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
            )
            done.append((step, result.stdout))
        return done


def _recorded(printed: str) -> list[str]:
    lines = tidy(printed).splitlines()
    return [*lines[:MAX_LINES], "…"] if len(lines) > MAX_LINES else lines


def _seeded(directory: Path) -> str:
    """A new SQLite file holding the bundled knowledge; its URL."""
    from alliancekb.core.config import to_url
    from alliancekb.load.bootstrap import create
    from alliancekb.store.db import create_db_engine

    url = to_url(str(directory / "seed.sqlite"))
    engine = create_db_engine(url)
    create(engine)
    engine.dispose()
    return url


def rewrite() -> list[str]:
    """Record again the output of every console block that differs; the blocks rewritten."""
    rewritten = []
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(_seeded(Path(tmp)).removeprefix("sqlite:///"))
        for page in pages():
            lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
            for example in reversed(examples(page)):  # from the end: line numbers hold
                if example.language != "console" or example.not_run is not None:
                    continue
                case = Path(tmp) / "case.sqlite"
                shutil.copyfile(seed, case)
                done = run(example, f"sqlite:///{case}")
                if all(matches(step.shown, printed) for step, printed in done):
                    continue
                body = []
                for step, printed in done:
                    # a step that still matches keeps its text: its `…` stay `…`
                    shown = step.shown if matches(step.shown, printed) else _recorded(printed)
                    body += [f"$ {step.command}", *shown]
                start = example.line  # the body starts after the fence
                lines[start : start + len(example.body)] = [f"{text}\n" for text in body]
                rewritten.append(example.where)
            page.write_text("".join(lines), encoding="utf-8")
    return rewritten


if __name__ == "__main__":
    for where in rewrite():
        print(f"rewrote {where}")
