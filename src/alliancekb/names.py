"""How names are compared: one normal form shared by loading, querying and the schema."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")


def normalize(name: str) -> str:
    """The form names are compared in: accents off, case folded, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub(" ", plain).strip()
