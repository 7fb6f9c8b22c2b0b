"""The plan stage: what a load changes, per kind created / updated / unchanged.

The planner takes validated records, resolves their references (alliancekb.load.resolve)
and diffs them against the stored rows (alliancekb.load.stored), and hands each change it
decides to a `Writes` (alliancekb.load.apply). On a real load that writes it in the write
transaction; on `validate` and `load --dry-run`, `PlannedWrites` writes nothing and gives
provisional (negative) ids, so the plan is computed under a read transaction only, and
what it creates stays visible to later records of the load through the name index and
the stored rows (an in-memory overlay), just as written rows would be.

Records are upserted by natural key. A field left out of a record keeps its stored value;
a list that is given (aliases, sources, technology areas) replaces the stored list. So
loading the same file twice changes nothing, and an edited record counts as one update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, Table

from alliancekb.core.dates import dated_columns
from alliancekb.core.errors import Problem, ProblemList
from alliancekb.core.names import normalize
from alliancekb.core.vocab import ScopeKind, SourceKind
from alliancekb.load.all_sections import ENTITY_SECTIONS, SECTION_BY_NAME, SECTIONS
from alliancekb.load.apply import Writes
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.resolve import ONE_KIND, Loc, Resolver, Unresolved
from alliancekb.load.retract import FactKind, RetractedKeys, position_key
from alliancekb.load.schema import AllianceIn, CountryIn, OfficialIn, PillarIn
from alliancekb.load.sections import (
    COUNTRY_CODES,
    PILLAR_ALIASES,
    PILLAR_AREAS,
    POSITION_SOURCES,
    Aliases,
    Link,
    Section,
    given,
)
from alliancekb.load.seen import SeenKeys
from alliancekb.load.stored import StoredRows
from alliancekb.store import models as m
from alliancekb.store.resolve import Kind, NameIndex, Ref, pillar_label

#: Counts one outcome of a kind: (kind, "created" | "updated" | "unchanged" | "retracted").
Count = Callable[[str, str], None]


class PlannedWrites:
    """A `Writes` for a plan only: nothing is written, new rows get provisional ids."""

    def __init__(self) -> None:
        self._last_id = 0

    def _next(self) -> int:
        self._last_id -= 1
        return self._last_id

    def insert(self, table: Table, row: dict[str, Any]) -> int:
        return self._next()

    def update(self, table: Table, row_id: Any, changed: dict[str, Any]) -> None:
        pass

    def new_scope(self, kind: ScopeKind) -> int:
        return self._next()

    def replace_owned(
        self, table: Table, owner_col: str, owner_id: Any, rows: list[dict[str, Any]]
    ) -> None:
        pass

    def delete_owned(self, table: Table, owner_col: str, owner_id: Any) -> None:
        pass

    def insert_memberships(self, rows: list[dict[str, Any]]) -> list[int]:
        return [self._next() for _ in rows]

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        pass


@dataclass
class Pending:
    """A validated record waiting to be planned, and its file."""

    record: ReadRecord
    model: Any
    file: str


class Planner:
    """The plan of one load across its files: entities one by one, the rest in batches."""

    def __init__(self, conn: Connection, index: NameIndex, writes: Writes, count: Count) -> None:
        self.conn = conn
        self.index = index
        self.writes = writes
        self.count = count
        self.resolver = Resolver(index)
        self.stored = StoredRows(conn, writes, overlay=isinstance(writes, PlannedWrites))
        self.problems: list[Problem] = ProblemList()  # bounded: the first 1000, counted after
        self.unresolved: list[Problem] = ProblemList()
        self.pending: dict[str, list[Pending]] = {name: [] for name in SECTIONS}
        self.deferred: dict[str, list[Pending]] = {name: [] for name in SECTIONS}
        #: The natural keys of the records admitted before the last flush, and where.
        self.seen = SeenKeys()
        #: Those admitted since (held here until `settle`): (section, key) -> their record.
        self._admitted: dict[tuple[str, str], tuple[Pending, int]] = {}
        #: Facts retracted before this load began: a record of one is skipped, not loaded.
        self.retracted = RetractedKeys(conn)

    def close(self) -> None:
        """Free what the plan holds for the whole load (the keys it has seen)."""
        self.seen.close()

    # -- admitting records --------------------------------------------------------------

    def admit(self, record: ReadRecord, file: str) -> bool:
        """Queue a valid record, unless an earlier record of this load used its natural key.

        A key used since the last flush is refused here; one used before it, by `settle`
        (at the next flush, before anything is planned): the keys of earlier flushes are
        looked up a batch at a time (alliancekb.load.seen).
        """
        model = record.model
        key = natural_key(record.section, model)
        pending = Pending(record, model, file)
        if key is not None:
            line = record.mark_for(()).line
            earlier = self._admitted.get((record.section, key))
            if earlier is not None:
                first = earlier[0]
                self._duplicate(pending, key, (first.file, earlier[1]))
                return False
            self._admitted[(record.section, key)] = (pending, line)
        self.pending[record.section].append(pending)
        return True

    def settle(self) -> None:
        """Refuse the records admitted since the last flush whose key an earlier flush saw."""
        admitted, self._admitted = self._admitted, {}
        by_section: dict[str, list[str]] = {}
        for section, key in admitted:
            by_section.setdefault(section, []).append(key)
        for section, keys in by_section.items():
            earlier = self.seen.find(section, keys)
            refused = set()
            for key, where in earlier.items():
                item, _ = admitted[(section, key)]
                self._duplicate(item, key, where)
                refused.add(id(item))
            if refused:
                self.pending[section] = [p for p in self.pending[section] if id(p) not in refused]
            self.seen.add(
                section,
                (
                    (key, item.file, line)
                    for key in keys
                    if key not in earlier
                    for item, line in [admitted[(section, key)]]
                ),
            )

    def _duplicate(self, item: Pending, key: str, earlier: tuple[str, int]) -> None:
        record = item.record
        mark = record.mark_for(())
        self.problems.append(
            Problem(
                item.file, mark.line, mark.column, record.where,
                f"the same {singular(record.section)} ({key}) is already defined "
                f"at {earlier[0]}:{earlier[1]}",
            )
        )  # fmt: skip

    def unresolved_problem(
        self, item: Pending, exc: Unresolved, lookups: Callable[[], object] | None = None
    ) -> None:
        """The record's unresolved references as problems: `exc`, the first, or with
        `lookups` (the record's lookups) every one, each at its own place."""
        found = [exc] if lookups is None else self.resolver.every_unresolved(exc, lookups)
        for missed in found:
            mark = item.record.mark_for(missed.loc)
            self.unresolved.append(
                Problem(
                    item.file, mark.line, mark.column, where(item.record, missed.loc),
                    missed.message,
                )
            )  # fmt: skip

    # -- entities: one generic path -----------------------------------------------------

    def plan_entities(self, final: bool) -> None:
        """Plan the pending entity records, dependencies first; retry the unresolved later.

        The first stage of every flush: the records admitted since the last one are
        settled first (`settle`), so nothing is planned before its key was checked.
        """
        self.settle()
        for section in ENTITY_SECTIONS:
            records, self.pending[section.name] = self.pending[section.name], []
            for item in records:
                try:
                    self.plan_entity(section, item.model, item)
                except Unresolved as exc:
                    if final:
                        lookups = partial(self._references, section, item.model)
                        self.unresolved_problem(item, exc, lookups)
                    else:
                        self.pending[section.name].append(item)  # may be defined later

    def plan_entity(self, section: Section, record: Any, item: Pending | None = None) -> None:
        """Resolve every reference first, then diff against the stored row, then write."""
        links, children = self._references(section, record)
        key = getattr(record, section.key)
        stored = self.stored.get(section.table, section.key, key)
        values = section.values(record, None if stored is None else stored[1])
        if stored is None and section.scope is not None:
            values["scope_id"] = self.writes.new_scope(section.scope)
        if section.parts is not None:
            values.update(section.parts.values(record, children[0]))
        row_id, outcome = self._upsert(
            section.table, section.key, key, values, section.aliases,
            getattr(record, "aliases", None), links,
        )  # fmt: skip
        if isinstance(record, CountryIn) and record.codes is not None:
            outcome = merge(outcome, self._set_codes(row_id, record, item))
        self.count(section.name, outcome)
        if section.index_created_only and outcome != "created":
            return
        row = self.stored.get(section.table, section.key, key)
        assert row is not None
        names: list[str] = section.entity.names(row[1])
        if section.aliases is not None:
            names += self._aliases_of(section.aliases, row_id)
        scope_id = row[1]["scope_id"] if section.scope is not None else None
        ref = Ref(section.kind, row_id, section.entity.label(row[1]), scope_id)
        if outcome != "unchanged" and item is not None:
            names = self._without_collisions(section, item, ref, names)
        self.index.put(ref, names)
        if isinstance(record, AllianceIn):
            self._plan_pillars(row_id, record, children)
        if isinstance(record, OfficialIn):
            self._plan_positions(row_id, record, children, item)
        if section.parts is not None:
            section.parts.plan(self, row_id, record, children[0])

    def _references(
        self, section: Section, record: Any
    ) -> tuple[list[tuple[Link, list[int] | None]], list[Any]]:
        """Every reference of an entity record resolved (its links, its children's)."""
        links = [(link, self._link_targets(record, link, (link.field,))) for link in section.links]
        return links, self._resolve_children(section, record)

    def _without_collisions(
        self, section: Section, item: Pending, ref: Ref, names: list[str]
    ) -> list[str]:
        """`names` less those that already name another entity of the kind (each a problem).

        Two countries both named `Japan` (through the normal form: `JAPAN`, an NFD
        `Türkiye`) would make the name ambiguous for every later command: refused here, at
        the record's name or alias, naming both entities.
        """
        kinds = ONE_KIND[ref.kind]
        kept: list[str] = []
        for name in names:
            others = [r for r in self.index.candidates(name, kinds) if r.id != ref.id]
            if not others:
                kept.append(name)
                continue
            loc, what = self._name_field(section, item.model, name)
            mark = item.record.mark_for(loc)
            owners = ", ".join(o.label for o in others)
            self.problems.append(
                Problem(
                    item.file, mark.line, mark.column, where(item.record, loc),
                    f"{what} {name!r} of {ref.label} already names {owners} "
                    f"(another {ref.kind}): a name may mean one {ref.kind} only",
                )
            )  # fmt: skip
        return kept

    @staticmethod
    def _name_field(section: Section, record: Any, name: str) -> tuple[Loc, str]:
        """Where in the record `name` is given (its field, or an alias), and what it is."""
        wanted = normalize(name)
        for i, alias in enumerate(getattr(record, "aliases", None) or []):
            if normalize(alias) == wanted:
                return ("aliases", i), "alias"
        for column in section.entity.name_columns:
            value = getattr(record, column, None)
            if isinstance(value, str) and normalize(value) == wanted:
                return (column,), column.replace("_", " ")
        return (), "name"

    def _link_targets(self, record: Any, link: Link, loc: Loc) -> list[int] | None:
        names = getattr(record, link.field)
        if names is None:
            return None  # left out: the stored links stay
        return [r.id for r in self.resolver.refs(names, link.kind, loc)]

    def _upsert(
        self,
        table: Table,
        key: str | tuple[str, ...],
        value: Any,
        values: dict[str, Any],
        aliases: Aliases | None,
        given_aliases: list[str] | None,
        links: list[tuple[Link, list[int] | None]],
    ) -> tuple[int, str]:
        """The one shape of an entity: upsert the row, then its aliases, then its links."""
        row_id, outcome = self.stored.upsert(table, key, value, values)
        outcomes = [outcome]
        if aliases is not None:
            outcomes.append(self._set_aliases(aliases, row_id, given_aliases))
        for link, targets in links:
            outcomes.append(self.set_links(link, row_id, targets))
        return row_id, merge(*outcomes)

    # -- what differs per kind: pillars inside alliances, positions inside officials ---

    def _resolve_children(self, section: Section, record: Any) -> list[Any]:
        if section.parts is not None:
            return [section.parts.resolve(self.resolver, record)]
        if isinstance(record, AllianceIn):
            return [
                self._link_targets(p, PILLAR_AREAS, ("pillars", i, "technology_areas"))
                for i, p in enumerate(record.pillars or [])
            ]
        if isinstance(record, OfficialIn):
            return [
                self._resolve_position(pos, ("positions", i))
                for i, pos in enumerate(record.positions or [])
            ]
        return []

    def _resolve_position(
        self, pos: Any, loc: Loc
    ) -> tuple[Ref | None, Ref | None, list[Ref], Ref | None, Loc]:
        country = alliance = claimant = None
        if pos.country:
            country = self.resolver.ref(pos.country, ONE_KIND[Kind.COUNTRY], (*loc, "country"))
        if pos.alliance:
            alliance = self.resolver.ref(pos.alliance, ONE_KIND[Kind.ALLIANCE], (*loc, "alliance"))
        sources = self.resolver.refs(pos.sources, Kind.SOURCE, (*loc, "sources"))
        if pos.claimed_by:
            claimant = self.resolver.ref(
                pos.claimed_by, ONE_KIND[Kind.SOURCE], (*loc, "claimed_by")
            )
        return country, alliance, sources, claimant, loc

    def _plan_pillars(self, alliance_id: int, a: AllianceIn, areas: list[Any]) -> None:
        for pillar, targets in zip(a.pillars or [], areas, strict=True):
            self._plan_pillar(alliance_id, a.name, pillar, targets)

    def _plan_pillar(
        self, alliance_id: int, alliance_name: str, p: PillarIn, areas: list[int] | None
    ) -> None:
        key = (alliance_id, p.number)
        values = given(p, {"name": p.name, "description": p.description}, always={"name"})
        if self.stored.get(_PILLARS, _PILLAR_KEY, key) is None:
            values["scope_id"] = self.writes.new_scope(ScopeKind.PILLAR)
        row_id, outcome = self._upsert(
            _PILLARS, _PILLAR_KEY, key, values, PILLAR_ALIASES, p.aliases, [(PILLAR_AREAS, areas)]
        )
        stored = self.stored.get(_PILLARS, _PILLAR_KEY, key)
        assert stored is not None
        self.count("pillars", outcome)
        label = pillar_label(alliance_name, p.number, p.name)
        ref = Ref(Kind.PILLAR, row_id, label, int(stored[1]["scope_id"]))
        self.index.put_pillar(
            alliance_id, p.number, ref, [p.name, *self._aliases_of(PILLAR_ALIASES, row_id)]
        )

    def _position_claim(self, claimant: Ref | None, loc: Loc, item: Pending | None) -> str | None:
        """'' for the own record; a dataset source's key; None (a problem) for a source
        that is not a dataset."""
        if claimant is None:
            return ""
        stored = self.stored.get(_SOURCES, "key", claimant.label)
        if stored is not None and stored[1]["kind"] == SourceKind.DATASET:
            return claimant.label
        if item is not None:
            mark = item.record.mark_for((*loc, "claimed_by"))
            self.problems.append(
                Problem(
                    item.file, mark.line, mark.column, where(item.record, (*loc, "claimed_by")),
                    f"{claimant.label} is not a source of kind `dataset`: only a dataset's "
                    "claims are kept apart from the knowledge base's own records",
                )
            )  # fmt: skip
        return None

    def _plan_positions(
        self, official_id: int, o: OfficialIn, resolved: list[Any], item: Pending | None
    ) -> None:
        for pos, (country, alliance, sources, claimant, loc) in zip(
            o.positions or [], resolved, strict=True
        ):
            claim = self._position_claim(claimant, loc, item)
            if claim is None:
                continue
            start = dated_columns("from_text", "from", pos.from_)
            del start["from_text"]  # part of the key, below
            values = {
                "country_id": country.id if country else None,
                "alliance_id": alliance.id if alliance else None,
                "organisation": pos.organisation,
                **start,
                **dated_columns("to_text", "to", pos.to),
                **dated_columns("confirmed", "confirmed", pos.confirmed),
                "note": pos.note,
            }
            key = (official_id, pos.title, pos.from_ or "", claim)
            if self.retracted.any(FactKind.POSITION):
                official = self.stored.natural_key(Ref(Kind.OFFICIAL, official_id, ""))
                if (FactKind.POSITION, position_key(official, pos.title, pos.from_, claim)) in (
                    self.retracted
                ):
                    self.count("positions", "retracted")
                    continue
            _, outcome = self._upsert(
                _POSITIONS, _POSITION_KEY, key, values, None, None,
                [(POSITION_SOURCES, [s.id for s in sources])],
            )  # fmt: skip
            self.count("positions", outcome)

    # -- a country's codes ---------------------------------------------------------------

    def _set_codes(self, country_id: int, c: CountryIn, item: Pending | None) -> str:
        """Replace a country's dated codes with the given ones; a code another has is refused.

        A code's key is (scheme, code, from): COW 255 from 1816 (the German Reich) and from
        1990-10-03 (Germany) are two codes of two countries; the same key twice is an error.
        """
        owned = self.stored.country_codes()
        wanted: list[dict[str, Any]] = []
        for i, code in enumerate(c.codes or []):
            key = (str(code.scheme), code.code, code.from_ or "")
            holder = owned.get(key)
            if holder is not None and holder[0] != country_id:
                if item is not None:
                    mark = item.record.mark_for(("codes", i))
                    self.problems.append(
                        Problem(
                            item.file, mark.line, mark.column, where(item.record, ("codes", i)),
                            f"{key[0]} code {key[1]} from {key[2] or 'an unknown date'} is "
                            f"already the code of {holder[1]}",
                        )
                    )  # fmt: skip
                continue
            wanted.append({
                "country_id": country_id, "scheme": key[0], "code": key[1],
                **dated_columns("from_text", "from", code.from_),
                **dated_columns("to_text", "to", code.to),
            })  # fmt: skip
        stored = sorted(
            (dict(values) for k, (owner, _, values) in owned.items() if owner == country_id),
            key=_code_order,
        )
        wanted.sort(key=_code_order)
        if stored == wanted:
            return "unchanged"
        for k in [k for k, (owner, _, _v) in owned.items() if owner == country_id]:
            del owned[k]
        for values in wanted:
            owned[(values["scheme"], values["code"], values["from_text"])] = (
                country_id, c.iso3, values,
            )  # fmt: skip
        self.writes.replace_owned(COUNTRY_CODES, "country_id", country_id, wanted)
        return "updated"

    # -- aliases and links --------------------------------------------------------------

    def _aliases_of(self, aliases: Aliases, owner_id: int) -> list[str]:
        return [alias for alias, _ in self.stored.aliases(aliases.table, aliases.owner, owner_id)]

    def _set_aliases(self, aliases: Aliases, owner_id: int, given: list[str] | None) -> str:
        """Replace an entity's aliases with the given list (None: keep them)."""
        if given is None:
            return "unchanged"
        wanted: dict[str, str] = {}
        for alias in given:
            wanted.setdefault(normalize(alias), alias)
        wanted.pop("", None)
        stored = self.stored.aliases(aliases.table, aliases.owner, owner_id)
        if {norm: alias for alias, norm in stored} == wanted:
            return "unchanged"
        self.writes.replace_owned(
            aliases.table, aliases.owner, owner_id,
            [{aliases.owner: owner_id, "alias": a, "normalized": n} for n, a in wanted.items()],
        )  # fmt: skip
        pairs = [(a, n) for n, a in wanted.items()]
        self.stored.set_aliases(aliases.table, aliases.owner, owner_id, pairs)
        return "updated"

    def set_links(
        self,
        link: Link,
        owner_id: Any,
        targets: list[int] | None,
        stored: dict[Any, set[int]] | None = None,
    ) -> str:
        """Replace an owner's links (sources, technology areas) with the given ids.

        `stored`: the owners' stored links as the caller read them (memberships: per
        batch); by default the whole link table's, read once.
        """
        if targets is None:
            return "unchanged"
        wanted = set(targets)
        if stored is None:
            stored = self.stored.links(link.table, link.owner, link.target)
        if stored.get(owner_id, set()) == wanted:
            return "unchanged"
        self.writes.replace_owned(
            link.table, link.owner, owner_id,
            [{link.owner: owner_id, link.target: t} for t in sorted(wanted)],
        )  # fmt: skip
        stored[owner_id] = wanted
        return "updated"


_PILLARS: Table = m.Pillar.__table__  # type: ignore[assignment]
_PILLAR_KEY = ("alliance_id", "number")
_POSITIONS: Table = m.Position.__table__  # type: ignore[assignment]
_SOURCES: Table = m.Source.__table__  # type: ignore[assignment]
_POSITION_KEY = ("official_id", "title", "from_text", "claim")


def _code_order(values: dict[str, Any]) -> tuple[str, str, str]:
    return (values["scheme"], values["code"], values["from_text"])


def merge(*outcomes: str) -> str:
    """One outcome for a record from those of its parts."""
    if "created" in outcomes:
        return "created"
    return "updated" if "updated" in outcomes else "unchanged"


def natural_key(section: str, model: Any) -> str | None:
    """The key no two records of a load may share (a statement's only if it has an id)."""
    if section in SECTION_BY_NAME:
        return str(getattr(model, SECTION_BY_NAME[section].key))
    if section == "statements":
        return str(model.id) if model.id else None
    if section == "memberships":
        country, scope = normalize(model.country), normalize(model.scope)
        claim = f" / {normalize(model.claimed_by)}" if model.claimed_by else ""
        return f"{country} / {scope} / {model.role} / {model.from_ or ''}{claim}"
    return None


def where(record: ReadRecord, loc: Loc) -> str:
    """`statements[3]` + ("about", "countries", 1) -> `statements[3].about.countries[1]`."""
    path = record.where
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def singular(section: str) -> str:
    """A section's name for one of its records: `countries` -> `country`."""
    name = section.replace("_", " ")
    return name[:-3] + "y" if name.endswith("ies") else name[:-1]
