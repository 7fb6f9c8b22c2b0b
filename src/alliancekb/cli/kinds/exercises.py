"""The command about military exercises: `exercises`, one row per edition.

Like the other read commands, derived from its question's declaration
(`query/questions.py`, `cli/asking.py`); its long help and examples are the CLI's own.
"""

from __future__ import annotations

import typer

from alliancekb.cli.asking import read_command
from alliancekb.query import questions

EXERCISES_HELP = """\
List the editions of military exercises: dates, hosts, participants, observers.

An edition runs from the first day its `from` can mean to the last day its `to` can
mean; without `to`, to the end of its `from`; with neither, its whole year. With
--as-of, only the editions running that day (every edition if left out).

Examples:

  alliancekb exercises

  alliancekb exercises --country Japan

  alliancekb exercises --as-of 2024-07-04
"""

exercises_cmd = read_command(questions.exercises, help=EXERCISES_HELP, short={"country": "-c"})


def register(app: typer.Typer) -> None:
    """Add `exercises` to the root app."""
    app.command("exercises")(exercises_cmd)
