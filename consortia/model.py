"""The integer program that groups trusts into consortia.

Formulation (time-indexed assignment to a representative). Every consortium is represented by
its *hub*: the member listed first in the trusts file, so each plan has exactly one encoding.
Binary ``x[i, j, t]`` says trust ``i`` joins the consortium whose hub is ``j`` and which goes
live in period ``t``; ``x[j, j, t]`` says hub ``j`` opens a consortium at ``t``. The link
``x[i, j, t] <= x[j, j, t]``, and the cover and size rules stated per period, keep the LP
relaxation tight (a big-M link between go-live and contract ends gave weak bounds).

The compactness term needs the consortium's medoid, which is not the hub: binary
``medoid[k, j]`` picks one member ``k`` of hub ``j``'s consortium, and ``serve[i, k, j]``
charges each member its distance to that medoid (a one-median inside each consortium). Letting
the hub double as the medoid instead made every consortium representable by several hubs,
and the symmetry kept 134-trust instances from being proven optimal.

Each rule of the README is one function ``rule_*`` below, named after it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import pulp

from .costs import CostModel, cost_model
from .inputs import Instance
from .scenario import DAYS, WEEKEND, Scenario
from .timing import Calendar, month_index
from .weekend import duty_window, holder_counts, required_pairs

__all__ = ["TrustFacts", "Model", "trust_facts", "pinned", "candidate_members", "newcomers", "build_model", "hub",
           "rule_one_consortium_each", "rule_one_go_live_per_consortium", "rule_membership", "rule_size",
           "rule_market_capacity", "rule_seven_day_cover", "rule_weekend_subspecialties", "rule_together",
           "rule_pin", "baseline_partners", "rule_stability", "medoid_cost", "procurement_cost",
           "objective"]


@dataclass(frozen=True)
class TrustFacts:
    """What the model needs to know about one planned trust."""

    code: str
    window: tuple[int, ...]
    misalignment: dict[int, int]
    net: tuple[float, ...]
    weekend: frozenset[tuple[str, str]]
    fixed: int | None = None
    joins: int | None = None
    holders: tuple[int, ...] = ()
    """Radiologists with sessions that day, per required (subspecialty, day) of :func:`required_pairs`."""
    late: dict[int, int] = field(default_factory=dict)


@dataclass
class Model:
    """A built integer program and the variables needed to read a plan back from it."""

    problem: pulp.LpProblem
    x: dict[tuple[str, str, int], pulp.LpVariable]
    candidates: dict[str, list[str]]
    facts: dict[str, TrustFacts]
    standalone: dict[str, pulp.LpVariable] = field(default_factory=dict)
    shortfall: dict[tuple[str, int, int], pulp.LpVariable] = field(default_factory=dict)
    missing: dict[tuple[str, int, str, str], pulp.LpVariable] = field(default_factory=dict)
    medoid: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    serve: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    moved: dict[str, pulp.LpVariable] = field(default_factory=dict)
    size: dict[tuple[str, int], pulp.LpVariable] = field(default_factory=dict)
    terms: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    ix: dict[str, int] = field(default_factory=dict)
    unrosterable: set[frozenset[str]] = field(default_factory=set)

    def z(self, i: str, j: str) -> pulp.LpAffineExpression:
        """1 when trust ``i`` is in hub ``j``'s consortium, whatever its go-live."""
        return pulp.lpSum(self.x[i, j, t] for t in self.periods(i, j))

    def periods(self, i: str, j: str) -> list[int]:
        return self._periods.get((i, j), [])

    def joining(self, j: str, t: int) -> list[tuple[str, pulp.LpVariable]]:
        """(trust, variable) for every trust that may join hub ``j``'s consortium at period ``t``."""
        return self._joining.get((j, t), [])

    def __post_init__(self):
        self._periods: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._joining: dict[tuple[str, int], list] = defaultdict(list)
        for (i, j, t), var in self.x.items():
            self._periods[i, j].append(t)
            self._joining[j, t].append((i, var))

    def groups(self) -> list[tuple[tuple[str, ...], int]]:
        """The consortia of the solved model: (members, go-live period) per hub."""
        members: dict[str, list[str]] = defaultdict(list)
        period: dict[str, int] = {}
        for (i, j, t), var in self.x.items():
            if (var.varValue or 0) > 0.5:
                members[j].append(i)
                if i == j:
                    period[j] = t
        return [(tuple(sorted(m)), period[j]) for j, m in members.items()]


