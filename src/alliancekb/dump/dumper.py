"""Dump the whole knowledge base as one YAML document in the load format (docs/export.md).

`load` of a dump into an empty, migrated database gives the same knowledge: every table
that `export` writes (except the load history) comes out identical. To get there:

- every stored field is written (empty ones are left out, which the loader reads as
  "not given": NULL or the empty EDTF text in a new database); statements keep their ids;
- every reference (a statement's speaker, a membership's scope, ...) is written as a name
  that the loader's resolver maps to exactly that entity *in the dumped database* (`refs`);
- sections come in dependency order, records by natural key, aliases and links sorted,
  so dumps of the same knowledge are byte-identical and diff cleanly in git.

The document is written record by record from one read snapshot: statements are streamed
with their links read alongside them in the same order, memberships in batches with their
sources fetched per batch, so memory does not grow with them. The file appears only when
complete (`atomicfile`). Records go through the fast emitter (`fast_yaml`) unless `fast` is
False, when every record is written by PyYAML's safe dumper (`yaml_writer`): the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

from sqlalchemy import Engine, String, Table, column, func, select, type_coerce
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session

from alliancekb.core.atomicfile import check_targets, commit, discard, partial_file
from alliancekb.core.dates import EdtfError, parse_edtf
from alliancekb.core.errors import RuntimeFailure
from alliancekb.dump.fast_yaml import RecordEmitter
from alliancekb.dump.kind_part import DumpPart, dump_parts
from alliancekb.dump.kind_part import put as _put
from alliancekb.dump.refs import Refs
from alliancekb.dump.yaml_writer import dump_document
from alliancekb.store import models as m
from alliancekb.store.db import read_session
from alliancekb.store.resolve import SCOPE_KINDS, SPEAKER_KINDS, Kind
from alliancekb.store.sql_keys import KeyOrder, scope_key_joins

#: Statements and memberships read per round trip (their links: one query per batch).
BATCH: Final = 1000

Record = dict[str, Any]


@dataclass(frozen=True)
class DumpReport:
    """What a dump wrote: records per section."""

    path: Path | None
    counts: dict[str, int]


def dump(
    engine: Engine,
    out: Path,
    *,
    force: bool = False,
    fast: bool = True,
    known_on: str | int | None = None,
) -> DumpReport:
    """Write the knowledge base to `out` atomically; refuse an existing file without `force`.

    `known_on`: as it stood after that load (a number, or a moment: `store.versions`); the
    same bytes a dump taken right after that load wrote.
    """
    check_targets([out], force=force)
    pending = []
    try:
        with read_session(engine, known_on) as session, partial_file(out) as (stream, item):
            pending.append(item)
            counts = write_dump(session, stream, fast=fast)
    except BaseException:
        discard(pending)
        raise
    commit(pending, force=force)
    return DumpReport(out, counts)


def write_dump(session: Session, out: TextIO, *, fast: bool = True) -> dict[str, int]:
    """Write the load-format document to a text stream; return records per section."""
    dumper = Dumper(session)
    counts: dict[str, int] = {}

    def counted(name: str, records: Iterable[Record]) -> Iterator[Record]:
        counts[name] = 0
        for record in records:
            counts[name] += 1
            yield record

    dump_document(
        {
            "sources": counted("sources", dumper.sources()),
            "countries": counted("countries", dumper.countries()),
            "technology_areas": counted("technology_areas", dumper.technology_areas()),
            "alliances": counted("alliances", dumper.alliances()),
            "officials": counted("officials", dumper.officials()),
            # The kinds added after the core (exercises): each only when it has a row, like
            # `retracted`, so that a knowledge base without it dumps as before it existed.
            **{
                part.section: counted(part.section, part.records(dumper))
                for part in dump_parts()
                if dumper.has_rows(part)
            },
            "memberships": counted("memberships", dumper.memberships()),
            "statements": counted("statements", dumper.statements()),
            # Only when there are any: a dump of a knowledge base that never retracted
            # anything stays as it was before retractions existed.
            **(
                {"retracted": counted("retracted", dumper.retracted())}
                if dumper.has_retractions()
                else {}
            ),
        },
        out,
        emit=RecordEmitter().emit_record if fast else None,
    )
    return counts


def _edtf(value: str | None) -> str | None:
    return value or None


_ONE: Final = {kind: frozenset({kind}) for kind in Kind}


def _retraction_fields(kind: str, key: str) -> Record:
    """A retraction's canonical key as the fields of its `retracted:` record."""
    if kind == "statement":
        return {"id": key}
    parts = key.split("|")
    record: Record = {}
    if kind == "membership":
        country, scope, role, from_text, *claim = parts
        alliance, _, number = scope.partition("/")
        record = {
            "country": country,
            "scope": f"{alliance} pillar {number}" if number else alliance,
        }
        record["role"] = role
        _put(record, "from", from_text)
        _put(record, "claimed_by", claim[0] if claim else None)
        return record
    # a title may hold `|`; the official key, the date and a dataset's key cannot
    position_claim = None
    if len(parts) >= 4 and not _is_date(parts[-1]) and _is_date(parts[-2]):
        position_claim = parts.pop()
    record = {"official": parts[0], "title": "|".join(parts[1:-1])}
    _put(record, "from", parts[-1])
    _put(record, "claimed_by", position_claim)
    return record


