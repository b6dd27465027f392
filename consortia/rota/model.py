"""Weekend cross-cover rota: turn each consortium's pooled capacity into named weekend duties.

``consortia rota PLAN_DIR`` reads a plan folder (``plan.yaml``, ``consortia.csv``) and the
rosters and demand it was planned from, and builds, for every consortium, a rota of Saturday
and Sunday reporting duties over ``weeks`` consecutive weekends in which

* each weekend day's pooled demand is met: sessions x ``reports_per_session`` >=
  ``min_ratio`` x the members' demand that day;
* every required weekend subspecialty has at least one session on each weekend day;
* a radiologist works only on a weekend day their roster gives sessions for (a duty is the
  whole of that day's rostered sessions), at most one weekend in any ``one_in`` consecutive
  weekends and so never two weekends in a row (working both days of a weekend is one weekend);
* each trust's share of the consortium's weekend sessions is within ``tolerance`` (absolute,
  0.1 = 10 percentage points) of its share of the consortium's weekend demand;
* the load is fair: among all such rotas the solver minimises, in this order, the most
  weekends any radiologist works, the person-weekends worked in total (no needless duties) and
  then the spread (most minus fewest weekends worked over the radiologists with any weekend
  availability). Spread alone would be perverse: the rota with spread 0 often has everyone
  working as many weekends as the scarcest subspecialist must.

One integer program per consortium (PuLP with HiGHS, one thread each, so the same inputs give
the same rota); consortia are solved independently in parallel worker processes.

When a consortium cannot be rostered, a second integer program adds hypothetical extra
sessions (generic or of a required subspecialty) and slack in the trust-share rule, and
minimises them: its solution names the weekend, the day, the subspecialty or the reports short
and the smallest fix (e.g. "1 more neuro session every other Sunday").

The rules are the ones every plan is held to (:mod:`consortia.weekend`): a plan accepts only
consortia for which such a rota exists, so every consortium of a plan solved with
``rota.required`` can be rostered; this program adds the fairness objective.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulp

from ..scenario import Rota, Solver
from ..solver import run_solver
from ..status import Status
from ..weekend import RotaProgram, Staff, WeekendRules, build_rota_program
from ..weekend import demand_shares as weekend_shares
from ..weekend import need_sessions as weekend_need

__all__ = ["Rota", "RotaRules", "Staff", "Task", "Duty", "ConsortiumRota", "RotaRun", "RotaProgram",
           "need_sessions", "demand_shares", "FairRota", "build_duties_model", "build_gaps_model", "solve_program",
           "duties_of", "weekends_worked",
           "WEEKEND_DAYS", "DAY_NAMES", "ROSTERED"]

WEEKEND_DAYS = ("sat", "sun")

DAY_NAMES = {"sat": "Saturday", "sun": "Sunday"}

ROSTERED = Status.HAS_PLAN

EPS = 1e-6


@dataclass(frozen=True)
class RotaRules(WeekendRules):
    """Every setting a rota is built under: the weekend rules a plan's consortia are held to
    (:class:`consortia.weekend.WeekendRules`), plus where the rota starts and its time limit."""

    start: dt.date | None = None
    time_limit: float = 60.0

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["weekend_subspecialties"] = list(self.weekend_subspecialties)
        d["start"] = self.start.isoformat() if self.start else None
        return d


@dataclass(frozen=True)
class Task:
    """One consortium to roster."""

    consortium: str
    members: tuple[str, ...]
    go_live: dt.date
    start: dt.date
    staff: tuple[Staff, ...]
    demand: dict          # trust -> (sat, sun) reports
    rules: RotaRules


@dataclass(frozen=True)
class Duty:
    """One radiologist on one weekend day."""

    consortium: str
    weekend: int          # 1-based
    date: dt.date
    day: str
    trust: str
    radiologist: str
    sessions: float
    subspecialties: tuple[str, ...]


@dataclass
class ConsortiumRota:
    """The rota of one consortium, or why there is none."""

    consortium: str
    members: tuple[str, ...]
    go_live: dt.date
    start: dt.date
    status: str                       # optimal, feasible, infeasible, no_solution
    duties: list[Duty] = field(default_factory=list)
    n_available: int = 0
    spread: int | None = None
    person_weekends: int | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    message: str = ""
    diagnosis: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    extra_sessions: int | None = None
    gaps_proven: bool = False

    fewest: int | None = None
    most: int | None = None

    @property
    def rostered(self) -> bool:
        return self.status in ROSTERED

    def count(self, task: Task) -> None:
        """Set spread, fewest, most and person-weekends from the duties."""
        worked = weekends_worked(task, self.duties)
        self.fewest = min(worked.values()) if worked else 0
        self.most = max(worked.values()) if worked else 0
        self.spread = self.most - self.fewest
        self.person_weekends = sum(worked.values())


@dataclass
class RotaRun:
    """Every consortium's rota under one set of rules."""

    plan_dir: Path
    rules: RotaRules
    rotas: list[ConsortiumRota]
    tasks: list[Task]
    inputs: dict
    changed_inputs: list[str]
    seconds: float
    synthetic: bool = False
    scenario: str = ""

