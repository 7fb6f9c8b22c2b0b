"""Serve a snapshot read-only in Datasette (the optional `web` extra).

The snapshot is opened immutable: Datasette never writes to it, and the file is read-only
on disk as well. The server listens on the loopback interface unless a host is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sqlite3
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

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


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
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


def serve(path: Path, host: str, port: int, *, open_browser: bool = False) -> None:
    """Serve `path` until interrupted (Ctrl-C)."""
    try:
        import uvicorn
        from datasette.app import Datasette
    except ImportError:
        raise MissingExtraError(INSTALL_HINT) from None
    info = snapshot_info(path)
    if not port_is_free(host, port):
        raise UsageError(f"port {port} on {host} is in use; choose another with --port")
    meta: dict[str, Any] = metadata(path.stem, info)
    ds = Datasette(
        immutables=[str(path)],
        metadata=json.loads(json.dumps(meta)),
        settings={"default_page_size": 100},
    )
    asyncio.run(ds.invoke_startup())
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/{path.stem}"
    print(f"Serving {path} read-only at {url} (Ctrl-C stops)", flush=True)
    if open_browser:
        _open_when_up(url, host, port)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
