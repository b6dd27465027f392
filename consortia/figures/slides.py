"""slides.pptx: the meeting's slide deck (16:9), written with the other figures.

Slides: the headline in plain words, the map, the timeline, the cover chart, then one slide
per consortium (small plans) or per region (many consortia; a region with many consortia
continues on further slides). Every slide carries the data attribution and, for synthetic
inputs, the synthetic-data banner. The picture slides reuse the PNGs just drawn into the plan
folder. Output is deterministic: zip entries get a fixed date.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import style
from .money import money_lines
from .plandata import DAYS, PlanData, month_label
from .text import plural
from .words import headline_parts

__all__ = ["render_slides"]

PER_CONSORTIUM_UP_TO = 12   # more consortia than this: one slide per region instead
ROWS_PER_REGION_SLIDE = 7
SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
FIXED_DATE = (2000, 1, 1, 0, 0, 0)


def _rgb(hex_: str):
    from pptx.dml.color import RGBColor
    return RGBColor.from_string(hex_.lstrip("#").upper())


class _Deck:
    def __init__(self, data: PlanData):
        from pptx import Presentation
        from pptx.util import Inches
        self.data = data
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
        props = self.prs.core_properties
        props.title = f"PACS/RIS purchasing consortia - {data.scenario}"
        props.author = props.last_modified_by = "consortia"
        props.created = props.modified = dt.datetime(*FIXED_DATE)
        props.revision = 1

    # -- pieces ---------------------------------------------------------------------------
    def slide(self, title: str, subtitle: str = ""):
        from pptx.util import Inches, Pt
        s = self.prs.slides.add_slide(self.prs.slide_layouts[6])  # blank
        self.text(s, title, 0.35, 0.18, 9.3 if self.data.synthetic else 12.6, 0.6, size=24,
                  bold=True, name="title")
        if subtitle:
            self.text(s, subtitle, 0.35, 0.74, 9.3 if self.data.synthetic else 12.6, 0.4, size=12,
                      colour=style.MUTED, name="subtitle")
        if self.data.synthetic:
            from pptx.enum.shapes import MSO_SHAPE
            box = s.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(9.75), Inches(0.15),
                                     Inches(3.35), Inches(0.95))
            box.name = "synthetic banner"
            box.fill.solid()
            box.fill.fore_color.rgb = _rgb(style.SYNTHETIC_BG)
            box.line.fill.background()
            tf = box.text_frame
            tf.word_wrap = True
            tf.text = style.SYNTHETIC_NOTE
            for p in tf.paragraphs:
                for r in p.runs:
                    r.font.size, r.font.bold = Pt(10), True
                    r.font.color.rgb = _rgb("#ffffff")
        attribution = self.data.attribution or "Data: see the plan's inputs."
        self.text(s, attribution, 0.35, 6.88, 12.6, 0.55, size=7 if len(attribution) > 300 else 8,
                  colour=style.MUTED, name="attribution")
        return s

    def text(self, s, text, x, y, w, h, *, size=14, bold=False, colour=style.INK, name=None):
        from pptx.util import Inches, Pt
        box = s.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        if name:
            box.name = name
        tf = box.text_frame
        tf.word_wrap = True
        lines = text if isinstance(text, list) else [text]
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            r = p.add_run()
            r.text = line
            r.font.size, r.font.bold = Pt(size), bold
            r.font.color.rgb = _rgb(colour)
            if isinstance(text, list):
                p.space_after = Pt(6)
        return box

    def picture(self, s, path: Path, top=1.15, bottom=6.85):
        from pptx.util import Inches
        if not path.is_file():
            self.text(s, f"{path.name} was not drawn.", 0.5, 2.0, 8, 1)
            return None
        from PIL import Image
        with Image.open(path) as im:
            w_px, h_px = im.size
        avail_w, avail_h = SLIDE_W_IN - 0.5, bottom - top
        scale = min(avail_w / w_px, avail_h / h_px)
        w, h = w_px * scale, h_px * scale
        pic = s.shapes.add_picture(str(path), Inches((SLIDE_W_IN - w) / 2), Inches(top),
                                   Inches(w), Inches(h))
        pic.name = path.name
        return pic

    def table(self, s, header, rows, x, y, w, col_w, *, size=10, row_h=0.3):
        from pptx.util import Inches, Pt
        shape = s.shapes.add_table(len(rows) + 1, len(header), Inches(x), Inches(y), Inches(w),
                                   Inches(row_h * (len(rows) + 1)))
        shape.name = "table"
        tbl = shape.table
        for j, cw in enumerate(col_w):
            tbl.columns[j].width = Inches(cw)
        for i, row in enumerate([header] + rows):
            for j, value in enumerate(row):
                cell = tbl.cell(i, j)
                cell.text = str(value)
                for p in cell.text_frame.paragraphs:
                    for r in p.runs:
                        r.font.size = Pt(size)
                        r.font.bold = i == 0
        return shape

    def save(self, path: Path) -> Path:
        raw = io.BytesIO()
        self.prs.save(raw)
        out = io.BytesIO()
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(fixed, src.read(info.filename))
        path.write_bytes(out.getvalue())
        return path


# --------------------------------------------------------------------------- content
def _cover_days(data: PlanData, c) -> tuple[int, int]:
    m = data.members(c["consortium"])
    need = data.min_ratio
    alone = m[[f"alone_ratio_{d}" for d in DAYS]].to_numpy(dtype=float)
    weakest = np.nanmin(alone, axis=0) if len(alone) and np.isfinite(alone).any() else [math.nan] * 7
    pooled = [float(c[f"cover_ratio_{d}"]) for d in DAYS]
    return (int(sum(v >= need for v in weakest if not math.isnan(v))),
            int(sum(v >= need for v in pooled if not math.isnan(v))))


def _weekend_words(data: PlanData, cid: str) -> str:
    subs = data.weekend_subspecialties
    if not subs:
        return "no weekend subspecialty required"
    missing = data.weekend_missing(cid)
    if not missing:
        return f"{', '.join(subs)} on Saturdays and Sundays"
    return "missing " + ", ".join(f"{s} on {d.capitalize()}" for s, d in sorted(missing))


def _rota_words(data: PlanData, cid: str) -> str:
    if data.rota is None:
        return "not yet rostered (consortia rota PLAN_DIR)"
    r = data.rota.rostered(cid)
    return {None: "not in the rota run", True: f"rostered for {data.rota.weeks} weekends",
            False: "could not be rostered (see rota.yaml)"}[r]


def _region_of(data: PlanData, cid: str) -> str:
    m = data.members(cid)
    if "region" not in m or m["region"].isna().all():
        return "All trusts"
    counts = m["region"].astype(str).value_counts()
    return str(sorted(counts.index, key=lambda r: (-counts[r], r))[0])


def consortium_slide(deck: _Deck, c) -> None:
    data = deck.data
    cid = str(c["consortium"])
    a, p = _cover_days(data, c)
    title = (f"{'Standalone trust' if c['is_standalone'] else 'Consortium'} {cid} \u00b7 "
             f"go-live {month_label(c['go_live_d'])}")
    sub = (f"{plural(int(c['n_trusts']), 'trust')} \u00b7 to market "
           f"{month_label(c['go_to_market_d'])} \u00b7 {int(c['months_misaligned'] or 0)} months "
           "misaligned in total")
    s = deck.slide(title, sub)
    rows = []
    for _, t in data.members(cid).iterrows():
        mis = t["months_misaligned"]
        rows.append([style.short_name(t["name"]), t["trust"], month_label(t["contract_end_d"]),
                     "" if mis is None or (isinstance(mis, float) and math.isnan(mis)) else f"{int(mis)}"])
    deck.table(s, ["trust", "code", "contract ends", "months off"], rows, 0.35, 1.3, 7.6,
               [4.4, 0.9, 1.4, 0.9], size=11)
    facts = [f"Seven-day cover (at least {data.min_ratio:.2f} x demand): weakest member {a}/7 "
             f"days alone \u2192 {p}/7 pooled",
             f"Weekend subspecialties: {_weekend_words(data, cid)}",
             f"Weekend rota: {_rota_words(data, cid)}"]
    if not c["is_standalone"] and str(c.get("max_pair_km", "nan")) != "nan":
        facts.append(f"Widest pair of members: {float(c['max_pair_km']):.0f} km apart")
    deck.text(s, facts, 8.3, 1.3, 4.7, 2.6, size=13)
    png = _consortium_map_png(data, c)
    if png is not None:
        from pptx.util import Inches
        pic = s.shapes.add_picture(io.BytesIO(png), Inches(8.6), Inches(3.95), Inches(3.9))
        pic.name = f"map of {cid}"
    if data.rota is not None and data.rota.rostered(cid):
        rows = []
        for wk, days in data.rota.weekends(cid):
            cells = []
            for day in ("sat", "sun"):
                date, per = days.get(day, (None, {}))
                who = ", ".join(f"{t} x{n}" for t, n in sorted(per.items()))
                cells.append(f"{date.strftime('%d %b') if date else ''}: {who}" if per else "-")
            rows.append([str(wk)] + cells)
        y = 1.45 + 0.3 * (len(data.members(cid)) + 1)
        deck.text(s, "Weekend rota: home trust x radiologist sessions", 0.35, y, 7.6, 0.35,
                  size=11, bold=True)
        deck.table(s, ["weekend", "Saturday", "Sunday"], rows, 0.35, y + 0.38, 7.6,
                   [1.0, 3.3, 3.3], size=9, row_h=0.26)


def _consortium_map_png(data: PlanData, c) -> bytes | None:
    """A small PNG map of one consortium: regions, nearby trusts in grey, members and hub."""
    return _area_map_png(data, [c], label_trusts=True)


def _area_map_png(data: PlanData, cons: list, *, label_trusts: bool, size=(4, 3)) -> bytes | None:
    """A small PNG map of some consortia: regions, other trusts in grey, each consortium's
    members joined to its hub, labelled with trust codes (one consortium) or consortium ids."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch

    from .map_static import LabelPlacer, _geom_path

    frames = [data.members(str(c["consortium"])) for c in cons]
    m = pd.concat(frames) if frames else data.trusts.iloc[:0]
    m = m[np.isfinite(m["x"]) & np.isfinite(m["y"])]
    if m.empty:
        return None
    x0, x1, y0, y1 = m["x"].min(), m["x"].max(), m["y"].min(), m["y"].max()
    aspect = size[1] / size[0]
    span = max(x1 - x0, (y1 - y0) / aspect, 12_000.0)
    w = span * 1.3 + 8_000.0
    h = w * aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    with style.mpl_context():
        fig = plt.figure(figsize=size, dpi=110)
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_facecolor("#dfeaf2" if data.regions is not None else "white")
        if data.regions is not None:
            for geom in data.regions.geometry:
                p = _geom_path(geom)
                if p is not None:
                    ax.add_artist(PathPatch(p, fc=style.REGION_FILL, ec=style.REGION_EDGE, lw=0.6))
        t = data.trusts
        ax.scatter(t["x"], t["y"], s=8, c="#b4b8bd", zorder=3)
        for c, members in zip(cons, frames):
            colour = style.STANDALONE_COLOUR if c["is_standalone"] else c["colour"]
            if not c["is_standalone"]:
                for x, y in zip(members["x"], members["y"]):
                    ax.plot([c["mx"], x], [c["my"], y], color=colour, lw=1.6, zorder=4)
            ax.scatter(members["x"], members["y"], s=40, c=colour,
                       edgecolors=style.INK if c["is_standalone"] else "white",
                       marker="D" if c["is_standalone"] else "o", zorder=5)
            if label_trusts:
                for code, x, y in zip(members["trust"], members["x"], members["y"]):
                    ax.annotate(str(code), (x, y), xytext=(4, 4), textcoords="offset points",
                                fontsize=8, zorder=6, color=style.INK, fontweight="bold")

        ax.set_xlim(cx - w / 2, cx + w / 2)
        ax.set_ylim(cy - h / 2, cy + h / 2)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xticks([])
        ax.set_yticks([])
        if not label_trusts:  # consortium ids beside their hubs, never on top of each other
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            box = ax.get_window_extent(renderer)
            ok = np.isfinite(t["x"]) & np.isfinite(t["y"])
            placer = LabelPlacer(ax, renderer, (box.x0 + 2, box.y0 + 2, box.x1 - 2, box.y1 - 2),
                                 ax.transData.transform(t.loc[ok, ["x", "y"]].to_numpy()),
                                 t.loc[ok, "consortium"].to_numpy(), [])
            for c in cons:
                if math.isfinite(c["mx"]):
                    placer.place(str(c["consortium"]), ax.transData.transform([[c["mx"], c["my"]]])[0],
                                 kind="consortium", owner=c["consortium"], fontsize=8,
                                 edge=style.INK if c["is_standalone"] else c["colour"], first_r=None)
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata=style.PNG_METADATA)
        plt.close(fig)
    return out.getvalue()


