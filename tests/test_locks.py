"""Locks: fixed consortia that may grow (``directives.fixed[].grow``) and pinned trusts
(``directives.pin``). Every plan is written and passed by the independent checker; the
checker also catches proposals that break a lock.
"""

from __future__ import annotations

import pytest
from cases import case, groups, solve_checked

from consortia import ConsortiaError, check, solve
from consortia.cli import main

JULY = "2014-07-01"
TRIO = {"A": (0, JULY), "B": (10, JULY), "C": (40, JULY)}


def plan_of(tmp_path, name, layout, settings=None, **kw):
    scenario = case(tmp_path / name, layout, settings, **kw)
    return solve_checked(scenario, tmp_path / name / "plan")


def fixed(*members, grow=False, name="north", go_live=None):
    entry = {"members": list(members), "name": name, "grow": grow}
    if go_live:
        entry["go_live"] = go_live
    return entry


def test_fixed_consortium_takes_no_newcomer_unless_it_grows(tmp_path):
    kept = plan_of(tmp_path, "kept", TRIO, {"directives": {"fixed": [fixed("A", "B")]}})
    assert groups(kept) == {frozenset("AB"), frozenset("C")}
    grown = plan_of(tmp_path, "grown", TRIO, {"directives": {"fixed": [fixed("A", "B", grow=True)]}})
    assert groups(grown) == {frozenset("ABC")}
    c = grown.consortium_of("C")
    assert c.id == "north" and c.fixed


def test_newcomers_keep_every_rule_but_original_members_stay_exempt(tmp_path):
    layout = {"A": (0, JULY), "D": (200, JULY), "C": (40, JULY)}
    settings = {"directives": {"fixed": [fixed("A", "D", grow=True)]}}
    plan = plan_of(tmp_path, "far-core", layout, settings)
    assert groups(plan) == {frozenset("AD"), frozenset("C")}  # C is 160 km from D
    connected = {**settings, "network": {"membership": "connected"}}
    plan = plan_of(tmp_path, "connected", layout, connected)
    assert groups(plan) == {frozenset("ACD")}  # linked to A, and A-D count as linked
    small = {"directives": {"fixed": [fixed("A", "B", grow=True)]}, "consortium": {"max_size": 2}}
    assert groups(plan_of(tmp_path, "full", TRIO, small)) == {frozenset("AB"), frozenset("C")}


def test_pin_to_a_consortium_overrides_the_cheaper_choice(tmp_path):
    layout = {**TRIO, "C": (40, "2015-01-01")}
    settings = {"directives": {"fixed": [fixed("A", "B", grow=True)]}}
    free = plan_of(tmp_path, "free", layout, settings)
    assert groups(free) == {frozenset("AB"), frozenset("C")}  # 6 months late costs more than alone
    settings["directives"]["pin"] = [{"trust": "C", "consortium": "north"}]
    pinned = plan_of(tmp_path, "pinned", layout, settings)
    assert groups(pinned) == {frozenset("ABC")}
    assert pinned.objective > free.objective


def test_pin_go_live(tmp_path):
    settings = {"directives": {"pin": [{"trust": "A", "go_live": "2014-10-01"}]}}
    plan = plan_of(tmp_path, "late", TRIO, settings)
    assert str(plan.consortium_of("A").go_live) == "2014-10-01"
    assert groups(plan) == {frozenset("A"), frozenset("BC")}  # 3 months late + 5 alone < 9 months late


def test_impossible_pins_are_diagnosed(tmp_path):
    layout = {**TRIO, "C": (150, JULY)}
    settings = {"directives": {"fixed": [fixed("A", "B", grow=True)],
                               "pin": [{"trust": "C", "consortium": "north"}]}}
    plan = solve(case(tmp_path / "far", layout, settings))
    assert plan.status == "infeasible"
    assert any("cannot join fixed consortium north (A B): it is not linked to A B" in d for d in plan.diagnosis)
    off_grid = {"directives": {"pin": [{"trust": "A", "go_live": "2014-08-01"}]}}
    plan = solve(case(tmp_path / "grid", TRIO, off_grid))
    assert plan.status == "infeasible"
    assert any("pinned go-live 2014-08-01" in d for d in plan.diagnosis)


