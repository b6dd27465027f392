"""Branch and price: the proof of the optimum when the enumeration stages alone cannot give it.

The enumeration stages (:func:`consortia.columns.enumerate.prove`) prove a plan optimal when every
column within ``UB - LB`` of the Lagrangian bound fits in a pool of ``POOL_LIMIT`` columns. When
it does not (a wide gap, or a degenerate LP with very many columns of reduced cost near zero),
the plans are split in two by a decision on the LP's fractional solution and each half, a *node*,
is solved the same way under its decisions (:class:`~consortia.columns.decisions.Decisions`):

1. column generation under the node's decisions, to the node's LP optimum: its own prices and
   Lagrangian bound, valid for every plan that keeps the decisions (a node whose bound is above
   any plan's cost has no plan);
2. the node is closed when its bound reaches the best plan, or its LP solution is a whole plan
   (the best plan of the node), or every column within the best plan's cost minus its bound
   fits in a pool of ``POOL_LIMIT`` (the node's best plan, if cheaper, is the best over that
   pool: :func:`settle`);
3. otherwise it is split (:func:`split`). Following Ryan & Foster (1981): two trusts that the LP
   puts partly in one consortium (``0 < w < 1``, ``w`` the LP value of the columns holding both)
   are *together* in one half and *apart* in the other; when every pair is whole, the LP splits
   some trust's go-live between periods, and one half bans the trust from one of them, the other
   from every other period.

Every plan keeps the decisions of exactly one of the two halves, so the least bound of the open
nodes is a valid bound on every plan, and when no node is open the best plan is proven optimal.
Nodes are taken best bound first (then deepest, then oldest), which keeps the bound rising and
the order deterministic.

References: D. M. Ryan and B. A. Foster, "An integer programming approach to scheduling", in
*Computer Scheduling of Public Transport*, North-Holland (1981); C. Barnhart, E. L. Johnson,
G. L. Nemhauser, M. W. P. Savelsbergh and P. H. Vance, "Branch-and-price: column generation for
solving huge integer programs", Operations Research 46(3):316-329 (1998).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..solver import Progress
from ..status import relative_gap
from . import enumerate as enumeration
from .decisions import Decisions
from .enumerate import Enumerator, cheapest_plan, lagrangian, plan_cost
from .pricing import EPS, Prices

__all__ = ["NodeLP", "Tree", "branch", "split", "settle", "prunes"]

ColumnKey = tuple[tuple[str, ...], int]
"""A column as (members, go-live period)."""


@dataclass(frozen=True)
class NodeLP:
    """A node's master LP after column generation under its decisions."""

    bound: float | None
    """A lower bound on every plan that keeps the decisions (None: no complete pricing round)."""
    prices: Prices | None
    priced: float | None
    """The Lagrangian bound at ``prices`` itself (``bound`` may come from earlier prices)."""
    solution: list[tuple[tuple[str, ...], int, float]]
    """The columns the LP uses: (members, period, value > 0)."""
    converged: bool
    """Whether the LP is optimal over every column that keeps the decisions."""
    infeasible: bool
    """Whether the bound shows that no plan keeps the decisions (it is above any plan's cost)."""
    undecided: bool = False
    """Whether the LP still leaves a trust out at the highest cost of leaving out while its bound
    proves nothing: the node stays open."""


@dataclass(frozen=True)
class Tree:
    """What branching found and proved."""

    proven: bool
    chosen: list[ColumnKey]
    objective: float | None
    bound: float | None
    """The least bound of the open nodes (the objective when proven)."""
    nodes: int
    pools: tuple[int, ...]
    message: str
    infeasible: bool = False
    """Whether every node was closed without a plan: no plan keeps every rule."""


def prunes(bound: float, best: float | None) -> bool:
    """Whether a node of lower bound ``bound`` can hold no plan cheaper than ``best`` (rounding
    allowed, as in the enumeration's proof)."""
    return best is not None and bound >= best - max(1e-6, 1e-9 * abs(best))


