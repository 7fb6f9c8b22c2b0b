"""The benchmark suite's pieces at tiny sizes, so that the benchmarks never rot.

Not timed tests: they check that each piece runs and reports the figures the report
needs, and that the report marks targets met or missed from them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from bench import bench_queries, bench_startup, kbcache, report
from bench.__main__ import main as bench_main


def test_startup_piece_compares_with_a_bare_typer_app(tmp_path: Path) -> None:
    result = bench_startup.run(tmp_path, runs=1)
    assert result["imports_sqlalchemy"] is False
    assert result["alliancekb_help_ms"]["median"] > 0
    assert result["bare_typer_help_ms"]["median"] > 0
    assert result["ratio"] > 0


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")
def test_instructions_are_counted_the_same_on_each_run(tmp_path: Path) -> None:
    env = {**bench_startup.child_env(), "PYTHONHASHSEED": "0"}
    argv = [sys.executable, "-c", "import json"]
    first = bench_startup.instructions(argv, env, tmp_path)
    again = bench_startup.instructions(argv, env, tmp_path)
    more = bench_startup.instructions([*argv[:-1], "import json, csv, decimal"], env, tmp_path)
    assert first > 1_000_000
    assert abs(again - first) < first * 0.001
    assert more > again
    assert not list(tmp_path.iterdir())  # callgrind's output file is removed


def test_a_count_that_fails_or_cannot_run_is_said_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = tmp_path / "bin"
    failing.mkdir()
    valgrind = failing / "valgrind"
    valgrind.write_text("#!/bin/sh\necho 'valgrind: cannot start' >&2\nexit 1\n")
    valgrind.chmod(0o755)
    database = tmp_path / "absent.sqlite"
    monkeypatch.setenv("PATH", f"{failing}:{os.environ['PATH']}")
    env = bench_startup.child_env()  # the children find this valgrind first
    failed = bench_startup.counted_instructions(database, env, tmp_path)
    assert failed["read_commands_instructions_note"].startswith("the instruction counts failed")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    skipped = bench_startup.counted_instructions(database, env, tmp_path)
    assert "valgrind is not installed" in skipped["read_commands_instructions_note"]


def _counted(ratio: float) -> dict[str, Any]:
    base = 1_000_000_000
    return {
        "name": "show",
        "command": "alliancekb show Japan --format json",
        "alliancekb_instructions": int(base * ratio),
        "imports_instructions": base,
        "ratio": ratio,
        "met": ratio <= 1.3,
    }


@pytest.mark.parametrize(("ratio", "met"), [(1.25, True), (1.35, False)])
def test_report_judges_read_commands_by_their_instruction_counts(ratio: float, met: bool) -> None:
    results = _fake_results(20.0)
    results["startup"] = {
        "runs": 1,
        "alliancekb_help_ms": {"median": 100.0, "min": 100.0, "max": 100.0},
        "bare_typer_help_ms": {"median": 90.0, "min": 90.0, "max": 90.0},
        "python_bare_ms": 20.0,
        "ratio": 100 / 90,
        "imports_sqlalchemy": False,
        "sqlalchemy_modules": [],
        "modules_imported": 100,
        "bare_modules_imported": 90,
        "heavy_modules": [],
        "command": {
            "runs": 1,
            "command": "alliancekb members x",
            "alliancekb_ms": {"median": 110.0, "min": 110.0, "max": 110.0},
            "imports_ms": {"median": 100.0, "min": 100.0, "max": 100.0},
            "ratio": 1.1,
            "target": 1.3,
            "met": True,
            "unneeded_modules": [],
            "modules_imported": 100,
            "sqlite_utils_note": "sqlite-utils is not installed",
            "read_commands_instructions": [_counted(1.2), _counted(ratio)],
        },
    }
    targets = {t.key: t for t in report.evaluate(results)}
    counted = targets["startup_read_commands_instructions"]
    assert counted.met is met
    assert f"worst {ratio:.3f}× (`show`)" in counted.measured
    text = report.render(results)
    assert f"| {ratio:.3f}× |" in text
    assert ("**missed**" in text) is not met


def _fake_results(members_ms: float) -> dict[str, Any]:
    def run(statements: int, ms: float) -> dict[str, Any]:
        return {
            "backend": "sqlite",
            "statements": statements,
            "memberships": statements // 10,
            "markers": {},
            "cached": True,
            "build": {
                "load_s": 1.0,
                "seed_load_s": 0.1,
                "generate_s": 0.1,
                "statements_per_s": 1000.0,
                "peak_rss_mb": 100.0,
                "yaml_bytes": 1000,
                "built_at": "2026-01-01T00:00:00",
                "cached": True,
            },
            "targets": {"scope": "X", "scope_rows": 1, "speaker": "Y", "speaker_statements": 1},
            "queries": [
                {"name": "members", "median_ms": ms, "min_ms": ms, "max_ms": ms, "rows": 1}
            ],
        }

    return {
        "meta": {"date": "today", "runs": 1, "machine": {"cores": 2}},
        "queries": [run(10_000, 5.0), run(1_000_000, members_ms)],
        "load": {
            "runs": [
                {
                    "statements": 100_000,
                    "sqlite": {
                        "load": {"seconds": 5.0, "statements_per_s": 20_000.0, "peak_rss_mb": 99},
                        "naive": {"seconds": 100.0, "scaled": False},
                        "floor": {"seconds": 4.0},
                    },
                }
            ]
        },
    }


@pytest.mark.parametrize(("members_ms", "met"), [(20.0, True), (80.0, False)])
def test_report_marks_targets_met_or_missed(members_ms: float, met: bool) -> None:
    results = _fake_results(members_ms)
    targets = {t.key: t for t in report.evaluate(results)}
    assert targets["q-members"].met is met
    assert f"{members_ms / 5.0:.1f}×" in targets["q-members"].measured
    assert targets["q-speaker"].met is None  # not in the results: not measured
    assert targets["load-naive"].met is True
    assert targets["load-floor"].met is True
    assert targets["load-rate"].met is True
    assert targets["load-memory"].met is True
    text = report.render(results)
    assert "| #5 | `members` at 1M" in text
    assert ("Where the time goes" in text) is not met


def test_quick_queries_time_every_query_write_json_and_markdown_not_the_docs(
    tmp_path: Path,
) -> None:
    docs = report.DOCS_PAGE
    before = docs.read_bytes() if docs.exists() else None
    argv = ["--quick", "--only", "queries", "--sizes", "300", "--runs", "2", "--out", str(tmp_path)]
    assert bench_main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["meta"]["quick"] is True
    assert results["meta"]["machine"]["cores"]
    (r,) = results["queries"]
    assert (r["backend"], r["statements"], r["cached"]) == ("sqlite", 300, False)
    assert [q["name"] for q in r["queries"]] == [
        "members",
        "statements --speaker",
        "statements --search kestrelmoor",
        "statements --search lanternfish",
        "statements --search tidewatch",
        "members --history",
        "officials --all",
        "show",
    ]
    for q in r["queries"]:
        assert 0 < q["min_ms"] <= q["median_ms"] <= q["max_ms"]
        assert len(q["samples_ms"]) == 2
    assert r["queries"][0]["rows"] > 0
    assert r["build"]["peak_rss_mb"] > 0
    assert "## Queries (issue 5)" in (tmp_path / "report.md").read_text()
    assert (docs.read_bytes() if docs.exists() else None) == before
    # The same key again: the database is reused, not rebuilt.
    again = kbcache.sqlite_kb(
        300, memberships=bench_queries.memberships_for(300), data_dir=tmp_path / ".data"
    )
    assert again.cached


@pytest.mark.skipif(
    importlib.util.find_spec("bench.bench_load") is None, reason="bench_load not present"
)
def test_load_piece_runs_at_tiny_size(tmp_path: Path) -> None:
    from bench import bench_load

    result = bench_load.run(200, tmp_path, naive_statements=200)
    assert set(result["sqlite"]) >= {"load", "naive", "floor"}
    for figures in result["sqlite"].values():
        assert figures["seconds"] > 0
        assert figures["peak_rss_mb"] > 0


@pytest.mark.skipif(
    importlib.util.find_spec("bench.bench_export") is None, reason="bench_export not present"
)
def test_export_piece_runs_at_tiny_size(tmp_path: Path) -> None:
    from bench import bench_export

    kb = kbcache.sqlite_kb(200, memberships=20, data_dir=tmp_path / "data")
    result = bench_export.run(200, tmp_path / "work", database=kb.path)
    assert result["statements"] == 200
    assert result["export_peak_mib"] > 0
    assert result["sqlite3_rows_per_s"] > 0
    assert result["same_rows"] is True  # bytes differ (CRLF, quoting), values do not
    # The dump and its baseline (every record through the safe dumper) write the same bytes.
    assert result["dump_statements_per_s"] > 0
    assert result["dump_baseline_statements_per_s"] > 0
    assert result["dump_same_bytes"] is True
    page = report.render({"meta": {"date": "today", "machine": {}}, "export": {"runs": [result]}})
    assert "every record through the safe dumper" in page


def test_import_piece_reports_both_variants_and_the_report_shows_them(tmp_path: Path) -> None:
    from bench import bench_import

    if bench_import.external() is None:
        pytest.skip("the COW and ATOP copies (../shared/external) are absent")
    argv = ["--quick", "--only", "import", "--out", str(tmp_path)]
    assert bench_main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    imported = results["import"]
    assert imported["import"]["second_import_unchanged"] is True
    assert imported["ratio"] > 1
    assert imported["import"]["peak_rss_mb"] > 0
    assert "## Import of COW and ATOP (issue 15)" in (tmp_path / "report.md").read_text()


def test_panel_piece_writes_the_same_bytes_as_csv_and_the_report_shows_it(
    tmp_path: Path,
) -> None:
    argv = ["--quick", "--only", "panel", "--out", str(tmp_path)]
    assert bench_main(argv) == 0
    panel = json.loads((tmp_path / "results.json").read_text())["panel"]
    assert panel["data"] == "generated sample"
    assert panel["same_bytes"] is True
    assert panel["rows"] > 0
    assert panel["ratio"] > 0
    assert panel["peak_mb"] > 0
    assert "## Panels (issue 33)" in (tmp_path / "report.md").read_text()


def test_known_piece_reads_at_the_first_history_load_and_the_report_judges_it(
    tmp_path: Path,
) -> None:
    import shutil

    from bench import bench_known

    kb = kbcache.sqlite_kb(200, memberships=20, data_dir=tmp_path / "data")
    assert kb.path is not None
    copy = tmp_path / "known.sqlite"
    shutil.copyfile(kb.path, copy)
    result = bench_known.run(kbcache.sqlite_url(copy), tmp_path / "work", runs=1, loads=2)
    assert [h["changed"] > 0 for h in result["history"]] == [True, True]
    assert result["unchanged"]["changed"] == 0  # the last file again changes nothing
    assert result["known_on"] == result["history"][0]["load"]
    assert [q["name"] for q in result["queries"]] == ["members", "statements --search", "show"]
    for q in result["queries"]:
        assert q["now"]["rows"] > 0
        assert q["known_on"]["rows"] > 0
        assert q["ratio"] > 0
    result["backend"] = "sqlite"
    result["markdown"] = "\n".join(bench_known.markdown(result))
    for q, ratio in zip(result["queries"], (1.5, 2.5, 1.0), strict=True):
        q["ratio"] = ratio
    result["unchanged_ratio"] = 0.5
    results = {"meta": {"date": "today", "machine": {}}, "known": {"runs": [result]}}
    targets = {t.key: t for t in report.evaluate(results)}
    assert targets["known-members"].met is True
    assert targets["known-statements"].met is False
    assert targets["known-show"].met is True
    assert targets["known-unchanged"].met is True
    assert "## Knowledge time (issue 18)" in report.render(results)


def test_pictures_piece_measures_chart_and_graph_against_their_baselines(
    tmp_path: Path,
) -> None:
    from bench import bench_pictures

    result = bench_pictures.run(tmp_path, runs=1)
    (seeded,) = result["databases"]
    for name, baseline in bench_pictures.PAIRS:
        figures = seeded["figures"][name]
        assert figures["baseline"] == baseline
        assert figures["peak_mb"] > result["floor_mb"] > 0
        assert figures["bytes"] > 0
        assert figures["time_ratio"] > 0
    page = report.render({"meta": {"date": "today", "machine": {}}, "pictures": result})
    assert "## Pictures (issue 17)" in page
    assert "`alliancekb chart NATO --out chart.png --force`" in page


def test_assistant_piece_times_each_question_by_the_api_and_the_tool(tmp_path: Path) -> None:
    pytest.importorskip("mcp")
    from bench import bench_assistant

    result = bench_assistant.run(tmp_path, runs=1)
    assert [f["question"] for f in result["figures"]] == [q[0] for q in bench_assistant.QUESTIONS]
    for f in result["figures"]:
        assert f["api_ms"] > 0
        assert f["tool_ms"] > 0
        assert f["server_ms"] > 0
        assert f["met"] is (f["ratio"] <= bench_assistant.TARGET)
    text = report.render({"meta": {"date": "today", "runs": 1}, "assistant": result})
    assert "## The assistants' server (issue 31)" in text
    assert "| `members AUKUS Pillar 2` |" in text
