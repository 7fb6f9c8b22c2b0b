"""A commented YAML skeleton of the load format, generated from the Pydantic models.

Every field of every record is there, with whether it is required, its type, the allowed
values of its vocabulary and an example, all read through `author.fields` from the models
of `load/schema.py`: a field added to a model appears here without an edit.

Required fields are left empty, so `alliancekb validate` fails until they are filled in;
optional fields (and nested records such as pillars) are commented out, to uncomment
where needed. A commented-out field is `# name:` at the field's own column, so deleting
the `# ` puts it in place.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Final

from pydantic import BaseModel

from alliancekb.author.fields import FieldDoc, fields_of, section_note, variants
from alliancekb.author.schema import SCHEMA_FILE
from alliancekb.core.errors import UsageError
from alliancekb.load.all_sections import SECTIONS

WIDTH: Final = 79
_DATES: Final = (
    "Dates are EDTF: 2024, 2024-04 or 2024-04-10, optionally ending in ~ (approximate), "
    "? (uncertain) or % (both)."
)


def section_names(wanted: Sequence[str]) -> list[str]:
    """The sections asked for (`technology-areas` is `technology_areas`), or every one.

    An unknown name is a usage error listing the sections.
    """
    if not wanted:
        return list(SECTIONS)
    names = []
    for name in wanted:
        section = name.strip().lower().replace("-", "_")
        if section not in SECTIONS:
            raise UsageError(f"unknown section {name!r}; the sections are: {', '.join(SECTIONS)}")
        if section not in names:
            names.append(section)
    return names


def template_text(sections: Sequence[str] = (), schema_path: str = SCHEMA_FILE) -> str:
    """The skeleton of the given sections (default: all), first line the schema pointer."""
    lines = [
        f"# yaml-language-server: $schema={schema_path}",
        *_comment(
            "alliancekb load format (docs/yaml-format.md): a skeleton to fill in. "
            f"The line above lets an editor check the file as you type; write the schema "
            f"beside this file with: alliancekb schema --out {SCHEMA_FILE}",
            0,
        ),
        *_comment(
            "Required fields are left empty: `alliancekb validate FILE` fails until they are "
            "filled in. Optional fields are commented out: delete the '# ' of those you "
            "need. Copy a record (from its '- ') for each one more.",
            0,
        ),
        *_comment(
            _DATES + " Names (country, scope, speaker, source) may be a key, a "
            "code, a name or any alias.",
            0,
        ),
    ]
    for section in section_names(sections):
        lines.append("")
        lines += _comment(f"{section}: {section_note(section)}", 0)
        lines.append(f"{section}:")
        for variant in variants(SECTIONS[section]):
            lines += _record(variant, indent=2, item=True, off=False)
    return "\n".join(lines) + "\n"


def _record(model: type[BaseModel], *, indent: int, item: bool, off: bool) -> list[str]:
    """The lines of one record: `- ` before its first field when it is a list item."""
    lines: list[str] = []
    docs = fields_of(model)
    if item and not off and docs and not docs[0].required:
        # The first field will stay commented out, so the `- ` cannot be on its line.
        lines.append(" " * indent + "-")
        item, indent = False, indent + 2
    for i, doc in enumerate(docs):
        lead = ("- " if i == 0 else "  ") if item else ""
        field_off = off or not doc.required
        # The `- ` of a list item is part of the key's line; any other lead is its column.
        column = indent if lead.startswith("-") else indent + len(lead)
        key = f"{lead.strip()} {doc.name}:".lstrip()
        lines += _comment(_describe(doc), column)
        lines.append(" " * column + ("# " if field_off else "") + key)
        if doc.record is not None:
            lines += _record(
                doc.record, indent=indent + len(lead) + 2, item=doc.many, off=field_off
            )
    return lines


def _describe(doc: FieldDoc) -> str:
    need = "required" if doc.required else "optional"
    text = f"{doc.name} [{need}] {doc.type_name}"
    if doc.description:
        text += f": {doc.description}"
    low, high = doc.bounds
    if low is not None and high is not None and f"{low} to {high}" not in text:
        text += f" ({low} to {high})"
    text += "."
    if doc.choices:
        text += f" One of: {', '.join(doc.choices)}."
    if doc.example is not None:
        text += f" e.g. {doc.example}"
    return text


def _comment(text: str, column: int) -> list[str]:
    wrapped = textwrap.wrap(
        text,
        width=max(WIDTH - column - 2, 30),
        subsequent_indent="  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [" " * column + "# " + line for line in wrapped]