def branch(enumerator: Enumerator, solve_node: Callable[[Decisions, float], NodeLP], incumbent: list[ColumnKey],
           bound: float, deadline: float, interrupt=None, progress: Callable[[Progress], None] | None = None,
           started: float | None = None) -> Tree:
    """Branch from the root (whose bound is ``bound``) until every node is closed, the
    ``deadline`` (perf_counter seconds) passes or Ctrl-C; ``incumbent`` is the best plan known.

    ``solve_node(decisions, deadline)`` runs column generation under ``decisions``; the
    enumeration within the gap is not tried again at the root (the enumeration stages did).
    """
    rules = enumerator.rules
    started = time.perf_counter() if started is None else started
    best = list(incumbent)
    best_value = plan_cost(rules, best) if best else None
    # (bound, minus depth, order made, decisions): best bound first, then deepest, then oldest
    heap: list[tuple[float, int, int, Decisions]] = [(bound, 0, 0, Decisions())]
    made = nodes = 0
    pools: list[int] = []
    stopped = ""
    stuck: list[float] = []
    """Bounds of the nodes left open because their LP could not be decided."""
    while heap:
        if interrupt is not None and interrupt.requested:
            stopped = "interrupted by the user"
            break
        if time.perf_counter() >= deadline:
            stopped = "time limit reached while branching"
            break
        low, depth, made_at, decisions = heapq.heappop(heap)
        if prunes(low, best_value):
            continue
        node = solve_node(decisions, deadline)
        nodes += 1
        if node.infeasible:
            continue
        if node.undecided:
            stuck.append(low if node.bound is None else max(low, node.bound))
            continue
        if not node.converged:
            heapq.heappush(heap, (low, depth, made_at, decisions))
            stopped = "time limit reached while branching" if time.perf_counter() >= deadline else \
                "interrupted by the user"
            break
        low = low if node.bound is None else max(low, node.bound)
        plan = _whole(node.solution)
        if plan is not None:
            value = plan_cost(rules, plan)
            if best_value is None or value < best_value:
                best, best_value = plan, value
        elif not prunes(low, best_value):
            if decisions and best_value is not None and node.priced is not None:
                settled = settle(enumerator, node.prices, node.priced, best, best_value, decisions, deadline,
                                 interrupt)
                low = max(low, settled.bound)
                if settled.pool is not None:
                    pools.append(settled.pool)
                if settled.objective is not None and settled.objective < best_value:
                    best, best_value = settled.chosen, settled.objective
                if settled.closed:
                    continue
            children = split(node.solution, decisions, rules)
            if not children:
                stuck.append(low)
            for child in children:
                made += 1
                heapq.heappush(heap, (low, depth - 1, made, child))
        if progress is not None and best_value is not None:
            least = min([best_value] + [h[0] for h in heap])
            progress(Progress(best_value, least, relative_gap(best_value, least), time.perf_counter() - started))
    open_bounds = [b for b in [h[0] for h in heap] + stuck if not prunes(b, best_value)]
    stopped = stopped or "a node's LP could not be decided"
    if best_value is None:
        if not open_bounds:
            return Tree(False, [], None, None, nodes, tuple(pools), f"no plan keeps every rule: {nodes:,} nodes "
                        "solved, none holds a plan", infeasible=True)
        return Tree(False, [], None, min(open_bounds), nodes, tuple(pools),
                    f"{stopped} ({nodes:,} nodes solved, {len(open_bounds):,} open, no plan)")
    if not open_bounds:
        return Tree(True, best, best_value, best_value, nodes, tuple(pools),
                    f"proven by branching: {nodes:,} nodes solved, every one closed" if nodes else
                    "proven: the best plan meets the bound")
    return Tree(False, best, best_value, min(open_bounds + [best_value]), nodes, tuple(pools),
                f"{stopped} ({nodes:,} nodes solved, {len(open_bounds):,} open)")


