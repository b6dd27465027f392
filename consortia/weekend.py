"""Weekend cover that a rota can staff: the rules of a weekend rota, and whether one exists.

A roster's ``sat`` / ``sun`` value is the number of reporting sessions that radiologist gives on
that day *when on weekend duty*. A radiologist is on duty at most one weekend in any
``rota.one_in`` consecutive weekends (working both days of a weekend is one weekend), so a
consortium's weekend capacity is what its rota can staff, not the sum of everyone's weekend
sessions. A consortium (or a standalone trust) is *rosterable* when a rota of ``rota.weeks``
consecutive weekends exists in which, on every weekend day,

* sessions x ``cover.reports_per_session`` >= ``cover.min_ratio`` x the members' demand
  (:func:`rule_weekend_demand`);
* every subspecialty of ``cover.weekend_subspecialties`` has a radiologist on duty
  (:func:`rule_weekend_subspecialties`);
* a radiologist works only on a day their roster gives sessions for, the whole of that day's
  sessions (:func:`rule_duty_days`), at most one weekend in ``one_in``
  (:func:`rule_one_weekend_in_k`);
* each trust's share of the consortium's weekend sessions is within ``rota.tolerance`` of its
  share of the weekend demand (:func:`rule_trust_share`).

These rules are the one statement of the weekend rota: the plan's models accept a consortium
only if :func:`rota_exists` says so, and the rota of ``consortia rota`` adds its fairness
objective (or, to diagnose a shortage, slack variables) to the same program.

:func:`rota_exists` decides in three steps: counting (:func:`counting_shortfalls`, necessary:
in any ``min(weeks, one_in)`` consecutive weekends nobody works twice, so those weekends'
sessions on a day are at most everyone's roster sessions that day), then a periodic rota
(:func:`periodic_rota`, sufficient: ``one_in`` groups, group ``g`` on duty on weekends
``g, g + one_in, ...``), and only when both are silent the integer program itself.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulp

from .scenario import DAYS, Scenario

if TYPE_CHECKING:
    from .inputs import Instance

__all__ = ["WEEKEND_DAYS", "WeekendRules", "Staff", "RotaProgram", "weekend_staff", "weekend_demand",
           "need_sessions", "demand_shares", "counting_shortfalls", "periodic_rota", "build_rota_program",
           "rota_exists", "required_pairs", "holder_counts", "duty_window", "Rosterability"]

WEEKEND_DAYS = ("sat", "sun")
EPS = 1e-6
SAT, SUN = DAYS.index("sat"), DAYS.index("sun")


@dataclass(frozen=True)
class WeekendRules:
    """Every setting a weekend rota is built under: the scenario's ``rota`` and ``cover`` keys."""

    weeks: int
    one_in: int
    tolerance: float
    reports_per_session: float
    min_ratio: float
    weekend_subspecialties: tuple[str, ...]

    @classmethod
    def of(cls, scenario: Scenario) -> WeekendRules:
        r, c = scenario.rota, scenario.cover
        return cls(r.weeks, r.one_in, float(r.tolerance), float(c.reports_per_session), float(c.min_ratio),
                   tuple(dict.fromkeys(c.weekend_subspecialties)))

    @property
    def window(self) -> int:
        """Weekends in which nobody can be on duty twice: ``min(weeks, one_in)``."""
        return min(self.weeks, self.one_in)


@dataclass(frozen=True)
class Staff:
    """A radiologist with weekend availability: sessions given on (sat, sun) when on duty."""

    trust: str
    radiologist: str
    subspecialties: tuple[str, ...]
    sessions: tuple[float, float]


def weekend_staff(instance: Instance, members) -> tuple[Staff, ...]:
    """The radiologists of ``members`` with weekend sessions, by trust (in ``members`` order) and name."""
    inside = list(dict.fromkeys(members))
    by_trust: dict[str, list[Staff]] = {m: [] for m in inside}
    for r in instance.radiologists:
        if r.trust in by_trust and (r.sessions[SAT] > 0 or r.sessions[SUN] > 0):
            by_trust[r.trust].append(Staff(r.trust, r.radiologist, tuple(sorted(r.subspecialties)),
                                           (r.sessions[SAT], r.sessions[SUN])))
    return tuple(s for m in inside for s in sorted(by_trust[m], key=lambda s: s.radiologist))


