"""`import NAME DIR`: check the directory, then load the dataset's CSV files.

Each dataset is described once in `core/datasets.py` (its files, page, reader module):
a new one is its reader module (`openers(directory)`) and one entry there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from alliancekb.core.datasets import DATASETS, DatasetKind, dataset_named
from alliancekb.core.errors import UsageError
from alliancekb.core.paths import display_name
from alliancekb.load.loader import LoadReport, ProgressCallback, StreamOpener, load_records


def _kind(dataset: str) -> DatasetKind:
    """The dataset's description (core/datasets.py); a usage error for an unknown name."""
    try:
        return dataset_named(dataset)
    except KeyError:
        known = ", ".join(d.name for d in DATASETS)
        raise UsageError(f"{dataset!r} is not a dataset alliancekb imports: {known}") from None


def _openers(kind: DatasetKind, directory: Path, options: dict[str, Any]) -> Sequence[StreamOpener]:
    """The dataset's streams of records, from its reader module (imported now)."""
    reader = importlib.import_module(kind.reader)
    openers: Callable[..., Sequence[StreamOpener]] = reader.openers
    return openers(directory, **options)


def paths(dataset: str, directory: Path) -> list[Path]:
    """The files the import reads from `directory` (for a dataset that takes a file: that
    file); a usage error naming them if any is missing."""
    spec = _kind(dataset)
    if spec.takes == "file":
        if not directory.is_file():
            raise UsageError(
                f"{display_name(directory)} is not a file: `import {dataset}` reads one file "
                f"({spec.page}; see docs/datasets.md)"
            )
        return [directory]
    if not directory.is_dir():
        raise UsageError(
            f"{display_name(directory)} is not a directory: `import {dataset}` reads "
            f"{_listing(spec)} from the directory you downloaded {spec.title} to ({spec.page})"
        )
    missing = [name for name in spec.files if not (directory / name).is_file()]
    if missing:
        raise UsageError(
            f"{display_name(directory)} has no {', '.join(missing)}: `import {dataset}` reads "
            f"{_listing(spec)} as {spec.title} distributes them ({spec.page})"
        )
    return [directory / name for name in spec.files]


def _listing(spec: DatasetKind) -> str:
    return " and ".join(spec.files)


def import_dataset(
    engine: Engine | Connection,
    dataset: str,
    directory: Path,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> LoadReport:
    """Import a dataset's files from `directory` (or the file a dataset that takes a file
    reads) in one load (InputError: nothing written); `options` go to its reader's
    `openers` (Wikidata: `retrieved`)."""
    paths(dataset, directory)
    openers = _openers(_kind(dataset), directory, options)
    return load_records(engine, openers, dry_run=dry_run, progress=progress)
