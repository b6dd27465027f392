"""report.html: one self-contained page for the stakeholder meeting (prints to PDF cleanly).

Headline figures, the map and charts (inlined as PNG data URLs, so the file stands alone) and
one card per consortium. Reads the PNGs this package has just written into the plan folder.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import numpy as np

from ..costs import pounds, short_pounds
from ..status import Status
from . import style
from .money import capacity_clause, money_figures, money_rows, money_sentence
from .plandata import DAY_NAMES, DAYS, PlanData, month_label, polygon_rings, split_codes
from .text import plural
from .words import headline_sentence, objective_rows, period_word

__all__ = ["CSS", "headline", "consortium_card", "render_report"]

CSS = """
.headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:10px;margin:14px 0}
.kpi{border:1px solid #d0d7de;border-radius:8px;padding:10px 12px}
.kpi .v{font-size:26px;font-weight:700}
.kpi .l{font-size:12px;color:#5b6068}
.kpi.warn .v{color:#cf222e}
figure{margin:8px 0 0}
figure img{width:100%;height:auto;border:1px solid #eaeef2;display:block}
figcaption{font-size:12px;color:#5b6068;margin-top:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
.card{border:1px solid #d0d7de;border-left:8px solid var(--c);border-radius:8px;padding:10px 12px;break-inside:avoid;page-break-inside:avoid}
.card h3{margin:0 0 4px;font-size:16px;display:flex;gap:8px;align-items:baseline}
.card h3 .gl{margin-left:auto;font-size:13px;font-weight:600;color:#1f2328;white-space:nowrap}
.card ul{margin:4px 0 6px 18px;padding:0;font-size:13px}
.card .facts{font-size:13px}
.card table{border-collapse:collapse;font-size:11.5px;margin:6px 0}
.card td,.card th{border:1px solid #eaeef2;padding:1px 5px;text-align:center}
.card th{background:#f6f8fa;font-weight:600}
td.short{background:#fde2e1;color:#a40e26;font-weight:700}
td.ok{background:#dff3e4}
.tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;background:#eaeef2;color:#1f2328}
.gain{color:#1a7f37;font-weight:600}
.loss{color:#cf222e;font-weight:600}
.alone .card{border-left-color:#6b6b6b}
.lede{font-size:17px;line-height:1.45;margin:12px 0 4px;padding:10px 14px;background:#f6f8fa;border-radius:8px}
.card .cmap{float:right;margin:0 0 4px 8px;border:1px solid #eaeef2;border-radius:4px;background:#dfeaf2}
.card .rota td{font-size:11px;text-align:left}
table.index{border-collapse:collapse;font-size:12.5px;width:100%}
table.index th,table.index td{border-bottom:1px solid #eaeef2;padding:2px 8px;text-align:left}
table.index th{background:#f6f8fa}
table.index a{color:inherit}
table.terms{border-collapse:collapse;font-size:13px}
table.terms td,table.terms th{border-bottom:1px solid #eaeef2;padding:2px 10px 2px 0;text-align:left}
footer{margin-top:28px;font-size:11px;color:#5b6068;border-top:1px solid #eaeef2;padding-top:8px}
table.kv{border-collapse:collapse;font-size:13px}
table.kv td{padding:2px 10px 2px 0}
@page{size:A4 landscape;margin:10mm}
@media print{
 body{background:#fff}
 main{max-width:none;padding:0}
 .pagebreak{break-before:page;page-break-before:always}
 h2{break-after:avoid;page-break-after:avoid}
 figure{break-inside:avoid;page-break-inside:avoid}
 h1{font-size:20px}
 .headline{margin:6px 0;gap:6px}
 .kpi{padding:4px 8px}
 .kpi .v{font-size:18px}
 figure img{max-height:170mm;width:auto;max-width:100%;margin:0 auto}
 .first figure img{max-height:128mm}
 .first h2{margin-top:6px}
 .cards{grid-template-columns:1fr 1fr 1fr 1fr;gap:5px}
 .card{font-size:9px;padding:4px 6px;border-left-width:5px}
 .card h3{font-size:11.5px}
 .card h3 .gl{font-size:10px}
 .card ul{font-size:9px;margin:2px 0 3px 12px}
 .card .facts{font-size:9px}
 .card table{font-size:8px;margin:3px 0}
 .card .sub,.card h3 .sub{font-size:8.5px}
 .tag{font-size:8px}
 .synthetic{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 td.short,td.ok,.card{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


def _img(path: Path) -> str:
    if not path.is_file():
        return ""
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _cell(v, need: float) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "<td>\u2013</td>"
    if math.isnan(f):
        return "<td>\u2013</td>"
    txt = "\u221e" if math.isinf(f) else f"{f:.2f}"
    return f'<td class="{"short" if f < need else "ok"}">{txt}</td>'


def _days_ok(values, need: float) -> int:
    out = 0
    for v in values:
        try:
            if float(v) >= need:
                out += 1
        except (TypeError, ValueError):
            pass
    return out


def headline(data: PlanData) -> list[tuple[str, str, bool]]:
    """(value, label, warn) for the headline boxes."""
    m = data.metrics
    t = data.trusts
    n_trusts = int(m.get("n_trusts") or len(t))
    alone_full = m.get("trusts_full_cover_alone")
    if alone_full is None:
        alone_full = int(sum(_days_ok([r[f"alone_ratio_{d}"] for d in DAYS], data.min_ratio) == 7
                             for _, r in t.iterrows()))
    pooled_full = m.get("trusts_full_cover_pooled")
    if pooled_full is None:
        pooled_full = int(sum(c["n_trusts"] for _, c in data.consortia.iterrows()
                              if _days_ok([c[f"cover_ratio_{d}"] for d in DAYS], data.min_ratio) == 7))
    mis = m.get("total_months_misaligned")
    if mis is None:
        mis = int(np.nansum(t["months_misaligned"]))
    market = data.market_per_period
    peak = m.get("peak_market", max(market.values()) if market else 0)
    cap = data.capacity
    status = str(data.plan.get("status", "unknown"))
    n_alone = len(data.standalone)
    word = period_word(data.period_months)
    return money_kpis(data) + [
        (f"{len(data.groups)}", f"consortia, plus {plural(n_alone, 'standalone trust')}"
         f" ({n_trusts} trusts in the plan)", False),
        (f"{alone_full} \u2192 {pooled_full}",
         f"trusts with seven-day reporting cover (at least {data.min_ratio:.2f} x demand every day):"
         f" alone \u2192 pooled, of {n_trusts}", False),
        (f"{int(mis)} months", "misaligned in total (contract end vs go-live, summed over all trusts)",
         False),
        (f"{peak}" + (f" / {cap}" if cap else ""),
         f"peak procurements going to market in one {word}"
         + (" / market capacity per " + word if cap else " (no capacity limit set)"),
         bool(cap and peak and int(peak) > int(cap))),
        (status, data.status_words, status not in Status.HAS_PLAN),
    ]


def money_kpis(data: PlanData) -> list[tuple[str, str, bool]]:
    """In pounds: the plan's cost, what it saves against every trust alone, and what the market
    capacity adds (from plan.yaml's counterfactuals); nothing for a weighted plan."""
    figures = money_figures(data.plan)
    if figures is None:
        return []
    term = f" over the {figures['term_years']:g}-year term" if figures["term_years"] else ""
    out = [(short_pounds(figures["cost"]), f"the plan's cost{term}", False)]
    if figures["alone"] is not None:
        saving = figures["saving"]
        share = "" if figures["saving_share"] is None else f"; {100 * abs(figures['saving_share']):.1f}%"
        out.append((short_pounds(abs(saving)), f"{'less' if saving >= 0 else 'more'} than every trust buying "
                    f"alone at its contract end ({short_pounds(figures['alone'])}{share})", saving < 0))
    clause = capacity_clause(data.plan)
    cost = figures["capacity"]
    if clause:
        if cost.get("estimate") is None:
            value = "\u2013"
        elif cost.get("exact"):
            value = short_pounds(float(cost["estimate"]))
        elif cost.get("cheaper_plan_found"):
            value = f"~{short_pounds(float(cost['estimate']))}"
        else:
            value = f"\u2264 {short_pounds(float(cost['high']))}" if cost.get("high") is not None else "\u2013"
        out.append((value, clause[0].upper() + clause[1:], False))
    return out


def consortium_card(data: PlanData, c) -> str:
    cid = str(c["consortium"])
    members = data.members(cid)
    items = []
    for _, t in members.iterrows():
        mis = t["months_misaligned"]
        mis_s = "" if mis is None or (isinstance(mis, float) and math.isnan(mis)) else f"{int(mis)} mo"
        end = t["contract_end_d"].strftime("%b %Y") if t["contract_end_d"] else "?"
        items.append(f"<li><b>{html.escape(str(t['name']))}</b> ({html.escape(str(t['trust']))}) "
                     f"<span class='sub'>contract ends {end} \u00b7 misaligned {mis_s}</span></li>")
    alone_rows = members[[f"alone_ratio_{d}" for d in DAYS]].to_numpy(dtype=float)
    weakest = (np.nanmin(alone_rows, axis=0) if len(alone_rows) and np.isfinite(alone_rows).any()
               else [float("nan")] * 7)
    pooled = [c[f"cover_ratio_{d}"] for d in DAYS]
    a_ok, p_ok = _days_ok(weakest, data.min_ratio), _days_ok(pooled, data.min_ratio)
    if c["is_standalone"]:
        cover = f"covers {p_ok}/7 days alone"
    else:
        cls = "gain" if p_ok > a_ok else ("loss" if p_ok < a_ok else "")
        cover = (f"weakest member covers {a_ok}/7 days alone \u2192 "
                 f"<span class='{cls}'>{p_ok}/7 pooled</span>")
    missing_alone = set()
    for v in members.get("alone_weekend_missing", []):
        missing_alone.update(split_codes(v))
    still = set(split_codes(c.get("weekend_subspecialties_missing")))
    gained = sorted(missing_alone - still)
    sub = []
    if gained:
        sub.append("gained: <span class='gain'>" + html.escape(", ".join(gained)) + "</span>")
    if still:
        sub.append("still missing: <span class='loss'>" + html.escape(", ".join(sorted(still)))
                   + "</span>")
    if not sub:
        sub.append("no weekend subspecialty gaps")
    table = ("<table><tr><th></th>" + "".join(f"<th>{d}</th>" for d in DAY_NAMES) + "</tr>"
             + ("" if c["is_standalone"] else
                "<tr><th>weakest alone</th>" + "".join(_cell(v, data.min_ratio) for v in weakest) + "</tr>")
             + f"<tr><th>{'alone' if c['is_standalone'] else 'pooled'}</th>"
             + "".join(_cell(v, data.min_ratio) for v in pooled) + "</tr></table>")
    mis_total = c["months_misaligned"]
    mis_total = "?" if mis_total is None or (isinstance(mis_total, float) and math.isnan(mis_total)) \
        else int(mis_total)
    extra = []
    if str(c.get("fixed", "")).strip().lower() == "true":
        extra.append("<span class='tag'>fixed by directive</span>")
    if not c["is_standalone"] and c.get("max_pair_km") is not None and str(c.get("max_pair_km")) != "nan":
        extra.append(f"<span class='tag'>widest pair {float(c['max_pair_km']):.0f} km</span>")
    kind = "Standalone" if c["is_standalone"] else "Consortium"
    colour = style.STANDALONE_COLOUR if c["is_standalone"] else c["colour"]
    return (f"<article class='card' id='card-{html.escape(cid)}' data-c='{html.escape(cid)}' "
            f"style='--c:{colour}'>"
            f"<h3>{kind} {html.escape(cid)} <span class='sub'>{int(c['n_trusts'])} "
            f"trust{'s' if c['n_trusts'] != 1 else ''}</span>"
            f"<span class='gl'>go-live {month_label(c['go_live_d'])}</span></h3>{card_map_svg(data, c)}"
            f"<div class='facts'>to market {month_label(c['go_to_market_d'])} \u00b7 misaligned "
            f"<b>{mis_total}</b> months in total {' '.join(extra)}</div>"
            f"<ul>{''.join(items)}</ul>"
            f"<div class='facts'>Cover: {cover}</div>{table}"
            f"<div class='facts'>Weekend subspecialties: {'; '.join(sub)}</div>"
            f"{rota_block(data, cid)}</article>")


def rota_block(data: PlanData, cid: str) -> str:
    """Who covers which weekend (rota.csv), or why there is no rota, when the folder has one."""
    rota = data.rota
    if rota is None:
        return ""
    r = rota.rostered(cid)
    if r is None:
        return "<div class='facts'>Weekend rota: not part of the rota run.</div>"
    if not r:
        return (f"<div class='facts'>Weekend rota: <span class='loss'>not rostered</span> "
                f"({html.escape(rota.status.get(cid, ''))}; see rota.yaml for what is short).</div>")
    rows = []
    for wk, days in rota.weekends(cid):
        cells = []
        for day in ("sat", "sun"):
            if day in days:
                date, per = days[day]
                who = ", ".join(f"{html.escape(t)} \u00d7{n}" for t, n in sorted(per.items()))
                cells.append(f"<td>{date.strftime('%d %b') if date else ''}: {who}</td>")
            else:
                cells.append("<td>\u2013</td>")
        rows.append(f"<tr><th>{wk}</th>{''.join(cells)}</tr>")
    return (f"<div class='facts'>Weekend rota: <span class='gain'>rostered</span> for "
            f"{plural(len(rows), 'weekend')}; home trust \u00d7 radiologist sessions:</div>"
            f"<table class='rota'><tr><th>weekend</th><th>Saturday</th><th>Sunday</th></tr>"
            f"{''.join(rows)}</table>")


CARD_MAP_W, CARD_MAP_H = 150, 112


def card_map_svg(data: PlanData, c) -> str:
    """A small inline map of one consortium: region outlines, nearby trusts in grey, the
    members joined to their hub."""
    m = data.members(str(c["consortium"]))
    m = m[np.isfinite(m["x"]) & np.isfinite(m["y"])]
    if m.empty:
        return ""
    x0, x1, y0, y1 = m["x"].min(), m["x"].max(), m["y"].min(), m["y"].max()
    span = max(x1 - x0, (y1 - y0) * CARD_MAP_W / CARD_MAP_H, 12_000.0)
    pad = 0.18 * span + 4_000.0
    w = span + 2 * pad
    h = w * CARD_MAP_H / CARD_MAP_W
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bx0, by1 = cx - w / 2, cy + h / 2
    k = CARD_MAP_W / w

    def px(x, y):
        return f"{(x - bx0) * k:.1f},{(by1 - y) * k:.1f}"

    parts = []
    if data.regions is not None:
        from shapely.geometry import box
        frame = box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        for geom in data.regions.geometry:
            if not geom.intersects(frame):
                continue
            clip = geom.intersection(frame).simplify(w / 300)
            d = "".join("M" + " L".join(px(x, y) for x, y in ring[:-1]) + "Z"
                        for ring in polygon_rings(clip))
            if d:
                parts.append(f"<path d='{d}' fill='{style.REGION_FILL}' stroke='{style.REGION_EDGE}'"
                             " stroke-width='0.6'/>")
    t = data.trusts
    near = t[(t["x"] >= cx - w / 2) & (t["x"] <= cx + w / 2) & (t["y"] >= cy - h / 2)
             & (t["y"] <= cy + h / 2) & (t["consortium"] != str(c["consortium"]))]
    for x, y in zip(near["x"], near["y"]):
        parts.append(f"<circle cx='{px(x, y).split(',')[0]}' cy='{px(x, y).split(',')[1]}' r='1.8' "
                     "fill='#b4b8bd'/>")
    colour = style.STANDALONE_COLOUR if c["is_standalone"] else c["colour"]
    hub = (c.get("mx"), c.get("my"))
    if not c["is_standalone"] and all(v is not None and math.isfinite(v) for v in hub):
        for x, y in zip(m["x"], m["y"]):
            parts.append(f"<path d='M{px(*hub)} L{px(x, y)}' stroke='{colour}' stroke-width='1.6'/>")
    for code, x, y in zip(m["trust"], m["x"], m["y"]):
        hx, hy = px(x, y).split(",")
        is_hub = (x, y) == hub
        parts.append(f"<circle cx='{hx}' cy='{hy}' r='{4.2 if is_hub else 3.2}' fill='{colour}' "
                     f"stroke='{style.INK if is_hub else '#fff'}' stroke-width='1'>"
                     f"<title>{html.escape(str(code))}</title></circle>")
    km = next((n for n in (100, 50, 20, 10, 5, 2, 1) if n * 1000 * k <= CARD_MAP_W / 3), 1)
    parts.append(f"<path d='M6,{CARD_MAP_H - 6} h{km * 1000 * k:.1f}' stroke='{style.INK}' "
                 f"stroke-width='2'/><text x='6' y='{CARD_MAP_H - 10}' font-size='8' "
                 f"fill='{style.INK}'>{km} km</text>")
    return (f"<svg class='cmap' width='{CARD_MAP_W}' height='{CARD_MAP_H}' viewBox='0 0 "
            f"{CARD_MAP_W} {CARD_MAP_H}' role='img' aria-label='map of {html.escape(str(c['consortium']))}'>"
            + "".join(parts) + "</svg>")


def render_report(data: PlanData, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    css = style.page_css(CSS)
    title = f"Consortia plan \u2014 {data.scenario}"
    desc = str(data.plan.get("description") or (data.settings or {}).get("description") or "")
    kpis = "".join(f"<div class='kpi{' warn' if w else ''}'><div class='v'>{html.escape(v)}</div>"
                   f"<div class='l'>{html.escape(lab)}</div></div>" for v, lab, w in headline(data))
    synthetic = (f"<div class='synthetic'>{html.escape(style.SYNTHETIC_NOTE)}</div>"
                 if data.synthetic else "")
    groups = "".join(consortium_card(data, c) for _, c in data.groups.iterrows())
    alone = "".join(consortium_card(data, c) for _, c in data.standalone.iterrows())
    solver = data.plan.get("solver") or {}
    money = money_figures(data.plan) is not None
    term_rows = (f"<tr><th>term</th><th>what it counts</th><th>{'rate' if money else 'weight'}</th>"
                 f"<th>{'pounds' if money else 'points'}</th></tr>"
                 + "".join(f"<tr><td>{html.escape(t)}</td><td>{html.escape(what)}</td>"
                           f"<td>{html.escape(w)}</td><td>{html.escape(pts)}</td></tr>"
                           for t, what, w, pts in (money_rows(data.plan) if money else objective_rows(data))))
    lede = html.escape(headline_sentence(data))
    if money:
        lede = f"<b>{html.escape(money_sentence(data.plan))}</b> {lede[0].upper()}{lede[1:]}"
    excluded = data.plan.get("excluded") or []
    excluded_s = ", ".join(html.escape(str(e if not isinstance(e, dict) else e.get("trust", e)))
                           for e in excluded) or "none"
    figs = []
    for k, (name, caption) in enumerate((
            ("map.png", "Consortia on the map: each member is joined by a line to its consortium's "
                        "hub (the member nearest the others); labels give the consortium id, the "
                        "legend its go-live; hollow diamonds are standalone trusts; numbered trusts "
                        "in the enlarged maps are named in the key. Scale bars in km. The "
                        "interactive version is map.html."),
            ("timeline.png", "Procurement timeline: go to market, go-live and members' contract "
                             "ends per consortium; below, procurements per period against the "
                             "market capacity."),
            ("cover.png", "Seven-day reporting cover per consortium and day, as reporting "
                          "capacity / demand: the weakest member alone versus the pooled "
                          f"consortium (below {data.min_ratio:.2f}, the scenario's "
                          "cover.min_ratio = shortfall), and the weekend subspecialty rule."))):
        src = _img(out_dir / name)
        if src:
            figs.append(f"<section class='{'first' if k == 0 else 'pagebreak'}'><h2>{html.escape(name.split('.')[0].title())}"
                        f"</h2><figure><img alt='{html.escape(caption)}' src='{src}'>"
                        f"<figcaption>{html.escape(caption)}</figcaption></figure></section>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{html.escape(title)}</title><style>{css}</style></head>
<body><main>
<header><h1>{html.escape(title)}</h1>
<div class="sub">{html.escape(desc)}</div>
{synthetic}</header>
<p class="lede">{lede}</p>
<section class="headline">{kpis}</section>
{''.join(figs)}
<section class="pagebreak"><h2>Consortia ({len(data.groups)})</h2>
<div class="cards">{groups or "<p class='sub'>No consortia of two or more trusts.</p>"}</div></section>
<section class="alone"><h2>Standalone trusts ({len(data.standalone)})</h2>
<div class="cards">{alone or "<p class='sub'>None: every trust is in a consortium.</p>"}</div></section>
<section class="pagebreak"><h2>Trust index ({len(data.trusts)})</h2>
<p class="sub">Every trust in the plan by name; Ctrl-F finds a trust by name or code.</p>
{trust_index(data)}</section>
<section><h2>Solver and settings</h2>
<table class="kv">
<tr><td>Status</td><td><b>{html.escape(str(data.plan.get('status', '')))}</b>: {html.escape(data.status_words)} ({html.escape(data.status_line)})</td></tr>
{objective_row(data)}
<tr><td>Solve time</td><td>{html.escape(_num(solver.get('solve_seconds')))} s (time limit {html.escape(_num(solver.get('time_limit')))} s)</td></tr>
<tr><td>Trusts left out</td><td>{excluded_s}</td></tr>
<tr><td>Package version</td><td>{html.escape(str(data.plan.get('package_version', '')))}</td></tr>
</table>
<h3>{'Cost terms, over the term' if money else 'Objective terms'}</h3><table class="terms">{term_rows}</table>
</section>
<footer>{synthetic}<div>{html.escape(data.attribution)}</div></footer>
</main></body></html>
"""
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def objective_row(data: PlanData) -> str:
    """The objective and its bound, in pounds or in points."""
    plan = data.plan
    if money_figures(plan) is None:
        return (f"<tr><td>Objective / best bound</td><td>{html.escape(_num(plan.get('objective')))} / "
                f"{html.escape(_num(plan.get('best_bound')))} points (weighted sum of the terms below; lower is "
                "better; no plan can score below the bound)</td></tr>")
    bound = plan.get("best_bound")
    rows = [f"<tr><td>Cost / best bound</td><td>{html.escape(pounds(float(plan['objective'])))} / "
            f"{html.escape(pounds(float(bound)) if bound is not None else 'n/a')} (the sum of the cost terms "
            "below; no plan can cost less than the bound)</td></tr>"]
    for key, label in (("alone_at_contract_end", "Every trust buying alone at its contract end"),
                       ("without_market_capacity", "The plan without market capacity")):
        record = (plan.get("counterfactuals") or {}).get(key)
        if isinstance(record, dict) and record:
            rows.append(f"<tr><td>{label}</td><td>{html.escape(_record(record))}</td></tr>")
    return "".join(rows)


def _record(record: dict) -> str:
    """A counterfactual's plan.yaml record in words: cost, status, bound and solve time."""
    value = record.get("objective")
    status = str(record.get("status", ""))
    if value is None:
        return f"{status}" + (f": {record['note']}" if record.get("note") else "")
    parts = [pounds(float(value)), {"computed": "computed (no solve)", "optimal": "proven optimal"}.get(status, status)]
    if record.get("best_bound") is not None and status != "computed":
        parts.append(f"bound {pounds(float(record['best_bound']))}")
    if record.get("gap") is not None:
        parts.append(f"gap {100 * float(record['gap']):.2f}%")
    if record.get("solve_seconds") is not None:
        parts.append(f"solved in {float(record['solve_seconds']):.0f} s of at most "
                     f"{float(record.get('time_limit') or 0):g} s")
    if record.get("n_consortia") is not None:
        parts.append(f"{record['n_consortia']} consortia + {record.get('n_standalone')} standalone")
    if record.get("note"):
        parts.append(str(record["note"]))
    return ", ".join(parts)


def trust_index(data: PlanData) -> str:
    """Every trust by name: code, consortium (a link to its card), go-live, region."""
    t = data.trusts.sort_values(["name", "trust"])
    rows = []
    for _, r in t.iterrows():
        cid = str(r["consortium"])
        kind = "standalone" if r["is_standalone"] else cid
        rows.append(f"<tr><td>{html.escape(str(r['name']))}</td><td>{html.escape(str(r['trust']))}</td>"
                    f"<td><a href='#card-{html.escape(cid)}'>{html.escape(kind)}</a></td>"
                    f"<td>{month_label(r['go_live_d'])}</td>"
                    f"<td>{html.escape(str(r.get('region', '') if str(r.get('region', '')) != 'nan' else ''))}</td></tr>")
    return ("<table class='index'><tr><th>trust</th><th>code</th><th>consortium</th><th>go-live</th>"
            "<th>region</th></tr>" + "".join(rows) + "</table>")


def _num(v) -> str:
    if v is None:
        return "n/a"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return "n/a"
    return f"{f:,.2f}".rstrip("0").rstrip(".") if not f.is_integer() else f"{int(f):,}"
