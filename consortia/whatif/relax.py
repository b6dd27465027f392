"""The smallest relaxation of each numeric setting that makes an infeasible scenario feasible.

For each setting alone (``network.max_distance_km``, ``planning.max_extension_months``,
``planning.max_early_exit_months``, ``market.capacity``, ``consortium.max_size``,
``cover.min_ratio``) the loosest useful value is tried first; if the scenario is still
infeasible there, no change of that setting alone helps. Otherwise a bisection over the values
in between finds the smallest change that still gives a plan. Loosening any of these settings
never removes a plan, so feasibility is monotone and bisection is exact.

Every test of a value is a real solve (the quick, solver-free checks of ``diagnose.py`` first,
then the integer program with the objective switched off, so the first plan found ends it). The
value reported is one for which a plan was found. A value whose solve ran out of time counts as
"not shown feasible": the answer is then an upper bound on the smallest change, and says so.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

from ..diagnose import quick_causes
from ..geo import distance_matrix
from ..graph import build_graph
from ..inputs import Instance, load_instance
from ..pipeline import solve_scenario
from ..plan import TERMS
from ..scenario import Scenario, with_overrides
from ..status import Status
from ..timing import Calendar, month_number

__all__ = ["SETTINGS", "RATIO_STEP", "Relaxation", "candidates", "smallest_relaxation", "relaxations",
           "relaxation_lines"]

SETTINGS = ("network.max_distance_km", "planning.max_extension_months", "planning.max_early_exit_months",
            "market.capacity", "consortium.max_size", "cover.min_ratio")
RATIO_STEP = 0.01
"""cover.min_ratio is searched on this grid (rounded down, so the reported ratio gives a plan)."""


@dataclass(frozen=True)
class Relaxation:
    """The smallest change of one setting that gives a plan, or why none was found."""

    setting: str
    current: object
    value: object = None
    exact: bool = True
    note: str = ""

    @property
    def found(self) -> bool:
        return self.value is not None

    def describe(self) -> str:
        if not self.found:
            return f"{self.setting} {_show(self.current)}: {self.note}"
        text = f"{self.setting} {_show(self.current)} -> {_show(self.value)}"
        return text if self.exact else text + f" (a plan exists there; {self.note})"


def _show(value) -> str:
    return "null" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


@dataclass
class _Budget:
    """Seconds left for the whole search and the limit of one solve."""

    deadline: float
    per_solve: float

    def limit(self) -> float:
        return min(self.per_solve, self.deadline - time.perf_counter())


class _Tester:
    """Solves variants of one scenario for feasibility only, remembering every answer."""

    def __init__(self, scenario: Scenario, instance: Instance, budget: _Budget):
        weights = {f"objective.{k}": 0.0 for k in TERMS}
        self.base = with_overrides(scenario, weights)
        self.instance = instance
        self.budget = budget
        self.solves = 0

    def feasible(self, setting: str, value) -> bool | None:
        """True: a plan exists with ``setting = value``; False: none exists; None: not known
        (time ran out)."""
        limit = self.budget.limit()
        if limit < 1.0:
            return None
        scenario = with_overrides(self.base, {setting: value, "solver.time_limit": limit, "solver.gap": 0.0})
        if quick_causes(scenario, self.instance, build_graph(scenario, self.instance)):
            return False
        self.solves += 1
        plan = solve_scenario(scenario, instance=self.instance, diagnose=False)
        if plan.has_plan:
            return True
        return False if plan.status == Status.INFEASIBLE else None


def candidates(scenario: Scenario, instance: Instance, setting: str) -> list:
    """The values worth trying for ``setting``, from the smallest change to the loosest value."""
    s = scenario
    codes = [t for t in instance.trusts if t.code not in set(s.directives.exclude)]
    n = len(codes)
    if setting == "network.max_distance_km":
        dist = distance_matrix([t.lat for t in codes], [t.lon for t in codes])
        pairs = {math.ceil(float(dist[i, j]) * 10) / 10 for i, j in itertools.combinations(range(n), 2)}
        return sorted(d for d in pairs if d > s.network.max_distance_km)
    if setting in ("planning.max_extension_months", "planning.max_early_exit_months"):
        calendar = Calendar(s.planning)
        ends = [month_number(t.contract_end) for t in codes]
        lives = [calendar.go_live(p) for p in calendar.periods()]
        if setting.endswith("extension_months"):
            widest = max((g - e for g in lives for e in ends), default=0)
            current = s.planning.max_extension_months
        else:
            widest = max((e - g for g in lives for e in ends), default=0)
            current = s.planning.max_early_exit_months
        return list(range(current + 1, widest + 1))
    if setting == "market.capacity":
        if s.market.capacity is None:
            return []
        return list(range(s.market.capacity + 1, n + 1)) + [None]
    if setting == "consortium.max_size":
        return list(range(s.consortium.max_size + 1, n + 1))
    if setting == "cover.min_ratio":
        if s.cover.mode == "soft":
            return []
        steps = math.ceil(s.cover.min_ratio / RATIO_STEP)
        return [round(k * RATIO_STEP, 10) for k in range(steps - 1, -1, -1)]
    raise ValueError(setting)


def smallest_relaxation(tester: _Tester, scenario: Scenario, setting: str, values: list) -> Relaxation:
    """Bisect ``values`` (ordered from the smallest change to the loosest) for the first that
    gives a plan."""
    current = _current(scenario, setting)
    if not values:
        return Relaxation(setting, current, note="cannot be loosened further (or does not bind here)")
    loosest = tester.feasible(setting, values[-1])
    if loosest is None:
        return Relaxation(setting, current, note="not known: the time budget ran out")
    if not loosest:
        return Relaxation(setting, current, note=f"no plan even at {_show(values[-1])}; this setting "
                                                 f"alone cannot make the scenario feasible")
    low, high = -1, len(values) - 1  # values[low] not shown feasible (or the current), values[high] gives a plan
    exact = True
    while high - low > 1:
        middle = (low + high) // 2
        verdict = tester.feasible(setting, values[middle])
        if verdict is None:
            exact = False
        if verdict:
            high = middle
        else:
            low = middle
    note = "" if exact else "a smaller change may also work: some solves ran out of time"
    return Relaxation(setting, current, values[high], exact, note)


def _current(scenario: Scenario, setting: str):
    section, key = setting.split(".")
    return getattr(getattr(scenario, section), key)


def relaxations(scenario: Scenario, *, instance: Instance | None = None, settings=SETTINGS,
                budget: float = 300.0, per_solve: float | None = None) -> list[Relaxation]:
    """For each numeric setting alone, the smallest relaxation that makes ``scenario`` feasible.

    ``budget`` bounds the seconds of the whole search; ``per_solve`` one solve (default: the
    scenario's time limit, at most 60 s). Unknown settings raise :class:`ConsortiaError`.
    """
    from ..errors import ConsortiaError

    for setting in settings:
        if setting not in SETTINGS:
            raise ConsortiaError(f"cannot relax {setting!r}; choose from {', '.join(SETTINGS)}", key=setting)
    if not budget > 0:
        raise ConsortiaError(f"the time budget must be positive, got {budget}")
    instance = instance if instance is not None else load_instance(scenario)
    per_solve = per_solve if per_solve is not None else min(60.0, scenario.solver.time_limit)
    tester = _Tester(scenario, instance, _Budget(time.perf_counter() + budget, per_solve))
    return [smallest_relaxation(tester, scenario, s, candidates(scenario, instance, s)) for s in settings]


def relaxation_lines(found: list[Relaxation]) -> list[str]:
    """Plain lines: the relaxations that give a plan first, then the settings that cannot."""
    helpful = [r for r in found if r.found]
    lines = ["smallest change of one setting that gives a plan:" if helpful else
             "no change of a single numeric setting gives a plan"]
    lines += [f"  {r.describe()}" for r in helpful]
    lines += [f"  {r.describe()}" for r in found if not r.found]
    return lines
