"""map.png stays readable where consortia are dense: neighbours differ in colour, every
consortium and standalone trust is labelled, inset trusts are numbered with a key, and no label
overlaps another or leaves its panel."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest_figures import REGIONS_GEOJSON, TRUSTS_CSV, make_fake_plan  # noqa: E402

from consortia.figures import map_static, style  # noqa: E402
from consortia.figures.plandata import load_plan  # noqa: E402

if not (TRUSTS_CSV.is_file() and REGIONS_GEOJSON.is_file()):
    pytest.skip(f"shared England data not found at {TRUSTS_CSV.parent}", allow_module_level=True)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """The 134-trust fixture plan, loaded, with its map figure drawn (not saved)."""
    folder = make_fake_plan(tmp_path_factory.mktemp("england") / "plan")
    data = load_plan(folder)
    with style.mpl_context():
        fig = map_static.draw_map(data)
        fig.canvas.draw()
        yield data, fig
    map_static.plt.close(fig)


def labels(fig):
    """(axes, kind, text, window box) of every placed label of the map panels."""
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_label() in ("consortium", "standalone", "number", "region"):
                patch = t.get_bbox_patch()
                box = (patch or t).get_window_extent(renderer)
                out.append((ax, t.get_label(), t.get_text(), box))
    return out


def test_trusts_of_different_consortia_near_each_other_have_different_colours(drawn):
    data, _ = drawn
    t = data.trusts[~data.trusts["is_standalone"]]
    xy = t[["x", "y"]].to_numpy()
    cid = t["consortium"].to_numpy()
    colour = t["colour"].to_numpy()
    clashes = []
    for i in range(len(t)):
        d = np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1])
        for j in np.nonzero((d < 25_000.0) & (cid != cid[i]))[0]:
            if colour[i] == colour[j]:
                clashes.append((cid[i], cid[j], round(float(d[j]) / 1000, 1)))
    assert not clashes, f"neighbouring consortia share a colour: {sorted(set(clashes))[:10]}"


def test_every_consortium_and_standalone_trust_is_labelled_on_the_map(drawn):
    data, fig = drawn
    texts = {(kind, text) for _, kind, text, _ in labels(fig)}
    missing = [c for c in data.groups["consortium"] if ("consortium", c) not in texts]
    assert not missing, f"consortia without a label: {missing}"
    for code in data.trusts.loc[data.trusts["is_standalone"], "trust"]:
        assert ("standalone", f"{code} alone") in texts, code


def test_labels_stay_inside_their_panel_and_never_overlap(drawn):
    _, fig = drawn
    placed = labels(fig)
    renderer = fig.canvas.get_renderer()
    for ax, kind, text, box in placed:
        frame = ax.get_window_extent(renderer)
        assert (box.x0 >= frame.x0 - 0.5 and box.x1 <= frame.x1 + 0.5
                and box.y0 >= frame.y0 - 0.5 and box.y1 <= frame.y1 + 0.5), (kind, text)
    overlaps = []
    for i, (ax_a, _, text_a, a) in enumerate(placed):
        for ax_b, _, text_b, b in placed[i + 1:]:
            if ax_a is not ax_b:
                continue
            w = min(a.x1, b.x1) - max(a.x0, b.x0)
            h = min(a.y1, b.y1) - max(a.y0, b.y0)
            if w > 1.0 and h > 1.0:
                overlaps.append((text_a, text_b))
    assert not overlaps, f"labels overlap: {overlaps[:10]}"


def test_region_names_are_labelled_in_full(drawn):
    data, fig = drawn
    regions = {t for _, kind, t, _ in labels(fig) if kind == "region"}
    assert regions == {str(n).upper() for n in data.regions["name"]}


def test_inset_trusts_are_numbered_with_a_key_naming_them(drawn):
    data, fig = drawn
    assert data.insets, "the England fixture has dense clusters"
    numbers = map_static.inset_numbers(data)
    inside = [code for code, x, y in zip(data.trusts["trust"], data.trusts["x"], data.trusts["y"])
              if any(i.contains(x, y) for i in data.insets)]
    assert sorted(code for _, code, _ in numbers) == sorted(inside)
    assert [n for n, _, _ in numbers] == list(range(1, len(numbers) + 1))
    drawn_numbers = sorted(int(t) for _, kind, t, _ in labels(fig) if kind == "number")
    assert drawn_numbers == [n for n, _, _ in numbers]
    legend_text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    names = data.trusts.set_index("trust")["name"]
    for _, code, _ in numbers[:5]:
        assert style.short_name(names[code])[:20] in legend_text, code


def test_members_are_drawn_joined_to_their_medoid(drawn):
    data, fig = drawn
    main = fig.axes[0]
    ends = set()
    links = [c for c in main.collections if c.get_label() == "links"]
    assert len(links) == 1
    for seg in links[0].get_segments():
        ends.add((round(float(seg[0][0])), round(float(seg[0][1]))))
    for _, c in data.groups.iterrows():
        assert (round(c["mx"]), round(c["my"])) in ends, c["consortium"]
    assert not any(math.isclose(p.get_alpha() or 1.0, 0.16) for p in main.patches), \
        "no translucent consortium areas"
