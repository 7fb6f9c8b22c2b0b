"""`alliancekb mcp`: the MCP server for AI assistants (src/alliancekb/assistant/).

Through the SDK's own client: in memory (the client connected to the server object) on
every backend, and once through a real stdio subprocess. The rows a tool returns are the
CLI's `--format json` rows; the library's errors come back as tool errors; the server
survives them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.core.evidence import Currency
from alliancekb.core.vocab import Status
from alliancekb.query.declare import Shape
from alliancekb.query.questions import QUESTIONS
from tests.conftest import TestDatabase

pytest.importorskip("mcp")

from mcp import Client, StdioServerParameters
from mcp.server import MCPServer
from mcp.types import CallToolResult

from alliancekb.assistant import guide
from alliancekb.assistant.schema import PAGE_DEFAULT
from alliancekb.assistant.server import build_server

SRC = Path(__file__).resolve().parents[1] / "src"
T = TypeVar("T")


@pytest.fixture
def server(seeded_db: TestDatabase) -> MCPServer:
    return build_server(seeded_db.engine)


def talk(server: MCPServer, conversation: Callable[[Client], Awaitable[T]]) -> T:
    """Run a conversation with the server through the SDK's in-memory client."""

    async def main() -> T:
        async with Client(server, cache=None) as client:
            return await conversation(client)

    return anyio.run(main)


