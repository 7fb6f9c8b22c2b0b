"""The bundled seed's sources are citations, and its verbatim quotes are verbatim.

Reads data/seed.yaml as plain YAML (no database): every source says what it is, where it is and
when it was retrieved; no note names a file on someone's machine or speaks of the project's own
reading; a statement marked `quote: true` is found, word for word, in the text it quotes (the White
House statements and the article, in the shared folder beside the repository; skipped when absent).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

SEED = Path(__file__).parents[1] / "data" / "seed.yaml"
SHARED = Path(__file__).parents[2] / "shared"
WH_FOLDER = SHARED / "external" / "wh-briefings-aukus-quad"
ARTICLE = SHARED / "sources" / "japan-aukus-pillar2-article.txt"
ARTICLE_KEY = "japan-aukus-pillar2-article"

PATH_LIKE = ("/work/", "/home/", "/tmp/", "C:\\", "local copy")
PROJECT_SPEAK = "the project"

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00a0": " ",
    }
)


@cache
def seed() -> dict[str, Any]:
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def sources() -> list[dict[str, Any]]:
    return list(seed()["sources"])


def statements() -> list[dict[str, Any]]:
    return list(seed()["statements"])


def normalise(text: str) -> str:
    """Curly quotes made straight, every run of whitespace one space, no Markdown emphasis."""
    text = text.translate(_QUOTES).replace("\\", "")
    text = re.sub(r"(\*\*|__)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def notes(node: object, where: str) -> Iterator[tuple[str, str]]:
    """Every `note` in a record, however deep (a position's note too), with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "note" and isinstance(value, str):
                yield where, value
            else:
                yield from notes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from notes(item, f"{where}[{index}]")


def problems_in(text: str) -> list[str]:
    found = [marker for marker in PATH_LIKE if marker.lower() in text.lower()]
    if PROJECT_SPEAK in text.lower():
        found.append(PROJECT_SPEAK)
    return found


def source_keys(kind: str | None = None) -> set[str]:
    return {s["key"] for s in sources() if kind is None or s.get("kind") == kind}


def test_every_source_says_when_it_was_retrieved() -> None:
    missing = [s["key"] for s in sources() if not s.get("retrieved")]
    assert missing == []


def test_every_source_has_a_title_and_a_kind() -> None:
    missing = [s["key"] for s in sources() if not s.get("title") or not s.get("kind")]
    assert missing == []


def test_every_source_but_a_dataset_names_its_publisher() -> None:
    missing = [s["key"] for s in sources() if s.get("kind") != "dataset" and not s.get("publisher")]
    assert missing == []


def test_every_source_gives_a_publication_date_or_says_unknown() -> None:
    missing = [s["key"] for s in sources() if not s.get("published")]
    assert missing == []


def test_no_source_field_names_a_local_path_or_the_project() -> None:
    bad = {
        f"{s['key']}.{field}": problems_in(value)
        for s in sources()
        for field, value in s.items()
        if isinstance(value, str) and problems_in(value)
    }
    assert bad == {}


def test_no_note_names_a_local_path_or_the_project() -> None:
    bad = {
        where: problems_in(text)
        for section, records in seed().items()
        for where, text in notes(records, section)
        if problems_in(text)
    }
    assert bad == {}


def test_every_cited_source_is_defined() -> None:
    defined = source_keys()
    cited: set[str] = set()
    for section in ("alliances", "memberships"):
        for record in seed().get(section, []):
            cited.update(record.get("sources") or [])
    for official in seed().get("officials", []):
        for position in official.get("positions") or []:
            cited.update(position["sources"])
    cited.update(st["source"] for st in statements())
    assert sorted(cited - defined) == []


def white_house_text(source: dict[str, Any]) -> str:
    """The snapshot file of a White House source: by its date prefix, then by its URL."""
    candidates = sorted(WH_FOLDER.glob(f"{source['published']}-*.md"))
    assert candidates, f"no file for {source['key']} ({source['published']}) in {WH_FOLDER}"
    for path in candidates:
        text = path.read_text(encoding="utf-8")
        if len(candidates) == 1 or source.get("url", "\0") in text:
            return text
    raise AssertionError(f"no file for {source['key']} matches its url {source.get('url')}")


def white_house_sources() -> dict[str, dict[str, Any]]:
    return {
        s["key"]: s
        for s in sources()
        if s.get("publisher") == "The White House" and s["key"].startswith("wh-")
    }


def test_verbatim_quotes_of_white_house_statements_are_in_their_text() -> None:
    if not WH_FOLDER.is_dir():
        pytest.skip(f"the White House statements are not here: {WH_FOLDER}")
    by_key = white_house_sources()
    quoted = [st for st in statements() if st.get("quote") is True and st["source"] in by_key]
    assert quoted, "the seed quotes the White House statements verbatim"
    texts = {key: normalise(white_house_text(source)) for key, source in by_key.items()}
    absent = [st["id"] for st in quoted if normalise(st["text"]) not in texts[st["source"]]]
    assert absent == []


def test_verbatim_quotes_of_the_article_are_in_its_text() -> None:
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not here: {ARTICLE}")
    article = normalise(ARTICLE.read_text(encoding="utf-8"))
    quoted = [st for st in statements() if st.get("quote") is True and st["source"] == ARTICLE_KEY]
    absent = [st["id"] for st in quoted if normalise(st["text"]) not in article]
    assert absent == []


def test_the_article_keeps_its_author_only_as_printed_in_its_text() -> None:
    if not ARTICLE.is_file():
        pytest.skip(f"the article is not here: {ARTICLE}")
    (article,) = [s for s in sources() if s["key"] == ARTICLE_KEY]
    author = article.get("author")
    if author is not None:
        assert author in ARTICLE.read_text(encoding="utf-8")
