"""The strict, streaming YAML reader of the load format (docs/yaml-format.md).

The reader never composes the document. It pulls libyaml events one at a time and builds
one record (one item of a section list) at a time, so memory does not grow with the file:

- every scalar stays a string (`NO`, `012345`, `2024-04-10`, `true` are all `str`); only a
  plain empty value, `~`, `null`, `Null` or `NULL` becomes None; the schema decides types;
- tags, anchors, aliases and merge keys are refused (aliases are never expanded, so a
  billion-laughs document costs nothing), duplicate keys are refused naming both lines;
- nesting deeper than MAX_DEPTH is refused and skipped without recursion;
- the bytes are hashed, counted and decoded as UTF-8 in the same single read, chunk by
  chunk; invalid UTF-8 and control characters are refused with their exact position;
- every problem is a `Problem` with a 1-based line and column and a `where` path such as
  `statements[3].about.countries[1]`; reading goes on after a problem where it can, so
  all problems of a file are listed (a syntax error stops reading, as it must).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from alliancekb.core.errors import Problem, ProblemList
from alliancekb.core.paths import display_name as safe_name
from alliancekb.load.schema import SECTIONS
from alliancekb.load.yaml_bytes import CHUNK_BYTES, ByteSource, StopReading
from alliancekb.load.yaml_hints import indentation_cause

__all__ = [
    "CHUNK_BYTES",
    "DEFAULT_MAX_BYTES",
    "MAX_DEPTH",
    "MAX_RECORD_VALUES",
    "DocumentReader",
    "Mark",
    "MarkMap",
    "RawRecord",
    "longest_mark",
    "read_all",
    "render_path",
]

#: Files larger than this are refused before parsing (the CLI's --max-mb raises it).
DEFAULT_MAX_BYTES: Final = 512 * 1024 * 1024
#: Deepest allowed nesting of collections, the top-level mapping counting as level 1
#: (a section list is level 2, a record level 3, `about` level 4, its lists level 5).
MAX_DEPTH: Final = 16
#: Most values (keys, scalars, lists and mappings, counted together) one record may hold: a
#: record holds a few dozen, so one far larger is refused whole before it fills memory.
MAX_RECORD_VALUES: Final = 10_000

#: libyaml if available (fast), else the pure-Python parser (same events, same rules).
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_RECORD_DEPTH: Final = 3
_CORE_TAG_PREFIX: Final = "tag:yaml.org,2002:"


@dataclass(frozen=True, slots=True)
class Mark:
    """A place in the file: 1-based line and column (columns count characters)."""

    line: int
    column: int


class MarkMap(Mapping[tuple[str | int, ...], Mark]):
    """Path -> Mark, made lazily from the parser's own 0-based marks (cheap on the hot path)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[tuple[str | int, ...], Any]) -> None:
        self._raw = raw  # values: anything with 0-based .line and .column

    def __getitem__(self, path: tuple[str | int, ...]) -> Mark:
        mark = self._raw[path]
        return Mark(mark.line + 1, mark.column + 1)

    def __iter__(self) -> Iterator[tuple[str | int, ...]]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"MarkMap({dict(self)!r})"

    def offsets(self) -> dict[tuple[str | int, ...], tuple[int, int]]:
        """Path -> the parser's 0-based (line, column): plain data, cheap to send elsewhere."""
        return {path: (mark.line, mark.column) for path, mark in self._raw.items()}


