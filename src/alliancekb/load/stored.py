"""The stored rows a plan is computed against: read once per load, kept in step with its plan.

Small tables (sources, countries, alliances, their aliases and links) are read whole on
first use; what the plan then creates or changes is recorded here too (with provisional
ids on a dry run), so later records of the load see it as if it were stored.
Memberships, which grow with the knowledge base (100k beside 1M statements), are read per
batch of natural keys on a real load (what the load wrote is read back from its own
transaction); a dry run, which writes nothing, keeps them whole here as it plans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, and_, bindparam, column, select, values

from alliancekb.load.apply import Writes
from alliancekb.store import models as m
from alliancekb.store.resolve import Kind, Ref

Key = str | tuple[str, ...]
#: A stored (or planned) row: its id, and its values by column.
Row = tuple[int, dict[str, Any]]


class StoredRows:
    """Stored rows of the small tables, by natural key, kept in step with the plan."""

    def __init__(self, conn: Connection, writes: Writes, *, overlay: bool = False) -> None:
        self.conn = conn
        self.writes = writes
        #: Whether the plan's rows exist only here (a dry run), not in the database.
        self.overlay = overlay
        self._rows: dict[tuple[str, Key], dict[Any, Row]] = {}
        self._aliases: dict[str, dict[int, list[tuple[str, str]]]] = {}
        self._links: dict[str, dict[Any, set[int]]] = {}
        self._memberships: dict[tuple[Any, ...], tuple[int | None, dict[str, Any]]] | None = None
        self._reverse: dict[Kind, dict[int, str]] = {}
        self._codes: dict[tuple[str, str, str], tuple[int, str, dict[str, Any]]] | None = None
        self._owned: dict[str, dict[Any, list[dict[str, Any]]]] = {}

    def _table(self, table: Table, key: Key) -> dict[Any, Row]:
        cache_key = (table.name, key)
        if cache_key not in self._rows:
            rows: dict[Any, Row] = {}
            for row in self.conn.execute(select(*table.columns)).mappings():
                values = dict(row)
                natural = values[key] if isinstance(key, str) else tuple(values[k] for k in key)
                rows[natural] = (values["id"], values)
            self._rows[cache_key] = rows
        return self._rows[cache_key]

    def get(self, table: Table, key: Key, value: Any) -> Row | None:
        return self._table(table, key).get(value)

    def upsert(self, table: Table, key: Key, value: Any, values: dict[str, Any]) -> tuple[int, str]:
        """Insert or update one row by natural key; return its id and what happened."""
        rows = self._table(table, key)
        found = rows.get(value)
        if found is None:
            natural = {key: value} if isinstance(key, str) else dict(zip(key, value, strict=True))
            row = {**natural, **values}
            row_id = self.writes.insert(table, row)
            rows[value] = (row_id, {"id": row_id, **row})
            return row_id, "created"
        row_id, stored = found
        changed = {k: v for k, v in values.items() if stored.get(k) != v}
        if not changed:
            return row_id, "unchanged"
        self.writes.update(table, row_id, changed)
        stored.update(changed)
        return row_id, "updated"

    def aliases(self, table: Table, owner_col: str, owner_id: int) -> list[tuple[str, str]]:
        """An owner's (alias, normalized alias) pairs."""
        if table.name not in self._aliases:
            grouped: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for owner_value, alias, norm in self.conn.execute(
                select(table.c[owner_col], table.c.alias, table.c.normalized)
            ):
                grouped[owner_value].append((alias, norm))
            self._aliases[table.name] = grouped
        return self._aliases[table.name].get(owner_id, [])

    def set_aliases(
        self, table: Table, owner_col: str, owner_id: int, aliases: list[tuple[str, str]]
    ) -> None:
        self.aliases(table, owner_col, owner_id)
        self._aliases[table.name][owner_id] = aliases

    def links(self, table: Table, owner_col: str, target_col: str) -> dict[Any, set[int]]:
        if table.name not in self._links:
            grouped: dict[Any, set[int]] = defaultdict(set)
            for owner, target in self.conn.execute(select(table.c[owner_col], table.c[target_col])):
                grouped[owner].add(target)
            self._links[table.name] = grouped
        return self._links[table.name]

    def owned(self, table: Table, owner_col: str) -> dict[Any, list[dict[str, Any]]]:
        """A table of rows each owner has whole (an edition's participants), by owner.

        The caller keeps it in step with what it plans (it replaces an owner's list).
        """
        if table.name not in self._owned:
            grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for row in self.conn.execute(select(*table.columns)).mappings():
                values = {k: v for k, v in row.items() if k != "v_load"}
                grouped[values[owner_col]].append(values)
            self._owned[table.name] = grouped
        return self._owned[table.name]

    def memberships(
        self, keys: Collection[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], tuple[int | None, dict[str, Any]]]:
        """Memberships by (country, scope, role, from, claim), those of `keys` at least.

        The caller records in it what it plans (id None: planned in this batch, its id
        comes later). On a real load a new mapping per call, read from the database;
        on a dry run the one mapping of the whole table, kept in step with the plan.
        """
        columns = list(_MEMBERSHIPS.columns)
        if self.overlay:
            if self._memberships is None:
                self._memberships = {
                    membership_key(r): (r["id"], dict(r))
                    for r in self.conn.execute(select(*columns)).mappings()
                }
            return self._memberships
        found: dict[tuple[Any, ...], tuple[int | None, dict[str, Any]]] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            chunk = wanted[start : start + KEYS_PER_QUERY]
            # A query per size, padded with the last key (a few sizes, each built once):
            # a query built per batch holds its keys in reference cycles, which the
            # paused collector (loader._gc_paused) would keep for the whole load.
            size = min(KEYS_PER_QUERY, 1 << (len(chunk) - 1).bit_length())
            chunk += [chunk[-1]] * (size - len(chunk))
            params = {
                f"k{i}_{j}": value for i, key in enumerate(chunk) for j, value in enumerate(key)
            }
            for r in self.conn.execute(_memberships_query(size), params).mappings():
                found[membership_key(r)] = (r["id"], dict(r))
        return found

    def membership_links(self, table: Table, owner_col: str, target_col: str,
                         owners: Collection[int]) -> dict[Any, set[int]]:  # fmt: skip
        """The links of memberships (their sources), those of `owners` at least.

        Like `memberships`: per call from the database on a real load, the whole table
        kept in step with the plan on a dry run (`links`).
        """
        if self.overlay:
            return self.links(table, owner_col, target_col)
        grouped: dict[Any, set[int]] = defaultdict(set)
        wanted = list(owners)
        for start in range(0, len(wanted), KEYS_PER_QUERY):
            chunk = wanted[start : start + KEYS_PER_QUERY]
            query = select(table.c[owner_col], table.c[target_col]).where(
                table.c[owner_col].in_(chunk)
            )
            for owner, target in self.conn.execute(query):
                grouped[owner].add(target)
        return grouped

    def country_codes(self) -> dict[tuple[str, str, str], tuple[int, str, dict[str, Any]]]:
        """Country codes by (scheme, code, from): (country id, its iso3, the row's values)."""
        if self._codes is None:
            cc, c = m.CountryCode, m.Country
            self._codes = {}
            columns = [cc.country_id, cc.scheme, cc.code, cc.from_text, cc.from_lower,
                       cc.from_upper, cc.to_text, cc.to_lower, cc.to_upper]  # fmt: skip
            query = select(*columns, c.iso3).join(c, c.id == cc.country_id)
            for row in self.conn.execute(query).mappings():
                values = {col.key: row[col.key] for col in columns}
                values["scheme"] = str(values["scheme"])
                key = (values["scheme"], values["code"], values["from_text"])
                self._codes[key] = (row["country_id"], row["iso3"], values)
        return self._codes

    def natural_key(self, ref: Ref) -> str:
        """The key behind a speaker, so a derived statement id does not depend on database ids."""
        table, key = _SPEAKER_KEYS[ref.kind]
        reverse = self._reverse.setdefault(ref.kind, {})
        if ref.id not in reverse:  # created during this load: refresh the reverse map
            reverse.update({row_id: str(n) for n, (row_id, _) in self._table(table, key).items()})
        return reverse[ref.id]

    def scope_key(self, ref: Ref) -> str:
        """An alliance's or pillar's key as retractions name it: `aukus`, `aukus/2`."""
        if ref.kind is Kind.ALLIANCE:
            return self.natural_key(ref)
        for (alliance_id, number), (row_id, _) in self._table(_PILLARS, _PILLAR_KEY).items():
            if row_id == ref.id:
                alliance = self.natural_key(Ref(Kind.ALLIANCE, alliance_id, ""))
                return f"{alliance}/{number}"
        raise KeyError(ref)


