"""Rewrite the console examples of docs/queries.md with what the commands print now.

Each ```console block that holds one `$ alliancekb ...` command is run on a fresh copy of
the bundled seed (terminal width 110, no colour, no pager); its output replaces the block's
lines after the command, cut after MAX_LINES with a `…` line. Blocks with several commands
(or commands that change the knowledge base) are left as written.

    python -m tests.doc_examples
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "queries.md"
MAX_LINES = 40
_BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def _output(command: str, db: Path) -> str:
    args = shlex.split(command.removeprefix("$ ").split(";")[0])
    assert args[0] == "alliancekb"
    env = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "alliancekb", "--db", str(db), "--no-pager", *args[1:]],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = (done.stdout + done.stderr).rstrip("\n").splitlines()
    lines = [line.rstrip() for line in lines]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], "…"]
    return "\n".join(lines) + "\n"


def rewrite() -> None:
    """Rewrite every single-command console block of docs/queries.md."""
    from alliancekb.core.config import to_url
    from alliancekb.load.bootstrap import seed_path
    from alliancekb.load.loader import load_files
    from alliancekb.store import migrate
    from alliancekb.store.db import create_db_engine

    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seed.sqlite"
        engine = create_db_engine(to_url(str(seeded)))
        migrate.upgrade(engine)
        load_files(engine, [seed_path()])
        engine.dispose()

        def block(match: re.Match[str]) -> str:
            body = match.group(1)
            commands = [line for line in body.splitlines() if line.startswith("$ ")]
            if len(commands) != 1 or " retract " in commands[0] or "echo" in commands[0]:
                return match.group(0)
            db = Path(tmp) / "case.sqlite"
            shutil.copyfile(seeded, db)
            return f"```console\n{commands[0]}\n{_output(commands[0], db)}```"

        DOC.write_text(_BLOCK.sub(block, DOC.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    rewrite()
