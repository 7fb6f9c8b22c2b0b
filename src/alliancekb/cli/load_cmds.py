"""`load`, `validate` and `history`: how analysts add knowledge, and what was added when."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from alliancekb.cli.asking import read_command
from alliancekb.cli.options import FormatOpt, count_option
from alliancekb.cli.state import state_of
from alliancekb.query import questions

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from alliancekb.load.loader import LoadReport, ProgressCallback

DEFAULT_MAX_MB = 512

FilesArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="FILE...",
        help="YAML files in the load format (see docs/yaml-format.md).",
        exists=True,
        dir_okay=False,
        readable=True,
        show_default=False,
    ),
]
MaxMbOpt = Annotated[
    int,
    count_option(
        "--max-mb",
        min=1,
        metavar="MIB",
        help="Refuse any file larger than MIB mebibytes before reading it.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("load")(load_cmd)
    app.command("validate")(validate_cmd)
    app.command("history")(history_cmd)
    app.command("diff")(diff_cmd)


def load_cmd(
    ctx: typer.Context,
    files: FilesArg,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check and show what would change; write nothing."),
    ] = False,
    max_mb: MaxMbOpt = DEFAULT_MAX_MB,
) -> None:
    """Load YAML files into the knowledge base, all of them in one transaction.

    Records are matched by their natural keys, so loading the same file twice changes
    nothing. Any problem in any file (it is reported as FILE:LINE:COL) leaves the
    database exactly as it was. Exit 3: invalid data; exit 4: names that do not resolve.

    Example: alliancekb load statements-2024.yaml --dry-run
    """
    report = _run(ctx, files, dry_run=dry_run, max_mb=max_mb)
    verb = "dry run, what a load would do (nothing is written)" if dry_run else "loaded"
    _print_report(report, verb, dry_run=dry_run, engine=state_of(ctx).engine())


def validate_cmd(
    ctx: typer.Context,
    files: FilesArg,
    max_mb: MaxMbOpt = DEFAULT_MAX_MB,
) -> None:
    """Check YAML files without writing: syntax, schema, and that every name resolves.

    Names are resolved against the database and the files themselves, exactly as `load`
    would. Exit 0 when the files would load; 3 or 4 with every problem listed otherwise.
    """
    report = _run(ctx, files, dry_run=True, max_mb=max_mb)
    records = sum(f.records for f in report.files)
    typer.echo(f"valid: {len(report.files)} file(s), {records} record(s)")


HISTORY_HELP = """\
List past loads, newest first: when, which files (with their sha256), what changed.

Examples: alliancekb history --limit 5 --format json ;
alliancekb history --changes 3
"""

#: `history --changes LOAD`: another question (what one load changed), the API's
#: `kb.changes(load)`.
_CHANGES = inspect.Parameter(
    "changes",
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    annotation=Annotated[
        str | None,
        typer.Option(
            "--changes",
            metavar="LOAD",
            help="Instead: what this load changed, fact by fact (as `diff` shows it).",
        ),
    ],
    default=None,
)


def _changes(ctx: typer.Context, own: dict[str, Any], fmt: str) -> bool:
    """`history --changes LOAD`: that load's changes, as `diff` shows them."""
    changes = own["changes"]
    if changes is None:
        return False
    from alliancekb.core.errors import UsageError
    from alliancekb.core.knowledge_time import is_load_number

    if not is_load_number(changes):  # ASCII digits: not `²`, not `١`
        raise UsageError(f"--changes: {changes!r} is not a load number (see `history`)")
    _diff(ctx, None, changes, fmt)
    return True


def _history(reader: Any, result: Any, fmt: str, out: IO[str] | None, own: dict[str, Any]) -> None:
    from alliancekb.present.reports import emit_history

    emit_history(result, fmt, out)


history_cmd = read_command(
    questions.history,
    help=HISTORY_HELP,
    extra={"limit": _CHANGES},
    present=_history,
    instead=_changes,
    known_on=False,
    columns=False,
)


