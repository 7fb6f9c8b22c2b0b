"""`draft` reads a government named by its seat or its people's adjective as its country.

"Officials in Canberra said", "Tokyo stressed", "Japanese officials told" speak for a
country's government: drafted with the country as speaker and marked as a guess. The
words that name no government ("Japanese scholars", "the ambassador in Tokyo") or
several ("officials in Tokyo and Canberra") stay undrafted, with the reason.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import TestDatabase
from tests.test_author import article, draft, prose


def test_draft_reads_a_capital_or_an_adjective_as_the_government_and_marks_the_guess(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    path = article(
        tmp_path,
        """
        Officials in Canberra said that Japan would join AUKUS Pillar 2 soon.
        Tokyo stressed that it is open to cooperation with Canada.
        Japanese officials told reporters that the talks with India would continue.
        The British government said that New Zealand could play a role.
        Officials in Wellington said that New Zealand is weighing the offer.
        The Pentagon said that Japan will join AUKUS.
        The UK government said that Canada was welcome.
        """,
    )
    text, doc = draft(runner, seeded_db, path, "--source", "new-article", "--date", "2024-05")
    st = doc["statements"]
    assert [s["speaker"] for s in st] == ["AUS", "JPN", "JPN", "GBR", "NZL", "USA", "GBR"]
    assert [s["speaker_label"] for s in st] == [
        "Officials in Canberra",
        "Tokyo",
        "Japanese officials",
        "The British government",
        "Officials in Wellington",
        "The Pentagon",
        "The UK government",
    ]
    assert st[0]["about"]["countries"] == ["JPN"]
    assert st[2]["about"]["countries"] == ["IND"]
    lines = text.splitlines()
    assert '  - speaker: AUS  # "Canberra"; guessed: check (the government of AUS)' in lines
    assert '  - speaker: JPN  # "Japanese"; guessed: check (the government of JPN)' in lines
    assert '  - speaker: USA  # "The Pentagon"; guessed: check (the government of USA)' in lines
    # The country's own name is no guess: "The UK" is the United Kingdom.
    assert '  - speaker: GBR  # "The UK"' in lines


def test_draft_guesses_no_government_from_a_posted_envoy_a_people_or_two_capitals(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    path = article(
        tmp_path,
        """
        The ambassador in Tokyo said that Japan will join AUKUS.
        Japanese scholars said that Japan will join AUKUS.
        Officials in Tokyo and Canberra said that the talks went well.
        A think tank in Canberra said that Japan will join AUKUS.
        """,
    )
    text, doc = draft(runner, seeded_db, path, "--source", "new-article", "--date", "2024-05")
    assert "statements" not in doc
    tail = prose(text[text.index("# Not drafted") :])
    assert "knows in 'The ambassador in Tokyo'" in tail
    assert "knows in 'Japanese scholars'" in tail
    assert "'Officials in Tokyo and Canberra' names several governments (Tokyo, Canberra)" in tail
    assert "knows in 'A think tank in Canberra'" in tail
