"""Position holders from Wikidata: a SPARQL 1.1 Query Results JSON document, as records.

The document (W3C, "SPARQL 1.1 Query Results JSON Format") is the answer to the query of
`wikidata_query.py`: `head.vars` must declare its `VARIABLES`, and each binding of
`results.bindings` is one `position held` (P39) statement of a person, each value
`{"type": "uri"|"literal", "value": ..., "datatype"?: ..., "xml:lang"?: ...}`.
docs/datasets.md says what each variable becomes:

- one `dataset` source, `wikidata`, whose `retrieved` (and `covers_to`: the evidence date
  of every claim it carries) is the day the answer was retrieved (`--retrieved`, else
  the file's modification day);
- a person is an official: the one whose alias is `wikidata:<QID>`, else the one the
  label names (gaining that alias), else a new one (key from the label);
- a statement is a position claimed by `wikidata`, its dates at the precision Wikidata
  gives (9 year, 10 month, 11 day); a deprecated statement is left out; where holders of
  one office have no end, the preferred one is current (a normal one that would start
  after it is left out); no start time: an open start, said in the note.

Every problem is reported at the binding's place, `FILE:LINE:COLUMN` of its value (or of
the document's part that is wrong), and a binding with a problem gives no record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, select

from alliancekb.core.errors import Problem, RuntimeFailure
from alliancekb.core.names import normalize
from alliancekb.core.paths import display_name
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.datasets.csv_read import CsvRecord, Loc
from alliancekb.load.datasets.json_marks import JsonSyntaxError, Node, parse
from alliancekb.load.datasets.wikidata_query import VARIABLES
from alliancekb.load.loader import RecordStream, StreamOpener
from alliancekb.load.raw_record import Mark
from alliancekb.load.schema import CountryIn, OfficialIn, SourceIn
from alliancekb.store import models as m
from alliancekb.store.resolve import Kind, load_index

#: The key of the source every claim of an import cites and is claimed by.
SOURCE_KEY = "wikidata"
#: A results file larger than this is refused before it is parsed.
MAX_JSON_BYTES = 200 * 1024 * 1024
_ENTITY = "http://www.wikidata.org/entity/"
_STATEMENT = "http://www.wikidata.org/entity/statement/"
_RANKS = {
    "http://wikiba.se/ontology#PreferredRank": "preferred",
    "http://wikiba.se/ontology#NormalRank": "normal",
    "http://wikiba.se/ontology#DeprecatedRank": "deprecated",
}
_QID = re.compile(r"Q[1-9][0-9]*")
_TIME = re.compile(r"\+?(\d{4,})-(\d\d)-(\d\d)T")
_PRECISIONS = {9: "year", 10: "month", 11: "day"}


def alias_of(qid: str) -> str:
    """The alias that records an official's Wikidata id: `wikidata:Q1234`."""
    return f"wikidata:{qid}"


@dataclass
class Holding:
    """One binding read: a statement that a person held an office."""

    index: int
    mark: Mark
    person: str
    name: str
    position: str
    title: str
    iso3: str
    start: str | None
    end: str | None
    rank: str
    statement: str
    notes: list[str] = field(default_factory=list)


