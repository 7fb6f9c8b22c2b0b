"""`chart`, `graph` and `browse`: the answers as pictures, graphs and a web page.

Thin commands: each reads one snapshot through the query layer (`picture.lanes`,
`picture.network`, `browse.answers`) and hands the result to the module that draws,
writes or serves it. matplotlib, networkx and Datasette are imported inside the command
that needs them, so `--help` and the other commands never pay for them (tested).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alliancekb.cli.options import OBLIGATIONS, one_of, out_option
from alliancekb.cli.reading import (
    AsOfOpt,
    KnownOnAsOfOpt,
    as_of_date,
    knowledge_time,
    read_for,
)
from alliancekb.cli.state import state_of
from alliancekb.core.clock import today

CHART_FORMATS = ("svg", "png", "pdf")
GRAPH_FORMATS = ("graphml", "gexf", "json", "dot")
LOOPBACK = "127.0.0.1"

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite an existing --out file (otherwise exit 2).")
]


def register(app: typer.Typer) -> None:
    app.command("chart")(chart_cmd)
    app.command("graph")(graph_cmd)
    app.command("browse")(browse_cmd)


def _missing(library: str, extra: str) -> typer.Exit:
    typer.echo(
        f"alliancekb: this command needs {library}: pip install 'alliancekb[{extra}]'", err=True
    )
    return typer.Exit(1)


def chart_cmd(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(metavar="SCOPE|COUNTRY", help="An alliance or pillar, or a country."),
    ],
    out: Annotated[
        Path, out_option("--out", "-o", metavar="FILE", help="The picture: .svg, .png or .pdf.")
    ],
    as_of: AsOfOpt = None,
    known_on: KnownOnAsOfOpt = None,
    date_from: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="Left edge of the date axis.")
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", metavar="DATE", help="Right edge of the date axis (default: as-of)."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Draw a membership timeline: one lane per country of a scope, or per alliance of a country.

    Bars are coloured by status; solid where the evidence reaches, hatched past it where
    the fact is presumed to continue (in force), faded where it is only the last thing
    known (expected, under consultation); a ramp from pale to full and `~`/`?` where the
    start is known only to the year or month or is approximate; an arrow where a membership
    is not known to have ended. A lane is the answer `members` gives over time; each
    imported dataset's own record of it is a thin line beneath. Inherited members of a
    pillar are marked `via` the alliance; sources are numbered in a footnote.

    Examples: alliancekb chart NATO --out nato.png ;
    alliancekb chart 'AUKUS Pillar 2' --as-of 2024-12-31 --out pillar2.svg ;
    alliancekb chart Japan --out japan.pdf
    """
    from alliancekb.picture.output import check_out, format_of

    fmt = format_of(out, CHART_FORMATS)
    check_out(out, force=force)
    day = as_of_date(as_of) or today()
    first, last = as_of_date(date_from), as_of_date(date_to)
    from alliancekb.picture.lanes import timeline_for

    with read_for(ctx) as session:
        timeline = timeline_for(session, name, day)
        known = knowledge_time(session)
    said = f", as known after {known.describe()}" if known is not None else ""
    if known is not None:
        from dataclasses import replace

        timeline = replace(timeline, title=f"{timeline.title} (as known after load {known.load})")
    try:
        from alliancekb.picture import chart
    except ImportError:
        raise _missing("matplotlib", "pictures") from None
    from alliancekb.picture.output import write_file

    write_file(out, lambda s: chart.render(timeline, s, fmt, first=first, last=last), force=force)
    from alliancekb.core.paths import display_name

    lanes = len(timeline.lanes)
    typer.echo(f"{display_name(out)}: {lanes} lane(s), as of {day.isoformat()}{said}", err=True)


