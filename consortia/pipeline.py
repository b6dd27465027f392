"""From a scenario to a plan: inputs -> graph -> model -> solver -> plan."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable

import networkx as nx

from . import stopping
from .columns import choose_method, solve_by_columns
from .costs import cost_model
from .diagnose import quick_causes, relaxation_causes
from .graph import build_graph
from .inputs import Instance, load_instance
from .model import build_model, candidate_members, rule_weekend_rota, trust_facts
from .plan import Plan, describe
from .scenario import Scenario
from .solver import Progress, SolveOutcome, check_solver, run_solver, uses_highs
from .status import Status, is_proven, relative_gap
from .weekend import Rosterability, WeekendRules

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
    costs = cost_model(scenario, graph)
    plain = dataclasses.replace(scenario, objective=dataclasses.replace(scenario.objective, distance=0.0),
                                solver=dataclasses.replace(scenario.solver, time_limit=limit, gap=0.0))
    if costs.in_pounds:
        plain = dataclasses.replace(plain, costs=dataclasses.replace(
            scenario.costs, travel_per_km=0.0, icb_premium=0.0, region_premium=0.0, no_share_premium=0.0))
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
    for key, var in easy.size.items():
        if key in model.size:
            start[model.size[key]] = round(var.varValue or 0)
    start.update({var: 0.0 for var in [*model.medoid.values(), *model.serve.values()]})
    groups: dict[str, list[str]] = {}
    for (i, j, _t), var in easy.x.items():
        if (var.varValue or 0) > 0.5:
            groups.setdefault(j, []).append(i)
    for j, members in groups.items():
        if (j, j) not in model.medoid:
            continue
        medoid = costs.medoid(members)
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
    start" and "solve" for the compact model or "columns" for column generation, then "plan", or
    "diagnose" when no plan exists)
    and, during the solve, with solver progress events. When no plan exists the plan's
    ``diagnosis`` names the trusts and rules that stop it (set ``diagnose=False`` to skip).

    Ctrl-C (or SIGTERM under the command line) stops the solve with the best plan found so far
    (:mod:`consortia.stopping`); the plan's ``solver`` record then has ``interrupted: true``, and
    a plan that could not be found in time says it was interrupted.
    """
    with stopping.session():
        plan = _solve_scenario(scenario, instance, progress, diagnose)
        if not stopping.requested():
            return plan
        diagnosis = plan.diagnosis
        if plan.status == Status.NO_SOLUTION:
            diagnosis = (f"interrupted ({stopping.signal_name()}) before any plan was found",)
        return dataclasses.replace(plan, diagnosis=diagnosis, solver={**plan.solver, "interrupted": True})


def _solve_scenario(scenario: Scenario, instance: Instance | None, progress, diagnose: bool) -> Plan:
    pounds = cost_model(scenario, nx.Graph(), for_solver=True).pounds

    def say(stage, event=None):
        if progress is not None:
            progress(stage, _in_pounds(event, pounds))

    check_solver(scenario.solver)
    say("inputs")
    instance = instance if instance is not None else load_instance(scenario)
    say("graph")
    graph = build_graph(scenario, instance)
    method = choose_method(scenario, graph.number_of_nodes())
    rosterable = rosterability(scenario, instance)
    excluded = tuple(scenario.directives.exclude)
    early = quick_causes(scenario, instance, graph)
    limit = scenario.solver.time_limit
    after_columns = None
    if method in ("columns", "enumerate"):
        if early:
            return Plan(scenario, Status.INFEASIBLE, diagnosis=tuple(early), excluded=excluded,
                        solver=_settings_info(scenario, "highs", method))
        plan = _solve_by_columns(scenario, instance, graph, say, method, rosterable)
        if plan.has_plan or stopping.requested():
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
    if uses_highs(scenario.solver) and cost_model(scenario, graph).links_matter():
        say("warm start")
        start, seconds = warm_start(scenario, instance, graph, model, limit)
        solver_info["warm_start_seconds"] = round(seconds, 3)
        solver_info["warm_start_found"] = start is not None
        if stopping.requested():
            return _interrupted_warm_start(scenario, instance, graph, model, start, rosterable, solver_info, say)
    say("solve")
    settings = dataclasses.replace(scenario.solver, time_limit=max(1.0, limit - seconds))
    outcome, rota_info = _solve_rosterable(model, settings, (lambda e: say("solve", e)) if progress else None,
                                           start, rosterable)
    solver_info.update(solve_seconds=round(outcome.seconds, 3), message=outcome.message, **rota_info)
    if outcome.objective is None and start is not None and stopping.requested():
        return _interrupted_warm_start(scenario, instance, graph, model, start, rosterable, solver_info, say)
    if outcome.status == Status.INFEASIBLE:
        diagnose = diagnose and not stopping.requested()
        if diagnose:
            say("diagnose")
        return _infeasible(scenario, solver_info, diagnose)
    if outcome.status == Status.NO_SOLUTION:
        return Plan(scenario, Status.NO_SOLUTION, solver=solver_info, excluded=excluded,
                    diagnosis=(f"no plan found within solver.time_limit={scenario.solver.time_limit:g} s",))
    return _plan(scenario, instance, graph, model.groups(), _times(outcome.objective, pounds),
                 _times(outcome.bound, pounds), solver_info, say)


