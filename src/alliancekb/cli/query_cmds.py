"""The analyst's read commands: members, lists, statements, show, timeline.

Each command is derived from its question's declaration (`query/questions.py`) by
`cli/asking.read_command`: the options, their help and checks are the declaration's, the
same as the Python API's parameters. What is here is the CLI's own: each command's long
help with its examples, its short option names, and how `members` and `show` present
their answers. Every command takes `--format table|csv|json|ndjson`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from alliancekb.cli.asking import read_command
from alliancekb.cli.reading import emit, knowledge_time
from alliancekb.query import questions

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

# Each command's long help and examples: the CLI's own words.

MEMBERS_HELP = """\
Who is in an alliance or pillar on a date: one row per country, with its evidence.

A pillar's members include the alliance's members (the `via` column names the
alliance) and the pillar's own partners. Records of one country in one scope form a
chain ordered by `from`: a later record (proposed, then under consultation, then in
force...) ends the earlier one where it starts, so the answer has one row per country
and scope; --history lists the whole chain.

The answer is for today unless --as-of DATE is given. A date counts from its first day
(`2024-04~` from 2024-04-01) and `to` includes its last day (`to: 1986` runs through
1986-12-31); a record without `from` starts at its earliest source.

Each row says how far its evidence carries it: `confirmed` is the newest date a cited
source supports it, and `currency` is known (the date lies within the evidence),
presumed (an in-force or suspended membership past its evidence, presumed to
continue) or unconfirmed (an announced, expected, under-consultation or proposed
record past its evidence: only the last thing known, shown dim).

