"""The MILP's optimum equals a brute-force enumeration on many small random instances."""

import pytest
from oracle import brute_force, partitions
from small import seeded_case

from consortia import check, solve, write_plan

SEEDS = range(120)


def test_partitions_count_bell_numbers():
    assert [sum(1 for _ in partitions(list(range(n)))) for n in range(1, 8)] == [1, 2, 5, 15, 52, 203, 877]


@pytest.mark.parametrize("seed", SEEDS)
def test_milp_matches_brute_force(tmp_path, seed):
    scenario, instance = seeded_case(tmp_path / "case", seed)
    expected = brute_force(scenario, instance)
    plan = solve(scenario, instance=instance)
    if expected is None:
        assert plan.status == "infeasible", plan.consortia
        assert plan.diagnosis
        return
    assert plan.status == "optimal", plan.diagnosis
    assert plan.objective == pytest.approx(expected, abs=1e-6)
    assert sum(plan.terms.values()) == pytest.approx(plan.objective, abs=1e-6)
    folder = write_plan(plan, tmp_path / "plan", instance=instance, figures=False)
    report = check(scenario, folder, instance=instance)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(expected, abs=1e-4)
