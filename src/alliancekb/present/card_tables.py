"""A `show` card as tables: for people (a panel of facts, then a table per section), and
the flat records of CSV and NDJSON (one per field and per section row).

Imported only for those formats: a card's JSON (`present.cards`) needs none of the
views' tables (start-up, issue 32).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from alliancekb.core.formats import Format, json_value
from alliancekb.core.kind_parts import kind_parts
from alliancekb.present.layout import Form, Kind, Shrink
from alliancekb.present.lists import (
    PILLAR_COLUMNS,
    PILLAR_SHRINK,
    POSITION_COLUMNS,
    POSITION_SHRINK,
)
from alliancekb.present.members import members_table
from alliancekb.present.output import (
    Column,
    Table,
    cell_text,
    console_for,
    emit,
    line_text,
    rich_table,
)
from alliancekb.present.statements import STATEMENT_COLUMNS, STATEMENT_SHRINK, wording
from alliancekb.present.views import not_in_force_dim
from alliancekb.query.cards import CARD_STATEMENTS, Card, Section

MEMBERSHIP_OF_COLUMNS = [
    Column("scope", style="bold", kind=Kind.NAME),
    Column("role", kind=Kind.WORD),
    Column("status", kind=Kind.WORD),
    Column("from", kind=Kind.WORD),
    Column("to", kind=Kind.WORD),
    Column("sources", kind=Kind.WORDS),
    Column("note", min_width=24),
    Column("confirmed", kind=Kind.WORD),
    Column("currency", kind=Kind.WORD),
    Column("until", kind=Kind.WORD),
]
#: A narrow card keeps scope, role, status, from and currency in the row; notes go under it.
MEMBERSHIP_OF_SHRINK = [
    Shrink("sources", Form.COUNT),
    Shrink("note", Form.FOOTNOTE),
    Shrink("sources", Form.DROP),
    Shrink("confirmed", Form.DROP),
    Shrink("until", Form.DROP),
    Shrink("to", Form.DROP),
]
SOURCES_CITED_COLUMNS = [
    Column("key", kind=Kind.WORD),
    Column("title", min_width=16),
    Column("publisher", min_width=12),
    Column("published", kind=Kind.WORD),
]
#: A key is never cut: on a narrow terminal the titles go under the table.
SOURCES_CITED_SHRINK = [Shrink("publisher", Form.DROP), Shrink("title", Form.FOOTNOTE)]

PILLARS_CAPTION = "members: countries in force today, the alliance's members included"

#: Whose statements a card lists, by the card's kind.
STATEMENTS_OF = {
    "country": "by or about it",
    "alliance": "by or about it (its pillars included)",
    "pillar": "about it",
    "official": "by this official",
    "technology area": "about it",
    "source": "citing it",
}


def section_table(card: Card, section: Section) -> Table:
    """A card's section as a table: its columns, title, caption and row style."""
    rows = section.rows
    key = section.key
    if key == "memberships":
        return Table(
            MEMBERSHIP_OF_COLUMNS,
            rows,
            title="Memberships",
            caption=(
                "every record of every chain, ended and declined included; `until`: where a "
                "later record replaced it; currency read today"
            ),
            row_style=not_in_force_dim,
            shrink=MEMBERSHIP_OF_SHRINK,
        )
    if key in ("officials", "positions"):
        title = "Officials (positions held for this country)" if key == "officials" else "Positions"
        return Table(
            POSITION_COLUMNS,
            rows,
            title=title,
            caption="every position; currency read today",
            row_style=not_in_force_dim,
            shrink=POSITION_SHRINK,
        )
    if key == "pillars":
        columns = [c for c in PILLAR_COLUMNS if c.key != "aliases"]
        return Table(columns, rows, title="Pillars", caption=PILLARS_CAPTION, shrink=PILLAR_SHRINK)
    for module in kind_parts("alliancekb.present.kinds"):  # the kinds added after the core
        if key in module.SECTION_TABLES:
            table: Table = module.SECTION_TABLES[key](rows)
            return table
    if key == "members":
        assert section.members is not None
        return members_table(section.members)
    if key == "statements":
        return Table(
            STATEMENT_COLUMNS,
            [{**row, "wording": wording(row)} for row in rows],
            title=f"Recent statements {STATEMENTS_OF[card.kind]}",
            caption=f"the newest {CARD_STATEMENTS} at most; `statements` lists them all",
            shrink=STATEMENT_SHRINK,
        )
    return Table(SOURCES_CITED_COLUMNS, rows, title="Sources cited", shrink=SOURCES_CITED_SHRINK)


def render_card(card: Card, stream: IO[str] | None = None) -> None:
    """Print the card for people: a panel of its facts, then each section's table."""
    from rich.panel import Panel
    from rich.table import Table as RichTable

    console = console_for(stream)
    facts = RichTable.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for key, value in card.fields:
        if value not in (None, "", []):
            facts.add_row(line_text(key.replace("_", " ")), cell_text(value))
    console.print(Panel(facts, title=line_text(f"{card.name} · {card.kind}"), title_align="left"))
    for section in card.sections:
        table = section_table(card, section)
        if not section.rows:
            console.print(line_text(f"{table.title}: none", "dim"))
            continue
        console.print(rich_table(table, console.width))


def emit_records(card: Card, fmt: Format, out: IO[str]) -> None:
    """The card as flat records (CSV, NDJSON): one per field, one per section row's value."""

    def records() -> Iterator[dict[str, Any]]:
        for key, value in card.fields:
            yield {"section": "fields", "row": None, "key": key, "value": json_value(value)}
        for section in card.sections:
            table = section_table(card, section)
            for i, row in enumerate(section.rows, start=1):
                for column in table.columns:
                    if column.data:
                        value = json_value(row.get(column.key))
                        yield {"section": section.key, "row": i, "key": column.key, "value": value}

    columns = [Column("section"), Column("row"), Column("key"), Column("value")]
    emit(Table(columns, records()), fmt, out)
