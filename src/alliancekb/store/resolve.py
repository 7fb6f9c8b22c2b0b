"""Names to entities: keys, codes, names and aliases, case- and punctuation-insensitive.

`Pillar 2`, `pillar II`, `AUKUS Pillar Two` and `aukus/pillar-2` are one pillar; `UK`,
`GBR` and `United Kingdom` are one country. A name that fits several entities is
ambiguous (the candidates are listed); an unknown one comes back with the nearest names.

A name that fits no stored name is tried again without a leading "the" (`the Quad`), and,
for countries, as an ISO 3166 name of pycountry's (`Viet Nam`, `Korea, Republic of`,
`Socialist Republic of Viet Nam`) that names a stored country's alpha-3 code. Only a miss
pays for these (pycountry is read then, once); a stored name always wins over them.
"""

from __future__ import annotations

import difflib
import functools
import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import String, and_, bindparam, false, func, literal, or_, select, true, union_all

from alliancekb.core.errors import NameResolutionError, describe_unresolved
from alliancekb.core.names import (
    Match,
    iso_country_names,
    match_kind,
    normalize,
    without_article,
)
from alliancekb.store import tables
from alliancekb.store.entities import (
    ALL_KINDS,
    ENTITIES,
    SCOPE_KINDS,
    SPEAKER_KINDS,
    EntityKind,
    Kind,
    country_label,
    pillar_label,
)

if TYPE_CHECKING:
    from sqlalchemy import BindParameter, ColumnElement, CompoundSelect, Connection
    from sqlalchemy.orm import Session

# Callers resolve names through this module; the kinds themselves are described in entities.
__all__ = [
    "ALL_KINDS",
    "SCOPE_KINDS",
    "SPEAKER_KINDS",
    "Kind",
    "NameIndex",
    "Ref",
    "country_label",
    "load_index",
    "pillar_label",
    "pillar_number_names",
    "resolve_one",
]


# A NamedTuple, not a frozen dataclass: ~3M instructions less to create at start-up (issue 32).
class Ref(NamedTuple):
    """A resolved entity: its kind, database id, a label for people, and its scope if any."""

    kind: Kind
    id: int
    label: str
    scope_id: int | None = None


_ROMAN = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
]  # fmt: skip


def pillar_number_names(number: int) -> list[str]:
    """`pillar 2`, `pillar ii`, `pillar two`: the ways people write a pillar's number."""
    names = [f"pillar {number}"]
    if number < len(_ROMAN):
        names += [f"pillar {_ROMAN[number]}", f"pillar {_WORDS[number]}"]
    return names


