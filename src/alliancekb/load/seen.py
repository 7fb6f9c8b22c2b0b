"""The keys a load has used, and where each was first used, kept compact at any load size.

A load refuses a second record with the natural key of an earlier one (a statement's
`id`, a membership's names, an entity's key) and a second id-less statement with the
speaker, date and source of an earlier one, naming where the first one is. It must
remember every key it has seen, as exact text: a dict of tuples held ~250 bytes a key,
about 250 MB at 1M statements. Here the keys live in an in-memory SQLite table (a
B-tree of (kind, key) -> file, line: 40-50 bytes a key) and are looked up and added a
batch at a time, so that the per-key cost stays in C.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Final

#: Keys per lookup (one bound parameter each, far below SQLite's limit).
KEYS_PER_QUERY: Final = 500


class SeenKeys:
    """(kind, key) -> (file, line) of its first use in this load."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE seen (kind INTEGER NOT NULL, key TEXT NOT NULL, file INTEGER NOT NULL,"
            " line INTEGER NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID"
        )
        # Kinds and files by number: a number takes a byte in each row, a name its length.
        self._kinds: dict[str, int] = {}
        self._file_ids: dict[str, int] = {}
        self._files: list[str] = []

    def find(self, kind: str, keys: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Where those of `keys` that were added before were first used."""
        found: dict[str, tuple[str, int]] = {}
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
        self._db.executemany(
            "INSERT INTO seen VALUES (?, ?, ?, ?)",
            ((kind_id, key, self._file_id(file), line) for key, file, line in used),
        )

    def _kind_id(self, kind: str) -> int:
        return self._kinds.setdefault(kind, len(self._kinds))

    def _file_id(self, file: str) -> int:
        found = self._file_ids.get(file)
        if found is None:
            found = self._file_ids[file] = len(self._files)
            self._files.append(file)
        return found


def _chunks(keys: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), KEYS_PER_QUERY):
        yield keys[start : start + KEYS_PER_QUERY]
