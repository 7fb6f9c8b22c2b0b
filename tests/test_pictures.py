"""`chart` and `graph` through the CLI, on both backends: the pictures name every member
the JSON answer names, the files decode, and the graph files re-read equal the answer."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from alliancekb.cli import app
from alliancekb.picture.lanes import Timeline, timeline_for
from alliancekb.query.members import members
from alliancekb.store.db import read_session
from tests import test_disagreements
from tests.conftest import TestDatabase
from tests.test_claims import CLAIMS_KB
from tests.test_import import needs_atop, needs_cow

ROOT = Path(__file__).resolve().parent.parent
#: The fixture of a knowledge base holding the seed, then COW and ATOP imported (one per
#: backend for the module; skipped where the datasets are absent).
imported = test_disagreements.imported


def _ok(runner: CliRunner, db: TestDatabase, *args: str) -> str:
    result = runner.invoke(app, ["--db", db.url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _json(runner: CliRunner, db: TestDatabase, *args: str) -> Any:
    return json.loads(_ok(runner, db, *args, "--format", "json"))


def _svg_text(path: Path) -> str:
    tree = ET.parse(path)
    return "\n".join("".join(el.itertext()) for el in tree.iter() if el.tag.endswith("text"))


@pytest.mark.parametrize("scope", ["NATO", "AUKUS Pillar 2"])
def test_chart_svg_names_every_member_of_the_answer(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path, scope: str
) -> None:
    out = tmp_path / "chart.svg"
    _ok(runner, seeded_db, "chart", scope, "--out", str(out))
    text = _svg_text(out)
    rows = _json(runner, seeded_db, "members", scope, "--history")
    assert rows
    for row in rows:
        assert row["country"] in text, row["country"]
    if scope == "AUKUS Pillar 2":
        assert "(via AUKUS)" in text  # inherited members are marked
        assert "~" in text  # Japan's `2024-04~` start is drawn as approximate
    assert "Sources:" in text


def test_chart_png_and_pdf_decode(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    png = tmp_path / "nato.png"
    _ok(runner, seeded_db, "chart", "NATO", "--out", str(png))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 1000
    assert height >= 32 * 40
    from PIL import Image

    with Image.open(png) as image:
        image.verify()
    pdf = tmp_path / "japan.pdf"
    _ok(runner, seeded_db, "chart", "Japan", "--out", str(pdf), "--from", "1950")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_chart_of_a_country_has_a_lane_per_alliance(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "jpn.svg"
    _ok(runner, seeded_db, "chart", "JPN", "--out", str(out))
    text = _svg_text(out)
    card = _json(runner, seeded_db, "show", "Japan")
    scopes = {row["scope"] for row in card["sections"]["memberships"]}
    assert scopes
    for scope in scopes:
        assert scope in text


def test_chart_of_a_dataset_alliance(runner: CliRunner, db: TestDatabase, tmp_path: Path) -> None:
    from alliancekb.load.loader import load_files

    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS_KB)
    load_files(db.engine, [path])
    out = tmp_path / "pact.svg"
    _ok(runner, db, "chart", "cow:227", "--as-of", "2010-01-01", "--out", str(out))
    text = _svg_text(out)
    for row in _json(runner, db, "members", "cow:227", "--as-of", "2010-01-01", "--history"):
        assert row["country"] in text
    assert "atop" in text  # other claimants drawn beneath, named


def test_chart_errors(runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    result = runner.invoke(app, ["--db", seeded_db.url, "chart", "Narnia", "--out", str(out)])
    assert result.exit_code == 4
    assert "did you mean" in result.stderr
    out.write_bytes(b"keep")
    result = runner.invoke(app, ["--db", seeded_db.url, "chart", "NATO", "--out", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert out.read_bytes() == b"keep"
    _ok(runner, seeded_db, "chart", "NATO", "--out", str(out), "--force")
    assert out.read_bytes()[:4] == b"\x89PNG"
    bad = runner.invoke(app, ["--db", seeded_db.url, "chart", "NATO", "--out", "x.gif"])
    assert bad.exit_code == 2


def _members_edges(runner: CliRunner, db: TestDatabase, scope: str) -> set[tuple[str, str]]:
    rows = _json(runner, db, "members", scope)
    return {(r["iso3"], r["status"]) for r in rows if r["via"] is None}


def _stringified(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {
        (r["source"], r["target"]): {
            k: str(v) for k, v in r.items() if k not in ("source", "target", "start", "end")
        }
        for r in rows
    }


def test_graph_files_equal_the_json_answer(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    paths = {fmt: tmp_path / f"g.{fmt}" for fmt in ("json", "graphml", "gexf")}
    for path in paths.values():
        _ok(runner, seeded_db, "graph", "--as-of", "2024-12-31", "--out", str(path))
    answer = json.loads(paths["json"].read_text())
    nodes = {n["id"]: {k: v for k, v in n.items() if k != "id"} for n in answer["nodes"]}
    edges = _stringified(answer["edges"])
    graphml = nx.read_graphml(paths["graphml"])
    assert dict(graphml.nodes(data=True)) == nodes
    assert {(u, v): {k: str(x) for k, x in d.items() if k not in ("start", "end")}
            for u, v, d in graphml.edges(data=True)} == edges  # fmt: skip
    gexf = nx.read_gexf(paths["gexf"])
    assert set(gexf.nodes) == set(nodes)
    assert {n: d["label"] for n, d in gexf.nodes(data=True)} == {
        n: d["label"] for n, d in nodes.items()
    }
    gexf_edges = {(u, v): d for u, v, d in gexf.edges(data=True)}
    assert set(gexf_edges) == set(edges)
    for edge in answer["edges"]:
        got = gexf_edges[(edge["source"], edge["target"])]
        for key in ("role", "status", "currency", "obligations", "sources"):
            if key in edge:
                assert str(got[key]) == edge[key]
        if "start" in edge:  # dynamic: Gephi's timeline plays it
            assert got["start"] == edge["start"]
    # the edges are the rows `members` answers
    for scope, node in (("NATO", "alliance:nato"), ("AUKUS Pillar 2", "pillar:aukus/pillar-2")):
        got_edges = {
            (e["source"].split(":")[1], e["status"])
            for e in answer["edges"]
            if e["target"] == node and e["relation"] != "part-of"
        }
        assert got_edges == _members_edges(runner, seeded_db, f"{scope}")


def test_graph_options(runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path) -> None:
    dot = tmp_path / "p2.txt"
    _ok(runner, seeded_db, "graph", "--scope", "AUKUS Pillar 2", "--out", str(dot),
        "--format", "dot")  # fmt: skip
    text = dot.read_text()
    assert text.startswith("digraph")
    assert '"country:JPN" -> "pillar:aukus/pillar-2"' in text
    assert '"pillar:aukus/pillar-2" -> "alliance:aukus"' in text
    out = tmp_path / "d.json"
    _ok(runner, seeded_db, "graph", "--obligation", "defense", "--out", str(out))
    # the treaties' obligations bind every member; AUKUS and the Quad record none
    defended = {
        (e["source"], e["target"])
        for e in json.loads(out.read_text())["edges"]
        if e["relation"] == "member"
    }
    assert ("country:FIN", "alliance:nato") in defended
    assert ("country:JPN", "alliance:us-japan-security-treaty") in defended
    assert not {t for _, t in defended} & {"alliance:aukus", "alliance:quad"}
    result = runner.invoke(
        app, ["--db", seeded_db.url, "graph", "--scope", "Narnia", "--out", str(tmp_path / "n")]
    )
    assert result.exit_code == 2  # no format from the extension, before any lookup
    result = runner.invoke(
        app,
        ["--db", seeded_db.url, "graph", "--scope", "Narnia", "--out", str(tmp_path / "n.json")],
    )
    assert result.exit_code == 4


HEAVY = ("matplotlib", "networkx", "datasette", "PIL", "numpy", "mcp")


@pytest.mark.parametrize("args", [["--help"], ["chart", "--help"], ["members", "NATO"]])
def test_other_commands_import_no_picture_library(tmp_path: Path, args: list[str]) -> None:
    argv = [*(["--db", str(tmp_path / "kb.sqlite")] if args[0] == "members" else []), *args]
    code = (
        "import sys\n"
        "from alliancekb.cli import app\n"
        "try:\n"
        f"    app({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout[-500:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}  # fmt: skip
    assert not imported & set(HEAVY)


# -- the chart's data and layout (issue 32, row 8) -----------------------------------------


def _timeline(db: TestDatabase, name: str, day: dt.date) -> Timeline:
    with read_session(db.engine) as session:
        return timeline_for(session, name, day)


def _bars_follow_one_another(timeline: Timeline) -> None:
    for lane in timeline.lanes:
        assert lane.bars, lane.label
        for bar, after in itertools.pairwise(lane.bars):
            assert bar.end < after.start, (lane.label, bar, after)


def _texts_do_not_overlap(timeline: Timeline) -> None:
    """Every text of the figure, measured by matplotlib's renderer: none overlaps another,
    none leaves the figure."""
    from matplotlib.text import Text

    from alliancekb.picture import chart

    fig = chart.figure(timeline)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        ax = fig.axes[0]
        x0, x1 = ax.get_window_extent(renderer).intervalx
        ticks = {id(t) for axis in (ax.xaxis, ax.yaxis) for k in axis.get_major_ticks()
                 for t in (k.label1, k.label2)}  # fmt: skip
        shown = [t for t in fig.findobj(Text) if id(t) not in ticks]
        shown += list(ax.get_yticklabels())
        shown += [t for t in ax.get_xticklabels()
                  if x0 <= t.get_window_extent(renderer).x0 <= x1]  # fmt: skip
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in shown
                 if t.get_visible() and t.get_text().strip()]  # fmt: skip
        page = fig.bbox
        for text, box in boxes:
            inside = page.padded(1)
            assert inside.x0 <= box.x0, f"{text!r} leaves the figure"
            assert box.x1 <= inside.x1, f"{text!r} leaves the figure"
            assert inside.y0 <= box.y0, f"{text!r} leaves the figure"
            assert box.y1 <= inside.y1, f"{text!r} leaves the figure"
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.padded(-0.5).overlaps(box_b.padded(-0.5)), f"{a!r} overlaps {b!r}"
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert labels == [s.label for s in chart.legend_swatches(timeline)]
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def _swatches_are_distinct(timeline: Timeline) -> None:
    """No two legend entries look alike: each status or drawing has its own colour (as
    composited on white), hatch, outline or shape."""
    from matplotlib.colors import to_rgb

    from alliancekb.picture import chart

    def seen(s: chart.Swatch) -> tuple[Any, ...]:
        rgb = tuple(round(255 * (a * s.alpha + (1 - s.alpha))) for a in to_rgb(s.colour))
        return (s.shape, rgb, s.hatch, s.linestyle)

    swatches = chart.legend_swatches(timeline)
    looks = [seen(s) for s in swatches]
    assert len(set(looks)) == len(looks), looks
    flat = [look[1] for look in looks if look[0] == "patch" and not look[2]]
    for a, b in itertools.combinations(flat, 2):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) >= 24, (a, b)


@pytest.mark.parametrize("name", ["NATO", "AUKUS Pillar 2", "Japan"])
def test_chart_lanes_are_the_members_answer_in_one_row_and_fit(
    seeded_db: TestDatabase, name: str
) -> None:
    day = dt.date(2026, 1, 1)
    timeline = _timeline(seeded_db, name, day)
    _bars_follow_one_another(timeline)
    if name != "Japan":  # the lanes open on the day are the members answer on the day
        with read_session(seeded_db.engine) as session:
            rows = members(session, name, as_of=day).rows
            answer = {(r["country"], r["via"], r["status"]) for r in rows}
        open_ = {(ln.label, ln.via, ln.bars[-1].status) for ln in timeline.lanes
                 if ln.bars[-1].end_kind == "open"}  # fmt: skip
        assert open_ == answer
    _texts_do_not_overlap(timeline)
    _swatches_are_distinct(timeline)


@needs_cow
@needs_atop
@pytest.mark.parametrize("name", ["NATO", "Japan", "cow:199"])
def test_chart_after_both_imports_draws_the_answer_with_claims_beneath_and_names_alliances(
    imported: TestDatabase, name: str
) -> None:
    timeline = _timeline(imported, name, dt.date(2026, 1, 1))
    _bars_follow_one_another(timeline)
    numbered = re.compile(r"\b(COW|ATOP) alliance \d+")
    assert not numbered.search(timeline.title)
    assert not [ln.label for ln in timeline.lanes if numbered.search(ln.label)]
    _texts_do_not_overlap(timeline)
    _swatches_are_distinct(timeline)
    lanes = {ln.label: ln for ln in timeline.lanes}
    if name == "NATO":
        # the answer dates Spain from its accession; the datasets' earlier dates are claims
        assert lanes["Spain"].bars[0].start == dt.date(1982, 5, 30)
        assert {b.claim for b in lanes["Spain"].claims} == {"cow-alliances-4.1", "atop-4.01"}
        assert min(b.start for b in lanes["Spain"].claims) < dt.date(1982, 5, 30)
        assert timeline.claimants == ["cow-alliances-4.1", "atop-4.01"]
    elif name == "Japan":
        assert "with Korean Empire (ATOP 1390, 1894–1895)" in lanes
        assert "with Korean Empire (COW 75, 1894–1895)" in lanes
        assert timeline.renamed
    else:  # a dataset alone: its records are the answer, not drawn twice
        assert timeline.title.endswith("(COW 199, from 1945): membership timeline")
        assert timeline.title.startswith("Egypt, Iraq, Jordan")
        assert not any(ln.claims for ln in timeline.lanes)
        egypt = lanes["Egypt"].bars
        assert len(egypt) == 2  # out 1979-1989, one row
        assert egypt[0].end_kind == "to"


def test_graph_as_of_holds_only_alliances_in_force_and_relations_by_role(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "g2000.json"
    _ok(runner, seeded_db, "graph", "--as-of", "2000", "--out", str(out))
    answer = json.loads(out.read_text())
    scopes = {n["id"] for n in answer["nodes"] if n["kind"] != "country"}
    assert "alliance:nato" in scopes
    assert not scopes & {"alliance:aukus", "alliance:quad", "pillar:aukus/pillar-2"}
    ids = {n["id"] for n in answer["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in answer["edges"])
    out = tmp_path / "g2024.json"
    _ok(runner, seeded_db, "graph", "--as-of", "2024-12-31", "--out", str(out))
    edges = json.loads(out.read_text())["edges"]
    relation = {(e["source"], e["target"]): e["relation"] for e in edges}
    assert relation[("country:JPN", "pillar:aukus/pillar-2")] == "partner"
    assert relation[("country:JPN", "alliance:quad")] == "member"
    for edge in edges:
        if edge["relation"] != "part-of":
            assert edge["status"] not in ("ended", "declined")
            role = edge["role"].replace("founding-", "")
            assert edge["relation"] == role


@needs_cow
@needs_atop
def test_graph_as_of_leaves_out_dissolved_alliances_and_ended_memberships(
    imported: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "g.json"
    result = CliRunner().invoke(
        app, ["--db", imported.url, "graph", "--as-of", "1995", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(out.read_text())
    scopes = {n["id"] for n in answer["nodes"] if n["kind"] != "country"}
    assert "alliance:nato" in scopes
    assert "alliance:warsaw-pact" not in scopes  # dissolved 1991
    assert not [e for e in answer["edges"] if e.get("status") in ("ended", "declined")]
