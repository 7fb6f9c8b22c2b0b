"""Name resolution in memory: the NameIndex that loads and queries share."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliancekb.core.errors import NameResolutionError
from alliancekb.core.names import _normalize_unicode, normalize
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref

AUKUS = Ref(Kind.ALLIANCE, 1, "AUKUS", scope_id=10)
PILLAR_2 = Ref(Kind.PILLAR, 7, "AUKUS Pillar 2 (Advanced Capabilities)", scope_id=11)
QUAD = Ref(Kind.ALLIANCE, 2, "Quad", scope_id=20)
QUAD_PILLAR_2 = Ref(Kind.PILLAR, 8, "Quad Pillar 2 (Health)", scope_id=21)


def _index() -> NameIndex:
    index = NameIndex()
    index.put(AUKUS, ["aukus", "AUKUS", "Australia-UK-US Partnership"], ["a u k"])
    index.put_pillar(1, 2, PILLAR_2, ["Advanced Capabilities"], ["pillar two alias"])
    index.put(QUAD, ["quad", "Quadrilateral Security Dialogue"])
    index.put_pillar(2, 2, QUAD_PILLAR_2, ["Health"])
    return index


@pytest.mark.parametrize(
    "name",
    [
        "AUKUS Pillar 2",
        "aukus/pillar-2",
        "AUKUS pillar II",
        "AUKUS Pillar Two",
        "Australia-UK-US Partnership: Advanced Capabilities",
        "A-U-K pillar two alias",
        "Advanced Capabilities",
    ],
)
def test_a_pillar_is_found_by_alliance_name_plus_pillar_name(name: str) -> None:
    assert _index().resolve(name, SCOPE_KINDS) == PILLAR_2


def test_a_bare_pillar_number_shared_by_two_alliances_is_ambiguous() -> None:
    with pytest.raises(NameResolutionError) as caught:
        _index().resolve("Pillar 2", SCOPE_KINDS)
    assert "AUKUS Pillar 2" in str(caught.value)
    assert "Quad Pillar 2" in str(caught.value)


def test_renaming_an_alliance_renames_its_pillars_combined_names() -> None:
    index = _index()
    index.put(AUKUS, ["aukus", "Trilateral Pact"])
    assert index.resolve("Trilateral Pact Pillar 2", SCOPE_KINDS) == PILLAR_2
    assert index.candidates("Australia-UK-US Partnership Pillar 2", SCOPE_KINDS) == []


def test_a_combined_name_is_not_a_match_for_other_kinds() -> None:
    assert _index().candidates("AUKUS Pillar 2", {Kind.ALLIANCE, Kind.COUNTRY}) == []


def test_a_misspelt_combined_name_suggests_the_pillar() -> None:
    assert _index().nearest("AUKUS Pilar 2", SCOPE_KINDS)[0] == PILLAR_2.label


def test_stored_normal_forms_are_taken_as_they_are() -> None:
    index = NameIndex()
    index.put(Ref(Kind.COUNTRY, 5, "Norway (NOR)"), ["NOR"], ["kongeriket norge"])
    assert index.resolve("Kongeriket Norge", {Kind.COUNTRY}).id == 5


@given(
    alliance=st.from_regex(r"[A-Za-z]{1,8}( [A-Za-z]{1,8}){0,3}", fullmatch=True),
    pillar=st.from_regex(r"[A-Za-z]{1,8}( [A-Za-z]{1,8}){0,3}", fullmatch=True),
)
def test_every_alliance_and_pillar_name_pair_names_the_pillar(alliance: str, pillar: str) -> None:
    index = NameIndex()
    index.put(AUKUS, [alliance])
    index.put_pillar(1, 3, PILLAR_2, [pillar])
    assert PILLAR_2 in index.candidates(f"{alliance} {pillar}", SCOPE_KINDS)
    assert PILLAR_2 in index.candidates(f"{alliance} Pillar III", SCOPE_KINDS)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_shortcut_of_normalize_agrees_with_the_unicode_path(name: str) -> None:
    assert normalize(name) == _normalize_unicode(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("São Tomé", "sao tome"), ("Côte d'Ivoire", "cote d ivoire"),
     ("AUKUS/Pillar-2", "aukus pillar 2"), ("ＮＡＴＯ", "nato"), ("Straße", "strasse"),
     ("  Five_Eyes ", "five eyes")],
)  # fmt: skip
def test_normalize_folds_case_accents_and_punctuation(name: str, expected: str) -> None:
    assert normalize(name) == expected
