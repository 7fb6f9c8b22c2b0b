"""The knowledge base's names, found in running text: which entity a stretch of words names.

Every stretch of up to six words of a sentence is looked up in the name index
(`store/resolve.py`), longest first, so "AUKUS Pillar II" is one pillar and not the
alliance AUKUS followed by a number. Proper names must be written as names: a country,
alliance, pillar or official is found only where its first word starts with a capital,
and a name of three letters or fewer only in capitals ("US", never the pronoun "us").
Technology areas are common nouns ("quantum technology") and are found in any case.
A stretch that names several entities is left alone: the draft guesses nothing there.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliancekb.store import models as m
from alliancekb.store.entities import ENTITIES
from alliancekb.store.resolve import Kind, NameIndex, Ref, load_index

MAX_WORDS: Final = 6
_WORD: Final = re.compile(r"[^\W_]+")
#: A stretch of words does not cross these (a list "Japan, New Zealand" is two names).
_BREAK: Final = re.compile(r"[,;:!?()\[\]]")
_KINDS: Final = frozenset(
    {Kind.COUNTRY, Kind.ALLIANCE, Kind.PILLAR, Kind.TECHNOLOGY_AREA, Kind.OFFICIAL}
)


@dataclass(frozen=True)
class Mention:
    """Words of a text that name one entity."""

    start: int
    end: int
    ref: Ref
    words: str


class KnownNames:
    """The name index with, for each entity, the name a YAML file should refer to it by."""

    def __init__(self, session: Session) -> None:
        self.index: NameIndex = load_index(session, {*_KINDS, Kind.SOURCE})
        self._keys: dict[tuple[Kind, int], str] = {}
        for kind in (Kind.COUNTRY, Kind.ALLIANCE, Kind.TECHNOLOGY_AREA, Kind.OFFICIAL):
            entity = ENTITIES[kind]
            id_column, key_column = entity.columns()[0], getattr(entity.model, entity.key)
            for id_, key in session.execute(select(id_column, key_column)):
                self._keys[(kind, id_)] = str(key)
        alliance_keys = {i: k for (kind, i), k in self._keys.items() if kind is Kind.ALLIANCE}
        #: pillar id -> its alliance's id
        self.alliance_of: dict[int, int] = {}
        for id_, alliance_id, number in session.execute(
            select(m.Pillar.id, m.Pillar.alliance_id, m.Pillar.number)
        ):
            # `<alliance key> pillar <n>` names one pillar as long as alliance keys are unique.
            self._keys[(Kind.PILLAR, id_)] = f"{alliance_keys[alliance_id]} pillar {number}"
            self.alliance_of[id_] = alliance_id

    def reference(self, ref: Ref) -> str:
        """How a YAML file names the entity: an ISO code, a key, `aukus pillar 2`."""
        return self._keys.get((ref.kind, ref.id), ref.label)

    def has_source(self, key: str) -> bool:
        return bool(self.index.candidates(key, {Kind.SOURCE}))

    def mentions(self, text: str, kinds: Collection[Kind] = _KINDS) -> list[Mention]:
        """The entities `text` names, left to right, each stretch of words once."""
        words = list(_WORD.finditer(text))
        found: list[Mention] = []
        i = 0
        while i < len(words):
            for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
                start, end = words[i].start(), words[i + n - 1].end()
                mention = self._lookup(text[start:end], start, end, kinds)
                if mention is not None:
                    found.append(mention)
                    i += n
                    break
            else:
                i += 1
        return found

    def _lookup(self, words: str, start: int, end: int, kinds: Collection[Kind]) -> Mention | None:
        if _BREAK.search(words):
            return None
        refs = [r for r in self.index.candidates(words, kinds) if _written_as_name(words, r.kind)]
        if len(refs) != 1:
            return None
        # Quotation marks around a term ("AUKUS “Pillar 2”") are not part of its name.
        return Mention(start, end, refs[0], re.sub('[“”«»"]', "", words))


def _written_as_name(words: str, kind: Kind) -> bool:
    letters = re.sub(r"[\W_]", "", words)
    if len(letters) <= 3 and not letters.isupper():
        return False  # "us", "ai", "ew" are words, "US", "AI", "EW" names
    return kind is Kind.TECHNOLOGY_AREA or words[0].isupper() or words[0].isdigit()