def weekend_demand(instance: Instance, members) -> dict[str, tuple[float, float]]:
    """Each member's reports needed on (sat, sun)."""
    return {m: (instance.demand[m][SAT], instance.demand[m][SUN]) for m in members}


def need_sessions(demand: dict[str, tuple[float, float]], rules: WeekendRules) -> tuple[float, float]:
    """Sessions needed on (sat, sun) of every weekend: min_ratio x pooled demand / reports per session."""
    return tuple(rules.min_ratio * sum(v[d] for v in demand.values()) / rules.reports_per_session
                 for d in range(2))


def demand_shares(demand: dict[str, tuple[float, float]]) -> dict[str, float] | None:
    """Each member's share of the consortium's weekend (sat + sun) demand; None without demand."""
    total = sum(sum(v) for v in demand.values())
    if total <= 0:
        return None
    return {m: sum(v) / total for m, v in demand.items()}


def counting_shortfalls(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules) -> list[dict]:
    """What counting alone shows a rota cannot give (empty when counting finds nothing).

    In any ``window`` consecutive weekends each radiologist works at most once, so on a day the
    rota needs ``window`` x the sessions of one weekend from everyone's roster sessions that day,
    and ``window`` different holders of each required subspecialty.
    """
    window = rules.window
    need = need_sessions(demand, rules)
    found = []
    for d, day in enumerate(WEEKEND_DAYS):
        have = math.fsum(s.sessions[d] for s in staff)
        if need[d] * window > have + EPS:
            found.append({"day": day, "kind": "sessions", "need": need[d], "have": have,
                          "people": sum(1 for s in staff if s.sessions[d] > 0), "window": window})
        for sub in rules.weekend_subspecialties:
            count = sum(1 for s in staff if s.sessions[d] > 0 and sub in s.subspecialties)
            if count < window:
                found.append({"day": day, "kind": "subspecialty", "subspecialty": sub, "have": count,
                              "window": window})
    return found


def periodic_rota(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules) -> list[int] | None:
    """A rota that repeats every ``one_in`` weekends, as the group of each radiologist (-1 =
    never on duty), or None when this quick construction finds none (one may still exist).

    A radiologist in group ``g`` works both rostered days of weekends ``g``, ``g + one_in``, ...
    Groups are filled where they are shortest, each time with a radiologist of the trust that has
    given least for its share of the demand (required subspecialty holders first); then, while a
    trust gives less than its share allows, its spare radiologists take extra duties. The result
    keeps every rule, the trust share included (checked here).
    """
    groups = rules.window
    need = need_sessions(demand, rules)
    shares = demand_shares(demand) if len(demand) > 1 else None
    weekends = [len(range(g, rules.weeks, rules.one_in)) for g in range(groups)]
    given = [[0.0, 0.0] for _ in range(groups)]
    has: list[set] = [set() for _ in range(groups)]
    gave = {m: 0.0 for m in demand}
    group = [-1] * len(staff)

    order: dict[str, list[int]] = {}
    for i in sorted(range(len(staff)), key=lambda i: (-sum(staff[i].sessions), i)):
        order.setdefault(staff[i].trust, []).append(i)

    def pick(ok) -> int | None:
        """The free radiologist passing ``ok`` of the trust that has given least for its share,
        its largest first."""
        best = None
        for trust, members in order.items():
            i = next((i for i in members if group[i] < 0 and ok(i)), None)
            if i is None:
                continue
            share = shares.get(trust, 0.0) if shares else 0.0
            key = (gave.get(trust, 0.0) / share if share > 0 else 0.0), -sum(staff[i].sessions), i
            if best is None or key < best[0]:
                best = (key, i)
        return None if best is None else best[1]

    def join(i: int, g: int) -> None:
        group[i] = g
        gave[staff[i].trust] += weekends[g] * sum(staff[i].sessions)
        for d in range(2):
            if staff[i].sessions[d] > 0:
                given[g][d] += staff[i].sessions[d]
                has[g].update((sub, d) for sub in staff[i].subspecialties)

    for sub in rules.weekend_subspecialties:
        for d in range(2):
            for g in range(groups):
                if (sub, d) not in has[g]:
                    holder = pick(lambda i, d=d, sub=sub: staff[i].sessions[d] > 0 and sub in staff[i].subspecialties)
                    if holder is None:
                        return None
                    join(holder, g)
    while True:
        amount, g, d = max(((need[d] - given[g][d], g, d) for g in range(groups) for d in range(2)),
                           key=lambda x: (x[0], -x[1], -x[2]))
        if amount <= EPS:
            break
        i = pick(lambda i, d=d: staff[i].sessions[d] > 0)
        if i is None:
            return None
        join(i, g)
    while shares is not None and not _shares_kept(staff, demand, rules, group):
        total = sum(gave.values())
        under = {m for m in demand if total > 0 and gave[m] / total < shares[m] - rules.tolerance - EPS}
        i = pick(lambda i, under=under: staff[i].trust in under)
        if i is None:
            return None
        join(i, min(range(groups), key=lambda g: (given[g][0] + given[g][1], g)))
    return group


