"""The fixed commands whose bytes must not change (issue 12): every read command, each
format, and the usual errors with their exit codes, over the bundled seed.

`python -m tests.golden_cases` records them into tests/golden/; test_golden.py replays.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "golden"
WIDTH = "100"

BAD_YAML = """\
memberships:
  - country: Japn
    scope: AUKUS Pillar 2
    role: partner
    status: expected
    sources: [nowhere]
"""

NEW_YAML = """\
sources:
  - key: golden-source
    title: A golden source
    published: 2024-05-01
    kind: reference
statements:
  - id: golden-statement
    speaker: USA
    date: 2024-05-01
    text: A statement that only the golden test loads.
    stance: asserts
    source: golden-source
"""

#: name -> argv after `alliancekb --db DB`. Files named {bad} / {new} / {out} are written.
CASES: dict[str, list[str]] = {
    "members-aukus-p2-table": ["members", "AUKUS Pillar 2"],
    "members-aukus-p2-csv": ["members", "AUKUS Pillar 2", "--format", "csv"],
    "members-aukus-p2-json": ["members", "AUKUS Pillar 2", "--format", "json"],
    "members-aukus-p2-ndjson": ["members", "AUKUS Pillar 2", "--format", "ndjson"],
    "members-nato-asof-2000": ["members", "NATO", "--as-of", "2000-01-01"],
    "members-nato-json": ["members", "NATO", "--format", "json"],
    "members-aukus-filtered": [
        "members",
        "AUKUS",
        "--status",
        "in-force",
        "--role",
        "founding-member",
    ],
    "members-pillar-ii-expected": ["members", "Pillar II", "--status", "expected"],
    "members-aukus-p2-history": ["members", "AUKUS Pillar 2", "--history"],
    "members-anzus-ended": ["members", "ANZUS", "--status", "ended", "--format", "csv"],
    "members-unknown": ["members", "Nowhereland"],
    "members-bad-date": ["members", "AUKUS", "--as-of", "garbage"],
    "members-bad-status": ["members", "AUKUS", "--status", "bogus"],
    "countries-table": ["countries"],
    "countries-csv": ["countries", "--format", "csv"],
    "countries-json": ["countries", "--format", "json"],
    "alliances-table": ["alliances"],
    "alliances-json": ["alliances", "--format", "json"],
    "alliances-csv": ["alliances", "--format", "csv"],
    "pillars-table": ["pillars"],
    "pillars-json": ["pillars", "--format", "json"],
    "tech-areas-table": ["tech-areas"],
    "tech-areas-scope": ["tech-areas", "--scope", "AUKUS Pillar 2", "--format", "csv"],
    "officials-table": ["officials", "--as-of", "2026-12-01"],  # "today" pinned
    "officials-today": ["officials"],  # "today" is GOLDEN_TODAY
    "officials-country": ["officials", "--country", "USA", "--as-of", "2026-12-01"],
    "officials-asof-json": ["officials", "--as-of", "2023-01-01", "--format", "json"],
    "sources-table": ["sources"],
    "sources-csv": ["sources", "--format", "csv"],
    "statements-limit": ["statements", "--limit", "5"],
    "statements-speaker": ["statements", "--speaker", "Rahm Emanuel"],
    "statements-country-json": ["statements", "--country", "Japan", "--format", "json"],
    "statements-scope-csv": [
        "statements",
        "--scope",
        "AUKUS Pillar 2",
        "--since",
        "2024",
        "--format",
        "csv",
    ],
    "statements-search": ["statements", "--search", "japan partner"],
    "statements-until-ndjson": ["statements", "--until", "2022", "--format", "ndjson"],
    "statements-tech-area": ["statements", "--tech-area", "quantum", "--limit", "3"],
    "statements-bad-since": ["statements", "--since", "2024-13"],
    "statements-unknown-speaker": ["statements", "--speaker", "Nobody Atall"],
    "show-japan": ["show", "Japan"],
    "show-aukus-json": ["show", "AUKUS", "--format", "json"],
    "show-emanuel": ["show", "Rahm Emanuel"],
    "show-pillar-json": ["show", "AUKUS Pillar 2", "--format", "json"],
    "show-quantum": ["show", "quantum"],
    "show-unknown": ["show", "Xyzzy"],
    "timeline-japan": ["timeline", "Japan"],
    "timeline-nato-json": ["timeline", "NATO", "--format", "json"],
    "timeline-emanuel-csv": ["timeline", "Rahm Emanuel", "--format", "csv"],
    "validate-bad": ["validate", "{bad}"],
    "validate-new": ["validate", "{new}"],
    "load-dry-run": ["load", "--dry-run", "{new}"],
    "load-bad": ["load", "{bad}"],
    "load-new": ["load", "{new}"],
    "load-missing-file": ["load", "{dir}/no-such.yaml"],
    "export-list": ["export", "--list"],
    "export-countries-stdout-csv": ["export", "countries", "--out", "{out}/countries.csv"],
    "export-all-json": ["export", "--out", "{out}/all", "--format", "json"],
    "export-bad-table": ["export", "nosuchtable", "--out", "{out}/x.csv"],
    "dump": ["dump", "--out", "{out}/dump.yaml"],
    "db-current": ["db", "current"],
}


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?")

#: The day every case answers for (`ALLIANCEKB_TODAY`): the recordings do not change with
#: the calendar, and a date of the seed is never mistaken for today.
GOLDEN_TODAY = "2026-12-31"


def _normalize(text: str, workdir: Path, db: str) -> str:
    """Mask what differs between runs: the database, the directory, load timestamps."""
    text = text.replace(db, "<DB>").replace(str(workdir), "<DIR>")
    return _TIMESTAMP.sub("<TIME>", text)


def run_case(name: str, db: str, workdir: Path) -> dict[str, object]:
    """Run one case with the CLI in-process; stdout, stderr, exit code and written files."""
    from typer.testing import CliRunner

    from alliancekb.cli.app import app, only_command

    (workdir / "bad.yaml").write_text(BAD_YAML, encoding="utf-8")
    (workdir / "new.yaml").write_text(NEW_YAML, encoding="utf-8")
    out = workdir / "out"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    # Relative paths, run from workdir: a table's width must not depend on where tmp is.
    subs = {"bad": "bad.yaml", "new": "new.yaml", "out": "out", "dir": "."}
    argv = ["--db", db, *(arg.format(**subs) for arg in CASES[name])]
    env = {
        "COLUMNS": WIDTH,
        "LINES": "50",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "ALLIANCEKB_TODAY": GOLDEN_TODAY,
    }
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        # As the console script runs it (`cli.main`): the app holds the one command run.
        with only_command(argv):
            result = CliRunner().invoke(app, argv, env=env)
    finally:
        os.chdir(cwd)
    files = {
        str(p.relative_to(out)): _normalize(p.read_text(encoding="utf-8"), workdir, db)
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }
    return {
        "argv": CASES[name],
        "exit_code": result.exit_code,
        "stdout": _normalize(result.stdout, workdir, db),
        "stderr": _normalize(result.stderr, workdir, db),
        "files": files,
    }


def record(names: Sequence[str], db: str, workdir: Path) -> None:
    GOLDEN_DIR.mkdir(exist_ok=True)
    for name in names:
        outcome = run_case(name, db, workdir)
        text = json.dumps(outcome, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        (GOLDEN_DIR / f"{name}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    from alliancekb.core.config import to_url
    from alliancekb.load.bootstrap import seed_path
    from alliancekb.load.loader import load_files
    from alliancekb.store import migrate
    from alliancekb.store.db import create_db_engine

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_file = work / "kb.sqlite"
        engine = create_db_engine(to_url(str(db_file)))
        migrate.upgrade(engine)
        load_files(engine, [seed_path()])
        engine.dispose()
        for name in sys.argv[1:] or list(CASES):
            # each case on its own copy (and its own directory: no stale WAL file), so a
            # load case cannot change what follows
            case_dir = Path(tempfile.mkdtemp(dir=work))
            shutil.copyfile(db_file, case_dir / "case.sqlite")
            record([name], str(case_dir / "case.sqlite"), case_dir)
