"""Hardening, third round (issue 29): dataset files that cannot be misread.

Row 7: `import cow|atop` refuses a row with more fields than the header and a header that
names a column twice, at FILE:LINE (exit 3), as it refuses a short row. Row 8: a field
past the CSV reader's limit (131072 characters) is a FILE:LINE problem, not an internal
error. Small files written here: the published datasets are not needed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alliancekb.cli.app import app
from alliancekb.load.datasets import atop, cow
from tests.conftest import TestDatabase
from tests.test_dump import knowledge

#: One COW by-member row: the UK in the Anglo-Portuguese alliance from 1816.
_COW_ROW = dict(
    zip(
        cow.COLUMNS,
        next(csv.reader(["1,200,9,5,1386,,,,Type I: Defense Pact,1,1,1816,,,,1,1,0,1,0,4.1"])),
        strict=True,
    )
)
_ATOP_ALLIANCE = dict.fromkeys(atop.ALLIANCE_COLUMNS, "0") | {
    "atopid": "1005", "begyr": "1815", "begmo": "1", "begday": "3", "endyr": "1815",
    "endmo": "2", "endday": "8", "consul": "1", "version": "4.01",
}  # fmt: skip
_ATOP_MEMBER = dict.fromkeys(atop.MEMBER_COLUMNS, "0") | {
    "atopid": "1005", "member": "200", "yrent": "1815", "moent": "1", "dayent": "3",
    "yrexit": "1815", "moexit": "2", "dayexit": "8", "consul": "1", "version": "4.01",
}  # fmt: skip


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("".join(",".join(row) + "\n" for row in [header, *rows]), encoding="utf-8")
    return path


def _cow(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    directory = tmp_path / "cow"
    directory.mkdir()
    _csv(directory / cow.MEMBER_FILE, header, rows)
    return directory


def _atop(tmp_path: Path, alliance_rows: list[list[str]], member_rows: list[list[str]]) -> Path:
    directory = tmp_path / "atop"
    directory.mkdir()
    _csv(directory / atop.ALLIANCE_FILE, list(atop.ALLIANCE_COLUMNS), alliance_rows)
    _csv(directory / atop.MEMBER_FILE, list(atop.MEMBER_COLUMNS), member_rows)
    return directory


def _import(db: TestDatabase, dataset: str, directory: Path) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, "import", dataset, str(directory)])


def _refused(db: TestDatabase, dataset: str, directory: Path, where: str, says: str) -> None:
    before = knowledge(db.engine)
    result = _import(db, dataset, directory)
    assert result.exit_code == 3, result.output[-2000:]
    assert "internal error" not in result.output
    assert where in result.stderr, result.stderr[-2000:]
    assert says in result.stderr, result.stderr[-2000:]
    assert knowledge(db.engine) == before


def test_the_small_cow_and_atop_files_of_these_tests_import(
    db: TestDatabase, tmp_path: Path
) -> None:
    good = _cow(tmp_path, list(cow.COLUMNS), [list(_COW_ROW.values())])
    assert _import(db, "cow", good).exit_code == 0
    atop_dir = _atop(tmp_path, [list(_ATOP_ALLIANCE.values())], [list(_ATOP_MEMBER.values())])
    result = _import(db, "atop", atop_dir)
    assert result.exit_code == 0, result.output


def test_a_cow_row_with_more_fields_than_the_header_is_refused_at_its_line(
    db: TestDatabase, tmp_path: Path
) -> None:
    row = list(_COW_ROW.values())
    directory = _cow(tmp_path, list(cow.COLUMNS), [row, [*row, "extra"]])
    width = len(cow.COLUMNS)
    where = f"{cow.MEMBER_FILE}:3:{width + 1}"
    _refused(db, "cow", directory, where, f"{width + 1} fields, the header has {width}")


def test_an_atop_row_with_more_fields_than_the_header_is_refused_at_its_line(
    db: TestDatabase, tmp_path: Path
) -> None:
    member = list(_ATOP_MEMBER.values())
    directory = _atop(tmp_path, [list(_ATOP_ALLIANCE.values())], [member, [*member, "1", "2"]])
    width = len(atop.MEMBER_COLUMNS)
    _refused(db, "atop", directory, f"{atop.MEMBER_FILE}:3:", f"{width + 2} fields")


def test_a_short_row_is_still_refused_at_its_line(db: TestDatabase, tmp_path: Path) -> None:
    directory = _cow(tmp_path, list(cow.COLUMNS), [list(_COW_ROW.values())[:-1]])
    _refused(db, "cow", directory, f"{cow.MEMBER_FILE}:2:", "fields, the header has")


@pytest.mark.parametrize(
    ("extra", "twice"),
    [(["ccode"], "ccode"), (["version"], "version"), (["state_name", "state_name"], "state_name")],
)
def test_a_header_naming_a_column_twice_is_refused_at_line_1(
    db: TestDatabase, tmp_path: Path, extra: list[str], twice: str
) -> None:
    header = [*cow.COLUMNS, *extra]
    # Whichever of the two columns was read, the other's value would be lost unseen.
    row = [*_COW_ROW.values(), *(["999"] * len(extra))]
    directory = _cow(tmp_path, header, [row])
    where = f"{cow.MEMBER_FILE}:1:{len(header)}"
    _refused(db, "cow", directory, where, f"column '{twice}' is named twice")


def test_a_cow_field_past_the_csv_limit_is_a_problem_at_its_line(
    db: TestDatabase, tmp_path: Path
) -> None:
    row = list(_COW_ROW.values())
    huge = dict(_COW_ROW) | {"ss_type": '"' + "I" * 131073 + '"'}
    directory = _cow(tmp_path, list(cow.COLUMNS), [row, row, list(huge.values())])
    _refused(db, "cow", directory, f"{cow.MEMBER_FILE}:4:", "longer than 131072 characters")


def test_an_atop_field_past_the_csv_limit_is_a_problem_at_its_line(
    db: TestDatabase, tmp_path: Path
) -> None:
    alliance = list(_ATOP_ALLIANCE.values())
    huge = [*alliance[:-1], "9" * 200_000]
    directory = _atop(tmp_path, [alliance, huge], [list(_ATOP_MEMBER.values())])
    _refused(db, "atop", directory, f"{atop.ALLIANCE_FILE}:3:", "longer than 131072 characters")


# -- row 14: draft refuses an article past its size limit, before reading it -------------

_PARAGRAPH = (
    "Tokyo, 10 April 2024. Japan said it would work with AUKUS on advanced capabilities.\n\n"
)


def _article(path: Path, size: int) -> Path:
    path.write_text("A long report\n\n" + _PARAGRAPH * (size // len(_PARAGRAPH)), encoding="utf-8")
    return path


def _draft(db: TestDatabase, article: Path, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["--db", db.url, "draft", str(article), "--source", "a-report", *args]
    )


def test_draft_refuses_an_article_over_the_size_limit_and_says_how_to_raise_it(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    big = _article(tmp_path / "big.txt", 18 * 1024 * 1024)  # the red team's 18 MB
    result = _draft(seeded_db, big)
    assert result.exit_code == 3, result.output[-1000:]
    assert "internal error" not in result.output
    assert "over the limit of 1048576 bytes (1 MiB)" in result.stderr
    assert "raise the limit with --max-mb 18" in result.stderr
    assert result.stdout == ""  # nothing drafted
    # Just past a raised limit: refused the same way, naming what would fit.
    past = _draft(seeded_db, big, "--max-mb", "17")
    assert past.exit_code == 3
    assert "--max-mb 18" in past.stderr


def test_draft_under_the_size_limit_drafts_and_a_raised_limit_admits_more(
    seeded_db: TestDatabase, tmp_path: Path
) -> None:
    small = _article(tmp_path / "small.txt", 20_000)
    drafted = _draft(seeded_db, small)
    assert drafted.exit_code == 0, drafted.output[-1000:]
    assert "drafted " in drafted.stderr
    # Over 1 MiB, mostly blank lines: quick to draft, but over the default limit in bytes.
    two = tmp_path / "two.txt"
    two.write_text(small.read_text(encoding="utf-8") + "\n" * (1024 * 1024), encoding="utf-8")
    assert _draft(seeded_db, two).exit_code == 3
    raised = _draft(seeded_db, two, "--max-mb", "2", "--out", str(tmp_path / "two.yaml"))
    assert raised.exit_code == 0, raised.output[-1000:]
    assert (tmp_path / "two.yaml").stat().st_size > 0
