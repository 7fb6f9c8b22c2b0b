"""Loading YAML into the knowledge base: validate -> resolve -> diff -> apply, in one transaction.

A load run reads its files as streams of validated records (a big file is read and
validated by a child process meanwhile: see alliancekb.load.records). Small sections (sources,
countries, alliances, ...) are held until the next flush and applied in dependency order;
memberships and statements are applied in batches with bulk statements. A reference may
point at an entity defined later in the same file: a record whose names do not resolve
yet waits for the end of the file. Every problem of every file is collected; if there is
any, the whole transaction is rolled back and the database is unchanged.

Records are upserted by natural key. A field left out of a record keeps its stored value;
a list that is given (aliases, sources, technology areas) replaces the stored list. So
loading the same file twice changes nothing, and an edited record counts as one update.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Dialect, Engine, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from alliancekb.core.errors import InvalidDataError, Problem, UnresolvedReferenceError
from alliancekb.core.names import normalize
from alliancekb.core.vocab import ScopeKind
from alliancekb.load.records import open_read
from alliancekb.load.schema import (
    SECTIONS,
    AllianceIn,
    CountryIn,
    MembershipIn,
    OfficialIn,
    PillarIn,
    PositionIn,
    SourceIn,
    StatementIn,
    TechnologyAreaIn,
    bounds,
    iso_country,
)
from alliancekb.load.yaml_reader import DEFAULT_MAX_BYTES, RawRecord
from alliancekb.store import models as m
from alliancekb.store.db import write_session
from alliancekb.store.resolve import (
    SCOPE_KINDS,
    SPEAKER_KINDS,
    Kind,
    NameIndex,
    Ref,
    country_label,
    load_index,
    pillar_label,
)
from alliancekb.store.search import bulk_indexing

#: Statements and memberships are written in batches of this many records.
BATCH_SIZE = 2000
#: Kinds counted in a load report, in the order they are shown.
COUNTED_KINDS = (
    "sources",
    "countries",
    "technology_areas",
    "alliances",
    "pillars",
    "officials",
    "positions",
    "memberships",
    "statements",
)

Loc = tuple[str | int, ...]


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class FileReport:
    path: str
    sha256: str
    size: int
    records: int


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would do)."""

    files: list[FileReport] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in COUNTED_KINDS}
    )
    dry_run: bool = False
    load_id: int | None = None

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values())

    def counts_dict(self) -> dict[str, dict[str, int]]:
        return {
            kind: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for kind, c in self.counts.items()
        }


#: Called as records are read: (file, records read in it, bytes read, file size).
ProgressCallback = Callable[[Path, int, int, int], None]


