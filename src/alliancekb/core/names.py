"""How names are compared: one normal form shared by loading, querying and the schema."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")


def normalize(name: str) -> str:
    """The form names are compared in: accents off, case folded, punctuation as spaces."""
    if name.isascii():  # most names: NFKD changes no ASCII, and casefold is lower
        return _NON_WORD.sub(" ", name.lower()).strip()
    return _normalize_unicode(name)


def _normalize_unicode(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub(" ", plain).strip()