class NameIndex:
    """Every known name of every entity, kept in step as a load creates or renames them.

    A pillar is also named `<alliance name> <pillar name>` for every pair of its
    alliance's and its own names. Those pairs are not stored (hundreds of pillars times
    their alliances' names would be tens of thousands of strings to build for every
    command); a lookup splits the name it is given at each space instead.
    """

    def __init__(self) -> None:
        #: Bumped on every change, so callers may cache lookups between changes.
        self.version = 0
        self._by_name: dict[str, set[Ref]] = defaultdict(set)
        self._names_of: dict[tuple[Kind, int], set[str]] = {}
        self._pillars_of: dict[int, dict[int, tuple[Ref, set[str]]]] = defaultdict(dict)

    # -- building -------------------------------------------------------------------

    def put(self, ref: Ref, names: Iterable[str | None], normalized: Iterable[str] = ()) -> None:
        """Register (or re-register, replacing the old names) an entity under its names.

        `normalized`: names already in `names.normalize` form (stored alias columns),
        taken as they are.
        """
        self.version += 1
        key = (ref.kind, ref.id)
        for old in self._names_of.pop(key, set()):
            bucket = self._by_name.get(old)
            if bucket is not None:
                bucket.difference_update({r for r in bucket if (r.kind, r.id) == key})
                if not bucket:
                    del self._by_name[old]
        own = {normalize(n) for n in names if n}
        own.update(normalized)
        own.discard("")
        for name in own:
            self._by_name[name].add(ref)
        self._names_of[key] = own

    def put_pillar(
        self,
        alliance_id: int,
        number: int,
        ref: Ref,
        names: Iterable[str | None],
        normalized: Iterable[str] = (),
    ) -> None:
        """Register a pillar under its own names, its number's forms, and `<alliance> <pillar>`."""
        own = {normalize(n) for n in names if n}
        own.update(normalized)
        own.update(pillar_number_names(number))  # already in normal form
        own.discard("")
        self._pillars_of[alliance_id][number] = (ref, own)
        self.put(ref, (), own)

    # -- looking up -----------------------------------------------------------------

    def candidates(self, name: str, kinds: Collection[Kind] = ALL_KINDS) -> list[Ref]:
        """Every entity of the given kinds that `name` can mean, in a stable order.

        The stored names first; when none fits, the name without a leading "the", then
        (countries) the ISO 3166 names of the stored countries' codes.
        """
        wanted = normalize(name)
        found = self._stored(wanted, kinds)
        bare = without_article(wanted)
        if not found and bare is not None:
            found = self._stored(bare, kinds)
        if not found and Kind.COUNTRY in kinds:
            found = self._iso(wanted) or (self._iso(bare) if bare is not None else set())
        return sorted(found, key=lambda r: (r.kind, r.label))

    def stored_candidates(self, name: str, kinds: Collection[Kind] = ALL_KINDS) -> set[Ref]:
        """The entities of `kinds` whose stored names hold `name` (or it without "the"):
        `candidates` before it looks further (ISO 3166 names)."""
        wanted = normalize(name)
        found = self._stored(wanted, kinds)
        bare = without_article(wanted)
        if not found and bare is not None:
            found = self._stored(bare, kinds)
        return found

    def _stored(self, wanted: str, kinds: Collection[Kind]) -> set[Ref]:
        found = set(self._by_name.get(wanted, ()))
        if Kind.PILLAR in kinds:
            found.update(self._combined(wanted))
        return {r for r in found if r.kind in kinds}

    def _iso(self, wanted: str) -> set[Ref]:
        """Stored countries whose code has `wanted` for an ISO 3166 name."""
        return {
            ref
            for code in iso_country_names().get(wanted, ())
            for ref in self._by_name.get(code, ())
            if ref.kind is Kind.COUNTRY
        }

    def _combined(self, wanted: str) -> set[Ref]:
        """Pillars that `wanted` names as `<alliance name> <pillar name>`."""
        found: set[Ref] = set()
        start = wanted.find(" ")
        while start > 0:
            prefix, suffix = wanted[:start], wanted[start + 1 :]
            for alliance in self._by_name.get(prefix, ()):
                if alliance.kind is Kind.ALLIANCE:
                    for pillar, own in self._pillars_of.get(alliance.id, {}).values():
                        if suffix in own:
                            found.add(pillar)
            start = wanted.find(" ", start + 1)
        return found

    def all_names(self, kinds: Collection[Kind]) -> dict[str, set[Ref]]:
        """Every normalized name of the given kinds (the combined `<alliance> <pillar>`
        names included) and the entities each names."""
        pool = {
            name: {r for r in refs if r.kind in kinds}
            for name, refs in self._by_name.items()
            if any(r.kind in kinds for r in refs)
        }
        if Kind.PILLAR in kinds:
            for (kind, alliance_id), alliance_names in self._names_of.items():
                if kind is not Kind.ALLIANCE:
                    continue
                for pillar, own in self._pillars_of.get(alliance_id, {}).values():
                    for a in alliance_names:
                        for p in own:
                            pool.setdefault(f"{a} {p}", set()).add(pillar)
        return pool

    def nearest(self, name: str, kinds: Collection[Kind] = ALL_KINDS, n: int = 5) -> list[str]:
        """Labels of the entities whose names are closest to `name`, for "did you mean".

        Ranked by the kind of match first (`core.names.Match`): a whole word of a name
        (`Biden`: Joe Biden) before a name that is only similar (Benin's `BEN`), then by
        similarity.
        """
        wanted = normalize(name)
        pool = self.all_names(kinds)
        labels: list[str] = []
        for close in _closest(wanted, pool, n * 3):
            for ref in sorted(pool[close], key=lambda r: r.label):
                if ref.label not in labels:
                    labels.append(ref.label)
        return labels[:n]

    def lookup(self, name: str, kinds: Collection[Kind] = ALL_KINDS) -> Ref | str:
        """The one entity `name` means, or the sentence explaining why there is none."""
        found = self.candidates(name, kinds)
        if len(found) == 1:
            return found[0]
        label = _kinds_label(kinds)
        if found:
            return describe_unresolved(name, label, [_candidate(r) for r in found], True)
        return describe_unresolved(name, label, self.nearest(name, kinds), False)

    def resolve(self, name: str, kinds: Collection[Kind] = ALL_KINDS) -> Ref:
        """The one entity `name` means; NameResolutionError (exit 4) otherwise."""
        found = self.candidates(name, kinds)
        if len(found) == 1:
            return found[0]
        label = _kinds_label(kinds)
        if found:
            raise NameResolutionError(name, label, [_candidate(r) for r in found], True)
        raise NameResolutionError(name, label, self.nearest(name, kinds), False)


