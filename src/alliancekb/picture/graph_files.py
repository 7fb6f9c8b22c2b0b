"""Write a `GraphData` as GraphML, GEXF (dynamic: edges carry start/end), JSON or DOT.

Imported only by the `graph` command (networkx is imported here). GraphML and GEXF are
written by networkx; re-read with networkx they give the JSON answer's nodes, edges and
attributes back (tested). DOT is written here, quoted, for Graphviz users.
"""

from __future__ import annotations

import json
from typing import IO, Any

import networkx as nx

from alliancekb.picture.network import GraphData

FORMATS = ("graphml", "gexf", "json", "dot")


def to_networkx(data: GraphData) -> nx.DiGraph:
    graph = nx.DiGraph(as_of=data.as_of.isoformat())
    for node in data.nodes:
        graph.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in data.edges:
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
        graph.add_edge(edge["source"], edge["target"], **attrs)
    return graph


def as_json(data: GraphData) -> dict[str, Any]:
    return {"as_of": data.as_of.isoformat(), "nodes": data.nodes, "edges": data.edges}


def _dot_quote(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def write_dot(data: GraphData, stream: IO[bytes]) -> None:
    lines = [f"digraph alliances {{  // as of {data.as_of.isoformat()}", "  rankdir=LR;"]
    for node in data.nodes:
        shape = "ellipse" if node["kind"] == "country" else "box"
        attrs = ", ".join(f"{k}={_dot_quote(v)}" for k, v in node.items() if k != "id")
        lines.append(f"  {_dot_quote(node['id'])} [shape={shape}, {attrs}];")
    for edge in data.edges:
        attrs = ", ".join(
            f"{k}={_dot_quote(v)}" for k, v in edge.items() if k not in ("source", "target")
        )
        label = edge.get("status", edge["relation"])
        lines.append(
            f"  {_dot_quote(edge['source'])} -> {_dot_quote(edge['target'])} "
            f"[label={_dot_quote(label)}, {attrs}];"
        )
    lines.append("}")
    stream.write(("\n".join(lines) + "\n").encode("utf-8"))


def write(data: GraphData, stream: IO[bytes], fmt: str) -> None:
    """Write the graph to a binary stream in `fmt` (one of FORMATS)."""
    if fmt == "json":
        stream.write(json.dumps(as_json(data), ensure_ascii=False, indent=1).encode("utf-8"))
        stream.write(b"\n")
    elif fmt == "dot":
        write_dot(data, stream)
    elif fmt == "graphml":
        nx.write_graphml(to_networkx(data), stream, encoding="utf-8")
    elif fmt == "gexf":
        nx.write_gexf(to_networkx(data), stream, encoding="utf-8")
    else:  # pragma: no cover - the CLI checks the format
        raise ValueError(fmt)
