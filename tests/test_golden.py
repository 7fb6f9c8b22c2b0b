"""What the redesign must not change: the recorded bytes of ~60 commands over the seed.

Each case runs on its own fresh seeded database of each backend; stdout, stderr, exit code
and every file written must equal tests/golden/NAME.json (recorded on SQLite by
`python -m tests.golden_cases`, only when behaviour is meant to change).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import TestDatabase
from tests.golden_cases import CASES, GOLDEN_DIR, run_case


def test_every_case_has_a_recording() -> None:
    assert sorted(p.stem for p in GOLDEN_DIR.glob("*.json")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_output_is_byte_identical_to_the_recording(
    name: str, make_database: Callable[..., TestDatabase], tmp_path: Path
) -> None:
    database = make_database(seeded=True)
    expected = json.loads((GOLDEN_DIR / f"{name}.json").read_text(encoding="utf-8"))
    work = tmp_path / "work"
    work.mkdir()
    assert run_case(name, database.url, work) == expected
