"""Loading: idempotent upserts, one transaction for all files, every problem located."""

from __future__ import annotations

import os
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alliancekb.core.errors import InvalidDataError, UnresolvedReferenceError
from alliancekb.load.loader import load_files, statement_id
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text, snapshot, write_yaml


def _count(db: TestDatabase, model: type[m.Base]) -> int:
    with Session(db.engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_first_load_creates_every_record(db: TestDatabase, tmp_path: Path) -> None:
    report = load_text(db.engine, tmp_path, BASE)
    counts = report.counts_dict()
    assert counts["countries"]["created"] == 5
    assert counts["pillars"]["created"] == 2
    assert counts["memberships"]["created"] == 2
    assert counts["statements"]["created"] == 2
    assert counts["positions"]["created"] == 1
    assert _count(db, m.Statement) == 2


def test_loading_the_same_file_twice_changes_nothing(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    again = load_text(db.engine, tmp_path, BASE)
    assert again.changed == 0
    assert all(c["created"] == c["updated"] == 0 for c in again.counts_dict().values())
    after = snapshot(db.engine)
    assert after.pop("loads") != before.pop("loads")  # the second run is recorded ...
    after.pop("load_files")
    before.pop("load_files")
    assert after == before  # ... and nothing else moved


def test_editing_one_statement_counts_exactly_one_update(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, BASE)
    edited = BASE.replace("    stance: asserts\n", "    stance: expects\n", 1)
    report = load_text(db.engine, tmp_path, edited)
    counts = report.counts_dict()
    assert counts["statements"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert report.changed == 1
    with Session(db.engine) as session:
        stance = session.scalar(
            select(m.Statement.stance).where(m.Statement.id == "emanuel-japan-first-partner")
        )
    assert stance == "expects"


def test_changing_a_membership_status_updates_it_in_place(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, BASE)
    edited = BASE.replace("status: expected", "status: in-force")
    report = load_text(db.engine, tmp_path, edited)
    assert report.counts_dict()["memberships"]["updated"] == 1
    assert _count(db, m.Membership) == 2


def test_statement_without_id_gets_a_deterministic_id(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, BASE)
    expected = statement_id("country:USA", "2024-04~", "wsj-emanuel-2024-04")
    with Session(db.engine) as session:
        ids = set(session.scalars(select(m.Statement.id)))
    assert ids == {"emanuel-japan-first-partner", expected}


def test_speaker_named_by_alias_gives_the_same_derived_id(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, BASE)
    report = load_text(db.engine, tmp_path, BASE.replace("speaker: USA", "speaker: America"))
    assert report.counts_dict()["statements"]["created"] == 0


def test_an_error_in_the_last_record_leaves_the_database_unchanged(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    before = snapshot(db.engine)
    bad = BASE.replace("    source: wsj-emanuel-2024-04\n", "    source: wsj-emanuel-2024-04\n", 1)
    bad += """
  - speaker: rahm-emanuel
    date: 2024-02-30
    text: This date does not exist.
    stance: asserts
    source: wsj-emanuel-2024-04
"""
    bad = bad.replace("status: expected", "status: in-force")  # a change that must not land
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, bad, name="bad.yaml")
    assert snapshot(db.engine) == before
    [problem] = info.value.problems
    assert problem.file.endswith("bad.yaml")
    assert problem.where == "statements[2].date"
    assert "day 30 does not exist" in problem.message
    lines = (tmp_path / "bad.yaml").read_text().splitlines()
    assert lines[problem.line - 1].strip().startswith("date: 2024-02-30")


def test_a_problem_in_the_second_file_rolls_back_the_first(
    db: TestDatabase, tmp_path: Path
) -> None:
    before = snapshot(db.engine)
    good = write_yaml(tmp_path, "good.yaml", BASE)
    bad = write_yaml(
        tmp_path,
        "bad.yaml",
        """
        sources:
          - key: other
            title: Other
            published: 2024
            kind: unknown-kind
        """,
    )
    with pytest.raises(InvalidDataError):
        load_files(db.engine, [good, bad])
    assert snapshot(db.engine) == before


def test_dry_run_reports_the_plan_and_writes_nothing(db: TestDatabase, tmp_path: Path) -> None:
    before = snapshot(db.engine)
    report = load_files(db.engine, [write_yaml(tmp_path, "a.yaml", BASE)], dry_run=True)
    assert report.counts_dict()["statements"]["created"] == 2
    assert report.load_id is None
    assert snapshot(db.engine) == before


def test_references_may_point_forward_within_a_file(db: TestDatabase, tmp_path: Path) -> None:
    statements_first = BASE[BASE.index("statements:") :] + BASE[: BASE.index("statements:")]
    report = load_text(db.engine, tmp_path, statements_first)
    assert report.counts_dict()["statements"]["created"] == 2


def test_references_may_point_at_entities_already_in_the_database(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    report = load_text(
        db.engine,
        tmp_path,
        """
        memberships:
          - country: Britain
            scope: AUKUS
            role: founding-member
            status: in-force
            from: 2021-09-15
            sources: [wsj-emanuel-2024-04]
        """,
        name="more.yaml",
    )
    assert report.counts_dict()["memberships"]["created"] == 1


def test_an_unknown_name_is_refused_with_the_nearest_names(
    db: TestDatabase, tmp_path: Path
) -> None:
    doc = BASE.replace(
        "  - country: JPN\n    scope: AUKUS Pillar II",
        "  - country: Japn\n    scope: AUKUS Pillar II",
    )
    with pytest.raises(UnresolvedReferenceError) as info:
        load_text(db.engine, tmp_path, doc)
    assert info.value.exit_code == 4
    [problem] = info.value.problems
    assert problem.where == "memberships[1].country"
    assert "Japan (JPN)" in problem.message
    assert _count(db, m.Country) == 0


def test_an_ambiguous_name_lists_the_candidates(db: TestDatabase, tmp_path: Path) -> None:
    doc = (
        BASE
        + """
  - speaker: rahm-emanuel
    date: 2024
    text: Pillars everywhere.
    stance: asserts
    about:
      scopes: [Pillar]
    source: wsj-emanuel-2024-04
"""
    )
    doc = doc.replace(
        "        name: Submarines\n", "        name: Submarines\n        aliases: [Pillar]\n"
    )
    doc = doc.replace(
        "        name: Advanced capabilities\n",
        "        name: Advanced capabilities\n        aliases: [Pillar]\n",
    )
    with pytest.raises(UnresolvedReferenceError) as info:
        load_text(db.engine, tmp_path, doc)
    [problem] = info.value.problems
    assert "ambiguous" in problem.message
    assert "AUKUS Pillar 1 (Submarines)" in problem.message
    assert "AUKUS Pillar 2 (Advanced capabilities)" in problem.message


def test_the_same_natural_key_twice_in_one_load_is_an_error(
    db: TestDatabase, tmp_path: Path
) -> None:
    doc = (
        BASE
        + """
  - id: emanuel-japan-first-partner
    speaker: rahm-emanuel
    date: 2024
    text: A different text under the same id.
    stance: asserts
    source: wsj-emanuel-2024-04
"""
    )
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, doc)
    assert "already defined" in info.value.problems[0].message


def test_a_fact_without_a_source_is_refused(db: TestDatabase, tmp_path: Path) -> None:
    doc = BASE.replace(
        "    note: Not confirmed whether Japan joins as a full member.\n", ""
    ).replace("    from: 2024-04~\n    sources: [wsj-emanuel-2024-04]\n", "    from: 2024-04~\n")
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, doc)
    assert any("sources" in p.where for p in info.value.problems)


def test_left_out_fields_keep_their_value_and_given_lists_replace(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    report = load_text(
        db.engine,
        tmp_path,
        """
        countries:
          - iso3: GBR
            aliases: [Blighty]
        technology_areas:
          - key: quantum
            name: Quantum technologies
        """,
        name="patch.yaml",
    )
    assert report.counts_dict()["countries"]["updated"] == 1
    assert report.counts_dict()["technology_areas"]["unchanged"] == 1
    with Session(db.engine) as session:
        aliases = set(session.scalars(select(m.CountryAlias.alias)))
        area_aliases = set(session.scalars(select(m.TechnologyAreaAlias.alias)))
    assert "Blighty" in aliases
    assert "UK" not in aliases
    assert area_aliases == {"quantum technology"}


def test_norway_code_is_read_as_the_text_no_not_as_false(db: TestDatabase, tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, "countries:\n  - iso3: NO\n")
    assert "'NO' is not an ISO 3166-1 alpha-3 code" in info.value.problems[0].message


@pytest.mark.parametrize("code", ["NOR", "nor"])
def test_country_codes_are_read_as_text(db: TestDatabase, tmp_path: Path, code: str) -> None:
    load_text(db.engine, tmp_path, f"countries:\n  - iso3: {code}\n    aliases: [NO, 012]\n")
    with Session(db.engine) as session:
        aliases = set(session.scalars(select(m.CountryAlias.alias)))
    assert aliases == {"NO", "012"}


def test_a_code_that_iso_does_not_know_is_refused(db: TestDatabase, tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, "countries:\n  - iso3: XYZ\n")
    assert "ISO 3166" in info.value.problems[0].message


def test_every_load_is_recorded_with_its_files_and_counts(db: TestDatabase, tmp_path: Path) -> None:
    import hashlib

    from alliancekb.query.history import recent_loads

    path = write_yaml(tmp_path, "kb.yaml", BASE)
    report = load_files(db.engine, [path])
    with Session(db.engine) as session:
        [load] = recent_loads(session)
    assert load.id == report.load_id
    assert load.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load.created == report.changed


def test_a_file_that_cannot_be_read_is_a_clean_runtime_error(
    db: TestDatabase, tmp_path: Path
) -> None:
    from alliancekb.core.errors import RuntimeFailure

    good = write_yaml(tmp_path, "good.yaml", BASE)
    before = snapshot(db.engine)
    with pytest.raises(RuntimeFailure, match="cannot read"):
        load_files(db.engine, [good, tmp_path])  # a directory is not a readable file
    assert snapshot(db.engine) == before


@pytest.mark.parametrize(
    ("section", "word"),
    [("countries", "country"), ("sources", "source"), ("technology_areas", "technology area")],
)
def test_a_section_names_one_record_in_the_singular(section: str, word: str) -> None:
    from alliancekb.load.loader import singular

    assert singular(section) == word


# -- progress: bytes read of the file's size -----------------------------------------------


def _statements_file(tmp_path: Path, count: int) -> str:
    head = textwrap.dedent(BASE).lstrip("\n")
    lines = "".join(
        f"  - id: progress-{i}\n    speaker: USA\n    date: 2024-05\n"
        f"    text: Progress statement {i}.\n"
        f"    stance: asserts\n    source: wsj-emanuel-2024-04\n"
        for i in range(count)
    )
    return head + lines


@pytest.mark.parametrize("in_child", [False, True])
def test_progress_reports_bytes_read_of_the_files_size(
    db: TestDatabase, tmp_path: Path, in_child: bool
) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(_statements_file(tmp_path, 4000), encoding="utf-8")  # two reads of 256 KiB
    size = path.stat().st_size
    calls: list[tuple[int, int, int | None]] = []
    load_files(
        db.engine, [path], dry_run=True, child_min_bytes=0 if in_child else 1 << 40,
        progress=lambda p, records, done, total: calls.append((records, done, total)),
    )  # fmt: skip
    assert calls[0] == (0, 0, size)  # the total is known from the start
    assert calls[-1] == (4013, size, size)
    assert len(calls) >= 4  # every 500 records, then the end
    assert all(total == size for _, _, total in calls)
    done = [d for _, d, _ in calls]
    assert done == sorted(done)
    assert all(0 <= d <= size for d in done)
    assert any(0 < d < size for d in done)  # the bar moves: not full from the start
    records = [r for r, _, _ in calls]
    assert records == sorted(records)


def test_progress_of_a_pipe_has_no_total_until_it_ends(db: TestDatabase, tmp_path: Path) -> None:
    data = _statements_file(tmp_path, 1100).encode()
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    calls: list[tuple[int, int, int | None]] = []
    load_files(
        db.engine, [fifo], dry_run=True,
        progress=lambda p, records, done, total: calls.append((records, done, total)),
    )  # fmt: skip
    writer.join(timeout=60)
    assert calls[0] == (0, 0, None)
    assert [t for _, _, t in calls[:-1]] == [None] * (len(calls) - 1)
    assert any(d > 0 for _, d, _ in calls[:-1])  # bytes read, without a total
    assert calls[-1] == (1113, len(data), len(data))


def _memberships_doc(status: str, sources: str) -> str:
    """Memberships over several batches of 3: JPN's given again, under an alias, later."""
    rows = [
        ("AUS", "aukus", "founding-member", "2021-09-15"),
        ("GBR", "aukus", "founding-member", "2021-09-15"),
        ("USA", "aukus", "founding-member", "2021-09-15"),
        ("NOR", "aukus", "observer", "2023"),
        ("JPN", "AUKUS Pillar II", "partner", "2024-04~"),
        ("GBR", "AUKUS Pillar II", "partner", "2022"),
        ("NOR", "AUKUS Pillar II", "observer", "2024"),
        ("US", "aukus", "founding-member", "2021-09-15"),  # USA again: an alias, a later batch
    ]
    return "memberships:\n" + "".join(
        f"  - {{country: {c}, scope: {s}, role: {r}, status: {status}, from: '{f}',"
        f" sources: [{sources}]}}\n"
        for c, s, r, f in rows
    )


def test_memberships_read_per_batch_plan_the_same_on_a_dry_run_and_a_load(
    db: TestDatabase, tmp_path: Path
) -> None:
    more_sources = "sources:\n  - {key: second-source, title: T, published: 2024, kind: news}\n"
    load_text(db.engine, tmp_path, BASE)
    load_files(db.engine, [write_yaml(tmp_path, "src.yaml", more_sources)])
    for i, (status, sources) in enumerate(
        [
            ("in-force", "wsj-emanuel-2024-04"),  # AUS and JPN exist: the rest is new
            ("in-force", "wsj-emanuel-2024-04"),  # unchanged
            ("suspended", "wsj-emanuel-2024-04"),  # every status updated
            ("suspended", "wsj-emanuel-2024-04, second-source"),  # every source list
        ]
    ):
        path = write_yaml(tmp_path, f"m{i}.yaml", _memberships_doc(status, sources))
        before = snapshot(db.engine)
        planned = load_files(db.engine, [path], dry_run=True, batch_size=3)
        assert snapshot(db.engine) == before
        done = load_files(db.engine, [path], batch_size=3)
        assert planned.counts_dict() == done.counts_dict()
        assert load_files(db.engine, [path], batch_size=3).changed == 0
    assert _count(db, m.Membership) == 7  # BASE's two, five new: USA is US
    with Session(db.engine) as session:
        linked = session.scalar(select(func.count()).select_from(m.membership_sources))
    assert linked == 2 * 7


def test_a_key_used_again_in_a_later_batch_is_refused_as_in_the_same_batch(
    db: TestDatabase, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)

    def st(sid: str, date: str) -> str:
        given = f"id: {sid}, " if sid else ""
        return (
            f"  - {{{given}speaker: USA, speaker_label: US, date: {date}, text: 'Said.',"
            " stance: asserts, source: wsj-emanuel-2024-04}\n"
        )

    doc = "statements:\n" + "".join(
        [st("dup", "2024-01-01"), st("", "2024-01-02"), st("a", "2024-01-03"),
         st("b", "2024-01-04"), st("c", "2024-01-05"), st("dup", "2024-01-06"),
         st("", "2024-01-02"), st("d", "2024-01-07")]
    )  # fmt: skip
    path = write_yaml(tmp_path, "dups.yaml", doc)
    before = snapshot(db.engine)
    found = []
    for options in [{}, {"batch_size": 2}, {"batch_size": 2, "dry_run": True}]:
        with pytest.raises(InvalidDataError) as caught:
            load_files(db.engine, [path], **options)  # type: ignore[arg-type]
        found.append(list(caught.value.problems))
    assert found[0] == found[1] == found[2]
    assert [(p.line, p.message.split(":")[0]) for p in found[0]] == [
        (7, "the same statement (dup) is already defined at " + str(path)),
        (8, "statements by USA on 2024-01-02 from wsj-emanuel-2024-04 need an `id` each"),
    ]
    assert snapshot(db.engine) == before


def test_a_dry_run_of_what_is_stored_plans_no_change(db: TestDatabase, tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "base.yaml", BASE)
    created = load_files(db.engine, [path]).counts_dict()
    assert created["statements"]["created"] == 2
    planned = load_files(db.engine, [path], dry_run=True)
    assert planned.changed == 0
    assert planned.counts_dict()["statements"] == {"created": 0, "updated": 0, "unchanged": 2}