# ---------------------------------------------------------------------------------------------
# The integer programs: the weekend rota's rules (consortia.weekend) with an objective


def need_sessions(task: Task) -> tuple[float, float]:
    """Sessions needed on (sat, sun) of every weekend: ratio x pooled demand / reports per session."""
    return weekend_need(task.demand, task.rules)


def demand_shares(task: Task) -> dict[str, float] | None:
    """Each member's share of the consortium's weekend (sat + sun) demand; None without demand."""
    return weekend_shares(task.demand)


@dataclass
class FairRota(RotaProgram):
    """The rota program with the variables of its fairness objective."""

    top: Any = None                                  # the most weekends anyone works
    low: Any = None                                  # the fewest weekends anyone works
    total: Any = None                                # person-weekends


def build_duties_model(task: Task) -> FairRota:
    """The rota program: every rule hard; minimise the most weekends anyone works, then the
    person-weekends (stage 2, in :func:`consortia.rota.roster.roster`, raises the fewest)."""
    p = build_rota_program(task.staff, task.demand, task.rules, name="rota_duties", program=FairRota)
    n = task.rules.weeks
    worked = {i: pulp.lpSum(p.z[i, w] for w in range(n)) for i in range(len(task.staff))}
    p.top = p.problem.add_variable("most_weekends", 0, n, pulp.LpInteger)
    p.low = p.problem.add_variable("fewest_weekends", 0, n, pulp.LpInteger)
    for i in worked:
        p.problem += p.top >= worked[i]
        p.problem += p.low <= worked[i]
    # stage 1 (lexicographic, integer): the most weekends anyone works, then person-weekends
    # (no needless duties); stage 2 (see ``roster``) then raises the fewest weekends anyone
    # works. One objective with all three converges slowly: its unit is 1, not 1 person-weekend.
    p.total = pulp.lpSum(p.z.values())
    p.problem += (len(task.staff) * n + 1) * p.top + p.total
    return p


def build_gaps_model(task: Task) -> RotaProgram:
    """The gaps program: the same rules with extra sessions and share slack for sale; minimise
    them, then (weight 1e-3) the peak of extra sessions on any one day, so a structural shortage
    reads as "n more every Sunday"."""
    p = build_rota_program(task.staff, task.demand, task.rules, elastic=True, name="rota_gaps")
    peak = [p.problem.add_variable(f"peak_{d}", 0) for d in range(2)]
    for (w, d), v in p.extra.items():
        p.problem += peak[d] >= v + pulp.lpSum(f for (sub, ww, dd), f in p.extra_sub.items() if (ww, dd) == (w, d))
    p.problem += pulp.lpSum(p.extra.values()) + pulp.lpSum(p.extra_sub.values()) \
        + pulp.lpSum(p.over.values()) + pulp.lpSum(p.under.values()) + 1e-3 * pulp.lpSum(peak)
    return p


def solve_program(p: RotaProgram, rules: RotaRules):
    """Solve with HiGHS on one thread, gap 0, the rota time limit: the same inputs give the same rota."""
    return run_solver(p.problem, Solver(name="highs", time_limit=rules.time_limit, gap=0.0, threads=1, log=False))


def duties_of(task: Task, x: dict) -> list[Duty]:
    out = []
    for (i, w, d), var in x.items():
        if (var.value() or 0) > 0.5:
            s = task.staff[i]
            date = task.start + dt.timedelta(days=7 * w + d)
            out.append(Duty(task.consortium, w + 1, date, WEEKEND_DAYS[d], s.trust, s.radiologist,
                            s.sessions[d], s.subspecialties))
    return sorted(out, key=lambda u: (u.date, u.trust, u.radiologist))


def weekends_worked(task: Task, duties: list[Duty]) -> dict[tuple[str, str], int]:
    """Weekends worked by every radiologist of the consortium with weekend availability."""
    seen = {(s.trust, s.radiologist): set() for s in task.staff}
    for u in duties:
        seen[u.trust, u.radiologist].add(u.weekend)
    return {key: len(v) for key, v in seen.items()}
