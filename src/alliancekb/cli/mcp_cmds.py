"""`alliancekb mcp`: the knowledge base served to AI assistants over MCP (assistant/)."""

from __future__ import annotations

from typing import Annotated

import typer

from alliancekb.cli.state import state_of

LOOPBACK = "127.0.0.1"


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp_cmd)


def mcp_cmd(
    ctx: typer.Context,
    http: Annotated[
        str | None,
        typer.Option(
            "--http",
            metavar="[HOST:]PORT",
            help="Serve Streamable HTTP (at /mcp) instead of stdio; on 127.0.0.1 unless a "
            "host is given (0.0.0.0 or [::] for every interface).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the knowledge base to AI assistants: a read-only MCP server (Model Context
    Protocol) on standard input and output, for a client that starts it.

    Its tools are the read commands (members, allies, alliances, officials, statements,
    show, timeline, conflicts, history, ...) and diff, with their options; each answer is
    the command's JSON rows, every row with its sources, confirmed date and currency.
    Resources: the cards of countries, alliances, officials and sources
    (alliancekb://country/JPN, alliancekb://alliance/aukus, by key); a prompt,
    how_to_answer. It never writes, runs no SQL it is given and
    reaches no network. Logs go to standard error; standard output carries the protocol
    alone. See docs/assistants.md.

    Needs the mcp extra: pip install 'alliancekb\\[mcp]'.

    Examples: alliancekb --db kb.sqlite mcp ; alliancekb mcp --http 8000
    """
    import importlib.util

    address = _address(http) if http is not None else None
    if importlib.util.find_spec("mcp") is None:
        typer.echo(
            "alliancekb: this command needs the MCP SDK: pip install 'alliancekb[mcp]'", err=True
        )
        raise typer.Exit(1)
    from alliancekb.assistant.server import build_server, serve_http, serve_stdio

    # One client over stdio: its calls are answered on the event loop (no thread hop).
    server = build_server(state_of(ctx).engine(), on_the_loop=address is None)
    if address is None:
        serve_stdio(server)
    else:
        serve_http(server, *address)


def _address(value: str) -> tuple[str, int]:
    """`[HOST:]PORT` as (host, port); the host loopback unless given (`[::1]:8000` too)."""
    from alliancekb.core.errors import UsageError

    host, _, port = value.rpartition(":")
    host = host.strip().removeprefix("[").removesuffix("]") or LOOPBACK
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise UsageError(f"--http: {value!r} is not [HOST:]PORT (a port from 1 to 65535)")
    return host, int(port)
