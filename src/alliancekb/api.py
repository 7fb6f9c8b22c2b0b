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

import inspect
import io
import typing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass, replace
from html import escape
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alliancekb.core.config import DatabaseTarget, resolve_target
from alliancekb.core.errors import UsageError
from alliancekb.core.formats import (
    Format,
    Row,
    file_formats,
    format_of_path,
    json_value,
    text_value,
    write_csv,
)
from alliancekb.query import questions
from alliancekb.query.cards import Card
from alliancekb.query.data_rows import data_rows
from alliancekb.query.declare import Question
from alliancekb.store.db import (
    KNOWN_ON,
    create_db_engine,
    masked,
    read_session,
    translate_db_errors,
)

Meta = TypeVar("Meta")
F = TypeVar("F", bound=Callable[..., Any])


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
        the command's `--format` writes them (CSV lines end in LF, as on a terminal;
        `to_file` writes RFC 4180's CRLF). `keys`: the columns, in order; default the
        first row's (an empty answer has none: give them for a CSV header)."""
        out = io.StringIO(newline="")
        self._write(out, _file_format(fmt), keys, line_feed=True)
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

    def _repr_html_(self) -> str:
        """The rows as an HTML table for a notebook (Jupyter calls this): every text
        escaped, the answer's facts (its meta: scope, as-of date, statuses, ...) and the
        row count in the caption; the first `HTML_ROWS` rows only, as the caption says."""
        keys = list(self[0]) if self else []
        facts = [f"{type(self.meta).__name__}", *_meta_facts(self.meta)]
        shown = len(self) if len(self) <= HTML_ROWS else HTML_ROWS
        facts.append(
            f"{len(self)} row(s)" if shown == len(self) else f"first {shown} of {len(self)} rows"
        )
        head = "".join(f"<th>{escape(k)}</th>" for k in keys)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(text_value(row.get(k)))}</td>" for k in keys) + "</tr>"
            for row in self[:shown]
        )
        return (
            f'<table class="alliancekb-rows"><caption>{escape(" · ".join(facts))}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def _write(
        self, stream: IO[str], fmt: Format, keys: Sequence[str] | None, *, line_feed: bool = False
    ) -> int:
        assert fmt.writer is not None  # a file format has one
        if keys is None:
            keys = list(self[0]) if self else []
        if fmt is Format.CSV:
            return write_csv(stream, keys, self, line_feed=line_feed)
        return fmt.writer(stream, keys, self)


#: The rows a notebook's HTML view shows; the caption says when there are more.
HTML_ROWS = 50


def _meta_facts(meta: Any) -> list[str]:
    """`name: value` for each plain fact of an answer's meta (its rows and the lists of
    rows it names aside), as its caption would state them."""
    if not is_dataclass(meta):
        return []
    facts = []
    for f in dataclass_fields(meta):
        value = getattr(meta, f.name)
        if f.name == "rows" or value is None or value == () or value == []:
            continue
        if isinstance(value, list | tuple) and any(isinstance(v, dict) for v in value):
            continue  # rows of their own (`officials`' left-out positions): not a fact
        facts.append(f"{f.name}: {text_value(json_value(value), ', ')}")
    return facts


def _file_format(fmt: str) -> Format:
    """`fmt` as a format written to files; UsageError naming them otherwise."""
    chosen = next((f for f in file_formats() if f == fmt), None)
    if chosen is None:
        raise UsageError(f"{fmt!r} is not a file format: choose one of {', '.join(file_formats())}")
    return chosen


def _rows(result: Meta, session: Session | None = None) -> Rows[Meta]:
    """The result's rows materialised (inside the read transaction), meta attached; read
    at a past load (`known_on`), each row says so as the CLI's JSON does."""
    known = session.info.get(KNOWN_ON) if session is not None else None
    rows: Rows[Meta] = Rows(data_rows(result, known), result)
    result.rows = rows  # type: ignore[attr-defined]
    return rows


def _load_number(value: str | int, parameter: str) -> str | int:
    """A load named by its number (an int, or ASCII digits), as `history --changes` takes it."""
    from alliancekb.core.knowledge_time import is_load_number

    if isinstance(value, bool) or not (
        (isinstance(value, int) and value >= 0)
        or (isinstance(value, str) and is_load_number(value))
    ):
        raise UsageError(f"{parameter}: {value!r} is not a load number (see history())")
    return value


P = ParamSpec("P")
R = TypeVar("R")


def _signature(q: Question[Any, Any], returns: Any) -> inspect.Signature:
    """The method's signature: `self`, then the question's own parameters."""
    own = [
        p.replace(annotation=typing.get_args(p.annotation)[0])  # the type, not its About
        for p in list(q.signature.parameters.values())[1:]
    ]
    self_ = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return q.signature.replace(parameters=[self_, *own], return_annotation=returns)


def _method(q: Question[P, R], command: str) -> Callable[Concatenate[KnowledgeBase, P], Rows[R]]:
    """A `KnowledgeBase` method answering a question in one read transaction, as rows."""

    def ask(self: KnowledgeBase, /, *args: P.args, **kwargs: P.kwargs) -> Rows[R]:
        with self.session() as s:
            return _rows(q.ask(s, *args, **kwargs), s)

    return _named(ask, q, command)