def diff_cmd(
    ctx: typer.Context,
    before: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="LOAD|TIME",
            help="The earlier state: a load number (see `history`), or a date or time "
            "(the last load finished by then).",
        ),
    ],
    after: Annotated[
        str | None,
        typer.Option("--to", metavar="LOAD|TIME", help="The later state (default: now)."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """What changed between two loads: facts added, updated (field by field, old -> new),
    removed and retracted, each with the load that did it, its files and their sha256.

    Facts are named as in the load format (a membership as country|scope|role|from), so
    a diff reads like an edit of the YAML.

    Examples: alliancekb diff --from 3 ;
    alliancekb diff --from 2026-03-01 --to 2026-06-01 --format json
    """
    _diff(ctx, before, after, fmt)


def _diff(ctx: typer.Context, before: str | None, after: str | None, fmt: str) -> None:
    """`diff` (before given) or `history --changes` (one load against the one before it)."""
    from alliancekb.cli.pager import paged
    from alliancekb.cli.reading import known_on_errors
    from alliancekb.dump.diff import diff

    state = state_of(ctx)
    with known_on_errors():
        result = diff(state.engine(), before, after)
    from alliancekb.present.reports import emit_diff

    with paged(state.pager) as out:
        emit_diff(result, fmt, out)


def _run(ctx: typer.Context, files: list[Path], *, dry_run: bool, max_mb: int) -> LoadReport:
    from alliancekb.load.loader import load_files

    engine = state_of(ctx).engine()
    max_bytes = max_mb * 1024 * 1024
    if not sys.stderr.isatty():
        return load_files(engine, files, dry_run=dry_run, max_bytes=max_bytes)
    with _progress(files) as progress:
        return load_files(engine, files, dry_run=dry_run, max_bytes=max_bytes, progress=progress)


class _progress:
    """A Rich progress bar per file, on a terminal only: bytes read of the file's size.

    Bytes with their unit, the speed and the time remaining, and the records read as a
    count of their own. The library reports the total (None for a pipe, which shows the
    bytes read without a total and a pulsing bar until it ends).
    """

    def __init__(self, files: list[Path]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        from alliancekb.core.paths import display_name

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[records]:,} records"),
            console=Console(stderr=True),
            transient=True,
        )
        self._tasks = {
            path: self._bar.add_task(display_name(path.name), total=None, records=0, start=False)
            for path in files
        }

    def __enter__(self) -> ProgressCallback:
        self._bar.start()

        def update(path: Path, records: int, done: int, total: int | None) -> None:
            task = self._tasks.get(path)
            if task is None:
                return
            if records == 0 and done == 0:
                self._bar.start_task(task)  # the clock (speed, time left) starts now
            self._bar.update(task, completed=done, total=total, records=records)

        return update

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _print_report(
    report: LoadReport, verb: str, *, dry_run: bool = False, engine: Engine | None = None
) -> None:
    from alliancekb.core.paths import display_name
    from alliancekb.present.reports import render_load_counts

    render_load_counts([display_name(f.path) for f in report.files], report.counts_dict(), verb)
    if dry_run:
        typer.echo(
            "a load would change nothing: the knowledge base already holds all of it"
            if report.changed == 0
            else "nothing was written: run without --dry-run to make these changes"
            + (
                "; the load's report then lists what changed in each updated record"
                if any(c.updated for c in report.counts.values())
                else ""
            )
        )
    elif report.changed == 0:
        typer.echo("nothing changed: the knowledge base already holds all of it")
    elif report.load_id is not None:
        typer.echo(f"recorded as load {report.load_id} (see `alliancekb history`)")
        _print_updates(engine, report)


#: Past this many updated records a load's report counts them and does not list them
#: (working out each field's old value reads every touched fact twice).
_UPDATES_READ = 2000


def _print_updates(engine: Engine | None, report: LoadReport) -> None:
    """What changed in the first updated records (field: old -> new), sources included."""
    updated = sum(c.updated for c in report.counts.values())
    if engine is None or report.load_id is None or not updated:
        return
    from alliancekb.present.reports import render_updates

    if updated > _UPDATES_READ:
        rows = []
    else:
        from alliancekb.dump.diff import diff

        rows = [r for r in diff(engine, None, report.load_id).rows if r["change"] == "updated"]
    render_updates(rows, updated, report.load_id)