#: A membership's natural key (its unique constraint).
MEMBERSHIP_KEY = ("country_id", "scope_id", "role", "from_text", "claim")
#: Keys (or owners) per query of memberships: 5 parameters each, far below the limits.
KEYS_PER_QUERY = 1024


@cache
def _memberships_query(size: int) -> Select[Any]:
    """Memberships whose natural key is one of `size` given as parameters `k{i}_{j}`.

    The keys are a table joined on the unique key's index (SQLite scans the whole table
    for a row-value IN list).
    """
    table = _MEMBERSHIPS
    keyed = (
        values(*(column(name, table.c[name].type) for name in MEMBERSHIP_KEY), name="wanted")
        .data(
            [
                tuple(
                    bindparam(f"k{i}_{j}", type_=table.c[name].type)
                    for j, name in enumerate(MEMBERSHIP_KEY)
                )
                for i in range(size)
            ]
        )
        .cte("wanted")
    )
    on = and_(*(table.c[name] == keyed.c[name] for name in MEMBERSHIP_KEY))
    return select(*table.columns).join_from(keyed, table, on)


def membership_key(values: Any) -> tuple[Any, ...]:
    """A membership's natural key from its values: (country, scope, role, from, claim)."""
    return (
        values["country_id"], values["scope_id"], values["role"], values["from_text"],
        values["claim"],
    )  # fmt: skip


_MEMBERSHIPS: Table = m.Membership.__table__  # type: ignore[assignment]


_PILLARS: Table = m.Pillar.__table__  # type: ignore[assignment]
_PILLAR_KEY = ("alliance_id", "number")
_SPEAKER_KEYS: dict[Kind, tuple[Table, str]] = {
    Kind.OFFICIAL: (m.Official.__table__, "key"),  # type: ignore[dict-item]
    Kind.COUNTRY: (m.Country.__table__, "iso3"),  # type: ignore[dict-item]
    Kind.ALLIANCE: (m.Alliance.__table__, "key"),  # type: ignore[dict-item]
}
