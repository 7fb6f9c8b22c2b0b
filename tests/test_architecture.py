"""The shape of the code (docs/architecture.md): layers, one-way imports, no circles.

Read from the source with `ast`, so every import counts, at module level, inside a
function or under `if TYPE_CHECKING:`: cli -> present/api -> services (load, query,
export, dump) -> store -> core, and no circle anywhere.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "alliancekb"

#: A package's layer; a module may import only from its own package or a lower layer.
LAYERS = {
    "core": 0,
    "store": 1,
    "load": 2,
    "query": 2,
    "export": 2,
    "dump": 2,
    # The Python API also hands out the panels (`kb.panel`), a layer below it.
    "api": 4,
    "present": 3,
    # Pictures of answers (timelines, networks) and the browser's snapshot answers.
    "picture": 3,
    "browse": 3,
    # Regression panels (state-years, dyad-years) made from the query layer's answers.
    "panel": 3,
    # Writing knowledge: reads the load models (`load.schema`) and the name index.
    "author": 3,
    # The MCP server for AI assistants (the mcp extra), beside the Python API.
    "assistant": 3,
    "cli": 4,
}
#: The package entry points, above everything.
ENTRY = {"__init__": 5, "__main__": 5}
MAX_LINES = 600
#: The most decision points (radon's cyclomatic complexity) one function may have: past it,
#: split it into named steps.
MAX_COMPLEXITY = 25


def package_of(module: str) -> str:
    """`alliancekb.store.models` -> `store`; `alliancekb.api` -> `api`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer(module: str) -> int:
    package = package_of(module)
    return LAYERS.get(package, ENTRY.get(package, -1))


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        yield ".".join(parts), path


MODULES = dict(modules())


