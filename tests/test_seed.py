"""The bundled knowledge: it loads, it cites, and it answers the article's questions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.load.bootstrap import seed_path
from alliancekb.load.loader import load_files
from alliancekb.store import models as m
from tests.conftest import TestDatabase


def _json(runner: CliRunner, db: TestDatabase, *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_the_seed_loads_and_loading_it_again_changes_nothing(seeded_db: TestDatabase) -> None:
    report = load_files(seeded_db.engine, [seed_path()])
    assert report.changed == 0


def test_every_iso_country_is_in_the_seed(seeded_db: TestDatabase) -> None:
    import pycountry

    with Session(seeded_db.engine) as session:
        codes = set(session.scalars(select(m.Country.iso3)))
    assert {c.alpha_3 for c in pycountry.countries} <= codes


def test_every_fact_in_the_seed_cites_a_source(seeded_db: TestDatabase) -> None:
    with Session(seeded_db.engine) as session:
        unsourced_memberships = session.scalar(
            select(func.count())
            .select_from(m.Membership)
            .where(~m.Membership.id.in_(select(m.membership_sources.c.membership_id)))
        )
        unsourced_positions = session.scalar(
            select(func.count())
            .select_from(m.Position)
            .where(~m.Position.id.in_(select(m.position_sources.c.position_id)))
        )
        sources = session.scalars(select(m.Source)).all()
    assert unsourced_memberships == 0
    assert unsourced_positions == 0
    # Statements have a NOT NULL source_id: the database itself guarantees theirs.
    for source in sources:
        assert source.title.strip(), source.key
        assert source.published, f"{source.key} has neither a date nor an explicit unknown"


def test_pillar_2_members_with_status_and_source(
    runner: CliRunner, seeded_db: TestDatabase
) -> None:
    rows = _json(runner, seeded_db, "members", "AUKUS Pillar 2")
    founders = {r["iso3"] for r in rows if r["via"] == "AUKUS"}
    assert founders == {"AUS", "GBR", "USA"}
    assert all(r["status"] == "in-force" for r in rows if r["via"] == "AUKUS")
    japan = [r for r in rows if r["iso3"] == "JPN"]
    assert japan, "Japan's relation to Pillar 2 is missing"
    # One row per country and scope: Japan's later record ended its earlier one.
    assert len(japan) == 1
    # The article's hedge: Japan is a partner under consultation, never a plain member; and
    # nothing newer than 2024-09-17 says so, so it is the last thing known, not a fact.
    assert japan[0]["status"] == "under-consultation"
    assert japan[0]["role"] == "partner"
    assert japan[0]["currency"] == "unconfirmed"
    assert all(r["sources"] for r in rows)
    hedged = {r["iso3"] for r in rows if r["status"] == "under-consultation"}
    assert hedged == {"CAN", "JPN", "KOR", "NZL"}
    # Canada and New Zealand were only named as possible future participants (a
    # statement, not a membership), so they have no `proposed` record.
    assert not any(r["status"] == "proposed" for r in rows)
    history = _json(runner, seeded_db, "members", "AUKUS Pillar 2", "--history")
    chain = [r["status"] for r in history if r["iso3"] == "JPN"]
    assert chain == ["expected", "under-consultation"]


@pytest.mark.parametrize("name", ["Pillar II", "pillar two", "aukus/pillar-2", "Pillar 2"])
def test_every_way_of_naming_pillar_2_gives_the_same_answer(
    runner: CliRunner, seeded_db: TestDatabase, name: str
) -> None:
    assert _json(runner, seeded_db, "members", name) == _json(
        runner, seeded_db, "members", "AUKUS Pillar 2"
    )


def test_who_rahm_emanuel_is(runner: CliRunner, seeded_db: TestDatabase) -> None:
    result = runner.invoke(
        app, ["--db", seeded_db.url, "show", "Rahm Emanuel"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Ambassador to Japan" in result.output
    rows = _json(runner, seeded_db, "officials", "--country", "USA", "--all")
    assert any(r["name"] == "Rahm Emanuel" and "Ambassador" in r["title"] for r in rows)


def test_what_the_uk_said_about_other_countries(runner: CliRunner, seeded_db: TestDatabase) -> None:
    rows = _json(runner, seeded_db, "statements", "--speaker", "UK")
    assert rows
    named = {c for r in rows for c in r["countries"]}
    assert {"JPN", "NZL", "CAN"} <= named
    assert all(r["quote"] is False for r in rows)  # the article paraphrases the UK


def test_which_technology_areas_pillar_2_covers(runner: CliRunner, seeded_db: TestDatabase) -> None:
    rows = _json(runner, seeded_db, "tech-areas", "--scope", "AUKUS Pillar 2")
    keys = {r["key"] for r in rows}
    assert {"quantum", "hypersonics", "artificial-intelligence"} <= keys


@pytest.mark.parametrize(
    ("as_of", "count"), [("1990-01-01", 16), ("2000-01-01", 19), ("today", 32)]
)
def test_nato_membership_over_time(
    runner: CliRunner, seeded_db: TestDatabase, as_of: str, count: int
) -> None:
    rows = _json(runner, seeded_db, "members", "NATO", "--as-of", as_of, "--status", "in-force")
    assert len({r["iso3"] for r in rows}) == count


def test_first_run_creates_migrates_and_seeds_the_user_database(tmp_path: Path) -> None:
    home = tmp_path / "fresh-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCEKB_")}
    env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    result = subprocess.run(
        [sys.executable, "-m", "alliancekb", "members", "AUKUS Pillar 2", "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Japan,JPN" in result.stdout
    assert (home / ".local" / "share" / "alliancekb" / "alliancekb.sqlite").is_file()
