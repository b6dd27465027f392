"""Figures of a plan: map.png/.svg, map.html, timeline.png, cover.png and report.html.

Most tests use a realistic fixture (the real 134 English acute trusts grouped into fake
consortia, tests/conftest_figures.py), so they need no solver. The browser tests open the HTML
in headless Debian Chromium with networking disabled (tests/browser.py); they are skipped only
when /usr/bin/chromium is absent (CI installs it).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from collections import Counter
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser  # noqa: E402
from conftest_figures import REGIONS_GEOJSON, TRUSTS_CSV, make_fake_plan  # noqa: E402

from consortia.figures import (  # noqa: E402
    FIGURE_FILES,
    render_plan_figures,
    style,  # noqa: E402
)
from consortia.folders import KNOWN_NAMES, owned_files  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HAVE_DATA = TRUSTS_CSV.is_file() and REGIONS_GEOJSON.is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason=f"shared England data not found at {TRUSTS_CSV.parent}")
needs_chromium = pytest.mark.skipif(browser.chromium_path() is None,
                                    reason="Chromium not installed (/usr/bin/chromium); "
                                           "CI installs it with apt-get install chromium")


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def svg_text(path: Path) -> str:
    """All text of an SVG written with svg.fonttype = none, as one string."""
    raw = path.read_text(encoding="utf-8")
    return " ".join(re.findall(r"<text[^>]*>(.*?)</text>", raw, flags=re.S))


def counting(calls: Counter, owner, name: str):
    """``owner.name`` that also counts its calls in ``calls[name]``."""
    real = getattr(owner, name)

    def counted(*args, **kwargs):
        calls[name] += 1
        return real(*args, **kwargs)
    return counted


@pytest.fixture(scope="module")
def england_plan(tmp_path_factory):
    """The 134-trust fixture plan with every figure drawn; also counts, while drawing, the plan
    readings, regions files read, main maps drawn, slide maps drawn and matplotlib figures made."""
    if not HAVE_DATA:
        pytest.skip(f"shared England data not found at {TRUSTS_CSV.parent}")
    import geopandas
    import matplotlib.figure

    from consortia.figures import map_static, plandata, slides

    folder = make_fake_plan(tmp_path_factory.mktemp("england") / "plan")
    calls: Counter = Counter()
    with pytest.MonkeyPatch.context() as mp:
        for owner, name in ((plandata, "load_plan"), (geopandas, "read_file"), (map_static, "draw_map"),
                            (slides, "_area_map_png"), (matplotlib.figure.Figure, "__init__")):
            mp.setattr(owner, name, counting(calls, owner, name))
        written = render_plan_figures(folder)
    return folder, written, calls


# ----------------------------------------------------------------------------- files
@needs_data
def test_every_figure_is_written_into_the_plan_folder(england_plan):
    folder, written, _ = england_plan
    assert sorted(p.name for p in written) == sorted(FIGURE_FILES)
    for name in FIGURE_FILES:
        path = folder / name
        assert path.is_file() and path.stat().st_size > 1000, name
        assert path.parent == folder
    assert set(FIGURE_FILES) <= owned_files(folder) <= KNOWN_NAMES  # added to the folder's manifest
    assert not [p for p in folder.iterdir() if p.is_dir()]  # the drawing's temporary folder is gone


@needs_data
def test_england_figures_read_the_plan_once_and_draw_each_picture_once(england_plan):
    """What keeps drawing England quick (its time is measured by benchmarks/rota_benchmark.py):
    the plan and the regions file are read once for every figure, the main map is drawn once
    for map.png and map.svg, and the slides draw one small map per region slide, never one per
    consortium; matplotlib figures: the map, the timeline, the cover and those slide maps."""
    import pptx

    folder, _, calls = england_plan
    n_consortia = len(pd.read_csv(folder / "consortia.csv"))
    deck = pptx.Presentation(str(folder / "slides.pptx"))
    slide_maps = sum(shape.name.startswith("map of ") for slide in deck.slides for shape in slide.shapes)
    assert calls["load_plan"] == 1 and calls["read_file"] == 1, calls
    assert calls["draw_map"] == 1, calls
    assert 0 < slide_maps == calls["_area_map_png"] < n_consortia, (slide_maps, n_consortia, calls)
    assert calls["__init__"] == 3 + slide_maps, calls


@needs_data
def test_pngs_are_slide_sized(england_plan):
    folder, *_ = england_plan
    assert png_size(folder / "map.png") == (1920, 1080)
    assert png_size(folder / "timeline.png") == (1920, 1080)
    w, h = png_size(folder / "cover.png")
    assert w == 1920 and h >= 1080


@needs_data
def test_every_consortium_is_in_the_map_legend(england_plan):
    folder, *_ = england_plan
    text = svg_text(folder / "map.svg")
    cons = pd.read_csv(folder / "consortia.csv", dtype=str)
    missing = [c for c in cons["consortium"] if not re.search(rf"\b{re.escape(c)}\b", text)]
    assert not missing, f"not in the map legend: {missing}"
    # multi-trust consortia carry their go-live in the legend too
    groups = cons[cons["n_trusts"].astype(int) > 1]
    for cid, go_live in zip(groups["consortium"], groups["go_live"]):
        month = pd.Timestamp(go_live).strftime("%b %Y")
        assert re.search(rf"{re.escape(cid)}\s+{month}", text), (cid, month)


@needs_data
def test_synthetic_note_and_attribution_on_every_output(england_plan):
    folder, *_ = england_plan
    svg = svg_text(folder / "map.svg")
    flat = re.sub(r"\s+", " ", svg)
    assert "Synthetic data" in flat
    assert "Contains OS data" in flat and "Crown copyright" in flat and "RCPCH" in flat
    for name in ("map.html", "report.html"):
        page = (folder / name).read_text(encoding="utf-8")
        assert "Synthetic data: contract dates, rosters and demand are generated" in page, name
        assert "Royal College of Paediatrics and Child Health" in page, name


@needs_data
def test_no_synthetic_note_for_real_data_and_plan_attribution_is_used(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", synthetic=False, n_trusts=30)
    plan = yaml.safe_load((folder / "plan.yaml").read_text())
    plan["attribution"] = "Data: Example Health Board, Crown copyright."
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    render_plan_figures(folder)
    for name in ("map.html", "report.html"):
        page = (folder / name).read_text(encoding="utf-8")
        assert "Synthetic data" not in page
        assert "Example Health Board" in page
    assert "Synthetic data" not in svg_text(folder / "map.svg")


@needs_data
def test_same_plan_gives_the_same_bytes(tmp_path):
    a = make_fake_plan(tmp_path / "a", n_trusts=40)
    b = tmp_path / "b"
    shutil.copytree(a, b)
    render_plan_figures(a)
    render_plan_figures(b)
    for name in FIGURE_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@needs_data
def test_reads_only_the_plan_folder_and_draws_without_regions(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", regions=tmp_path / "gone" / "regions.geojson",
                            n_trusts=25)
    written = render_plan_figures(folder)
    assert len(written) == len(FIGURE_FILES)
    # no basemap, so no England credit line is invented
    assert "Ordnance" not in (folder / "map.html").read_text(encoding="utf-8")
    assert "Contains OS data" not in svg_text(folder / "map.svg")
    # an explicit regions argument wins over plan.yaml
    render_plan_figures(folder, regions=REGIONS_GEOJSON)
    assert 'class="region"' in (folder / "map.html").read_text(encoding="utf-8")


@needs_data
def test_plan_with_no_standalone_and_no_capacity(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", n_trusts=12, capacity=None)
    cons = pd.read_csv(folder / "consortia.csv", dtype=str)
    render_plan_figures(folder)
    html_ = (folder / "report.html").read_text(encoding="utf-8")
    assert html_.count("class='card'") == len(cons)


def test_callers_matplotlib_settings_are_left_alone(tmp_path):
    if not HAVE_DATA:
        pytest.skip("shared England data not found")
    before = dict(matplotlib.rcParams)
    folder = make_fake_plan(tmp_path / "plan", n_trusts=15)
    render_plan_figures(folder)
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}


def test_palette_separates_neighbours():
    import networkx as nx
    ids = [f"C{i}" for i in range(40)]
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    for i, a in enumerate(ids):
        for b in ids[i + 1:i + 6]:
            graph.add_edge(a, b)
    colours = style.assign_colours(ids, graph)
    for a, b in graph.edges:
        assert colours[a] != colours[b], (a, b)


# ----------------------------------------------------------------------------- browser
@needs_data
@needs_chromium
def test_map_html_renders_offline(england_plan, tmp_path):
    folder, *_ = england_plan
    assign = pd.read_csv(folder / "assignments.csv", dtype=str)
    cons = pd.read_csv(folder / "consortia.csv", dtype=str)
    n_groups = int((cons["n_trusts"].astype(int) > 1).sum())
    first = assign.iloc[0]
    hidden = cons[cons["n_trusts"].astype(int) > 1]["consortium"].iloc[0]
    report = browser.open_page(
        folder / "map.html",
        ready_expression="document.body.dataset.ready === '1'",
        selectors={"trusts": "#trusts .trust", "shapes": "#links .consortium-shape",
                   "legend": "#legend .row", "regions": "#regions .region",
                   "labels_shown": "#labels .clabel:not(.off)"},
        expressions={
            # hover the first trust: the info panel names it
            "hover": "(function(){var el=document.querySelector('#trusts .trust[data-i=\"0\"]');"
                     "el.dispatchEvent(new PointerEvent('pointerenter',{clientX:50,clientY:50}));"
                     "return document.getElementById('info').textContent;})()",
            # untick one consortium: its shape is hidden
            "toggle": ("(function(){var row=document.querySelector('#legend .row[data-c=\"HIDDEN\"] input');"
                       "row.checked=false;row.dispatchEvent(new Event('change'));"
                       "return getComputedStyle(document.querySelector('#links [data-c=\"HIDDEN\"]')).display;})()"
                       ).replace("HIDDEN", hidden),
            "zoom": "(function(){var b=document.getElementById('map').getAttribute('viewBox');"
                    "document.getElementById('zin').click();"
                    "return b !== document.getElementById('map').getAttribute('viewBox');})()",
        })
    (tmp_path / "map_html.png").write_bytes(report.screenshot)
    assert report.errors == []
    assert report.requests == [], "map.html must not request anything"
    assert report.counts["trusts"] == len(assign)
    assert report.counts["shapes"] == n_groups
    assert report.counts["legend"] == len(cons)
    assert report.counts["regions"] == 7
    assert report.counts["labels_shown"] >= 5
    assert first["name"] in report.values["hover"]
    assert "contract" in report.values["hover"].lower() and "pooled" in report.values["hover"]
    assert report.values["toggle"] == "none"
    assert report.values["zoom"] is True
    assert not browser.is_blank(report.screenshot)


@needs_data
@needs_chromium
def test_report_html_renders_offline(england_plan, tmp_path):
    folder, *_ = england_plan
    cons = pd.read_csv(folder / "consortia.csv", dtype=str)
    report = browser.open_page(
        folder / "report.html",
        selectors={"cards": ".card", "images": "figure img", "kpis": ".kpi"},
        expressions={"images_loaded": "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)",
                     "synthetic": "document.querySelector('.synthetic') !== null"})
    (tmp_path / "report_html.png").write_bytes(report.screenshot)
    assert report.errors == []
    assert report.requests == []
    assert report.counts["cards"] == len(cons)
    assert report.counts["images"] == 3
    assert report.counts["kpis"] == 5
    assert report.values["images_loaded"] is True
    assert report.values["synthetic"] is True
    assert not browser.is_blank(report.screenshot)


# ----------------------------------------------------------------------------- real plan
@needs_chromium
def test_real_demo_plan_and_map_command(tmp_path):
    """Solve the demo scenario for real, then re-render its folder with `consortia map`."""
    scenario = REPO / "inputs" / "demo" / "scenario.yaml"
    if not scenario.is_file():
        pytest.skip("inputs/demo/scenario.yaml not present")
    out = tmp_path / "demo"
    run = subprocess.run([sys.executable, "-m", "consortia.cli", "solve", str(scenario), "--out",
                          str(out), "--quiet"], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    for name in FIGURE_FILES:
        assert (out / name).is_file(), name
    before = {n: (out / n).read_bytes() for n in FIGURE_FILES}
    for n in FIGURE_FILES:
        (out / n).unlink()
    run = subprocess.run([sys.executable, "-m", "consortia.cli", "map", str(out)], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    for n in FIGURE_FILES:
        assert (out / n).read_bytes() == before[n], f"{n} differs after re-rendering"
    assign = pd.read_csv(out / "assignments.csv", dtype=str)
    report = browser.open_page(out / "map.html",
                               ready_expression="document.body.dataset.ready === '1'",
                               selectors={"trusts": "#trusts .trust"})
    assert report.errors == [] and report.requests == []
    assert report.counts["trusts"] == len(assign)


@needs_data
@needs_chromium
def test_map_html_search_legend_zoom_trust_labels_and_marker_hover(england_plan, tmp_path):
    folder, *_ = england_plan
    assign = pd.read_csv(folder / "assignments.csv", dtype=str)
    cons = pd.read_csv(folder / "consortia.csv", dtype=str)
    target = assign.iloc[5]
    group = cons[cons["n_trusts"].astype(int) > 2]["consortium"].iloc[0]
    members = sorted(assign.loc[assign["consortium"] == group, "trust"])
    query = target["name"].lower()[:12]
    js = {
        "labels_home": "document.querySelectorAll('#tlabels .tlabel:not(.off)').length",
        # hovering the centre of a marker hits the trust, not a consortium drawing
        "hit": "(function(){var el=document.querySelector('#trusts .trust[data-i=\"3\"] .mk');"
               "var r=el.getBoundingClientRect();var h=document.elementFromPoint(r.left+r.width/2,"
               "r.top+r.height/2);return h && h.closest('.trust') ? h.closest('.trust').dataset.i : null;})()",
        # search: lower-case part of a name, Enter zooms to the first match and selects it
        "search": ("(function(){var s=document.getElementById('search');s.value=QUERY;"
                   "s.dispatchEvent(new Event('input'));"
                   "var n=document.querySelectorAll('#results li[data-i]').length;"
                   "s.dispatchEvent(new KeyboardEvent('keydown',{key:'Enter'}));"
                   "return [n, document.getElementById('info').textContent, "
                   "document.getElementById('map').getAttribute('viewBox')];})()").replace("QUERY", repr(query)),
        "code": ("(function(){var s=document.getElementById('search');s.value=CODE;"
                 "s.dispatchEvent(new Event('input'));"
                 "return document.querySelector('#results li[data-i]').textContent;})()"
                 ).replace("CODE", repr(target["trust"].lower())),
        # legend: clicking a consortium zooms to it, its members all in view, trust names shown
        "legend": ("(function(){document.getElementById('zhome').click();"
                   "document.querySelector('#legend .row[data-c=\"GROUP\"] .zoomto').click();"
                   "var vb=document.getElementById('map').getAttribute('viewBox').split(' ').map(Number);"
                   "var inside=Array.prototype.filter.call("
                   "document.querySelectorAll('#trusts .trust[data-c=\"GROUP\"]'),"
                   "function(e){var x=+e.dataset.x,y=+e.dataset.y;"
                   "return x>=vb[0]&&x<=vb[0]+vb[2]&&y>=vb[1]&&y<=vb[1]+vb[3];}).length;"
                   "var shown=Array.prototype.map.call(document.querySelectorAll('#tlabels .tlabel:not(.off)'),"
                   "function(e){return e.textContent;});"
                   "return [vb[2], inside, shown, document.getElementById('info').textContent];})()"
                   ).replace("GROUP", group),
        "home_width": "(function(){document.getElementById('zhome').click();"
                      "return +document.getElementById('map').getAttribute('viewBox').split(' ')[2];})()",
    }
    report = browser.open_page(folder / "map.html", ready_expression="document.body.dataset.ready === '1'",
                               expressions=js)
    (tmp_path / "map_html_zoomed.png").write_bytes(report.screenshot)
    assert report.errors == [] and report.requests == []
    assert report.values["labels_home"] == 0, "no trust names at the whole-country view"
    assert report.values["hit"] == "3"
    n, info_text, viewbox = report.values["search"]
    assert n >= 1 and target["name"] in info_text
    assert float(viewbox.split()[2]) < report.values["home_width"] / 4
    assert target["name"] in report.values["code"]
    width, inside, shown, info_text = report.values["legend"]
    assert width < report.values["home_width"] / 2
    assert inside == len(members)
    assert f"Consortium {group}" in info_text
    assert any(lab.startswith(code + " ") for lab in shown for code in members)
