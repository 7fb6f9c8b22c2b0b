"""What the COW and ATOP readers share: the dataset source, countries, alliances, spells.

A dataset's rows become load-format records:

- one `dataset` source per dataset and version, with its coverage window;
- a country per state the crosswalk gives (with every COW code it has, dated);
- an alliance per dataset alliance: the named alliance it is linked to (the crosswalk), which
  gains the alias `cow:227`; else one of its own (`cow-15`, alias `cow:15`);
- a membership per spell (a phase, a rejoin), claimed by the dataset source, one record
  per state where the crosswalk cuts the spell (365 across 1991-12-26).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, String, select, type_coerce

from alliancekb.core.vocab import Obligation
from alliancekb.load.child_read import ReadRecord
from alliancekb.load.datasets.crosswalk import Alliances, States, alliances, states
from alliancekb.load.datasets.csv_read import Row
from alliancekb.load.schema import AllianceIn, CountryIn, MembershipIn, SourceIn, bounds
from alliancekb.store import models as m

#: The loader's size limit does not fit CSV files of a few MB; this one refuses absurd ones.
MAX_CSV_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Dataset:
    """What identifies a dataset: its name in keys (`cow`), its source, its coverage."""

    prefix: str
    label: str
    key_stem: str
    title: str
    publisher: str
    url: str
    covers_from: str
    covers_to: str
    note: str


@dataclass
class Existing:
    """The named alliances already in the knowledge base (read in the load's transaction)."""

    alliances: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, conn: Connection, keys: list[str]) -> Existing:
        a = m.Alliance
        found: dict[str, dict[str, Any]] = {}
        rows = conn.execute(
            select(a.id, a.key, a.name, a.full_name, type_coerce(a.kind, String()), a.founded,
                   a.ended)
            .where(a.key.in_(keys))
        ).all()  # fmt: skip
        for row in rows:
            aliases = conn.execute(
                select(m.AllianceAlias.alias).where(m.AllianceAlias.alliance_id == row[0])
            ).scalars()
            found[row[1]] = {
                "name": row[2], "full_name": row[3], "kind": row[4], "founded": row[5],
                "ended": row[6], "aliases": sorted(aliases),
            }  # fmt: skip
        return cls(found)


