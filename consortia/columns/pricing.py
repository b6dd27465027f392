"""Pricing for column generation: which consortium each medoid would add to the master at
the master LP's prices, and a lower bound on how much it could gain.

:class:`ColumnRules` holds what a single consortium (a column) must keep and what it costs;
:class:`Prices` holds the master's dual prices; :class:`Pricer` searches one medoid's
consortia, greedily or exactly (one small HiGHS MIP per go-live period). See
:mod:`consortia.columns` for the master and the bound these serve.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from ..costs import CostModel, cost_model
from ..graph import km
from ..model import TrustFacts
from ..scenario import Scenario
from ..solver import raise_if_highs_failed
from ..timing import Calendar
from ..weekend import duty_window, required_pairs

__all__ = ["EPS", "TAKEN", "in_cut", "Prices", "Floors", "ColumnRules", "Pricer", "run_highs", "covered"]

EPS = 1e-6
TAKEN = 1e6
"""Price that keeps trusts already placed (by the dive) out of new columns."""


def in_cut(cut: frozenset[str], inside: set[str]) -> bool:
    """Whether a column with the trusts ``inside`` is in the subset-row cut ``cut`` (holds two or
    more of its three trusts)."""
    return len(cut & inside) >= 2


@dataclass(frozen=True)
class Prices:
    """The master LP's dual prices: per trust, per market period (<= 0) and per subset-row cut
    (<= 0; a cut is a set of three trusts, see :meth:`_Master.separate`)."""

    trust: dict[str, float]
    market: dict[int, float]
    cut: dict[frozenset[str], float]
    cuts_of: dict[str, list[frozenset[str]]] = field(init=False, compare=False)

    def __post_init__(self):
        cuts_of: dict[str, list[frozenset[str]]] = {}
        for cut, value in self.cut.items():
            if value < -EPS:
                for i in cut:
                    cuts_of.setdefault(i, []).append(cut)
        object.__setattr__(self, "cuts_of", cuts_of)

    def without(self, taken: set[str]) -> Prices:
        """The same prices with the ``taken`` trusts priced out of every new column."""
        return Prices({c: (-TAKEN if c in taken else v) for c, v in self.trust.items()}, self.market, self.cut)

    def cut_penalty(self, members) -> float:
        """What the cuts charge a column: minus the price of every cut it is in."""
        inside = set(members)
        touched = {cut for i in members for cut in self.cuts_of.get(i, ())}
        return -math.fsum(self.cut[cut] for cut in touched if in_cut(cut, inside))


@dataclass(frozen=True)
class Floors:
    """Necessary conditions for a column to be allowed and a lower bound on its cost, as arrays
    for the enumeration's search (:mod:`consortia.columns.enumerate`); rows in ``index`` order.

    Whatever :meth:`ColumnRules.allows` and :meth:`ColumnRules.cost` become, these must stay
    true for every ``members`` going live at ``t`` that holds no member of a fixed consortium
    and no trust pinned into one (those columns are searched apart, see
    :meth:`~consortia.columns.enumerate.Enumerator.run`; ``tests/test_enumeration.py`` checks them):

    - ``allows(members, t)`` implies: every member has ``t`` in its window, every two members
      are ``linked``, when ``connected`` the ``adjacent`` pairs among the members connect them
      all, and, when ``hard``, the members' ``net`` capacity sums to >= 0 on every day and
      their ``holders`` of each required weekend pair sum to at least ``window``;
    - ``cost(members, t) >= size[n] + sum(member(i, t))`` for ``n`` = 1 member and
      ``>= size[n] + sum(member(i, t)) + min over k in members of sum over i of distance[i, k]``
      for two or more (every other term of the cost is >= 0); ``distance`` is >= 0 with a zero
      diagonal, so the medoid term never falls as members are added.
    """

    index: dict[str, int]
    timing: dict[str, dict[int, float]]
    distance: np.ndarray
    size: np.ndarray
    """The size cost of a consortium of ``n`` members at row ``n`` (row 0 unused)."""
    linked: np.ndarray
    hard: bool
    net: np.ndarray
    holders: np.ndarray
    """Per trust (row), its holders of each required weekend (subspecialty, day), as
    :func:`covered` counts them."""
    window: int
    connected: bool = False
    adjacent: np.ndarray | None = None

    def member(self, code: str, t: int) -> float:
        """What member ``code`` adds to any consortium's cost at go-live ``t``, at least."""
        return self.timing[code][t]


