"""Truth over time: chains, `to` at its precision, evidence dates and currency.

The rules (core/evidence.py) are checked as properties on random chains, then through the
CLI on the bundled seed and on small knowledge bases written by the tests.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.core.dates import parse_edtf
from alliancekb.core.evidence import Currency, Evidence, Span, evidence, resolve_chains
from alliancekb.load.loader import load_files
from tests.conftest import TestDatabase

# -- the rules, as properties ------------------------------------------------------------

_DAY0 = dt.date(1990, 1, 1)
_SPAN_DAYS = 20 * 366


def _edtf_texts() -> st.SearchStrategy[str]:
    """EDTF dates of every precision between 1990 and 2010, some qualified."""

    def text(days: int, precision: str, qualifier: str) -> str:
        day = _DAY0 + dt.timedelta(days=days)
        body = {
            "year": f"{day.year:04d}",
            "month": f"{day.year:04d}-{day.month:02d}",
            "day": day.isoformat(),
        }[precision]
        return body + qualifier

    return st.builds(
        text,
        st.integers(0, _SPAN_DAYS),
        st.sampled_from(["year", "month", "day"]),
        st.sampled_from(["", "", "~", "?"]),
    )


@st.composite
def _chain_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records of one to three chains: from/to at any precision (or missing), evidence."""
    records = []
    for i in range(draw(st.integers(1, 8))):
        start = draw(st.none() | _edtf_texts())
        end = draw(st.none() | _edtf_texts())
        if start and end and parse_edtf(start).lower > parse_edtf(end).upper:
            start, end = end, start
            if parse_edtf(start).lower > parse_edtf(end).upper:
                end = None
        sources = draw(st.lists(st.none() | _edtf_texts(), max_size=3))
        records.append(
            {
                "chain": draw(st.integers(0, 2)),
                "from": start,
                "to": end,
                "sources": sources,
                "durable": draw(st.booleans()),
                "order": f"r{i}",
            }
        )
    return records


def _spans(records: list[dict[str, Any]]) -> list[Span[dict[str, Any]]]:
    spans = []
    for r in records:
        start = parse_edtf(r["from"]) if r["from"] else None
        end = parse_edtf(r["to"]) if r["to"] else None
        spans.append(
            Span(
                r,
                r["chain"],
                start.lower if start else None,
                r["from"] or "",
                end.upper if end else None,
                evidence(parse_edtf(s) if s else None for s in r["sources"]),
                r["durable"],
                order=r["order"],
            )
        )
    return resolve_chains(spans)


@settings(max_examples=300, deadline=None)
@given(_chain_records(), st.integers(-400, _SPAN_DAYS + 400))
def test_at_most_one_record_of_a_chain_answers_any_date(
    records: list[dict[str, Any]], offset: int
) -> None:
    day = _DAY0 + dt.timedelta(days=offset)
    spans = _spans(records)
    for chain in {r["chain"] for r in records}:
        answering = [s for s in spans if s.chain == chain and s.answers(day)]
        assert len(answering) <= 1, (day, [s.payload for s in answering])


@settings(max_examples=300, deadline=None)
@given(_chain_records(), st.integers(-400, _SPAN_DAYS + 400))
def test_the_latest_started_record_answers_unless_its_own_end_has_passed(
    records: list[dict[str, Any]], offset: int
) -> None:
    """Newer replaces older: the answer on D is the latest record started by D, if any."""
    day = _DAY0 + dt.timedelta(days=offset)
    spans = _spans(records)
    for chain in {r["chain"] for r in records}:
        started = [s for s in spans if s.chain == chain and (s.start is None or s.start <= day)]
        answering = [s for s in spans if s.chain == chain and s.answers(day)]
        if not started:
            assert answering == []
            continue
        latest = started[-1]  # resolve_chains returns each chain in start order
        expected = [latest] if latest.to_upper is None or day <= latest.to_upper else []
        assert answering == expected


@settings(max_examples=200, deadline=None)
@given(_edtf_texts(), _edtf_texts())
def test_to_includes_its_last_day_and_from_counts_from_its_first(
    start_text: str, end_text: str
) -> None:
    start, end = parse_edtf(start_text), parse_edtf(end_text)
    if start.lower > end.upper:
        start_text, end_text = end_text, start_text
        start, end = end, start
    if start.lower > end.upper:
        return
    (span,) = _spans(
        [{"chain": 0, "from": start_text, "to": end_text, "sources": [], "durable": True,
          "order": ""}]
    )  # fmt: skip
    assert span.answers(start.lower)
    assert span.answers(end.upper)  # `to: 1986` holds on 1986-12-31
    assert not span.answers(start.lower - dt.timedelta(days=1))
    assert not span.answers(end.upper + dt.timedelta(days=1))
    # Within a recorded `to`, the answer is known, whatever the sources.
    assert span.currency(end.upper) is Currency.KNOWN


