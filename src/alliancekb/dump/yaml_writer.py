"""The reference YAML writer of the load format: PyYAML's safe dumper, record by record.

`dump_document` writes each record as the safe dumper writes it. A faster emitter for the
common shapes (`fast_yaml.RecordEmitter`) may be given; it writes the same bytes (tests
compare the two on hostile text) and leaves every other record to the dumper.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TextIO

import yaml

#: A fast path for one record: its text as `dumped_record` writes it, or None to leave it.
Emit = Callable[[Mapping[str, Any]], str | None]


def dumper_class(base: Any) -> Any:
    """The safe dumper `base`, writing strings with a NEL (U+0085) double-quoted.

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


#: The dumper used unless told otherwise: libyaml's when it is installed.
SAFE_DUMPER: Final[Any] = dumper_class(getattr(yaml, "CSafeDumper", yaml.SafeDumper))

_WIDTH: Final = 1_000_000_000  # never fold long lines (libyaml takes no float('inf'))
_LINE_STARTS: Final = re.compile("(?<=[\n\x85\u2028\u2029])(?=[^\n\x85\u2028\u2029])")


def dump_document(
    sections: Mapping[str, Iterable[Mapping[str, Any]]],
    out: TextIO,
    *,
    emit: Emit | None = None,
    dumper: Any = SAFE_DUMPER,
) -> None:
    """Write a load-format document, section by section and record by record.

    Each record is written on its own, as the safe dumper writes it (by `emit` when given
    and it takes the record, else by the dumper itself), so every string YAML 1.1 would
    read as something else (`NO`, `012`, `2024-04-10`, `true`, `null`, `''`, edge spaces) is
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
            text = emit(record) if emit is not None else None
            if text is None:
                text = dumped_record(record, dumper)
            out.write(text)
        if header:
            out.write(f"{name}: []\n")


def dumped_record(record: Mapping[str, Any], dumper: Any = SAFE_DUMPER) -> str:
    """One record as an item of a section (`  - key: value` lines), as the safe dumper writes it."""
    text: str = yaml.dump(
        [dict(record)],
        Dumper=dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=_WIDTH,
    )
    return "  " + _LINE_STARTS.sub("  ", text)
