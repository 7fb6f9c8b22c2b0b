"""COPY behind the caller: a load's PostgreSQL COPYs run on a worker thread (a fast path).

The reference is `BulkInserter`'s synchronous COPY (store/bulk_insert.py): the caller
formats the rows, sends them and waits for the server to insert them before it plans the
next batch, so the load's wall time is the loader's time *plus* the server's. Here the
COPY of a batch runs on one worker thread while the caller plans the next: the server
inserts (its indexes, foreign keys, search document) on its own core at the same time.

What keeps it one transaction, in order, with the same errors:

- One worker, so the COPYs run in the order they were asked for (a statement's rows
  before its links), on the caller's connection and transaction.
- Before anything else runs on that connection (any statement, a commit, a rollback:
  SQLAlchemy's connection events), the caller waits for every COPY in flight; a COPY that
  failed raises its error there, as the SQLAlchemy exception an INSERT would have raised,
  so the statement that would have run after it never runs and the transaction rolls
  back. `close()` waits too and is called whether the load succeeds or not.
- At most `max_pending` COPYs wait in line, so the caller never runs far ahead (each
  holds its batch's rows).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final

from sqlalchemy import Connection, event

#: COPYs that may wait in line before the caller waits for the oldest.
MAX_PENDING: Final = 8


class CopyBehind:
    """Runs COPY jobs of one connection on a worker thread, one at a time, in order."""

    def __init__(self, conn: Connection, *, max_pending: int = MAX_PENDING) -> None:
        self.conn = conn
        self.max_pending = max_pending
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[tuple[Future[None], Callable[[BaseException], BaseException]]] = (
            deque()
        )
        self._failed: BaseException | None = None
        self._listeners: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", self._before_statement),
            ("commit", self._before_commit),
            ("rollback", self._before_rollback),
        ]

    def submit(
        self, job: Callable[[], None], as_error: Callable[[BaseException], BaseException]
    ) -> None:
        """Run `job` (one COPY) behind the caller; if it fails, `as_error` of its exception
        (called on the caller's thread) raises at the next wait."""
        self._raise_failure()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliancekb-copy")
            for name, listener in self._listeners:
                event.listen(self.conn, name, listener)
        while len(self._pending) >= self.max_pending:
            self._settle(self._pending.popleft())
            self._raise_failure()
        self._pending.append((self._pool.submit(job), as_error))

    def wait(self) -> None:
        """Wait for every COPY in flight; raise the first one's error, if one failed."""
        while self._pending:
            self._settle(self._pending.popleft())
        self._raise_failure()

    def close(self, *, failing: bool = False) -> None:
        """Wait for every COPY and stop the worker; `failing`: the caller is unwinding an
        error of its own, which a COPY's error must not replace (it is dropped)."""
        try:
            if failing:
                self._drain()
            else:
                self.wait()
        finally:
            if self._pool is not None:
                for name, listener in self._listeners:
                    event.remove(self.conn, name, listener)
                self._pool.shutdown(wait=True)
                self._pool = None

    def _settle(
        self, pending: tuple[Future[None], Callable[[BaseException], BaseException]]
    ) -> None:
        future, as_error = pending
        try:
            future.result()
        except BaseException as exc:  # kept for the caller, raised once
            if self._failed is None:
                self._failed = as_error(exc)

    def _raise_failure(self) -> None:
        failed, self._failed = self._failed, None
        if failed is not None:
            self._drain()
            raise failed

    def _drain(self) -> None:
        # After a failure the server refuses the rest of the transaction: wait the queue
        # out, keep no error (the caller rolls back).
        while self._pending:
            self._settle(self._pending.popleft())
        self._failed = None

    # A statement or a commit on the connection: the COPYs in flight first, and a COPY's
    # error instead of the statement. A rollback waits them out and goes ahead.
    def _before_statement(self, *_args: Any) -> None:
        self.wait()

    def _before_commit(self, _conn: Connection) -> None:
        self.wait()

    def _before_rollback(self, _conn: Connection) -> None:
        self._drain()
