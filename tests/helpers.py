"""Helpers shared by tests: database snapshots and small YAML documents."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select

from alliancekb.load.loader import LoadReport, load_files


def snapshot(engine: Engine, *, history: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: equal snapshots mean an unchanged database.

    `history=False` leaves out knowledge time (the `v_load` stamps, the tables of replaced
    versions, the clock): the facts alone, which a downgrade below migration 0008 keeps
    while its history starts again.
    """
    metadata = MetaData()
    metadata.reflect(engine)
    result: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            if name.startswith(("statements_fts", "statements_versions_fts")):
                continue  # FTS5 shadow tables mirror statements
            if not history and (name.endswith("_versions") or name == "knowledge_clock"):
                continue
            columns = [c for c in table.c if history or c.name != "v_load"]
            rows = conn.execute(select(*columns)).all()
            result[name] = sorted((tuple(r) for r in rows), key=repr)
    return result


def write_yaml(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_text(engine: Engine, tmp_path: Path, text: str, name: str = "doc.yaml") -> LoadReport:
    return load_files(engine, [write_yaml(tmp_path, name, text)])


BASE = """
sources:
  - key: wsj-emanuel-2024-04
    title: Interview with US Ambassador Rahm Emanuel on Japan and AUKUS
    publisher: The Wall Street Journal
    published: 2024-04~
    kind: news
countries:
  - iso3: JPN
  - iso3: AUS
  - iso3: GBR
    aliases: [UK, Britain]
  - iso3: USA
    aliases: [US, America]
  - iso3: NOR
technology_areas:
  - key: quantum
    name: Quantum technologies
    aliases: [quantum technology]
alliances:
  - key: aukus
    name: AUKUS
    kind: security-partnership
    founded: 2021-09-15
    sources: [wsj-emanuel-2024-04]
    pillars:
      - number: 1
        name: Submarines
      - number: 2
        name: Advanced capabilities
        technology_areas: [quantum]
officials:
  - key: rahm-emanuel
    name: Rahm Emanuel
    positions:
      - title: Ambassador to Japan
        country: USA
        from: 2022-03
        sources: [wsj-emanuel-2024-04]
memberships:
  - country: AUS
    scope: aukus
    role: founding-member
    status: in-force
    from: 2021-09-15
    sources: [wsj-emanuel-2024-04]
  - country: JPN
    scope: AUKUS Pillar II
    role: partner
    status: expected
    from: 2024-04~
    sources: [wsj-emanuel-2024-04]
    note: Not confirmed whether Japan joins as a full member.
statements:
  - id: emanuel-japan-first-partner
    speaker: rahm-emanuel
    speaker_label: US Ambassador in Tokyo
    date: 2024-04~
    text: Japan will be the first additional AUKUS Pillar II partner.
    stance: asserts
    about:
      countries: [JPN]
      scopes: [AUKUS Pillar 2]
      technology_areas: [quantum]
    source: wsj-emanuel-2024-04
  - speaker: USA
    speaker_label: US officials
    date: 2024-04~
    text: The US would seriously consider Japan as a technology partner.
    stance: considers
    source: wsj-emanuel-2024-04
"""
