"""The objective in pounds (``costs`` section): every term binds in a small case, the plan's
terms are in pounds, and a scenario without ``costs`` keeps its weighted objective."""


import numpy as np
import pytest
import yaml
from cases import costed, groups, solve_checked, strong, weak
from small import demand, trust, write_case

import consortia
from consortia import load_instance, solve, write_plan
from consortia.costs import MONEY_TERMS, WEIGHT_TERMS
from consortia.errors import ConsortiaError
from consortia.scenario import load_scenario

PAIR = {"A": (0, "2014-01-01", "I1"), "B": (20, "2014-01-01", "I1")}


def test_volume_discount_pulls_a_pair_together(tmp_path):
    costs = {"contract_per_trust_year": 10.0, "integration_per_member": 1.0}
    apart = solve_checked(costed(tmp_path / "a", PAIR, costs), tmp_path / "pa")
    assert groups(apart) == {frozenset("A"), frozenset("B")}
    assert apart.objective == pytest.approx(20.0)
    together = solve_checked(costed(tmp_path / "b", PAIR, {"contract_per_trust_year": 10.0, "volume_exponent": 0.8,
                                                         "integration_per_member": 1.0}), tmp_path / "pb")
    assert groups(together) == {frozenset("AB")}
    assert together.terms["contract"] == pytest.approx(10.0 * 2 ** 0.8)
    assert together.terms["integration"] == pytest.approx(2.0)


def test_procurement_cost_against_integration(tmp_path):
    cheap = solve_checked(costed(tmp_path / "a", PAIR, {"procurement": 5.0, "integration_per_member": 1.0}),
                          tmp_path / "pa")
    assert groups(cheap) == {frozenset("AB")}
    assert cheap.terms["procurement"] == pytest.approx(5.0)
    dear = solve_checked(costed(tmp_path / "b", PAIR, {"procurement": 5.0, "integration_per_member": 3.0}),
                         tmp_path / "pb")
    assert groups(dear) == {frozenset("A"), frozenset("B")}
    assert dear.terms["procurement"] == pytest.approx(10.0)


def test_icb_premium_splits_a_cross_icb_pair(tmp_path):
    cross = {"A": (0, "2014-01-01", "I1"), "B": (20, "2014-01-01", "I2")}
    split = solve_checked(costed(tmp_path / "a", cross, {"procurement": 5.0, "icb_premium": 6.0}), tmp_path / "pa")
    assert groups(split) == {frozenset("A"), frozenset("B")}
    kept = solve_checked(costed(tmp_path / "b", cross, {"procurement": 5.0, "icb_premium": 4.0}), tmp_path / "pb")
    assert groups(kept) == {frozenset("AB")}
    assert kept.terms["boundary"] == pytest.approx(4.0)
    same = solve_checked(costed(tmp_path / "c", PAIR, {"procurement": 5.0, "icb_premium": 6.0}), tmp_path / "pc")
    assert groups(same) == {frozenset("AB")}


def test_region_premium_splits_a_cross_region_pair(tmp_path):
    cross = {"A": (0, "2014-01-01", "I1", "R1"), "B": (20, "2014-01-01", "I1", "R2")}
    split = solve_checked(costed(tmp_path / "a", cross, {"procurement": 5.0, "region_premium": 6.0}), tmp_path / "pa")
    assert groups(split) == {frozenset("A"), frozenset("B")}
    kept = solve_checked(costed(tmp_path / "b", cross, {"procurement": 5.0, "region_premium": 4.0}), tmp_path / "pb")
    assert groups(kept) == {frozenset("AB")}


def test_no_share_premium_prefers_partners_with_an_agreement(tmp_path):
    # A is 10 km from C and 30 km from B; pairs only. Travel alone pairs A with C; a premium for
    # joining without an image-sharing agreement pairs A with its share partner B.
    layout = {"A": (0, "2014-01-01", "I1"), "B": (30, "2014-01-01", "I1"), "C": (-10, "2014-01-01", "I1")}
    settings = {"consortium": {"max_size": 2}}
    costs = {"procurement": 5.0, "travel_per_km": 0.01}
    links = [{"trust_a": "A", "trust_b": "B", "relation": "share"}]
    near = solve_checked(costed(tmp_path / "a", layout, costs, settings, links=links), tmp_path / "pa")
    assert frozenset("AC") in groups(near)
    agreed = solve_checked(costed(tmp_path / "b", layout, {**costs, "no_share_premium": 1.0}, settings, links=links),
                           tmp_path / "pb")
    assert frozenset("AB") in groups(agreed)


