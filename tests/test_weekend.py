"""Weekend cover that a rota can staff: the rota-existence test, and plans rosterable by construction.

* :func:`consortia.weekend.rota_exists` (counting, then a periodic rota, then the integer
  program) agrees with the integer program alone on random staff lists; so does the integer
  program of classes of alike radiologists; the trust share by counting and the pooled program
  never refuse a set the integer program can staff;
* on random tiny scenarios with a rota required, the plan's optimum equals a brute force over
  every partition whose every block is rosterable, and every consortium of the plan has a rota
  (checked by solving the rota program itself);
* switching the rota check off makes that test fail (the counting rules alone are not enough).
"""

from __future__ import annotations

import random

import pulp
import pytest
from oracle import brute_force
from small import demand, trust, write_case

from consortia import check, solve, with_overrides, write_plan
from consortia.folders import KNOWN_NAMES, owned_files
from consortia.scenario import Solver
from consortia.solver import run_solver
from consortia.weekend import (
    Staff,
    WeekendRules,
    build_rota_program,
    counting_shortfalls,
    least_day_sessions,
    periodic_rota,
    pooled_shortfall,
    rota_by_classes,
    rota_exists,
    share_shortfalls,
    weekend_demand,
    weekend_staff,
)

SEEDS = range(110)


def _program_feasible(staff, need, rules) -> bool:
    program = build_rota_program(staff, need, rules)
    program.problem += pulp.LpAffineExpression()
    outcome = run_solver(program.problem, Solver(name="highs", time_limit=60, gap=0.0, threads=1, log=False))
    assert outcome.status in ("optimal", "infeasible"), outcome.message
    return outcome.status == "optimal"


def _random_staff(rng: random.Random):
    trusts = [f"T{k}" for k in range(rng.randint(1, 3))]
    staff = []
    for t in trusts:
        for k in range(rng.randint(0, 4)):
            staff.append(Staff(t, f"{t}-{k}", tuple(sorted(rng.sample(["neuro", "msk"], rng.randint(0, 1)))),
                               (float(rng.choice([0, 1, 2, 3])), float(rng.choice([0, 1, 2, 3])))))
    staff = tuple(s for s in staff if sum(s.sessions) > 0)
    need = {t: (float(rng.randint(0, 25)), float(rng.randint(0, 25))) for t in trusts}
    rules = WeekendRules(weeks=rng.choice([2, 3, 4, 5]), one_in=rng.choice([2, 3]),
                         tolerance=rng.choice([0.05, 0.2, 1.0]), reports_per_session=10.0,
                         min_ratio=rng.choice([0.5, 1.0]),
                         weekend_subspecialties=tuple(rng.sample(["neuro"], rng.randint(0, 1))))
    return staff, need, rules


@pytest.mark.parametrize("seed", range(300))
def test_rota_exists_agrees_with_the_integer_program(seed):
    staff, need, rules = _random_staff(random.Random(seed))
    assert rota_exists(staff, need, rules) == _program_feasible(staff, need, rules)


def test_counting_is_necessary_and_the_periodic_rota_sufficient():
    seen_counting = seen_periodic = seen_neither = 0
    for seed in range(300):
        staff, need, rules = _random_staff(random.Random(seed))
        feasible = _program_feasible(staff, need, rules)
        if counting_shortfalls(staff, need, rules):
            assert not feasible
            seen_counting += 1
        elif periodic_rota(staff, need, rules) is not None:
            assert feasible
            seen_periodic += 1
        else:
            seen_neither += 1
    # each step decides some cases, and some are left to the integer program
    assert seen_counting and seen_periodic and seen_neither


