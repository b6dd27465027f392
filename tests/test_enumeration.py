"""Proof by reduced-cost column enumeration (``solver.method: enumerate``, what ``auto`` uses):
every ``optimal`` equals the brute-force optimum, every bound is at or below it, a delta too
small never yields ``optimal``, the search's floors hold for every column, and the result does
not depend on the hash seed or the thread count; with the weighted objective and in pounds."""

import itertools
import random

import pytest
from oracle import assert_brackets_brute_force, brute_force
from small import seeded_case, seeded_costed_case

from consortia import check, load_instance, solve, with_overrides, write_plan
from consortia.columns import unsupported
from consortia.columns.enumerate import Enumerator
from consortia.columns.pricing import ColumnRules, Prices
from consortia.examples.synth import write_instance
from consortia.graph import build_graph
from consortia.model import trust_facts

SEEDS = range(120)
COSTED = range(0, 80, 2)
CASES = [(seed, False) for seed in SEEDS] + [(seed, True) for seed in COSTED]
"""(seed, in pounds): the weighted random cases and every other costed one of tests/test_oracle.py."""
TOL = 1e-6


def _plain_case(tmp_path, seed, locks=False, costed=False):
    """The random case of ``seed`` (clique or connected membership, as drawn; in pounds when
    ``costed``), without fixed consortia and pins unless ``locks``."""
    scenario, instance = (seeded_costed_case if costed else seeded_case)(tmp_path / "case", seed)
    unlocked = {} if locks else {"directives.fixed": [], "directives.pin": []}
    scenario = with_overrides(scenario, {"solver.method": "enumerate", **unlocked})
    assert unsupported(scenario) is None
    return scenario, instance


def _rules(scenario, instance):
    graph = build_graph(scenario, instance)
    facts = trust_facts(scenario, instance, graph)
    return ColumnRules(scenario, graph, facts, {c: k for k, c in enumerate(graph.nodes)})


@pytest.mark.parametrize(("seed", "costed"), CASES)
def test_enumeration_proves_the_brute_force_optimum(tmp_path, seed, costed):
    """With every rule and directive of the random case (connected membership, fixed consortia,
    pins, together, apart...)."""
    _assert_brute_force(tmp_path, seed, costed)


@pytest.mark.parametrize("costed", [False, True])
def test_enumeration_proves_nearly_every_small_case(tmp_path, costed):
    """The proof is not vacuous: almost every feasible random case is proven optimal."""
    proven = feasible = 0
    for seed in range(0, 80 if costed else 120, 3):
        try:
            scenario, instance = _plain_case(tmp_path / str(seed), seed, costed=costed)
        except pytest.skip.Exception:
            continue
        plan = solve(scenario, instance=instance)
        if plan.has_plan:
            feasible += 1
            proven += plan.status == "optimal"
    assert feasible >= 10
    assert proven >= 0.95 * feasible, (proven, feasible)


@pytest.mark.parametrize(("seed", "costed"), [(s, c) for s in range(0, 60, 2) for c in (False, True)])
def test_enumeration_finds_every_column_within_delta(tmp_path, seed, costed):
    """At random prices and delta, the enumeration returns exactly the allowed columns whose
    reduced cost is within delta (checked against every subset), and its per-trust least
    reduced costs are lower bounds."""
    scenario, instance = _plain_case(tmp_path, seed, costed=costed)
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


@pytest.mark.parametrize(("seed", "costed"), [(s, c) for s in range(1, 60, 2) for c in (False, True)])
def test_floors_hold_for_every_allowed_column(tmp_path, seed, costed):
    """The contract of ColumnRules.floors: necessary conditions of ``allows`` and a lower bound on
    ``cost``, for every allowed column of a random case."""
    scenario, instance = _plain_case(tmp_path, seed, costed=costed)
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
                if f.connected:
                    reached, queue = {rows[0]}, [rows[0]]
                    while queue:
                        a = queue.pop()
                        for b in rows:
                            if f.adjacent[a, b] and b not in reached:
                                reached.add(b)
                                queue.append(b)
                    assert len(reached) == len(rows)
                if f.hard:
                    assert (f.net[rows].sum(axis=0) >= -1e-9).all()
                    assert (f.holders[rows].sum(axis=0) >= f.window).all()
                floor = f.size[k] + sum(f.member(c, t) for c in members)
                floor += 0.0 if k == 1 else min(f.distance[rows, r].sum() for r in rows)
                assert rules.cost(members, t) >= floor - 1e-9


@pytest.mark.parametrize(("seed", "costed"),
                         [(s, False) for s in range(0, 120, 4)] + [(s, True) for s in range(1, 80, 4)])