#: How similar a name must be to be suggested when it does not match by words.
SIMILAR_ENOUGH = 0.6


def _closest(wanted: str, names: Iterable[str], n: int) -> list[str]:
    """The `n` names nearest `wanted`: by kind of match, then by similarity.

    Similar names alone come in difflib's order (`get_close_matches`: score, then the
    name, descending), as they always did.
    """
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(wanted)
    scored: list[tuple[int, float, str]] = []
    for name in names:
        kind = match_kind(wanted, name)
        matcher.set_seq1(name)
        if kind is Match.SIMILAR and not (
            matcher.real_quick_ratio() >= SIMILAR_ENOUGH
            and matcher.quick_ratio() >= SIMILAR_ENOUGH
            and matcher.ratio() >= SIMILAR_ENOUGH
        ):
            continue
        scored.append((-kind, matcher.ratio(), name))
    return [name for _, _, name in heapq.nlargest(n, scored)]


def _candidate(ref: Ref) -> str:
    return f"{ref.label} ({ref.kind})"


def _kinds_label(kinds: Collection[Kind]) -> str:
    if set(kinds) == ALL_KINDS:
        return "entity"
    if set(kinds) == SCOPE_KINDS:
        return "alliance or pillar"
    return " or ".join(sorted(str(k) for k in kinds))


def load_index(
    session: Session | Connection,
    kinds: Collection[Kind] = ALL_KINDS,
    only: Mapping[Kind, Collection[int]] | None = None,
) -> NameIndex:
    """Read the names of the given kinds (default: every kind) into a fresh index.

    A command that resolves only scopes need not read thousands of source keys. The names
    are read from the Core tables (`store.tables`), on a Session or a Connection alike.
    `only`: for each kind, the ids of the entities to read (every one of a kind it does
    not name), each with all its names (`resolve_one`).
    """
    wanted = set(kinds)
    if Kind.PILLAR in wanted:
        wanted.add(Kind.ALLIANCE)  # a pillar is also named through its alliance's names
    index = NameIndex()
    alliance_names: dict[int, str] = {}
    for entity in ENTITIES.values():  # alliances before pillars: a pillar's label needs them
        if entity.kind not in wanted:
            continue
        ids = None if only is None else only.get(entity.kind)
        if ids is not None and not ids:
            continue
        # Stored aliases in their stored normal form: no need to normalize them again.
        aliases: dict[int, list[str]] = defaultdict(list)
        alias_columns = entity.alias_table_columns()
        if alias_columns is not None:
            alias_select = select(*alias_columns)
            if ids is not None:
                alias_select = alias_select.where(alias_columns[0].in_(sorted(ids)))
            for owner_id, normalized in session.execute(alias_select):
                aliases[owner_id].append(normalized)
        columns = entity.table_columns()
        rows = select(*columns)
        if ids is not None:
            rows = rows.where(columns[0].in_(sorted(ids)))
        for row in session.execute(rows).mappings():
            names, own_aliases = entity.names(row), aliases.get(row["id"], [])
            if entity.kind is Kind.PILLAR:
                alliance = alliance_names[row["alliance_id"]]
                ref = Ref(
                    Kind.PILLAR, row["id"], pillar_label(alliance, row["number"], row["name"]),
                    row["scope_id"],
                )  # fmt: skip
                index.put_pillar(row["alliance_id"], row["number"], ref, names, own_aliases)
                continue
            if entity.kind is Kind.ALLIANCE:
                alliance_names[row["id"]] = row["name"]
            scope_id = row["scope_id"] if entity.kind in SCOPE_KINDS else None
            index.put(Ref(entity.kind, row["id"], entity.label(row), scope_id), names, own_aliases)
    return index


