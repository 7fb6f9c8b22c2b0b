"""A load reports every name of every record that does not resolve, each where it is written.

Not the first bad name of a record alone: a statement about `Japn` and `AUKUS Pilar 2`
from a misspelt source is three problems at three lines and columns. The load stays all
or nothing, and a long list of problems is cut with a count of those not shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.core.errors import MAX_LISTED_PROBLEMS, UnresolvedReferenceError
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase
from tests.helpers import snapshot, write_yaml

#: A statement with three bad names (the issue's example) and one with two.
STATEMENTS = """
statements:
  - id: every-problem-1
    speaker: rahm-emanuel
    date: 2024-04~
    text: Japan will be the first additional partner.
    stance: expects
    about:
      countries: [Japn]
      scopes: [AUKUS Pilar 2]
    source: japan-aukus-pilar2-article
  - id: every-problem-2
    speaker: rahm-emmanuel
    date: 2024-04~
    text: Japan and Australia.
    stance: expects
    about:
      countries: [Japan, Austrlia]
    source: japan-aukus-pillar2-article
"""


def _at(path: Path, text: str, occurrence: int = 1) -> tuple[int, int]:
    """The 1-based line and column of the `occurrence`-th `text` in the file."""
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        column = line.find(text)
        if column >= 0:
            seen += 1
            if seen == occurrence:
                return number, column + 1
    raise AssertionError(f"{text!r} is not in {path}")


@pytest.mark.parametrize("command", [["validate"], ["load"], ["load", "--dry-run"]])
def test_every_bad_name_of_a_statement_is_reported_at_its_own_line_and_column(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path, command: list[str]
) -> None:
    path = write_yaml(tmp_path, "bad.yaml", STATEMENTS)
    before = snapshot(seeded_db.engine)
    result = runner.invoke(app, ["--db", seeded_db.url, *command, str(path)])
    assert result.exit_code == 4, result.output
    assert "5 reference(s) did not resolve; nothing was loaded" in result.output
    expected = [
        (_at(path, "Japn"), "statements[0].about.countries[0]", "unknown country 'Japn'"),
        (_at(path, "AUKUS Pilar 2"), "statements[0].about.scopes[0]", "'AUKUS Pilar 2'"),
        (_at(path, "source:"), "statements[0].source", "'japan-aukus-pilar2-article'"),
        (_at(path, "speaker:", 2), "statements[1].speaker", "'rahm-emmanuel'"),
        (_at(path, "Austrlia"), "statements[1].about.countries[1]", "'Austrlia'"),
    ]
    for (line, column), where, message in expected:
        assert f"{path}:{line}:{column}: {where}: " in result.output
        assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(seeded_db.engine) == before


#: Defined by a first file; the second uses them, misspelling some of each record's names.
DEFINITIONS = """
sources:
  - key: ep-source
    title: A source
    published: 2021-05
    kind: news
  - key: ep-dataset
    title: A dataset
    published: 2021
    kind: dataset
countries:
  - iso3: FJI
  - iso3: TON
technology_areas:
  - key: ep-area
    name: EP area
alliances:
  - key: ep-alliance
    name: EP Alliance
    kind: defense-treaty
officials:
  - key: ep-speaker
    name: EP Speaker
"""

USES = """
alliances:
  - key: ep-pact
    name: EP Pact
    kind: security-partnership
    sources: [ep-source, ep-sauce]
    pillars:
      - number: 1
        name: Sensors
        technology_areas: [ep-area, ep-aria]
officials:
  - key: ep-envoy
    name: EP Envoy
    positions:
      - title: Envoy
        country: Fijj
        from: 2020
        sources: [ep-sorce]
      - title: Liaison
        alliance: ep-aliance
        from: 2021
        sources: [ep-source]
exercises:
  - key: ep-drill
    name: EP Drill
    organiser: ep-aliance
    editions:
      - year: 2022
        participants:
          - {country: Fjji}
          - {country: Tonag}
        sources: [ep-sorce]
memberships:
  - country: Fijj
    scope: ep-aliance
    role: member
    status: in-force
    from: 2020
    sources: [ep-source, ep-sorce]
    claimed_by: ep-datset
statements:
  - speaker: ep-speaker
    date: 2021-05
    text: Defined in the other file, the speaker resolves; the rest does not.
    stance: asserts
    about:
      countries: [FJI, Tonag]
      technology_areas: [ep-aria]
    source: ep-sorce
retracted:
  - kind: membership
    country: Fijj
    scope: ep-aliance
    role: member
    reason: test
  - kind: position
    official: ep-envy
    title: Envoy
    reason: test
"""


def test_every_bad_name_of_every_kind_of_record_is_reported(
    db: TestDatabase, tmp_path: Path
) -> None:
    uses = write_yaml(tmp_path, "uses.yaml", USES)
    definitions = write_yaml(tmp_path, "definitions.yaml", DEFINITIONS)
    before = snapshot(db.engine)
    for dry_run in (True, False):
        with pytest.raises(UnresolvedReferenceError) as caught:
            load_files(db.engine, [uses, definitions], dry_run=dry_run)
        found = {p.where for p in caught.value.problems}
        assert found == {
            "alliances[0].sources[1]",
            "alliances[0].pillars[0].technology_areas[1]",
            "officials[0].positions[0].country",
            "officials[0].positions[1].alliance",
            "officials[0].positions[0].sources[0]",
            "exercises[0].organiser",
            "exercises[0].editions[0].participants[0].country",
            "exercises[0].editions[0].participants[1].country",
            "exercises[0].editions[0].sources[0]",
            "memberships[0].country",
            "memberships[0].scope",
            "memberships[0].sources[1]",
            "memberships[0].claimed_by",
            "statements[0].about.countries[1]",
            "statements[0].about.technology_areas[0]",
            "statements[0].source",
            "retracted[0].country",
            "retracted[0].scope",
            "retracted[1].official",
        }
        # each at its own place, never two at one
        assert len({(p.line, p.column) for p in caught.value.problems}) == len(found)
        assert all(p.file == str(uses) for p in caught.value.problems)
        assert snapshot(db.engine) == before


def test_a_long_list_of_problems_is_cut_and_says_how_many_more(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    records = 40  # two bad names each: 80 problems, more than are listed
    text = "statements:\n" + "".join(
        f"  - id: many-{i}\n    speaker: rahm-emanuel\n    date: 2024-04~\n"
        f"    text: Statement {i}.\n    stance: asserts\n"
        f"    about:\n      countries: [Japn]\n    source: no-such-source\n"
        for i in range(records)
    )
    path = write_yaml(tmp_path, "many.yaml", text)
    result = runner.invoke(app, ["--db", seeded_db.url, "validate", str(path)])
    assert result.exit_code == 4, result.output
    assert f"{2 * records} reference(s) did not resolve" in result.output
    assert f"... and {2 * records - MAX_LISTED_PROBLEMS} more" in result.output
    assert result.output.count("unknown country 'Japn'") + result.output.count(
        "unknown source 'no-such-source'"
    ) == (MAX_LISTED_PROBLEMS)
