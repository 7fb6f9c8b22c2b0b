"""The resolve stage: the names a record uses -> entities, through store.resolve's NameIndex.

The index holds the stored entities and those the load has planned so far (created ones
under provisional ids on a dry run), so a record may use an entity an earlier record of
the same load defines (in any of its files). A name that does not resolve yet raises
`Unresolved`: the record waits, and is reported only when the last file has been read.
"""

from __future__ import annotations

from collections.abc import Iterable

from alliancekb.store.resolve import Kind, NameIndex, Ref

Loc = tuple[str | int, ...]

#: The one-kind sets references are looked up with (made once: they key the lookup cache).
ONE_KIND: dict[Kind, frozenset[Kind]] = {kind: frozenset({kind}) for kind in Kind}


class Unresolved(Exception):
    """A reference that does not resolve (yet): the location and the explanation."""

    def __init__(self, loc: Loc, message: str, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.ambiguous = ambiguous


class Resolver:
    """Looks names up in the index, caching each answer until the index changes."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self._lookups: dict[tuple[str, frozenset[Kind]], Ref | str] = {}
        self._version = -1

    def ref(self, name: str, kinds: frozenset[Kind], loc: Loc) -> Ref:
        """The entity `name` means; else Unresolved (located at `loc`)."""
        if self._version != self.index.version:
            self._lookups.clear()
            self._version = self.index.version
        key = (name, kinds)
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = self.index.lookup(name, kinds)
        if found.__class__ is str:
            assert isinstance(found, str)
            raise Unresolved(loc, found, ambiguous=found.startswith(("ambiguous",)))
        return found  # type: ignore[return-value]

    def refs(self, names: Iterable[str], kind: Kind, loc: Loc) -> list[Ref]:
        """Each name's entity, once each, in order (the hot path of statements)."""
        kinds = ONE_KIND[kind]
        refs: dict[int, Ref] = {}
        for i, name in enumerate(names):
            ref = self.ref(name, kinds, (*loc, i))
            refs[ref.id] = ref
        return list(refs.values())
