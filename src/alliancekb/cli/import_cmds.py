"""`import NAME DIR`: the political-science alliance datasets, one subcommand each.

The subcommands and their help come from the datasets' descriptions (core/datasets.py).
Thin: check the options, call `alliancekb.load.datasets.importer`, show progress and the
counts as `load` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from alliancekb.cli.state import state_of
from alliancekb.core.datasets import DATASETS, DatasetKind


def _import_help() -> str:
    """The `import` group's help: what an import does, and each dataset's page."""
    pages = " and ".join(f"{d.short} from {d.page}" for d in DATASETS)
    examples = "\n\n".join(
        f"  alliancekb import {d.name} {d.example}" + (" --dry-run" if i else "")
        for i, d in enumerate(DATASETS)
    )
    return (
        "Import a political-science alliance dataset from the directory you downloaded "
        "it to: every alliance, member spell and obligation, each a claim of the dataset "
        "(a `dataset` source with its coverage window), beside the knowledge base's own "
        "records, never over them.\n\n"
        "The data are not shipped with alliancekb (their licences do not allow it): "
        f"download them from the projects' pages, {pages}. One import is one transaction: "
        "any problem (shown as FILE:LINE:COLUMN) leaves the database as it was; importing "
        "again changes nothing. See docs/datasets.md.\n\n"
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
    app.command(_kind.name)(_command_of(_kind))


def _import(ctx: typer.Context, dataset: str, directory: Path, dry_run: bool) -> None:
    from alliancekb.cli.load_cmds import _print_report, _progress
    from alliancekb.load.datasets.importer import import_dataset, paths

    files = paths(dataset, directory)  # a clear message before the database is opened
    engine = state_of(ctx).engine()
    if sys.stderr.isatty():
        with _progress(files) as progress:
            report = import_dataset(engine, dataset, directory, dry_run=dry_run, progress=progress)
    else:
        report = import_dataset(engine, dataset, directory, dry_run=dry_run)
    _print_report(report, "would change (dry run, nothing written)" if dry_run else "imported")
