"""A synthetic knowledge base in the load format (docs/yaml-format.md), of any size, streamed.

    python -m bench.generate --statements 100000 --out /tmp/kb.yaml [--memberships N]
        [--officials 300] [--alliances 30] [--seed S] [--with-countries]

The document is written record by record with a small YAML emitter (every string value is a
double-quoted scalar with `"`, `\\` and control characters escaped), so memory does not grow
with the number of statements: only the small entity tables (officials, alliances, the keys
of the sources, one country order per alliance) are kept. The same seed gives the same bytes.

Shapes
------
- ``sources``: one per 50 statements (at least 10), kinds ``news`` (~70%), ``government``
  (~22%), ``dataset`` (~8%); published dates spread evenly over 1990-2026 in source order,
  mostly days, some months (``2024-04``, ``2024-04~``) and years. Keys look like
  ``harbor-times-2019-000123``.
- ``countries``: not emitted (the database holds every ISO 3166-1 country from the seed);
  references use pycountry's alpha-3 codes only, biased toward ~40 active countries.
  ``with_countries=True`` (``--with-countries``) emits a minimal section (iso3, name) for tests
  on an empty database.
- ``technology_areas``: the 20 areas of ``TECHNOLOGY_AREAS``.
- ``alliances``: ``alliances`` invented alliances (names such as "Baltic Shield Pact", never
  a real one), founded 1949-2023, each with 0-3 pillars numbered 1..n whose
  ``technology_areas`` name 1-4 areas. A pillar is referenced as ``<alliance key> pillar <n>``.
- ``officials``: ``officials`` people with unique names (some non-ASCII) and 1-3 consecutive
  positions (a country or, for ~10%, an alliance), the last one often open.
- ``memberships``: per alliance 2-12 founding members (from = founded; a few later ended or
  suspended), 0-10 later joiners with date changes (accession as candidate then member,
  members who left with ``to`` and status ``ended``, pending ``announced``/``expected``/
  ``under-consultation``/``proposed`` rows, ``declined``, ``suspended``, observers) and 0-3
  partners per pillar. An explicit ``memberships=N`` writes exactly N rows, adding joiners
  round-robin over every scope; (country, scope, role, from) is always unique.
- ``statements``: 2-4 sentences of news prose (~160-700 characters, median ~380) from
  templates whose slots are filled from the statement's own ``about`` entities, a domain
  vocabulary and a Zipf long tail of ~1,500 invented proper nouns (programmes, exercises,
  places), so a full-text search ranges from very common words ("defence" in ~18% of
  statements, "quantum", "hypersonic", "submarine", "cooperation" in ~8%) to words in a
  handful (10k statements use ~2,400 distinct words, ~1,100 of them in 5 or fewer).
  Speakers: ~80% officials (Zipf-weighted: a few speak a lot), ~12% countries and ~8%
  alliances, both with a ``speaker_label``. Dates 1990-2026 (a few days before the source's
  publication): ~60% days, ~25% months, ~15% years; ~4% ``~`` and ~2% ``?``.
  Stances asserts > supports > expects = considers > opposes > denies; ~30% verbatim quotes.
  ``about``: 0-3 countries, 0-2 scopes, 0-2 technology areas (empty lists left out).
  Every even-numbered statement has an explicit ``id`` (``gen-<seed>-<n>``), odd ones none
  unless an earlier id-less one has the same speaker, date and source (which identify a
  statement without an id: see docs/yaml-format.md), then it has one too.

Size and speed (this 2-core machine): ~650 bytes per statement; 10k statements 6.7 MB in
0.2 s, 100k 65 MB in 2.3 s, 1M 648 MB in 23 s (above the reader's default 512 MB cap), with
~24 MB peak memory at any size (plus ~30 MB at 1M statements for the identities of
the id-less statements).

Search markers
--------------
Each statement independently gets a sentence naming a marker token with a fixed probability,
so benchmarks can search with a known selectivity (the exact numbers are returned in
``GeneratedCounts.markers``). The tokens occur nowhere else in the document:

- ``kestrelmoor``: ~0.1% of statements (the rare word: ~100 hits in 100k);
- ``lanternfish``: ~1% of statements;
- ``tidewatch``:   ~10% of statements.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final, TextIO

import pycountry

__all__ = [
    "MARKERS",
    "TECHNOLOGY_AREAS",
    "GeneratedCounts",
    "generate",
    "main",
    "write_file",
]

#: Marker token -> probability that a statement mentions it (see the module docstring).
MARKERS: Final[dict[str, float]] = {"kestrelmoor": 0.001, "lanternfish": 0.01, "tidewatch": 0.1}

_START: Final = date(1990, 1, 1).toordinal()
_END: Final = date(2026, 6, 30).toordinal()
_YEAR: Final = 366  # two dates this far apart never share a year, so their EDTF texts differ
_FLUSH_EVERY: Final = 1000


@dataclass
class GeneratedCounts:
    """How many records of each kind were written (pillars and positions are nested)."""

    sources: int = 0
    countries: int = 0
    technology_areas: int = 0
    alliances: int = 0
    pillars: int = 0
    officials: int = 0
    positions: int = 0
    memberships: int = 0
    statements: int = 0
    statements_with_id: int = 0
    #: Marker token -> number of statements whose text contains it.
    markers: dict[str, int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        """Top-level records (items of the section lists)."""
        return (
            self.sources
            + self.countries
            + self.technology_areas
            + self.alliances
            + self.officials
            + self.memberships
            + self.statements
        )


# --------------------------------------------------------------------------- emitting

_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]')
_SIMPLE_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _SIMPLE_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def q(text: str) -> str:
    """`text` as a YAML double-quoted scalar (valid for any str, readable by libyaml)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _qlist(items: Sequence[str]) -> str:
    return "[" + ", ".join(q(s) for s in items) + "]"


