"""`export` to a directory writes `datapackage.json`, a Frictionless Data Package (v2).

The package is checked with the `frictionless` validator (a test dependency only: the
library writes the JSON by hand), and against the catalogue: each resource's fields are
its file's header, typed and keyed as the catalogue says. It is written with the files or
not at all.
"""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path
from typing import Any

import frictionless
import pytest
from typer.testing import CliRunner

from alliancekb.cli.app import app
from alliancekb.export.catalogue import BY_NAME, TABLES
from alliancekb.export.files import export, plan
from alliancekb.export.keys import PRIMARY_KEYS
from tests.conftest import TestDatabase
from tests.helpers import load_text

#: A dataset source as `import cow|atop` makes one (docs/datasets.md): the package names it.
DATASET = """
sources:
  - key: demo-alliances-1.0
    title: Demo Alliance Dataset, version 1.0
    publisher: Demo Project
    url: https://example.org/demo-alliances/
    published: unknown
    retrieved: '2024-05-01'
    kind: dataset
    covers_from: '1900'
    covers_to: '2000'
    note: Doe, Jane. 2001. Demo Alliances. Imported from demo.csv.
"""
TYPES = {"text": "string", "int": "integer", "bool": "boolean", "date": "date"}


def _export(runner: CliRunner, db: TestDatabase, *args: str) -> str:
    result = runner.invoke(app, ["--db", db.url, "export", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _package(directory: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / "datapackage.json").read_text("utf-8"))
    return loaded


def _errors(directory: Path) -> list[list[Any]]:
    report = frictionless.validate(str(directory / "datapackage.json"))
    return [e for e in report.flatten(["type", "note"])]


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return next(csv.reader(stream))


def test_a_csv_export_is_a_valid_data_package_described_by_the_catalogue(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    load_text(seeded_db.engine, tmp_path, DATASET)
    out = tmp_path / "kb"
    report = _export(runner, seeded_db, "--out", str(out))
    assert "datapackage.json: Frictionless Data Package of" in report

    assert _errors(out) == []
    package = _package(out)
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["name"] == "alliancekb"
    assert package["created"].endswith("+00:00")
    assert "licenses" not in package  # alliancekb declares none; the description says so
    assert "declares no licence" in package["description"]
    resources = package["resources"]
    assert [r["name"] for r in resources] == [t.name for t in TABLES]
    for resource in resources:
        table = BY_NAME[resource["name"]]
        assert resource["path"] == f"{table.name}.csv"
        assert (resource["type"], resource["format"], resource["mediatype"]) == (
            "table", "csv", "text/csv",
        )  # fmt: skip
        assert resource["encoding"] == "utf-8"
        schema = resource["schema"]
        fields = schema["fields"]
        assert [f["name"] for f in fields] == _header(out / resource["path"]) == table.columns
        assert [f["type"] for f in fields] == [TYPES[f.kind] for f in table.fields]
        assert [f["description"] for f in fields] == [f.doc for f in table.fields]
        assert schema["missingValues"] == [""]
        key = PRIMARY_KEYS.get(table.name)
        assert schema.get("primaryKey") == ([key] if key else None), table.name
    assert package["sources"] == [
        {
            "title": "Demo Alliance Dataset, version 1.0",
            "alliancekb:key": "demo-alliances-1.0",
            "path": "https://example.org/demo-alliances/",
            "alliancekb:note": "Doe, Jane. 2001. Demo Alliances. Imported from demo.csv.",
        },
        {"title": "Every source the rows cite: the `sources` resource", "path": "sources.csv"},
    ]


def test_one_table_into_a_directory_is_a_package_of_one_resource(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "one"
    out.mkdir()  # one table into an existing directory: `out/countries.csv`
    _export(runner, seeded_db, "countries", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["countries.csv", "datapackage.json"]
    assert _errors(out) == []
    package = _package(out)
    assert [r["name"] for r in package["resources"]] == ["countries"]
    assert package["resources"][0]["schema"]["primaryKey"] == ["iso3"]
    # No `sources` resource exported: no pointer to it (the seed imports no dataset).
    assert package["sources"] == []


def test_one_table_to_a_file_writes_no_package(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    _export(runner, seeded_db, "countries", "--out", str(tmp_path / "c.csv"))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("db")) == ["c.csv"]


def test_a_json_package_types_booleans_and_objects(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "j"
    _export(runner, seeded_db, "statements", "loads", "countries", "-f", "json", "--out", str(out))
    assert _errors(out) == []
    resources = {r["name"]: r for r in _package(out)["resources"]}
    assert resources["statements"]["type"] == "table"
    assert resources["statements"]["mediatype"] == "application/json"
    assert "missingValues" not in resources["statements"]["schema"]  # JSON says null
    types = {f["name"]: f["type"] for f in resources["loads"]["schema"]["fields"]}
    assert types["counts"] == "object"
    types = {f["name"]: f["type"] for f in resources["statements"]["schema"]["fields"]}
    assert (types["quote"], types["date"], types["date_lower"]) == ("boolean", "string", "date")


def test_an_ndjson_package_is_not_declared_tabular(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "n"
    _export(runner, seeded_db, "statements", "alliances", "-f", "ndjson", "--out", str(out))
    for resource in _package(out)["resources"]:
        assert "type" not in resource
        assert resource["format"] == "ndjson"
        assert [f["name"] for f in resource["schema"]["fields"]] == BY_NAME[
            resource["name"]
        ].columns


def test_an_existing_package_is_not_overwritten_without_force(
    runner: CliRunner, seeded_db: TestDatabase, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    out.mkdir()
    (out / "datapackage.json").write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", seeded_db.url, "export", "--out", str(out)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["datapackage.json"]
    assert (out / "datapackage.json").read_text(encoding="utf-8") == "mine\n"
    _export(runner, seeded_db, "--out", str(out), "--force")
    assert _errors(out) == []


def test_a_failed_export_leaves_no_package(seeded_db: TestDatabase, tmp_path: Path) -> None:
    out = tmp_path / "kb"

    def fail_on_a_later_table(table: str, rows: int, total: int | None) -> None:
        if table == "statements":
            raise KeyboardInterrupt  # as Ctrl-C while the files are being written

    with pytest.raises(KeyboardInterrupt):
        export(
            seeded_db.engine, plan([], out), "csv",
            progress=fail_on_a_later_table, package_in=out,
        )  # fmt: skip
    assert list(out.iterdir()) == []


def test_the_library_does_not_import_frictionless() -> None:
    """`frictionless` is a test dependency: the package is written by hand."""
    src = Path(__file__).resolve().parents[1] / "src" / "alliancekb"
    importing = []
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "frictionless" for n in names):
                importing.append(str(path.relative_to(src)))
    assert importing == []
