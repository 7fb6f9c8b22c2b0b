"""The complete example in docs/yaml-format.md loads, so the documentation cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase

DOC = Path(__file__).resolve().parent.parent / "docs" / "yaml-format.md"


def complete_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Complete example") :]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_the_documented_complete_example_loads(db: TestDatabase, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(complete_example(), encoding="utf-8")
    report = load_files(db.engine, [path])
    counts = report.counts_dict()
    assert counts["statements"]["created"] == 2
    assert counts["memberships"]["created"] == 2
    assert counts["countries"]["created"] == 5
