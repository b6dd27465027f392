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

:func:`rota_exists` decides in five steps: counting (:func:`counting_shortfalls`, necessary:
in any ``min(weeks, one_in)`` consecutive weekends nobody works twice, so those weekends'
sessions on a day are at most everyone's roster sessions that day), the trust share by counting
(:func:`share_shortfalls`, necessary), then a periodic rota (:func:`periodic_rota`, sufficient:
``one_in`` groups, group ``g`` on duty on weekends ``g, g + one_in, ...``), the pooled program
(:func:`pooled_shortfall`, necessary: alike radiologists counted together over all ``weeks``), and
only when all are silent the integer program of :func:`build_rota_program` over classes of alike
radiologists (:func:`rota_by_classes`, exact: each class one entry with its size, a radiologist
alone being a class of one, so the same ``rule_*`` functions state both programs).
"""

from __future__ import annotations

import dataclasses
import math
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pulp

from .scenario import DAYS, Scenario

if TYPE_CHECKING:
    from .inputs import Instance

__all__ = ["WEEKEND_DAYS", "WeekendRules", "Staff", "RotaProgram", "weekend_staff", "weekend_demand",
           "need_sessions", "demand_shares", "counting_shortfalls", "most_weekends", "share_shortfalls",
           "least_day_sessions", "pooled_shortfall", "periodic_rota", "build_rota_program",
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


def most_weekends(rules: WeekendRules) -> int:
    """The most weekends of ``weeks`` one radiologist can be on duty: ``ceil(weeks / one_in)``."""
    return -(-rules.weeks // rules.one_in)


def share_shortfalls(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules) -> list[dict]:
    """What the trust-share rule (:func:`rule_trust_share`) shows a rota cannot give, by counting
    (empty when counting finds nothing; necessary, like :func:`counting_shortfalls`).

    Over the ``weeks`` of the rota, trust ``m`` can give at most ``cap[m]``, its radiologists'
    sessions of one weekend times :func:`most_weekends`, and the rota gives ``T`` >= ``weeks`` x
    the sessions needed per weekend (:func:`rule_weekend_demand`). The rule asks
    ``(share[m] - tolerance) T <= S[m] <= (share[m] + tolerance) T`` with ``T`` the sum of the
    ``S[m]``: each trust's least share must fit its ``cap`` (``T <= cap[m] / (share[m] -
    tolerance)``), and the totals the shares allow, ``sum of min(cap[m], (share[m] + tolerance) T)
    >= T``, hold only up to some ``T_max``; a rota needs its ``T`` within both.
    """
    shares = demand_shares(demand)
    if shares is None or len(demand) < 2:
        return []
    need = need_sessions(demand, rules)
    least = rules.weeks * math.fsum(max(0.0, n - EPS) for n in need if n > EPS)
    if least <= 0:
        return []
    most = most_weekends(rules)
    cap = {m: 0.0 for m in demand}
    for s in staff:
        if s.trust in cap:
            cap[s.trust] += most * (s.sessions[0] + s.sessions[1])
    slack = 1e-9 * max(1.0, least)
    found = []
    for m in demand:
        low = shares[m] - rules.tolerance
        if low > 0 and cap[m] < low * least - slack:
            found.append({"kind": "share", "trust": m, "side": "low", "need": low * least, "have": cap[m]})
    if found:
        return found
    high = {m: shares[m] + rules.tolerance for m in demand}
    if all(h >= 1 for h in high.values()):
        return found
    total = _largest_total(cap, high)
    if total < least - slack:
        found.append({"kind": "share", "side": "high", "need": least, "have": total})
    return found


def _largest_total(cap: dict[str, float], high: dict[str, float]) -> float:
    """The largest ``T`` with ``sum of min(cap[m], high[m] T) >= T``: a concave function of ``T``
    minus ``T``, zero at 0 and linear between the breakpoints ``cap[m] / high[m]``."""
    def surplus(t: float) -> float:
        return math.fsum(min(c, high[m] * t) for m, c in cap.items()) - t

    points = sorted({c / high[m] for m, c in cap.items() if high[m] > 0} | {0.0})
    best = 0.0
    for a, b in zip(points, points[1:] + [math.inf]):
        if b == math.inf:
            # beyond the last breakpoint every term is at its cap: the sum of caps
            slope_end = math.fsum(cap.values())
            return max(best, slope_end) if surplus(a) >= 0 else best
        if surplus(b) >= 0:
            best = b
            continue
        sa, sb = surplus(a), surplus(b)
        return a + (b - a) * sa / (sa - sb) if sa > 0 else a
    return best


def least_day_sessions(staff, need: float, d: int) -> float:
    """The fewest sessions one weekend day ``d`` can have that meet ``need`` (:func:`rule_weekend_demand`):
    a sum of whole roster sessions, so ``need`` rounded up to a multiple of their greatest common
    divisor when they are whole numbers; 0 when the day needs none."""
    if need <= EPS:
        return 0.0
    values = {s.sessions[d] for s in staff if s.sessions[d] > 0}
    floor = need - EPS
    if values and all(float(v).is_integer() for v in values):
        g = math.gcd(*(int(v) for v in values))
        return g * math.ceil(floor / g - 1e-9)
    return floor


def pooled_shortfall(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules,
                     threads: int | None = None) -> bool:
    """Whether the rota's rules, pooled over its ``weeks``, already have no solution (necessary,
    like :func:`counting_shortfalls`, and stronger: a small integer program).

    Radiologists alike (trust, sessions, required subspecialties) are counted together: ``a[c, d]``
    is how many duty days on day ``d`` class ``c`` works over the ``weeks``, at most
    :func:`most_weekends` per radiologist. Every weekend day gives at least
    :func:`least_day_sessions`, so a day's total is at least ``weeks`` times that
    (:func:`rule_weekend_demand`); each required subspecialty holds at least ``weeks`` duty days a
    day (:func:`rule_weekend_subspecialties`); and each trust's total keeps
    :func:`rule_trust_share`. Every rota gives such counts, so no counts means no rota.
    """
    import highspy

    shares = demand_shares(demand) if len(demand) > 1 else None
    need = need_sessions(demand, rules)
    least = [least_day_sessions(staff, need[d], d) for d in range(2)]
    classes = staff_classes(staff, rules)
    most = most_weekends(rules)
    cols = [(key, d) for key in classes for d in range(2) if key[1][d] > 0]
    if not cols:
        return any(n > 0 for n in least) or bool(rules.weekend_subspecialties)
    rows: list[tuple[float, float, list[int], list[float]]] = []
    inf = highspy.kHighsInf
    for d in range(2):
        if least[d] > 0:
            k = [j for j, (key, dd) in enumerate(cols) if dd == d]
            rows.append((rules.weeks * least[d] - 1e-6 * max(1.0, rules.weeks * least[d]), inf, k,
                         [cols[j][0][1][d] for j in k]))
        for sub in rules.weekend_subspecialties:
            k = [j for j, (key, dd) in enumerate(cols) if dd == d and sub in key[2]]
            rows.append((rules.weeks, inf, k, [1.0] * len(k)))
    if shares is not None:
        total = [key[1][d] for key, d in cols]
        slack = 1e-6 * max(1.0, rules.weeks * sum(least))
        for m in demand:
            mine = [key[1][d] if key[0] == m else 0.0 for key, d in cols]
            up = [a - (shares[m] + rules.tolerance) * b for a, b in zip(mine, total)]
            down = [(shares[m] - rules.tolerance) * b - a for a, b in zip(mine, total)]
            rows.append((-inf, slack, list(range(len(cols))), up))
            rows.append((-inf, slack, list(range(len(cols))), down))
    upper = [float(most * classes[key]) for key, _ in cols]
    return _highs_feasible(upper, rows, 5.0, threads) is False


def _highs_feasible(upper: list[float], rows, time_limit: float, threads: int | None) -> bool | None:
    """Whether integers ``0 <= v[j] <= upper[j]`` keep every row ``(lower, upper, columns,
    coefficients)`` (None when HiGHS could not decide within ``time_limit``); HiGHS's thread pool
    is kept as it is."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", float(time_limit))
    if threads:
        h.setOptionValue("threads", threads)
    n = len(upper)
    h.addCols(n, np.zeros(n), np.zeros(n), np.array(upper, dtype=float), 0, np.zeros(n, dtype=np.int32),
              np.array([], dtype=np.int32), np.array([]))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    starts, index, value = [], [], []
    for _, _, k, v in rows:
        starts.append(len(index))
        index.extend(k)
        value.extend(v)
    if rows:
        h.addRows(len(rows), np.array([r[0] for r in rows], dtype=float), np.array([r[1] for r in rows], dtype=float),
                  len(index), np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32),
                  np.array(value, dtype=float))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kSolveError:
        # HiGHS 1.16's presolve can settle a model whose postsolved plan then breaks a constraint,
        # reported as a solve error (see consortia.solver): solve the model itself
        h.setOptionValue("presolve", "off")
        h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return False
    if h.getInfo().primal_solution_status != 0:
        return True
    return None


