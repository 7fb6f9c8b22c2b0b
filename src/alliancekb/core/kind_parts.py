"""Where each layer finds the parts of the kinds of entity added after the core.

A kind added after the core six (military exercises, issue 30) brings one module per
layer, each named for the kind, in that layer's `kinds` package: `store.kinds.exercises`
(its models), `load.kinds.exercises` (its section of the load format), `dump.kinds...`,
`export.kinds...`, `query.kinds...`, `present.kinds...`. A layer asks `kind_parts` for its
package and gets every such module, imported, so adding a kind edits no central file of
any layer: only `store.entities` (its name and key) and its own modules.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def kind_parts(package: str) -> tuple[ModuleType, ...]:
    """Every module of `package` (a layer's `kinds` package), imported, in name order."""
    root = importlib.import_module(package)
    names = sorted(info.name for info in pkgutil.iter_modules(root.__path__))
    return tuple(importlib.import_module(f"{package}.{name}") for name in names)
