"""Memberships and statements, planned in batches with bulk statements (the bulk of a load).

Part of the plan stage (alliancekb.load.plan): a batch's references are resolved, its
rows diffed against the stored ones in one query, and its writes handed over together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Table, select

from alliancekb.core.errors import Problem
from alliancekb.core.vocab import SourceKind
from alliancekb.load.plan import Pending, Planner, merge
from alliancekb.load.resolve import ONE_KIND, Unresolved
from alliancekb.load.retract import FactKind, membership_key
from alliancekb.load.schema import MembershipIn, StatementIn, bounds, obligations_text
from alliancekb.load.sections import MEMBERSHIP_SOURCES, STATEMENT_LINKS
from alliancekb.load.stored import membership_key as stored_key
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, SPEAKER_KINDS, Kind

_SOURCES: Table = m.Source.__table__  # type: ignore[assignment]
_STATEMENTS: Table = m.Statement.__table__  # type: ignore[assignment]
_MEMBERSHIPS: Table = m.Membership.__table__  # type: ignore[assignment]

#: A statement's values and links (link name -> target ids).
Planned = tuple[dict[str, Any], dict[str, set[int]]]
#: A statement's values and links, and for one without an id, what identifies it.
Resolved = tuple[dict[str, Any], dict[str, set[int]], str | None]
#: The kind of key (alliancekb.load.seen) of the ids derived for statements without one.
DERIVED = "derived statement id"
#: The most statements stored as a load begins whose ids it keeps (to skip lookups).
PREEXISTING_MAX = 10_000


def statement_id(speaker: str, date: str, source: str) -> str:
    """The id of a statement given without one: from who said it, when, and where it is told.

    Not from what was said: an edited text (or stance, about, note) must update the
    statement it corrects, not add a second one. So two statements of one speaker on
    one date in one source need an explicit `id` each (the planner refuses them
    otherwise). `speaker` is `<kind>:<natural key>` (`official:rahm-emanuel`,
    `country:USA`), `date` the EDTF text as written, `source` the source's key.
    """
    digest = hashlib.sha256("\x1f".join((speaker, date, source)).encode()).hexdigest()
    return f"st-{digest[:20]}"


def plan_memberships(planner: Planner, batch: list[Pending], final: bool) -> None:
    """Plan a batch of memberships: resolve, diff by (country, scope, role, from, claim), write."""
    resolver = planner.resolver
    rows: list[tuple[Pending, dict[str, Any], list[int]]] = []
    for item in batch:
        ms: MembershipIn = item.model
        try:
            country = resolver.ref(ms.country, ONE_KIND[Kind.COUNTRY], ("country",))
            scope = resolver.ref(ms.scope, SCOPE_KINDS, ("scope",))
            sources = resolver.refs(ms.sources, Kind.SOURCE, ("sources",))
            claimant = (
                None
                if ms.claimed_by is None
                else resolver.ref(ms.claimed_by, ONE_KIND[Kind.SOURCE], ("claimed_by",))
            )
        except Unresolved as exc:
            if final:
                planner.unresolved_problem(item, exc)
            else:
                planner.deferred["memberships"].append(item)
            continue
        claim = ""
        if claimant is not None:
            claim = claimant.label
            stored_source = planner.stored.get(_SOURCES, "key", claim)
            if stored_source is None or stored_source[1]["kind"] != SourceKind.DATASET:
                mark = item.record.mark_for(("claimed_by",))
                planner.problems.append(
                    Problem(
                        item.file, mark.line, mark.column, f"{item.record.where}.claimed_by",
                        f"{claim} is not a source of kind `dataset`: only a dataset's "
                        "claims are kept apart from the knowledge base's own records",
                    )
                )  # fmt: skip
                continue
        start, end, seen = bounds(ms.from_), bounds(ms.to), bounds(ms.confirmed)
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
            "confirmed": ms.confirmed or "",
            "confirmed_lower": seen.lower if seen else None,
            "confirmed_upper": seen.upper if seen else None,
            "claim": claim,
            "obligations": obligations_text(ms.obligations),
            "note": ms.note,
        }
        if planner.retracted.any(FactKind.MEMBERSHIP):
            rows_now = planner.stored
            retracted = membership_key(
                rows_now.natural_key(country),
                rows_now.scope_key(scope),
                ms.role,
                ms.from_,
                claim,
            )
            if (FactKind.MEMBERSHIP, retracted) in planner.retracted:
                planner.count("memberships", "retracted")  # withdrawn: not brought back
                continue
        rows.append((item, values, [s.id for s in sources]))
    if not rows:
        return
    existing = planner.stored.memberships({stored_key(values) for _, values, _ in rows})
    link = MEMBERSHIP_SOURCES
    links = planner.stored.membership_links(
        link.table, link.owner, link.target, [i for i, _ in existing.values() if i is not None]
    )
    new_rows: list[tuple[dict[str, Any], list[int]]] = []
    for item, values, source_ids in rows:
        key = stored_key(values)
        found = existing.get(key)
        if found is None:
            new_rows.append((values, source_ids))
            existing[key] = (None, values)  # planned in this batch: its id comes below
            continue
        row_id, stored = found
        if row_id is None:
            mark = item.record.mark_for(())
            planner.problems.append(
                Problem(item.file, mark.line, mark.column, item.record.where,
                        "the same membership (country, scope, role, from, claim) is already "
                        "defined in this load under other names")
            )  # fmt: skip
            continue
        changed = {k: v for k, v in values.items() if stored.get(k) != v}
        for optional in ("note", "obligations"):  # left out: kept
            if optional not in item.model.model_fields_set:
                changed.pop(optional, None)
        outcome = "unchanged"
        if changed:
            planner.writes.update(_MEMBERSHIPS, row_id, changed)
            stored.update(changed)
            outcome = "updated"
        links_outcome = planner.set_links(link, row_id, source_ids, links)
        planner.count("memberships", merge(outcome, links_outcome))
    if new_rows:
        ids = planner.writes.insert_memberships([values for values, _ in new_rows])
        link_rows = []
        for row_id, (values, source_ids) in zip(ids, new_rows, strict=True):
            existing[stored_key(values)] = (row_id, dict(values))
            links[row_id] = set(source_ids)
            link_rows += [{link.owner: row_id, link.target: s} for s in sorted(set(source_ids))]
            planner.count("memberships", "created")
        if link_rows:
            planner.writes.insert_rows(link.table, link_rows)


class StatementPlanner:
    """Plans batches of statements: resolve, diff against the stored ones by id, write.

    With `overlay`, what the plan creates or changes is kept in memory (nothing is written
    on a dry run, and a later statement with the same id must still find it).
    """

    def __init__(self, planner: Planner, *, overlay: bool) -> None:
        self.planner = planner
        conn = planner.conn
        self.overlay: dict[str, Planned] | None = {} if overlay else None
        # The ids stored as the load began, when there are few (a new knowledge base, or
        # one holding the seed): only those, and ids this load wrote, can be found, so a
        # batch asks the database about those alone (usually none). None: ask about all.
        # (Not the ids this load writes: a second record with one of them is refused
        # before it is planned, see `_admitted`, so they need no lookup.)
        ids = conn.execute(select(_STATEMENTS.c.id).limit(PREEXISTING_MAX + 1)).scalars().all()
        self.preexisting: set[str] | None = set(ids) if len(ids) <= PREEXISTING_MAX else None

    def plan(self, batch: list[Pending], final: bool) -> None:
        planner = self.planner
        writes = planner.writes
        rows: dict[str, tuple[Pending, dict[str, Any], dict[str, set[int]]]] = {}
        resolve = self._resolve
        resolved = []
        for item in batch:
            planned = resolve(item, final)
            if planned is not None:
                resolved.append((item, *planned))
        derived: set[str] = set()
        for item, values, links in self._admitted(resolved):
            rows[values["id"]] = (item, values, links)
            if item.model.id is None:
                derived.add(values["id"])
        if not rows:
            return
        existing = self._existing(list(rows), derived)
        overlay = self.overlay
        inserts: list[dict[str, Any]] = []
        link_inserts: dict[str, list[dict[str, Any]]] = {name: [] for name in STATEMENT_LINKS}
        created = 0
        for sid, (item, values, links) in rows.items():
            stored = existing.get(sid)
            if stored is None:
                inserts.append(values)
                if overlay is not None:
                    overlay[sid] = (values, links)
                for name, targets in links.items():
                    if targets:
                        column = STATEMENT_LINKS[name][1]
                        link_inserts[name] += [
                            {"statement_id": sid, column: t} for t in sorted(targets)
                        ]
                continue
            stored_values, stored_links = stored
            changed = {k: v for k, v in values.items() if stored_values.get(k) != v}
            if "note" not in item.model.model_fields_set:
                changed.pop("note", None)
            if changed:
                writes.update(_STATEMENTS, sid, changed)
            links_changed = False
            for name, targets in links.items():
                if stored_links.get(name, set()) != targets:
                    links_changed = True
                    table, column = STATEMENT_LINKS[name]
                    writes.delete_owned(table, "statement_id", sid)
                    link_inserts[name] += [
                        {"statement_id": sid, column: t} for t in sorted(targets)
                    ]
            if overlay is not None and (changed or links_changed):
                overlay[sid] = ({**stored_values, **changed}, links)
            planner.count("statements", "updated" if changed or links_changed else "unchanged")
        if inserts:
            writes.insert_rows(_STATEMENTS, inserts)
            created = len(inserts)
        for _ in range(created):
            planner.count("statements", "created")
        for name, link_rows in link_inserts.items():
            if link_rows:
                writes.insert_rows(STATEMENT_LINKS[name][0], link_rows)

    def _resolve(self, item: Pending, final: bool) -> Resolved | None:
        """The statement's values and links, and for one without an id what identifies it."""
        st: StatementIn = item.model
        about = st.about
        ref, refs = self.planner.resolver.ref, self.planner.resolver.refs
        try:
            speaker = ref(st.speaker, SPEAKER_KINDS, ("speaker",))
            source = ref(st.source, ONE_KIND[Kind.SOURCE], ("source",))
            countries = (
                refs(about.countries, Kind.COUNTRY, ("about", "countries"))
                if about.countries
                else ()
            )
            scopes = [
                ref(name, SCOPE_KINDS, ("about", "scopes", i))
                for i, name in enumerate(about.scopes)
            ]
            areas = (
                refs(about.technology_areas, Kind.TECHNOLOGY_AREA, ("about", "technology_areas"))
                if about.technology_areas
                else ()
            )
        except Unresolved as exc:
            if final:
                self.planner.unresolved_problem(item, exc)
            else:
                self.planner.deferred["statements"].append(item)
            return None
        date = bounds(st.date)
        assert date is not None
        speaker_kind = speaker.kind
        sid = st.id
        identity = None
        if sid is None:
            speaker_key = self.planner.stored.natural_key(speaker)
            sid = statement_id(f"{speaker_kind}:{speaker_key}", st.date, source.label)
            identity = f"by {speaker_key} on {st.date} from {source.label}"
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
        return values, links, identity

    def _admitted(
        self, resolved: list[tuple[Pending, *Resolved]]
    ) -> Iterator[tuple[Pending, dict[str, Any], dict[str, set[int]]]]:
        """The resolved statements of a batch that may be planned, in order.

        Not a second id-less statement with the speaker, date and source of an earlier one
        (it would silently overwrite the first: a problem naming both), nor a statement
        retracted before (counted). Derived ids are remembered in `planner.seen` (kind
        `derived`), looked up a batch at a time.
        """
        planner = self.planner
        derived = [(item, values["id"]) for item, values, _, identity in resolved if identity]
        earlier = planner.seen.find(DERIVED, {sid for _, sid in derived}) if derived else {}
        new: dict[str, tuple[str, int]] = {}
        refused: set[int] = set()
        for item, values, _, identity in resolved:
            if identity is None:
                continue
            sid, mark = values["id"], item.record.mark_for(())
            first = earlier.get(sid) or new.setdefault(sid, (item.file, mark.line))
            if first != (item.file, mark.line):
                planner.problems.append(
                    Problem(
                        item.file, mark.line, mark.column, item.record.where,
                        f"statements {identity} need an `id` each: this one and the one at "
                        f"{first[0]}:{first[1]} share speaker, date and source, which is "
                        "what identifies a statement without an id",
                    )
                )  # fmt: skip
                refused.add(id(item))
        if new:
            planner.seen.add(DERIVED, ((sid, file, line) for sid, (file, line) in new.items()))
        check_retracted = planner.retracted.any(FactKind.STATEMENT)
        for item, values, links, _ in resolved:
            if id(item) in refused:
                continue
            if check_retracted and (FactKind.STATEMENT, values["id"]) in planner.retracted:
                planner.count("statements", "retracted")  # withdrawn: not brought back
                continue
            yield item, values, links

    def _existing(self, ids: list[str], derived: set[str]) -> dict[str, Planned]:
        """The stored (or planned) rows and links of those of `ids` that exist.

        When the table held few statements as the load began, only those can exist, and
        an id this load wrote under the other kind of id (an explicit `id` that another
        statement's derived id equals; `derived`: the derived ones of `ids`): the database
        is asked about those alone (usually none); on a dry run none is there.
        """
        found: dict[str, Planned] = {}
        overlay = self.overlay
        if overlay:
            for sid in ids:
                planned = overlay.get(sid)
                if planned is not None:
                    found[sid] = (dict(planned[0]), planned[1])
            ids = [sid for sid in ids if sid not in found]
        preexisting = self.preexisting
        if preexisting is not None:
            seen = self.planner.seen
            written = seen.find(DERIVED, [sid for sid in ids if sid not in derived])
            written.update(seen.find("statements", [sid for sid in ids if sid in derived]))
            ids = [sid for sid in ids if sid in preexisting or sid in written]
        if not ids:
            return found
        conn = self.planner.conn
        stored: dict[str, Planned] = {}
        columns = list(_STATEMENTS.columns)
        for row in conn.execute(select(*columns).where(_STATEMENTS.c.id.in_(ids))).mappings():
            stored[row["id"]] = (dict(row), {name: set() for name in STATEMENT_LINKS})
        if stored:
            for name, (table, column) in STATEMENT_LINKS.items():
                for sid, target in conn.execute(
                    select(table.c.statement_id, table.c[column]).where(
                        table.c.statement_id.in_(list(stored))
                    )
                ):
                    stored[sid][1][name].add(target)
        found.update(stored)
        return found
