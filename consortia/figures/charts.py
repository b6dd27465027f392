"""timeline.png (procurement timeline and market load) and cover.png (cover-ratio heat map)."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, TwoSlopeNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from ..timing import month_index, month_start  # noqa: E402
from . import style  # noqa: E402
from .plandata import DAY_NAMES, DAYS, PlanData, month_label, tsunami_counts  # noqa: E402

__all__ = ["DPI", "COVER_CMAP", "render_timeline", "cover_tables", "render_cover"]

DPI = 150

# below 1 (short of cover) red, 1 exactly pale, above 1 blue-green; readable by most colour-blind
COVER_CMAP = LinearSegmentedColormap.from_list(
    "cover", ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"])


def _footer(fig, data: PlanData, y: float = 0.006, width: int = 235):
    text = data.attribution or ""
    if text:
        fig.text(0.01, y, textwrap.fill(text, width), fontsize=5.6, color=style.MUTED,
                 va="bottom", linespacing=1.25)


def _header(fig, data: PlanData, title: str, subtitle: str, y: float = 0.962, dy: float = 0.042):
    fig.text(0.01, y, title, fontsize=15, fontweight="bold", color=style.INK, va="center")
    fig.text(0.01, y - dy, subtitle, fontsize=9, color=style.MUTED, va="center")
    if data.synthetic:
        fig.text(0.992, y, textwrap.fill(style.SYNTHETIC_NOTE, 58), fontsize=8.2, color="white",
                 ha="right", va="center", fontweight="bold", linespacing=1.3,
                 bbox=dict(boxstyle="round,pad=0.4", fc=style.SYNTHETIC_BG, ec="none"))


def _fit_left(fig, axes, texts, pad_px: float = 8.0) -> None:
    """Move the left edge of ``axes`` right until every text in ``texts`` (row labels) fits."""
    renderer = fig.canvas.get_renderer()
    fig_w = fig.get_window_extent(renderer).width
    for _ in range(2):
        fig.draw_without_rendering()
        overflow = min((t.get_window_extent(renderer).x0 for t in texts if t.get_text()),
                       default=pad_px) - pad_px
        if overflow >= 0:
            return
        for a in axes:
            pos = a.get_position()
            shift = -overflow / fig_w
            a.set_position([pos.x0 + shift, pos.y0, pos.width - shift, pos.height])


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, metadata=style.PNG_METADATA, facecolor="white")
    plt.close(fig)
    return path


def _add_months(d: dt.date, months: int) -> dt.date:
    """The 1st of the month ``months`` after ``d``'s."""
    return month_start(month_index(d) + months)


