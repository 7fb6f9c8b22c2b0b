"""`export`: exact CSV bytes, Excel safety, JSON keys, snapshots, atomic files, no overwrite.

The fast paths (`export/fast_csv.py`: lines built by the database; `export/fast_json.py`)
are compared with the reference writers of `core/formats.py` over the same rows, for every
table and format.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, literal, select
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.errors import RuntimeFailure, UsageError
from alliancekb.core.formats import EXCEL_FORMULA_STARTS, WRITERS, Format, write_csv
from alliancekb.export import fast_csv
from alliancekb.export.catalogue import BY_NAME
from alliancekb.export.columns import SqlDialect
from alliancekb.export.files import TABLES, Target, export, plan, rows_of
from alliancekb.store.db import read_session
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text

REPO = Path(__file__).resolve().parents[1]


def exported(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every exportable table's rows (JSON-typed values), read in one snapshot."""
    with read_session(engine) as session:
        conn = session.connection()
        return {t.name: list(rows_of(conn, t, "json")) for t in TABLES}


TRICKY_TEXT = 'He said "yes, now",\nthen left.'
DOC = """
sources:
  - key: s1
    title: 'Report, "final"'
    published: '2024-04~'
    kind: news
technology_areas:
  - key: quantum
    name: Quantum
    description: "=HYPERLINK(\\"http://x\\")"
  - key: radar
    name: '-radar'
    description: "He said \\"yes, now\\",\\nthen left."
"""


def _read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as stream:
        return list(csv.reader(stream))


def test_csv_golden_bytes(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, DOC)
    out = tmp_path / "areas.csv"
    export(db.engine, plan(["technology_areas"], out), "csv")
    assert out.read_bytes() == (
        b"key,name,description\r\n"
        b'quantum,Quantum,"=HYPERLINK(""http://x"")"\r\n'
        b'radar,-radar,"He said ""yes, now"",\nthen left."\r\n'
    )
    rows = _read_csv(out)
    assert rows[2] == ["radar", "-radar", TRICKY_TEXT]

    excel = tmp_path / "areas-excel.csv"
    export(db.engine, plan(["technology_areas"], excel), "csv", excel=True)
    assert excel.read_bytes() == (
        b"\xef\xbb\xbfkey,name,description\r\n"
        b'quantum,Quantum,"\'=HYPERLINK(""http://x"")"\r\n'
        b'radar,\'-radar,"He said ""yes, now"",\nthen left."\r\n'
    )
    rows = _read_csv(excel, encoding="utf-8-sig")
    assert rows[1][2] == '\'=HYPERLINK("http://x")'


def test_csv_matches_the_shared_writer(seeded_db: TestDatabase, tmp_path: Path) -> None:
    """The fast path writes the same text as core.formats.write_csv does from the same rows."""
    out = tmp_path / "statements.csv"
    export(seeded_db.engine, plan(["statements"], out), "csv")
    with read_session(seeded_db.engine) as session:
        table = BY_NAME["statements"]
        rows = [dict(zip(table.columns, r, strict=True))
                for r in rows_of(session.connection(), table, "json")]  # fmt: skip
    buffer = io.StringIO(newline="")
    write_csv(buffer, list(table.columns), rows)
    assert out.read_bytes() == buffer.getvalue().encode("utf-8")


# -- CSV injection ---------------------------------------------------------------------------

dangerous = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(EXCEL_FORMULA_STARTS),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
)


def _one_cell(writer: Any, value: str, excel: bool) -> tuple[bytes, str]:
    stream = io.StringIO(newline="")
    writer(stream, value, excel)
    data = stream.getvalue()
    body = data.removeprefix("\ufeff")
    assert (data != body) is excel  # a BOM with --excel only
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["v", "w"]
    return data.encode(), rows[1][0]


_SQLITE = create_engine("sqlite://")


def _fast(stream: Any, value: str, excel: bool) -> None:
    # The fast path: the field made by the database, the line written by write_csv_lines.
    with _SQLITE.connect() as conn:
        field = fast_csv.csv_field_sql(literal(value), False, excel=excel)
        line = conn.execute(select(field + literal(",x\r\n"))).scalar_one()
    fast_csv.write_csv_lines(stream, ["v", "w"], [[(line,)]], excel=excel, progress=None)


