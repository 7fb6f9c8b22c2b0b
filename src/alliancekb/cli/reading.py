"""What every read command shares: its read transaction, the two times it answers for
(`--as-of`, `--known-on`), and handing a result to `alliancekb.present`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from alliancekb.cli.state import state_of

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from alliancekb.core.knowledge_time import KnownOn
    from alliancekb.present.views import Result

AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        help="Answer for a past (or future) date: YYYY, YYYY-MM or YYYY-MM-DD, or `today`.",
    ),
]

_KNOWN_ON_HELP = (
    "Answer as the knowledge base stood after a past load: its number (see "
    "`alliancekb history`), or a date or time (YYYY-MM-DD[THH:MM], UTC unless it "
    "says): the last load finished by then."
)

#: `--known-on` of a command without `--as-of`: its help names no option it lacks.
KnownOnOpt = Annotated[
    str | None, typer.Option("--known-on", metavar="LOAD|TIME", help=_KNOWN_ON_HELP)
]
#: `--known-on` of a command that has `--as-of`: the two times together.
KnownOnAsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--known-on",
        metavar="LOAD|TIME",
        help=f"{_KNOWN_ON_HELP} With --as-of: what was held then about that date.",
    ),
]


@contextmanager
def read_for(ctx: typer.Context) -> Iterator[Session]:
    """The command's read transaction, at the state its `--known-on` names (if it has one)."""
    from alliancekb.store.db import read_session

    with known_on_errors(), read_session(state_of(ctx).engine(), ctx.params.get("known_on")) as s:
        yield s


#: The option of each knowledge-time parameter of the library.
KNOWN_ON_OPTIONS = {
    "known_on": "--known-on",
    "from": "--from",
    "to": "--to",
    "changes": "--changes",
}


@contextmanager
def known_on_errors() -> Iterator[None]:
    """A knowledge time naming no load the history holds: a usage error naming the option."""
    from alliancekb.core.errors import UsageError
    from alliancekb.core.knowledge_time import KnownOnError

    try:
        yield
    except KnownOnError as exc:
        option = KNOWN_ON_OPTIONS.get(exc.parameter, exc.parameter)
        raise UsageError(f"{option}: {exc}") from None


@contextmanager
def read_paged(ctx: typer.Context) -> Iterator[tuple[Session, IO[str] | None]]:
    """A read transaction and the stream for its answer: on a terminal the answer is held
    and paged once the transaction is closed (cli/pager.py), never while it is open."""
    from alliancekb.cli.pager import paged

    with paged(state_of(ctx).pager) as out, read_for(ctx) as session:
        yield session, out


@contextmanager
def read_paged_core(ctx: typer.Context) -> Iterator[tuple[Connection, IO[str] | None]]:
    """As `read_paged`, on a Core connection: for a query that reads only `store.tables`,
    so that the command never imports SQLAlchemy's ORM (~0.15 s of start-up, issue 16)."""
    from alliancekb.cli.pager import paged
    from alliancekb.store.db import read_connection

    state = state_of(ctx)
    with (
        paged(state.pager) as out,
        known_on_errors(),
        read_connection(state.engine(), ctx.params.get("known_on")) as conn,
    ):
        yield conn, out


def knowledge_time(reader: Session | Connection) -> KnownOn | None:
    """The past load a read transaction reads at (None: the knowledge base as it is)."""
    from alliancekb.store.db import KNOWN_ON

    found: KnownOn | None = reader.info.get(KNOWN_ON)
    return found


def emit(
    session: Session | Connection,
    result: Result,
    fmt: str,
    out: IO[str] | None,
    *,
    whole: tuple[str, ...] = (),
    columns: tuple[str, ...] = (),
) -> None:
    """Write a list result; a past state is said in its caption and in every CSV/JSON row.
    `columns`: only these keys, in this order (`--columns`)."""
    from alliancekb.present.views import emit_result

    emit_result(result, fmt, out, whole=whole, known=knowledge_time(session), columns=columns)


#: The option of each date parameter of the query layer.
DATE_OPTIONS = {"as_of": "--as-of", "since": "--since", "until": "--until"}


@contextmanager
def date_options(options: Mapping[str, str] = DATE_OPTIONS) -> Iterator[None]:
    """A bad date's message names the option it came from (`--since: ...`); `options`:
    each date parameter's option."""
    from alliancekb.core.errors import UsageError
    from alliancekb.query.common import DateParameterError

    try:
        yield
    except DateParameterError as exc:
        option = options.get(exc.parameter, exc.parameter)
        raise UsageError(f"{option}: {exc.reason}") from None


def as_of_date(value: str | None) -> Any:
    """The `--as-of` value as a date (None: today, decided by the query)."""
    if value is None:
        return None
    from alliancekb.query.common import parse_date

    with date_options():
        return parse_date(value, "as_of")
