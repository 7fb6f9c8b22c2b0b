"""The answers a snapshot carries besides the tables: what the query layer decided.

An SQLite snapshot (`alliancekb export --sqlite`) holds the tables as stored. The rules
that turn them into answers — chains of records (a later record ends an earlier one),
a start at the earliest evidence when `from` is unknown, `confirmed` from the cited
sources, which claimant's dates come first, conflicts between sources — live in the
query layer (`query.facts`, `core.evidence`, `query.conflicts`). Rather than restate
them in SQL, the snapshot gets their results, computed by those functions in the same
read transaction:

- `member_records`: every membership record with the chain rule applied: `start` and
  `end` are the first and last day it answers (as `members --history` lists them), with
  its evidence (`confirmed`, `confirmed_upper`), whether it is durable, and its claim's
  precedence. "Who was in scope S on day D" is then a range query (the canned query
  `members`), and currency the comparison of D with `confirmed_upper`.
- `member_answers`: the answer of `members` (`precedence.decide`: which claim answers,
  who disputes it, a country that left, an alliance that ended) for each stretch of days
  over which it holds: the canned query `members` is a range query on it.
- `scopes`: each alliance and pillar, its label and key, for the canned queries' parameters.
- `scope_names`: every name of every alliance and pillar in the name index's normal form
  (`core.names.normalize`: `pillar ii`, `aukus pillar 2`), so that the server resolves a
  scope the way the CLI does (`store.resolve`), and plain SQL can match a typed name.
- `country_names`: every name of every country in the same normal form (codes, names,
  aliases), so that the server resolves a country the way the CLI does as well.
- `conflicts`: the rows of `alliancekb conflicts`, in its order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from alliancekb.export.sqlite_file import ExtraTable
from alliancekb.query.common import scope_infos
from alliancekb.query.conflicts import conflicts
from alliancekb.query.facts import membership_spans
from alliancekb.query.members import answer_segments, scope_context
from alliancekb.query.precedence import claim_precedence
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

MEMBER_RECORD_COLUMNS = (
    ("country", "TEXT", "country iso3"),
    ("country_name", "TEXT", "country name"),
    ("scope", "TEXT", "the alliance or pillar (its label: `AUKUS Pillar 2`)"),
    ("alliance_scope", "TEXT", "the alliance of the scope (its label)"),
    ("role", "TEXT", "founding-member, member, partner, candidate or observer"),
    ("status", "TEXT", "lifecycle status of the record"),
    ("from", "TEXT", "start as written (EDTF); empty = unknown"),
    ("to", "TEXT", "end as written (EDTF); empty = not known to have ended"),
    ("start", "TEXT", "first day the record answers: `from`, else its earliest evidence"),
    (
        "end",
        "TEXT",
        "last day it answers: its own `to`, or the day before a later record of "
        "its chain starts; empty = not known to have ended",
    ),
    ("until", "TEXT", "the day before the later record that replaced it, if one did"),
    ("confirmed", "TEXT", "newest evidence date (EDTF)"),
    ("confirmed_upper", "TEXT", "last day of `confirmed`: the evidence covers dates up to it"),
    ("to_upper", "TEXT", "last day of its own `to`"),
    (
        "durable",
        "INTEGER",
        "1 = presumed to continue past its evidence (in-force, suspended, "
        "ended, declined); 0 = transitional, unconfirmed past it",
    ),
    ("claim", "TEXT", "empty = the knowledge base's own record; else the claiming dataset"),
    ("precedence", "INTEGER", "whose dates come first: 0 = own record, then COW, ATOP, others"),
    ("obligations", "TEXT", "coded obligations, `; `-joined"),
    ("sources", "TEXT", "cited source keys, `; `-joined"),
)

MEMBER_ANSWER_COLUMNS = (
    ("country", "TEXT", "country iso3"),
    ("country_name", "TEXT", "country name"),
    ("scope", "TEXT", "the alliance or pillar (its label)"),
    ("first_day", "TEXT", "first day of this answer; empty = since always"),
    ("last_day", "TEXT", "last day of this answer; empty = not known to change"),
    ("role", "TEXT", "role"),
    ("status", "TEXT", "status (`ended`: the country had left, or the alliance had ended)"),
    ("from", "TEXT", "start as written (EDTF)"),
    ("to", "TEXT", "end as written (EDTF), or the last day of a country that left"),
    ("start", "TEXT", "first day of the answering record (orders the rows)"),
    ("until", "TEXT", "last day the record answers, where known"),
    ("confirmed", "TEXT", "newest evidence date (EDTF)"),
    ("currency", "TEXT", "known, presumed or unconfirmed over these days"),
    ("departed", "INTEGER", "1 = a row of a country that left (shown with `--status ended` only)"),
    ("obligations", "TEXT", "obligations, `; `-joined"),
    ("obligations_from", "TEXT", "where the obligations come from (record, treaty, dataset)"),
    ("claim", "TEXT", "empty = the knowledge base's own record; else the dataset whose dates"),
    ("sources", "TEXT", "the sources that agree with the answer, `; `-joined"),
    ("disputed", "TEXT", "the sources that say otherwise and what they say, `; `-joined"),
)

SCOPE_COLUMNS = (
    ("scope", "TEXT", "label (`NATO`, `AUKUS Pillar 2`)"),
    ("kind", "TEXT", "alliance or pillar"),
    ("alliance", "TEXT", "alliance key"),
    ("pillar", "INTEGER", "pillar number; empty for an alliance"),
    ("alliance_scope", "TEXT", "the alliance's label (a pillar's members include its members)"),
)

SCOPE_NAME_COLUMNS = (
    ("name", "TEXT", "a name of the scope in normal form (lower case, no accents or punctuation)"),
    ("scope", "TEXT", "the scope it names (its label in `scopes`)"),
    ("kind", "TEXT", "alliance or pillar"),
    ("label", "TEXT", "how the name index shows the scope in messages"),
)

COUNTRY_NAME_COLUMNS = (
    (
        "name",
        "TEXT",
        "a name of the country in normal form (lower case, no accents, no punctuation)",
    ),
    ("country", "TEXT", "the country it names (iso3)"),
    ("label", "TEXT", "how the name index shows the country in messages"),
)

CONFLICT_COLUMNS = (
    ("scope", "TEXT", "alliance or pillar"),
    ("country", "TEXT", "country name"),
    ("iso3", "TEXT", "country iso3"),
    ("kind", "TEXT", "missing, start, end or obligation"),
    ("values", "TEXT", "each source's value (JSON object: source -> value)"),
    ("note", "TEXT", "a known convention difference, if it is one"),
)


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


def _member_records(session: Session) -> Iterator[Sequence[Any]]:
    infos = scope_infos(session)
    spans = membership_spans(session, true())
    for span in spans:
        p = span.payload
        info = infos[p["scope_id"]]
        until = span.end if span.replaced_by is not None else None
        yield (
            p["iso3"],
            p["country"],
            info.label,
            infos[info.alliance_scope_id].label,
            str(p["role"]),
            str(p["status"]),
            p["from"],
            p["to"],
            _iso(span.start),
            _iso(span.end),
            _iso(until),
            span.evidence.confirmed,
            _iso(span.evidence.confirmed_upper),
            _iso(span.to_upper),
            int(span.durable),
            p["claim"] or "",
            claim_precedence(p["claim"]),
            "; ".join(p["obligations"]),
            "; ".join(p["sources"]),
        )


def _member_answers(session: Session) -> Iterator[Sequence[Any]]:
    infos = scope_infos(session)
    spans = membership_spans(session, true())
    context = scope_context(session, infos, spans)
    for first, last, span, row in answer_segments(spans, context):
        p = span.payload
        yield (
            p["iso3"],
            p["country"],
            infos[p["scope_id"]].label,
            _iso(first),
            _iso(last),
            str(row["role"]),
            str(row["status"]),
            row["from"],
            row["to"],
            _iso(span.start),
            row["until"],
            row["confirmed"],
            row["currency"],
            int(bool(row.get("_synthetic"))),
            "; ".join(row["obligations"]),
            row["obligations_from"],
            p["claim"] or "",
            "; ".join(row["sources"]),
            "; ".join(row["disputed"]),
        )


def _scopes(session: Session) -> Iterator[Sequence[Any]]:
    infos = scope_infos(session)
    keys = dict(session.execute(select(m.Alliance.scope_id, m.Alliance.key)).all())
    numbers = {
        scope_id: (alliance_id, number)
        for scope_id, alliance_id, number in session.execute(
            select(m.Pillar.scope_id, m.Pillar.alliance_id, m.Pillar.number)
        )
    }
    alliance_keys = dict(session.execute(select(m.Alliance.id, m.Alliance.key)).all())
    for scope_id, info in sorted(infos.items(), key=lambda kv: kv[1].label):
        if info.kind is Kind.ALLIANCE:
            yield (info.label, "alliance", keys[scope_id], None, info.label)
        else:
            alliance_id, number = numbers[scope_id]
            alliance_label = infos[info.alliance_scope_id].label
            yield (info.label, "pillar", alliance_keys[alliance_id], number, alliance_label)


def _scope_names(session: Session) -> Iterator[Sequence[Any]]:
    infos = scope_infos(session)
    # Every name a lookup matches as stored, the `<alliance> <pillar>` pairs included (the
    # index builds those at lookup time; the snapshot needs them written out).
    pool = load_index(session, SCOPE_KINDS).all_names(SCOPE_KINDS)
    rows = {
        (name, infos[ref.scope_id].label, str(ref.kind), ref.label)
        for name, refs in pool.items()
        for ref in refs
        if ref.scope_id is not None
    }
    yield from sorted(rows)


def _country_names(session: Session) -> Iterator[Sequence[Any]]:
    iso3 = dict(session.execute(select(m.Country.id, m.Country.iso3)).all())
    pool = load_index(session, {Kind.COUNTRY}).all_names({Kind.COUNTRY})
    yield from sorted({(name, iso3[r.id], r.label) for name, refs in pool.items() for r in refs})


def _conflicts(session: Session) -> Iterator[Sequence[Any]]:
    for row in conflicts(session).rows:
        yield (
            row["scope"],
            row["country"],
            row["iso3"],
            row["kind"],
            json.dumps(row["values"], ensure_ascii=False, sort_keys=True),
            row["note"],
        )


ANSWER_TABLES = (
    ExtraTable(
        "member_records",
        "every membership record with the chain rule applied (as `members --history`)",
        MEMBER_RECORD_COLUMNS,
        _member_records,
    ),
    ExtraTable(
        "member_answers",
        "the answer of `members` for every country, scope and stretch of days (the "
        "precedence of sources applied, disputes named)",
        MEMBER_ANSWER_COLUMNS,
        _member_answers,
    ),
    ExtraTable("scopes", "every alliance and pillar by its label", SCOPE_COLUMNS, _scopes),
    ExtraTable(
        "scope_names",
        "every name of every alliance and pillar, as the CLI resolves them",
        SCOPE_NAME_COLUMNS,
        _scope_names,
    ),
    ExtraTable(
        "country_names",
        "every name of every country, as the CLI resolves them",
        COUNTRY_NAME_COLUMNS,
        _country_names,
    ),
    ExtraTable(
        "conflicts",
        "where sources disagree (as `alliancekb conflicts`)",
        CONFLICT_COLUMNS,
        _conflicts,
    ),
)
