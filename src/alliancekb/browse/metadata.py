"""Datasette metadata for a snapshot: titles, descriptions, facets, search, canned queries.

Plain data (no Datasette import). Table and column descriptions come from the export
catalogue's field docs (`export.catalogue`) and the answer tables' (`browse.answers`).
The canned queries answer as the CLI does:

- `members`: the query layer decided the answer of every country in every scope for
  each stretch of days when the snapshot was taken (`member_answers`: the chain rule,
  the start at the earliest evidence, the precedence of sources, disputes, countries that
  left, alliances that ended); the query picks the stretch holding the day and applies
  the status rule of `members` (`--as-of` given: declined hidden, ended only with a known
  end; none: ended and declined hidden). The server reads its parameters as the CLI
  reads `members SCOPE --as-of DATE` (`browse.guard`: an invalid date or an unknown scope
  is an error with the CLI's message; aliases resolved through the name index) and hands
  it the scope's label and the day as YYYY-MM-DD. On its own (the snapshot opened
  elsewhere) the SQL takes a label or a name in normal form (`scope_names`), and a day
  that is not YYYY-MM-DD gives no rows, never another day's answer.
- `statements_about`: the statements about a country (as `statements --country`),
  newest first; the server hands it the country's ISO3 code (`browse.guard`), the SQL on
  its own takes a code or a name in normal form (`country_names`).
- `conflicts_of`: the rows of `alliancekb conflicts [SCOPE]`, computed when the snapshot
  was taken, in the CLI's order; the scope read as for `members`.

The statements' search box searches as `statements --search` does: the snapshot's index
stems words as the knowledge base's (`store.search.FTS5_TOKENIZE`), and the server reads
the text as the CLI does (`browse.guard`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alliancekb.browse.answers import ANSWER_TABLES
from alliancekb.core.vocab import Role, Status
from alliancekb.export.catalogue import TABLES
from alliancekb.query.conflicts import CONFLICT_KINDS

if TYPE_CHECKING:
    from alliancekb.query.declare import Question

FACETS = {
    "memberships": ["status", "role", "alliance", "claim"],
    "statements": ["stance", "speaker_kind", "source"],
    "sources": ["kind", "publisher"],
    "alliances": ["kind"],
    "positions": ["country", "alliance"],
    "member_records": ["status", "role", "scope", "claim"],
    "member_answers": ["status", "role", "scope", "currency"],
    "conflicts": ["kind", "scope"],
    "retractions": ["kind"],
}


def _rank(column: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {len(values)} END"


#: The members of a scope on a day, as `alliancekb members SCOPE --as-of DATE`.
MEMBERS_SQL = f"""
WITH asked AS (
  SELECT scope, kind, alliance_scope FROM scopes
  WHERE scope = coalesce(
    (SELECT scope FROM scopes WHERE scope = trim(:scope)),
    (SELECT min(scope) FROM scope_names WHERE name = lower(trim(:scope))
     HAVING count(DISTINCT scope) = 1))
),
day AS (  -- a day not written YYYY-MM-DD, or that does not exist (1999-02-30): no rows
  SELECT CASE WHEN nullif(trim(:as_of), '') IS NULL THEN date('now', 'localtime')
              WHEN date(trim(:as_of), '+0 days') IS trim(:as_of) THEN trim(:as_of) END AS d,
         nullif(trim(:as_of), '') IS NOT NULL AS dated
)
SELECT country_name AS country, country AS iso3, a.scope, role, status, "from", "to",
       CASE WHEN a.scope != asked.scope THEN a.scope END AS via,
       sources, confirmed, currency, until, obligations, nullif(claim, '') AS claim,
       nullif(disputed, '') AS disputed
FROM member_answers a, asked, day
WHERE day.d IS NOT NULL
  AND (a.scope = asked.scope OR (asked.kind = 'pillar' AND a.scope = asked.alliance_scope))
  AND (a.first_day IS NULL OR a.first_day <= day.d)
  AND (a.last_day IS NULL OR day.d <= a.last_day)
  AND a.departed = 0
  AND ((day.dated AND status != 'declined' AND (status != 'ended' OR "to" IS NOT NULL))
       OR (NOT day.dated AND status NOT IN ('ended', 'declined')))
ORDER BY {_rank("status", [s.value for s in Status])},
         {_rank("role", [r.value for r in Role])}, country_name, start
"""  # noqa: S608 (only vocabulary values are formatted in)

#: The statements about a country, as `alliancekb statements --country C`.
STATEMENTS_ABOUT_SQL = """
SELECT s.date, s.speaker_label, s.speaker_kind, s.speaker, s.stance, s.text, s.quote,
       s.source, s.id