class _Binding:
    """One binding's values, each checked; problems at the value's place."""

    def __init__(self, read: WikidataRead, index: int, node: Node) -> None:
        self.read = read
        self.index = index
        self.node = node
        self.ok = True

    def problem(self, variable: str | None, message: str) -> None:
        node = self.node.members.get(variable, self.node) if variable else self.node
        self.read.problem(node.mark, f"results.bindings[{self.index}]"
                          + (f".{variable}" if variable else ""), message)  # fmt: skip
        self.ok = False

    def value(self, variable: str, kind: str, *, required: bool = True) -> str | None:
        term = self.node.value.get(variable)
        if term is None:
            if required:
                self.problem(None, f"no value for ?{variable}")
            return None
        if not isinstance(term, dict) or not isinstance(term.get("value"), str):
            self.problem(variable, f"?{variable} is not an RDF term ({{type, value}})")
            return None
        if term.get("type") != kind and not (
            kind == "literal" and term.get("type") == "typed-literal"
        ):
            self.problem(variable, f"?{variable} is a {term.get('type')!r}, not a {kind}")
            return None
        return str(term["value"])

    def entity(self, variable: str) -> str | None:
        uri = self.value(variable, "uri")
        if uri is None:
            return None
        qid = uri.removeprefix(_ENTITY)
        if not uri.startswith(_ENTITY) or _QID.fullmatch(qid) is None:
            self.problem(variable, f"?{variable} {uri!r} is not a Wikidata item ({_ENTITY}Q…)")
            return None
        return qid

    def date(self, variable: str, precision_variable: str, notes: list[str]) -> str | None:
        """EDTF at Wikidata's precision: `2021` (9), `2021-10` (10), `2021-10-04` (11)."""
        text = self.value(variable, "literal", required=False)
        if text is None:
            return None
        found = _TIME.match(text)
        if found is None or len(found.group(1)) > 4:
            self.problem(variable, f"?{variable} {text!r} is not a date of the years 1000–9999 "
                         "(xsd:dateTime)")  # fmt: skip
            return None
        raw = self.value(precision_variable, "literal", required=False)
        if raw is None:
            self.problem(variable, f"?{variable} has no ?{precision_variable}")
            return None
        try:
            precision = int(raw)
        except ValueError:
            self.problem(precision_variable, f"?{precision_variable} {raw!r} is not a number")
            return None
        year, month, day = (int(g) for g in found.groups())
        if precision < 9:
            what = "start" if variable == "start" else "end"
            notes.append(f"Wikidata gives the {what} only at precision {precision} (coarser "
                         f"than a year, around {year}): left open")  # fmt: skip
            return None
        try:
            dt.date(year, month, day)
        except ValueError:
            self.problem(variable, f"?{variable} {text!r} is not a date")
            return None
        if precision == 9:
            return f"{year:04d}"
        if precision == 10:
            return f"{year:04d}-{month:02d}"
        return f"{year:04d}-{month:02d}-{day:02d}"  # 11; finer (hours) is still that day

    def holding(self) -> Holding | None:
        person = self.entity("person")
        position = self.entity("position")
        self.value("country", "uri")
        name = self.value("personLabel", "literal")
        title = self.value("positionLabel", "literal")
        iso3 = self.value("iso3", "literal")
        rank_uri = self.value("rank", "uri")
        statement = self.value("statement", "uri")
        notes: list[str] = []
        start = self.date("start", "startPrecision", notes)
        end = self.date("end", "endPrecision", notes)
        rank = _RANKS.get(rank_uri or "")
        if rank_uri is not None and rank is None:
            self.problem("rank", f"?rank {rank_uri!r} is not a Wikibase rank")
        if statement is not None and not statement.startswith(_STATEMENT):
            self.problem("statement", f"?statement {statement!r} is not a Wikidata statement")
        if iso3 is not None and re.fullmatch(r"[A-Z]{3}", iso3) is None:
            self.problem("iso3", f"?iso3 {iso3!r} is not an ISO 3166-1 alpha-3 code")
        if (
            not self.ok
            or person is None
            or position is None
            or name is None
            or title is None
            or iso3 is None
            or rank is None
            or statement is None
        ):
            return None
        return Holding(
            self.index, self.node.mark, person, name.strip(), position, title.strip(), iso3,
            start, end, rank, statement.removeprefix(_STATEMENT), notes,
        )  # fmt: skip


