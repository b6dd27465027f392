"""consortia: group NHS trusts into PACS/RIS purchasing consortia with an integer program.

The public API::

    import consortia
    scenario = consortia.load_scenario("inputs/demo/scenario.yaml")
    plan = consortia.solve(scenario)          # a Plan: status, consortia, objective, bound, gap
    consortia.write_plan(plan, "solutions/demo")
    report = consortia.check(scenario, "solutions/demo")   # independent re-verification

What-if workflows: ``diff_plans``, ``price_request``, ``distance_from_optimum``, ``relaxations``,
``explain_trust``, ``counterfactuals`` (see the README, "What-if workflows").
"""

from .api import check, solve, write_plan
from .errors import ConsortiaError
from .graph import build_graph
from .inputs import Instance, load_instance
from .plan import ConsortiumPlan, Plan
from .scenario import Scenario, load_scenario, with_overrides
from .version import __version__
from .whatif import counterfactuals, diff_plans, distance_from_optimum, explain_trust, price_request, relaxations

__all__ = ["ConsortiaError", "Scenario", "load_scenario", "with_overrides", "Instance", "load_instance",
           "build_graph", "Plan", "ConsortiumPlan", "solve", "write_plan", "check", "diff_plans", "price_request",
           "distance_from_optimum", "relaxations", "explain_trust", "counterfactuals", "__version__"]
