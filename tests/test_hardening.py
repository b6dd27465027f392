"""Hardening (issue #12): honest status after a MIP start, clear exit-2 messages instead of
internal errors on bad input, and size limits on settings that multiply work."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from conftest import ROOT
from small import demand, write_case

from consortia import solve
from consortia.cli import main

DEMO = ROOT / "inputs" / "demo"
FIVE = [("N.2", 51.37301, "2019-10-30"), ("N.3", 51.56054, "2019-06-13"), ("N.4", 51.75588, "2019-07-28"),
        ("N.5", 51.9468, "2019-06-15"), ("N.6", 52.10651, "2019-12-30")]
FIVE_OPTIMUM = 8.819385426732886  # found by CBC, by HiGHS without a start and by enumeration


def five_trusts(folder, method: str, solver: str = "highs"):
    """The issue's five-trust case, where HiGHS took the warm start handed to it as proven optimal."""
    trusts = [{"code": c, "name": c, "lat": lat, "lon": -2.2, "contract_end": end, "region": "North"}
              for c, lat, end in FIVE]
    settings = {
        "planning": {"start": "2019-03-01", "periods": 8, "period_months": 1, "lead_time_months": 0,
                     "max_extension_months": 2, "max_early_exit_months": 5},
        "market": {"capacity": None}, "network": {"max_distance_km": 45, "membership": "clique"},
        "consortium": {"min_size": 2, "max_size": 2, "allow_standalone": True},
        "cover": {"mode": "hard", "min_ratio": 0.0, "weekend_subspecialties": []},
        "objective": {"timing": 0.5, "distance": 0.01, "standalone": 5},
        "solver": {"name": solver, "method": method, "time_limit": 60, "gap": 0.0},
        "rota": {"required": False}}
    return write_case(folder, trusts, [], [demand(c, 0, 0) for c, _, _ in FIVE], settings)


@pytest.mark.parametrize("method,solver", [("compact", "highs"), ("compact", "cbc"), ("enumerate", "highs")])
def test_the_five_trust_case_is_optimal_only_at_its_optimum(tmp_path, method, solver):
    plan = solve(five_trusts(tmp_path, method, solver))
    assert plan.objective == pytest.approx(FIVE_OPTIMUM, abs=1e-6)
    assert plan.status == "optimal"
    assert plan.best_bound <= plan.objective + 1e-9


def test_columns_never_claim_more_than_they_prove_on_the_five_trust_case(tmp_path):
    plan = solve(five_trusts(tmp_path, "columns"))
    assert plan.objective == pytest.approx(FIVE_OPTIMUM, abs=1e-6)
    assert plan.best_bound <= plan.objective + 1e-9
    assert plan.status == ("optimal" if plan.gap <= 1e-6 else "feasible")


def test_highs_claim_after_a_start_is_checked_against_its_dual_bound(tmp_path):
    """The start HiGHS mistook for optimal: its claim is not taken, the search starts again."""
    import pulp

    from consortia.solver import run_solver
    scenario = five_trusts(tmp_path, "compact")
    problem = pulp.LpProblem("start", pulp.LpMinimize)
    x = pulp.LpVariable("x", cat="Binary")
    y = pulp.LpVariable("y", cat="Binary")
    problem += 3 * x + 2 * y + 1
    problem += x + y >= 1
    outcome = run_solver(problem, scenario.solver, start={x: 1.0, y: 0.0})
    assert outcome.objective == pytest.approx(3.0)
    assert outcome.status == "optimal" and outcome.bound == pytest.approx(3.0, abs=1e-5)
