"""Run a MILP solver on a built model and report honestly what it proved.

PuLP calls a solution "Optimal" even when a time limit stopped the search. Here a plan is
``optimal`` only when the solver's best bound meets the objective (relative gap <= 1e-6);
otherwise a plan is ``feasible`` with its bound and gap; ``infeasible`` means the solver proved
no plan exists; ``no_solution`` means the limit was reached before any plan was found.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pulp

from . import stopping
from .errors import ConsortiaError
from .scenario import Solver
from .status import Status, is_proven, relative_gap

__all__ = ["Progress", "SolveOutcome", "silence_highs_banner", "Interrupt", "raise_if_highs_failed",
           "check_solver", "uses_highs", "run_solver"]


@dataclass(frozen=True)
class Progress:
    """A solver progress event: best plan so far, best bound, relative gap, seconds elapsed."""

    incumbent: float | None
    bound: float | None
    gap: float | None
    seconds: float


@dataclass(frozen=True)
class SolveOutcome:
    """What the solver found and proved."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    message: str = ""


def _verdict(has_plan: bool, objective, bound) -> str:
    if not has_plan:
        return Status.NO_SOLUTION
    return Status.OPTIMAL if is_proven(relative_gap(objective, bound)) else Status.FEASIBLE


_BANNER_SHOWN = False


