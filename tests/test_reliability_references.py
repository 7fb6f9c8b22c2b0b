"""Reliability: references across the files of one load, and names two entities would share.

Hostile inputs, inline: a file whose records use entities another file of the same load
defines (in either order), and aliases that would make a name ambiguous. Every refused
load leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.core.errors import InvalidDataError, UnresolvedReferenceError
from alliancekb.load.loader import LoadReport, load_files
from tests.conftest import TestDatabase
from tests.helpers import snapshot, write_yaml

#: Uses what DEFINITIONS defines: a membership's alliance and source, a statement's
#: speaker and source, a pillar's technology areas, an official's position.
USES = """
alliances:
  - key: rt-pact
    name: RT Pact
    kind: security-partnership
    sources: [rt-source]
    pillars:
      - number: 1
        name: Sensors
        technology_areas: [rt-area]
officials:
  - key: rt-envoy
    name: RT Envoy
    positions:
      - title: Envoy
        alliance: rt-alliance
        from: 2020
        sources: [rt-source]
memberships:
  - country: FJI
    scope: rt-alliance
    role: member
    status: in-force
    from: 2020
    sources: [rt-source]
  - country: FJI
    scope: RT Pact Pillar 1
    role: partner
    status: in-force
    from: 2021
    sources: [rt-source]
statements:
  - speaker: rt-speaker
    date: 2021-05
    text: The alliance welcomes its first member.
    stance: asserts
    about:
      countries: [FJI]
      scopes: [rt-alliance, RT Pact pillar 1]
      technology_areas: [rt-area]
    source: rt-source
"""

DEFINITIONS = """
sources:
  - key: rt-source
    title: A source defined in the second file
    published: 2021-05
    kind: news
countries:
  - iso3: FJI
technology_areas:
  - key: rt-area
    name: RT area
alliances:
  - key: rt-alliance
    name: RT Alliance
    kind: defense-treaty
officials:
  - key: rt-speaker
    name: RT Speaker
"""


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    return write_yaml(tmp_path, "a.yaml", USES), write_yaml(tmp_path, "b.yaml", DEFINITIONS)


def _counts(report: LoadReport) -> dict[str, dict[str, int]]:
    return report.counts_dict()


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_file_may_use_what_a_later_file_of_the_same_load_defines(
    db: TestDatabase, tmp_path: Path, dry_run: bool
) -> None:
    a, b = _pair(tmp_path)
    before = snapshot(db.engine)
    forward = load_files(db.engine, [b, a], dry_run=True)
    backward = load_files(db.engine, [a, b], dry_run=dry_run)
    assert _counts(backward) == _counts(forward)
    assert _counts(backward)["memberships"]["created"] == 2
    assert _counts(backward)["statements"]["created"] == 1
    assert _counts(backward)["pillars"]["created"] == 1
    assert _counts(backward)["positions"]["created"] == 1
    if dry_run:
        assert snapshot(db.engine) == before
    else:  # and loading them again, in the other order, changes nothing
        again = load_files(db.engine, [b, a])
        assert again.changed == 0


def test_validate_and_load_accept_files_in_either_order(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    a, b = _pair(tmp_path)
    checked = runner.invoke(app, ["--db", db.url, "validate", str(a), str(b)])
    assert checked.exit_code == 0, checked.output
    dry = runner.invoke(app, ["--db", db.url, "load", "--dry-run", str(a), str(b)])
    assert dry.exit_code == 0, dry.output
    loaded = runner.invoke(app, ["--db", db.url, "load", str(a), str(b)])
    assert loaded.exit_code == 0, loaded.output
    shown = runner.invoke(app, ["--db", db.url, "show", "rt-alliance"])
    assert shown.exit_code == 0, shown.output
    assert "Fiji" in shown.output


def test_a_name_no_file_defines_is_still_reported_where_it_is_used(
    db: TestDatabase, tmp_path: Path
) -> None:
    a = write_yaml(tmp_path, "a.yaml", USES.replace("speaker: rt-speaker", "speaker: rt-nobody"))
    b = write_yaml(tmp_path, "b.yaml", DEFINITIONS)
    before = snapshot(db.engine)
    with pytest.raises(UnresolvedReferenceError) as caught:
        load_files(db.engine, [a, b])
    problems = caught.value.problems
    assert len(problems) == 1
    line = next(i for i, t in enumerate(a.read_text().splitlines(), 1) if "rt-nobody" in t)
    assert (problems[0].file, problems[0].line, problems[0].column) == (str(a), line, 5)
    assert problems[0].where == "statements[0].speaker"
    assert snapshot(db.engine) == before


def test_unresolved_records_are_batched_across_files(db: TestDatabase, tmp_path: Path) -> None:
    # More forward references than a batch holds: every one of them resolves in the end.
    statements = "statements:\n" + "".join(
        f"  - id: rt-{i}\n    speaker: rt-speaker\n    date: 2021-05\n    text: Statement {i}.\n"
        f"    stance: asserts\n    source: rt-source\n"
        for i in range(25)
    )
    a = write_yaml(tmp_path, "a.yaml", statements)
    b = write_yaml(tmp_path, "b.yaml", DEFINITIONS)
    report = load_files(db.engine, [a, b], batch_size=4)
    assert _counts(report)["statements"]["created"] == 25


# -- names two entities of one kind would share ------------------------------------------

COUNTRIES = """
countries:
  - iso3: JPN
  - iso3: KOR