def _period_start(d: dt.date, anchor: dt.date, months: int) -> dt.date:
    """The start of the period (of ``months`` months from ``anchor``) that ``d`` falls in."""
    diff = month_index(d) - month_index(anchor)
    return month_start(month_index(anchor) + (diff // months) * months)


# --------------------------------------------------------------------------- timeline
def render_timeline(data: PlanData, out_dir: Path) -> Path:
    with style.mpl_context():
        return _timeline(data, out_dir)


def _timeline(data: PlanData, out_dir: Path) -> Path:
    cons = data.consortia.copy()
    cons = cons.loc[cons["go_live_d"].map(lambda d: d is not None).astype(bool)]
    cons = cons.assign(_gl=[d.toordinal() for d in cons["go_live_d"]])
    cons = cons.sort_values(["_gl", "is_standalone", "consortium"],
                            key=lambda s: s if s.name != "consortium" else s.map(str))
    n = len(cons)
    fig = plt.figure(figsize=(12.8, 7.2), dpi=DPI)
    pm = data.period_months
    cap = data.capacity
    market = data.market_per_period
    peak = max(market.values()) if market else 0
    _header(fig, data, f"Procurement timeline \u2014 {data.scenario}",
            f"{n} procurements ({len(data.groups)} consortia, {len(data.standalone)} standalone "
            f"trusts)  \u00b7  peak {peak} going to market in one period"
            + (f" against a capacity of {cap}" if cap else " (no market capacity set)"))
    ax = fig.add_axes([0.085, 0.39, 0.70, 0.46])
    axm = fig.add_axes([0.085, 0.105, 0.70, 0.175], sharex=ax)

    # rows
    y = np.arange(n)[::-1]
    fs = 7 if n <= 40 else (5.8 if n <= 70 else 4.6)
    t = data.trusts
    for yi, (_, c) in zip(y, cons.iterrows()):
        colour = c["colour"]
        gtm, gl = c["go_to_market_d"], c["go_live_d"]
        if gtm is not None:
            ax.plot([gtm, gl], [yi, yi], color=colour, lw=3.2 if not c["is_standalone"] else 2.0,
                    solid_capstyle="butt", alpha=0.55, zorder=2)
            ax.plot([gtm], [yi], marker="o", ms=3.6, mfc="white", mec=colour, mew=1.1, zorder=3)
        ax.plot([gl], [yi], marker="D" if c["is_standalone"] else "o", ms=5 if n <= 70 else 3.8,
                mfc=colour, mec="white" if not c["is_standalone"] else style.INK, mew=0.6, zorder=4)
        ends = [d for d in t.loc[t["consortium"] == c["consortium"], "contract_end_d"] if d]
        ax.text(max(ends + [gl]) + dt.timedelta(days=25), yi, month_label(gl), fontsize=fs - 0.6,
                va="center", ha="left", color=style.MUTED, zorder=6)
        if ends:
            ax.plot(ends, [yi] * len(ends), ls="none", marker="|", ms=7 if n <= 70 else 5,
                    mew=1.3, color=style.INK, zorder=5)
            lo, hi = min(ends + [gl]), max(ends + [gl])
            ax.plot([lo, hi], [yi, yi], color="#9aa0a6", lw=0.6, ls=":", zorder=1)
    ax.set_yticks(y)
    labels = []
    for _, c in cons.iterrows():
        if c["is_standalone"]:
            code = (c["members_list"] or [c["consortium"]])[0]
            labels.append(f"{code} (alone)")
        else:
            labels.append(f"{c['consortium']} ({c['n_trusts']})")
    ax.set_yticklabels(labels, fontsize=fs)
    for lab, (_, c) in zip(ax.get_yticklabels(), cons.iterrows()):
        lab.set_color(style.MUTED if c["is_standalone"] else style.INK)
    _fit_left(fig, [ax, axm], ax.get_yticklabels() + [axm.yaxis.label])
    ax.set_ylim(-0.8, n - 0.2)
    ax.grid(axis="x", color="#e3e5e8", lw=0.6)
    ax.set_axisbelow(True)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.set_title("Each row is one procurement (consortium or standalone trust), sorted by go-live",
                 fontsize=9, loc="left", color=style.INK, fontweight="normal")
    handles = [
        Line2D([], [], marker="o", ms=4, mfc="white", mec=style.INK, ls="none", label="go to market"),
        Line2D([], [], color="#7a7f85", lw=3, alpha=0.55, label="procurement (lead time)"),
        Line2D([], [], marker="o", ms=5, mfc="#0067a5", mec="white", ls="none", label="go-live"),
        Line2D([], [], marker="D", ms=4.5, mfc=style.STANDALONE_COLOUR, mec=style.INK, ls="none",
               label="go-live (standalone)"),
        Line2D([], [], marker="|", ms=8, mew=1.3, color=style.INK, ls="none",
               label="a member's contract end"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.003, 1.0), fontsize=7,
              frameon=False, borderaxespad=0)

    # market load
    starts = sorted(market)
    if not starts:
        counts: dict[dt.date, int] = {}
        for d in cons["go_to_market_d"]:
            if d:
                counts[d] = counts.get(d, 0) + 1
        market = dict(sorted(counts.items()))
        starts = sorted(market)
    anchor = starts[0] if starts else None
    if anchor:
        width = pm * 30.4 * 0.8
        axm.bar([d + dt.timedelta(days=pm * 15.2) for d in starts], [market[d] for d in starts],
                width=width, color="#4a6fa5", alpha=0.85, label="procurements going to\nmarket in this plan",
                zorder=3)
        # the tsunami: what each trust alone would take to market (contract end - lead time)
        naive = tsunami_counts(data)
        for d in starts:
            axm.text(d + dt.timedelta(days=pm * 15.2), market[d] + 0.1, str(market[d]),
                     ha="center", va="bottom", fontsize=6.5, color="#2f4f7f", zorder=6)
        if naive:
            xs = [min(set(naive) | set(starts))]
            while xs[-1] < max(set(naive) | set(starts)):
                xs.append(_add_months(xs[-1], pm))
            edges = xs + [_add_months(xs[-1], pm)]
            vals = [naive.get(d, 0) for d in xs]
            axm.stairs(vals, edges, color="#b35900", lw=1.4, ls="--", zorder=4,
                       label="if every trust went to market alone\nfor its own contract end")
        if cap:
            lo = min(starts + list(naive or []))
            hi = _add_months(max(starts + list(naive or [])), pm)
            axm.plot([lo, hi], [cap, cap], color=style.COVER_SHORT, lw=1.6, zorder=5,
                     label=f"market capacity per period ({cap})")
            over = [d for d in starts if market[d] > cap]
            for d in over:
                axm.text(d + dt.timedelta(days=pm * 15.2), market[d] + 0.15, "over", ha="center",
                         va="bottom", fontsize=6.5, color=style.COVER_SHORT, fontweight="bold")
        axm.legend(loc="upper left", bbox_to_anchor=(1.003, 1.0), fontsize=7, frameon=False,
                   borderaxespad=0)
    axm.set_ylabel("procurements\nper period", fontsize=8)
    axm.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axm.grid(axis="y", color="#e3e5e8", lw=0.6)
    axm.set_axisbelow(True)
    for s in ("top", "right"):
        axm.spines[s].set_visible(False)
    axm.xaxis.set_major_locator(mdates.YearLocator())
    axm.xaxis.set_major_formatter(mdates.DateFormatter("Jan\n%Y"))
    axm.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
    axm.xaxis.set_minor_formatter(mdates.DateFormatter("%b"))
    for a in (ax, axm):
        a.tick_params(axis="x", which="minor", labelsize=6.5, labelcolor=style.MUTED)
        a.tick_params(axis="x", which="major", labelsize=7.5)
    axm.set_title("Market load per period (go-to-market date)", fontsize=9, loc="left",
                  color=style.INK, fontweight="normal")
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.grid(axis="x", which="minor", color="#f0f1f3", lw=0.5)
    _footer(fig, data)
    return _save(fig, Path(out_dir) / "timeline.png")


# --------------------------------------------------------------------------- cover heat map
def cover_tables(data: PlanData):
    """Rows (consortia, multi-trust first), alone matrix (weakest member), pooled matrix."""
    cons = data.consortia
    order = list(data.groups.index) + list(data.standalone.index)
    rows, alone, pooled = [], [], []
    t = data.trusts
    for i in order:
        c = cons.loc[i]
        m = t[t["consortium"] == c["consortium"]]
        a = [float(np.nanmin(m[f"alone_ratio_{d}"])) if len(m) and m[f"alone_ratio_{d}"].notna().any()
             else float("nan") for d in DAYS]
        p = [float(c[f"cover_ratio_{d}"]) for d in DAYS]
        rows.append(c)
        alone.append(a)
        pooled.append(p)
    return (rows, np.array(alone, dtype=float).reshape(-1, 7),
            np.array(pooled, dtype=float).reshape(-1, 7))


def render_cover(data: PlanData, out_dir: Path) -> Path:
    with style.mpl_context():
        return _cover(data, out_dir)


def _cover(data: PlanData, out_dir: Path) -> Path:
    rows, alone, pooled = cover_tables(data)
    n = len(rows)
    subs = data.weekend_subspecialties
    rota = data.rota
    height = max(7.2, 1.9 + 0.165 * n)
    fig = plt.figure(figsize=(12.8, height), dpi=DPI)
    top_in, bottom_in = 1.3, 0.6
    frac_top = 1 - top_in / height
    frac_bot = bottom_in / height
    hdr_y = 1 - 0.35 / height
    need = data.min_ratio
    full_alone = int(np.sum(np.all(alone >= need, axis=1))) if n else 0
    full_pooled = int(np.sum(np.all(pooled >= need, axis=1))) if n else 0
    _header(fig, data, f"Seven-day reporting cover \u2014 {data.scenario}",
            f"Cover ratio = reporting capacity / demand that day; required: {need:.2f} "
            f"(cover.min_ratio).  {full_alone} of {n} cover all 7 days alone, {full_pooled} pooled.",
            y=hdr_y, dy=0.42 / height)
    ncols = 2 * len(subs) + (1 if rota is not None else 0)
    w3 = min(0.22, 0.03 * ncols) if ncols else 0.0
    ax1 = fig.add_axes([0.072, frac_bot, 0.235, frac_top - frac_bot])
    ax2 = fig.add_axes([0.382, frac_bot, 0.235, frac_top - frac_bot])
    ax3 = fig.add_axes([0.683, frac_bot, w3, frac_top - frac_bot]) if ncols else None
    cax = fig.add_axes([0.955, frac_bot + 0.1 * (frac_top - frac_bot), 0.010,
                        0.6 * (frac_top - frac_bot)])
    finite = np.concatenate([alone[np.isfinite(alone)], pooled[np.isfinite(pooled)], [need]])
    vmax = max(need + 0.6, min(3.0, float(np.nanmax(finite))))
    vmin = min(need * 0.4, float(np.nanmin(finite)))
    norm = TwoSlopeNorm(vmin=min(vmin, need - 1e-6), vcenter=need, vmax=vmax)
    labels = []
    for c in rows:
        if c["is_standalone"]:
            code = (c["members_list"] or [c["consortium"]])[0]
            labels.append(f"{code} (alone)")
        else:
            labels.append(f"{c['consortium']} ({c['n_trusts']} trusts)")
    fs = 6.8 if n <= 45 else 5.8
    for ax, mat, title in ((ax1, alone, "Trusts alone (weakest member)"),
                           (ax2, pooled, "Pooled in the consortium")):
        shown = np.where(np.isfinite(mat), mat, vmax)
        if not n:
            shown = np.full((1, 7), np.nan)
        im = ax.imshow(shown, cmap=COVER_CMAP, norm=norm, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(7))
        ax.set_xticklabels(DAY_NAMES, fontsize=8)
        ax.xaxis.tick_top()
        ax.set_yticks(range(n))
        ax.set_yticklabels(labels, fontsize=fs)
        ax.set_title(title, fontsize=10, pad=16, fontweight="bold", color=style.INK)
        _grid_cells(ax, 7, n)
        for i in range(n):
            for j in range(7):
                v = mat[i, j]
                txt = "\u221e" if math.isinf(v) else ("" if math.isnan(v) else f"{v:.2f}")
                shade = norm(shown[i, j])
                colour = "white" if shade < 0.15 or shade > 0.85 else style.INK
                weight = "bold" if (not math.isnan(v) and v < need) else "normal"
                ax.text(j, i, txt, ha="center", va="center", fontsize=fs - 0.6, color=colour,
                        fontweight=weight)
        if data.standalone.shape[0] and len(data.groups):
            ax.axhline(len(data.groups) - 0.5, color=style.INK, lw=1.2)
    # days covered, alone -> pooled
    for i in range(n):
        a = int(np.sum(alone[i] >= need))
        p = int(np.sum(pooled[i] >= need))
        colour = style.COVER_OK if p == 7 else (style.COVER_SHORT if p < a else style.INK)
        ax2.text(6.65, i, f"{a}/7 \u2192 {p}/7 days", ha="left", va="center", fontsize=fs,
                 color=colour, fontweight="bold" if p == 7 else "normal")
    ax2.text(6.65, -0.6, "days covered\nalone \u2192 pooled", ha="left", va="bottom", fontsize=7,
             color=style.MUTED)
    if ax3 is not None:
        _weekend_panel(ax3, data, rows, subs, rota, fs)
    cb = fig.colorbar(im, cax=cax)
    cb.set_label("cover ratio (capacity / demand)", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    cb.ax.axhline(need, color=style.INK, lw=1.2)
    cb.ax.yaxis.set_label_position("left")
    _footer(fig, data, width=235)
    return _save(fig, Path(out_dir) / "cover.png")


def _grid_cells(ax, ncols: int, nrows: int) -> None:
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_xticks(np.arange(-0.5, ncols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, nrows, 1), minor=True)
    ax.grid(which="minor", color="white", lw=0.8)
    ax.tick_params(which="minor", length=0)


def _weekend_panel(ax, data: PlanData, rows, subs, rota, fs: float) -> None:
    """The weekend subspecialty rule (pooled: has each required subspecialty on Sat and Sun?)
    and, when the plan folder holds a rota, whether the consortium could be rostered."""
    cols = [(sub, day) for sub in subs for day in ("sat", "sun")]
    n = len(rows)
    ncols = len(cols) + (1 if rota is not None else 0)
    cells = np.full((max(n, 1), ncols), np.nan)
    for i, c in enumerate(rows):
        missing = data.weekend_missing(c["consortium"])
        for j, (sub, day) in enumerate(cols):
            ok = (sub, day) not in missing
            cells[i, j] = 1.0 if ok else 0.0
            ax.text(j, i, "\u2713" if ok else "\u2717", ha="center", va="center", fontsize=fs + 0.6,
                    color="white", fontweight="bold")
        if rota is not None:
            r = rota.rostered(c["consortium"])
            cells[i, ncols - 1] = np.nan if r is None else (1.0 if r else 0.0)
            word = "\u2013" if r is None else ("yes" if r else "no")
            ax.text(ncols - 1, i, word, ha="center", va="center", fontsize=fs - 0.4,
                    color="white" if r is not None else style.MUTED, fontweight="bold")
    from matplotlib.colors import ListedColormap
    ax.imshow(cells, cmap=ListedColormap([style.COVER_SHORT, style.COVER_OK]), vmin=0, vmax=1,
              aspect="auto", interpolation="nearest")
    names = [day.capitalize() for _, day in cols] + (["rota"] if rota is not None else [])
    ax.set_xticks(range(ncols))
    ax.set_xticklabels(names, fontsize=6.5)
    ax.xaxis.tick_top()
    for k, sub in enumerate(subs):  # the subspecialty over its Saturday and Sunday columns
        ax.annotate(sub, xy=(2 * k + 0.5, -0.5), xytext=(0, 11), textcoords="offset points",
                    ha="center", va="bottom", fontsize=6.8, color=style.INK, fontweight="bold",
                    annotation_clip=False)
    ax.set_yticks([])
    _grid_cells(ax, ncols, n)
    title = "Weekend rule" if subs else "Weekend rota"
    ax.set_title(title, fontsize=10, pad=24, fontweight="bold", color=style.INK)
    note = []
    if subs:
        note.append("\u2713 a holder of the subspecialty works that day")
    if rota is not None:
        note.append(f"rota: rostered for {rota.weeks} weekends")
    ax.text(-0.5, n - 0.5 + 0.25, "; ".join(note), ha="left",
            va="top", fontsize=6.3, color=style.MUTED, wrap=False)