FROM statements s
JOIN statement_countries sc ON sc.statement = s.id
WHERE sc.country = coalesce(
  (SELECT iso3 FROM countries WHERE iso3 = trim(:country)),
  (SELECT min(country) FROM country_names WHERE name = lower(trim(:country))
   HAVING count(DISTINCT country) = 1))
ORDER BY s.date_lower DESC, s.id
"""

#: Where sources disagree, as `alliancekb conflicts [SCOPE]` (an empty scope: every one).
CONFLICTS_SQL = f"""
SELECT scope, country, iso3, kind, "values", note FROM conflicts
WHERE nullif(trim(:scope), '') IS NULL OR scope = coalesce(
  (SELECT scope FROM scopes WHERE scope = trim(:scope)),
  (SELECT min(scope) FROM scope_names WHERE name = lower(trim(:scope))
   HAVING count(DISTINCT scope) = 1))
ORDER BY scope, country, {_rank("kind", list(CONFLICT_KINDS))}
"""  # noqa: S608 (only vocabulary values are formatted in)


def _params(question: Question[Any, Any], names: tuple[str, ...]) -> tuple[list[str], str]:
    """A canned query's parameters, named and explained as the question declares them
    (`query/questions.py`: the same words as the command's options and the API's)."""
    declared = {p.name: p for p in question.parameters}
    missing = [n for n in names if n not in declared]
    if missing:
        raise ValueError(f"{question.name} declares no parameter {missing}")
    return list(names), " ".join(f"{n}: {declared[n].about.help}" for n in names)


def _canned(
    question: Question[Any, Any], names: tuple[str, ...], title: str, said: str, sql: str
) -> dict[str, Any]:
    params, explained = _params(question, names)
    return {"title": title, "description": f"{said} {explained}", "params": params, "sql": sql}


def canned_queries() -> dict[str, Any]:
    """The canned queries: each answers as a read question, with its parameters' words."""
    from alliancekb.query import questions

    return {
        "members": _canned(
            questions.members,
            ("scope", "as_of"),
            "Members of a scope as of a date",
            "As `alliancekb members SCOPE --as-of DATE`: one row per country, the record "
            "answering that day (chains and claims' precedence resolved by the query "
            "layer when the snapshot was taken), its currency read on that day. Unlike the "
            "CLI, sources are the chosen record's only (not every claimant's); an empty "
            "as_of is today, and it must be a whole day (YYYY-MM-DD).",
            MEMBERS_SQL,
        ),
        "statements_about": _canned(
            questions.statements,
            ("country",),
            "Statements about a country",
            "As `alliancekb statements --country C`, newest first; the country by any name "
            "the CLI takes (code, name, alias, ISO 3166 name).",
            STATEMENTS_ABOUT_SQL,
        ),
        "conflicts_of": _canned(
            questions.conflicts,
            ("scope",),
            "Where sources disagree",
            "The rows of `alliancekb conflicts SCOPE` (computed when the snapshot was "
            "taken); the scope by any name the CLI takes, or empty for every scope.",
            CONFLICTS_SQL,
        ),
    }


def metadata(database: str, snapshot: dict[str, str]) -> dict[str, Any]:
    """Datasette metadata for a snapshot served as `database`; `snapshot`: its key/values."""
    tables: dict[str, Any] = {}
    for table in TABLES:
        tables[table.name] = {
            "title": table.name.replace("_", " ").capitalize(),
            "description": table.description,
            "columns": {f.name: f.doc for f in table.fields},
        }
    for extra in ANSWER_TABLES:
        tables[extra.name] = {
            "title": extra.name.replace("_", " ").capitalize() + " (answers)",
            "description": extra.description,
            "columns": {name: doc for name, _, doc in extra.columns},
        }
    for name, facets in FACETS.items():
        tables[name]["facets"] = facets
    tables["statements"]["fts_table"] = "statements_fts"
    tables["statements"]["sort_desc"] = "date_lower"
    tables["snapshot"] = {"title": "About this snapshot", "description": "when and from what"}
    taken = snapshot.get("taken_at", "?")
    return {
        "title": "alliancekb: defense-alliance facts",
        "description": (
            f"A read-only snapshot of the knowledge base taken {taken}. Every fact carries "
            "its status and its sources (the sources table); `member_records` and "
            "`conflicts` hold the CLI's answers. Canned queries: members as of a date, "
            "statements about a country, conflicts."
        ),
        "source": "the sources cited in the sources table",
        "license": "facts: each source's own terms (see sources); alliancekb: MIT",
        "databases": {database: {"tables": tables, "queries": canned_queries()}},
    }