def trust_facts(scenario: Scenario, instance: Instance, graph: nx.Graph) -> dict[str, TrustFacts]:
    """Window, misalignment, daily net capacity and weekend cover of every planned trust.

    With a weekend rota required (``rota.required``), a radiologist is on duty one weekend in
    ``rota.one_in``, so a weekend day's net capacity counts the roster's sessions divided by the
    duty window (:func:`consortia.weekend.duty_window`): a necessary condition for a rota, made
    exact by the rota check of :func:`rule_weekend_rota`.
    """
    calendar = Calendar(scenario.planning)
    cover = scenario.cover
    pairs = required_pairs(scenario)
    required = set(pairs)
    window = duty_window(scenario)
    holders = holder_counts(instance, scenario)
    fixed_of = {c: k for k, f in enumerate(scenario.directives.fixed) for c in f.members}
    pins = pinned(scenario)
    facts = {}
    for code in graph.nodes:
        trust = instance.trust(code)
        periods = calendar.window(trust.contract_end)
        k = fixed_of.get(code)
        joins = pins.get(code, {}).get("consortium")
        for wanted in (scenario.directives.fixed[k].go_live if k is not None else None,
                       pins.get(code, {}).get("go_live")):
            if wanted is not None:
                periods = [t for t in periods if calendar.go_live(t) == _month(wanted)]
        capacity = instance.capacity(code, cover.reports_per_session)
        net = tuple(capacity[d] / (window if DAYS[d] in WEEKEND else 1) - cover.min_ratio * instance.demand[code][d]
                    for d in range(7))
        facts[code] = TrustFacts(code, tuple(periods),
                                 {t: calendar.misalignment(trust.contract_end, t) for t in periods},
                                 net, instance.weekend_cover(code) & required, k,
                                 joins if k is None else None,
                                 tuple(holders[code].get(p, 0) for p in pairs),
                                 late={t: calendar.months_late(trust.contract_end, t) for t in periods})
    return facts


def pinned(scenario: Scenario) -> dict[str, dict]:
    """Trust -> its pin: ``consortium`` (index of the fixed consortium it must join) and
    ``go_live`` (date), each None when not pinned."""
    by_name = {f.name: k for k, f in enumerate(scenario.directives.fixed) if f.name}
    return {p.trust: {"consortium": by_name.get(p.consortium) if p.consortium else None, "go_live": p.go_live}
            for p in scenario.directives.pin}


def _month(date) -> int:
    return month_index(date) if date.day == 1 else -1


def candidate_members(scenario: Scenario, graph: nx.Graph, facts: dict[str, TrustFacts]) -> dict[str, list[str]]:
    """For each trust that may be a hub, the trusts that may join its consortium (itself first).

    A hub is the member listed first, so only later trusts are candidates. Membership rule
    ``clique``: the hub's neighbours (every member must be linked to every other, so to the
    hub). Rule ``connected``: trusts within ``max_size - 1`` hops. Members of a fixed consortium
    are candidates only of its first member; a fixed consortium's hub is always its first
    member, so a growing one may also take newcomers listed before it (see :func:`newcomers`).
    A trust pinned to a fixed consortium is a candidate of that consortium's hub only.
    """
    order = {c: k for k, c in enumerate(graph.nodes)}
    fixed = scenario.directives.fixed
    candidates: dict[str, list[str]] = {}
    for j, fj in facts.items():
        if not fj.window or fj.joins is not None:
            continue
        if fj.fixed is not None:
            core = fixed[fj.fixed].members
            if min(core, key=order.get) != j:
                continue
            members = sorted(c for c in core if c != j)
            if fixed[fj.fixed].grow:
                members += newcomers(scenario, graph, facts, fj.fixed)
        else:
            if scenario.network.membership == "clique":
                members = list(graph.neighbors(j))
            else:
                reach = nx.single_source_shortest_path_length(graph, j, cutoff=scenario.consortium.max_size - 1)
                members = [c for c in reach if c != j]
            members = [i for i in members if order[i] > order[j] and facts[i].fixed is None
                       and facts[i].joins is None]
        members = [i for i in members
                   if set(facts[i].window) & set(fj.window)
                   and frozenset((i, j)) not in graph.graph["separated"]]
        candidates[j] = [j] + sorted(members, key=order.get)
    return candidates