def test_checker_catches_broken_locks(tmp_path):
    settings = {"directives": {"fixed": [fixed("A", "B", grow=True)],
                               "pin": [{"trust": "C", "consortium": "north"},
                                       {"trust": "A", "go_live": "2014-10-01"}]}}
    scenario = case(tmp_path / "p", TRIO, settings)
    proposal = tmp_path / "proposal.csv"
    proposal.write_text("trust,consortium,go_live\nA,X,2014-07-01\nB,X,2014-07-01\nC,Y,2014-07-01\n",
                        encoding="utf-8")
    report = check(scenario, proposal)
    text = " | ".join(report.violations)
    assert "C is in Y, not in fixed consortium north" in text
    assert "A goes live 2014-07-01 with X, not 2014-10-01" in text
    proposal.write_text("trust,consortium\nA,X\nB,X\nC,X\n", encoding="utf-8")
    report = check(scenario, proposal)
    assert report.ok, report.violations
    assert {str(d) for d in report.go_live.values()} == {"2014-10-01"}


def test_checker_applies_rules_to_newcomers_only(tmp_path):
    layout = {"A": (0, JULY), "D": (200, JULY), "C": (40, JULY)}
    scenario = case(tmp_path / "p", layout, {"directives": {"fixed": [fixed("A", "D", grow=True)]}})
    proposal = tmp_path / "proposal.csv"
    proposal.write_text("trust,consortium\nA,X\nD,X\nC,X\n", encoding="utf-8")
    text = " | ".join(check(scenario, proposal).violations)
    assert "C and D in consortium X are not linked" in text and "A and D" not in text


@pytest.mark.parametrize("directives, key", [
    ({"pin": [{"trust": "C"}]}, "directives.pin[0]"),
    ({"pin": [{"trust": "C", "consortium": "south"}], "fixed": [fixed("A", "B")]}, "directives.pin[0].consortium"),
    ({"pin": [{"trust": "C", "consortium": "north"}], "fixed": [fixed("A", "B")]}, "directives.pin[0].consortium"),
    ({"pin": [{"trust": "C", "go_live": JULY}, {"trust": "C", "go_live": JULY}]}, "directives.pin[1]"),
    ({"pin": [{"trust": "ZZ", "go_live": JULY}]}, "directives.pin[0].trust"),
])
def test_bad_pins_are_input_errors(tmp_path, directives, key):
    with pytest.raises(ConsortiaError) as err:
        scenario = case(tmp_path / "bad", TRIO, {"directives": directives})
        from consortia import load_instance
        load_instance(scenario)
    assert err.value.key == key


def test_bad_pin_exits_2(tmp_path):
    scenario_dir = tmp_path / "bad"
    with pytest.raises(ConsortiaError):
        case(scenario_dir, TRIO, {"directives": {"pin": [{"trust": "C"}]}})
    assert main(["solve", str(scenario_dir / "scenario.yaml"), "--no-maps", "--quiet"]) == 2


# ---- re-planning against a baseline ------------------------------------------------------------

def test_baseline_keeps_a_plan_stable_when_one_trust_changes(tmp_path):
    base = plan_of(tmp_path, "base", TRIO)
    assert groups(base) == {frozenset("ABC")}
    changed = {**TRIO, "C": (40, "2015-01-01")}
    fresh = plan_of(tmp_path, "fresh", changed)
    assert groups(fresh) == {frozenset("AB"), frozenset("C")}
    stable = plan_of(tmp_path, "stable", changed, {"baseline": str(tmp_path / "base" / "plan")})
    assert groups(stable) == {frozenset("ABC")}
    assert stable.metrics["moved"] == [] and stable.terms["moved"] == 0
    cheap = plan_of(tmp_path, "cheap", changed, {"baseline": str(tmp_path / "base" / "plan"),
                                                  "objective": {"moved": 0.1}})
    assert groups(cheap) == {frozenset("AB"), frozenset("C")}
    assert cheap.metrics["moved"] == ["A", "B", "C"]
    assert cheap.terms["moved"] == pytest.approx(0.3)


