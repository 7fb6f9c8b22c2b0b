"""The analyst's read commands: members, lists, statements, show, timeline.

Each command opens one read transaction, calls one `alliancekb.query` function (the same one
the Python API calls) and hands its result to `alliancekb.present`, inside the transaction:
the rows stream from the database to stdout. Every command takes `--format
table|csv|json|ndjson`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from alliancekb.cli.options import FormatOpt, ObligationsOpt, count_option, each_one_of, one_of
from alliancekb.cli.reading import (
    AsOfOpt,
    KnownOnOpt,
    as_of_date,
    date_options,
    emit,
    knowledge_time,
    read_paged,
    read_paged_core,
)
from alliancekb.core.evidence import Currency
from alliancekb.core.vocab import DisputedRule, Role, SourceKind, Status

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session


# From the vocabularies (a module of plain enums: cheap to import for --help).
STATUSES = tuple(s.value for s in Status)
ROLES = tuple(r.value for r in Role)
SOURCE_KINDS = tuple(k.value for k in SourceKind)
CURRENCIES = tuple(c.value for c in Currency)
DISPUTED_RULES = tuple(d.value for d in DisputedRule)


def _check_source_kind(value: str | None) -> str | None:
    return one_of(SOURCE_KINDS)(value)


CurrencyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--currency",
        metavar="CURRENCY",
        callback=each_one_of(CURRENCIES),
        help=(
            "Only rows of this currency (repeatable): known (within the evidence), presumed "
            "(in force past its evidence), unconfirmed (past its evidence: the last thing known)."
        ),
    ),
]


def members_cmd(
    ctx: typer.Context,
    scope: Annotated[
        str,
        typer.Argument(metavar="SCOPE", help="An alliance or a pillar, by any name or alias."),
    ],
    as_of: AsOfOpt = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            callback=each_one_of(STATUSES),
            help=f"Only this status (repeatable): {', '.join(STATUSES)}.",
        ),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            "-r",
            metavar="ROLE",
            callback=each_one_of(ROLES),
            help=f"Only this role (repeatable): {', '.join(ROLES)}.",
        ),
    ] = None,
    currency: CurrencyOpt = None,
    obligation: ObligationsOpt = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history", help="Every record of every chain (proposed -> ... -> in force)."
        ),
    ] = False,
    sources: Annotated[
        bool,
        typer.Option(
            "--sources",
            help="Keep every source key in the table (a narrow terminal otherwise counts them).",
        ),
    ] = False,
    disputed: Annotated[
        str,
        typer.Option(
            "--disputed",
            metavar="show|only|hide",
            callback=one_of(DISPUTED_RULES),
            help="Rows a source disputes: show them marked (default), only them, or hide them.",
        ),
    ] = "show",
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Who is in an alliance or pillar on a date: one row per country, with its evidence.

    A pillar's members include the alliance's members (the `via` column names the
    alliance) and the pillar's own partners. Records of one country in one scope form a
    chain ordered by `from`: a later record (proposed, then under consultation, then in
    force...) ends the earlier one where it starts, so the answer has one row per country
    and scope; --history lists the whole chain.

    The answer is for today unless --as-of DATE is given. A date counts from its first day
    (`2024-04~` from 2024-04-01) and `to` includes its last day (`to: 1986` runs through
    1986-12-31); a record without `from` starts at its earliest source.

    Each row says how far its evidence carries it: `confirmed` is the newest date a cited
    source supports it, and `currency` is known (the date lies within the evidence),
    presumed (an in-force or suspended membership past its evidence, presumed to
    continue) or unconfirmed (an announced, expected, under-consultation or proposed
    record past its evidence: only the last thing known, shown dim).

    A membership may be claimed by several sources: the knowledge base's own record (a
    treaty, a government) and datasets such as COW and ATOP (`alliancekb import`). The row
    is one per country, decided by one precedence (docs/queries.md, "When sources
    disagree"): the own record answers where there is one; between datasets, entry into
    force decides, a recorded exit ends a membership, and a dataset past its coverage is
    evidence at most to its coverage's end. A source that says otherwise makes the row
    disputed: the table's `disputed by` column names it, `disputed` in CSV/JSON says what
    it says, and the caption names countries a source lists against the answer. An
    alliance that was dissolved has no members after its end (--status ended lists them
    with their last day). `alliancekb conflicts` lists every disagreement.

    By default every status except `ended` and `declined` is shown; only `in-force` means
    "is in it".

    Examples:

      alliancekb members 'AUKUS Pillar 2'

      alliancekb members 'aukus pillar II' --status in-force --format json

      alliancekb members NATO --as-of 2023-06

      alliancekb members 'AUKUS Pillar 2' --history
    """
    from alliancekb.core.errors import NameResolutionError
    from alliancekb.query.members import members

    with read_paged_core(ctx) as (session, out):
        try:
            result = members(
                session,
                scope,
                as_of=as_of_date(as_of),
                statuses=status,
                roles=role,
                currencies=currency,
                obligations=obligation,
                history=history,
                disputed=disputed,
            )
        except NameResolutionError as exc:
            _not_a_scope(session, scope, exc)
            raise
        emit(session, result, fmt, out, whole=("sources",) if sources else ())