def slug(text: str) -> str:
    """A lowercase key ([a-z0-9-]) from a name; diacritics are folded."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _day(ordinal: int) -> str:
    d = date.fromordinal(ordinal)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _edtf(
    rng: random.Random,
    ordinal: int,
    *,
    day: float = 0.6,
    month: float = 0.25,
    approx: float = 0.04,
    uncertain: float = 0.02,
) -> str:
    """An EDTF date containing `ordinal`, of mixed precision and sometimes qualified."""
    d = date.fromordinal(ordinal)
    r = rng.random()
    if r < day:
        text = f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
    elif r < day + month:
        text = f"{d.year:04d}-{d.month:02d}"
    else:
        text = f"{d.year:04d}"
    r = rng.random()
    if r < approx:
        return text + "~"
    if r < approx + uncertain:
        return text + "?"
    return text


def _cum_zipf(n: int, exponent: float = 1.05) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, n + 1)))


# --------------------------------------------------------------------------- fixed material

#: (key, name, aliases) of the technology areas.
TECHNOLOGY_AREAS: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("quantum", "Quantum technologies", ("quantum technology",)),
    ("artificial-intelligence", "Artificial intelligence and autonomy", ("autonomy",)),
    ("hypersonics", "Hypersonic and counter-hypersonic capabilities", ("hypersonic weapons",)),
    ("undersea-capabilities", "Undersea capabilities", ("undersea warfare",)),  # the seed's key
    ("cyber", "Advanced cyber", ("cyber security", "cybersecurity")),
    ("electronic-warfare", "Electronic warfare", ("EW",)),
    ("space", "Space domain awareness", ("space",)),
    ("innovation", "Innovation and information sharing", ()),
    ("nuclear-propulsion", "Nuclear-powered submarine propulsion", ("SSN propulsion",)),
    ("biotechnology", "Biotechnology", ("biotech",)),
    ("semiconductors", "Semiconductors and microelectronics", ("chips",)),
    ("directed-energy", "Directed-energy weapons", ("lasers",)),
    ("critical-minerals", "Critical minerals and supply chains", ("rare earths",)),
    ("missile-defense", "Integrated air and missile defence", ("missile defence",)),
    ("maritime-domain-awareness", "Maritime domain awareness", ()),
    ("advanced-materials", "Advanced materials", ()),
    ("communications", "Resilient communications and 6G", ("6G",)),
    ("energy-security", "Energy security", ()),
    ("unmanned-systems", "Uncrewed and unmanned systems", ("drones", "UAV")),
    ("logistics", "Defence logistics and industrial base", ("industrial base",)),
)

_REGIONS: Final = (
    "Baltic", "Pacific", "Arctic", "Coral Sea", "Sahel", "Andean", "Caspian", "Nordic",
    "Adriatic", "Indian Ocean", "Gulf", "Danube", "Mekong", "Atlantic", "Caribbean", "Aegean",
    "Alpine", "Horn of Africa", "Tasman", "Black Sea", "Levant", "Celtic", "Bengal", "Sunda",
    "Pampas", "Rift Valley", "Sulu Sea", "Barents", "Carpathian", "Zambezi",
)  # fmt: skip
_EMBLEMS: Final = (
    "Shield", "Compass", "Anchor", "Bridge", "Lantern", "Sentinel", "Horizon", "Trident",
    "Harbour", "Keystone", "Beacon", "Meridian", "Bulwark", "Cordon", "Rampart", "Vanguard",
)  # fmt: skip
#: Alliance kind -> words that end its names.
_KIND_WORDS: Final = {
    "defense-treaty": ("Treaty", "Pact", "Defence Treaty"),
    "security-partnership": ("Partnership", "Security Partnership", "Compact"),
    "intelligence-sharing": ("Intelligence Group", "Intelligence Arrangement"),
    "dialogue": ("Dialogue", "Forum", "Consultations"),
    "other": ("Initiative", "Framework"),
}
_KIND_WEIGHTS: Final = (
    ("defense-treaty", 30),
    ("security-partnership", 35),
    ("intelligence-sharing", 10),
    ("dialogue", 20),
    ("other", 5),
)
_PILLAR_NAMES: Final = (
    "Submarine capability", "Advanced capabilities", "Maritime security", "Cyber resilience",
    "Space cooperation", "Supply chains", "Energy cooperation", "Interoperability",
    "Training and exercises", "Industrial cooperation", "Intelligence exchange",
    "Humanitarian assistance",
)  # fmt: skip
_ROMAN: Final = ("I", "II", "III")
_WORDS: Final = ("One", "Two", "Three")

_FIRST_NAMES: Final = (
    "Anna", "James", "Mei", "Hiroshi", "Olga", "Rahul", "Sofia", "Liam", "Amara", "Kenji",
    "Fatima", "Lucas", "Ingrid", "Mateo", "Chloe", "Tomasz", "Aisha", "Daniel", "Yuki", "Elena",
    "Kwame", "Priya", "Oliver", "Sakura", "Ahmed", "Marta", "Jonas", "Leila", "Ravi", "Grace",
    "José", "Søren", "Zoë", "Łukasz", "Anaïs", "Björn", "Nguyen", "Min-jun", "Ji-woo", "Carlos",
    "Helen", "Peter", "Nadia", "Samuel", "Ayesha", "Erik", "Marie", "David", "Lina", "Omar",
    "Rebecca", "Taro", "Wei", "Svetlana", "Pablo", "Kofi", "Hannah", "Arjun", "Isabel", "Mikko",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Keller", "Tanaka", "Okafor", "Novak", "Sharma", "Lindqvist", "Moreau", "Castillo",
    "Nakamura", "Whitfield", "Haddad", "Kowalski", "Mensah", "Petrov", "Ibrahim", "Fischer",
    "Santos", "Kim", "Park", "Chen", "Wong", "Singh", "O'Brien", "MacLeod", "Dubois", "Rossi",
    "Jensen", "Virtanen", "Horvat", "Popescu", "Yilmaz", "Cohen", "Abdullah", "Suzuki",
    "Watanabe", "Rahman", "Gallagher", "Bernard", "Müller", "Sørensen", "Ferreira", "Alvarez",
    "Nowak", "Kovač", "Hughes", "Reyes", "Takahashi", "Osei", "Mwangi", "Lee", "Tran", "Pham",
    "Morales", "Andersson", "Johansson", "Ivanova", "Costa", "Hamid", "Bakker", "de Vries",
    "Thompson", "Campbell", "Stewart", "Murray", "Clarke", "Harper", "Ellison", "Brennan",
)  # fmt: skip
_COUNTRY_TITLES: Final = (
    "Minister of Defence", "Foreign Minister", "Prime Minister", "President",
    "National Security Adviser", "Deputy Minister of Defence", "Chief of the Defence Staff",
    "Secretary of State for Defence", "Deputy Foreign Minister", "Chief of Naval Operations",
    "Defence attaché", "Permanent Secretary, Ministry of Defence",
)  # fmt: skip
_ALLIANCE_TITLES: Final = (
    "Secretary General", "Deputy Secretary General", "Chair of the Military Committee",
    "Director of the Secretariat", "Special Envoy",
)  # fmt: skip
_MAJOR: Final = (
    "USA", "GBR", "AUS", "JPN", "KOR", "CAN", "NZL", "FRA", "DEU", "ITA", "ESP", "POL", "NLD",
    "NOR", "SWE", "FIN", "DNK", "IND", "IDN", "PHL", "SGP", "VNM", "THA", "MYS", "TUR", "UKR",
    "BRA", "MEX", "ZAF", "NGA", "KEN", "EGY", "SAU", "ARE", "ISR", "QAT", "CHN", "RUS", "TWN",
    "EST", "LVA", "LTU",
)  # fmt: skip

#: (publisher, kind, url host or "") of the sources.
_PUBLISHERS: Final = (
    ("Harbor Times", "news", "harbortimes.example"),
    ("The Meridian Post", "news", "meridianpost.example"),
    ("Northern Ledger", "news", "northernledger.example"),
    ("Pacific Courier", "news", "pacificcourier.example"),
    ("Daily Sentinel", "news", "dailysentinel.example"),
    ("Global Wire", "news", "globalwire.example"),
    ("Capital Review", "news", "capitalreview.example"),
    ("The Atlantic Monitor", "news", "atlanticmonitor.example"),
    ("Defence Weekly Digest", "news", "defenceweekly.example"),
    ("Asia Strategy Journal", "news", "asiastrategy.example"),
    ("Ministry of Defence", "government", "mod.gov.example"),
    ("Department of State", "government", "state.gov.example"),
    ("Prime Minister's Office", "government", "pmo.gov.example"),
    ("Alliance Treaty Dataset", "dataset", "atd.example"),
)
#: Publisher index by weight (news ~70%, government ~22%, dataset ~8%), indexed by hash.
_KIND_SHARE: Final = {"news": 7, "government": 7, "dataset": 8}
_PUBLISHER_WHEEL: Final = tuple(
    i for i, (_, kind, _) in enumerate(_PUBLISHERS) for _ in range(_KIND_SHARE[kind])
)

_STANCES: Final = ("asserts", "supports", "expects", "considers", "opposes", "denies")
_STANCE_CUM: Final = tuple(itertools.accumulate((35, 20, 15, 15, 10, 5)))

_COUNTRY_LABELS: Final = (
    "Ministry of Foreign Affairs", "Ministry of Defence spokesperson", "Government statement",
    "Embassy spokesperson", "Joint statement", "Officials speaking on background",
)  # fmt: skip
_ALLIANCE_LABELS: Final = (
    "Alliance secretariat", "Joint communiqué", "Chair's statement", "Leaders' declaration",
    "Working group readout",
)  # fmt: skip
_OFFICIAL_LABELS: Final = ("senior official", "speaking to reporters", "in a written answer")

# Vocabulary of the statement text.
_SAID: Final = (
    "said", "stated", "told reporters", "confirmed", "announced", "indicated", "stressed",
    "noted", "suggested", "insisted", "acknowledged", "signalled",
)  # fmt: skip
_HEADLINE: Final = ("moves to", "plans to", "agrees to", "weighs whether to", "vows to", "set to")
_MODALS: Final = ("would", "will", "could", "may", "intends to", "is ready to", "hopes to")
_ACTIONS: Final = (
    "deepen", "expand", "accelerate", "review", "formalise", "pause", "broaden", "fund",
    "strengthen", "coordinate", "reassess", "launch", "scale up", "pursue",
)  # fmt: skip
_NOUNS: Final = (
    "cooperation", "framework", "agreement", "joint research", "procurement", "exercises",
    "technology sharing", "export controls", "interoperability", "basing arrangements",
    "information sharing", "co-development", "industrial partnership", "trilateral talks",
    "consultations", "roadmap", "working group", "memorandum of understanding",
)  # fmt: skip
_ADJS: Final = (
    "new", "ambitious", "long-awaited", "preliminary", "classified", "expanded", "revised",
    "bilateral", "trilateral", "multilateral", "provisional", "landmark", "modest", "stalled",
)  # fmt: skip
_TIMES: Final = (
    "in the coming months", "by the end of the year", "before the next summit",
    "within two years", "as early as next spring", "over the next decade", "this year",
    "after the election", "once legislation passes", "in the near term",
)  # fmt: skip
_PEOPLE: Final = (
    "officials familiar with the talks", "two diplomats", "a senior defence official",
    "people briefed on the discussions", "government sources", "a parliamentary committee",
    "analysts", "a ministry spokesperson", "negotiators",
)  # fmt: skip
_STATES: Final = (
    "under discussion", "far from settled", "on track", "subject to approval", "unconfirmed",
    "at an early stage", "a priority", "contested", "largely complete",
)  # fmt: skip
_DOMAIN: Final = (
    "defence", "security", "deterrence", "submarine", "submarines", "shipyard", "workforce",
    "budget", "treaty", "sovereignty", "quantum", "hypersonic", "missile", "radar", "satellite",
    "drone", "cyber", "intelligence", "export", "tariff", "sanctions", "supply", "minerals",
    "semiconductor", "laser", "sensor", "navy", "army", "airforce", "coastguard", "patrol",
    "strait", "archipelago", "peninsula", "frontier", "border", "alliance", "partnership",
    "summit", "communique", "ratification", "parliament", "senate", "ministry", "embassy",
    "consulate", "attaché", "procurement", "contractor", "prototype", "testbed", "trial",
    "deployment", "rotation", "garrison", "base", "port", "airfield", "logistics", "fuel",
    "reactor", "uranium", "enrichment", "safeguards", "inspection", "verification",
    "transparency", "accountability", "funding", "investment", "research", "university",
    "laboratory", "startup", "innovation", "standards", "certification", "licensing",
    "interoperability", "readiness", "resilience", "escalation", "coercion", "incursion",
    "blockade", "exercise", "drills", "manoeuvres", "flotilla", "convoy", "escort",
    "surveillance", "reconnaissance", "encryption", "algorithm", "autonomy", "robotics",
    "biosecurity", "pandemic", "climate", "energy", "pipeline", "grid", "cable", "undersea",
    "spectrum", "bandwidth", "telecom", "disinformation", "election", "referendum",
)  # fmt: skip

_TAIL_SYLLABLES: Final = (
    "ka", "ro", "ven", "mar", "el", "to", "sa", "lin", "dor", "ish", "ar", "qu", "bel", "nor",
    "tas", "vi", "om", "ul", "zen", "pra", "go", "ri", "lu", "mes", "tan", "ob", "cre", "hal",
)  # fmt: skip
_TAIL_KINDS: Final = (
    "programme", "exercise", "facility", "corridor", "project", "initiative", "base", "accord",
)  # fmt: skip


def _tail_words(n: int = 1500) -> list[str]:
    """Invented proper nouns (fixed across seeds), e.g. `Venmaro`; none is a marker token."""
    rng = random.Random("alliancekb-bench-tail")
    seen: set[str] = set(MARKERS)
    words: list[str] = []
    while len(words) < n:
        word = "".join(rng.choice(_TAIL_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if len(word) >= 5 and word not in seen:
            seen.add(word)
            words.append(word.capitalize())
    return words


# --------------------------------------------------------------------------- entity tables


@dataclass(frozen=True)
class _Country:
    iso3: str
    name: str  # the name used in prose


@dataclass(frozen=True)
class _Alliance:
    key: str
    name: str
    founded: int  # ordinal
    founded_text: str
    pillars: tuple[int, ...]


@dataclass(frozen=True)
class _Official:
    key: str
    name: str
    country: str  # iso3 of the home country
    title: str  # the last position's title


def _countries() -> list[_Country]:
    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        name: str = getattr(c, "common_name", None) or c.name
        rows.append(_Country(c.alpha_3, name.split(",")[0]))
    return rows


class _Picker:
    """Fast seeded choices over the fixed tables."""

    def __init__(self, rng: random.Random, countries: list[_Country]) -> None:
        self.rng = rng
        self.random = rng.random
        self.countries = countries
        by_iso = {c.iso3: c for c in countries}
        self.major = [by_iso[iso] for iso in _MAJOR if iso in by_iso]

    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.random() * len(items))]

    def country(self) -> _Country:
        if self.random() < 0.75:
            return self.pick(self.major)  # type: ignore[no-any-return]
        return self.pick(self.countries)  # type: ignore[no-any-return]

    def zipf(self, items: Sequence[Any], cum: list[float]) -> Any:
        return items[bisect.bisect(cum, self.random() * cum[-1])]

    def count(self, cum: Sequence[int]) -> int:
        """An index drawn with cumulative integer weights `cum`."""
        return bisect.bisect(cum, self.random() * cum[-1])


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(
        self,
        out: TextIO,
        *,
        statements: int,
        memberships: int | None,
        officials: int,
        alliances: int,
        seed: int,
        with_countries: bool,
    ) -> None:
        if statements < 0 or officials < 1 or alliances < 1:
            raise ValueError("statements must be >= 0, officials and alliances >= 1")
        if memberships is not None and memberships < 0:
            raise ValueError("memberships must be >= 0")
        self.out = out
        self.n_statements = statements
        self.n_memberships = memberships
        self.n_officials = officials
        self.n_alliances = alliances
        self.seed = seed
        self.with_countries = with_countries
        self.counts = GeneratedCounts(markers=dict.fromkeys(MARKERS, 0))
        self.countries = _countries()
        self.n_sources = max(10, -(-statements // 50))
        self.source_keys: list[str] = []
        self.source_days: list[int] = []
        self.alliances: list[_Alliance] = []
        self.officials: list[_Official] = []
        self.buf: list[str] = []
        # Pillars per alliance, drawn first so that a membership count is checked up front.
        pillar_rng = self._rng("pillars")
        self.pillar_counts = [
            (0, 1, 2, 3)[bisect.bisect((30, 50, 75, 100), pillar_rng.random() * 100)]
            for _ in range(alliances)
        ]
        if memberships is not None:
            scopes = alliances + sum(self.pillar_counts)
            capacity = scopes * len(self.countries)
            if memberships > capacity:
                raise ValueError(
                    f"{memberships} memberships do not fit {scopes} scopes x "
                    f"{len(self.countries)} countries (at most {capacity}); raise --alliances"
                )

    def _rng(self, section: str) -> random.Random:
        # One stream per section: the entities do not change when only the statement count does.
        return random.Random(f"alliancekb-bench:{self.seed}:{section}")

    def _emit(self, chunk: str) -> None:
        self.buf.append(chunk)

    def _flush(self) -> None:
        if self.buf:
            self.out.write("".join(self.buf))
            self.buf.clear()

    def _section(self, name: str, items: Iterator[None]) -> None:
        """Write `name:` and the records `items` emits (or `name: []` when there are none)."""
        self._emit(f"{name}:\n")
        empty = True
        for n, _ in enumerate(items, 1):
            empty = False
            if n % _FLUSH_EVERY == 0:
                self._flush()
        if empty:
            self.buf[-1] = f"{name}: []\n"
        self._flush()

    def run(self) -> GeneratedCounts:
        self._emit("# Synthetic alliancekb knowledge base (bench/generate.py)\n")
        self._emit(
            f"# seed={self.seed} statements={self.n_statements} officials={self.n_officials} "
            f"alliances={self.n_alliances} memberships={self.n_memberships}\n"
        )
        self._section("sources", self._sources())
        if self.with_countries:
            self._section("countries", self._country_records())
        self._section("technology_areas", self._technology_areas())
        self._section("alliances", self._alliances())
        self._section("officials", self._officials())
        self._section("memberships", self._memberships())
        self._section("statements", self._statements())
        self._flush()
        return self.counts

    # ---- sources

    def _sources(self) -> Iterator[None]:
        rng = self._rng("sources")
        p = _Picker(rng, self.countries)
        n = self.n_sources
        span = _END - _START
        for i in range(n):
            # Evenly spread over the years, a little jitter; a hash picks the publisher.
            day = min(_END, _START + (i * span) // n + (i * 7919) % 13)
            publisher, kind, host = _PUBLISHERS[
                _PUBLISHER_WHEEL[(i * 2654435761 & 0xFFFFFFFF) % len(_PUBLISHER_WHEEL)]
            ]
            year = date.fromordinal(day).year
            key = f"{slug(publisher)}-{year}-{i:06d}"
            self.source_keys.append(key)
            self.source_days.append(day)
            c = p.country()
            topic = p.pick(TECHNOLOGY_AREAS)[1].lower()
            if kind == "news":
                title = f"{c.name} {p.pick(_HEADLINE)} {p.pick(_ACTIONS)} {topic} {p.pick(_NOUNS)}"
            elif kind == "government":
                title = f"Statement on {p.pick(_NOUNS)} with {c.name} on {topic}"
            else:
                title = f"{publisher} release {year}.{i % 4 + 1}: {topic}"
            lines = [f"- key: {q(key)}\n  title: {q(title)}\n  publisher: {q(publisher)}\n"]
            if kind == "news" and rng.random() < 0.6:
                author = f"{p.pick(_FIRST_NAMES)} {p.pick(_LAST_NAMES)}"
                lines.append(f"  author: {q(author)}\n")
            if rng.random() < 0.7:
                lines.append(f"  url: {q(f'https://{host}/{year}/{slug(title)[:60]}-{i}')}\n")
            published = _edtf(rng, day, day=0.78, month=0.16, approx=0.0, uncertain=0.0)
            if len(published) == 7 and rng.random() < 0.5:
                published += "~"  # `2024-04~`: the month is only roughly known
            lines.append(f"  published: {q(published)}\n")
            if kind == "dataset":
                lines.append(f"  retrieved: {q(_day(min(_END, day + 30)))}\n")
            lines.append(f"  kind: {q(kind)}\n")
            self._emit("".join(lines))
            self.counts.sources += 1
            yield None

    def _some_sources(self, p: _Picker, most: int = 2) -> str:
        k = 1 if most == 1 or p.random() < 0.7 else 2
        keys = {p.pick(self.source_keys) for _ in range(k)}
        return _qlist(sorted(keys))

    # ---- countries, technology areas

    def _country_records(self) -> Iterator[None]:
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
            name: str = getattr(c, "common_name", None) or c.name
            self._emit(f"- iso3: {q(c.alpha_3)}\n  name: {q(name)}\n")
            self.counts.countries += 1
            yield None

    def _technology_areas(self) -> Iterator[None]:
        for key, name, aliases in TECHNOLOGY_AREAS:
            text = f"- key: {q(key)}\n  name: {q(name)}\n"
            text += f"  description: {q(f'{name}: research, development and fielding.')}\n"
            if aliases:
                text += f"  aliases: {_qlist(aliases)}\n"
            self._emit(text)
            self.counts.technology_areas += 1
            yield None

    # ---- alliances

    def _alliances(self) -> Iterator[None]:
        rng = self._rng("alliances")
        p = _Picker(rng, self.countries)
        combos = [(r, e) for r in _REGIONS for e in _EMBLEMS]
        rng.shuffle(combos)
        kinds = [k for k, _ in _KIND_WEIGHTS]
        kind_cum = list(itertools.accumulate(w for _, w in _KIND_WEIGHTS))
        tech_keys = [t[0] for t in TECHNOLOGY_AREAS]
        for i in range(self.n_alliances):
            region, emblem = combos[i % len(combos)]
            lap = i // len(combos)
            kind = kinds[p.count(kind_cum)]
            base = f"{region} {emblem}" + (f" {lap + 1}" if lap else "")
            name = f"{base} {p.pick(_KIND_WORDS[kind])}"
            key = slug(name)
            founded = rng.randint(date(1949, 1, 1).toordinal(), date(2023, 12, 31).toordinal())
            founded_text = _edtf(rng, founded, day=0.8, month=0.15, approx=0.0, uncertain=0.0)
            members = ", ".join(p.country().name for _ in range(3))
            n_pillars = self.pillar_counts[i]
            pillars = tuple(range(1, n_pillars + 1))
            lines = [
                f"- key: {q(key)}\n  name: {q(name)}\n",
                f"  full_name: {q(f'{name} of {members}')}\n",
                f"  kind: {q(kind)}\n  founded: {q(founded_text)}\n",
                f"  aliases: {_qlist([base])}\n",
                f"  sources: {self._some_sources(p)}\n",
            ]
            if pillars:
                lines.append("  pillars:\n")
                names = rng.sample(_PILLAR_NAMES, n_pillars)
                for n, pname in zip(pillars, names, strict=True):
                    areas = rng.sample(tech_keys, rng.randint(1, 4))
                    aliases = [f"Pillar {_ROMAN[n - 1]}", f"Pillar {_WORDS[n - 1]}"]
                    lines.append(
                        f"  - number: {n}\n    name: {q(pname)}\n"
                        f"    aliases: {_qlist(aliases)}\n"
                        f"    technology_areas: {_qlist(areas)}\n"
                    )
                    self.counts.pillars += 1
            self._emit("".join(lines))
            self.alliances.append(_Alliance(key, name, founded, founded_text, pillars))
            self.counts.alliances += 1
            yield None

    # ---- officials

    def _officials(self) -> Iterator[None]:
        rng = self._rng("officials")
        p = _Picker(rng, self.countries)
        names: set[str] = set()
        keys: set[str] = set()
        latest_start = date(2024, 1, 1).toordinal()
        for i in range(self.n_officials):
            first, last = p.pick(_FIRST_NAMES), p.pick(_LAST_NAMES)
            name = f"{first} {last}"
            if name in names:
                name = f"{first} {chr(65 + i % 26)}. {last}"
            if name in names:
                name = f"{first} {last} {i}"
            key = slug(name)
            while key in keys:
                key = f"{key}-{i}"
            names.add(name)
            keys.add(key)
            home = p.country()
            lines = [f"- key: {q(key)}\n  name: {q(name)}\n"]
            alias = f"{first[0]}. {last}"
            if rng.random() < 0.2 and alias not in names:
                names.add(alias)  # an alias never names two officials
                lines.append(f"  aliases: {_qlist([alias])}\n")
            lines.append("  positions:\n")
            start = rng.randint(_START, latest_start)
            title = ""
            n_positions = rng.randint(1, 3)
            for k in range(n_positions):
                end = start + rng.randint(_YEAR, 6 * _YEAR)
                is_last = k == n_positions - 1 or end + _YEAR > _END
                open_ended = end > _END or (is_last and rng.random() < 0.6)
                if rng.random() < 0.1:
                    alliance = p.pick(self.alliances)
                    title = p.pick(_ALLIANCE_TITLES)
                    where = f"    alliance: {q(alliance.key)}\n"
                else:
                    title = p.pick(_COUNTRY_TITLES)
                    if rng.random() < 0.15:
                        title = f"Ambassador to {p.country().name}"
                    where = f"    country: {q(home.iso3)}\n"
                pos = f"  - title: {q(title)}\n{where}    from: {q(_edtf(rng, start, day=0.5))}\n"
                if not open_ended:
                    pos += f"    to: {q(_edtf(rng, end, day=0.5))}\n"
                pos += f"    sources: {self._some_sources(p)}\n"
                lines.append(pos)
                self.counts.positions += 1
                if is_last or open_ended:
                    break
                start = end + rng.randint(_YEAR, 2 * _YEAR)
            self._emit("".join(lines))
            self.officials.append(_Official(key, name, home.iso3, title))
            self.counts.officials += 1
            yield None

    # ---- memberships

    def _membership(
        self,
        p: _Picker,
        country: str,
        scope: str,
        role: str,
        status: str,
        start: str,
        end: str | None = None,
        note: str | None = None,
    ) -> None:
        text = (
            f"- country: {q(country)}\n  scope: {q(scope)}\n  role: {q(role)}\n"
            f"  status: {q(status)}\n  from: {q(start)}\n"
        )
        if end is not None:
            text += f"  to: {q(end)}\n"
        if note is not None:
            text += f"  note: {q(note)}\n"
        text += f"  sources: {self._some_sources(p)}\n"
        self._emit(text)

    def _history(
        self, p: _Picker, country: _Country, scope: str, earliest: int, pillar: bool
    ) -> Iterator[None]:
        """The rows of one country in one scope after its founding: 1-3 dated changes."""
        rng = p.rng
        d1 = rng.randint(min(earliest, _END), _END)
        d2 = d1 + rng.randint(_YEAR, 4 * _YEAR)
        room = d2 <= _END
        iso = country.iso3
        r = rng.random()
        if pillar:
            status = p.pick(("expected", "under-consultation", "announced", "in-force", "proposed"))
            if room and r < 0.3:
                self._membership(
                    p, iso, scope, "partner", "under-consultation", _edtf(rng, d1), _edtf(rng, d2)
                )
                yield None
                self._membership(p, iso, scope, "partner", "in-force", _edtf(rng, d2))
                yield None
                return
            note = None
            if status != "in-force" and rng.random() < 0.5:
                note = f"Not confirmed whether {country.name} joins as a full member."
            self._membership(
                p, iso, scope, "partner", status, _edtf(rng, d1, approx=0.3), None, note
            )
            yield None
            return
        if room and r < 0.15:  # accession: candidate, then member
            self._membership(p, iso, scope, "candidate", "in-force", _edtf(rng, d1), _edtf(rng, d2))
            yield None
            self._membership(p, iso, scope, "member", "in-force", _edtf(rng, d2))
        elif room and r < 0.23:  # left
            self._membership(p, iso, scope, "member", "ended", _edtf(rng, d1), _edtf(rng, d2))
        elif room and r < 0.28:  # suspended
            self._membership(p, iso, scope, "member", "in-force", _edtf(rng, d1), _edtf(rng, d2))
            yield None
            self._membership(p, iso, scope, "member", "suspended", _edtf(rng, d2))
        elif r < 0.43:  # pending, in one of the early lifecycle stages
            status = p.pick(("announced", "expected", "under-consultation", "proposed"))
            role = "candidate" if rng.random() < 0.5 else "member"
            self._membership(p, iso, scope, role, status, _edtf(rng, d1, approx=0.3))
        elif r < 0.48:
            self._membership(p, iso, scope, "candidate", "declined", _edtf(rng, d1))
        elif r < 0.55:
            self._membership(p, iso, scope, "observer", "in-force", _edtf(rng, d1))
        else:
            self._membership(p, iso, scope, "member", "in-force", _edtf(rng, d1))
        yield None

    def _membership_rows(self) -> Iterator[None]:
        """Every membership row, realistic first, then (for an explicit count) more joiners."""
        rng = self._rng("memberships")
        p = _Picker(rng, self.countries)
        # Per scope: the countries in the order they are used; the next unused position.
        queues: list[tuple[str, int, bool, list[_Country]]] = []
        for a in self.alliances:
            order = rng.sample(self.countries, len(self.countries))
            # The majors join alliances more often: move a few of them up front.
            for c in rng.sample(p.major, 6):
                order.remove(c)
                order.insert(rng.randint(0, 8), c)
            n_founding = rng.randint(2, 12)
            n_joiners = rng.randint(0, 10)
            for c in order[:n_founding]:
                r = rng.random()
                if r < 0.9 or a.founded + _YEAR > _END:
                    self._membership(
                        p, c.iso3, a.key, "founding-member", "in-force", a.founded_text
                    )
                else:
                    end = rng.randint(a.founded + _YEAR, _END)
                    status = "ended" if r < 0.95 else "suspended"
                    end_text = _edtf(rng, end) if status == "ended" else None
                    self._membership(
                        p, c.iso3, a.key, "founding-member", status, a.founded_text, end_text
                    )
                yield None
            used = n_founding + n_joiners
            for c in order[n_founding:used]:
                yield from self._history(p, c, a.key, a.founded + 30, pillar=False)
            queues.append((a.key, used, False, order))
            for n in a.pillars:
                scope = f"{a.key} pillar {n}"
                pillar_order = order[used:] + order[:used]  # non-members first
                n_partners = rng.randint(0, 3)
                for c in pillar_order[:n_partners]:
                    yield from self._history(p, c, scope, a.founded + 30, pillar=True)
                queues.append((scope, n_partners, True, pillar_order))
        if self.n_memberships is None:
            return
        founded = {a.key: a.founded for a in self.alliances}
        positions = [used for _, used, _, _ in queues]
        while True:
            progressed = False
            for i, (scope, _, pillar, order) in enumerate(queues):
                if positions[i] >= len(order):
                    continue
                c = order[positions[i]]
                positions[i] += 1
                progressed = True
                earliest = founded[scope.split(" ", 1)[0]] + 30
                yield from self._history(p, c, scope, earliest, pillar=pillar)
            if not progressed:
                return

    def _memberships(self) -> Iterator[None]:
        limit = self.n_memberships
        for _ in self._membership_rows():
            self.counts.memberships += 1
            yield None
            if limit is not None and self.counts.memberships >= limit:
                return

    # ---- statements

    def _statements(self) -> Iterator[None]:
        rng = self._rng("statements")
        p = _Picker(rng, self.countries)
        random_ = rng.random
        pick = p.pick
        tail = _tail_words()
        tail_cum = _cum_zipf(len(tail))
        officials = self.officials
        official_cum = _cum_zipf(len(officials), 0.8)
        techs = [(key, name.split(" and ")[0].lower()) for key, name, _ in TECHNOLOGY_AREAS]
        scopes: list[tuple[str, str]] = []  # (reference, prose)
        for a in self.alliances:
            scopes.append((a.key, a.name))
            scopes.extend((f"{a.key} pillar {n}", f"{a.name} Pillar {n}") for n in a.pillars)
        alliances = self.alliances
        markers = list(MARKERS.items())
        sentences = _sentences(p, lambda: p.zipf(tail, tail_cum))
        source_keys, source_days = self.source_keys, self.source_days
        n_sources = len(source_keys)
        seed = self.seed
        idless: set[int] = set()
        for i in range(self.n_statements):
            # about
            r = random_()
            n_c = 0 if r < 0.15 else 1 if r < 0.55 else 2 if r < 0.85 else 3
            about_c = list({p.country().iso3: None for _ in range(n_c)})
            r = random_()
            n_s = 0 if r < 0.4 else 1 if r < 0.85 else 2
            about_s = list({pick(scopes): None for _ in range(n_s)})
            r = random_()
            n_t = 0 if r < 0.45 else 1 if r < 0.85 else 2
            about_t = list({pick(techs): None for _ in range(n_t)})
            # speaker
            r = random_()
            label: str | None = None
            if r < 0.8:
                official: _Official = p.zipf(officials, official_cum)
                speaker = official.key
                if random_() < 0.1:
                    label = pick(_OFFICIAL_LABELS)
                if random_() < 0.5 and official.country not in about_c:
                    about_c.insert(0, official.country)
                    del about_c[3:]
            elif r < 0.92:
                speaker = p.country().iso3
                label = pick(_COUNTRY_LABELS)
            else:
                speaker = pick(alliances).key
                label = pick(_ALLIANCE_LABELS)
            # text: the first sentence names the statement's own subjects
            names = [self._country_name(iso) for iso in about_c] or [p.country().name]
            ctx = _Context(
                names,
                [prose for _, prose in about_s] or [pick(scopes)[1]],
                [prose for _, prose in about_t] or [pick(techs)[1]],
            )
            parts = [pick(sentences)(ctx) for _ in range(2 + int(random_() * 3))]
            for token, prob in markers:
                if random_() < prob:
                    parts.insert(int(random_() * len(parts)) + 1, _marker_sentence(p, token))
                    self.counts.markers[token] += 1
            text = " ".join(parts)
            # source and date
            s = int(random_() * n_sources)
            day = max(_START, source_days[s] - int(random_() * 15))
            lines = []
            # Drawn in the order they always were (stance, then date), so the output is the same.
            stance = _STANCES[p.count(_STANCE_CUM)]
            when = _edtf(rng, day)
            # A statement without an id is identified by (speaker, date, source): one that
            # would share them with an earlier id-less one gets an id of its own.
            # (An 8-byte digest, not the tuple: 1M statements keep the set to some 30 MB.)
            identity = int.from_bytes(
                hashlib.blake2b(f"{speaker}\x1f{when}\x1f{s}".encode(), digest_size=8).digest()
            )
            if i % 2 == 0 or identity in idless:
                lines.append(f"- id: {q(f'gen-{seed}-{i:07d}')}\n  speaker: {q(speaker)}\n")
                self.counts.statements_with_id += 1
            else:
                idless.add(identity)
                lines.append(f"- speaker: {q(speaker)}\n")
            if label is not None:
                lines.append(f"  speaker_label: {q(label)}\n")
            lines.append(
                f"  date: {q(when)}\n  text: {q(text)}\n"
                f"  quote: {'true' if random_() < 0.3 else 'false'}\n  stance: {q(stance)}\n"
            )
            if about_c or about_s or about_t:
                lines.append("  about:\n")
                if about_c:
                    lines.append(f"    countries: {_qlist(about_c)}\n")
                if about_s:
                    lines.append(f"    scopes: {_qlist([ref for ref, _ in about_s])}\n")
                if about_t:
                    lines.append(f"    technology_areas: {_qlist([k for k, _ in about_t])}\n")
            lines.append(f"  source: {q(source_keys[s])}\n")
            self._emit("".join(lines))
            self.counts.statements += 1
            yield None

    _names: dict[str, str] | None = None

    def _country_name(self, iso3: str) -> str:
        if self._names is None:
            self._names = {c.iso3: c.name for c in self.countries}
        return self._names[iso3]


@dataclass
class _Context:
    """The subjects a statement's sentences talk about (prose names)."""

    countries: list[str]
    scopes: list[str]
    techs: list[str]


