"""The resolve stage: the names a record uses -> entities, through store.resolve's NameIndex.

The index holds the stored entities and those the load has planned so far (created ones
under provisional ids on a dry run), so a record may use an entity an earlier record of
the same load defines (in any of its files). A name that does not resolve yet raises
`Unresolved`: the record waits, and is reported only when the last file has been read.
Then its lookups run once more, collecting (`Resolver.every_unresolved`), so that each
name of the record that does not resolve is reported at its own place, not the first alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
        #: While `every_unresolved` runs: the references that failed (else None: raise).
        self._missed: list[Unresolved] | None = None

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
            missed = Unresolved(loc, found, ambiguous=found.startswith(("ambiguous",)))
            if self._missed is None:
                raise missed
            self._missed.append(missed)
            return _stand_in(name, kinds, len(self._missed))
        return found  # type: ignore[return-value]

    def every_unresolved(
        self, first: Unresolved, lookups: Callable[[], object]
    ) -> list[Unresolved]:
        """Every reference of a record that does not resolve, in the order it is looked up.

        `first` stopped the record's plan; `lookups` (the record's lookups, which write
        nothing) runs again, each failed reference answered by a stand-in so that the later
        ones are looked up too. Only a failed record pays for this, once, when it is
        reported: the planning of good records is as before.
        """
        self._missed = missed = []
        try:
            lookups()
        except Unresolved as exc:  # a check among resolved names (a participant twice)
            missed.append(exc)
        finally:
            self._missed = None
        return missed or [first]

    def refs(self, names: Iterable[str], kind: Kind, loc: Loc) -> list[Ref]:
        """Each name's entity, once each, in order (the hot path of statements)."""
        kinds = ONE_KIND[kind]
        refs: dict[int, Ref] = {}
        for i, name in enumerate(names):
            ref = self.ref(name, kinds, (*loc, i))
            refs[ref.id] = ref
        return list(refs.values())


def _stand_in(name: str, kinds: frozenset[Kind], n: int) -> Ref:
    """A placeholder for a reference that did not resolve (while collecting): an id no
    entity has, distinct per failure so that two of them are never taken for one entity."""
    stand_in_id = -(1 << 62) - n
    return Ref(min(kinds), stand_in_id, name, stand_in_id)
