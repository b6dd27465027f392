"""Rostering: each consortium's rota (two stages, then the diagnosis when it fails), every
consortium of a plan folder in parallel worker processes."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import multiprocessing
import os
import time
from pathlib import Path

from ..status import Status
from ..stopping import end_pool, follow_parent, held
from ..weekend import weekend_demand, weekend_staff
from .diagnosis import capacity_bounds, diagnose
from .io import first_saturday, load_tasks, rules_from
from .model import (
    ROSTERED,
    ConsortiumRota,
    RotaRun,
    Task,
    build_duties_model,
    duties_of,
    solve_program,
    weekends_worked,
)

__all__ = ["roster", "solve_rota", "rota_diagnosis"]


def roster(task: Task) -> ConsortiumRota:
    """Build one consortium's rota, or the diagnosis of why it cannot be built."""
    started = time.perf_counter()
    result = ConsortiumRota(task.consortium, task.members, task.go_live, task.start, Status.INFEASIBLE,
                            n_available=len(task.staff))
    bounds = capacity_bounds(task)
    outcome = None
    if not bounds:
        var = build_duties_model(task)
        prob = var.problem
        outcome = solve_program(var, task.rules)
        result.message = outcome.message
        if outcome.status in ROSTERED:
            result.status = outcome.status
            result.duties = duties_of(task, var.x)
            result.count(task)
            result.objective, result.bound, result.gap = outcome.objective, outcome.bound, outcome.gap
            # stage 2: keep the most weekends and the person-weekends, raise the fewest
            prob += var.top <= result.most
            prob += var.total <= result.person_weekends
            prob.setObjective(-1 * var.low)
            second = solve_program(var, task.rules)
            if second.status in ROSTERED:
                duties = duties_of(task, var.x)
                if weekends_worked(task, duties) and min(weekends_worked(task, duties).values()) >= result.fewest:
                    result.duties = duties
                    result.count(task)
                if second.status != Status.OPTIMAL:
                    result.status = Status.FEASIBLE
                    result.message = f"fewest weekends not proven best ({second.message})"
            result.seconds = time.perf_counter() - started
            return result
    diagnose(task, result, bounds, outcome)
    result.seconds = time.perf_counter() - started
    return result

def rota_diagnosis(scenario, instance, cid: str, members, go_live=None) -> ConsortiumRota:
    """The rota of one consortium of a proposal under the scenario's ``rota`` and ``cover``
    settings: a rota, or the diagnosis of what is short (which day, how many reports or which
    subspecialty, the smallest fix)."""
    rules = rules_from(scenario.to_dict(), file=str(scenario.source or "scenario"), prefix="")
    day = go_live or scenario.planning.start
    start = rules.start or first_saturday(day if isinstance(day, dt.date) else scenario.planning.start)
    members = tuple(members)
    task = Task(cid, members, day, start, weekend_staff(instance, members), weekend_demand(instance, members), rules)
    return roster(task)


# ---------------------------------------------------------------------------------------------
# Running every consortium


def _run_one(task: Task) -> ConsortiumRota:
    return roster(task)


def solve_rota(plan_dir: str | Path, overrides: dict | None = None, *, consortia: list[str] | None = None,
               jobs: int | None = None, progress=None) -> RotaRun:
    """Roster every consortium of a plan folder (in parallel worker processes when ``jobs`` > 1)."""
    started = time.perf_counter()
    plan_dir = Path(plan_dir)
    tasks, rules, inputs, changed, doc = load_tasks(plan_dir, overrides, consortia)
    jobs = jobs or min(2, os.cpu_count() or 1)
    results: dict[str, ConsortiumRota] = {}
    order = sorted(tasks, key=lambda t: (-len(t.staff) * rules.weeks, t.consortium))
    if jobs <= 1 or len(tasks) <= 1:
        for t in order:
            results[t.consortium] = roster(t)
            if progress:
                progress(results[t.consortium])
    else:
        # not "fork": the parent may hold HiGHS worker threads (a solve earlier in this process)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                                    initializer=follow_parent) as pool:
            with held():  # a worker process is never left half started
                futures = {pool.submit(_run_one, t): t.consortium for t in order}
            try:
                for future in concurrent.futures.as_completed(futures):
                    results[futures[future]] = future.result()
                    if progress:
                        progress(results[futures[future]])
            except BaseException:
                end_pool(pool)  # a stopped run ends its workers now, not when they finish
                raise
    rotas = [results[t.consortium] for t in tasks]
    return RotaRun(plan_dir, rules, rotas, tasks, inputs, changed, time.perf_counter() - started,
                   synthetic=bool(doc.get("synthetic")), scenario=str(doc.get("scenario", "")))
