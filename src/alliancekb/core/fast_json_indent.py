"""`json.dumps(value, ensure_ascii=False, indent=2)`, written several times faster.

With `indent`, the standard library encodes in Python, one generator step per value (in
CPython 3.11 only the unindented encoder is in C): a country's card at 1M statements
(thousands of values) cost tens of milliseconds of `show --format json`. This writes the
same text with one string join per object or list, strings through the C string encoder.
`tests/test_fast_json_indent.py` holds it equal to `json.dumps` (Hypothesis: nested
values of every JSON type, enums, non-ASCII and control characters, odd keys).
"""

from __future__ import annotations

import json
from typing import Any

try:  # the C string encoder the standard library uses, when it is built
    from _json import encode_basestring as _string
except ImportError:  # pragma: no cover - CPython has it
    from json.encoder import py_encode_basestring as _string


def dumps_indented(value: Any, indent: int = 2) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=indent)`'s text."""
    return _encode(value, "\n", " " * indent)


def _encode(value: Any, newline: str, step: str) -> str:
    """`value` encoded at the depth whose line break (with its indentation) is `newline`."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = newline + step
        items = [
            _string(v) if type(v) is str else _encode(v, inner, step) for v in value
        ]  # the commonest value inline: a plain string
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + step
        items = [
            (_string(k) if type(k) is str else _key(k))
            + ": "
            + (_string(v) if type(v) is str else "null" if v is None else _encode(v, inner, step))
            for k, v in value.items()
        ]  # plain strings and None, the commonest values, inline
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    # Other numbers (floats, subclasses of int) and anything else: as the standard
    # library writes them, or its TypeError.
    return json.dumps(value, ensure_ascii=False)


def _key(key: Any) -> str:
    """An object's key as the standard library writes it (keys become strings)."""
    if isinstance(key, str):
        return _string(key)
    return _string(next(iter(json.loads(json.dumps({key: 0})))))
