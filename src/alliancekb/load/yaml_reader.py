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

from collections.abc import Callable, Iterator, Mapping
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
from alliancekb.load.all_sections import SECTIONS
from alliancekb.load.raw_record import Mark, MarkMap, RawRecord, longest_mark, render_path
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

        Scalars, the most frequent events, are stored here; a key that cannot be one, a
        collection's start, an alias, a tagged node and a record too big are named steps.
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
        nulls = _NULLS
        room = MAX_RECORD_VALUES
        while True:
            event = next_event()
            cls = event.__class__
            if cls is ScalarEvent:
                room -= 1
                if room < 0:
                    self._too_big(event, prefix, len(stack) + 1, next_event)
                    return None
                if event.anchor is not None or event.tag is not None:
                    self._check_scalar(event, prefix, path, key, is_map, container)
                value = event.value
                if key is _KEY and is_map:  # this scalar is a key
                    if value in container or value == "<<":
                        key = self._odd_key(event, prefix, path, marks, container)
                    else:
                        marks[(*path, value)] = event.start_mark
                        key = value
                    continue
                if not event.style and value in nulls:
                    value = None
                if is_map:
                    if key is not _SKIP:
                        container[key] = value
                    key = _KEY
                else:
                    marks[(*path, len(container))] = event.start_mark
                    container.append(value)
            elif cls in _ENDS:
                if not stack:
                    return record
                container, is_map, path = stack.pop()
                key = _KEY
            elif cls in _STARTS:
                room -= 1
                if room < 0:
                    self._too_big(event, prefix, len(stack) + 2, next_event)
                    return None
                opened = self._open(event, prefix, marks, (container, is_map, path), key,
                                    len(stack), next_event)  # fmt: skip
                if opened.__class__ is _Sentinel:  # refused and skipped: the next key's due
                    key = opened
                    continue
                stack.append((container, is_map, path))
                container, path = opened
                is_map = cls is MappingStartEvent
                key = _KEY
            elif cls is AliasEvent:
                key = self._alias_in_record(event, prefix, path, key, is_map, container)
            else:  # pragma: no cover - libyaml never sends anything else inside a node
                raise AssertionError(f"unexpected YAML event {event!r}")

    def _too_big(
        self, event: Any, prefix: str, open_collections: int, next_event: Callable[[], Any]
    ) -> None:
        """A record past MAX_RECORD_VALUES: said once, the rest of the record skipped."""
        self._at(
            event,
            prefix,
            f"a record may hold at most {MAX_RECORD_VALUES} values (keys and "
            "items); this record was skipped from here",
        )
        for _ in range(open_collections):
            self._skip(next_event)

    def _check_scalar(
        self, event: Any, prefix: str, path: tuple[str | int, ...], key: Any, is_map: bool,
        container: Any,
    ) -> None:  # fmt: skip
        """A scalar (key, value or item) with an anchor or a tag."""
        step = (event.value if key is _KEY else key) if is_map else len(container)
        self._check_node(event, render_path(prefix, (*path, step)))

    def _odd_key(
        self,
        event: Any,
        prefix: str,
        path: tuple[str | int, ...],
        marks: dict[tuple[str | int, ...], Any],
        container: dict[str, Any],
    ) -> Any:
        """A key already in its mapping or `<<`: the key its value goes under (_SKIP for a
        duplicate or a merge key, the key itself for a quoted `"<<"`)."""
        value, mark = event.value, event.start_mark
        if value in container:
            self._duplicate(prefix, path, value, marks, mark, container)
            return _SKIP
        if not event.style:
            self._problem(
                mark.line + 1,
                mark.column + 1,
                render_path(prefix, path),
                "merge keys (<<) are not allowed; write the fields out",
            )
            return _SKIP
        marks[(*path, value)] = mark
        return value

    def _open(
        self,
        event: Any,
        prefix: str,
        marks: dict[tuple[str | int, ...], Any],
        where: tuple[Any, bool, tuple[str | int, ...]],
        key: Any,
        open_collections: int,
        next_event: Callable[[], Any],
    ) -> Any:
        """A mapping or list starting inside a record (`where`: the collection it is in):
        its container and path, placed in its parent; or, refused and skipped, the next
        key (_SKIP after a key that is not a string, else _KEY)."""
        container, is_map, path = where
        if event.anchor is not None or event.tag is not None:
            at_key = is_map and isinstance(key, str)
            step = key if at_key else len(container) if not is_map else None
            self._check_node(event, render_path(prefix, path if step is None else (*path, step)))
        if is_map and key is _KEY:
            self._at(
                event, render_path(prefix, path), f"a key must be a string, found {_kind(event)}"
            )
            self._skip(next_event)
            return _SKIP
        if is_map and key is _SKIP:
            self._skip(next_event)
            return _KEY
        child_path = (*path, key) if is_map else (*path, len(container))
        if _RECORD_DEPTH + open_collections >= MAX_DEPTH:
            self._at(
                event,
                render_path(prefix, child_path),
                f"nesting deeper than {MAX_DEPTH} levels is not allowed; this part was skipped",
            )
            self._skip(next_event)
            return _KEY
        child: Any = {} if event.__class__ is MappingStartEvent else []
        if is_map:
            container[key] = child
        else:
            marks[child_path] = event.start_mark
            container.append(child)
        return child, child_path

    def _alias_in_record(
        self, event: Any, prefix: str, path: tuple[str | int, ...], key: Any, is_map: bool,
        container: Any,
    ) -> Any:  # fmt: skip
        """An alias (refused) as a key, a value or an item: the key due next."""
        step = (key if isinstance(key, str) else None) if is_map else len(container)
        self._alias(event, render_path(prefix, path if step is None else (*path, step)))
        if not is_map:
            return key
        return _SKIP if key is _KEY else _KEY


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_KEY: Final = _Sentinel("<key due>")
_SKIP: Final = _Sentinel("<skip value>")
#: The events that start and end a collection.
_STARTS: Final = frozenset({MappingStartEvent, SequenceStartEvent})
_ENDS: Final = frozenset({MappingEndEvent, SequenceEndEvent})


def read_all(path: Path, **kwargs: Any) -> tuple[list[RawRecord], list[Problem]]:
    """Read a whole file into memory (for tests and small files)."""
    reader = DocumentReader(path, **kwargs)
    records = list(reader.records())
    return records, reader.problems
