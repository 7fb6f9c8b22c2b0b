"""A government named by its seat or by its people's adjective: "Officials in Canberra
said", "Tokyo stressed", "Japanese officials said" speak for a country's government.

No dependency of the project knows capitals or demonyms (pycountry has neither), so this
is a small table of the countries the bundled knowledge base's alliances and statements
name, plus China and Russia, whom articles on these alliances quote often. Left out on
purpose: Brussels (the seat of NATO and of the European Union as much as of Belgium) and
Luxembourg (its capital's name is the country's, found as the country already). Every
speaker found here is a guess for a person to check, never a name the knowledge base knows.

A seat counts when it is the whole subject ("Canberra", "the White House") or when the
subject holds a word of government ("officials in Canberra"), but not as the place an
ambassador or embassy is posted ("the ambassador in Tokyo" is a foreign envoy). An
adjective counts only before a word of government ("Japanese officials", "the British
government", "Australian Defence Minister"): "Japanese scholars" speak for no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Government:
    """A country's ISO 3166 alpha-3 code, the seats of its government and its adjectives."""

    iso3: str
    seats: tuple[str, ...]
    adjectives: tuple[str, ...]


GOVERNMENTS: Final = (
    Government("ALB", ("Tirana",), ("Albanian",)),
    Government("AUS", ("Canberra",), ("Australian",)),
    Government("BEL", (), ("Belgian",)),
    Government("BGR", ("Sofia",), ("Bulgarian",)),
    Government("CAN", ("Ottawa",), ("Canadian",)),
    Government("CHN", ("Beijing",), ("Chinese",)),
    Government("CZE", ("Prague",), ("Czech",)),
    Government("DEU", ("Berlin",), ("German",)),
    Government("DNK", ("Copenhagen",), ("Danish",)),
    Government("ESP", ("Madrid",), ("Spanish",)),
    Government("EST", ("Tallinn",), ("Estonian",)),
    Government("FIN", ("Helsinki",), ("Finnish",)),
    Government("FRA", ("Paris", "the Élysée"), ("French",)),
    Government("GBR", ("London", "Downing Street", "Whitehall"), ("British",)),
    Government("GRC", ("Athens",), ("Greek",)),
    Government("HRV", ("Zagreb",), ("Croatian",)),
    Government("HUN", ("Budapest",), ("Hungarian",)),
    Government("IND", ("New Delhi",), ("Indian",)),
    Government("ISL", ("Reykjavik", "Reykjavík"), ("Icelandic",)),
    Government("ITA", ("Rome",), ("Italian",)),
    Government("JPN", ("Tokyo",), ("Japanese",)),
    Government("KOR", ("Seoul",), ("South Korean",)),
    Government("LTU", ("Vilnius",), ("Lithuanian",)),
    Government("LUX", (), ("Luxembourgish",)),
    Government("LVA", ("Riga",), ("Latvian",)),
    Government("MKD", ("Skopje",), ("North Macedonian",)),
    Government("MNE", ("Podgorica",), ("Montenegrin",)),
    # The Hague is the seat of the Dutch government; Amsterdam, the capital, is not.
    Government("NLD", ("The Hague",), ("Dutch",)),
    Government("NOR", ("Oslo",), ("Norwegian",)),
    # "New Zealand officials": the country's own name, found as the country already.
    Government("NZL", ("Wellington",), ()),
    Government("PHL", ("Manila",), ("Philippine", "Filipino")),
    Government("POL", ("Warsaw",), ("Polish",)),
    Government("PRT", ("Lisbon",), ("Portuguese",)),
    Government("ROU", ("Bucharest",), ("Romanian",)),
    Government("RUS", ("Moscow", "the Kremlin"), ("Russian",)),
    Government("SVK", ("Bratislava",), ("Slovak",)),
    Government("SVN", ("Ljubljana",), ("Slovenian", "Slovene")),
    Government("SWE", ("Stockholm",), ("Swedish",)),
    Government("TUR", ("Ankara",), ("Turkish",)),
    Government("USA", ("Washington", "the White House", "the Pentagon"), ("American",)),
)

#: Words that make a subject a government's voice.
_GOVERNMENT_WORDS: Final = re.compile(
    r"\b(?:officials?|government|governments|authorities|administration|cabinet|"
    r"ministry|ministries|ministers?|secretary|president|chancellor|premier|leader|"
    r"spokes(?:man|woman|person)|diplomats?|envoys?|ambassadors?|embassy|delegation)\b",
    re.IGNORECASE,
)
#: A seat right after these is where an envoy is posted, not who speaks.
_POSTED_IN: Final = re.compile(
    r"\b(?:ambassadors?|embass(?:y|ies)|envoys?|consulate)\s+(?:in|to)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GovernmentMention:
    """Words of a subject that name a country's government without naming the country."""

    start: int
    end: int
    iso3: str
    words: str


def _pattern(name: str) -> str:
    bare = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    return r"(?:\b[Tt]he\s+)?" + re.escape(bare) if bare != name else re.escape(name)


_SEATS: Final = [
    (re.compile(rf"(?<![\w-]){_pattern(seat)}(?![\w-])"), g.iso3)
    for g in GOVERNMENTS
    for seat in g.seats
]
_ADJECTIVES: Final = [
    (re.compile(rf"(?<![\w-]){re.escape(adjective)}(?![\w-])"), g.iso3)
    for g in GOVERNMENTS
    for adjective in g.adjectives
]


def government_mentions(subject: str) -> list[GovernmentMention]:
    """The governments the subject of a reporting verb names by seat or adjective, in order."""
    found: list[GovernmentMention] = []
    whole = subject.strip(" ,.").lower()
    for pattern, iso3 in _SEATS:
        for match in pattern.finditer(subject):
            alone = match.group().lower() == whole
            posted = _POSTED_IN.search(subject[: match.start()]) is not None
            if alone or (_GOVERNMENT_WORDS.search(subject) and not posted):
                found.append(GovernmentMention(match.start(), match.end(), iso3, match.group()))
    for pattern, iso3 in _ADJECTIVES:
        for match in pattern.finditer(subject):
            if _GOVERNMENT_WORDS.search(subject, match.end()):
                found.append(GovernmentMention(match.start(), match.end(), iso3, match.group()))
    return sorted(found, key=lambda g: g.start)