class _Unresolved(Exception):
    """A reference that does not resolve (yet): the location and the explanation."""

    def __init__(self, loc: Loc, message: str, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.ambiguous = ambiguous


@dataclass
class _Pending:
    raw: RawRecord
    model: Any
    file: str


def load_files(
    engine: Engine,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: ProgressCallback | None = None,
) -> LoadReport:
    """Load YAML files in one transaction; raise InputError (nothing written) on any problem."""
    report = LoadReport(dry_run=dry_run)
    started = dt.datetime.now(dt.UTC)
    with _gc_paused(), write_session(engine) as session:
        loader = _Loader(session, report)
        # Statements are indexed for search in one pass at the end (a failure rolls back).
        with _large_cache(loader.conn), bulk_indexing(loader.conn):
            for path in paths:
                loader.load_file(path, max_bytes=max_bytes, progress=progress)
            loader.raise_problems()
        if dry_run:
            session.rollback()
            return report
        load = m.Load(started_at=started, counts=report.counts_dict())
        load.files = [
            m.LoadFile(position=i, path=f.path, sha256=f.sha256, size=f.size, records=f.records)
            for i, f in enumerate(report.files)
        ]
        session.add(load)
        session.flush()
        report.load_id = load.id
    return report


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a load.

    A batch of pending records (their marks, models and rows) lives long enough to be
    promoted to the oldest generation, so a load of 100k statements otherwise triggers a
    full collection of the whole heap every batch: 9 of 23 seconds. A load makes no
    reference cycles worth collecting (memory is the same with the collector paused);
    reference counting frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: SQLite page cache for a load, in KiB: the statement and link primary keys are random
#: (hashed ids), and the default 2 MB cache makes their inserts thrash.
LOAD_CACHE_KIB = 32 * 1024


@contextmanager
def _large_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache for the duration of a load (a per-connection setting)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def statement_id(speaker: str, date: str, text: str, source: str) -> str:
    """A deterministic id from a statement's content, so re-loading never duplicates it."""
    digest = hashlib.sha256("\x1f".join((speaker, date, text, source)).encode()).hexdigest()
    return f"st-{digest[:20]}"


class _Loader:
    """The state of one load run across its files."""

    def __init__(self, session: Session, report: LoadReport) -> None:
        # Core statements on the session's connection: the ORM's bulk path costs 3x here.
        self.conn = session.connection()
        self.report = report
        self.index: NameIndex = load_index(session)
        self.problems: list[Problem] = []
        self.unresolved: list[Problem] = []
        self.pending: dict[str, list[_Pending]] = {name: [] for name in SECTIONS}
        self.deferred: dict[str, list[_Pending]] = {name: [] for name in SECTIONS}
        self._cache = _Cache(self.conn)
        self._insert_plans: dict[tuple[str, tuple[str, ...]], _InsertPlan | None] = {}
        self._lookups: dict[tuple[str, frozenset[Kind]], Ref | str] = {}
        self._lookups_version = -1
        self.seen: dict[tuple[str, str], tuple[str, int]] = {}
        # The ids of the statements this load inserted, kept only when the table was empty as
        # it began (then no other statement can exist, and most batches skip the lookup).
        self._inserted_statements: set[str] | None = (
            set() if self.conn.execute(select(_STATEMENTS.c.id).limit(1)).first() is None else None
        )

    # -- reading ----------------------------------------------------------------------

    def load_file(self, path: Path, *, max_bytes: int, progress: ProgressCallback | None) -> None:
        name = str(path)
        read = open_read(path, name=name, max_bytes=max_bytes, problems=self.problems)
        count = 0
        try:
            for raw, model in read.records():
                count += 1
                if model is not None and self._first_time(raw, model, name):
                    self.pending[raw.section].append(_Pending(raw, model, name))
                    if len(self.pending["statements"]) >= BATCH_SIZE or (
                        len(self.pending["memberships"]) >= BATCH_SIZE
                    ):
                        self.flush(final=False)
                if progress is not None and count % 500 == 0:
                    progress(path, count, read.bytes_read, read.size)
        finally:
            read.close()
        self.problems.extend(read.reader_problems)
        self.flush(final=True)
        if progress is not None:
            progress(path, count, read.size, read.size)
        self.report.files.append(FileReport(name, read.sha256, read.size, count))

    def _first_time(self, raw: RawRecord, model: Any, file: str) -> bool:
        """Refuse a record whose natural key an earlier record of this load already used."""
        key = _natural_key(raw.section, model)
        if key is None:
            return True
        mark = raw.mark_for(())
        earlier = self.seen.get((raw.section, key))
        if earlier is not None:
            self.problems.append(
                Problem(
                    file, mark.line, mark.column, raw.where,
                    f"the same {singular(raw.section)} ({key}) is already defined "
                    f"at {earlier[0]}:{earlier[1]}",
                )
            )  # fmt: skip
            return False
        self.seen[(raw.section, key)] = (file, mark.line)
        return True

    # -- applying ---------------------------------------------------------------------

    def flush(self, *, final: bool) -> None:
        """Apply what is pending, dependencies first; on `final`, report what never resolved."""
        for section in ("sources", "countries", "technology_areas", "alliances", "officials"):
            records, self.pending[section] = self.pending[section], []
            for item in records:
                self._apply_entity(section, item, final)
        for section, apply in (
            ("memberships", self._apply_memberships),
            ("statements", self._apply_statements),
        ):
            batch, self.pending[section] = self.pending[section], []
            if final:
                batch = self.deferred[section] + batch
                self.deferred[section] = []
            for start in range(0, len(batch), BATCH_SIZE):
                apply(batch[start : start + BATCH_SIZE], final)

    def _unresolved_problem(self, item: _Pending, exc: _Unresolved) -> None:
        mark = item.raw.mark_for(exc.loc)
        self.unresolved.append(
            Problem(item.file, mark.line, mark.column, _where(item.raw, exc.loc), exc.message)
        )

    def _ref(self, name: str, kinds: frozenset[Kind], loc: Loc) -> Ref:
        """The entity `name` means (cached until the index changes); else _Unresolved."""
        if self._lookups_version != self.index.version:
            self._lookups.clear()
            self._lookups_version = self.index.version
        key = (name, kinds)
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = self.index.lookup(name, kinds)
        if found.__class__ is str:
            assert isinstance(found, str)
            raise _Unresolved(loc, found, ambiguous=found.startswith(("ambiguous",)))
        return found  # type: ignore[return-value]

    def _refs(self, names: Iterable[str], kind: Kind, loc: Loc) -> list[Ref]:
        """Each name's entity, once each, in order (the hot path of statements)."""
        kinds = _ONE_KIND[kind]
        refs: dict[int, Ref] = {}
        for i, name in enumerate(names):
            ref = self._ref(name, kinds, (*loc, i))
            refs[ref.id] = ref
        return list(refs.values())

    def _apply_entity(self, section: str, item: _Pending, final: bool) -> None:
        try:
            if section == "sources":
                self._apply_source(item.model)
            elif section == "countries":
                self._apply_country(item.model)
            elif section == "technology_areas":
                self._apply_technology_area(item.model)
            elif section == "alliances":
                self._apply_alliance(item.model)
            else:
                self._apply_official(item.model)
        except _Unresolved as exc:
            if final:
                self._unresolved_problem(item, exc)
            else:
                self.pending[section].append(item)  # may be defined later: retried next flush

    # Each entity: resolve every reference first, then diff against the stored row, then write.

    def _count(self, kind: str, outcome: str) -> None:
        self.report.counts[kind].add(outcome)

    def _apply_source(self, src: SourceIn) -> None:
        published = bounds(src.published)
        values = _given(
            src,
            {
                "title": src.title,
                "publisher": src.publisher,
                "author": src.author,
                "url": src.url,
                "published": src.published,
                "published_lower": published.lower if published else None,
                "published_upper": published.upper if published else None,
                "retrieved": src.retrieved or "",
                "kind": src.kind,
                "note": src.note,
            },
            always={"title", "published", "published_lower", "published_upper", "kind"},
            field_of={"published_lower": "published", "published_upper": "published"},
        )
        row_id, outcome = self._cache.upsert(m.Source, "key", src.key, values)
        self._count("sources", outcome)
        if outcome == "created":
            self.index.put(Ref(Kind.SOURCE, row_id, src.key), [src.key])

    def _apply_country(self, c: CountryIn) -> None:
        iso = iso_country(c.iso3) or {}
        name = c.name or iso.get("name") or c.iso3
        values = {"name": name, "iso2": c.iso2 or iso.get("iso2")}
        if c.name is None:
            values.pop("name")
        existing = self._cache.get(m.Country, "iso3", c.iso3)
        if existing is None:
            values["name"] = name
        row_id, outcome = self._cache.upsert(m.Country, "iso3", c.iso3, values)
        alias_outcome = self._set_aliases(m.CountryAlias, "country_id", row_id, c.aliases)
        self._count("countries", _merge(outcome, alias_outcome))
        stored = self._cache.get(m.Country, "iso3", c.iso3)
        assert stored is not None
        self.index.put(
            Ref(Kind.COUNTRY, row_id, country_label(stored[1]["name"], c.iso3)),
            [
                c.iso3,
                stored[1].get("iso2"),
                stored[1]["name"],
                *self._aliases_of(m.CountryAlias, row_id),
            ],
        )

    def _apply_technology_area(self, t: TechnologyAreaIn) -> None:
        values = _given(t, {"name": t.name, "description": t.description}, always={"name"})
        row_id, outcome = self._cache.upsert(m.TechnologyArea, "key", t.key, values)
        alias_outcome = self._set_aliases(
            m.TechnologyAreaAlias, "technology_area_id", row_id, t.aliases
        )
        self._count("technology_areas", _merge(outcome, alias_outcome))
        self.index.put(
            Ref(Kind.TECHNOLOGY_AREA, row_id, t.name),
            [t.key, t.name, *self._aliases_of(m.TechnologyAreaAlias, row_id)],
        )

    def _apply_alliance(self, a: AllianceIn) -> None:
        sources = self._refs(a.sources or [], Kind.SOURCE, ("sources",))
        pillar_areas = [
            self._refs(p.technology_areas or [], Kind.TECHNOLOGY_AREA,
                       ("pillars", i, "technology_areas"))
            for i, p in enumerate(a.pillars or [])
        ]  # fmt: skip
        founded = bounds(a.founded)
        values = _given(
            a,
            {
                "name": a.name,
                "full_name": a.full_name,
                "kind": a.kind,
                "founded": a.founded or "",
                "founded_lower": founded.lower if founded else None,
                "founded_upper": founded.upper if founded else None,
                "description": a.description,
            },
            always={"name", "kind"},
            field_of={"founded_lower": "founded", "founded_upper": "founded"},
        )
        existing = self._cache.get(m.Alliance, "key", a.key)
        if existing is None:
            values["scope_id"] = self._new_scope(ScopeKind.ALLIANCE)
        row_id, outcome = self._cache.upsert(m.Alliance, "key", a.key, values)
        scope_id = self._cache.get(m.Alliance, "key", a.key)
        assert scope_id is not None
        alliance_scope = int(scope_id[1]["scope_id"])
        outcome = _merge(
            outcome,
            self._set_aliases(m.AllianceAlias, "alliance_id", row_id, a.aliases),
            self._set_links(m.alliance_sources, "alliance_id", "source_id", row_id,
                            None if a.sources is None else [s.id for s in sources]),
        )  # fmt: skip
        self._count("alliances", outcome)
        self.index.put_alliance(
            Ref(Kind.ALLIANCE, row_id, a.name, alliance_scope),
            [a.key, a.name, a.full_name, *self._aliases_of(m.AllianceAlias, row_id)],
        )
        for pillar, areas in zip(a.pillars or [], pillar_areas, strict=True):
            self._apply_pillar(row_id, a.name, pillar, areas)

    def _apply_pillar(
        self, alliance_id: int, alliance_name: str, p: PillarIn, areas: list[Ref]
    ) -> None:
        key = (alliance_id, p.number)
        values: dict[str, Any] = _given(
            p, {"name": p.name, "description": p.description}, always={"name"}
        )
        if self._cache.get(m.Pillar, ("alliance_id", "number"), key) is None:
            values["scope_id"] = self._new_scope(ScopeKind.PILLAR)
        row_id, outcome = self._cache.upsert(m.Pillar, ("alliance_id", "number"), key, values)
        stored = self._cache.get(m.Pillar, ("alliance_id", "number"), key)
        assert stored is not None
        outcome = _merge(
            outcome,
            self._set_aliases(m.PillarAlias, "pillar_id", row_id, p.aliases),
            self._set_links(m.pillar_technology_areas, "pillar_id", "technology_area_id", row_id,
                            None if p.technology_areas is None else [t.id for t in areas]),
        )  # fmt: skip
        self._count("pillars", outcome)
        ref = Ref(
            Kind.PILLAR,
            row_id,
            pillar_label(alliance_name, p.number, p.name),
            int(stored[1]["scope_id"]),
        )
        self.index.put_pillar(
            alliance_id, p.number, ref, [p.name, *self._aliases_of(m.PillarAlias, row_id)]
        )

    def _apply_official(self, o: OfficialIn) -> None:
        resolved_positions = [
            self._resolve_position(pos, ("positions", i)) for i, pos in enumerate(o.positions or [])
        ]
        values = _given(o, {"name": o.name, "note": o.note}, always={"name"})
        row_id, outcome = self._cache.upsert(m.Official, "key", o.key, values)
        outcome = _merge(
            outcome, self._set_aliases(m.OfficialAlias, "official_id", row_id, o.aliases)
        )
        self._count("officials", outcome)
        self.index.put(
            Ref(Kind.OFFICIAL, row_id, o.name),
            [o.key, o.name, *self._aliases_of(m.OfficialAlias, row_id)],
        )
        for pos, (country, alliance, sources) in zip(
            o.positions or [], resolved_positions, strict=True
        ):
            start, end = bounds(pos.from_), bounds(pos.to)
            values = {
                "country_id": country.id if country else None,
                "alliance_id": alliance.id if alliance else None,
                "organisation": pos.organisation,
                "from_lower": start.lower if start else None,
                "from_upper": start.upper if start else None,
                "to_text": pos.to or "",
                "to_lower": end.lower if end else None,
                "to_upper": end.upper if end else None,
                "note": pos.note,
            }
            key = (row_id, pos.title, pos.from_ or "")
            pos_id, pos_outcome = self._cache.upsert(
                m.Position, ("official_id", "title", "from_text"), key, values
            )
            pos_outcome = _merge(
                pos_outcome,
                self._set_links(m.position_sources, "position_id", "source_id", pos_id,
                                [s.id for s in sources]),
            )  # fmt: skip
            self._count("positions", pos_outcome)

    def _resolve_position(
        self, pos: PositionIn, loc: Loc
    ) -> tuple[Ref | None, Ref | None, list[Ref]]:
        country = alliance = None
        if pos.country:
            country = self._ref(pos.country, _ONE_KIND[Kind.COUNTRY], (*loc, "country"))
        if pos.alliance:
            alliance = self._ref(pos.alliance, _ONE_KIND[Kind.ALLIANCE], (*loc, "alliance"))
        return country, alliance, self._refs(pos.sources, Kind.SOURCE, (*loc, "sources"))

    def _new_scope(self, kind: ScopeKind) -> int:
        return int(
            self.conn.execute(insert(_SCOPES).values(kind=kind).returning(m.Scope.id)).scalar_one()
        )

    # -- aliases and links --------------------------------------------------------------

    def _aliases_of(self, table: type[Any], owner_id: int) -> list[str]:
        return [alias for alias, _ in self._cache.aliases(table, owner_id)]

    def _set_aliases(
        self, table: type[Any], owner_col: str, owner_id: int, aliases: list[str] | None
    ) -> str:
        """Replace an entity's aliases with the given list (None: keep them)."""
        if aliases is None:
            return "unchanged"
        wanted: dict[str, str] = {}
        for alias in aliases:
            wanted.setdefault(normalize(alias), alias)
        wanted.pop("", None)
        current = {norm: alias for alias, norm in self._cache.aliases(table, owner_id)}
        if current == wanted:
            return "unchanged"
        owner = getattr(table, owner_col)
        self.conn.execute(delete(table).where(owner == owner_id))
        if wanted:
            self.conn.execute(
                insert(table),
                [{owner_col: owner_id, "alias": a, "normalized": n} for n, a in wanted.items()],
            )
        self._cache.set_aliases(table, owner_id, [(a, n) for n, a in wanted.items()])
        return "updated"

    def _set_links(
        self,
        table: Table,
        owner_col: str,
        target_col: str,
        owner_id: Any,
        targets: list[int] | None,
    ) -> str:
        """Replace an owner's links (sources, technology areas) with the given ids."""
        if targets is None:
            return "unchanged"
        wanted = set(targets)
        current = self._cache.links(table, owner_col, target_col).get(owner_id, set())
        if current == wanted:
            return "unchanged"
        self.conn.execute(delete(table).where(table.c[owner_col] == owner_id))
        if wanted:
            self.conn.execute(
                insert(table), [{owner_col: owner_id, target_col: t} for t in sorted(wanted)]
            )
        self._cache.links(table, owner_col, target_col)[owner_id] = wanted
        return "updated"

    def _insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys, in as few round trips as can be.

        The rows go to the driver as tuples, each value through its column type's bind
        processor (what Core would do), in one statement written once: Core's per-row
        parameter handling costs more than SQLite's insert itself. SQLite takes them as
        one executemany; PostgreSQL as multi-row INSERTs of up to ROWS_PER_INSERT rows
        (psycopg's executemany sends a statement per row). Other backends take Core's path.
        """
        columns = tuple(rows[0])
        key = (table.name, columns)
        if key not in self._insert_plans:
            self._insert_plans[key] = _insert_plan(table, columns, self.conn.dialect)
        plan = self._insert_plans[key]
        if plan is None:
            self.conn.execute(insert(table), rows)
            return
        # By name, not by position: a row's keys may come in another order.
        values_of = itemgetter(*columns)
        params: list[tuple[Any, ...]]
        if len(columns) == 1:
            params = [(row[columns[0]],) for row in rows]
        elif plan.processors:
            params = []
            for row in rows:
                values = list(values_of(row))
                for i, process in plan.processors:
                    if values[i] is not None:
                        values[i] = process(values[i])
                params.append(tuple(values))
        else:
            params = [values_of(row) for row in rows]
        if plan.row is None:
            self.conn.exec_driver_sql(plan.sql, params)
            return
        per_insert = max(1, min(ROWS_PER_INSERT, MAX_PARAMETERS // len(columns)))
        for start in range(0, len(params), per_insert):
            chunk = params[start : start + per_insert]
            sql = plan.sql + ", ".join([plan.row] * len(chunk))
            self.conn.exec_driver_sql(sql, tuple(v for values in chunk for v in values))

    # -- memberships (batched) ----------------------------------------------------------

    def _apply_memberships(self, batch: list[_Pending], final: bool) -> None:
        rows: list[tuple[_Pending, dict[str, Any], list[int]]] = []
        for item in batch:
            ms: MembershipIn = item.model
            try:
                country = self._ref(ms.country, _ONE_KIND[Kind.COUNTRY], ("country",))
                scope = self._ref(ms.scope, SCOPE_KINDS, ("scope",))
                sources = self._refs(ms.sources, Kind.SOURCE, ("sources",))
            except _Unresolved as exc:
                if final:
                    self._unresolved_problem(item, exc)
                else:
                    self.deferred["memberships"].append(item)
                continue
            start, end = bounds(ms.from_), bounds(ms.to)
            values = {
                "country_id": country.id,
                "scope_id": scope.scope_id,
                "role": ms.role,
                "from_text": ms.from_ or "",
                "status": ms.status,
                "from_lower": start.lower if start else None,
                "from_upper": start.upper if start else None,
                "to_text": ms.to or "",
                "to_lower": end.lower if end else None,
                "to_upper": end.upper if end else None,
                "note": ms.note,
            }
            rows.append((item, values, [s.id for s in sources]))
        if not rows:
            return
        existing = self._cache.memberships()
        links = self._cache.links(m.membership_sources, "membership_id", "source_id")
        new_rows: list[tuple[dict[str, Any], list[int]]] = []
        for item, values, source_ids in rows:
            key = (values["country_id"], values["scope_id"], values["role"], values["from_text"])
            found = existing.get(key)
            if found is None:
                new_rows.append((values, source_ids))
                existing[key] = (-1, values)
                continue
            row_id, stored = found
            if row_id == -1:
                mark = item.raw.mark_for(())
                self.problems.append(
                    Problem(item.file, mark.line, mark.column, item.raw.where,
                            "the same membership (country, scope, role, from) is already "
                            "defined in this load under other names")
                )  # fmt: skip
                continue
            changed = {k: v for k, v in values.items() if stored.get(k) != v}
            if "note" not in item.model.model_fields_set:
                changed.pop("note", None)
            outcome = "unchanged"
            if changed:
                self.conn.execute(
                    update(_MEMBERSHIPS).where(_MEMBERSHIPS.c.id == row_id).values(**changed)
                )
                stored.update(changed)
                outcome = "updated"
            outcome = _merge(
                outcome,
                self._set_links(
                    m.membership_sources, "membership_id", "source_id", row_id, source_ids
                ),
            )
            self._count("memberships", outcome)
        if new_rows:
            result = self.conn.execute(
                insert(_MEMBERSHIPS).returning(
                    m.Membership.id, m.Membership.country_id, m.Membership.scope_id,
                    m.Membership.role, m.Membership.from_text, sort_by_parameter_order=True,
                ),
                [values for values, _ in new_rows],
            )  # fmt: skip
            link_rows = []
            for (row_id, country_id, scope_id, role, from_text), (values, source_ids) in zip(
                result.all(), new_rows, strict=True
            ):
                existing[(country_id, scope_id, role, from_text)] = (row_id, dict(values))
                links[row_id] = set(source_ids)
                link_rows += [
                    {"membership_id": row_id, "source_id": s} for s in sorted(set(source_ids))
                ]
                self._count("memberships", "created")
            if link_rows:
                self._insert_rows(m.membership_sources, link_rows)

    # -- statements (batched) -----------------------------------------------------------

    def _apply_statements(self, batch: list[_Pending], final: bool) -> None:
        rows: dict[str, tuple[_Pending, dict[str, Any], dict[str, set[int]]]] = {}
        resolve = self._resolve_statement
        for item in batch:
            resolved = resolve(item, final)
            if resolved is not None:
                values, links = resolved
                rows[values["id"]] = (item, values, links)
        if not rows:
            return
        existing = self._existing_statements(list(rows))
        inserts: list[dict[str, Any]] = []
        link_inserts: dict[str, list[dict[str, Any]]] = {name: [] for name in _STATEMENT_LINKS}
        counts = self.report.counts["statements"]
        for sid, (item, values, links) in rows.items():
            stored = existing.get(sid)
            if stored is None:
                inserts.append(values)
                for name, targets in links.items():
                    if targets:
                        column = _STATEMENT_LINKS[name][1]
                        link_inserts[name] += [
                            {"statement_id": sid, column: t} for t in sorted(targets)
                        ]
                continue
            stored_values, stored_links = stored
            changed = {k: v for k, v in values.items() if stored_values.get(k) != v}
            if "note" not in item.model.model_fields_set:
                changed.pop("note", None)
            if changed:
                self.conn.execute(
                    update(_STATEMENTS).where(_STATEMENTS.c.id == sid).values(**changed)
                )
            links_changed = False
            for name, targets in links.items():
                if stored_links.get(name, set()) != targets:
                    links_changed = True
                    table, column = _STATEMENT_LINKS[name]
                    self.conn.execute(delete(table).where(table.c.statement_id == sid))
                    link_inserts[name] += [
                        {"statement_id": sid, column: t} for t in sorted(targets)
                    ]
            counts.add("updated" if changed or links_changed else "unchanged")
        if inserts:
            self._insert_rows(_STATEMENTS, inserts)
            counts.created += len(inserts)
            if self._inserted_statements is not None:
                self._inserted_statements.update(values["id"] for values in inserts)
        for name, link_rows in link_inserts.items():
            if link_rows:
                self._insert_rows(_STATEMENT_LINKS[name][0], link_rows)

    def _resolve_statement(
        self, item: _Pending, final: bool
    ) -> tuple[dict[str, Any], dict[str, set[int]]] | None:
        st: StatementIn = item.model
        about = st.about
        try:
            speaker = self._ref(st.speaker, SPEAKER_KINDS, ("speaker",))
            source = self._ref(st.source, _ONE_KIND[Kind.SOURCE], ("source",))
            countries = (
                self._refs(about.countries, Kind.COUNTRY, ("about", "countries"))
                if about.countries
                else ()
            )
            scopes = [
                self._ref(name, SCOPE_KINDS, ("about", "scopes", i))
                for i, name in enumerate(about.scopes)
            ]
            areas = (
                self._refs(about.technology_areas, Kind.TECHNOLOGY_AREA,
                           ("about", "technology_areas"))
                if about.technology_areas
                else ()
            )  # fmt: skip
        except _Unresolved as exc:
            if final:
                self._unresolved_problem(item, exc)
            else:
                self.deferred["statements"].append(item)
            return None
        date = bounds(st.date)
        assert date is not None
        speaker_kind = speaker.kind
        sid = st.id or statement_id(
            f"{speaker_kind}:{self._cache.natural_key(speaker)}", st.date, st.text, source.label
        )
        values: dict[str, Any] = {
            "id": sid,
            "speaker_official_id": speaker.id if speaker_kind is Kind.OFFICIAL else None,
            "speaker_country_id": speaker.id if speaker_kind is Kind.COUNTRY else None,
            "speaker_alliance_id": speaker.id if speaker_kind is Kind.ALLIANCE else None,
            "speaker_label": st.speaker_label,
            "date_text": st.date,
            "date_lower": date.lower,
            "date_upper": date.upper,
            "text": st.text,
            "quote": st.quote,
            "stance": st.stance,
            "source_id": source.id,
            "note": st.note,
        }
        links = {
            "countries": {c.id for c in countries},
            "scopes": {s.scope_id for s in scopes if s.scope_id is not None},
            "technology_areas": {t.id for t in areas},
        }
        return values, links

    def _existing_statements(
        self, ids: list[str]
    ) -> dict[str, tuple[dict[str, Any], dict[str, set[int]]]]:
        """The stored rows and links of those of `ids` that exist.

        When the table was empty as the load began, only ids this load inserted can exist:
        the database is asked about those alone (usually none).
        """
        found: dict[str, tuple[dict[str, Any], dict[str, set[int]]]] = {}
        if self._inserted_statements is not None:
            ids = [sid for sid in ids if sid in self._inserted_statements]
            if not ids:
                return found
        columns = list(_STATEMENTS.columns)
        for row in self.conn.execute(select(*columns).where(_STATEMENTS.c.id.in_(ids))).mappings():
            found[row["id"]] = (dict(row), {name: set() for name in _STATEMENT_LINKS})
        if not found:
            return found
        for name, (table, column) in _STATEMENT_LINKS.items():
            for sid, target in self.conn.execute(
                select(table.c.statement_id, table.c[column]).where(
                    table.c.statement_id.in_(list(found))
                )
            ):
                found[sid][1][name].add(target)
        return found

    # -- the end ------------------------------------------------------------------------

    def raise_problems(self) -> None:
        if self.problems:
            problems = sorted(self.problems + self.unresolved, key=_problem_order)
            raise InvalidDataError(
                problems, f"{len(problems)} problem(s) found; nothing was loaded"
            )
        if self.unresolved:
            problems = sorted(self.unresolved, key=_problem_order)
            raise UnresolvedReferenceError(
                problems, f"{len(problems)} reference(s) did not resolve; nothing was loaded"
            )


#: The one-kind sets references are looked up with (made once: they key the lookup cache).
_ONE_KIND: dict[Kind, frozenset[Kind]] = {kind: frozenset({kind}) for kind in Kind}
_STATEMENTS: Table = m.Statement.__table__  # type: ignore[assignment]
_MEMBERSHIPS: Table = m.Membership.__table__  # type: ignore[assignment]
_SCOPES: Table = m.Scope.__table__  # type: ignore[assignment]
_STATEMENT_LINKS: dict[str, tuple[Table, str]] = {
    "countries": (m.statement_countries, "country_id"),
    "scopes": (m.statement_scopes, "scope_id"),
    "technology_areas": (m.statement_technology_areas, "technology_area_id"),
}


#: Rows per multi-row INSERT on PostgreSQL, and the most parameters one may have (the
#: protocol's limit is 65535).
ROWS_PER_INSERT = 1000
MAX_PARAMETERS = 30_000


@dataclass(frozen=True)
class _InsertPlan:
    """How `_insert_rows` writes rows of some columns of a table."""

    #: The INSERT of one row (executemany), or the statement up to `VALUES ` (multi-row).
    sql: str
    #: The position and bind processor of each column that has one.
    processors: list[tuple[int, Callable[[Any], Any]]]
    #: One row's placeholders, `(%s, %s)`, for multi-row INSERTs; None for executemany.
    row: str | None = None


def _insert_plan(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _InsertPlan | None:
    """The plan for inserting `columns` of `table` (SQLite, PostgreSQL); None: Core inserts.

    None also when Core would bind anything more (a default for a column left out).
    """
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if set(compiled.params) != set(columns) or dialect.name not in ("sqlite", "postgresql"):
        return None
    processors: list[tuple[int, Callable[[Any], Any]]] = [
        (i, process)
        for i, c in enumerate(columns)
        if (process := table.c[c].type._cached_bind_processor(dialect)) is not None
    ]
    if dialect.name == "sqlite":
        if compiled.positiontup != list(columns):
            return None
        return _InsertPlan(str(compiled), processors)
    # Core's statement, its one row of named placeholders replaced by positional ones.
    head, _, _ = str(compiled).partition(" VALUES ")
    return _InsertPlan(head + " VALUES ", processors, "(" + ", ".join(["%s"] * len(columns)) + ")")


class _Cache:
    """Stored rows of the small tables, read once per load and kept in step with its writes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[tuple[type[Any], Any], dict[Any, tuple[int, dict[str, Any]]]] = {}
        self._aliases: dict[type[Any], dict[int, list[tuple[str, str]]]] = {}
        self._links: dict[str, dict[Any, set[int]]] = {}
        self._memberships: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] | None = None
        self._reverse: dict[Kind, dict[int, str]] = {}
        self._inserts: dict[type[Any], Any] = {}

    def _table(
        self, model: type[Any], key: str | tuple[str, ...]
    ) -> dict[Any, tuple[int, dict[str, Any]]]:
        cache_key = (model, key)
        if cache_key not in self._rows:
            columns = list(model.__table__.columns)
            rows: dict[Any, tuple[int, dict[str, Any]]] = {}
            for row in self.conn.execute(select(*columns)).mappings():
                values = dict(row)
                natural = values[key] if isinstance(key, str) else tuple(values[k] for k in key)
                rows[natural] = (values["id"], values)
            self._rows[cache_key] = rows
        return self._rows[cache_key]

    def get(
        self, model: type[Any], key: str | tuple[str, ...], value: Any
    ) -> tuple[int, dict[str, Any]] | None:
        return self._table(model, key).get(value)

    def upsert(
        self, model: type[Any], key: str | tuple[str, ...], value: Any, values: dict[str, Any]
    ) -> tuple[int, str]:
        """Insert or update one row by natural key; return its id and what happened."""
        table = self._table(model, key)
        found = table.get(value)
        if found is None:
            natural = {key: value} if isinstance(key, str) else dict(zip(key, value, strict=True))
            row = {**natural, **values}
            statement = self._inserts.get(model)
            if statement is None:
                # Built once: building and caching a statement per row cost more than the
                # insert (SQLAlchemy caches the compiled form per set of columns given).
                statement = self._inserts[model] = insert(model.__table__).returning(
                    model.__table__.c.id
                )
            row_id = int(self.conn.execute(statement, row).scalar_one())
            table[value] = (row_id, {"id": row_id, **row})
            return row_id, "created"
        row_id, stored = found
        changed = {k: v for k, v in values.items() if stored.get(k) != v}
        if not changed:
            return row_id, "unchanged"
        table = model.__table__
        self.conn.execute(update(table).where(table.c.id == row_id).values(**changed))
        stored.update(changed)
        return row_id, "updated"

    def aliases(self, table: type[Any], owner_id: int) -> list[tuple[str, str]]:
        if table not in self._aliases:
            owner = next(c for c in table.__table__.columns if c.name.endswith("_id"))
            grouped: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for owner_value, alias, norm in self.conn.execute(
                select(owner, table.alias, table.normalized)
            ):
                grouped[owner_value].append((alias, norm))
            self._aliases[table] = grouped
        return self._aliases[table].get(owner_id, [])

    def set_aliases(self, table: type[Any], owner_id: int, aliases: list[tuple[str, str]]) -> None:
        self.aliases(table, owner_id)
        self._aliases[table][owner_id] = aliases

    def links(self, table: Table, owner_col: str, target_col: str) -> dict[Any, set[int]]:
        if table.name not in self._links:
            grouped: dict[Any, set[int]] = defaultdict(set)
            for owner, target in self.conn.execute(select(table.c[owner_col], table.c[target_col])):
                grouped[owner].add(target)
            self._links[table.name] = grouped
        return self._links[table.name]

    def memberships(self) -> dict[tuple[Any, ...], tuple[int, dict[str, Any]]]:
        if self._memberships is None:
            columns = list(m.Membership.__table__.columns)
            self._memberships = {
                (r["country_id"], r["scope_id"], r["role"], r["from_text"]): (r["id"], dict(r))
                for r in self.conn.execute(select(*columns)).mappings()
            }
        return self._memberships

    def natural_key(self, ref: Ref) -> str:
        """The key behind a speaker, so a derived statement id does not depend on database ids."""
        model, key = {
            Kind.OFFICIAL: (m.Official, "key"),
            Kind.COUNTRY: (m.Country, "iso3"),
            Kind.ALLIANCE: (m.Alliance, "key"),
        }[ref.kind]
        reverse = self._reverse.setdefault(ref.kind, {})
        if ref.id not in reverse:  # created during this load: refresh the reverse map
            reverse.update({row_id: str(n) for n, (row_id, _) in self._table(model, key).items()})
        return reverse[ref.id]


def _given(
    record: BaseModel,
    values: dict[str, Any],
    *,
    always: set[str],
    field_of: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Only the values of fields the record states (or must state): left-out fields are kept."""
    stated = record.model_fields_set
    field_of = field_of or {}
    return {k: v for k, v in values.items() if k in always or field_of.get(k, k) in stated}


def _merge(*outcomes: str) -> str:
    if "created" in outcomes:
        return "created"
    return "updated" if "updated" in outcomes else "unchanged"


def _natural_key(section: str, model: Any) -> str | None:
    if section in ("sources", "technology_areas", "alliances", "officials"):
        return str(model.key)
    if section == "countries":
        return str(model.iso3)
    if section == "statements":
        return str(model.id) if model.id else None
    if section == "memberships":
        country, scope = normalize(model.country), normalize(model.scope)
        return f"{country} / {scope} / {model.role} / {model.from_ or ''}"
    return None


def _where(raw: RawRecord, loc: Loc) -> str:
    path = raw.where
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _problem_order(p: Problem) -> tuple[str, int, int]:
    return (p.file, p.line, p.column)


def singular(section: str) -> str:
    """A section's name for one of its records: `countries` -> `country`."""
    name = section.replace("_", " ")
    return name[:-3] + "y" if name.endswith("ies") else name[:-1]
