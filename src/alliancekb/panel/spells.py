"""The memberships a panel is made of, read once: one dataset's claims or the merged answer.

A panel's rows are many (a million dyad-years) but the memberships behind them are few
(thousands): they are read here in one read transaction, each as a `Spell` (a country in
an alliance from one day to another, with its obligations), and the rows are made from
them in memory (`panel.rows`) without another query.

- **One dataset** (`source`): its claims as it makes them (`memberships.claim` is the
  dataset source's key), each record's own obligations, its chain resolved (a later spell
  ends an earlier one), and its coverage window (`sources.covers_*`).
- **The merged answer** (no source): what `members` answers on each day, from
  `query.members.answer_segments` (the one precedence, `query/precedence.py`): the own
  record over the datasets, entry into force over signature, a dataset past its coverage
  presumed at most. Each stretch carries its obligations (the record's own, else the
  treaty's, else the agreeing datasets') and whether a claim disputes it. A stretch in
  which the answer is "not a member" but a claim says "member" is kept as disputed only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from alliancekb.core.datasets import DATASETS
from alliancekb.core.errors import UsageError
from alliancekb.core.vocab import Obligation, SourceKind
from alliancekb.query.common import resolve_scope
from alliancekb.query.facts import membership_spans
from alliancekb.query.members import answer_segments, scope_context
from alliancekb.query.precedence import IN_STATUSES
from alliancekb.store import tables as t
from alliancekb.store.resolve import Kind

if TYPE_CHECKING:
    from alliancekb.query.common import Reader

#: The obligations of a panel, in column order, and each one's bit in a spell's mask.
OBLIGATIONS: tuple[str, ...] = tuple(o.value for o in Obligation)
BIT = {name: 1 << i for i, name in enumerate(OBLIGATIONS)}


class UnknownSourceError(UsageError):
    """`--source` names no dataset whose claims the knowledge base holds (exit 2)."""


class NotAnAllianceError(UsageError):
    """`--scope` names a pillar: panels code alliances (exit 2)."""


@dataclass(frozen=True)
class Spell:
    """A country in an alliance from `start` to `end` (both days in)."""

    iso3: str
    alliance: int
    start: dt.date
    end: dt.date
    #: The obligations, as bits of `BIT`.
    mask: int
    #: In the alliance (False: a claim says so against the answer: disputed only).
    member: bool
    disputed: bool


@dataclass(frozen=True)
class Alliance:
    """An alliance of the panel: its key and the datasets' ids for it (`cow:227`)."""

    key: str
    dataset_ids: tuple[str, ...]


@dataclass(frozen=True)
class Memberships:
    """What a panel is made of: the spells, the alliances they name, the coverage."""

    spells: list[Spell]
    alliances: dict[int, Alliance]
    #: The dataset source (None: the merged answer) and its title.
    source: str | None
    #: The first and last day the answer speaks for (None: open).
    covers_from: dt.date | None
    covers_to: dt.date | None
    #: The dataset sources behind the spells: key -> (first, last) coverage day.
    coverage: dict[str, tuple[dt.date | None, dt.date | None]]


def mask_of(obligations: Iterable[str]) -> int:
    """The bits of these obligations (unknown names ignored)."""
    mask = 0
    for name in obligations:
        mask |= BIT.get(name, 0)
    return mask