@dataclass(frozen=True)
class Settled:
    """What enumerating a node within its gap found."""

    closed: bool
    """Whether the node holds no plan cheaper than the best (or its best is ``chosen``)."""
    chosen: list[ColumnKey]
    objective: float | None
    """The cost of ``chosen``, a plan cheaper than the best (None when none was found)."""
    pool: int | None
    """Columns enumerated (None when they were more than ``POOL_LIMIT``)."""
    bound: float
    """The node's Lagrangian bound at its prices (the enumeration's, when complete)."""


def settle(enumerator: Enumerator, prices: Prices, priced: float, best: list[ColumnKey], best_value: float,
           decisions: Decisions, deadline: float, interrupt=None) -> Settled:
    """Close a node by enumeration: every column that keeps ``decisions`` whose reduced cost at
    the node's ``prices`` is within ``best_value`` less ``priced`` (the Lagrangian bound at those
    prices), and the cheapest plan over them below ``best_value``."""
    rules = enumerator.rules
    delta = best_value - priced + max(1e-6, 1e-9 * abs(best_value))
    found = enumerator.run(prices, delta, cap=enumeration.POOL_LIMIT, deadline=deadline, decisions=decisions)
    if not found.complete:
        return Settled(False, [], None, None, priced)
    low = max(priced, lagrangian(prices, rules.scenario.market.capacity, found))
    if prunes(low, best_value):
        return Settled(True, [], None, len(found.columns), low)
    if best_value - low > found.delta:
        return Settled(False, [], None, len(found.columns), low)
    pool = [(m, t) for m, t, _ in found.columns]
    if not pool:
        return Settled(True, [], None, 0, low)
    listed = set(pool)
    start = best if all(c in listed for c in best) else []
    chosen, value, exact = cheapest_plan(rules, pool, start, best_value, deadline - time.perf_counter(), interrupt)
    return Settled(exact, chosen, value, len(pool), low)


def split(solution: list[tuple[tuple[str, ...], int, float]], decisions: Decisions, rules) -> list[Decisions]:
    """The two children of a node whose LP ``solution`` is fractional (see the module docstring):
    on the pair of trusts whose LP value together is nearest one half, or else on the trust and
    go-live period whose LP value is (none when nothing is fractional beyond the LP's
    tolerances)."""
    order = rules.order
    together: dict[tuple[str, str], float] = {}
    period: dict[tuple[str, int], float] = {}
    for members, t, value in solution:
        if value >= 1 - EPS:
            continue
        ranked = sorted(members, key=order.get)
        for n, a in enumerate(ranked):
            period[a, t] = period.get((a, t), 0.0) + value
            for b in ranked[n + 1:]:
                together[a, b] = together.get((a, b), 0.0) + value
    pairs = [(abs(w - 0.5), order[a], order[b], a, b) for (a, b), w in together.items() if EPS < w < 1 - EPS]
    if pairs:
        *_, a, b = min(pairs)
        if (a, b) in decisions.together or (a, b) in decisions.apart:
            raise RuntimeError(f"the LP splits {a} and {b} again after a decision on them: a decision is not kept")
        return [decisions.with_pair(a, b, True), decisions.with_pair(a, b, False)]
    golives = [(abs(v - 0.5), order[i], t, i) for (i, t), v in period.items() if EPS < v < 1 - EPS]
    if not golives:
        return []  # fractional only within the LP's tolerances: nothing to split on
    *_, t, i = min(golives)
    if (i, t) in decisions.banned:
        raise RuntimeError(f"the LP sends {i} to period {t} after a decision against it: a decision is not kept")
    others = [(i, p) for p in rules.facts[i].window if p != t]
    return [decisions.with_banned([(i, t)]), decisions.with_banned(others)]


def _whole(solution: list[tuple[tuple[str, ...], int, float]]) -> list[ColumnKey] | None:
    """The plan of an LP solution whose every column is at 0 or 1 (None when one is fractional)."""
    if any(EPS < value < 1 - EPS for _, _, value in solution):
        return None
    return [(members, t) for members, t, value in solution if value >= 1 - EPS]

