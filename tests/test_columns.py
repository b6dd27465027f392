"""Column generation (``solver.method: columns``): its bound never exceeds the true optimum, its
plans never beat it, every plan passes the independent check, and ``auto`` picks the method."""

import pytest
from oracle import assert_brackets_brute_force
from small import seeded_case, seeded_costed_case

from consortia import check, load_instance, load_scenario, solve, with_overrides, write_plan
from consortia.cli import main
from consortia.columns import AUTO_FROM, choose_method, unsupported
from consortia.errors import ConsortiaError
from consortia.examples.synth import write_instance

SEEDS = range(120)
TOL = 1e-6


def _columns_case(tmp_path, seed):
    scenario, instance = seeded_case(tmp_path / "case", seed)
    # the features column generation does not take are dropped, so every seed is a case
    scenario = with_overrides(scenario, {"solver.method": "columns", "network.membership": "clique",
                                         "directives.fixed": [], "directives.pin": []})
    assert unsupported(scenario) is None
    return scenario, instance


@pytest.mark.parametrize("seed", SEEDS)
def test_columns_bracket_brute_force(tmp_path, seed):
    scenario, instance = _columns_case(tmp_path, seed)
    assert_brackets_brute_force(scenario, instance, tmp_path / "plan")


def _costed_columns_case(tmp_path, seed):
    scenario, instance = seeded_costed_case(tmp_path / "case", seed)
    scenario = with_overrides(scenario, {"solver.method": "columns", "network.membership": "clique",
                                         "directives.fixed": [], "directives.pin": []})
    return scenario, instance


@pytest.mark.parametrize("seed", range(80))
def test_costed_columns_bracket_brute_force(tmp_path, seed):
    """In pounds (size costs by binaries in the pricing MIP, per-member slope in its bounds)."""
    scenario, instance = _costed_columns_case(tmp_path, seed)
    assert_brackets_brute_force(scenario, instance, tmp_path / "plan")


def test_costed_columns_prove_most_small_cases(tmp_path):
    proven = feasible = 0
    for seed in range(0, 80, 2):
        try:
            scenario, instance = _costed_columns_case(tmp_path / str(seed), seed)
        except pytest.skip.Exception:
            continue
        plan = solve(scenario, instance=instance)
        if plan.has_plan:
            feasible += 1
            proven += plan.status == "optimal"
    assert feasible >= 10
    assert proven >= 0.8 * feasible, (proven, feasible)


def test_columns_prove_most_small_cases(tmp_path):
    """The bound is not vacuous: on the feasible random cases most plans are proven optimal."""
    proven = feasible = 0
    for seed in range(0, 120, 3):
        try:
            scenario, instance = _columns_case(tmp_path / str(seed), seed)
        except pytest.skip.Exception:
            continue
        plan = solve(scenario, instance=instance)
        if plan.has_plan:
            feasible += 1
            proven += plan.status == "optimal"
    assert feasible >= 10
    assert proven >= 0.8 * feasible, (proven, feasible)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    return load_scenario(write_instance(folder, 40, 3))


def test_columns_bound_below_compact_optimum(synthetic, tmp_path):
    scenario = with_overrides(synthetic, {"solver.time_limit": 120})
    instance = load_instance(scenario)
    exact = solve(with_overrides(scenario, {"solver.method": "compact"}), instance=instance)
    assert exact.status == "optimal"
    plan = solve(with_overrides(scenario, {"solver.method": "columns"}), instance=instance)
    assert plan.solver["method"] == "columns"
    assert plan.solver["rounds"] >= 1 and plan.solver["columns"] >= 1
    assert plan.best_bound <= exact.objective + TOL <= plan.objective + 2 * TOL
    assert plan.gap < 0.05
    report = check(scenario, write_plan(plan, tmp_path / "plan", instance=instance, figures=False),
                   instance=instance)
    assert report.ok, report.violations


DETERMINISM = """
import sys
from consortia import load_scenario, solve, with_overrides
scenario = load_scenario(sys.argv[1])
plan = solve(with_overrides(scenario, {"solver.method": "columns", "solver.time_limit": 120,
                                       "directives.together": [["T010", "T015"]],
                                       "directives.apart": [["T033", "T034"]]}))
print(plan.status, repr(plan.objective), repr(plan.best_bound))
for c in plan.consortia:
    print(c.members, c.go_live)
"""


