"""How `statements` is shown: newest first, who spoke and what about, for people."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from alliancekb.core.formats import Row
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.output import Column, Table
from alliancekb.present.views import view
from alliancekb.query.statements import StatementsResult, about, who

W, WS, NAMES = Kind.WORD, Kind.WORDS, Kind.NAMES

#: `who`, `about` and `wording` are for people only: made from the data keys for the table.
#: The source and whether the text is a quote are the last a narrow table gives up: the
#: source's key goes under the table as a numbered note (one per source) before it would go.
STATEMENT_COLUMNS = [
    Column("id", kind=W, table=False),
    Column("date", kind=W),
    Column("speaker", table=False),
    Column("speaker_label", table=False),
    Column("who", style="bold", min_width=16, data=False),
    Column("stance", kind=W),
    Column("text", min_width=24),
    Column("quote", table=False),
    Column("countries", kind=WS, table=False),
    Column("scopes", kind=NAMES, table=False),
    Column("technology_areas", kind=WS, table=False),
    Column("about", kind=NAMES, data=False),
    Column("wording", kind=W, data=False),
    Column("source", kind=W),
]
STATEMENT_SHRINK = [
    Shrink("about", Form.COUNT),
    Shrink("source", Form.FOOTNOTE),
    Shrink("about", Form.DROP),
    Shrink("wording", Form.DROP),
]


def for_people(rows: Iterable[Row]) -> Iterator[Row]:
    """Statement rows with the table's `who`, `about` and `wording` added."""
    for row in rows:
        yield {**row, "who": who(row), "about": about(row), "wording": wording(row)}


def wording(row: Row) -> str:
    """Whether a statement's text is its speaker's words or a paraphrase, in a word."""
    return "quote" if row.get("quote") else "paraphrase"


def statements_title(result: StatementsResult) -> str:
    described: list[str] = []
    if result.speaker is not None:
        described.append(f"by {result.speaker}")
    described += [f"about {x}" for x in (result.country, result.scope, result.tech_area) if x]
    if result.since is not None:
        described.append(f"since {result.since}")
    if result.until is not None:
        described.append(f"until {result.until}")
    if result.search is not None:
        described.append(f"containing {result.search!r}")
    return "Statements" + (" " + ", ".join(described) if described else "")


@view(StatementsResult)
def statements_table(result: StatementsResult) -> Table:
    limit = result.limit
    caption = "newest first" + (f"; at most {limit} (--limit)" if limit else "")
    return Table(
        STATEMENT_COLUMNS,
        for_people(result.rows),
        title=statements_title(result),
        caption=caption,
        shrink=STATEMENT_SHRINK,
    )
