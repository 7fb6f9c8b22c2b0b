"""A kind's section of the dump, for the kinds added after the core (`dump.kinds`).

`dump.dumper` writes each such section after the core's entities (only when it has a row,
so that a knowledge base without it dumps as before the kind existed), and `dump.diff`
watches its tables and keys its facts, both from the kind's `DumpPart`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection

from alliancekb.core.kind_parts import kind_parts
from alliancekb.dump.refs import Refs
from alliancekb.store.sql_keys import KeyOrder

Record = dict[str, Any]


class DumpReader(Protocol):
    """What of the dumper a kind's records are read with."""

    conn: Connection
    refs: Refs
    order: KeyOrder
    source_keys: dict[int, str]


@dataclass(frozen=True)
class DumpPart:
    """How one kind's section is dumped and diffed."""

    section: str
    #: The tables behind the section (what `diff` watches for writes), its own table first.
    tables: tuple[str, ...]
    #: Every record of the section, by key, in the load format.
    records: Callable[[DumpReader], Iterator[Record]]
    #: A record as (kind, natural key, fields) facts: the record, then what it owns.
    facts: Callable[[Record], Iterator[tuple[str, str, Record]]]


def put(record: Record, name: str, value: Any) -> None:
    """Set a field unless it is empty (None, '', []): left out means "not given"."""
    if value is None or value == "" or value == []:
        return
    record[name] = value


def dump_parts() -> tuple[DumpPart, ...]:
    """The `PART` of every module of `dump.kinds`."""
    parts = []
    for module in kind_parts("alliancekb.dump.kinds"):
        part = module.PART
        assert isinstance(part, DumpPart), f"{module.__name__}.PART is not a DumpPart"
        parts.append(part)
    return tuple(parts)
