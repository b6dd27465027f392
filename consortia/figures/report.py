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

from ..status import Status
from . import style
from .plandata import DAY_NAMES, DAYS, PlanData, month_label, split_codes

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
    gap_s = data.gap_text or "gap n/a"
    n_alone = len(data.standalone)
    return [
        (f"{len(data.groups)}", f"consortia, plus {n_alone} standalone trust{'s' if n_alone != 1 else ''}"
         f" ({n_trusts} trusts in the plan)", False),
        (f"{alone_full} \u2192 {pooled_full}",
         f"trusts with seven-day reporting cover: alone \u2192 pooled (of {n_trusts})", False),
        (f"{int(mis)}", "months misaligned in total (contract end vs go-live, all trusts)", False),
        (f"{peak}" + (f" / {cap}" if cap else ""),
         "peak procurements going to market in one period"
         + (" / market capacity" if cap else " (no capacity limit set)"),
         bool(cap and peak and int(peak) > int(cap))),
        (status, f"solver status, {gap_s}", status not in Status.HAS_PLAN),
    ]


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
    return (f"<article class='card' data-c='{html.escape(cid)}' style='--c:{colour}'>"
            f"<h3>{kind} {html.escape(cid)} <span class='sub'>{int(c['n_trusts'])} "
            f"trust{'s' if c['n_trusts'] != 1 else ''}</span>"
            f"<span class='gl'>go-live {month_label(c['go_live_d'])}</span></h3>"
            f"<div class='facts'>to market {month_label(c['go_to_market_d'])} \u00b7 misaligned "
            f"<b>{mis_total}</b> months in total {' '.join(extra)}</div>"
            f"<ul>{''.join(items)}</ul>"
            f"<div class='facts'>Cover: {cover}</div>{table}"
            f"<div class='facts'>Weekend subspecialties: {'; '.join(sub)}</div></article>")


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
    terms = data.plan.get("terms") or {}
    term_rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_num(v))}</td></tr>"
                        for k, v in terms.items())
    excluded = data.plan.get("excluded") or []
    excluded_s = ", ".join(html.escape(str(e if not isinstance(e, dict) else e.get("trust", e)))
                           for e in excluded) or "none"
    figs = []
    for k, (name, caption) in enumerate((
            ("map.png", "Consortia on the map. Labels give consortium id and go-live; hollow "
                        "diamonds are standalone trusts. The interactive version is map.html."),
            ("timeline.png", "Procurement timeline: go to market, go-live and members' contract "
                             "ends per consortium; below, procurements per period against the "
                             "market capacity."),
            ("cover.png", "Seven-day reporting cover per consortium and day: the weakest member "
                          "alone versus the pooled consortium (below 1.00 = shortfall)."))):
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
<section class="headline">{kpis}</section>
{''.join(figs)}
<section class="pagebreak"><h2>Consortia ({len(data.groups)})</h2>
<div class="cards">{groups or "<p class='sub'>No consortia of two or more trusts.</p>"}</div></section>
<section class="alone"><h2>Standalone trusts ({len(data.standalone)})</h2>
<div class="cards">{alone or "<p class='sub'>None: every trust is in a consortium.</p>"}</div></section>
<section><h2>Solver and settings</h2>
<table class="kv">
<tr><td>Status</td><td><b>{html.escape(str(data.plan.get('status', '')))}</b> ({html.escape(data.status_line)})</td></tr>
<tr><td>Objective / best bound</td><td>{html.escape(_num(data.plan.get('objective')))} / {html.escape(_num(data.plan.get('best_bound')))}</td></tr>
<tr><td>Solve time</td><td>{html.escape(_num(solver.get('solve_seconds')))} s (time limit {html.escape(_num(solver.get('time_limit')))} s)</td></tr>
<tr><td>Trusts left out</td><td>{excluded_s}</td></tr>
<tr><td>Package version</td><td>{html.escape(str(data.plan.get('package_version', '')))}</td></tr>
</table>
<h3>Objective terms</h3><table class="kv">{term_rows}</table>
</section>
<footer>{synthetic}<div>{html.escape(data.attribution)}</div></footer>
</main></body></html>
"""
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


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
