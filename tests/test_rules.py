"""Each rule binds: on a tiny hand-made scenario, switching the rule on changes the plan.

Every plan is written and passed by the independent checker (``cases.solve_checked``). Trusts
are placed ``km`` north of one point (see tests/cases.py); unless a test says otherwise each
covers its own demand, and the default weights are timing 1, distance 0.01, standalone 5.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cases import PLANNING, case, groups, neuro, solve_checked, weak
from small import roster

from consortia import solve
from consortia.cli import main

JULY = "2014-07-01"
PAIR = {"A": (0, JULY), "B": (10, JULY)}
"""Two trusts 10 km apart with the same contract end: they group unless a rule stops them."""


def plan_of(tmp_path, name, layout, settings=None, **kw):
    """Solve the scenario in ``tmp_path/name`` and return its checked plan."""
    scenario = case(tmp_path / name, layout, settings, **kw)
    return solve_checked(scenario, tmp_path / name / "plan")


def alone(*codes) -> set[frozenset]:
    return {frozenset([c]) for c in codes}


def test_pair_groups_without_rules(tmp_path):
    assert groups(plan_of(tmp_path, "free", PAIR)) == {frozenset("AB")}


def test_market_capacity_one_forces_distinct_go_to_market_periods(tmp_path):
    far = {"A": (0, JULY), "B": (300, JULY), "C": (600, JULY)}
    free = plan_of(tmp_path, "free", far)
    assert {c.go_to_market for c in free.consortia} == {dt.date(2014, 7, 1)}
    capped = plan_of(tmp_path, "capped", far, {"market": {"capacity": 1}})
    assert len({c.go_to_market for c in capped.consortia}) == 3
    assert capped.metrics["peak_market"] == 1
    assert capped.terms["timing"] > 0


def test_apart_splits_a_pair(tmp_path):
    plan = plan_of(tmp_path, "apart", PAIR, {"directives": {"apart": [["A", "B"]]}})
    assert groups(plan) == alone("A", "B")


def test_forbid_link_beats_distance(tmp_path):
    plan = plan_of(tmp_path, "forbid", PAIR, links=[{"trust_a": "B", "trust_b": "A", "relation": "forbid"}])
    assert groups(plan) == alone("A", "B")


def test_share_link_joins_trusts_beyond_max_distance(tmp_path):
    far = {"A": (0, JULY), "B": (150, JULY)}
    assert groups(plan_of(tmp_path, "far", far)) == alone("A", "B")
    plan = plan_of(tmp_path, "share", far, links=[{"trust_a": "A", "trust_b": "B", "relation": "share"}])
    assert groups(plan) == {frozenset("AB")}
    assert plan.consortia[0].max_pair_km == pytest.approx(150, abs=0.5)


def test_together_joins_a_pair(tmp_path):
    # grouping costs 6 months of misalignment and standalone is free, so they stay apart ...
    apart = {"A": (0, "2014-04-01"), "B": (20, "2014-10-01")}
    free = {"objective": {"standalone": 0}}
    assert groups(plan_of(tmp_path, "free", apart, free)) == alone("A", "B")
    # ... unless a regional lead puts them together
    plan = plan_of(tmp_path, "together", apart, {**free, "directives": {"together": [["B", "A"]]}})
    assert groups(plan) == {frozenset("AB")}
    assert plan.terms["timing"] == 6


def test_exclude_removes_a_trust_from_the_plan(tmp_path):
    layout = {"A": (0, JULY), "B": (10, JULY), "C": (20, JULY)}
    plan = plan_of(tmp_path, "exclude", layout, {"directives": {"exclude": ["B"]}})
    assert "B" not in plan.assignments and set(plan.assignments) == {"A", "C"}
    assert plan.excluded == ("B",)
    assert "\nB," not in (tmp_path / "exclude" / "plan" / "assignments.csv").read_text()


def test_fixed_consortium_is_kept_exactly_and_no_one_joins(tmp_path):
    layout = {"A": (0, JULY), "B": (10, JULY), "C": (20, JULY)}
    assert groups(plan_of(tmp_path, "free", layout)) == {frozenset("ABC")}
    fixed = {"directives": {"fixed": [{"members": ["B", "A"], "name": "PRE", "go_live": "2014-10-01"}]}}
    plan = plan_of(tmp_path, "fixed", layout, fixed)
    pre = plan.consortium_of("A")
    assert (pre.id, pre.members, pre.go_live, pre.fixed) == ("PRE", ("A", "B"), dt.date(2014, 10, 1), True)
    assert plan.consortium_of("C").members == ("C",)


def test_fixed_consortium_name_is_never_reused(tmp_path):
    layout = {"A": (0, JULY), "B": (10, JULY), "C": (200, JULY), "D": (210, JULY), "E": (500, JULY)}
    fixed = {"directives": {"fixed": [{"members": ["A", "B"], "name": "C01"}, {"members": ["D"], "name": "S-E"}]}}
    plan = plan_of(tmp_path, "names", layout, fixed)
    assert plan.assignments["A"] == "C01" and plan.assignments["C"] != "C01"
    assert plan.assignments["D"] == "S-E" and plan.assignments["E"] != "S-E"
    assert len({c.id for c in plan.consortia}) == len(plan.consortia)


def test_same_region_stops_cross_region_groups(tmp_path):
    layout = {"A": (0, JULY, "R1"), "B": (10, JULY, "R2")}
    assert groups(plan_of(tmp_path, "mixed", layout)) == {frozenset("AB")}
    plan = plan_of(tmp_path, "regional", layout, {"network": {"same_region": True}})
    assert groups(plan) == alone("A", "B")


@pytest.mark.parametrize("limit", ["max_extension_months", "max_early_exit_months"])
def test_go_live_windows_bind(tmp_path, limit):
    # A can go live 2014-01..2014-07, B 2014-07..2015-04: only July 2014 (A +6, B -3) is shared
    layout = {"A": (0, "2014-01-01"), "B": (10, "2014-10-01")}
    costly = {"objective": {"standalone": 20}}
    grouped = plan_of(tmp_path, "wide", layout, costly)
    assert groups(grouped) == {frozenset("AB")}
    assert grouped.consortia[0].go_live == dt.date(2014, 7, 1)
    tight = plan_of(tmp_path, "tight", layout, {**costly, "planning": {**PLANNING, limit: 2}})
    assert groups(tight) == alone("A", "B")


def test_allow_standalone_false_forces_grouping(tmp_path):
    layout = {"A": (0, "2014-04-01"), "B": (20, "2014-10-01")}
    free = {"objective": {"standalone": 0}}
    assert groups(plan_of(tmp_path, "free", layout, free)) == alone("A", "B")
    plan = plan_of(tmp_path, "grouped", layout, {**free, "consortium": {"allow_standalone": False}})
    assert groups(plan) == {frozenset("AB")}


def test_min_size_binds(tmp_path):
    plan = plan_of(tmp_path, "min3", PAIR, {"consortium": {"min_size": 3}})
    assert groups(plan) == alone("A", "B")


def test_max_size_binds(tmp_path):
    layout = {"A": (0, JULY), "B": (10, JULY), "C": (20, JULY)}
    plan = plan_of(tmp_path, "max2", layout, {"consortium": {"max_size": 2}})
    assert sorted(len(g) for g in groups(plan)) == [1, 2]


def test_hard_cover_groups_a_weak_trust_with_a_strong_one(tmp_path):
    # W cannot cover its demand; M exactly covers its own (no surplus to share); S has a surplus
    # but a contract end three months later. Standalone is free.
    layout = {"W": (0, JULY), "M": (10, JULY), "S": (30, "2014-10-01")}
    kw = {"rosters": {"W": weak, "M": lambda c: roster(c, 1, weekday=1, sat=1, sun=1)},
          "demands": {"W": (30, 5), "M": (10, 10)}}
    free = {"objective": {"standalone": 0}}
    relaxed = plan_of(tmp_path, "relaxed", layout, {**free, "cover": {"min_ratio": 0}}, **kw)
    assert groups(relaxed) == alone("W", "M", "S")
    plan = plan_of(tmp_path, "hard", layout, free, **kw)
    assert "S" in plan.consortium_of("W").members
    assert min(plan.consortium_of("W").cover_ratio) >= 1


def weekday_neuro(code):
    """Neuro on weekdays only; an msk radiologist works the weekend."""
    rows = roster(code, 2, sat=1, sun=1, subs="msk")
    rows[0].update(subspecialties="neuro", sat=0, sun=0)
    return rows


def test_weekend_subspecialty_groups_with_a_weekend_neuro_trust(tmp_path):
    # X has neuro on weekdays only, so it does not count; N has weekend neuro
    layout = {"W": (0, JULY), "X": (10, JULY), "N": (30, "2014-10-01")}
    rosters = {"N": neuro, "X": weekday_neuro}
    free = {"objective": {"standalone": 0}}
    assert groups(plan_of(tmp_path, "free", layout, free, rosters=rosters)) == alone("W", "X", "N")
    plan = plan_of(tmp_path, "neuro", layout, {**free, "cover": {"weekend_subspecialties": ["neuro"]}},
                   rosters=rosters)
    assert "N" in plan.consortium_of("W").members and "N" in plan.consortium_of("X").members
    assert plan.consortium_of("W").weekend_missing == ()


def test_soft_cover_allows_a_shortfall_and_pays_for_it(tmp_path):
    # W alone is 20 reports short each weekday and 5 each weekend day (110 in all) and lacks
    # weekend neuro; N, the only other trust, is 500 km away.
    layout = {"W": (0, JULY), "N": (500, JULY)}
    kw = {"rosters": {"W": weak, "N": neuro}, "demands": {"W": (30, 5)}}
    cover = {"weekend_subspecialties": ["neuro"]}
    hard = solve(case(tmp_path / "hard", layout, {"cover": cover}, **kw))
    assert hard.status == "infeasible"
    soft = {"cover": {**cover, "mode": "soft"}, "objective": {"shortfall": 0.5, "subspecialty_gap": 20}}
    plan = plan_of(tmp_path, "soft", layout, soft, **kw)
    assert plan.consortium_of("W").shortfall_reports == pytest.approx(110)
    assert plan.terms["shortfall"] == pytest.approx(110 * 0.5)
    assert plan.terms["subspecialty_gap"] == pytest.approx(2 * 20)
    assert plan.objective == pytest.approx(55 + 40 + 2 * 5)


def test_connected_and_clique_membership_differ_on_a_path(tmp_path):
    # A-B and B-C are 50 km apart, A-C 100 km: beyond max_distance_km 60
    path = {"A": (0, JULY), "B": (50, JULY), "C": (100, JULY)}
    settings = {"network": {"max_distance_km": 60}, "objective": {"standalone": 10}}
    clique = plan_of(tmp_path, "clique", path, settings)
    assert not any({"A", "C"} <= g for g in groups(clique))
    assert sorted(len(g) for g in groups(clique)) == [1, 2]
    connected = plan_of(tmp_path, "connected", path,
                        {**settings, "network": {"max_distance_km": 60, "membership": "connected"}})
    assert groups(connected) == {frozenset("ABC")}


# ----------------------------------------------------------------------------- no plan exists
def solve_cli(scenario, tmp_path, capsys) -> tuple[int, str]:
    code = main(["solve", str(scenario.source), "--out", str(tmp_path / "out"), "--no-maps", "--quiet"])
    assert not (tmp_path / "out").exists()
    return code, capsys.readouterr().err


def test_no_feasible_go_live_is_diagnosed(tmp_path, capsys):
    scenario = case(tmp_path / "late", {"A": (0, JULY), "B": (10, "2019-01-01")})
    plan = solve(scenario)
    assert plan.status == "infeasible"
    assert any("B has no feasible go-live" in c and "planning.max_extension_months" in c for c in plan.diagnosis)
    code, err = solve_cli(scenario, tmp_path, capsys)
    assert code == 1 and "B has no feasible go-live" in err


def test_no_partner_within_distance_is_diagnosed(tmp_path, capsys):
    scenario = case(tmp_path / "far", {"A": (0, JULY), "B": (10, JULY), "C": (300, JULY)},
                    {"consortium": {"allow_standalone": False}})
    plan = solve(scenario)
    assert plan.status == "infeasible"
    assert any(c.startswith("C has no feasible partner") and "network.max_distance_km=80" in c
               for c in plan.diagnosis), plan.diagnosis
    code, err = solve_cli(scenario, tmp_path, capsys)
    assert code == 1 and "C has no feasible partner" in err


def test_partner_taken_by_a_fixed_consortium_is_diagnosed(tmp_path):
    layout = {"A": (0, JULY), "B": (10, JULY), "W": (20, JULY)}
    scenario = case(tmp_path / "taken", layout, {"directives": {"fixed": [{"members": ["A", "B"]}]}},
                    rosters={"W": weak}, demands={"W": (30, 5)})
    plan = solve(scenario)
    assert plan.status == "infeasible"
    assert any(c.startswith("W has no feasible partner") and "A, B" in c and "directives.fixed" in c
               for c in plan.diagnosis), plan.diagnosis


def test_crowded_market_period_is_diagnosed(tmp_path):
    # three far-apart trusts that may only go live in July 2014, and one procurement a period
    far = {"A": (0, JULY), "B": (300, JULY), "C": (600, JULY)}
    exact = {**PLANNING, "max_extension_months": 0, "max_early_exit_months": 0}
    plan = solve(case(tmp_path / "crowd", far, {"market": {"capacity": 1}, "planning": exact}))
    assert plan.status == "infeasible"
    assert any(c.startswith("A, B, C can only go live 2014-07-01") and "market.capacity=1" in c
               for c in plan.diagnosis), plan.diagnosis


def test_crowded_period_counts_paths_through_other_trusts_under_connected_membership(tmp_path):
    # A and C (80 km apart, not linked) may only go live in July 2014; B, between them, may go
    # live in July or October: one connected consortium holds all three, though A and C could
    # not share a clique (a random case of the branching tests found the early check calling
    # such a scenario infeasible)
    layout = {"A": (0, "2014-05-01"), "B": (40, "2014-07-01"), "C": (80, "2014-05-01")}
    settings = {"market": {"capacity": 1}, "planning": {**PLANNING, "max_extension_months": 3,
                                                        "max_early_exit_months": 0},
                "network": {"max_distance_km": 50, "membership": "connected"}}
    plan = solve_checked(case(tmp_path / "path", layout, settings), tmp_path / "plan")
    assert plan.status == "optimal"
    assert groups(plan) == {frozenset("ABC")}
    clique = solve(case(tmp_path / "clique", layout, {**settings, "network": {"max_distance_km": 50}}))
    assert clique.status == "infeasible"
    assert any(c.startswith("A, C can only go live 2014-07-01") for c in clique.diagnosis), clique.diagnosis


def test_unreachable_cover_is_diagnosed(tmp_path):
    layout = {"W": (0, JULY), "M": (10, JULY)}
    scenario = case(tmp_path / "weak", layout, rosters={"W": weak}, demands={"W": (60, 5)})
    plan = solve(scenario)
    assert plan.status == "infeasible"
    assert any(c.startswith("W cannot reach Monday cover") and "cover.min_ratio" in c
               for c in plan.diagnosis), plan.diagnosis


@pytest.mark.parametrize("settings, culprit", [
    ({"directives": {"together": [["A", "B"]], "apart": [["B", "A"]]}}, "directives.apart"),
    ({"directives": {"together": [["A", "C"]], "fixed": [{"members": ["A", "B"]}]}}, "directives.fixed[0]"),
    ({"directives": {"together": [["A", "C"]]}, "network": {"same_region": True}}, "network.same_region"),
])
def test_contradictory_directives_are_diagnosed(tmp_path, settings, culprit):
    layout = {"A": (0, JULY, "R1"), "B": (10, JULY, "R1"), "C": (20, JULY, "R2")}
    plan = solve(case(tmp_path / "c", layout, settings))
    assert plan.status == "infeasible"
    a, b = settings["directives"]["together"][0]
    assert any(f"directives.together [{a}, {b}]" in c and culprit in c for c in plan.diagnosis), plan.diagnosis
