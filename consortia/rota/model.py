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

Capacity note: the plan's cover rule counts each radiologist's weekend roster sessions as
available *every* weekend. Under "one weekend in k" a radiologist gives those sessions on at
most one weekend in k, so the weekend capacity a rota can use is about 1/k of what the plan
counted; a consortium that passes the plan's cover rule may well not be rosterable. The
diagnosis says so with the numbers (the capacity bound per day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulp

from ..scenario import Solver, setting
from ..solver import run_solver
from ..status import Status

__all__ = ["Rota", "RotaRules", "Staff", "Task", "Duty", "ConsortiumRota", "RotaRun", "RotaProgram",
           "need_sessions", "demand_shares", "build_duties_model", "build_gaps_model", "solve_program",
           "duties_of", "weekends_worked", "rule_weekend_worked", "rule_one_weekend_in_k",
           "rule_interchangeable_order", "rule_weekend_subspecialties", "rule_weekend_demand", "rule_trust_share",
           "WEEKEND_DAYS", "DAY_NAMES", "ROSTERED"]

WEEKEND_DAYS = ("sat", "sun")

DAY_NAMES = {"sat": "Saturday", "sun": "Sunday"}

ROSTERED = Status.HAS_PLAN

EPS = 1e-6


def _whole(v):
    return (isinstance(v, int) and v >= 1) or "must be a whole number >= 1"


def _k(v):
    return v >= 2 or ("must be >= 2: a radiologist never works two weekends in a row, so 2 "
                      "(every other weekend at most) is the most often anyone can work")


def _fraction(v):
    return 0 <= v <= 1 or "must be between 0 and 1"


def _positive(v):
    return v > 0 or "must be > 0"


@dataclass(frozen=True)
class Rota:
    """The ``rota`` settings: the YAML section (``settings.rota`` of a plan) and CLI defaults."""

    weeks: int = setting(8, doc="consecutive weekends to roster", unit="weekends", check=_whole)
    one_in: int = setting(4, doc="a radiologist works at most one weekend in any `one_in` consecutive "
                                 "weekends (so never two in a row)", unit="weekends", check=_k)
    tolerance: float = setting(0.10, doc="a trust's share of its consortium's weekend sessions may differ "
                                         "from its share of the weekend demand by at most this "
                                         "(0.1 = 10 percentage points)", check=_fraction)
    start: dt.date | None = setting(None, doc="first Saturday of every consortium's rota; null = the "
                                              "first Saturday on or after each consortium's go-live")
    time_limit: float = setting(60.0, doc="solver time limit per consortium (and again for a "
                                          "diagnosis)", unit="s", check=_positive)


@dataclass(frozen=True)
class RotaRules:
    """Every setting a rota is built under (the rota section plus the plan's cover section)."""

    weeks: int
    one_in: int
    tolerance: float
    reports_per_session: float
    min_ratio: float
    weekend_subspecialties: tuple[str, ...]
    start: dt.date | None
    time_limit: float

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["weekend_subspecialties"] = list(self.weekend_subspecialties)
        d["start"] = self.start.isoformat() if self.start else None
        return d


@dataclass(frozen=True)
class Staff:
    """A radiologist with weekend availability: sessions on (sat, sun)."""

    trust: str
    radiologist: str
    subspecialties: tuple[str, ...]
    sessions: tuple[float, float]


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
# The integer programs


# ---------------------------------------------------------------------------------------------
# The integer programs


def need_sessions(task: Task) -> tuple[float, float]:
    """Sessions needed on (sat, sun) of every weekend: ratio x pooled demand / reports per session."""
    r = task.rules
    return tuple(r.min_ratio * sum(task.demand[m][d] for m in task.members) / r.reports_per_session
                 for d in range(2))


def demand_shares(task: Task) -> dict[str, float] | None:
    """Each member's share of the consortium's weekend (sat + sun) demand; None without demand."""
    total = sum(sum(task.demand[m]) for m in task.members)
    if total <= 0:
        return None
    return {m: sum(task.demand[m]) / total for m in task.members}


@dataclass
class RotaProgram:
    """One rota integer program and its variables, filled in by the ``rule_*`` functions."""

    problem: Any                                     # pulp.LpProblem
    x: dict                                          # (radiologist, weekend, day) -> on duty
    z: dict                                          # (radiologist, weekend) -> works that weekend
    elastic: bool = False                            # the gaps program: shortfalls may be bought
    extra: dict = field(default_factory=dict)        # gaps: (weekend, day) -> extra generic sessions
    extra_sub: dict = field(default_factory=dict)    # gaps: (subspecialty, weekend, day) -> one extra session
    over: dict = field(default_factory=dict)         # gaps: trust -> share above the tolerance
    under: dict = field(default_factory=dict)        # gaps: trust -> share below the tolerance
    top: Any = None                                  # duties: the most weekends anyone works
    low: Any = None                                  # duties: the fewest weekends anyone works
    total: Any = None                                # duties: person-weekends


def _variables(task: Task, elastic: bool) -> RotaProgram:
    """The duty variables: x (a radiologist on one weekend day) and z (works that weekend)."""
    n = task.rules.weeks
    prob = pulp.LpProblem(f"rota_{'gaps' if elastic else 'duties'}", pulp.LpMinimize)
    x, z = {}, {}
    for i, s in enumerate(task.staff):
        for w in range(n):
            z[i, w] = prob.add_variable(f"z_{i}_{w}", 0, 1, pulp.LpBinary)
            for d in range(2):
                if s.sessions[d] > 0:
                    x[i, w, d] = prob.add_variable(f"x_{i}_{w}_{d}", 0, 1, pulp.LpBinary)
    return RotaProgram(prob, x, z, elastic=elastic)


def rule_weekend_worked(p: RotaProgram, i: int, w: int) -> None:
    """Radiologist ``i`` works weekend ``w`` exactly when on duty on one of its days."""
    days = [p.x[i, w, d] for d in range(2) if (i, w, d) in p.x]
    for v in days:
        p.problem += p.z[i, w] >= v
    p.problem += p.z[i, w] <= pulp.lpSum(days)


def rule_one_weekend_in_k(p: RotaProgram, task: Task, i: int) -> None:
    """Radiologist ``i`` works at most one weekend in any ``one_in`` consecutive weekends."""
    n, k = task.rules.weeks, task.rules.one_in
    for w0 in range(max(1, n - k + 1)):
        p.problem += pulp.lpSum(p.z[i, w] for w in range(w0, min(n, w0 + k))) <= 1


def rule_interchangeable_order(p: RotaProgram, task: Task) -> None:
    """Symmetry: radiologists of one trust with the same weekend sessions and the same required
    subspecialties are interchangeable, so order them by weekends worked (valid for every rota)."""
    n = task.rules.weeks
    classes: dict[tuple, list[int]] = {}
    for i, s in enumerate(task.staff):
        key = (s.trust, s.sessions, tuple(x for x in task.rules.weekend_subspecialties if x in s.subspecialties))
        classes.setdefault(key, []).append(i)
    for group in classes.values():
        for a, b in zip(group, group[1:]):
            p.problem += pulp.lpSum(p.z[a, w] for w in range(n)) >= pulp.lpSum(p.z[b, w] for w in range(n))


def rule_weekend_subspecialties(p: RotaProgram, task: Task, w: int, d: int) -> None:
    """Every required weekend subspecialty has a session on day ``d`` of weekend ``w`` (the gaps
    program may buy one extra session of it)."""
    staff = task.staff
    for sub in task.rules.weekend_subspecialties:
        cover = pulp.lpSum(p.x[i, w, d] for i, s in enumerate(staff) if (i, w, d) in p.x and sub in s.subspecialties)
        if p.elastic:
            p.extra_sub[sub, w, d] = p.problem.add_variable(f"f_{len(p.extra_sub)}", 0, 1, pulp.LpBinary)
            cover = cover + p.extra_sub[sub, w, d]
        p.problem += cover >= 1


def rule_weekend_demand(p: RotaProgram, task: Task, w: int, d: int, need: float) -> None:
    """Sessions on day ``d`` of weekend ``w`` meet ``need`` (ratio x pooled demand / reports per
    session); the gaps program may buy extra sessions."""
    staff = task.staff
    given = pulp.lpSum(staff[i].sessions[d] * p.x[i, w, d] for i in range(len(staff)) if (i, w, d) in p.x)
    if p.elastic:
        p.extra[w, d] = p.problem.add_variable(f"e_{w}_{d}", 0, None, pulp.LpInteger)
        subs = [p.extra_sub[sub, w, d] for sub in task.rules.weekend_subspecialties]
        given = given + p.extra[w, d] + pulp.lpSum(subs)
    if need > EPS:
        p.problem += given >= need - EPS


def rule_trust_share(p: RotaProgram, task: Task) -> None:
    """Each member's share of the weekend sessions is within ``tolerance`` of its share of the
    weekend demand (the gaps program may exceed it at a cost)."""
    shares = demand_shares(task) if len(task.members) > 1 else None
    if shares is None:
        return
    staff, tolerance = task.staff, task.rules.tolerance
    sessions = {m: pulp.lpSum(staff[i].sessions[d] * v for (i, w, d), v in p.x.items() if staff[i].trust == m)
                for m in task.members}
    total = pulp.lpSum(sessions.values())
    for m in task.members:
        up = sessions[m] - shares[m] * total - tolerance * total
        down = shares[m] * total - sessions[m] - tolerance * total
        if p.elastic:
            p.over[m] = p.problem.add_variable(f"u_{len(p.over)}", 0)
            p.under[m] = p.problem.add_variable(f"v_{len(p.under)}", 0)
            up, down = up - p.over[m], down - p.under[m]
        p.problem += up <= 0
        p.problem += down <= 0


def _rules(p: RotaProgram, task: Task) -> None:
    """Every rule of the rota, in the order the program holds them."""
    n = task.rules.weeks
    for i in range(len(task.staff)):
        for w in range(n):
            rule_weekend_worked(p, i, w)
        rule_one_weekend_in_k(p, task, i)
    rule_interchangeable_order(p, task)
    need = need_sessions(task)
    for w in range(n):
        for d in range(2):
            rule_weekend_subspecialties(p, task, w, d)
            rule_weekend_demand(p, task, w, d, need[d])
    rule_trust_share(p, task)


def build_duties_model(task: Task) -> RotaProgram:
    """The rota program: every rule hard; minimise the most weekends anyone works, then the
    person-weekends (stage 2, in :func:`consortia.rota.roster.roster`, raises the fewest)."""
    p = _variables(task, elastic=False)
    _rules(p, task)
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
    p = _variables(task, elastic=True)
    _rules(p, task)
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