def test_travel_is_paid_per_km_to_the_medoid_over_the_term(tmp_path):
    layout = {"A": (0, "2014-01-01", "I1"), "B": (10, "2014-01-01", "I1"), "C": (40, "2014-01-01", "I1")}
    costs = {"procurement": 5.0, "travel_per_km": 0.02, "trips_per_year": 2.0, "term_years": 3.0}
    plan = solve_checked(costed(tmp_path / "a", layout, costs, {"consortium": {"max_size": 2}}), tmp_path / "p")
    assert frozenset("AB") in groups(plan)
    assert groups(plan) == {frozenset("AB"), frozenset("C")}  # C is 30 km from B: 7.2 > 5
    assert plan.terms["travel"] == pytest.approx(2 * 2.0 * 3.0 * 0.02 * 10.0, rel=1e-3)


def test_extension_and_early_exit_are_two_rates(tmp_path):
    # contract ends 2014-02-01: go live a month early (2014-01-01) or two months late (2014-04-01)
    one = {"A": (0, "2014-02-01", "I1")}
    early = solve_checked(costed(tmp_path / "a", one, {"extension_per_month": 1.0, "early_exit_per_month": 1.0}),
                          tmp_path / "pa")
    assert early.consortia[0].go_live.isoformat() == "2014-01-01"
    assert early.terms["early_exit"] == pytest.approx(1.0) and early.terms["extension"] == 0
    late = solve_checked(costed(tmp_path / "b", one, {"extension_per_month": 1.0, "early_exit_per_month": 3.0}),
                         tmp_path / "pb")
    assert late.consortia[0].go_live.isoformat() == "2014-04-01"
    assert late.terms["extension"] == pytest.approx(2.0) and late.terms["early_exit"] == 0


def test_outsourcing_cost_of_soft_cover(tmp_path):
    # W cannot cover its weekends alone; S has a surplus. Joining costs integration.
    layout = {"S": (0, "2014-01-01", "I1"), "W": (20, "2014-01-01", "I1")}
    settings = {"cover": {"mode": "soft"}}
    costs = {"integration_per_member": 1.0}
    alone = solve_checked(costed(tmp_path / "a", layout, costs, settings, rosters={"W": weak}), tmp_path / "pa")
    assert groups(alone) == {frozenset("S"), frozenset("W")}
    pays = solve_checked(costed(tmp_path / "b", layout, {**costs, "outsourcing_per_report": 0.1}, settings,
                                rosters={"W": weak}), tmp_path / "pb")
    assert groups(pays) == {frozenset("SW")}
    only = {"W": (20, "2014-01-01", "I1")}
    short = solve_checked(costed(tmp_path / "c", only, {"outsourcing_per_report": 0.001, "term_years": 2.0},
                                 settings, rosters={"W": weak}), tmp_path / "pc")
    # W is 5 reports short on each weekend day: 10 a week, paid every week of two years
    assert short.terms["shortfall"] == pytest.approx(0.001 * 52 * 2.0 * 10)


def test_plan_yaml_says_the_objective_is_in_pounds(tmp_path):
    scenario = costed(tmp_path / "a", PAIR, {"procurement": 5.0, "contract_per_trust_year": 2.0,
                                            "volume_exponent": 0.5, "extension_per_month": 1.0})
    plan = solve(scenario)
    folder = write_plan(plan, tmp_path / "p", figures=False)
    doc = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    assert doc["objective_kind"] == "costs" and doc["objective_unit"] == "GBP"
    assert list(doc["terms"]) == list(MONEY_TERMS)
    # alone at the contract end (2014-01-01, a period start): one procurement and one contract each
    alone = doc["counterfactuals"]["alone_at_contract_end"]
    assert alone["objective"] == pytest.approx(2 * (5.0 + 2.0))
    assert alone["status"] == "computed" and alone["n_standalone"] == 2
    assert doc["objective"] == pytest.approx(5.0 + 2.0 * 2 ** 0.5)
    assert doc["metrics"]["consortia_within_one_icb"] == 1
    assert doc["metrics"]["consortium_sizes"] == {2: 1}


def test_weights_scenario_keeps_its_weighted_objective(tmp_path):
    rows = [trust("A", 52.0, -1.5, "2014-01-01"), trust("B", 52.1, -1.5, "2014-01-01")]
    scenario = write_case(tmp_path / "w", rows, [r for c in "AB" for r in strong(c)],
                          [demand(c, 10, 5) for c in "AB"], {})
    assert scenario.costs is None
    plan = solve(scenario)
    assert list(plan.terms) == list(WEIGHT_TERMS)
    doc = yaml.safe_load((write_plan(plan, tmp_path / "p", figures=False) / "plan.yaml").read_text())
    assert doc["objective_kind"] == "weights" and doc["counterfactuals"] == {}


def test_bad_costs_are_named_by_key(tmp_path):
    with pytest.raises(ConsortiaError, match="costs.volume_exponent"):
        costed(tmp_path / "a", PAIR, {"volume_exponent": 1.5})
    with pytest.raises(ConsortiaError, match="did you mean 'procurement'"):
        costed(tmp_path / "b", PAIR, {"procurment": 1.0})
    with pytest.raises(ConsortiaError, match="costs.icb_premium"):
        costed(tmp_path / "c", PAIR, {"icb_premium": -1.0})


