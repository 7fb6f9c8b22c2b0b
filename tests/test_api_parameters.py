"""Every read command's `--help` options are its API method's parameters (issue 30).

For each read command the test builds the Click command Typer makes of it (one command
at a time, as the console script does: `cli.app.only_command`) and compares what its
`--help` lists with the signature of the `KnowledgeBase` method of the same name:

- an option is its parameter by its long name (`--as-of` <-> `as_of`, `--tech-area` <->
  `tech_area`), an argument by what `--help` calls it (SCOPE <-> `scope`);
- an argument is a parameter that may be given by position; a required option or
  argument a parameter without a default; a flag a `bool`; a repeatable option (`--status
  a --status b`) a parameter taking one value or a list (`str | Sequence[str] | None`);
- and the other way round: every parameter of the method is an option of the command.

What the CLI has and the API does not, or says another way, is the table below (also in
docs/api.md, "Options and parameters"); a failure names the command and the option (or
parameter) that differ.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.testing import CliRunner

from alliancekb import open_kb
from alliancekb.api import KnowledgeBase
from alliancekb.cli import options
from alliancekb.cli.app import app, only_command
from alliancekb.core.errors import UsageError
from alliancekb.query.declare import COUNT_MAX
from tests.conftest import TestDatabase

#: A parameter of a command as Typer builds it (Typer 0.29 brings its own Click).
Param = TyperArgument | TyperOption

#: Each read command and its `KnowledgeBase` method.
READ_COMMANDS = {
    "members": "members",
    "countries": "countries",
    "alliances": "alliances",
    "pillars": "pillars",
    "tech-areas": "tech_areas",
    "officials": "officials",
    "sources": "sources",
    "statements": "statements",
    "show": "show",
    "timeline": "timeline",
    "conflicts": "conflicts",
    "allies": "allies",
    "history": "history",
    "exercises": "exercises",
    "diff": "diff",
}

#: Presentation only: how the CLI prints an answer, which the API returns as data.
PRESENTATION = {
    "--format": "the API returns the rows as data; `Rows.to_text(fmt)` and "
    "`Rows.to_file(path, fmt)` write the file formats",
    "--columns": "the API returns every field of a row; `Rows.to_text(fmt, keys)` and "
    "`Rows.to_file(path, fmt, keys)` write the named ones, in order",
    "--sources": "`members`' table cuts its source keys to a count on a narrow terminal; "
    "the API's `sources` field always holds every key",
}

#: Said another way in the API: the option, the command (None: every command having it),
#: and what the API has instead (checked by `test_what_the_api_says_another_way_exists`
#: and, by answers, further below).
ELSEWHERE: dict[tuple[str | None, str], str] = {
    (None, "--known-on"): "kb.known_on(load): a KnowledgeBase every method of which reads "
    "the knowledge base as it stood after that load",
    ("history", "--changes"): "kb.changes(load): `history --changes` answers another "
    "question (what one load changed, as `diff` rows), so it is a method of its own",
}

#: Options whose parameter has another name, and why.
RENAMED: dict[tuple[str, str], tuple[str, str]] = {
    ("officials", "--all"): ("all_positions", "`all` would hide Python's built-in all()"),
    ("diff", "--from"): ("before", "`from` is a Python keyword"),
    ("diff", "--to"): ("after", "the pair of `before`"),
}

#: The root's options, before any command: not a command's, and where the API has them.
ROOT_OPTIONS = {
    "--db": "open_kb(url_or_path)",
    "--no-pager": "presentation only: the API pages nothing",
    "--version": "alliancekb.__version__",
}

#: Commands that read at a past load (`--known-on`) but write files, not answers: no
#: method of the API (it gives their rows; `Rows.to_file` writes them).
NOT_READ_COMMANDS = {
    "chart": "draws a picture file (alliancekb.picture) of what `members`/`allies` answer",
    "graph": "writes a graph file (GEXF, GraphML...) of the memberships",
    "export": "writes whole tables to files; a method's `Rows.to_file` writes its answer",
    "dump": "writes the whole knowledge base in the load format (alliancekb.dump)",
    "similarity": "computed over the dyad-year panel (alliancekb.panel), not a question of "
    "query/questions.py; `kb.similarity` answers as its JSON (tests/test_panel_similarity.py)",
}

#: The `KnowledgeBase` methods that answer no command of their own (`panel` is the `panel`
#: group's three subcommands, their name its `kind`: tests/test_panel.py; `similarity`, with
#: the command, is tested in tests/test_panel_similarity.py).
NOT_COMMANDS = {"known_on", "changes", "session", "close", "panel", "similarity"}


def _command(name: str) -> Any:
    """The Click command of `alliancekb NAME`, built as the console script builds it."""
    with only_command([name]):
        group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    assert list(group.commands) == [name], "only_command should build one command"
    return group.commands[name]


def _long_name(param: Param) -> str:
    """How `--help` names a parameter: its long option, or an argument's metavar."""
    if isinstance(param, TyperArgument):
        shown = param.metavar or (param.name or "").upper()
        return shown.strip("[]").rstrip(".")
    return next(o for o in param.opts if o.startswith("--"))