def _shared(stream: Any, value: str, excel: bool) -> None:
    write_csv(stream, ["v", "w"], [{"v": value, "w": "x"}], excel=excel)


def reference_field(value: Any, excel: bool = False) -> str:
    """One field as the reference writer writes it (a lone empty field would be `""`)."""
    stream = io.StringIO(newline="")
    write_csv(stream, ["v", "w"], [{"v": value, "w": "x"}], excel=excel)
    line = stream.getvalue().removeprefix("\ufeff").split("\r\n", 1)[1]
    return line.removesuffix(",x\r\n")


@settings(max_examples=300)
@given(value=dangerous)
def test_excel_neutralises_every_formula_start(value: str) -> None:
    for writer in (_fast, _shared):
        _, cell = _one_cell(writer, value, excel=True)
        assert cell == "'" + value
        _, cell = _one_cell(writer, value, excel=False)
        assert cell == value  # without --excel: exactly as stored


@given(value=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")))
def test_excel_leaves_harmless_cells_alone(value: str) -> None:
    expected = "'" + value if value.startswith(EXCEL_FORMULA_STARTS) else value
    for writer in (_fast, _shared):
        assert _one_cell(writer, value, excel=True)[1] == expected


def test_excel_on_the_database(db: TestDatabase, tmp_path: Path) -> None:
    load_text(db.engine, tmp_path, DOC)
    out = tmp_path / "e.csv"
    export(db.engine, plan(["technology_areas"], out), "csv", excel=True)
    cells = [c for row in _read_csv(out, "utf-8-sig")[1:] for c in row]
    assert all(not c.startswith(EXCEL_FORMULA_STARTS) for c in cells)


# -- JSON ----------------------------------------------------------------------------------


def test_json_and_ndjson_have_the_documented_keys(seeded_db: TestDatabase, tmp_path: Path) -> None:
    export(seeded_db.engine, plan([], tmp_path / "j", "json"), "json")
    export(seeded_db.engine, plan([], tmp_path / "n", "ndjson"), "ndjson")
    for table in TABLES:
        objects = json.loads((tmp_path / "j" / f"{table.name}.json").read_text(encoding="utf-8"))
        lines = (tmp_path / "n" / f"{table.name}.ndjson").read_text(encoding="utf-8").splitlines()
        assert [json.loads(line) for line in lines] == objects
        # The seed retracts nothing (tests/test_retract.py exports retractions) and gives
        # no country other codes (tests/test_load_datasets_format.py exports them).
        assert objects or table.name in ("retractions", "country_codes"), table.name
        for obj in objects:
            assert list(obj) == table.columns
    statements = json.loads((tmp_path / "j" / "statements.json").read_text(encoding="utf-8"))
    assert {type(s["quote"]) for s in statements} == {bool}
    assert all(len(s["date_lower"]) == 10 for s in statements)
    pillars = json.loads((tmp_path / "j" / "pillars.json").read_text(encoding="utf-8"))
    assert {k: pillars[1][k] for k in ("alliance", "number")} == {"alliance": "aukus", "number": 2}


def test_rows_are_ordered_by_natural_key(seeded_db: TestDatabase) -> None:
    tables = exported(seeded_db.engine)
    assert tables["countries"] == sorted(tables["countries"])
    ids = [r[0] for r in tables["statements"]]
    assert ids == sorted(ids)
    keys = [(r[0], r[1] or "", r[2] or 0, r[3], r[5]) for r in tables["memberships"]]
    assert keys == sorted(keys)


# -- files: no overwrite, nothing partial ----------------------------------------------------


def test_refuses_to_overwrite_without_force(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    args = ["--db", seeded_db.url, "export", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    (out / "countries.csv").write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--force" in result.output
    assert (out / "countries.csv").read_text(encoding="utf-8") == "mine\n"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert (out / "countries.csv").read_text(encoding="utf-8").startswith("iso3,")


def test_cli_usage_errors(runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path) -> None:
    base = ["--db", seeded_db.url, "export"]
    assert runner.invoke(app, [*base, "nope", "--out", str(tmp_path / "x")]).exit_code == 2
    assert runner.invoke(app, base).exit_code == 2  # no --out
    result = runner.invoke(app, [*base, "-f", "json", "--excel", "--out", str(tmp_path / "y")])
    assert result.exit_code == 2
    result = runner.invoke(app, [*base, "--list"])
    assert result.exit_code == 0
    assert "statement_scopes" in result.output
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "y").exists()


def test_one_table_to_a_file_or_a_directory(seeded_db: TestDatabase, tmp_path: Path) -> None:
    assert plan(["statements"], tmp_path / "s.csv")[0].path == tmp_path / "s.csv"
    assert plan(["statements"], tmp_path, "ndjson")[0].path == tmp_path / "statements.ndjson"
    with pytest.raises(UsageError):
        plan(["statements", "statements"], tmp_path)


def test_one_table_to_a_new_directory_typed_with_a_trailing_slash(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    """`--out newdir/` is a directory even before it exists (a path drops the slash)."""
    out = tmp_path / "newdir"
    args = ["--db", seeded_db.url, "export", "countries", "--out", f"{out}/"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_dir()
    assert (out / "countries.csv").read_text(encoding="utf-8").startswith("iso3,")
    assert (out / "datapackage.json").is_file()
    assert plan(["countries"], out / "other", directory=True)[0].path == (
        out / "other" / "countries.csv"
    )


def test_a_failure_midway_leaves_no_file(seeded_db: TestDatabase, tmp_path: Path) -> None:
    """A later target's directory removed during the export: no file appears anywhere."""
    out, later = tmp_path / "kb", tmp_path / "later"
    out.mkdir()
    later.mkdir()
    (out / "sources.csv").write_text("old\n", encoding="utf-8")
    targets = [*plan([], out), Target(BY_NAME["statements"], later / "statements.csv")]

    def remove_the_later_directory(table: str, rows: int, total: int | None) -> None:
        if table == "countries" and rows > 0 and later.exists():
            later.rmdir()  # as a user might, while the first tables are being written

    with pytest.raises(RuntimeFailure, match="cannot write in"):
        export(seeded_db.engine, targets, "csv", force=True, progress=remove_the_later_directory)
    # Nothing replaced, nothing added, no temporary file left.
    assert sorted(p.name for p in out.iterdir()) == ["sources.csv"]
    assert (out / "sources.csv").read_text(encoding="utf-8") == "old\n"
    assert not later.exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_progress_comes_every_batch_of_rows(
    seeded_db: TestDatabase, tmp_path: Path, fmt: str
) -> None:
    seen: list[tuple[int, int | None]] = []

    def progress(table: str, rows: int, total: int | None) -> None:
        seen.append((rows, total))

    written = export(
        seeded_db.engine, plan(["statements"], tmp_path / "s", fmt), fmt,
        progress=progress, count_rows=True, batch_rows=3,
    )  # fmt: skip
    rows = written[0].rows
    assert rows > 6
    steps = [*range(0, rows, 3), rows]
    assert seen == [(n, rows) for n in steps]


@pytest.mark.slow
def test_sigkill_midway_leaves_no_file(make_database: Any, tmp_path: Path) -> None:
    """A real export process killed while writing: the target never appears."""
    database = make_database(seeded=True)
    kb = tmp_path / "kb.yaml"
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--statements", "20000", "--out", str(kb)],
        check=True, cwd=REPO, capture_output=True,
    )  # fmt: skip
    from alliancekb.load.loader import load_files

    load_files(database.engine, [kb])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "statements.csv"
    command = [sys.executable, "-m", "alliancekb", "--db", database.url,
               "export", "statements", "--out", str(target)]  # fmt: skip
    proc = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    partial: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in out_dir.glob(".statements.csv.*.partial") if p.stat().st_size > 0]
        if partial:
            break
        time.sleep(0.002)
    assert partial, "the export finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()
    # The next export removes the dead process's leftover and writes the whole file.
    export(database.engine, plan(["statements"], target), "csv")
    assert [p.name for p in out_dir.iterdir()] == ["statements.csv"]
    assert len(_read_csv(target)) == 1 + len(exported(database.engine)["statements"])


# -- one snapshot ----------------------------------------------------------------------------


def test_export_is_one_snapshot_under_a_concurrent_load(db: TestDatabase, tmp_path: Path) -> None:
    """A load committed while the export runs is not in it (not even in later tables)."""
    load_text(db.engine, tmp_path, BASE)
    before = tmp_path / "before"
    export(db.engine, plan([], before), "csv")
    loaded: list[str] = []

    def load_during_export(table: str, rows: int, total: int | None) -> None:
        if not loaded and table == "countries" and rows > 0:
            # Another connection commits a load after the export has read its first tables.
            load_text(db.engine, tmp_path, NEW_FACTS, name="new.yaml")
            loaded.append(table)

    during = tmp_path / "during"
    export(db.engine, plan([], during), "csv", progress=load_during_export)
    assert loaded
    for table in TABLES:
        if table.name == "loads":
            continue
        name = f"{table.name}.csv"
        assert (during / name).read_bytes() == (before / name).read_bytes(), name
    after = tmp_path / "after"
    export(db.engine, plan([], after), "csv")
    assert b"st-new" in (after / "statements.csv").read_bytes()
    assert b"st-new" in (after / "statement_countries.csv").read_bytes()
    assert (after / "sources.csv").read_bytes() != (before / "sources.csv").read_bytes()


NEW_FACTS = """
sources:
  - {key: zz-new-source, title: New, published: '2025', kind: news}
countries:
  - {iso3: NOR, aliases: [Norge]}
statements:
  - {id: st-new, speaker: NOR, date: '2025', text: New., stance: asserts,
     about: {countries: [JPN]}, source: zz-new-source}
"""


db_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.one_of(dangerous, db_text))
def test_database_quotes_fields_like_the_python_writer(db: TestDatabase, value: str) -> None:
    """The CSV field the database builds is the text the reference writer (csv) writes."""
    postgres = db.backend == "postgresql"
    with db.engine.connect() as conn:
        for excel in (False, True):
            sql = fast_csv.csv_field_sql(literal(value), postgres, excel=excel)
            got = conn.execute(select(sql)).scalar_one()
            assert got == reference_field(value, excel)


def test_only_closed_vocabularies_skip_the_quoting_checks() -> None:
    """The columns written without quoting checks are exactly those with fixed values."""
    from alliancekb.core.vocab import Stance
    from alliancekb.store import models as m

    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        sql = SqlDialect(conn, Format.CSV)
        fixed = {
            (t.name, c.name)
            for t in TABLES
            for c in t.select(sql).selected_columns
            if fast_csv.fixed_words(c) is not None
        }
    assert fixed == {
        ("alliances", "kind"),
        ("memberships", "role"),
        ("memberships", "status"),
        ("membership_sources", "role"),
        ("statements", "speaker_kind"),
        ("statements", "quote"),
        ("statements", "stance"),
        ("sources", "kind"),
        ("retractions", "kind"),
        ("country_codes", "scheme"),
        ("exercise_participants", "role"),
    }
    assert fast_csv.fixed_words(sql.text(m.Statement.stance)) == frozenset(s.value for s in Stance)
    # Open text, a computed value, a CASE that can yield a column: no fixed words.
    assert fast_csv.fixed_words(m.Statement.text) is None
    assert fast_csv.fixed_words(literal("a") + m.Statement.id) is None
    from sqlalchemy import case

    assert (
        fast_csv.fixed_words(case((m.Statement.quote, literal("x")), else_=m.Statement.id)) is None
    )


@pytest.mark.parametrize("excel", [False, True])
def test_fixed_words_needing_quotes_keep_the_checks(excel: bool) -> None:
    """A literal that needs quoting (or a formula start, with --excel) is still checked."""
    from sqlalchemy import case

    from alliancekb.store import models as m

    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        for word in ("a,b", 'say "x"', "two\nlines", "=1+1", "-x", "plain"):
            expr = case((literal(1) == 1, literal(word)), else_=literal("other"))
            assert fast_csv.fixed_words(expr) == frozenset({word, "other"})
            got = conn.execute(select(fast_csv.csv_field_sql(expr, False, excel=excel)))
            assert got.scalar_one() == reference_field(word, excel)
    # The skip is sound because the database itself holds a vocabulary to its words.
    assert getattr(m.Statement.__table__.c.stance.type, "create_constraint", False)


HOSTILE_DOC = """
sources:
  - key: zz-hostile
    title: "=SUM(A1:A9), \\"quoted\\""
    publisher: "+cmd|' /C calc'!A0"
    author: "@Ärger, \\"Jürgen\\""
    url: "-http://x"
    published: '2024'
    kind: news
    note: "日本語, \\"q\\""
technology_areas:
  - key: zz-area
    name: "-Détection, \\"radar\\""
    description: "line1\\nline2"
    aliases: ["=alias,1", "Ünï \\"cödé\\""]
officials:
  - key: zz-official
    name: "@handle, \\"nick\\""
    note: "a"
    aliases: ["+plus alias"]
statements:
  - id: zz-st
    speaker: zz-official
    speaker_label: "=label"
    date: '2024-05'
    text: "He said \\"no, never\\""
    stance: denies
    source: zz-hostile
    about: {technology_areas: [zz-area]}
    note: "-note, \\"x\\""
"""
#: Text with CR the loader would refuse (table, key column, key, column, value), written
#: into the database directly, as a database loaded before that rule may hold.
HOSTILE_TEXT = (
    ("sources", "key", "zz-hostile", "title", '=SUM(A1:A9), "quoted"\r\nnext'),
    ("sources", "key", "zz-hostile", "note", '日本語, "q"\rCR only'),
    ("officials", "key", "zz-official", "note", "a\r\nb"),
    ("statements", "id", "zz-st", "text", 'He said "no, never",\r\nthen: -1'),
)
#: Keys the loader would refuse, written into the database directly.
HOSTILE_KEYS = ('src,"x"', "-1,", "a\nb")


def _hostile(database: TestDatabase, tmp_path: Path) -> None:
    from sqlalchemy import text

    load_text(database.engine, tmp_path, HOSTILE_DOC, name="hostile.yaml")
    with database.engine.begin() as conn:
        for table, key_column, key, column, value in HOSTILE_TEXT:
            conn.execute(
                text(f"UPDATE {table} SET {column} = :value WHERE {key_column} = :key"),
                {"value": value, "key": key},
            )
        conn.execute(
            text("UPDATE sources SET key = 'src,\"x\"' WHERE id = (SELECT min(id) FROM sources)")
        )
        conn.execute(text("UPDATE countries SET iso3 = '-1,' WHERE iso3 = 'JPN'"))
        conn.execute(text("UPDATE alliances SET key = 'a\nb' WHERE key = 'aukus'"))


@pytest.mark.parametrize(
    ("fmt", "excel"), [("csv", False), ("csv", True), ("json", False), ("ndjson", False)]
)
def test_every_table_is_what_the_reference_writer_writes(
    seeded_db: TestDatabase, tmp_path: Path, fmt: str, excel: bool
) -> None:
    """Each file is the reference writer's text for the table's rows, on hostile values.

    Commas, quotes, CR/LF, formula starts (with `excel`), non-ASCII text, and joined keys
    the loader would refuse: keys of lookup tables are checked once per export, so one
    hostile key of each kind must switch its column back to the per-row check.
    """
    _hostile(seeded_db, tmp_path)
    out = tmp_path / "kb"
    export(seeded_db.engine, plan([], out, fmt), fmt, excel=excel)
    hostile = 0
    with read_session(seeded_db.engine) as session:
        for table in TABLES:
            rows = list(rows_of(session.connection(), table, fmt))
            mappings = [dict(zip(table.columns, row, strict=True)) for row in rows]
            expected = io.StringIO(newline="")
            if fmt == "csv":
                write_csv(expected, table.columns, mappings, excel=excel)
            else:
                WRITERS[Format(fmt)](expected, table.columns, mappings)
            got = (out / f"{table.name}.{fmt}").read_bytes().decode("utf-8")
            assert got == expected.getvalue(), table.name
            hostile += sum(v in HOSTILE_KEYS for row in rows for v in row)
    assert hostile > 10  # the hostile keys did reach many tables
    if fmt == "csv":
        written = (out / "statements.csv").read_bytes()
        assert b'"He said ""no, never"",\r\nthen: -1"' in written
        assert (b",'=label," in written) is excel