@settings(max_examples=200, deadline=None)
@given(st.lists(_edtf_texts(), min_size=1, max_size=4), st.booleans(), st.integers(0, 9000))
def test_currency_is_known_within_the_evidence_and_then_presumed_or_unconfirmed(
    sources: list[str], durable: bool, offset: int
) -> None:
    (span,) = _spans(
        [{"chain": 0, "from": None, "to": None, "sources": sources, "durable": durable,
          "order": ""}]
    )  # fmt: skip
    dates = [parse_edtf(s) for s in sources]
    assert span.start == min(d.lower for d in dates)  # no `from`: its earliest evidence
    newest = max(d.upper for d in dates)
    assert span.evidence.confirmed_upper == newest
    day = span.start + dt.timedelta(days=offset) if span.start else _DAY0
    expected = (
        Currency.KNOWN
        if day <= newest
        else (Currency.PRESUMED if durable else Currency.UNCONFIRMED)
    )
    assert span.currency(day) is expected


def test_an_explicit_confirmed_date_extends_the_evidence() -> None:
    found = evidence([parse_edtf("2024-04~")], explicit="2025-03-02")
    assert found == Evidence("2025-03-02", dt.date(2025, 3, 2), dt.date(2024, 4, 1))
    assert evidence([None]) == Evidence()


# -- through the CLI ------------------------------------------------------------------------