def test_empty_costs_section_takes_the_defaults(tmp_path):
    scenario = costed(tmp_path / "a", PAIR, {})
    doc = yaml.safe_load((tmp_path / "a" / "scenario.yaml").read_text())
    doc["costs"] = {}
    (tmp_path / "a" / "scenario.yaml").write_text(yaml.safe_dump(doc))
    loaded = load_scenario(tmp_path / "a" / "scenario.yaml")
    assert loaded.costs.contract_per_trust_year == 600000.0
    assert load_instance(scenario).trust("A").icb == "I1"


def test_counterfactuals_alone_and_without_market_capacity(tmp_path):
    # two close trusts whose contracts end together; the market takes one procurement a period,
    # and grouping is dearer than going alone (integration), so capacity forces one of them off
    # its contract end
    layout = {"A": (0, "2014-04-01", "I1"), "B": (20, "2014-04-01", "I1")}
    scenario = costed(tmp_path / "a", layout, {"procurement": 5.0, "integration_per_member": 4.0,
                                              "extension_per_month": 1.0, "early_exit_per_month": 2.0},
                      {"market": {"capacity": 1}})
    result = consortia.counterfactuals(scenario)
    assert result.alone_at_contract_end == pytest.approx(10.0)
    assert result.without_market_capacity.objective == pytest.approx(10.0)
    assert result.plan.objective == pytest.approx(10.0 + 3.0)  # one trust three months late
    doc = result.document()
    assert doc["objective_unit"] == "GBP" and doc["without_market_capacity"]["status"] == "optimal"
    assert doc["alone_at_contract_end"]["objective"] == pytest.approx(10.0)
    assert doc["market_capacity_cost"] == {"estimate": pytest.approx(3.0), "low": pytest.approx(3.0),
                                           "high": pytest.approx(3.0), "exact": True, "cheaper_plan_found": True}


def test_counterfactuals_command_and_price_answer_in_pounds(tmp_path, capsys):
    from consortia.cli import main

    layout = {"A": (0, "2014-04-01", "I1"), "B": (20, "2014-04-01", "I2")}
    scenario = costed(tmp_path / "a", layout, {"procurement": 50000.0, "icb_premium": 30000.0})
    out = tmp_path / "cf.yaml"
    assert main(["counterfactuals", str(scenario.source), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "every trust alone at its contract end: £100,000" in text
    assert yaml.safe_load(out.read_text())["alone_at_contract_end"]["objective"] == pytest.approx(100000.0)
    assert main(["price", str(scenario.source), "--apart", "A", "B", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "price: +£20,000" in text and "boundary -£30,000" in text


def test_auto_enumerates_the_objective_in_pounds(tmp_path):
    """The enumeration's floors hold in pounds (tests/test_enumeration.py), so ``auto`` proves
    large costed scenarios by enumeration, as weighted ones."""
    from consortia.columns import choose_method
    from consortia.examples.synth import write_instance
    from consortia.scenario import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(write_instance(tmp_path, 20, 1)), {"costs": {}})
    assert choose_method(with_overrides(scenario, {"solver.method": "enumerate"}), 200) == "enumerate"
    assert choose_method(scenario, 200) == "enumerate"
    assert choose_method(scenario, 10) == "compact"
    assert choose_method(with_overrides(scenario, {"costs": None}), 200) == "enumerate"


@pytest.mark.parametrize("seed", range(0, 80, 7))
def test_link_matrix_is_the_sum_of_link_terms(tmp_path, seed):
    """The cost model's pair costs (what the solvers and the enumeration's floors read) are its
    terms summed, to the last bit, in pounds and in weights."""
    from small import seeded_case, seeded_costed_case

    from consortia.costs import cost_model
    from consortia.graph import build_graph

    for case in (seeded_costed_case, seeded_case):
        scenario, instance = case(tmp_path / case.__name__, seed)
        graph = build_graph(scenario, instance)
        costs = cost_model(scenario, graph, for_solver=True)
        codes = sorted(graph.nodes)
        matrix = costs.link_matrix(codes)
        for a, i in enumerate(codes):
            for b, k in enumerate(codes):
                assert matrix[a, b] == sum(costs.link_terms(i, k).values())
                assert costs.link(i, k) == matrix[a, b]
                terms = costs.link_terms(i, k)
                assert tuple(terms) == (("travel", "boundary") if costs.in_pounds else ("distance",))
                assert all(type(value) is float for value in terms.values())
        some = codes[::-2]
        where = [codes.index(c) for c in some]
        assert costs.link_matrix(some).tobytes() == matrix[np.ix_(where, where)].tobytes()
