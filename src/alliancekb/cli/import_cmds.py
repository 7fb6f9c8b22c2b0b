"""`import NAME DIR`: the political-science alliance datasets, one subcommand each.

The subcommands and their help come from the datasets' descriptions (core/datasets.py).
Thin: check the options, call `alliancekb.load.datasets.importer`, show progress and the
counts as `load` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from alliancekb.cli.state import state_of
from alliancekb.core.datasets import DATASETS, DatasetKind, dataset_named


def _import_help() -> str:
    """The `import` group's help: what an import does, and each dataset's page."""
    directories = [d for d in DATASETS if d.takes == "directory"]
    pages = " and ".join(f"{d.short} from {d.page}" for d in directories)
    examples = "\n\n".join(
        f"  alliancekb import {d.name} {d.example}" + (" --dry-run" if i else "")
        for i, d in enumerate(DATASETS)
    )
    return (
        "Import a political-science alliance dataset from the directory you downloaded "
        "it to (every alliance, member spell and obligation), or the holders of public "
        "offices from Wikidata: each a claim of the dataset (a `dataset` source with its "
        "coverage window), beside the knowledge base's own records, never over them.\n\n"
        "The alliance data are not shipped with alliancekb (their licences do not allow "
        f"it): download them from the projects' pages, {pages}. One import is one "
        "transaction: any problem (shown as FILE:LINE:COLUMN) leaves the database as it "
        "was; importing again changes nothing. See docs/datasets.md.\n\n"
        f"Examples:\n\n{examples}\n\n"
        "  alliancekb members cow:227 --as-of 1990-01-01"
    )


app = typer.Typer(name="import", no_args_is_help=True, rich_markup_mode="rich", help=_import_help())

DirArg = Annotated[
    Path,
    typer.Argument(
        help="The directory holding the dataset's CSV files as distributed.",
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check and show what would change; write nothing.")
]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="import")


def _command_of(kind: DatasetKind) -> Callable[..., None]:
    """`import NAME DIR`: one subcommand per dataset of core/datasets.py."""

    def command(ctx: typer.Context, directory: DirArg, dry_run: DryRunOpt = False) -> None:
        _import(ctx, kind.name, directory, dry_run)

    files = " and ".join(kind.files)
    command.__name__ = f"{kind.name}_cmd"
    command.__doc__ = (
        f"Import {kind.short}: reads {files} from DIRECTORY.\n\n"
        f"Download {'it' if len(kind.files) == 1 else 'them'} from {kind.page} (not shipped "
        f"with alliancekb). {kind.becomes}\n\n"
        f"Example: alliancekb import {kind.name} {kind.example} --dry-run"
    )
    return command


for _kind in DATASETS:
    if _kind.takes == "directory":
        app.command(_kind.name)(_command_of(_kind))


def _import(
    ctx: typer.Context, dataset: str, directory: Path, dry_run: bool, **options: Any
) -> None:
    from alliancekb.cli.load_cmds import _print_report, _progress
    from alliancekb.load.datasets.importer import import_dataset, paths

    files = paths(dataset, directory)  # a clear message before the database is opened
    engine = state_of(ctx).engine()
    if sys.stderr.isatty():
        with _progress(files) as progress:
            report = import_dataset(
                engine, dataset, directory, dry_run=dry_run, progress=progress, **options
            )
    else:
        report = import_dataset(engine, dataset, directory, dry_run=dry_run, **options)
    _print_report(report, "would change (dry run, nothing written)" if dry_run else "imported")


_WIKIDATA = dataset_named("wikidata")


@app.command("wikidata")
def wikidata_cmd(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]",
            help="A SPARQL results file (JSON) of the query `--print-query` prints.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOpt = False,
    print_query: Annotated[
        bool,
        typer.Option("--print-query", help="Print the SPARQL query to run; import nothing."),
    ] = False,
    positions: Annotated[
        list[str] | None,
        typer.Option(
            "--position",
            metavar="QID",
            help="Query the holders of this office (a Wikidata item, e.g. Q11696) instead "
            "of the default heads of state and government; repeat for several.",
            show_default=False,
        ),
    ] = None,
    fetch: Annotated[
        bool,
        typer.Option(
            "--fetch",
            help="Send the query to the Wikidata Query Service, save its answer beside the "
            "database and import it (network access; the endpoint is "
            "$ALLIANCEKB_WIKIDATA_ENDPOINT if set).",
        ),
    ] = False,
    retrieved: Annotated[
        str | None,
        typer.Option(
            "--retrieved",
            metavar="DATE",
            help="The day the answer was retrieved: the evidence date of every claim "
            "(default: the file's modification day; with --fetch, today).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import the holders of public offices from Wikidata: a SPARQL results file (JSON).

    Each person becomes an official (matched by the alias wikidata:QID, then by name), each
    `position held` statement a position claimed by the source `wikidata`, beside the
    knowledge base's own records (`officials` and `conflicts` show where they disagree).
    Run the query of --print-query at https://query.wikidata.org/ and download the answer
    as JSON, or let --fetch do it. Wikidata's data are CC0. See docs/datasets.md.

    Examples:

      alliancekb import wikidata --print-query

      alliancekb import wikidata wikidata-officials.json --dry-run

      alliancekb import wikidata --fetch --position Q11696
    """
    from alliancekb.load.datasets import wikidata_query as wq

    chosen = [wq.qid(p) for p in positions or []]
    if print_query:
        if file is not None or fetch:
            raise typer.BadParameter("--print-query prints the query only", param_hint="FILE")
        typer.echo(wq.query(chosen), nl=False)
        return
    day = _day(retrieved)
    if fetch:
        if file is not None:
            raise typer.BadParameter(
                "--fetch imports the answer it saves: give no FILE", param_hint="FILE"
            )
        file = _fetch(ctx, wq.query(chosen))
        day = day or _today()
    elif file is None:
        raise typer.BadParameter(
            "give the results FILE, or --fetch, or --print-query", param_hint="FILE"
        )
    elif chosen:
        raise typer.BadParameter(
            "--position chooses the query: use it with --print-query or --fetch",
            param_hint="--position",
        )
    _import(ctx, _WIKIDATA.name, file, dry_run, retrieved=day)


def _day(value: str | None) -> str | None:
    """`--retrieved` as an EDTF day (a usage error otherwise)."""
    if value is None:
        return None
    from alliancekb.core.dates import EdtfError, parse_edtf

    try:
        return parse_edtf(value.strip()).text
    except EdtfError as exc:
        raise typer.BadParameter(str(exc), param_hint="--retrieved") from None


def _today() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).date().isoformat()


def _fetch(ctx: typer.Context, text: str) -> Path:
    """The query's answer from the endpoint, saved beside the database; its path."""
    import datetime as dt
    import os

    from alliancekb.core.config import data_directory
    from alliancekb.core.paths import display_name
    from alliancekb.load.datasets.wikidata_query import endpoint, fetch

    body = fetch(text)
    directory = data_directory(state_of(ctx).target().url)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"wikidata-{stamp}.json"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(body)
    os.replace(partial, path)
    typer.echo(f"saved the answer of {endpoint()} to {display_name(path)}", err=True)
    return path
