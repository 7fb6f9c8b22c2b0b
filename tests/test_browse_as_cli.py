"""Browse answers as the CLI does (issue 32, row 9), through a live server on 127.0.0.1:
every canned query reads a name as the CLI's name index does (any alias, any case or
punctuation, a leading "the", ISO 3166 names; unknown and ambiguous names refused with
the CLI's message), and the statements' search box finds what `statements --search`
finds (the same stems, the same words and phrases). The snapshot is exported from the
test's backend, so on PostgreSQL the CLI's answers come from PostgreSQL's stemmer."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.store.resolve import SCOPE_KINDS, Kind, Ref, load_index
from tests.conftest import TestDatabase
from tests.test_browse import _query, _snapshot
from tests.test_browse_hardening import _browse, _request
from tests.test_claims import CLAIMS_KB

DAY = "2024-10-01"


def _cli(runner: CliRunner, db: TestDatabase, *args: str) -> tuple[int, Any]:
    """The CLI's exit code and its JSON rows, or its one-line message when it refused."""
    result = runner.invoke(app, ["--db", db.url, *args, "--format", "json"])
    if result.exit_code == 0:
        return 0, json.loads(result.stdout)
    return result.exit_code, result.stderr.strip().removeprefix("alliancekb: ")


class _Cli:
    """The CLI's answer for a name, asked once per entity the CLI's name index resolves it
    to (its answer depends on that alone), and for every name it refuses."""

    def __init__(
        self, runner: CliRunner, db: TestDatabase, kinds: Collection[Kind], *args: str
    ) -> None:
        with Session(db.engine) as session:
            self.index = load_index(session, kinds)
        self.runner, self.db, self.kinds, self.args = runner, db, kinds, args
        self.asked: dict[Any, tuple[int, Any]] = {}

    def __call__(self, name: str) -> tuple[int, Any]:
        found = self.index.lookup(name, self.kinds)
        key = found if isinstance(found, Ref) else name
        if key not in self.asked:
            self.asked[key] = _cli(self.runner, self.db, *(a.format(name) for a in self.args))
        return self.asked[key]


def _served(base: str, path: str, **params: str) -> tuple[int, Any]:
    query = urllib.parse.urlencode({**params, "_shape": "array", "_size": "max"})
    status, body = _request(f"{base}/alliancekb/{path}.json?{query}")
    answer = json.loads(body)
    return status, answer if status == 200 else answer["error"]


def _same(cli: tuple[int, Any], served: tuple[int, Any], key: Any, said: str, param: str) -> None:
    """The served answer is the CLI's: the same rows in the same order, or a 400 with the
    CLI's message after the parameter's name."""
    code, answer = cli
    status, got = served
    if code == 0:
        assert status == 200, (said, got)
        assert [key(r) for r in got] == [key(r) for r in answer], said
    else:
        assert status == 400, (said, got)
        assert got == f"{param}: {answer}", said


def _member(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["iso3"], row["scope"], row["role"], row["status"], row["via"], row["currency"])


def _conflict(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["scope"], row["iso3"], row["kind"])


def _spellings(name: str) -> list[str]:
    """A name as people type it: as stored, in capitals, with punctuation, after "the"."""
    return [name, name.upper(), name.replace(" ", "-"), f"The {name}"]