def _interrupted_warm_start(scenario: Scenario, instance: Instance, graph, model, start: dict | None,
                            rosterable: Rosterability | None, solver_info: dict, say) -> Plan:
    """The warm start's plan, when the run was stopped before the solve had a better one and
    every rota can staff it."""
    solver_info.setdefault("solve_seconds", 0.0)
    solver_info["message"] = "interrupted by the user; the plan is the warm start's"
    if start is not None:
        for var, value in start.items():
            var.varValue = value
        groups = model.groups()
        if rosterable is None or all(rosterable(members) is True for members, _ in groups):
            return _plan(scenario, instance, graph, groups, None, None, solver_info, say)
    return Plan(scenario, Status.NO_SOLUTION, solver=solver_info, excluded=tuple(scenario.directives.exclude))


def _solve_by_columns(scenario: Scenario, instance: Instance, graph, say, method: str, rosterable) -> Plan:
    """The plan found by column generation, ``method`` 'columns' or 'enumerate' (status
    ``no_solution`` when its columns hold none)."""
    started = time.perf_counter()
    facts = trust_facts(scenario, instance, graph)
    say("columns")
    outcome = solve_by_columns(scenario, graph, facts, progress=lambda e: say("columns", e), method=method,
                               baseline=instance.baseline, rosterable=rosterable)
    solver_info = {**_settings_info(scenario, "highs", method), "build_seconds": 0.0,
                   "solve_seconds": round(time.perf_counter() - started, 3),
                   "rounds": outcome.rounds, "columns": outcome.columns, "cuts": outcome.cuts,
                   "lp_seconds": round(outcome.lp_seconds, 3), "pricing_seconds": round(outcome.pricing_seconds, 3),
                   "integer_seconds": round(outcome.integer_seconds, 3), "message": outcome.message}
    if method == "enumerate":
        solver_info["enumerated_pools"] = list(outcome.pools)
        solver_info["branching_nodes"] = outcome.nodes
    solver_info["proven_infeasible"] = outcome.status == Status.INFEASIBLE
    if rosterable is not None:
        solver_info.update(rota_checked=rosterable.checked, rota_undecided=rosterable.undecided,
                           rota_refused=outcome.refused)
    if outcome.status in (Status.INFEASIBLE, Status.NO_SOLUTION):
        return Plan(scenario, Status.NO_SOLUTION, solver=solver_info, excluded=tuple(scenario.directives.exclude))
    pounds = cost_model(scenario, graph, for_solver=True).pounds
    return _plan(scenario, instance, graph, outcome.groups, _times(outcome.objective, pounds),
                 _times(outcome.bound, pounds), solver_info, say)