def graph_cmd(
    ctx: typer.Context,
    out: Annotated[
        Path,
        out_option("--out", "-o", metavar="FILE", help="The graph: .graphml, .gexf, .json, .dot."),
    ],
    as_of: AsOfOpt = None,
    known_on: KnownOnAsOfOpt = None,
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", metavar="SCOPE", help="Only this alliance or pillar (repeatable)."),
    ] = None,
    obligation: Annotated[
        str | None,
        typer.Option(
            "--obligation",
            metavar="OBLIGATION",
            callback=one_of(OBLIGATIONS),
            help=f"Only memberships coded with it: {', '.join(OBLIGATIONS)}.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="graphml|gexf|json|dot",
            callback=one_of(GRAPH_FORMATS),
            help="File format (default: from the extension of --out).",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Write who is tied to whom on a date: countries and alliances as nodes, memberships as
    edges (role, status, currency, obligations, from/to and start/end dates).

    Only the alliances in force on the date (founded, not yet dissolved) are nodes; each
    edge is named by the role held (member, partner, candidate, observer), and one that
    ended or was declined is left out. GEXF edges carry start/end, so Gephi's timeline
    plays them; a pillar is `part-of` its alliance (whose members take part in it). The
    edges are the rows `members` answers.

    Examples: alliancekb graph --out alliances.gexf ;
    alliancekb graph --as-of 1990-01-01 --obligation defense --out 1990.graphml ;
    alliancekb graph --scope 'AUKUS Pillar 2' --out p2.dot --format dot
    """
    from alliancekb.picture.output import check_out, format_of

    chosen = format_of(out, GRAPH_FORMATS, fmt)
    check_out(out, force=force)
    day = as_of_date(as_of) or today()
    from alliancekb.picture.network import graph_data

    with read_for(ctx) as session:
        data = graph_data(session, day, scope or (), obligation)
        known = knowledge_time(session)
    said = f", as known after {known.describe()}" if known is not None else ""
    try:
        from alliancekb.picture import graph_files
    except ImportError:
        raise _missing("networkx", "pictures") from None
    from alliancekb.picture.output import write_file

    write_file(out, lambda s: graph_files.write(data, s, chosen), force=force)
    from alliancekb.core.paths import display_name

    counted = f"{len(data.nodes)} node(s), {len(data.edges)} edge(s)"
    typer.echo(f"{display_name(out)}: {counted}{said}", err=True)


def browse_cmd(
    ctx: typer.Context,
    snapshot: Annotated[
        Path | None,
        typer.Argument(
            metavar="[SNAPSHOT]",
            help="A snapshot made by `export --sqlite`; default: the SQLite knowledge base.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port.")] = 8001,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Interface to listen on; anything but loopback must be asked for."
        ),
    ] = LOOPBACK,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the page in a web browser.")
    ] = False,
    allow_sql: Annotated[
        bool,
        typer.Option(
            "--sql",
            help="Allow arbitrary SQL (?sql=): each query still limited to 1 s, 1000 rows, "
            "16 MB a value, and the server's memory bounded.",
        ),
    ] = False,
) -> None:
    """Browse the knowledge base read-only in Datasette: tables with descriptions, facets,
    full-text search on statements, and canned queries (members of a scope as of a date,
    statements about a country, conflicts) that answer as the CLI does.

    Needs the web extra: pip install 'alliancekb\\[web]'. An SQLite knowledge base is served
    from a snapshot taken now (removed when the server stops: Ctrl-C, SIGTERM or SIGHUP).
    A PostgreSQL database is browsed through a snapshot you take: `alliancekb export
    --sqlite kb.sqlite`, then `alliancekb browse kb.sqlite`. Listens on 127.0.0.1 unless
    --host names another interface (0.0.0.0 or :: for every one). Arbitrary SQL is off
    unless --sql turns it on.

    Examples: alliancekb browse --open ; alliancekb browse kb.sqlite --port 8080
    """
    import importlib.util

    from alliancekb.core.errors import UsageError

    if not host.strip():
        raise UsageError("--host: empty; give an interface (127.0.0.1, 0.0.0.0, ::)")
    if importlib.util.find_spec("datasette") is None:
        raise _missing("Datasette", "web")
    from alliancekb.browse.server import serve, stopped_by_signals

    with stopped_by_signals():
        if snapshot is not None:
            if not snapshot.is_file():
                raise UsageError(f"{snapshot}: no such file")
            serve(snapshot, host, port, open_browser=open_browser, allow_sql=allow_sql)
            return
        _serve_a_copy(ctx, host, port, open_browser=open_browser, allow_sql=allow_sql)


def _serve_a_copy(
    ctx: typer.Context, host: str, port: int, *, open_browser: bool, allow_sql: bool
) -> None:
    """Serve a snapshot of the SQLite knowledge base taken now, removed however it stops."""
    import shutil
    import tempfile

    from alliancekb.core.errors import UsageError

    target = state_of(ctx).target()
    if not target.url.startswith("sqlite"):
        raise UsageError(
            "browse serves SQLite; for this database take a snapshot first: "
            "alliancekb export --sqlite kb.sqlite, then: alliancekb browse kb.sqlite"
        )
    from alliancekb.browse.answers import ANSWER_TABLES
    from alliancekb.browse.server import serve
    from alliancekb.export.sqlite_file import write_sqlite

    folder = Path(tempfile.mkdtemp(prefix="alliancekb-browse-"))
    try:
        path = folder / "alliancekb.sqlite"
        write_sqlite(
            state_of(ctx).engine(),
            path,
            extra=ANSWER_TABLES,
            described_as=state_of(ctx).scrub(target.url),
        )
        serve(path, host, port, open_browser=open_browser, allow_sql=allow_sql)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
