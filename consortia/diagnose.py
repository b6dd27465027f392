"""Explain why a scenario has no plan: name the trusts and the rules that stop them.

Two passes. First, checks that need no solver: trusts with no feasible go-live, trusts that
need a partner and have none, trusts whose every possible consortium fails cover, directives
that contradict the rules, and a market too small for the fewest procurements possible. Second,
when those find nothing, the scenario is re-solved with one family of rules relaxed at a time,
and each relaxation that restores feasibility is reported.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import networkx as nx

from .inputs import Instance
from .plan import Plan
from .scenario import WEEKEND, Scenario
from .timing import Calendar, month_number, month_start
from .weekend import duty_window, required_pairs

__all__ = ["DAY_NAMES", "quick_causes", "RELAXATIONS", "relaxation_causes"]

DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
             "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}


def _dates(calendar: Calendar, periods) -> str:
    periods = list(periods)
    if not periods:
        return "none"
    first, last = month_start(calendar.go_live(periods[0])), month_start(calendar.go_live(periods[-1]))
    return f"{first}" if first == last else f"{first} to {last}"


def quick_causes(scenario: Scenario, instance: Instance, graph: nx.Graph) -> list[str]:
    """Causes of infeasibility found without solving, one plain sentence each.

    Each cause is sufficient on its own: when the list is not empty, no plan exists.
    """
    from .model import trust_facts

    calendar = Calendar(scenario.planning)
    p = scenario.planning
    facts = trust_facts(scenario, instance, graph)
    causes = []
    horizon = calendar.periods()
    for code, f in facts.items():
        if f.window:
            continue
        end = instance.trust(code).contract_end
        rounded = month_number(end)
        pin = next((q for q in scenario.directives.pin if q.trust == code and q.go_live), None)
        if pin is not None:
            causes.append(f"{code}: the pinned go-live {pin.go_live} (directives.pin) is not a period start "
                          f"within its window (contract end {end}, max extension {p.max_extension_months}, "
                          f"max early exit {p.max_early_exit_months} months)"
                          + (" or differs from its fixed consortium's go-live" if f.fixed is not None else ""))
            continue
        if f.fixed is not None and scenario.directives.fixed[f.fixed].go_live is not None:
            causes.append(f"{code}: the fixed go-live {scenario.directives.fixed[f.fixed].go_live} is not "
                          f"a period start within its window (contract end {end}, max extension "
                          f"{p.max_extension_months}, max early exit {p.max_early_exit_months} months)")
            continue
        causes.append(
            f"{code} has no feasible go-live: its contract ends {end}, so go-live must fall between "
            f"{month_start(rounded - p.max_early_exit_months)} and {month_start(rounded + p.max_extension_months)} "
            f"(planning.max_early_exit_months={p.max_early_exit_months}, "
            f"planning.max_extension_months={p.max_extension_months}), but the plan's go-live dates "
            f"with go-to-market on or after {p.start} run {_dates(calendar, horizon)}")
    needs_partner = {}
    for code, f in facts.items():
        if not f.window or f.fixed is not None:
            continue
        reasons = []
        if not scenario.consortium.allow_standalone:
            reasons.append("standalone trusts are not allowed")
        if scenario.cover.mode == "hard":
            window = duty_window(scenario)
            short = [DAY_NAMES[d] for k, d in enumerate(DAY_NAMES) if f.net[k] < -1e-9]
            gaps = [f"{s}@{d}" for k, (s, d) in enumerate(required_pairs(scenario)) if f.holders[k] < window]
            if short:
                reasons.append(f"it cannot cover {', '.join(short)} alone")
            if gaps:
                reasons.append(f"it lacks weekend sessions {' '.join(gaps)} alone")
        if reasons:
            needs_partner[code] = reasons
    growing = {k for k, fx in enumerate(scenario.directives.fixed) if fx.grow}
    for code, reasons in needs_partner.items():
        f = facts[code]
        neighbours = [n for n in graph.neighbors(code) if facts[n].fixed is None or facts[n].fixed in growing]
        timed = [n for n in neighbours if set(facts[n].window) & set(f.window)]
        if timed:
            if scenario.cover.mode == "hard" and scenario.network.membership == "clique":
                causes += _cover_unreachable(code, timed, facts, scenario)
            continue
        why = "; ".join(reasons)
        taken = sorted(n for n in graph.neighbors(code) if facts[n].fixed is not None)
        if not neighbours and taken:
            causes.append(f"{code} has no feasible partner ({why}): the trusts linked to it ({', '.join(taken)}) "
                          f"are all in fixed consortia, which keep exactly their members (directives.fixed)")
        elif not neighbours:
            nearest = _nearest(graph, code)
            causes.append(f"{code} has no feasible partner ({why}): no trust is linked to it within "
                          f"network.max_distance_km={scenario.network.max_distance_km:g}"
                          + (f"; the nearest is {nearest[0]} at {nearest[1]:.0f} km" if nearest else "")
                          + (" or in its region (network.same_region)" if scenario.network.same_region else ""))
        else:
            causes.append(f"{code} has no feasible partner ({why}): the trusts linked to it "
                          f"({', '.join(sorted(neighbours))}) have no go-live period in common with its "
                          f"window {_dates(calendar, f.window)} (planning.max_extension_months, "
                          f"planning.max_early_exit_months)")
    causes += _pin_causes(scenario, facts, graph)
    causes += _directive_causes(scenario, facts, calendar)
    causes += _contradictions(scenario, facts, graph)
    causes += _market_cause(scenario, facts, calendar)
    causes += _crowded_periods(scenario, facts, calendar, graph)
    return causes


def _pin_causes(scenario, facts, graph) -> list[str]:
    """Trusts pinned to a fixed consortium they cannot join."""
    from .model import candidate_members

    candidates = candidate_members(scenario, graph, facts)
    order = {c: k for k, c in enumerate(graph.nodes)}
    causes = []
    for pin in scenario.directives.pin:
        if pin.consortium is None or pin.trust not in facts or facts[pin.trust].fixed is not None:
            continue
        fixed = next(f for f in scenario.directives.fixed if f.name == pin.consortium)
        hub = min(fixed.members, key=order.get)
        if facts[pin.trust].window and pin.trust not in candidates.get(hub, []):
            causes.append(f"directives.pin: {pin.trust} cannot join fixed consortium {pin.consortium} "
                          f"({' '.join(fixed.members)}): " + _why_not_joining(scenario, facts, graph, pin.trust, fixed))
    return causes


def _why_not_joining(scenario, facts, graph, code: str, fixed) -> str:
    """Why ``code`` is no candidate of growing fixed consortium ``fixed``, in words."""
    reasons = []
    if len(fixed.members) >= scenario.consortium.max_size:
        reasons.append(f"it already has consortium.max_size={scenario.consortium.max_size} members")
    if scenario.network.membership == "clique":
        unlinked = [m for m in fixed.members if not graph.has_edge(code, m)]
        if unlinked:
            reasons.append(f"it is not linked to {' '.join(unlinked)} (network.max_distance_km="
                           f"{scenario.network.max_distance_km:g}, network.membership=clique)")
    separated = [m for m in fixed.members if frozenset((code, m)) in graph.graph["separated"]]
    if separated:
        reasons.append(f"a forbid link or apart directive separates it from {' '.join(separated)}")
    hub_window = set.intersection(*(set(facts[m].window) for m in fixed.members))
    if not hub_window & set(facts[code].window):
        reasons.append("its go-live window shares no period with the members' (planning.max_extension_months, "
                       "planning.max_early_exit_months)")
    return "; ".join(reasons) or (f"it is more than consortium.max_size - 1 links from every member "
                                  f"(network.max_distance_km={scenario.network.max_distance_km:g})")


def _nearest(graph: nx.Graph, code: str):
    from .graph import km
    others = [(n, km(graph, code, n)) for n in graph.nodes if n != code]
    return min(others, key=lambda x: x[1]) if others else None


def _cover_unreachable(code, timed, facts, scenario) -> list[str]:
    f = facts[code]
    causes = []
    window = duty_window(scenario)
    for k, day in enumerate(DAY_NAMES):
        best = f.net[k] + sum(max(0.0, facts[n].net[k]) for n in timed)
        if best < -1e-9:
            causes.append(f"{code} cannot reach {DAY_NAMES[day]} cover in any consortium: even pooled with "
                          f"every trust it could join ({', '.join(sorted(timed))}) it is "
                          f"{-best:.1f} reports short (cover.min_ratio={scenario.cover.min_ratio:g}, "
                          f"cover.reports_per_session={scenario.cover.reports_per_session:g}"
                          f"{_rota_words(scenario) if day in WEEKEND else ''})")
    for k, (s, d) in enumerate(required_pairs(scenario)):
        have = f.holders[k] + sum(facts[n].holders[k] for n in timed)
        if have < window:
            causes.append(f"{code} cannot get {s} cover on {DAY_NAMES[d]}: it and every trust it could join "
                          f"({', '.join(sorted(timed))}) have {have} {s} radiologist(s) with {d} sessions, "
                          f"fewer than the {window} needed (cover.weekend_subspecialties"
                          f"{_rota_words(scenario)})")
    return causes


def _rota_words(scenario) -> str:
    """How the weekend rota divides weekend capacity, for a diagnosis ('' without a rota)."""
    if duty_window(scenario) == 1:
        return ""
    r = scenario.rota
    return (f"; each radiologist is on weekend duty one weekend in rota.one_in={r.one_in}, so a weekend "
            f"day gets 1/{duty_window(scenario)} of the rostered sessions")


def _directive_causes(scenario, facts, calendar) -> list[str]:
    causes = []
    for a, b in scenario.directives.together:
        if a in facts and b in facts and facts[a].window and facts[b].window \
                and not set(facts[a].window) & set(facts[b].window):
            causes.append(f"directives.together [{a}, {b}]: their go-live windows "
                          f"{_dates(calendar, facts[a].window)} and {_dates(calendar, facts[b].window)} "
                          f"do not overlap")
    for i, fixed in enumerate(scenario.directives.fixed):
        windows = [set(facts[m].window) for m in fixed.members]
        if all(windows) and not set.intersection(*windows):
            causes.append(f"directives.fixed[{i}] ({' '.join(fixed.members)}): the members have no go-live "
                          f"period in common")
        if scenario.cover.mode == "hard" and not fixed.grow:
            for k, day in enumerate(DAY_NAMES):
                if sum(facts[m].net[k] for m in fixed.members) < -1e-9:
                    causes.append(f"directives.fixed[{i}] ({' '.join(fixed.members)}) cannot cover "
                                  f"{DAY_NAMES[day]} with its own radiologists")
            for k, (s, d) in enumerate(required_pairs(scenario)):
                have = sum(facts[m].holders[k] for m in fixed.members)
                if have < duty_window(scenario):
                    causes.append(f"directives.fixed[{i}] ({' '.join(fixed.members)}) has {have} {s} "
                                  f"radiologist(s) with {d} sessions, fewer than the {duty_window(scenario)} "
                                  f"needed on {DAY_NAMES[d]} (cover.weekend_subspecialties{_rota_words(scenario)})")
    return causes


def _separation(scenario, graph, a: str, b: str) -> str | None:
    """The rule that keeps ``a`` and ``b`` out of one consortium whatever else happens, or None."""
    if frozenset((a, b)) in {frozenset(p) for p in scenario.directives.apart}:
        return "directives.apart keeps them apart"
    if frozenset((a, b)) in graph.graph["separated"]:
        return "links.csv forbids the pair"
    if scenario.network.same_region and graph.nodes[a]["region"] != graph.nodes[b]["region"]:
        return (f"network.same_region keeps regions {graph.nodes[a]['region']} and "
                f"{graph.nodes[b]['region']} apart")
    return None


def _contradictions(scenario, facts, graph) -> list[str]:
    """Directives that contradict each other or a link: no plan can keep them all."""
    causes = []
    fixed = scenario.directives.fixed
    for a, b in scenario.directives.together:
        if a not in facts or b not in facts:
            continue
        why = _separation(scenario, graph, a, b)
        if why:
            causes.append(f"directives.together [{a}, {b}] asks for one consortium but {why}")
        if facts[a].fixed != facts[b].fixed:
            inside = a if facts[a].fixed is not None else b
            k = facts[inside].fixed
            other = b if inside == a else a
            if fixed[k].grow and facts[other].fixed is None:
                continue
            causes.append(f"directives.together [{a}, {b}]: {inside} is in directives.fixed[{k}] "
                          f"({' '.join(fixed[k].members)}), which keeps exactly its members")
    for i, f in enumerate(fixed):
        for a, b in itertools.combinations(f.members, 2):
            if frozenset((a, b)) in graph.graph["separated"]:
                causes.append(f"directives.fixed[{i}] ({' '.join(f.members)}) holds {a} and {b} but "
                              f"{_separation(scenario, graph, a, b)}")
    return causes


def _market_cause(scenario, facts, calendar) -> list[str]:
    cap = scenario.market.capacity
    if cap is None:
        return []
    used = {calendar.market_period(t) for f in facts.values() for t in f.window}
    fixed = [f for f in scenario.directives.fixed if all(m in facts for m in f.members)]
    free = len(facts) - sum(len(f.members) for f in fixed)
    room = sum(max(0, scenario.consortium.max_size - len(f.members)) for f in fixed if f.grow)
    needed = len(fixed) + math.ceil(max(0, free - room) / scenario.consortium.max_size)
    if needed > cap * len(used):
        return [f"the market is too small: at least {needed} procurements are needed "
                f"({len(facts)} trusts, consortium.max_size={scenario.consortium.max_size}"
                + (f", {len(fixed)} fixed consortia" if fixed else "") + ") but "
                f"market.capacity={cap} in each of the {len(used)} periods any trust can use allows "
                f"{cap * len(used)}"]
    return []


def _crowded_periods(scenario, facts, calendar, graph) -> list[str]:
    """Periods that more trusts can only go live in than one procurement each could serve.

    Trusts that can share a consortium are joined in the collaboration graph (or by a fixed
    consortium), so each connected group of such trusts needs at least one procurement. Under
    connected membership two of them may also share one through other trusts free to go live
    in that period, so the groups are then those of the graph of every such trust.
    """
    cap = scenario.market.capacity
    if cap is None:
        return []
    tied: dict[int, list[str]] = {}
    for code, f in facts.items():
        if len(f.window) == 1:
            tied.setdefault(f.window[0], []).append(code)
    connected = scenario.network.membership == "connected"
    causes = []
    for period, codes in sorted(tied.items()):
        free = [c for c, f in facts.items() if period in f.window] if connected else codes
        joined = nx.Graph(graph.subgraph(free))
        for fixed in scenario.directives.fixed:
            inside = [m for m in fixed.members if m in joined]
            joined.add_edges_from(zip(inside, inside[1:]))
        needed = sum(1 for group in nx.connected_components(joined) if not group.isdisjoint(codes))
        if needed > cap:
            causes.append(f"{', '.join(sorted(codes))} can only go live {_dates(calendar, [period])} (going to "
                          f"market {month_start(calendar.go_to_market(period))}) and need at least {needed} "
                          f"procurements between them, more than market.capacity={cap} "
                          f"(planning.max_extension_months, planning.max_early_exit_months)")
    return causes


RELAXATIONS = {
    "market.capacity (no limit)": {"market.capacity": None},
    "cover.mode (soft)": {"cover.mode": "soft"},
    "consortium.allow_standalone (true)": {"consortium.allow_standalone": True},
    "consortium size bounds (2 to 50)": {"consortium.min_size": 2, "consortium.max_size": 50},
    "network.membership (connected)": {"network.membership": "connected"},
    "directives (together, apart, fixed, pin dropped)": {"directives.together": [], "directives.apart": [],
                                                         "directives.fixed": [], "directives.pin": []},
}


def relaxation_causes(scenario: Scenario, solve_scenario: Callable[..., Plan],
                      time_limit: float | None = None) -> list[str]:
    """Rule families whose relaxation alone makes the scenario feasible.

    Each relaxed scenario is solved by ``solve_scenario(relaxed, diagnose=False)`` (the
    pipeline's) with ``time_limit`` seconds (default: a sixth of the scenario's own limit,
    between 5 and 30 s).
    """
    if time_limit is None:
        time_limit = min(30.0, max(5.0, scenario.solver.time_limit / 6))
    from .scenario import with_overrides

    found = []
    for label, overrides in RELAXATIONS.items():
        if with_overrides(scenario, overrides) == scenario:
            continue
        # a relaxation may leave what column generation handles, so let the method follow it
        relaxed = with_overrides(scenario, {**overrides, "solver.time_limit": time_limit, "solver.method": "auto"})
        plan = solve_scenario(relaxed, diagnose=False)
        if plan.has_plan:
            found.append(f"relaxing {label} alone makes the scenario feasible")
    return found