def _shares_kept(staff, demand, rules: WeekendRules, group: list[int]) -> bool:
    """Whether a periodic rota (the group of each radiologist) keeps the trust-share rule over ``weeks``."""
    shares = demand_shares(demand)
    if shares is None or len(demand) == 1:
        return True
    sessions = {m: 0.0 for m in demand}
    for i, g in enumerate(group):
        if g >= 0:
            sessions[staff[i].trust] += len(range(g, rules.weeks, rules.one_in)) * sum(staff[i].sessions)
    total = sum(sessions.values())
    if total <= 0:
        return False
    return all(abs(sessions[m] / total - shares[m]) <= rules.tolerance + EPS for m in demand)


@dataclass
class RotaProgram:
    """A weekend rota as an integer program: ``x[i, w, d]`` radiologist ``i`` works day ``d`` of
    weekend ``w``; ``z[i, w]`` they are on duty that weekend. With ``elastic``, ``extra[w, d]``
    hypothetical sessions, ``extra_sub[sub, w, d]`` hypothetical subspecialists and
    ``over``/``under`` slack in the trust share make every consortium rosterable."""

    problem: pulp.LpProblem
    staff: tuple[Staff, ...]
    demand: dict[str, tuple[float, float]]
    rules: WeekendRules
    elastic: bool
    x: dict = dataclasses.field(default_factory=dict)
    z: dict = dataclasses.field(default_factory=dict)
    extra: dict = dataclasses.field(default_factory=dict)
    extra_sub: dict = dataclasses.field(default_factory=dict)
    over: dict = dataclasses.field(default_factory=dict)
    under: dict = dataclasses.field(default_factory=dict)


def build_rota_program(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules, *,
                       elastic: bool = False, name: str = "rota", program: type[RotaProgram] = RotaProgram
                       ) -> RotaProgram:
    """The rota's variables and rules, as a ``program`` (a :class:`RotaProgram` or a subclass
    that adds the variables of an objective); no objective: callers add theirs."""
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    program = program(problem, tuple(staff), dict(demand), rules, elastic)
    for i, s in enumerate(program.staff):
        for w in range(rules.weeks):
            program.z[i, w] = problem.add_variable(f"z_{i}_{w}", 0, 1, pulp.LpBinary)
            for d in range(2):
                if s.sessions[d] > 0:
                    program.x[i, w, d] = problem.add_variable(f"x_{i}_{w}_{d}", 0, 1, pulp.LpBinary)
    rule_duty_days(program)
    rule_one_weekend_in_k(program)
    rule_interchangeable_staff(program)
    rule_weekend_subspecialties(program)
    rule_weekend_demand(program)
    rule_trust_share(program)
    return program