"""


def _refused(db: TestDatabase, paths: list[Path]) -> InvalidDataError:
    before = snapshot(db.engine)
    with pytest.raises(InvalidDataError) as caught:
        load_files(db.engine, paths)
    assert snapshot(db.engine) == before
    with pytest.raises(InvalidDataError):  # and validate / --dry-run refuse it alike
        load_files(db.engine, paths, dry_run=True)
    return caught.value


def test_an_alias_naming_another_country_is_refused_with_both_named(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_files(db.engine, [write_yaml(tmp_path, "base.yaml", COUNTRIES)])
    bad = write_yaml(tmp_path, "bad.yaml", "countries:\n  - iso3: KOR\n    aliases: [JAPAN]\n")
    error = _refused(db, [bad])
    [problem] = error.problems
    assert (problem.file, problem.line, problem.column) == (str(bad), 3, 15)
    assert "Japan" in problem.message
    assert "Korea" in problem.message
    assert "JAPAN" in problem.message


def test_an_nfd_name_of_another_country_is_refused(db: TestDatabase, tmp_path: Path) -> None:
    nfd = "Tu\u0308rkiye"
    bad = write_yaml(
        tmp_path, "bad.yaml", f"countries:\n  - iso3: TUR\n  - iso3: GRC\n    aliases: [{nfd}]\n"
    )
    error = _refused(db, [bad])
    [problem] = error.problems
    assert (problem.line, problem.column) == (4, 15)
    assert "Greece" in problem.message
    assert "rkiye" in problem.message


def test_a_colliding_name_within_one_load_and_across_kinds(
    db: TestDatabase, tmp_path: Path
) -> None:
    # Two alliances sharing a name in one load is refused; a country and an alliance
    # may share a name (different kinds: a lookup says which kind it wants).
    bad = write_yaml(
        tmp_path,
        "bad.yaml",
        """
        alliances:
          - key: one
            name: Shared Pact
            kind: defense-treaty
          - key: two
            name: Other Pact
            kind: defense-treaty
            aliases: [shared pact]
        """,
    )
    error = _refused(db, [bad])
    [problem] = error.problems
    assert "Shared Pact" in problem.message
    assert "Other Pact" in problem.message
    ok = write_yaml(
        tmp_path,
        "ok.yaml",
        """
        countries:
          - iso3: NOR
            aliases: [Nordic]
        alliances:
          - key: nordic
            name: Nordic
            kind: defense-treaty
        """,
    )
    load_files(db.engine, [ok])


def test_renaming_an_entity_to_its_own_names_is_not_a_collision(
    db: TestDatabase, tmp_path: Path
) -> None:
    first = "countries:\n  - iso3: KOR\n    aliases: [South Korea, ROK]\n"
    load_files(db.engine, [write_yaml(tmp_path, "one.yaml", first)])
    again = "countries:\n  - iso3: KOR\n    aliases: [rok, Republic of Korea]\n"
    load_files(db.engine, [write_yaml(tmp_path, "two.yaml", again)])


def test_the_cli_refuses_a_collision_with_exit_3(
    runner: CliRunner, db: TestDatabase, tmp_path: Path
) -> None:
    base = write_yaml(tmp_path, "base.yaml", COUNTRIES)
    assert runner.invoke(app, ["--db", db.url, "load", str(base)]).exit_code == 0
    bad = write_yaml(tmp_path, "bad.yaml", "countries:\n  - iso3: KOR\n    aliases: [JAPAN]\n")
    result = runner.invoke(app, ["--db", db.url, "load", str(bad)])
    assert result.exit_code == 3, result.output
    assert f"{bad}:3:15:" in result.output
    shown = runner.invoke(app, ["--db", db.url, "show", "Japan"])
    assert shown.exit_code == 0, shown.output


def test_the_bundled_seed_loads(seeded_db: TestDatabase) -> None:
    # The seed went through the same load (the template): no collision in it.
    with seeded_db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM countries").scalar_one() > 0
