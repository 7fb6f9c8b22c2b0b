"""The YAML writer of the load format: what `dump` writes, record by record.

`dump_document` writes each record through `emit_record` (the hand-written fast path for
the common shapes) or, for anything else, through PyYAML's safe dumper (the reference);
the two are tested byte-equal on hostile text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, TextIO

import yaml


def _dumper_class(base: Any) -> Any:
    """The safe dumper, writing strings with a NEL (U+0085) double-quoted.

    PyYAML's pure-Python emitter writes a NEL raw inside a single-quoted scalar, where any
    reader folds it to a space; double quotes escape it as `\\N`.
    """

    class Dumper(base):  # type: ignore[misc]
        pass

    def represent_str(dumper: Any, data: str) -> Any:
        style = '"' if "\x85" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, represent_str)
    return Dumper


_Dumper: Any = _dumper_class(getattr(yaml, "CSafeDumper", yaml.SafeDumper))


_WIDTH: Final = 1_000_000_000  # never fold long lines (libyaml takes no float('inf'))
_LINE_STARTS: Final = re.compile("(?<=[\n\x85\u2028\u2029])(?=[^\n\x85\u2028\u2029])")


def dump_document(sections: Mapping[str, Iterable[Mapping[str, Any]]], out: TextIO) -> None:
    """Write a load-format document, section by section and record by record.

    Each record is written on its own, as the safe dumper writes it (by `emit_record` for
    the common shapes, else by the dumper itself), so every string YAML 1.1 would read as
    something else (`NO`, `012`, `2024-04-10`, `true`, `null`, `''`, edge spaces) is
    quoted, and indented under its section as `  - key: value`. A section without
    records is written as `name: []`, a document without sections as `{}`.
    """
    if not sections:
        out.write("{}\n")
        return
    for name, records in sections.items():
        header = f"{name}:\n"
        for record in records:
            if header:
                out.write(header)
                header = ""
            text = emit_record(record)
            if text is None:
                text = "  " + _LINE_STARTS.sub("  ", _safe_dump_record(record))
            out.write(text)
        if header:
            out.write(f"{name}: []\n")


def _safe_dump_record(record: Mapping[str, Any]) -> str:
    """One record as the safe dumper writes it: `- key: value` lines, not indented."""
    text: str = yaml.dump(
        [dict(record)],
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=_WIDTH,
    )
    return text


# -- the common records without the dumper ------------------------------------------------
#
# The safe dumper builds a node graph, events and an emitter state machine per record: most
# of a dump's time. Nearly every record is single-line strings, numbers, booleans, lists
# and mappings, whose YAML is fixed by a few rules, so `emit_record` writes those itself,
# byte for byte as the dumper would (tests compare the two on hostile text), and hands
# anything else to the dumper: multi-line or non-printable text, empty collections, other
# types.

_STR_TAG: Final = "tag:yaml.org,2002:str"
_RESOLVERS: Final[dict[Any, list[tuple[str, re.Pattern[str]]]]] = _Dumper.yaml_implicit_resolvers
# Characters both emitters write as they are on one line: YAML's printable set, less the
# line breaks NEL, U+2028, U+2029, the BOM, and characters beyond U+FFFF (libyaml escapes
# them, PyYAML does not); anything else takes the dumper's path.
_NOT_ONE_LINE: Final = re.compile(
    "[^\\x20-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd]"
).search
# A first character that is an indicator keeps a string from being a plain block scalar.
_INDICATOR_FIRST: Final = frozenset("#,[]{}&*!|>'\"%@`")


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


class _NotSimple(Exception):
    """A record that `emit_record` leaves to the dumper."""


# Short strings (keys, codes, dates, names) recur in most records: their text is kept.
_SHORT: Final = 64
_CACHE_SIZE: Final = 50_000
_short_texts: dict[str, str] = {}
_key_texts: dict[str, str] = {}


def _scalar(value: Any) -> str:
    cls = value.__class__
    if cls is str:
        text: str = value
        known = _short_texts.get(text)
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
            if len(_short_texts) >= _CACHE_SIZE:
                _short_texts.clear()
            _short_texts[text] = written
        return written
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return str(value)
    raise _NotSimple


def _plain_is_str(value: str) -> bool:
    """Whether `value` written plain reads back as a string (not a bool, number, date, null)."""
    for tag, regexp in _RESOLVERS.get(value[0], ()):
        if regexp.match(value):
            return bool(tag == _STR_TAG)
    for tag, regexp in _RESOLVERS.get(None, ()):
        if regexp.match(value):
            return bool(tag == _STR_TAG)
    return True


def _key(key: Any) -> str:
    known = _key_texts.get(key) if key.__class__ is str else None
    if known is not None:
        return known
    if key.__class__ is not str or len(key) >= 128:  # longer keys are written as `? key`
        raise _NotSimple
    text = _scalar(key)
    if text != key:  # only plain keys: a quoted key is rare enough for the dumper
        raise _NotSimple
    if len(_key_texts) >= _CACHE_SIZE:
        _key_texts.clear()
    _key_texts[key] = text
    return text


def _emit_mapping(mapping: Any, first: str, rest: str, lines: list[str]) -> None:
    if mapping.__class__ is not dict or not mapping:
        raise _NotSimple
    prefix = first
    for key, value in mapping.items():
        head = prefix + _key(key) + ":"
        prefix = rest
        cls = value.__class__
        if cls is dict:
            lines.append(head)
            _emit_mapping(value, rest + "  ", rest + "  ", lines)
        elif cls is list:
            lines.append(head)
            _emit_sequence(value, rest, lines)
        else:
            lines.append(f"{head} {_scalar(value)}")


def _emit_sequence(items: list[Any], indent: str, lines: list[str]) -> None:
    # In a mapping the dumper writes a sequence's dashes at the key's own indentation.
    if not items:
        raise _NotSimple
    for item in items:
        if item.__class__ is dict:
            _emit_mapping(item, indent + "- ", indent + "  ", lines)
        elif item.__class__ is list:
            raise _NotSimple
        else:
            lines.append(indent + "- " + _scalar(item))


def emit_record(record: Mapping[str, Any]) -> str | None:
    """A record as an item of a section (`  - key: value` lines), as the safe dumper writes it.

    None when the record holds anything but one-line strings, ints, bools and non-empty
    dicts and lists of them: the caller then uses the dumper.
    """
    lines: list[str] = []
    try:
        _emit_mapping(record, "  - ", "    ", lines)
    except _NotSimple:
        return None
    lines.append("")
    return "\n".join(lines)
