"""Memberships and statements, planned in batches with bulk statements (the bulk of a load).

Part of the plan stage (alliancekb.load.plan): a batch's references are resolved, its
rows diffed against the stored ones in one query, and its writes handed over together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from sqlalchemy import Table, select

from alliancekb.core.errors import Problem
from alliancekb.core.vocab import SourceKind
from alliancekb.load.plan import Pending, Planner, merge
from alliancekb.load.resolve import ONE_KIND, Resolver, Unresolved
from alliancekb.load.retract import FactKind, membership_key
from alliancekb.load.schema import MembershipIn, StatementIn, bounds, obligations_text
from alliancekb.load.sections import MEMBERSHIP_SOURCES, STATEMENT_LINKS
from alliancekb.load.stored import membership_key as stored_key
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, SPEAKER_KINDS, Kind, Ref

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
    rows: list[tuple[Pending, dict[str, Any], list[int]]] = []
    for item in batch:
        row = _membership_row(planner, item, final)
        if row is not None:
            rows.append((item, *row))
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
        else:
            _update_membership(planner, item, values, source_ids, found, links)
    if new_rows:
        _insert_memberships(planner, new_rows, existing, links)


def _membership_row(
    planner: Planner, item: Pending, final: bool
) -> tuple[dict[str, Any], list[int]] | None:
    """A membership's column values and its sources' ids; None when it is not planned now
    (a name unresolved: deferred or a problem; a claim not a dataset's; retracted)."""
    ms: MembershipIn = item.model
    try:
        country, scope, sources, claimant = _membership_refs(planner.resolver, ms)
    except Unresolved as exc:
        if final:
            planner.unresolved_problem(item, exc, partial(_membership_refs, planner.resolver, ms))
        else:
            planner.deferred["memberships"].append(item)
        return None
    claim = "" if claimant is None else _dataset_claim(planner, item, claimant.label)
    if claim is None:
        return None
    if planner.retracted.any(FactKind.MEMBERSHIP):
        rows_now = planner.stored
        retracted = membership_key(
            rows_now.natural_key(country), rows_now.scope_key(scope), ms.role, ms.from_, claim
        )
        if (FactKind.MEMBERSHIP, retracted) in planner.retracted:
            planner.count("memberships", "retracted")  # withdrawn: not brought back
            return None
    return _membership_values(ms, country.id, scope.scope_id, claim), [s.id for s in sources]


def _membership_refs(
    resolver: Resolver, ms: MembershipIn
) -> tuple[Ref, Ref, list[Ref], Ref | None]:
    """A membership's country, scope, sources and claimant; Unresolved at the first unknown."""
    country = resolver.ref(ms.country, ONE_KIND[Kind.COUNTRY], ("country",))
    scope = resolver.ref(ms.scope, SCOPE_KINDS, ("scope",))
    sources = resolver.refs(ms.sources, Kind.SOURCE, ("sources",))
    claimant = (
        None
        if ms.claimed_by is None
        else resolver.ref(ms.claimed_by, ONE_KIND[Kind.SOURCE], ("claimed_by",))
    )
    return country, scope, sources, claimant


def _dataset_claim(planner: Planner, item: Pending, claim: str) -> str | None:
    """`claimed_by`'s source key if that source is a dataset, else None (a problem)."""
    stored_source = planner.stored.get(_SOURCES, "key", claim)
    if stored_source is not None and stored_source[1]["kind"] == SourceKind.DATASET:
        return claim
    mark = item.record.mark_for(("claimed_by",))
    planner.problems.append(
        Problem(
            item.file, mark.line, mark.column, f"{item.record.where}.claimed_by",
            f"{claim} is not a source of kind `dataset`: only a dataset's "
            "claims are kept apart from the knowledge base's own records",
        )
    )  # fmt: skip
    return None


def _ends(text: str | None) -> tuple[Any, Any]:
    """The lower and upper days of an EDTF text (None, None without one)."""
    found = bounds(text)
    return (found.lower, found.upper) if found else (None, None)


def _membership_values(
    ms: MembershipIn, country_id: int, scope_id: int | None, claim: str
) -> dict[str, Any]:
    """The row of `memberships` a record stands for (in the table's column order)."""
    (from_lower, from_upper), (to_lower, to_upper) = _ends(ms.from_), _ends(ms.to)
    confirmed_lower, confirmed_upper = _ends(ms.confirmed)
    return {
        "country_id": country_id,
        "scope_id": scope_id,
        "role": ms.role,
        "from_text": ms.from_ or "",
        "status": ms.status,
        "from_lower": from_lower,
        "from_upper": from_upper,
        "to_text": ms.to or "",
        "to_lower": to_lower,
        "to_upper": to_upper,
        "confirmed": ms.confirmed or "",
        "confirmed_lower": confirmed_lower,
        "confirmed_upper": confirmed_upper,
        "claim": claim,
        "obligations": obligations_text(ms.obligations),
        "note": ms.note,
    }


def _update_membership(
    planner: Planner,
    item: Pending,
    values: dict[str, Any],
    source_ids: list[int],
    found: tuple[int | None, dict[str, Any]],
    links: dict[int, set[int]],
) -> None:
    """A membership already stored (or planned): its changed values and sources written."""
    row_id, stored = found
    if row_id is None:
        mark = item.record.mark_for(())
        planner.problems.append(
            Problem(item.file, mark.line, mark.column, item.record.where,
                    "the same membership (country, scope, role, from, claim) is already "
                    "defined in this load under other names")
        )  # fmt: skip
        return
    changed = {k: v for k, v in values.items() if stored.get(k) != v}
    for optional in ("note", "obligations"):  # left out: kept
        if optional not in item.model.model_fields_set:
            changed.pop(optional, None)
    outcome = "unchanged"
    if changed:
        planner.writes.update(_MEMBERSHIPS, row_id, changed)
        stored.update(changed)
        outcome = "updated"
    links_outcome = planner.set_links(MEMBERSHIP_SOURCES, row_id, source_ids, links)
    planner.count("memberships", merge(outcome, links_outcome))


def _insert_memberships(
    planner: Planner,
    new_rows: list[tuple[dict[str, Any], list[int]]],
    existing: dict[tuple[Any, ...], tuple[int | None, dict[str, Any]]],
    links: dict[int, set[int]],
) -> None:
    """The batch's new memberships and their sources, inserted together."""
    link = MEMBERSHIP_SOURCES
    ids = planner.writes.insert_memberships([values for values, _ in new_rows])
    link_rows = []
    for row_id, (values, source_ids) in zip(ids, new_rows, strict=True):
        existing[stored_key(values)] = (row_id, dict(values))
        links[row_id] = set(source_ids)
        link_rows += [{link.owner: row_id, link.target: s} for s in sorted(set(source_ids))]
        planner.count("memberships", "created")
    if link_rows:
        planner.writes.insert_rows(link.table, link_rows)


def _add_links(
    link_inserts: dict[str, list[dict[str, Any]]], sid: str, links: dict[str, set[int]]
) -> None:
    """A new statement's link rows, added to those the batch inserts."""
    for name, targets in links.items():
        if targets:
            column = STATEMENT_LINKS[name][1]
            link_inserts[name] += [{"statement_id": sid, column: t} for t in sorted(targets)]


def _statement_refs(
    resolver: Resolver, st: StatementIn
) -> tuple[Ref, Ref, Sequence[Ref], list[Ref], Sequence[Ref]]:
    """A statement's speaker, source, and what it is about (countries, scopes, technology
    areas); Unresolved at the first name that is not known."""
    about = st.about
    ref, refs = resolver.ref, resolver.refs
    speaker = ref(st.speaker, SPEAKER_KINDS, ("speaker",))
    source = ref(st.source, ONE_KIND[Kind.SOURCE], ("source",))
    countries = (
        refs(about.countries, Kind.COUNTRY, ("about", "countries")) if about.countries else ()
    )
    scopes = [ref(name, SCOPE_KINDS, ("about", "scopes", i)) for i, name in enumerate(about.scopes)]
    areas = (
        refs(about.technology_areas, Kind.TECHNOLOGY_AREA, ("about", "technology_areas"))
        if about.technology_areas
        else ()
    )
    return speaker, source, countries, scopes, areas


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
        """Plan a batch of statements: resolve and admit them, then each one new (inserted
        with its links, together at the end) or stored (its changes written)."""
        rows, derived = self._admitted_rows(batch, final)
        if not rows:
            return
        existing = self._existing(list(rows), derived)
        inserts: list[dict[str, Any]] = []
        link_inserts: dict[str, list[dict[str, Any]]] = {name: [] for name in STATEMENT_LINKS}
        for sid, (item, values, links) in rows.items():
            stored = existing.get(sid)
            if stored is None:
                inserts.append(values)
                if self.overlay is not None:
                    self.overlay[sid] = (values, links)
                _add_links(link_inserts, sid, links)
            else:
                self._update(item, values, links, stored, link_inserts)
        planner, writes = self.planner, self.planner.writes
        if inserts:
            writes.insert_rows(_STATEMENTS, inserts)
        for _ in range(len(inserts)):
            planner.count("statements", "created")
        for name, link_rows in link_inserts.items():
            if link_rows:
                writes.insert_rows(STATEMENT_LINKS[name][0], link_rows)

    def _admitted_rows(
        self, batch: list[Pending], final: bool
    ) -> tuple[dict[str, tuple[Pending, dict[str, Any], dict[str, set[int]]]], set[str]]:
        """The batch's statements resolved and admitted, by id; and the derived ids."""
        resolved = []
        for item in batch:
            planned = self._resolve(item, final)
            if planned is not None:
                resolved.append((item, *planned))
        rows: dict[str, tuple[Pending, dict[str, Any], dict[str, set[int]]]] = {}
        derived: set[str] = set()
        for item, values, links in self._admitted(resolved):
            rows[values["id"]] = (item, values, links)
            if item.model.id is None:
                derived.add(values["id"])
        return rows, derived

    def _update(
        self,
        item: Pending,
        values: dict[str, Any],
        links: dict[str, set[int]],
        stored: Planned,
        link_inserts: dict[str, list[dict[str, Any]]],
    ) -> None:
        """A statement already stored (or planned): its changed values written, its changed
        links replaced; counted updated or unchanged."""
        sid = values["id"]
        writes = self.planner.writes
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
                link_inserts[name] += [{"statement_id": sid, column: t} for t in sorted(targets)]
        if self.overlay is not None and (changed or links_changed):
            self.overlay[sid] = ({**stored_values, **changed}, links)
        self.planner.count("statements", "updated" if changed or links_changed else "unchanged")

    def _resolve(self, item: Pending, final: bool) -> Resolved | None:
        """The statement's values and links, and for one without an id what identifies it."""
        st: StatementIn = item.model
        resolver = self.planner.resolver
        try:
            speaker, source, countries, scopes, areas = _statement_refs(resolver, st)
        except Unresolved as exc:
            if final:
                lookups = partial(_statement_refs, resolver, st)
                self.planner.unresolved_problem(item, exc, lookups)
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