def _card_method(q: Question[P, Card]) -> Callable[Concatenate[KnowledgeBase, P], dict[str, Any]]:
    """`show`: one entity's card as `show --format json` prints it."""

    def ask(self: KnowledgeBase, /, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        with self.session() as s:
            card = q.ask(s, *args, **kwargs)
            known = s.info.get(KNOWN_ON)
        if known is not None:  # read at a past load: its first field says which, as the CLI's
            card = replace(card, fields=[("known on", known.describe()), *card.fields])
        return card.as_json()

    return _named(ask, q, "show", "dict[str, Any]")


def _named(ask: F, q: Question[Any, Any], command: str, returns: Any = None) -> F:
    """The method named and documented as its question, with the question's signature."""
    ask.__name__ = ask.__qualname__ = q.name
    summary = q.summary.rstrip(".")
    rest = (inspect.getdoc(q.answer) or "").partition("\n\n")[2]
    ask.__doc__ = f"{summary} (`alliancekb {command}`)." + (f"\n\n{rest}" if rest else "")
    answer = q.signature.return_annotation
    signature = _signature(q, returns or f"Rows[{answer}]")
    ask.__signature__ = signature  # type: ignore[attr-defined]
    ask.__annotations__ = {
        name: p.annotation for name, p in signature.parameters.items() if name != "self"
    }
    return ask


class Panel:
    """A panel from `KnowledgeBase.panel`: its rows are made as they are read, never held."""

    def __init__(self, made: Any) -> None:
        self._made = made
        #: The panel's kind, its columns, and what it is (the data package's description).
        self.kind: str = made.kind.value
        self.columns: tuple[str, ...] = made.columns
        self.description: str = made.description

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._made)

    def lines(self) -> Iterator[tuple[Any, ...]]:
        """Each row as a tuple in `columns` order (lists as lists, missing cells None)."""
        return self._made.lines()  # type: ignore[no-any-return]

    def to_text(self, fmt: str = "csv") -> str:
        """The panel as CSV, JSON or NDJSON text (a large panel: prefer `to_file`)."""
        from alliancekb.panel.write import write

        buffer = io.StringIO(newline="")
        write(self._made, buffer, fmt)
        return buffer.getvalue()

    def to_file(self, path: str | Path, fmt: str | None = None, *, force: bool = False) -> int:
        """Write the panel to a file (format from its extension unless given), or into a
        directory (existing, or a path ending in `/`) with `datapackage.json`; return the
        number of rows."""
        from alliancekb.panel.write import write_to

        return write_to(self._made, path, fmt, force=force).rows


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

    # The read questions, each derived from its one declaration (query/questions.py):
    # the same parameters, checks and defaults as the command of the same name.
    members = _method(questions.members, "members")
    countries = _method(questions.countries, "countries")
    alliances = _method(questions.alliances, "alliances")
    allies = _method(questions.allies, "allies")
    conflicts = _method(questions.conflicts, "conflicts")
    pillars = _method(questions.pillars, "pillars")
    tech_areas = _method(questions.tech_areas, "tech-areas")
    officials = _method(questions.officials, "officials")
    sources = _method(questions.sources, "sources")
    statements = _method(questions.statements, "statements")
    show = _card_method(questions.show)
    timeline = _method(questions.timeline, "timeline")
    exercises = _method(questions.exercises, "exercises")
    history = _method(questions.history, "history")

    def panel(
        self,
        kind: str,
        *,
        first: int | None = None,
        last: int | None = None,
        source: str | None = None,
        codes: Sequence[str] | None = None,
        scopes: Sequence[str] = (),
        by_alliance: bool = False,
        similarity: str | None = None,
        distance: str | None = None,
        weighted: bool = False,
        capabilities: str | PathLike[str] | None = None,
        gw_list: str | PathLike[str] | None = None,
    ) -> Panel:
        """A state-year, dyad-year or directed-dyad-year panel (`alliancekb panel KIND`).

        Read in one read transaction; iterate it for rows as dicts (missing cells None),
        `lines()` for tuples in `columns` order, or write it with `panel.to_file(path)`
        (a directory gets `datapackage.json` too). `similarity` (s, kappa or pi) adds a dyad
        panel's column of alliance-portfolio similarity (docs/similarity.md); `weighted` S
        weighs states by their CINC in `capabilities` (COW's NMC CSV). `codes` may include
        `gw`, with `gw_list` the path of your Gleditsch–Ward list (iisystem.dat; the
        environment is not read here). docs/panels.md.
        """
        from alliancekb.panel.build import panel

        with self.session() as session:
            return Panel(
                panel(
                    session,
                    kind,
                    first=first,
                    last=last,
                    source=source,
                    codes=codes,
                    scopes=scopes,
                    by_alliance=by_alliance,
                    similarity=similarity,
                    distance=distance,
                    weighted=weighted,
                    capabilities=None if capabilities is None else str(capabilities),
                    gw_list=None if gw_list is None else str(gw_list),
                )
            )

    def similarity(
        self,
        a: str,
        b: str,
        *,
        year: int,
        measure: str = "s",
        distance: str | None = None,
        source: str | None = None,
        scopes: Sequence[str] = (),
        weighted: bool = False,
        capabilities: str | PathLike[str] | None = None,
    ) -> dict[str, Any]:
        """How alike two countries' alliance portfolios were in `year` (`alliancekb
        similarity`): the value (None: outside the coverage, or undefined), the N states,
        the states the two are tied to differently, as the CLI's JSON. `weighted` S weighs
        states by their CINC in `capabilities` (COW's NMC CSV). docs/similarity.md.
        """
        from alliancekb.panel.compare import similarity_of

        with self.session() as session:
            return similarity_of(
                session, a, b, year, measure=measure, distance=distance, source=source,
                scopes=scopes, weighted=weighted,
                capabilities=None if capabilities is None else str(capabilities),
            ).as_json()  # fmt: skip

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
