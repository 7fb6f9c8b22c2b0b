"""The shape of the code (docs/architecture.md): layers, one-way imports, no circles.

Read from the source with `ast`, so every import counts, at module level or inside a
function: cli -> present/api -> services (load, query, export, dump) -> store -> core.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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
    "api": 3,
    "present": 3,
    # Pictures of answers (timelines, networks) and the browser's snapshot answers.
    "picture": 3,
    "browse": 3,
    # Writing knowledge: reads the load models (`load.schema`) and the name index.
    "author": 3,
    "cli": 4,
}
#: The package entry points, above everything.
ENTRY = {"__init__": 5, "__main__": 5}
MAX_LINES = 600


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


def imports_of(path: Path, *, top_level_only: bool = False) -> Iterator[tuple[str, int]]:
    """Every module name imported (with its line), at any depth or only at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:  # `from alliancekb.store import models`
                yield f"{node.module}.{alias.name}", node.lineno
        elif isinstance(node, ast.If) and top_level_only:
            # `if TYPE_CHECKING:` blocks are not run: they make no circle
            continue


def own_imports(path: Path, *, top_level_only: bool = False) -> set[tuple[str, int]]:
    known = {name for name, _ in modules()}
    found = set()
    for name, line in imports_of(path, top_level_only=top_level_only):
        if name in known:
            found.add((name, line))
    return found


MODULES = dict(modules())


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    here = layer(module)
    assert here >= 0, f"{module}: package {package_of(module)!r} has no layer in LAYERS"
    wrong = [
        f"line {line}: {name}"
        for name, line in sorted(own_imports(MODULES[module]))
        # the root package holds only the version and the lazy `open_kb`
        if name != "alliancekb" and package_of(name) != package_of(module) and layer(name) >= here
    ]
    assert not wrong, f"{module} imports upward or sideways: {wrong}"


def test_module_level_imports_make_no_circle() -> None:
    graph = {
        module: {name for name, _ in own_imports(path, top_level_only=True) if name != module}
        for module, path in MODULES.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target] if target in path else [target]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


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


def test_author_uses_only_the_models_of_the_load_service() -> None:
    """`author` describes the load format: it reads `load.schema`, never the loader."""
    offenders = [
        f"{module}:{line}: {name}"
        for module, path in MODULES.items()
        if package_of(module) == "author"
        for name, line in sorted(own_imports(path))
        if package_of(name) in {"load", "query", "export", "dump"}
        and not name.startswith("alliancekb.load.schema")
        and name != "alliancekb.load"
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
