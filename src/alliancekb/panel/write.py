"""A panel out: CSV, JSON or NDJSON to a stream, a file, or a directory with a data package.

Rows are written as they are made: a dyad-year panel's CSV as lines made without
`csv.writer` (`Rows.csv_lines`: an untied dyad's line is two texts rendered once a year;
tested equal to `core.formats.write_csv`), any other CSV through `csv.writer.writerows`
(None is an empty cell), JSON and NDJSON one object per row. A file appears whole or not
at all (`core.atomicfile`); a directory receives `<kind>.<ext>` and `datapackage.json`,
a Frictionless Data Package v2 made the way `export` makes its own
(`export.datapackage`): the resource's Table Schema (types, descriptions, missing
values, primary key), the dataset sources with their citations, the year rule and the
coverage in the description. Parquet is not offered: it would need pyarrow (a large
dependency) for a file pandas and R read as fast from CSV (docs/panels.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Final

from alliancekb.core.atomicfile import PendingFile, check_targets, commit, partial_file
from alliancekb.core.errors import UsageError
from alliancekb.core.formats import Format
from alliancekb.export.datapackage import FILE_NAME, PROFILE
from alliancekb.export.datapackage import write as write_descriptor
from alliancekb.panel.build import Panel
from alliancekb.panel.rows import Line
from alliancekb.panel.spells import OBLIGATIONS

#: The formats a panel is written in.
PANEL_FORMATS: Final = (Format.CSV, Format.JSON, Format.NDJSON)
_MEDIA: Final = {
    Format.CSV: ("csv", "text/csv"),
    Format.JSON: ("json", "application/json"),
    Format.NDJSON: ("ndjson", "application/x-ndjson"),
}


def panel_format(fmt: Format | str | None, out: Path | None = None) -> Format:
    """The format asked for, else the extension of `out`'s file, else CSV."""
    if fmt is None and out is not None and out.suffix:
        fmt = out.suffix.lstrip(".").lower()
    if fmt is None:
        return Format.CSV
    try:
        found = Format(fmt)
    except ValueError:
        found = None
    if found not in PANEL_FORMATS:
        raise UsageError(f"a panel's format must be one of: {', '.join(PANEL_FORMATS)}")
    assert found is not None
    return found


def write(panel: Panel, stream: IO[str], fmt: Format | str = Format.CSV, *,
          line_feed: bool = False) -> int:  # fmt: skip
    """Write the panel to a text stream; return the number of rows.

    CSV: a header, then one line per row, CRLF (LF with `line_feed`: a terminal or a pipe);
    JSON: an array of objects; NDJSON: one object per line.
    """
    chosen = panel_format(fmt)
    if chosen is Format.CSV:
        return _csv(panel, stream, "\n" if line_feed else "\r\n")
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    columns = panel.columns
    count = 0
    lines: Iterable[Line] = panel.lines()
    if chosen is Format.JSON:
        stream.write("[")
        for line in lines:
            stream.write(",\n" if count else "\n")
            stream.write(dumps(dict(zip(columns, line, strict=True))))
            count += 1
        stream.write("\n]\n" if count else "]\n")
        return count
    for line in lines:
        stream.write(dumps(dict(zip(columns, line, strict=True))))
        stream.write("\n")
        count += 1
    return count


def _csv(panel: Panel, stream: IO[str], terminator: str) -> int:
    writer = csv.writer(stream, lineterminator=terminator)
    writer.writerow(panel.columns)
    counter = itertools.count(1)
    lines = panel.rows.csv_lines(terminator) if panel.scoring is None else None
    if lines is not None:  # the dyad-years: lines made without csv.writer
        stream.writelines(map(itemgetter(0), zip(lines, counter, strict=False)))
        return next(counter) - 1
    # Counted in C, beside the rows (zip stops before it advances the counter past them).
    writer.writerows(map(itemgetter(0), zip(panel.lines(joined=True), counter, strict=False)))
    return next(counter) - 1


@dataclass(frozen=True)
class Written:
    """What a write to a path made: the data file, its rows, the descriptor if any."""

    path: Path
    rows: int
    package: Path | None = None


def into_directory(out: str | Path) -> bool:
    """Whether `out` names a directory: it is one, or its text ends with a separator."""
    return str(out).endswith(("/", "\\")) or Path(out).is_dir()


def write_to(panel: Panel, out: str | Path, fmt: Format | str | None = None, *,
             force: bool = False, created: str | None = None) -> Written:  # fmt: skip
    """Write the panel to the file `out`, or into the directory `out` (one, or a path
    ending with a separator) as `<kind>.<ext>` beside `datapackage.json`; nothing is
    replaced without `force`. `created`: the package's time (default: now, UTC)."""
    directory = into_directory(out)
    out = Path(out)
    chosen = panel_format(fmt, None if directory else out)
    if not directory:
        check_targets([out], force=force)
        with partial_file(out) as (stream, pending):
            rows = write(panel, stream, chosen)
        commit([pending], force=force)
        return Written(out, rows)
    from alliancekb.core.atomicfile import make_directories

    make_directories([out])
    data = out / f"{panel.kind.value}{chosen.extension or ''}"
    descriptor_path = out / FILE_NAME
    check_targets([data, descriptor_path], force=force)
    files: list[PendingFile] = []
    with partial_file(data) as (stream, made):
        rows = write(panel, stream, chosen)
    files.append(made)
    if created is None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        created = now.isoformat().replace("+00:00", "Z")
    with partial_file(descriptor_path) as (stream, made):
        write_descriptor(stream, descriptor(panel, data.name, chosen, created))
    files.append(made)
    commit(files, force=force)
    return Written(data, rows, descriptor_path)