def resolve_one(
    session: Session | Connection, name: str, kinds: Collection[Kind] = ALL_KINDS
) -> Ref:
    """The one entity of `kinds` that `name` means: `load_index(session, kinds).resolve(
    name, kinds)`'s answer, without reading every name.

    A knowledge base may hold thousands of entities and tens of thousands of sources (at
    1M statements, reading and indexing every name cost tens of milliseconds of a card,
    and a second with the sources). This reads only the entities that may bear the name
    (`_may_bear`: a superset of those that do), each with all its names: the stored names
    that match are then the full index's, so a name that matches (one entity, or several:
    ambiguous) has the same answer. A name that matches no stored name is answered by the
    full index (the name without "the" was tried already; ISO 3166 names, the nearest
    names for the message).
    """
    wanted = normalize(name)
    if wanted:
        some = load_index(session, kinds, _may_bear(session, wanted, kinds))
        if some.stored_candidates(name, kinds):
            return some.resolve(name, kinds)
    return load_index(session, kinds).resolve(name, kinds)


def _may_bear(
    session: Session | Connection, wanted: str, kinds: Collection[Kind]
) -> dict[Kind, set[int]]:
    """For each kind to read, the ids of the entities that may bear the normal-form name
    `wanted` (or it without "the"): a superset of those that do, in one query.

    A name column may when its text holds the first word of a form (an ASCII name's normal
    form is its lower-case letter and digit runs: its first word is in its lower-case
    text), or holds any non-ASCII character (its normal form is only known in Python); an
    alias by its stored normal form. A pillar is also named by its number (`pillar 2`)
    and as `<alliance name> <pillar name>`: every pillar of an alliance that may bear a
    first part of the name is read, and every pillar's alliance (its label).
    """
    forms = sorted({wanted, without_article(wanted) or wanted})
    firsts = sorted({f.split(" ")[0] for f in forms})
    heads = sorted({f[:i] for f in forms for i, c in enumerate(f) if c == " "} | set(forms))
    stmt = _may_bear_select(_dialect_name(session), frozenset(kinds), len(firsts))
    params: dict[str, Any] = {f"first_{i}": first for i, first in enumerate(firsts)}
    params.update({f"like_{i}": f"%{first}%" for i, first in enumerate(firsts)})
    params.update(forms=forms, heads=heads, numbers=sorted(_pillar_numbers(forms)))
    found: dict[Kind, set[int]] = defaultdict(set)
    for kind, id_ in session.execute(stmt, params):
        found[Kind(kind)].add(id_)
    return {e.kind: found[e.kind] for e in ENTITIES.values() if e.kind in _wide(kinds)}


def _wide(kinds: Collection[Kind]) -> set[Kind]:
    """The kinds read to resolve a name of `kinds`: a pillar's alliances too."""
    return set(kinds) | ({Kind.ALLIANCE} if Kind.PILLAR in kinds else set())


@functools.lru_cache(maxsize=32)
def _may_bear_select(dialect: str, kinds: frozenset[Kind], firsts: int) -> CompoundSelect[str, int]:
    """`_may_bear`'s query (kind, id), its values bound by name (built once per shape)."""
    likes: list[BindParameter[Any]] = [bindparam(f"like_{i}") for i in range(firsts)]
    prefixes: list[BindParameter[Any]] = [
        bindparam(f"first_{i}", type_=String()) for i in range(firsts)
    ]
    forms: BindParameter[Any] = bindparam("forms", expanding=True)
    heads: BindParameter[Any] = bindparam("heads", expanding=True)

    def named(entity: EntityKind, alias_forms: BindParameter[Any]) -> ColumnElement[bool]:
        table = tables.table(entity.table)
        maybe = [_may_name(dialect, table.c[column], likes) for column in entity.name_columns]
        alias_columns = entity.alias_table_columns()
        if alias_columns is not None:
            owner, normalized = alias_columns
            maybe.append(table.c.id.in_(select(owner).where(normalized.in_(alias_forms))))
        return or_(*maybe)

    alliances = tables.table(ENTITIES[Kind.ALLIANCE].table)
    pillars = tables.table(ENTITIES[Kind.PILLAR].table)
    of_alliance = named(ENTITIES[Kind.ALLIANCE], heads)
    # An alliance that may bear a first part of the name has its pillars read: a test of
    # its own, not in the alliances' part (where `of_alliance` finds it already).
    by_itself = or_(
        named(ENTITIES[Kind.PILLAR], forms),
        pillars.c.number.in_(bindparam("numbers", expanding=True)),
    )
    of_pillar = or_(by_itself, pillars.c.alliance_id.in_(select(alliances.c.id).where(of_alliance)))
    parts = []
    for entity in ENTITIES.values():
        if entity.kind not in _wide(kinds):
            continue
        table = tables.table(entity.table)
        if entity.kind is Kind.SOURCE:
            where = _may_name_key(dialect, table.c.key, prefixes)
        elif entity.kind is Kind.PILLAR:
            where = of_pillar
        elif entity.kind is Kind.ALLIANCE:
            where = or_(of_alliance, table.c.id.in_(select(pillars.c.alliance_id).where(by_itself)))
        else:
            where = named(entity, forms)
        parts.append(select(literal(entity.kind.value), table.c.id).where(where))
    return union_all(*parts)