@dataclass
class ColumnRules:
    """The data every part of the column generation reads."""

    scenario: Scenario
    graph: nx.Graph
    facts: dict[str, TrustFacts]
    order: dict[str, int]
    baseline: dict[str, str] | None = None
    """Trust -> consortium in the baseline plan (re-planning: each moved trust costs ``moved``)."""
    rosterable: Callable[[tuple[str, ...]], bool | None] | None = None
    """The exact weekend-rota test of a member set (hard cover with ``rota.required``), or None."""
    market: dict[int, int] = field(init=False)
    partner: dict[str, set[str]] = field(init=False)
    core: dict[int, frozenset[str]] = field(init=False)
    """Fixed consortium index -> its planned members."""
    pinned: dict[int, frozenset[str]] = field(init=False)
    """Fixed consortium index -> the trusts pinned into it (not its own members)."""
    costs: CostModel = field(init=False)

    def __post_init__(self):
        self.costs = cost_model(self.scenario, self.graph, for_solver=True)
        calendar = Calendar(self.scenario.planning)
        self.market = {t: calendar.market_period(t) for f in self.facts.values() for t in f.window}
        self._row = self.graph.graph["index"]
        self._km = np.asarray(self.graph.graph["distance_km"])
        self._costs: dict[tuple[tuple[str, ...], int], float] = {}
        self._refused: set[frozenset[str]] = set()
        self.refused_order: list[frozenset[str]] = []
        """The member sets the exact weekend-rota test refused, in the order found."""
        # linked and not separated, by graph index (the pairs a clique consortium may hold)
        together = np.zeros((len(self._row), len(self._row)), dtype=bool)
        for a, b in self.graph.edges:
            if frozenset((a, b)) not in self.graph.graph["separated"]:
                together[self._row[a], self._row[b]] = together[self._row[b], self._row[a]] = True
        self._together = together.tolist()
        self._before: dict[str, frozenset[str]] = {}
        if self.baseline is not None:
            both = [c for c in self.facts if c in self.baseline]
            for c in both:
                self._before[c] = frozenset(o for o in both if self.baseline[o] == self.baseline[c])
        self.core = {k: frozenset(m for m in f.members if m in self.facts)
                     for k, f in enumerate(self.scenario.directives.fixed)}
        self.pinned: dict[int, frozenset[str]] = {}
        for code, f in self.facts.items():
            if f.joins is not None:
                self.pinned[f.joins] = self.pinned.get(f.joins, frozenset()) | {code}
        self.partner = {}
        for a, b in self.scenario.directives.together:
            self.partner.setdefault(a, set()).add(b)
            self.partner.setdefault(b, set()).add(a)

    def rostered(self, members: tuple[str, ...]) -> bool:
        """Whether a weekend rota can staff ``members`` (always, when no rota is required): the
        exact test, remembered (a set it cannot decide counts as without a rota)."""
        if self.rosterable is None:
            return True
        if self.rosterable(members) is True:
            return True
        key = frozenset(members)
        if key not in self._refused:
            self._refused.add(key)
            self.refused_order.append(key)
        return False

    def refused(self, members) -> bool:
        """Whether the exact test has already found ``members`` without a weekend rota (no new test)."""
        return bool(self._refused) and frozenset(members) in self._refused

    def allows(self, members: tuple[str, ...], t: int, exact: bool = True) -> bool:
        """Whether ``members`` going live at ``t`` keeps every rule a single consortium must keep
        (with ``exact`` False, the weekend rota only by its counting rules and the sets the
        exact test has already refused: what the enumeration and the master test on every set,
        leaving the exact test to the columns a plan or the master LP chooses).

        A column holding a member of fixed consortium ``k`` must hold all of its (planned)
        members and every trust pinned into it; other trusts join it only when it grows, up to
        ``max_size`` members in all, each linked to every other member; its own members are
        exempt among themselves and from the size bounds. A trust pinned into a fixed
        consortium is in no other column.
        """
        c = self.scenario.consortium
        inside = set(members)
        fixed = {self.facts[i].fixed for i in members} - {None}
        if len(fixed) > 1:
            return False
        if fixed:
            k = fixed.pop()
            core = self.core[k]
            joining = [i for i in members if i not in core]
            if not core <= inside or not self.pinned.get(k, frozenset()) <= inside:
                return False
            if joining and (not self.scenario.directives.fixed[k].grow
                            or len(joining) > max(0, c.max_size - len(core))):
                return False
            if any(self.facts[i].joins not in (None, k) for i in joining):
                return False
        else:
            core = frozenset()
            if any(self.facts[i].joins is not None for i in members):
                return False
            if len(members) == 1 and not c.allow_standalone or 1 < len(members) < c.min_size \
                    or len(members) > c.max_size:
                return False
        if any(t not in self.facts[i].misalignment for i in members):
            return False
        separated = self.graph.graph["separated"]
        clique = self.scenario.network.membership == "clique"
        if clique and not core and len(members) > 1:
            together = self._together
            rows = [self._row[i] for i in members]
            if not all(together[a][b] for n, a in enumerate(rows) for b in rows[n + 1:]):
                return False
        for k, a in enumerate(members if core or not clique else ()):
            for b in members[k + 1:]:
                if a in core and b in core:
                    continue
                if clique and not self.graph.has_edge(a, b) or frozenset((a, b)) in separated:
                    return False
        if not clique and not self._connected(members, core):
            return False
        if any(not self.partner.get(i, set()) <= inside for i in members):
            return False
        if self.scenario.cover.mode == "soft":
            return True
        if not covered(self, members):
            return False
        return self.rostered(members) if exact else not self.refused(members)

    def _connected(self, members: tuple[str, ...], core: frozenset[str]) -> bool:
        """Whether the links between ``members`` connect them (the members of a fixed
        consortium count as linked to each other)."""
        inside = set(members)
        seen = {members[0]}
        queue = [members[0]]
        while queue:
            a = queue.pop()
            near = {b for b in self.graph.neighbors(a) if b in inside}
            if a in core:
                near |= core
            for b in near - seen:
                seen.add(b)
                queue.append(b)
        return len(seen) == len(inside)

    def floors(self) -> Floors:
        """The necessary conditions and cost floors the enumeration prunes with (see :class:`Floors`):
        keep them valid when changing :meth:`allows` or :meth:`cost`."""
        costs = self.costs
        codes = sorted(self.facts, key=self.order.get)
        index = {c: k for k, c in enumerate(codes)}
        distance = costs.link_matrix(codes) if costs.links_matter() else np.zeros((len(codes), len(codes)))
        separated = self.graph.graph["separated"]
        adjacent = np.zeros((len(codes), len(codes)), dtype=bool)
        for a, b in self.graph.edges:
            if a in index and b in index and frozenset((a, b)) not in separated:
                adjacent[index[a], index[b]] = adjacent[index[b], index[a]] = True
        connected = self.scenario.network.membership == "connected"
        linked = adjacent
        if connected:
            linked = ~np.eye(len(codes), dtype=bool)
            for pair in separated:
                a, b = tuple(pair)
                if a in index and b in index:
                    linked[index[a], index[b]] = linked[index[b], index[a]] = False
        hard = self.scenario.cover.mode == "hard"
        net = np.array([self.facts[c].net for c in codes], dtype=float).reshape(len(codes), 7)
        pairs = len(required_pairs(self.scenario))
        holders = np.array([self.facts[c].holders for c in codes], dtype=np.int64).reshape(len(codes), pairs)
        size = np.array([0.0] + [costs.size(n) for n in range(1, self.scenario.consortium.max_size + 1)])
        timing = {c: {t: costs.timing(late) for t, late in self.facts[c].late.items()} for c in codes}
        return Floors(index, timing, distance, size, linked, hard, net, holders, duty_window(self.scenario),
                      connected, adjacent)

    def reduced(self, members: tuple[str, ...], t: int, prices: Prices) -> float:
        """The reduced cost of a column at the given prices."""
        return (self.cost(members, t) - sum(prices.trust[i] for i in members)
                - prices.market.get(self.market[t], 0.0) + prices.cut_penalty(members))

    def cost(self, members: tuple[str, ...], t: int) -> float:
        """The objective contribution of consortium ``members`` going live at period ``t``."""
        key = (members, t)
        value = self._costs.get(key)
        if value is None:
            value = self._costs[key] = self._cost(members, t)
        return value

    def _cost(self, members: tuple[str, ...], t: int) -> float:
        value = self.costs.column_cost(self.facts, members, t)
        if self._before:
            # a trust moved when its co-members among the trusts in both plans differ from the
            # baseline's (see model.rule_stability)
            both = frozenset(i for i in members if i in self._before)
            value += self.costs.moved_rate * sum(self._before[i] != both for i in both)
        return value


