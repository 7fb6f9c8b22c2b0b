"""How names are compared: one normal form shared by loading, querying and the schema."""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum

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


_ISO_NAMES: dict[str, frozenset[str]] | None = None


def iso_country_names() -> dict[str, frozenset[str]]:
    """ISO 3166 names in normal form -> the alpha-3 codes (lower case) they name.

    Each country's `name` ("Viet Nam", "Korea, Republic of"), `official_name` ("Socialist
    Republic of Viet Nam") and `common_name` ("Vietnam"), from pycountry. Built on first
    use only: importing pycountry and reading its database costs tens of milliseconds,
    which a command pays only when a name is not found among the stored ones.
    """
    global _ISO_NAMES
    if _ISO_NAMES is None:
        import pycountry

        found: dict[str, set[str]] = {}
        for country in pycountry.countries:
            for attribute in ("name", "official_name", "common_name"):
                value = getattr(country, attribute, None)
                if value:
                    found.setdefault(normalize(value), set()).add(country.alpha_3.lower())
        _ISO_NAMES = {name: frozenset(codes) for name, codes in found.items()}
    return _ISO_NAMES


def without_article(name: str) -> str | None:
    """A normal-form name without its leading "the" ("the quad" -> "quad"), else None."""
    if name.startswith("the ") and len(name) > 4:
        return name[4:]
    return None


class Match(IntEnum):
    """How a name someone typed matches a known name, best first: suggestions for a name
    that resolves to nothing are ranked by it, then by similarity."""

    #: the whole name
    EXACT = 0
    #: a whole word or words of it (`biden` of `joe biden`)
    WHOLE_WORDS = 1
    #: its beginning, or a word's (`jap` of `japan`, `bid` of `joe biden`)
    PREFIX = 2
    #: none of these: only similar (`japn` to `japan`), if at all
    SIMILAR = 3


def match_kind(wanted: str, name: str) -> Match:
    """How `wanted` matches `name`, both in normal form (`normalize`)."""
    if wanted == name:
        return Match.EXACT
    if wanted:
        padded = f" {name} "
        if f" {wanted} " in padded:
            return Match.WHOLE_WORDS
        if f" {wanted}" in padded:
            return Match.PREFIX
    return Match.SIMILAR
