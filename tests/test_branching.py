"""Branch and price (``consortia.columns.branching``), which proves the optimum when the enumeration
stages' pool would be too large: on random cases whose root LP is fractional, every ``optimal``
equals the brute-force optimum, with the pool limit at zero (pure branch and price: nodes close
only by their bound or a whole LP solution) and at 200 (nodes also close by enumeration); a
branching rule that loses plans is caught; a tree stopped early keeps a valid bound; the tree is
the same whatever the hash seed and thread count.

The subset-row cuts are switched off here: they close the root gap of most small cases, and
the point is to make the tree work."""

import pytest
from oracle import assert_brackets_brute_force, brute_force
from small import random_case, random_costed_case

from consortia import load_instance, solve, with_overrides

FRACTIONAL = [(10, seed, False) for seed in (0, 2, 5, 7, 17, 19, 33, 37)] + \
             [(9, seed, True) for seed in (7, 12, 46, 52, 58)]
"""(trusts, seed, in pounds): random cases with one procurement a period whose root LP without
cuts is fractional (found by a scan of seeds 0-39 at 10 trusts and 0-59 costed at 9)."""


def _case(tmp_path, n, seed, costed):
    scenario = (random_costed_case if costed else random_case)(tmp_path / "case", seed, n)
    scenario = with_overrides(scenario, {"solver.method": "enumerate", "market.capacity": 1,
                                         "directives.fixed": [], "directives.pin": []})
    return scenario, load_instance(scenario)


@pytest.fixture
def tree(monkeypatch):
    """No subset-row cuts; returns a setter of the pool limit."""
    from consortia.columns import enumerate as enumeration
    from consortia.columns import master

    monkeypatch.setattr(master, "CUTS_PER_ROUND", 0)
    return lambda limit: monkeypatch.setattr(enumeration, "POOL_LIMIT", limit)


@pytest.mark.parametrize(("n", "seed", "costed"), FRACTIONAL)
def test_pure_branch_and_price_proves_the_brute_force_optimum(tmp_path, tree, n, seed, costed):
    tree(0)
    scenario, instance = _case(tmp_path, n, seed, costed)
    plan = assert_brackets_brute_force(scenario, instance, tmp_path / "plan", proven=True)
    assert plan.solver["branching_nodes"] >= 3
    assert plan.solver["message"].startswith("proven by branching")


@pytest.mark.parametrize(("n", "seed", "costed"), FRACTIONAL)
def test_nodes_closed_by_enumeration_give_the_brute_force_optimum(tmp_path, tree, n, seed, costed):
    tree(200)
    scenario, instance = _case(tmp_path, n, seed, costed)
    assert_brackets_brute_force(scenario, instance, tmp_path / "plan", proven=True)


def test_nodes_are_closed_by_enumeration(tmp_path, tree):
    """With room for a pool, a node's enumeration within its gap closes it: fewer nodes."""
    sizes = {}
    for limit in (0, 200):
        tree(limit)
        scenario, instance = _case(tmp_path / str(limit), 9, 12, True)
        plan = solve(scenario, instance=instance)
        assert plan.status == "optimal"
        sizes[limit] = plan.solver["branching_nodes"]
        pools = plan.solver["enumerated_pools"]
    assert any(pools[1:]), pools
    assert 0 < sizes[200] < sizes[0], sizes


def test_losing_one_half_of_a_split_is_caught(tmp_path, tree, monkeypatch):
    """The brute-force test above fails when a split keeps only one half (plans are lost): some
    case is then called optimal above its optimum."""
    from consortia.columns import branching

    split = branching.split
    monkeypatch.setattr(branching, "split", lambda *args: split(*args)[:1])
    tree(0)
    wrong = 0
    for n, seed, costed in FRACTIONAL:
        scenario, instance = _case(tmp_path / f"{n}-{seed}-{costed}", n, seed, costed)
        plan = solve(scenario, instance=instance)
        wrong += plan.status == "optimal" and plan.objective > brute_force(scenario, instance) + 1e-6
    assert wrong >= 3, wrong


def test_a_tree_stopped_early_keeps_its_plan_and_a_valid_bound(tmp_path, tree, monkeypatch):
    """Stopped after two nodes (as by Ctrl-C or the time limit), the plan is ``feasible`` with a
    bound at or below the optimum and open nodes named in the message."""
    from consortia.columns import branching

    branch = branching.branch

    class Stop:
        requested = False

    def stopped_after_two(enumerator, solve_node, incumbent, bound, deadline, interrupt=None, *rest):
        stop, count = Stop(), []

        def counted(decisions, until):
            count.append(1)
            stop.requested = len(count) >= 2
            return solve_node(decisions, until)

        return branch(enumerator, counted, incumbent, bound, deadline, stop, *rest)

    monkeypatch.setattr(branching, "branch", stopped_after_two)
    tree(0)
    scenario, instance = _case(tmp_path, 10, 7, False)
    expected = brute_force(scenario, instance)
    plan = solve(scenario, instance=instance)
    assert plan.status == "feasible"
    assert plan.best_bound <= expected + 1e-6 <= plan.objective + 2e-6
    assert plan.best_bound < plan.objective
    assert plan.solver["branching_nodes"] == 2
    assert "interrupted" in plan.solver["message"] and "open" in plan.solver["message"]


DETERMINISM = """
import sys
from consortia import load_scenario, solve, with_overrides
from consortia.columns import enumerate as enumeration, master
master.CUTS_PER_ROUND = 0
enumeration.POOL_LIMIT = 0
scenario = with_overrides(load_scenario(sys.argv[1]), {"solver.method": "enumerate", "market.capacity": 1,
                          "directives.fixed": [], "directives.pin": [], "solver.threads": int(sys.argv[2])})
plan = solve(scenario)
print(plan.status, repr(plan.objective), plan.solver["branching_nodes"], plan.solver["rounds"])
for c in plan.consortia:
    print(c.members, c.go_live)
"""


