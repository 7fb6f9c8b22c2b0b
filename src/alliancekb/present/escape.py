"""Text for a terminal: every control character shown, never obeyed.

Data that reached the database before the reader refused control characters (or by SQL)
must not drive the terminal it is shown on: an ESC starts a control sequence (colours,
cursor moves, a rewritten title bar, a cleared screen), a CR overwrites what was printed,
a BEL rings. Every table, card, title and caption for people passes its text through
`visible`, which writes each C0 and C1 control character, DEL and the noncharacters
U+FFFE and U+FFFF as a visible escape (`\\x1b`, `\\r`, `\\t`, `\\ufffe`); the newline a
cell may hold is kept unless `newlines=False`. CSV, JSON and NDJSON are data and keep
the text exactly as stored.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the noncharacters U+FFFE/U+FFFF.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROLS_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """`text` with every control character written as a visible escape.

    `newlines=True` keeps line feeds (a table cell may hold several lines); a title or a
    one-line message passes `newlines=False`.
    """
    pattern = _CONTROLS_BUT_NEWLINE if newlines else _CONTROLS
    return pattern.sub(_escape, text)
