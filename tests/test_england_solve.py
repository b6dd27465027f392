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


def test_england_is_planned_in_pounds_close_to_its_bound(england_plan):
    """The README's main example is costed in pounds and solved by column generation with proof
    by enumeration; even at a 90 s limit its plan is near its (honest) bound."""
    scenario, _, plan, _ = england_plan
    assert scenario.costs is not None and plan.solver["method"] == "enumerate"
    assert plan.gap is not None and plan.gap < 0.05, plan.solver["message"]
    assert plan.counterfactuals["alone_at_contract_end"]["objective"] > plan.objective


def test_every_england_consortium_is_rostered(england_plan):
    """Seven-day cover that a rota can staff: the rota of ``consortia rota`` staffs every
    consortium and standalone trust of the plan at the plan's own rota settings."""
    from consortia.rota.check import check_rota
    from consortia.rota.io import write_rota
    from consortia.rota.roster import solve_rota

    *_, plan, folder = england_plan
    run = solve_rota(folder)
    assert len(run.rotas) == len(plan.consortia)
    assert [r.consortium for r in run.rotas if not r.rostered] == []
    write_rota(run, figure=False)
    assert check_rota(folder).ok


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
