"""PostgreSQL's search document built by the loader (a fast path beside the reference).

The reference is the database function `alliancekb_search_document(text)` (migration
0009: 0007's expression), which a trigger applies to every row inserted without a
document. It costs the server most of a load's time, so the loader builds the same
`tsvector` itself and sends it with the row (`SearchDocuments.documents`):

- The text is cut at runs of ASCII characters other than letters and digits, which
  separate words on both sides whatever the locale. Each piece left (a word, or letters
  of other scripts with what lies between them) is put through the reference function
  once, on a connection of its own where it can (a query on the load's connection would
  wait for the load's COPYs), and its lexemes and positions are kept: a piece gives the
  same lexemes wherever it occurs, at positions shifted by the words before it.
- The document is those lexemes at their positions, in `tsvector` text form; the server
  only parses it.
- Where that could differ from the reference, the row gets no document (None) and the
  trigger computes it: positions near the `tsvector` limit (16,383), a lexeme at more
  positions than it keeps (256), a piece over 2,000 characters (the longest word
  `to_tsvector` keeps is 2,047 bytes), a lexeme the text form would have to escape.

`tests/test_search_document.py` holds it equal to the reference on generated texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain, groupby
from typing import Final, cast

from sqlalchemy import Connection, Engine, text

#: Positions past this are left to the server (it clamps them at 16,383).
MAX_POSITIONS: Final = 16_000
#: A lexeme at more positions than this is left to the server (it keeps 256 at most).
MAX_POSITIONS_PER_LEXEME: Final = 250
#: A piece longer than this is left to the server (`to_tsvector` drops words of 2,047 bytes).
MAX_PIECE: Final = 2_000
#: Distinct pieces remembered; past it the memory starts again (a load's words repeat).
MAX_CACHED: Final = 200_000

# What is not an ASCII letter or digit, and not beyond ASCII: a separator everywhere.
_PIECE = re.compile(r"[0-9A-Za-z\x80-\U0010ffff]+")
_ENTRY = re.compile(r"'([^'\\]*)':([0-9,]+)")

#: A piece's one lexeme (at the next position: the common case), or its lexemes with their
#: positions within it and how many positions it takes; None: the server computes the row's.
_Piece = str | tuple[tuple[tuple[str, tuple[int, ...]], ...], int] | None


class SearchDocuments:
    """The search documents of statement texts, the stems asked of the server once each."""

    def __init__(self, source: Engine | Connection, *, max_cached: int = MAX_CACHED) -> None:
        """`source`: an Engine, whose own connection is asked (not the load's, which may
        be busy with its COPYs); or a Connection, asked directly (the load's own, when the
        schema it needs is not committed yet: a database created and seeded at once)."""
        self.source = source
        self.max_cached = max_cached
        #: Pieces of one lexeme, and the others (None: the row is left to the server).
        self._simple: dict[str, str] = {}
        self._other: dict[str, _Piece] = {}
        self._conn: Connection | None = None

    def close(self) -> None:
        """Give back the connection the stems are asked on."""
        if self._conn is not None and isinstance(self.source, Engine):
            self._conn.close()
        self._conn = None

    def documents(self, texts: Sequence[str]) -> list[str | None]:
        """Each text's document in `tsvector` text form, or None: the server computes it."""
        # Not lower-cased here: the database's locale decides what a capital becomes.
        split = [_PIECE.findall(t) for t in texts]
        wanted = set(chain.from_iterable(split))
        if len(self._simple) + len(self._other) + len(wanted) > self.max_cached:
            self._simple.clear()
            self._other.clear()
        wanted.difference_update(self._simple)
        wanted.difference_update(self._other)
        if wanted:
            self._ask(sorted(wanted))
        return [self._document(words) for words in split]

    def _document(self, words: list[str]) -> str | None:
        if len(words) > MAX_POSITIONS:
            return None
        found = list(map(self._simple.get, words))
        if None in found:
            return _document_by_piece(words, self._simple, self._other)
        lexemes = cast(list[str], found)
        # Each lexeme's positions: the word indexes sorted by lexeme, then grouped (a sort
        # is stable, so each group's positions come in order).
        get = lexemes.__getitem__
        order = sorted(range(len(lexemes)), key=get)
        if len(lexemes) > MAX_POSITIONS_PER_LEXEME:
            groups = [(lexeme, list(group)) for lexeme, group in groupby(order, get)]
            if any(len(group) > MAX_POSITIONS_PER_LEXEME for _, group in groups):
                return None
            return _joined(groups)
        return _joined(groupby(order, get))

    def _ask(self, words: list[str]) -> None:
        if self._conn is None:
            source = self.source
            self._conn = source.connect() if isinstance(source, Engine) else source
        rows = self._conn.execute(
            text(
                "SELECT w, alliancekb_search_document(w)::text "
                "FROM unnest(CAST(:words AS text[])) AS w"
            ),
            {"words": words},
        ).all()
        if isinstance(self.source, Engine):
            self._conn.rollback()  # its own read transaction, nothing held
        for word, document in rows:
            piece = _parse(word, document)
            if isinstance(piece, str):
                self._simple[word] = piece
            else:
                self._other[word] = piece


def _parse(word: str, document: str | None) -> _Piece:
    """A piece's reference document as lexemes and positions (None: leave it to the server)."""
    if document is None or len(word) > MAX_PIECE:
        return None
    entries = _ENTRY.findall(document)
    if " ".join(f"'{lexeme}':{positions}" for lexeme, positions in entries) != document:
        return None  # anything the simple form does not cover: weights, escapes
    if len(entries) == 1 and entries[0][1] == "1":
        only: str = entries[0][0]
        return only
    lexemes = tuple(
        (lexeme, tuple(int(p) for p in positions.split(","))) for lexeme, positions in entries
    )
    taken = max((p for _, positions in lexemes for p in positions), default=0)
    return lexemes, taken


#: The text form of each position, by word index (position 1 is index 0).
_POSITION: Final = [str(i + 1) for i in range(MAX_POSITIONS)]


def _joined(groups: Iterable[tuple[str, Iterable[int]]]) -> str:
    at = _POSITION.__getitem__
    return " ".join([f"'{lexeme}':{','.join(map(at, group))}" for lexeme, group in groups])


def _document_by_piece(
    words: list[str], simple: dict[str, str], other: dict[str, _Piece]
) -> str | None:
    """The general way: some piece is not one lexeme at its position (or is None)."""
    at: dict[str, list[int]] = {}
    offset = 0
    for word in words:
        lexeme = simple.get(word)
        if lexeme is not None:
            at.setdefault(lexeme, []).append(offset)
            offset += 1
            continue
        piece = other[word]
        if piece is None or isinstance(piece, str):
            return None
        lexemes, taken = piece
        for lexeme, positions in lexemes:
            at.setdefault(lexeme, []).extend(offset + p - 1 for p in positions)
        offset += taken
    if offset > MAX_POSITIONS or any(len(p) > MAX_POSITIONS_PER_LEXEME for p in at.values()):
        return None
    return _joined(at.items())
