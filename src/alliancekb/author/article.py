"""An article's text, read with the standard library alone: title, sentences, dates, quotes.

No language model: the rules below are the few a news article needs (abbreviations do
not end a sentence, a quotation does not end in its middle, a reporting verb has a
subject before it or, inverted, after it). What they cannot decide they leave for the
person reviewing the draft; they never fill a gap with a guess that is not marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from alliancekb.core.dates import EdtfError, parse_edtf

# --- the text ------------------------------------------------------------------------

_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_MD_LINK: Final = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS: Final = re.compile(r"(\*\*|__|\*|`)")
_MD_LEAD: Final = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")


@dataclass(frozen=True)
class Article:
    """The title (the first line) and the paragraphs of the body, Markdown taken off."""

    title: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join([self.title, *self.paragraphs])


def read_article(raw: str) -> Article:
    """Split a plain-text or Markdown article into its title and paragraphs.

    A heading is a paragraph of its own; the lines of a paragraph are joined (articles
    are often wrapped by hand). Control characters become spaces: the load format
    refuses them, and they carry nothing a reader sees.
    """
    paragraphs: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in _CONTROL.sub(" ", raw.replace("\r\n", "\n")).split("\n"):
        heading = line.lstrip().startswith("#")
        text = _plain(line)
        if not text:
            close()
            continue
        if heading:
            close()
            paragraphs.append(text)
            continue
        current.append(text)
    close()
    if not paragraphs:
        return Article("", [])
    return Article(paragraphs[0], paragraphs[1:])


def _plain(line: str) -> str:
    line = _MD_LEAD.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub("", line)
    return " ".join(line.split())


# --- sentences -----------------------------------------------------------------------

#: Words whose final full stop does not end a sentence.
_ABBREVIATIONS: Final = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "sgt",
        "sen",
        "rep",
        "gov",
        "hon",
        "rev",
        "st",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "govt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
    }
)
_OPEN_QUOTES: Final = "“«"
_CLOSE_QUOTES: Final = "”»"
_CLOSERS: Final = "”»\"’')]"


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, never split inside a quotation."""
    found: list[str] = []
    start, depth, straight = 0, 0, False
    i, n = 0, len(paragraph)
    while i < n:
        char = paragraph[i]
        if char in _OPEN_QUOTES:
            depth += 1
        elif char in _CLOSE_QUOTES:
            depth = max(depth - 1, 0)
        elif char == '"':
            straight = not straight
        if char in ".!?" and _ends_here(paragraph, i, quoted=depth > 0 or straight):
            end = i + 1
            while end < n and paragraph[end] in _CLOSERS:
                if paragraph[end] in _CLOSE_QUOTES:
                    depth = max(depth - 1, 0)
                elif paragraph[end] == '"':
                    straight = not straight
                end += 1
            if depth == 0 and not straight and (end == n or paragraph[end].isspace()):
                found.append(paragraph[start:end].strip())
                start = end
            i = end
            continue
        i += 1
    if paragraph[start:].strip():
        found.append(paragraph[start:].strip())
    return found


def _ends_here(text: str, i: int, *, quoted: bool) -> bool:
    """Whether the mark at `i` may end a sentence (the quotation test comes after it)."""
    if text[i] == ".":
        word = re.search(r"([\w.]+)$", text[:i])
        if word is not None:
            last = word.group(1).lower()
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                return False
    rest = text[i + 1 :].lstrip(_CLOSERS)
    if not rest:
        return True
    if not rest[0].isspace():
        return False
    following = rest.lstrip()
    return not following or following[0].isupper() or following[0] in "“\"(«‘'" or quoted


# --- quotations ----------------------------------------------------------------------

_QUOTATION: Final = re.compile(r"“([^”]+)”|\"([^\"]+)\"|«([^»]+)»")
#: A quotation of fewer words is a name or a term ("Pillar 2"), not words someone spoke.
MIN_QUOTED_WORDS: Final = 3


@dataclass(frozen=True)
class Quotation:
    start: int
    end: int
    words: str


def quotations(text: str) -> list[Quotation]:
    """The quoted speech in `text`: quotations of at least MIN_QUOTED_WORDS words."""
    found = []
    for match in _QUOTATION.finditer(text):
        words = next(g for g in match.groups() if g is not None).strip()
        if len(words.split()) >= MIN_QUOTED_WORDS:
            found.append(Quotation(match.start(), match.end(), words))
    return found


# --- dates ---------------------------------------------------------------------------

_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH: Final = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY: Final = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR: Final = r"(?P<year>\d{4})"
_DATE_FORMS: Final = [
    re.compile(r"\b(?P<year>\d{4})-(?P<mm>\d{2})-(?P<dd>\d{2})\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.IGNORECASE),
]


@dataclass(frozen=True)
class FoundDate:
    """A date written in the text: as EDTF, and the words it was read from."""

    edtf: str
    words: str


def find_date(text: str) -> FoundDate | None:
    """The first full date (day or month precision) written in `text`, or None."""
    best: tuple[int, int, FoundDate] | None = None
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            edtf = _edtf_of(match)
            if edtf is None:
                continue
            rank = (match.start(), -len(match.group()))
            if best is None or rank < best[:2]:
                best = (*rank, FoundDate(edtf, match.group()))
            break  # the first valid match of each form is its earliest
    return best[2] if best else None


def _edtf_of(match: re.Match[str]) -> str | None:
    parts = match.groupdict()
    year = parts["year"]
    if parts.get("mm"):
        text = f"{year}-{parts['mm']}-{parts['dd']}"
    else:
        month = _MONTHS[parts["month"].lower()]
        day = parts.get("day")
        text = f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    try:
        return parse_edtf(text).text
    except EdtfError:
        return None  # 31 April is no date: not a date of the article


# --- stance --------------------------------------------------------------------------

#: Wording -> stance, tried in this order: a denial or an objection outweighs the
#: future tense of its sentence, and "would consider" is considering, not expecting.
_STANCE_WORDS: Final = [
    ("denies", r"den(?:y|ies|ied)|not true|no plans?|ruled out|dismiss\w*|rejected the"),
    ("opposes", r"oppos\w*|against|object\w*|reject\w*|resist\w*"),
    ("considers", r"consider\w*|weigh\w*|explor\w*|mull\w*|evaluat\w*|look(?:ing)? into"),
    (
        "supports",
        r"support\w*|welcom\w*|endors\w*|open to|openness|willing\w*|back(?:s|ed|ing)?|"
        r"favou?r\w*|commit\w*|pledg\w*",
    ),
    (
        "expects",
        r"will|would|expect\w*|imminent\w*|soon|forthcoming|going to|plans? to|"
        r"set to|poised|anticipat\w*|predict\w*|likely",
    ),
]
_STANCE_RES: Final = [
    (stance, re.compile(rf"\b(?:{words})\b", re.I)) for stance, words in _STANCE_WORDS
]


def guess_stance(text: str) -> tuple[str, str | None]:
    """The stance the wording suggests, and the word that suggests it (None: `asserts`)."""
    for stance, pattern in _STANCE_RES:
        match = pattern.search(text)
        if match is not None:
            return stance, match.group()
    return "asserts", None