def newcomers(scenario: Scenario, graph: nx.Graph, facts: dict[str, TrustFacts], k: int) -> list[str]:
    """Trusts that may join growing fixed consortium ``k``: not in a fixed consortium, pinned to
    no other, separated from no member, and (clique) linked to every member or (connected)
    within ``max_size - 1`` hops of one."""
    core = scenario.directives.fixed[k].members
    if len(core) >= scenario.consortium.max_size:
        return []
    if scenario.network.membership == "clique":
        near = set.intersection(*(set(graph.neighbors(c)) for c in core))
    else:
        reach = nx.multi_source_dijkstra_path_length(graph, set(core), cutoff=scenario.consortium.max_size - 1,
                                                     weight=lambda u, v, d: 1)
        near = set(reach)
    separated = graph.graph["separated"]
    return [i for i in near if i in facts and facts[i].fixed is None and facts[i].joins in (None, k)
            and not any(frozenset((i, c)) in separated for c in core)]


def build_model(scenario: Scenario, instance: Instance, graph: nx.Graph) -> Model:
    """The integer program of a scenario over its collaboration graph."""
    facts = trust_facts(scenario, instance, graph)
    candidates = candidate_members(scenario, graph, facts)
    problem = pulp.LpProblem(f"consortia_{scenario.name}", pulp.LpMinimize)
    index = {c: k for k, c in enumerate(graph.nodes)}
    x = {}
    for j, members in candidates.items():
        for i in members:
            for t in sorted(set(facts[i].window) & set(facts[j].window)):
                x[i, j, t] = problem.add_variable(f"x_{index[i]}_{index[j]}_{t}", 0, 1, pulp.LpBinary)
    model = Model(problem, x, candidates, facts, ix=index)
    rule_one_consortium_each(model)
    rule_one_go_live_per_consortium(model)
    rule_membership(model, scenario, graph)
    rule_size(model, scenario)
    rule_market_capacity(model, scenario)
    rule_seven_day_cover(model, scenario)
    rule_weekend_subspecialties(model, scenario)
    rule_together(model, scenario)
    rule_pin(model, scenario)
    rule_stability(model, instance)
    objective(model, scenario, cost_model(scenario, graph, for_solver=True))
    return model


def hub(model: Model, j: str) -> pulp.LpAffineExpression:
    """1 when trust ``j`` is the hub of a consortium."""
    return model.z(j, j)


def rule_one_consortium_each(model: Model) -> None:
    """Each included trust belongs to exactly one consortium."""
    by_trust = defaultdict(list)
    for (i, _j, _t), var in model.x.items():
        by_trust[i].append(var)
    for code in model.facts:
        model.problem += pulp.lpSum(by_trust.get(code, [])) == 1, f"one_consortium_{model.ix[code]}"


def rule_one_go_live_per_consortium(model: Model) -> None:
    """A member joins a consortium at the consortium's go-live period only."""
    for (i, j, t), var in model.x.items():
        if i != j:
            model.problem += var <= model.x[j, j, t], f"go_live_{model.ix[i]}_{model.ix[j]}_{t}"