def test_too_small_delta_is_never_optimal(tmp_path, seed, costed, monkeypatch):
    """With every complete enumeration cut to a delta far below the gap, the enumeration stages
    prove nothing: a plan found is ``feasible`` unless the LP bound alone meets it."""
    import consortia.columns.enumerate as enumeration

    scenario, instance = _plain_case(tmp_path, seed, costed=costed)
    expected = brute_force(scenario, instance)
    if expected is None:
        return
    run = Enumerator.run

    def tiny(self, prices, delta, **kw):
        return run(self, prices, min(delta, -1e3) if kw.get("keep", 0) == 0 else delta, **kw)

    monkeypatch.setattr(enumeration.Enumerator, "run", tiny)
    plan = solve(scenario, instance=instance)
    assert "proven by enumeration" not in plan.solver.get("message", "")
    if plan.has_plan:
        # optimal only where column generation's own (valid) bound already meets the plan
        assert plan.status == "feasible" or plan.best_bound == pytest.approx(plan.objective, abs=1e-6)
        assert plan.objective >= expected - TOL
        assert plan.best_bound <= expected + TOL


def _locked_case(tmp_path, seed):
    """A random clique case with a growing fixed consortium of two close trusts and, on odd
    seeds, the trust nearest it pinned into it (even seeds: a pinned go-live)."""
    from small import random_case

    from consortia.timing import Calendar, month_start

    scenario = random_case(tmp_path / "case", seed, 4 + seed % 3)
    scenario = with_overrides(scenario, {"cover.mode": "soft", "planning.max_extension_months": 12,
                                         "network.membership": "clique", "directives.fixed": [],
                                         "directives.pin": []})
    instance = load_instance(scenario)
    free = [t for t in instance.trusts if t.code not in scenario.directives.exclude]

    def far(t, group):
        return max(abs(t.lat - g.lat) + abs(t.lon - g.lon) for g in group)

    core = [free[0], min(free[1:], key=lambda t: far(t, free[:1]))]
    nearest = min((t for t in free if t not in core), key=lambda t: far(t, core))
    calendar = Calendar(scenario.planning)
    window = calendar.window(nearest.contract_end)
    pin = {"trust": nearest.code, "consortium": "F"}
    if seed % 2 == 0 and window:
        pin = {"trust": nearest.code, "go_live": month_start(calendar.go_live(window[seed % len(window)]))}
    scenario = with_overrides(scenario, {"directives.fixed": [{"name": "F", "members": [t.code for t in core],
                                                               "grow": seed % 3 != 0}],
                                         "directives.pin": [pin] if seed % 3 else []})
    return scenario, instance


@pytest.mark.parametrize("seed", range(24))
def test_locks_give_the_compact_optimum(tmp_path, seed):
    scenario, instance = _locked_case(tmp_path, seed)
    expected = brute_force(scenario, instance)
    compact = solve(with_overrides(scenario, {"solver.method": "compact"}), instance=instance)
    plan = solve(with_overrides(scenario, {"solver.method": "enumerate"}), instance=instance)
    if expected is None:
        assert compact.status == "infeasible"
        assert plan.status == "infeasible"
        return
    assert compact.status == "optimal" and compact.objective == pytest.approx(expected, abs=1e-6)
    assert plan.solver["method"] == "enumerate"
    assert plan.status == "optimal", plan.solver.get("message")
    assert plan.objective == pytest.approx(expected, abs=1e-6)
    report = check(scenario, write_plan(plan, tmp_path / "plan", instance=instance, figures=False),
                   instance=instance)
    assert report.ok, report.violations


@pytest.mark.parametrize("seed", [3, 10, 15, 18, 26, 29, 30, 31, 36, 41, 47, 54])
def test_baseline_gives_the_compact_optimum(tmp_path, seed):
    from small import random_case

    scenario = with_overrides(random_case(tmp_path / "case", seed, 3 + seed % 4), {"network.membership": "clique"})
    first = solve(scenario)
    if not first.has_plan:
        pytest.skip("no first plan to re-plan from")
    write_plan(first, tmp_path / "base", figures=False)
    changed = with_overrides(scenario, {"network.max_distance_km": scenario.network.max_distance_km * 2,
                                        "objective.standalone": scenario.objective.standalone + 4,
                                        "baseline": str(tmp_path / "base"), "objective.moved": 1.5})
    instance = load_instance(changed)
    expected = brute_force(changed, instance)
    compact = solve(with_overrides(changed, {"solver.method": "compact"}), instance=instance)
    plan = solve(with_overrides(changed, {"solver.method": "enumerate"}), instance=instance)
    assert compact.status == "optimal" and compact.objective == pytest.approx(expected, abs=1e-6)
    assert plan.status == "optimal" and plan.objective == pytest.approx(expected, abs=1e-6)
    assert plan.terms.get("moved", 0.0) == pytest.approx(compact.terms.get("moved", 0.0), abs=1e-6) \
        or plan.objective == pytest.approx(compact.objective, abs=1e-6)
    report = check(changed, write_plan(plan, tmp_path / "plan", instance=instance, figures=False),
                   instance=instance)
    assert report.ok, report.violations


