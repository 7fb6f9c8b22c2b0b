"""Name resolution in memory: the NameIndex that loads and queries share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.core.errors import NameResolutionError
from alliancekb.core.names import Match, _normalize_unicode, match_kind, normalize
from alliancekb.store.entities import ALIASED, EntityKind
from alliancekb.store.resolve import (
    ALL_KINDS,
    SCOPE_KINDS,
    Kind,
    NameIndex,
    Ref,
    load_index,
    resolve_one,
)
from tests.conftest import TestDatabase
from tests.helpers import load_text

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


# -- suggestions ranked by the kind of match (issue 32, row 6) ------------------------------

INDONESIA = Ref(Kind.COUNTRY, 31, "Indonesia (IDN)")
BENIN = Ref(Kind.COUNTRY, 32, "Benin (BEN)")
BIDEN = Ref(Kind.OFFICIAL, 33, "Joe Biden")
MARCOS = Ref(Kind.OFFICIAL, 34, "Ferdinand Marcos Jr.")
MACAO = Ref(Kind.COUNTRY, 35, "Macao (MAC)")


def _people_and_countries() -> NameIndex:
    index = NameIndex()
    index.put(INDONESIA, ["IDN", "Indonesia"])
    index.put(BENIN, ["BEN", "Benin"])
    index.put(BIDEN, ["joe-biden", "Joe Biden"])
    index.put(MARCOS, ["Ferdinand Marcos Jr.", "Bongbong Marcos"])
    index.put(MACAO, ["MAC", "Macao"])
    return index


def test_a_word_of_a_persons_name_is_suggested_before_names_only_similar() -> None:
    # `idn` and `ben` are more similar to `biden` than `joe biden` is, letter by letter
    assert _people_and_countries().nearest("Biden") == [BIDEN.label, INDONESIA.label, BENIN.label]
    with pytest.raises(NameResolutionError) as caught:
        _people_and_countries().resolve("Biden")
    assert "did you mean: Joe Biden, " in str(caught.value)


def test_suggestions_rank_whole_words_then_beginnings_then_similarity() -> None:
    index = _people_and_countries()
    index.put(Ref(Kind.OFFICIAL, 36, "Marco Rubio"), ["Marco Rubio"])
    # a whole word (Marco Rubio), a word's beginning (Marcos), then Macao, only similar
    assert index.nearest("marco") == ["Marco Rubio", MARCOS.label, MACAO.label]
    assert index.nearest("Indo") == [INDONESIA.label]
    assert index.nearest("Japn") == []  # nothing near enough is not a suggestion


@pytest.mark.parametrize(
    ("wanted", "name", "kind"),
    [("joe biden", "joe biden", Match.EXACT), ("biden", "joe biden", Match.WHOLE_WORDS),
     ("joe", "joe biden", Match.WHOLE_WORDS), ("pillar 2", "aukus pillar 2", Match.WHOLE_WORDS),
     ("jap", "japan", Match.PREFIX), ("bid", "joe biden", Match.PREFIX),
     ("iden", "joe biden", Match.SIMILAR), ("japn", "japan", Match.SIMILAR),
     ("", "japan", Match.SIMILAR)],
)  # fmt: skip
def test_the_kind_of_match_of_a_name(wanted: str, name: str, kind: Match) -> None:
    assert match_kind(wanted, name) is kind


_WORDS = st.from_regex(r"[a-e]{1,4}( [a-e]{1,4}){0,2}", fullmatch=True)


@given(wanted=_WORDS, names=st.lists(_WORDS, min_size=1, max_size=12, unique=True))
def test_suggestions_never_put_a_weaker_kind_of_match_first(wanted: str, names: list[str]) -> None:
    index = NameIndex()
    for i, name in enumerate(names):
        index.put(Ref(Kind.COUNTRY, i, name), [name])
    kinds = [match_kind(wanted, label) for label in index.nearest(wanted, n=len(names))]
    assert kinds == sorted(kinds)
    # and every name that matches by words is among them (up to the number asked)
    by_words = [n for n in names if match_kind(wanted, n) < Match.SIMILAR]
    assert set(by_words) <= set(index.nearest(wanted, n=len(names)))


def test_show_a_word_of_a_persons_name_suggests_the_person_first(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    biden = runner.invoke(app, ["--db", seeded_db.url, "show", "Biden"])
    assert biden.exit_code == 4, biden.output
    assert "unknown entity 'Biden'; did you mean: Joe Biden, " in biden.output
    japan = runner.invoke(app, ["--db", seeded_db.url, "show", "Japn"])
    assert japan.exit_code == 4, japan.output
    assert "did you mean: Japan (JPN), " in japan.output


def _answer(resolve: Callable[..., Ref], *args: Any) -> Ref | str:
    try:
        return resolve(*args)
    except NameResolutionError as exc:
        return f"{exc.ambiguous} {exc}"


#: An official and a technology area of one normal form ("ota kenji"), one spelt with a
#: letter past ASCII (its normal form is Python's alone): the name is ambiguous.
NAMESAKES = """\
technology_areas:
  - {key: ota-kenji, name: Ota Kenji}
  - {key: kestrel-osprey, name: "Kestrel–Osprey “Accord”"}
