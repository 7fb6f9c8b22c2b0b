"""PostgreSQL's search document built by the loader (a fast path beside the reference).

The reference is the database function `alliancekb_search_document(text)` (migration
0009: 0007's expression), which a trigger applies to every row inserted without a
document. It costs the server most of a load's time, so the loader builds the same
`tsvector` itself and sends it with the row (`SearchDocuments.documents`):

- The text is cut at runs of ASCII characters other than letters and digits, which
  separate words on both sides whatever the locale. Each piece left (a word, or letters
  of other scripts with what lies between them) is put through the reference function
  once, on a connection of its own (a query must not wait for the load's COPYs), and its
  lexemes and positions are kept: a piece gives the same lexemes wherever it occurs,
  at positions shifted by the words before it.
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
from collections.abc import Sequence
from typing import Final

from sqlalchemy import Connection, Engine, text

#: The database function that is the reference (migration 0009).
REFERENCE_FUNCTION: Final = "alliancekb_search_document"

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
_ENTRY = re.compile(r"'([^'\\]*)':([0-9,]+) ?")

#: A piece's one lexeme (at the next position: the common case), or its lexemes with their
#: positions within it and how many positions it takes; None: the server computes the row's.
_Piece = str | tuple[tuple[tuple[str, tuple[int, ...]], ...], int] | None


class SearchDocuments:
    """The search documents of statement texts, the stems asked of the server once each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pieces: dict[str, _Piece] = {}
        self._conn: Connection | None = None

    def close(self) -> None:
        """Give back the connection the stems are asked on."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def documents(self, texts: Sequence[str]) -> list[str | None]:
        """Each text's document in `tsvector` text form, or None: the server computes it."""
        # Not lower-cased here: the database's locale decides what a capital becomes.
        split = [_PIECE.findall(t) for t in texts]
        pieces = self._pieces
        unknown = {p for words in split for p in words if p not in pieces}
        if unknown:
            if len(pieces) + len(unknown) > MAX_CACHED:
                pieces.clear()
            self._ask(sorted(unknown))
        return [_document(words, pieces) for words in split]

    def _ask(self, words: list[str]) -> None:
        if self._conn is None:
            self._conn = self.engine.connect()
        rows = self._conn.execute(
            text(
                "SELECT w, alliancekb_search_document(w)::text "
                "FROM unnest(CAST(:words AS text[])) AS w"
            ),
            {"words": words},
        ).all()
        self._conn.rollback()
        for word, document in rows:
            self._pieces[word] = _parse(word, document)


def _parse(word: str, document: str | None) -> _Piece:
    """A piece's reference document as lexemes and positions (None: leave it to the server)."""
    if document is None or len(word) > MAX_PIECE:
        return None
    entries = _ENTRY.findall(document)
    if "".join(f"'{lexeme}':{positions} " for lexeme, positions in entries) != document + (
        " " if document else ""
    ):
        return None  # anything the simple form does not cover: weights, escapes
    if len(entries) == 1 and entries[0][1] == "1":
        only: str = entries[0][0]
        return only
    lexemes = tuple(
        (lexeme, tuple(int(p) for p in positions.split(","))) for lexeme, positions in entries
    )
    taken = max((p for _, positions in lexemes for p in positions), default=0)
    return lexemes, taken


def _document(words: list[str], pieces: dict[str, _Piece]) -> str | None:
    if len(words) > MAX_POSITIONS:
        return None
    at: dict[str, list[int]] = {}
    offset = 0
    for word in words:
        piece = pieces[word]
        if isinstance(piece, str):
            offset += 1
            found = at.get(piece)
            if found is None:
                at[piece] = [offset]
            else:
                found.append(offset)
            continue
        if piece is None:
            return None
        lexemes, taken = piece
        for lexeme, positions in lexemes:
            at.setdefault(lexeme, []).extend(offset + p for p in positions)
        offset += taken
    if offset > MAX_POSITIONS:
        return None
    parts = []
    for lexeme, found_at in at.items():
        if len(found_at) > MAX_POSITIONS_PER_LEXEME:
            return None
        parts.append(f"'{lexeme}':{','.join(map(str, found_at))}")
    return " ".join(parts)
