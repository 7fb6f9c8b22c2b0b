"""`import cow DIR` and `import atop DIR`: the political-science alliance datasets.

Thin: check the options, call `alliancekb.load.datasets.importer`, show progress and the
counts as `load` does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from alliancekb.cli.state import state_of

app = typer.Typer(
    name="import",
    no_args_is_help=True,
    rich_markup_mode="rich",
    help=(
        "Import a political-science alliance dataset from the directory you downloaded "
        "it to: every alliance, member spell and obligation, each a claim of the dataset "
        "(a `dataset` source with its coverage window), beside the knowledge base's own "
        "records, never over them.\n\n"
        "The data are not shipped with alliancekb (their licences do not allow it): "
        "download them from the projects' pages, COW Formal Alliances v4.1 from "
        "https://correlatesofwar.org/data-sets/formal-alliances/ and ATOP v4.01 from "
        "http://www.atopdata.org/. One import is one transaction: any problem (shown as "
        "FILE:LINE:COLUMN) leaves the database as it was; importing again changes "
        "nothing. See docs/datasets.md.\n\n"
        "Examples:\n\n"
        "  alliancekb import cow ~/Downloads/version4.1_csv\n\n"
        "  alliancekb import atop ~/Downloads/atop-4.01 --dry-run\n\n"
        "  alliancekb members cow:227 --as-of 1990-01-01"
    ),
)

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


@app.command("cow")
def cow_cmd(ctx: typer.Context, directory: DirArg, dry_run: DryRunOpt = False) -> None:
    """Import COW Formal Alliances v4.1: reads alliance_v4.1_by_member.csv from DIRECTORY.

    Download the CSV files from https://correlatesofwar.org/data-sets/formal-alliances/
    (they are not shipped with alliancekb). Each COW alliance becomes an alliance named
    `cow:<version4id>` (NATO is cow:227), each member spell a membership claimed by the
    source `cow-alliances-4.1`; COW country codes map to countries through the crosswalk
    shipped with alliancekb (docs/datasets.md).

    Example: alliancekb import cow ~/Downloads/version4.1_csv --dry-run
    """
    _import(ctx, "cow", directory, dry_run)


@app.command("atop")
def atop_cmd(ctx: typer.Context, directory: DirArg, dry_run: DryRunOpt = False) -> None:
    """Import ATOP v4.01: reads atop-alliance-level.csv and atop-member-level.csv from DIRECTORY.

    Download them from http://www.atopdata.org/ (they are not shipped with alliancekb).
    Each ATOP alliance becomes an alliance named `atop:<atopid>` (NATO is atop:3180), each
    member phase a membership claimed by the source `atop-4.01`.

    Example: alliancekb import atop ~/Downloads/atop-4.01
    """
    _import(ctx, "atop", directory, dry_run)


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