officials:
  - {key: osaka-envoy, name: Ōta Kenji}
"""


def test_the_separators_a_name_may_hold_as_if_ascii_are_spaces_in_its_normal_form() -> None:
    """`resolve_one` reads a name holding only these past ASCII (the en dash of the names
    the dataset imports give) as an ASCII name: their normal form must be a space."""
    import unicodedata

    from alliancekb.store.resolve import SEPARATORS

    for c in SEPARATORS:
        assert unicodedata.normalize("NFKD", c) == c.casefold() == c
        assert normalize(f"Kestrel{c}Osprey{c}") == "kestrel osprey"


def test_resolving_one_name_answers_as_the_full_index_for_every_name(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    """`resolve_one` reads only the entities that may bear a name; for every stored name
    (as stored, in capitals, with "the", joined with its alliance's for a pillar), a
    pillar number, an ISO 3166 name, a misspelling and names of no entity, its answer (or
    its error: ambiguous or not, the names it suggests) is the full index's."""
    from sqlalchemy import select

    from alliancekb.store import tables as t
    from alliancekb.store.db import read_session
    from alliancekb.store.entities import ENTITIES

    load_text(seeded_db.engine, tmp_path, NAMESAKES)
    with read_session(seeded_db.engine) as session:
        full = load_index(session)
        names = set(full.all_names(ALL_KINDS))
        for entity in ENTITIES.values():
            table = t.table(entity.table)
            for column in entity.name_columns:
                names.update(v for v in session.scalars(select(table.c[column])) if v)
        names.update(a for e in ALIASED for a in session.scalars(select(_alias_column(e))))
        stored = sorted(names)
        # Every non-ASCII name (its normal form is Python's alone), a share of the rest.
        typed = [n for n in stored if not n.isascii()] + stored[::4]
        typed += [n.upper() for n in stored[1::16]] + [f"the {n}" for n in stored[2::16]]
        typed += [
            "pillar 2",
            "Pillar II",
            "pillar two",
            "Pillar 13",
            "Viet Nam",
            "Korea, Republic of",
        ]
        typed += [
            "Ota Kenji",
            "ŌTA KENJI",
            "Japn",
            "the",
            "---",
            "",
            "Türkiye",
            "Cote d'Ivoire",
            "nosuch",
            "AUKUS pilar 2",
            # words of names whose only characters past ASCII are dashes (SEPARATORS)
            "Japan",
            "United Kingdom",
            "US Japan Security Treaty",
            "us-japan security treaty",
            "Australia United Kingdom United States enhanced trilateral security partnership",
            "Kestrel Osprey Accord",
            "Osprey",
        ]
        for kinds in (ALL_KINDS, SCOPE_KINDS, frozenset({Kind.COUNTRY}), frozenset({Kind.PILLAR})):
            index = load_index(session, kinds)
            for name in typed if kinds == ALL_KINDS else typed[::5]:
                expected = _answer(index.resolve, name, kinds)
                got = _answer(resolve_one, session, name, kinds)
                assert got == expected, (name, kinds)


def _alias_column(entity: EntityKind) -> Any:
    from alliancekb.store import tables as t

    assert entity.alias_owner_name is not None
    return t.table(f"{entity.alias_owner_name}_aliases").c.alias
