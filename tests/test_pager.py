"""Long output on a terminal goes through $PAGER; --no-pager and pipes do not (issue 16).

The CLI runs in a pseudo-terminal of 80x24 with PAGER set to a script that records what
it was given; nothing inside the CLI is patched.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from alliancekb.cli.pager import DEFAULT_PAGER, pager_command
from tests.conftest import TestDatabase

SRC = Path(__file__).resolve().parent.parent / "src"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


def fake_pager(tmp_path: Path) -> tuple[str, Path]:
    record = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f'#!/bin/sh\necho "LESS=$LESS" > {record}\ncat >> {record}\n')
    script.chmod(0o755)
    return str(script), record


def run_in_terminal(url: str, args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the CLI with stdout on a pseudo-terminal of 80x24; its exit code and output."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    full_env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "TERM": "xterm",
        "NO_COLOR": "1",
        **env,
    }
    for name in ("COLUMNS", "LINES", "LESS", "ALLIANCEKB_PAGER"):
        if name not in env:
            full_env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "alliancekb", "--db", url, *args],
        stdin=child,
        stdout=child,
        stderr=subprocess.PIPE,
        env=full_env,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the child side closed
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=120)
    os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_long_output_on_a_terminal_goes_through_the_pager(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    pager, record = fake_pager(tmp_path)
    code, shown = run_in_terminal(seeded_db.url, ["show", "Japan"], {"PAGER": pager})
    assert code == 0
    paged = record.read_text(encoding="utf-8")
    assert paged.startswith("LESS=FRX\n")  # as git sets it when LESS is unset
    assert "Memberships" in paged
    assert "Sources cited" in paged
    assert "Memberships" not in shown  # the pager had it, not the terminal directly
    plain = re.sub(r"\x1b\[[0-9;]*m", "", paged)  # styles (bold, dim) are kept for the pager
    assert max(len(line) for line in plain.splitlines()[1:]) <= 80  # the terminal's width


def test_no_pager_short_output_and_pipes_print_directly(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    pager, record = fake_pager(tmp_path)
    code, shown = run_in_terminal(seeded_db.url, ["--no-pager", "show", "Japan"], {"PAGER": pager})
    assert code == 0
    assert "Memberships" in shown
    assert not record.exists()
    # shorter than the screen: printed as it is
    code, shown = run_in_terminal(seeded_db.url, ["members", "Quad"], {"PAGER": pager})
    assert code == 0
    assert "Australia" in shown
    assert not record.exists()
    # an empty PAGER means none
    code, shown = run_in_terminal(seeded_db.url, ["show", "Japan"], {"PAGER": ""})
    assert code == 0
    assert "Memberships" in shown
    # not a terminal: never paged
    env = {**os.environ, "PYTHONPATH": str(SRC), "PAGER": pager}
    piped = subprocess.run(
        [sys.executable, "-m", "alliancekb", "--db", seeded_db.url, "show", "Japan"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "Memberships" in piped.stdout
    assert not record.exists()


def test_the_pager_command_is_chosen_as_git_chooses() -> None:
    assert pager_command({}) == DEFAULT_PAGER == "less -FRX"
    assert pager_command({"PAGER": "more"}) == "more"
    assert pager_command({"PAGER": "more", "ALLIANCEKB_PAGER": "most"}) == "most"
    assert pager_command({"PAGER": ""}) is None
    assert pager_command({"PAGER": "cat"}) is None
