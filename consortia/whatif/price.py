"""The price of a request: solve a scenario with and without extra ``together`` / ``apart``
directives and report the difference in each objective term.

Honesty: a difference between two plans is exact only when both are proven optimal. Otherwise
the price is bracketed by the solvers' bounds: it is at least ``bound(with) - objective(without)``
and at most ``objective(with) - bound(without)``. When the plan without the request already
keeps it, the price is 0 and the second solve is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..costs import amount
from ..errors import ConsortiaError
from ..inputs import Instance, check_references, load_instance
from ..pipeline import solve_scenario
from ..plan import Plan
from ..scenario import Scenario, with_overrides
from ..status import Status
from ..trustnames import resolve_trust

__all__ = ["Price", "keeps", "requested", "price_request", "price_lines", "Distance", "distance_from_optimum",
           "distance_lines"]


@dataclass(frozen=True)
class Price:
    """Both plans of a request and what the request costs."""

    request: dict[str, list[list[str]]]
    without: Plan
    with_request: Plan
    reused: bool = False

    @property
    def exact(self) -> bool:
        """Both plans are proven optimal (or the request was already kept by an optimal plan)."""
        return self.without.status == Status.OPTIMAL and self.with_request.status == Status.OPTIMAL

    @property
    def objective(self) -> float | None:
        """Objective with the request minus without, or None when either has no plan."""
        if not (self.without.has_plan and self.with_request.has_plan):
            return None
        return self.with_request.objective - self.without.objective

    @property
    def bounds(self) -> tuple[float, float] | None:
        """(lowest, highest) the true price can be, from objectives and best bounds."""
        if self.objective is None:
            return None
        if self.reused:  # the plan keeps the request, so the price is at least 0 and at most its gap
            return 0.0, self.without.objective - _bound(self.without)
        low_with = _bound(self.with_request)
        low_without = _bound(self.without)
        return low_with - self.without.objective, self.with_request.objective - low_without

    @property
    def terms(self) -> dict[str, float]:
        """Each objective term with the request minus without."""
        if self.objective is None:
            return {}
        return {k: self.with_request.terms.get(k, 0.0) - v for k, v in self.without.terms.items()}


def _bound(plan: Plan) -> float:
    if plan.best_bound is None:
        return float("-inf")
    return min(plan.best_bound, plan.objective)


def keeps(plan: Plan, request: dict[str, list[list[str]]]) -> bool:
    """Whether ``plan`` already keeps every pair of the request."""
    if not plan.has_plan:
        return False
    where = plan.assignments
    together = all(where.get(a) is not None and where.get(a) == where.get(b) for a, b in request.get("together", []))
    apart = all(where.get(a) != where.get(b) for a, b in request.get("apart", []))
    return together and apart


def requested(scenario: Scenario, request: dict[str, list[list[str]]]) -> Scenario:
    """``scenario`` with the request's pairs added to its directives."""
    for kind, pairs in request.items():
        if kind not in ("together", "apart"):
            raise ConsortiaError(f"a request holds together and apart pairs, not {kind!r}")
        for pair in pairs:
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ConsortiaError(f"expected two different trust codes, got {pair!r}", key=f"--{kind}")
    overrides = {f"directives.{kind}": [list(p) for p in getattr(scenario.directives, kind)] + [list(p) for p in pairs]
                 for kind, pairs in request.items() if pairs}
    return with_overrides(scenario, overrides) if overrides else scenario


def price_request(scenario: Scenario, *, together=(), apart=(), instance: Instance | None = None,
                  progress=None) -> Price:
    """Solve ``scenario`` without and with the extra ``together`` / ``apart`` pairs.

    Each solve uses the scenario's own solver settings. Raises :class:`ConsortiaError` for an
    empty request or an unknown trust code.
    """
    if not together and not apart:
        raise ConsortiaError("name at least one pair to price (--together A B or --apart A B)")
    instance = instance if instance is not None else load_instance(scenario)
    names = {t.code: t.name for t in instance.trusts}
    where = "the scenario's trusts"
    request = {"together": [[resolve_trust(c, names, where=where) for c in p] for p in together],
               "apart": [[resolve_trust(c, names, where=where) for c in p] for p in apart]}
    changed = requested(scenario, request)
    check_references(changed, instance)
    without = solve_scenario(scenario, instance=instance, progress=progress)
    if keeps(without, request):
        return Price(request, without, without, reused=True)
    with_request = solve_scenario(changed, instance=instance, progress=progress)
    return Price(request, without, with_request)


def _value(scenario: Scenario, value: float, signed: bool = False) -> str:
    """A value of the objective in its unit: pounds, or points of the weighted score."""
    if scenario.costs is not None:
        return amount(scenario, value, signed=signed)
    return f"{value:+.2f} points" if signed else f"{value:.2f} points"


