"""`panel state-year|dyad-year|directed-dyad-year`: alliance obligations as regression panels.

Thin: parse the options, read the panel's plan in one read transaction
(`alliancekb.panel.build`), then stream its rows (`alliancekb.panel.write`) to stdout, a
file or a directory with `datapackage.json`. docs/panels.md says what each column means.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

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
        "ISO3, or by Gleditsch–Ward codes from your copy of the GW list (--gw-list).\n\n"
        "A state or dyad is coded 1 in a year when an obligation was in force on any day "
        "of it (COW's convention). Outside the coverage of the answer's source the cells "
        "are empty (missing), not 0; a state has rows only while it is in the state "
        "system: COW's, or Gleditsch–Ward's when gw comes first in --codes. With "
        "--source, one dataset's claims (for replication); without it, the knowledge base's"
        " merged answer with a `disputed` column. See docs/panels.md.\n\n"
        "Examples:\n\n"
        "  alliancekb panel state-year --source cow-alliances-4.1 --out states.csv\n\n"
        "  alliancekb panel dyad-year --from 1946 --to 2012 --out panel/\n\n"
        "  alliancekb panel state-year --codes gw,cow --gw-list iisystem.dat\n\n"
        "  alliancekb panel directed-dyad-year --scope NATO --format ndjson"
    ),
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="panel")
    root.command("similarity")(similarity_cmd)


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
        metavar="cow|gw|iso3",
        help="The codes keying each state, repeatable or comma-separated (default: "
        "cow,iso3). The first of cow and gw named is the state system the rows follow "
        "(COW if neither); the other system's code is filled where the state has one on "
        "those days, else empty. gw needs --gw-list.",
    ),
]
GwListOpt = Annotated[
    str | None,
    typer.Option(
        "--gw-list",
        metavar="FILE",
        envvar="ALLIANCEKB_GW_LIST",
        show_envvar=False,
        help="Your copy of Gleditsch's list of independent states (iisystem.dat, "
        "tab-separated, dates dd:mm:yyyy, Latin-1 or UTF-8; published at "
        "http://www.ksgleditsch.com/data-4.html; alliancekb ships none), for --codes gw. "
        "Default: $ALLIANCEKB_GW_LIST.",
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
_MEASURES = ("s", "kappa", "pi")
_DISTANCES = ("absolute", "squared")
SimilarityOpt = Annotated[
    str | None,
    typer.Option(
        "--similarity",
        metavar="s|kappa|pi",
        callback=one_of(_MEASURES),
        help="Add a column: the dyad's alliance-portfolio similarity that year, over that "
        "year's state system (Signorino and Ritter's S, or Häge's kappa or pi; "
        "docs/similarity.md). Empty outside the coverage.",
    ),
]
DistanceOpt = Annotated[
    str | None,
    typer.Option(
        "--distance",
        metavar="absolute|squared",
        callback=one_of(_DISTANCES),
        help="The distance between two ties (default: absolute for S, squared for kappa and "
        "pi, which are defined on squared distances only).",
    ),
]


WeightedOpt = Annotated[
    bool,
    typer.Option(
        "--weighted",
        help="Weighted S: each state of the system counts by its CINC that year "
        "(Signorino and Ritter's capability weights), from --capabilities. S only.",
    ),
]
CapabilitiesOpt = Annotated[
    str | None,
    typer.Option(
        "--capabilities",
        metavar="FILE",
        help="COW's National Material Capabilities CSV (NMC 5.0 or 6.0: ccode, year, cinc "
        "columns; published by the Correlates of War Project at correlatesofwar.org; "
        "alliancekb ships none), for --weighted. A year in which a state of the system "
        "has no CINC has no weighted S.",
    ),
]


def _command_of(kind: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        first: FromOpt = None,
        last: ToOpt = None,
        source: SourceOpt = None,
        codes: CodesOpt = None,
        gw_list: GwListOpt = None,
        scope: ScopeOpt = None,
        by_alliance: ByAllianceOpt = False,
        fmt: FormatOpt = None,
        out: OutOpt = None,
        force: ForceOpt = False,
        known_on: KnownOnOpt = None,
    ) -> None:
        options = _Options(
            first, last, source, codes, scope, by_alliance, fmt, out, force, gw_list=gw_list
        )
        _panel(ctx, kind, options)

    def dyad_command(
        ctx: typer.Context,
        first: FromOpt = None,
        last: ToOpt = None,
        source: SourceOpt = None,
        codes: CodesOpt = None,
        gw_list: GwListOpt = None,
        scope: ScopeOpt = None,
        by_alliance: ByAllianceOpt = False,
        similarity: SimilarityOpt = None,
        distance: DistanceOpt = None,
        weighted: WeightedOpt = False,
        capabilities: CapabilitiesOpt = None,
        fmt: FormatOpt = None,
        out: OutOpt = None,
        force: ForceOpt = False,
        known_on: KnownOnOpt = None,
    ) -> None:
        options = _Options(
            first, last, source, codes, scope, by_alliance, fmt, out, force, similarity,
            distance, weighted, capabilities, gw_list,
        )  # fmt: skip
        _panel(ctx, kind, options)

    chosen = command if kind == "state-year" else dyad_command
    chosen.__name__ = f"{kind.replace('-', '_')}_cmd"
    example = f"alliancekb panel {kind} --from 1946 --to 2012 --out {kind}.csv"
    if kind != "state-year":
        example += f" ; alliancekb panel {kind} --from 1990 --to 1991 --similarity s"
    chosen.__doc__ = f"Write the {kind} panel: {_KINDS[kind]}.\n\nExample: {example}"
    return chosen


@dataclass(frozen=True)
class _Options:
    first: int | None
    last: int | None
    source: str | None
    codes: list[str] | None
    scopes: list[str] | None
    by_alliance: bool
    fmt: str | None
    out: str | None
    force: bool
    similarity: str | None = None
    distance: str | None = None
    weighted: bool = False
    capabilities: str | None = None
    gw_list: str | None = None


for _kind in _KINDS:
    app.command(_kind)(_command_of(_kind))


def _panel(ctx: typer.Context, kind: str, o: _Options) -> None:
    from alliancekb.panel.build import panel
    from alliancekb.panel.write import panel_format, write, write_to

    if o.first is not None and o.last is not None and o.first > o.last:
        raise typer.BadParameter(f"--from {o.first} is after --to {o.last}", param_hint="'--from'")
    with read_for(ctx) as session:
        made = panel(
            session, kind, first=o.first, last=o.last, source=o.source, codes=o.codes,
            scopes=o.scopes or (), by_alliance=o.by_alliance, similarity=o.similarity,
            distance=o.distance, weighted=o.weighted, capabilities=o.capabilities,
            gw_list=o.gw_list,
        )  # fmt: skip
    if o.out is None:
        chosen = panel_format(o.fmt)
        write(made, sys.stdout, chosen, line_feed=True)
        sys.stdout.flush()
        _report_gw(made)
        return
    from alliancekb.core.paths import display_name

    written = write_to(made, o.out, o.fmt, force=o.force)
    _report_gw(made)
    package = f" and {display_name(written.package)}" if written.package else ""
    typer.echo(f"{display_name(written.path)}: {written.rows} row(s){package}", err=True)


def _report_gw(made: Any) -> None:
    """What the GW list mapped, on standard error (the data package's description has it
    too): the entries with no country are never dropped silently."""
    if made.gw is not None:
        typer.echo(textwrap.fill(made.gw.report(), width=80), err=True)


def similarity_cmd(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(metavar="A", help="A country (name, alias or ISO3).")],
    b: Annotated[str, typer.Argument(metavar="B", help="Another country.")],
    year: Annotated[int, typer.Option("--year", metavar="YEAR", help="The year.")],
    measure: Annotated[
        str,
        typer.Option(
            "--measure",
            metavar="s|kappa|pi",
            callback=one_of(_MEASURES),
            help="Signorino and Ritter's S (default), or Cohen's kappa or Scott's pi as Häge "
            "(2011) corrects S for chance agreement.",
        ),
    ] = "s",
    distance: DistanceOpt = None,
    weighted: WeightedOpt = False,
    capabilities: CapabilitiesOpt = None,
    source: SourceOpt = None,
    scope: ScopeOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="text|json",
            callback=one_of(("text", "json")),
            help="Output format.",
        ),
    ] = "text",
    known_on: KnownOnOpt = None,
) -> None:
    """How alike two countries' alliance portfolios were in a year.

    A portfolio is a state's tie to every state of that year's COW state system: 3 a
    defense (or offense) pact, 2 neutrality or nonaggression, 1 entente (or consultation),
    0 none, itself 3; the ties are the dyad-year panel's (same year rule, same --source).
    S is 1 - 2·Σ|a_j - b_j| / (3·N): 1 for identical portfolios, -1 for opposite ones;
    --weighted counts each state j by its CINC that year (w_j, from --capabilities):
    1 - 2·Σ w_j·|a_j - b_j| / (3·Σ w_j). The answer lists the states the two are tied to
    differently. docs/similarity.md.

    Examples: alliancekb similarity USA Japan --year 1990 ;
    alliancekb similarity France Russia --year 1913 --measure kappa --source cow-alliances-4.1 ;
    alliancekb similarity USA Japan --year 1990 --weighted --capabilities nmc.csv
    """
    import json

    from alliancekb.panel.compare import similarity_of
    from alliancekb.panel.scores import tie_names

    with read_for(ctx) as session:
        answer = similarity_of(
            session, a, b, year, measure=measure, distance=distance, source=source,
            scopes=scope or (), weighted=weighted, capabilities=capabilities,
        )  # fmt: skip
    if fmt == "json":
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False, indent=2))
        return
    names = tie_names()
    shown = "missing" if answer.value is None else f"{answer.value:.4f}"
    title = {"s": "S"}.get(answer.measure, answer.measure)
    if answer.weighted_by:
        title = "weighted " + title
    typer.echo(f"{title} of {answer.a} and {answer.b} in {answer.year}: {shown}")
    if answer.missing:
        typer.echo(
            textwrap.fill(
                f"({answer.missing})", width=80, initial_indent="  ", subsequent_indent="   "
            )
        )
    on = answer.source or "the merged answer"
    # one fact a line: each fits 80 columns
    typer.echo(f"  over the {answer.states} states of the COW state system that year")
    typer.echo(f"  {answer.distance} distances; ties from {on}")
    if answer.weighted_by:
        typer.echo(f"  each state weighted by its {answer.year} CINC in {answer.weighted_by}")
    if answer.presumed:
        typer.echo("  past the datasets' coverage: ties partly presumed (docs/panels.md)")
    if answer.differing:
        typer.echo(f"  tied differently to {len(answer.differing)} state(s):")
        typer.echo(f"    {'state':6} {answer.a:26} {answer.b}")
        for state, x, y in answer.differing:
            typer.echo(f"    {state:6} {names[x]:26} {names[y]}")
    elif answer.value is not None:
        typer.echo("  tied alike to every state")