def test_every_name_of_every_scope_answers_members_as_the_cli(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    snapshot = _snapshot(runner, seeded_db, tmp_path / "alliancekb.sqlite")
    names = [r["name"] for r in _query(snapshot, "SELECT DISTINCT name FROM scope_names")]
    labels = [r["scope"] for r in _query(snapshot, "SELECT scope FROM scopes")]
    assert "north atlantic alliance" in names
    assert "NATO" in labels
    asked = [s for name in names for s in _spellings(name)] + labels
    asked += ["Pilar 9", "aukus/pillar-2", "Pillar", "north  atlantic   ALLIANCE!"]
    members = _Cli(runner, seeded_db, SCOPE_KINDS, "members", "{}", "--as-of", DAY)
    with _browse("browse", str(snapshot), logs=tmp_path / "logs") as (base, _proc):
        for scope in asked:
            cli = members(scope)
            served = _served(base, "members", scope=scope, as_of=DAY)
            _same(cli, served, _member, scope, "scope")


def test_statements_about_a_country_by_any_name_as_the_cli(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    snapshot = _snapshot(runner, seeded_db, tmp_path / "alliancekb.sqlite")
    spoken_of = _query(
        snapshot,
        "SELECT c.iso3, c.iso2, c.name, group_concat(a.alias, '|') AS aliases FROM countries c "
        "LEFT JOIN country_aliases a ON a.country = c.iso3 "
        "WHERE c.iso3 IN (SELECT country FROM statement_countries) GROUP BY c.iso3",
    )
    assert len(spoken_of) > 3
    asked: list[str] = []
    for row in spoken_of:
        aliases = row["aliases"].split("|") if row["aliases"] else []
        for name in [row["iso3"], row["iso2"], row["name"], *aliases]:
            asked += _spellings(name)
    asked += ["Turkiye", "TÜRKIYE", "Viet Nam", "Korea, Republic of", "Japn", "Korea", "u.k."]
    about = _Cli(runner, seeded_db, {Kind.COUNTRY}, "statements", "--country", "{}", "-n", "0")
    with _browse("browse", str(snapshot), logs=tmp_path / "logs") as (base, _proc):
        for country in asked:
            cli = about(country)
            served = _served(base, "statements_about", country=country)
            _same(cli, served, _id, country, "country")
        assert _served(base, "statements_about", country="u.k.")[1]


def test_conflicts_of_a_scope_by_any_name_as_the_cli(
    runner: CliRunner, make_database: Any, tmp_path: Path
) -> None:
    from alliancekb.load.loader import load_files

    db = make_database()
    kb = tmp_path / "claims.yaml"
    kb.write_text(CLAIMS_KB)
    load_files(db.engine, [kb])
    snapshot = _snapshot(runner, db, tmp_path / "alliancekb.sqlite")
    asked = [*_spellings("pact"), "cow:227", "COW 227", "atop:3180", "Other pact", "pakt"]
    conflicts = _Cli(runner, db, SCOPE_KINDS, "conflicts", "{}")
    with _browse("browse", str(snapshot), logs=tmp_path / "logs") as (base, _proc):
        everything = _served(base, "conflicts_of", scope="")
        _same(_cli(runner, db, "conflicts"), everything, _conflict, "", "scope")
        assert everything[1]
        for scope in asked:
            cli = conflicts(scope)
            served = _served(base, "conflicts_of", scope=scope)
            _same(cli, served, _conflict, scope, "scope")


#: Words whose stems match other forms in the seed, phrases, and texts that are syntax
#: to a search engine but only words (or nothing) to the CLI.
SEARCHES = [
    "submarine", "submarines", "SUBMARINE nuclear", "considered", "consider", "consideration",
    "cooperation", "cooperate", "exercises", "exercise", "deterrence", "deter", "allies",
    "ally", "capabilities", "capability", "autonomous maritime", '"maritime autonomous"',
    '"maritime autonomous', '"autonomous maritime"', 'japan "maritime autonomous systems"',
    '"submarines"', "pillar-2", "U.S.", "Japan's", "the", "OR", "japan OR korea", "NOT japan",
    "japan -korea", "sub*", "NEAR(japan korea)", "' OR 1=1 --", "a", "2021", "Türkiye",
]  # fmt: skip


def _id(row: dict[str, Any]) -> str:
    return str(row["id"])


def test_statement_search_finds_what_the_cli_finds(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    snapshot = _snapshot(runner, seeded_db, tmp_path / "alliancekb.sqlite")
    with _browse("browse", str(snapshot), logs=tmp_path / "logs") as (base, _proc):
        for text in SEARCHES:
            cli = _cli(runner, seeded_db, "statements", "--search", text, "--limit", "0")
            served = _served(base, "statements", _search=text)
            _same(cli, served, _id, text, "search")
            raw = _served(base, "statements", _search=text, _searchmode="raw")
            _same(cli, raw, _id, f"{text} (raw)", "search")
        assert _cli(runner, seeded_db, "statements", "--search", "submarine", "--limit", "0")[1]
        for empty in ("..", '""', "-_-"):
            cli = _cli(runner, seeded_db, "statements", "--search", empty)
            assert cli[0] == 2
            status, said = _served(base, "statements", _search=empty)
            assert status == 400
            assert said == cli[1]  # the CLI's message names the option `search` too


@pytest.mark.parametrize("columns", ["80", "200"])
def test_browse_help_shows_the_web_extra_to_install(columns: str) -> None:
    result = CliRunner().invoke(app, ["browse", "--help"], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    assert "pip install 'alliancekb[web]'" in result.output
