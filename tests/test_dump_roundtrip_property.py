"""The backup property (issue 29): after any sequence of loads, imports and retractions,
`dump` loads into an empty database and dumps again byte-identical, on each backend.

Loads are generated documents (`tests/test_dump.documents`); imports are small generated
COW and ATOP files (`bench/bench_import.write_sample`) through `import cow|atop`; a
retraction names a stored fact (a membership with or without `--own`/`--claim`, a
position, a statement), a membership that is not stored, or a mistyped statement id, with
a reason and a `by` that may hold anything a command line can (control characters, line
breaks). Every step goes through the command line; a step may be refused (exit 2, 3 or 4:
a generated clash, a typo), never fail inside (exit 1), and the dump must always load.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from bench.bench_import import ATOP_DIR, COW_DIR, write_sample
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, column, insert, inspect, select, table, text
from typer.testing import CliRunner, Result

from alliancekb.cli.app import app
from alliancekb.dump.yaml_writer import dump_document
from alliancekb.store import models as m
from tests.conftest import TestDatabase
from tests.test_dump import ROLES, MakeDb, documents, knowledge, line

#: A reason or a `by` as people type them, and as a mistake or an attacker might.
hostile = st.one_of(
    line,
    st.sampled_from(["Typo\x1b[31m", "a\nforged line", "tab\there", " ", "", "x" * 600,
                     "\x1b]0;title\x07", "nel\x85", "bom\ufeff", "\ufffe"]),
    st.text(max_size=20),
)  # fmt: skip
RETRACT_MODES = ["own", "claim", "any", "position", "statement", "unstored", "typo"]

loads = st.tuples(st.just("load"), documents())
imports = st.tuples(
    st.just("import"), st.sampled_from(["cow", "atop"]), st.integers(0, 1000), st.integers(1, 3)
)
retracts = st.tuples(
    st.just("retract"), st.sampled_from(RETRACT_MODES), st.integers(0, 1000),
    st.one_of(line, hostile), st.one_of(st.none(), line, hostile),
)  # fmt: skip
#: Something to retract first, then mostly retractions, among more loads and imports.
steps = st.tuples(
    st.one_of(loads, imports),
    st.lists(st.one_of(retracts, loads, retracts, imports, retracts), min_size=1, max_size=4),
).map(lambda first_then: [first_then[0], *first_then[1]])


class EmptyDatabases:
    """An empty, migrated database for each role of an example (`source`, `target`).

    On SQLite a fresh copy of the template each time; on PostgreSQL, where dropping a
    database costs a second or more, one database per role for the whole test, emptied
    again for each example (every table truncated, the rows a migration writes restored).
    """

    def __init__(self, backend: str, make_database: MakeDb) -> None:
        self.make_database = make_database
        self.kept: dict[str, TestDatabase] | None = None
        self.initial: dict[str, list[dict[str, Any]]] = {}
        if backend == "postgresql":
            self.kept = {role: make_database(migrated=True) for role in ("source", "target")}
            with self.kept["source"].engine.connect() as conn:
                for name in inspect(conn).get_table_names():
                    rows = conn.execute(select(text("*")).select_from(table(name))).mappings()
                    self.initial[name] = [dict(row) for row in rows]

    def fresh(self, role: str) -> TestDatabase:
        if self.kept is None:
            return self.make_database(migrated=True)
        database = self.kept[role]
        with database.engine.begin() as conn:
            self._empty(conn)
        return database

    def _empty(self, conn: Connection) -> None:
        names = ", ".join(f'"{name}"' for name in self.initial)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for name, rows in self.initial.items():
            if rows:
                conn.execute(insert(table(name, *(column(c) for c in rows[0]))), rows)


@pytest.fixture
def empty_databases(backend: str, make_database: MakeDb) -> EmptyDatabases:
    return EmptyDatabases(backend, make_database)


def _cli(db: TestDatabase, *args: str) -> Result:
    result = CliRunner().invoke(app, ["--db", db.url, *args])
    assert result.exit_code != 1, (args, result.output, result.exception)
    return result


def _scope(alliance: str, number: int | None) -> str:
    return alliance if number is None else f"{alliance} pillar {number}"


def _retract_args(db: TestDatabase, mode: str, pick: int) -> list[str] | None:
    """The `retract` arguments naming the `pick`th stored fact of that kind (None: none)."""
    with db.engine.connect() as conn:
        if mode in ("own", "claim", "any", "unstored"):
            pillars: dict[int, tuple[str, int | None]] = {
                scope_id: (key, number)
                for scope_id, key, number in conn.execute(
                    select(m.Pillar.scope_id, m.Alliance.key, m.Pillar.number).join(
                        m.Alliance, m.Pillar.alliance_id == m.Alliance.id
                    )
                )
            }
            pillars.update(
                (scope_id, (key, None))
                for scope_id, key in conn.execute(select(m.Alliance.scope_id, m.Alliance.key))
            )
            rows = conn.execute(
                select(m.Country.iso3, m.Membership.scope_id, m.Membership.role,
                       m.Membership.from_text, m.Membership.claim)
                .join(m.Country, m.Membership.country_id == m.Country.id)
                .order_by(m.Membership.id)
            ).all()  # fmt: skip
            if not rows:
                return None
            iso3, scope_id, role, from_text, claim = rows[pick % len(rows)]
            args = ["membership", iso3, _scope(*pillars[scope_id])]
            if mode == "unstored":
                return [*args, "--role", ROLES[pick % len(ROLES)], "--from", f"{2030 + pick}"]
            args += ["--role", str(getattr(role, "value", role))]
            args += ["--from", from_text] if from_text else []
            if mode == "own":
                args.append("--own")
            elif mode == "claim":
                args += ["--claim", claim] if claim else ["--own"]
            return args
        if mode == "position":
            positions = conn.execute(
                select(m.Official.key, m.Position.title, m.Position.from_text)
                .join(m.Official, m.Position.official_id == m.Official.id)
                .order_by(m.Position.id)
            ).all()  # fmt: skip
            if not positions:
                return None
            key, title, from_text = positions[pick % len(positions)]
            return ["position", key, title, *(["--from", from_text] if from_text else [])]
        ids = conn.execute(select(m.Statement.id).order_by(m.Statement.id)).scalars().all()
    sid = ids[pick % len(ids)] if ids else "no-statement"
    if mode == "typo":
        sid = [sid.upper(), f"{sid} x", "", sid[:-1]][pick % 4]
    return ["statement", sid]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
    ],
)  # fmt: skip
@given(sequence=steps)
def test_after_any_loads_imports_and_retractions_a_dump_loads_and_dumps_again_identically(
    sequence: list[tuple[Any, ...]], empty_databases: EmptyDatabases, tmp_path: Path
) -> None:
    source = empty_databases.fresh("source")
    work = tmp_path / f"example-{next(_EXAMPLES)}"
    work.mkdir()
    for n, step in enumerate(sequence):
        if step[0] == "load":
            path = work / f"load-{n}.yaml"
            with path.open("w", encoding="utf-8", newline="") as stream:
                dump_document(step[1], stream)
            code = _cli(source, "load", str(path)).exit_code
            assert code in (0, 3, 4)
            event(f"load exit {code}")
        elif step[0] == "import":
            _, dataset, seed, alliances = step
            sample = write_sample(work / f"import-{n}", alliances=alliances, seed=seed)
            directory = sample / (COW_DIR if dataset == "cow" else ATOP_DIR)
            result = _cli(source, "import", dataset, str(directory))
            assert result.exit_code == 0, result.output
        else:
            _, mode, pick, reason, by = step
            args = _retract_args(source, mode, pick)
            if args is None:
                continue
            by_args = [] if by is None else ["--by", by]
            result = _cli(source, "retract", *args, "--reason", reason, *by_args)
            assert result.exit_code in (0, 2, 4), result.output
            event(f"retract {mode} exit {result.exit_code}")
    first, second = work / "dump.yaml", work / "again.yaml"
    dumped = _cli(source, "dump", "-o", str(first))
    assert dumped.exit_code == 0, dumped.output
    target = empty_databases.fresh("target")
    loaded = _cli(target, "load", str(first))
    assert loaded.exit_code == 0, loaded.output
    assert _cli(target, "dump", "-o", str(second)).exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    before, after = knowledge(source.engine), knowledge(target.engine)
    for name in before:
        assert after[name] == before[name], name


_EXAMPLES = itertools.count()