def _share_staff(rng: random.Random):
    """Staff lists like the synthetic consortia's (a hub holding the subspecialists, members with
    uniform sessions, one weekend in ``weeks``), where the trust share decides."""
    trusts = [f"T{k}" for k in range(rng.randint(2, 4))]
    staff = []
    for n, t in enumerate(trusts):
        count = rng.randint(2, 7) if n == 0 else rng.randint(1, 4)
        value = float(rng.choice([2, 3])) if n == 0 else float(rng.choice([1, 2, 3]))
        for k in range(count):
            subs = ("neuro",) if n == 0 and k < 3 else ()
            one_day = rng.random() < 0.2
            staff.append(Staff(t, f"{t}-{k}", subs, (value, 0.0 if one_day else value)))
    weeks = rng.choice([2, 3, 4])
    rules = WeekendRules(weeks=weeks, one_in=rng.choice([weeks, weeks, 2]), tolerance=rng.choice([0.05, 0.1, 0.2]),
                         reports_per_session=10.0, min_ratio=1.0,
                         weekend_subspecialties=("neuro",) if rng.random() < 0.5 else ())
    need = {t: (float(rng.randint(5, 40)), float(rng.randint(5, 40))) for t in trusts}
    return tuple(staff), need, rules


def test_the_pooled_tests_never_refuse_a_rosterable_set():
    """The trust share by counting and the pooled program are necessary: whatever they refuse,
    the rota's integer program finds infeasible too (on many random staff lists), and they refuse
    sets that counting alone lets through."""
    beyond_counting = beyond_share = refused = 0
    for seed in range(400):
        rng = random.Random(f"pooled:{seed}")
        staff, need, rules = _share_staff(rng) if seed % 2 else _random_staff(rng)
        share = bool(share_shortfalls(staff, need, rules))
        pooled = pooled_shortfall(staff, need, rules)
        if share or pooled:
            refused += 1
            assert not _program_feasible(staff, need, rules), seed
            beyond_counting += not counting_shortfalls(staff, need, rules)
            beyond_share += not share and not counting_shortfalls(staff, need, rules)
        assert not share or pooled  # the pooled program holds the share rule too
    assert refused >= 50 and beyond_counting >= 20 and beyond_share >= 5, (refused, beyond_counting, beyond_share)


@pytest.mark.parametrize("seed", range(200))
def test_the_program_of_classes_agrees_with_the_program_of_radiologists(seed):
    """rota_by_classes (alike radiologists counted together) decides exactly as the rota's own
    integer program, on lists where the periodic rota and counting decide nothing too."""
    rng = random.Random(f"classes:{seed}")
    staff, need, rules = _share_staff(rng) if seed % 2 else _random_staff(rng)
    assert rota_by_classes(staff, need, rules) == _program_feasible(staff, need, rules)


def test_least_day_sessions_are_whole_sessions():
    staff = (Staff("H", "H-1", (), (3.0, 2.0)), Staff("H", "H-2", (), (6.0, 4.0)))
    assert least_day_sessions(staff, 10.8, 0) == 12  # multiples of 3 on Saturdays
    assert least_day_sessions(staff, 10.8, 1) == 12  # of 2 on Sundays
    assert least_day_sessions(staff, 0.0, 0) == 0
    halves = (Staff("H", "H-1", (), (1.5, 1.0)),)
    assert least_day_sessions(halves, 10.8, 0) == pytest.approx(10.8, abs=1e-5)


def test_bin_packing_defeats_counting():
    """Sessions 3 and 1 hold 4 = 2 weekends x 2 needed, but no rota gives 2 every weekend."""
    staff = (Staff("A", "A-1", (), (3.0, 0.0)), Staff("A", "A-2", (), (1.0, 0.0)))
    rules = WeekendRules(weeks=2, one_in=2, tolerance=1.0, reports_per_session=10.0, min_ratio=1.0,
                         weekend_subspecialties=())
    need = {"A": (20.0, 0.0)}
    assert not counting_shortfalls(staff, need, rules)
    assert rota_exists(staff, need, rules) is False


