"""The load format of dataset claims (issue 15): coverage windows, claims, obligations, codes.

A YAML document can say everything an import writes (`covers_from`/`covers_to` of a
dataset source, a membership `claimed_by` a dataset with its `obligations`, a country's
dated `codes`, a historic state under a user-assigned code XAA-XZZ), so a dump of an
imported knowledge base loads back equal. Each test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from alliancekb.core.errors import InvalidDataError, UnresolvedReferenceError
from alliancekb.dump.dumper import dump
from alliancekb.load.loader import load_files
from alliancekb.load.retract import membership_key
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.helpers import load_text, write_yaml
from tests.test_dump import knowledge, round_trip
from tests.test_export import exported

MakeDb = Callable[..., TestDatabase]

CLAIMS = """
sources:
  - key: cow-alliances-4.1
    title: Correlates of War Formal Interstate Alliance Dataset, version 4.1
    publisher: Correlates of War Project
    published: 2013
    kind: dataset
    covers_from: 1816
    covers_to: 2012
  - key: nato-treaty
    title: The North Atlantic Treaty
    published: 1949-04-04
    kind: government
countries:
  - iso3: DEU
    codes:
      - {scheme: cow, code: "260", from: 1955-05-05, to: 1990-10-02}
      - {scheme: cow, code: "255", from: 1990-10-03}
  - iso3: XGR
    name: German Reich
    aliases: [Germany (1871-1945)]
    codes:
      - {scheme: cow, code: "255", from: 1816-01-01, to: 1945-05-08}
  - iso3: SUN
    codes:
      - {scheme: cow, code: "365", to: 1991-12-25}
  - iso3: TUR
alliances:
  - key: nato
    name: NATO
    kind: defense-treaty
    aliases: [cow:227]
memberships:
  - country: DEU
    scope: NATO
    role: member
    status: in-force
    from: 1955-05-06
    sources: [nato-treaty]
  - country: DEU
    scope: cow:227
    role: member
    status: in-force
    from: 1955-05
    to: 1990-10-02
    claimed_by: cow-alliances-4.1
    obligations: [neutrality, defense]
    sources: [cow-alliances-4.1]
  - country: TUR
    scope: NATO
    role: member
    status: in-force
    from: 1952-02-18
    claimed_by: cow-alliances-4.1
    obligations: [defense]
    sources: [cow-alliances-4.1]
  - country: TUR
    scope: NATO
    role: member
    status: in-force
    from: 1952-02-18
    sources: [nato-treaty]
"""


def test_claims_codes_and_coverage_load(db: TestDatabase, tmp_path: Path) -> None:
    report = load_text(db.engine, tmp_path, CLAIMS)
    assert report.counts["memberships"].created == 4
    assert report.counts["countries"].created == 4
    with db.engine.connect() as conn:
        claims = sorted(
            (r.from_text, r.claim, r.obligations)
            for r in conn.execute(select(m.Membership.from_text, m.Membership.claim,
                                         m.Membership.obligations))
        )  # fmt: skip
        source = conn.execute(select(m.Source).where(m.Source.key == "cow-alliances-4.1")).one()
        codes = conn.execute(
            select(m.Country.iso3, m.CountryCode.code, m.CountryCode.from_text,
                   m.CountryCode.to_upper).join(m.Country).order_by(m.CountryCode.from_lower)
        ).all()  # fmt: skip
        reich = conn.execute(select(m.Country.name).where(m.Country.iso3 == "XGR")).scalar_one()
    # The knowledge base's own record and the dataset's claim are two records.
    assert claims == [
        ("1952-02-18", "", ""),
        ("1952-02-18", "cow-alliances-4.1", "defense"),
        ("1955-05", "cow-alliances-4.1", "defense; neutrality"),  # vocabulary order
        ("1955-05-06", "", ""),
    ]
    assert (source.covers_from, source.covers_to) == ("1816", "2012")
    assert str(source.covers_to_upper) == "2012-12-31"
    assert sorted((iso3, code, start) for iso3, code, start, _ in codes) == [
        ("DEU", "255", "1990-10-03"),
        ("DEU", "260", "1955-05-05"),
        ("SUN", "365", ""),
        ("XGR", "255", "1816-01-01"),
    ]
    assert reich == "German Reich"
    # Idempotent: a second load changes nothing.
    before = knowledge(db.engine)
    assert load_text(db.engine, tmp_path, CLAIMS).changed == 0
    assert knowledge(db.engine) == before


def test_claims_round_trip_through_dump(
    db: TestDatabase, make_database: MakeDb, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, CLAIMS)
    out = round_trip(db, make_database, tmp_path)
    text = out.read_text(encoding="utf-8")
    assert "claimed_by: cow-alliances-4.1" in text
    assert "covers_to: '2012'" in text or "covers_to: 2012" in text
    assert "scheme: cow" in text
    tables = knowledge(db.engine)
    assert len(tables["country_codes"]) == 4
    # No obligations recorded: absent (None; the export's one rule for an absent value).
    assert {row[-2] for row in tables["memberships"]} == {None, "defense", "defense; neutrality"}


def test_changed_obligations_and_codes_update(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, CLAIMS)
    changed = CLAIMS.replace("obligations: [neutrality, defense]", "obligations: [defense]")
    changed = changed.replace(
        'code: "255", from: 1990-10-03}', 'code: "255", from: 1990-10-03, to: 2016}'
    )
    report = load_text(db.engine, tmp_path, changed)
    assert report.counts["memberships"].updated == 1
    assert report.counts["countries"].updated == 1
    assert report.changed == 2
    # Codes and obligations left out keep what is stored.
    kept = changed.replace("    obligations: [defense]\n", "", 1)
    kept = kept.replace(
        """    codes:
      - {scheme: cow, code: "365", to: 1991-12-25}