def rule_membership(model: Model, scenario: Scenario, graph: nx.Graph) -> None:
    """Clique: every two members are linked. Connected: the members form a connected subgraph.

    Separated pairs (``forbid`` links, ``apart`` directives) never share a consortium. The
    members of a fixed consortium are exempt among themselves; newcomers to a growing one are not
    (under ``connected`` the fixed members count as linked to each other).
    """
    for j, members in model.candidates.items():
        core = _core(model, scenario, j)
        if core and len(core) == len(members):
            continue
        others = members[1:]
        for a, b in itertools.combinations(others, 2):
            if a in core and b in core:
                continue
            apart = frozenset((a, b)) in graph.graph["separated"]
            unlinked = scenario.network.membership == "clique" and not graph.has_edge(a, b)
            if apart or unlinked:
                for t in set(model.periods(a, j)) & set(model.periods(b, j)):
                    model.problem += model.x[a, j, t] + model.x[b, j, t] <= model.x[j, j, t], \
                        f"apart_{model.ix[a]}_{model.ix[b]}_{model.ix[j]}_{t}"
        if scenario.network.membership == "connected":
            _connected_flow(model, graph, j, members, core)


def _core(model: Model, scenario: Scenario, j: str) -> set[str]:
    """The members of the fixed consortium whose hub is ``j`` (empty when ``j``'s is not fixed)."""
    k = model.facts[j].fixed
    return set(scenario.directives.fixed[k].members) if k is not None else set()


def _connected_flow(model: Model, graph: nx.Graph, j: str, members: list[str], core: set[str]) -> None:
    """Single-commodity flow from hub ``j``: one unit reaches each other member along links
    between members only (the members of a growing fixed consortium count as linked)."""
    big = len(members) - 1
    inside = set(members)
    flow = {}
    edges = {tuple(sorted(e)) for e in graph.subgraph(inside).edges} | set(itertools.combinations(sorted(core), 2))
    for a, b in sorted(edges):
        for u, v in ((a, b), (b, a)):
            if v != j:
                flow[u, v] = model.problem.add_variable(f"f_{model.ix[j]}_{model.ix[u]}_{model.ix[v]}", 0)
                model.problem += (flow[u, v] <= big * model.z(u, j),
                                  f"flow_out_{model.ix[j]}_{model.ix[u]}_{model.ix[v]}")
                model.problem += flow[u, v] <= big * model.z(v, j), f"flow_in_{model.ix[j]}_{model.ix[u]}_{model.ix[v]}"
    for i in members[1:]:
        inflow = pulp.lpSum(f for (u, v), f in flow.items() if v == i)
        outflow = pulp.lpSum(f for (u, v), f in flow.items() if u == i)
        model.problem += inflow - outflow == model.z(i, j), f"flow_balance_{model.ix[j]}_{model.ix[i]}"


def rule_size(model: Model, scenario: Scenario) -> None:
    """Consortia of two or more have between min_size and max_size members; a consortium of one
    (a standalone trust) only where standalone trusts are allowed. Fixed consortia are exempt,
    except that a growing one takes newcomers only up to ``max_size`` (see :func:`_growing_size`)."""
    c = scenario.consortium
    for j, members in model.candidates.items():
        core = _core(model, scenario, j)
        if core:
            _growing_size(model, scenario, j, members, core)
            continue
        others = pulp.lpSum(model.z(i, j) for i in members[1:])
        group = hub(model, j)
        if c.allow_standalone:
            alone = model.problem.add_variable(f"standalone_{model.ix[j]}", 0, 1, pulp.LpBinary)
            model.standalone[j] = alone
            model.problem += alone <= group, f"standalone_hub_{model.ix[j]}"
            group = group - alone
        model.problem += others <= (c.max_size - 1) * group, f"max_size_{model.ix[j]}"
        model.problem += others >= (c.min_size - 1) * group, f"min_size_{model.ix[j]}"
        for t in model.periods(j, j):
            joining = pulp.lpSum(var for i, var in model.joining(j, t) if i != j)
            model.problem += joining <= (c.max_size - 1) * model.x[j, j, t], \
                f"max_size_{model.ix[j]}_{t}"


