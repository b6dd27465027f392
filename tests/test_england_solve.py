"""The England example solves within a short time limit, and its written plan passes the check."""

from pathlib import Path

import pytest
import yaml

import consortia

SCENARIO = Path(__file__).resolve().parent.parent / "inputs" / "england" / "scenario.yaml"


@pytest.fixture(scope="module")
def england_plan(tmp_path_factory):
    scenario = consortia.with_overrides(consortia.load_scenario(SCENARIO), {"solver.time_limit": 90})
    instance = consortia.load_instance(scenario)
    plan = consortia.solve(scenario, instance=instance)
    folder = consortia.write_plan(plan, tmp_path_factory.mktemp("england") / "plan", instance=instance)
    return scenario, instance, plan, folder


def test_england_has_a_checked_plan_with_honest_status(england_plan):
    scenario, instance, plan, folder = england_plan
    assert plan.status in ("optimal", "feasible")
    assert plan.best_bound is not None and plan.best_bound <= plan.objective + 1e-6
    assert (plan.status == "optimal") == (plan.gap <= 1e-6 * (1 + 1e-6))
    assert sorted(m for c in plan.consortia for m in c.members) == sorted(instance.codes)
    report = consortia.check(scenario, folder, instance=instance)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(plan.objective, rel=1e-6)


def test_england_is_proven_optimal_by_enumeration(england_plan):
    """The README's main example: ``auto`` proves it by column enumeration (the compact model
    proved the same optimum, 183.18, in about 455 s)."""
    _, _, plan, _ = england_plan
    assert plan.solver["method"] == "enumerate"
    assert plan.status == "optimal", plan.solver["message"]
    assert plan.objective == pytest.approx(183.18, abs=0.005)


def test_england_plan_pools_cover_and_respects_the_market(england_plan):
    scenario, _, plan, folder = england_plan
    metrics = plan.metrics
    assert metrics["trusts_full_cover_pooled"] == 134
    assert metrics["trusts_full_cover_alone"] < 67, "the instance should show why groups help"
    assert metrics["peak_market"] <= scenario.market.capacity
    written = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    assert written["synthetic"] is True and "synthetic" in written["attribution"].lower()


def test_england_figures_are_drawn(england_plan):
    *_, folder = england_plan
    for name in ("map.png", "map.svg", "map.html", "timeline.png", "cover.png", "report.html"):
        assert (folder / name).stat().st_size > 10_000, name
