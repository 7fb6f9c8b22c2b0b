"""The Python API for analysts' notebooks: the read commands' answers as plain data.

    from alliancekb import open_kb

    with open_kb("kb.sqlite") as kb:
        rows = kb.members("AUKUS Pillar 2", status="in-force")

Each method runs the same `alliancekb.query` function as the command of the same name, in
one read transaction, and returns its rows as the command's `--format json` prints them:
a list of dicts with JSON-ready values (text, numbers, booleans, lists, None; dates as
ISO or EDTF text). The answer's meta (scope label, as-of date, statuses shown, limit, ...)
is on `rows.meta`; `rows.to_text("csv")` and `rows.to_file("members.csv")` write them in
any file format of the registry (`core/formats.py`) as the command's `--format` does.
Errors are `alliancekb.core.errors` exceptions. See docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alliancekb.core.config import DatabaseTarget, resolve_target
from alliancekb.core.errors import UsageError
from alliancekb.core.evidence import Currency
from alliancekb.core.formats import Format, Row, file_formats, format_of_path, json_value
from alliancekb.core.knowledge_time import knowledge_fields
from alliancekb.core.vocab import DisputedRule, Obligation, Role, SourceKind, Status
from alliancekb.query import allies as q_allies
from alliancekb.query import cards as q_cards
from alliancekb.query import conflicts as q_conflicts
from alliancekb.query import history as q_history
from alliancekb.query import lists as q_lists
from alliancekb.query import members as q_members
from alliancekb.query import statements as q_statements
from alliancekb.query import timeline as q_timeline
from alliancekb.query.common import parse_date
from alliancekb.store.db import (
    KNOWN_ON,
    create_db_engine,
    masked,
    read_session,
    translate_db_errors,
)

Meta = TypeVar("Meta")
DateLike = str | dt.date
Choices = str | Sequence[str] | None


class Rows(list[dict[str, Any]], Generic[Meta]):
    """A command's rows as its JSON prints them, with the answer's meta on `meta`.

    `meta` is the query's result dataclass (for `members`: scope, as_of, rule, statuses,
    hidden); its `rows` are these rows.
    """

    meta: Meta

    def __init__(self, rows: Iterator[Row] | list[Row], meta: Meta) -> None:
        super().__init__({k: json_value(v) for k, v in row.items()} for row in rows)
        self.meta = meta

    def to_text(self, fmt: str = "csv", keys: Sequence[str] | None = None) -> str:
        """The rows as text in a file format (`csv`, `json`, `ndjson`: core/formats.py), as
        the command's `--format` writes them. `keys`: the columns, in order; default the
        first row's (an empty answer has none: give them for a CSV header)."""
        out = io.StringIO(newline="")
        self._write(out, _file_format(fmt), keys)
        return out.getvalue()

    def to_file(
        self,
        path: str | Path,
        fmt: str | None = None,
        *,
        keys: Sequence[str] | None = None,
        force: bool = True,
    ) -> Path:
        """Write the rows to `path` in `fmt`, default the format its extension names
        (`.csv`, `.json`, `.ndjson`), whole or not at all; `keys` as for `to_text`.
        `force=False` refuses to replace an existing file (TargetExistsError)."""
        from alliancekb.core.atomicfile import check_targets, commit, partial_file

        target = Path(path)
        chosen = format_of_path(target) if fmt is None else _file_format(fmt)
        if chosen is None:
            raise UsageError(
                f"{target.name}: its extension names no file format; give fmt= one of "
                f"{', '.join(file_formats())}"
            )
        check_targets([target], force=force)
        with partial_file(target) as (stream, pending):
            self._write(stream, chosen, keys)
        commit([pending], force=force)
        return target

    def _write(self, stream: IO[str], fmt: Format, keys: Sequence[str] | None) -> int:
        assert fmt.writer is not None  # a file format has one
        if keys is None:
            keys = list(self[0]) if self else []
        return fmt.writer(stream, keys, self)


def _file_format(fmt: str) -> Format:
    """`fmt` as a format written to files; UsageError naming them otherwise."""
    chosen = next((f for f in file_formats() if f == fmt), None)
    if chosen is None:
        raise UsageError(f"{fmt!r} is not a file format: choose one of {', '.join(file_formats())}")
    return chosen


def _rows(result: Meta, session: Session | None = None) -> Rows[Meta]:
    """The result's rows materialised (inside the read transaction), meta attached; read
    at a past load (`known_on`), each row says so as the CLI's JSON does."""
    found = result.rows  # type: ignore[attr-defined]
    known = session.info.get(KNOWN_ON) if session is not None else None
    if known is not None:
        as_of = getattr(result, "as_of", None)
        extra = knowledge_fields(known, as_of if isinstance(as_of, dt.date) else None)
        found = [{**row, **extra} for row in found]
    rows: Rows[Meta] = Rows(found, result)
    result.rows = rows  # type: ignore[attr-defined]
    return rows