def rosterable_case(folder, seed: int):
    """A tiny hard-cover scenario where the weekend rota decides which consortia may form."""
    rng = random.Random(seed)
    n = 3 + seed % 3
    codes = [f"T{k}" for k in range(n)]
    trusts, rosters, demands = [], [], []
    for c in codes:
        trusts.append(trust(c, round(52 + rng.uniform(0, 0.4), 4), round(-1.5 + rng.uniform(0, 0.6), 4),
                            rng.choice(["2014-01-01", "2014-03-20", "2014-06-30", "2014-09-10"])))
        for k in range(rng.randint(1, 3)):
            rosters.append({"trust": c, "radiologist": f"{c}-{k}",
                            "subspecialties": rng.choice(["", "", "neuro"]),
                            **{d: 2 for d in ("mon", "tue", "wed", "thu", "fri")},
                            "sat": rng.choice([0, 1, 2, 3]), "sun": rng.choice([0, 1, 2, 3])})
        demands.append(demand(c, 10, rng.randint(0, 20)))
    settings = {
        "planning": {"start": "2014-01-01", "periods": 4, "period_months": 3, "lead_time_months": 0,
                     "max_extension_months": 6, "max_early_exit_months": 6},
        "network": {"max_distance_km": 80},
        "consortium": {"min_size": 2, "max_size": 3, "allow_standalone": True},
        "cover": {"mode": "hard", "reports_per_session": 10, "min_ratio": rng.choice([0.5, 1.0]),
                  "weekend_subspecialties": ["neuro"] if rng.random() < 0.3 else []},
        "rota": {"required": True, "one_in": rng.choice([2, 3]), "weeks": rng.choice([2, 3, 4]),
                 "tolerance": rng.choice([0.1, 0.3, 1.0]), "time_limit": 30},
        "objective": {"timing": 1.0, "distance": 0.01, "standalone": rng.choice([0.0, 5.0])},
        "solver": {"time_limit": 60, "gap": 0.0},
    }
    if settings["cover"]["weekend_subspecialties"] and not any(r["subspecialties"] for r in rosters):
        settings["cover"]["weekend_subspecialties"] = []
    scenario = write_case(folder, trusts, rosters, demands, settings)
    from consortia import load_instance
    return scenario, load_instance(scenario)


def _rosterable_by_program(scenario, instance, members) -> bool:
    rules = WeekendRules.of(scenario)
    return _program_feasible(weekend_staff(instance, members), weekend_demand(instance, members), rules)


@pytest.mark.parametrize("seed", SEEDS)
def test_plans_are_rosterable_and_optimal_over_rosterable_partitions(tmp_path, seed):
    scenario, instance = rosterable_case(tmp_path / "case", seed)
    expected = brute_force(scenario, instance)
    plan = solve(scenario, instance=instance)
    if expected is None:
        assert plan.status == "infeasible"
        return
    assert plan.status == "optimal", plan.diagnosis
    assert plan.objective == pytest.approx(expected, abs=1e-6)
    for c in plan.consortia:
        assert _rosterable_by_program(scenario, instance, c.members), c.members
    folder = write_plan(plan, tmp_path / "plan", instance=instance, figures=False)
    assert check(scenario, folder, instance=instance).ok


def test_switching_the_rota_check_off_breaks_the_plans(tmp_path, monkeypatch):
    """With counting alone (no exact rota check), some plans hold a consortium no rota can staff."""
    import consortia.pipeline

    monkeypatch.setattr(consortia.pipeline, "rosterability", lambda scenario, instance: None)
    broken = 0
    for seed in SEEDS:
        scenario, instance = rosterable_case(tmp_path / f"case{seed}", seed)
        plan = solve(scenario, instance=instance)
        if plan.has_plan and not all(_rosterable_by_program(scenario, instance, c.members) for c in plan.consortia):
            broken += 1
    assert broken >= 1


@pytest.mark.parametrize("method", ["enumerate", "columns"])
def test_column_methods_test_the_chosen_columns_and_choose_again(tmp_path, monkeypatch, method):
    """Column generation adds columns by the counting rules and tests exactly only those its LP
    or its plan uses: where counting alone chooses a consortium no rota can staff, the column is
    refused and the plan chosen again, ending at the optimum over rosterable partitions."""
    import consortia.pipeline

    exact = consortia.pipeline.rosterability
    chosen_again = 0
    for seed in range(0, 110, 3):
        scenario, instance = rosterable_case(tmp_path / f"case{seed}", seed)
        scenario = with_overrides(scenario, {"solver.method": method})
        expected = brute_force(scenario, instance)
        monkeypatch.setattr(consortia.pipeline, "rosterability", lambda scenario, instance: None)
        counted = solve(scenario, instance=instance)
        monkeypatch.setattr(consortia.pipeline, "rosterability", exact)
        plan = solve(scenario, instance=instance)
        if expected is None:
            assert not plan.has_plan
            continue
        assert plan.status == "optimal", (seed, plan.diagnosis, plan.solver.get("message"))
        assert plan.objective == pytest.approx(expected, abs=1e-6), seed
        for c in plan.consortia:
            assert _rosterable_by_program(scenario, instance, c.members), (seed, c.members)
        if counted.has_plan and not all(_rosterable_by_program(scenario, instance, c.members)
                                        for c in counted.consortia):
            assert plan.solver["rota_refused"] >= 1, seed
            chosen_again += 1
    assert chosen_again >= 5


