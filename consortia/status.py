"""The status of a solve, and when a gap counts as a proof.

``optimal`` only when the best bound meets the objective (relative gap <= 1e-6); otherwise a
plan is ``feasible`` with its bound and gap; ``infeasible`` means no plan exists (proven);
``no_solution`` means the limit was reached before any plan was found. The values are plain
strings, written as they are into plan.yaml, rota.yaml and batch records.
"""

from __future__ import annotations

__all__ = ["Status", "PROVEN_GAP", "relative_gap", "is_proven"]

PROVEN_GAP = 1e-6


class Status:
    """The four outcomes of a solve (plans, rotas, column generation), as string constants."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"
    HAS_PLAN = (OPTIMAL, FEASIBLE)
    ALL = (OPTIMAL, FEASIBLE, INFEASIBLE, NO_SOLUTION)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / max(1, |objective|)``, or None when either is unknown."""
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


def is_proven(gap: float | None) -> bool:
    """Whether a relative gap counts as a proof of optimality (<= 1e-6, rounding allowed)."""
    return gap is not None and gap <= PROVEN_GAP * (1 + 1e-6)
