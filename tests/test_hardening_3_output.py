"""Hardening, third round (issue 29): what the commands write and say.

Row 10: a title holding `$` is drawn as written (matplotlib would read `$...$` as TeX, and
fail on `$$` or `$x^$`). Row 12: an `--out` path holding terminal control sequences is
escaped in the success line, as every other message is.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb.cli.app import app
from tests.conftest import TestDatabase
from tests.helpers import write_yaml

#: Titles matplotlib's mathtext takes for formulas or cannot parse.
DOLLAR_TITLES = ["$368bn, with $3bn", "Costs in $$ and more", r"The $x^$ problem"]

_DOLLARS = """
sources:
  - key: dollars-1
    title: "$368bn, with $3bn"
    publisher: The $ Times
    published: 2024-04
    kind: news
  - key: dollars-2
    title: "Costs in $$ and more"
    published: 2024-05
    kind: news
  - key: dollars-3
    title: 'The $x^$ problem'
    published: 2024-06
    kind: news
countries:
  - iso3: AUS
  - iso3: JPN
alliances:
  - key: dollar-pact
    name: "The $368bn, with $3bn pact"
    kind: security-partnership
    founded: 2021-09-15
    sources: [dollars-1]
memberships:
  - country: AUS
    scope: dollar-pact
    role: founding-member
    status: in-force
    from: 2021-09-15
    sources: [dollars-1, dollars-2]
  - country: JPN
    scope: dollar-pact
    role: partner
    status: expected
    from: 2024-04~
    sources: [dollars-3]
"""


def _cli(db: TestDatabase, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", db.url, "--no-pager", *args], env={"COLUMNS": "100"})


def _svg_texts(path: Path) -> list[str]:
    tree = ET.parse(path)
    return ["".join(el.itertext()) for el in tree.iter() if el.tag.endswith("text")]


@pytest.fixture
def dollars(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    loaded = _cli(db, "load", str(write_yaml(tmp_path, "dollars.yaml", _DOLLARS)))
    assert loaded.exit_code == 0, loaded.output
    return db


@pytest.mark.parametrize("name", ["The $368bn, with $3bn pact", "Japan"])
def test_a_chart_draws_dollar_signs_in_titles_labels_and_footnotes_as_written(
    dollars: TestDatabase, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "chart.svg"
    result = _cli(dollars, "chart", name, "--out", str(out), "--as-of", "2025-01-01")
    assert result.exit_code == 0, result.output
    texts = _svg_texts(out)
    whole = "\n".join(texts)
    # Title (a scope's chart) or lane label (a country's): the alliance's name as written.
    assert any("The $368bn, with $3bn pact" in t for t in texts), texts
    for title in DOLLAR_TITLES if name != "Japan" else [DOLLAR_TITLES[2]]:
        assert title in whole, title  # the footnote names the sources as written


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_a_chart_with_dollar_titles_renders_to_every_format(
    dollars: TestDatabase, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"chart.{fmt}"
    result = _cli(dollars, "chart", "dollar-pact", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000


# -- row 12: an --out path is escaped in the success line ---------------------------------

#: ESC ] 0 ; ... BEL: a terminal that obeyed it would take `pwned` as its title.
_RETITLE = "\x1b]0;pwned\x07"

_ARTICLE = """Japan and AUKUS

Tokyo, 10 April 2024. Japan said it would work with AUKUS on advanced capabilities.
"""


@pytest.mark.parametrize(
    ("command", "suffix"),
    [
        (["chart", "AUKUS"], ".svg"),
        (["graph"], ".json"),
        (["export", "countries"], ".csv"),
        (["export", "--sqlite"], ".sqlite"),
        (["dump"], ".yaml"),
        (["draft", "ARTICLE", "--source", "a-new-article"], ".yaml"),
        (["db", "path"], ".sqlite"),
    ],
    ids=["chart", "graph", "export", "export-sqlite", "dump", "draft", "db-path"],
)
def test_an_out_path_holding_a_terminal_sequence_is_printed_escaped(
    seeded_db: TestDatabase, tmp_path: Path, command: list[str], suffix: str
) -> None:
    target = tmp_path / f"out{_RETITLE}{suffix}"
    if command == ["db", "path"]:
        if seeded_db.backend != "sqlite":
            pytest.skip("a file path: SQLite's")
        result = CliRunner().invoke(app, ["--db", str(target), "db", "path"])
    else:
        article = tmp_path / "article.txt"
        article.write_text(_ARTICLE, encoding="utf-8")
        args = [str(article) if a == "ARTICLE" else a for a in command]
        if args[:2] == ["export", "--sqlite"]:
            result = _cli(seeded_db, *args, str(target))
        else:
            result = _cli(seeded_db, *args, "--out", str(target))
        assert target.is_file(), result.output
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "out\\x1b]0;pwned\\x07" + suffix in result.output, result.output