def call(server: MCPServer, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    return talk(server, lambda c: c.call_tool(tool, arguments))


def answer(result: CallToolResult) -> dict[str, Any]:
    """A successful result's structured content (equal to its JSON text)."""
    assert not result.is_error, result.content
    content = result.structured_content
    assert isinstance(content, dict)
    text = result.content[0]
    assert text.type == "text"
    assert json.loads(text.text) == content
    return content


def cli_json(db: TestDatabase, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", db.url, *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- tools/list --------------------------------------------------------------------------


def test_tools_list_names_every_question_with_its_schemas(server: MCPServer) -> None:
    tools = {t.name: t for t in talk(server, lambda c: c.list_tools()).tools}
    assert set(tools) == {*QUESTIONS, "diff"}
    for name, q in QUESTIONS.items():
        tool = tools[name]
        assert tool.description
        assert q.summary in tool.description
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.annotations.open_world_hint is False
        assert tool.output_schema is not None
        assert tool.output_schema["type"] == "object"
        schema = tool.input_schema
        properties = schema["properties"]
        assert schema["additionalProperties"] is False
        assert "known_on" in properties
        for p in q.parameters:
            if p.name == "limit" and p.shape is Shape.COUNT:
                continue  # the page's limit stands for it
            prop = properties[p.name]
            assert prop["description"] == p.about.help
            if p.choices:
                assert p.choices == tuple(prop.get("enum") or prop["items"]["enum"])
            if p.shape is Shape.COUNT:
                assert prop["minimum"] == (p.about.lowest or 0)
            assert (p.name in schema.get("required", [])) == p.required
        if name != "show":
            assert {"limit", "cursor"} <= set(properties)
            assert "next_cursor" in tool.output_schema["properties"]
    members = tools["members"].input_schema
    assert members["required"] == ["scope"]
    assert members["properties"]["status"]["items"]["enum"] == [s.value for s in Status]
    assert tools["diff"].input_schema["required"] == ["before"]


def test_descriptions_say_what_every_status_and_currency_means() -> None:
    assert set(guide.STATUS_MEANINGS) == set(Status)
    assert set(guide.CURRENCY_MEANINGS) == set(Currency)
    for status in Status:
        assert f"{status.value}: " in guide.READING
        assert status.value in guide.HOW_TO_ANSWER


# -- the answers are the CLI's -----------------------------------------------------------


def test_members_returns_the_rows_of_members_format_json(
    server: MCPServer, seeded_db: TestDatabase
) -> None:
    expected = cli_json(seeded_db, "members", "AUKUS Pillar 2")
    got = answer(call(server, "members", {"scope": "AUKUS Pillar 2"}))
    assert got["rows"] == expected
    assert got["total"] == len(expected)
    assert got["next_cursor"] is None
    meta = got["meta"]
    assert meta["scope"].startswith("AUKUS Pillar 2")
    assert meta["hidden"] == ["ended", "declined"]
    assert meta["newest_evidence"]
    assert all(row["sources"] and row["currency"] for row in got["rows"])


def test_filters_are_the_commands_options(server: MCPServer, seeded_db: TestDatabase) -> None:
    expected = cli_json(seeded_db, "members", "AUKUS", "-s", "in-force", "--as-of", "2023-06")
    arguments = {"scope": "AUKUS", "status": ["in-force"], "as_of": "2023-06"}
    got = answer(call(server, "members", arguments))
    assert got["rows"] == expected
    assert got["meta"]["statuses"] == ["in-force"]
    assert got["meta"]["as_of"] == "2023-06-01"
    # One value where the schema says a list: taken as a list of one, as the API does.
    assert answer(call(server, "members", {**arguments, "status": "in-force"}))["rows"] == expected


#: (CLI arguments, the tool and its arguments giving the same rows)
SAME_ROWS: list[tuple[list[str], str, dict[str, Any]]] = [
    (["countries"], "countries", {"limit": 1000}),
    (["alliances", "--as-of", "2000"], "alliances", {"as_of": "2000"}),
    (
        ["allies", "USA", "--obligation", "defense"],
        "allies",
        {"country": "USA", "obligation": ["defense"]},
    ),
    (["conflicts"], "conflicts", {}),
    (["pillars", "--alliance", "AUKUS"], "pillars", {"alliance": "AUKUS"}),
    (["tech-areas"], "tech_areas", {}),
    (["officials", "--all"], "officials", {"all_positions": True}),
    (["sources", "--kind", "government"], "sources", {"kind": "government"}),
    (
        ["statements", "--scope", "AUKUS Pillar 2", "-n", "0"],
        "statements",
        {"scope": "AUKUS Pillar 2"},
    ),
    (["timeline", "Japan"], "timeline", {"name": "Japan"}),
    (["history"], "history", {}),
]


@pytest.mark.parametrize(
    ("args", "tool", "arguments"), SAME_ROWS, ids=[a[0] for a, _, _ in SAME_ROWS]
)
def test_every_tool_returns_its_commands_json_rows(
    server: MCPServer,
    seeded_db: TestDatabase,
    args: list[str],
    tool: str,
    arguments: dict[str, Any],
) -> None:
    expected = cli_json(seeded_db, *args)
    got = answer(call(server, tool, arguments))
    assert got["rows"] == expected
    assert got["total"] == len(expected)


def test_a_long_answer_is_paged_never_cut(server: MCPServer, seeded_db: TestDatabase) -> None:
    expected = cli_json(seeded_db, "statements", "-n", "0")
    assert len(expected) > 2 * 7

    async def every_page(client: Client) -> list[dict[str, Any]]:
        pages = []
        cursor: str | None = None
        while True:
            arguments: dict[str, Any] = {"limit": 7}
            if cursor is not None:
                arguments["cursor"] = cursor
            page = answer(await client.call_tool("statements", arguments))
            # More than this page: not counted (the query read one row past it); the last
            # page counts them all.
            last = page["next_cursor"] is None
            assert page["total"] == (len(expected) if last else None)
            assert len(page["rows"]) <= 7
            pages.append(page)
            cursor = page["next_cursor"]
            if cursor is None:
                return pages

    pages = talk(server, every_page)
    assert [row for page in pages for row in page["rows"]] == expected
    assert len(pages) == -(-len(expected) // 7)
    first = answer(call(server, "statements", {}))
    assert len(first["rows"]) == min(PAGE_DEFAULT, len(expected))


def test_known_on_reads_a_past_load_as_the_api_does(
    server: MCPServer, seeded_db: TestDatabase
) -> None:
    expected = cli_json(seeded_db, "members", "AUKUS", "--known-on", "1")
    got = answer(call(server, "members", {"scope": "AUKUS", "known_on": 1}))
    assert got["rows"] == expected
    assert got["rows"][0]["known_on"] == 1
    assert got["meta"]["known_on"].startswith("load 1 ")
    assert answer(call(server, "members", {"scope": "AUKUS", "known_on": "1"}))["rows"] == expected


def test_show_returns_the_card_and_diff_the_changes(
    server: MCPServer, seeded_db: TestDatabase
) -> None:
    assert answer(call(server, "show", {"name": "Japan"})) == cli_json(seeded_db, "show", "Japan")
    changes = answer(call(server, "diff", {"before": 0, "limit": 3}))
    assert changes["total"] > 3
    assert len(changes["rows"]) == 3
    assert changes["next_cursor"] == "3"


# -- errors an assistant can recover from ------------------------------------------------


def error(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error
    text = result.content[0]
    assert text.type == "text"
    assert "Traceback" not in text.text
    return result.structured_content or {"error": text.text}


def test_errors_come_back_as_tool_errors_and_the_server_goes_on(server: MCPServer) -> None:
    async def conversation(client: Client) -> list[CallToolResult]:
        return [
            await client.call_tool("show", {"name": "AI"}),
            await client.call_tool("members", {"scope": "AUKUS Pilar 2"}),
            await client.call_tool("statements", {"since": "2024-13"}),
            await client.call_tool("members", {"scope": "AUKUS", "known_on": "1990-01-01"}),
            await client.call_tool("members", {"scope": "AUKUS", "status": "member"}),
            await client.call_tool("members", {"scope": "AUKUS", "date": "2024"}),
            await client.call_tool("statements", {"cursor": "next please"}),
            await client.call_tool("statements", {"limit": 0}),
            await client.call_tool("members", {"scope": "AUKUS"}),
        ]

    (
        ambiguous,
        unknown,
        bad_date,
        too_early,
        bad_status,
        misspelt,
        bad_cursor,
        bad_limit,
        after,
    ) = talk(server, conversation)
    facts = error(ambiguous)
    assert facts["ambiguous"] is True
    assert len(facts["candidates"]) == 2
    assert any("Anguilla" in c for c in facts["candidates"])
    assert sorted(facts["names"]) == ["Anguilla", "Artificial intelligence and autonomy"]
    facts = error(unknown)
    assert facts["ambiguous"] is False
    assert any(c.startswith("AUKUS Pillar 2") for c in facts["candidates"])
    assert facts["names"][0] == "AUKUS Pillar 2"  # a name that resolves, not the label
    assert "Call again with one of these names: AUKUS Pillar 2;" in unknown.content[0].text  # type: ignore[union-attr]
    facts = error(bad_date)
    assert facts["parameter"] == "since"
    assert "month 13" in facts["error"]
    facts = error(too_early)
    assert facts["parameter"] == "known_on"
    assert "no load had finished" in facts["error"]
    assert "in-force" in error(bad_status)["error"]
    assert "date" in error(misspelt)["error"]
    assert "cursor" in error(bad_cursor)["error"]
    assert "limit" in error(bad_limit)["error"]
    assert answer(after)["rows"]


def test_resources_are_the_cards_and_the_prompt_teaches_the_statuses(
    server: MCPServer, seeded_db: TestDatabase
) -> None:
    async def conversation(client: Client) -> tuple[Any, ...]:
        templates = await client.list_resource_templates()
        japan = await client.read_resource("alliancekb://country/JPN")
        aukus = await client.read_resource("alliancekb://alliance/aukus")
        prompt = await client.get_prompt("how_to_answer")
        try:
            await client.read_resource("alliancekb://country/Atlantis")
        except Exception as exc:  # the SDK raises the server's error
            missing = str(exc)
        return templates, japan, aukus, prompt, missing

    templates, japan, aukus, prompt, missing = talk(server, conversation)
    assert {t.uri_template for t in templates.resource_templates} == {
        "alliancekb://country/{iso3}",
        "alliancekb://alliance/{key}",
        "alliancekb://official/{key}",
        "alliancekb://source/{key}",
    }
    assert json.loads(japan.contents[0].text) == cli_json(seeded_db, "show", "Japan")
    assert json.loads(aukus.contents[0].text)["kind"] == "alliance"
    assert "Atlantis" in missing
    text = prompt.messages[0].content.text
    assert "Only `in-force` means" in text
    assert "according to" in text


# -- an assistant's questions ------------------------------------------------------------


def test_an_assistant_answers_its_questions_in_one_or_two_calls(server: MCPServer) -> None:
    async def conversation(client: Client) -> tuple[Any, ...]:
        # "Which countries are in AUKUS Pillar 2?"
        members = answer(await client.call_tool("members", {"scope": "AUKUS Pillar 2"}))
        # "Who is Japan's prime minister?"
        officials = answer(await client.call_tool("officials", {"country": "Japan"}))
        # "What did the US say about Japan and AUKUS in 2024?" and the source's card.
        arguments = {
            "speaker": "United States",
            "country": "Japan",
            "scope": "AUKUS",
            "since": "2024",
            "until": "2024",
        }
        said = answer(await client.call_tool("statements", arguments))
        source = answer(await client.call_tool("show", {"name": said["rows"][0]["source"]}))
        return members, officials, said, source

    members, officials, said, source = talk(server, conversation)
    in_it = {r["iso3"] for r in members["rows"] if r["status"] == "in-force"}
    assert in_it == {"AUS", "GBR", "USA"}
    japan = next(r for r in members["rows"] if r["iso3"] == "JPN")
    assert japan["status"] == "under-consultation"  # not a member, and the row says so
    for row in members["rows"]:
        assert row["sources"]
        assert row["confirmed"]
        assert row["currency"] in {"known", "presumed", "unconfirmed"}
    minister = next(r for r in officials["rows"] if "Prime Minister" in r["title"])
    assert minister["sources"]
    assert minister["currency"]
    assert minister["confirmed"]
    assert said["rows"]
    assert all(r["speaker"] == "United States" for r in said["rows"])
    assert all(r["source"] and r["date"].startswith("2024") for r in said["rows"])
    assert "JPN" in said["rows"][0]["countries"]
    assert source["kind"] == "source"
    assert source["fields"]["published"]


def test_two_hundred_calls_leave_memory_flat(server: MCPServer) -> None:
    arguments = {"scope": "AUKUS Pillar 2"}

    async def conversation(client: Client) -> tuple[int, int]:
        for _ in range(20):  # warm: caches, pools, the SDK's first-call work
            answer(await client.call_tool("members", arguments))
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(200):
                answer(await client.call_tool("members", arguments))
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        return before, after

    before, after = talk(server, conversation)
    # A leak of one answer a call (~10 KB) would be 2 MB; a generous bound below it.
    assert after - before < 1_500_000, (before, after)


# -- the command -------------------------------------------------------------------------


def test_the_server_speaks_over_stdio_with_nothing_else_on_stdout(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    if seeded_db.backend != "sqlite":
        pytest.skip("one subprocess test, on SQLite")
    path = seeded_db.url.removeprefix("sqlite:///")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "alliancekb", "--db", path, "mcp"], env=env
    )

    async def main() -> tuple[list[str], dict[str, Any]]:
        async with Client(params) as client:
            tools = [t.name for t in (await client.list_tools()).tools]
            got = answer(await client.call_tool("members", {"scope": "AUKUS Pillar 2"}))
            return tools, got

    tools, got = anyio.run(main)
    assert "members" in tools
    assert "diff" in tools
    assert got["rows"] == cli_json(seeded_db, "members", "AUKUS Pillar 2")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(process: subprocess.Popen[bytes], port: int) -> None:
    """Until the server accepts a connection; fails with its stderr if it exits first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"mcp --http exited {process.returncode}: {stderr}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("mcp --http did not listen within 60 s")


def test_the_server_speaks_streamable_http_on_loopback(seeded_db: TestDatabase) -> None:
    if seeded_db.backend != "sqlite":
        pytest.skip("one subprocess test, on SQLite")
    path = seeded_db.url.removeprefix("sqlite:///")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    port = _free_loopback_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "alliancekb", "--db", path, "mcp", "--http", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until_listening(process, port)

        async def main() -> tuple[list[str], dict[str, Any]]:
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                tools = [t.name for t in (await client.list_tools()).tools]
                got = answer(await client.call_tool("members", {"scope": "AUKUS Pillar 2"}))
                return tools, got

        tools, got = anyio.run(main)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "members" in tools
    assert got["rows"] == cli_json(seeded_db, "members", "AUKUS Pillar 2")


def test_without_the_sdk_the_command_says_what_to_install(
    seeded_db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "mcp" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    result = CliRunner().invoke(app, ["--db", seeded_db.url, "mcp"])
    assert result.exit_code == 1
    assert "pip install 'alliancekb[mcp]'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["abc", "localhost:", "host:70000", ":0"])
def test_a_bad_http_address_is_a_usage_error(seeded_db: TestDatabase, value: str) -> None:
    result = CliRunner().invoke(app, ["--db", seeded_db.url, "mcp", "--http", value])
    assert result.exit_code == 2
    assert "--http" in result.stderr
