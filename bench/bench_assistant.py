"""The assistants' server (issue 31): a tool call against the same API call, in process.

    python -m bench --only assistant

On a seeded SQLite database, one process opens the knowledge base (`open_kb`), builds the
MCP server over its engine (`assistant.server.build_server`) and connects the SDK's
in-memory client to it. For each question, after one untimed warm-up of each, it times
``runs`` alternating calls of the API method (`kb.members(...)`: the same query function
as the command, rows as its JSON) and of the tool with the same arguments (through the
client: the argument model, the read transaction, one page of the same rows, the meta, the
JSON text and structured content, the SDK's dispatch, and the client's own parsing and
output-schema check); and the tool as the server runs it (`MCPServer.call_tool`: the tool
without the client and the protocol's dispatch). The ratio tool / API is what serving a
question to an assistant adds; the issue's target is within 1.5x. Ratios, not absolute
times: all run in the same process, alternately, in the same run.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

#: The most a tool call may cost, as a multiple of the same API call (issue 31).
TARGET = 1.5

#: (name, the API method's name, the arguments both take, what only the API call adds to
#: ask the same query as the command). `statements` is the command's query with its limit
#: for people (100 rows, `statements --search japan`): the tool's page is 100 rows too,
#: and it reads no further than one row past it.
QUESTIONS: tuple[tuple[str, str, dict[str, Any], dict[str, Any]], ...] = (
    ("members AUKUS Pillar 2", "members", {"scope": "AUKUS Pillar 2"}, {}),
    ("officials Japan", "officials", {"country": "Japan"}, {}),
    ("statements search japan", "statements", {"search": "japan"}, {"limit": 100}),
    ("show Japan", "show", {"name": "Japan"}, {}),
)


def run(workdir: Path, runs: int = 20) -> dict[str, Any]:
    """Median milliseconds of each question by the API and by the tool, and their ratio."""
    import anyio

    workdir.mkdir(parents=True, exist_ok=True)
    return anyio.run(_run, workdir / "assistant.sqlite", runs)


async def _run(path: Path, runs: int) -> dict[str, Any]:
    from mcp import Client

    from alliancekb import open_kb
    from alliancekb.assistant.server import build_server

    figures = []
    with open_kb(path) as kb:
        server = build_server(kb.engine, on_the_loop=True)  # as `alliancekb mcp` over stdio
        async with Client(server, cache=None) as client:
            for name, method, arguments, api_only in QUESTIONS:

                def api(m: str = method, a: dict[str, Any] = arguments | api_only) -> Any:
                    return getattr(kb, m)(**a)

                async def through_client(m: str = method, a: dict[str, Any] = arguments) -> Any:
                    return await client.call_tool(m, a)

                async def in_server(m: str = method, a: dict[str, Any] = arguments) -> Any:
                    return await server.call_tool(m, a)

                figures.append(await _question(name, api, through_client, in_server, runs))
    return {"runs": runs, "target": TARGET, "figures": figures}


async def _question(
    name: str,
    api: Callable[[], Any],
    through_client: Callable[[], Awaitable[Any]],
    in_server: Callable[[], Awaitable[Any]],
    runs: int,
) -> dict[str, Any]:
    """One question's medians: the API call, the tool through the client, the tool as the
    server runs it (`MCPServer.call_tool`: no client, no protocol dispatch)."""
    api()
    await through_client()
    await in_server()  # warm-up: untimed
    times: dict[str, list[float]] = {"api": [], "tool": [], "server": []}
    for _ in range(runs):  # alternating, so that a slow spell of the machine hits all three
        # Each starts with no garbage of the others' to collect (the client makes plenty).
        gc.collect()
        start = time.perf_counter()
        api()
        times["api"].append((time.perf_counter() - start) * 1000)
        gc.collect()
        start = time.perf_counter()
        result = await through_client()
        times["tool"].append((time.perf_counter() - start) * 1000)
        if result.is_error:
            raise RuntimeError(f"{name}: {result.content}")
        gc.collect()
        start = time.perf_counter()
        await in_server()
        times["server"].append((time.perf_counter() - start) * 1000)
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratio = medians["tool"] / medians["api"] if medians["api"] else 0.0
    return {
        "question": name,
        "api_ms": medians["api"],
        "tool_ms": medians["tool"],
        "server_ms": medians["server"],
        "ratio": ratio,
        "server_ratio": medians["server"] / medians["api"] if medians["api"] else 0.0,
        "met": ratio <= TARGET,
    }


def markdown(result: dict[str, Any]) -> list[str]:
    """The figures as a Markdown table."""
    lines = [
        "| question | API (ms) | tool, through the client (ms) | tool / API | within 1.5× "
        "| tool in the server (ms) | server / API |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for f in result["figures"]:
        met = "yes" if f["met"] else "**no**"
        lines.append(
            f"| `{f['question']}` | {f['api_ms']:.1f} | {f['tool_ms']:.1f} | "
            f"{f['ratio']:.2f}× | {met} | {f['server_ms']:.1f} | {f['server_ratio']:.2f}× |"
        )
    return lines


if __name__ == "__main__":
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        measured = run(Path(folder), runs=int(sys.argv[1]) if len(sys.argv) > 1 else 20)
    print("\n".join(markdown(measured)))
