"""The keys a load has used, and where each was first used, in bounded memory at any size.

A load refuses a second record with the natural key of an earlier one (a statement's
`id`, a membership's names, an entity's key) and a second id-less statement with the
speaker, date and source of an earlier one, naming where the first one is. It must
remember every key it has seen, as exact text: a dict of tuples held ~250 bytes a key,
about 250 MB at 1M statements. Here the keys live in a private SQLite database (a B-tree
of (kind, key) -> file, line: 40-50 bytes a key), looked up and added a batch at a time so
that the per-key cost stays in C. The database is SQLite's private temporary one: it stays
in memory up to its page cache (SEEN_CACHE_KIB) and spills the rest to a file in the
temporary directory (SQLITE_TMPDIR or TMPDIR), deleted when it is closed. Held wholly in
memory, it made the peak memory of a 1M-statement load 1.7 times that of a 100k one
(docs/PERFORMANCE.md); a small cache measured faster than a large one once it spills.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Final

from alliancekb.core.errors import RuntimeFailure

#: Keys per lookup (one bound parameter each, far below SQLite's limit).
KEYS_PER_QUERY: Final = 500
#: The page cache of the keys' database, in KiB: beyond it, pages go to the temporary file.
SEEN_CACHE_KIB: Final = 2048


class SeenKeys:
    """(kind, key) -> (file, line) of its first use in this load."""

    def __init__(self, cache_kib: int = SEEN_CACHE_KIB) -> None:
        # "" is a private temporary database: in memory until its cache is full.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        with _failures():
            # Nothing here must survive a crash: no journal, no syncing.
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
            self._db.execute(
                "CREATE TABLE seen (kind INTEGER NOT NULL, key TEXT NOT NULL,"
                " file INTEGER NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (kind, key))"
                " WITHOUT ROWID"
            )
        # Kinds and files by number: a number takes a byte in each row, a name its length.
        self._kinds: dict[str, int] = {}
        self._file_ids: dict[str, int] = {}
        self._files: list[str] = []

    def find(self, kind: str, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Where those of `keys` that were added before were first used."""
        found: dict[str, tuple[str, int]] = {}
        with _failures():
            for chunk in _chunks(list(keys)):
                marks = ", ".join(["?"] * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, file, line FROM seen WHERE kind = ? AND key IN ({marks})",  # noqa: S608 (only placeholders)
                    [self._kind_id(kind), *chunk],
                )
                for key, file, line in rows:
                    found[key] = (self._files[file], line)
        return found

    def add(self, kind: str, used: Iterable[tuple[str, str, int]]) -> None:
        """Record (key, file, line) uses, none of them added before."""
        kind_id = self._kind_id(kind)
        with _failures():
            self._db.executemany(
                "INSERT INTO seen VALUES (?, ?, ?, ?)",
                ((kind_id, key, self._file_id(file), line) for key, file, line in used),
            )

    def close(self) -> None:
        """Free the keys (and delete the temporary file, if they spilled to one)."""
        self._db.close()

    def _kind_id(self, kind: str) -> int:
        return self._kinds.setdefault(kind, len(self._kinds))

    def _file_id(self, file: str) -> int:
        found = self._file_ids.get(file)
        if found is None:
            found = self._file_ids[file] = len(self._files)
            self._files.append(file)
        return found


@contextmanager
def _failures() -> Iterator[None]:
    """A failure of the keys' temporary file (a full disk, an I/O error) as a RuntimeFailure."""
    try:
        yield
    except sqlite3.Error as exc:
        raise RuntimeFailure(
            "the load could not keep its list of the keys it has read in the temporary "
            f"directory ({exc}); nothing was loaded. Free space there, or point TMPDIR "
            "at a directory with room"
        ) from exc


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), KEYS_PER_QUERY):
        yield keys[start : start + KEYS_PER_QUERY]
