"""report.html in plain words: a one-sentence headline, units, the cover caption at the
scenario's min_ratio, a trust index, a small map per card, and the weekend rota when the plan
folder has one (``consortia rota`` run on a real demo plan)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import ROOT  # noqa: E402
from conftest_figures import REGIONS_GEOJSON, TRUSTS_CSV, make_fake_plan  # noqa: E402

from consortia import load_scenario, solve, write_plan  # noqa: E402
from consortia.cli import main  # noqa: E402
from consortia.figures import render_plan_figures  # noqa: E402
from consortia.figures.plandata import load_plan  # noqa: E402
from consortia.figures.report import render_report  # noqa: E402
from consortia.figures.words import headline_sentence, plural  # noqa: E402

needs_data = pytest.mark.skipif(not (TRUSTS_CSV.is_file() and REGIONS_GEOJSON.is_file()),
                                reason=f"shared England data not found at {TRUSTS_CSV.parent}")


def _edit_plan(folder: Path, **changes) -> None:
    plan = yaml.safe_load((folder / "plan.yaml").read_text())
    for key, value in changes.items():
        if key == "min_ratio":
            plan["settings"]["cover"]["min_ratio"] = value
        else:
            plan[key] = value
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))


def test_plurals():
    assert plural(1, "standalone trust") == "1 standalone trust"
    assert plural(2, "standalone trust") == "2 standalone trusts"
    assert plural(1, "consortium", "consortia") == "1 consortium"
    assert plural(3, "consortium", "consortia") == "3 consortia"


@needs_data
def test_headline_puts_status_and_gap_into_words(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", n_trusts=30)
    data = load_plan(folder)
    text = headline_sentence(data)
    assert text.startswith(f"30 trusts in {len(data.groups)} consortia")
    assert "to market" in text and text.endswith("proven optimal.")
    _edit_plan(folder, status="feasible", gap=0.057)
    text = headline_sentence(load_plan(folder))
    assert "within 5.7% of the best possible (not proven optimal)" in text
    assert "gap" not in text


@needs_data
def test_report_caption_index_units_and_card_maps(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", n_trusts=40)
    _edit_plan(folder, min_ratio=0.7)
    render_plan_figures(folder)
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    data = load_plan(folder)
    assert "below 0.70, the scenario's cover.min_ratio" in page
    assert "below 1.00" not in page
    lede = re.search(r'<p class="lede">(.*?)</p>', page).group(1)
    assert "; " in lede and lede.endswith(".")
    index = re.search(r"<table class='index'>(.*?)</table>", page, flags=re.S).group(1)
    assert index.count("<tr>") == len(data.trusts) + 1
    for name, code in zip(data.trusts["name"], data.trusts["trust"]):
        assert f"<td>{name}</td><td>{code}</td>" in index
    assert page.count("<svg class='cmap'") == len(data.consortia)
    terms = re.search(r"<table class=\"terms\">(.*?)</table>", page, flags=re.S).group(1)
    assert "months" in terms and "km" in terms


@pytest.fixture(scope="module")
def demo_plan(tmp_path_factory):
    scenario = load_scenario(ROOT / "inputs" / "demo" / "scenario.yaml")
    return write_plan(solve(scenario), tmp_path_factory.mktemp("demo") / "plan", figures=False)


def test_report_and_cover_show_the_rostered_weekends(demo_plan, tmp_path, monkeypatch):
    import shutil
    folder = tmp_path / "plan"
    shutil.copytree(demo_plan, folder)
    code = main(["rota", str(folder), "--one-in", "2", "--min-ratio", "0.2", "--tolerance", "0.5",
                 "--subspecialties", "", "--no-figure", "--quiet"])
    assert code == 0
    data = load_plan(folder)
    render_report(data, folder)
    assert data.rota is not None and data.rota.n_rostered == len(data.groups)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.count("<table class='rota'>") == len(data.groups)
    first = data.groups["consortium"].iloc[0]
    weekends = data.rota.weekends(first)
    assert len(weekends) == data.rota.weeks == 8
    date, per = weekends[0][1]["sat"]
    assert f"{date.strftime('%d %b')}: " + ", ".join(f"{t} \u00d7{n}" for t, n in sorted(per.items())) in page
    assert "workable weekend rota over 8 weekends" in page
    # cover.png: a rota column, "yes" for every rostered consortium
    from consortia.figures import charts, style
    kept = {}
    monkeypatch.setattr(charts, "_save", lambda fig, path: kept.setdefault("fig", fig) and path)
    with style.mpl_context():
        charts._cover(data, folder)
    panel = kept["fig"].axes[2]
    assert [t.get_text() for t in panel.get_xticklabels()][-1] == "rota"
    assert [t.get_text() for t in panel.texts].count("yes") == len(data.consortia)
    charts.plt.close(kept["fig"])


def test_report_says_which_consortia_could_not_be_rostered(demo_plan, tmp_path):
    import shutil
    folder = tmp_path / "plan"
    shutil.copytree(demo_plan, folder)
    # the demo is planned for one weekend in four: a rota of one in eight leaves some consortia short
    assert main(["rota", str(folder), "--no-figure", "--quiet", "--one-in", "8"]) == 1
    data = load_plan(folder)
    render_report(data, folder)
    page = (folder / "report.html").read_text(encoding="utf-8")
    unrostered = [c for c in data.groups["consortium"] if data.rota.rostered(c) is False]
    assert unrostered
    assert page.count("Weekend rota: <span class='loss'>not rostered</span>") == len(unrostered)


# ---- in pounds: the headline against the counterfactuals of plan.yaml ---------------------------

BINDS = {"A": (0, "2014-04-01", "I1"), "B": (20, "2014-04-01", "I1")}
"""Two trusts whose contracts end together; a market of one procurement a quarter sends one of
them three months late (£30k), which is cheaper than joining (£90k of integration)."""
BINDS_COSTS = {"procurement": 50000.0, "integration_per_member": 45000.0, "extension_per_month": 10000.0,
               "early_exit_per_month": 20000.0}


def _solved(folder: Path, *flags: str) -> tuple[Path, dict]:
    from cases import costed
    scenario = costed(folder / "case", BINDS, BINDS_COSTS, {"market": {"capacity": 1}})
    out = folder / "plan"
    assert main(["solve", str(scenario.source), "--out", str(out), "--no-rota", "--quiet", *flags]) == 0
    return out, yaml.safe_load((out / "plan.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def costed_plan(tmp_path_factory):
    return _solved(tmp_path_factory.mktemp("costed"))


def _lede(folder: Path) -> str:
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    return re.search(r'<p class="lede">(.*?)</p>', page, flags=re.S).group(1)


def test_solve_records_both_counterfactuals_in_plan_yaml(costed_plan):
    from consortia.whatif.counterfactual import COUNTERFACTUAL_SHARE
    _, doc = costed_plan
    cf = doc["counterfactuals"]
    assert doc["objective"] == pytest.approx(130000.0)
    assert cf["alone_at_contract_end"] == {"status": "computed", "objective": pytest.approx(100000.0),
                                           "n_consortia": 0, "n_standalone": 2}
    free = cf["without_market_capacity"]
    assert free["status"] == "optimal" and free["objective"] == pytest.approx(100000.0)
    assert free["time_limit"] == pytest.approx(COUNTERFACTUAL_SHARE * doc["settings"]["solver"]["time_limit"])
    assert free["n_standalone"] == 2 and free["solve_seconds"] >= 0
    assert cf["market_capacity_cost"] == {"estimate": pytest.approx(30000.0), "low": pytest.approx(30000.0),
                                          "high": pytest.approx(30000.0), "exact": True, "cheaper_plan_found": True}


def test_report_headlines_the_cost_against_plan_yaml_counterfactuals(costed_plan):
    from consortia.costs import short_pounds
    from consortia.figures.money import money_sentence
    folder, doc = costed_plan
    cf = doc["counterfactuals"]
    sentence = money_sentence(doc)
    assert sentence == ("2 trusts buying alone at the planned go-lives cost £130k over the 1-year term, £30k "
                        "(30.0%) more than every trust buying alone at its contract end (£100k); the market "
                        "capacity (1 procurement a quarter) adds £30k (the plan without it: £100k).")
    for value in (doc["objective"], cf["alone_at_contract_end"]["objective"],
                  cf["without_market_capacity"]["objective"], cf["market_capacity_cost"]["estimate"]):
        assert short_pounds(value) in sentence
    lede = _lede(folder)
    assert lede.startswith(f"<b>{sentence}</b> 2 trusts in 0 consortia")
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    kpis = re.findall(r"<div class='v'>(.*?)</div>", page)
    assert kpis[:3] == ["£130k", "£30k", "£30k"]
    assert "Cost / best bound</td><td>£130,000 / £130,000" in page
    assert "The plan without market capacity</td><td>£100,000, proven optimal" in page
    terms = re.search(r"<table class=\"terms\">(.*?)</table>", page, flags=re.S).group(1)
    assert "<th>pounds</th>" in terms and "£50,000 a procurement" in terms and "points" not in terms


def test_slides_headline_the_same_sentence(costed_plan):
    pptx = pytest.importorskip("pptx")
    from consortia.figures.money import money_lines, money_sentence
    folder, doc = costed_plan
    first = list(pptx.Presentation(str(folder / "slides.pptx")).slides)[0]
    money = next(sh for sh in first.shapes if sh.name == "money")
    lines = money.text_frame.text.split("\n")
    assert lines == money_lines(doc) and len(lines) == 2
    assert "; ".join([lines[0], lines[1][0].lower() + lines[1][1:]]) + "." == money_sentence(doc)


def test_no_counterfactuals_skips_the_second_solve_and_says_nothing_of_capacity(tmp_path):
    folder, doc = _solved(tmp_path, "--no-counterfactuals")
    cf = doc["counterfactuals"]
    assert cf["without_market_capacity"] == {"status": "skipped",
                                             "note": "not solved (consortia solve --no-counterfactuals)"}
    assert "market_capacity_cost" not in cf
    lede = _lede(folder)
    assert "£100k" in lede and "market capacity" not in lede


def test_capacity_clause_is_honest_about_unproven_plans():
    from consortia.figures.money import capacity_clause
    base = {"objective": 498.9e6, "objective_unit": "GBP",
            "settings": {"market": {"capacity": 4}, "planning": {"period_months": 3}, "costs": {"term_years": 7}},
            "counterfactuals": {"alone_at_contract_end": {"status": "computed", "objective": 570.8e6}}}

    def clause(without, cost=None):
        cf = {**base["counterfactuals"], "without_market_capacity": without}
        if cost is not None:
            cf["market_capacity_cost"] = cost
        return capacity_clause({**base, "counterfactuals": cf})

    found = {"status": "feasible", "objective": 498.0e6, "best_bound": 497.86e6, "time_limit": 150.0}
    assert clause(found, {"estimate": 0.9e6, "low": 0.85e6, "high": 1.04e6, "exact": False,
                          "cheaper_plan_found": True}) == \
        "the market capacity (4 procurements a quarter) adds about £900k, at most £1.0m (the plan without it: £498.0m)"
    worse = {**found, "objective": 499.5e6}
    assert clause(worse, {"estimate": 0.0, "low": 0.0, "high": 1.04e6, "exact": False,
                          "cheaper_plan_found": False}) == \
        ("no cheaper plan without market capacity was found in 150 s; the market capacity (4 procurements a "
         "quarter) adds at most £1.0m")
    assert clause({"status": "no_solution", "objective": None, "time_limit": 150.0}) == \
        "no plan without market capacity was found within 150 s"
    assert clause({"status": "optimal", "objective": 498.9e6, "note": "the scenario sets no market capacity"}) == \
        "no market capacity is set"
    assert clause({"status": "skipped", "note": "not solved"}) is None
    assert capacity_clause({**base, "objective_unit": "weighted units"}) is None


def test_weighted_plans_say_nothing_in_pounds(demo_plan, tmp_path):
    import shutil
    folder = tmp_path / "plan"
    shutil.copytree(demo_plan, folder)
    doc = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    assert doc["objective_unit"] == "weighted units" and doc["counterfactuals"] == {}
    render_report(load_plan(folder), folder)
    page = html.unescape((folder / "report.html").read_text(encoding="utf-8"))
    assert "£" not in page
    assert "points" in page


def test_an_interrupted_plan_gets_no_second_solve(tmp_path):
    """Ctrl-C during the plan's solve keeps its best plan; the plan without market capacity is
    then recorded as not solved rather than started."""
    import argparse
    import dataclasses

    from cases import costed

    from consortia import load_instance
    from consortia.cli.plan import Progress, _counterfactuals

    scenario = costed(tmp_path / "case", BINDS, BINDS_COSTS, {"market": {"capacity": 1}})
    plan = solve(scenario)
    stopped = dataclasses.replace(plan, solver={**plan.solver, "message": "interrupted by the user"})
    args = argparse.Namespace(no_counterfactuals=False, quiet=True)
    kept = _counterfactuals(stopped, load_instance(scenario), Progress(scenario, True), args)
    assert kept.counterfactuals["without_market_capacity"] == {
        "status": "skipped", "note": "not solved: the plan's solve was interrupted"}
    solved = _counterfactuals(plan, load_instance(scenario), Progress(scenario, True), args)
    assert solved.counterfactuals["without_market_capacity"]["status"] == "optimal"


def test_a_plan_that_costs_nothing_still_gets_its_report(tmp_path):
    """Every cost switched off: the plan and every trust alone cost £0 (no share to divide by)."""
    from cases import costed
    scenario = costed(tmp_path / "case", BINDS, {})
    folder = tmp_path / "plan"
    assert main(["solve", str(scenario.source), "--out", str(folder), "--no-rota", "--quiet"]) == 0
    lede = _lede(folder)
    assert "cost £0 over the 1-year term, £0 less than every trust buying alone at its contract end (£0)" in lede
