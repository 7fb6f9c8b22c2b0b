"""The commands about evidence between countries: where sources disagree, and who is
allied with whom by which treaty (`conflicts`, `allies`).

Like the other read commands, derived from their questions' declarations
(`query/questions.py`, `cli/asking.py`); their long help and examples are the CLI's own.
"""

from __future__ import annotations

import typer

from alliancekb.cli.asking import read_command
from alliancekb.query import questions

CONFLICTS_HELP = """\
Where the sources disagree about a membership: who is in, since when, bound to what.

A membership may be claimed by the knowledge base's own record and by datasets (COW,
ATOP: `alliancekb import`). For each country, kind is `missing` (one source lists it
on dates another covers without it), `start` or `end` (the dates differ beyond their
precision) or `obligation` (the datasets code different obligations); `values` gives
each source's value and `note` names a known convention difference.

Examples:

  alliancekb conflicts NATO

  alliancekb conflicts --country Germany --format json
"""

ALLIES_HELP = """\
Which countries a country is allied with on a date, and by which alliances.

One row per partner: the alliances (or pillars) both are in on the date, as `members`
answers them (in force or suspended), each with its obligations, status, currency,
disputes and sources. Obligations belong to the treaty (NATO: defense, consultation)
and every member inherits them unless a claim of its own codes others. Undirected
(the default), a tie carries an obligation if either party does, so an asymmetric
treaty is still a pact of both; --directed says who is bound to whom.

Examples:

  alliancekb allies USA --obligation defense

  alliancekb allies Japan --directed

  alliancekb allies Germany --as-of 1980-01-01 --format csv
"""


conflicts_cmd = read_command(questions.conflicts, help=CONFLICTS_HELP, short={"country": "-c"})
allies_cmd = read_command(questions.allies, help=ALLIES_HELP)


def register(app: typer.Typer) -> None:
    """Add `conflicts` and `allies` to the root app."""
    app.command("conflicts")(conflicts_cmd)
    app.command("allies")(allies_cmd)
