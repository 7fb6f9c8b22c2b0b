"""A YAML draft of an article's statements, for a person to review before it is loaded.

For each sentence in which an official, country or alliance the knowledge base knows is
the subject of a reporting verb, one `statements` record: the speaker through the name
index, the speaker's words as written (`speaker_label`), the verbatim words when the
sentence quotes them (`quote: true`) or else what the clause reports, `about` from the
countries, scopes and technology areas the reported words name, and a stance guessed from
the wording. Plus a `sources` record for the article unless its key is known.

A subject that names no official, country or alliance but a government by its seat or its
people's adjective ("Officials in Canberra", "Japanese officials": `governments`) is that
country speaking, a guess.

Nothing is invented. A guess is marked `# guessed: check`; a required field the text
does not support (the date a statement was made, the article's date) is left out with a
`# TODO` comment, so the draft fails `alliancekb validate` until a person completes it.
Sentences with a reporting verb but no known speaker are listed at the end, not drafted.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from alliancekb.author.article import (
    FoundDate,
    find_date,
    guess_stance,
    quotations,
    read_article,
    sentences,
)
from alliancekb.author.clauses import Clause, reporting_clauses
from alliancekb.author.governments import GovernmentMention, government_mentions
from alliancekb.author.names import KnownNames, Mention
from alliancekb.author.schema import SCHEMA_FILE
from alliancekb.core.errors import AlliancekbError, UsageError
from alliancekb.store.resolve import Kind, Ref

WIDTH: Final = 79
GUESSED: Final = "guessed: check"
_ABOUT: Final = {
    Kind.COUNTRY: "countries",
    Kind.ALLIANCE: "scopes",
    Kind.PILLAR: "scopes",
    Kind.TECHNOLOGY_AREA: "technology_areas",
}
#: The order a speaker is chosen in, when the subject names several entities:
#: "The United States Ambassador in Tokyo, Rahm Emanuel" is Emanuel speaking.
_SPEAKER_ORDER: Final = (Kind.OFFICIAL, Kind.COUNTRY, Kind.ALLIANCE)


class ArticleError(AlliancekbError):
    """The article cannot be read as text (exit 3, invalid input)."""

    exit_code = 3


#: The largest article drafted unless the caller allows more. Drafting takes time and
#: memory in proportion to the text: about 15 s and 50 MB per MiB.
MIB: Final = 1024 * 1024
DEFAULT_MAX_BYTES: Final = MIB


class ArticleTooLarge(ArticleError):
    """The article is over the size limit: refused before it is read (exit 3)."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def read_article_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The article's text; a missing file is a usage error, undecodable bytes or more than
    `max_bytes` bad input (never more than `max_bytes` + 1 bytes are read)."""
    if not path.exists():
        raise UsageError(f"article {path} does not exist")
    if not path.is_file():
        raise UsageError(f"article {path} is not a file")
    with path.open("rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        size = max(path.stat().st_size, len(data))
        raise ArticleTooLarge(
            f"article {path} is {size} bytes, over the limit of {max_bytes} bytes "
            f"({max_bytes / MIB:g} MiB)",
            size,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"article {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None


@dataclass(frozen=True)
class AboutItem:
    reference: str
    words: str
    guess: str | None = None


@dataclass
class Statement:
    sentence: str
    speaker: str
    speaker_words: str
    label: str
    date: FoundDate | None
    text: str
    quote: bool
    stance: str
    stance_word: str | None
    about: dict[str, list[AboutItem]] = field(default_factory=dict)
    speaker_note: str | None = None


@dataclass(frozen=True)
class Skipped:
    sentence: str
    reason: str


@dataclass
class Draft:
    """The draft's YAML text and what it holds, for the command's summary."""

    text: str
    statements: int
    skipped: int
    todos: int
    source_known: bool


def draft_article(
    session: Session, raw: str, *, source_key: str, date: str | None, name: str
) -> Draft:
    """Draft the article `raw` (named `name` in the header) citing source `source_key`.

    `date` is the article's date (EDTF, already checked) or None to look for one in the
    text. Reads the name index in the caller's (read-only) transaction.
    """
    names = KnownNames(session)
    article = read_article(raw)
    body = [s for p in article.paragraphs for s in sentences(p)]
    article_mentions = names.mentions(article.text)
    # How often the article names each pillar: counted once, not once per statement.
    pillars = Counter(m.ref for m in article_mentions if m.ref.kind is Kind.PILLAR)
    statements: list[Statement] = []
    skipped: list[Skipped] = []
    for sentence in body:
        mentions = names.mentions(sentence)
        for clause in reporting_clauses(sentence):
            made = _statement(sentence, clause, mentions, names, pillars)
            if isinstance(made, Skipped):
                skipped.append(made)
            elif made is not None:
                statements.append(made)
    found = None if date is not None else find_date(article.text)
    writer = _Writer()
    writer.header(name, article_mentions, names)
    source_known = names.has_source(source_key)
    writer.source(source_key, article.title, date, found, known=source_known)
    article_date = date or (found.edtf if found else None)
    writer.statements(statements, source_key, article_date)
    writer.skipped(skipped)
    return Draft(writer.text(), len(statements), len(skipped), writer.todos, source_known)


def _statement(
    sentence: str,
    clause: Clause,
    mentions: list[Mention],
    names: KnownNames,
    pillars: Counter[Ref],
) -> Statement | Skipped | None:
    if clause.problem is not None or clause.subject is None:
        return Skipped(sentence, clause.problem or "no speaker named")
    s_start, s_end = clause.subject
    subject = sentence[s_start:s_end].strip("“”\"' ")
    chosen = _speaker(sentence, (s_start, s_end), subject, mentions, names)
    if isinstance(chosen, Skipped):
        return chosen
    speaker, note = chosen
    c_start, c_end = clause.content
    reported = sentence[c_start:c_end]
    quoted = [q for q in quotations(sentence) if q.start >= c_start and q.end <= c_end]
    # Several quotations of one clause are joined by an ellipsis, each word as quoted.
    text = " ... ".join(q.words.rstrip(",") for q in quoted) or _as_sentence(reported)
    stance, word = guess_stance(f"{reported} {clause.verb}")
    statement = Statement(
        sentence=sentence,
        speaker=names.reference(speaker.ref),
        speaker_words=speaker.words,
        label=subject,
        date=find_date(sentence),
        text=text,
        quote=bool(quoted),
        stance=stance,
        stance_word=word,
        speaker_note=note,
    )
    about = [x for x in mentions if x.start >= c_start and x.end <= c_end]
    about = [x for x in about if not (x.start >= s_start and x.end <= s_end)]
    statement.about = _about(about, names, pillars)
    return statement


def _speaker(
    sentence: str,
    span: tuple[int, int],
    subject: str,
    mentions: list[Mention],
    names: KnownNames,
) -> tuple[Mention, str | None] | Skipped:
    """Who the subject names as speaker, with a note for the reviewer: an entity the
    knowledge base knows, else a government named by its seat or adjective (a guess)."""
    s_start, s_end = span
    in_subject = [x for x in mentions if x.start >= s_start and x.end <= s_end]
    speakers = sorted(
        (x for x in in_subject if x.ref.kind in _SPEAKER_ORDER),
        key=lambda x: _SPEAKER_ORDER.index(x.ref.kind),
    )
    if speakers:
        others = [x.words for x in speakers[1:] if x.ref.kind is speakers[0].ref.kind]
        return speakers[0], f"the words also name {', '.join(others)}" if others else None
    governments = _governments(sentence[s_start:s_end], names)
    if len(governments) > 1:
        named = ", ".join(g.words for g in governments.values())
        return Skipped(sentence, f"{subject!r} names several governments ({named})")
    if not governments:
        return Skipped(
            sentence, f"no official, country or alliance the knowledge base knows in {subject!r}"
        )
    ((ref, words),) = governments.items()
    speaker = Mention(s_start + words.start, s_start + words.end, ref, words.words)
    return speaker, f"the government of {names.reference(ref)}"


def _governments(subject: str, names: KnownNames) -> dict[Ref, GovernmentMention]:
    """The countries whose governments the subject names by a seat or an adjective
    ("officials in Canberra", "Japanese officials"), each with its first words."""
    found: dict[Ref, GovernmentMention] = {}
    for mention in government_mentions(subject):
        refs = names.index.candidates(mention.iso3, {Kind.COUNTRY})
        if len(refs) == 1:
            found.setdefault(refs[0], mention)
    return found


def _about(
    mentions: list[Mention], names: KnownNames, pillars: Counter[Ref]
) -> dict[str, list[AboutItem]]:
    about: dict[str, list[AboutItem]] = {"countries": [], "scopes": [], "technology_areas": []}
    seen: set[str] = set()
    for mention in mentions:
        section = _ABOUT.get(mention.ref.kind)
        reference = names.reference(mention.ref)
        if section is not None and reference not in seen:
            seen.add(reference)
            about[section].append(AboutItem(reference, mention.words))
    # "collaboration with AUKUS" in an article about AUKUS Pillar 2 is likely about the
    # pillar too: offered as a guess, never as something the sentence says.
    # Only the pillar the article names most often, of each alliance the sentence names.
    alliances = {m.ref.id: m.words for m in mentions if m.ref.kind is Kind.ALLIANCE}
    for alliance, words in alliances.items():
        mine = {r: n for r, n in pillars.items() if names.alliance_of.get(r.id) == alliance}
        for pillar, n in mine.items():
            reference = names.reference(pillar)
            if n == max(mine.values()) and reference not in seen:
                seen.add(reference)
                why = f"{GUESSED} (the article names it; the sentence only {words})"
                about["scopes"].append(AboutItem(reference, pillar.label, why))
    return about


def _as_sentence(words: str) -> str:
    text = " ".join(words.split()).strip(" ,;")
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in '.!?”"':
        text += "."
    return text


class _Writer:
    """The draft as YAML text: records, and the comments a reviewer reads them by."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.todos = 0

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def comment(self, text: str, indent: int = 0, *, lead: str = "") -> None:
        wrapped = textwrap.wrap(
            text, width=WIDTH - indent - 2, subsequent_indent="  ", break_on_hyphens=False
        )
        self.lines += [" " * indent + "# " + lead + line for line in wrapped]

    def todo(self, field_name: str, why: str, indent: int) -> None:
        self.todos += 1
        self.comment(f"TODO {field_name}: {why}", indent)

    def value(self, indent: int, key: str, value: str, note: str | None = None) -> None:
        """`key: value`, a long text folded over lines, a note as a trailing comment."""
        head = " " * indent + key + ":"
        single = f"{head} {value}"
        if note is None and len(single) <= WIDTH:
            self.lines.append(single)
            return
        if note is not None and len(single) + len(note) + 3 <= WIDTH:
            self.lines.append(f"{single}  # {note}")
            return
        if note is not None:
            self.comment(note, indent)
        if len(single) <= WIDTH:
            self.lines.append(single)
            return
        # A folded block: its lines are joined with spaces when read, as written.
        self.lines.append(f"{head} >-")
        plain = json.loads(value) if value.startswith('"') else value
        self.lines += textwrap.wrap(
            plain,
            width=WIDTH,
            initial_indent=" " * (indent + 2),
            subsequent_indent=" " * (indent + 2),
            break_on_hyphens=False,
            break_long_words=False,
        )

    def header(self, name: str, mentions: list[Mention], names: KnownNames) -> None:
        self.lines.append(f"# yaml-language-server: $schema={SCHEMA_FILE}")
        self.comment(
            f"A draft from {name} by `alliancekb draft`, for review. Lines marked "
            f"'{GUESSED}' hold values guessed from the wording; a TODO marks a required "
            "field the text does not give: fill it in, or `alliancekb validate` fails. "
            "Correct what is wrong, delete what should not be loaded, then validate "
            "and load."
        )
        groups: dict[str, list[str]] = {
            "countries": [],
            "alliances and pillars": [],
            "technology areas": [],
        }
        titles = {
            Kind.COUNTRY: "countries",
            Kind.ALLIANCE: "alliances and pillars",
            Kind.PILLAR: "alliances and pillars",
            Kind.TECHNOLOGY_AREA: "technology areas",
        }
        seen: set[str] = set()
        for mention in mentions:
            title = titles.get(mention.ref.kind)
            reference = names.reference(mention.ref)
            if title is not None and reference not in seen:
                seen.add(reference)
                groups[title].append(f"{reference} ({mention.words})")
        self.comment("The article names:")
        for title, items in groups.items():
            self.comment(f"{title}: {'; '.join(items) or 'none the knowledge base knows'}", 2)

    def source(
        self, key: str, title: str, date: str | None, found: FoundDate | None, *, known: bool
    ) -> None:
        self.lines.append("")
        if known:
            self.comment(f"The source {key} is already in the knowledge base.")
            return
        self.lines.append("sources:")
        self.value(2, "- key", key)
        if title:
            self.value(4, "title", _quoted(title))
        else:
            self.todo("title", "the article has no first line to take it from", 4)
        if date is not None:
            self.value(4, "published", date)
        elif found is not None:
            self.value(4, "published", found.edtf, f'{GUESSED} (from "{found.words}")')
        else:
            self.todo("published", "no date in the article: its EDTF date, or unknown", 4)
        self.value(4, "kind", "news", GUESSED)
        self.comment("not in the text: publisher, author, url, retrieved (add them)", 4)

    def statements(self, statements: list[Statement], source: str, date: str | None) -> None:
        if not statements:
            return
        self.lines += ["", "statements:"]
        for st in statements:
            self.lines.append("")
            self.comment(f'"{st.sentence}"', 2)
            self.value(2, "- speaker", st.speaker, _speaker_note(st))
            self.value(4, "speaker_label", _quoted(st.label))
            if st.date is not None:
                self.value(4, "date", st.date.edtf, f'{GUESSED} (from "{st.date.words}")')
            else:
                told = f"the article is dated {date}" if date else "nor does the article"
                self.todo("date", f"when it was said; the sentence does not say ({told})", 4)
            self.value(4, "text", _quoted(st.text))
            self.value(
                4,
                "quote",
                "true" if st.quote else "false",
                "the words in quotation marks" if st.quote else "a paraphrase of the clause",
            )
            why = f'"{st.stance_word}"' if st.stance_word else "no stronger wording"
            self.value(4, "stance", st.stance, f"{GUESSED} ({why})")
            self.lines.append("    about:")
            for section, items in st.about.items():
                if not items:
                    self.lines.append(f"      {section}: []  # none named")
                    continue
                self.lines.append(f"      {section}:")
                for item in items:
                    line = f"        - {item.reference}"
                    if item.guess is not None:
                        self.comment(item.guess, 8)
                        self.lines.append(line)
                    else:
                        self.lines.append(f'{line}  # "{item.words}"')
            self.value(4, "source", source)

    def skipped(self, skipped: list[Skipped]) -> None:
        if not skipped:
            return
        self.lines.append("")
        self.comment(
            "Not drafted: sentences with a reporting verb but no speaker the knowledge "
            "base knows. Write these by hand if they matter (add the official first)."
        )
        for item in skipped:
            self.comment(f'"{item.sentence}"', 2)
            self.comment(f"-> {item.reason}", 4)


def _speaker_note(st: Statement) -> str:
    note = f'"{st.speaker_words}"'
    if st.speaker_note:
        note += f"; {GUESSED} ({st.speaker_note})"
    return note


def _quoted(text: str) -> str:
    """A double-quoted YAML scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)
