"""What one request may cost the browse server: its SQL's time, its values' size, memory.

Arbitrary SQL (`?sql=`) is off unless `browse --sql` turns it on; the canned queries,
table pages and facets run either way. Every query, canned or not, is bounded:

- in time: Datasette's `sql_time_limit_ms` interrupts a query past it (a facet has its
  own, shorter `facet_time_limit_ms`), and `max_returned_rows` caps the rows fetched;
- in size: every connection gets `SQLITE_LIMIT_LENGTH` (no string or blob, and no row
  built for a sort, over `VALUE_BYTES`: `zeroblob(1000000000)` is "string or blob too
  big" at once) and `SQLITE_LIMIT_COLUMN`;
- in memory: SQLite's own heap is capped (`PRAGMA hard_heap_limit`, process-wide: an
  allocation past it fails as "out of memory"), and the process's data segment is capped
  (`RLIMIT_DATA`) so that rows that are each small but many cannot grow the server
  either: the request fails, its memory is freed, the server answers the next one.

Plain functions, no Datasette import: `server` registers `prepare_connection` as a
Datasette plugin and passes `settings()` to it.
"""

from __future__ import annotations

import contextlib
import resource
import sqlite3
from typing import Any

#: A query's time, in milliseconds (Datasette's own default, stated).
SQL_TIME_LIMIT_MS = 1000
#: Rows one query may return to a page or a JSON/CSV answer.
MAX_RETURNED_ROWS = 1000
#: The largest string or blob (or sorted row) a query may make. Loaded texts are at most
#: 100,000 characters (`load.schema`), a statement row a few of them: far below.
VALUE_BYTES = 16 * 1024 * 1024
#: Columns of a table or a result (the widest stored table has a few dozen).
MAX_COLUMNS = 256
#: SQLite's heap, for every connection of the server together.
SQLITE_HEAP_BYTES = 512 * 1024 * 1024
#: The server's data segment past what it holds when it starts serving.
PROCESS_HEADROOM_BYTES = 1024 * 1024 * 1024


def settings(*, allow_sql: bool) -> dict[str, Any]:
    """Datasette settings: arbitrary SQL only when asked for; every query bounded."""
    return {
        "default_page_size": 100,
        "default_allow_sql": allow_sql,
        "sql_time_limit_ms": SQL_TIME_LIMIT_MS,
        "max_returned_rows": MAX_RETURNED_ROWS,
    }


def prepare_connection(conn: sqlite3.Connection) -> None:
    """Bound what a query on `conn` can make (every connection Datasette opens)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.execute(f"PRAGMA hard_heap_limit = {SQLITE_HEAP_BYTES}")


def _data_segment() -> int:
    """The process's data segment now (VmData), in bytes; 0 when it cannot be read."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def bound_process_memory() -> None:
    """Cap the process's data segment at what it holds now plus `PROCESS_HEADROOM_BYTES`.

    Only lowers the limit (never raises one the caller set). A platform without
    `RLIMIT_DATA` accounting (or /proc) keeps the SQLite bounds alone.
    """
    now = _data_segment()
    if not now:
        return
    wanted = now + PROCESS_HEADROOM_BYTES
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
