"""A kind of entity added after the core lives in its own modules, one per layer.

Military exercises (issue 30) are the proof: adding them touched their own modules
(`<layer>/kinds/exercises.py`), their description (`store/entities.py`), their question's
declaration (`query/questions.py`) and its typed API method (`api.py`), the Core tables the
ORM-free read path reads (`store/tables.py`: every read command starts without the ORM,
issue 32) and their closed vocabulary (`core/vocab.py`, which those tables need), and
nothing else names them. These tests keep it so: a central file that starts naming a kind
again, or a kind that lacks its part in a layer, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from alliancekb.store.entities import ENTITIES

SRC = Path(__file__).resolve().parents[1] / "src" / "alliancekb"
#: The layers whose `kinds` package holds one module per kind added after the core.
LAYERS = ("store", "load", "dump", "export", "query", "present", "cli")
#: Besides its own modules, the files a new kind is declared in.
DECLARED_IN = {
    "store/entities.py",
    "query/questions.py",
    "api.py",
    "store/tables.py",
    "core/vocab.py",
}


def _kind_modules(layer: str) -> set[str]:
    package = SRC / layer / "kinds"
    return {p.stem for p in package.glob("*.py") if p.stem != "__init__"}


def _names_and_strings(tree: ast.AST) -> set[str]:
    """Every identifier and string constant of the code, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    named = (ast.alias, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, named):
            found.add(node.name)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            found.add(node.value)
    return found


def test_every_kind_added_after_the_core_has_its_module_in_every_layer() -> None:
    kinds = _kind_modules("store")
    assert kinds, "no kind added after the core: the test would prove nothing"
    for layer in LAYERS:
        assert _kind_modules(layer) == kinds, f"{layer}/kinds/ differs from store/kinds/"
    described = {e.module.rsplit(".", 1)[-1] for e in ENTITIES.values() if ".kinds." in e.module}
    assert described == kinds, "each module of store/kinds/ is one EntityKind's `module`"


def test_no_central_module_names_a_kind_added_after_the_core() -> None:
    words = {kind for kind in _kind_modules("store")} | {
        kind.rstrip("s") for kind in _kind_modules("store")
    }
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/kinds/" in relative or relative in DECLARED_IN:
            continue
        names = _names_and_strings(ast.parse(path.read_text(encoding="utf-8")))
        hits = sorted(n for n in names if any(w in n.lower() for w in words))
        if hits:
            offenders.append(f"{relative}: {hits[:5]}")
    assert not offenders, "a kind added after the core is named outside its own modules:\n" + (
        "\n".join(offenders)
    )