def rule_duty_days(p: RotaProgram) -> None:
    """On duty a weekend means working at least one of its days, and only days the roster gives
    sessions for (the variables ``x`` exist only for those)."""
    for i in range(len(p.staff)):
        for w in range(p.rules.weeks):
            days = [p.x[i, w, d] for d in range(2) if (i, w, d) in p.x]
            for v in days:
                p.problem += p.z[i, w] >= v
            p.problem += p.z[i, w] <= pulp.lpSum(days)


def rule_one_weekend_in_k(p: RotaProgram) -> None:
    """At most one weekend on duty in any ``one_in`` consecutive weekends."""
    n, k = p.rules.weeks, p.rules.one_in
    for i in range(len(p.staff)):
        for w0 in range(max(1, n - k + 1)):
            p.problem += pulp.lpSum(p.z[i, w] for w in range(w0, min(n, w0 + k))) <= 1


def rule_interchangeable_staff(p: RotaProgram) -> None:
    """Symmetry: radiologists of one trust with the same weekend sessions and required
    subspecialties are interchangeable, so they are ordered by weekends worked (valid for every rota)."""
    classes: dict[tuple, list[int]] = {}
    for i, s in enumerate(p.staff):
        key = (s.trust, s.sessions, tuple(x for x in p.rules.weekend_subspecialties if x in s.subspecialties))
        classes.setdefault(key, []).append(i)
    n = p.rules.weeks
    for group in classes.values():
        for a, b in zip(group, group[1:]):
            p.problem += pulp.lpSum(p.z[a, w] for w in range(n)) >= pulp.lpSum(p.z[b, w] for w in range(n))


def rule_weekend_subspecialties(p: RotaProgram) -> None:
    """Every required subspecialty has a radiologist on duty every weekend day."""
    for w in range(p.rules.weeks):
        for d in range(2):
            for sub in p.rules.weekend_subspecialties:
                cover = pulp.lpSum(p.x[i, w, d] for i, s in enumerate(p.staff)
                                   if (i, w, d) in p.x and sub in s.subspecialties)
                if p.elastic:
                    p.extra_sub[sub, w, d] = p.problem.add_variable(f"f_{len(p.extra_sub)}", 0, 1, pulp.LpBinary)
                    cover = cover + p.extra_sub[sub, w, d]
                p.problem += cover >= 1


def rule_weekend_demand(p: RotaProgram) -> None:
    """Every weekend day, sessions x reports per session >= min_ratio x the members' demand (an
    elastic program's hypothetical subspecialists give one session each)."""
    need = need_sessions(p.demand, p.rules)
    for w in range(p.rules.weeks):
        for d in range(2):
            given = pulp.lpSum(p.staff[i].sessions[d] * v for (i, ww, dd), v in p.x.items() if (ww, dd) == (w, d))
            if p.elastic:
                p.extra[w, d] = p.problem.add_variable(f"e_{w}_{d}", 0, None, pulp.LpInteger)
                given = given + p.extra[w, d] + pulp.lpSum(v for (sub, ww, dd), v in p.extra_sub.items()
                                                           if (ww, dd) == (w, d))
            if need[d] > EPS:
                p.problem += given >= need[d] - EPS


def rule_trust_share(p: RotaProgram) -> None:
    """Each trust's share of the consortium's weekend sessions is within ``tolerance`` of its share
    of the weekend demand (consortia of two or more with some demand)."""
    shares = demand_shares(p.demand)
    if shares is None or len(p.demand) < 2:
        return
    sessions = {m: pulp.lpSum(p.staff[i].sessions[d] * v for (i, w, d), v in p.x.items() if p.staff[i].trust == m)
                for m in p.demand}
    total = pulp.lpSum(sessions.values())
    for m in p.demand:
        up = sessions[m] - shares[m] * total - p.rules.tolerance * total
        down = shares[m] * total - sessions[m] - p.rules.tolerance * total
        if p.elastic:
            p.over[m] = p.problem.add_variable(f"u_{len(p.over)}", 0)
            p.under[m] = p.problem.add_variable(f"v_{len(p.under)}", 0)
            up, down = up - p.over[m], down - p.under[m]
        p.problem += up <= 0
        p.problem += down <= 0


