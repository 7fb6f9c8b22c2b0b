"""The MCP server: the tools, the entity cards as resources, and the prompt on how to answer.

`build_server(engine)` makes an `MCPServer` (the official SDK's) over one database engine;
`serve_stdio` and `serve_http` run it (the `mcp` command). Every tool and resource reads in
its own read transaction; nothing writes.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from sqlalchemy import Engine

from alliancekb.assistant import guide
from alliancekb.assistant.tools import Reading, diff_tool, question_tools
from alliancekb.core.errors import AlliancekbError
from alliancekb.core.version import __version__
from alliancekb.store.entities import Kind

#: The entity cards served as resources: the address's kind -> (the entity kind, its key's
#: name in the address, what the key is).
CARDS: dict[str, tuple[Kind, str, str]] = {
    "country": (Kind.COUNTRY, "iso3", "its ISO 3166 alpha-3 code (JPN) or any name"),
    "alliance": (Kind.ALLIANCE, "key", "its key (aukus) or any name"),
    "official": (Kind.OFFICIAL, "key", "its key or name"),
    "source": (Kind.SOURCE, "key", "its key, as a row's `sources` give it"),
}


def build_server(engine: Engine, *, on_the_loop: bool = False) -> MCPServer:
    """The read-only MCP server over the knowledge base behind `engine`; `on_the_loop`:
    answer each call on the event loop, for one client (stdio; see `tools.Reading`)."""
    reading = Reading(engine, on_the_loop=on_the_loop)
    server: MCPServer = MCPServer(
        "alliancekb",
        version=__version__,
        instructions=guide.INSTRUCTIONS,
        tools=[*question_tools(reading), diff_tool(reading)],
        log_level="WARNING",
    )
    for address, (kind, variable, what) in CARDS.items():
        server.resource(
            f"alliancekb://{address}/{{{variable}}}",
            name=f"{address} card",
            description=f"The card of one {kind.value} (`alliancekb show --format json`), "
            f"by {what}: its facts, and its sections' rows with their sources.",
            mime_type="application/json",
        )(_card_reader(reading, kind, variable))
    server.prompt(
        name="how_to_answer",
        description="How to read alliancekb's statuses and currencies, and cite its sources.",
    )(_how_to_answer)
    return server


def _how_to_answer() -> str:
    return guide.HOW_TO_ANSWER


def _card_reader(reading: Reading, kind: Kind, variable: str) -> Callable[..., str]:
    """The resource function of one kind's cards, taking its key by `variable`'s name."""

    def read(**values: Any) -> str:
        from alliancekb.query.cards import show

        try:
            with reading.session(None) as session:
                card = show(session, values[variable], kinds={kind})
            return json.dumps(card.as_json(), ensure_ascii=False)
        except AlliancekbError as exc:
            raise ResourceError(reading.scrub(str(exc))) from None

    # The SDK matches the address's variables to the function's parameters by name.
    parameter = inspect.Parameter(variable, inspect.Parameter.KEYWORD_ONLY, annotation=str)
    read.__signature__ = inspect.Signature([parameter], return_annotation=str)  # type: ignore[attr-defined]
    read.__annotations__ = {variable: str, "return": str}
    read.__name__ = f"{kind.name.lower()}_card"
    return read


def serve_stdio(server: MCPServer) -> None:
    """Serve on standard input and output until the client closes them."""
    anyio.run(server.run_stdio_async)


def serve_http(server: MCPServer, host: str, port: int) -> None:
    """Serve Streamable HTTP on host:port (path /mcp) until interrupted."""
    anyio.run(functools.partial(server.run_streamable_http_async, host=host, port=port))
