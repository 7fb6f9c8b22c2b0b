"""Who is tied to whom on a day: countries and alliances as a graph (plain data).

Nodes are countries (`country:ISO3`), alliances (`alliance:KEY`) and pillars
(`pillar:KEY/N`), only those in force on the day: an alliance founded by then and not
dissolved before it (a pillar: its alliance). An edge from a country to a scope is its
membership as `members` answers for the day (one row per country and scope, claims
merged; one that ended or was declined is not a tie on the day), labelled by the role it
holds (`member`, `partner`, `candidate`, `observer`), with role, status, currency, dates
and obligations; a pillar has a `part-of` edge to its alliance (its alliance's members
take part in it: they are not repeated as edges of the pillar).
`graph_data` is the answer as rows; `picture.graph_files` writes it with networkx.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliancekb.core.dates import EdtfError, parse_edtf
from alliancekb.core.vocab import CLOSED_STATUSES, Obligation, Role
from alliancekb.picture.lanes import scope_names
from alliancekb.query.common import scope_infos
from alliancekb.query.labels import numbered_alliance_labels
from alliancekb.query.members import members
from alliancekb.store import models as m
from alliancekb.store.resolve import SCOPE_KINDS, Kind, load_index

#: The attributes of a membership edge, in order (absent ones are left out of the files).
EDGE_FIELDS = (
    "relation",
    "role",
    "status",
    "currency",
    "from",
    "to",
    "until",
    "start",
    "end",
    "confirmed",
    "obligations",
    "sources",
    "claim",
)


@dataclass
class GraphData:
    """Nodes and edges as rows (the JSON answer), and what was asked."""

    as_of: dt.date
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


def _bound(text: str | None, upper: bool) -> str | None:
    if not text:
        return None
    try:
        date = parse_edtf(text)
    except EdtfError:
        return None
    return (date.upper if upper else date.lower).isoformat()


#: The relation an edge names, by the role the country holds (a founding member is a member).
RELATIONS = {
    Role.FOUNDING_MEMBER: "member",
    Role.MEMBER: "member",
    Role.PARTNER: "partner",
    Role.CANDIDATE: "candidate",
    Role.OBSERVER: "observer",
}


def _in_force(session: Session, day: dt.date) -> set[int]:
    """The scopes of the alliances founded by `day` and not dissolved before it, with
    their pillars (an alliance with no founding date counts as founded)."""
    a = m.Alliance
    alive = {
        scope_id
        for scope_id, founded, ended in session.execute(
            select(a.scope_id, a.founded_lower, a.ended_upper)
        )
        if (founded is None or founded <= day) and (ended is None or day <= ended)
    }
    pillars = session.execute(
        select(m.Pillar.scope_id, a.scope_id).join(a, a.id == m.Pillar.alliance_id)
    )
    return alive | {pillar for pillar, alliance in pillars if alliance in alive}


def _scope_node(label: str, name: str) -> str:
    return f"pillar:{name}" if "/pillar-" in name else f"alliance:{name}"


def graph_data(
    session: Session,
    day: dt.date,
    scopes: Sequence[str] = (),
    obligation: str | None = None,
) -> GraphData:
    """The graph for `day` over the scopes asked (every alliance and pillar by default)."""
    names = scope_names(session)
    infos = scope_infos(session)
    labels_by_id = {info.label: sid for sid, info in infos.items()}
    # One name index for every scope's answer (building it per scope was most of the time).
    index = load_index(session, SCOPE_KINDS)
    if scopes:
        wanted: list[str] = []
        for scope in scopes:
            ref = index.resolve(scope, SCOPE_KINDS)
            assert ref.scope_id is not None
            wanted.append(infos[ref.scope_id].label)
            if ref.kind is Kind.PILLAR:  # its alliance too: its members take part in it
                wanted.append(infos[infos[ref.scope_id].alliance_scope_id].label)
        labels = list(dict.fromkeys(wanted))
    else:
        labels = sorted(names)
    alive = _in_force(session, day)
    labels = [label for label in labels if labels_by_id[label] in alive]
    numbered = numbered_alliance_labels(session, [labels_by_id[label] for label in labels])
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []
    obligations = [Obligation(obligation)] if obligation else None
    for label in labels:
        name = names[label]
        node = _scope_node(label, name)
        info = infos[labels_by_id[label]]
        shown = numbered.get(labels_by_id[label], label)
        nodes[node] = {"id": node, "kind": str(info.kind), "label": shown}
        if info.kind is Kind.PILLAR:
            parent = infos[info.alliance_scope_id].label
            edges.append(
                {
                    "source": node,
                    "target": _scope_node(parent, names[parent]),
                    "relation": "part-of",
                }
            )
        result = members(session, name, as_of=day, obligations=obligations, index=index)
        for row in result.rows:
            if row["via"] is not None or row["status"] in CLOSED_STATUSES:
                continue
            country = f"country:{row['iso3']}"
            nodes.setdefault(
                country,
                {"id": country, "kind": "country", "label": row["country"], "iso3": row["iso3"]},
            )
            end = _bound(row["to"], upper=True) or row["until"]
            edge: dict[str, Any] = {
                "source": country,
                "target": node,
                "relation": RELATIONS[Role(row["role"])],
                "role": str(row["role"]),
                "status": str(row["status"]),
                "currency": row["currency"],
                "from": row["from"],
                "to": row["to"],
                "until": row["until"],
                "start": _bound(row["from"], upper=False),
                "end": end,
                "confirmed": row["confirmed"],
                "obligations": "; ".join(row["obligations"]) or None,
                "sources": "; ".join(row["sources"]),
                "claim": row["claim"],
            }
            edges.append({k: v for k, v in edge.items() if v is not None})
    # parents of pillars that were not asked for still need their node
    for edge in edges:
        target = edge["target"]
        if target not in nodes:
            label = next(lb for lb, nm in names.items() if _scope_node(lb, nm) == target)
            nodes[target] = {"id": target, "kind": "alliance", "label": label}
    node_rows = sorted(nodes.values(), key=lambda n: (n["kind"] != "country", n["id"]))
    edges.sort(key=lambda e: (e["source"], e["target"]))
    return GraphData(day, node_rows, edges)