def alike_key(s: Staff, rules: WeekendRules) -> tuple:
    """What the rota's rules read of a radiologist: (trust, sessions, required subspecialties
    held). Radiologists with one key are interchangeable in every rota."""
    return s.trust, s.sessions, tuple(x for x in rules.weekend_subspecialties if x in s.subspecialties)


def staff_classes(staff, rules: WeekendRules) -> dict[tuple, int]:
    """Radiologists alike for every rule of the rota (:func:`alike_key`), counted: key -> how many."""
    classes: dict[tuple, int] = {}
    for s in staff:
        key = alike_key(s, rules)
        classes[key] = classes.get(key, 0) + 1
    return classes


def rota_by_classes(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules,
                    time_limit: float = 60.0, threads: int | None = None) -> bool | None:
    """Whether a rota exists, decided by the rota's program (:func:`build_rota_program`) over
    classes of alike radiologists (:func:`staff_classes`) instead of one by one (None when HiGHS
    could not decide within ``time_limit``). Exact, and far smaller and less symmetric than the
    program of radiologists.

    Each class is one entry of the program with its size: ``z[c, w]`` of its radiologists are
    on duty weekend ``w``, ``x[c, w, d]`` of them work day ``d``, and the same rules hold the
    counts. Counts that keep them give a rota: going through the weekends in order, the class's
    radiologists on duty in the ``one_in - 1`` weekends before are at most its size less this
    weekend's count (:func:`rule_one_weekend_in_k`), so enough of them are free, and alike
    radiologists are interchangeable. When ``weeks <= one_in`` the weekends are interchangeable
    too (:func:`rule_interchangeable_weekends`).
    """
    classes = staff_classes(staff, rules)
    first: dict[tuple, Staff] = {}
    for s in staff:
        first.setdefault(alike_key(s, rules), s)
    p = build_rota_program([first[key] for key in classes], demand, rules, size=list(classes.values()),
                           name="rota_classes")
    if rules.weeks <= rules.one_in:
        rule_interchangeable_weekends(p)
    return _highs_program_feasible(p.problem, time_limit, threads)


