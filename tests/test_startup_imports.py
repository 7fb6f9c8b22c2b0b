"""A read command imports only what it uses (issue 16; not timed).

`members` on a database at head needs SQLAlchemy, Typer and Rich, not Pydantic (Typer's
own option conversion is replaced for plain values by `cli.fastparams`), not the load
schema, not pycountry (read only when a name misses the stored names), not Alembic.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TestDatabase

UNNEEDED = ("pydantic", "pydantic_core", "pycountry", "alembic", "yaml", "alliancekb.load.schema")

PROBE = """
import sys
from alliancekb.cli import main
sys.argv = ["alliancekb", "--db", {url!r}, *{args!r}]
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
finally:
    loaded = sorted(m for m in sys.modules if m in {unneeded!r} or m.split(".")[0] in {unneeded!r})
    print("LOADED", loaded, file=sys.stderr)
"""


def _loaded(url: str, *args: str) -> list[str]:
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "NO_COLOR": "1"}
    code = PROBE.format(url=url, args=list(args), unneeded=UNNEEDED)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    return list(eval(line.removeprefix("LOADED ")))  # a list of names printed by the probe


@pytest.mark.parametrize(
    "args",
    [
        ["members", "AUKUS Pillar 2", "--format", "csv"],
        ["statements", "--search", "submarines", "--limit", "3", "--format", "json"],
        ["alliances", "--format", "csv"],
    ],
)
def test_a_read_command_imports_neither_pydantic_nor_the_schema_nor_pycountry(
    seeded_db: TestDatabase, args: list[str]
) -> None:
    assert _loaded(seeded_db.url, *args) == []


def test_a_name_that_misses_reads_pycountry_then(seeded_db: TestDatabase) -> None:
    assert "pycountry" in _loaded(seeded_db.url, "show", "Viet Nam", "--format", "json")
