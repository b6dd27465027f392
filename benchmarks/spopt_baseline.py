"""The baseline a capable analyst would build without consortia's solver: a PySAL ``spopt``
regionalisation of the trusts, repaired to feasibility, scored by the independent checker.

1. ``regions``: SKATER, region k-means or AZP (Ward with spatial constraints instead of SKATER
   above 200 trusts) on each trust's position (km east and north) and contract end (months),
   each standardised, the contract end multiplied by a weighting; the spatial weights are the
   symmetrised k-nearest-neighbour graph of the positions (libpysal).
2. ``repair``: a region that keeps every rule stays whole; one that breaks a rule is split
   greedily. The trust with the fewest ways to be covered comes first (without cover of its own,
   fewest members that reduce its cover shortfall): it joins the nearest piece already split off
   that stays feasible with it, or a new piece grows from it by the member that most reduces its
   cover shortfall (ties: nearest contract end, then nearest) among those it can take (every
   pair linked, the largest size, a shared go-live window) until it keeps every rule. The
   pieces of a region are then merged back two at a time while the union keeps every rule. A
   trust no piece of its region can take joins the nearest feasible group elsewhere, or a group
   split the same way from the trusts left over; a trust still left is split afresh with the
   groups nearest to it, one group more at a time, trying each member it can take as its first
   partner.
3. ``go_lives``: groups in order of their last possible go-live (then earliest contract end)
   each take their cheapest go-live with room left in the market; when that greedy pass leaves
   a group without one, the cheapest assignment of all (a min-cost flow) is taken instead; when
   none exists, two groups are merged (the feasible union with the closest contract ends) and
   the go-lives assigned again.
4. ``run_config``: the plan is written as a plan folder through the public API
   (``consortia.write_plan``, which re-reads it with the checker before moving it into place) and
   scored by ``consortia.check`` (the same function as ``consortia check SCENARIO FOLDER``).

The rules of a group are read from the scenario with the package's public helpers (the
collaboration graph, the calendar, pooled capacity, weekend holders); the weekend rota is
tested with the quick periodic construction (``consortia.weekend.periodic_rota``: a rota found
that way exists; a set only the exact integer program could staff is not used), as an analyst
would draw a rota by hand. The independent checker is the judge. Directives (fixed, pin,
together) and a baseline plan are not supported (none of the benchmark instances has them):
:func:`baseline_plans` refuses them.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

import consortia
from consortia.graph import build_graph, km
from consortia.inputs import Instance
from consortia.plan import Plan, describe, pooled_capacity
from consortia.scenario import Scenario
from consortia.status import Status
from consortia.timing import Calendar, month_number
from consortia.weekend import (
    WeekendRules,
    duty_window,
    holder_counts,
    periodic_rota,
    required_pairs,
    weekend_demand,
    weekend_staff,
)

ALGORITHMS = ("region_kmeans", "azp", "ward", "skater")
GROUP_SIZES = (3, 4, 5, 6)
"""Average trusts per region: the number of regions is the number of trusts divided by it."""
DATE_WEIGHTS = (0.5, 1.0, 2.0)
"""Weight of the standardised contract end against each standardised coordinate."""
NEIGHBOURS = 6
SLOW_ABOVE = 200
"""Above this many trusts AZP (over a minute a run at 500 trusts) and SKATER (minutes) are left out."""


@dataclass(frozen=True)
class Config:
    """One spopt run: algorithm, number of regions, weight of the contract end."""

    algorithm: str
    regions: int
    date_weight: float

    @property
    def label(self) -> str:
        return f"{self.algorithm} k={self.regions} w={self.date_weight:g}"


def grid(n_trusts: int, quick: bool = False) -> list[Config]:
    """The grid: region k-means, AZP and spatially constrained Ward x number of regions
    x contract-end weight (36), and SKATER at each number of regions with weight 1 (4); above
    ``SLOW_ABOVE`` trusts region k-means and Ward only (24). Quick: region k-means and SKATER (or
    Ward) at trusts / 4 and / 6 regions, weight 1 (4)."""
    slow = n_trusts > SLOW_ABOVE

    def regions(size):
        return max(2, round(n_trusts / size))

    if quick:
        return [Config(a, regions(s), 1.0) for a in ("region_kmeans", "ward" if slow else "skater") for s in (4, 6)]
    out = [Config(a, regions(s), w) for a, s, w in itertools.product(("region_kmeans",) if slow else
                                                                      ("region_kmeans", "azp"), GROUP_SIZES,
                                                                      DATE_WEIGHTS)]
    out += [Config("ward", regions(s), w) for s, w in itertools.product(GROUP_SIZES, DATE_WEIGHTS)]
    if not slow:
        out += [Config("skater", regions(s), 1.0) for s in GROUP_SIZES]
    return out


# ---------------------------------------------------------------------------------------------
# 1. regionalisation


def _features(instance: Instance, codes: list[str], date_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """(positions in km, standardised attributes) of the trusts in ``codes``."""
    trusts = [instance.trust(c) for c in codes]
    lat0 = math.radians(float(np.mean([t.lat for t in trusts])))
    xy = np.array([[t.lon * 111.32 * math.cos(lat0), t.lat * 110.57] for t in trusts])
    end = np.array([float(month_number(t.contract_end)) for t in trusts])

    def z(v):
        return (v - v.mean()) / (v.std() or 1.0)

    attrs = np.column_stack([z(xy[:, 0]), z(xy[:, 1]), date_weight * z(end)])
    return xy, attrs


def _weights(xy: np.ndarray):
    """Symmetrised k-nearest-neighbour contiguity, k raised until it is connected."""
    from libpysal.weights import KNN, W

    k = NEIGHBOURS
    while True:
        knn = KNN.from_array(xy, k=min(k, len(xy) - 1))
        neighbours = {i: set(js) for i, js in knn.neighbors.items()}
        for i, js in list(neighbours.items()):
            for j in js:
                neighbours[j].add(i)
        w = W({i: sorted(js) for i, js in neighbours.items()}, silence_warnings=True)
        if w.n_components == 1 or k >= len(xy) - 1:
            return w
        k += 2


def regions(instance: Instance, codes: list[str], config: Config, seed: int = 0) -> list[list[str]]:
    """The regions spopt finds for ``config`` (lists of trust codes)."""
    import geopandas as gpd
    from spopt.region import AZP, RegionKMeansHeuristic, Skater, WardSpatial

    xy, attrs = _features(instance, codes, config.date_weight)
    w = _weights(xy)
    names = ["x", "y", "end"]
    frame = gpd.GeoDataFrame({n: attrs[:, i] for i, n in enumerate(names)},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if config.algorithm == "skater":
            model = Skater(frame, w, names, n_clusters=config.regions, floor=1, islands="increase")
        elif config.algorithm == "region_kmeans":
            model = RegionKMeansHeuristic(attrs, config.regions, w, seed=seed)
        elif config.algorithm == "ward":
            model = WardSpatial(frame, w, names, n_clusters=config.regions)
        elif config.algorithm == "azp":
            model = AZP(frame, w, names, n_clusters=config.regions, random_state=seed)
        else:
            raise ValueError(f"unknown algorithm {config.algorithm!r}")
        model.solve()
    out: dict[int, list[str]] = {}
    for code, label in zip(codes, np.asarray(model.labels_).tolist()):
        out.setdefault(int(label), []).append(code)
    return sorted(out.values(), key=lambda r: sorted(r)[0])


# ---------------------------------------------------------------------------------------------
# 2. repair


class GroupRules:
    """Which member sets may form a consortium under a scenario (every rule but the market)."""

    def __init__(self, scenario: Scenario, instance: Instance, graph: nx.Graph | None = None):
        self.scenario = scenario
        self.instance = instance
        self.graph = graph if graph is not None else build_graph(scenario, instance)
        self.calendar = Calendar(scenario.planning)
        self.window = {c: frozenset(self.calendar.window(instance.trust(c).contract_end)) for c in self.graph}
        self.end = {c: month_number(instance.trust(c).contract_end) for c in self.graph}
        hard = scenario.cover.mode == "hard"
        self.hard = hard
        self.duty = duty_window(scenario)
        self.rota = WeekendRules.of(scenario) if hard and scenario.rota.required else None
        self.staff: dict[str, list] = {}
        for s in weekend_staff(instance, list(self.graph)):
            self.staff.setdefault(s.trust, []).append(s)
        self._covered: dict[frozenset, bool] = {}
        # per trust: reports it can give and needs each day, weekend holders per required pair
        # (pooled over members by summing: pooled_capacity and weekend_holders are sums)
        held = holder_counts(instance, scenario)
        pairs = required_pairs(scenario)
        self.cap = {c: np.array(pooled_capacity(instance, scenario, [c])) for c in self.graph}
        self.dem = {c: np.array(instance.demand[c], dtype=float) for c in self.graph}
        self.held = {c: np.array([held[c].get(pair, 0) for pair in pairs], dtype=float) for c in self.graph}

    def shared_window(self, members) -> frozenset:
        return frozenset.intersection(*(self.window[m] for m in members))

    def linked(self, members) -> bool:
        members = list(members)
        if self.scenario.network.membership == "clique":
            return all(self.graph.has_edge(a, b) for a, b in itertools.combinations(members, 2))
        return len(members) == 1 or nx.is_connected(self.graph.subgraph(members))

    def can_take(self, group, trust: str) -> bool:
        """Whether ``trust`` can join ``group`` as far as links, the largest size and a shared
        go-live window go (rules that adding more members cannot mend; connected membership is
        tested when a member is linked to some member of the group)."""
        members = set(group) | {trust}
        if len(members) > self.scenario.consortium.max_size or not self.shared_window(members):
            return False
        if self.scenario.network.membership == "clique":
            return all(self.graph.has_edge(trust, m) for m in group)
        return any(self.graph.has_edge(trust, m) for m in group)

    def shortfall(self, members) -> float:
        """How far ``members`` are from hard cover: the daily capacity short of ``min_ratio`` x
        demand (a share of demand) plus the weekend holders missing (a share of the duty window)."""
        if not self.hard:
            return 0.0
        cap = sum(self.cap[m] for m in members)
        dem = sum(self.dem[m] for m in members)
        held = sum(self.held[m] for m in members)
        ratio = self.scenario.cover.min_ratio
        short = float(sum(max(0.0, ratio * d - c) / d for c, d in zip(cap, dem) if d > 0))
        return short + float(np.maximum(0.0, self.duty - held).sum()) / self.duty

    def covered(self, members) -> bool:
        """Hard cover (every day's ratio, the weekend holders, a periodic weekend rota)."""
        key = frozenset(members)
        if key not in self._covered:
            ok = self.shortfall(key) <= 1e-9
            if ok and self.rota is not None:
                # a rota that repeats every one_in weekends (quick, sufficient): an analyst's
                # rota by hand; a set only the exact integer program could staff is not used
                members = sorted(key)
                staff = [s for m in members for s in self.staff.get(m, [])]
                ok = periodic_rota(staff, weekend_demand(self.instance, members), self.rota) is not None
            self._covered[key] = ok
        return self._covered[key]

    def feasible(self, members) -> bool:
        """Every rule of a consortium but the market capacity."""
        members = frozenset(members)
        n = len(members)
        c = self.scenario.consortium
        if n == 1 and not c.allow_standalone:
            return False
        if n >= 2 and not c.min_size <= n <= c.max_size:
            return False
        return bool(self.shared_window(members)) and self.linked(members) and self.covered(members)

    def km_to(self, trust: str, group) -> float:
        return min(km(self.graph, trust, m) for m in group)


def _grow(rules: GroupRules, seed: str, pool: set[str], first: str | None = None) -> frozenset | None:
    """A feasible group grown from ``seed`` (and ``first``) with members of ``pool``, or None."""
    group = {seed} if first is None else {seed, first}

    def closeness(c):
        return abs(rules.end[c] - rules.end[seed]), rules.km_to(c, group), c

    while not rules.feasible(group):
        options = [c for c in pool - group if rules.can_take(group, c)]
        if not options:
            return None
        group.add(min(options, key=lambda c: (rules.shortfall(group | {c}),) + closeness(c)))
    return frozenset(group)


def merge(rules: GroupRules, groups: list[frozenset]) -> list[frozenset]:
    """Pieces of one region merged back, two at a time, while the union keeps every rule
    (closest contract ends first)."""
    while True:
        fewer = merge_one(rules, groups)
        if fewer is None:
            return list(groups)
        groups = fewer


def merge_one(rules: GroupRules, groups: list[frozenset]) -> list[frozenset] | None:
    """``groups`` with the two whose union keeps every rule and whose mean contract ends are
    closest merged, or None when no union keeps every rule."""
    pairs = [(abs(np.mean([rules.end[m] for m in a]) - np.mean([rules.end[m] for m in b])), i, j)
             for (i, a), (j, b) in itertools.combinations(enumerate(groups), 2)
             if any(rules.graph.has_edge(x, y) for x in a for y in b) and rules.feasible(a | b)]
    if not pairs:
        return None
    _, i, j = min(pairs)
    return [g for k, g in enumerate(groups) if k not in (i, j)] + [groups[i] | groups[j]]


def split(rules: GroupRules, members) -> tuple[list[frozenset], list[str]]:
    """Feasible groups split greedily from ``members``, and the members none could take."""
    unassigned = set(members)
    groups, loose = [], []
    helpers = {c: sum(1 for o in unassigned if o != c and rules.can_take({c}, o)
                      and rules.shortfall({c, o}) < rules.shortfall({c})) for c in unassigned}
    while unassigned:
        # the most constrained first: trusts without cover of their own and few members to help
        seed = min(unassigned, key=lambda c: (rules.feasible({c}), helpers[c], rules.end[c], c))
        joined = next((i for i in sorted(range(len(groups)), key=lambda i: (rules.km_to(seed, groups[i]), i))
                       if rules.can_take(groups[i], seed) and rules.feasible(groups[i] | {seed})), None)
        if joined is not None:
            groups[joined] = groups[joined] | {seed}
            unassigned.discard(seed)
            continue
        group = _grow(rules, seed, unassigned)
        if group is None:
            loose.append(seed)
            unassigned.discard(seed)
        else:
            groups.append(group)
            unassigned -= group
    return groups, loose


def repair(rules: GroupRules, found: list[list[str]]) -> tuple[list[frozenset], list[str]]:
    """Feasible groups from spopt's regions, and the trusts the repair could place nowhere."""
    groups: list[frozenset] = []
    loose: list[str] = []
    for region in found:
        if rules.feasible(region):
            groups.append(frozenset(region))
        else:
            g, rest = split(rules, region)
            groups += merge(rules, g)
            loose += rest
    left = []
    for t in sorted(loose, key=lambda c: (rules.end[c], c)):
        near = sorted(range(len(groups)), key=lambda i: (rules.km_to(t, groups[i]), sorted(groups[i])[0]))
        for i in near:
            if rules.can_take(groups[i], t) and rules.feasible(groups[i] | {t}):
                groups[i] = groups[i] | {t}
                break
        else:
            left.append(t)
    more, orphans = split(rules, left)
    groups += more
    still = []
    for t in orphans:
        if not _regroup(rules, groups, t):
            still.append(t)
    return groups, still


def _regroup(rules: GroupRules, groups: list[frozenset], trust: str) -> bool:
    """Place ``trust`` by splitting it afresh (the trust first) with the groups nearest to it,
    one group more each time (any group linked to a trust of the pool, nearest first);
    ``groups`` is changed in place. False when no neighbourhood works."""
    chosen: list[int] = []
    pool = {trust}
    while True:
        near = [i for i, g in enumerate(groups) if i not in chosen
                and any(rules.graph.has_edge(t, m) for t in pool for m in g)]
        if not near:
            return False
        chosen.append(min(near, key=lambda i: (rules.km_to(trust, groups[i]), sorted(groups[i])[0])))
        pool |= groups[chosen[-1]]
        # each member the trust can take, as its first partner, the ones that help cover most first
        partners = sorted((c for c in pool - {trust} if rules.can_take({trust}, c)),
                          key=lambda c: (rules.shortfall({trust, c}), abs(rules.end[c] - rules.end[trust]), c))
        for partner in partners:
            first = _grow(rules, trust, pool, partner)
            if first is None:
                continue
            rest, loose = split(rules, pool - first)
            if loose:
                continue
            for i in sorted(chosen, reverse=True):
                del groups[i]
            groups += [first] + rest
            return True


# ---------------------------------------------------------------------------------------------
# 3. go-lives


def go_lives(scenario: Scenario, instance: Instance, graph: nx.Graph, rules: GroupRules,
             groups: list[frozenset]) -> dict[frozenset, int] | None:
    """Each group's go-live period: greedy by last possible go-live, else a min-cost flow; None
    when no assignment fits the market capacity."""
    options = {g: sorted(rules.shared_window(g)) for g in groups}
    cost = {}
    for g in groups:
        for p in options[g]:
            cost[g, p] = sum(describe(scenario, instance, graph, [(tuple(g), p)])[1].values())
    capacity = scenario.market.capacity
    taken: dict[int, int] = {}
    chosen = {}
    calendar = rules.calendar

    def market(p):
        return calendar.market_period(p)

    for g in sorted(groups, key=lambda g: (options[g][-1], min(rules.end[m] for m in g), sorted(g))):
        free = [p for p in options[g] if capacity is None or taken.get(market(p), 0) < capacity]
        if not free:
            break
        p = min(free, key=lambda p: (cost[g, p], p))
        chosen[g] = p
        taken[market(p)] = taken.get(market(p), 0) + 1
    if len(chosen) == len(groups):
        return chosen
    flow = nx.DiGraph()
    flow.add_node("source", demand=-len(groups))
    flow.add_node("sink", demand=len(groups))
    low = min(cost.values())
    for i, g in enumerate(groups):
        flow.add_edge("source", ("g", i), capacity=1, weight=0)
        for p in options[g]:
            flow.add_edge(("g", i), ("m", market(p), p), capacity=1, weight=round((cost[g, p] - low) * 100))
            flow.add_edge(("m", market(p), p), ("m", market(p)), capacity=len(groups), weight=0)
    for m in {market(p) for ps in options.values() for p in ps}:
        flow.add_edge(("m", m), "sink", capacity=capacity or len(groups), weight=0)
    try:
        result = nx.min_cost_flow(flow)
    except nx.NetworkXUnfeasible:
        return None
    return {g: next(node[2] for node, amount in result[("g", i)].items() if amount)
            for i, g in enumerate(groups)}


# ---------------------------------------------------------------------------------------------
# 4. the plan and its score


@dataclass(frozen=True)
class Outcome:
    """One repaired configuration: its plan folder's score by the checker, or why there is none."""

    config: Config
    regions: int
    regions_kept: int
    consortia: int
    objective: float | None
    accepted: bool
    seconds: float
    spopt_seconds: float
    note: str = ""
    folder: Path | None = None


def plan_of(scenario: Scenario, instance: Instance, graph: nx.Graph, assigned: dict[frozenset, int],
            note: str) -> Plan:
    """The plan of a grouping with go-live periods (status feasible: no bound)."""
    groups = [(tuple(sorted(g)), p) for g, p in assigned.items()]
    found, terms, metrics = describe(scenario, instance, graph, groups)
    return Plan(scenario, Status.FEASIBLE, found, objective=sum(terms.values()), terms=terms, metrics=metrics,
                solver={"name": "spopt baseline", "method": "regionalisation + greedy repair", "note": note},
                excluded=tuple(scenario.directives.exclude))


def supported(scenario: Scenario) -> None:
    d = scenario.directives
    if d.fixed or d.pin or d.together or scenario.baseline is not None:
        raise ValueError("the spopt baseline does not handle fixed, pin or together directives or a baseline plan")


def run_config(scenario: Scenario, instance: Instance, rules: GroupRules, config: Config, folder: Path) -> Outcome:
    """Regionalise, repair, assign go-lives, write the plan folder and score it."""
    import time

    started = time.perf_counter()
    codes = sorted(rules.graph.nodes)
    found = regions(instance, codes, config)
    spopt_s = time.perf_counter() - started
    kept = sum(1 for r in found if rules.feasible(r))
    groups, orphans = repair(rules, found)

    def outcome(objective=None, accepted=False, note="", where=None, count=0):
        return Outcome(config, len(found), kept, count, objective, accepted, time.perf_counter() - started,
                       spopt_s, note, where)

    if orphans:
        return outcome(note=f"no feasible group for {len(orphans)} trust(s): {' '.join(orphans[:5])}")
    assigned = go_lives(scenario, instance, rules.graph, rules, groups)
    while assigned is None:
        # more procurements than the market takes: merge two groups (closest contract ends first)
        fewer = merge_one(rules, groups)
        if fewer is None:
            return outcome(note="no go-lives fit the market capacity", count=len(groups))
        groups = fewer
        assigned = go_lives(scenario, instance, rules.graph, rules, groups)
    plan = plan_of(scenario, instance, rules.graph, assigned, config.label)
    try:
        consortia.write_plan(plan, folder, instance=instance, figures=False)
    except Exception as exc:  # PlanRejected: the checker's violations, kept as the outcome's note
        return outcome(note=str(exc).splitlines()[1].strip() if "\n" in str(exc) else str(exc),
                       count=len(groups))
    report = consortia.check(scenario, folder, instance=instance)
    return outcome(report.objective, report.ok, "" if report.ok else report.violations[0], folder, len(groups))


def baseline_plans(scenario: Scenario, folder: Path, quick: bool = False,
                   configs: list[Config] | None = None) -> list[Outcome]:
    """Every configuration of the grid, each repaired and scored, plan folders under ``folder``."""
    supported(scenario)
    instance = consortia.load_instance(scenario)
    rules = GroupRules(scenario, instance)
    configs = configs if configs is not None else grid(rules.graph.number_of_nodes(), quick)
    out = []
    for k, config in enumerate(configs):
        out.append(run_config(scenario, instance, rules, config, Path(folder) / f"config-{k:02d}"))
    return out


def best(outcomes: list[Outcome]) -> Outcome | None:
    """The accepted outcome with the lowest objective."""
    accepted = [o for o in outcomes if o.accepted]
    return min(accepted, key=lambda o: o.objective) if accepted else None

