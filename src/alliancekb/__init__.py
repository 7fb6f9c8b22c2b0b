"""alliancekb: a structured knowledge base of defense-alliance facts, with provenance.

`from alliancekb import open_kb` gives the Python API (`alliancekb.api`, docs/api.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alliancekb.core.version import __version__

if TYPE_CHECKING:
    from alliancekb.api import KnowledgeBase, open_kb

__all__ = ["KnowledgeBase", "__version__", "open_kb"]


def __getattr__(name: str) -> Any:
    # The API needs SQLAlchemy; importing it lazily keeps `alliancekb --help` fast.
    if name in ("open_kb", "KnowledgeBase"):
        from alliancekb import api

        return getattr(api, name)
    raise AttributeError(f"module 'alliancekb' has no attribute {name!r}")
