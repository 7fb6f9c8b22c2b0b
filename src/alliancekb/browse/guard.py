"""The canned `members` query's parameters, read as the CLI reads `members SCOPE --as-of`.

A canned query is SQL: it cannot parse an EDTF date or put a name in the name index's
normal form, and SQL that tried would be a second copy of those rules that could drift.
So the server checks the two parameters before Datasette sees the request, with the
CLI's own functions, and hands Datasette their canonical form:

- `as_of`: `query.common.parse_date` (YYYY, YYYY-MM, YYYY-MM-DD or `today`; `today` is
  `core.clock.today`, `ALLIANCEKB_TODAY` included) gives the day, written as YYYY-MM-DD;
  anything else is answered 400 with the CLI's message (`as_of: not an EDTF date ...`);
  empty stays empty (today, with the status rule of `members` without `--as-of`);
- `scope`: the name index (`store.resolve.NameIndex`), rebuilt from the snapshot's
  `scope_names`, gives the one scope a name means (`Pillar II`, `aukus/pillar-2`), or
  the CLI's message: no such scope with the nearest names, or the candidates of an
  ambiguous one (400).

The query's SQL still refuses what it cannot read (a day that is not YYYY-MM-DD gives no
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

from alliancekb.query.common import DateParameterError, parse_date
from alliancekb.store.resolve import SCOPE_KINDS, Kind, NameIndex, Ref

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The canned query whose parameters are checked (`browse.metadata.canned_queries`).
QUERY = "members"


@dataclass(frozen=True)
class ScopeNames:
    """The name index of a snapshot's scopes, and the label in `scopes` of each of them."""

    index: NameIndex
    #: Ref.id -> the scope's label in `scopes` (the index's labels name pillars longer).
    scope_of: dict[int, str]

    @classmethod
    def of(cls, path: Path) -> ScopeNames:
        """Read from the snapshot's `scope_names` table."""
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name, scope, kind, label FROM scope_names").fetchall()
        finally:
            conn.close()
        names: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for name, scope, kind, label in rows:
            names[(str(scope), str(kind), str(label))].append(str(name))
        index, scope_of = NameIndex(), {}
        for number, ((scope, kind, label), own) in enumerate(sorted(names.items())):
            index.put(Ref(Kind(kind), number, label), (), own)
            scope_of[number] = scope
        return cls(index, scope_of)

    def resolve(self, name: str) -> str:
        """The label of the one scope `name` means; BadParameter with the CLI's message."""
        found = self.index.lookup(name, SCOPE_KINDS)
        if isinstance(found, str):
            raise BadParameter(f"scope: {found}")
        return self.scope_of[found.id]


class BadParameter(Exception):
    """A parameter the CLI would refuse: the message the CLI gives."""


def canonical(params: list[tuple[str, str]], names: ScopeNames) -> list[tuple[str, str]]:
    """`scope` and `as_of` in the form the query's SQL reads; BadParameter when invalid."""
    out: list[tuple[str, str]] = []
    for key, value in params:
        if key == "as_of" and value.strip():
            try:
                value = parse_date(value.strip(), "as_of").isoformat()
            except DateParameterError as exc:
                raise BadParameter(str(exc)) from None
        elif key == "scope" and value.strip():
            value = names.resolve(value)
        out.append((key, value))
    return out


def _is_query(path: str) -> tuple[bool, str]:
    """Whether `path` is `/<database>/members[.ext]`, and the extension."""
    parts = path.strip("/").split("/")
    if len(parts) != 2:
        return False, ""
    name, _, ext = parts[1].partition(".")
    return name == QUERY, ext


async def _refuse(send: Send, message: str, ext: str) -> None:
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
            f'<p><a href="{QUERY}">Back to the query</a></p></body></html>\n'
        )
        kind = "text/html; charset=utf-8"
    data = body.encode()
    headers = [(b"content-type", kind.encode()), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def guarded(app: App, names: ScopeNames) -> App:
    """`app` with the `members` query's parameters checked and made canonical first."""

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") == "http":
            wanted, ext = _is_query(str(scope.get("path", "")))
            query = bytes(scope.get("query_string", b""))
            if wanted and query:
                params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                try:
                    fixed = canonical(params, names)
                except BadParameter as exc:
                    await _refuse(send, str(exc), ext)
                    return
                scope = dict(scope, query_string=urlencode(fixed).encode("ascii"))
        await app(scope, receive, send)

    return guard