def _rows(
    runner: CliRunner, db: TestDatabase, *args: str, env: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["--db", db.url, *args, "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


LEFT_IN_JANUARY_2025 = {"Jake Sullivan", "Kurt Campbell", "Rahm Emanuel"}


def test_officials_today_shows_no_one_who_left_or_whose_evidence_is_past_its_horizon(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    today = {"ALLIANCEKB_TODAY": "2026-12-07"}
    held = {r["name"] for r in _rows(runner, seeded_db, "officials", env=today)}
    assert not held & LEFT_IN_JANUARY_2025  # successors end their terms
    assert "Narendra Modi" not in held  # newest evidence 2024-09-21: past 12 months
    past = _rows(runner, seeded_db, "officials", "--currency", "unconfirmed", env=today)
    assert "Narendra Modi" in {r["name"] for r in past}
    assert all(r["currency"] == "unconfirmed" and r["confirmed"] for r in past)
    every = _rows(runner, seeded_db, "officials", "--all", env=today)
    ended = {r["name"] for r in every if r["until"] is not None}
    assert ended >= LEFT_IN_JANUARY_2025
    table = runner.invoke(
        app, ["--db", seeded_db.url, "officials"], env={"COLUMNS": "400", **today}
    )
    caption = " ".join(table.output.split())
    assert "Not confirmed since 2024-09-21: Narendra Modi, Prime Minister of India" in caption
    assert "Newest evidence 2026-06-22" in caption


def test_officials_before_any_evidence_of_their_posts_shows_none_of_them(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    held = _rows(runner, seeded_db, "officials", "--as-of", "2019")
    assert not {r["name"] for r in held} & LEFT_IN_JANUARY_2025
    both = _rows(
        runner, seeded_db, "officials", "--as-of", "2019", "--currency", "known",
        "--currency", "unconfirmed",
    )  # fmt: skip
    assert not {r["name"] for r in both} & LEFT_IN_JANUARY_2025


def test_member_rows_carry_confirmed_and_currency(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    rows = _rows(runner, seeded_db, "members", "AUKUS Pillar 2")
    assert len({(r["iso3"], r["scope"]) for r in rows}) == len(rows)
    for row in rows:
        assert row["currency"] in {"known", "presumed", "unconfirmed"}
        assert row["confirmed"]
    founders = [r for r in rows if r["via"] == "AUKUS"]
    assert {r["currency"] for r in founders} == {"presumed"}  # in force, past its evidence
    in_2024 = _rows(runner, seeded_db, "members", "AUKUS Pillar 2", "--as-of", "2024-09-17")
    assert {r["currency"] for r in in_2024} == {"known"}


@pytest.mark.parametrize("as_of", ["1950-01-01", "1986-06-01", "1990-01-01", "2024-09-17"])
def test_alliances_and_members_agree_on_every_scope(
    runner: CliRunner, seeded_db: TestDatabase, as_of: str
) -> None:
    dated = ["--as-of", as_of]
    for alliance in _rows(runner, seeded_db, "alliances", *dated):
        members = _rows(runner, seeded_db, "members", alliance["key"], *dated, "-s", "in-force")
        assert alliance["members"] == len({r["iso3"] for r in members}), alliance["key"]
    for pillar in _rows(runner, seeded_db, "pillars", *dated):
        members = _rows(runner, seeded_db, "members", pillar["scope"], *dated, "-s", "in-force")
        assert pillar["members"] == len({r["iso3"] for r in members}), pillar["scope"]


def test_alliances_today_agree_with_members_for_anzus(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    anzus = next(r for r in _rows(runner, seeded_db, "alliances") if r["key"] == "anzus")
    in_force = _rows(runner, seeded_db, "members", "ANZUS", "--status", "in-force")
    assert anzus["members"] == len(in_force) == 2
    (nzl,) = [r for r in _rows(runner, seeded_db, "members", "ANZUS") if r["iso3"] == "NZL"]
    assert nzl["status"] == "suspended"


CHAIN_KB = """\
sources:
  - {key: s2020, title: Report of 2020, published: "2020-05-01", kind: news}
  - {key: s2022, title: Report of 2022, published: "2022-03", kind: news}
  - {key: undated, title: A page without a date, published: unknown, kind: reference}
countries:
  - iso3: JPN
  - iso3: NZL
  - iso3: USA
alliances:
  - key: pact
    name: Pact
    kind: defense-treaty
memberships:
  - {country: JPN, scope: pact, role: partner, status: proposed, from: "2020-05", sources: [s2020]}
  - {country: JPN, scope: pact, role: partner, status: under-consultation, from: "2021",
     sources: [s2022]}
  - {country: JPN, scope: pact, role: member, status: in-force, from: "2022-03-01",
     sources: [s2022]}
  - {country: NZL, scope: pact, role: member, status: in-force, from: "2000", to: "2021",
     sources: [s2020]}
  - {country: USA, scope: pact, role: member, status: in-force, sources: [undated],
     confirmed: "2023-01-31"}
officials:
  - key: first
    name: First Holder
    positions:
      - {title: Envoy, country: USA, from: "2019", sources: [s2020]}
  - key: second
    name: Second Holder
    positions:
      - {title: Envoy, country: USA, from: "2022-03", sources: [s2022]}
"""


@pytest.fixture
def chain_db(db: TestDatabase, tmp_path: Path) -> TestDatabase:
    path = tmp_path / "chains.yaml"
    path.write_text(CHAIN_KB)
    load_files(db.engine, [path])
    return db


def _by_country(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["iso3"]: r for r in rows}


def test_a_later_record_replaces_the_earlier_one_where_it_starts(
    runner: CliRunner, chain_db: TestDatabase
) -> None:
    def japan(as_of: str) -> dict[str, Any]:
        return _by_country(_rows(runner, chain_db, "members", "pact", "--as-of", as_of))["JPN"]

    assert japan("2020-12-31")["status"] == "proposed"
    assert japan("2021-01-01")["status"] == "under-consultation"
    assert japan("2022-03-01")["status"] == "in-force"
    history = _rows(runner, chain_db, "members", "pact", "--history")
    chain = [(r["status"], r["until"]) for r in history if r["iso3"] == "JPN"]
    assert chain == [
        ("proposed", "2020-12-31"),
        ("under-consultation", "2022-02-28"),
        ("in-force", None),
    ]


def test_to_is_inclusive_at_its_precision(runner: CliRunner, chain_db: TestDatabase) -> None:
    def has_nzl(as_of: str) -> bool:
        return "NZL" in _by_country(_rows(runner, chain_db, "members", "pact", "--as-of", as_of))

    assert has_nzl("2021-12-31")
    assert not has_nzl("2022-01-01")


def test_currency_follows_the_evidence(runner: CliRunner, chain_db: TestDatabase) -> None:
    rows = _by_country(_rows(runner, chain_db, "members", "pact", "--as-of", "2021-06-01"))
    # A transitional record past its newest source (2022-03 covers June 2021 fully).
    assert rows["JPN"]["currency"] == "known"
    assert rows["NZL"]["currency"] == "known"  # within its recorded `to`
    later = _by_country(_rows(runner, chain_db, "members", "pact", "--as-of", "2030-01-01"))
    assert later["JPN"]["currency"] == "presumed"  # in force, past its evidence
    assert later["JPN"]["confirmed"] == "2022-03"
    # An undated source gives no evidence date: the explicit `confirmed` does.
    assert later["USA"]["confirmed"] == "2023-01-31"
    assert (
        _by_country(_rows(runner, chain_db, "members", "pact", "--as-of", "2023-01-31"))["USA"][
            "currency"
        ]
        == "known"
    )
    unconfirmed = _rows(runner, chain_db, "members", "pact", "--as-of", "2020-12-01",
                        "--currency", "unconfirmed")  # fmt: skip
    assert [r["iso3"] for r in unconfirmed] == ["JPN"]  # proposed past its 2020-05-01 source


def test_a_new_holder_of_an_office_ends_the_previous_holders_term(
    runner: CliRunner, chain_db: TestDatabase
) -> None:
    def holders(as_of: str) -> set[str]:
        rows = _rows(runner, chain_db, "officials", "--as-of", as_of, "--currency", "known",
                     "--currency", "unconfirmed")  # fmt: skip
        return {r["official"] for r in rows}

    assert holders("2020-01-01") == {"first"}
    assert holders("2022-03-01") == {"second"}
    every = _rows(runner, chain_db, "officials", "--all")
    assert {r["official"]: r["until"] for r in every} == {"first": "2022-02-28", "second": None}


def test_an_explicit_confirmed_date_loads_dumps_and_reloads(
    runner: CliRunner, chain_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "dump.yaml"
    result = runner.invoke(app, ["--db", chain_db.url, "dump", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'confirmed: "2023-01-31"' in out.read_text() or "confirmed: '2023-01-31'" in (
        out.read_text()
    )
    again = load_files(chain_db.engine, [out])
    assert again.changed == 0