class Builder:
    """Makes the records of one import, each entity once, from rows of its files."""

    def __init__(self, dataset: Dataset, conn: Connection) -> None:
        self.dataset = dataset
        self.states: States = states()
        self.crosswalk: Alliances = alliances()
        self.existing = Existing.read(conn, [a.key for a in self.crosswalk.named])
        self.version: str | None = None
        self.source_key = ""
        self.countries: set[str] = set()
        #: dataset id -> the alliance key its memberships go to
        self.alliance_keys: dict[int, str] = {}

    # -- the source ----------------------------------------------------------------------

    def source(self, row: Row, column: str) -> Iterator[ReadRecord]:
        """The dataset source, at the first row; later rows must name the same version."""
        version = row[column]
        if self.version is not None:
            if version != self.version:
                row.problem(column, f"version {version!r} differs from {self.version!r} "
                            "of the rows before: one import reads one version")  # fmt: skip
            return
        if not version or not all(c.isalnum() or c in ".-" for c in version):
            row.problem(column, f"version {version!r} is not a version number")
            return
        self.version = version
        d = self.dataset
        self.source_key = f"{d.key_stem}-{version}".lower()
        record = row.record(
            "sources", SourceIn,
            {
                "key": self.source_key, "title": f"{d.title}, version {version}",
                "publisher": d.publisher, "url": d.url, "published": "unknown",
                "kind": "dataset", "covers_from": d.covers_from, "covers_to": d.covers_to,
                "note": d.note,
            },
            f"row {row.line} (the {d.label} source)", {"key": column},
        )  # fmt: skip
        if record is not None:
            yield record

    # -- countries -------------------------------------------------------------------------

    def country(self, row: Row, iso3: str, column: str) -> Iterator[ReadRecord]:
        if iso3 in self.countries:
            return
        self.countries.add(iso3)
        windows = self.states.by_iso3[iso3]
        data: dict[str, Any] = {"iso3": iso3, "codes": self.states.codes_of(iso3)}
        named = [w for w in windows if w.name]
        if named:
            data["name"] = named[0].name
            data["aliases"] = sorted({a for w in named for a in w.aliases})
        record = row.record("countries", CountryIn, data, f"row {row.line} (country {iso3})",
                            {"iso3": column, "codes": column})  # fmt: skip
        if record is not None:
            yield record

    # -- alliances -------------------------------------------------------------------------

    def alliance(
        self, row: Row, ident: int, column: str, *, founded: str | None, ended: str | None,
        defense: bool, description: str,
    ) -> Iterator[ReadRecord]:  # fmt: skip
        """The alliance a dataset alliance belongs to (once per id)."""
        if ident in self.alliance_keys:
            return
        d = self.dataset
        alias = f"{d.prefix}:{ident}"
        named = self.crosswalk.linked(d.prefix, ident)
        where = f"row {row.line} ({alias})"
        columns = {"key": column, "founded": column, "ended": column, "aliases": column}
        if named is not None:
            self.alliance_keys[ident] = named.key
            stored = self.existing.alliances.get(named.key)
            if stored is None:
                data: dict[str, Any] = {
                    "key": named.key, "name": named.name, "kind": named.kind,
                    "aliases": sorted({*named.aliases, alias}), "sources": [self.source_key],
                }  # fmt: skip
                if named.full_name:
                    data["full_name"] = named.full_name
                if named.founded:
                    data["founded"] = named.founded
                if ended:
                    data["ended"] = ended
                self.existing.alliances[named.key] = {**data, "aliases": data["aliases"]}
            else:  # keep what the knowledge base says; add the dataset's alias
                aliases = sorted({*stored["aliases"], alias}, key=str.casefold)
                stored["aliases"] = aliases
                data = {"key": named.key, "name": stored["name"], "kind": stored["kind"],
                        "aliases": aliases}  # fmt: skip
                # A dataset's recorded end fills an end the knowledge base does not have;
                # it never replaces one (the first end recorded stays, whichever import).
                if ended and not stored.get("ended"):
                    data["ended"] = stored["ended"] = ended
            record = row.record("alliances", AllianceIn, data, where, columns)
        else:
            key = f"{d.prefix}-{ident}"
            self.alliance_keys[ident] = key
            years = f"{_year(founded)}–{_year(ended)}" if ended else f"from {_year(founded)}"
            data = {
                "key": key, "name": f"{d.label} alliance {ident} ({years})",
                "kind": "defense-treaty" if defense else "other", "aliases": [alias],
                "sources": [self.source_key], "description": description,
            }  # fmt: skip
            if founded:
                data["founded"] = founded
            if ended:
                data["ended"] = ended
            record = row.record("alliances", AllianceIn, data, where, columns)
        if record is not None:
            yield record

    # -- memberships -------------------------------------------------------------------------

    def spell(
        self, row: Row, *, ident: int, ccode: int, columns: dict[str, str], start: str,
        end: str | None, founding: bool, obligations: list[Obligation], note: str | None,
    ) -> Iterator[ReadRecord]:  # fmt: skip
        """One membership spell, cut where the crosswalk changes state; its countries first."""
        first, last = bounds(start), bounds(end)
        assert first is not None
        pieces = self.states.pieces(ccode, first.lower, last.lower if last else None)
        if pieces is None:
            row.problem(
                columns["country"],
                f"COW code {ccode} names no state on the spell's dates ({start} to "
                f"{end or 'ongoing'}) in the states crosswalk",
            )
            return
        scope = self.alliance_keys[ident]
        for i, piece in enumerate(pieces):
            iso3 = piece.window.iso3
            yield from self.country(row, iso3, columns["country"])
            data: dict[str, Any] = {
                "country": iso3, "scope": scope,
                "role": "founding-member" if founding and i == 0 else "member",
                "status": "in-force",
                "from": piece.cut_start.isoformat() if piece.cut_start else start,
                "claimed_by": self.source_key, "sources": [self.source_key],
                "obligations": [o.value for o in obligations],
            }  # fmt: skip
            to = piece.cut_end.isoformat() if piece.cut_end else end
            if to:
                data["to"] = to
            notes = [note] if note else []
            if len(pieces) > 1:
                cut = ", ".join(f"{p.window.iso3} from {p.cut_start}" for p in pieces[1:])
                notes.append(
                    f"{self.dataset.label} codes one spell of ccode {ccode}; the crosswalk "
                    f"cuts it where the state changes: {pieces[0].window.iso3}, then {cut}"
                )
            if notes:
                data["note"] = "; ".join(notes)
            record = row.record(
                "memberships", MembershipIn, data,
                f"row {row.line} ({self.dataset.prefix}:{ident}, ccode {ccode})", columns,
            )  # fmt: skip
            if record is not None:
                yield record


def _year(edtf: str | None) -> str:
    return edtf[:4] if edtf else "?"