def _datasets(reader: Reader) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Every dataset source that claims memberships: key -> its coverage window."""
    src, ms = t.sources.c, t.memberships.c
    claimed = {c for (c,) in reader.execute(select(ms.claim).where(ms.claim != "").distinct())}
    return {
        key: (first, last)
        for key, first, last in reader.execute(
            select(src.key, src.covers_from_lower, src.covers_to_upper)
            .where(src.kind == SourceKind.DATASET)
            .order_by(src.key)
        )
        if key in claimed
    }


def _alliance_scopes(reader: Reader, scopes: Sequence[str]) -> dict[int, int]:
    """scope id -> alliance id of the alliances asked for (every alliance if none)."""
    a = t.alliances.c
    by_scope = dict(reader.execute(select(a.scope_id, a.id)).all())
    if not scopes:
        return by_scope
    wanted: dict[int, int] = {}
    for name in scopes:
        ref = resolve_scope(reader, name)
        scope_id = ref.scope_id
        if ref.kind is not Kind.ALLIANCE or scope_id is None or scope_id not in by_scope:
            raise NotAnAllianceError(
                f"{ref.label} is a pillar; a panel codes alliances: give its alliance"
            )
        wanted[scope_id] = by_scope[scope_id]
    return wanted


def _alliances(reader: Reader, ids: Iterable[int], prefixes: Sequence[str]) -> dict[int, Alliance]:
    a, al = t.alliances.c, t.alliance_aliases.c
    wanted = sorted(set(ids))
    keys = dict(reader.execute(select(a.id, a.key).where(a.id.in_(wanted))).all()) if wanted else {}
    ids_of: dict[int, list[str]] = {}
    if wanted:
        for aid, alias in reader.execute(
            select(al.alliance_id, al.alias).where(al.alliance_id.in_(wanted))
        ):
            prefix, _, number = alias.partition(":")
            if prefix in prefixes and number.isdigit():
                ids_of.setdefault(aid, []).append(alias)
    order = {p: i for i, p in enumerate(prefixes)}

    def ordered(aliases: list[str]) -> tuple[str, ...]:
        return tuple(sorted(aliases, key=lambda s: (order[s.partition(":")[0]], len(s), s)))

    return {aid: Alliance(keys[aid], ordered(ids_of.get(aid, []))) for aid in keys}


def _dataset_prefix(source: str) -> str | None:
    return next((d.name for d in DATASETS if source.startswith(d.name)), None)


def read(reader: Reader, source: str | None, scopes: Sequence[str] = ()) -> Memberships:
    """The spells of the alliances asked for (all if none): `source`'s claims, or the
    merged answer; UnknownSourceError for a source with no claims."""
    datasets = _datasets(reader)
    if source is not None and source not in datasets:
        known = ", ".join(datasets) or "none (import cow or atop first)"
        raise UnknownSourceError(
            f"no dataset {source!r} has claims in this knowledge base; choose from: {known}"
        )
    alliance_of = _alliance_scopes(reader, scopes)
    if source is not None:
        spells = _claimed(reader, source, alliance_of)
        first, last = datasets[source]
        coverage = {source: datasets[source]}
        prefix = _dataset_prefix(source)
        prefixes = [prefix] if prefix else []
    else:
        spells = _merged(reader, alliance_of)
        coverage = datasets
        firsts = [f for f, _ in datasets.values() if f is not None]
        first = min(firsts) if firsts else None
        last = None
        prefixes = [d.name for d in DATASETS]
    alliances = _alliances(reader, (s.alliance for s in spells), prefixes)
    return Memberships(spells, alliances, source, first, last, coverage)


def _claimed(reader: Reader, source: str, alliance_of: dict[int, int]) -> list[Spell]:
    ms = t.memberships.c
    where = ms.claim == source
    if len(alliance_of) < 500:
        where = where & ms.scope_id.in_(sorted(alliance_of))
    spells = []
    for span in membership_spans(reader, where):
        p = span.payload
        aid = alliance_of.get(p["scope_id"])
        if aid is None or p["status"] not in IN_STATUSES:
            continue
        start, end = span.start or dt.date.min, span.end or dt.date.max
        spells.append(Spell(p["iso3"], aid, start, end, mask_of(p["obligations"]), True, False))
    return spells


def _merged(reader: Reader, alliance_of: dict[int, int]) -> list[Spell]:
    ms = t.memberships.c
    scope_ids = sorted(alliance_of)
    where = ms.scope_id.in_(scope_ids) if len(scope_ids) < 500 else ms.scope_id.isnot(None)
    spans = [s for s in membership_spans(reader, where) if s.payload["scope_id"] in alliance_of]
    context = scope_context(reader, {s.payload["scope_id"] for s in spans}, spans)
    spells: list[Spell] = []
    for first, last, _span, row in answer_segments(spans, context, overruled=True):
        member = row["status"] in IN_STATUSES and not row.get("_synthetic")
        disputed = bool(row.get("disputed"))
        if not member and not disputed:
            continue
        spell = Spell(
            row["iso3"],
            alliance_of[row["scope_id"]],
            first or dt.date.min,
            last or dt.date.max,
            mask_of(row["obligations"]) if member else 0,
            member,
            disputed,
        )
        _append(spells, spell)
    return spells


def _append(spells: list[Spell], spell: Spell) -> None:
    """Add `spell`, or stretch the previous one over it when it continues it unchanged
    (the answer's stretches also change with currency, which a panel does not show)."""
    if spells:
        prev = spells[-1]
        same = (prev.iso3, prev.alliance, prev.mask, prev.member, prev.disputed) == (
            spell.iso3, spell.alliance, spell.mask, spell.member, spell.disputed)  # fmt: skip
        if same and prev.end != dt.date.max and prev.end + dt.timedelta(days=1) == spell.start:
            spells[-1] = Spell(prev.iso3, prev.alliance, prev.start, spell.end, prev.mask,
                               prev.member, prev.disputed)  # fmt: skip
            return
    spells.append(spell)
