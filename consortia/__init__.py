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

__version__ = "0.1.0"

from .errors import ConsortiaError  # noqa: E402
from .scenario import Scenario, load_scenario, with_overrides  # noqa: E402
from .inputs import Instance, load_instance  # noqa: E402
from .graph import build_graph  # noqa: E402
from .plan import ConsortiumPlan, Plan  # noqa: E402
from .api import check, solve, write_plan  # noqa: E402
from .diff import diff_plans  # noqa: E402
from .price import distance_from_optimum, price_request  # noqa: E402
from .relax import relaxations  # noqa: E402
from .explain import explain_trust  # noqa: E402
from .counterfactual import counterfactuals  # noqa: E402

__all__ = ["ConsortiaError", "Scenario", "load_scenario", "with_overrides", "Instance", "load_instance",
           "build_graph", "Plan", "ConsortiumPlan", "solve", "write_plan", "check", "diff_plans", "price_request",
           "distance_from_optimum", "relaxations", "explain_trust", "counterfactuals", "__version__"]