def _package(path: Path) -> str:
    """The package a module's relative imports start from."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1])


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """Every module name imported (with its line), wherever the import is.

    At module level, inside a function or a method, under `if TYPE_CHECKING:`, in a `try`:
    every `Import` and `ImportFrom` node of the module's syntax tree counts. `from P import
    n` imports the module `P.n` when there is one (a package's submodule: not the package's
    own `__init__`, which every submodule's import runs anyway), else the module `P`.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # `from . import x`, `from ..store import models`
                package = _package(path).split(".")
                up = package[: len(package) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [f"{base}.{alias.name}" for alias in node.names]
            submodules = [name for name in names if name in MODULES]
            yield from ((name, node.lineno) for name in submodules)
            if len(submodules) < len(names):
                yield base, node.lineno


def own_imports(path: Path) -> set[tuple[str, int]]:
    return {(name, line) for name, line in imports_of(path) if name in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    here = layer(module)
    assert here >= 0, f"{module}: package {package_of(module)!r} has no layer in LAYERS"
    wrong = [
        f"line {line}: {name}"
        for name, line in sorted(own_imports(MODULES[module]))
        if package_of(name) != package_of(module) and layer(name) >= here
    ]
    assert not wrong, f"{module} imports upward or sideways: {wrong}"


def import_graph() -> dict[str, set[str]]:
    """Each module -> the modules of the package it imports, counting every import."""
    return {
        module: {name for name, _ in own_imports(path) if name != module}
        for module, path in MODULES.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_imports_make_no_circle() -> None:
    """No circle, counting function-level and `TYPE_CHECKING` imports too: a circle hidden
    in a function is still two modules that cannot be understood (or moved) one at a time."""
    graph = import_graph()
    found = [
        " <-> ".join(group)
        + ": "
        + "; ".join(
            f"{a} -> {b} (line {min(line for name, line in own_imports(MODULES[a]) if name == b)})"
            for a in group
            for b in sorted(graph[a] & set(group))
        )
        for group in circles(graph)
    ]
    assert not found, "import circles:\n" + "\n".join(found)


def test_the_circle_test_sees_hidden_imports(tmp_path: Path) -> None:
    """The reader counts what a module-level reading would miss."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from alliancekb.store import models\n"
        "def f() -> None:\n"
        "    import alliancekb.load.plan\n"
        "    from alliancekb.core.errors import UsageError\n",
        encoding="utf-8",
    )
    assert set(imports_of(module)) >= {
        ("alliancekb.store.models", 3),
        ("alliancekb.load.plan", 5),
        ("alliancekb.core.errors", 6),
    }
    assert ("alliancekb.store", 3) not in set(imports_of(module))
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_version_lives_in_core() -> None:
    """`__version__` is `core.version`'s; the package root only re-exports it, and nothing
    in the library imports the root (whose lazy `open_kb` is all of `api`)."""
    import alliancekb
    from alliancekb.core import version

    assert alliancekb.__version__ == version.__version__
    importers = [
        module
        for module, path in MODULES.items()
        if module != "alliancekb" and "alliancekb" in {name for name, _ in own_imports(path)}
    ]
    assert not importers, f"import the version from alliancekb.core.version: {importers}"


@pytest.mark.parametrize(("library", "allowed"), [("typer", {"cli"}), ("rich", {"cli", "present"})])
def test_only_the_terminal_layers_import_typer_and_rich(library: str, allowed: set[str]) -> None:
    offenders = [
        f"{module}:{line}"
        for module, path in MODULES.items()
        for name, line in imports_of(path)
        if name.split(".")[0] == library and package_of(module) not in allowed
    ]
    assert not offenders, f"{library} imported outside {sorted(allowed)}: {offenders}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_source_file_is_over_the_size_limit(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines (limit {MAX_LINES}): split it"


def test_no_function_is_over_the_complexity_limit() -> None:
    """Every function, method and closure at cyclomatic complexity MAX_COMPLEXITY or less,
    as radon measures it (the `test` extra)."""
    from radon.complexity import cc_visit
    from radon.visitors import Function

    def functions(blocks: list[Any]) -> Iterator[Any]:
        """Functions and methods (radon lists a class's methods beside it), and closures."""
        for block in blocks:
            if isinstance(block, Function):
                yield block
                yield from functions(block.closures)

    over = sorted(
        f"{module}.{block.fullname} ({block.complexity}, line {block.lineno})"
        for module, path in MODULES.items()
        for block in functions(cc_visit(path.read_text(encoding="utf-8")))
        if block.complexity > MAX_COMPLEXITY
    )
    assert not over, f"over complexity {MAX_COMPLEXITY}, split into named steps: {over}"


def test_author_uses_only_the_models_of_the_load_service() -> None:
    """`author` describes the load format: it reads `load.schema` and the list of sections
    (`load.all_sections`, where a kind added after the core brings its records), never the
    loader."""
    offenders = [
        f"{module}:{line}: {name}"
        for module, path in MODULES.items()
        if package_of(module) == "author"
        for name, line in sorted(own_imports(path))
        if package_of(name) in {"load", "query", "export", "dump"}
        and not name.startswith("alliancekb.load.schema")
        and name not in {"alliancekb.load", "alliancekb.load.all_sections"}
    ]
    assert not offenders, f"author imports a service beyond load.schema: {offenders}"


def test_no_docstring_cites_a_design_page_outside_the_repository() -> None:
    offenders = [
        f"{module}"
        for module, path in MODULES.items()
        if "DESIGN.md" in path.read_text(encoding="utf-8")
    ]
    assert not offenders, f"cite docs/architecture.md or docs/*.md instead: {offenders}"


def test_the_architecture_page_names_only_files_that_exist() -> None:
    """docs/architecture.md is the map: every file it names is where it says."""
    import re

    root = SRC.parent.parent
    page = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.(?:py|md))`", page))
    assert named, "the page names no files"
    missing = [
        name
        for name in sorted(named)
        if not any((base / name).exists() for base in (SRC, root, root / "tests"))
    ]
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_every_module_is_on_the_map() -> None:
    """docs/architecture.md names every module of the package (a new module is described)."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text()
    root = Path(__file__).resolve().parents[1] / "src" / "alliancekb"

    def on_map(stem: str) -> bool:  # `stem`, `pkg/stem.py`, `stem.name` ...
        return re.search(rf"[`/]{re.escape(stem)}[`.]", doc) is not None

    unnamed = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
        and len(p.relative_to(root).parts) > 1
        and not on_map(p.stem)
    )
    assert unnamed == [], f"not in docs/architecture.md: {unnamed}"
