"""Alliance-portfolio similarity (panel/similarity.py): the tie coding, S, kappa and pi.

Hand computations are written out in the comments; docs/similarity.md has the formulas.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliancekb.core.errors import UsageError
from alliancekb.core.vocab import Obligation
from alliancekb.panel.similarity import (
    TIE_LEVELS,
    Distance,
    Measure,
    Portfolios,
    SimilarityError,
    build_portfolios,
    cohen_kappa,
    dyad_similarities,
    s_score,
    scott_pi,
    similarity,
    tie_level,
)
from tests.test_import import COW_DIR, needs_cow

DEF = frozenset({"defense"})
NONAGG = frozenset({"nonaggression"})
ENTENTE = frozenset({"entente"})
NONE: frozenset[str] = frozenset()

# The worked example of docs/similarity.md. Four states; three alliances:
#   a defense pact of USA, GBR, FRA; a nonaggression pact of GBR and RUS; an entente of
#   FRA and RUS. Portfolios over (USA, GBR, FRA, RUS), a state's tie to itself 3:
#     USA (3, 3, 3, 0)    GBR (3, 3, 3, 2)    FRA (3, 3, 3, 1)    RUS (0, 2, 1, 3)
SYSTEM = ("USA", "GBR", "FRA", "RUS")
ALLIANCES: list[Mapping[str, frozenset[str]]] = [
    {"USA": DEF, "GBR": DEF, "FRA": DEF},
    {"GBR": NONAGG, "RUS": NONAGG},
    {"FRA": ENTENTE, "RUS": ENTENTE},
]


@pytest.fixture
def example() -> Portfolios:
    return build_portfolios(SYSTEM, ALLIANCES)


# -- tie coding ---------------------------------------------------------------------------


def test_tie_level_is_the_highest_obligations_level() -> None:
    assert tie_level([]) == 0
    assert tie_level(["entente"]) == 1
    assert tie_level(["neutrality"]) == 2
    assert tie_level(["nonaggression"]) == 2
    assert tie_level(["defense"]) == 3
    assert tie_level(["entente", "nonaggression", "defense"]) == 3
    assert tie_level(frozenset({"entente", "neutrality"})) == 2


def test_offense_ranks_with_defense_and_consultation_with_entente() -> None:
    assert tie_level(["offense"]) == 3
    assert tie_level(["consultation"]) == 1
    assert tie_level(["consultation", "neutrality"]) == 2


def test_every_obligation_of_the_vocabulary_has_a_level() -> None:
    assert set(TIE_LEVELS) == {o.value for o in Obligation}
    assert tie_level([Obligation.DEFENSE]) == 3


def test_tie_level_takes_other_rankings() -> None:
    # e.g. a ranking that puts consultation beside neutrality
    levels = {**TIE_LEVELS, "consultation": 2}
    assert tie_level(["consultation"], levels) == 2


def test_tie_level_refuses_an_unknown_obligation() -> None:
    with pytest.raises(SimilarityError, match="unknown obligation 'alliance'"):
        tie_level(["alliance"])


def test_tie_level_refuses_one_string_instead_of_a_collection() -> None:
    with pytest.raises(SimilarityError, match="not the one string 'defense'"):
        tie_level("defense")


def test_tie_level_refuses_a_level_off_the_scale() -> None:
    with pytest.raises(SimilarityError, match="levels are 0 to 3"):
        tie_level(["defense"], {"defense": 4})


def test_portfolios_follow_the_system_order_with_self_ties_of_3(example: Portfolios) -> None:
    assert example.vector("USA") == (3, 3, 3, 0)
    assert example.vector("GBR") == (3, 3, 3, 2)
    assert example.vector("FRA") == (3, 3, 3, 1)
    assert example.vector("RUS") == (0, 2, 1, 3)
    assert example.tie("RUS", "RUS") == 3
    assert example.tie("USA", "RUS") == 0


def test_a_dyad_takes_its_highest_tie_over_the_alliances_both_are_in() -> None:
    portfolios = build_portfolios(
        ["A", "B", "C"],
        [{"A": ENTENTE, "B": ENTENTE}, {"A": DEF, "B": DEF, "C": DEF}, {"A": NONAGG, "B": NONAGG}],
    )
    assert portfolios.tie("A", "B") == 3
    assert portfolios.tie("B", "A") == 3


def test_an_asymmetric_alliance_ties_at_either_members_obligations() -> None:
    # COW codes Belgium-France 1832 (alliance 11) as a defense dyad though only France
    # carries the defense obligation: the union of the two members' obligations.
    portfolios = build_portfolios(["BEL", "FRN"], [{"BEL": NONE, "FRN": DEF}])
    assert portfolios.tie("BEL", "FRN") == 3


def test_members_outside_the_system_are_left_out() -> None:
    portfolios = build_portfolios(["A", "B"], [{"A": DEF, "X": DEF}, {"A": ENTENTE, "B": ENTENTE}])
    assert portfolios.vector("A") == (3, 1)
    assert "X" not in portfolios.ties


def test_a_member_outside_the_system_still_needs_known_obligations() -> None:
    with pytest.raises(SimilarityError, match="unknown obligation"):
        build_portfolios(["A", "B"], [{"X": frozenset({"friendship"}), "A": DEF}])


def test_a_state_system_needs_two_distinct_states() -> None:
    with pytest.raises(SimilarityError, match="at least two states"):
        build_portfolios(["A"], [])
    with pytest.raises(SimilarityError, match="listed twice in the system: A"):
        build_portfolios(["A", "B", "A"], [])


def test_a_state_outside_the_system_is_a_clear_usage_error(example: Portfolios) -> None:
    with pytest.raises(SimilarityError, match="'DEU' is not in the state system") as caught:
        similarity(example, "USA", "DEU")
    assert isinstance(caught.value, UsageError)
    assert caught.value.exit_code == 2
    with pytest.raises(SimilarityError, match="'DEU' is not in the state system"):
        example.vector("DEU")


# -- S ------------------------------------------------------------------------------------


def test_s_on_the_worked_example_equals_the_hand_computation(example: Portfolios) -> None:
    # USA-RUS: Σ|a-b| = |3-0| + |3-2| + |3-1| + |0-3| = 3+1+2+3 = 9; S = 1 - 2·9/(3·4) = -0.5
    assert similarity(example, "USA", "RUS") == pytest.approx(-0.5)
    # USA-GBR: Σ|a-b| = 0+0+0+2 = 2; S = 1 - 4/12 = 2/3
    assert similarity(example, "USA", "GBR") == pytest.approx(2 / 3)
    # GBR-FRA: Σ|a-b| = 0+0+0+1 = 1; S = 1 - 2/12 = 5/6
    assert similarity(example, "GBR", "FRA") == pytest.approx(5 / 6)
    # squared distances: USA-RUS Σ(a-b)² = 9+1+4+9 = 23; S = 1 - 2·23/(9·4) = -5/18
    assert similarity(example, "USA", "RUS", distance=Distance.SQUARED) == pytest.approx(-5 / 18)


def test_two_states_with_identical_portfolios_have_s_kappa_and_pi_1() -> None:
    # A and B are each other's only ally: both (3, 3, 0). kappa: N=3, Σa=Σb=6, Σa²=Σb²=18,
    # D_e·N = 3·36 - 2·36 = 36 > 0, D_o = 0, so kappa = 1; pi likewise.
    portfolios = build_portfolios(["A", "B", "C"], [{"A": DEF, "B": DEF}])
    for measure in Measure:
        assert similarity(portfolios, "A", "B", measure) == pytest.approx(1.0)


def test_s_dense_and_portfolio_forms_agree_on_the_example(example: Portfolios) -> None:
    for a in SYSTEM:
        for b in SYSTEM:
            dense = s_score(example.vector(a), example.vector(b))
            assert similarity(example, a, b) == pytest.approx(dense)


# Signorino and Ritter (1999), Table 5: pairs of portfolios on the 0-3 scale and their S, as
# the unit tests of Signorino's own S-score code hold them (jrnold/r-strat,
# inst/unitTests/runit.SScore.R; docs/similarity.md).
TABLE_5 = [
    ("a", [0, 1, 2, 3], [3, 2, 1, 0], -1 / 3),
    ("b", [1, 2, 2, 3], [3, 2, 2, 1], 1 / 3),
    ("c", [2, 2, 3, 3], [3, 3, 2, 2], 1 / 3),
    ("d", [3, 3, 3, 3], [3, 3, 3, 3], 1.0),
    ("e", [0] * 10 + [0, 3], [0] * 10 + [3, 0], 2 / 3),
    ("f", [0] + [1] * 10 + [3], [3] + [1] * 10 + [0], 2 / 3),
    ("g", [0] + [2] * 10 + [3], [3] + [2] * 10 + [0], 2 / 3),
    ("h", [0, 3] + [3] * 10, [3, 0] + [3] * 10, 2 / 3),
]


@pytest.mark.parametrize(("case", "a", "b", "expected"), TABLE_5, ids=[t[0] for t in TABLE_5])
def test_s_reproduces_signorino_and_ritters_table_5(
    case: str, a: list[int], b: list[int], expected: float
) -> None:
    assert s_score(a, b) == pytest.approx(expected), case


def test_weighted_s_weighs_each_states_difference() -> None:
    # a = (3, 0), b = (0, 0), weights (1, 3): d = 1·3 + 3·0 = 3, d_max = 3·(1+3) = 12;
    # S = 1 - 2·3/12 = 0.5 (unweighted: 1 - 2·3/6 = 0)
    assert s_score([3, 0], [0, 0], weights=[1.0, 3.0]) == pytest.approx(0.5)
    assert s_score([3, 0], [0, 0]) == pytest.approx(0.0)


def test_weighted_s_on_portfolios_takes_weights_by_state(example: Portfolios) -> None:
    weights = {"USA": 0.4, "GBR": 0.2, "FRA": 0.2, "RUS": 0.2, "ITA": 5.0}
    # USA-RUS: d = 0.4·3 + 0.2·1 + 0.2·2 + 0.2·3 = 2.4; d_max = 3·1.0; S = 1 - 4.8/3 = -0.6
    assert similarity(example, "USA", "RUS", weights=weights) == pytest.approx(-0.6)


def test_weighted_s_with_equal_weights_equals_unweighted(example: Portfolios) -> None:
    equal = dict.fromkeys(SYSTEM, 0.25)
    for a, b, value in dyad_similarities(example):
        assert similarity(example, a, b, weights=equal) == pytest.approx(value)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"USA": 1.0, "GBR": 1.0, "FRA": 1.0}, r"no weight for 1 state\(s\) of the system: RUS"),
        ({"USA": 1.0, "GBR": -1.0, "FRA": 1.0, "RUS": 1.0}, "finite and not negative"),
        ({"USA": math.nan, "GBR": 1.0, "FRA": 1.0, "RUS": 1.0}, "finite and not negative"),
        (dict.fromkeys(SYSTEM, 0.0), "weights sum to 0"),
    ],
)
def test_weighted_s_refuses_missing_negative_or_all_zero_weights(
    example: Portfolios, weights: dict[str, float], message: str
) -> None:
    with pytest.raises(SimilarityError, match=message):
        similarity(example, "USA", "RUS", weights=weights)


def test_dense_s_refuses_weights_of_another_length() -> None:
    with pytest.raises(SimilarityError, match="1 weights for 2 states"):
        s_score([3, 0], [0, 0], weights=[1.0])


def test_dense_measures_refuse_vectors_of_different_lengths_short_or_off_scale() -> None:
    with pytest.raises(SimilarityError, match="different lengths: 2 and 3"):
        s_score([3, 0], [3, 0, 0])
    with pytest.raises(SimilarityError, match="at least two states"):
        cohen_kappa([3], [3])
    with pytest.raises(SimilarityError, match="tie level 4 is not one of"):
        scott_pi([3, 4], [3, 0])


# -- kappa and pi -------------------------------------------------------------------------


def test_kappa_and_pi_on_the_worked_example_equal_the_hand_computation(
    example: Portfolios,
) -> None:
    # USA (3,3,3,0) and GBR (3,3,3,2); N = 4.
    # Observed disagreement D_o = Σ(a-b)²/N = (0+0+0+4)/4 = 1.
    # kappa: expected disagreement over every pairing of a USA tie with a GBR tie,
    #   D_e = ΣΣ(a_i - b_j)²/N²: a_i = 3 against (3,3,3,2) gives 0+0+0+1 = 1, three times: 3;
    #   a_i = 0 against (3,3,3,2) gives 9+9+9+4 = 31; D_e = 34/16 = 2.125;
    #   kappa = 1 - 1/2.125 = 9/17.
    # pi: the 8 ties pooled (3,3,3,0,3,3,3,2): mean 20/8 = 2.5, variance 58/8 - 2.5² = 1;
    #   D_e = 2·variance = 2 (every ordered pair of pooled ties); pi = 1 - 1/2 = 0.5.
    usa, gbr = example.vector("USA"), example.vector("GBR")
    assert cohen_kappa(usa, gbr) == pytest.approx(9 / 17)
    assert scott_pi(usa, gbr) == pytest.approx(0.5)
    assert similarity(example, "USA", "GBR", Measure.KAPPA) == pytest.approx(9 / 17)
    assert similarity(example, "USA", "GBR", Measure.PI) == pytest.approx(0.5)
    # USA (3,3,3,0) and RUS (0,2,1,3): Σa = 9, Σb = 6, Σa² = 27, Σb² = 14, Σ(a-b)² = 23.
    # kappa = 1 - 4·23/(4·41 - 2·9·6) = 1 - 92/56 = -9/14
    # pi = 1 - 8·23/(8·41 - 15²) = 1 - 184/103 = -81/103
    assert similarity(example, "USA", "RUS", Measure.KAPPA) == pytest.approx(-9 / 14)
    assert similarity(example, "USA", "RUS", Measure.PI) == pytest.approx(-81 / 103)


def test_kappa_and_pi_are_none_where_chance_agreement_is_total() -> None:
    # Two states, each other's defense ally: both portfolios (3, 3); every tie in the system
    # is 3, the expected disagreement is 0 and kappa and pi are 0/0.
    portfolios = build_portfolios(["A", "B"], [{"A": DEF, "B": DEF}])
    assert similarity(portfolios, "A", "B", Measure.KAPPA) is None
    assert similarity(portfolios, "A", "B", Measure.PI) is None
    assert similarity(portfolios, "A", "B", Measure.S) == 1.0
    assert cohen_kappa([3, 3], [3, 3]) is None
    assert scott_pi([3, 3], [3, 3]) is None


def test_kappa_and_pi_take_no_weights_and_no_absolute_distance(example: Portfolios) -> None:
    with pytest.raises(SimilarityError, match="weights apply to S only, not to kappa"):
        similarity(example, "USA", "GBR", Measure.KAPPA, weights=dict.fromkeys(SYSTEM, 1.0))
    with pytest.raises(SimilarityError, match="pi is defined with squared distances"):
        similarity(example, "USA", "GBR", Measure.PI, distance=Distance.ABSOLUTE)
    assert similarity(
        example, "USA", "GBR", Measure.PI, distance=Distance.SQUARED
    ) == pytest.approx(0.5)


def test_measures_are_named_as_the_command_line_spells_them() -> None:
    assert [m.value for m in Measure] == ["s", "kappa", "pi"]
    assert Measure("kappa") is Measure.KAPPA


def test_dyad_similarities_lists_each_undirected_dyad_once(example: Portfolios) -> None:
    rows = list(dyad_similarities(example, Measure.KAPPA))
    assert [(a, b) for a, b, _ in rows] == [
        ("USA", "GBR"),
        ("USA", "FRA"),
        ("USA", "RUS"),
        ("GBR", "FRA"),
        ("GBR", "RUS"),
        ("FRA", "RUS"),
    ]
    assert rows[2][2] == pytest.approx(-9 / 14)


# -- properties ---------------------------------------------------------------------------

levels = st.integers(min_value=0, max_value=3)


@st.composite
def vector_pairs(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    n = draw(st.integers(min_value=2, max_value=12))
    a = draw(st.lists(levels, min_size=n, max_size=n))
    b = draw(st.lists(levels, min_size=n, max_size=n))
    return a, b


@st.composite
def systems(draw: st.DrawFn) -> tuple[list[str], list[dict[str, frozenset[str]]]]:
    n = draw(st.integers(min_value=2, max_value=8))
    system = [f"S{i}" for i in range(n)]
    members = st.lists(st.sampled_from([*system, "OUT"]), min_size=2, max_size=n, unique=True)
    obligations = st.frozensets(st.sampled_from(sorted(TIE_LEVELS)), max_size=3)
    alliances = draw(
        st.lists(members.flatmap(lambda ms: st.fixed_dictionaries(dict.fromkeys(ms, obligations))))
    )
    return system, alliances


@given(vector_pairs(), st.sampled_from(list(Distance)))
def test_s_lies_between_minus_1_and_1_and_is_symmetric(
    pair: tuple[list[int], list[int]], distance: Distance
) -> None:
    a, b = pair
    value = s_score(a, b, distance=distance)
    assert -1.0 - 1e-12 <= value <= 1.0 + 1e-12
    assert value == pytest.approx(s_score(b, a, distance=distance))


@given(vector_pairs())
def test_kappa_and_pi_lie_between_minus_1_and_1_and_are_symmetric(
    pair: tuple[list[int], list[int]],
) -> None:
    a, b = pair
    for measure in (cohen_kappa, scott_pi):
        value = measure(a, b)
        assert value == measure(b, a) or value == pytest.approx(measure(b, a))
        if value is not None:
            assert -1.0 - 1e-12 <= value <= 1.0 + 1e-12


@given(vector_pairs())
def test_identical_vectors_score_1_where_defined(pair: tuple[list[int], list[int]]) -> None:
    a, _ = pair
    assert s_score(a, a) == 1.0
    for measure in (cohen_kappa, scott_pi):
        value = measure(a, a)
        # undefined only for a constant vector (no variation: chance explains everything)
        assert value == 1.0 or (value is None and len(set(a)) == 1)


@given(vector_pairs(), st.floats(min_value=1e-3, max_value=1e3))
def test_weighted_s_with_equal_weights_equals_unweighted_s(
    pair: tuple[list[int], list[int]], weight: float
) -> None:
    a, b = pair
    assert s_score(a, b, weights=[weight] * len(a)) == pytest.approx(s_score(a, b))


@settings(max_examples=60)
@given(systems(), st.sampled_from(list(Measure)))
def test_the_portfolio_path_equals_the_vector_definitions(
    drawn: tuple[list[str], list[dict[str, frozenset[str]]]], measure: Measure
) -> None:
    system, alliances = drawn
    portfolios = build_portfolios(system, alliances)
    definition = {Measure.S: s_score, Measure.KAPPA: cohen_kappa, Measure.PI: scott_pi}[measure]
    for a, b, value in dyad_similarities(portfolios, measure):
        expected = definition(portfolios.vector(a), portfolios.vector(b))
        assert (value is None and expected is None) or value == pytest.approx(expected)
        assert portfolios.tie(a, b) == portfolios.tie(b, a)


# -- the documentation and the COW files ----------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ("defense", "neutrality", "nonaggression", "entente")


def test_the_worked_example_of_the_documentation_runs() -> None:
    text = (ROOT / "docs" / "similarity.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "docs/similarity.md", "exec"), {})  # its asserts are the check


def _flags(row: Mapping[str, str]) -> frozenset[str]:
    return frozenset(flag for flag in FLAGS if row[flag] == "1")


@needs_cow
def test_a_dyad_ties_at_either_members_obligations_as_cows_dyad_file_codes_it() -> None:
    codings: dict[tuple[str, str], set[frozenset[str]]] = {}
    with (COW_DIR / "alliance_v4.1_by_member.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            codings.setdefault((row["version4id"], row["ccode"]), set()).add(_flags(row))
    checked = 0
    with (COW_DIR / "alliance_v4.1_by_dyad.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            one, two = (codings[(row["version4id"], row[key])] for key in ("ccode1", "ccode2"))
            if len(one) > 1 or len(two) > 1:
                continue  # a member coded differently in different spells
            (first,), (second,) = one, two
            tied = build_portfolios(["1", "2"], [{"1": first, "2": second}]).tie("1", "2")
            assert tied == tie_level(_flags(row)), row
            assert (row["asymmetric"] == "1") == (first != second), row
            checked += 1
    assert checked == 3210
