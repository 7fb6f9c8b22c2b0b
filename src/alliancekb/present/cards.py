"""A `show` card for people (a panel of facts, then a table per section) and for tools.

JSON is one object (kind, name, fields, sections); CSV and NDJSON give one flat record per
field and per section row, so one file holds the whole card. The tables and the records
are `present.card_tables`', imported only for those formats.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import IO

from alliancekb.core.fast_json_indent import dumps_indented
from alliancekb.core.formats import Format
from alliancekb.core.knowledge_time import KnownOn
from alliancekb.query.cards import Card


def emit_card(
    card: Card, fmt: Format | str, stream: IO[str] | None = None, *, known: KnownOn | None = None
) -> None:
    """Write the card in `fmt` to `stream` (default stdout); `known`: the past load it was
    read at (`--known-on`), its first field."""
    fmt = Format(fmt)
    if known is not None:
        card = replace(card, fields=[("known on", known.describe()), *card.fields])
    if fmt.for_people:
        from alliancekb.present.card_tables import render_card

        render_card(card, stream)
        return
    out = stream if stream is not None else sys.stdout
    if fmt is Format.JSON:
        out.write(dumps_indented(card.as_json()) + "\n")
        return
    from alliancekb.present.card_tables import emit_records

    emit_records(card, fmt, out)