""",
        "",
    )
    assert load_text(db.engine, tmp_path, kept).changed == 0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("iso3: XGR\n    name: German Reich", None),  # fine: the control
        ("iso3: XGR\n    nome: German Reich", "nome"),
        ("iso3: QQQ\n    name: German Reich", "not an ISO 3166-1 alpha-3 code"),
        ("iso3: XGR\n    iso2: XG\n    name: German Reich", "ISO gives it no iso2"),
    ],
)
def test_user_assigned_codes(
    db: TestDatabase, tmp_path: Path, bad: str, message: str | None
) -> None:
    doc = CLAIMS.replace("iso3: XGR\n    name: German Reich", bad)
    if message is None:
        load_text(db.engine, tmp_path, doc)
        return
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, doc)
    assert message in str(info.value.problems), info.value.problems


def test_user_assigned_code_needs_a_name(db: TestDatabase, tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, "countries:\n  - iso3: XPR\n")
    assert "give the state's name" in str(info.value.problems)
    # Former ISO codes (ISO 3166-3) need nothing more.
    report = load_text(
        db.engine, tmp_path, "countries:\n  - iso3: DDR\n  - iso3: CSK\n  - iso3: YUG\n"
    )
    assert report.counts["countries"].created == 3


def test_claim_must_be_a_dataset(db: TestDatabase, tmp_path: Path) -> None:
    doc = CLAIMS.replace("claimed_by: cow-alliances-4.1\n    obligations: [defense]",
                         "claimed_by: nato-treaty\n    obligations: [defense]")  # fmt: skip
    path = write_yaml(tmp_path, "doc.yaml", doc)
    with pytest.raises(InvalidDataError) as info:
        load_files(db.engine, [path])
    problem = info.value.problems[0]
    assert "not a source of kind `dataset`" in problem.message
    assert problem.where.endswith(".claimed_by")
    line = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert "claimed_by: nato-treaty" in line
    with pytest.raises(UnresolvedReferenceError):
        load_text(
            db.engine,
            tmp_path,
            CLAIMS.replace(
                "claimed_by: cow-alliances-4.1\n    obligations: [defense]",
                "claimed_by: cow-9\n    obligations: [defense]",
            ),
        )


def test_bad_codes_are_located(db: TestDatabase, tmp_path: Path) -> None:
    for bad, message in [
        ('code: "0255"', "not a COW country code"),
        ('code: "255", from: 1990-10-03, to: 1980', "is after 'to'"),
        ("scheme: gw", "scheme"),
    ]:
        doc = CLAIMS.replace('code: "255", from: 1990-10-03', bad, 1)
        path = write_yaml(tmp_path, "codes.yaml", doc)
        with pytest.raises(InvalidDataError) as info:
            load_files(db.engine, [path])
        problems = info.value.problems
        assert message in str(problems), problems
        assert problems[0].where.startswith("countries[0].codes[1]"), problems
    # The same code from the same date given to a second country: refused where it is.
    taken = CLAIMS.replace('code: "365", to: 1991-12-25', 'code: "255", from: 1990-10-03')
    with pytest.raises(InvalidDataError) as info:
        load_text(db.engine, tmp_path, taken)
    assert "already the code of DEU" in str(info.value.problems)


def test_retracting_a_claim_names_it(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, CLAIMS)
    retraction = """
retracted:
  - kind: membership
    country: TUR
    scope: NATO
    role: member
    from: 1952-02-18
    claimed_by: cow-alliances-4.1
    reason: test
"""
    load_text(db.engine, tmp_path, retraction, name="retract.yaml")
    with db.engine.connect() as conn:
        claims = (
            conn.execute(select(m.Membership.claim).join(m.Country).where(m.Country.iso3 == "TUR"))
            .scalars()
            .all()
        )
        keys = conn.execute(select(m.Retraction.key)).scalars().all()
    assert claims == [""]  # the knowledge base's own record stays
    assert keys == [membership_key("TUR", "nato", "member", "1952-02-18", "cow-alliances-4.1")]
    assert keys == ["TUR|nato|member|1952-02-18|cow-alliances-4.1"]
    # A reload of the claim is skipped, not brought back; a dump carries the retraction.
    report = load_text(db.engine, tmp_path, CLAIMS)
    assert report.counts["memberships"].retracted == 1
    out = tmp_path / "dump.yaml"
    dump(db.engine, out)
    assert "claimed_by: cow-alliances-4.1\n    reason: test" in out.read_text(encoding="utf-8")
    assert exported(db.engine)["retractions"]
