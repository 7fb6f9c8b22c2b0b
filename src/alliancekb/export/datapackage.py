"""`datapackage.json`: the Frictionless Data Package (v2) describing an export to a directory.

Written by hand from the export catalogue (the `frictionless` library is only the tests'
validator), in the export's own read snapshot, and committed with the data files: the
package appears whole with them or not at all (docs/export.md, "Data packages").

- **One resource per file written**: its table's name, path (relative to the package's
  directory), format, media type, encoding, description, and a Table Schema whose fields
  are the table's columns in order, each typed from its catalogue kind (`_TYPES`) and
  described by its catalogue doc. CSV resources say that an empty field is missing
  (`missingValues: [""]`); a table with a one-column natural key (`keys.PRIMARY_KEYS`)
  declares it as `primaryKey`.
- **Tabular or not**: CSV and JSON (an array of objects) are Tabular Data in the
  standard's sense, so their resources are `type: table`. NDJSON is not among the
  standard's tabular forms: its resources carry the same schema but no `type`, a file the
  standard leaves to its format.
- **Sources, bounded**: the package's `sources` are the knowledge base's sources of kind
  `dataset` (COW, ATOP: title, URL, and their note, which holds the citation), read in the
  snapshot, and, when the `sources` table is exported, a pointer to that resource, which
  lists every source the rows cite. Citing each news or government source here would
  repeat that table.
- **No licence is claimed**: alliancekb declares no licence for the knowledge base's facts,
  so the package has no `licenses`; its description says so, and that datasets imported
  from their publishers keep their publishers' terms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any, Final

from sqlalchemy import Connection, select

from alliancekb.core.errors import UsageError
from alliancekb.core.formats import Format
from alliancekb.core.vocab import SourceKind
from alliancekb.export.columns import Field
from alliancekb.export.keys import PRIMARY_KEYS
from alliancekb.export.table import ExportTable
from alliancekb.store import models as m

#: The descriptor's name in the package's directory (the standard requires it).
FILE_NAME: Final = "datapackage.json"
#: The profile of Data Package v2 (the standard's recommended `$schema`).
PROFILE: Final = "https://datapackage.org/profiles/2.0/datapackage.json"
#: Table Schema types of the catalogue's kinds. A `date` column is always a whole day in
#: ISO form (the first or last day an EDTF date can mean); the EDTF text itself is a
#: string, since `2024`, `2024-04~` or `unknown` are not dates of one day.
_TYPES: Final = {"text": "string", "int": "integer", "bool": "boolean", "date": "date"}
#: (format, media type) of each file format.
_MEDIA: Final = {
    Format.CSV: ("csv", "text/csv"),
    Format.JSON: ("json", "application/json"),
    Format.NDJSON: ("ndjson", "application/x-ndjson"),
}
#: Columns whose value is a JSON object in JSON and NDJSON (JSON text in CSV).
_OBJECTS: Final = {("loads", "counts"), ("retractions", "snapshot")}
_NAMESPACE: Final = "alliancekb"


@dataclass(frozen=True)
class PackagedFile:
    """One file of the package: the table it holds and where it was written."""

    table: ExportTable
    path: Path


def package_path(directory: Path) -> Path:
    """Where the descriptor of an export into `directory` goes."""
    return directory / FILE_NAME


def describe(
    conn: Connection,
    files: Sequence[PackagedFile],
    fmt: Format,
    directory: Path,
    *,
    created: str,
    known_on: str | int | None = None,
) -> dict[str, Any]:
    """The package descriptor of `files` (written into `directory`), read in `conn`'s snapshot.

    `created` is the snapshot's time (RFC 3339); `known_on` the past load it shows, if any.
    """
    resources = [_resource(f.table, relative_path(f.path, directory), fmt) for f in files]
    pointer = [
        {
            "title": "Every source the rows cite: the `sources` resource",
            "path": r["path"],
        }
        for r in resources
        if r["name"] == "sources"
    ]
    return {
        "$schema": PROFILE,
        "name": "alliancekb",
        "title": "alliancekb: defense-alliance facts with provenance",
        "description": _description(known_on),
        "created": created,
        "sources": [*_dataset_sources(conn), *pointer],
        "resources": resources,
    }


def write(stream: IO[str], descriptor: dict[str, Any]) -> None:
    """The descriptor as UTF-8 JSON text, keys in the order given, ending in a newline."""
    json.dump(descriptor, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def relative_path(path: Path, directory: Path) -> str:
    """`path` as the package's POSIX path relative to its `directory` (UsageError if outside)."""
    try:
        return PurePath(path.relative_to(directory)).as_posix()
    except ValueError:
        raise UsageError(f"{path} is not in {directory}, the data package's directory") from None


def _resource(table: ExportTable, path: str, fmt: Format) -> dict[str, Any]:
    file_format, mediatype = _MEDIA[fmt]
    schema: dict[str, Any] = {"fields": [_field(table.name, f, fmt) for f in table.fields]}
    if fmt is Format.CSV:
        schema["missingValues"] = [""]
    key = PRIMARY_KEYS.get(table.name)
    if key is not None:
        schema["primaryKey"] = [key]
    resource: dict[str, Any] = {"name": table.name, "path": path}
    if fmt is not Format.NDJSON:
        resource["type"] = "table"
    resource |= {
        "format": file_format,
        "mediatype": mediatype,
        "encoding": "utf-8",
        "description": table.description,
        "schema": schema,
    }
    return resource


def _field(table: str, field: Field, fmt: Format) -> dict[str, str]:
    kind = _TYPES[field.kind]
    if fmt is not Format.CSV and (table, field.name) in _OBJECTS:
        kind = "object"
    return {"name": field.name, "type": kind, "description": field.doc}


def _dataset_sources(conn: Connection) -> list[dict[str, str]]:
    """The datasets the knowledge base imported, as Data Package sources, by key."""
    s = m.Source
    rows = conn.execute(
        select(s.key, s.title, s.url, s.note).where(s.kind == SourceKind.DATASET).order_by(s.key)
    ).all()
    sources = []
    for key, title, url, note in rows:
        source = {"title": title, f"{_NAMESPACE}:key": key}
        if url:
            source["path"] = url
        if note:
            source[f"{_NAMESPACE}:note"] = note
        sources.append(source)
    return sources


def _description(known_on: str | int | None) -> str:
    when = (
        f"as the knowledge base stood after load {known_on}"
        if known_on is not None
        else "as the knowledge base stood when the export began (`created`)"
    )
    return (
        f"Tables of an alliancekb knowledge base, exported from one snapshot, {when}. "
        "Keys are readable natural keys (ISO3 codes, alliance and source keys, pillar "
        "numbers, statement ids); dates are EDTF text as written, with the first and last "
        "day each can mean.\n\n"
        "Licence: alliancekb declares no licence for the knowledge base's own facts. "
        "Claims imported from a dataset (a membership's `claim` is the dataset source's key; "
        "the package's sources list the datasets) remain under their publishers' terms: "
        "see each dataset's page."
    )
