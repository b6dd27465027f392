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
