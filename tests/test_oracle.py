"""The MILP's optimum equals a brute-force enumeration on many small random instances."""

import pytest

from consortia import check, load_instance, solve, write_plan
from consortia.errors import ConsortiaError

from oracle import brute_force, partitions
from small import random_case

SEEDS = range(120)


def test_partitions_count_bell_numbers():
    assert [sum(1 for _ in partitions(list(range(n)))) for n in range(1, 8)] == [1, 2, 5, 15, 52, 203, 877]


@pytest.mark.parametrize("seed", SEEDS)
def test_milp_matches_brute_force(tmp_path, seed):
    n = 8 if seed % 20 == 0 else 3 + seed % 5
    try:
        scenario = random_case(tmp_path / "case", seed, n)
        instance = load_instance(scenario)
    except ConsortiaError as exc:  # a random draw can be invalid input; that path is tested elsewhere
        pytest.skip(f"invalid random draw: {exc}")
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
