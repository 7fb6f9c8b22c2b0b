"""Reporting clauses: who is said to have said what, in one sentence (standard library only).

A clause is a reporting verb ("said", "indicated", "announced", ...), the words naming its
speaker (its subject: before the verb, or after it in "..., said the minister"), and the
words it reports: after "that" when the verb introduces a that-clause, the quotation in
"'...,' she said", otherwise the clause itself from its subject on. Which entity the
subject names is decided by the caller, through the knowledge base's names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: Verbs that report speech or a position, in the forms that have a subject of their own
#: (a participle such as "stressing" continues the clause before it).
REPORTING_VERBS: Final = re.compile(
    r"\b(?:said|says|say|stated|indicated|indicates|announced|announces|told|tells|added|"
    r"noted|declared|declares|confirmed|confirms|stressed|stresses|emphasi[sz]ed|"
    r"emphasi[sz]es|warned|warns|signall?ed|signals|expressed|expresses|explained|"
    r"insisted|insists|reiterated|suggested|argued|claimed|denied|denies|believes|"
    r"believed|predicted|pledged|vowed|acknowledged|wrote)\b"
    r"|\baccording to\b",
    re.IGNORECASE,
)
_BE: Final = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
    }
)
#: Words between a subject and its verb: auxiliaries and adverbs, taken off the subject.
_AUXILIARIES: Final = frozenset(
    {
        "has",
        "have",
        "had",
        "also",
        "would",
        "will",
        "is",
        "was",
        "were",
        "are",
        "did",
        "does",
        "do",
        "not",
        "reportedly",
        "repeatedly",
        "recently",
        "publicly",
        "previously",
        "already",
        "again",
        "separately",
        "earlier",
        "later",
        "further",
        "then",
        "today",
        "yesterday",
        "has't",
    }
)
#: Words that open a clause without belonging to its subject.
_OPENERS: Final = frozenset(
    {
        "although",
        "though",
        "while",
        "as",
        "but",
        "and",
        "however",
        "meanwhile",
        "yet",
        "so",
        "also",
        "when",
        "since",
        "because",
        "if",
        "still",
        "instead",
    }
)
_PRONOUNS: Final = frozenset(
    {"it", "this", "that", "they", "he", "she", "we", "i", "you", "which", "who", "these", "those"}
)
#: How far after the verb a "that" may open what is reported ("told reporters that").
_THAT_WINDOW: Final = 6
_BOUNDARY: Final = re.compile(r"[;:()]|\s[—–]\s|—")


@dataclass(frozen=True)
class Clause:
    """One reporting verb with the spans (start, end) of its subject and of what it reports."""

    verb: str
    verb_start: int
    #: The subject's span, or None when the sentence names no subject for the verb.
    subject: tuple[int, int] | None
    content: tuple[int, int]
    #: Why no speaker can be drafted even if the subject named one, or None.
    problem: str | None = None


_QUOTED: Final = re.compile(r"“[^”]*”|\"[^\"]*\"|«[^»]*»")
#: What a quotation is masked with: no word, no comma, so nothing inside it is read as
#: the clause's own verb, subject or boundary (the spans stay those of the sentence).
MASK: Final = "§"


def reporting_clauses(sentence: str) -> list[Clause]:
    """The reporting clauses of a sentence, in order."""
    sentence = _QUOTED.sub(lambda m: MASK * len(m.group()), sentence)
    verbs = list(REPORTING_VERBS.finditer(sentence))
    starts = [_region_start(sentence, m, verbs[:i]) for i, m in enumerate(verbs)]
    clauses = []
    for i, verb in enumerate(verbs):
        end = _content_end(sentence, starts[i + 1]) if i + 1 < len(verbs) else len(sentence)
        clauses.append(_clause(sentence, verb, starts[i], end))
    return clauses


def _region_start(sentence: str, verb: re.Match[str], before: list[re.Match[str]]) -> int:
    """Where the words that may hold the verb's subject begin."""
    left = sentence[: verb.start()]
    start = 0
    for boundary in _BOUNDARY.finditer(left):
        start = boundary.end()
    for that in re.finditer(r"\bthat\b", left, re.IGNORECASE):
        start = max(start, that.end())
    if before:
        start = max(start, before[-1].end())
    segments = _segments(left, start)
    # "X, the ambassador, said": the last segment before the verb holds only auxiliaries,
    # so the subject is the one or two segments before it (a name and its apposition).
    if len(segments) > 1 and not _words(_strip_subject(left[segments[-1][0] :])):
        keep = segments[-3:-1] if len(segments) > 2 else segments[-2:-1]
        keep = [s for s in keep if _first_word(left[s[0] : s[1]]) not in _OPENERS] or keep[-1:]
        return keep[0][0]
    return segments[-1][0]


