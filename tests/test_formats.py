"""One registry of formats (core/formats.py) and one of views (present/views.py): every face
reads its list from them, so a new format or a new kind of result touches one place."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from alliancekb import open_kb
from alliancekb.api import KnowledgeBase
from alliancekb.cli import app
from alliancekb.core.errors import UsageError
from alliancekb.core.formats import (
    WRITERS,
    Format,
    file_formats,
    format_of_path,
    read_formats,
    write_csv,
)
from alliancekb.present.output import Column, Table
from alliancekb.present.views import VIEWS, emit_result, table_of, view, view_of
from tests.conftest import TestDatabase


def test_every_face_reads_the_formats_from_the_registry() -> None:
    from alliancekb.cli import export_cmds, options
    from alliancekb.export import files

    assert options.FORMATS == tuple(Format) == read_formats()
    assert options.FILE_FORMATS == file_formats() == files.FILE_FORMATS
    assert set(WRITERS) == {f for f in Format if f.writer is not None}
    assert all(f.extension in export_cmds.FILE_SUFFIXES for f in file_formats())
    for fmt in Format:
        assert fmt.spec.content_type
        assert fmt.spec.title
        assert fmt.spec.description
        assert fmt.for_people is (fmt.writer is None)
        if fmt.extension is not None:
            assert format_of_path(f"a/b{fmt.extension.upper()}") is fmt
    assert format_of_path("notes.txt") is None


def _format_option(command: str) -> Any:
    import typer

    found = typer.main.get_command(app).commands[command].params  # type: ignore[attr-defined]
    return next(p for p in found if "--format" in p.opts)


def test_the_help_texts_are_made_from_the_registry() -> None:
    option = _format_option("countries")
    assert option.metavar == "table|csv|json|ndjson"
    assert option.help == (
        "Output format: a table for people, or CSV/JSON/NDJSON for tools (streamed)."
    )
    option = _format_option("export")
    assert option.metavar == "csv|json|ndjson"
    assert option.help == "File format: CSV (RFC 4180, UTF-8), a JSON list of objects, or NDJSON."


# -- the API's helpers: the command's --format, from the same registry -----------------------


@pytest.fixture
def kb(seeded_db: TestDatabase) -> Any:
    with open_kb(seeded_db.url) as opened:
        yield opened


SAME = [
    (["members", "AUKUS Pillar 2"], lambda kb: kb.members("AUKUS Pillar 2")),
    (["alliances"], lambda kb: kb.alliances()),
    (["officials", "--all"], lambda kb: kb.officials(all_positions=True)),
    (["statements", "--speaker", "UK"], lambda kb: kb.statements(speaker="UK", limit=100)),
    (["allies", "Japan"], lambda kb: kb.allies("Japan")),
    (["timeline", "NATO"], lambda kb: kb.timeline("NATO")),
]


@pytest.mark.parametrize("fmt", [f.value for f in file_formats()])
@pytest.mark.parametrize(("args", "call"), SAME, ids=[" ".join(a) for a, _ in SAME])
def test_rows_to_text_is_what_the_command_writes(
    seeded_db: TestDatabase, kb: KnowledgeBase, args: list[str], call: Any, fmt: str
) -> None:
    done = CliRunner().invoke(app, ["--db", seeded_db.url, *args, "--format", fmt])
    assert done.exit_code == 0, done.output
    assert call(kb).to_text(fmt) == done.stdout_bytes.decode("utf-8")


def test_rows_to_file_takes_the_format_from_the_extension(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    rows = kb.countries()
    for fmt in file_formats():
        path = rows.to_file(tmp_path / f"countries{fmt.extension}")
        # A file is RFC 4180 (CRLF); the text is what the command prints (LF)
        text = rows.to_text(fmt)
        expected = text.replace("\n", "\r\n") if fmt is Format.CSV else text
        assert path.read_bytes() == expected.encode("utf-8")
    assert json.loads((tmp_path / "countries.json").read_text(encoding="utf-8")) == rows
    assert rows.to_file(tmp_path / "c.txt", "ndjson").read_text(encoding="utf-8").count("\n")
    empty = kb.conflicts()  # the seed has none
    assert empty.to_text("json") == "[]\n"
    assert empty.to_text("ndjson") == ""
    assert empty.to_text("csv", keys=["scope", "note"]) == "scope,note\n"
    with pytest.raises(UsageError, match="names no file format"):
        rows.to_file(tmp_path / "countries.txt")
    with pytest.raises(UsageError, match="not a file format"):
        rows.to_text("table")
    with pytest.raises(UsageError):
        rows.to_file(tmp_path / "countries.csv", force=False)
    assert sorted(p.name for p in tmp_path.iterdir() if "sqlite" not in p.name) == [
        "c.txt",
        *(f"countries{f.extension}" for f in file_formats()),
    ]


# -- views: result type -> view function -----------------------------------------------------


def test_every_result_of_a_list_command_has_a_view() -> None:
    from alliancekb.query import allies, conflicts, lists, members, statements, timeline

    results = [
        obj
        for module in (allies, conflicts, lists, members, statements, timeline)
        for name, obj in vars(module).items()
        if name.endswith("Result") and isinstance(obj, type) and obj.__module__ == module.__name__
    ]
    assert len(results) == 11
    for result in results:
        assert (
            view_of(result).__module__
            == "alliancekb.present." + (result.__module__.rsplit(".", 1)[-1])
        )


@dataclasses.dataclass
class _Drills:  # a kind of result no view module knows
    rows: list[dict[str, Any]]
    as_of: dt.date = dt.date(2024, 1, 1)


def test_a_new_result_type_is_one_registered_view() -> None:
    with pytest.raises(TypeError, match="no view is registered for _Drills"):
        table_of(_Drills([]))

    @view(_Drills)
    def drills_table(result: _Drills) -> Table:
        return Table([Column("name"), Column("year")], result.rows, title="Drills")

    try:
        out = io.StringIO()
        rows = [{"name": "Malabar", "year": 2024}]
        for fmt in Format:
            emit_result(_Drills(rows), fmt, out)
        assert '"name": "Malabar"' in out.getvalue()
        assert "Drills" in out.getvalue()
        with pytest.raises(ValueError, match="has a view already"):
            view(_Drills)(drills_table)
    finally:
        del VIEWS[_Drills]


def test_csv_with_lf_line_ends_still_quotes_every_line_break_inside_a_value() -> None:
    """A bare CR in a value must be quoted in LF mode too, or no reader reads it back."""
    out = io.StringIO(newline="")
    write_csv(out, ["a", "b"], [{"a": "x\ry", "b": "p\r\nq"}], line_feed=True)
    assert out.getvalue() == 'a,b\n"x\ry","p\r\nq"\n'
    read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert read == [["a", "b"], ["x\ry", "p\r\nq"]]
