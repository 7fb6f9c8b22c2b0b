"""The version of alliancekb (re-exported as `alliancekb.__version__`).

Kept in `core`, which imports nothing heavy, so that the library below the API (the SQLite
snapshot's `alliancekb_version`) and `--version` read it without importing the package
root, whose lazy `open_kb` is the whole API.
"""

from __future__ import annotations

__version__ = "0.1.0"