def _not_a_scope(session: Session | Connection, name: str, exc: Exception) -> None:
    """A name that is not an alliance or pillar but another entity: say what it is and
    which commands answer about it (`members Japan` -> `show Japan`)."""
    import shlex

    from alliancekb.core.errors import AlliancekbError, NameResolutionError
    from alliancekb.store.resolve import Kind, load_index

    if not isinstance(exc, NameResolutionError) or exc.ambiguous:
        return
    try:
        ref = load_index(session).resolve(name, frozenset(Kind))
    except NameResolutionError:
        return
    kind = ref.kind.value.replace("_", " ") if hasattr(ref.kind, "value") else str(ref.kind)
    quoted = shlex.quote(name)
    hint = f"`alliancekb show {quoted}`"
    if ref.kind is Kind.COUNTRY:
        hint += f" or `alliancekb alliances --country {quoted}`"
    article = "an" if kind[:1] in "aeiou" else "a"
    error = AlliancekbError(
        f"{name!r} is {article} {kind} ({ref.label}), not an alliance or pillar; "
        f"for what is known about it see {hint}"
    )
    error.exit_code = exc.exit_code
    raise error from None


def countries_cmd(
    ctx: typer.Context, known_on: KnownOnOpt = None, fmt: FormatOpt = "table"
) -> None:
    """List the countries: ISO codes, names and aliases.

    Example: alliancekb countries --format csv > countries.csv
    """
    from alliancekb.query.lists import countries

    with read_paged(ctx) as (session, out):
        emit(session, countries(session), fmt, out)


def alliances_cmd(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            metavar="NAME",
            help="Only the alliances this country is in on the date (any status shown by "
            "`members`), across every imported dataset.",
        ),
    ] = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List the alliances with their kind, founding date, pillars and in-force members.

    The member count is the number of rows `members ALLIANCE --status in-force` gives on
    the same date (today unless --as-of).

    Examples:

      alliancekb alliances

      alliancekb alliances --as-of 1990-01-01

      alliancekb alliances --country Turkey --as-of 1980-01-01
    """
    from alliancekb.query.lists import alliances

    with read_paged(ctx) as (session, out):
        emit(session, alliances(session, as_of_date(as_of), country=country), fmt, out)


def pillars_cmd(
    ctx: typer.Context,
    alliance: Annotated[
        str | None,
        typer.Option("--alliance", "-a", metavar="NAME", help="Only this alliance's pillars."),
    ] = None,
    as_of: AsOfOpt = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List the pillars of the alliances with their technology areas and in-force members.

    Example: alliancekb pillars --alliance AUKUS
    """
    from alliancekb.query.lists import pillars

    with read_paged(ctx) as (session, out):
        emit(session, pillars(session, alliance, as_of_date(as_of)), fmt, out)


def tech_areas_cmd(
    ctx: typer.Context,
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            metavar="NAME",
            help="Only the areas of this pillar (or any pillar of this alliance).",
        ),
    ] = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List the technology areas and the pillars that cover them.

    Example: alliancekb tech-areas --scope 'AUKUS Pillar 2'
    """
    from alliancekb.query.lists import tech_areas

    with read_paged(ctx) as (session, out):
        emit(session, tech_areas(session, scope), fmt, out)


def officials_cmd(
    ctx: typer.Context,
    country: Annotated[
        str | None,
        typer.Option(
            "--country", "-c", metavar="NAME", help="Only positions held for this country."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    all_positions: Annotated[
        bool, typer.Option("--all", help="Every position, past ones included.")
    ] = False,
    currency: CurrencyOpt = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List officials and the positions they hold today (or on --as-of DATE).

    An office is held by one person at a time: a later holder ends the earlier one's term.
    A position is a transitional fact: past its evidence (`confirmed`, the newest date a
    cited source supports it) it is only the last thing known. By default the rows are
    the positions known to be held on the date; the caption names those not confirmed
    since their last source (--currency unconfirmed lists them as rows). A position
    without `from` starts at its earliest source.

    Examples:

      alliancekb officials --country USA

      alliancekb officials --as-of 2023-01 --format json

      alliancekb officials --currency known --currency unconfirmed
    """
    from alliancekb.query.lists import officials

    with read_paged(ctx) as (session, out):
        result = officials(
            session, country, as_of_date(as_of), all_positions=all_positions, currencies=currency
        )
        emit(session, result, fmt, out)


