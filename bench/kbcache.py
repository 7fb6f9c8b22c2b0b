"""Generated knowledge bases loaded into a database, built once and cached.

The query benchmark needs databases of 10k, 100k and 1M statements. Building one means
generating the YAML (`bench.generate`) and loading it with the real loader
(`alliancekb.load.loader.load_files`, after the bundled seed that holds every ISO country):
about a minute or more per million statements. SQLite databases are therefore cached
under ``bench/.data/`` (gitignored), one file per (statements, memberships, seed, schema
revision); a rerun with the same key opens the file and skips the build. Delete the
directory (or pass ``--rebuild``) to build again, e.g. after a loader change.

The load runs in a child process (``python -m bench.kbcache``) so that its wall time and
peak resident memory (``ru_maxrss``) are its own (the loader's: the process that reads a
big file for it, see ``alliancekb.load.records``, is not counted); they are stored beside the
database (``<key>.json``) and reported again, marked as cached, when the database is reused.
PostgreSQL databases are not cached: the caller creates a database, builds into it, and
drops it when done.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.generate import write_file

#: Where cached databases live (gitignored).
DATA_DIR = Path(__file__).resolve().parent / ".data"
_REPO = Path(__file__).resolve().parent.parent


@dataclass
class BuildInfo:
    """How a knowledge base was built: counts, and the child process's time and memory."""

    statements: int
    memberships: int
    seed: int
    revision: str
    alliances: int = 30
    markers: dict[str, int] = field(default_factory=dict)
    generate_s: float = 0.0
    yaml_bytes: int = 0
    #: Loading the bundled seed (migrations included) in the child.
    seed_load_s: float = 0.0
    #: Loading the generated file (the part that grows with size).
    load_s: float = 0.0
    #: Peak resident memory of the child (seed + generated load), MB.
    peak_rss_mb: float = 0.0
    built_at: str = ""

    @property
    def statements_per_s(self) -> float:
        return self.statements / self.load_s if self.load_s else 0.0


@dataclass
class KnowledgeBase:
    """A ready database and how it was built."""

    url: str
    info: BuildInfo
    cached: bool
    path: Path | None = None


def schema_revision() -> str:
    from alliancekb.store.migrate import head_revision

    return head_revision()


def cache_key(
    statements: int, memberships: int | None, alliances: int, seed: int, revision: str
) -> str:
    m = "auto" if memberships is None else str(memberships)
    return f"kb-s{statements}-m{m}-a{alliances}-seed{seed}-rev{revision}"


def alliances_for(memberships: int | None) -> int:
    """Alliances to generate: 30, or enough scopes for the memberships (~330 rows each).

    The generator needs (country, scope) room: 100,000 memberships do not fit the ~66
    scopes of 30 alliances, so the 1M knowledge base has ~300 alliances.
    """
    return max(30, (memberships or 0) // 330)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _build(
    url: str,
    statements: int,
    memberships: int | None,
    seed: int,
    workdir: Path,
    log: Any = None,
) -> BuildInfo:
    """Generate the YAML in this process, load it into `url` in a child process."""
    yaml_path = workdir / f"kb-{statements}-{seed}.yaml"
    t0 = time.perf_counter()
    alliances = alliances_for(memberships)
    counts = write_file(
        yaml_path, statements=statements, memberships=memberships, alliances=alliances, seed=seed
    )
    generate_s = time.perf_counter() - t0
    meta_path = workdir / f"kb-{statements}-{seed}.meta.json"
    if log:
        log(
            f"  generated {statements} statements ({yaml_path.stat().st_size / 1e6:.0f} MB) "
            f"in {generate_s:.1f} s; loading..."
        )
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.kbcache",
                "--url",
                url,
                "--yaml",
                str(yaml_path),
                "--meta",
                str(meta_path),
            ],
            check=True,
            cwd=_REPO,
        )
        child = json.loads(meta_path.read_text())
    finally:
        yaml_bytes = yaml_path.stat().st_size if yaml_path.exists() else 0
        yaml_path.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
    return BuildInfo(
        statements=counts.statements,
        memberships=counts.memberships,
        seed=seed,
        revision=schema_revision(),
        alliances=alliances,
        markers=dict(counts.markers),
        generate_s=generate_s,
        yaml_bytes=yaml_bytes,
        seed_load_s=child["seed_load_s"],
        load_s=child["load_s"],
        peak_rss_mb=child["peak_rss_mb"],
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )


def sqlite_kb(
    statements: int,
    *,
    memberships: int | None = None,
    seed: int = 0,
    data_dir: Path = DATA_DIR,
    rebuild: bool = False,
    log: Any = None,
) -> KnowledgeBase:
    """A cached SQLite knowledge base of this size, built now if missing."""
    revision = schema_revision()
    key = cache_key(statements, memberships, alliances_for(memberships), seed, revision)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / f"{key}.sqlite"
    meta_path = data_dir / f"{key}.json"
    if not rebuild and db_path.is_file() and meta_path.is_file():
        info = BuildInfo(**json.loads(meta_path.read_text()))
        return KnowledgeBase(sqlite_url(db_path), info, cached=True, path=db_path)
    for stale in (db_path, meta_path):
        stale.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix="build-") as tmp:
        tmp_db = Path(tmp) / "kb.sqlite"
        info = _build(sqlite_url(tmp_db), statements, memberships, seed, Path(tmp), log)
        for suffix in ("-wal", "-shm"):  # the child closed its engine: WAL is checkpointed
            Path(str(tmp_db) + suffix).unlink(missing_ok=True)
        os.replace(tmp_db, db_path)
    meta_path.write_text(json.dumps(asdict(info), indent=2))
    return KnowledgeBase(sqlite_url(db_path), info, cached=False, path=db_path)


def build_into(
    url: str,
    statements: int,
    *,
    memberships: int | None = None,
    seed: int = 0,
    workdir: Path,
    log: Any = None,
) -> KnowledgeBase:
    """Build a knowledge base into an existing empty database (PostgreSQL): not cached."""
    info = _build(url, statements, memberships, seed, workdir, log)
    return KnowledgeBase(url, info, cached=False)


def _child(url: str, yaml_path: Path, meta_path: Path) -> None:
    """In the child process: migrate, load the seed, load the generated file; record costs."""
    from alliancekb.load.bootstrap import prepare
    from alliancekb.load.loader import load_files
    from alliancekb.store.db import create_db_engine

    engine = create_db_engine(url)
    t0 = time.perf_counter()
    prepare(engine, seed=True)
    t1 = time.perf_counter()
    load_files(engine, [yaml_path], max_bytes=yaml_path.stat().st_size + 1)
    t2 = time.perf_counter()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        # What autovacuum does within a minute of a large load; SQLite gets no ANALYZE
        # (alliancekb never runs it), so its plans are the ones users get.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    peak_kb = _peak_rss_kb()
    meta_path.write_text(
        json.dumps({"seed_load_s": t1 - t0, "load_s": t2 - t1, "peak_rss_mb": peak_kb / 1024})
    )


def _peak_rss_kb() -> int:
    """This process's peak resident memory (KiB): VmHWM, which is this program's own.

    `ru_maxrss` is not: on Linux it starts from the parent's resident size at exec time.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kbcache")
    parser.add_argument("--url", required=True)
    parser.add_argument("--yaml", type=Path, required=True)
    parser.add_argument("--meta", type=Path, required=True)
    args = parser.parse_args(argv)
    _child(args.url, args.yaml, args.meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