def _highs_program_feasible(problem: pulp.LpProblem, time_limit: float, threads: int | None) -> bool | None:
    """Whether ``problem``'s constraints have an integer solution, decided by HiGHS directly
    (:func:`_highs_feasible`, which keeps HiGHS's thread pool as it is); None when undecided."""
    constraints = problem.constraints()
    columns = list({v.name: v for c in constraints for v in c.keys()}.values())
    index = {v.name: j for j, v in enumerate(columns)}
    if any(v.lowBound != 0 or v.upBound is None or v.cat != pulp.LpInteger for v in columns):
        raise ValueError("a rota program over bounded integers from 0 was expected")
    rows = []
    for c in constraints:
        lower, upper = c.getLb(), c.getUb()
        lower, upper = -math.inf if lower is None else lower, math.inf if upper is None else upper
        items = list(c.items())
        if not items:
            if lower > 0 or upper < 0:
                return False
            continue
        rows.append((lower, upper, [index[v.name] for v, _ in items], [float(a) for _, a in items]))
    if not columns:
        return True
    return _highs_feasible([float(v.upBound) for v in columns], rows, time_limit, threads)


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

    size = [staff[i].sessions[0] + staff[i].sessions[1] for i in range(len(staff))]
    order: dict[str, list[int]] = {}
    for i in sorted(range(len(staff)), key=lambda i: (-sum(staff[i].sessions), i)):
        order.setdefault(staff[i].trust, []).append(i)

    candidates: dict[tuple, list[int]] = {}
    skipped: dict[tuple, int] = {}

    def first_free(kind: tuple, trust: str, ok) -> int | None:
        """The first free radiologist of ``trust`` passing ``ok`` (``kind`` names ``ok``), largest
        first; a radiologist once placed stays placed, so the search resumes where it stopped."""
        key = (kind, trust)
        found = candidates.get(key)
        if found is None:
            found = candidates[key] = [i for i in order[trust] if ok(i)]
        k = skipped.get(key, 0)
        while k < len(found) and group[found[k]] >= 0:
            k += 1
        skipped[key] = k
        return found[k] if k < len(found) else None

    def pick(kind: tuple, ok, trusts=None) -> int | None:
        """The free radiologist passing ``ok`` (of one of ``trusts``, when given) of the trust that
        has given least for its share, its largest first."""
        best = None
        for trust in order:
            i = first_free(kind, trust, ok) if trusts is None or trust in trusts else None
            if i is None:
                continue
            share = shares.get(trust, 0.0) if shares else 0.0
            key = (gave.get(trust, 0.0) / share if share > 0 else 0.0), -size[i], i
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
                    holder = pick(("holder", sub, d),
                                  lambda i, d=d, sub=sub: staff[i].sessions[d] > 0 and sub in staff[i].subspecialties)
                    if holder is None:
                        return None
                    join(holder, g)
    while True:
        # the group and day most short (the first of them on a tie)
        amount, g, d = need[0] - given[0][0], 0, 0
        for gg in range(groups):
            for dd in range(2):
                short = need[dd] - given[gg][dd]
                if short > amount:
                    amount, g, d = short, gg, dd
        if amount <= EPS:
            break
        i = pick(("day", d), lambda i, d=d: staff[i].sessions[d] > 0)
        if i is None:
            return None
        join(i, g)
    while shares is not None and not _shares_kept(staff, demand, rules, group):
        total = sum(gave.values())
        under = {m for m in demand if total > 0 and gave[m] / total < shares[m] - rules.tolerance - EPS}
        i = pick(("any",), lambda i: True, under)
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
    weekend ``w``; ``z[i, w]`` they are on duty that weekend. An entry of ``staff`` may stand for
    ``size[i]`` alike radiologists (:func:`rota_by_classes`): ``x`` and ``z`` then count them (a
    radiologist alone is a class of one). With ``elastic``, ``extra[w, d]`` hypothetical sessions,
    ``extra_sub[sub, w, d]`` hypothetical subspecialists and ``over``/``under`` slack in the trust
    share make every consortium rosterable."""

    problem: pulp.LpProblem
    staff: tuple[Staff, ...]
    demand: dict[str, tuple[float, float]]
    rules: WeekendRules
    elastic: bool
    size: tuple[int, ...] = ()
    x: dict = dataclasses.field(default_factory=dict)
    z: dict = dataclasses.field(default_factory=dict)
    extra: dict = dataclasses.field(default_factory=dict)
    extra_sub: dict = dataclasses.field(default_factory=dict)
    over: dict = dataclasses.field(default_factory=dict)
    under: dict = dataclasses.field(default_factory=dict)


def build_rota_program(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules, *,
                       elastic: bool = False, name: str = "rota", program: type[RotaProgram] = RotaProgram,
                       size=None) -> RotaProgram:
    """The rota's variables and rules, as a ``program`` (a :class:`RotaProgram` or a subclass
    that adds the variables of an objective); no objective: callers add theirs. ``size``: how
    many alike radiologists each entry of ``staff`` stands for (one each when not given)."""
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    staff = tuple(staff)
    size = tuple(int(n) for n in size) if size is not None else (1,) * len(staff)
    program = program(problem, staff, dict(demand), rules, elastic, size)
    for i, s in enumerate(program.staff):
        cat = pulp.LpBinary if size[i] == 1 else pulp.LpInteger
        for w in range(rules.weeks):
            program.z[i, w] = problem.add_variable(f"z_{i}_{w}", 0, size[i], cat)
            for d in range(2):
                if s.sessions[d] > 0:
                    program.x[i, w, d] = problem.add_variable(f"x_{i}_{w}_{d}", 0, size[i], cat)
    rule_duty_days(program)
    rule_one_weekend_in_k(program)
    rule_interchangeable_staff(program)
    rule_weekend_subspecialties(program)
    rule_weekend_demand(program)
    rule_trust_share(program)
    return program


def rule_duty_days(p: RotaProgram) -> None:
    """On duty a weekend means working at least one of its days, and only days the roster gives
    sessions for (the variables ``x`` exist only for those). For a class: each day's workers are
    on duty, and those on duty are at most the workers of both days."""
    for i in range(len(p.staff)):
        for w in range(p.rules.weeks):
            days = [p.x[i, w, d] for d in range(2) if (i, w, d) in p.x]
            for v in days:
                p.problem += p.z[i, w] >= v
            p.problem += p.z[i, w] <= pulp.lpSum(days)


def rule_one_weekend_in_k(p: RotaProgram) -> None:
    """At most one weekend on duty in any ``one_in`` consecutive weekends (for a class: at most
    its size on duty in them)."""
    n, k = p.rules.weeks, p.rules.one_in
    for i in range(len(p.staff)):
        for w0 in range(max(1, n - k + 1)):
            p.problem += pulp.lpSum(p.z[i, w] for w in range(w0, min(n, w0 + k))) <= p.size[i]


def rule_interchangeable_staff(p: RotaProgram) -> None:
    """Symmetry: radiologists of one trust with the same weekend sessions and required
    subspecialties (:func:`alike_key`) are interchangeable, so they are ordered by weekends worked
    (valid for every rota; a program of classes has one entry per key and nothing to order)."""
    classes: dict[tuple, list[int]] = {}
    for i, s in enumerate(p.staff):
        classes.setdefault(alike_key(s, p.rules), []).append(i)
    n = p.rules.weeks
    for group in classes.values():
        for a, b in zip(group, group[1:]):
            p.problem += pulp.lpSum(p.z[a, w] for w in range(n)) >= pulp.lpSum(p.z[b, w] for w in range(n))


def rule_interchangeable_weekends(p: RotaProgram) -> None:
    """Symmetry: when ``weeks <= one_in`` nobody works twice, so the weekends are interchangeable
    and are ordered by their sessions (valid for every rota; the existence test adds it, the
    rota of ``consortia rota`` does not, so its weekends stay as the solver finds them)."""
    n = p.rules.weeks
    if n > p.rules.one_in:
        raise ValueError("weekends are interchangeable only when weeks <= one_in")
    given: list[list] = [[] for _ in range(n)]
    for (i, w, d), v in p.x.items():
        given[w].append((v, p.staff[i].sessions[d]))
    for w in range(n - 1):
        p.problem += pulp.LpAffineExpression(given[w] + [(v, -a) for v, a in given[w + 1]]) >= 0


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
    works: dict[tuple[int, int], list] = {}
    for (i, w, d), v in p.x.items():
        works.setdefault((w, d), []).append(p.staff[i].sessions[d] * v)
    for w in range(p.rules.weeks):
        for d in range(2):
            given = pulp.lpSum(works.get((w, d), []))
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
    tolerance = p.rules.tolerance
    duties: dict[str, list] = {m: [] for m in p.demand}  # each trust's (duty variable, its sessions)
    for (i, _, d), v in p.x.items():
        if p.staff[i].trust in duties:
            duties[p.staff[i].trust].append((v, p.staff[i].sessions[d]))
    for m in p.demand:
        # sessions[m] - (share[m] + tolerance) total <= 0 and (share[m] - tolerance) total - sessions[m]
        # <= 0, with sessions[m] the sum of trust m's duties and total of everyone's, term by term
        up = pulp.LpAffineExpression([(v, (a - shares[m] * a) - tolerance * a) for v, a in duties[m]]
                                     + [(v, -(shares[m] * a) - tolerance * a)
                                        for t in p.demand if t != m for v, a in duties[t]])
        down = pulp.LpAffineExpression([(v, (shares[m] * a - (a if t == m else 0.0)) - tolerance * a)
                                        for t in p.demand for v, a in duties[t]])
        if p.elastic:
            p.over[m] = p.problem.add_variable(f"u_{len(p.over)}", 0)
            p.under[m] = p.problem.add_variable(f"v_{len(p.under)}", 0)
            up, down = up - p.over[m], down - p.under[m]
        p.problem += up <= 0
        p.problem += down <= 0


def rota_exists(staff, demand: dict[str, tuple[float, float]], rules: WeekendRules,
                time_limit: float = 60.0, threads: int | None = None) -> bool | None:
    """Whether a rota exists (None when the integer program could not decide within ``time_limit``).

    Counting and the trust share by counting (necessary), a periodic rota (sufficient), the
    pooled program (necessary), then the integer program of :func:`rota_by_classes` (exact). The
    programs run on HiGHS with ``threads`` (the plan's ``solver.threads``) and keep HiGHS's
    thread pool as it is, so they can run between the steps of a solve in this process.
    """
    if counting_shortfalls(staff, demand, rules) or share_shortfalls(staff, demand, rules):
        return False
    if periodic_rota(staff, demand, rules) is not None:
        return True
    if pooled_shortfall(staff, demand, rules, threads):
        return False
    return rota_by_classes(staff, demand, rules, time_limit, threads)


def required_pairs(scenario: Scenario) -> list[tuple[str, str]]:
    """Every (subspecialty, day) the weekend subspecialty rule requires, in a fixed order."""
    return [(s, day) for s in scenario.cover.weekend_subspecialties for day in WEEKEND_DAYS]


def holder_counts(instance: Instance, scenario: Scenario) -> dict[str, dict[tuple[str, str], int]]:
    """Per trust, its radiologists with sessions that day for each required (subspecialty, day)
    of :func:`required_pairs` (pairs without one left out). Remembered for the last instance
    and pairs asked (a plan's description asks once per consortium); read it, do not change it."""
    pairs = tuple(required_pairs(scenario))
    last = _HELD.get("last")
    if last is not None and last[0]() is instance and last[1] == pairs:
        return last[2]
    counts: dict[str, dict[tuple[str, str], int]] = {t.code: {} for t in instance.trusts}
    for r in instance.radiologists:
        for s, day in pairs:
            if s in r.subspecialties and r.sessions[DAYS.index(day)] > 0:
                counts[r.trust][s, day] = counts[r.trust].get((s, day), 0) + 1
    _HELD["last"] = (weakref.ref(instance), pairs, counts)
    return counts


_HELD: dict[str, tuple] = {}


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