def test_the_tree_is_deterministic_across_hash_seeds_and_threads(tmp_path):
    import os
    import subprocess
    import sys

    random_case(tmp_path / "case", 7, 10)
    outputs = []
    for seed, threads in (("1", 1), ("2", 2), ("3", 2)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", DETERMINISM, str(tmp_path / "case" / "scenario.yaml"),
                               str(threads)], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].split()[0] == "optimal" and int(outputs[0].split()[2]) > 3


def test_a_chain_of_displaced_go_lives_is_not_called_infeasible(tmp_path):
    """Eight trusts too far apart to share, one procurement a quarter: X may only go live in the
    first quarter, and each Tk at its contract end or a quarter later, so X pushes every Tk a
    quarter late. X's price in the master LP is then far above the cost of leaving one trust
    out that used to be taken as "more than any plan can gain", and column generation called
    the scenario infeasible (a review found it): the cost of leaving out must be raised until
    the bound itself shows that no plan exists, or a plan is found."""
    from cases import case

    from consortia.columns import solve_by_columns
    from consortia.graph import build_graph
    from consortia.model import trust_facts
    from consortia.pipeline import rosterability

    quarters = ["2014-01-01", "2014-04-01", "2014-07-01", "2014-10-01", "2015-01-01", "2015-04-01", "2015-07-01"]
    ends = {"X": "2013-12-01", **{f"T{k + 1}": q for k, q in enumerate(quarters)}}
    layout = {code: (200 * n, end) for n, (code, end) in enumerate(ends.items())}
    settings = {"market": {"capacity": 1}, "consortium": {"max_size": 2}, "solver": {"method": "enumerate"},
                "planning": {"start": "2014-01-01", "periods": 8, "period_months": 3, "lead_time_months": 0,
                             "max_extension_months": 3, "max_early_exit_months": 0},
                "objective": {"distance": 0.0, "shortfall": 0.0, "subspecialty_gap": 0.0, "standalone": 0.0}}
    scenario = case(tmp_path / "chain", layout, settings)
    instance = load_instance(scenario)
    expected = brute_force(scenario, instance)
    assert expected is not None
    graph = build_graph(scenario, instance)
    outcome = solve_by_columns(scenario, graph, trust_facts(scenario, instance, graph),
                               rosterable=rosterability(scenario, instance))
    assert outcome.status == "optimal", outcome.message
    assert outcome.objective == pytest.approx(expected, abs=1e-6)
    plan = assert_brackets_brute_force(scenario, instance, tmp_path / "plan", proven=True)
    assert "after_columns_found_no_plan" not in plan.solver


@pytest.mark.parametrize("seed", range(0, 40, 2))
def test_enumeration_keeps_the_decisions(tmp_path, seed):
    """Under random branching decisions (together, apart, banned periods), the enumeration returns
    exactly the allowed columns within delta that keep them (checked against every subset), and
    its least reduced costs are lower bounds on theirs."""
    import itertools
    import random

    from small import seeded_case

    from consortia.columns.decisions import Decisions
    from consortia.columns.enumerate import Enumerator
    from consortia.columns.pricing import ColumnRules, Prices
    from consortia.graph import build_graph
    from consortia.model import trust_facts

    scenario, instance = seeded_case(tmp_path / "case", seed)
    scenario = with_overrides(scenario, {"directives.fixed": [], "directives.pin": []})
    graph = build_graph(scenario, instance)
    rules = ColumnRules(scenario, graph, trust_facts(scenario, instance, graph),
                        {c: k for k, c in enumerate(graph.nodes)})
    codes = sorted(rules.facts, key=rules.order.get)
    if len(codes) < 3:
        pytest.skip("too few trusts for two decisions")
    rng = random.Random(seed)
    a, b = (rng.sample(codes, 2) for _ in range(2))
    i = rng.choice(codes)
    decisions = Decisions().with_pair(*a, True).with_pair(*b, False)
    if rules.facts[i].window:
        decisions = decisions.with_banned([(i, rng.choice(rules.facts[i].window))])
    prices = Prices({code: rng.uniform(-2, 8) for code in codes},
                    {p: -rng.uniform(0, 1) for p in set(rules.market.values())}, {})
    delta = rng.uniform(0, 6)
    found = Enumerator(rules, threads=2).run(prices, delta, decisions=decisions)
    assert found.complete
    want = set()
    for k in range(1, scenario.consortium.max_size + 1):
        for members in itertools.combinations(codes, k):
            for t in sorted({t for m in members for t in rules.facts[m].window}):
                if rules.allows(members, t) and decisions.admits(members, t):
                    r = rules.reduced(members, t, prices)
                    assert found.least[members[0]] <= r + 1e-6
                    if r <= delta:
                        want.add((members, t))
    assert {(m, t) for m, t, _ in found.columns} == want


def test_a_decision_the_master_does_not_keep_is_caught(tmp_path, tree, monkeypatch):
    """When the master LP does not hold the columns that break a node's decisions at zero, the
    child's LP splits on the same pair again: that stops the run at once instead of branching
    until the time limit."""
    from consortia.columns import master

    monkeypatch.setattr(master._Master, "restrict", lambda self, decisions: setattr(self, "decisions", decisions))
    tree(0)
    scenario, instance = _case(tmp_path, 10, 7, False)
    with pytest.raises(RuntimeError, match="a decision is not kept"):
        solve(scenario, instance=instance)
