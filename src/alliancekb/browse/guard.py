"""The canned queries' parameters and the statements' search, read as the CLI reads them.

A canned query is SQL: it cannot parse an EDTF date or put a name in the name index's
normal form, and SQL that tried would be a second copy of those rules that could drift.
So the server reads the parameters before Datasette sees the request, with the CLI's own
functions, and hands Datasette their canonical form (`READERS`, by query):

- `as_of` (`members`): `query.common.parse_date` (YYYY, YYYY-MM, YYYY-MM-DD or `today`;
  `today` is `core.clock.today`, `ALLIANCEKB_TODAY` included) gives the day, written as
  YYYY-MM-DD; anything else is answered 400 with the CLI's message (`as_of: not an EDTF
  date ...`); empty stays empty (today, with the status rule of `members` without `--as-of`);
- `scope` (`members`, `conflicts_of`) and `country` (`statements_about`): the name index
  (`store.resolve.NameIndex`), rebuilt from the snapshot's `scope_names` and
  `country_names`, gives the one scope or country a name means (`Pillar II`,
  `aukus/pillar-2`, `the Quad`, `Türkiye`, `Viet Nam`) as the scope's label or the
  country's ISO3 code, or the CLI's message: no such name with the nearest ones, or the
  candidates of an ambiguous one (400);
- the statements' search (`_search`, `_search_COLUMN`): `store.search.parse` reads it as
  `statements --search` does (words of letters and digits, `"quoted phrases"`, nothing
  else is syntax) and Datasette gets the words and phrases written out again, which its
  own escaping turns into the CLI's search; `_searchmode` is dropped (a user's text is
  never search syntax); a text without a word is answered 400 with the CLI's message.

The queries' SQL still refuses what it cannot read (a day that is not YYYY-MM-DD gives no
rows, never another day's), for a snapshot opened without this server.
"""

from __future__ import annotations

import html
import json
import sqlite3
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from alliancekb.core.errors import UsageError
from alliancekb.query.common import DateParameterError, parse_date
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref
from alliancekb.store.search import parse_required, written

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The tables whose `_search` is the statements' search (`browse.metadata`'s fts_table).
SEARCHED_TABLES = frozenset({"statements"})


@dataclass(frozen=True)
class SnapshotNames:
    """The name index of a snapshot's scopes and countries, and the value in the tables of
    each entity (a scope's label in `scopes`, a country's ISO3 code)."""

    index: NameIndex
    #: Ref.id -> that value.
    key_of: dict[int, str]

    @classmethod
    def of(cls, path: Path) -> SnapshotNames:
        """Read from the snapshot's `scope_names` and `country_names` tables."""
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name, scope, kind, label FROM scope_names").fetchall()
            rows += conn.execute(
                "SELECT name, country, 'country', label FROM country_names"
            ).fetchall()
        finally:
            conn.close()
        names: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for name, key, kind, label in rows:
            names[(str(kind), str(key), str(label))].append(str(name))
        index, key_of = NameIndex(), {}
        for number, ((kind, key, label), own) in enumerate(sorted(names.items())):
            index.put(Ref(Kind(kind), number, label), (), own)
            key_of[number] = key
        return cls(index, key_of)

    def resolve(self, name: str, kinds: frozenset[Kind], param: str) -> str:
        """The table value of the one entity `name` means; BadParameter with the CLI's
        message after `param`."""
        found = self.index.lookup(name, kinds)
        if isinstance(found, str):
            raise BadParameter(f"{param}: {found}")
        return self.key_of[found.id]


class BadParameter(Exception):
    """A parameter the CLI would refuse: the message the CLI gives."""


def _day(value: str, _names: SnapshotNames) -> str:
    try:
        return parse_date(value.strip(), "as_of").isoformat()
    except DateParameterError as exc:
        raise BadParameter(str(exc)) from None


def _scope(value: str, names: SnapshotNames) -> str:
    return names.resolve(value, frozenset(SCOPE_KINDS), "scope")


def _country(value: str, names: SnapshotNames) -> str:
    return names.resolve(value, frozenset({Kind.COUNTRY}), "country")


Reader = Callable[[str, SnapshotNames], str]

#: Each canned query's parameters that the CLI reads, and how (`browse.metadata`).
READERS: dict[str, dict[str, Reader]] = {
    "members": {"scope": _scope, "as_of": _day},
    "statements_about": {"country": _country},
    "conflicts_of": {"scope": _scope},
}


def canonical(
    name: str, params: list[tuple[str, str]], names: SnapshotNames
) -> list[tuple[str, str]]:
    """The parameters of a request for the canned query or table `name`, in the form its
    SQL reads (empty values stay empty); BadParameter when the CLI would refuse one."""
    readers = READERS.get(name, {})
    searched = name in SEARCHED_TABLES
    out: list[tuple[str, str]] = []
    for key, value in params:
        if key in readers and value.strip():
            value = readers[key](value, names)
        elif searched and key == "_searchmode":
            continue
        elif searched and key.startswith("_search") and value.strip():
            try:
                value = written(parse_required(value))
            except UsageError as exc:
                raise BadParameter(str(exc)) from None
        out.append((key, value))
    return out


def _target(path: str) -> tuple[str, str]:
    """The canned query or table `path` (`/<database>/<name>[.ext]`) asks for, and the
    extension; no name for any other path."""
    parts = path.strip("/").split("/")
    if len(parts) != 2:
        return "", ""
    name, _, ext = parts[1].partition(".")
    return name, ext


async def _refuse(send: Send, message: str, name: str, ext: str) -> None:
    if ext == "json":
        body = json.dumps({"ok": False, "error": message, "status": 400, "title": None})
        kind = "application/json; charset=utf-8"
    elif ext:
        body, kind = message + "\n", "text/plain; charset=utf-8"
    else:
        shown = html.escape(message)
        body = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Not a valid '
            f"parameter</title></head>\n<body><h1>Not a valid parameter</h1>\n<p>{shown}</p>\n"
            f'<p><a href="{html.escape(name)}">Back to {html.escape(name)}</a></p></body></html>\n'
        )
        kind = "text/html; charset=utf-8"
    data = body.encode()
    headers = [(b"content-type", kind.encode()), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def guarded(app: App, names: SnapshotNames) -> App:
    """`app` with the canned queries' parameters and the search read as the CLI reads them."""

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http":
            name, ext = _target(str(scope.get("path", "")))
            query = bytes(scope.get("query_string", b""))
            if (name in READERS or name in SEARCHED_TABLES) and query:
                params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                try:
                    fixed = canonical(name, params, names)
                except BadParameter as exc:
                    await _refuse(send, str(exc), name, ext)
                    return
                scope = dict(scope, query_string=urlencode(fixed).encode("ascii"))
        await app(scope, receive, send)

    return guard