def _marker_sentence(p: _Picker, token: str) -> str:
    forms = (
        f"Delegates also discussed the {token} programme.",
        f"The {token} review was mentioned only in passing.",
        f"A separate briefing covered the {token} trials {p.pick(_TIMES)}.",
    )
    return str(p.pick(forms))


def _sentences(p: _Picker, term: Callable[[], str]) -> list[Callable[[_Context], str]]:
    """Sentence templates; each draws its words from `p` and its subjects from the context."""
    pick = p.pick

    def said(c: _Context) -> str:
        return (
            f"{pick(c.countries)} {pick(_SAID)} it {pick(_MODALS)} {pick(_ACTIONS)} "
            f"{pick(c.techs)} {pick(_NOUNS)} with {pick(c.scopes)} partners {pick(_TIMES)}."
        )

    def state(c: _Context) -> str:
        return (
            f"The {pick(_ADJS)} {pick(_NOUNS)} on {pick(c.techs)} remains {pick(_STATES)}, "
            f"according to {pick(_PEOPLE)}."
        )

    def programme(c: _Context) -> str:
        return (
            f"Work on the {term()} {pick(_TAIL_KINDS)} and its {pick(_DOMAIN)} {pick(_DOMAIN)} "
            f"{pick(_MODALS)} {pick(_ACTIONS)} {pick(_TIMES)}."
        )

    def reporters(c: _Context) -> str:
        return (
            f"Speaking in {term()}, the delegation {pick(_SAID)} that {pick(c.countries)} "
            f"{pick(_MODALS)} {pick(_ACTIONS)} its {pick(_DOMAIN)} commitments to "
            f"{pick(c.scopes)}."
        )

    def question(c: _Context) -> str:
        return (
            f"It is not confirmed whether {pick(c.countries)} will join {pick(c.scopes)} as a "
            f"full member or as a {pick(_ADJS)} partner."
        )

    def money(c: _Context) -> str:
        amount = 5 * (1 + int(p.random() * 400))
        return (
            f"{pick(c.countries)} has set aside {amount} million for {pick(_DOMAIN)} "
            f"{pick(_DOMAIN)} and {pick(c.techs)} research, {pick(_PEOPLE)} said."
        )

    def exercise(c: _Context) -> str:
        return (
            f"Forces from {pick(c.countries)} and {pick(c.countries)} took part in Exercise "
            f"{term()} near {term()}, focusing on {pick(_DOMAIN)} and {pick(_DOMAIN)}."
        )

    def critics(c: _Context) -> str:
        return (
            f"Critics in {pick(c.countries)} warned that the {pick(_NOUNS)} could raise "
            f"{pick(_DOMAIN)} and {pick(_DOMAIN)} concerns, while supporters cited "
            f"{pick(c.techs)}."
        )

    def timeline(c: _Context) -> str:
        return (
            f"A {pick(_ADJS)} {pick(_NOUNS)} covering {pick(c.techs)} and {term()} is expected "
            f"{pick(_TIMES)}, pending {pick(_DOMAIN)} approval."
        )

    def denial(c: _Context) -> str:
        return (
            f"Officials in {pick(c.countries)} denied reports of a {pick(_ADJS)} "
            f"{pick(_DOMAIN)} deal but did not rule out talks on {pick(c.techs)}."
        )

    def industry(c: _Context) -> str:
        return (
            f"Companies including {term()} and {term()} are bidding to supply {pick(_DOMAIN)} "
            f"{pick(_DOMAIN)} systems for the {pick(c.scopes)} {pick(_NOUNS)}."
        )

    def context(c: _Context) -> str:
        return (
            f"The move follows {pick(_ADJS)} {pick(_NOUNS)} between {pick(c.countries)} and "
            f"{pick(c.scopes)} on {pick(_DOMAIN)}, {pick(_DOMAIN)} and {pick(_DOMAIN)}."
        )

    return [
        said,
        said,
        state,
        programme,
        reporters,
        question,
        money,
        exercise,
        critics,
        timeline,
        denial,
        industry,
        context,
    ]


