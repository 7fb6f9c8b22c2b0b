"""`panel state-year|dyad-year|directed-dyad-year`: alliance obligations as regression panels.

Thin: parse the options, read the panel's plan in one read transaction
(`alliancekb.panel.build`), then stream its rows (`alliancekb.panel.write`) to stdout, a
file or a directory with `datapackage.json`. docs/panels.md says what each column means.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from alliancekb.cli.options import one_of
from alliancekb.cli.reading import KnownOnOpt, read_for

_KINDS = {
    "state-year": "one row per state and year",
    "dyad-year": "one row per pair of states and year (undirected: ccode1 < ccode2)",
    "directed-dyad-year": "one row per ordered pair of states and year: A→B carries the "
    "obligations A owes B",
}
_FORMATS = ("csv", "json", "ndjson")

app = typer.Typer(
    name="panel",
    no_args_is_help=True,
    rich_markup_mode="rich",
    help=(
        "Write a state-year, dyad-year or directed dyad-year panel of alliance obligations "
        "for regressions: defense, offense, neutrality, nonaggression, consultation and "
        "entente as 0/1, the number of alliances and their keys, keyed by COW codes and "
        "ISO3.\n\n"
        "A state or dyad is coded 1 in a year when an obligation was in force on any day "
        "of it (COW's convention). Outside the coverage of the answer's source the cells "
        "are empty (missing), not 0; a state has rows only while it is in the COW state "
        "system. With --source, one dataset's claims (for replication); without it, the "
        "knowledge base's merged answer with a `disputed` column. See docs/panels.md.\n\n"
        "Examples:\n\n"
        "  alliancekb panel state-year --source cow-alliances-4.1 --out states.csv\n\n"
        "  alliancekb panel dyad-year --from 1946 --to 2012 --out panel/\n\n"
        "  alliancekb panel directed-dyad-year --scope NATO --format ndjson"
    ),
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="panel")


def _out_path(value: str | None) -> str | None:
    """An --out value: never empty (`--out ''` would otherwise mean `.`); its text is kept,
    since a trailing `/` says "a directory"."""
    if value is not None and not value.strip():
        raise typer.BadParameter("an empty path; give a file or directory (. for here)")
    return value


FromOpt = Annotated[
    int | None,
    typer.Option(
        "--from",
        metavar="YEAR",
        help="The first year (default: the first year of the answer's coverage).",
    ),
]
ToOpt = Annotated[
    int | None,
    typer.Option(
        "--to",
        metavar="YEAR",
        help="The last year (default: the last year of the dataset's coverage; this year "
        "for the merged answer).",
    ),
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source",
        metavar="KEY",
        help="Only this dataset's claims, as it makes them (cow-alliances-4.1, atop-4.01); "
        "default: the merged answer, with `disputed`.",
    ),
]
CodesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--codes",
        metavar="cow|iso3",
        help="The codes keying each state, repeatable or comma-separated (default: "
        "cow,iso3). Gleditsch–Ward codes are not available (no GW list is shipped).",
    ),
]
ScopeOpt = Annotated[
    list[str] | None,
    typer.Option("--scope", metavar="ALLIANCE", help="Only this alliance (repeatable)."),
]
ByAllianceOpt = Annotated[
    bool,
    typer.Option(
        "--by-alliance",
        help="One row per state (dyad), alliance and year it ties, with that alliance's "
        "obligations (COW's by_member_yearly form), instead of one per state (dyad) and year.",
    ),
]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="csv|json|ndjson",
        callback=one_of(_FORMATS),
        help="Output format (default: from the extension of --out, else csv).",
    ),
]
OutOpt = Annotated[
    str | None,
    typer.Option(
        "--out",
        "-o",
        metavar="FILE|DIR/",
        help="Write to this file, or into this directory (existing, or ending in /) as "
        "<panel>.<ext> with datapackage.json. Default: standard output.",
        show_default=False,
        callback=_out_path,
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite existing files (otherwise exit 2).")
]


def _command_of(kind: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        first: FromOpt = None,
        last: ToOpt = None,
        source: SourceOpt = None,
        codes: CodesOpt = None,
        scope: ScopeOpt = None,
        by_alliance: ByAllianceOpt = False,
        fmt: FormatOpt = None,
        out: OutOpt = None,
        force: ForceOpt = False,
        known_on: KnownOnOpt = None,
    ) -> None:
        _panel(ctx, kind, first, last, source, codes, scope, by_alliance, fmt, out, force)

    command.__name__ = f"{kind.replace('-', '_')}_cmd"
    command.__doc__ = (
        f"Write the {kind} panel: {_KINDS[kind]}.\n\n"
        f"Example: alliancekb panel {kind} --from 1946 --to 2012 --out {kind}.csv"
    )
    return command


for _kind in _KINDS:
    app.command(_kind)(_command_of(_kind))


def _panel(
    ctx: typer.Context,
    kind: str,
    first: int | None,
    last: int | None,
    source: str | None,
    codes: list[str] | None,
    scopes: list[str] | None,
    by_alliance: bool,
    fmt: str | None,
    out: str | None,
    force: bool,
) -> None:
    from alliancekb.panel.build import panel
    from alliancekb.panel.write import panel_format, write, write_to

    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"--from {first} is after --to {last}", param_hint="'--from'")
    with read_for(ctx) as session:
        made = panel(
            session, kind, first=first, last=last, source=source, codes=codes,
            scopes=scopes or (), by_alliance=by_alliance,
        )  # fmt: skip
    if out is None:
        chosen = panel_format(fmt)
        write(made, sys.stdout, chosen, line_feed=True)
        sys.stdout.flush()
        return
    from alliancekb.core.paths import display_name

    written = write_to(made, out, fmt, force=force)
    package = f" and {display_name(written.package)}" if written.package else ""
    typer.echo(f"{display_name(written.path)}: {written.rows} row(s){package}", err=True)