class WikidataRead:
    """A `RecordStream` over one SPARQL results file of position holders."""

    def __init__(
        self, path: Path, problems: list[Problem], conn: Connection, retrieved: str | None
    ) -> None:
        self.path = path
        self.name = display_name(path)
        self.problems = problems
        self.conn = conn
        self.retrieved = retrieved
        self.bytes_read = 0
        self.size = 0
        self.sha256 = ""
        self.in_child = False
        self.reader_problems: list[Problem] = []

    def problem(self, mark: Mark, where: str, message: str) -> None:
        self.problems.append(Problem(self.name, mark.line, mark.column, where, message))

    def _document(self) -> Node | None:
        try:
            size = self.path.stat().st_size
            if size > MAX_JSON_BYTES:
                raise RuntimeFailure(
                    f"{self.name} is {size} bytes, more than the limit of {MAX_JSON_BYTES}"
                )
            data = self.path.read_bytes()
            modified = dt.datetime.fromtimestamp(self.path.stat().st_mtime, dt.UTC).date()
        except OSError as exc:
            raise RuntimeFailure(f"cannot read {self.name}: {exc.strerror or exc}") from None
        self.size = self.bytes_read = len(data)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.retrieved = self.retrieved or modified.isoformat()
        try:
            return parse(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            self.reader_problems.append(
                Problem(self.name, 1, 1, "file", f"not UTF-8 text: {exc.reason}")
            )
        except JsonSyntaxError as exc:
            self.reader_problems.append(
                Problem(self.name, exc.line, exc.column, "file", f"not JSON: {exc}")
            )
        return None

    def _bindings(self, doc: Node) -> list[Node] | None:
        """The bindings, once the document's shape and `head.vars` are checked."""
        top = Mark(1, 1)
        head = doc.members.get("head")
        results = doc.members.get("results")
        if not isinstance(doc.value, dict) or head is None or results is None:
            self.problem(doc.mark, "document", "not SPARQL query results: an object with "
                         "`head` and `results` was expected")  # fmt: skip
            return None
        names = head.members.get("vars")
        if names is None or not isinstance(names.value, list):
            self.problem(head.mark, "head", "`head.vars` (the list of variables) is missing")
            return None
        missing = [v for v in VARIABLES if v not in names.value]
        if missing:
            self.problem(names.mark, "head.vars", f"missing variable(s) {', '.join(missing)}: "
                         f"the query of `alliancekb import wikidata --print-query` selects "
                         f"{', '.join(VARIABLES)}")  # fmt: skip
            return None
        bindings = results.members.get("bindings")
        if bindings is None or not isinstance(bindings.value, list):
            self.problem(results.mark if results else top, "results",
                         "`results.bindings` (the list of solutions) is missing")  # fmt: skip
            return None
        return bindings.items

    def records(self) -> Iterator[ReadRecord]:
        doc = self._document()
        if doc is None:
            return
        nodes = self._bindings(doc)
        if nodes is None:
            return
        holdings: list[Holding] = []
        for i, node in enumerate(nodes):
            if not isinstance(node.value, dict):
                self.problem(node.mark, f"results.bindings[{i}]", "a binding is an object")
                continue
            found = _Binding(self, i, node).holding()
            if found is not None:
                holdings.append(found)
        assert self.retrieved is not None
        yield from _Records(self, holdings).all()

    def close(self) -> None:
        pass


def _current(holdings: list[Holding]) -> list[Holding]:
    """Deprecated statements and duplicates left out; where holders of one office have no
    end and one has preferred rank, a normal holder that would start after it (and so
    become current by the chain) left out too."""
    seen: set[str] = set()
    kept: list[Holding] = []
    for h in holdings:
        if h.rank == "deprecated" or h.statement in seen:
            continue  # a statement met twice: its office's country matched twice
        seen.add(h.statement)
        kept.append(h)
    preferred: dict[str, Holding] = {}
    for h in kept:
        if h.end is None and h.rank == "preferred":
            best = preferred.get(h.position)
            if best is None or (h.start or "") > (best.start or ""):
                preferred[h.position] = h
    out = []
    for h in kept:
        best = preferred.get(h.position)
        if best is not None and h is not best and h.end is None and h.rank != "preferred":
            if (h.start or "") >= (best.start or ""):
                continue
            h.notes.append(f"no end time in Wikidata; {best.name} holds the office with "
                           "preferred rank (current)")  # fmt: skip
        if h.rank == "preferred" and h.end is None:
            h.notes.append("preferred rank in Wikidata: the current holder")
        out.append(h)
    return out


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


class _Records:
    """The load records of one file: the source, new countries, officials with positions."""

    def __init__(self, read: WikidataRead, holdings: list[Holding]) -> None:
        self.read = read
        self.conn = read.conn
        self.holdings = _current(holdings)

    def all(self) -> Iterator[ReadRecord]:
        source = self._record("sources", SourceIn, self._source(), Mark(1, 1), "source", {})
        if source is None:
            return
        yield source
        known = set(self.conn.execute(select(m.Country.iso3)).scalars())
        for h in self.holdings:
            if h.iso3 not in known:
                known.add(h.iso3)
                record = self._record("countries", CountryIn, {"iso3": h.iso3}, h.mark,
                                      f"results.bindings[{h.index}].iso3", {})  # fmt: skip
                if record is not None:
                    yield record
        by_person: dict[str, list[Holding]] = {}
        for h in self.holdings:
            by_person.setdefault(h.person, []).append(h)
        officials = _Officials(self.conn)
        for qid, held in by_person.items():
            data = officials.record(qid, held, self.read)
            if data is None:
                continue
            marks: dict[Loc, Mark] = {("positions", i): h.mark for i, h in enumerate(held)}
            record = self._record("officials", OfficialIn, data, held[0].mark,
                                  f"results.bindings[{held[0].index}] ({qid})", marks)  # fmt: skip
            if record is not None:
                yield record

    def _source(self) -> dict[str, Any]:
        day = self.read.retrieved
        return {
            "key": SOURCE_KEY,
            "title": "Wikidata: position held (P39) statements of office holders",
            "publisher": "Wikidata",
            "url": "https://www.wikidata.org/",
            "published": "unknown",
            "retrieved": day,
            "kind": "dataset",
            "covers_to": day,
            "note": "Structured data of Wikidata, CC0 1.0 (https://www.wikidata.org/wiki/"
            "Wikidata:Licensing). Answer of the Wikidata Query Service to the query of "
            "`alliancekb import wikidata --print-query`, retrieved on the day given; "
            "imported by `alliancekb import wikidata`.",
        }

    def _record(
        self, section: str, model: type[BaseModel], data: dict[str, Any], mark: Mark,
        where: str, marks: dict[Loc, Mark],
    ) -> CsvRecord | None:  # fmt: skip
        try:
            validated = model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                at = marks.get(loc[:2], mark)
                path = ".".join(str(p) for p in loc)
                self.read.problem(at, where, f"{path or section}: {error['msg']}")
            return None
        return CsvRecord(section, where, {(): mark, **marks}, validated)


class _Officials:
    """Matches persons to officials: by the alias `wikidata:<QID>`, else by name."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.index = load_index(conn, {Kind.OFFICIAL})
        o, a = m.Official, m.OfficialAlias
        self.stored: dict[int, tuple[str, str]] = {
            row.id: (row.key, row.name) for row in conn.execute(select(o.id, o.key, o.name))
        }
        self.aliases: dict[int, list[str]] = {}
        self.by_qid: dict[str, int] = {}
        for owner, alias in conn.execute(select(a.official_id, a.alias)):
            self.aliases.setdefault(owner, []).append(alias)
            if alias.startswith("wikidata:"):
                self.by_qid[alias.removeprefix("wikidata:")] = owner
        self.keys = {key for key, _ in self.stored.values()}

    def record(
        self, qid: str, held: Sequence[Holding], read: WikidataRead
    ) -> dict[str, Any] | None:
        first = held[0]
        owner = self.by_qid.get(qid)
        if owner is None:
            found = self.index.candidates(first.name, {Kind.OFFICIAL})
            if len(found) > 1:
                read.problem(first.mark, f"results.bindings[{first.index}].personLabel",
                             f"{first.name!r} ({qid}) names several officials: "
                             f"{', '.join(sorted(r.label for r in found))}; give the one it "
                             f"is the alias {alias_of(qid)}")  # fmt: skip
                return None
            owner = found[0].id if found else None
            if owner is not None and any(
                a.startswith("wikidata:") for a in self.aliases.get(owner, [])
            ):
                owner = None  # another person of that name: Wikidata says which is which
        data: dict[str, Any]
        if owner is not None:
            key, name = self.stored[owner]
            names = {normalize(n) for n in [name, *self.aliases.get(owner, [])]}
            aliases = list(self.aliases.get(owner, []))
            if normalize(alias_of(qid)) not in names:
                aliases.append(alias_of(qid))
            if normalize(first.name) not in names and not self._names_another(first.name, owner):
                aliases.append(first.name)
            data = {"key": key, "name": name, "aliases": sorted(aliases, key=str.casefold)}
        else:
            data = {"key": self._new_key(first.name, qid), "name": first.name,
                    "aliases": [alias_of(qid)]}  # fmt: skip
        data["positions"] = [_position(h) for h in held]
        return data

    def _names_another(self, name: str, owner: int) -> bool:
        return any(r.id != owner for r in self.index.candidates(name, {Kind.OFFICIAL}))

    def _new_key(self, name: str, qid: str) -> str:
        key = _slug(name) or f"wikidata-{qid.lower()}"
        if key in self.keys:
            key = f"{key}-{qid.lower()}"
        self.keys.add(key)
        return key


def _position(h: Holding) -> dict[str, Any]:
    notes = [f"Wikidata statement {h.statement} (position {h.position}, {h.rank} rank)"]
    if h.start is None:
        notes.append("no start time in Wikidata: an open start")
    notes.extend(h.notes)
    data: dict[str, Any] = {
        "title": h.title, "country": h.iso3, "claimed_by": SOURCE_KEY, "sources": [SOURCE_KEY],
        "note": "; ".join(notes),
    }  # fmt: skip
    if h.start:
        data["from"] = h.start
    if h.end:
        data["to"] = h.end
    return data


def openers(path: Path, *, retrieved: str | None = None) -> Sequence[StreamOpener]:
    """The stream of `import wikidata FILE`: the results file."""

    def results(conn: Connection, problems: list[Problem]) -> tuple[Path, RecordStream]:
        return path, WikidataRead(path, problems, conn, retrieved)

    return [results]