def _growing_size(model: Model, scenario: Scenario, j: str, members: list[str], core: set[str]) -> None:
    """A fixed consortium takes newcomers only up to ``max_size`` members in all; a fixed
    consortium of one that takes none is a standalone trust (paid for, but always allowed)."""
    joining = [i for i in members if i not in core]
    room = max(0, scenario.consortium.max_size - len(core))
    if joining:
        model.problem += pulp.lpSum(model.z(i, j) for i in joining) <= room * hub(model, j), \
            f"max_size_{model.ix[j]}"
    if len(core) == 1:
        alone = model.problem.add_variable(f"standalone_{model.ix[j]}", 0, 1)
        model.standalone[j] = alone
        model.problem += alone >= hub(model, j) - pulp.lpSum(model.z(i, j) for i in joining), \
            f"standalone_fixed_{model.ix[j]}"


def rule_market_capacity(model: Model, scenario: Scenario) -> None:
    """In each period, at most ``market.capacity`` procurements (consortia and standalone trusts)
    go to market."""
    if scenario.market.capacity is None:
        return
    calendar = Calendar(scenario.planning)
    going = defaultdict(list)
    for (i, j, t), var in model.x.items():
        if i == j:
            going[calendar.market_period(t)].append(var)
    for period, hubs in sorted(going.items()):
        model.problem += pulp.lpSum(hubs) <= scenario.market.capacity, f"market_{period}"


def rule_seven_day_cover(model: Model, scenario: Scenario) -> None:
    """On every day, pooled capacity >= min_ratio x pooled demand (soft: shortfall is paid for).

    Stated per go-live period of the consortium (only one is ever used), which keeps the LP
    relaxation from pooling members that join at different periods.
    """
    for j, members in model.candidates.items():
        for d in range(7):
            if all(model.facts[i].net[d] >= 0 for i in members):
                continue
            for t in model.periods(j, j):
                pooled = pulp.lpSum(model.facts[i].net[d] * var for i, var in model.joining(j, t))
                if scenario.cover.mode == "soft":
                    short = model.problem.add_variable(f"short_{model.ix[j]}_{t}_{DAYS[d]}", 0)
                    model.shortfall[j, t, d] = short
                    pooled = pooled + short
                model.problem += pooled >= 0, f"cover_{model.ix[j]}_{t}_{DAYS[d]}"


def rule_weekend_subspecialties(model: Model, scenario: Scenario) -> None:
    """Each required subspecialty has, on each of sat and sun, as many member radiologists with
    sessions that day as the duty window (one, without a rota; ``min(rota.weeks, rota.one_in)``
    with one, since each holder is on duty one weekend in ``one_in``); soft: a missing one is paid
    for, pro rata the weekends without it. Stated per go-live period, like the cover rule."""
    window = duty_window(scenario)
    for j in model.candidates:
        for k, (s, day) in enumerate(required_pairs(scenario)):
            for t in model.periods(j, j):
                covering = pulp.lpSum(model.facts[i].holders[k] * var for i, var in model.joining(j, t)
                                      if model.facts[i].holders[k])
                if scenario.cover.mode == "soft":
                    gap = model.problem.add_variable(f"missing_{model.ix[j]}_{t}_{k}", 0, 1)
                    model.missing[j, t, s, day] = gap
                    covering = covering + window * gap
                model.problem += covering >= window * model.x[j, j, t], f"weekend_{model.ix[j]}_{t}_{k}"


def rule_weekend_rota(model: Model, unrosterable) -> None:
    """A consortium that no weekend rota can staff (:mod:`consortia.weekend`) is never chosen.

    Stated for the member sets found unrosterable (the solve adds them as it finds them): for a
    set S whose hub is j, hub j's consortium may not be exactly S.
    """
    for members in unrosterable:
        j = min(members, key=model.ix.get)
        if j not in model.candidates or not set(members) <= set(model.candidates[j]):
            continue
        inside = pulp.lpSum(model.z(i, j) for i in members)
        outside = pulp.lpSum(model.z(i, j) for i in model.candidates[j] if i not in members)
        key = frozenset(members)
        if key not in model.unrosterable:
            model.unrosterable.add(key)
            name = "rota_" + "_".join(str(model.ix[i]) for i in sorted(members, key=model.ix.get))
            model.problem += inside - outside <= len(members) - 1, name


