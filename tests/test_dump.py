"""`dump`: load -> dump -> load into an empty database gives the same knowledge, on each backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.core.errors import InvalidDataError, RuntimeFailure
from alliancekb.core.names import normalize
from alliancekb.dump.dumper import dump
from alliancekb.dump.yaml_writer import dump_document
from alliancekb.export.files import TABLES
from alliancekb.load.loader import load_files
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.helpers import BASE, load_text
from tests.test_export import exported

MakeDb = Callable[..., TestDatabase]


def knowledge(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every exported table that is knowledge (not load history), as rows."""
    tables = exported(engine)
    return {t.name: tables[t.name] for t in TABLES if t.knowledge}


def round_trip(source: TestDatabase, make_database: MakeDb, tmp_path: Path) -> Path:
    """Dump `source`, load the dump into a fresh database, and check the knowledge is equal."""
    out = tmp_path / f"dump-{source.url.rsplit('/', 1)[-1]}.yaml"
    dump(source.engine, out, force=True)
    target = make_database(migrated=True)
    load_files(target.engine, [out])
    before, after = knowledge(source.engine), knowledge(target.engine)
    for name in before:
        assert after[name] == before[name], name
    # A dump of the copy is the same bytes: the order depends on the knowledge alone.
    again = tmp_path / "again.yaml"
    dump(target.engine, again, force=True)
    assert again.read_bytes() == out.read_bytes()
    target.dispose()
    return out


def test_seed_round_trip(seeded_db: TestDatabase, make_database: MakeDb, tmp_path: Path) -> None:
    out = round_trip(seeded_db, make_database, tmp_path)
    # Loading the dump back into the database it came from changes nothing.
    report = load_files(seeded_db.engine, [out])
    assert report.changed == 0
    assert knowledge(seeded_db.engine)["statements"]


def test_base_round_trip_keeps_every_field(
    db: TestDatabase, make_database: MakeDb, tmp_path: Path
) -> None:
    load_text(db.engine, tmp_path, BASE)
    out = round_trip(db, make_database, tmp_path)
    text = out.read_text(encoding="utf-8")
    # Derived statement ids are written out, so they survive any change of derivation.
    assert "id: st-" in text
    assert "id: emanuel-japan-first-partner" in text
    assert "note: Not confirmed whether Japan joins as a full member." in text


def test_ambiguous_keys_are_written_as_unambiguous_names(
    db: TestDatabase, make_database: MakeDb, tmp_path: Path
) -> None:
    # The official's key is also a country alias: the loader accepts a name shared across
    # kinds (the document refers to them by other names); the dump must name each alone.
    load_text(
        db.engine,
        tmp_path,
        """
        sources:
          - {key: s1, title: T, published: '2024', kind: news}
        countries:
          - {iso3: USA, aliases: [potus]}
        alliances:
          - {key: quad, name: Quad, full_name: Quadrilateral Dialogue, kind: dialogue,
             aliases: [squad]}
        officials:
          - key: potus
            name: Joe Biden
            positions: [{title: President, country: United States, sources: [s1]}]
        memberships:
          - {country: United States, scope: squad, role: member, status: in-force,
             sources: [s1]}
        statements:
          - {id: a, speaker: Joe Biden, date: '2024', text: Hello., stance: asserts,
             about: {scopes: [Quadrilateral Dialogue]}, source: s1}
          - {id: b, speaker: United States, date: '2024', text: Hi., stance: asserts, source: s1}
        """,
    )
    out = round_trip(db, make_database, tmp_path)
    text = out.read_text(encoding="utf-8")
    assert "speaker: Joe Biden" in text
    assert "scope: quad" in text


def _add_alias_behind_the_loader(
    db: TestDatabase, alias_model: Any, owner_model: Any, owner_key: str, alias: str
) -> None:
    """An alias the loader would refuse, written with SQL, as older databases may hold."""
    owner_column = getattr(alias_model, f"{alias_model.__owner__}_id")
    with db.engine.begin() as conn:
        owner_id = conn.execute(
            select(owner_model.id).where(owner_model.key == owner_key)
        ).scalar_one()
        conn.execute(
            insert(alias_model).values(
                {owner_column.key: owner_id, "alias": alias, "normalized": normalize(alias)}
            )
        )


