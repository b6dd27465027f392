"""From a scenario to a plan: inputs -> graph -> model -> solver -> plan."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable

from .columns import choose_method, solve_by_columns
from .diagnose import quick_causes, relaxation_causes
from .graph import build_graph, km
from .inputs import Instance, load_instance
from .model import build_model, candidate_members, trust_facts
from .plan import Plan, describe
from .scenario import Scenario
from .solver import Progress, check_solver, run_solver, uses_highs
from .status import Status, is_proven, relative_gap

__all__ = ["warm_start", "solve_scenario"]


def warm_start(scenario: Scenario, instance: Instance, graph, model,
               time_limit: float | None = None) -> tuple[dict | None, float]:
    """A first plan for ``model``: the best plan with compactness ignored, found in at most a
    fifth of ``time_limit`` (default: the scenario's; up to 60 s). Returns the values of its assignment, standalone and
    medoid variables (the solver completes the rest) and the seconds spent.

    Without the medoid terms the model is much easier (no medoid choice to branch on), and its
    plan keeps every rule, so the full solve starts from a good incumbent.
    """
    started = time.perf_counter()
    limit = min(60.0, (time_limit or scenario.solver.time_limit) / 5)
    plain = dataclasses.replace(scenario, objective=dataclasses.replace(scenario.objective, distance=0.0),
                                solver=dataclasses.replace(scenario.solver, time_limit=limit, gap=0.0))
    easy = build_model(plain, instance, graph)
    outcome = run_solver(easy.problem, plain.solver)
    seconds = time.perf_counter() - started
    if outcome.objective is None:
        return None, seconds
    start = {}
    for key, var in easy.x.items():
        if key in model.x:
            start[model.x[key]] = 1.0 if (var.varValue or 0) > 0.5 else 0.0
    for j, var in easy.standalone.items():
        if j in model.standalone:
            start[model.standalone[j]] = round(var.varValue or 0)
    start.update({var: 0.0 for var in [*model.medoid.values(), *model.serve.values()]})
    groups: dict[str, list[str]] = {}
    for (i, j, _t), var in easy.x.items():
        if (var.varValue or 0) > 0.5:
            groups.setdefault(j, []).append(i)
    for j, members in groups.items():
        if (j, j) not in model.medoid:
            continue
        medoid = min(members, key=lambda k: (sum(km(graph, i, k) for i in members), k))
        start[model.medoid[j, medoid]] = 1.0
        for i in members:
            if i != medoid:
                start[model.serve[j, i, medoid]] = 1.0
    return start, seconds


def solve_scenario(scenario: Scenario, *, instance: Instance | None = None,
                   progress: Callable[[str, Progress | None], None] | None = None,
                   diagnose: bool = True) -> Plan:
    """Solve a scenario and return its :class:`~consortia.plan.Plan`.

    ``progress(stage, event)`` is called at each stage ("inputs", "graph", then "model", "warm
    start" and "solve" for the compact model or "columns" for column generation, then "plan")
    and, during the solve, with solver progress events. When no plan exists the plan's
    ``diagnosis`` names the trusts and rules that stop it (set ``diagnose=False`` to skip).
    """
    def say(stage, event=None):
        if progress is not None:
            progress(stage, event)

    check_solver(scenario.solver)
    say("inputs")
    instance = instance if instance is not None else load_instance(scenario)
    say("graph")
    graph = build_graph(scenario, instance)
    method = choose_method(scenario, graph.number_of_nodes())
    excluded = tuple(scenario.directives.exclude)
    early = quick_causes(scenario, instance, graph)
    limit = scenario.solver.time_limit
    after_columns = None
    if method in ("columns", "enumerate"):
        if early:
            return Plan(scenario, Status.INFEASIBLE, diagnosis=tuple(early), excluded=excluded,
                        solver=_settings_info(scenario, "highs", method))
        plan = _solve_by_columns(scenario, instance, graph, say, method)
        if plan.has_plan:
            return plan
        # no plan from the columns: the compact model diagnoses a proven infeasibility, or looks
        # for a plan with the time left, if it fits in memory and enough time is left
        proven = plan.solver["proven_infeasible"]
        left = limit - plan.solver["solve_seconds"]
        need = compact_bytes(scenario, instance, graph)
        reason = None
        if need > COMPACT_MEMORY:
            reason = (f"the compact model that would {'name the causes' if proven else 'search further'} "
                      f"needs about {need / 1e9:.1f} GB (more than {COMPACT_MEMORY / 1e9:.0f} GB), so it "
                      "was not built")
        elif not proven and left < max(2.0, COMPACT_SHARE * limit):
            reason = "too little time was left to try the compact model"
        if reason is not None:
            first = ("no selection of consortia covers every trust (proven by column generation)" if proven
                     else f"no plan found within solver.time_limit={scenario.solver.time_limit:g} s")
            return Plan(scenario, Status.INFEASIBLE if proven else Status.NO_SOLUTION, solver=plan.solver,
                        excluded=excluded,
                        diagnosis=(first, reason))
        limit = max(5.0, left) if proven else left
        after_columns = plan.solver
        method = "compact"
    say("model")
    started = time.perf_counter()
    model = build_model(scenario, instance, graph)
    build_seconds = time.perf_counter() - started
    solver_info = {**_settings_info(scenario, scenario.solver.name, method),
                   "build_seconds": round(build_seconds, 3),
                   "variables": model.problem.numVariables(),
                   "constraints": model.problem.numConstraints()}
    if after_columns is not None:
        solver_info.update(after_columns_found_no_plan=after_columns, time_left_seconds=round(limit, 3))
    if early:
        # each quick cause alone proves that no plan exists, so there is nothing to solve
        return Plan(scenario, Status.INFEASIBLE, diagnosis=tuple(early), solver=solver_info, excluded=excluded)
    start, seconds = None, 0.0
    if uses_highs(scenario.solver) and scenario.objective.distance > 0:
        say("warm start")
        start, seconds = warm_start(scenario, instance, graph, model, limit)
        solver_info["warm_start_seconds"] = round(seconds, 3)
        solver_info["warm_start_found"] = start is not None
    say("solve")
    settings = dataclasses.replace(scenario.solver, time_limit=max(1.0, limit - seconds))
    outcome = run_solver(model.problem, settings, (lambda e: say("solve", e)) if progress else None, start)
    solver_info.update(solve_seconds=round(outcome.seconds, 3), message=outcome.message)
    if outcome.status == Status.INFEASIBLE:
        return _infeasible(scenario, solver_info, diagnose)
    if outcome.status == Status.NO_SOLUTION:
        return Plan(scenario, Status.NO_SOLUTION, solver=solver_info, excluded=excluded,
                    diagnosis=(f"no plan found within solver.time_limit={scenario.solver.time_limit:g} s",))
    return _plan(scenario, instance, graph, model.groups(), outcome.objective, outcome.bound, solver_info, say)


def _solve_by_columns(scenario: Scenario, instance: Instance, graph, say, method: str) -> Plan:
    """The plan found by column generation, ``method`` 'columns' or 'enumerate' (status
    ``no_solution`` when its columns hold none)."""
    started = time.perf_counter()
    facts = trust_facts(scenario, instance, graph)
    say("columns")
    outcome = solve_by_columns(scenario, graph, facts, progress=lambda e: say("columns", e), method=method,
                               baseline=instance.baseline)
    solver_info = {**_settings_info(scenario, "highs", method), "build_seconds": 0.0,
                   "solve_seconds": round(time.perf_counter() - started, 3),
                   "rounds": outcome.rounds, "columns": outcome.columns, "cuts": outcome.cuts,
                   "lp_seconds": round(outcome.lp_seconds, 3), "pricing_seconds": round(outcome.pricing_seconds, 3),
                   "integer_seconds": round(outcome.integer_seconds, 3), "message": outcome.message}
    if method == "enumerate":
        solver_info["enumerated_pools"] = list(outcome.pools)
    solver_info["proven_infeasible"] = outcome.status == Status.INFEASIBLE
    if outcome.status in (Status.INFEASIBLE, Status.NO_SOLUTION):
        return Plan(scenario, Status.NO_SOLUTION, solver=solver_info, excluded=tuple(scenario.directives.exclude))
    return _plan(scenario, instance, graph, outcome.groups, outcome.objective, outcome.bound, solver_info, say)


COMPACT_MEMORY = min(8e9, 0.5 * (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")))
"""Largest compact model (estimated bytes, see :func:`compact_bytes`) built after column
generation found no plan: half the machine's memory, at most 8 GB."""
COMPACT_SHARE = 0.25
"""Least share of the time limit that must be left to try the compact model after column
generation found no plan in time."""
BYTES_PER_VARIABLE = 12_000
"""Memory of the compact model per variable (PuLP and HiGHS together; 7.2 GB for the 627,000
variables of the synthetic 500-trust instance)."""


def compact_bytes(scenario: Scenario, instance: Instance, graph) -> float:
    """An estimate of the compact model's memory, from its variable count: assignments per
    candidate pair and shared period, medoid and serve variables per candidate pair."""
    facts = trust_facts(scenario, instance, graph)
    count = 0
    for j, members in candidate_members(scenario, graph, facts).items():
        window = set(facts[j].window)
        count += sum(len(window & set(facts[i].window)) for i in members) + len(members) ** 2
    return BYTES_PER_VARIABLE * count


def _settings_info(scenario: Scenario, name: str, method: str) -> dict:
    """The solver settings a plan's ``solver`` record starts with."""
    return {"name": name, "method": method, "time_limit": scenario.solver.time_limit,
            "gap_limit": scenario.solver.gap, "threads": scenario.solver.threads}


def _infeasible(scenario: Scenario, solver_info: dict, diagnose: bool) -> Plan:
    causes = relaxation_causes(scenario, solve_scenario) if diagnose else []
    if diagnose and not causes:
        causes = ["no single trust or rule family explains it; the rules conflict only in combination"]
    return Plan(scenario, Status.INFEASIBLE, diagnosis=tuple(causes), solver=solver_info,
                excluded=tuple(scenario.directives.exclude))


def _plan(scenario: Scenario, instance: Instance, graph, groups, solver_objective, bound, solver_info: dict,
          say) -> Plan:
    say("plan")
    consortia, terms, metrics = describe(scenario, instance, graph, groups)
    # The plan's objective is recomputed from its consortia: before optimality is proven a
    # consortium's hub need not be its medoid, so the solver's value can only be higher.
    objective = sum(terms.values())
    solver_info["solver_objective"] = solver_objective
    gap = relative_gap(objective, bound)
    status = Status.OPTIMAL if is_proven(gap) else Status.FEASIBLE
    return Plan(scenario, status, consortia, objective=objective, best_bound=bound, gap=gap, terms=terms,
                metrics=metrics, solver=solver_info, excluded=tuple(scenario.directives.exclude))
