"""An answer's rows as data: JSON-ready values, and what a row read at a past load carries.

The Python API (`api.py`) and the assistants' server (`assistant/`) both hand out rows as
the CLI's `--format json` prints them; this is the one place that says how, so the two
cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from alliancekb.core.formats import Row, json_value
from alliancekb.core.knowledge_time import KnownOn, knowledge_fields


def data_rows(result: Any, known: KnownOn | None = None) -> Iterator[dict[str, Any]]:
    """`result.rows` as JSON-ready dicts, lazily (read inside the read transaction); at a
    past load (`known`), each row also says which load and when, as the CLI's JSON does."""
    found: Iterable[Row] = result.rows
    extra: dict[str, object] = {}
    if known is not None:
        as_of = getattr(result, "as_of", None)
        extra = knowledge_fields(known, as_of if isinstance(as_of, dt.date) else None)
    for row in found:
        yield {k: json_value(v) for k, v in {**row, **extra}.items()}