def region_slides(deck: _Deck) -> None:
    data = deck.data
    by_region: dict[str, list] = {}
    for _, c in data.consortia.iterrows():
        by_region.setdefault(_region_of(data, c["consortium"]), []).append(c)
    for region in sorted(by_region):
        items = by_region[region]
        chunks = [items[i:i + ROWS_PER_REGION_SLIDE] for i in range(0, len(items), ROWS_PER_REGION_SLIDE)]
        for k, chunk in enumerate(chunks):
            n_groups = sum(not c["is_standalone"] for c in items)
            n_alone = len(items) - n_groups
            title = f"{region}" + (f" ({k + 1} of {len(chunks)})" if len(chunks) > 1 else "")
            sub = (f"{plural(n_groups, 'consortium', 'consortia')}"
                   + (f" and {plural(n_alone, 'standalone trust')}" if n_alone else "")
                   + " with most members in this region")
            s = deck.slide(title, sub)
            rows = []
            for c in chunk:
                a, p = _cover_days(data, c)
                names = ", ".join(style.short_name(n) for n in data.members(c["consortium"])["name"])
                row = [c["consortium"] if not c["is_standalone"] else f"{c['consortium']} (alone)",
                       month_label(c["go_live_d"]), names, f"{a}/7 \u2192 {p}/7",
                       _weekend_words(data, c["consortium"])]
                rows.append(row + ([_rota_words(data, c["consortium"])] if data.rota is not None else []))
            header = ["consortium", "go-live", "members", "days covered alone \u2192 pooled",
                      "weekend subspecialties"]
            widths = [1.0, 0.9, 3.6, 1.1, 1.4]
            if data.rota is not None:
                header, widths = header + ["weekend rota"], widths + [1.3]
                widths[2] -= 1.3
            deck.table(s, header, rows, 0.35, 1.3, sum(widths), widths, size=8, row_h=0.6)
            png = _area_map_png(data, chunk, label_trusts=False, size=(4.4, 5.2))
            if png is not None:
                from pptx.util import Inches
                pic = s.shapes.add_picture(io.BytesIO(png), Inches(8.55), Inches(1.3), Inches(4.4))
                pic.name = f"map of {region}"