def _is_date(text: str) -> bool:
    """Whether a part of a position's key is its start: empty, or EDTF."""
    if not text:
        return True
    try:
        parse_edtf(text)
    except EdtfError:
        return False
    return True


class Dumper:
    """The records of each section, built from one session's snapshot."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()
        self.refs = Refs(session, self.conn)
        self.order = KeyOrder(self.conn)
        self.source_keys: dict[int, str] = {
            sid: key for sid, key in self.conn.execute(select(m.Source.id, m.Source.key))
        }

    # -- retractions ------------------------------------------------------------------------

    def has_retractions(self) -> bool:
        return self.conn.execute(select(m.Retraction.id).limit(1)).first() is not None

    def retracted(self) -> Iterator[Record]:
        """The `retracted:` records: each fact's key fields, who, why, when, and the fact.

        Keys are split back into the fields of the load format (alliancekb.load.retract
        builds them: `|` between parts, a scope as `aukus` or `aukus/2`); the snapshot is
        written as the record's `record:`, without the position's official (a field of
        the retraction itself), so a load of the dump keeps it whole.
        """
        r = m.Retraction
        rows = self.conn.execute(
            select(type_coerce(r.kind, String()), r.key, r.reason, r.retracted_by,
                   r.retracted_at, r.snapshot)
        ).all()  # fmt: skip
        for kind, key, reason, by, when, snapshot in sorted(rows, key=lambda row: row[:2]):
            record: Record = {"kind": kind, **_retraction_fields(kind, key)}
            record["reason"] = reason
            record["by"] = by
            utc = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
            record["date"] = utc.isoformat()
            if snapshot:
                snapshot = {k: v for k, v in snapshot.items() if k != "official"}
                record["record"] = snapshot
            yield record

    # -- small sections ---------------------------------------------------------------------

    def _aliases(self, model: Any, owner: Any) -> dict[int, list[str]]:
        grouped: dict[int, list[str]] = defaultdict(list)
        for owner_id, alias in self.conn.execute(select(owner, model.alias)):
            grouped[owner_id].append(alias)
        return {k: sorted(v) for k, v in grouped.items()}

    def _links(self, table: Table, owner: str, target: str) -> dict[Any, list[int]]:
        grouped: dict[Any, list[int]] = defaultdict(list)
        for owner_id, target_id in self.conn.execute(select(table.c[owner], table.c[target])):
            grouped[owner_id].append(target_id)
        return grouped

    def _source_list(self, ids: Iterable[int]) -> list[str]:
        return sorted(self.source_keys[i] for i in ids)

    def _ref_list(self, kind: Kind, ids: Iterable[int], kinds: frozenset[Kind]) -> list[str]:
        return sorted(self.refs.name(kind, i, kinds) for i in ids)

    def sources(self) -> Iterator[Record]:
        s = m.Source
        for row in self.conn.execute(
            select(s.key, s.title, s.publisher, s.author, s.url, s.published, s.retrieved,
                   type_coerce(s.kind, String()), s.note, s.covers_from, s.covers_to)
            .order_by(self.order.key(s.key))
        ):  # fmt: skip
            record: Record = {}
            for name, value in zip(
                ("key", "title", "publisher", "author", "url"), row[:5], strict=True
            ):
                _put(record, name, value)
            # `published` is required: an unknown date is the word `unknown`.
            record["published"] = row.published or "unknown"
            _put(record, "retrieved", row.retrieved)
            record["kind"] = row[7]
            _put(record, "covers_from", row.covers_from)
            _put(record, "covers_to", row.covers_to)
            _put(record, "note", row.note)
            yield record

    def _codes(self) -> dict[int, list[Record]]:
        """Each country's codes in other systems, by scheme, then date, then code."""
        grouped: dict[int, list[Record]] = defaultdict(list)
        cc = m.CountryCode
        rows = self.conn.execute(
            select(cc.country_id, type_coerce(cc.scheme, String()), cc.code, cc.from_text,
                   cc.from_lower, cc.to_text)
        ).all()  # fmt: skip
        for row in sorted(rows, key=lambda r: (r[1], r[4] or dt.date.min, r[3], r[2])):
            code: Record = {"scheme": row[1], "code": row[2]}
            _put(code, "from", row[3])
            _put(code, "to", row[5])
            grouped[row[0]].append(code)
        return grouped

    def countries(self) -> Iterator[Record]:
        aliases = self._aliases(m.CountryAlias, m.CountryAlias.country_id)
        codes = self._codes()
        c = m.Country
        for cid, iso3, iso2, name in self.conn.execute(
            select(c.id, c.iso3, c.iso2, c.name).order_by(self.order.key(c.iso3))
        ):
            record: Record = {"iso3": iso3, "name": name}
            _put(record, "iso2", iso2)
            _put(record, "aliases", aliases.get(cid, []))
            _put(record, "codes", codes.get(cid, []))
            yield record

    def technology_areas(self) -> Iterator[Record]:
        aliases = self._aliases(m.TechnologyAreaAlias, m.TechnologyAreaAlias.technology_area_id)
        t = m.TechnologyArea
        for tid, key, name, description in self.conn.execute(
            select(t.id, t.key, t.name, t.description).order_by(self.order.key(t.key))
        ):
            record: Record = {"key": key, "name": name}
            _put(record, "description", description)
            _put(record, "aliases", aliases.get(tid, []))
            yield record

    def alliances(self) -> Iterator[Record]:
        aliases = self._aliases(m.AllianceAlias, m.AllianceAlias.alliance_id)
        pillar_aliases = self._aliases(m.PillarAlias, m.PillarAlias.pillar_id)
        sources = self._links(m.alliance_sources, "alliance_id", "source_id")
        areas = self._links(m.pillar_technology_areas, "pillar_id", "technology_area_id")
        pillars: dict[int, list[Any]] = defaultdict(list)
        p = m.Pillar
        for pillar_row in self.conn.execute(
            select(p.id, p.alliance_id, p.number, p.name, p.description).order_by(p.number)
        ):
            pillars[pillar_row.alliance_id].append(pillar_row)
        a = m.Alliance
        for row in self.conn.execute(
            select(a.id, a.key, a.name, a.full_name, type_coerce(a.kind, String()).label("kind"),
                   a.founded, a.ended, a.obligations, a.description)
            .order_by(self.order.key(a.key))
        ):  # fmt: skip
            record: Record = {"key": row.key, "name": row.name}
            _put(record, "full_name", row.full_name)
            record["kind"] = row.kind
            _put(record, "founded", _edtf(row.founded))
            _put(record, "ended", _edtf(row.ended))
            _put(record, "obligations", row.obligations.split("; ") if row.obligations else [])
            _put(record, "description", row.description)
            _put(record, "aliases", aliases.get(row.id, []))
            _put(record, "sources", self._source_list(sources.get(row.id, [])))
            pillar_records = []
            for pillar in pillars.get(row.id, []):
                pr: Record = {"number": pillar.number, "name": pillar.name}
                _put(pr, "description", pillar.description)
                _put(pr, "aliases", pillar_aliases.get(pillar.id, []))
                _put(pr, "technology_areas", self._ref_list(
                    Kind.TECHNOLOGY_AREA, areas.get(pillar.id, []), _ONE[Kind.TECHNOLOGY_AREA]
                ))  # fmt: skip
                pillar_records.append(pr)
            _put(record, "pillars", pillar_records)
            yield record

    def officials(self) -> Iterator[Record]:
        aliases = self._aliases(m.OfficialAlias, m.OfficialAlias.official_id)
        sources = self._links(m.position_sources, "position_id", "source_id")
        positions: dict[int, list[Any]] = defaultdict(list)
        p = m.Position
        for row in self.conn.execute(
            select(p.id, p.official_id, p.title, p.country_id, p.alliance_id, p.organisation,
                   p.from_text, p.from_lower, p.to_text, p.confirmed, p.claim, p.note)
        ):  # fmt: skip
            positions[row.official_id].append(row)
        o = m.Official
        for oid, key, name, note in self.conn.execute(
            select(o.id, o.key, o.name, o.note).order_by(self.order.key(o.key))
        ):
            record: Record = {"key": key, "name": name}
            _put(record, "aliases", aliases.get(oid, []))
            _put(record, "note", note)
            position_records = []
            # Chronological (unknown starts first), then by title: how a reader reads a career.
            for pos in sorted(
                positions.get(oid, []),
                key=lambda r: (r.from_lower or dt.date.min, r.from_text, r.title, r.claim),
            ):
                pr: Record = {"title": pos.title}
                if pos.country_id is not None:
                    pr["country"] = self.refs.name(Kind.COUNTRY, pos.country_id, _ONE[Kind.COUNTRY])
                if pos.alliance_id is not None:
                    pr["alliance"] = self.refs.name(
                        Kind.ALLIANCE, pos.alliance_id, _ONE[Kind.ALLIANCE]
                    )
                _put(pr, "organisation", pos.organisation)
                _put(pr, "from", _edtf(pos.from_text))
                _put(pr, "to", _edtf(pos.to_text))
                _put(pr, "confirmed", _edtf(pos.confirmed))
                _put(pr, "claimed_by", pos.claim or None)
                _put(pr, "note", pos.note)
                pr["sources"] = self._source_list(sources.get(pos.id, []))
                position_records.append(pr)
            _put(record, "positions", position_records)
            yield record

    def has_rows(self, part: DumpPart) -> bool:
        """Whether a kind's own table (`dump.kinds`) has a row."""
        own = table_clause(part.tables[0], column("id"))
        return self.conn.execute(select(own.c.id).limit(1)).first() is not None

    # -- large sections: streamed ------------------------------------------------------------

    def _scope_names(self) -> dict[int, str]:
        """scope id -> the name of its alliance or pillar (resolving among scopes alone)."""
        names: dict[int, str] = {}
        for aid, scope_id in self.conn.execute(select(m.Alliance.id, m.Alliance.scope_id)):
            names[scope_id] = self.refs.name(Kind.ALLIANCE, aid, SCOPE_KINDS)
        for pid, scope_id in self.conn.execute(select(m.Pillar.id, m.Pillar.scope_id)):
            names[scope_id] = self.refs.name(Kind.PILLAR, pid, SCOPE_KINDS)
        return names

    def _batched(self, stmt: Any) -> Iterator[Sequence[Any]]:
        result = self.conn.execution_options(yield_per=BATCH).execute(stmt)
        try:
            yield from result.partitions()
        finally:
            result.close()

    def _links_for(
        self, table: Table, owner: str, target: str, owner_ids: Sequence[Any]
    ) -> dict[Any, list[int]]:
        grouped: dict[Any, list[int]] = defaultdict(list)
        for owner_id, target_id in self.conn.execute(
            select(table.c[owner], table.c[target]).where(table.c[owner].in_(owner_ids))
        ):
            grouped[owner_id].append(target_id)
        return grouped

    def memberships(self, only: Sequence[int] | None = None) -> Iterator[Record]:
        """The membership records (`only`: of these ids, for a diff)."""
        scopes = self._scope_names()
        ms, c = m.Membership, m.Country
        order = self.order
        # The export's order (country, alliance key, pillar number, role, from): natural, so
        # it does not depend on the database's surrogate ids.
        stmt, alliance, pillar = scope_key_joins(
            select().select_from(ms).join(c, c.id == ms.country_id), ms.scope_id
        )
        stmt = stmt.add_columns(
            ms.id, ms.country_id, ms.scope_id, type_coerce(ms.role, String()).label("role"),
            type_coerce(ms.status, String()).label("status"), ms.from_text, ms.to_text,
            ms.confirmed, ms.note, ms.claim, ms.obligations,
        ).order_by(order.key(c.iso3), order.key(alliance), func.coalesce(pillar, 0),
                   order.key(type_coerce(ms.role, String())), order.key(ms.from_text),
                   order.key(ms.claim))  # fmt: skip
        if only is not None:
            stmt = stmt.where(ms.id.in_(only))
        for batch in self._batched(stmt):
            sources = self._links_for(
                m.membership_sources, "membership_id", "source_id", [r.id for r in batch]
            )
            for row in batch:
                record: Record = {
                    "country": self.refs.name(Kind.COUNTRY, row.country_id, _ONE[Kind.COUNTRY]),
                    "scope": scopes[row.scope_id],
                    "role": row.role,
                    "status": row.status,
                }
                _put(record, "from", _edtf(row.from_text))
                _put(record, "to", _edtf(row.to_text))
                _put(record, "confirmed", _edtf(row.confirmed))
                _put(record, "claimed_by", row.claim)
                _put(record, "obligations", row.obligations.split("; ") if row.obligations else [])
                _put(record, "note", row.note)
                record["sources"] = self._source_list(sources.get(row.id, []))
                yield record

    def statements(self, only: Sequence[str] | None = None) -> Iterator[Record]:
        """The statement records (`only`: of these ids, for a diff)."""
        scopes = self._scope_names()
        st = m.Statement
        stmt = select(
            st.id, st.speaker_official_id, st.speaker_country_id, st.speaker_alliance_id,
            st.speaker_label, st.date_text, st.text, st.quote,
            type_coerce(st.stance, String()).label("stance"), st.source_id, st.note,
        ).order_by(self.order.key(st.id))  # fmt: skip
        if only is not None:
            stmt = stmt.where(st.id.in_(only))
        name = self.refs.name
        countries = self._links_in_order(m.statement_countries, "country_id", only)
        scope_links = self._links_in_order(m.statement_scopes, "scope_id", only)
        areas = self._links_in_order(m.statement_technology_areas, "technology_area_id", only)
        for batch in self._batched(stmt):
            for row in batch:
                if row.speaker_official_id is not None:
                    speaker = name(Kind.OFFICIAL, row.speaker_official_id, SPEAKER_KINDS)
                elif row.speaker_country_id is not None:
                    speaker = name(Kind.COUNTRY, row.speaker_country_id, SPEAKER_KINDS)
                else:
                    speaker = name(Kind.ALLIANCE, row.speaker_alliance_id, SPEAKER_KINDS)
                record: Record = {"id": row.id, "speaker": speaker}
                _put(record, "speaker_label", row.speaker_label)
                record["date"] = row.date_text
                record["text"] = row.text
                record["quote"] = bool(row.quote)
                record["stance"] = row.stance
                about: Record = {}
                _put(about, "countries", self._ref_list(
                    Kind.COUNTRY, countries.take(row.id), _ONE[Kind.COUNTRY]
                ))  # fmt: skip
                _put(about, "scopes", sorted(scopes[s] for s in scope_links.take(row.id)))
                _put(about, "technology_areas", self._ref_list(
                    Kind.TECHNOLOGY_AREA, areas.take(row.id), _ONE[Kind.TECHNOLOGY_AREA]
                ))  # fmt: skip
                _put(record, "about", about or None)
                record["source"] = self.source_keys[row.source_id]
                _put(record, "note", row.note)
                yield record
        for links in (countries, scope_links, areas):
            links.check_consumed()

    def _links_in_order(
        self, table: Table, target: str, only: Sequence[str] | None = None
    ) -> _InStep:
        """A statement link table read in the statements' own order, alongside them."""
        owner = table.c.statement_id
        stmt = select(owner, table.c[target]).order_by(self.order.key(owner))
        if only is not None:
            stmt = stmt.where(owner.in_(only))
        return _InStep(table.name, itertools.chain.from_iterable(self._batched(stmt)))


class _InStep:
    """Link rows (owner, target) in the owners' order, taken owner by owner.

    One streamed query per link table instead of one per batch of statements: the links
    are read alongside the statements, both ordered by the same key. A link row whose
    owner is never asked for (which an ordering mismatch would cause) stays unconsumed,
    and `check_consumed` turns that into an error rather than a dump that loses it.
    """

    def __init__(self, name: str, rows: Iterator[Any]) -> None:
        self.name = name
        self._rows = rows
        self._next: Any = next(rows, None)

    def take(self, owner: Any) -> list[Any]:
        """The targets linked to `owner` (the next owner in order, or one without links)."""
        found = []
        while self._next is not None and self._next[0] == owner:
            found.append(self._next[1])
            self._next = next(self._rows, None)
        return found

    def check_consumed(self) -> None:
        if self._next is not None:
            raise RuntimeFailure(
                f"cannot dump: {self.name} links statement {self._next[0]!r}, which was not "
                "read in the expected order; nothing was written"
            )
