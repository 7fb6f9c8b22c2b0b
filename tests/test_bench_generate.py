"""The synthetic knowledge-base generator of the benchmarks (bench/generate.py)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pycountry
import pytest
import yaml
from bench.generate import MARKERS, GeneratedCounts, generate, main, q, write_file

from alliancekb.load.all_sections import SECTIONS

ISO3 = {c.alpha_3 for c in pycountry.countries}


def _text(**kw: Any) -> tuple[str, GeneratedCounts]:
    out = io.StringIO()
    counts = generate(out, **kw)
    return out.getvalue(), counts


def _strings(value: Any) -> Any:
    """Scalars as the alliancekb reader hands them over: strings (None stays None)."""
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def _validated(text: str) -> dict[str, list[Any]]:
    document = yaml.safe_load(text)
    assert isinstance(document, dict)
    validated: dict[str, list[Any]] = {}
    for section, records in document.items():
        model = SECTIONS[section]
        validated[section] = [model.model_validate(_strings(r)) for r in records or []]
    return validated


@pytest.fixture(scope="module")
def small() -> tuple[str, GeneratedCounts]:
    return _text(statements=200, officials=40, alliances=6, seed=7, with_countries=True)


def test_every_record_validates_and_sections_come_in_dependency_order(
    small: tuple[str, GeneratedCounts],
) -> None:
    text, counts = small
    doc = _validated(text)
    assert list(doc) == [
        "sources",
        "countries",
        "technology_areas",
        "alliances",
        "officials",
        "memberships",
        "statements",
    ]
    assert len(doc["statements"]) == counts.statements == 200
    assert counts.statements_with_id == 100
    assert sum(1 for s in doc["statements"] if s.id is not None) == 100
    assert len(doc["sources"]) == counts.sources == 10
    assert len(doc["countries"]) == counts.countries == len(ISO3)
    assert len(doc["alliances"]) == counts.alliances == 6
    assert sum(len(a.pillars or []) for a in doc["alliances"]) == counts.pillars
    assert len(doc["officials"]) == counts.officials == 40
    assert sum(len(o.positions or []) for o in doc["officials"]) == counts.positions
    assert len(doc["memberships"]) == counts.memberships > 0
    assert counts.records == sum(len(records) for records in doc.values())


def test_keys_are_unique_and_references_point_at_defined_entities(
    small: tuple[str, GeneratedCounts],
) -> None:
    doc = _validated(small[0])
    sources = {s.key for s in doc["sources"]}
    techs = {t.key for t in doc["technology_areas"]}
    alliances = {a.key for a in doc["alliances"]}
    officials = {o.key for o in doc["officials"]}
    countries = {c.iso3 for c in doc["countries"]}
    assert countries == ISO3
    for section, keys in (
        ("sources", sources),
        ("technology_areas", techs),
        ("alliances", alliances),
        ("officials", officials),
    ):
        assert len(keys) == len(doc[section]), f"duplicate key in {section}"
    assert not sources & techs
    assert not alliances & officials
    assert not officials & techs
    scopes = set(alliances)
    for a in doc["alliances"]:
        assert set(a.sources or []) <= sources
        for p in a.pillars or []:
            scopes.add(f"{a.key} pillar {p.number}")
            assert set(p.technology_areas or []) <= techs
        assert [p.number for p in a.pillars or []] == list(range(1, len(a.pillars or []) + 1))
    for o in doc["officials"]:
        assert o.positions
        assert 1 <= len(o.positions) <= 3
        for position in o.positions:
            assert position.country in countries or position.alliance in alliances
            assert set(position.sources) <= sources
    natural = Counter((m.country, m.scope, m.role, m.from_) for m in doc["memberships"])
    assert natural.most_common(1)[0][1] == 1
    for m in doc["memberships"]:
        assert m.country in countries
        assert m.scope in scopes
        assert set(m.sources) <= sources
    ids = [s.id for s in doc["statements"] if s.id is not None]
    assert len(ids) == len(set(ids))
    for s in doc["statements"]:
        assert s.speaker in officials | countries | alliances
        assert s.source in sources
        assert set(s.about.countries) <= countries
        assert set(s.about.scopes) <= scopes
        assert set(s.about.technology_areas) <= techs


def test_shapes_vary(small: tuple[str, GeneratedCounts]) -> None:
    doc = _validated(small[0])
    statements = doc["statements"]
    assert {s.stance for s in statements} == {
        "asserts",
        "supports",
        "expects",
        "considers",
        "opposes",
        "denies",
    }
    dates = [s.date for s in statements]
    assert {len(d.rstrip("~?")) for d in dates} == {4, 7, 10}  # year, month and day
    assert any(d.endswith(("~", "?")) for d in dates)
    assert all("1990" <= d[:4] <= "2026" for d in dates)
    assert {s.quote for s in statements} == {True, False}
    assert any(s.speaker_label for s in statements)
    assert all(s.text.count(". ") >= 1 for s in statements)  # 2-4 sentences
    statuses = {m.status for m in doc["memberships"]}
    assert {"in-force", "ended"} <= statuses
    assert len(statuses) >= 5
    assert any(m.to is not None for m in doc["memberships"])
    assert {s.kind for s in doc["sources"]} <= {"news", "government", "dataset"}


def test_deterministic_for_a_seed() -> None:
    kw: dict[str, Any] = {"statements": 200, "officials": 40, "alliances": 6}
    first, counts = _text(seed=3, **kw)
    second, _ = _text(seed=3, **kw)
    other, _ = _text(seed=4, **kw)
    assert first == second
    assert first != other
    assert counts.markers.keys() == MARKERS.keys()
    statements = first[first.index("\nstatements:") :]
    for token, n in counts.markers.items():
        assert statements.count(token) == n
        assert first.count(token) == n  # the markers appear nowhere else


def test_no_countries_section_by_default_and_exact_membership_count(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    counts = write_file(path, statements=0, memberships=1000, officials=5, alliances=3, seed=1)
    text = path.read_text(encoding="utf-8")
    assert "\ncountries:" not in text
    doc = _validated(text)
    assert doc["statements"] == []
    assert len(doc["memberships"]) == counts.memberships == 1000
    natural = Counter((m.country, m.scope, m.role, m.from_) for m in doc["memberships"])
    assert natural.most_common(1)[0][1] == 1
    out = io.StringIO()
    with pytest.raises(ValueError, match="do not fit"):
        generate(out, statements=0, memberships=10**6, alliances=1)
    assert out.getvalue() == ""  # refused before writing anything


def test_cli(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    assert main(["--statements", "50", "--out", str(path), "--seed", "2"]) == 0
    doc = _validated(path.read_text(encoding="utf-8"))
    assert len(doc["statements"]) == 50


@pytest.mark.parametrize(
    "text", ["plain", 'a "quote" \\ back', "tab\tnl\n", "\x00\x7f\x85\u2028", "Ω 😀"]
)
def test_quoting_round_trips(text: str) -> None:
    assert yaml.safe_load(f"v: {q(text)}") == {"v": text}
