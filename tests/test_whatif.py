"""What-if workflows on tiny hand-made scenarios: compare two plans (``diff``), price a
request (``price``), and the smallest relaxation that makes an infeasible scenario feasible
(``diagnose``). Every relaxation reported is applied and solved again: it must give a plan.
"""

from __future__ import annotations

import pytest
from cases import case, weak

from consortia import ConsortiaError, solve, with_overrides, write_plan
from consortia.cli import main
from consortia.whatif.diff import diff_plans
from consortia.whatif.price import price_request
from consortia.whatif.relax import relaxations

JULY = "2014-07-01"
TRIO = {"A": (0, JULY), "B": (10, JULY), "C": (40, JULY)}
"""Three trusts within reach of one another: one consortium unless a rule splits them."""


def written(tmp_path, name, layout, settings=None, **kw):
    """Solve a case and write its plan (no figures); return the plan folder."""
    scenario = case(tmp_path / name, layout, settings, **kw)
    plan = solve(scenario)
    assert plan.has_plan, plan.diagnosis
    return write_plan(plan, tmp_path / name / "plan", figures=False)


# ---- diff -------------------------------------------------------------------------------------

def test_diff_names_moves_splits_terms_and_settings(tmp_path):
    a = written(tmp_path, "a", TRIO)
    b = written(tmp_path, "b", TRIO, {"consortium": {"max_size": 2}})
    d = diff_plans(a, b)
    assert {m.trust for m in d.moved} == {"A", "B", "C"}
    c = next(m for m in d.moved if m.trust == "C")
    assert c.left == ("A", "B") and c.joined == ()
    assert len(d.split) == 1 and len(d.split[0][1]) == 2 and not d.merged
    assert d.terms["standalone"] == (0.0, 5.0)
    assert d.metrics["n_standalone"] == (0, 1)
    assert d.settings == {"consortium.max_size": (8, 2)}
    back = diff_plans(b, a)
    assert len(back.merged) == 1 and not back.split


def test_diff_of_a_plan_with_itself_is_empty(tmp_path):
    a = written(tmp_path, "a", TRIO)
    d = diff_plans(a, a)
    assert d.same and not d.split and not d.merged and not d.settings


def test_diff_reports_a_retimed_consortium(tmp_path):
    a = written(tmp_path, "a", TRIO)
    b = written(tmp_path, "b", TRIO, {"directives": {"fixed": [{"members": ["A", "B", "C"],
                                                                "go_live": "2014-10-01"}]}})
    d = diff_plans(a, b)
    assert not d.moved
    assert {t for t, _, _ in d.retimed} == {"A", "B", "C"}
    assert d.retimed[0][1:] == ("2014-07-01", "2014-10-01")


