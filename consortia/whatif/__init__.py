"""What-if workflows on top of the solver: compare two plans (``diff``), the price of a
together/apart request and the distance of a proposal from the optimum (``price``), the
smallest numeric relaxation that gives a plan (``relax``), and why a trust is where it is
(``explain``), and a plan's cost against every trust alone and the plan without market capacity
(``counterfactual``)."""

from .counterfactual import counterfactuals
from .diff import diff_plans
from .explain import explain_trust
from .price import distance_from_optimum, price_request
from .relax import relaxations

__all__ = ["diff_plans", "price_request", "distance_from_optimum", "relaxations", "explain_trust", "counterfactuals"]