def rota_exists(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules,
                time_limit: float = 60.0, threads: int | None = None) -> bool | None:
    """Whether a rota exists (None when the integer program could not decide within ``time_limit``).

    The integer program runs on HiGHS with ``threads`` (the plan's ``solver.threads``) and keeps
    HiGHS's thread pool as it is, so it can run between the steps of a solve in this process.
    """
    import highspy

    if counting_shortfalls(staff, demand, rules):
        return False
    if periodic_rota(staff, demand, rules) is not None:
        return True
    program = build_rota_program(staff, demand, rules, name="rota_exists")
    program.problem += pulp.LpAffineExpression()  # any rota will do: the solver stops at the first
    options = {"msg": False, "timeLimit": time_limit, "gapRel": 0.0}
    if threads:
        options["threads"] = threads
    program.problem.solve(pulp.HiGHS(**options))
    status = program.problem.solverModel.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return False
    if program.problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return True
    return None


def required_pairs(scenario: Scenario) -> list[tuple[str, str]]:
    """Every (subspecialty, day) the weekend subspecialty rule requires, in a fixed order."""
    return [(s, day) for s in scenario.cover.weekend_subspecialties for day in WEEKEND_DAYS]


def holder_counts(instance: Instance, scenario: Scenario) -> dict[str, dict[tuple[str, str], int]]:
    """Per trust, its radiologists with sessions that day for each required (subspecialty, day)
    of :func:`required_pairs` (pairs without one left out)."""
    pairs = required_pairs(scenario)
    counts: dict[str, dict[tuple[str, str], int]] = {t.code: {} for t in instance.trusts}
    for r in instance.radiologists:
        for s, day in pairs:
            if s in r.subspecialties and r.sessions[DAYS.index(day)] > 0:
                counts[r.trust][s, day] = counts[r.trust].get((s, day), 0) + 1
    return counts


def duty_window(scenario: Scenario) -> int:
    """How many weekends' worth of sessions a weekend day's rota needs from the roster: 1 when
    no rota is required, else ``min(rota.weeks, rota.one_in)``."""
    return min(scenario.rota.weeks, scenario.rota.one_in) if scenario.rota.required else 1


class Rosterability:
    """Whether consortia of an instance are rosterable under one set of rules, remembered per
    member set (the answer does not depend on the go-live). Each set's integer program gets
    ``time_limit`` seconds, and none past ``deadline`` (a ``time.perf_counter()`` instant, the
    end of the solve it serves): a set not decided by then is undecided (None)."""

    def __init__(self, instance: Instance, rules: WeekendRules, time_limit: float = 60.0, threads: int | None = None,
                 deadline: float | None = None):
        self.instance = instance
        self.rules = rules
        self.time_limit = time_limit
        self.threads = threads
        self.deadline = deadline
        self._known: dict[frozenset[str], bool | None] = {}
        self._staff: dict[str, list[Staff]] | None = None

    def __call__(self, members) -> bool | None:
        key = frozenset(members)
        if key not in self._known:
            ordered = sorted(key)
            if self._staff is None:
                self._staff = {}
                for s in weekend_staff(self.instance, self.instance.codes):
                    self._staff.setdefault(s.trust, []).append(s)
            staff = [s for m in ordered for s in self._staff.get(m, [])]
            limit = self.time_limit if self.deadline is None else min(self.time_limit,
                                                                       self.deadline - time.perf_counter())
            self._known[key] = rota_exists(staff, weekend_demand(self.instance, ordered), self.rules,
                                           max(0.01, limit), self.threads)
        return self._known[key]

    @property
    def checked(self) -> int:
        """How many member sets were checked."""
        return len(self._known)

    @property
    def undecided(self) -> int:
        """How many member sets the integer program could not decide within the time limit."""
        return sum(1 for v in self._known.values() if v is None)
