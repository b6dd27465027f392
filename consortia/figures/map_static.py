"""map.png / map.svg: the plan on one slide (1920x1080 at 150 dpi).

Layout: England (or whatever the plan covers) on the left, enlarged insets of the densest
clusters (London, Manchester...) in the middle, the legend and the key to the numbered trusts
of the insets on the right, the title and the synthetic-data note on top and the data
attribution along the bottom. Each consortium is drawn as its members joined by thin lines to
its medoid (the hub), so overlapping consortia stay apart; neighbouring consortia get different
colours (``style.assign_colours``). Labels (consortia, standalone trusts, inset numbers, region
names) are placed greedily so that none overlaps another, a marker of another consortium, or
the edge of its panel, with a leader line when a label had to move away.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path as MPath  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from . import style  # noqa: E402
from .plandata import PlanData, month_label, natural_key, polygon_rings  # noqa: E402

__all__ = ["render_static_map", "draw_map"]

FIG_W, FIG_H, DPI = 12.8, 7.2, 150


def render_static_map(data: PlanData, out_dir: Path) -> list[Path]:
    png = Path(out_dir) / "map.png"
    svg = Path(out_dir) / "map.svg"
    with style.mpl_context():
        fig = draw_map(data)
        try:
            fig.savefig(png, dpi=DPI, metadata=style.PNG_METADATA, facecolor="white")
            fig.savefig(svg, format="svg", metadata=style.SVG_METADATA, facecolor="white")
        finally:
            plt.close(fig)
    return [png, svg]


# --------------------------------------------------------------------------- geometry helpers
def _geom_path(geom) -> MPath | None:
    """A matplotlib path (with holes) for a shapely (Multi)Polygon."""
    verts, codes = [], []
    for xy in polygon_rings(geom):
        verts.extend(xy)
        codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
    return MPath(verts, codes) if verts else None


def _fit_limits(ax, fig, x0, y0, x1, y1):
    """Set limits with equal aspect that fill the axes box (so transforms are final now)."""
    pos = ax.get_position()
    box_w, box_h = pos.width * fig.get_figwidth(), pos.height * fig.get_figheight()
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    if w / h < box_w / box_h:
        nw = h * box_w / box_h
        x0, x1 = (x0 + x1) / 2 - nw / 2, (x0 + x1) / 2 + nw / 2
    else:
        nh = w * box_h / box_w
        y0, y1 = (y0 + y1) / 2 - nh / 2, (y0 + y1) / 2 + nh / 2
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])


# --------------------------------------------------------------------------- drawing
NUMBER_ALL_UP_TO = 60  # without insets, plans of at most this many trusts number every trust


def inset_numbers(data: PlanData) -> list[tuple[int, str, str]]:
    """(number, trust code, inset letter) of every trust shown in an inset: numbered per inset
    in consortium order, then by name, continuing from one inset to the next. A small plan
    without insets numbers every trust (inset letter "")."""
    out, n = [], 0
    t = data.trusts
    panels = [(i.letter, i.contains) for i in data.insets]
    if not panels and len(t) <= NUMBER_ALL_UP_TO:
        panels = [("", lambda x, y: math.isfinite(x) and math.isfinite(y))]
    for letter, contains in panels:
        inside = t[[contains(x, y) for x, y in zip(t["x"], t["y"])]]
        inside = inside.iloc[sorted(range(len(inside)), key=lambda i: (
            natural_key(inside["consortium"].iloc[i]), str(inside["name"].iloc[i])))]
        for code in inside["trust"]:
            n += 1
            out.append((n, str(code), letter))
    return out


def draw_map(data: PlanData, *, size=(FIG_W, FIG_H)):
    fig = plt.figure(figsize=size, dpi=DPI)
    fig.patch.set_facecolor("white")
    t = data.trusts
    n_groups = len(data.groups)
    n_alone = len(data.standalone)

    # title, subtitle, synthetic note
    title = f"PACS/RIS purchasing consortia \u2014 {data.scenario}"
    fig.text(0.010, 0.962, title, fontsize=16 if len(title) <= 58 else 12, fontweight="bold",
             color=style.INK, va="center")
    sub = (f"{len(t)} trusts in {n_groups} consortia"
           + (f" and {n_alone} standalone trust{'s' if n_alone != 1 else ''}" if n_alone else "")
           + f"  \u00b7  go-live dates in the legend  \u00b7  {data.status_words}")
    fig.text(0.010, 0.918, sub, fontsize=9, color=style.MUTED, va="center")
    if data.synthetic:
        fig.text(0.717, 0.945, textwrap.fill(style.SYNTHETIC_NOTE, 58), fontsize=8.2,
                 color="white", ha="left", va="center", fontweight="bold", linespacing=1.3,
                 bbox=dict(boxstyle="round,pad=0.4", fc=style.SYNTHETIC_BG, ec="none"))

    # attribution footer
    attribution = data.attribution or "Data: see the plan's inputs."
    wrapped = textwrap.fill(attribution, width=235)
    fig.text(0.010, 0.008, wrapped, fontsize=5.6, color=style.MUTED, va="bottom", ha="left",
             linespacing=1.25)

    insets = data.insets
    top, bottom = 0.895, 0.062
    if insets:
        main_ax = fig.add_axes([0.004, bottom, 0.40, top - bottom])
    else:
        main_ax = fig.add_axes([0.004, bottom, 0.66, top - bottom])
    legend_ax = fig.add_axes([0.715, bottom, 0.28, top - bottom])
    legend_ax.set_axis_off()

    xs, ys = t["x"].dropna(), t["y"].dropna()
    if xs.empty:  # nothing planned: show the regions, or an empty frame
        xs = ys = pd.Series([0.0, 1000.0])
    if data.regions is not None and len(data.regions):
        rx0, ry0, rx1, ry1 = data.regions.total_bounds
        x0, y0 = min(rx0, xs.min()), min(ry0, ys.min())
        x1, y1 = max(rx1, xs.max()), max(ry1, ys.max())
        pad = 0.01 * max(x1 - x0, y1 - y0)
    else:
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max(), ys.max()
        pad = 0.08 * max(x1 - x0, y1 - y0, 20_000.0)
    _fit_limits(main_ax, fig, x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    _draw_layers(main_ax, data, marker_scale=1.0)

    # insets
    inset_axes = []
    if insets:
        heights = [0.54, 0.46] if len(insets) == 2 else [1.0]
        gap = 0.035
        avail = top - bottom - gap * (len(insets) - 1)
        ytop = top
        for inset, frac in zip(insets, heights):
            h = avail * frac
            ax = fig.add_axes([0.41, ytop - h, 0.30, h])
            ytop -= h + gap
            bx0, by0, bx1, by1 = inset.bounds
            _fit_limits(ax, fig, bx0, by0, bx1, by1)
            _draw_layers(ax, data, marker_scale=2.0)
            for s in ax.spines.values():
                s.set_edgecolor(style.INK)
                s.set_linewidth(1.0)
            ax.text(0.012, 0.985, f"{inset.letter}  {inset.name} (enlarged)", transform=ax.transAxes,
                    ha="left", va="top", fontsize=9, fontweight="bold", color=style.INK,
                    bbox=dict(boxstyle="square,pad=0.25", fc="white", ec="none", alpha=0.9),
                    zorder=40)
            _scale_bar(ax)
            inset_axes.append((inset, ax))
            # box and letter on the main map
            main_ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, fill=False,
                                        ec=style.INK, lw=0.9, zorder=15))
            main_ax.text(bx0, by1, inset.letter, ha="right", va="bottom", fontsize=9,
                         fontweight="bold", color=style.INK, zorder=16,
                         path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    _scale_bar(main_ax)

    # labels
    renderer = fig.canvas.get_renderer()
    numbers = inset_numbers(data)
    _label_panel(main_ax, renderer, data, insets=insets, main=True,
                 numbers=[(n, c) for n, c, letter in numbers if letter == ""])
    for inset, ax in inset_axes:
        _label_panel(ax, renderer, data, insets=[],
                     numbers=[(n, c) for n, c, letter in numbers if letter == inset.letter],
                     main=False)
    _draw_legend(fig, legend_ax, data, numbers)
    return fig


def _draw_layers(ax, data: PlanData, *, marker_scale: float):
    ax.set_facecolor("#dfeaf2" if data.regions is not None else "white")
    if data.regions is not None:
        for geom in data.regions.geometry:
            p = _geom_path(geom)
            if p is not None:
                ax.add_artist(PathPatch(p, fc=style.REGION_FILL, ec=style.REGION_EDGE, lw=0.7,
                                       zorder=1))
    t = data.trusts
    lw = 0.9 * marker_scale ** 0.5
    segments, colours = [], []
    for _, c in data.groups.iterrows():
        if not math.isfinite(c["mx"]):
            continue
        m = data.members(c["consortium"])
        for px, py in zip(m["x"], m["y"]):
            if math.isfinite(px) and (px, py) != (c["mx"], c["my"]):
                segments.append([(c["mx"], c["my"]), (px, py)])
                colours.append(c["colour"])
    if segments:  # a white casing under each member-to-hub line keeps crossing lines apart
        ax.add_collection(LineCollection(segments, colors="white", linewidths=lw + 1.6, zorder=3,
                                         capstyle="round", label="links casing"))
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=lw, zorder=4,
                                         capstyle="round", label="links"))
    grp = t[~t["is_standalone"]]
    alone = t[t["is_standalone"]]
    hubs = data.groups[np.isfinite(data.groups["mx"])]
    ax.scatter(grp["x"], grp["y"], s=16 * marker_scale, c=list(grp["colour"]), marker="o",
               edgecolors="white", linewidths=0.6, zorder=6)
    ax.scatter(hubs["mx"], hubs["my"], s=30 * marker_scale, c=list(hubs["colour"]), marker="o",
               edgecolors=style.INK, linewidths=0.8, zorder=7)
    ax.scatter(alone["x"], alone["y"], s=24 * marker_scale, facecolors="white",
               edgecolors=style.INK, marker="D", linewidths=1.0, zorder=7)
    ax.set_xticks([])
    ax.set_yticks([])


def _scale_bar(ax):
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    nice = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500]
    target = width / 6 / 1000
    km = max([n for n in nice if n <= target] or [1])
    bx = x0 + 0.04 * width
    by = y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + km * 1000], [by, by], color=style.INK, lw=2, zorder=20,
            solid_capstyle="butt")
    ax.text(bx + km * 500, by + 0.012 * (y1 - y0), f"{km} km", ha="center", va="bottom",
            fontsize=6.5, color=style.INK, zorder=20,
            path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])


# --------------------------------------------------------------------------- label placement
def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _label_panel(ax, renderer, data: PlanData, *, insets, numbers, main: bool):
    """Place every label of one panel: consortia, standalone trusts, inset numbers, regions."""
    fig = ax.figure
    pt = fig.dpi / 72.0
    to_px = ax.transData.transform
    ab = ax.get_window_extent(renderer)
    frame = (ab.x0 + 2, ab.y0 + 2, ab.x1 - 2, ab.y1 - 2)
    t = data.trusts
    ok = np.isfinite(t["x"]) & np.isfinite(t["y"])
    pts = to_px(t.loc[ok, ["x", "y"]].to_numpy()) if ok.any() else np.zeros((0, 2))
    owner = t.loc[ok, "consortium"].to_numpy()
    placed: list[tuple[float, float, float, float]] = [
        (frame[0], frame[3] - 20 * pt, frame[0] + 230 * pt, frame[3]),      # inset title
        (frame[0], frame[1], frame[0] + 0.25 * (frame[2] - frame[0]), frame[1] + 24 * pt),
    ]
    for bx0, by0, bx1, by1 in (i.bounds for i in insets):  # inset boxes: labelled in the inset
        (px0, py0), (px1, py1) = to_px([[bx0, by0], [bx1, by1]])
        placed.append((px0 - 2, py0 - 2, px1 + 2, py1 + 14 * pt))

    def visible(px, py):
        return frame[0] <= px <= frame[2] and frame[1] <= py <= frame[3]

    def covered(x, y):  # inside an inset's box on the main map
        return any(i.contains(x, y) for i in insets)

    placer = LabelPlacer(ax, renderer, frame, pts, owner, placed)
    # consortia: the most crowded first, anchored on the hub (medoid)
    groups = sorted((c for _, c in data.groups.iterrows() if math.isfinite(c["mx"])),
                    key=lambda c: (-c["n_trusts"], natural_key(c["consortium"])))
    for c in groups:
        m = data.members(c["consortium"])
        shown = [(x, y) for x, y in zip(m["x"], m["y"])
                 if math.isfinite(x) and visible(*to_px([[x, y]])[0]) and not covered(x, y)]
        if not shown:
            continue
        anchor = (c["mx"], c["my"]) if (c["mx"], c["my"]) in shown else shown[0]
        spread = max(float(np.abs(to_px(np.array(shown)) - to_px([anchor])[0]).max()), 0.0)
        placer.place(c["consortium"], to_px([anchor])[0], kind="consortium", owner=c["consortium"],
                     fontsize=7.0 if main else 7.6, edge=c["colour"], first_r=None,
                     spread=min(spread, 10 * placer.pt))
    for _, c in data.standalone.iterrows():
        m = data.members(c["consortium"])
        for code, x, y in zip(m["trust"], m["x"], m["y"]):
            if math.isfinite(x) and visible(*to_px([[x, y]])[0]) and not covered(x, y):
                placer.place(f"{code} alone", to_px([[x, y]])[0], kind="standalone", owner=c["consortium"],
                             fontsize=6.6 if main else 7.2, edge=style.INK, first_r=None)
    by_code = t.set_index("trust")
    for n, code in numbers:
        r = by_code.loc[code]
        placer.place(str(n), to_px([[r["x"], r["y"]]])[0], kind="number", owner=r["consortium"], fontsize=6.4,
                     edge=r["colour"], first_r=None, pad=0.14, near=3.5 * pt, bold=False)
    if main and data.regions is not None and "name" in data.regions:
        for name, geom in zip(data.regions["name"], data.regions.geometry):
            p = geom.representative_point()
            inv = ax.transData.inverted()
            placer.place(str(name).upper(), to_px([[p.x, p.y]])[0], kind="region", owner=None, fontsize=5.8,
                         edge=None, first_r=0.0, region=True,
                         within=lambda px, py, g=geom, inv=inv: g.contains(Point(*inv.transform([[px, py]])[0])))


class LabelPlacer:
    """Greedy label placement in pixel space: candidates on rings around the anchor, the one
    with the least overlap (placed labels, other consortia's markers) inside the panel wins."""

    ANGLES = (90, 270, 0, 180, 45, 135, 225, 315, 20, 160, 200, 340, 65, 115, 245, 295)

    def __init__(self, ax, renderer, frame, pts, owner, placed):
        self.ax, self.renderer, self.frame = ax, renderer, frame
        self.pts, self.owner, self.placed = pts, owner, placed
        self.pt = ax.figure.dpi / 72.0

    def place(self, text, anchor, *, kind, owner, fontsize, edge, first_r, spread=0.0, pad=0.22,
              near=None, bold=True, region=False, within=None):
        ax, pt = self.ax, self.pt
        if region:
            txt = ax.text(0, 0, text, fontsize=fontsize, color="#77726a", style="italic",
                          ha="center", va="center", zorder=25,
                          path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")])
        else:
            txt = ax.text(0, 0, text, fontsize=fontsize, fontweight="bold" if bold else "normal",
                          color=style.INK, ha="center", va="center", zorder=30,
                          bbox=dict(boxstyle=f"round,pad={pad}", fc="white", ec=edge, lw=1.1,
                                    alpha=0.95))
        txt.set_label(kind)  # what the label names: consortium, standalone, number or region
        bb = txt.get_window_extent(self.renderer)
        w, h = bb.width + (2 if region else 6) * pt * pad / 0.22 + 2, bb.height + 4 * pt * pad / 0.22 + 1
        near = 6 * pt if near is None else near
        radii = ([0.0] if first_r is not None else []) + [
            near + spread * k for k in (0.0,)] + [near + spread + d * pt for d in (6, 14, 26, 42, 64, 92)]
        fx0, fy0, fx1, fy1 = self.frame
        best, best_score = None, None
        for r_i, r in enumerate(radii):
            for a in ([0.0] if r == 0 else self.ANGLES):
                ca, sa = math.cos(math.radians(a)), math.sin(math.radians(a))
                x = anchor[0] + r * ca + (w / 2 * ca / max(abs(ca), abs(sa)) if r else 0.0)
                y = anchor[1] + r * sa + (h / 2 * sa / max(abs(ca), abs(sa)) if r else 0.0)
                box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                if box[0] < fx0 or box[2] > fx1 or box[1] < fy0 or box[3] > fy1:
                    continue
                if within is not None and not within(x, y):
                    continue
                inside = ((self.pts[:, 0] >= box[0] - 2) & (self.pts[:, 0] <= box[2] + 2)
                          & (self.pts[:, 1] >= box[1] - 2) & (self.pts[:, 1] <= box[3] + 2))
                others = float((inside & (self.owner != owner)).sum()) if owner is not None else float(inside.sum())
                own = float((inside & (self.owner == owner)).sum()) if owner is not None else 0.0
                score = (r_i * 30.0 + r * 0.05
                         + sum(_overlap(box, p) for p in self.placed) * 8.0
                         + 900.0 * others + (60.0 * own if r or region else 0.0))
                if best_score is None or score < best_score:
                    best, best_score = (x, y, box, r), score
            if best_score is not None and best_score < (r_i + 1) * 30.0:
                break
        if best is None:  # nowhere inside the panel: pin to the nearest inside spot
            x = min(max(anchor[0], fx0 + w / 2), fx1 - w / 2)
            y = min(max(anchor[1], fy0 + h / 2), fy1 - h / 2)
            best = (x, y, (x - w / 2, y - h / 2, x + w / 2, y + h / 2), 1.0)
        x, y, box, r = best
        self.placed.append(box)
        inv = ax.transData.inverted()
        data_xy = inv.transform([[x, y]])[0]
        txt.set_position(data_xy)
        if r > 0 and not region and edge is not None:
            # leader from the anchor to the nearest point of the label's box
            ex = min(max(anchor[0], box[0]), box[2])
            ey = min(max(anchor[1], box[1]), box[3])
            if math.hypot(ex - anchor[0], ey - anchor[1]) > 3.5 * pt:
                (ax0, ay0), (ex_, ey_) = inv.transform([anchor, [ex, ey]])
                ax.add_line(Line2D([ax0, ex_], [ay0, ey_], color=edge, lw=0.8, zorder=29, alpha=0.95))
        return box


# --------------------------------------------------------------------------- legend
def _draw_legend(fig, ax, data: PlanData, numbers):
    groups = data.groups
    alone = data.standalone
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    pt_frac = (fig.dpi / 72.0) / box.height   # one point as a fraction of the legend's height
    y = 1.0
    ax.text(0.0, y, "Consortia", transform=ax.transAxes, fontsize=10.5, fontweight="bold",
            va="top", color=style.INK)
    y -= 15 * pt_frac
    ax.text(0.0, y, "id, go-live (number of trusts); lines join members to the hub \u25cf",
            transform=ax.transAxes, fontsize=6.8, va="top", color=style.MUTED)
    y -= 11 * pt_frac
    n = len(groups)
    key_lines = len(numbers) + len(alone)
    ncol = 1 if n <= 12 else (2 if n <= 24 else 3)
    rows = max(1, math.ceil(n / ncol))
    key_rows = math.ceil(key_lines / 2) if key_lines > 16 else key_lines
    # split the height between the consortia rows and the key below them
    avail = y - 36 * pt_frac
    row_h = min(13 * pt_frac, avail * 0.55 / rows if key_rows else avail / rows)
    fs = 7.4 if row_h >= 11 * pt_frac else 6.6
    col_w = 1.0 / ncol
    for k, (_, c) in enumerate(groups.iterrows()):
        col, row = divmod(k, rows)
        x = col * col_w
        yy = y - row * row_h
        ax.add_patch(Rectangle((x, yy - row_h * 0.8), 0.035, row_h * 0.62,
                               transform=ax.transAxes, fc=c["colour"], ec="white", lw=0.5,
                               clip_on=False))
        label = f"{_short(c['consortium'], 10)}  {month_label(c['go_live_d'])} ({c['n_trusts']})"
        ax.text(x + 0.045, yy - row_h * 0.5, label, transform=ax.transAxes,
                fontsize=fs, va="center", color=style.INK)
    y -= rows * row_h + 6 * pt_frac
    if len(alone):
        ax.add_line(Line2D([0.012], [y - 5 * pt_frac], marker="D", ms=5, mfc="white", mec=style.INK,
                           transform=ax.transAxes, ls="none", clip_on=False))
        ax.text(0.045, y - 5 * pt_frac, f"standalone trust{'s' if len(alone) != 1 else ''}, "
                "procuring alone (go-live)", transform=ax.transAxes, fontsize=7, va="center",
                color=style.INK)
        y -= 12 * pt_frac
        entries = []
        for _, c in alone.iterrows():
            m = data.members(c["consortium"])
            for code, name in zip(m["trust"], m["name"]):
                ident = code if code == c["consortium"] else f"{code} ({c['consortium']})"
                entries.append((ident, style.short_name(name), month_label(c["go_live_d"])))
        if len(entries) <= 4:
            lines = [f"{i}  {_short(n, 40)}  {g}" for i, n, g in entries]
        else:
            lines = textwrap.wrap(", ".join(f"{i} {g}" for i, n, g in entries), width=70)
        for line in lines:
            ax.text(0.045, y - 4 * pt_frac, line, transform=ax.transAxes, fontsize=6.2,
                    va="center", color=style.INK)
            y -= 9 * pt_frac
        y -= 3 * pt_frac
    if numbers:
        letters = sorted({letter for _, _, letter in numbers if letter})
        ax.text(0.0, y, ("Numbered trusts in the enlarged maps " + " and ".join(letters)) if letters
                else "Numbered trusts",
                transform=ax.transAxes, fontsize=8, fontweight="bold", va="top", color=style.INK)
        y -= 12 * pt_frac
        two = len(numbers) > 16
        rows_k = math.ceil(len(numbers) / 2) if two else len(numbers)
        line_h = min(9 * pt_frac, (y - 0.0) / max(rows_k, 1))
        kfs = 6.0 if line_h >= 7.5 * pt_frac else 5.2
        width = 31 if two else 60
        by_code = data.trusts.set_index("trust")
        for k, (num, code, _) in enumerate(numbers):
            col, row = divmod(k, rows_k)
            r = by_code.loc[code]
            x = col * 0.5
            yy = y - row * line_h - line_h / 2
            ax.text(x + 0.028, yy, str(num), transform=ax.transAxes, fontsize=kfs, va="center",
                    ha="right", color=style.INK, fontweight="bold")
            ax.add_patch(Rectangle((x + 0.034, yy - line_h * 0.32), 0.012, line_h * 0.64,
                                   transform=ax.transAxes, fc=r["colour"], ec="none", clip_on=False))
            ax.text(x + 0.052, yy, f"{_short(style.short_name(r['name']), width - 6)} "
                    f"\u00b7 {r['consortium'] if not r['is_standalone'] else 'alone'}",
                    transform=ax.transAxes, fontsize=kfs, va="center", color=style.INK)


def _short(s: str, n: int) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "\u2026"