def test_columns_are_deterministic_across_processes(synthetic):
    """Same plan and bound whatever the hash seed (set iteration order differs between them)."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", DETERMINISM, str(synthetic.source)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].split()[0] in ("optimal", "feasible")


def test_auto_picks_enumeration_for_highs_scenarios_of_50_trusts_or_more(synthetic):
    assert choose_method(synthetic, AUTO_FROM - 1) == "compact"
    assert choose_method(synthetic, AUTO_FROM) == "enumerate"
    assert choose_method(synthetic, 5000) == "enumerate"
    cbc = with_overrides(synthetic, {"solver.name": "cbc"})
    assert choose_method(cbc, 10) == "compact"
    connected = with_overrides(synthetic, {"network.membership": "connected"})
    assert choose_method(connected, 5000) == "enumerate"
    assert choose_method(with_overrides(synthetic, {"solver.method": "compact"}), 5000) == "compact"
    assert choose_method(with_overrides(synthetic, {"solver.method": "columns"}), 10) == "columns"


def test_columns_refused_where_they_do_not_apply(synthetic):
    connected = with_overrides(synthetic, {"network.membership": "connected", "solver.method": "columns"})
    with pytest.raises(ConsortiaError, match="solver.method") as info:
        choose_method(connected, 10)
    assert "connected" in str(info.value)
    with pytest.raises(ConsortiaError, match="HiGHS"):
        choose_method(with_overrides(synthetic, {"solver.method": "columns", "solver.name": "cbc"}), 10)


def test_cli_method_flag(synthetic, tmp_path, capsys):
    out = tmp_path / "plan"
    code = main(["solve", str(synthetic.source), "--method", "columns", "--out", str(out), "--no-maps",
                 "--time-limit", "60"])
    assert code == 0
    assert "method: columns" in (out / "plan.yaml").read_text()
    code = main(["solve", str(synthetic.source), "--method", "columns", "--set", "network.membership=connected",
                 "--out", str(tmp_path / "other"), "--no-maps"])
    assert code == 2
    assert "solver.method" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


def test_bound_stays_valid_when_time_runs_out(synthetic):
    """Stopped early, the bound (if any) is still at or below the optimum."""
    scenario = with_overrides(synthetic, {"solver.time_limit": 120})
    instance = load_instance(scenario)
    exact = solve(with_overrides(scenario, {"solver.method": "compact"}), instance=instance)
    for limit in (0.2, 0.5, 1.0):
        plan = solve(with_overrides(scenario, {"solver.method": "columns", "solver.time_limit": limit}),
                     instance=instance)
        if plan.best_bound is not None:
            assert plan.best_bound <= exact.objective + TOL
        if plan.has_plan:
            assert plan.objective >= exact.objective - TOL


def test_subset_row_cut_closes_the_odd_cycle(tmp_path):
    """Three close trusts, pairs only, a standalone costs 10: the LP alone takes each pair at
    one half (bound about 1.5 pair costs); the cut on the three forces one standalone."""
    from small import demand, roster, trust, write_case

    from consortia.columns import solve_by_columns
    from consortia.graph import build_graph
    from consortia.model import trust_facts

    codes = ["A", "B", "C"]
    trusts = [trust(c, 52.0 + 0.01 * k, -1.0, "2014-07-01") for k, c in enumerate(codes)]
    rosters = [r for c in codes for r in roster(c, 3, weekday=2, sat=1, sun=1)]
    settings = {"network": {"max_distance_km": 50}, "consortium": {"max_size": 2},
                "cover": {"reports_per_session": 10, "min_ratio": 0.5},
                "objective": {"standalone": 10.0, "distance": 0.01}, "solver": {"method": "columns"}}
    scenario = write_case(tmp_path / "case", trusts, rosters, [demand(c, 10, 5) for c in codes], settings)
    instance = load_instance(scenario)
    graph = build_graph(scenario, instance)
    outcome = solve_by_columns(scenario, graph, trust_facts(scenario, instance, graph))
    assert outcome.cuts >= 1
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(outcome.bound)
    assert outcome.objective > 10.0
    assert sorted(len(members) for members, _ in outcome.groups) == [1, 2]