class Pricer:
    """The pricing problem of one medoid ``m``: the consortium of least reduced cost among the
    trusts linked to ``m``, each member's distance term measured to ``m``.

    :meth:`greedy` is a fast heuristic; :meth:`exact` solves the pricing MIP and also returns a
    lower bound on the least reduced cost; :meth:`relaxed` is a cheap lower bound that ignores
    the membership and cover rules, used to skip medoids that cannot price out.
    """

    def __init__(self, problem: ColumnRules, m: str):
        self.m = m
        self.problem = problem
        facts = problem.facts
        graph = problem.graph
        separated = graph.graph["separated"]
        periods = list(facts[m].window)
        near = [i for i in graph.neighbors(m)
                if set(facts[i].window) & set(periods) and frozenset((i, m)) not in separated]
        near.sort(key=problem.order.get)
        # a trust whose together partner is out of reach cannot join, and so on until no change
        reach = {m, *near}
        dropped = True
        while dropped:
            dropped = {a for a in reach if not problem.partner.get(a, set()) <= reach}
            reach -= dropped
        self.feasible = bool(periods) and m in reach
        near = [i for i in near if i in reach]
        self.periods = periods
        self.trusts = [m, *near]
        k = len(self.trusts)
        w = problem.scenario.objective
        self.adjacent = np.array([[a == b or (graph.has_edge(a, b) and frozenset((a, b)) not in separated)
                                   for b in self.trusts] for a in self.trusts], dtype=bool)
        self.net = np.array([facts[i].net for i in self.trusts])
        required = required_pairs(problem.scenario)
        self.window = duty_window(problem.scenario)
        self.covers = np.array([facts[i].holders for i in self.trusts], dtype=float).reshape(k, len(required))
        costs = problem.costs
        if costs.in_pounds:
            # per member: its timing and its cost to m, plus the least size cost per extra member
            # (size(n) >= size(1) + (n - 1) x slope), so that the per-member bounds stay valid; m
            # carries size(1), and the pricing MIP's size binaries the rest (see _build)
            c = problem.scenario.consortium
            self.sizes = [n for n in range(1, c.max_size + 1) if n == 1 and c.allow_standalone or n >= c.min_size]
            self.slope = costs.size_slope(self.sizes)
            distance = np.array([0.0 if i == m else costs.link(i, m) + self.slope for i in self.trusts])
            distance[0] = costs.size(1)
            timing = {i: {t: costs.timing(late) for t, late in facts[i].late.items()} for i in self.trusts}
        else:
            distance = np.array([w.distance * km(graph, m, i) for i in self.trusts])
            timing = {i: {t: w.timing * months for t, months in facts[i].misalignment.items()} for i in self.trusts}
        self.available = {}
        for t in periods:
            idx = np.array([n for n, i in enumerate(self.trusts) if t in facts[i].misalignment])
            cost = np.array([timing[self.trusts[n]][t] for n in idx]) + distance[idx]
            self.available[t] = (idx, cost)
        self.partner = {n: sorted(self.trusts.index(b) for b in problem.partner[i] if b in self.trusts)
                        for n, i in enumerate(self.trusts) if i in problem.partner}
        self.highs = None

    def _prices(self, prices: Prices) -> tuple[np.ndarray, dict[int, float]]:
        return (np.array([prices.trust[i] for i in self.trusts]),
                {t: prices.market.get(self.problem.market[t], 0.0) for t in self.periods})

    def relaxed(self, prices: Prices) -> float:
        """A lower bound on the least reduced cost at ``m`` (0 when nothing can price out)."""
        if not self.feasible:
            return 0.0
        return min(0.0, *self._relaxed_by_period(*self._prices(prices)).values())

    def greedy(self, prices: Prices) -> list[tuple[tuple[str, ...], int]]:
        """Consortia with negative reduced cost found by a greedy search, two at most. A trust
        priced at ``-TAKEN`` or below is left out altogether (the dive of :mod:`consortia.columns`
        prices trusts it has placed so)."""
        if not self.feasible:
            return []
        problem = self.problem
        c = problem.scenario.consortium
        hard = problem.scenario.cover.mode == "hard"
        price, _ = self._prices(prices)
        found = []
        for t, (idx, cost) in self.available.items():
            gain = price[idx] - cost
            chosen = [0]
            for n in np.argsort(-gain[1:], kind="stable") + 1:
                if gain[n] <= 0 or len(chosen) >= c.max_size:
                    break
                if self.adjacent[idx[n], idx[chosen]].all():
                    chosen.append(n)
            if hard:
                chosen = self._repair(chosen, idx, gain, gain > -TAKEN / 2)
            if chosen is None:
                continue
            chosen = self._complete(chosen, idx)
            if chosen is None or (len(chosen) == 1 and not c.allow_standalone) \
                    or 1 < len(chosen) < c.min_size:
                continue
            members = tuple(sorted((self.trusts[idx[n]] for n in chosen), key=problem.order.get))
            if hard and not covered(problem, members):
                continue
            reduced = problem.reduced(members, t, prices)
            if reduced < -EPS:
                found.append((reduced, members, t))
        found.sort(key=lambda f: f[0])
        return [(members, t) for _, members, t in found[:2]]

    def _deficit(self, chosen: list[int], idx: np.ndarray) -> float:
        rows = idx[chosen]
        short = np.clip(-self.net[rows].sum(axis=0), 0, None).sum()
        missing = (self.covers[rows].sum(axis=0) < self.window).sum() if self.covers.shape[1] else 0
        return short + 1e6 * missing

    def _repair(self, chosen: list[int], idx: np.ndarray, gain: np.ndarray, usable: np.ndarray
                ) -> list[int] | None:
        """Add usable members until the cover rule holds (None when no linked trust helps)."""
        size = self.problem.scenario.consortium.max_size
        deficit = self._deficit(chosen, idx)
        while deficit > 0:
            if len(chosen) >= size:
                return None
            best = None
            for n in range(1, len(idx)):
                if n in chosen or not usable[n] or not self.adjacent[idx[n], idx[chosen]].all():
                    continue
                after = self._deficit(chosen + [n], idx)
                if after < deficit and (best is None or (after, -gain[n]) < best[0]):
                    best = ((after, -gain[n]), n)
            if best is None:
                return None
            chosen = chosen + [best[1]]
            deficit = best[0][0]
        return chosen

    def _complete(self, chosen: list[int], idx: np.ndarray) -> list[int] | None:
        """Add the ``together`` partners of the chosen members (None when one cannot join).

        ``chosen`` holds positions in ``idx``, the trusts available at one period; ``idx``
        holds positions in ``self.trusts``."""
        if not self.partner:
            return chosen
        slot = {int(trust): pos for pos, trust in enumerate(idx)}
        queue = list(chosen)
        while queue:
            pos = queue.pop()
            for partner in self.partner.get(int(idx[pos]), []):
                other = slot.get(partner)
                if other is None:
                    return None
                if other in chosen:
                    continue
                if len(chosen) >= self.problem.scenario.consortium.max_size \
                        or not self.adjacent[partner, idx[chosen]].all():
                    return None
                chosen = chosen + [other]
                queue.append(other)
        return chosen

    def exact(self, prices: Prices, seconds: float) -> tuple[float, list[tuple[tuple[str, ...], int]], bool]:
        """A lower bound on the least reduced cost at ``m`` (at most 0), the consortia with
        negative reduced cost found, and whether the search was complete (no time limit hit).

        One pricing MIP per go-live period, most promising first; periods whose relaxed bound
        is not negative are not searched.
        """
        if not self.feasible:
            return 0.0, [], True
        if self.highs is None:
            self._build()
        price, market = self._prices(prices)
        self._price_cuts(prices)
        cost = self.base_cost - price[self.base_trust]
        for k, t in enumerate(self.periods):
            cost[k] -= market[t]
        h = self.highs
        self._forbid_refused()
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        h.setOptionValue("objective_bound", 0.0)
        deadline = time.perf_counter() + seconds
        relaxed = self._relaxed_by_period(price, market)
        bound = 0.0
        found = []
        complete = True
        periods = len(self.periods)
        for k, t in sorted(enumerate(self.periods), key=lambda kt: relaxed[kt[1]]):
            left = deadline - time.perf_counter()
            if relaxed[t] >= -EPS or left <= 0:
                bound = min(bound, relaxed[t])
                complete = complete and relaxed[t] >= -EPS
                continue
            upper = np.zeros(periods)
            upper[k] = 1.0
            h.changeColsBounds(periods, np.arange(periods, dtype=np.int32), upper, upper)
            status = self._solve_rosterable(t, deadline)
            info = h.getInfo()
            low = info.mip_dual_bound
            if status == "infeasible":
                low = 0.0
            elif status != "optimal":
                complete = False
            if status != "infeasible" and (not np.isfinite(low) or abs(low) >= 1e30):
                low = relaxed[t]
            bound = min(bound, max(low, relaxed[t]))
            if info.primal_solution_status != 0 and info.objective_function_value < -EPS:
                solutions = [h.getSolution().col_value] + [s.col_value for s in h.getSavedMipSolutions()]
                for values in solutions:
                    members = [self.trusts[n] for n, p, col in self.y if p == t and values[col] > 0.5]
                    members = tuple(sorted([self.m, *members], key=self.problem.order.get))
                    reduced = self.problem.reduced(members, t, prices)
                    if reduced < -EPS and (members, t) not in found:
                        found.append((members, t))
        return bound, found, complete

    def _solve_rosterable(self, t: int, deadline: float) -> str:
        """Solve the pricing MIP of period ``t`` until its best consortium is not one the exact
        weekend-rota test has already refused: each such member set is forbidden (a row that only
        that exact set breaks) and the MIP solved again. A set not yet tested is returned as it
        is: the master tests the columns its LP uses (see :meth:`_Master.solve_lp`) and refuses
        the rest of its columns lazily. The forbidden sets have no rota, so the bound stays valid."""
        h = self.highs
        while True:
            h.setOptionValue("time_limit", max(0.05, deadline - time.perf_counter()))
            status = run_highs(h)
            info = h.getInfo()
            if self.problem.rosterable is None or info.primal_solution_status == 0 \
                    or info.objective_function_value >= -EPS:
                return status
            values = h.getSolution().col_value
            inside = sorted({n for n, p, col in self.y if p == t and values[col] > 0.5})
            members = tuple(sorted([self.m, *(self.trusts[n] for n in inside)], key=self.problem.order.get))
            if not self.problem.refused(members) or time.perf_counter() >= deadline:
                return status
            self._forbid(inside)

    def _forbid_refused(self) -> None:
        """Forbid every consortium of ``m`` the exact weekend-rota test refused since the last call."""
        order = self.problem.refused_order
        position = {i: n for n, i in enumerate(self.trusts)}
        for key in order[self._refused_seen:]:
            if self.m in key and all(i in position for i in key) and key not in self._forbidden:
                self._forbid(sorted(position[i] for i in key if i != self.m))
        self._refused_seen = len(order)

    def _forbid(self, inside: list[int]) -> None:
        """Forbid the consortium of ``m`` with exactly the trusts ``inside`` (positions), at any period."""
        import highspy

        self._forbidden.add(frozenset([self.m, *(self.trusts[n] for n in inside)]))

        idx, val = [], []
        for n, cols in self.by_trust.items():
            sign = 1.0 if n in inside else -1.0
            idx.extend(cols)
            val.extend([sign] * len(cols))
        self.highs.addRow(-highspy.kHighsInf, len(inside) - 1.0, len(idx), np.array(idx, dtype=np.int32),
                          np.array(val))

    def _price_cuts(self, prices: Prices) -> None:
        """Charge each cut's price to consortia holding two of its trusts: a binary ``w`` per cut
        with ``w >= z_a + z_b - 1`` for each pair of its trusts within reach (``z_m = 1``)."""
        import highspy

        h = self.highs
        position = {i: n for n, i in enumerate(self.trusts)}
        for cut, value in prices.cut.items():
            inside = sorted(position[i] for i in cut if i in position)
            if len(inside) < 2 or (cut not in self.cut_column and value >= -EPS):
                continue
            if cut not in self.cut_column:
                col = h.getNumCol()
                h.addCol(0.0, 0.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
                h.changeColIntegrality(col, highspy.HighsVarType.kInteger)
                for k, a in enumerate(inside):
                    for b in inside[k + 1:]:
                        idx = [col] + [c for n in (a, b) if n != 0 for c in self.by_trust.get(n, [])]
                        val = [1.0] + [-1.0] * (len(idx) - 1)
                        lower = -1.0 if 0 not in (a, b) else 0.0
                        h.addRow(lower, highspy.kHighsInf, len(idx), np.array(idx, dtype=np.int32),
                                 np.array(val))
                self.cut_column[cut] = col
            h.changeColCost(self.cut_column[cut], max(0.0, -value))

    def _relaxed_by_period(self, price: np.ndarray, market: dict[int, float]) -> dict[int, float]:
        room = self.problem.scenario.consortium.max_size - 1
        bounds = {}
        for t, (idx, cost) in self.available.items():
            reduced = cost - price[idx]
            others = np.sort(reduced[1:])[:room]
            bounds[t] = reduced[0] - market[t] + others[others < 0].sum()
        return bounds

    def _build(self) -> None:
        """The pricing MIP: binary u[t] (``m`` goes live at t) and y[n, t] (trust n joins)."""
        import highspy

        problem = self.problem
        s = problem.scenario
        w = s.objective
        inf = highspy.kHighsInf
        costs, upper = [], []

        def add(cost: float, up: float = 1.0) -> int:
            costs.append(cost)
            upper.append(up)
            return len(costs) - 1

        base_trust, base_cost = [], []
        u = {}
        for t in self.periods:
            idx, cost = self.available[t]
            u[t] = add(0.0)
            base_trust.append(0)
            base_cost.append(cost[0])
        self.y = []
        for t in self.periods:
            idx, cost = self.available[t]
            for n, c in zip(idx[1:], cost[1:]):
                self.y.append((int(n), t, add(0.0)))
                base_trust.append(int(n))
                base_cost.append(c)
        integer = len(costs)
        c = s.consortium
        money = problem.costs.in_pounds
        alone = add(w.standalone) if c.allow_standalone and not money else None
        size = {n: add(problem.costs.size(n) - problem.costs.size(1) - (n - 1) * self.slope)
                for n in self.sizes} if money else {}
        rows: list[tuple[float, float, list[int], list[float]]] = [(1.0, 1.0, list(u.values()), [1.0] * len(u))]
        by_trust: dict[int, list[int]] = {}
        by_period: dict[int, list[tuple[int, int]]] = {}
        for n, t, col in self.y:
            rows.append((-inf, 0.0, [col, u[t]], [1.0, -1.0]))
            by_trust.setdefault(n, []).append(col)
            by_period.setdefault(t, []).append((n, col))
        near = sorted(by_trust)
        for k, a in enumerate(near):
            for b in near[k + 1:]:
                if not self.adjacent[a, b]:
                    rows.append((-inf, 1.0, by_trust[a] + by_trust[b], [1.0] * (len(by_trust[a]) + len(by_trust[b]))))
        every = [col for _, _, col in self.y]
        if money:
            rows.append((1.0, 1.0, list(size.values()), [1.0] * len(size)))
            rows.append((0.0, 0.0, every + list(size.values()), [1.0] * len(every) + [1.0 - n for n in size]))
        elif alone is None:
            rows.append((c.min_size - 1, c.max_size - 1, every, [1.0] * len(every)))
        else:
            rows.append((-inf, c.max_size - 1, every + [alone], [1.0] * len(every) + [c.max_size - 1]))
            rows.append((c.min_size - 1, inf, every + [alone], [1.0] * len(every) + [c.min_size - 1]))
        soft = s.cover.mode == "soft"
        for d in range(7):
            if (self.net[:, d] >= 0).all():
                continue
            for t in self.periods:
                idx = [u[t]] + [col for n, col in by_period.get(t, [])]
                val = [self.net[0, d]] + [self.net[n, d] for n, col in by_period.get(t, [])]
                if soft:
                    idx.append(add(problem.costs.shortfall_rate, inf))
                    val.append(1.0)
                rows.append((0.0, inf, idx, val))
        for r in range(self.covers.shape[1]):
            for t in self.periods:
                joining = [(n, col) for n, col in by_period.get(t, []) if self.covers[n, r]]
                idx = [u[t]] + [col for n, col in joining]
                val = [float(self.covers[0, r]) - self.window] + [float(self.covers[n, r]) for n, col in joining]
                if soft:
                    idx.append(add(problem.costs.gap_rate))
                    val.append(float(self.window))
                rows.append((0.0, inf, idx, val))
        for n, partners in self.partner.items():
            for q in partners:
                if n == 0:
                    rows.append((1.0, 1.0, by_trust.get(q, []), [1.0] * len(by_trust.get(q, []))))
                elif q != 0 and n < q:
                    rows.append((0.0, 0.0, by_trust.get(n, []) + by_trust.get(q, []),
                                 [1.0] * len(by_trust.get(n, [])) + [-1.0] * len(by_trust.get(q, []))))
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", s.solver.threads or 0)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_improving_solution_save", True)
        count = len(costs)
        h.addCols(count, np.array(costs), np.zeros(count), np.array(upper), 0, np.zeros(count, dtype=np.int32),
                  np.array([], dtype=np.int32), np.array([]))
        starts, indices, values = [], [], []
        for _lo, _up, idx, val in rows:
            starts.append(len(indices))
            indices.extend(idx)
            values.extend(val)
        h.addRows(len(rows), np.array([r[0] for r in rows], dtype=float), np.array([r[1] for r in rows], dtype=float),
                  len(indices), np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32),
                  np.array(values, dtype=float))
        binary = integer + (alone is not None)
        h.changeColsIntegrality(binary, np.arange(binary, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * binary))
        for col in size.values():
            h.changeColIntegrality(col, highspy.HighsVarType.kInteger)
        self.highs = h
        self.by_trust = by_trust
        self.cut_column: dict[frozenset[str], int] = {}
        self._forbidden: set[frozenset[str]] = set()
        self._refused_seen = 0
        self.base_trust = np.array(base_trust)
        self.base_cost = np.array(base_cost)


def run_highs(h) -> str:
    """Run a HiGHS model: 'optimal', 'infeasible' or 'stopped' (a limit or Ctrl-C), or
    RuntimeError when HiGHS fails."""
    import highspy

    h.run()
    status = h.getModelStatus()
    raise_if_highs_failed(status, "it happened during column generation")
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible"
    return "optimal" if status == highspy.HighsModelStatus.kOptimal else "stopped"


def covered(problem: ColumnRules, members: tuple[str, ...]) -> bool:
    """Whether a consortium keeps the counting rules of cover: pooled net capacity every day and
    enough holders of each required weekend subspecialty (see :func:`consortia.model.trust_facts`)."""
    facts = [problem.facts[i] for i in members]
    if any(sum(day) < 0 for day in zip(*(f.net for f in facts))):
        return False
    window = duty_window(problem.scenario)
    return all(sum(pair) >= window for pair in zip(*(f.holders for f in facts)))
