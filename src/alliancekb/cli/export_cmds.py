"""`export` and `dump`: tables out to CSV/JSON/NDJSON files, the whole knowledge out as YAML.

Thin wrappers over `alliancekb.export.files` and `alliancekb.dump.dumper`: both read one
snapshot, write beside the target and move the finished file into place, and refuse to
overwrite an existing file without --force (exit 2). A Rich progress bar is shown on a terminal.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alliancekb.cli.options import FILE_EXTENSIONS, FileFormatOpt, out_option
from alliancekb.cli.reading import KnownOnOpt, known_on_errors
from alliancekb.cli.state import state_of

if TYPE_CHECKING:
    from alliancekb.export.files import ExportProgress


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
    app.command("dump")(dump_cmd)


ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite existing files (otherwise exit 2).")
]


def export_cmd(
    ctx: typer.Context,
    tables: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TABLE]...",
            help="Tables to export (see --list); none = every table.",
            show_default=False,
        ),
    ] = None,
    out_typed: Annotated[
        str | None,
        out_option(
            "--out",
            "-o",
            metavar="PATH",
            help=(
                "A directory (created if missing) for several tables; a file for one table "
                "(a directory if it ends in /)."
            ),
            as_typed=True,
        ),
    ] = None,
    fmt: FileFormatOpt = "csv",
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help=(
                "CSV for spreadsheets: a UTF-8 BOM, and cells starting with = + - @ tab CR LF "
                "prefixed with ' (CSV injection). Without it, values are written as stored."
            ),
        ),
    ] = False,
    force: ForceOpt = False,
    list_tables: Annotated[
        bool, typer.Option("--list", help="List the exportable tables and their columns.")
    ] = False,
    sqlite: Annotated[
        Path | None,
        out_option(
            "--sqlite",
            metavar="FILE",
            help=(
                "Instead: the whole knowledge base as one read-only SQLite file (every "
                "table, the answers of members and conflicts, full-text search), from any "
                "backend; `alliancekb browse FILE` serves it."
            ),
        ),
    ] = None,
    known_on: KnownOnOpt = None,
) -> None:
    """Export tables to CSV, JSON or NDJSON files, from one consistent snapshot.

    Keys are readable (ISO3 codes, alliance and source keys, pillar numbers, statement
    ids), columns and row order are fixed, so exports diff cleanly. Each file is written
    beside its target and moved into place only when every table is complete. An export
    into a directory also writes datapackage.json there: a Frictionless Data Package
    describing each file's columns, types and keys.

    Examples: alliancekb export --out kb/ ;
    alliancekb export statements --out statements.csv --excel ;
    alliancekb export --sqlite kb.sqlite
    """
    from alliancekb.core.errors import UsageError
    from alliancekb.export.files import TABLES, UnknownTableError, export, into_directory, plan

    if list_tables:
        _print_tables(TABLES)
        return
    if sqlite is not None:
        if tables or out_typed is not None or excel:
            raise UsageError("--sqlite writes every table: give no TABLE, --out or --excel")
        _export_sqlite(ctx, sqlite, force, known_on)
        return
    if out_typed is None:
        raise UsageError("--out PATH is required (a directory, or a file for one table)")
    out = Path(out_typed)
    directory = out_typed.endswith(("/", "\\"))
    _refuse_file_name_for_several(tables or [], out)
    try:
        targets = plan(tables or [], out, fmt, directory=directory)
    except UnknownTableError as exc:
        raise UsageError(f"{exc} (see `alliancekb export --list`)") from None
    if excel and fmt != "csv":
        raise UsageError("--excel applies to CSV only")
    package_in = out if into_directory(tables or [], out, directory=directory) else None
    engine = state_of(ctx).engine()
    with _terminating_cleanly(), known_on_errors(), _export_progress() as progress:
        written = export(
            engine,
            targets,
            fmt,
            excel=excel,
            force=force,
            progress=progress,
            count_rows=progress is not None,
            known_on=known_on,
            package_in=package_in,
        )
    from alliancekb.core.paths import display_name

    for item in written:
        if item.kind == "package":
            what = f"Frictionless Data Package of {item.rows} resource(s)"
        else:
            what = f"{item.rows} row(s)"
        typer.echo(f"{display_name(item.path)}: {what}", err=True)


#: Extensions that say "a file": several tables are not written into a directory so named
#: (each file format's, and others a person may type).
FILE_SUFFIXES = tuple(
    dict.fromkeys([*FILE_EXTENSIONS, ".jsonl", ".tsv", ".txt", ".yaml", ".yml", ".xlsx"])
)


def _refuse_file_name_for_several(tables: list[str], out: Path) -> None:
    """`export a b --out two.csv` would make a directory named `two.csv/`: refused."""
    from alliancekb.core.errors import UsageError

    several = len(tables) != 1
    if several and not out.is_dir() and out.suffix.lower() in FILE_SUFFIXES:
        what = f"{len(tables)} tables" if tables else "every table"
        raise UsageError(
            f"--out {out}: {what} go into a directory, one file per table, and {out} looks "
            f"like a file name; give a directory (--out {out.with_suffix('')}/) or export "
            "one table to the file"
        )


def _export_sqlite(ctx: typer.Context, path: Path, force: bool, known_on: str | None) -> None:
    from alliancekb.browse.answers import ANSWER_TABLES
    from alliancekb.export.sqlite_file import write_sqlite

    state = state_of(ctx)
    with _terminating_cleanly(), known_on_errors():
        report = write_sqlite(
            state.engine(),
            path,
            force=force,
            extra=ANSWER_TABLES,
            described_as=state.scrub(state.target().url),
            known_on=known_on,
        )
    from alliancekb.core.paths import display_name

    rows = sum(report.counts.values())
    typer.echo(f"{display_name(path)}: {rows} row(s) in {len(report.counts)} tables", err=True)


def dump_cmd(
    ctx: typer.Context,
    out: Annotated[Path, out_option("--out", "-o", metavar="FILE", help="The YAML file to write.")],
    force: ForceOpt = False,
    known_on: KnownOnOpt = None,
) -> None:
    """Dump the whole knowledge base as one YAML document in the load format.

    Loading the dump into an empty database gives the same knowledge (statements keep
    their ids); the order is stable, so dumps diff cleanly in git. Load history is not
    part of it. With --known-on N: the knowledge base as it stood after load N, the same
    bytes a dump taken right then wrote.

    Example: alliancekb dump --out kb.yaml
    """
    from alliancekb.dump.dumper import dump

    engine = state_of(ctx).engine()
    with _terminating_cleanly(), known_on_errors():
        report = dump(engine, out, force=force, known_on=known_on)
    from alliancekb.core.paths import display_name

    summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in report.counts.items())
    typer.echo(f"{display_name(out)}: {summary}", err=True)


def _print_tables(tables: Any) -> None:
    from alliancekb.present.layout import Kind
    from alliancekb.present.output import Column, Table, emit

    rows = [{"table": t.name, "description": t.description, "columns": t.columns} for t in tables]
    columns = [
        Column("table", kind=Kind.WORD),
        Column("description", min_width=24),
        Column("columns", kind=Kind.WORDS),
    ]
    emit(Table(columns, rows, title="Exportable tables"), "table")


@contextmanager
def _terminating_cleanly() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so temporary files are removed (SIGKILL cannot be)."""
    if sys.platform == "win32":
        yield
        return

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (tests)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _export_progress() -> Iterator[ExportProgress | None]:
    """A Rich progress bar per table on a terminal (stderr); None elsewhere."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(table: str, rows: int, total: int | None) -> None:
        if table not in tasks:
            tasks[table] = bar.add_task(table, total=total)
        bar.update(tasks[table], completed=rows)

    with bar:
        yield update
