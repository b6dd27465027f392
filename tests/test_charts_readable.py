"""timeline.png and cover.png: the counterfactual at the rounded contract-end month, readable
dates, no clipped or overlapping labels, the weekend subspecialty rule and the rota shown."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest_figures import REGIONS_GEOJSON, TRUSTS_CSV, make_fake_plan  # noqa: E402

from consortia.figures import charts, style  # noqa: E402
from consortia.figures.plandata import load_plan, tsunami_counts  # noqa: E402

needs_data = pytest.mark.skipif(not (TRUSTS_CSV.is_file() and REGIONS_GEOJSON.is_file()),
                                reason=f"shared England data not found at {TRUSTS_CSV.parent}")


def _set_contract_ends(folder: Path, ends: dict[str, str], planning: dict) -> None:
    a = pd.read_csv(folder / "assignments.csv", dtype=str, keep_default_na=False)
    a = a[a["trust"].isin(ends)].copy()
    a["contract_end"] = a["trust"].map(ends)
    a.to_csv(folder / "assignments.csv", index=False)
    kept = a.groupby("consortium")["trust"].agg(" ".join)  # consortia.csv and plan.yaml agree with it
    c = pd.read_csv(folder / "consortia.csv", dtype=str, keep_default_na=False)
    c = c[c["consortium"].isin(kept.index)].copy()
    c["members"] = c["consortium"].map(kept)
    c["n_trusts"] = [str(len(m.split())) for m in c["members"]]
    c.to_csv(folder / "consortia.csv", index=False)
    plan = yaml.safe_load((folder / "plan.yaml").read_text())
    plan["metrics"]["n_trusts"] = len(a)
    plan["settings"].setdefault("planning", {}).update(planning)
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))


@needs_data
def test_tsunami_uses_the_rounded_contract_end_and_its_go_live_period(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", n_trusts=12)
    codes = pd.read_csv(folder / "assignments.csv", dtype=str)["trust"].tolist()[:4]
    # 30 June rounds up to 1 July (a period start): market 6 months earlier, 1 January 2014.
    # 15 June rounds down to June, inside the period starting 1 April: market 1 October 2013.
    # 20 August rounds to September, inside July's period: market 1 January 2014.
    ends = {codes[0]: "2014-06-30", codes[1]: "2014-06-15", codes[2]: "2014-08-20",
            codes[3]: "2014-07-01"}
    _set_contract_ends(folder, ends, {"start": "2013-07-01", "period_months": 3,
                                      "lead_time_months": 6})
    counts = tsunami_counts(load_plan(folder))
    assert counts == {dt.date(2013, 10, 1): 1, dt.date(2014, 1, 1): 3}


@pytest.fixture(scope="module")
def england(tmp_path_factory):
    if not (TRUSTS_CSV.is_file() and REGIONS_GEOJSON.is_file()):
        pytest.skip("shared England data not found")
    return load_plan(make_fake_plan(tmp_path_factory.mktemp("england") / "plan"))


def _tick_labels(axis):
    """The tick labels matplotlib actually draws (ticks inside the view interval)."""
    lo, hi = sorted(axis.get_view_interval())
    return [lab for loc, lab in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
            if lo - 1e-9 <= loc <= hi + 1e-9]


def _texts(fig):
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for t in (_tick_labels(ax.yaxis) + _tick_labels(ax.xaxis) + ax.texts + [ax.title]
                  + [ax.xaxis.label, ax.yaxis.label]):
            if t.get_visible() and t.get_text():
                out.append((ax, t, t.get_window_extent(renderer)))
    return out


def _draw(monkeypatch, fn, data):
    """Run a chart function and keep its figure open for inspection."""
    kept = {}
    monkeypatch.setattr(charts, "_save", lambda fig, path: kept.setdefault("fig", fig) and path)
    with style.mpl_context():
        fn(data, data.folder)
    fig = kept["fig"]
    fig.canvas.draw()
    return fig


@needs_data
def test_timeline_row_labels_are_not_clipped_and_go_lives_are_written(england, monkeypatch):
    fig = _draw(monkeypatch, charts._timeline, england)
    try:
        rows = fig.axes[0]
        for lab in rows.get_yticklabels():
            assert lab.get_window_extent().x0 >= 0, lab.get_text()
        texts = {t.get_text() for t in rows.texts}
        for d in england.consortia["go_live_d"]:
            assert d.strftime("%b %Y") in texts
        minor = [t.get_text() for t in rows.xaxis.get_minorticklabels() if t.get_text()]
        assert {"Apr", "Jul", "Oct"} <= set(minor), "quarters are labelled, not only gridlines"
    finally:
        plt.close(fig)


@needs_data
def test_cover_labels_never_overlap_another_panel(england, monkeypatch):
    fig = _draw(monkeypatch, charts._cover, england)
    try:
        renderer = fig.canvas.get_renderer()
        boxes = [(ax, ax.get_window_extent(renderer)) for ax in fig.axes]
        bad = []
        for own, t, bb in _texts(fig):
            for ax, box in boxes:
                if ax is own:
                    continue
                w = min(bb.x1, box.x1) - max(bb.x0, box.x0)
                h = min(bb.y1, box.y1) - max(bb.y0, box.y0)
                if w > 1 and h > 1:
                    bad.append(t.get_text())
        width, height = fig.get_window_extent(renderer).width, fig.get_window_extent(renderer).height
        for _, t, bb in _texts(fig):
            if bb.x0 < -1 or bb.x1 > width + 1 or bb.y0 < -1 or bb.y1 > height + 1:
                bad.append("cut at the edge: " + t.get_text()[:40])
        fig_texts = [t for t in fig.texts if t.get_text()]
        for t in fig_texts:
            bb = t.get_window_extent(renderer)
            for _, box in boxes:
                if min(bb.x1, box.x1) - max(bb.x0, box.x0) > 1 and min(bb.y1, box.y1) - max(bb.y0, box.y0) > 1:
                    bad.append(t.get_text()[:40])
        assert not bad, f"labels over another panel: {bad[:8]}"
    finally:
        plt.close(fig)


@needs_data
def test_cover_shows_the_weekend_subspecialty_rule(england, monkeypatch):
    subs = england.weekend_subspecialties
    assert subs, "the fixture requires weekend subspecialties"
    fig = _draw(monkeypatch, charts._cover, england)
    try:
        panel = fig.axes[2]
        heads = [t.get_text() for t in panel.get_xticklabels()]
        assert heads == ["Sat", "Sun"] * len(subs)
        assert [t.get_text() for t in panel.texts if t.get_text() in subs] == subs
        marks = [t.get_text() for t in panel.texts if t.get_text() in ("\u2713", "\u2717")]
        rows, _, _ = charts.cover_tables(england)
        assert len(marks) == len(rows) * 2 * len(subs)
        expected = sum(len(england.weekend_missing(c["consortium"])) for c in rows)
        assert marks.count("\u2717") == expected
    finally:
        plt.close(fig)
