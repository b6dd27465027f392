"""The collaboration graph: who may share a consortium with whom.

A node per planned trust (excluded trusts are left out) with its attributes. An edge joins two
trusts whose great-circle distance is at most ``network.max_distance_km``, or that have a
``share`` link or a ``together`` directive; never two trusts with a ``forbid`` link or an
``apart`` directive, nor, with ``network.same_region``, two trusts of different regions.
"""

from __future__ import annotations

import networkx as nx

from .geo import distance_matrix
from .inputs import Instance
from .scenario import Scenario

__all__ = ["separated_pairs", "build_graph", "km"]


def separated_pairs(scenario: Scenario, instance: Instance) -> frozenset[frozenset[str]]:
    """Pairs that may never share a consortium: ``forbid`` links and ``apart`` directives."""
    pairs = {frozenset((a, b)) for a, b, rel in instance.links if rel == "forbid"}
    pairs.update(frozenset(p) for p in scenario.directives.apart)
    return frozenset(pairs)


def build_graph(scenario: Scenario, instance: Instance) -> nx.Graph:
    """The collaboration graph of a scenario.

    Nodes carry ``name``, ``lat``, ``lon``, ``region`` and ``contract_end``; edges carry
    ``distance_km`` and ``reason`` (``distance``, ``share`` or ``together``). The graph
    attributes ``separated`` (pairs that may never share a consortium) and ``distance_km``
    (the full distance matrix, rows in ``index`` order) complete it; see :func:`km`.
    """
    excluded = set(scenario.directives.exclude)
    trusts = [t for t in instance.trusts if t.code not in excluded]
    graph = nx.Graph(separated=separated_pairs(scenario, instance))
    for t in trusts:
        graph.add_node(t.code, name=t.name, lat=t.lat, lon=t.lon, region=t.region,
                       contract_end=t.contract_end)
    dist = distance_matrix([t.lat for t in trusts], [t.lon for t in trusts])
    index = {t.code: i for i, t in enumerate(trusts)}
    explicit = {frozenset((a, b)): "share" for a, b, rel in instance.links if rel == "share"}
    explicit.update({frozenset(p): "together" for p in scenario.directives.together})
    limit = scenario.network.max_distance_km
    for i, a in enumerate(trusts):
        for j in range(i + 1, len(trusts)):
            b = trusts[j]
            pair = frozenset((a.code, b.code))
            if pair in graph.graph["separated"]:
                continue
            if scenario.network.same_region and a.region != b.region:
                continue
            if pair in explicit:
                reason = explicit[pair]
            elif dist[i, j] <= limit:
                reason = "distance"
            else:
                continue
            graph.add_edge(a.code, b.code, distance_km=float(dist[i, j]), reason=reason)
    graph.graph["distance_km"] = dist
    graph.graph["index"] = index
    return graph


def km(graph: nx.Graph, a: str, b: str) -> float:
    """Great-circle distance between two trusts of the graph, linked or not."""
    index = graph.graph["index"]
    return float(graph.graph["distance_km"][index[a], index[b]])