def test_new_trusts_do_not_count_as_moves(tmp_path):
    plan_of(tmp_path, "base", {"A": (0, JULY), "B": (10, JULY)})
    plan = plan_of(tmp_path, "more", TRIO, {"baseline": str(tmp_path / "base" / "plan")})
    assert groups(plan) == {frozenset("ABC")} and plan.metrics["moved"] == []


def test_solve_with_baseline_reports_who_moved(tmp_path, capsys):
    plan_of(tmp_path, "base", TRIO)
    scenario = case(tmp_path / "next", {**TRIO, "C": (40, "2015-01-01")})
    code = main(["solve", str(scenario.source), "--baseline", str(tmp_path / "base" / "plan"), "--moved", "0.1",
                 "--no-maps", "--quiet", "--out", str(tmp_path / "next" / "plan")])
    assert code == 0
    text = capsys.readouterr().out
    assert "3 trust(s) moved from the baseline" in text and "C: C01 -> S-C (left A B)" in text
    assert "input trusts" in text
    assert main(["solve", str(scenario.source), "--baseline", str(tmp_path), "--no-maps", "--quiet"]) == 2


@pytest.mark.parametrize("seed", [3, 10, 15, 18, 26, 29, 30, 31, 36, 41, 47, 54])
def test_baseline_milp_matches_brute_force(tmp_path, seed):
    from oracle import brute_force
    from small import random_case

    from consortia import load_instance, with_overrides, write_plan

    scenario = random_case(tmp_path / "case", seed, 3 + seed % 4)
    first = solve(scenario)
    if not first.has_plan:
        pytest.skip("no first plan to re-plan from")
    write_plan(first, tmp_path / "base", figures=False)
    changed = with_overrides(scenario, {"network.max_distance_km": scenario.network.max_distance_km * 2,
                                        "objective.standalone": scenario.objective.standalone + 4,
                                        "baseline": str(tmp_path / "base"), "objective.moved": 1.5})
    instance = load_instance(changed)
    expected = brute_force(changed, instance)
    plan = solve(changed, instance=instance)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(expected, abs=1e-6)
    folder = write_plan(plan, tmp_path / "plan", instance=instance, figures=False)
    report = check(changed, folder, instance=instance)
    assert report.ok, report.violations


@pytest.mark.parametrize("seed", range(24))
def test_locks_milp_matches_brute_force(tmp_path, seed):
    """Random small scenarios with a growing fixed consortium and a trust pinned into it, or a
    pinned go-live: the MILP's optimum equals the enumeration's, or both find no plan."""
    from oracle import brute_force
    from small import random_case

    from consortia import load_instance, with_overrides, write_plan
    from consortia.timing import Calendar, month_start

    scenario = random_case(tmp_path / "case", seed, 4 + seed % 3)
    scenario = with_overrides(scenario, {"cover.mode": "soft", "planning.max_extension_months": 12})
    instance = load_instance(scenario)
    free = [t for t in instance.trusts if t.code not in scenario.directives.exclude]

    def far(t, group):
        return max(abs(t.lat - g.lat) + abs(t.lon - g.lon) for g in group)

    core = [free[0], min(free[1:], key=lambda t: far(t, free[:1]))]
    nearest = min((t for t in free if t not in core), key=lambda t: far(t, core))
    calendar = Calendar(scenario.planning)
    window = calendar.window(nearest.contract_end)
    pin = {"trust": nearest.code, "consortium": "F"}
    if seed % 2 and window:
        pin = {"trust": nearest.code, "go_live": month_start(calendar.go_live(window[seed % len(window)]))}
    scenario = with_overrides(scenario, {"directives.fixed": [{"name": "F", "members": [t.code for t in core],
                                                               "grow": True}],
                                         "directives.pin": [pin]})
    expected = brute_force(scenario, instance)
    plan = solve(scenario, instance=instance)
    if expected is None:
        assert plan.status == "infeasible" and plan.diagnosis
        return
    assert plan.status == "optimal", plan.diagnosis
    assert plan.objective == pytest.approx(expected, abs=1e-6)
    report = check(scenario, write_plan(plan, tmp_path / "plan", instance=instance, figures=False),
                   instance=instance)
    assert report.ok, report.violations