def test_diff_cli(tmp_path, capsys):
    a = written(tmp_path, "a", TRIO)
    b = written(tmp_path, "b", TRIO, {"consortium": {"max_size": 2}})
    assert main(["diff", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "3 trust(s) moved" in text and "split:" in text and "consortium.max_size: 8 -> 2" in text
    assert main(["diff", str(a), str(tmp_path)]) == 2


# ---- price ------------------------------------------------------------------------------------

def test_price_of_apart_is_the_difference_of_two_optimal_plans(tmp_path):
    scenario = case(tmp_path / "p", TRIO)
    price = price_request(scenario, apart=[("A", "B")])
    assert price.exact and not price.reused
    assert price.without.status == price.with_request.status == "optimal"
    assert price.objective == pytest.approx(price.with_request.objective - price.without.objective)
    assert price.objective > 0
    assert sum(price.terms.values()) == pytest.approx(price.objective)
    assert price.terms["standalone"] == pytest.approx(5.0)
    where = price.with_request.assignments
    assert where["A"] != where["B"]
    low, high = price.bounds
    assert low == pytest.approx(price.objective) == pytest.approx(high)


def test_price_of_a_request_already_kept_is_zero_without_a_second_solve(tmp_path):
    price = price_request(case(tmp_path / "p", TRIO), together=[("A", "C")])
    assert price.reused and price.objective == 0


def test_price_of_an_impossible_request(tmp_path, capsys):
    scenario = case(tmp_path / "p", TRIO, {"directives": {"apart": [["A", "B"]]}})
    price = price_request(scenario, together=[("A", "B")])
    assert price.with_request.status == "infeasible" and price.objective is None
    assert main(["price", str(scenario.source), "--together", "A", "B", "--quiet"]) == 1
    assert "cannot be met" in capsys.readouterr().out


def test_price_cli_and_bad_requests(tmp_path, capsys):
    scenario = case(tmp_path / "p", TRIO)
    assert main(["price", str(scenario.source), "--apart", "A", "B", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "price: +" in text and "standalone +5.00 points" in text and "who moves: " in text
    assert main(["price", str(scenario.source), "--apart", "A", "ZZZ", "--quiet"]) == 2
    assert main(["price", str(scenario.source), "--quiet"]) == 2
    with pytest.raises(ConsortiaError):
        price_request(scenario, together=[("A", "A")])


# ---- smallest relaxation of numeric settings ---------------------------------------------------

def found(scenario):
    """The relaxations of ``scenario`` that give a plan, setting -> value."""
    return {r.setting: r.value for r in relaxations(scenario, budget=120) if r.found}


def assert_each_is_real_and_smallest(scenario, relaxed: dict):
    """Applying each relaxation gives a plan; for whole-number settings one step less does not."""
    assert solve(scenario).status == "infeasible"
    for setting, value in relaxed.items():
        assert solve(with_overrides(scenario, {setting: value})).has_plan, setting
        if isinstance(value, int):
            assert solve(with_overrides(scenario, {setting: value - 1})).status == "infeasible", setting


def test_relax_distance_and_cover_ratio_for_a_trust_with_no_partner(tmp_path):
    layout = {"A": (0, JULY), "B": (100, JULY)}
    scenario = case(tmp_path / "far", layout, rosters={"A": weak})
    relaxed = found(scenario)
    assert set(relaxed) == {"network.max_distance_km", "cover.min_ratio"}
    assert 100 <= relaxed["network.max_distance_km"] <= 100.1
    assert relaxed["cover.min_ratio"] == 0.0
    assert_each_is_real_and_smallest(scenario, relaxed)
    below = with_overrides(scenario, {"network.max_distance_km": 99.9})
    assert solve(below).status == "infeasible"


def test_relax_timing_windows_for_partners_whose_contracts_do_not_meet(tmp_path):
    layout = {"A": (0, JULY), "B": (10, "2015-06-01")}
    scenario = case(tmp_path / "late", layout, rosters={"A": weak})
    relaxed = found(scenario)
    assert relaxed["planning.max_extension_months"] == 9
    assert relaxed["planning.max_early_exit_months"] == 5
    assert_each_is_real_and_smallest(scenario, relaxed)


def test_relax_market_capacity(tmp_path):
    layout = {"A": (0, JULY), "B": (300, JULY), "C": (600, JULY)}
    planning = {"start": "2014-01-01", "periods": 6, "period_months": 3, "lead_time_months": 0,
                "max_extension_months": 0, "max_early_exit_months": 0}
    scenario = case(tmp_path / "market", layout, {"planning": planning, "market": {"capacity": 1}})
    relaxed = found(scenario)
    assert relaxed["market.capacity"] == 3
    assert relaxed["planning.max_extension_months"] == 6
    assert relaxed["planning.max_early_exit_months"] == 6
    assert 600 <= relaxed["network.max_distance_km"] <= 600.1
    assert_each_is_real_and_smallest(scenario, relaxed)


def test_relax_max_size(tmp_path):
    layout = {c: (5 * k, JULY) for k, c in enumerate("ABCD")}
    scenario = case(tmp_path / "size", layout, {"consortium": {"allow_standalone": False, "min_size": 3,
                                                               "max_size": 3}})
    relaxed = found(scenario)
    assert relaxed == {"consortium.max_size": 4}
    assert_each_is_real_and_smallest(scenario, relaxed)


def test_diagnose_cli_and_solve_relax(tmp_path, capsys):
    scenario = case(tmp_path / "far", {"A": (0, JULY), "B": (100, JULY)}, rosters={"A": weak})
    assert main(["diagnose", str(scenario.source), "--budget", "60"]) == 1
    text = capsys.readouterr().out
    assert "network.max_distance_km 80 -> 100" in text and "cover.min_ratio 1 -> 0" in text
    assert "planning.max_extension_months" in text
    assert main(["solve", str(scenario.source), "--relax", "--quiet", "--no-maps",
                 "--out", str(tmp_path / "none")]) == 1
    assert "network.max_distance_km 80 -> 100" in capsys.readouterr().err
    fine = case(tmp_path / "fine", TRIO)
    assert main(["diagnose", str(fine.source)]) == 0
    assert main(["diagnose", str(fine.source), "--budget", "0"]) == 2


# ---- explain a plan ---------------------------------------------------------------------------

def test_explain_names_gains_partners_and_priced_alternatives(tmp_path):
    from consortia.whatif.explain import explain_trust, explanation_lines

    layout = {"A": (0, JULY), "B": (10, JULY), "C": (40, JULY), "D": (45, JULY)}
    scenario = case(tmp_path / "e", layout, {"consortium": {"max_size": 2}}, rosters={"A": weak})
    plan = solve(scenario)
    folder = write_plan(plan, tmp_path / "e" / "plan", figures=False)
    assert plan.consortium_of("A").members == ("A", "B")
    e = explain_trust(folder, "A", scenario=scenario)
    assert e.days_short_alone == ["sat", "sun"] and e.days_short_pooled == []
    assert [p.code for p in e.partners] == ["B"] and e.partners[0].covers == ("sat", "sun")
    alone = next(a for a in e.alternatives if a.label == "alone")
    assert not alone.ok and "cannot cover sat" in alone.broken[0]
    text = "\n".join(explanation_lines(e))
    assert "in C01 it gains Saturday, Sunday" in text and "partner B: 10 km" in text
    e = explain_trust(folder, "C", scenario=scenario)
    alone = next(a for a in e.alternatives if a.label == "alone")
    assert alone.ok and alone.terms["standalone"] == pytest.approx(10.0)  # C and D both left alone
    full = [a for a in e.alternatives if a.label.startswith("join")]
    assert full and all(not a.ok for a in full)  # every other consortium is full (max_size 2)


def test_explain_resolve_and_cli(tmp_path, capsys):
    from consortia.whatif.explain import explain_trust

    scenario = case(tmp_path / "e", TRIO)
    folder = write_plan(solve(scenario), tmp_path / "e" / "plan", figures=False)
    e = explain_trust(folder, "C", scenario=scenario, resolve=True)
    assert e.resolved.objective > 0 and e.resolved.request["apart"] == [["C", "A"], ["C", "B"]]
    assert main(["explain", str(folder), "C", "--scenario", str(scenario.source)]) == 0
    assert "it covers every day alone" in capsys.readouterr().out
    assert main(["explain", str(folder), "ZZ", "--scenario", str(scenario.source)]) == 2


def test_check_reports_distance_from_the_optimum(tmp_path, capsys):
    scenario = case(tmp_path / "c", TRIO)
    proposal = tmp_path / "proposal.csv"
    proposal.write_text("trust,consortium\nA,X\nB,X\nC,Y\n", encoding="utf-8")
    assert main(["check", str(scenario.source), str(proposal), "--optimum"]) == 0
    text = capsys.readouterr().out
    assert "this plan scores +4.70 points more than the optimum" in text


def test_set_changes_one_setting_on_the_command_line(tmp_path, capsys):
    scenario = case(tmp_path / "s", TRIO)
    tight = ["--set", "network.max_distance_km=5", "--set", "consortium.allow_standalone=false"]
    assert main(["diagnose", str(scenario.source), *tight, "--budget", "60"]) == 1
    assert "network.max_distance_km 5 -> 40" in capsys.readouterr().out
    assert main(["solve", str(scenario.source), *tight, "--quiet", "--no-maps",
                 "--out", str(tmp_path / "none")]) == 1
    assert main(["price", str(scenario.source), "--set", "market.capacity=oops", "--apart", "A", "B"]) == 2
    assert main(["diagnose", str(scenario.source), "--set", "network.max_distanse_km=5"]) == 2
    assert main(["diagnose", str(scenario.source), "--set", "no-equals-sign"]) == 2


def test_relax_cover_ratio_to_the_pooled_ratio(tmp_path):
    layout = {"A": (0, JULY), "B": (10, JULY)}
    scenario = case(tmp_path / "ratio", layout, rosters={"A": weak}, demands={"B": (10, 20)})
    relaxed = {r.setting: r for r in relaxations(scenario, settings=["cover.min_ratio"], budget=60)}
    ratio = relaxed["cover.min_ratio"]
    assert ratio.found and ratio.exact and ratio.value == pytest.approx(0.8)  # 20 reports for 25 needed
    assert solve(with_overrides(scenario, {"cover.min_ratio": 0.8})).has_plan
    assert solve(with_overrides(scenario, {"cover.min_ratio": 0.81})).status == "infeasible"
    with pytest.raises(ConsortiaError):
        relaxations(scenario, settings=["cover.mode"])


def test_diff_rounds_and_names_its_numbers(tmp_path):
    from consortia.whatif.diff import _delta
    assert _delta(5.20268, 5.74571, "points") == "5.20 -> 5.75 points (+0.54)"
    assert _delta(45, 39) == "45 -> 39 (-6)"
    assert _delta(2, 2) == "2 -> 2 (\u00b10)"


def test_explain_says_who_moves_units_and_whether_proven():
    from consortia.whatif.explain import Alternative, Explanation, explanation_lines
    e = Explanation("A", "C01", ("A", "B"), "2014-07-01", (1.0,) * 7, (1.0,) * 7, 1.0, (), (), 0, 0,
                    alternatives=[Alternative("join C02 (C D)", True, -0.44, {"distance": -0.44}),
                                  Alternative("alone", False, 0.0, {}, ("A alone cannot cover sat",)),
                                  Alternative("join C03 (E F)", False, 0.0, {}, ("too far",))],
                    plan_status="feasible", plan_gap=0.057)
    text = "\n".join(explanation_lines(e))
    assert "only A moves, every other trust keeps its consortium and go-live" in text
    assert "join C02 (C D): -0.44 points" in text
    assert "2 other moves would break a rule" in text and "too far" not in text
    assert "not proven optimal (within 5.7% of the best possible)" in text


# ---- in pounds (a costs section): explain, price, diff and check answer in pounds ----------------

PRICED = {"A": (0, JULY, "I1"), "B": (10, JULY, "I1"), "C": (40, JULY, "I2")}
PRICED_COSTS = {"procurement": 50000.0, "integration_per_member": 5000.0, "icb_premium": 60000.0}
"""A and B share an ICB; C is in another: joining A and B saves a procurement (£40k net), adding
C would save one more but pays the ICB premium (£60k) and its integration."""


def costed_plan(tmp_path, name, settings=None):
    from cases import costed
    scenario = costed(tmp_path / name, PRICED, PRICED_COSTS, settings)
    plan = solve(scenario)
    assert plan.has_plan
    return scenario, write_plan(plan, tmp_path / name / "plan", figures=False)


def test_explain_answers_in_pounds(tmp_path, capsys):
    from consortia.whatif.explain import explain_trust, explanation_lines
    scenario, folder = costed_plan(tmp_path, "e")
    e = explain_trust(folder, "A", scenario=scenario)
    assert e.in_pounds
    text = "\n".join(explanation_lines(e))
    assert "change of the plan's cost in pounds over the term (negative is cheaper)" in text
    alone = next(a for a in e.alternatives if a.label == "alone")
    # A alone: one more procurement, two members' integration less (the pair is no consortium)
    assert alone.delta == pytest.approx(50000.0 - 2 * 5000.0)
    assert "  alone: +£40,000 (procurement +£50,000, integration -£10,000)" in text
    assert "points" not in text
    assert main(["explain", str(folder), "A", "--scenario", str(scenario.source)]) == 0
    assert "alone: +£40,000" in capsys.readouterr().out


def test_price_diff_and_check_answer_in_pounds(tmp_path, capsys):
    scenario, a = costed_plan(tmp_path, "a")
    assert main(["price", str(scenario.source), "--together", "A", "C", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "costs in pounds over the term" in text and "price: +£" in text and "points" not in text
    _, b = costed_plan(tmp_path, "b", {"directives": {"apart": [["A", "B"]]}})
    assert main(["diff", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "cost over the term £110,000 -> £150,000 (+£40,000)" in text
    assert "procurement £100,000 -> £150,000 (+£50,000)" in text and "points" not in text
    assert main(["check", str(scenario.source), str(a)]) == 0
    text = capsys.readouterr().out
    assert "cost recomputed: £110,000 over the term (procurement £100,000;" in text and "points" not in text
    weighted = write_plan(solve(case(tmp_path / "w", TRIO)), tmp_path / "w" / "plan", figures=False)
    assert main(["diff", str(a), str(weighted)]) == 0
    assert "objectives not comparable: A's is in GBP, B's in weighted units" in capsys.readouterr().out