# --------------------------------------------------------------------------- entry points


def generate(
    out: TextIO,
    *,
    statements: int,
    memberships: int | None = None,
    officials: int = 300,
    alliances: int = 30,
    seed: int = 0,
    with_countries: bool = False,
) -> GeneratedCounts:
    """Write a synthetic knowledge base (one YAML document in the load format) to `out`."""
    return _Generator(
        out,
        statements=statements,
        memberships=memberships,
        officials=officials,
        alliances=alliances,
        seed=seed,
        with_countries=with_countries,
    ).run()


def write_file(path: Path, **kw: Any) -> GeneratedCounts:
    """`generate` into a UTF-8 file at `path` (created or replaced)."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        return generate(out, **kw)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Write a synthetic alliancekb knowledge base in the YAML load format.",
    )
    parser.add_argument("--statements", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="output file ('-' = stdout)")
    parser.add_argument("--memberships", type=int, default=None, help="exact count")
    parser.add_argument("--officials", type=int, default=300)
    parser.add_argument("--alliances", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--with-countries", action="store_true", help="emit a minimal countries section too"
    )
    args = parser.parse_args(argv)
    kw: dict[str, Any] = {
        "statements": args.statements,
        "memberships": args.memberships,
        "officials": args.officials,
        "alliances": args.alliances,
        "seed": args.seed,
        "with_countries": args.with_countries,
    }
    started = time.perf_counter()
    try:
        to_stdout = str(args.out) == "-"
        counts = generate(sys.stdout, **kw) if to_stdout else write_file(args.out, **kw)
    except ValueError as exc:
        parser.error(str(exc))
    elapsed = time.perf_counter() - started
    size = "" if str(args.out) == "-" else f", {args.out.stat().st_size / 1e6:.1f} MB"
    print(
        f"{counts.records} records ({counts.statements} statements, {counts.memberships} "
        f"memberships, {counts.sources} sources) in {elapsed:.2f} s{size}; "
        f"markers {counts.markers}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
