"""A read command imports only what it uses (issue 16; not timed).

A read command on a database at head needs SQLAlchemy and Typer, not Pydantic (Typer's
own option conversion is replaced for plain values by `cli.fastparams`), not the load
schema, not pycountry (read only when a name misses the stored names), not Alembic.
Every read command needs SQLAlchemy Core alone (issue 32): not its ORM, not the models (it
reads `store.tables`), not the dumper; `members` not Rich either when it writes CSV. The
console script builds only the command it runs (`cli.app.only_command`), imported alone
from the module that registers it (`cli.app.COMMAND_MODULES`), and answers help, groups
and unknown names with the whole app, as before.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


#: Every module of `cli/` that registers commands on the root.
COMMAND_MODULES = (
    "alliancekb.cli.query_cmds",
    "alliancekb.cli.evidence_cmds",
    "alliancekb.cli.kinds.exercises",
    "alliancekb.cli.load_cmds",
    "alliancekb.cli.import_cmds",
    "alliancekb.cli.retract_cmds",
    "alliancekb.cli.export_cmds",
    "alliancekb.cli.author_cmds",
    "alliancekb.cli.picture_cmds",
    "alliancekb.cli.panel_cmds",
    "alliancekb.cli.mcp_cmds",
    "alliancekb.cli.db_cmds",
)


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("members", "alliancekb.cli.query_cmds"),
        ("conflicts", "alliancekb.cli.evidence_cmds"),
        ("exercises", "alliancekb.cli.kinds.exercises"),
        ("history", "alliancekb.cli.load_cmds"),
    ],
)
def test_a_command_imports_only_the_module_that_registers_it(
    seeded_db: TestDatabase, name: str, module: str
) -> None:
    """The console script imports the one command module it runs (issue 32): the others
    (load, import, export, pictures, panel...) are ~0.1 s of every command's start-up."""
    others = tuple(m for m in COMMAND_MODULES if m != module)
    assert _loaded(seeded_db.url, *READ_COMMANDS[name], unneeded=others) == []


def test_every_command_of_the_root_is_found_in_the_module_it_is_declared_in() -> None:
    """`cli.app.COMMAND_MODULES` (and a kind's module name) names, for every command of
    the whole app, the module that registers it, and the very command it registers there:
    a command added to a module without a line there fails here."""
    from alliancekb.cli.app import app, command_module, registered_by

    def same(callback: Any) -> tuple[str, str, str | None]:
        # A module may make its commands anew each time it registers them (query_cmds).
        return callback.__module__, callback.__name__, callback.__doc__

    for command in app.registered_commands:
        module = command_module(str(command.name))
        assert module is not None, f"cli.app.COMMAND_MODULES does not name {command.name!r}"
        alone = {c.name: same(c.callback) for c in registered_by(module)}
        assert alone.get(command.name) == same(command.callback), (command.name, module)
        only = registered_by(module, str(command.name))
        assert command.name in {c.name for c in only}
        assert {same(c.callback) for c in only if c.name == command.name} == {
            same(command.callback)
        }


def test_a_read_command_is_made_alone_when_it_alone_runs() -> None:
    """`query_cmds` makes only the command asked for (making each costs start-up)."""
    from alliancekb.cli.app import registered_by

    only = registered_by("alliancekb.cli.query_cmds", "show")
    assert [c.name for c in only] == ["show"]
    every = registered_by("alliancekb.cli.query_cmds")
    assert len(every) == 10


def test_every_command_declared_is_a_command_of_the_root() -> None:
    from alliancekb.cli.app import COMMAND_MODULES, app

    names = {c.name for c in app.registered_commands}
    assert set(COMMAND_MODULES) <= names, set(COMMAND_MODULES) - names


def test_no_group_is_declared_as_a_command() -> None:
    """A group (`db`, `panel`...) is answered by the whole app, never built alone."""
    from alliancekb.cli.app import app, command_module

    for group in app.registered_groups:
        assert command_module(str(group.name)) is None, group.name


def _console(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script (`cli.main`), run as a user runs it, at 100 columns."""
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    code = "import sys\nfrom alliancekb.cli import main\nsys.argv[0] = 'alliancekb'\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["members", "--help"],
        ["exercises", "-h"],
        ["similarity", "--help"],
        ["membrs", "NATO"],
        ["members"],
        ["members", "NATO", "--bogus"],
        ["db", "--help"],
    ],
)
def test_the_console_script_answers_as_the_whole_app(args: list[str]) -> None:
    """Help, usage errors and unknown names read the same whether the console script built
    one command or all of them: the whole app, run in process, is the reference."""
    from typer.testing import CliRunner

    from alliancekb.cli.app import app

    env = {"NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
    whole = CliRunner().invoke(app, args, env=env, prog_name="alliancekb")
    console = _console(*args)
    assert (console.returncode, console.stdout, console.stderr) == (
        whole.exit_code,
        whole.stdout,
        whole.stderr,
    )


def test_the_root_help_lists_every_command_in_registration_order() -> None:
    from alliancekb.cli.app import app

    help_text = _console("--help").stdout
    names = [str(c.name) for c in app.registered_commands] + [
        str(g.name) for g in app.registered_groups
    ]
    at = [help_text.index(f"│ {name} ") for name in names]
    assert at == sorted(at)


def test_members_builds_only_the_core_tables_it_reads(seeded_db: TestDatabase) -> None:
    """`store.tables` builds a table when a query first names it (issue 32): `members`
    reads memberships, names and sources, never the statements, loads or exercises."""
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "NO_COLOR": "1"}
    code = PROBE.format(url=seeded_db.url, args=READ_COMMANDS["members"], unneeded=()).replace(
        'print("LOADED", loaded, file=sys.stderr)',
        'from alliancekb.store import tables\nprint("BUILT", tables.built(), file=sys.stderr)',
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("BUILT "))
    built = set(eval(line.removeprefix("BUILT ")))  # a list of names printed by the probe
    assert "memberships" in built
    assert not built & {"statements", "loads", "load_files", "exercises", "positions"}
