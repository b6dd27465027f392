"""``rota.png``: a calendar of every consortium's weekend rota, drawn from the written files.

One panel per consortium: a row per weekend (its Saturday's date on the left), a column each
for Saturday and Sunday. A rostered day is a bar of its duties, each segment as wide as the
duty's sessions and coloured by the radiologist's home trust (a legend per panel), so
cross-cover is visible at a glance; the dashed line marks the sessions the day needs. A
consortium that cannot be rostered gets a hatched panel listing its gaps by weekend and day.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

from ..errors import ConsortiaError
from ..figures.style import (
    COVER_SHORT,
    INK,
    MUTED,
    PALETTE,
    PNG_METADATA,
    SYNTHETIC_BG,
    SYNTHETIC_NOTE,
    mpl_context,
)
from ..planfolder import read_rota_files
from ..status import Status

__all__ = ["render_rota_figure"]


def _read(folder: Path):
    files = read_rota_files(folder)
    if files is None:
        raise ConsortiaError("no rota.yaml and rota.csv; run 'consortia rota' first", file=str(folder))
    return files.document, list(files.shifts)


def _demand(meta: dict) -> dict[str, tuple[float, float]]:
    path = Path(meta["inputs"]["demand"]["path"])
    out = {}
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                try:
                    out[row["trust"].strip()] = (float(row["sat"]), float(row["sun"]))
                except (KeyError, ValueError):
                    continue
    return out


def _ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour`` (#rrggbb)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"


def render_rota_figure(folder: str | Path, *, out: str | Path | None = None,
                       plan_dir: str | Path | None = None, columns: int = 4) -> Path:
    """Draw ``rota.png`` from ``rota.csv`` and ``rota.yaml`` in ``folder``; returns its path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Patch, Rectangle

    folder = Path(folder)
    out = Path(out) if out is not None else folder / "rota.png"
    meta, rows = _read(folder)
    settings = meta["settings"]
    weeks = int(settings["weeks"])
    rps, ratio = float(settings["reports_per_session"]), float(settings["min_ratio"])
    demand = _demand(meta)
    entries = meta["consortia"]
    by_cid: dict[str, list[dict]] = {}
    for r in rows:
        by_cid.setdefault(r["consortium"], []).append(r)
    n = max(1, len(entries))
    ncols = min(columns, n)
    nrows = math.ceil(n / ncols)
    # layout in inches: a header, then panels of (label margin + axes) x (title + axes + legend)
    label_w, axes_w, gap_w = 0.75, 3.0, 0.35
    title_h, axes_h, legend_h = 0.72, 0.3 * weeks, 0.42
    header_h, footer_h = 0.8, 0.15
    panel_w, panel_h = label_w + axes_w + gap_w, title_h + axes_h + legend_h
    width, height = 0.2 + ncols * panel_w, header_h + nrows * panel_h + footer_h
    with mpl_context():
        fig = plt.figure(figsize=(width, height))
        title = (f"Weekend cross-cover rota: {weeks} weekends, at most one weekend in {settings['one_in']} "
                 f"per radiologist, ratio {ratio:g}, trust-share tolerance {float(settings['tolerance']):g}")
        fig.text(0.1 / width, 1 - 0.12 / height, title, fontsize=11, fontweight="bold", color=INK, va="top")
        fig.text(0.1 / width, 1 - 0.42 / height,
                 f"{meta.get('scenario', '')}: {meta['n_rostered']} of {meta['n_consortia']} consortia rostered. "
                 "Each bar is a day's duties, one segment per radiologist, width = sessions, colour = home "
                 "trust; dashed line = sessions needed. Red cells: gaps of a consortium that cannot be "
                 "rostered (-n sess = n sessions short; no X = no X radiologist that day).",
                 fontsize=8, color=MUTED, va="top", wrap=True)
        if meta.get("synthetic"):
            fig.text(0.1 / width, 1 - 0.62 / height, SYNTHETIC_NOTE, fontsize=7, color="white", va="top",
                     bbox={"facecolor": SYNTHETIC_BG, "edgecolor": "none", "pad": 2})

        def axes_at(index):
            row, col = divmod(index, ncols)
            left = 0.1 + col * panel_w + label_w
            top = header_h + row * panel_h + title_h
            return fig.add_axes((left / width, 1 - (top + axes_h) / height, axes_w / width, axes_h / height))

        for index, e in enumerate(entries):
            ax = axes_at(index)
            members = list(e["members"])
            colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(members)}
            start = dt.date.fromisoformat(e["start"])
            need = [ratio * sum(demand.get(m, (0.0, 0.0))[d] for m in members) / rps for d in range(2)]
            duties = by_cid.get(e["consortium"], [])
            widest = max([need[0], need[1], 1.0] + [
                sum(float(r["sessions"]) for r in duties if r["weekend"] == str(w + 1) and r["day"] == day)
                for w in range(weeks) for day in ("sat", "sun")])
            ax.set_xlim(0, 2)
            ax.set_ylim(weeks, 0)
            ax.set_xticks([0.5, 1.5], ["Saturday", "Sunday"])
            ax.xaxis.tick_top()
            ax.set_yticks([w + 0.5 for w in range(weeks)],
                          [(start + dt.timedelta(days=7 * w)).strftime("%d %b %y") for w in range(weeks)],
                          fontsize=7)
            ax.tick_params(length=0)
            for spine in ax.spines.values():
                spine.set_color("#c8c8c8")
            ax.axvline(1, color="#c8c8c8", lw=0.8)
            status = e["status"]
            if status in Status.HAS_PLAN:
                head = (f"{e['consortium']}  weekends worked {e['fewest_weekends']}-{e['most_weekends']} "
                        f"(spread {e['spread']}), {status}")
                rects, faces, lines = [], [], []
                for w in range(weeks):
                    for d, day in enumerate(("sat", "sun")):
                        today = sorted((r for r in duties if r["weekend"] == str(w + 1) and r["day"] == day),
                                       key=lambda r: (members.index(r["home_trust"]), r["radiologist"]))
                        x = d + 0.04
                        scale = 0.92 / widest
                        for r in today:
                            size = float(r["sessions"]) * scale
                            rects.append(Rectangle((x, w + 0.18), size, 0.64))
                            faces.append(colours[r["home_trust"]])
                            label = r["radiologist"]
                            if label.startswith(r["home_trust"]):
                                label = label[len(r["home_trust"]):].lstrip("-_. ") or label
                            if size * axes_w / 2 >= 0.07 * len(label) + 0.04:
                                ax.text(x + size / 2, w + 0.5, label, ha="center", va="center", fontsize=5.5,
                                        color=_ink_on(colours[r["home_trust"]]))
                            x += size
                        if need[d] > 0:
                            lines.append([(d + 0.04 + need[d] * scale, w + 0.08),
                                          (d + 0.04 + need[d] * scale, w + 0.92)])
                ax.add_collection(PatchCollection(rects, facecolors=faces, edgecolors="white", linewidths=0.6))
                ax.add_collection(LineCollection(lines, colors=INK, linewidths=0.8, linestyles=(0, (2, 1.5))))
                ax.hlines(range(1, weeks), 0, 2, colors="#eeeeee", lw=0.6, zorder=0)
                ax.legend(handles=[Patch(facecolor=colours[m], label=m) for m in members], loc="upper center",
                          bbox_to_anchor=(0.5, -0.02), ncol=min(4, len(members)), fontsize=6.5, frameon=False,
                          handlelength=1, columnspacing=0.8)
            else:
                head = f"{e['consortium']}  cannot be rostered" if status == Status.INFEASIBLE else \
                    f"{e['consortium']}  no rota in time"
                ax.add_patch(Rectangle((0, 0), 2, weeks, facecolor="#f6f6f6", edgecolor="none", lw=0))
                cells: dict[tuple[int, int], list[str]] = {}
                for g in e.get("gaps", []):
                    if g.get("kind") == "share":
                        continue
                    d = 0 if g["day"] == "sat" else 1
                    text = (f"-{g['sessions_short']} sess" if g["kind"] == "reports" else f"no {g['subspecialty']}")
                    cells.setdefault((g["weekend"] - 1, d), []).append(text)
                for (w, d), texts in cells.items():
                    ax.add_patch(Rectangle((d + 0.03, w + 0.1), 0.94, 0.8, facecolor="#fbe3e3", edgecolor="none"))
                    ax.text(d + 0.5, w + 0.5, ", ".join(texts), ha="center", va="center", fontsize=6.5,
                            color=COVER_SHORT, fontweight="bold")
                shares = [g for g in e.get("gaps", []) if g.get("kind") == "share"]
                if shares:
                    ax.set_xlabel("share off: " + ", ".join(f"{g['trust']} {100 * g['sessions_share']:.0f}% vs "
                                                             f"{100 * g['demand_share']:.0f}%" for g in shares[:3]),
                                  fontsize=6.5, color=COVER_SHORT)
            names = " ".join(members)
            ax.set_title(head + "\n" + (names if len(names) < 48 else names[:45] + " ..."), fontsize=8,
                         loc="left", pad=16, color=INK)
        fig.savefig(out, dpi=110, metadata=PNG_METADATA)
        plt.close(fig)
    return out