def sources_cmd(
    ctx: typer.Context,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="KIND",
            callback=_check_source_kind,
            help=f"Only this kind: {', '.join(SOURCE_KINDS)}.",
        ),
    ] = None,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List the sources facts cite, newest first.

    Example: alliancekb sources --kind government
    """
    from alliancekb.query.lists import sources

    with read_paged(ctx) as (session, out):
        emit(session, sources(session, kind), fmt, out)


def statements_cmd(
    ctx: typer.Context,
    speaker: Annotated[
        str | None,
        typer.Option(
            "--speaker", metavar="NAME", help="Said by this official, country or alliance."
        ),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", metavar="NAME", help="About this country.")
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            metavar="NAME",
            help="About this pillar, or this alliance (its pillars included).",
        ),
    ] = None,
    tech_area: Annotated[
        str | None,
        typer.Option("--tech-area", metavar="NAME", help="About this technology area."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Dated on or after DATE.")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="DATE", help="Dated on or before DATE (2024 = all of 2024)."
        ),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            metavar="TEXT",
            help="Full-text: every word of TEXT must occur in the statement (any case).",
        ),
    ] = None,
    limit: Annotated[
        int, count_option("--limit", "-n", min=0, help="At most this many rows; 0 = all.")
    ] = 100,
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Statements, newest first, with speaker, stance, what they are about, and source.

    Search words match their English forms (`submarine` finds "submarines"); words in
    double quotes must stand in a row, in that order (`'"maritime autonomous"'`); `*`,
    `OR` or `-` have no special meaning, so any other text is safe to search for.

    Examples:

      alliancekb statements --speaker 'Rahm Emanuel'

      alliancekb statements --scope 'AUKUS Pillar 2' --since 2024 --format json

      alliancekb statements --search 'japan partner' --limit 10

      alliancekb statements --search '"maritime autonomous" japan'
    """
    from alliancekb.query.statements import statements

    with read_paged(ctx) as (session, out), date_options():
        result = statements(
            session,
            speaker=speaker,
            country=country,
            scope=scope,
            tech_area=tech_area,
            since=since,
            until=until,
            search=search,
            limit=limit or None,
        )
        emit(session, result, fmt, out)


def show_cmd(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="A country, alliance, pillar, official, technology area or source, by any name."
        ),
    ],
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """One entity's card: its facts, memberships or members, positions, recent statements
    and the sources cited.

    JSON is one object (kind, name, fields, sections); CSV and NDJSON give one record per
    field and per section row.

    Examples:

      alliancekb show Japan

      alliancekb show 'AUKUS Pillar II' --format json
    """
    from alliancekb.present.cards import emit_card
    from alliancekb.query.cards import show

    with read_paged(ctx) as (session, out):
        emit_card(show(session, name), fmt, out, known=knowledge_time(session))


def timeline_cmd(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(help="A country, alliance, pillar, official or technology area."),
    ],
    known_on: KnownOnOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Memberships, positions and statements about an entity, in date order.

    Examples:

      alliancekb timeline Japan

      alliancekb timeline 'AUKUS Pillar 2' --format csv
    """
    from alliancekb.query.timeline import timeline

    with read_paged(ctx) as (session, out):
        emit(session, timeline(session, name), fmt, out)


def register(app: typer.Typer) -> None:
    """Add the read commands to the root app."""
    app.command("members")(members_cmd)
    app.command("countries")(countries_cmd)
    app.command("alliances")(alliances_cmd)
    app.command("pillars")(pillars_cmd)
    app.command("tech-areas")(tech_areas_cmd)
    app.command("officials")(officials_cmd)
    app.command("sources")(sources_cmd)
    app.command("statements")(statements_cmd)
    app.command("show")(show_cmd)
    app.command("timeline")(timeline_cmd)