def _status(plan: Plan) -> str:
    if plan.has_plan:
        if plan.status == "optimal":
            proof = "proven optimal"
        elif plan.gap is not None:
            proof = (f"not proven optimal: within {100 * plan.gap:.1f}% of the best possible "
                     f"(no plan scores below {_value(plan.scenario, plan.best_bound)})")
        else:
            proof = "not proven optimal"
        what = "cost" if plan.scenario.costs is not None else "score"
        return f"{what} {_value(plan.scenario, plan.objective)}, {proof}"
    return plan.status + "".join(f"\n    - {c}" for c in plan.diagnosis)


def _moved(a: Plan, b: Plan) -> list[str]:
    """Trusts whose set of consortium partners differs between two plans."""
    def partners(plan):
        return {m: frozenset(c.members) for c in plan.consortia for m in c.members}
    pa, pb = partners(a), partners(b)
    return sorted(t for t in pa if t in pb and pa[t] != pb[t])


def price_lines(price: Price) -> list[str]:
    """The price as plain lines of text (in pounds when the scenario has a ``costs`` section)."""
    s = price.without.scenario
    asked = [f"together {a} {b}" for a, b in price.request["together"]] + \
            [f"apart {a} {b}" for a, b in price.request["apart"]]
    lines = [f"request: {'; '.join(asked)}",
             "the whole plan is re-optimised with the request, so any trust may move; "
             + ("costs in pounds over the term" if s.costs is not None else "scores in points, lower is better"),
             f"without the request: {_status(price.without)}"]
    if price.reused:
        if price.exact:
            lines.append(f"with the request: the optimal plan already keeps it; it costs {_value(s, 0.0)}")
        else:
            lines.append("with the request: the plan without it already keeps it; the true price is between "
                         f"0 and {_value(s, price.bounds[1], signed=True)} (that plan is not proven optimal)")
        return lines
    lines.append(f"with the request: {_status(price.with_request)}")
    if price.objective is None:
        if price.without.has_plan and not price.with_request.has_plan:
            lines.append("the request cannot be met: " + ("no plan keeps it" if price.with_request.status ==
                                                          Status.INFEASIBLE else "no plan found within the time limit"))
        else:
            lines.append("no price: the scenario has no plan without the request")
        return lines
    lines.append(f"price: {_value(s, price.objective, signed=True)}" + (" (proven: both plans are optimal)"
                                                                      if price.exact else ""))
    for key, value in price.terms.items():
        lines.append(f"  {key} {_value(s, value, signed=True)}")
    moved = _moved(price.without, price.with_request)
    lines.append(f"who moves: {len(moved)} trust{'s' if len(moved) != 1 else ''} change partners"
                 + (f" ({' '.join(moved[:20])}{' ...' if len(moved) > 20 else ''})" if moved else ""))
    if not price.exact:
        low, high = price.bounds
        lines.append(f"not proven (a plan is not proven optimal): the true price is between "
                     f"{_value(s, low, signed=True)} and {_value(s, high, signed=True)}")
    return lines


@dataclass(frozen=True)
class Distance:
    """How far a proposal's objective is from the optimum under the same settings."""

    objective: float
    optimum: Plan

    @property
    def bounds(self) -> tuple[float, float] | None:
        """(at least, at most) the proposal's excess over the true optimum, or None without a plan."""
        if not self.optimum.has_plan:
            return None
        return self.objective - self.optimum.objective, self.objective - _bound(self.optimum)


def distance_from_optimum(scenario: Scenario, objective: float, *, instance: Instance | None = None,
                          progress=None) -> Distance:
    """Solve ``scenario`` and compare ``objective`` (e.g. a checked proposal's) with its optimum."""
    return Distance(objective, solve_scenario(scenario, instance=instance, progress=progress))


def distance_lines(d: Distance) -> list[str]:
    """The comparison with the optimum as plain lines of text."""
    if d.bounds is None:
        return [f"no optimum to compare with: the solver found {d.optimum.status}"]
    low, high = d.bounds
    s = d.optimum.scenario
    lines = [f"optimum under the same settings: {_status(d.optimum)}"]
    if s.costs is not None and d.optimum.status == Status.OPTIMAL:
        lines.append(f"this plan costs {_value(s, low, signed=True)} more than the optimum")
    elif s.costs is not None:
        lines.append(f"this plan costs between {_value(s, low, signed=True)} and {_value(s, high, signed=True)} "
                     "more than the optimum (the solver's plan is not proven optimal)")
    elif d.optimum.status == Status.OPTIMAL:
        lines.append(f"this plan scores {low:+.2f} points more than the optimum")
    else:
        lines.append(f"this plan scores between {low:+.2f} and {high:+.2f} points more than the optimum "
                     f"(the solver's plan is not proven optimal)")
    return lines