A membership may be claimed by several sources: the knowledge base's own record (a
treaty, a government) and datasets such as COW and ATOP (`alliancekb import`). The row
is one per country, decided by one precedence (docs/queries.md, "When sources
disagree"): the own record answers where there is one; between datasets, entry into
force decides, a recorded exit ends a membership, and a dataset past its coverage is
evidence at most to its coverage's end. A source that says otherwise makes the row
disputed: the table's `disputed by` column names it, `disputed` in CSV/JSON says what
it says, and the caption names countries a source lists against the answer. An
alliance that was dissolved has no members after its end (--status ended lists them
with their last day). `alliancekb conflicts` lists every disagreement.

By default every status except `ended` and `declined` is shown; only `in-force` means
"is in it".

Examples:

  alliancekb members 'AUKUS Pillar 2'

  alliancekb members 'aukus pillar II' --status in-force --format json

  alliancekb members NATO --as-of 2023-06

  alliancekb members 'AUKUS Pillar 2' --history
"""

COUNTRIES_HELP = """\
List the countries: ISO codes, names and aliases.

Example: alliancekb countries --format csv > countries.csv
"""

ALLIANCES_HELP = """\
List the alliances with their kind, founding date, pillars and in-force members.

The member count is the number of rows `members ALLIANCE --status in-force` gives on
the same date (today unless --as-of).

Examples:

  alliancekb alliances

  alliancekb alliances --as-of 1990-01-01

  alliancekb alliances --country Turkey --as-of 1980-01-01
"""

PILLARS_HELP = """\
List the pillars of the alliances with their technology areas and in-force members.

Example: alliancekb pillars --alliance AUKUS
"""

TECH_AREAS_HELP = """\
List the technology areas and the pillars that cover them.

Example: alliancekb tech-areas --scope 'AUKUS Pillar 2'
"""

OFFICIALS_HELP = """\
List officials and the positions they hold today (or on --as-of DATE).

An office is held by one person at a time: a later holder ends the earlier one's term.
A position is a transitional fact: past its evidence (`confirmed`, the newest date a
cited source supports it) it is only the last thing known. By default the rows are
the positions known to be held on the date; the caption names those not confirmed
since their last source (--currency unconfirmed lists them as rows). A position
without `from` starts at its earliest source.

Examples:

  alliancekb officials --country USA

  alliancekb officials --as-of 2023-01 --format json

  alliancekb officials --currency known --currency unconfirmed
"""

SOURCES_HELP = """\
List the sources facts cite, newest first.

Example: alliancekb sources --kind government
"""

STATEMENTS_HELP = """\
Statements, newest first, with speaker, stance, what they are about, and source.

Search words match their English forms (`submarine` finds "submarines"); words in
double quotes must stand in a row, in that order (`'"maritime autonomous"'`); `*`,
`OR` or `-` have no special meaning, so any other text is safe to search for.

Examples:

  alliancekb statements --speaker 'Rahm Emanuel'

  alliancekb statements --scope 'AUKUS Pillar 2' --since 2024 --format json

  alliancekb statements --search 'japan partner' --limit 10

  alliancekb statements --search '"maritime autonomous" japan'
"""

SHOW_HELP = """\
One entity's card: its facts, memberships or members, positions, recent statements
and the sources cited.

JSON is one object (kind, name, fields, sections); CSV and NDJSON give one record per
field and per section row.

Examples:

  alliancekb show Japan

  alliancekb show 'AUKUS Pillar II' --format json
"""

TIMELINE_HELP = """\
Memberships, positions and statements about an entity, in date order.

Each date by its first day; a membership or position whose start is not recorded comes
last, undated.

Examples:

  alliancekb timeline Japan

  alliancekb timeline 'AUKUS Pillar 2' --format csv
"""


def _not_a_scope(session: Session | Connection, values: dict[str, Any], exc: Exception) -> None:
    """A name that is one entity of another kind (the library's message says which): add
    the commands that answer about it (`members Japan` -> `show Japan`)."""
    import shlex

    from alliancekb.core.errors import AlliancekbError, NotAScopeError

    if not isinstance(exc, NotAScopeError) or len(exc.found) != 1:
        return
    quoted = shlex.quote(values["scope"])
    hint = f"`alliancekb show {quoted}`"
    if exc.found[0][0] == "country":
        hint += f" or `alliancekb alliances --country {quoted}`"
    error = AlliancekbError(f"{exc}; for what is known about it see {hint}")
    error.exit_code = exc.exit_code
    raise error from None


#: `members --sources`: how the table shows the source keys (presentation only).
_SOURCES = inspect.Parameter(
    "sources",
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    annotation=Annotated[
        bool,
        typer.Option(
            "--sources",
            help="Keep every source key in the table (a narrow terminal otherwise counts them).",
        ),
    ],
    default=False,
)


def _members(
    reader: Session | Connection, result: Any, fmt: str, out: IO[str] | None, own: dict[str, Any]
) -> None:
    whole = ("sources",) if own["sources"] else ()
    emit(reader, result, fmt, out, whole=whole, columns=own["columns"])


def _card(
    reader: Session | Connection, card: Any, fmt: str, out: IO[str] | None, own: dict[str, Any]
) -> None:
    from alliancekb.present.cards import emit_card

    emit_card(card, fmt, out, known=knowledge_time(reader))


#: How to make each command, in the order `--help` lists them. A command is made only when
#: registered: one `read_command` costs ~0.8M instructions (its options, their types and
#: checks), and a process that runs `show` needs no other (start-up, issue 32).
COMMANDS: dict[str, Callable[[], Callable[..., None]]] = {
    "members": lambda: read_command(
        questions.members,
        help=MEMBERS_HELP,
        short={"status": "-s", "role": "-r"},
        extra={"history": _SOURCES},
        present=_members,
        explain=_not_a_scope,
    ),
    "countries": lambda: read_command(questions.countries, help=COUNTRIES_HELP),
    "alliances": lambda: read_command(
        questions.alliances, help=ALLIANCES_HELP, short={"country": "-c"}
    ),
    "pillars": lambda: read_command(questions.pillars, help=PILLARS_HELP, short={"alliance": "-a"}),
    "tech-areas": lambda: read_command(questions.tech_areas, help=TECH_AREAS_HELP),
    "officials": lambda: read_command(
        questions.officials,
        help=OFFICIALS_HELP,
        renamed={"all_positions": "--all"},
        short={"country": "-c"},
    ),
    "sources": lambda: read_command(questions.sources, help=SOURCES_HELP),
    "statements": lambda: read_command(
        questions.statements, help=STATEMENTS_HELP, short={"limit": "-n"}
    ),
    "show": lambda: read_command(questions.show, help=SHOW_HELP, present=_card, columns=False),
    "timeline": lambda: read_command(questions.timeline, help=TIMELINE_HELP),
}


def register(app: typer.Typer, only: str | None = None) -> None:
    """Add the read commands to the root app (`only`: that one alone)."""
    for name, make in COMMANDS.items():
        if only is None or name == only:
            app.command(name)(make())
