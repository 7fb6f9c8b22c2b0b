"""`import cow DIR` and `import atop DIR`: check the directory, then load its CSV files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from alliancekb.core.errors import UsageError
from alliancekb.core.paths import display_name
from alliancekb.load.datasets import atop, cow
from alliancekb.load.loader import LoadReport, ProgressCallback, StreamOpener, load_records


@dataclass(frozen=True)
class DatasetFiles:
    """What an import reads and where a user gets it."""

    name: str
    title: str
    files: tuple[str, ...]
    page: str
    openers: Callable[[Path], Sequence[StreamOpener]]


DATASETS: dict[str, DatasetFiles] = {
    "cow": DatasetFiles(
        "cow", "COW Formal Interstate Alliance Dataset v4.1", cow.FILES,
        "https://correlatesofwar.org/data-sets/formal-alliances/", cow.openers,
    ),
    "atop": DatasetFiles(
        "atop", "ATOP (Alliance Treaty Obligations and Provisions) v4.01", atop.FILES,
        "http://www.atopdata.org/", atop.openers,
    ),
}  # fmt: skip


def paths(dataset: str, directory: Path) -> list[Path]:
    """The files the import reads from `directory`; a usage error naming them if any is
    missing."""
    spec = DATASETS[dataset]
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


def _listing(spec: DatasetFiles) -> str:
    return " and ".join(spec.files)


def import_dataset(
    engine: Engine | Connection,
    dataset: str,
    directory: Path,
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> LoadReport:
    """Import a dataset's files from `directory` in one load (InputError: nothing written)."""
    paths(dataset, directory)
    return load_records(
        engine, DATASETS[dataset].openers(directory), dry_run=dry_run, progress=progress
    )