def _segments(left: str, start: int) -> list[tuple[int, int]]:
    """The comma-separated stretches of `left` from `start` on."""
    spans, at = [], start
    for comma in re.finditer(",", left[start:]):
        spans.append((at, start + comma.start()))
        at = start + comma.end()
    spans.append((at, len(left)))
    return spans


def _clause(sentence: str, verb: re.Match[str], region: int, end: int) -> Clause:
    word = verb.group()
    if word.lower() == "according to":
        return _according_to(sentence, verb, region, end)
    left = sentence[region : verb.start()]
    words = _words(left)
    if words and words[-1].lower() in _BE:
        return Clause(word, verb.start(), None, (region, end), "no speaker named (passive)")
    subject = _subject_span(sentence, region, verb.start())
    content = _content(sentence, verb, subject, end)
    if subject is None:
        after = _inverted_subject(sentence, verb, end)
        if after is not None:
            return Clause(
                word, verb.start(), after, (region, _trim_end(sentence, region, verb.start()))
            )
        return Clause(word, verb.start(), None, content, "no speaker named")
    text = sentence[subject[0] : subject[1]]
    if text.lower() in _PRONOUNS:
        return Clause(word, verb.start(), subject, content, f"the speaker is a pronoun ({text!r})")
    return Clause(word, verb.start(), subject, content)


def _according_to(sentence: str, verb: re.Match[str], region: int, end: int) -> Clause:
    """ "According to X, Y." and "Y, according to X." """
    after = verb.end()
    comma = sentence.find(",", after, end)
    subject_end = comma if comma >= 0 else _trim_end(sentence, after, end)
    subject = _span_of(sentence, after, subject_end)
    if comma >= 0 and not sentence[region : verb.start()].strip(" ,"):
        content = (comma + 1, end)
    else:
        content = (region, _trim_end(sentence, region, verb.start()))
    return Clause(verb.group(), verb.start(), subject, _span_of(sentence, *content))


def _subject_span(sentence: str, start: int, stop: int) -> tuple[int, int] | None:
    """The subject in sentence[start:stop], openers and auxiliaries taken off."""
    text = sentence[start:stop]
    tokens = [t for t in re.finditer(r"\S+", text) if re.search(r"[^\W_]", t.group())]
    while tokens and tokens[0].group().strip(",").lower() in _OPENERS:
        tokens.pop(0)
    while tokens and tokens[-1].group().strip(",").lower() in _AUXILIARIES:
        tokens.pop()
    if not tokens:
        return None
    return _span_of(sentence, start + tokens[0].start(), start + tokens[-1].end())


def _inverted_subject(sentence: str, verb: re.Match[str], end: int) -> tuple[int, int] | None:
    """ "'...,' said the ambassador." : the subject after the verb, to the next comma."""
    before = sentence[: verb.start()].rstrip()
    if not before or before[-1] not in ",”\"'’" + MASK:
        return None
    comma = sentence.find(",", verb.end(), end)
    stop = comma if comma >= 0 else _trim_end(sentence, verb.end(), end)
    return _span_of(sentence, verb.end(), stop)


def _content(
    sentence: str, verb: re.Match[str], subject: tuple[int, int] | None, end: int
) -> tuple[int, int]:
    """What the clause reports: after its "that", else the clause from its subject on."""
    window = sentence[verb.end() : end]
    that = re.search(r"\bthat\b", window, re.IGNORECASE)
    if that is not None:
        between = re.sub(r"(\d),", r"\1", window[: that.start()])  # "April 10, 2024"
        if "," not in between and len(between.split()) <= _THAT_WINDOW:
            return _span_of(sentence, verb.end() + that.end(), end)
    colon = re.match(r"\s*:\s*", window)
    if colon is not None:
        return _span_of(sentence, verb.end() + colon.end(), end)
    start = subject[0] if subject is not None else verb.start()
    return _span_of(sentence, start, end)


def _content_end(sentence: str, next_region: int) -> int:
    """Where a clause's words end when another clause follows in the same sentence."""
    return _trim_end(sentence, 0, next_region)


def _trim_end(sentence: str, start: int, stop: int) -> int:
    """`stop`, moved back over spaces, commas and a closing conjunction."""
    text = sentence[start:stop]
    trimmed = re.sub(r"(?:[\s,;]|\b(?:and|but|while|whereas)\b)+$", "", text, flags=re.I)
    return start + len(trimmed)


def _span_of(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The span without the spaces and commas around it."""
    while start < end and sentence[start] in " ,":
        start += 1
    while end > start and sentence[end - 1] in " ,.":
        end -= 1
    return start, end


def _words(text: str) -> list[str]:
    return [w.strip(",") for w in text.split() if w.strip(",")]


def _strip_subject(text: str) -> str:
    return " ".join(w for w in _words(text) if w.lower() not in _AUXILIARIES)


def _first_word(text: str) -> str:
    words = _words(text)
    return words[0].lower() if words else ""
