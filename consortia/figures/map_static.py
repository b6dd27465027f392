"""map.png / map.svg: the plan on one slide (1920x1080 at 150 dpi).

Layout: England (or whatever the plan covers) on the left, enlarged insets of the densest
clusters (London, Manchester...) in the middle, the legend on the right, the title and the
synthetic-data note on top and the data attribution along the bottom. Consortium labels are
placed greedily so they overlap neither each other nor other consortia's trusts, with a
leader line when a label had to move away from its consortium.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path as MPath  # noqa: E402

from . import style  # noqa: E402
from .plandata import PlanData, month_label, polygon_rings  # noqa: E402

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
           + f"  \u00b7  labels show consortium and go-live  \u00b7  {data.status_line}")
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
    _draw_layers(main_ax, data, marker_scale=1.0, region_labels=True)

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
            _draw_layers(ax, data, marker_scale=1.7, region_labels=False)
            for s in ax.spines.values():
                s.set_edgecolor(style.INK)
                s.set_linewidth(1.0)
            ax.text(0.012, 0.985, f"{inset.letter}  {inset.name} (enlarged)", transform=ax.transAxes,
                    ha="left", va="top", fontsize=9, fontweight="bold", color=style.INK,
                    bbox=dict(boxstyle="square,pad=0.25", fc="white", ec="none", alpha=0.9),
                    zorder=20)
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
    groups = data.groups
    main_items, inset_items = [], {i.letter: [] for i in insets}
    for _, c in groups.iterrows():
        if not math.isfinite(c["cx"]):
            continue
        in_inset = [i for i in insets if i.contains(c["cx"], c["cy"])]
        if not in_inset:
            main_items.append(c)
        m = data.members(c["consortium"])
        for inset in insets:
            if inset in in_inset or any(inset.contains(px, py) for px, py in zip(m["x"], m["y"])):
                inset_items[inset.letter].append(c)
    _place_labels(main_ax, renderer, data, main_items, fontsize=6.6,
                  avoid=[i.bounds for i in insets])
    for inset, ax in inset_axes:
        _place_labels(ax, renderer, data, inset_items[inset.letter], fontsize=7.4)

    _draw_legend(fig, legend_ax, data)
    return fig


def _draw_layers(ax, data: PlanData, *, marker_scale: float, region_labels: bool):
    ax.set_facecolor("#dfeaf2" if data.regions is not None else "white")
    if data.regions is not None:
        for geom in data.regions.geometry:
            p = _geom_path(geom)
            if p is not None:
                ax.add_patch(PathPatch(p, fc=style.REGION_FILL, ec=style.REGION_EDGE, lw=0.7,
                                       zorder=1))
        if region_labels and "name" in data.regions:
            for name, geom in zip(data.regions["name"], data.regions.geometry):
                pt = geom.representative_point()
                ax.text(pt.x, pt.y, str(name).upper(), fontsize=5.8, color="#8d887c",
                        ha="center", va="center", zorder=2, style="italic", alpha=0.9)
    for _, c in data.groups.iterrows():
        p = _geom_path(c["hull"])
        if p is None:
            continue
        ax.add_patch(PathPatch(p, fc=c["colour"], ec="none", alpha=0.16, zorder=3))
        ax.add_patch(PathPatch(p, fc="none", ec=c["colour"], lw=1.1 * marker_scale ** 0.5,
                               zorder=4))
    t = data.trusts
    grp = t[~t["is_standalone"]]
    alone = t[t["is_standalone"]]
    ax.scatter(grp["x"], grp["y"], s=20 * marker_scale, c=list(grp["colour"]), marker="o",
               edgecolors="white", linewidths=0.6, zorder=6)
    ax.scatter(alone["x"], alone["y"], s=24 * marker_scale, facecolors="white",
               edgecolors=style.INK, marker="D", linewidths=1.0, zorder=6)
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


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _place_labels(ax, renderer, data: PlanData, items, *, fontsize: float, avoid=()):
    """Greedy placement: candidate offsets around each consortium, least collision wins."""
    if not items:
        return
    fig = ax.figure
    to_px = ax.transData.transform
    ax_box = ax.get_window_extent(renderer)
    ab = (ax_box.x0 + 2, ax_box.y0 + 2, ax_box.x1 - 2, ax_box.y1 - 2)
    pt_px = fig.dpi / 72.0
    t = data.trusts
    pts = to_px(t[["x", "y"]].to_numpy())
    owner = t["consortium"].to_numpy()
    placed: list[tuple[float, float, float, float]] = []
    # reserve the title box of insets (top-left corner) and the scale bar (bottom-left)
    placed.append((ab[0], ab[3] - 22 * pt_px, ab[0] + 190 * pt_px, ab[3]))
    placed.append((ab[0], ab[1], ab[0] + 0.25 * (ab[2] - ab[0]), ab[1] + 26 * pt_px))
    for bx0, by0, bx1, by1 in avoid:  # inset boxes: their trusts are labelled in the inset
        (px0, py0), (px1, py1) = to_px([[bx0, by0], [bx1, by1]])
        placed.append((px0, py0, px1, py1 + 14 * pt_px))
    # label the most crowded consortia first: they have the fewest good spots
    order = sorted(items, key=lambda c: (-c["n_trusts"], str(c["consortium"])))
    for c in order:
        cid = c["consortium"]
        m = data.members(cid)
        mx = to_px(m[["x", "y"]].to_numpy())
        # anchor: the member nearest the members' centre, so leader lines end on a marker
        cxy = to_px([[c["cx"], c["cy"]]])[0]
        if not (ab[0] <= cxy[0] <= ab[2] and ab[1] <= cxy[1] <= ab[3]):
            inside = [(px, py) for px, py in mx if ab[0] <= px <= ab[2] and ab[1] <= py <= ab[3]]
            if not inside:
                continue
            cxy = (sum(p[0] for p in inside) / len(inside), sum(p[1] for p in inside) / len(inside))
        txt = ax.text(0, 0, c["label"], fontsize=fontsize, fontweight="bold", color=style.INK,
                      ha="center", va="center", zorder=30,
                      bbox=dict(boxstyle="round,pad=0.22", fc="white", ec=c["colour"], lw=1.3,
                                alpha=0.93))
        bb = txt.get_window_extent(renderer)
        w, h = bb.width + 5 * pt_px, bb.height + 4 * pt_px
        # the hull's half-size on screen: start candidates just outside it
        spread = max(float(max(abs(mx[:, 0] - cxy[0]).max(), abs(mx[:, 1] - cxy[1]).max())), 4.0)
        best, best_score = None, None
        radii = [0.0, spread + 10 * pt_px, spread + 24 * pt_px, spread + 42 * pt_px,
                 spread + 64 * pt_px, spread + 90 * pt_px]
        for r_i, r in enumerate(radii):
            angles = [0.0] if r == 0 else [90, 270, 0, 180, 45, 135, 225, 315, 30, 150, 210, 330]
            for a in angles:
                dx = r * math.cos(math.radians(a)) + (math.copysign(w / 2, math.cos(math.radians(a)))
                                                      if r and abs(math.cos(math.radians(a))) > 0.3
                                                      else 0)
                dy = r * math.sin(math.radians(a)) + (math.copysign(h / 2, math.sin(math.radians(a)))
                                                      if r and abs(math.sin(math.radians(a))) > 0.3
                                                      else 0)
                x, y = cxy[0] + dx, cxy[1] + dy
                box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                score = r_i * 40.0 + abs(dx) * 0.05
                if box[0] < ab[0] or box[2] > ab[2] or box[1] < ab[1] or box[3] > ab[3]:
                    score += 1e6
                score += sum(_overlap(box, p) for p in placed) * 5.0
                inside = ((pts[:, 0] >= box[0]) & (pts[:, 0] <= box[2])
                          & (pts[:, 1] >= box[1]) & (pts[:, 1] <= box[3]))
                score += 400.0 * float((inside & (owner != cid)).sum())
                score += 60.0 * float((inside & (owner == cid)).sum()) if r else 0.0
                if best_score is None or score < best_score:
                    best, best_score = (x, y, box, r), score
            if best_score is not None and best_score < (r_i + 1) * 40.0:
                break
        x, y, box, r = best
        placed.append(box)
        data_xy = ax.transData.inverted().transform([[x, y]])[0]
        txt.set_position(data_xy)
        if r > 0:
            anchor = ax.transData.inverted().transform([cxy])[0]
            ax.add_line(Line2D([anchor[0], data_xy[0]], [anchor[1], data_xy[1]], color=c["colour"],
                               lw=0.9, zorder=29, alpha=0.95))


def _draw_legend(fig, ax, data: PlanData):
    groups = data.groups
    alone = data.standalone
    ax.text(0.0, 1.0, "Consortia", transform=ax.transAxes, fontsize=10.5, fontweight="bold",
            va="top", color=style.INK)
    ax.text(0.0, 0.972, "id \u00b7 go-live \u00b7 number of trusts", transform=ax.transAxes,
            fontsize=7, va="top", color=style.MUTED)
    n = len(groups)
    # reserve space at the bottom for the standalone block and the key
    alone_lines = _standalone_lines(alone)
    bottom_block = 0.09 + 0.028 * len(alone_lines)
    ncol = 1 if n <= 22 else (2 if n <= 56 else 3)
    rows = max(1, math.ceil(n / ncol))
    top = 0.935
    row_h = min(0.036, (top - bottom_block - 0.01) / rows)
    fs = 7.4 if row_h >= 0.03 else (6.8 if row_h >= 0.022 else 5.8)
    col_w = 1.0 / ncol
    for k, (_, c) in enumerate(groups.iterrows()):
        col, row = divmod(k, rows)
        x = col * col_w
        y = top - row * row_h
        ax.add_patch(Rectangle((x, y - row_h * 0.78), 0.045 / ncol * 2, row_h * 0.62,
                               transform=ax.transAxes, fc=c["colour"], ec="white", lw=0.5,
                               clip_on=False))
        label = f"{_short(c['consortium'], 10)}  {month_label(c['go_live_d'])}  ({c['n_trusts']})"
        ax.text(x + 0.1 / ncol * 2 * 0.6, y - row_h * 0.47, label, transform=ax.transAxes,
                fontsize=fs, va="center", color=style.INK)
    # key
    yk = bottom_block - 0.005
    ax.add_line(Line2D([0.0], [yk - 0.012], marker="o", ms=6, mfc="#0067a5", mec="white",
                       transform=ax.transAxes, ls="none", clip_on=False))
    ax.text(0.04, yk - 0.012, "trust in a consortium (outline: consortium area)",
            transform=ax.transAxes, fontsize=7, va="center", color=style.INK)
    if len(alone):
        ax.add_line(Line2D([0.0], [yk - 0.04], marker="D", ms=5.5, mfc="white", mec=style.INK,
                           transform=ax.transAxes, ls="none", clip_on=False))
        ax.text(0.04, yk - 0.04, f"standalone trust, procures alone ({len(alone)})",
                transform=ax.transAxes, fontsize=7, va="center", color=style.INK)
    for i, line in enumerate(alone_lines):
        ax.text(0.04, yk - 0.066 - 0.026 * i, line, transform=ax.transAxes, fontsize=6.2,
                va="center", color=style.MUTED)


def _standalone_lines(alone) -> list[str]:
    if alone.empty:
        return []
    parts = []
    for _, c in alone.iterrows():
        members = c["members_list"] or [c["consortium"]]
        code = members[0]
        ident = code if code == c["consortium"] else f"{code} ({c['consortium']})"
        parts.append(f"{ident} {c['go_live_d'].strftime('%b %y') if c['go_live_d'] else '?'}")
    lines = textwrap.wrap(", ".join(parts), width=62)
    if len(lines) > 6:
        lines = lines[:5] + ["\u2026 and more (see report.html)"]
    return lines


def _short(s: str, n: int) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "\u2026"