def _api_name(command: str, param: Param) -> str:
    """The API parameter an option or argument should be."""
    shown = _long_name(param)
    if (command, shown) in RENAMED:
        return RENAMED[command, shown][0]
    return shown.removeprefix("--").replace("-", "_").lower()


def _cli_only(command: str, shown: str) -> bool:
    return shown in PRESENTATION or (None, shown) in ELSEWHERE or (command, shown) in ELSEWHERE


def _method(name: str) -> Callable[..., Any]:
    method: Callable[..., Any] | None = getattr(KnowledgeBase, name, None)
    assert callable(method), f"KnowledgeBase has no method {name}()"
    return method


def _takes_one_or_many(annotation: Any) -> bool:
    """`str | Sequence[str] | None`: one value or a list of them."""
    arms = typing.get_args(annotation)
    sequences = [a for a in arms if typing.get_origin(a) in (Sequence, list, tuple)]
    return str in arms and bool(sequences)


def _kind_differences(command: str, param: Param, api: inspect.Parameter, hint: Any) -> list[str]:
    """How one option and its parameter differ in kind (position, required, flag, list)."""
    where = f"`alliancekb {command}` {_long_name(param)} <-> {api.name}"
    found = []
    if isinstance(param, TyperArgument) and api.kind is inspect.Parameter.KEYWORD_ONLY:
        found.append(f"{where}: an argument, but the parameter is keyword-only")
    if param.required != (api.default is inspect.Parameter.empty):
        found.append(
            f"{where}: the option is {'' if param.required else 'not '}required, "
            f"the parameter {'has no' if api.default is inspect.Parameter.empty else 'a'} default"
        )
    if isinstance(param, TyperOption) and param.is_flag and hint is not bool:
        found.append(f"{where}: a flag, but the parameter is {hint}, not bool")
    if param.multiple and not _takes_one_or_many(hint):
        found.append(f"{where}: repeatable, but the parameter ({hint}) takes no list")
    return found


def differences(command: str) -> list[str]:
    """Every way the command's options and its method's parameters differ, each naming
    the command and the option or parameter."""
    method = _method(READ_COMMANDS[command])
    signature = inspect.signature(method)
    hints = typing.get_type_hints(method)
    api = {n: p for n, p in signature.parameters.items() if n != "self"}
    found: list[str] = []
    matched: set[str] = set()
    for param in _command(command).params:
        shown = _long_name(param)
        if _cli_only(command, shown):
            continue
        name = _api_name(command, param)
        if name not in api:
            found.append(
                f"`alliancekb {command}` {shown}: KnowledgeBase.{method.__name__}() has no "
                f"parameter {name}"
            )
            continue
        matched.add(name)
        found += _kind_differences(command, param, api[name], hints.get(name))
    for name in api.keys() - matched:
        found.append(
            f"KnowledgeBase.{method.__name__}({name}=...): `alliancekb {command}` has no "
            f"option for it"
        )
    return found


@pytest.mark.parametrize("command", sorted(READ_COMMANDS))
def test_every_option_of_the_command_is_a_parameter_of_its_api_method(command: str) -> None:
    found = differences(command)
    assert not found, "\n".join(found)


def test_every_read_command_is_walked() -> None:
    """A command that reads at a past load (`--known-on`) is a read command, or says
    why not; every method of the API that is not about the object itself is one."""
    with only_command([]):
        group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    readers = {
        name
        for name, command in group.commands.items()
        if any("--known-on" in p.opts for p in command.params)
    }
    unknown = readers - READ_COMMANDS.keys() - NOT_READ_COMMANDS.keys()
    assert unknown == set(), "read commands in neither READ_COMMANDS nor NOT_READ_COMMANDS"
    assert NOT_READ_COMMANDS.keys() <= readers
    assert set(READ_COMMANDS) <= set(group.commands), "READ_COMMANDS names no command"
    methods = {
        name
        for name, member in vars(KnowledgeBase).items()
        if callable(member) and not name.startswith("_")
    }
    assert methods - NOT_COMMANDS == set(READ_COMMANDS.values())


def test_every_exception_is_used() -> None:
    """No entry of the tables outlives its option."""
    shown = {c: {_long_name(p) for p in _command(c).params} for c in READ_COMMANDS}
    everywhere = set().union(*shown.values())
    for option in PRESENTATION:
        assert option in everywhere, option
    for command, option in [*ELSEWHERE, *RENAMED]:
        assert option in (shown[command] if command else everywhere), (command, option)


def test_the_roots_options_are_in_the_table() -> None:
    group = typer.main.get_command(app)
    flags = {o for p in group.params for o in p.opts if o.startswith("--")}
    assert flags == set(ROOT_OPTIONS)


def test_what_the_api_says_another_way_exists() -> None:
    assert list(inspect.signature(KnowledgeBase.known_on).parameters) == ["self", "load"]
    assert list(inspect.signature(KnowledgeBase.changes).parameters) == ["self", "load"]


# What the API says another way answers as the CLI does.