def test_dump_refuses_a_reference_no_name_can_express(db: TestDatabase, tmp_path: Path) -> None:
    load_text(
        db.engine,
        tmp_path,
        """
        sources:
          - {key: s1, title: T, published: '2024', kind: news}
        countries:
          - {iso3: USA}
        alliances:
          - {key: quad, name: Quad, kind: dialogue}
        memberships:
          - {country: USA, scope: quad, role: member, status: in-force, sources: [s1]}
        """,
    )
    # A second alliance, then (as in a database loaded before the loader refused a name of
    # another entity of the same kind) an alias `quad` on it: no name of the membership's
    # alliance is its alone any more.
    load_text(
        db.engine,
        tmp_path,
        "alliances:\n  - {key: quad2, name: Quad Two, kind: dialogue}\n",
        name="second.yaml",
    )
    _add_alias_behind_the_loader(db, m.AllianceAlias, m.Alliance, "quad2", "quad")
    with pytest.raises(RuntimeFailure, match="refers to it alone"):
        dump(db.engine, tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()
    assert not list(tmp_path.glob(".out.yaml.*"))


def test_dump_cli_refuses_to_overwrite(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "kb.yaml"
    out.write_text("precious\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", seeded_db.url, "dump", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--force" in result.output
    assert out.read_text(encoding="utf-8") == "precious\n"
    result = runner.invoke(app, ["--db", seeded_db.url, "dump", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("sources:\n")


def test_failed_dump_leaves_no_file(db: TestDatabase, tmp_path: Path) -> None:
    """A dump that fails in its last section, after most of the file: no file, no leftover."""
    load_text(db.engine, tmp_path, BASE)
    # A twin of the speaking official, given (behind the loader, which refuses it) the
    # speaker's name as an alias: the statements section, written last, cannot name the
    # speaker any more.
    load_text(
        db.engine,
        tmp_path,
        "officials:\n  - {key: rahm-emanuel-twin, name: Rahm Emanuel Twin}\n",
        name="twin.yaml",
    )
    _add_alias_behind_the_loader(
        db, m.OfficialAlias, m.Official, "rahm-emanuel-twin", "Rahm Emanuel"
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(RuntimeFailure, match="no name of official 'rahm-emanuel'"):
        dump(db.engine, out_dir / "kb.yaml")
    assert list(out_dir.iterdir()) == []


def test_fast_emitter_writes_the_reference_bytes(db: TestDatabase, tmp_path: Path) -> None:
    """`dump` with the fast emitter and with PyYAML's dumper alone: the same file."""
    load_text(db.engine, tmp_path, BASE)
    fast, reference = tmp_path / "fast.yaml", tmp_path / "reference.yaml"
    dump(db.engine, fast)
    dump(db.engine, reference, fast=False)
    assert fast.read_bytes() == reference.read_bytes()


# -- property: any small valid document survives load -> dump -> load ------------------------

TRICKY = ["NO", "yes", "=1+2", "-1", "@x", "012", "2024-04-10", "null", "~", "true",
          "'q'", '"dq"', "a: b", "- item", "# c", "Türkiye", "日本", "multi\nline",
          "tab\there", "trailing  \n  spaces", "nel\x85inside", "para\u2028sep", "a\r\nb",
          "é" * 3, "{flow}", "[x]", "&anchor", "*alias", "!tag", "%", "`", "| block"]  # fmt: skip
# Values hold no control character (C0, DEL, C1: "\r", NEL) nor U+FFFE/U+FFFF, and only
# multi-line text (notes, descriptions, a statement's text) a tab or a line feed: the
# schema refuses the rest (docs/yaml-format.md).
_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
text = st.one_of(
    st.sampled_from([t for t in TRICKY if not any(c in t for c in "\r\x85")]),
    st.text(_CHARS | st.sampled_from("\n\t "), min_size=1, max_size=40),
).map(str.strip).filter(bool)  # fmt: skip
line = st.one_of(
    st.sampled_from([t for t in TRICKY if not any(c in t for c in "\r\n\t\x85")]),
    st.text(_CHARS | st.sampled_from(" "), min_size=1, max_size=40),
).map(str.strip).filter(bool)  # fmt: skip
dates = st.sampled_from(["2020", "2021-05", "2022-03-04", "2022-03-04~", "2019?", "1999-12"])
later = st.sampled_from(["2024", "2025-01?", "2026-02-03"])
ISO3 = ["JPN", "AUS", "GBR", "USA", "NOR", "FRA"]
KINDS = ["news", "government", "dataset", "reference"]
STANCES = ["asserts", "expects", "considers", "supports", "opposes", "denies"]
ROLES = ["founding-member", "member", "partner", "candidate", "observer"]
STATUSES = ["in-force", "announced", "expected", "ended", "declined"]


def _optional(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(strategy) if draw(st.booleans()) else None


def _subset(draw: st.DrawFn, items: list[str], min_size: int = 0) -> list[str]:
    return draw(st.lists(st.sampled_from(items), min_size=min_size, max_size=3, unique=True))


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None and v != []}


def _suffixed(strategy: st.SearchStrategy[str], suffix: str) -> st.SearchStrategy[str]:
    """Text that ends with `suffix`: unique per entity when the suffix is its key."""
    return strategy.map(lambda t: f"{t} {suffix}")


@st.composite
def documents(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """A small valid load-format document; names carry their entity's key or index, so no
    two entities of one kind share a name (the loader refuses that) and references never clash."""
    sources = [
        _clean({
            "key": f"src-{i}", "title": draw(line), "publisher": _optional(draw, line),
            "published": draw(st.one_of(dates, st.just("unknown"))),
            "retrieved": _optional(draw, later), "kind": draw(st.sampled_from(KINDS)),
            "note": _optional(draw, text),
        })
        for i in range(draw(st.integers(1, 3)))
    ]  # fmt: skip
    skeys = [s["key"] for s in sources]
    isos = draw(st.lists(st.sampled_from(ISO3), min_size=1, max_size=4, unique=True))
    countries = [
        _clean({
            "iso3": iso, "name": _optional(draw, _suffixed(line.map("Name {}".format), iso)),
            "aliases": [f"{iso} {a}" for a in draw(st.lists(line, max_size=2))],
        })
        for iso in isos
    ]  # fmt: skip
    areas = [
        _clean({
            "key": f"ta-{i}", "name": f"Area {draw(line)} {i}",
            "description": _optional(draw, text),
            "aliases": [f"ta-{i} {a}" for a in draw(st.lists(line, max_size=2))],
        })
        for i in range(draw(st.integers(0, 2)))
    ]  # fmt: skip
    akeys = [a["key"] for a in areas]
    alliances = []
    scopes: list[str] = []
    for i in range(draw(st.integers(1, 2))):
        pillars = [
            _clean({
                "number": n, "name": f"Line {draw(line)}", "description": _optional(draw, text),
                "aliases": [f"P{i}{n} {a}" for a in draw(st.lists(line, max_size=2))],
                "technology_areas": _subset(draw, akeys) if akeys else None,
            })
            for n in range(1, draw(st.integers(0, 2)) + 1)
        ]  # fmt: skip
        scopes += [f"al-{i}", *(f"al-{i} pillar {p['number']}" for p in pillars)]
        alliances.append(_clean({
            "key": f"al-{i}", "name": f"Alliance {draw(line)} {i}",
            "full_name": _optional(draw, _suffixed(line, f"al-{i}")),
            "kind": "dialogue",
            "founded": _optional(draw, dates), "description": _optional(draw, text),
            "aliases": [f"al-{i} {a}" for a in draw(st.lists(line, max_size=2))],
            "sources": _subset(draw, skeys), "pillars": pillars,
        }))  # fmt: skip
    officials = []
    for i in range(draw(st.integers(0, 2))):
        positions = []
        for j in range(draw(st.integers(0, 2))):
            where = draw(st.sampled_from(["country", "alliance", "organisation"]))
            positions.append(_clean({
                "title": f"Title {j} {draw(line)}",
                "country": draw(st.sampled_from(isos)) if where == "country" else None,
                "alliance": "al-0" if where == "alliance" else None,
                "organisation": draw(line) if where == "organisation" else None,
                "from": _optional(draw, dates), "to": _optional(draw, later),
                "note": _optional(draw, text), "sources": _subset(draw, skeys, 1),
            }))  # fmt: skip
        officials.append(_clean({
            "key": f"of-{i}", "name": f"Official {draw(line)} {i}",
            "aliases": [f"of-{i} {a}" for a in draw(st.lists(line, max_size=2))],
            "note": _optional(draw, text), "positions": positions,
        }))  # fmt: skip
    combos = draw(st.lists(
        st.tuples(st.sampled_from(isos), st.sampled_from(scopes), st.sampled_from(ROLES),
                  st.one_of(st.none(), dates)),
        max_size=4, unique=True,
    ))  # fmt: skip
    memberships = [
        _clean({
            "country": c, "scope": s, "role": r, "status": draw(st.sampled_from(STATUSES)),
            "from": f, "to": _optional(draw, later), "note": _optional(draw, text),
            "sources": _subset(draw, skeys, 1),
        })
        for c, s, r, f in combos
    ]  # fmt: skip
    speakers = isos + [a["key"] for a in alliances] + [o["key"] for o in officials]
    statements = []
    # Speaker, date and source identify a statement without an id: one that would share
    # them with an earlier id-less statement is given an id (the loader requires it).
    idless: set[tuple[str, str, str]] = set()
    for i in range(draw(st.integers(0, 4))):
        about = _clean({
            "countries": _subset(draw, isos), "scopes": _subset(draw, scopes),
            "technology_areas": _subset(draw, akeys) if akeys else None,
        })  # fmt: skip
        statement = _clean({
            "id": f"st-x-{i}" if draw(st.booleans()) else None,
            "speaker": draw(st.sampled_from(speakers)),
            "speaker_label": _optional(draw, line), "date": draw(dates), "text": draw(text),
            "quote": draw(st.booleans()), "stance": draw(st.sampled_from(STANCES)),
            "about": about or None, "source": draw(st.sampled_from(skeys)),
            "note": _optional(draw, text),
        })  # fmt: skip
        identity = (statement["speaker"], statement["date"], statement["source"])
        if "id" not in statement:
            if identity in idless:
                statement = {"id": f"st-x-{i}", **statement}
            else:
                idless.add(identity)
        statements.append(statement)
    return {
        "sources": sources, "countries": countries, "technology_areas": areas,
        "alliances": alliances, "officials": officials, "memberships": memberships,
        "statements": statements,
    }  # fmt: skip


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents())
def test_any_document_round_trips(
    document: dict[str, list[dict[str, Any]]], make_database: MakeDb, tmp_path: Path
) -> None:
    path = tmp_path / "doc.yaml"
    with path.open("w", encoding="utf-8", newline="") as stream:
        dump_document(document, stream)
    source = make_database(migrated=True)
    try:
        try:
            load_files(source.engine, [path])
        except InvalidDataError as exc:
            # Only the generator's own clashes (e.g. two derived ids alike) may be refused.
            assume("already defined" not in str(exc))
            raise
        round_trip(source, make_database, tmp_path)
    finally:
        source.dispose()


def test_links_read_in_step_are_taken_owner_by_owner() -> None:
    from alliancekb.dump.dumper import _InStep

    links = _InStep("statement_countries", iter([("a", 1), ("a", 2), ("c", 3)]))
    assert links.take("a") == [1, 2]
    assert links.take("b") == []
    assert links.take("c") == [3]
    links.check_consumed()


def test_links_out_of_order_fail_the_dump_rather_than_vanish() -> None:
    from alliancekb.core.errors import RuntimeFailure
    from alliancekb.dump.dumper import _InStep

    links = _InStep("statement_countries", iter([("c", 3), ("a", 1)]))
    assert links.take("a") == []
    assert links.take("c") == [3]
    with pytest.raises(RuntimeFailure, match="statement 'a'"):
        links.check_consumed()
