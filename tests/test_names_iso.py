"""Names people use that are not stored: ISO 3166 names and a leading "the".

Through the CLI on the seed, on every backend, and on the NameIndex in memory (a stored
name wins; an ambiguity stays an error that lists the candidates).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.errors import NameResolutionError
from alliancekb.core.names import iso_country_names
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref
from tests.conftest import TestDatabase


def _invoke(db: TestDatabase, runner: CliRunner, *args: str) -> object:
    return runner.invoke(app, ["--db", db.url, *args, "--format", "json"])


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Viet Nam", "VNM"),  # ISO short name
        ("Socialist Republic of Viet Nam", "VNM"),  # ISO official name
        ("Korea, Republic of", "KOR"),
        ("the Republic of Korea", "KOR"),  # not ISO's; the seed's alias after "the"
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("The United States of America", "USA"),
        ("the Philippines", "PHL"),
        ("Vietnam", "VNM"),  # the stored name, as before
    ],
)
def test_show_finds_a_country_by_its_iso_names(
    seeded_db: TestDatabase, runner: CliRunner, name: str, iso3: str
) -> None:
    result = _invoke(seeded_db, runner, "show", name)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    card = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert card["fields"]["iso3"] == iso3


@pytest.mark.parametrize("name", ["the quad", "The Quad", "the QUAD", "Quad"])
def test_members_accepts_a_leading_the(
    seeded_db: TestDatabase, runner: CliRunner, name: str
) -> None:
    result = _invoke(seeded_db, runner, "members", name)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    rows = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert {r["iso3"] for r in rows} >= {"AUS", "IND", "JPN", "USA"}


def test_the_alone_and_unknown_names_are_still_unknown(
    seeded_db: TestDatabase, runner: CliRunner
) -> None:
    for name in ("the", "the zzyzx", "Korea"):
        result = _invoke(seeded_db, runner, "show", name)
        assert result.exit_code == 4, result.output  # type: ignore[attr-defined]
        assert "unknown" in result.stderr  # type: ignore[attr-defined]


# -- in memory --------------------------------------------------------------------------------

AUKUS = Ref(Kind.ALLIANCE, 1, "AUKUS", scope_id=10)
QUAD = Ref(Kind.ALLIANCE, 2, "Quad", scope_id=20)
VIETNAM = Ref(Kind.COUNTRY, 3, "Vietnam (VNM)")
GEORGIA = Ref(Kind.COUNTRY, 4, "Georgia (GEO)")


def _index() -> NameIndex:
    index = NameIndex()
    index.put(AUKUS, ["aukus"])
    index.put_pillar(1, 2, Ref(Kind.PILLAR, 7, "AUKUS Pillar 2", 11), ["Advanced"])
    index.put(QUAD, ["quad"])
    index.put_pillar(2, 2, Ref(Kind.PILLAR, 8, "Quad Pillar 2", 21), ["Health"])
    index.put(VIETNAM, ["VNM", "Vietnam", "VN"])
    index.put(GEORGIA, ["GEO", "Georgia"])
    return index


def test_an_ambiguous_name_after_the_lists_its_candidates() -> None:
    with pytest.raises(NameResolutionError) as caught:
        _index().resolve("the pillar 2", SCOPE_KINDS)
    assert "AUKUS Pillar 2" in str(caught.value)
    assert "Quad Pillar 2" in str(caught.value)


def test_a_stored_name_wins_over_the_iso_names() -> None:
    index = _index()
    # "Viet Nam" is ISO's; once stored for another entity, that entity is meant.
    other = Ref(Kind.COUNTRY, 9, "Other (OTH)")
    index.put(other, ["OTH", "Viet Nam"])
    assert index.resolve("Viet Nam", {Kind.COUNTRY}) == other
    assert index.resolve("Socialist Republic of Viet Nam", {Kind.COUNTRY}) == VIETNAM


def test_iso_names_only_name_countries_that_are_stored() -> None:
    index = _index()
    assert index.candidates("Viet Nam", {Kind.COUNTRY}) == [VIETNAM]
    assert index.candidates("Viet Nam", SCOPE_KINDS) == []
    assert index.candidates("Korea, Republic of", {Kind.COUNTRY}) == []  # KOR not stored


def test_iso_names_are_in_normal_form() -> None:
    names = iso_country_names()
    assert names["viet nam"] == {"vnm"}
    assert names["korea republic of"] == {"kor"}
    assert "vietnam" in names  # common_name
