"""The fast path of `dump`: the common records written without PyYAML's dumper.

The safe dumper builds a node graph, events and an emitter state machine per record: most
of a dump's time. Nearly every record is single-line strings, numbers, booleans, lists
and mappings, whose YAML is fixed by a few rules, so `RecordEmitter.emit_record` writes
those itself, byte for byte as the reference (`yaml_writer.dumped_record`) would (tests
compare the two on hostile text), and hands anything else back: multi-line or
non-printable text, empty collections, other types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from alliancekb.dump.yaml_writer import SAFE_DUMPER

_STR_TAG: Final = "tag:yaml.org,2002:str"
_RESOLVERS: Final[dict[Any, list[tuple[str, re.Pattern[str]]]]] = (
    SAFE_DUMPER.yaml_implicit_resolvers
)
# Characters both emitters write as they are on one line: YAML's printable set, less the
# line breaks NEL, U+2028, U+2029, the BOM, and characters beyond U+FFFF (libyaml escapes
# them, PyYAML does not); anything else takes the dumper's path.
_NOT_ONE_LINE: Final = re.compile(
    "[^\\x20-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd]"
).search
# A first character that is an indicator keeps a string from being a plain block scalar.
_INDICATOR_FIRST: Final = frozenset("#,[]{}&*!|>'\"%@`")
# Short strings (keys, codes, dates, names) recur in most records: their text is kept.
_SHORT: Final = 64
_CACHE_SIZE: Final = 50_000


def _plain_shape(text: str) -> bool:
    """Whether a non-empty one-line string may be a plain block scalar by its characters.

    Not: an indicator first (`-`, `?`, `:` only before a space or alone), a document
    marker, a space at either end, `: ` or a final `:`, ` #` (what both emitters check).
    """
    first = text[0]
    if first in _INDICATOR_FIRST:
        return False
    if first in "-?:" and (len(text) == 1 or text[1] == " "):
        return False
    if text.startswith(("---", "...", " ")) or text.endswith((" ", ":")):
        return False
    return ": " not in text and " #" not in text


def _plain_is_str(value: str) -> bool:
    """Whether `value` written plain reads back as a string (not a bool, number, date, null)."""
    for tag, regexp in _RESOLVERS.get(value[0], ()):
        if regexp.match(value):
            return bool(tag == _STR_TAG)
    for tag, regexp in _RESOLVERS.get(None, ()):
        if regexp.match(value):
            return bool(tag == _STR_TAG)
    return True


class _NotSimple(Exception):
    """A record that `emit_record` leaves to the dumper."""


class RecordEmitter:
    """Writes the common records as the safe dumper does; one per document written.

    It remembers the text of short strings and keys it has written (bounded), which is
    why it is an object: two dumps, or two threads, do not share the caches. The writing
    functions are closures over those caches rather than methods: a dump calls them for
    every value, and a closure's cell is read faster than an attribute of `self`.
    """

    def __init__(self) -> None:
        short_texts: dict[str, str] = {}
        key_texts: dict[str, str] = {}

        def scalar(value: Any) -> str:
            cls = value.__class__
            if cls is str:
                text: str = value
                known = short_texts.get(text)
                if known is not None:
                    return known
                # ASCII text (the usual) is checked by two C loops; a regex scans any other.
                if not text.isprintable() if text.isascii() else _NOT_ONE_LINE(text) is not None:
                    raise _NotSimple
                if text and _plain_shape(text) and _plain_is_str(text):
                    written = text
                else:
                    written = "'" + text.replace("'", "''") + "'"
                if len(text) <= _SHORT:
                    if len(short_texts) >= _CACHE_SIZE:
                        short_texts.clear()
                    short_texts[text] = written
                return written
            if cls is bool:
                return "true" if value else "false"
            if cls is int:
                return str(value)
            raise _NotSimple

        def key_text(key: Any) -> str:
            known = key_texts.get(key) if key.__class__ is str else None
            if known is not None:
                return known
            if key.__class__ is not str or len(key) >= 128:  # longer keys are written `? key`
                raise _NotSimple
            text = scalar(key)
            if text != key:  # only plain keys: a quoted key is rare enough for the dumper
                raise _NotSimple
            if len(key_texts) >= _CACHE_SIZE:
                key_texts.clear()
            key_texts[key] = text
            return text

        def emit_mapping(mapping: Any, first: str, rest: str, lines: list[str]) -> None:
            if mapping.__class__ is not dict or not mapping:
                raise _NotSimple
            prefix = first
            for key, value in mapping.items():
                head = prefix + key_text(key) + ":"
                prefix = rest
                cls = value.__class__
                if cls is dict:
                    lines.append(head)
                    emit_mapping(value, rest + "  ", rest + "  ", lines)
                elif cls is list:
                    lines.append(head)
                    emit_sequence(value, rest, lines)
                else:
                    lines.append(f"{head} {scalar(value)}")

        def emit_sequence(items: list[Any], indent: str, lines: list[str]) -> None:
            # In a mapping the dumper writes a sequence's dashes at the key's own indentation.
            if not items:
                raise _NotSimple
            for item in items:
                if item.__class__ is dict:
                    emit_mapping(item, indent + "- ", indent + "  ", lines)
                elif item.__class__ is list:
                    raise _NotSimple
                else:
                    lines.append(indent + "- " + scalar(item))

        self._emit_mapping = emit_mapping

    def emit_record(self, record: Mapping[str, Any]) -> str | None:
        """A record as an item of a section (`  - key: value` lines), as the dumper writes it.

        None when the record holds anything but one-line strings, ints, bools and non-empty
        dicts and lists of them: the caller then uses the dumper.
        """
        lines: list[str] = []
        try:
            self._emit_mapping(record, "  - ", "    ", lines)
        except _NotSimple:
            return None
        lines.append("")
        return "\n".join(lines)
