"""A read command imports only what it uses (issue 16; not timed).

A read command on a database at head needs SQLAlchemy and Typer, not Pydantic (Typer's
own option conversion is replaced for plain values by `cli.fastparams`), not the load
schema, not pycountry (read only when a name misses the stored names), not Alembic.
Every read command needs SQLAlchemy Core alone (issue 32): not its ORM, not the models (it
reads `store.tables`), not the dumper; `members` not Rich either when it writes CSV. The
console script builds only the command it runs (`cli.app.only_command`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench.bench_startup import READ_COMMANDS as BENCH_READ_COMMANDS

from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text

UNNEEDED = ("pydantic", "pydantic_core", "pycountry", "alembic", "yaml", "alliancekb.load.schema")
#: What `members --format csv` does not need besides (the slowest of SQLAlchemy's own
#: imports is its ORM, ~0.1 s; declaring the models ~0.04 s).
MEMBERS_UNNEEDED = ("sqlalchemy.orm", "alliancekb.store.models", "rich")

PROBE = """
import sys
from alliancekb.cli import main
sys.argv = ["alliancekb", "--db", {url!r}, *{args!r}]
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
finally:
    loaded = sorted(m for m in sys.modules if m in {unneeded!r} or m.split(".")[0] in {unneeded!r})
    print("LOADED", loaded, file=sys.stderr)
"""


def _loaded(url: str, *args: str, unneeded: tuple[str, ...] = UNNEEDED) -> list[str]:
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "NO_COLOR": "1"}
    code = PROBE.format(url=url, args=list(args), unneeded=unneeded)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    return list(eval(line.removeprefix("LOADED ")))  # a list of names printed by the probe


@pytest.mark.parametrize(
    "args",
    [
        ["members", "AUKUS Pillar 2", "--format", "csv"],
        ["statements", "--search", "submarines", "--limit", "3", "--format", "json"],
        ["alliances", "--format", "csv"],
    ],
)
def test_a_read_command_imports_neither_pydantic_nor_the_schema_nor_pycountry(
    seeded_db: TestDatabase, args: list[str]
) -> None:
    assert _loaded(seeded_db.url, *args) == []


#: One invocation of every read command (`query/questions.py`), as data (start-up, not
#: rendering), naming what the seeded database holds: the same list the start-up benchmark
#: times (`bench/bench_startup.py`), so what is tested for imports is what is measured.
READ_COMMANDS = BENCH_READ_COMMANDS


def test_every_read_question_has_a_startup_case() -> None:
    from alliancekb.query.questions import QUESTIONS

    assert set(READ_COMMANDS) == set(QUESTIONS)


@pytest.mark.parametrize("name", sorted(READ_COMMANDS))
def test_a_read_command_imports_neither_the_orm_nor_the_models_nor_the_dumper(
    seeded_db: TestDatabase, name: str
) -> None:
    """Every read command reads `store.tables` through Core, as `members` does: SQLAlchemy's
    ORM, the models and the dumper (YAML) are not its start-up's cost."""
    unneeded = (*UNNEEDED, *MEMBERS_UNNEEDED[:2], "alliancekb.dump")
    assert _loaded(seeded_db.url, *READ_COMMANDS[name], unneeded=unneeded) == []


def test_show_as_a_table_imports_neither_the_orm_nor_the_models(seeded_db: TestDatabase) -> None:
    unneeded = (*UNNEEDED, *MEMBERS_UNNEEDED[:2])
    assert _loaded(seeded_db.url, "show", "AUKUS Pillar 2", unneeded=unneeded) == []


def test_a_card_at_a_past_load_imports_neither_the_orm_nor_the_models(
    db: TestDatabase, tmp_path: Path
) -> None:
    """`show --known-on` reads the past state through views made from the database's own
    catalog: the ORM and the models (~0.15 s) are the loader's cost, not its (issue 32)."""
    load_text(db.engine, tmp_path, BASE)  # load 1
    load_text(db.engine, tmp_path, BASE.replace("status: expected", "status: in-force"))
    unneeded = (*UNNEEDED, *MEMBERS_UNNEEDED[:2])
    args = ("show", "Japan", "--known-on", "1", "--format", "json")
    assert _loaded(db.url, *args, unneeded=unneeded) == []


@pytest.mark.parametrize("name", ["Japan", "NATO", "AUKUS Pillar 2", "Joe Biden"])
def test_a_cards_json_imports_no_table_view_nor_rich(seeded_db: TestDatabase, name: str) -> None:
    """`show --format json` writes the card's object: the tables of the card's sections
    (`present.card_tables` and the views it borrows from) and Rich are the table's and
    CSV's cost, not its start-up's (issue 32)."""
    unneeded = (
        "alliancekb.present.card_tables",
        "alliancekb.present.lists",
        "alliancekb.present.statements",
        "alliancekb.present.output",
        "rich",
    )
    assert _loaded(seeded_db.url, "show", name, "--format", "json", unneeded=unneeded) == []


def test_a_name_that_misses_reads_pycountry_then(seeded_db: TestDatabase) -> None:
    assert "pycountry" in _loaded(seeded_db.url, "show", "Viet Nam", "--format", "json")


@pytest.mark.parametrize(
    "args",
    [
        ["members", "AUKUS Pillar 2", "--format", "csv"],
        ["members", "NATO", "--as-of", "2023-06", "--status", "in-force", "--format", "json"],
    ],
)
def test_members_imports_neither_the_orm_nor_the_models_nor_rich_for_csv(
    seeded_db: TestDatabase, args: list[str]
) -> None:
    assert _loaded(seeded_db.url, *args, unneeded=UNNEEDED + MEMBERS_UNNEEDED) == []


def test_members_that_names_another_kind_still_answers_without_the_orm(
    seeded_db: TestDatabase,
) -> None:
    """`members Japan`: the hint (`show Japan`) comes from the same Core name index."""
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "NO_COLOR": "1"}
    code = PROBE.format(
        url=seeded_db.url, args=["members", "Japan"], unneeded=MEMBERS_UNNEEDED[:2]
    ).replace("assert not exit.code, exit.code", "print('EXIT', exit.code, file=sys.stderr)")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert "alliancekb show Japan" in done.stderr
    assert "LOADED []" in done.stderr


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["members", "NATO"], "members"),
        (["--db", "kb.sqlite", "members", "NATO"], "members"),
        (["--db=kb.sqlite", "--no-pager", "statements", "--limit", "3"], "statements"),
        (["--db", "members", "alliances"], "alliances"),  # `members` is --db's value here
        (["--help"], None),
        (["--version"], None),
        (["-h", "members"], None),
        ([], None),
        (["db", "current"], None),  # a group: the whole app
        (["nosuch"], None),  # Click's own "No such command"
        (["--bogus", "members"], None),
    ],
)
def test_the_command_an_argument_list_runs(args: list[str], command: str | None) -> None:
    from alliancekb.cli.app import command_named

    assert command_named(args) == command


def test_only_the_command_run_is_built_and_the_app_is_whole_again_after() -> None:
    from alliancekb.cli.app import app, only_command

    names = [c.name for c in app.registered_commands]
    groups = list(app.registered_groups)
    with only_command(["--db", "kb.sqlite", "members", "NATO"]):
        assert [c.name for c in app.registered_commands] == ["members"]
        assert app.registered_groups == []
    assert [c.name for c in app.registered_commands] == names
    assert app.registered_groups == groups
    assert "members" in names
    assert groups
