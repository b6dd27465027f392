"""What buying together is worth: a plan's cost against two counterfactuals solved with the same
data.

- **alone at contract end**: every trust runs its own procurement and goes live in the period
  nearest its contract end (the earlier one on a tie), ignoring the market capacity and the
  cover rules (soft cover shortfalls are costed); no solve is needed.
- **without market capacity**: the scenario solved again with ``market.capacity: null``, so
  the difference to the plan is what spreading the procurement wave costs.

Meant for a ``costs`` section (pounds), but it works with plain weights too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..costs import amount, cost_model
from ..graph import build_graph
from ..inputs import Instance, load_instance
from ..model import trust_facts
from ..pipeline import solve_scenario
from ..plan import Plan
from ..scenario import Scenario, with_overrides

__all__ = ["Counterfactuals", "alone_at_contract_end", "counterfactuals", "counterfactual_lines"]


@dataclass(frozen=True)
class Counterfactuals:
    """The plan, what every trust alone would cost, and the plan without market capacity."""

    plan: Plan
    alone_at_contract_end: float
    without_market_capacity: Plan

    def document(self) -> dict:
        """Plain data for ``counterfactuals.yaml``."""
        s = self.plan.scenario

        def summary(plan: Plan) -> dict:
            return {"status": plan.status, "objective": plan.objective, "best_bound": plan.best_bound,
                    "gap": plan.gap, "n_consortia": plan.metrics.get("n_consortia"),
                    "n_standalone": plan.metrics.get("n_standalone"), "terms": dict(plan.terms)}

        return {"scenario": s.name, "objective_kind": "costs" if s.costs is not None else "weights",
                "objective_unit": "GBP" if s.costs is not None else "weighted units",
                "plan": summary(self.plan), "alone_at_contract_end": self.alone_at_contract_end,
                "without_market_capacity": summary(self.without_market_capacity)}


def alone_at_contract_end(scenario: Scenario, instance: Instance) -> float:
    """What every trust buying alone at its contract end would cost (see the module docstring)."""
    graph = build_graph(scenario, instance)
    return cost_model(scenario, graph).alone_at_contract_end(trust_facts(scenario, instance, graph))


def counterfactuals(scenario: Scenario, *, instance: Instance | None = None, plan: Plan | None = None,
                    progress=None) -> Counterfactuals:
    """The plan of ``scenario`` (solved unless given) and both counterfactuals."""
    instance = instance if instance is not None else load_instance(scenario)
    plan = plan if plan is not None else solve_scenario(scenario, instance=instance, progress=progress)
    free = with_overrides(scenario, {"market.capacity": None})
    unlimited = plan if scenario.market.capacity is None else \
        solve_scenario(free, instance=instance, progress=progress)
    return Counterfactuals(plan, alone_at_contract_end(scenario, instance), unlimited)


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
        if c.without_market_capacity.has_plan:
            price = c.plan.objective - c.without_market_capacity.objective
            lines.append(f"the market capacity costs {amount(s, price)} (exact only when both plans are optimal)")
    return lines