def render_slides(data: PlanData, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    deck = _Deck(data)
    s = deck.slide(f"PACS/RIS purchasing consortia \u2014 {data.scenario}",
                   str(data.plan.get("description") or ""))
    parts = [p[0].upper() + p[1:] for p in headline_parts(data)]
    money = money_lines(data.plan)
    if money:  # in pounds: the cost against the counterfactuals first, then the rest smaller
        deck.text(s, money, 0.6, 1.25, 12.0, 2.2, size=20, bold=True, name="money")
        deck.text(s, parts, 0.6, 3.65, 12.0, 3.1, size=15)
    else:
        deck.text(s, parts, 0.6, 1.4, 12.0, 5.2, size=20)
    for name, title, sub in (
            ("map.png", "The consortia on the map",
             "members joined to their hub; numbered trusts in the enlarged maps are named in the key"),
            ("timeline.png", "Procurement timeline",
             "below: procurements per period against the market capacity, and if every trust went alone"),
            ("cover.png", "Seven-day reporting cover, alone and pooled",
             f"capacity / demand per day; the scenario requires {data.min_ratio:.2f}")):
        deck.picture(deck.slide(title, sub), out_dir / name)
    if len(data.consortia) <= PER_CONSORTIUM_UP_TO:
        for _, c in data.consortia.iterrows():
            consortium_slide(deck, c)
    else:
        region_slides(deck)
    return deck.save(out_dir / "slides.pptx")