def rule_together(model: Model, scenario: Scenario) -> None:
    """Each ``together`` pair shares a consortium; a fixed consortium keeps its members together
    (no one else joins it unless it grows: see :func:`candidate_members`)."""
    pairs = {tuple(sorted(p)) for p in scenario.directives.together}
    for f in scenario.directives.fixed:
        pairs.update(tuple(sorted((f.members[0], other))) for other in f.members[1:])
    hubs_of = defaultdict(set)
    for j, members in model.candidates.items():
        for i in members:
            hubs_of[i].add(j)
    for a, b in sorted(pairs):
        for j in sorted(hubs_of[a] | hubs_of[b]):
            model.problem += model.z(a, j) == model.z(b, j), f"together_{model.ix[a]}_{model.ix[b]}_{model.ix[j]}"


def rule_pin(model: Model, scenario: Scenario) -> None:
    """A trust pinned to a fixed consortium is in it. (A pinned go-live is kept by the trust's
    window, see :func:`trust_facts`; a pinned trust is a candidate of no other hub, see
    :func:`candidate_members`.)"""
    for code, pin in pinned(scenario).items():
        k = pin["consortium"]
        if k is None or code not in model.facts or model.facts[code].fixed is not None:
            continue
        j = min(scenario.directives.fixed[k].members, key=model.ix.get)
        if code in model.candidates.get(j, []):
            model.problem += model.z(code, j) == 1, f"pin_{model.ix[code]}"


def baseline_partners(baseline: dict[str, str], planned) -> dict[str, set[str]]:
    """For each trust planned now and in the baseline, its baseline co-members among those trusts."""
    common = [c for c in planned if c in baseline]
    by_group: dict[str, set[str]] = defaultdict(set)
    for c in common:
        by_group[baseline[c]].add(c)
    return {c: by_group[baseline[c]] - {c} for c in common}


def rule_stability(model: Model, instance: Instance) -> None:
    """With a baseline plan, ``moved[i]`` is 1 when trust ``i``'s co-members among the trusts in
    both plans differ from the baseline's: it left a baseline partner or shares a consortium
    with a trust it was not with. Stated per hub, for pairs that may meet there."""
    if instance.baseline is None:
        return
    partners = baseline_partners(instance.baseline, model.facts)
    model.moved = {i: model.problem.add_variable(f"moved_{model.ix[i]}", 0, 1) for i in partners}
    for j, members in model.candidates.items():
        here = [i for i in members if i in partners]
        for i in here:
            for k in sorted(partners[i]):
                model.problem += model.moved[i] >= model.z(i, j) - model.z(k, j), \
                    f"left_{model.ix[i]}_{model.ix[k]}_{model.ix[j]}"
        for a, b in itertools.combinations(here, 2):
            if b in partners[a]:
                continue
            for i in (a, b):
                model.problem += model.moved[i] >= model.z(a, j) + model.z(b, j) - 1, \
                    f"met_{model.ix[i]}_{model.ix[a]}_{model.ix[b]}_{model.ix[j]}"


def medoid_cost(model: Model, costs: CostModel) -> dict[str, pulp.LpAffineExpression]:
    """Sum over consortia of each member's cost to the consortium's medoid (a one-median per
    hub): km x ``objective.distance`` with weights; travel and boundary premiums in pounds (see
    :meth:`CostModel.link_terms`). The medoid is the member of least total cost."""
    cost: dict[str, list] = defaultdict(list)
    if not costs.links_matter():
        return {}
    for j, members in model.candidates.items():
        if len(members) == 1:
            continue
        medoid = {k: model.problem.add_variable(f"medoid_{model.ix[j]}_{model.ix[k]}", 0, 1, pulp.LpBinary)
                  for k in members}
        model.medoid.update({(j, k): var for k, var in medoid.items()})
        model.problem += pulp.lpSum(medoid.values()) == hub(model, j), f"one_medoid_{model.ix[j]}"
        for k, var in medoid.items():
            model.problem += var <= model.z(k, j), f"medoid_member_{model.ix[j]}_{model.ix[k]}"
        for i in members:
            serve = {k: model.problem.add_variable(f"serve_{model.ix[j]}_{model.ix[i]}_{model.ix[k]}", 0, 1)
                     for k in members if k != i}
            model.serve.update({(j, i, k): var for k, var in serve.items()})
            model.problem += pulp.lpSum(serve.values()) + medoid[i] == model.z(i, j), \
                f"served_{model.ix[j]}_{model.ix[i]}"
            for k, var in serve.items():
                model.problem += var <= medoid[k], f"serve_by_medoid_{model.ix[j]}_{model.ix[i]}_{model.ix[k]}"
                for name, value in costs.link_terms(i, k).items():
                    if value:
                        cost[name].append(value * var)
    return {name: pulp.lpSum(parts) for name, parts in cost.items()}