@pytest.mark.parametrize("method", ["compact", "enumerate", "columns"])
def test_a_set_the_rota_test_cannot_decide_makes_the_plan_feasible(tmp_path, monkeypatch, method):
    """When the exact test cannot decide a member set in time, that set is left out and the plan
    is never reported optimal."""
    import consortia.weekend

    exact = consortia.weekend.rota_exists
    left_out: list[frozenset] = []

    def first_rosterable_pair_undecided(staff, demand, rules, time_limit=60.0, threads=None):
        found = exact(staff, demand, rules, time_limit, threads)
        if found and len(demand) > 1 and (not left_out or left_out[0] == frozenset(demand)):
            left_out[:] = [frozenset(demand)]
            return None
        return found

    monkeypatch.setattr(consortia.weekend, "rota_exists", first_rosterable_pair_undecided)
    seen = 0
    for seed in range(0, 60, 3):
        left_out.clear()
        scenario, instance = rosterable_case(tmp_path / f"case{seed}", seed)
        plan = solve(with_overrides(scenario, {"solver.method": method}), instance=instance)
        if plan.solver.get("rota_undecided"):
            seen += 1
            assert plan.status in ("feasible", "no_solution"), (seed, plan.status)
            assert all(frozenset(c.members) not in left_out for c in plan.consortia), seed
    assert seen >= 3


DEMO = __import__("pathlib").Path(__file__).resolve().parent.parent / "inputs" / "demo" / "scenario.yaml"


def test_demo_plan_is_rosterable_by_construction_and_solve_writes_its_rota(tmp_path, capsys):
    from consortia.cli import main

    out = tmp_path / "plan"
    assert main(["solve", str(DEMO), "--out", str(out), "--no-maps", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "4 of 4 consortia rostered" in text
    for name in ("rota.csv", "rota_summary.csv", "rota.yaml"):
        assert (out / name).is_file()
    # the manifest lists every file the solve wrote, the rota's included, all of known names
    owned = owned_files(out)
    assert owned == {p.name for p in out.iterdir() if not p.name.startswith(".")} and owned <= KNOWN_NAMES
    assert main(["rota", str(out), "--check"]) == 0


def test_check_of_a_proposal_names_what_the_rota_lacks(tmp_path, capsys):
    """A proposal whose consortium has too few weekend neuroradiologists for one weekend in four:
    `check` says so and prints the rota's diagnosis and smallest fix."""
    from consortia.cli import main

    proposal = tmp_path / "proposal.csv"
    groups = {"C01": "DMA DMD DMG DMM", "C02": "DMC DME DMF", "C03": "DMJ DMK DML", "C04": "DMB DMH"}
    proposal.write_text("trust,consortium\n" + "".join(f"{t},{c}\n" for c, ms in groups.items() for t in ms.split()))
    assert main(["check", str(DEMO), str(proposal)]) == 1
    text = capsys.readouterr().out
    assert "consortium C04 has 3 neuro radiologist(s) with sat sessions" in text
    assert "weekend rota of C04 (DMB DMH):" in text
    assert "would fix it: 1 more neuro session" in text


def test_a_one_in_that_no_consortium_can_meet_is_diagnosed_with_the_setting(capsys):
    """One weekend in twelve leaves every demo trust short of weekend neuro radiologists."""
    from consortia import load_scenario, solve, with_overrides

    plan = solve(with_overrides(load_scenario(DEMO), {"rota.one_in": 12, "rota.weeks": 12}))
    assert plan.status == "infeasible"
    assert any("neuro" in c and "rota.one_in=12" in c for c in plan.diagnosis), plan.diagnosis