def _cli_json(db: TestDatabase, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


#: A call of each command that reads at a past load, and of its method.
KNOWN_ON_CALLS: dict[str, tuple[list[str], Callable[[KnowledgeBase], Any]]] = {
    "members": (["members", "AUKUS"], lambda kb: kb.members("AUKUS")),
    "countries": (["countries"], lambda kb: kb.countries()),
    "alliances": (["alliances"], lambda kb: kb.alliances()),
    "pillars": (["pillars"], lambda kb: kb.pillars()),
    "tech-areas": (["tech-areas"], lambda kb: kb.tech_areas()),
    "officials": (["officials", "--country", "USA"], lambda kb: kb.officials("USA")),
    "sources": (["sources"], lambda kb: kb.sources()),
    "statements": (["statements", "-n", "5"], lambda kb: kb.statements(limit=5)),
    "show": (["show", "Japan"], lambda kb: kb.show("Japan")),
    "timeline": (["timeline", "Japan"], lambda kb: kb.timeline("Japan")),
    "conflicts": (["conflicts"], lambda kb: kb.conflicts()),
    "allies": (["allies", "USA"], lambda kb: kb.allies("USA")),
    "exercises": (["exercises", "-c", "Japan"], lambda kb: kb.exercises("Japan")),
}


def test_every_command_reading_at_a_past_load_has_a_call_here() -> None:
    readers = {c for c in READ_COMMANDS if any("--known-on" in p.opts for p in _command(c).params)}
    assert readers == set(KNOWN_ON_CALLS)


@pytest.mark.parametrize("command", sorted(KNOWN_ON_CALLS))
def test_known_on_answers_as_the_option_does(seeded_db: TestDatabase, command: str) -> None:
    args, call = KNOWN_ON_CALLS[command]
    with open_kb(seeded_db.url) as kb:
        load = kb.history()[-1]["id"]
        got = call(kb.known_on(load))
    assert got == _cli_json(seeded_db, *args, "--known-on", str(load))


def test_changes_answers_as_history_changes_does(seeded_db: TestDatabase) -> None:
    with open_kb(seeded_db.url) as kb:
        load = kb.history()[0]["id"]
        assert kb.changes(load) == _cli_json(seeded_db, "history", "--changes", str(load))
        assert kb.changes(str(load)) == kb.changes(load)
        for bad in ("2026-01-01", "x", -1, True):
            with pytest.raises(UsageError) as refused:
                kb.changes(bad)
            assert "--" not in str(refused.value)


def test_renamed_parameters_answer_as_their_options_do(seeded_db: TestDatabase) -> None:
    with open_kb(seeded_db.url) as kb:
        load = kb.history()[-1]["id"]
        assert kb.diff(before=load, after=load) == _cli_json(
            seeded_db, "diff", "--from", str(load), "--to", str(load)
        )
        assert kb.officials(all_positions=True) == _cli_json(seeded_db, "officials", "--all")


@pytest.mark.parametrize(
    "call",
    [
        lambda kb: kb.history(limit=0),
        lambda kb: kb.history(limit=10**10),
        lambda kb: kb.statements(limit=10**10),
    ],
    ids=["history limit 0", "history limit too large", "statements limit too large"],
)
def test_counts_are_checked_as_the_cli_checks_them(
    seeded_db: TestDatabase, call: Callable[[KnowledgeBase], Any]
) -> None:
    assert COUNT_MAX == options.COUNT_MAX
    with open_kb(seeded_db.url) as kb, pytest.raises(UsageError, match=r"^limit: ") as refused:
        call(kb)
    assert "--" not in str(refused.value)


# docs/api.md says each method's signature as it is, and the table above.

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def _signature_text(method: Callable[..., Any]) -> str:
    """`kb.members(scope, as_of=None, ..., disputed="show")`, as docs/api.md writes it."""
    parts = []
    for param in list(inspect.signature(method).parameters.values())[1:]:
        if param.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in parts:
            parts.append("*")
        default = param.default
        if default is inspect.Parameter.empty:
            parts.append(param.name)
        else:
            shown = f'"{default}"' if isinstance(default, str) else repr(default)
            parts.append(f"{param.name}={shown}")
    return f"kb.{method.__name__}({', '.join(parts)})"


def _doc() -> str:
    return " ".join(DOC.read_text(encoding="utf-8").split())


@pytest.mark.parametrize("method", sorted({*READ_COMMANDS.values(), "known_on", "changes"}))
def test_the_docs_give_each_methods_signature(method: str) -> None:
    expected = _signature_text(_method(method))
    assert f"`{expected}`" in _doc(), f"docs/api.md should give `{expected}`"


def test_the_docs_give_the_table_of_options_the_api_has_not() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "\n## Options and parameters\n" in text
    section = text.split("\n## Options and parameters\n", 1)[1].split("\n## ", 1)[0]
    options = [*PRESENTATION, *ROOT_OPTIONS, *(o for _, o in ELSEWHERE), *(o for _, o in RENAMED)]
    for option in [*options, *NOT_READ_COMMANDS]:
        assert f"`{option}`" in section, f"docs/api.md, Options and parameters: {option}"