DETERMINISM = """
import sys
from consortia import load_scenario, solve, with_overrides
scenario = load_scenario(sys.argv[1])
plan = solve(with_overrides(scenario, {"solver.method": "enumerate", "solver.time_limit": 120,
                                       "solver.threads": int(sys.argv[2])}))
print(plan.status, repr(plan.objective), repr(plan.best_bound), plan.solver.get("enumerated_pools"),
      plan.solver["method"])
for c in plan.consortia:
    print(c.members, c.go_live)
"""


def test_enumeration_is_deterministic_across_hash_seeds_and_threads(tmp_path):
    """Same plan, bound and pools whatever the hash seed and the number of search threads."""
    import os
    import subprocess
    import sys

    source = write_instance(tmp_path / "synthetic", 60, 2)
    outputs = []
    for seed, threads in (("1", 1), ("2", 2), ("3", 2)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", DETERMINISM, str(source), str(threads)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].split()[0] == "optimal"



@pytest.mark.parametrize("seed", range(1, 48, 3))
def test_connected_membership_gives_the_compact_optimum(tmp_path, seed):
    scenario, instance = _plain_case(tmp_path, seed, locks=True)
    scenario = with_overrides(scenario, {"network.membership": "connected"})
    compact = solve(with_overrides(scenario, {"solver.method": "compact"}), instance=instance)
    plan = solve(scenario, instance=instance)
    if compact.status == "infeasible":
        assert plan.status == "infeasible"
        return
    assert compact.status == "optimal"
    assert plan.solver["method"] == "enumerate"
    assert plan.status == "optimal", plan.solver.get("message")
    assert plan.objective == pytest.approx(compact.objective, abs=1e-6)
    report = check(scenario, write_plan(plan, tmp_path / "plan", instance=instance, figures=False),
                   instance=instance)
    assert report.ok, report.violations


LARGE_CASES = [(seed, costed) for seed in range(0, 48, 3) for costed in (False, True)]


@pytest.mark.parametrize(("seed", "costed"), LARGE_CASES)
def test_interior_point_master_gives_the_brute_force_optimum(tmp_path, seed, costed, monkeypatch):
    """What large scenarios use (the master LP by interior point, then crossover, and a small
    cost of leaving a trust out at first), on small cases."""
    from consortia.columns import master

    monkeypatch.setattr(master, "LARGE_FROM", 1)
    monkeypatch.setattr(master, "INTERIOR_FROM", 0.0)
    _assert_brute_force(tmp_path, seed, costed, proven=True)


@pytest.mark.parametrize(("seed", "costed"), LARGE_CASES)
def test_trusts_left_out_at_first_give_the_brute_force_optimum(tmp_path, seed, costed, monkeypatch):
    """Leaving a trust out of the master costs almost nothing at first (every price is capped
    near zero): it is raised until no trust is left out, and the bounds met on the way hold."""
    from consortia.columns import master

    monkeypatch.setattr(master, "LARGE_FROM", 1)
    monkeypatch.setattr(master, "BOX_START", 1e12)
    _assert_brute_force(tmp_path, seed, costed, proven=True)


def test_without_raising_the_cost_of_leaving_out_feasible_cases_look_infeasible(tmp_path, monkeypatch):
    """The test above fails when the cost of leaving a trust out is never raised: column
    generation then proves no feasible case optimal: it finds no plan or a worse one (it used to
    call them infeasible; now that takes a bound above any plan's cost)."""
    from consortia.columns import master, solve_by_columns
    from consortia.pipeline import rosterability

    monkeypatch.setattr(master, "LARGE_FROM", 1)
    monkeypatch.setattr(master, "BOX_START", 1e12)
    monkeypatch.setattr(master._Master, "raise_box", lambda self, to_big=False: False)
    wrong = feasible = 0
    for seed, costed in LARGE_CASES:
        scenario, instance = _plain_case(tmp_path / str(seed), seed, locks=True, costed=costed)
        if brute_force(scenario, instance) is None:
            continue
        feasible += 1
        graph = build_graph(scenario, instance)
        outcome = solve_by_columns(scenario, graph, trust_facts(scenario, instance, graph),
                                   baseline=instance.baseline, rosterable=rosterability(scenario, instance))
        assert outcome.status != "infeasible"
        wrong += outcome.status != "optimal"
    assert wrong >= feasible // 2


def _assert_brute_force(tmp_path, seed, costed, proven=False):
    scenario, instance = _plain_case(tmp_path, seed, locks=True, costed=costed)
    assert_brackets_brute_force(scenario, instance, tmp_path / "plan", proven)


@pytest.mark.parametrize(("seed", "costed"), LARGE_CASES)
def test_generation_cut_short_by_its_share_still_proves(tmp_path, seed, costed, monkeypatch):
    """Column generation stopped after its first round by its share of the limit (as a large
    scenario on a busy machine is): a plan from the columns so far, then generation again and the
    proof, at the brute-force optimum."""
    from consortia.columns import master

    monkeypatch.setattr(master, "GENERATION_SHARE", 1e-9)
    _assert_brute_force(tmp_path, seed, costed, proven=True)
