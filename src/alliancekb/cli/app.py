"""The root Typer app: global options, error handling, and the command groups."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.models import CommandInfo, TyperInfo

from alliancekb.cli.help import PlainHelpGroup, use_plain_help
from alliancekb.cli.state import CliState

DEBUG_ENV = "ALLIANCEKB_DEBUG"


class SafeGroup(PlainHelpGroup):
    """Runs every command so that no traceback reaches a user: one message, one exit code.

    Its options and the command it runs convert their values without Pydantic when they
    are plain (`cli.fastparams`: Typer's own conversion costs ~0.1 s of start-up).
    """

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        from alliancekb.cli import fastparams

        fastparams.prepare(self, ctx)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:  # type: ignore[override]
        from alliancekb.cli import fastparams

        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            fastparams.prepare(command, ctx)
        return name, command, rest

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from alliancekb.core.errors import AlliancekbError

        if not os.environ.get(DEBUG_ENV):
            _quiet_library_logs()
        try:
            return super().invoke(ctx)
        except AlliancekbError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted; nothing was written by the unfinished transaction", 130)
        except BrokenPipeError:
            # A closed pipe (`| head`) is the reader's choice, not an error.
            sys.stderr.close()
            raise typer.Exit(0) from None
        except Exception as exc:  # the last line of defence against tracebacks
            if _is_framework_signal(exc):
                raise
            if _no_room(exc):
                # Files go through core.atomicfile, which says so itself: this is stdout.
                _discard_stdout()
                _fail(ctx, "disk full writing standard output; the output is incomplete", 1)
            if os.environ.get(DEBUG_ENV):
                traceback.print_exc()
            message = f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
            _fail(ctx, f"{message}\n(set {DEBUG_ENV}=1 to see the traceback)", 1)
        return None


#: Libraries that log their own view of a failure the CLI already reports in one message.
QUIET_LOGGERS = ("psycopg", "sqlalchemy")


def _quiet_library_logs() -> None:
    """Keep library log records off stderr (Python prints them when no handler is set).

    A PostgreSQL connection lost mid-load made psycopg log "error ignored terminating
    <psycopg.Pipeline [BAD]>: ..." (five lines) before our one message; the pool logs a
    traceback when it cannot reset a dead connection. ALLIANCEKB_DEBUG=1 lets them through.
    """
    import logging

    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def _no_room(exc: BaseException) -> bool:
    """A write that found no room: a full disk, a quota, a file-size limit."""
    import errno

    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _discard_stdout() -> None:
    """Point stdout at the null device, so the exit's final flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


def _is_framework_signal(exc: BaseException) -> bool:
    """Exit, Abort and usage errors of Typer (and the Click it builds on) pass through."""
    return type(exc).__module__.startswith(("typer", "click"))


def _fail(ctx: typer.Context, message: str, code: int) -> None:
    from alliancekb.present.escape import visible

    state = ctx.find_object(CliState)
    if state is not None:
        message = state.scrub(message)
    # A message may quote stored names (a suggestion, an ambiguity): never raw controls.
    message = visible(message)
    typer.echo(f"alliancekb: {message}", err=True)
    raise typer.Exit(code)


class RootApp(typer.Typer):
    """The root app, whose commands are registered the first time anything asks for them.

    Registering every command imports every command module (2-4% of a read command's
    start-up in instructions, issue 32) where the console script runs one: `only_command`
    hands it the one command it runs, imported alone; `--help`, Typer's test runner and
    the reference pages read the commands and so get all of them, in the order
    `_register` adds them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._complete = False
        super().__init__(*args, **kwargs)

    @property
    def registered_commands(self) -> list[CommandInfo]:
        self._register_once()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, value: list[CommandInfo]) -> None:
        self._commands = value

    @property
    def registered_groups(self) -> list[TyperInfo]:
        self._register_once()
        return self._groups

    @registered_groups.setter
    def registered_groups(self, value: list[TyperInfo]) -> None:
        self._groups = value

    @property
    def whole(self) -> bool:
        """Every command is registered (it is, once anything has asked for them)."""
        return self._complete

    def _register_once(self) -> None:
        if not self._complete:
            self._complete = True
            _register()

    @contextmanager
    def holding(self, commands: list[CommandInfo]) -> Iterator[None]:
        """While it is open, the app has `commands` and no group, whether or not every
        command was registered before; afterwards it is as it was."""
        saved = self._complete, self._commands, self._groups
        self._complete, self._commands, self._groups = True, commands, []
        try:
            yield
        finally:
            self._complete, self._commands, self._groups = saved


app = RootApp(
    cls=SafeGroup,
    name="alliancekb",
    help=(
        "A knowledge base of defense-alliance facts, every fact with its status and source.\n\n"
        "Start with: alliancekb members 'AUKUS Pillar 2'"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from alliancekb.core.version import __version__

        typer.echo(f"alliancekb {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL|PATH",
            help=(
                "Database: an SQLite file path or a URL such as postgresql://user@host/db. "
                "Default: $ALLIANCEKB_DATABASE_URL, else a file in your user data directory "
                "(see `alliancekb db path`). A lock held elsewhere is waited for "
                "$ALLIANCEKB_LOCK_TIMEOUT seconds (default 60)."
            ),
            show_default=False,
        ),
    ] = None,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help=(
                "Print long output straight to the terminal. Otherwise it goes through "
                "$PAGER (default `less -FRX`), as git's does; output to a pipe or file never does."
            ),
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Global options."""
    ctx.obj = CliState(db_option=db, pager=not no_pager)


def _register() -> None:
    """Every command and group of the root, in the order `--help` lists them."""
    from alliancekb.cli import (
        author_cmds,
        db_cmds,
        evidence_cmds,
        export_cmds,
        import_cmds,
        load_cmds,
        mcp_cmds,
        panel_cmds,
        picture_cmds,
        query_cmds,
        retract_cmds,
    )
    from alliancekb.core.kind_parts import kind_parts

    query_cmds.register(app)
    evidence_cmds.register(app)
    for module in kind_parts(KINDS_PACKAGE):  # the kinds added after the core
        module.register(app)
    load_cmds.register(app)
    import_cmds.register(app)
    retract_cmds.register(app)
    export_cmds.register(app)
    author_cmds.register(app)
    picture_cmds.register(app)
    panel_cmds.register(app)
    mcp_cmds.register(app)
    app.add_typer(db_cmds.app, name="db")
    use_plain_help(app)


#: The module (of `alliancekb.cli`) whose `register(app)` adds each command of the root, so
#: that the console script imports only the one it runs. A kind's command is its module's
#: name in `cli/kinds/` (`exercises`), so adding a kind edits nothing here. Groups (`db`,
#: `import`, `retract`, `panel`) are not named: they build the whole app.
#: tests/test_startup_imports.py fails when a module registers a command this does not
#: name, or this names one its module does not register.
COMMAND_MODULES: dict[str, str] = {
    "members": "query_cmds",
    "countries": "query_cmds",
    "alliances": "query_cmds",
    "pillars": "query_cmds",
    "tech-areas": "query_cmds",
    "officials": "query_cmds",
    "sources": "query_cmds",
    "statements": "query_cmds",
    "show": "query_cmds",
    "timeline": "query_cmds",
    "conflicts": "evidence_cmds",
    "allies": "evidence_cmds",
    "load": "load_cmds",
    "validate": "load_cmds",
    "history": "load_cmds",
    "diff": "load_cmds",
    "export": "export_cmds",
    "dump": "export_cmds",
    "template": "author_cmds",
    "schema": "author_cmds",
    "draft": "author_cmds",
    "chart": "picture_cmds",
    "graph": "picture_cmds",
    "browse": "picture_cmds",
    "similarity": "panel_cmds",
    "mcp": "mcp_cmds",
}
KINDS_PACKAGE = "alliancekb.cli.kinds"


def command_module(name: str) -> str | None:
    """The module that registers the root's command `name` (`alliancekb.cli.query_cmds`
    for `members`), found without importing any command module; None for a group or a
    name that is no command."""
    if name in COMMAND_MODULES:
        return f"alliancekb.cli.{COMMAND_MODULES[name]}"
    import importlib
    import pkgutil

    kinds = importlib.import_module(KINDS_PACKAGE)
    module = name.replace("-", "_")
    if module.isidentifier() and any(
        info.name == module for info in pkgutil.iter_modules(kinds.__path__)
    ):
        return f"{KINDS_PACKAGE}.{module}"
    return None


def registered_by(module_name: str, only: str | None = None) -> list[CommandInfo]:
    """The commands module `module_name` registers (its `register(app)`), as the whole app
    holds them (with the plain-help classes), on an app of their own. `only`: a module
    whose `register` takes `only` makes that command alone (`query_cmds`: making each of
    its commands costs start-up)."""
    import importlib
    import inspect

    scratch = typer.Typer()
    register = importlib.import_module(module_name).register
    if only is not None and "only" in inspect.signature(register).parameters:
        register(scratch, only=only)
    else:
        register(scratch)
    use_plain_help(scratch)
    return list(scratch.registered_commands)


#: The root's options that take a value (`--db URL`), and those that take none.
_ROOT_VALUE_OPTIONS = frozenset({"--db"})
_ROOT_FLAGS = frozenset({"--no-pager"})


def command_named(args: Sequence[str]) -> str | None:
    """The command `args` run (`members` of `--db x.sqlite members NATO`), when it is one
    command of the root past the root's options; None for anything else (help, a version,
    a group such as `db`, an unknown name or option), which the whole app then answers."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _ROOT_VALUE_OPTIONS:
            skip = True
        elif arg in _ROOT_FLAGS or arg.split("=", 1)[0] in _ROOT_VALUE_OPTIONS:
            continue
        else:
            return arg if not arg.startswith("-") and command_module(arg) else None
    return None


@contextmanager
def only_command(args: Sequence[str]) -> Iterator[None]:
    """While it is open, the app has only the command `args` run (besides its root).

    Only that command's module is imported (`COMMAND_MODULES`), unless the whole app was
    built before; Typer turns every registered command into a Click command (their
    signatures, type hints and options) each time the app is called: ~20 ms for 30
    commands of which one runs (issue 16). The command runs as in the whole app: the same
    root options and callback, the same parsing, help and errors. Anything else (`--help`,
    a group, an unknown name) is answered by the whole app.
    """
    name = command_named(args)
    module = command_module(name) if name is not None else None
    if name is None or module is None:
        yield
        return
    if app.whole:
        commands = [c for c in app.registered_commands if c.name == name]
    else:
        commands = [c for c in registered_by(module, name) if c.name == name]
    if not commands:  # cannot happen while the test of COMMAND_MODULES passes
        yield
        return
    with app.holding(commands):
        yield