def _choices(value: Choices, vocabulary: type[StrEnum], what: str) -> list[str] | None:
    """One value or several of a vocabulary, checked; None for no filter."""
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    allowed = [v.value for v in vocabulary]
    for v in values:
        if v not in allowed:
            raise UsageError(f"{v!r} is not a {what}: choose one of {', '.join(allowed)}")
    return values or None


def _choice(value: str, vocabulary: type[StrEnum], what: str) -> str:
    """One value of a vocabulary, checked."""
    chosen = _choices(value, vocabulary, what)
    assert chosen is not None
    return chosen[0]


def _day(value: DateLike | None, parameter: str) -> dt.date | None:
    return None if value is None else parse_date(value, parameter)


#: The largest count a `limit` takes, as the CLI's count options (`cli/options.COUNT_MAX`,
#: which tests/test_api_parameters.py holds equal): far above any real answer, inside the
#: 64-bit integers of both databases.
COUNT_MAX = 1_000_000_000


def _count(value: int, parameter: str, lowest: int) -> int:
    """A count checked as the CLI checks `--limit`: within [lowest, COUNT_MAX]."""
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= COUNT_MAX:
        raise UsageError(
            f"{parameter}: {value!r} is not in the allowed range {lowest} to {COUNT_MAX}"
        )
    return value


def _load_number(value: str | int, parameter: str) -> str | int:
    """A load named by its number (an int, or ASCII digits), as `history --changes` takes it."""
    from alliancekb.core.knowledge_time import is_load_number

    if isinstance(value, bool) or not (
        (isinstance(value, int) and value >= 0)
        or (isinstance(value, str) and is_load_number(value))
    ):
        raise UsageError(f"{parameter}: {value!r} is not a load number (see history())")
    return value