def _times(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _in_pounds(event: Progress | None, pounds: float) -> Progress | None:
    """A solver progress event in the plan's unit (the solvers work in thousands of pounds)."""
    if event is None or pounds == 1.0:
        return event
    return Progress(_times(event.incumbent, pounds), _times(event.bound, pounds), event.gap, event.seconds)


def rosterability(scenario: Scenario, instance: Instance) -> Rosterability | None:
    """The exact weekend-rota test of consortia, when the plan must be rosterable: hard cover
    with ``rota.required`` (soft cover pays for a shortfall instead)."""
    if scenario.cover.mode != "hard" or not scenario.rota.required:
        return None
    # the solve's time limit holds in all, the rota tests of member sets included
    return Rosterability(instance, WeekendRules.of(scenario), scenario.rota.time_limit, scenario.solver.threads,
                         deadline=time.perf_counter() + scenario.solver.time_limit)


def _solve_rosterable(model, settings, progress, start, rosterable: Rosterability | None
                      ) -> tuple[SolveOutcome, dict]:
    """Solve the compact model until every chosen consortium is rosterable.

    Counting alone (in the model's cover rules) is necessary for a rota; each consortium of the
    solver's plan is then checked exactly, every member set without a rota is forbidden
    (:func:`~consortia.model.rule_weekend_rota`) and the model solved again, within the time
    limit in all. The last solve's bound holds for every rosterable plan, since the forbidden
    sets have no rota.
    """
    started = time.perf_counter()
    if rosterable is None:
        return run_solver(model.problem, settings, progress, start), {}
    alone = [(c,) for c in model.candidates if rosterable((c,)) is not True]
    rule_weekend_rota(model, alone)
    forbidden, rounds = len(alone), 0
    while True:
        left = settings.time_limit - (time.perf_counter() - started)
        outcome = run_solver(model.problem, dataclasses.replace(settings, time_limit=max(1.0, left)), progress, start)
        rounds += 1
        info = {"rota_rounds": rounds, "rota_checked": rosterable.checked, "rota_forbidden": forbidden,
                "rota_undecided": rosterable.undecided}
        if outcome.objective is None and outcome.status == Status.INFEASIBLE and rosterable.undecided:
            # forbidden sets include some not decided in time: "no plan exists" would not be proven
            return SolveOutcome(Status.NO_SOLUTION, None, None, None, time.perf_counter() - started, outcome.solver,
                                f"time limit reached: {rosterable.undecided} member set(s) of consortia could not "
                                "be tested for a weekend rota in time"), info
        if outcome.objective is None:
            return dataclasses.replace(outcome, seconds=time.perf_counter() - started), info
        failing = [members for members, _ in model.groups() if rosterable(members) is not True]
        info["rota_undecided"] = rosterable.undecided
        if not failing:
            return dataclasses.replace(outcome, seconds=time.perf_counter() - started), info
        rule_weekend_rota(model, failing)
        forbidden += len(failing)
        info["rota_forbidden"] = forbidden
        start = None
        if time.perf_counter() - started >= settings.time_limit:
            return SolveOutcome("no_solution", None, outcome.bound, None, time.perf_counter() - started,
                                outcome.solver, "time limit reached while forbidding consortia no weekend rota "
                                "can staff"), info


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
    if bound is not None and bound > objective + max(1e-9, 1e-6 * abs(objective)):
        # a lower bound above the objective of a plan in hand is disproved by that plan
        solver_info["rejected_bound"] = bound
        bound = None
    gap = relative_gap(objective, bound)
    # a member set the rota check could not decide in time was left out: the bound then holds
    # only for the plans without it, so no proof is claimed
    status = Status.OPTIMAL if is_proven(gap) and not solver_info.get("rota_undecided") else Status.FEASIBLE
    costs = cost_model(scenario, graph)
    counterfactuals = {}
    if costs.in_pounds:
        facts = trust_facts(scenario, instance, graph)
        counterfactuals["alone_at_contract_end"] = {
            "status": "computed", "objective": costs.alone_at_contract_end(facts),
            "n_consortia": 0, "n_standalone": sum(1 for f in facts.values() if f.window)}
    return Plan(scenario, status, consortia, objective=objective, best_bound=bound, gap=gap, terms=terms,
                metrics=metrics, solver=solver_info, excluded=tuple(scenario.directives.exclude),
                counterfactuals=counterfactuals)