def silence_highs_banner() -> None:
    """HiGHS prints a banner to C-level stdout the first time a solver is created in a process;
    create that first one with stdout pointed at /dev/null, so plain runs print only our lines."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    import sys

    import highspy
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        _BANNER_SHOWN = True


class Interrupt:
    """A solver stage (:func:`consortia.stopping.solving`): the first Ctrl-C or SIGTERM stops the
    solve with its best plan so far, and a stop requested earlier in the same run stops it at
    its first callback; ``requested`` says whether the run was asked to stop."""

    def __enter__(self):
        self._stage = stopping.solving()
        self._stage.__enter__()
        return self

    @property
    def requested(self) -> bool:
        return stopping.requested()

    def __exit__(self, *exc):
        return self._stage.__exit__(*exc)


def raise_if_highs_failed(status, advice: str) -> None:
    """Raise RuntimeError (ending with ``advice``) when a HiGHS model status says HiGHS failed
    rather than stopped at an answer or a limit."""
    import highspy

    failed = (highspy.HighsModelStatus.kNotset, highspy.HighsModelStatus.kModelError,
              highspy.HighsModelStatus.kSolveError, highspy.HighsModelStatus.kLoadError,
              highspy.HighsModelStatus.kPresolveError, highspy.HighsModelStatus.kPostsolveError)
    if status in failed:
        raise RuntimeError(f"HiGHS stopped with an error ({str(status).split('.')[-1]}); {advice}")


ABANDON_AFTER = 1.0
"""Seconds a stopped HiGHS solve may take to reach its next callback (where it stops with its
best plan) before it is abandoned: its presolve makes no callbacks (68 s on England's compact
warm start), and has no plan to give."""

_abandoned: list[threading.Thread] = []


class _Abandoned(Exception):
    """A stopped HiGHS solve did not stop in time and was left to end in the background."""


def wait_for_abandoned() -> None:
    """Wait until every abandoned HiGHS solve of this process has ended (HiGHS has one thread
    pool per process: no solve may start beside one)."""
    for thread in list(_abandoned):
        thread.join()
        _abandoned.remove(thread)


def run_interruptible(run: Callable[[], object], abandon: threading.Event) -> None:
    """Run a HiGHS solve (``run``) in a thread of its own, so that Ctrl-C and SIGTERM are seen at
    once (the main thread's signal handler cannot run while HiGHS holds it). When the run was
    asked to stop and the solve has not ended :data:`ABANDON_AFTER` seconds later, ``abandon``
    is set (the solve's callbacks then stop it at the first chance) and :class:`_Abandoned` is
    raised; an abandoned solve is waited for before the next one starts."""
    wait_for_abandoned()
    failure: list[BaseException] = []

    def target():
        try:
            run()
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=target, name="highs-solve", daemon=True)
    thread.start()
    stopped_at = None
    try:
        while thread.is_alive():
            thread.join(0.1)
            if stopping.requested() and thread.is_alive():
                stopped_at = stopped_at or time.monotonic()
                if time.monotonic() - stopped_at >= ABANDON_AFTER:
                    raise _Abandoned()
    except BaseException:
        abandon.set()
        _abandoned.append(thread)
        raise
    if failure:
        raise failure[0]


def _highs_with_start(start: dict | None, abandon: threading.Event, **options) -> pulp.LpSolver:
    """PuLP's in-process HiGHS, handed a (partial) starting plan just before it runs, and run by
    :func:`run_interruptible`."""

    class HiGHSWithStart(pulp.HiGHS):
        def callSolver(self, lp):
            if stopping.requested():  # stopped while PuLP handed the model over: HiGHS does not start
                raise _Abandoned()
            if start:
                import numpy as np
                pairs = sorted((var.index, value) for var, value in start.items())
                lp.solverModel.setSolution(len(pairs), np.array([i for i, _ in pairs], dtype=np.int32),
                                           np.array([v for _, v in pairs], dtype=np.float64))
            run_interruptible(lp.solverModel.run, abandon)

    return HiGHSWithStart(**options)


def _solve_highs(problem: pulp.LpProblem, settings: Solver,
                 progress: Callable[[Progress], None] | None, start: dict | None = None) -> SolveOutcome:
    outcome, vouched = _run_highs(problem, settings, progress, start)
    if start and not vouched and outcome.objective is not None and not outcome.message.startswith("interrupted"):
        # HiGHS can take a starting plan handed to it as proven optimal: its claim did not check
        # out, so search again from scratch with the time left (the plan found is kept if better)
        left = settings.time_limit - outcome.seconds
        if left >= 1.0:
            kept = {var: var.varValue for var in problem.variables()}
            again, _ = _run_highs(problem, dataclasses.replace(settings, time_limit=left), progress, None)
            seconds = outcome.seconds + again.seconds
            if again.objective is not None and again.objective <= outcome.objective:
                return dataclasses.replace(again, seconds=seconds)
            for var, value in kept.items():
                var.varValue = value
            bound = outcome.bound if again.bound is None or outcome.bound is None else max(outcome.bound, again.bound)
            bound = None if bound is None or bound > outcome.objective else bound
            return dataclasses.replace(outcome, bound=bound, gap=relative_gap(outcome.objective, bound),
                                       status=_verdict(True, outcome.objective, bound), seconds=seconds)
    return outcome


def _run_highs(problem: pulp.LpProblem, settings: Solver, progress: Callable[[Progress], None] | None,
               start: dict | None, presolve: bool = True) -> tuple[SolveOutcome, bool]:
    """One HiGHS run, and whether its claim of optimality (if any) checked out."""
    import highspy
    cb = highspy.cb.HighsCallbackType
    last = [0.0]
    with Interrupt() as interrupt:
        if interrupt.requested:
            # the run was stopped before this solve began: it does not begin
            return SolveOutcome(Status.NO_SOLUTION, None, None, None, 0.0, "highs", "interrupted by the user"), True

        abandon = threading.Event()

        def callback(kind, message, data_out, data_in, user_data):
            if (interrupt.requested or abandon.is_set()) and data_in is not None:
                data_in.user_interrupt = True
            if kind not in (cb.kCallbackMipInterrupt, cb.kCallbackMipImprovingSolution):
                return
            now = data_out.running_time
            if progress is None or (kind == cb.kCallbackMipInterrupt and now - last[0] < 1.0):
                return
            last[0] = now
            inc = data_out.mip_primal_bound
            bound = data_out.mip_dual_bound
            inc = inc if abs(inc) < 1e30 else None
            bound = bound if abs(bound) < 1e30 else None
            progress(Progress(inc, bound, relative_gap(inc, bound), now))

        solver = _highs_with_start(start, abandon, msg=settings.log, timeLimit=settings.time_limit,
                                   gapRel=settings.gap,
                                   threads=settings.threads, callbackTuple=(callback, None),
                                   callbacksToActivate=[cb.kCallbackMipImprovingSolution,
                                                        cb.kCallbackMipInterrupt,
                                                        cb.kCallbackSimplexInterrupt,
                                                        cb.kCallbackIpmInterrupt],
                                   **({} if presolve else {"presolve": "off"}))
        if not settings.log:
            silence_highs_banner()
        # HiGHS keeps one thread pool per process and refuses to run with another thread count
        # once it exists; start a fresh pool so solves with different settings can follow each other.
        wait_for_abandoned()
        highspy.Highs.resetGlobalScheduler(True)
        started = time.perf_counter()
        try:
            problem.solve(solver)
        except _Abandoned:
            return SolveOutcome(Status.NO_SOLUTION, None, None, None, time.perf_counter() - started, "highs",
                                "interrupted by the user (HiGHS was stopped before it had a plan)"), True
        seconds = time.perf_counter() - started
    highs = problem.solverModel
    status = highs.getModelStatus()
    info = highs.getInfo()
    if presolve and status == highspy.HighsModelStatus.kSolveError and not interrupt.requested:
        # HiGHS 1.16's presolve can settle a model whose postsolved plan then breaks a constraint,
        # which HiGHS reports as a solve error ("untransformed violations"); without presolve it
        # solves the model itself, in the time left
        left = dataclasses.replace(settings, time_limit=max(1.0, settings.time_limit - seconds))
        outcome, vouched = _run_highs(problem, left, progress, start, presolve=False)
        return dataclasses.replace(outcome, seconds=seconds + outcome.seconds), vouched
    raise_if_highs_failed(status, "rerun with solver.log: true to see its log")
    if status == highspy.HighsModelStatus.kInfeasible:
        return SolveOutcome(Status.INFEASIBLE, None, None, None, seconds, "highs"), True
    has_plan = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) \
        and info.objective_function_value < 1e30
    objective = float(pulp.value(problem.objective) or 0.0) if has_plan else None
    constant = float(problem.objective.constant or 0.0)
    bound = info.mip_dual_bound + constant if abs(info.mip_dual_bound) < 1e30 else None
    vouched = True
    if status == highspy.HighsModelStatus.kOptimal and objective is not None:
        tolerance = max(1e-6, settings.gap * abs(objective))
        # HiGHS's claim holds only for the plan it reports: its objective must be the one the
        # plan's values give, and after a starting plan its own dual bound must meet it (HiGHS
        # can take a start handed to it as proven optimal)
        agrees = abs(info.objective_function_value + constant - objective) <= tolerance
        vouched = agrees and (not start or (bound is not None and bound >= objective - tolerance))
        if vouched:
            # without a start, HiGHS's reported dual bound can be stale when presolve settles
            # the model; take the tolerance it proved to instead
            proven = objective - tolerance
            bound = proven if bound is None else max(bound, proven)
        elif bound is not None and bound > objective:
            bound = None  # a "bound" above a plan's own objective bounds nothing
    message = "interrupted by the user" if interrupt.requested else str(status).split(".")[-1]
    if not vouched:
        message += " (claimed optimal, not confirmed by its dual bound)"
    return SolveOutcome(_verdict(has_plan, objective, bound), objective, bound,
                        relative_gap(objective, bound), seconds, "highs", message), vouched


def _solve_cbc(problem: pulp.LpProblem, settings: Solver) -> SolveOutcome:
    with tempfile.TemporaryDirectory(prefix="consortia-cbc-") as folder:
        log = Path(folder) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(msg=settings.log, timeLimit=settings.time_limit, gapRel=settings.gap,
                                   threads=settings.threads, logPath=str(log))
        started = time.perf_counter()
        problem.solve(solver)
        seconds = time.perf_counter() - started
        text = log.read_text(errors="replace") if log.exists() else ""
    if problem.status == pulp.LpStatusInfeasible or "Problem is infeasible" in text \
            or "Result - Linear relaxation infeasible" in text:
        return SolveOutcome(Status.INFEASIBLE, None, None, None, seconds, "cbc")
    has_plan = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = float(pulp.value(problem.objective) or 0.0) if has_plan else None
    bound = _cbc_bound(text)
    if bound is None and "Result - Optimal solution found" in text and objective is not None:
        bound = objective
    result = re.search(r"Result - (.*)", text)
    return SolveOutcome(_verdict(has_plan, objective, bound), objective, bound,
                        relative_gap(objective, bound), seconds, "cbc",
                        result.group(1).strip() if result else "")


def _cbc_bound(log: str) -> float | None:
    """CBC's final lower bound, from the summary it prints at the end of its log."""
    found = re.findall(r"^Lower bound:\s+(-?[\d.eE+-]+)", log, flags=re.MULTILINE)
    if found:
        return float(found[-1])
    found = re.findall(r"best possible (-?[\d.eE+-]+)", log)
    return float(found[-1]) if found else None


def _other_solver(settings: Solver):
    """The PuLP solver object for a name other than highs or cbc, with the settings it accepts."""
    options = {"msg": settings.log, "timeLimit": settings.time_limit}
    if settings.gap:
        options["gapRel"] = settings.gap
    if settings.threads:
        options["threads"] = settings.threads
    available = ", ".join(["highs", "cbc", *(n for n in pulp.listSolvers(onlyAvailable=True)
                                             if n not in ("HiGHS", "PULP_CBC_CMD"))])
    if settings.name not in pulp.listSolvers():
        raise ConsortiaError(f"unknown solver {settings.name!r}; available here: {available}", key="solver.name")
    try:
        solver = pulp.getSolver(settings.name, **options)
    except TypeError:
        solver = pulp.getSolver(settings.name, msg=settings.log, timeLimit=settings.time_limit)
    if not solver.available():
        raise ConsortiaError(f"solver {settings.name!r} is not installed on this machine; available here: "
                             f"{available}", key="solver.name")
    return solver


def check_solver(settings: Solver) -> None:
    """Raise :class:`ConsortiaError` now if the solver the settings name cannot be used."""
    if settings.name.lower() not in ("highs", "highs_api", "cbc", "pulp_cbc_cmd"):
        _other_solver(settings)


def _solve_other(problem: pulp.LpProblem, settings: Solver) -> SolveOutcome:
    solver = _other_solver(settings)
    started = time.perf_counter()
    problem.solve(solver)
    seconds = time.perf_counter() - started
    if problem.sol_status == pulp.LpSolutionInfeasible:
        return SolveOutcome(Status.INFEASIBLE, None, None, None, seconds, settings.name)
    has_plan = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = float(pulp.value(problem.objective) or 0.0) if has_plan else None
    bound = objective if problem.sol_status == pulp.LpSolutionOptimal else None
    return SolveOutcome(_verdict(has_plan, objective, bound), objective, bound,
                        relative_gap(objective, bound), seconds, settings.name)


def uses_highs(settings: Solver) -> bool:
    """Whether the settings name the in-process HiGHS solver."""
    return settings.name.lower() in ("highs", "highs_api")


def run_solver(problem: pulp.LpProblem, settings: Solver,
               progress: Callable[[Progress], None] | None = None,
               start: dict[pulp.LpVariable, float] | None = None) -> SolveOutcome:
    """Solve ``problem`` with the solver the settings name and report status, bound and gap.

    ``start`` (HiGHS only) is a partial starting plan: values for some variables, which the
    solver completes and uses as its first incumbent.
    """
    if uses_highs(settings):
        return _solve_highs(problem, settings, progress, start)
    name = settings.name.lower()
    if name in ("cbc", "pulp_cbc_cmd"):
        return _solve_cbc(problem, settings)
    return _solve_other(problem, settings)