def procurement_cost(model: Model, scenario: Scenario, costs: CostModel) -> dict[str, pulp.LpAffineExpression]:
    """In pounds: what each consortium pays once, by size. Binary ``size[j, n]`` is 1 when hub
    ``j``'s consortium has ``n`` members: they sum to the hub's opening, and ``n`` x them to its
    members (exact for any function of size, such as the concave volume discount)."""
    cost: dict[str, list] = defaultdict(list)
    for j, members in model.candidates.items():
        largest = len(members) if _core(model, scenario, j) else min(len(members), scenario.consortium.max_size)
        size = {n: model.problem.add_variable(f"size_{model.ix[j]}_{n}", 0, 1, pulp.LpBinary)
                for n in range(1, largest + 1)}
        model.size.update({(j, n): var for n, var in size.items()})
        model.problem += pulp.lpSum(size.values()) == hub(model, j), f"one_size_{model.ix[j]}"
        model.problem += pulp.lpSum(n * var for n, var in size.items()) == \
            pulp.lpSum(model.z(i, j) for i in members), f"size_members_{model.ix[j]}"
        for n, var in size.items():
            for name, value in costs.size_terms(n).items():
                if value:
                    cost[name].append(value * var)
    return {name: pulp.lpSum(parts) for name, parts in cost.items()}


def objective(model: Model, scenario: Scenario, costs: CostModel) -> None:
    """Minimise the cost of the plan (see :mod:`consortia.costs`). With weights: timing x
    misalignment months + distance x km to medoid + shortfall x reports short + subspecialty_gap x
    missing subspecialty-days + standalone x trusts alone (+ moved x trusts moved from the baseline
    plan, when there is one). In pounds: procurement, contract and integration by size, extension
    and early exit per trust-month, travel and boundary premiums to the medoid, outsourcing."""
    w = scenario.objective
    links = medoid_cost(model, costs)
    if not costs.in_pounds:
        model.terms["timing"] = pulp.lpSum(model.facts[i].misalignment[t] * var
                                           for (i, j, t), var in model.x.items()) * w.timing
        model.terms["distance"] = links.get("distance", pulp.LpAffineExpression())
        model.terms["shortfall"] = pulp.lpSum(model.shortfall.values()) * w.shortfall
        model.terms["subspecialty_gap"] = pulp.lpSum(model.missing.values()) * w.subspecialty_gap
        model.terms["standalone"] = pulp.lpSum(model.standalone.values()) * w.standalone
    else:
        timing: dict[str, list] = defaultdict(list)
        for (i, _, t), var in model.x.items():
            for name, value in costs.timing_terms(model.facts[i].late[t]).items():
                if value:
                    timing[name].append(value * var)
        size = procurement_cost(model, scenario, costs)
        parts = {**size, **{name: pulp.lpSum(v) for name, v in timing.items()}, **links,
                 "shortfall": pulp.lpSum(model.shortfall.values()) * costs.shortfall_rate,
                 "subspecialty_gap": pulp.lpSum(model.missing.values()) * costs.gap_rate}
        for name in costs.terms:
            model.terms[name] = parts.get(name, pulp.LpAffineExpression())
    if model.moved or scenario.baseline is not None:
        model.terms["moved"] = pulp.lpSum(model.moved.values()) * costs.moved_rate
    model.problem += pulp.lpSum(model.terms.values())