#: Characters past ASCII that `normalize` turns into a space, as it does ASCII punctuation
#: (they stay themselves in NFKD and case folding): dashes and quotation marks. A name
#: whose only characters past ASCII are these has the words of its lower-case text, as an
#: ASCII name: "ATOP alliance 1390 (1894–1895)", as the imports name every alliance they
#: cannot link (thousands), need not be read for every name (`tests/test_resolve.py`).
SEPARATORS = "\u2013\u2014\u2018\u2019\u201c\u201d"


def _may_name(
    dialect: str, column: ColumnElement[str], likes: Sequence[BindParameter[Any]]
) -> ColumnElement[bool]:
    """Rows whose `column` may have a normal form holding a word that `likes` (`%word%`)
    finds in its lower-case text: those it finds, and those holding a character past
    ASCII but `SEPARATORS` (their normal form is known in Python alone)."""
    lowered = func.lower(column)
    maybe: list[ColumnElement[bool]] = [lowered.like(like) for like in likes]
    if dialect == "sqlite":  # GLOB compares code points: any character past ASCII
        maybe.append(column.op("GLOB")(literal(f"*[^\x01-\x7f{SEPARATORS}]*")))
    elif dialect == "postgresql":
        maybe.append(column.op("~")(literal(f"[^\x01-\x7f{SEPARATORS}]")))
    else:  # another database: every row may
        maybe.append(true())
    return or_(*maybe)


def _pillar_numbers(forms: Iterable[str]) -> set[int]:
    """The numbers that `pillar N` forms name (`pillar 2`, `pillar ii`, `pillar two`)."""
    return {n for n in map(_pillar_number, forms) if n is not None}


def _pillar_number(form: str) -> int | None:
    """The number a `pillar N` name names (`pillar 2`, `pillar ii`, `pillar two`), if any."""
    if not form.startswith("pillar "):
        return None
    rest = form[len("pillar ") :]
    if rest.isdigit() and rest.isascii():
        return int(rest)
    for numbers in (_ROMAN, _WORDS):
        if rest in numbers:
            return numbers.index(rest)
    return None


def _dialect_name(session: Session | Connection) -> str:
    """The database's dialect name (`sqlite`, `postgresql`), from a Connection or Session."""
    from sqlalchemy import Connection

    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.dialect.name


def _may_name_key(
    dialect: str, key: ColumnElement[str], firsts: Sequence[BindParameter[Any]]
) -> ColumnElement[bool]:
    """Source keys that a name may be (a superset): those starting with the first word of
    its normal form, or of that form without "the" (`firsts`). A key is a lower-case slug
    (`[a-z0-9][a-z0-9._-]*`, as the load format checks it), so it starts with the first
    word of its own normal form: on SQLite a range of its unique index (every slug
    character sorts before DEL), elsewhere a LIKE (a normal form holds letters, digits and
    spaces only: nothing LIKE reads specially)."""
    if dialect == "sqlite":
        return or_(false(), *(and_(key >= f, key < f + literal("\x7f")) for f in firsts))
    return or_(false(), *(key.like(f + literal("%")) for f in firsts))
