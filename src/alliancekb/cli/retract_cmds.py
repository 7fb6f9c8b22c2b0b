"""`retract`: withdraw a membership, a position or a statement, saying why.

Thin: parse the names and options, call `alliancekb.load.retract_one.retract`, say what it
did. What the load format refuses is refused here with the option's name (exit 2): a dump
writes every retraction, and a dump must load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from alliancekb.cli.state import state_of

if TYPE_CHECKING:
    from alliancekb.load.retract import Request

app = typer.Typer(
    name="retract",
    no_args_is_help=True,
    rich_markup_mode="rich",
    help=(
        "Withdraw a fact that turned out wrong: it leaves every query, export and search, "
        "and is kept, with who retracted it, why and when, in `alliancekb history`.\n\n"
        "A later load of a file that still holds the fact skips it (counted as "
        "retracted). Retracting again changes nothing. There is no undo.\n\n"
        "Examples:\n\n"
        "  alliancekb retract membership Japan 'AUKUS Pillar 2' --role partner "
        "--reason 'The source was misquoted'\n\n"
        "  alliancekb retract position rahm-emanuel 'Ambassador to Japan' --from 2022-03 "
        "--reason 'Wrong start date; see the corrected record'\n\n"
        "  alliancekb retract statement emanuel-japan-first-partner "
        "--reason 'Retracted by the newspaper' --by 'J. Analyst'"
    ),
)

ReasonOpt = Annotated[
    str,
    typer.Option(
        "--reason",
        help="Why the fact is withdrawn (kept in the history): one line, no control characters.",
        show_default=False,
    ),
]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who retracts it (one line, at most 500 characters). Default: your user name.",
        show_default=False,
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DATE",
        help="The fact's start date as stored (EDTF, e.g. 2024-04~): picks one of several.",
        show_default=False,
    ),
]


OwnOpt = Annotated[
    bool,
    typer.Option(
        "--own",
        help="The knowledge base's own record, not a dataset's claim: picks one of several.",
    ),
]


def _claim_option(example: str) -> Any:
    """--claim SOURCE: which dataset's claim, `example` naming a dataset that claims it."""
    return typer.Option(
        "--claim",
        metavar="SOURCE",
        help=f"The claim of this dataset source (e.g. {example}), as `claimed_by` in a "
        "load: picks one of several.",
        show_default=False,
    )


def _whose(fact: str, own: bool, claim: str | None) -> str | None:
    """The claimant --own or --claim picks ('' for the own record; None: either)."""
    if own and claim is not None:
        raise typer.BadParameter(
            f"{fact} is the knowledge base's own or a dataset's claim, not both",
            param_hint="--own / --claim",
        )
    return "" if own else claim


def _edtf(value: str | None) -> str | None:
    from alliancekb.core.dates import EdtfError, parse_edtf

    if value is None:
        return None
    try:
        return parse_edtf(value.strip()).text
    except EdtfError as exc:
        raise typer.BadParameter(str(exc), param_hint="--from") from None


def _checked(field: str, value: str, hint: str) -> str:
    """The value as the load format keeps it; exit 2 naming `hint` when it refuses it."""
    from alliancekb.load.retract_one import InvalidRetraction, checked

    try:
        return checked(field, value)
    except InvalidRetraction as exc:
        raise typer.BadParameter(exc.why, param_hint=hint) from None


def _reason(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("say why the fact is withdrawn", param_hint="--reason")
    return _checked("reason", value, "--reason")


@app.command("membership")
def membership_cmd(
    ctx: typer.Context,
    country: Annotated[str, typer.Argument(help="The country: code, name or alias.")],
    scope: Annotated[str, typer.Argument(help="The alliance or pillar: key, name or alias.")],
    reason: ReasonOpt,
    role: Annotated[
        str | None,
        typer.Option(
            "--role", help="The membership's role: picks one of several.", show_default=False
        ),
    ] = None,
    from_: FromOpt = None,
    own: OwnOpt = False,
    claim: Annotated[str | None, _claim_option("cow-alliances-4.1")] = None,
    by: ByOpt = None,
) -> None:
    """Withdraw a country's membership of an alliance or pillar.

    Example: alliancekb retract membership JPN 'AUKUS Pillar II' --reason 'Misreported'
    """
    from alliancekb.core.vocab import Role
    from alliancekb.load.retract import FactKind, Request

    if role is not None and role not in {r.value for r in Role}:
        choices = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"{role!r} is not a role; one of: {choices}", param_hint="--role")
    whose = _whose("a membership", own, claim)
    request = Request(FactKind.MEMBERSHIP, (country, scope), role, _edtf(from_), whose)
    _run(ctx, request, _reason(reason), by)


@app.command("position")
def position_cmd(
    ctx: typer.Context,
    official: Annotated[str, typer.Argument(help="The official: key, name or alias.")],
    title: Annotated[str, typer.Argument(help="The position's title, as stored.")],
    reason: ReasonOpt,
    from_: FromOpt = None,
    own: OwnOpt = False,
    claim: Annotated[str | None, _claim_option("wikidata")] = None,
    by: ByOpt = None,
) -> None:
    """Withdraw a position an official is recorded as holding.

    Example: alliancekb retract position 'Rahm Emanuel' 'Ambassador to Japan' --reason 'Wrong'
    """
    from alliancekb.load.retract import FactKind, Request

    whose = _whose("a position", own, claim)
    title = _checked("title", title, "TITLE")
    request = Request(FactKind.POSITION, (official, title), None, _edtf(from_), whose)
    _run(ctx, request, _reason(reason), by)


@app.command("statement")
def statement_cmd(
    ctx: typer.Context,
    statement_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="The statement's id (`statements -f json` shows it)."),
    ],
    reason: ReasonOpt,
    by: ByOpt = None,
) -> None:
    """Withdraw a statement, by its id.

    Example: alliancekb retract statement st-1a2b3c4d5e6f7a8b9c0d --reason 'Misattributed'
    """
    from alliancekb.load.retract import FactKind, Request

    statement_id = _checked("id", statement_id, "ID")
    _run(ctx, Request(FactKind.STATEMENT, (statement_id,)), _reason(reason), by)


def _run(ctx: typer.Context, request: Request, reason: str, by: str | None) -> None:
    from alliancekb.load.retract import describe
    from alliancekb.load.retract_one import retract
    from alliancekb.present.escape import visible

    if by is not None:
        by = _checked("by", by, "--by")
    result = retract(state_of(ctx).engine(), request, reason=reason, by=by)
    outcome = result.outcome
    what = visible(describe(outcome.fact), newlines=False)
    if outcome.status == "already":
        assert outcome.earlier is not None
        earlier = outcome.earlier
        typer.echo(
            f"{what} was already retracted on {earlier.day} by "
            f"{visible(earlier.by, newlines=False)} ({visible(earlier.reason, newlines=False)}): "
            "nothing changed"
        )
        return
    if outcome.status == "retracted":
        typer.echo(f"retracted {what}: no query, export or search shows it any more")
    else:
        typer.echo(
            f"{what} is not in the knowledge base; the retraction is recorded all the same, "
            "so no later load can add it"
        )
    typer.echo(f"recorded as load {result.load_id} (see `alliancekb history`)")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="retract")
