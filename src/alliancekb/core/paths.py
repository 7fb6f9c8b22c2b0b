"""File names as text that is safe to print and to store, whatever bytes the name holds.

A POSIX file name is bytes; Python hands it over as a str in which every byte that is not
UTF-8 is a lone surrogate (PEP 383, "surrogateescape"). Such a str cannot be written to a
UTF-8 terminal or stored in a database, and a name may also hold control characters that a
terminal would obey. Two forms, both plain valid Unicode:

- `stored_name(path)`: the name for the knowledge base (the load history): the name itself
  when it is UTF-8, each byte that is not as `\\xNN`;
- `display_name(path)`: the name for a message: `stored_name` with every control
  character (C0, DEL, C1), U+FFFE/U+FFFF and lone surrogate escaped too (`\\x1b`,
  `\\u2028`...), so printing it cannot move the cursor, retitle the window or forge a line.

Both are idempotent on their own output (escaping an escaped name changes nothing), so a
layer may apply `display_name` to a name another layer already made safe.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath
from typing import Final

__all__ = ["display_name", "display_text", "stored_name"]

# What a terminal may act on, or what cannot be encoded: C0 but tab, DEL, C1, the Unicode
# line and paragraph separators, the noncharacters U+FFFE/U+FFFF, and lone surrogates.
_UNSAFE: Final = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def stored_name(path: str | PurePath) -> str:
    """The file name as valid Unicode for storing: undecodable bytes become `\\xNN`."""
    try:
        raw = os.fsencode(path)
    except UnicodeError:  # a str holding surrogates that were never bytes: escape them
        return display_text(os.fspath(path) if isinstance(path, str) else str(path))
    return raw.decode("utf-8", "backslashreplace")


def display_text(text: str) -> str:
    """`text` with every control character, noncharacter and lone surrogate escaped."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


def display_name(path: str | PurePath) -> str:
    """The file name for a message: stored_name, with control characters escaped as well."""
    return display_text(stored_name(path))