# -- the data package --------------------------------------------------------------------------

_DOCS: Final = {
    "ccode": "The state's Correlates of War state system (v2016) code (empty: the state "
    "has no COW code on those days, when the rows follow the Gleditsch–Ward system).",
    "gwcode": "The state's Gleditsch–Ward code, from the user's GW list (empty: the state "
    "has no GW code on those days, when the rows follow the COW system).",
    "iso3": "The state's code in alliancekb: ISO 3166-1 alpha-3, ISO 3166-3 for a former "
    "state, or a user-assigned X.. code where ISO has none.",
    "year": "The year.",
    "alliances": "How many alliances tie it in the year (empty: outside the coverage).",
    "alliance_keys": "The alliancekb keys of those alliances (`; `-joined in CSV).",
    "alliance": "The alliancekb key of the alliance.",
    "dataset_ids": "The datasets' ids of the alliance (`cow:227; atop:3180`).",
    "disputed": "1 when a source disagrees with the merged answer about one of these "
    "memberships in the year (see the sources' claims with `alliancekb conflicts`).",
    "s": "Signorino and Ritter's S of the two states' alliance portfolios that year "
    "(absolute distances; -1 to 1; empty: outside the coverage). docs/similarity.md.",
    "s_squared": "Signorino and Ritter's S on squared distances (Häge 2011); -1 to 1.",
    "kappa": "Cohen's kappa of the two portfolios as Häge (2011) computes it (squared "
    "distances); empty: outside the coverage, or undefined (both portfolios one constant).",
    "pi": "Scott's pi of the two portfolios as Häge (2011) computes it (squared distances); "
    "empty: outside the coverage, or undefined.",
}
_WEIGHTED: Final = (
    " Weighted by each state's CINC that year (COW National Material Capabilities); empty "
    "in a year in which a state of the system has no CINC."
)
_NUMBERS: Final = {"s", "s_squared", "kappa", "pi", "s_weighted", "s_squared_weighted"}
_INTEGERS: Final = {"ccode", "gwcode", "year", "alliances", "disputed", *OBLIGATIONS}


def _doc(name: str) -> str:
    if name.endswith("_weighted"):
        return _DOCS[name.removesuffix("_weighted")] + _WEIGHTED
    if name in _NUMBERS:
        return _DOCS[name]
    if name in OBLIGATIONS:
        return (
            f"1 when a {name} obligation was in force on any day of the year, else 0 "
            "(empty: outside the coverage)."
        )
    base = name.rstrip("12").rstrip("_")
    doc = _DOCS[base]
    if name != base:
        return f"State {name[-1]}: {doc[0].lower()}{doc[1:]}"
    return doc


def _field(name: str, fmt: Format) -> dict[str, str]:
    base = name.rstrip("12").rstrip("_")
    kind = "integer" if base in _INTEGERS else "number" if name in _NUMBERS else "string"
    if fmt is not Format.CSV and name in ("alliance_keys", "dataset_ids"):
        kind = "array"
    return {"name": name, "type": kind, "description": _doc(name)}


def descriptor(panel: Panel, path: str, fmt: Format, created: str | None = None) -> dict[str, Any]:
    """The Data Package v2 descriptor of a panel written to `path` (relative) in `fmt`."""
    file_format, mediatype = _MEDIA[fmt]
    columns = panel.columns
    key_end = columns.index("year") + 1
    primary = [*columns[:key_end], *(("alliance",) if "alliance" in columns else ())]
    schema: dict[str, Any] = {"fields": [_field(c, fmt) for c in columns]}
    if fmt is Format.CSV:
        schema["missingValues"] = [""]
    if sum(1 for c in panel.rows.codes if c.system) < 2:
        # With both COW and GW codes a code may be empty, which a primary key's may not be.
        schema["primaryKey"] = primary
    resource: dict[str, Any] = {"name": panel.kind.value, "path": path}
    if fmt is not Format.NDJSON:
        resource["type"] = "table"
    resource |= {
        "format": file_format,
        "mediatype": mediatype,
        "encoding": "utf-8",
        "description": panel.description,
        "schema": schema,
    }
    package: dict[str, Any] = {
        "$schema": PROFILE,
        "name": f"alliancekb-{panel.kind.value}",
        "title": f"alliancekb {panel.kind.value} panel of alliance obligations",
        "description": panel.description
        + "\n\nLicence: alliancekb declares no licence for the knowledge base's own facts; "
        "claims imported from a dataset remain under their publishers' terms (see each "
        "source).",
    }
    if created is not None:
        package["created"] = created
    package["sources"] = panel.sources
    package["resources"] = [resource]
    return package
