"""What buying together is worth: a plan's cost against two counterfactuals solved with the same
data.

- **alone at contract end**: every trust runs its own procurement and goes live in the period
  nearest its contract end (the earlier one on a tie), ignoring the market capacity and the
  cover rules (soft cover shortfalls are costed); no solve is needed (every plan carries it).
- **without market capacity**: the scenario solved again with ``market.capacity: null``, so
  the difference to the plan is what spreading the procurement wave costs.

``consortia solve`` records both in plan.yaml's ``counterfactuals`` section (:func:`add_counterfactuals`),
where the report, the slides and the terminal summary read them; ``consortia counterfactuals``
writes the same section on its own. Meant for a ``costs`` section (pounds), but it works with
plain weights too.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

from ..costs import amount, cost_model
from ..graph import build_graph
from ..inputs import Instance, load_instance
from ..model import trust_facts
from ..pipeline import solve_scenario
from ..plan import Plan
from ..scenario import Scenario, with_overrides
from ..status import Status

__all__ = ["COUNTERFACTUAL_SHARE", "Counterfactuals", "alone_at_contract_end", "counterfactuals",
           "counterfactual_lines", "counterfactual_limit", "without_capacity_scenario", "market_capacity_cost",
           "add_counterfactuals", "skip_counterfactuals"]

COUNTERFACTUAL_SHARE = 0.5
"""``consortia solve`` gives the plan without market capacity this share of the scenario's time
limit (after the plan's own solve, which keeps the whole limit)."""


@dataclass(frozen=True)
class Counterfactuals:
    """The plan, what every trust alone would cost, and the plan without market capacity."""

    plan: Plan
    alone_at_contract_end: float
    without_market_capacity: Plan

    def section(self) -> dict:
        """The ``counterfactuals`` section of plan.yaml for these three."""
        alone = {"status": "computed", "objective": self.alone_at_contract_end}
        return _section(self.plan, alone, self.without_market_capacity)

    def document(self) -> dict:
        """Plain data for ``counterfactuals.yaml``: the plan's summary and :meth:`section`."""
        s = self.plan.scenario
        return {"scenario": s.name, "objective_kind": "costs" if s.costs is not None else "weights",
                "objective_unit": "GBP" if s.costs is not None else "weighted units",
                "plan": {**self.plan.summary(), "terms": dict(self.plan.terms)}, **self.section()}


def alone_at_contract_end(scenario: Scenario, instance: Instance) -> float:
    """What every trust buying alone at its contract end would cost (see the module docstring)."""
    graph = build_graph(scenario, instance)
    return cost_model(scenario, graph).alone_at_contract_end(trust_facts(scenario, instance, graph))


def without_capacity_scenario(scenario: Scenario, time_limit: float | None = None) -> Scenario:
    """``scenario`` with no market capacity (and ``time_limit`` when given)."""
    changes = {"market.capacity": None}
    if time_limit is not None:
        changes["solver.time_limit"] = time_limit
    return with_overrides(scenario, changes)


def counterfactual_limit(scenario: Scenario, share: float = COUNTERFACTUAL_SHARE) -> float:
    """The time limit of the plan without market capacity in ``consortia solve``: ``share`` of
    the scenario's (at least 1 s)."""
    return max(1.0, share * scenario.solver.time_limit)


def counterfactuals(scenario: Scenario, *, instance: Instance | None = None, plan: Plan | None = None,
                    progress=None) -> Counterfactuals:
    """The plan of ``scenario`` (solved unless given) and both counterfactuals."""
    instance = instance if instance is not None else load_instance(scenario)
    plan = plan if plan is not None else solve_scenario(scenario, instance=instance, progress=progress)
    unlimited = plan if scenario.market.capacity is None else \
        solve_scenario(without_capacity_scenario(scenario), instance=instance, progress=progress)
    return Counterfactuals(plan, alone_at_contract_end(scenario, instance), unlimited)


def market_capacity_cost(plan: Plan, without: Plan) -> dict | None:
    """What the market capacity costs, from the plan and the plan without it: ``estimate`` (the
    difference of the two plans in hand), ``low`` and ``high`` (what the true optima allow, from
    the bounds) and ``exact`` (both proven optimal). The plan also keeps every rule without a
    capacity, so the best plan known without it costs at most the plan's cost. None without both
    plans."""
    if not (plan.has_plan and without.has_plan):
        return None
    free = min(without.objective, plan.objective)
    low_plan = plan.best_bound if plan.best_bound is not None else -math.inf
    high = plan.objective - without.best_bound if without.best_bound is not None else None
    exact = plan.status == Status.OPTIMAL and without.status == Status.OPTIMAL
    estimate = plan.objective - free
    return {"estimate": estimate, "low": estimate if exact else max(0.0, low_plan - free),
            "high": estimate if exact else (None if high is None else max(0.0, high)), "exact": exact,
            "cheaper_plan_found": without.objective < plan.objective}


def _section(plan: Plan, alone: dict, without: Plan | dict) -> dict:
    out = {"alone_at_contract_end": {**alone, "n_consortia": 0,
                                     "n_standalone": plan.metrics.get("n_trusts")}}
    if isinstance(without, dict):
        out["without_market_capacity"] = without
        return out
    if without is plan:
        out["without_market_capacity"] = {**plan.summary(), "note": "the scenario sets no market capacity"}
        return out
    out["without_market_capacity"] = {**without.summary(), "time_limit": without.scenario.solver.time_limit,
                                      "solve_seconds": without.solver.get("solve_seconds"),
                                      "message": without.solver.get("message")}
    cost = market_capacity_cost(plan, without)
    if cost is not None:
        out["market_capacity_cost"] = cost
    return out


def add_counterfactuals(plan: Plan, *, instance: Instance, share: float = COUNTERFACTUAL_SHARE,
                        progress=None) -> Plan:
    """``plan`` with its ``counterfactuals`` completed: the plan without market capacity solved
    with ``share`` of the scenario's time limit (see :data:`COUNTERFACTUAL_SHARE`). A plan
    without a ``costs`` section, or without a plan, is returned as it is."""
    scenario = plan.scenario
    if not plan.has_plan or scenario.costs is None:
        return plan
    alone = plan.counterfactuals.get("alone_at_contract_end") or {
        "status": "computed", "objective": alone_at_contract_end(scenario, instance)}
    if scenario.market.capacity is None:
        return dataclasses.replace(plan, counterfactuals=_section(plan, alone, plan))
    free = without_capacity_scenario(scenario, counterfactual_limit(scenario, share))
    started = time.perf_counter()
    without = solve_scenario(free, instance=instance, progress=progress, diagnose=False)
    if "solve_seconds" not in without.solver:
        without = dataclasses.replace(without, solver={**without.solver,
                                                       "solve_seconds": time.perf_counter() - started})
    return dataclasses.replace(plan, counterfactuals=_section(plan, alone, without))


def skip_counterfactuals(plan: Plan, reason: str) -> Plan:
    """``plan`` with the plan without market capacity recorded as not solved, and why."""
    if not plan.has_plan or plan.scenario.costs is None:
        return plan
    alone = plan.counterfactuals.get("alone_at_contract_end") or {}
    return dataclasses.replace(plan, counterfactuals=_section(plan, alone, {"status": "skipped", "note": reason}))


def counterfactual_lines(c: Counterfactuals) -> list[str]:
    """The comparison as plain lines of text."""
    s = c.plan.scenario

    def line(label: str, plan: Plan) -> str:
        if not plan.has_plan:
            return f"{label}: {plan.status}"
        gap = "" if plan.gap is None else f" (gap {100 * plan.gap:.2f}%)"
        return (f"{label}: {amount(s, plan.objective)}, {plan.status}{gap}; {plan.metrics['n_consortia']} "
                f"consortia, {plan.metrics['n_standalone']} standalone")

    lines = [line("plan", c.plan), f"every trust alone at its contract end: {amount(s, c.alone_at_contract_end)}",
             line("plan without market capacity", c.without_market_capacity)]
    if c.plan.has_plan:
        lines.append(f"buying together saves {amount(s, c.alone_at_contract_end - c.plan.objective)} "
                     f"against every trust alone")
        cost = market_capacity_cost(c.plan, c.without_market_capacity)
        if cost is not None and cost["exact"]:
            lines.append(f"the market capacity costs {amount(s, cost['estimate'])} (both plans are proven optimal)")
        elif cost is not None:
            high = "unknown" if cost["high"] is None else amount(s, cost["high"])
            lines.append(f"the market capacity costs {amount(s, cost['estimate'])} between the plans found; "
                         f"the true cost is between {amount(s, cost['low'])} and {high} (not every plan is "
                         "proven optimal)")
    return lines
