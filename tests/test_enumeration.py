"""Proof by reduced-cost column enumeration (``solver.method: enumerate``, what ``auto`` uses):
every ``optimal`` equals the brute-force optimum, every bound is at or below it, a delta too
small never yields ``optimal``, the search's floors hold for every column, and the result does
not depend on the hash seed or the thread count."""

import itertools
import random

import pytest

from consortia import check, load_instance, load_scenario, solve, with_overrides, write_plan
from consortia.columns import choose_method, unsupported
from consortia.enumeration import Enumerator, prove
from consortia.graph import build_graph
from consortia.model import trust_facts
from consortia.pricing import ColumnRules, Prices
from consortia.synth import write_instance

from oracle import brute_force
from small import seeded_case

SEEDS = range(120)
TOL = 1e-6


def _plain_case(tmp_path, seed):
    scenario, instance = seeded_case(tmp_path / "case", seed)
    scenario = with_overrides(scenario, {"solver.method": "enumerate", "network.membership": "clique",
                                         "directives.fixed": [], "directives.pin": []})
    assert unsupported(scenario) is None
    return scenario, instance


def _rules(scenario, instance):
    graph = build_graph(scenario, instance)
    facts = trust_facts(scenario, instance, graph)
    return ColumnRules(scenario, graph, facts, {c: k for k, c in enumerate(graph.nodes)})


@pytest.mark.parametrize("seed", SEEDS)
def test_enumeration_proves_the_brute_force_optimum(tmp_path, seed):
    scenario, instance = _plain_case(tmp_path, seed)
    expected = brute_force(scenario, instance)
    plan = solve(scenario, instance=instance)
    if expected is None:
        assert plan.status == "infeasible", plan.consortia
        return
    assert plan.status in ("optimal", "feasible")
    assert plan.best_bound <= expected + TOL
    assert plan.objective >= expected - TOL
    if plan.status == "optimal":
        assert plan.objective == pytest.approx(expected, abs=1e-6)
    folder = write_plan(plan, tmp_path / "plan", instance=instance, figures=False)
    report = check(scenario, folder, instance=instance)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(plan.objective, abs=1e-4)


def test_enumeration_proves_nearly_every_small_case(tmp_path):
    """The proof is not vacuous: almost every feasible random case is proven optimal."""
    proven = feasible = 0
    for seed in range(0, 120, 3):
        try:
            scenario, instance = _plain_case(tmp_path / str(seed), seed)
        except pytest.skip.Exception:
            continue
        plan = solve(scenario, instance=instance)
        if plan.has_plan:
            feasible += 1
            proven += plan.status == "optimal"
    assert feasible >= 10
    assert proven >= 0.95 * feasible, (proven, feasible)


@pytest.mark.parametrize("seed", range(0, 60, 2))
def test_enumeration_finds_every_column_within_delta(tmp_path, seed):
    """At random prices and delta, the enumeration returns exactly the allowed columns whose
    reduced cost is within delta (checked against every subset), and its per-trust least
    reduced costs are lower bounds."""
    scenario, instance = _plain_case(tmp_path, seed)
    rules = _rules(scenario, instance)
    rng = random.Random(seed)
    prices = Prices({c: rng.uniform(-2, 8) for c in rules.facts},
                    {p: -rng.uniform(0, 1) for p in set(rules.market.values())},
                    {frozenset(rng.sample(sorted(rules.facts), 3)): -rng.uniform(0, 2)} if len(rules.facts) >= 3
                    else {})
    delta = rng.uniform(-1, 5)
    found = Enumerator(rules, threads=2).run(prices, delta)
    assert found.complete
    want = set()
    codes = sorted(rules.facts, key=rules.order.get)
    for k in range(1, scenario.consortium.max_size + 1):
        for members in itertools.combinations(codes, k):
            for t in sorted({t for c in members for t in rules.facts[c].window}):
                if rules.allows(members, t):
                    r = rules.reduced(members, t, prices)
                    assert found.least[members[0]] <= r + TOL
                    if r <= delta:
                        want.add((members, t))
    assert {(m, t) for m, t, _ in found.columns} == want


@pytest.mark.parametrize("seed", range(1, 60, 2))
def test_floors_hold_for_every_allowed_column(tmp_path, seed):
    """The contract of ColumnRules.floors: necessary conditions of ``allows`` and a lower bound on
    ``cost``, for every allowed column of a random case."""
    scenario, instance = _plain_case(tmp_path, seed)
    rules = _rules(scenario, instance)
    f = rules.floors()
    codes = sorted(rules.facts, key=rules.order.get)
    for k in range(1, scenario.consortium.max_size + 1):
        for members in itertools.combinations(codes, k):
            rows = [f.index[c] for c in members]
            for t in sorted({t for c in members for t in rules.facts[c].window}):
                if not rules.allows(members, t):
                    continue
                assert all(f.linked[a, b] for a, b in itertools.combinations(rows, 2))
                if f.hard:
                    assert (f.net[rows].sum(axis=0) >= -1e-9).all()
                    covered = 0
                    for r in rows:
                        covered |= int(f.cover[r])
                    assert covered & f.need == f.need
                floor = sum(f.member(c, t) for c in members)
                floor += f.standalone if k == 1 else min(f.distance[rows, r].sum() for r in rows)
                assert rules.cost(members, t) >= floor - 1e-9


@pytest.mark.parametrize("seed", [s for s in range(0, 120, 4)])
def test_too_small_delta_is_never_optimal(tmp_path, seed, monkeypatch):
    """With every enumeration stage cut to a delta far below the gap, nothing is proven: the plan
    (if any) is reported ``feasible`` unless its own bound closes the gap."""
    import consortia.enumeration as enumeration

    scenario, instance = _plain_case(tmp_path, seed)
    expected = brute_force(scenario, instance)
    if expected is None:
        return
    rules = _rules(scenario, instance)
    run = Enumerator.run

    def tiny(self, prices, delta, **kw):
        return run(self, prices, min(delta, -1e3) if kw.get("keep", 0) == 0 else delta, **kw)

    monkeypatch.setattr(enumeration.Enumerator, "run", tiny)
    plan = solve(scenario, instance=instance)
    assert plan.status != "optimal" or plan.best_bound == pytest.approx(plan.objective, abs=1e-6)
    if plan.has_plan:
        assert plan.objective >= expected - TOL
        assert plan.best_bound <= expected + TOL
    del rules
