"""The price of a request: solve a scenario with and without extra ``together`` / ``apart``
directives and report the difference in each objective term.

Honesty: a difference between two plans is exact only when both are proven optimal. Otherwise
the price is bracketed by the solvers' bounds: it is at least ``bound(with) - objective(without)``
and at most ``objective(with) - bound(without)``. When the plan without the request already
keeps it, the price is 0 and the second solve is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConsortiaError
from ..inputs import Instance, check_references, load_instance
from ..pipeline import solve_scenario
from ..plan import Plan
from ..scenario import Scenario, with_overrides
from ..status import Status

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
    request = {"together": [list(p) for p in together], "apart": [list(p) for p in apart]}
    if not request["together"] and not request["apart"]:
        raise ConsortiaError("name at least one pair to price (--together A B or --apart A B)")
    instance = instance if instance is not None else load_instance(scenario)
    changed = requested(scenario, request)
    for pair in request["together"] + request["apart"]:
        for code in pair:
            if code not in instance.codes:
                raise ConsortiaError(f"unknown trust code {code!r} in the request")
    check_references(changed, instance)
    without = solve_scenario(scenario, instance=instance, progress=progress)
    if keeps(without, request):
        return Price(request, without, without, reused=True)
    with_request = solve_scenario(changed, instance=instance, progress=progress)
    return Price(request, without, with_request)


def _status(plan: Plan) -> str:
    if plan.has_plan:
        gap = "" if plan.gap is None else f", gap {100 * plan.gap:.2f}%"
        bound = "" if plan.best_bound is None else f", bound {plan.best_bound:.3f}"
        return f"{plan.status}: objective {plan.objective:.3f}{bound}{gap}"
    return plan.status + "".join(f"\n    - {c}" for c in plan.diagnosis)


def price_lines(price: Price) -> list[str]:
    """The price as plain lines of text."""
    asked = [f"together {a} {b}" for a, b in price.request["together"]] + \
            [f"apart {a} {b}" for a, b in price.request["apart"]]
    lines = [f"request: {'; '.join(asked)}", f"without: {_status(price.without)}"]
    if price.reused:
        if price.exact:
            lines.append("with: the optimal plan already keeps the request; it costs 0")
        else:
            lines.append("with: the plan without the request already keeps it; the true price is between "
                         f"0 and {price.bounds[1]:+.3f} (that plan is not proven optimal)")
        return lines
    lines.append(f"with: {_status(price.with_request)}")
    if price.objective is None:
        if price.without.has_plan and not price.with_request.has_plan:
            lines.append("the request cannot be met: " + ("no plan keeps it" if price.with_request.status ==
                                                          Status.INFEASIBLE else "no plan found within the time limit"))
        else:
            lines.append("no price: the scenario has no plan without the request")
        return lines
    lines.append(f"price: {price.objective:+.3f}")
    for key, value in price.terms.items():
        lines.append(f"  {key} {value:+.3f}")
    if not price.exact:
        low, high = price.bounds
        lines.append(f"not exact (a plan is not proven optimal): the true price is between {low:+.3f} "
                     f"and {high:+.3f}")
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
    lines = [f"optimum under the same settings: {_status(d.optimum)}"]
    if d.optimum.status == Status.OPTIMAL:
        lines.append(f"this plan costs {low:+.3f} more than the optimum")
    else:
        lines.append(f"this plan costs between {low:+.3f} and {high:+.3f} more than the optimum "
                     f"(the solver's plan is not proven optimal)")
    return lines
