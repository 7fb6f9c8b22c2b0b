"""The YAML writer of `dump`: the reference (PyYAML's safe dumper) and the fast emitter.

`fast_yaml.RecordEmitter` must write byte for byte what `yaml_writer.dumped_record` writes,
or leave the record to it; every document must read back as the records it was given.
Each test runs with libyaml's dumper and with PyYAML's pure-Python one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliancekb.core.errors import Problem
from alliancekb.dump.fast_yaml import RecordEmitter
from alliancekb.dump.yaml_writer import dump_document, dumped_record, dumper_class
from alliancekb.load.all_sections import SECTIONS
from alliancekb.load.yaml_reader import RawRecord, read_all

DUMPERS = {"libyaml": getattr(yaml, "CSafeDumper", None), "python": yaml.SafeDumper}


@pytest.fixture(params=sorted(DUMPERS))
def dumper(request: pytest.FixtureRequest) -> Any:
    """Each writer test with libyaml's dumper and with the pure-Python one."""
    base = DUMPERS[request.param]
    if base is None:
        pytest.skip("libyaml is not available")
    return dumper_class(base)


def read(tmp_path: Path, content: str) -> tuple[list[RawRecord], list[Problem]]:
    path = tmp_path / "in.yaml"
    path.write_bytes(content.encode("utf-8"))
    return read_all(path, display_name="in.yaml")


def emit_record(record: dict[str, Any]) -> str | None:
    return RecordEmitter().emit_record(record)


TRICKY = ["NO", "012", "=cmd", "-", "- x", "@at", "'q'", '"q"', "a: b", "#c", " lead", "trail "]
texts = st.one_of(st.text(), st.sampled_from(TRICKY))
values = st.one_of(st.none(), texts)


nested = st.recursive(
    values,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sections=st.dictionaries(
        st.sampled_from(sorted(SECTIONS)),
        st.lists(st.dictionaries(texts, nested, max_size=4), max_size=3),
        max_size=3,
    )
)
def test_dump_document_round_trip(
    tmp_path: Path, dumper: Any, sections: dict[str, list[dict[str, Any]]]
) -> None:
    out = io.StringIO()
    dump_document(sections, out, dumper=dumper)
    fast = io.StringIO()
    dump_document(sections, fast, emit=RecordEmitter().emit_record, dumper=dumper)
    assert fast.getvalue() == out.getvalue()
    records, problems = read(tmp_path, out.getvalue())
    assert problems == [], out.getvalue()
    expected = [(name, i, rec) for name, recs in sections.items() for i, rec in enumerate(recs)]
    assert [(r.section, r.index, r.data) for r in records] == expected


def test_dump_document_layout_and_quoting(dumper: Any) -> None:
    out = io.StringIO()

    def statements() -> Iterator[dict[str, Any]]:
        yield {"id": "a", "country": "NO", "n": "012", "date": "2024-04-10", "flag": "true"}
        yield {"note": None, "empty": "", "about": {"countries": ["JPN"], "scopes": []}}

    dump_document({"statements": statements(), "countries": []}, out, dumper=dumper)
    assert out.getvalue() == (
        "statements:\n"
        "  - id: a\n"
        "    country: 'NO'\n"
        "    n: '012'\n"
        "    date: '2024-04-10'\n"
        "    flag: 'true'\n"
        "  - note: null\n"
        "    empty: ''\n"
        "    about:\n"
        "      countries:\n"
        "      - JPN\n"
        "      scopes: []\n"
        "countries: []\n"
    )


def test_dump_document_without_sections_reads_back_empty(tmp_path: Path, dumper: Any) -> None:
    out = io.StringIO()
    dump_document({}, out, dumper=dumper)
    assert out.getvalue() == "{}\n"
    assert read(tmp_path, out.getvalue()) == ([], [])


def test_dump_document_multiline_and_unicode_line_breaks(tmp_path: Path, dumper: Any) -> None:
    record = {"text": "line one\nline two\u2028three\x85four  \n\n", "k": "x\ty"}
    out = io.StringIO()
    dump_document({"statements": [record, {"a": "b"}]}, out, dumper=dumper)
    records, problems = read(tmp_path, out.getvalue())
    assert problems == []
    assert [r.data for r in records] == [record, {"a": "b"}]


# -- the hand-written emitter against the safe dumper ----------------------------------------

HOSTILE = [
    *TRICKY,
    "",
    "yes",
    "No",
    "off",
    "y",
    "n",
    "true",
    "False",
    "~",
    "null",
    "Null",
    "1e3",
    ".5",
    "+1",
    "0x1F",
    "0o17",
    "1_000",
    "12:30:00",
    "2024-04-10",
    "2024-04-10T10:00:00Z",
    "<<",
    "=",
    "?",
    "? x",
    "?x",
    ":",
    ":x",
    "a:b",
    "a:",
    "a :b",
    "a #b",
    "a#b",
    "---",
    "---x",
    "...",
    "..x",
    "it's",
    "[x]",
    "{x}",
    "a,b",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "%x",
    "`x",
    "a  b",
    "é",
    "漢字",
    "😀",
    "\ufeff",
    "\u2028",
    "tab\there",
    "cr\rlf",
    "nel\x85",
    "\x7f",
    "\xa0",
]
scalars = st.one_of(
    st.text(), st.sampled_from(HOSTILE), st.integers(), st.booleans(), st.none(), st.floats()
)
emitted = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=10,
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=st.dictionaries(st.one_of(texts, st.sampled_from(HOSTILE)), emitted, max_size=5))
def test_emit_record_writes_what_the_dumper_writes(dumper: Any, record: dict[str, Any]) -> None:
    """Whatever `emit_record` writes is byte for byte the safe dumper's text (else None)."""
    text = emit_record(record)
    if text is not None:
        assert text == dumped_record(record, dumper)


@pytest.mark.parametrize("value", HOSTILE)
def test_emit_record_on_hostile_scalars(dumper: Any, value: str) -> None:
    """Each hostile string as a value, a list item and a key: the dumper's bytes, or None."""
    emitter = RecordEmitter()  # one emitter throughout: its remembered texts are reused
    for record in ({"k": value}, {"k": [value, 1, True]}, {value: "v"}, {"k": {"n": [value]}}):
        for _ in range(2):
            text = emitter.emit_record(record)
            if text is not None:
                assert text == dumped_record(record, dumper)
    one_line = value and all(c not in value for c in "\t\r\n\x85\u2028\ufeff\x7f😀")
    if one_line:  # the common case must take the fast path
        assert emit_record({"k": value}) is not None


def test_emit_record_leaves_the_rare_cases_to_the_dumper() -> None:
    rare: list[Any] = [{}, {"k": []}, {"k": {}}, {"k": None}, {"k": 1.5}, {"k": "a\nb"},
            {"k": [[1]]}, {"k" * 128: 1}, {1: "a"}]  # fmt: skip
    for record in rare:
        assert emit_record(record) is None
    expected = "  - id: x\n    n: 3\n    q: false\n"
    assert emit_record({"id": "x", "n": 3, "q": False}) == expected
