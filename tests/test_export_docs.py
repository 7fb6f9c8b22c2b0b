"""docs/export.md describes every exported table as the catalogue defines it.

Run `python -m tests.test_export_docs` to rewrite the tables' sections from the catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path

from alliancekb.export.catalogue import TABLES, ExportTable

DOC = Path(__file__).resolve().parent.parent / "docs" / "export.md"


def section(table: ExportTable) -> str:
    """The section of docs/export.md for one table: heading, description, columns."""
    description = table.description[0].upper() + table.description[1:]
    lines = [
        f"### `{table.name}`",
        "",
        f"{description}.",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
        *(f"| `{f.name}` | {f.kind} | {f.doc} |" for f in table.fields),
        "",
    ]
    return "\n".join(lines)


def _sections(text: str) -> dict[str, str]:
    found = {}
    for match in re.finditer(r"^### `([a-z_]+)`\n.*?(?=^#{2,3} |\Z)", text, re.S | re.M):
        found[match.group(1)] = match.group(0).rstrip("\n") + "\n"
    return found


def test_every_exported_table_is_documented_as_the_catalogue_defines_it() -> None:
    documented = _sections(DOC.read_text(encoding="utf-8"))
    for table in TABLES:
        assert table.name in documented, f"docs/export.md has no section for {table.name}"
        assert (
            documented[table.name].split("\n| column")[1] == section(table).split("\n| column")[1]
        ), f"docs/export.md: the columns of {table.name} differ from the catalogue"


def rewrite() -> None:
    """Rewrite each table's section of docs/export.md from the catalogue (new ones last)."""
    text = DOC.read_text(encoding="utf-8")
    documented = _sections(text)
    for table in TABLES:
        new = section(table)
        if table.name in documented:
            text = text.replace(documented[table.name], new)
        else:
            last = list(_sections(text).values())[-1]
            text = text.replace(last, last + "\n" + new)
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rewrite()
