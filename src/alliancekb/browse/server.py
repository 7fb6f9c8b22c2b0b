"""Serve a snapshot read-only in Datasette (the optional `web` extra).

The snapshot is opened immutable: Datasette never writes to it, and the file is read-only
on disk as well. The server listens on the loopback interface unless a host is given (an
empty one is refused: every interface must be named). Arbitrary SQL is off unless asked
for, and every query is bounded in time and memory (`browse.limits`); the canned
queries' parameters and the statements' search are read as the CLI reads them
(`browse.guard`). Ctrl-C, SIGTERM and SIGHUP stop it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sqlite3
import threading
import time
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alliancekb.browse.answers import ANSWER_TABLES
from alliancekb.browse.guard import SnapshotNames, guarded
from alliancekb.browse.limits import bound_process_memory, prepare_connection, settings
from alliancekb.browse.metadata import metadata
from alliancekb.core.errors import RuntimeFailure, UsageError
from alliancekb.export.sqlite_file import SNAPSHOT_TABLE

#: What to install when Datasette is missing (one line, the CLI prints it).
INSTALL_HINT = "browse needs Datasette: pip install 'alliancekb[web]'"


class MissingExtraError(RuntimeFailure):
    """An optional dependency is not installed (exit 1, one line)."""


def snapshot_info(path: Path) -> dict[str, str]:
    """The `snapshot` table of a snapshot file; UsageError when it is not one."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute(f"SELECT key, value FROM {SNAPSHOT_TABLE}").fetchall()  # noqa: S608
        finally:
            conn.close()
    except sqlite3.Error:
        raise UsageError(
            f"{path} is not a snapshot of the knowledge base; make one with "
            "`alliancekb export --sqlite FILE`"
        ) from None
    return {str(k): str(v) for k, v in rows}


def listen_address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
    """The family and address `host` names for listening; UsageError when there is none.

    An empty host would be every interface, IPv4 and IPv6, which must be asked for by
    name (0.0.0.0, ::); a name no resolver knows is said to be one (not "port in use").
    """
    if not host.strip():
        raise UsageError("--host: empty; give an interface (127.0.0.1, 0.0.0.0, ::)")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UsageError(
            f"cannot resolve {host}; give an interface (127.0.0.1, 0.0.0.0, ::)"
        ) from None
    family, _, _, _, address = found[0]
    return family, address


def port_is_free(family: socket.AddressFamily, address: tuple[Any, ...]) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(address)
        except OSError:
            return False
    return True


def _open_when_up(url: str, host: str, port: int, timeout: float = 20.0) -> None:
    def wait_then_open() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
                webbrowser.open(url)
                return
            time.sleep(0.2)

    threading.Thread(target=wait_then_open, daemon=True).start()


class Stopped(RuntimeFailure):
    """Browse was stopped by a signal before it served (while it took its snapshot)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.exit_code = 128 + signum


#: Signals that stop browse as Ctrl-C does: what `kill`, `timeout` and `docker stop`
#: send, and a closed terminal.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Inside: SIGTERM and SIGHUP raise `Stopped`, so `finally` blocks run (a temporary
    snapshot is removed) as they do for Ctrl-C's KeyboardInterrupt. Main thread only;
    `serve` stops the server itself on them while it serves."""

    def stop(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


#: The answer to a query whose rows would take the server past its memory bound.
TOO_BIG = (
    "the answer is too big: it needs more memory than the server allows a query "
    "(fewer rows or smaller values)"
)


def _plugin() -> object:
    """A Datasette plugin: every connection it opens gets the bounds of `browse.limits`,
    and a query that ran out of the memory allowed is answered 400, not a bare 500."""
    from types import ModuleType

    from datasette import hookimpl
    from datasette.utils.asgi import Response

    def handle_exception(exception: BaseException) -> Any:
        if isinstance(exception, MemoryError):
            return Response.text(TOO_BIG, status=400)
        return None

    plugin = ModuleType(PLUGIN)
    plugin.prepare_connection = hookimpl(prepare_connection)  # type: ignore[attr-defined]
    plugin.handle_exception = hookimpl(handle_exception)  # type: ignore[attr-defined]
    return plugin


def serve(
    path: Path, host: str, port: int, *, open_browser: bool = False, allow_sql: bool = False
) -> None:
    """Serve `path` until stopped (Ctrl-C, SIGTERM or SIGHUP: a clean stop, then return).

    Arbitrary SQL only with `allow_sql`; every query bounded (`browse.limits`).
    """
    try:
        import uvicorn
        from datasette.app import Datasette
        from datasette.plugins import pm
    except ImportError:
        raise MissingExtraError(INSTALL_HINT) from None
    info = snapshot_info(path)
    if not has_answers(path):
        raise UsageError(
            f"{path} was taken by an older alliancekb (it lacks the answer tables); take it "
            "again with `alliancekb export --sqlite FILE --force`"
        )
    family, address = listen_address(host, port)
    if not port_is_free(family, address):
        raise UsageError(f"port {port} on {host} is in use; choose another with --port")
    if pm.get_plugin(PLUGIN) is None:
        pm.register(_plugin(), name=PLUGIN)
    _plain_tracebacks()
    meta: dict[str, Any] = metadata(path.stem, info)
    ds = Datasette(
        immutables=[str(path)],
        metadata=json.loads(json.dumps(meta)),
        settings=settings(allow_sql=allow_sql),
    )
    asyncio.run(ds.invoke_startup())
    app = guarded(ds.app(), SnapshotNames.of(path))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/{path.stem}"
    said = "; arbitrary SQL allowed, bounded" if allow_sql else ""
    print(f"Serving {path} read-only at {url}{said} (Ctrl-C stops)", flush=True)
    if open_browser:
        _open_when_up(url, host, port)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)

    def stop(_signum: int, _frame: Any) -> None:
        # uvicorn stops gracefully on SIGINT and SIGTERM (its own handlers while it runs);
        # SIGHUP stops it the same way.
        server.should_exit = True

    bound_process_memory()
    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn raises the SIGINT that stopped it again once it has stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _plain_tracebacks() -> None:
    """Datasette's own exception handler prints every exception through Rich when Rich is
    installed (alliancekb installs it): to stdout, with every frame's local variables,
    which hold a failed query's rows. Without Rich it prints a plain traceback to stderr,
    for server errors only: that is what browse wants."""
    from datasette import handle_exception

    handle_exception.rich = None


#: The name the bounds are registered under with Datasette's plugin manager.
PLUGIN = "alliancekb-bounds"


def has_answers(path: Path) -> bool:
    """Whether the snapshot holds the answer tables the canned queries read."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    return {t.name for t in ANSWER_TABLES} <= names
