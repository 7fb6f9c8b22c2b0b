"""The SPARQL query behind `import wikidata`, and sending it to the Wikidata Query Service.

The query's variables are the import's contract (`VARIABLES`): the reader
(`load/datasets/wikidata.py`) refuses a results document without them. Every Wikidata
identifier used here was read on a page that documents it (docs/datasets.md, "Wikidata"):

- `P39` position held, with the qualifiers `P580` start time and `P582` end time
  (Property talk:P39);
- `P1906` office held by head of state (Property talk:P35) and `P1313` office held by
  head of government (mySociety's guide to heads of government on Wikidata): the default
  query reaches the offices through the countries, so it names no office's QID;
- `P1001` applies to jurisdiction and `P17` country: the country an office given by
  `--position` serves;
- `P298` ISO 3166-1 alpha-3 code (the code the knowledge base keys countries by);
- `wikibase:rank`, `wikibase:timeValue`, `wikibase:timePrecision` and the `p:`, `ps:`,
  `psv:` prefixes of the Wikibase RDF mapping (precision 9 year, 10 month, 11 day:
  Wikidata's Help:Dates).

Plain text and the standard library only: `--print-query` needs no database.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

from alliancekb.core.errors import RuntimeFailure, UsageError
from alliancekb.core.version import __version__

#: The variables every results document must declare (`head.vars`), in this order.
VARIABLES = (
    "person", "personLabel", "position", "positionLabel", "country", "iso3", "start",
    "startPrecision", "end", "endPrecision", "rank", "statement",
)  # fmt: skip

#: The public endpoint; `ALLIANCEKB_WIKIDATA_ENDPOINT` replaces it (a local server in tests).
ENDPOINT = "https://query.wikidata.org/sparql"
ENDPOINT_ENV = "ALLIANCEKB_WIKIDATA_ENDPOINT"
#: Seconds to wait for the answer (the service itself stops a query after 60).
TIMEOUT = 90.0
USER_AGENT = (
    f"alliancekb/{__version__} (defense-alliance knowledge base; `alliancekb import "
    "wikidata --fetch`) Python-urllib"
)

#: The countries whose heads of state and government the default query covers: those the
#: bundled knowledge base (data/seed.yaml) names officials of.
DEFAULT_COUNTRIES = ("AUS", "GBR", "IND", "JPN", "PHL", "USA")
#: Terms that ended before this year are left out of the default query (the knowledge
#: base is about today's alliances; `--position` queries have no such limit).
DEFAULT_SINCE_YEAR = 2000

_QID = re.compile(r"Q[1-9][0-9]*")

_SELECT = "SELECT " + " ".join(f"?{v}" for v in VARIABLES) + " WHERE {"
_HOLDERS = """\
  ?person p:P39 ?statement .
  ?statement ps:P39 ?position ;
             wikibase:rank ?rank .
  OPTIONAL { ?statement psv:P580 ?startValue .
             ?startValue wikibase:timeValue ?start ;
                         wikibase:timePrecision ?startPrecision . }
  OPTIONAL { ?statement psv:P582 ?endValue .
             ?endValue wikibase:timeValue ?end ;
                       wikibase:timePrecision ?endPrecision . }
"""
_LABELS = """\
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }
}
ORDER BY ?iso3 ?positionLabel ?start ?personLabel"""


def qid(text: str) -> str:
    """A Wikidata item id as given (`Q11696`, or its entity URL); a UsageError otherwise."""
    value = text.strip().rsplit("/", 1)[-1]
    if _QID.fullmatch(value) is None:
        raise UsageError(f"{text!r} is not a Wikidata item id (Q followed by digits)")
    return value


def query(positions: Sequence[str] = ()) -> str:
    """The documented query: the default (heads of state and government of
    `DEFAULT_COUNTRIES`, terms not ended before `DEFAULT_SINCE_YEAR`), or the holders of
    the offices `positions` names by QID, whatever their country."""
    if positions:
        values = " ".join(f"wd:{qid(p)}" for p in positions)
        where = (
            f"  VALUES ?position {{ {values} }}\n"
            "  ?position wdt:P1001|wdt:P17 ?country .\n"
            "  ?country wdt:P298 ?iso3 .\n"
        )
        limit = ""
    else:
        countries = " ".join(f'"{c}"' for c in DEFAULT_COUNTRIES)
        where = (
            f"  VALUES ?iso3 {{ {countries} }}\n"
            "  ?country wdt:P298 ?iso3 .\n"
            "  { ?country wdt:P1906 ?position . } UNION { ?country wdt:P1313 ?position . }\n"
        )
        limit = f"  FILTER(!BOUND(?end) || YEAR(?end) >= {DEFAULT_SINCE_YEAR})\n"
    return f"{_SELECT}\n{where}{_HOLDERS}{limit}{_LABELS}\n"


def endpoint() -> str:
    """Where `--fetch` sends the query."""
    return os.environ.get(ENDPOINT_ENV) or ENDPOINT


def fetch(text: str, *, timeout: float = TIMEOUT) -> bytes:
    """The SPARQL results (JSON) of `text` from the endpoint, by HTTP GET; a RuntimeFailure
    naming the endpoint when it cannot be reached or answers with an error."""
    url = endpoint()
    full = f"{url}?{urllib.parse.urlencode({'query': text, 'format': 'json'})}"
    request = urllib.request.Request(  # noqa: S310 -- the scheme is checked below
        full,
        headers={"Accept": "application/sparql-results+json", "User-Agent": USER_AGENT},
    )
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise UsageError(f"{ENDPOINT_ENV}={url!r} is not an http(s) address")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            body: bytes = answer.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeFailure(
            f"the Wikidata Query Service ({url}) answered HTTP {exc.code} {exc.reason}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RuntimeFailure(
            f"cannot reach the Wikidata Query Service ({url}): {reason}; without network "
            "access, run the query (`alliancekb import wikidata --print-query`) elsewhere "
            "and import the saved JSON file"
        ) from None
    try:
        json.loads(body)
    except ValueError:
        raise RuntimeFailure(
            f"the Wikidata Query Service ({url}) did not answer with JSON"
        ) from None
    return body