def longest_mark(marks: Mapping[tuple[str | int, ...], Mark], loc: tuple[str | int, ...]) -> Mark:
    """The mark of the longest prefix of `loc` that has one; `()` (the record) at least."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in marks:
            return marks[loc[:end]]
    return marks[()]


@dataclass
class RawRecord:
    """One item of a section list, every scalar a str (or None), with where each value is."""

    section: str
    index: int
    data: dict[str, Any]
    #: Path inside the record -> where it starts: `()` is the record itself; a mapping key's
    #: path maps to the mark of the key; a list item's path to the mark of the item.
    marks: Mapping[tuple[str | int, ...], Mark] = field(repr=False)

    def mark_for(self, loc: tuple[str | int, ...]) -> Mark:
        """The mark of the longest prefix of `loc` that has one (e.g. a Pydantic error loc)."""
        return longest_mark(self.marks, loc)

    @property
    def where(self) -> str:
        """`statements[3]`: how problems name this record."""
        return f"{self.section}[{self.index}]"


def render_path(prefix: str, path: Iterable[str | int]) -> str:
    """`statements[3]` + ("about", "countries", 1) -> `statements[3].about.countries[1]`."""
    out = prefix
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out


def _tag_text(tag: str) -> str:
    return "!!" + tag[len(_CORE_TAG_PREFIX) :] if tag.startswith(_CORE_TAG_PREFIX) else tag


def _kind(event: Any) -> str:
    cls = event.__class__
    if cls is MappingStartEvent:
        return "a mapping"
    if cls is SequenceStartEvent:
        return "a list"
    if cls is AliasEvent:
        return "an alias"
    if cls is ScalarEvent:
        value: str = event.value
        if not event.style and value in _NULLS:
            return "an empty value"
        return f"the scalar {_short(value)!r}"
    return "nothing"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DocumentReader:
    """Reads one load-format file as a stream of RawRecords, collecting every Problem.

    `records()` yields the records in file order; `problems` fills up while it runs;
    `sha256` and `size` describe the file's bytes once `records()` is exhausted.
    """

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        display_name: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.name = display_name if display_name is not None else safe_name(path)
        #: The problems found: the first MAX_KEPT_PROBLEMS, and a count of the rest.
        self.problems: ProblemList = ProblemList()
        self.sha256 = ""
        self.size = 0
        self._source: ByteSource | None = None
        self._duplicates_said = False

    @property
    def bytes_read(self) -> int:
        """How many bytes of the file have been read so far (progress while reading)."""
        return self._source.size if self._source is not None else self.size

    # -- problems -------------------------------------------------------------------------

    def _problem(self, line: int, column: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.name, line, column, where, message))

    def _at(self, event: Any, where: str, message: str) -> None:
        mark = event.start_mark
        self._problem(mark.line + 1, mark.column + 1, where, message)

    def _check_node(self, event: Any, where: str) -> None:
        """Refuse the anchor and the tag of a scalar or collection event (rarely called)."""
        if event.anchor is not None:
            self._at(
                event,
                where,
                f"anchors are not allowed (&{event.anchor}); repeat the value instead",
            )
        if event.tag is not None:
            self._at(
                event,
                where,
                f"tags are not allowed ({_tag_text(event.tag)}); write the value without it",
            )

    def _alias(self, event: Any, where: str) -> None:
        self._at(
            event,
            where,
            f"aliases are not allowed (*{event.anchor}); repeat the value instead",
        )

    # -- reading --------------------------------------------------------------------------

    def records(self) -> Iterator[RawRecord]:
        """Yield the file's records one at a time, in file order."""
        path = self.path
        try:
            stat_size = path.stat().st_size
        except OSError:
            stat_size = 0  # open() below reports it
        if stat_size > self.max_bytes:
            self.size = stat_size
            self._problem(
                1,
                1,
                "",
                f"file is {stat_size} bytes, over the limit of {self.max_bytes} bytes; "
                "raise it with --max-mb",
            )
            return
        with path.open("rb") as raw:
            source = self._source = ByteSource(raw, self.name, self.max_bytes)
            loader: Any = None
            try:
                loader = _Loader(source)
                yield from self._document(loader.get_event)
            except StopReading:
                pass
            except yaml.MarkedYAMLError as exc:
                if source.failure is None:
                    self._syntax_problem(exc)
            except yaml.YAMLError as exc:  # a ReaderError; the source's own checks come first
                if source.failure is None:
                    self._problem(source.line + 1, source.column + 1, "", str(exc))
            finally:
                if loader is not None:
                    loader.dispose()
            # Not reached when the consumer abandons the generator (no pointless reading).
            if source.failure is not None:  # the bytes were refused: no point reading on
                self._problem(*source.failure[:2], "", source.failure[2])
            elif not source.drain():  # a syntax error: the hash covers the file, to the limit
                self._problem(1, 1, "", source.over_limit())
            self.size = source.size
            self.sha256 = source.hash.hexdigest()

    def _syntax_problem(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            context = exc.context
            cmark = exc.context_mark
            if cmark is not None and cmark.line + 1 != line:
                context += f" (from line {cmark.line + 1})"
            problem = f"{context}: {problem}"
        cause = indentation_cause(self.path, exc)
        message = f"{cause} ({problem})" if cause else problem
        self._problem(line, column, "", f"invalid YAML: {message}")

    def _duplicate(
        self,
        prefix: str,
        path: tuple[str | int, ...],
        value: str,
        marks: Mapping[tuple[str | int, ...], Any],
        mark: Any,
        container: Mapping[str, Any],
    ) -> None:
        """A duplicate key; when it repeats the record's first field, the likely cause (a
        record without its `-`) is said once for the record, not once per field."""
        if self._duplicates_said and not path:
            return
        first = marks[(*path, value)].line + 1
        message = f"duplicate key {_short(value)!r} (first at line {first})"
        # the record's first field again, after others: the start of the next record
        if not path and len(container) > 1 and next(iter(container)) == value:
            self._duplicates_said = True
            message += (
                f": records must be list items; start the record at line {mark.line + 1} "
                "with `- ` (a missing `-` joins two records into one)"
            )
        self._problem(mark.line + 1, mark.column + 1, render_path(prefix, (*path, value)), message)

    def _skip(self, next_event: Callable[[], Any]) -> None:
        """Consume the rest of a collection whose start event was just read (no recursion)."""
        depth = 1
        while depth:
            cls = next_event().__class__
            if cls is MappingStartEvent or cls is SequenceStartEvent:
                depth += 1
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                depth -= 1

    def _skip_node(self, event: Any, next_event: Callable[[], Any]) -> None:
        cls = event.__class__
        if cls is MappingStartEvent or cls is SequenceStartEvent:
            self._skip(next_event)

    def _document(self, next_event: Callable[[], Any]) -> Iterator[RawRecord]:
        next_event()  # StreamStartEvent
        event = next_event()
        if event.__class__ is StreamEndEvent:
            self._problem(1, 1, "", "the file is empty")
            return
        root = next_event()  # DocumentStartEvent was `event`
        cls = root.__class__
        if cls is MappingStartEvent:
            if root.anchor is not None or root.tag is not None:
                self._check_node(root, "")
            yield from self._sections(next_event)
        elif cls is ScalarEvent and not root.style and root.value in _NULLS and not root.tag:
            self._check_node(root, "")
            self._problem(1, 1, "", "the file is empty")
        else:
            if cls is AliasEvent:
                self._alias(root, "")
            else:
                self._check_node(root, "")
            self._at(
                root,
                "",
                f"the top level must be a mapping of section names to lists, found "
                f"{_kind(root)} (sections: {', '.join(SECTIONS)})",
            )
            self._skip_node(root, next_event)
        next_event()  # DocumentEndEvent
        event = next_event()
        if event.__class__ is DocumentStartEvent:
            self._at(
                event,
                "",
                "a second YAML document starts here; a file holds exactly one document",
            )

    def _sections(self, next_event: Callable[[], Any]) -> Iterator[RawRecord]:
        seen: dict[str, int] = {}
        while True:
            key = next_event()
            cls = key.__class__
            if cls is MappingEndEvent:
                return
            if cls is not ScalarEvent:
                if cls is AliasEvent:
                    self._alias(key, "")
                else:
                    self._at(key, "", f"a section name must be a string, found {_kind(key)}")
                    self._skip_node(key, next_event)
                self._skip_node(next_event(), next_event)
                continue
            name: str = key.value
            if key.anchor or key.tag:
                self._check_node(key, name)
            if name not in SECTIONS:  # not remembered: memory stays small however many
                self._at(
                    key,
                    name,
                    f"unknown section {_short(name)!r}; known sections: {', '.join(SECTIONS)}",
                )
                self._skip_node(next_event(), next_event)
                continue
            if name in seen:
                self._at(key, name, f"duplicate key {name!r} (first at line {seen[name]})")
                self._skip_node(next_event(), next_event)
                continue
            seen[name] = key.start_mark.line + 1
            value = next_event()
            if value.__class__ is SequenceStartEvent:
                if value.anchor or value.tag:
                    self._check_node(value, name)
                yield from self._section(name, next_event)
                continue
            if value.__class__ is AliasEvent:
                self._alias(value, name)
            else:
                self._check_node(value, name)
            hint = "; write [] for none" if value.__class__ is ScalarEvent else ""
            self._at(value, name, f"expected a list of records, found {_kind(value)}{hint}")
            self._skip_node(value, next_event)

    def _section(self, section: str, next_event: Callable[[], Any]) -> Iterator[RawRecord]:
        index = 0
        held: RawRecord | None = None
        while True:
            # One record held back until the next event is read: a record a syntax error
            # cuts short (a field indented out of it) is not validated, so the syntax
            # error's message stands alone, not beside "required field ... is missing".
            item = next_event()
            if held is not None:
                yield held
                held = None
            cls = item.__class__
            if cls is MappingStartEvent:
                self._duplicates_said = False
                held = self._record(section, index, item, next_event)
            elif cls is SequenceEndEvent:
                return
            else:
                where = f"{section}[{index}]"
                if cls is AliasEvent:
                    self._alias(item, where)
                else:
                    self._check_node(item, where)
                    self._at(item, where, f"expected a mapping (a record), found {_kind(item)}")
                    self._skip_node(item, next_event)
            index += 1

    def _record(
        self, section: str, index: int, start: Any, next_event: Callable[[], Any]
    ) -> RawRecord | None:
        """Build one record from events, iteratively; the hot path of the reader.

        None (with a problem) for a record of more than MAX_RECORD_VALUES values.
        """
        prefix = f"{section}[{index}]"
        marks: dict[tuple[str | int, ...], Any] = {(): start.start_mark}  # 0-based marks
        if start.anchor is not None or start.tag is not None:
            self._check_node(start, prefix)
        data: dict[str, Any] = {}
        record = RawRecord(section, index, data, MarkMap(marks))
        # The innermost open collection: its container, whether it is a mapping, its path,
        # and (for a mapping) the key whose value comes next: _KEY while a key is due,
        # _SKIP when the value must be dropped.
        container: Any = data
        is_map = True
        path: tuple[str | int, ...] = ()
        key: Any = _KEY
        stack: list[tuple[Any, bool, tuple[str | int, ...]]] = []
        depth = _RECORD_DEPTH
        nulls = _NULLS
        room = MAX_RECORD_VALUES
        while True:
            event = next_event()
            cls = event.__class__
            if cls is ScalarEvent or cls is MappingStartEvent or cls is SequenceStartEvent:
                room -= 1
                if room < 0:
                    self._at(
                        event,
                        prefix,
                        f"a record may hold at most {MAX_RECORD_VALUES} values (keys and "
                        "items); this record was skipped from here",
                    )
                    for _ in range(len(stack) + 1 + (cls is not ScalarEvent)):
                        self._skip(next_event)
                    return None
            if cls is ScalarEvent:
                value = event.value
                if event.anchor is not None or event.tag is not None:
                    step = (value if key is _KEY else key) if is_map else len(container)
                    self._check_node(event, render_path(prefix, (*path, step)))
                if is_map:
                    if key is _KEY:  # this scalar is a key
                        mark = event.start_mark
                        if value in container:
                            self._duplicate(prefix, path, value, marks, mark, container)
                            key = _SKIP
                        elif value == "<<" and not event.style:
                            self._problem(
                                mark.line + 1,
                                mark.column + 1,
                                render_path(prefix, path),
                                "merge keys (<<) are not allowed; write the fields out",
                            )
                            key = _SKIP
                        else:
                            marks[(*path, value)] = mark
                            key = value
                        continue
                    if key is not _SKIP:
                        container[key] = None if not event.style and value in nulls else value
                    key = _KEY
                else:
                    marks[(*path, len(container))] = event.start_mark
                    container.append(None if not event.style and value in nulls else value)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                if not stack:
                    return record
                container, is_map, path = stack.pop()
                key = _KEY
                depth -= 1
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    at_key = is_map and isinstance(key, str)
                    step = key if at_key else len(container) if not is_map else None
                    where_path = path if step is None else (*path, step)
                    self._check_node(event, render_path(prefix, where_path))
                if is_map and key is _KEY:
                    self._at(
                        event,
                        render_path(prefix, path),
                        f"a key must be a string, found {_kind(event)}",
                    )
                    self._skip(next_event)
                    key = _SKIP
                    continue
                if is_map and key is _SKIP:
                    self._skip(next_event)
                    key = _KEY
                    continue
                child_path = (*path, key) if is_map else (*path, len(container))
                if depth >= MAX_DEPTH:
                    self._at(
                        event,
                        render_path(prefix, child_path),
                        f"nesting deeper than {MAX_DEPTH} levels is not allowed; "
                        "this part was skipped",
                    )
                    self._skip(next_event)
                    key = _KEY
                    continue
                child: Any = {} if cls is MappingStartEvent else []
                if is_map:
                    container[key] = child
                else:
                    marks[child_path] = event.start_mark
                    container.append(child)
                stack.append((container, is_map, path))
                container, is_map, path = child, cls is MappingStartEvent, child_path
                key = _KEY
                depth += 1
            elif cls is AliasEvent:
                step = (key if isinstance(key, str) else None) if is_map else len(container)
                self._alias(event, render_path(prefix, path if step is None else (*path, step)))
                if is_map:
                    key = _SKIP if key is _KEY else _KEY
            else:  # pragma: no cover - libyaml never sends anything else inside a node
                raise AssertionError(f"unexpected YAML event {event!r}")


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_KEY: Final = _Sentinel("<key due>")
_SKIP: Final = _Sentinel("<skip value>")


def read_all(path: Path, **kwargs: Any) -> tuple[list[RawRecord], list[Problem]]:
    """Read a whole file into memory (for tests and small files)."""
    reader = DocumentReader(path, **kwargs)
    records = list(reader.records())
    return records, reader.problems
