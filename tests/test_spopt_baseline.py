"""The benchmark's analyst baseline (benchmarks/spopt_baseline.py): PySAL spopt regions, repaired
to feasibility; every repaired plan is written and accepted by the independent checker."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

pytest.importorskip("spopt")
pytest.importorskip("libpysal")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import spopt_baseline as sb  # noqa: E402

import consortia  # noqa: E402
from consortia.examples.synth import write_instance  # noqa: E402


@pytest.fixture(scope="module", params=[(40, 1, None), (40, 2, 3)], ids=["40-seed1", "40-seed2-capacity3"])
def case(request, tmp_path_factory):
    n, seed, capacity = request.param
    folder = tmp_path_factory.mktemp(f"spopt-{n}-{seed}")
    extra = {} if capacity is None else {"market.capacity": capacity}
    scenario = consortia.load_scenario(write_instance(folder, n, seed, **extra))
    instance = consortia.load_instance(scenario)
    return scenario, instance, sb.GroupRules(scenario, instance), folder


CONFIGS = [sb.Config("region_kmeans", 10, 1.0), sb.Config("skater", 7, 0.5), sb.Config("ward", 13, 2.0)]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.label)
def test_repaired_plan_is_accepted_by_the_checker(case, config):
    scenario, instance, rules, folder = case
    out = sb.run_config(scenario, instance, rules, config, folder / config.algorithm)
    assert out.accepted, out.note
    report = consortia.check(scenario, out.folder, instance=instance)
    assert report.ok and report.violations == []
    assert out.objective == pytest.approx(report.objective)
    members = sorted(m for ms in report.members.values() for m in ms)
    assert members == sorted(t.code for t in instance.trusts)
    if scenario.market.capacity is not None:
        per_period = {}
        for date in report.go_live.values():
            per_period[date] = per_period.get(date, 0) + 1
        assert max(per_period.values()) <= scenario.market.capacity


def test_raw_regions_break_rules_the_repair_mends(case):
    """Without the repair, spopt's regions are not a plan: the checker names broken rules, and
    the repair leaves only groups that keep every rule."""
    scenario, instance, rules, folder = case
    codes = sorted(rules.graph.nodes)
    found = sb.regions(instance, codes, CONFIGS[0])
    assert sorted(c for r in found for c in r) == codes
    assert not all(rules.feasible(r) for r in found)
    proposal = folder / "raw.csv"
    with proposal.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["trust", "consortium"])
        writer.writerows((code, f"R{k}") for k, region in enumerate(found) for code in region)
    assert consortia.check(scenario, proposal, instance=instance).violations
    groups, orphans = sb.repair(rules, found)
    assert orphans == []
    assert all(rules.feasible(g) for g in groups)
    assert sorted(c for g in groups for c in g) == codes


def test_grid_sizes():
    assert len(sb.grid(134)) == 40 and len(sb.grid(500)) == 24 and len(sb.grid(134, quick=True)) == 4
    assert {c.algorithm for c in sb.grid(500)} == {"region_kmeans", "ward"}