class KnowledgeBase:
    """An open knowledge base: one engine (connection pool); each call one read transaction."""

    def __init__(
        self, engine: Engine, target: DatabaseTarget, known_on: str | int | None = None
    ) -> None:
        self.engine = engine
        self.target = target
        #: The past load every call reads the knowledge base at (None: as it is now).
        self.known_on_load = known_on

    def known_on(self, load: str | int) -> KnowledgeBase:
        """The knowledge base as it stood after a past load (`--known-on`): a load number,
        or a date or time (the last load finished by then). Shares this one's engine."""
        return KnowledgeBase(self.engine, self.target, known_on=load)

    def diff(self, before: str | int, after: str | int | None = None) -> list[dict[str, Any]]:
        """What changed from one load to another, default the newest (`alliancekb diff`)."""
        from alliancekb.dump.diff import diff

        return diff(self.engine, before, after).rows

    def changes(self, load: str | int) -> list[dict[str, Any]]:
        """What one load changed, against the load before it, as `diff` rows
        (`alliancekb history --changes LOAD`): `load` is a load number from `history()`."""
        from alliancekb.dump.diff import diff

        return diff(self.engine, None, _load_number(load, "load")).rows

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return masked(self.target.url)

    def __repr__(self) -> str:
        return f"KnowledgeBase({self.url!r})"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read transaction (one consistent snapshot) for the `alliancekb.query` functions."""
        with read_session(self.engine, self.known_on_load) as session:
            yield session

    def members(
        self,
        scope: str,
        as_of: DateLike | None = None,
        status: Choices = None,
        role: Choices = None,
        currency: Choices = None,
        history: bool = False,
        obligation: Choices = None,
        disputed: str = "show",
    ) -> Rows[q_members.MembersResult]:
        """Who is in an alliance or pillar on a date, default today (`alliancekb members`)."""
        day = _day(as_of, "as_of")
        statuses = _choices(status, Status, "status")
        roles = _choices(role, Role, "role")
        currencies = _choices(currency, Currency, "currency")
        obligations = _choices(obligation, Obligation, "obligation")
        with self.session() as s:
            result = q_members.members(
                s,
                scope,
                day,
                statuses,
                roles,
                currencies=currencies,
                obligations=obligations,
                history=history,
                disputed=_choice(disputed, DisputedRule, "disputed"),
            )
            return _rows(result, s)

    def countries(self) -> Rows[q_lists.CountriesResult]:
        """Every country (`alliancekb countries`)."""
        with self.session() as s:
            return _rows(q_lists.countries(s), s)

    def alliances(
        self, as_of: DateLike | None = None, country: str | None = None
    ) -> Rows[q_lists.AlliancesResult]:
        """Every alliance (or a country's), members counted in force on a date
        (`alliancekb alliances`)."""
        day = _day(as_of, "as_of")
        with self.session() as s:
            return _rows(q_lists.alliances(s, day, country=country), s)

    def allies(
        self,
        country: str,
        as_of: DateLike | None = None,
        obligation: Choices = None,
        directed: bool = False,
    ) -> Rows[q_allies.AlliesResult]:
        """The countries a country is allied with on a date, and by what (`alliancekb allies`)."""
        day = _day(as_of, "as_of")
        obligations = _choices(obligation, Obligation, "obligation")
        with self.session() as s:
            return _rows(q_allies.allies(s, country, day, obligations, directed=directed), s)

    def conflicts(
        self, scope: str | None = None, country: str | None = None
    ) -> Rows[q_conflicts.ConflictsResult]:
        """Where the sources disagree about memberships (`alliancekb conflicts`)."""
        with self.session() as s:
            return _rows(q_conflicts.conflicts(s, scope, country), s)

    def pillars(
        self, alliance: str | None = None, as_of: DateLike | None = None
    ) -> Rows[q_lists.PillarsResult]:
        """Every pillar, or one alliance's (`alliancekb pillars`)."""
        day = _day(as_of, "as_of")
        with self.session() as s:
            return _rows(q_lists.pillars(s, alliance, day), s)

    def tech_areas(self, scope: str | None = None) -> Rows[q_lists.TechAreasResult]:
        """Every technology area, or one scope's (`alliancekb tech-areas`)."""
        with self.session() as s:
            return _rows(q_lists.tech_areas(s, scope), s)

    def officials(
        self,
        country: str | None = None,
        as_of: DateLike | None = None,
        all_positions: bool = False,
        currency: Choices = None,
    ) -> Rows[q_lists.OfficialsResult]:
        """Positions held on a date, default today, or all of them (`alliancekb officials`)."""
        day = _day(as_of, "as_of")
        currencies = _choices(currency, Currency, "currency")
        with self.session() as s:
            result = q_lists.officials(
                s, country, day, all_positions=all_positions, currencies=currencies
            )
            return _rows(result, s)

    def sources(self, kind: str | None = None) -> Rows[q_lists.SourcesResult]:
        """Every source, newest first, or those of one kind (`alliancekb sources`)."""
        _choices(kind, SourceKind, "source kind")
        with self.session() as s:
            return _rows(q_lists.sources(s, kind), s)

    def statements(
        self,
        *,
        speaker: str | None = None,
        country: str | None = None,
        scope: str | None = None,
        tech_area: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> Rows[q_statements.StatementsResult]:
        """Statements, newest first, filtered by every argument given (`alliancekb statements`).

        Unlike the command (100 by default), no limit is the default: None or 0 is all.
        """
        if limit is not None:
            _count(limit, "limit", 0)
        with self.session() as s:
            result = q_statements.statements(
                s,
                speaker=speaker,
                country=country,
                scope=scope,
                tech_area=tech_area,
                since=since,
                until=until,
                search=search,
                limit=limit or None,
            )
            return _rows(result, s)

    def show(self, name: str) -> dict[str, Any]:
        """One entity's card as `show --format json` prints it: kind, name, fields, sections."""
        with self.session() as s:
            card = q_cards.show(s, name)
            known = s.info.get(KNOWN_ON)
        if known is not None:  # read at a past load: its first field says which, as the CLI's
            card = replace(card, fields=[("known on", known.describe()), *card.fields])
        return card.as_json()

    def timeline(self, name: str) -> Rows[q_timeline.TimelineResult]:
        """Dated events of an entity, oldest first (`alliancekb timeline`)."""
        with self.session() as s:
            return _rows(q_timeline.timeline(s, name), s)

    def history(self, limit: int = 20) -> Rows[q_history.HistoryResult]:
        """Past loads, newest first (`alliancekb history`); `limit` at least 1."""
        _count(limit, "limit", 1)
        with self.session() as s:
            return _rows(q_history.history(s, limit))

    def close(self) -> None:
        """Close every pooled connection; the object is unusable afterwards."""
        self.engine.dispose()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_kb(url_or_path: str | Path | None = None, *, seed: bool = True) -> KnowledgeBase:
    """Open a knowledge base as `--db` does: a URL, a SQLite path, or None for the default.

    None means ALLIANCEKB_DATABASE_URL, else the per-user SQLite file. A new, empty
    database is created, migrated and (with `seed`) loaded with the bundled knowledge, as
    the CLI's first command does; one at another revision raises RuntimeFailure.
    """
    from alliancekb.load.bootstrap import prepare

    target = resolve_target(str(url_or_path) if url_or_path is not None else None)
    engine = create_db_engine(target.url)
    try:
        with translate_db_errors(target.url):
            prepare(engine, seed=seed)
    except BaseException:
        engine.dispose()
        raise
    return KnowledgeBase(engine, target)
