"""map.html: an interactive map in one file, with no network request at all.

Hand-written SVG (regions, consortium outlines, trust markers, labels) plus a small vanilla
JavaScript pan/zoom and info panel, all inlined. NHS meeting rooms often block outside content,
so nothing is fetched: no web fonts, no tiles, no CDN.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from . import style
from .plandata import DAYS, PlanData, month_label, polygon_rings

__all__ = ["SCALE", "geom_to_svg_path", "plan_json", "build_svg", "CSS", "JS", "render_html_map", "legend_rows",
           "build_page"]

SCALE = 1000.0  # projected metres -> SVG units (km)


def _fmt(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def geom_to_svg_path(geom) -> str:
    """SVG path data (with holes) for a shapely (Multi)Polygon in map units."""
    return "".join("M" + "L".join(f"{_fmt(x / SCALE)} {_fmt(-y / SCALE)}" for x, y in xy[:-1]) + "Z"
                   for xy in polygon_rings(geom))


def _ratio(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(f):
        return None
    return None if math.isinf(f) else round(f, 3)


def _ratio_str(v) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    if math.isnan(f):
        return ""
    return "inf" if math.isinf(f) else f"{f:.2f}"


def plan_json(data: PlanData) -> dict:
    cons = []
    for _, c in data.consortia.iterrows():
        cons.append({
            "id": str(c["consortium"]), "colour": c["colour"], "n": int(c["n_trusts"]),
            "standalone": bool(c["is_standalone"]),
            "go_live": month_label(c["go_live_d"]), "go_to_market": month_label(c["go_to_market_d"]),
            "misaligned": None if not math.isfinite(float(c["months_misaligned"] or 0))
            else int(c["months_misaligned"] or 0),
            "cover": [_ratio_str(c[f"cover_ratio_{d}"]) for d in DAYS],
            "members": [str(m) for m in c["members_list"]],
            "cx": None if not math.isfinite(c["cx"]) else round(c["cx"] / SCALE, 2),
            "cy": None if not math.isfinite(c["cy"]) else round(-c["cy"] / SCALE, 2),
        })
    cover_by = {c["id"]: c["cover"] for c in cons}
    trusts = []
    for _, t in data.trusts.iterrows():
        mis = t["months_misaligned"]
        trusts.append({
            "code": str(t["trust"]), "name": str(t["name"]), "c": str(t["consortium"]),
            "standalone": bool(t["is_standalone"]),
            "go_live": month_label(t["go_live_d"]), "go_to_market": month_label(t["go_to_market_d"]),
            "contract_end": t["contract_end_d"].strftime("%d %b %Y") if t["contract_end_d"] else "?",
            "misaligned": None if (mis is None or (isinstance(mis, float) and math.isnan(mis))) else int(mis),
            "region": "" if str(t.get("region", "")) == "nan" else str(t.get("region", "")),
            "alone": [_ratio_str(t[f"alone_ratio_{d}"]) for d in DAYS],
            "pooled": cover_by.get(str(t["consortium"]), [""] * 7),
        })
    return {"scenario": data.scenario, "consortia": cons, "trusts": trusts, "min_ratio": data.min_ratio}


def build_svg(data: PlanData, *, interactive: bool = True) -> tuple[str, tuple[float, float, float, float]]:
    """The map as an SVG string and its viewBox (x, y, w, h) in km."""
    t = data.trusts
    xs, ys = (t["x"] / SCALE).dropna(), (-t["y"] / SCALE).dropna()
    x0, x1, y0, y1 = (xs.min(), xs.max(), ys.min(), ys.max()) if len(xs) else (0.0, 1.0, 0.0, 1.0)
    if data.regions is not None and len(data.regions):
        bx0, by0, bx1, by1 = data.regions.total_bounds
        x0, x1 = min(x0, bx0 / SCALE), max(x1, bx1 / SCALE)
        y0, y1 = min(y0, -by1 / SCALE), max(y1, -by0 / SCALE)
    pad = max(x1 - x0, y1 - y0, 20.0) * 0.03
    vb = (round(x0 - pad, 1), round(y0 - pad, 1), round(x1 - x0 + 2 * pad, 1),
          round(y1 - y0 + 2 * pad, 1))
    out = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="{" ".join(_fmt(v) for v in vb)}" '
           'preserveAspectRatio="xMidYMid meet" role="img" '
           f'aria-label="Map of consortia for {html.escape(data.scenario)}">']
    out.append(f'<rect class="sea" x="{_fmt(vb[0] - 5000)}" y="{_fmt(vb[1] - 5000)}" '
               f'width="{_fmt(vb[2] + 10000)}" height="{_fmt(vb[3] + 10000)}"/>')
    out.append('<g id="regions">')
    if data.regions is not None:
        names = data.regions["name"] if "name" in data.regions else [""] * len(data.regions)
        for name, geom in zip(names, data.regions.geometry):
            d = geom_to_svg_path(geom)
            if d:
                out.append(f'<path class="region" d="{d}"><title>{html.escape(str(name))}</title></path>')
    out.append('</g><g id="hulls">')
    for _, c in data.groups.iterrows():
        d = geom_to_svg_path(c["hull"])
        if d:
            out.append(f'<path class="consortium-shape" data-c="{html.escape(c["consortium"])}" '
                       f'd="{d}" style="fill:{c["colour"]};stroke:{c["colour"]}"/>')
    out.append('</g><g id="trusts">')
    for i, (_, r) in enumerate(t.iterrows()):
        if not (math.isfinite(r["x"]) and math.isfinite(r["y"])):
            continue
        x, y = _fmt(r["x"] / SCALE), _fmt(-r["y"] / SCALE)
        if r["is_standalone"]:
            shape = '<path d="M0 -6L6 0L0 6L-6 0Z" class="mk standalone"/>'
        else:
            shape = f'<circle r="5" class="mk" style="fill:{r["colour"]}"/>'
        out.append(f'<g class="trust" tabindex="0" data-i="{i}" data-c="{html.escape(str(r["consortium"]))}" '
                   f'data-x="{x}" data-y="{y}" transform="translate({x} {y})">{shape}</g>')
    out.append('</g><g id="labels">')
    for _, c in data.groups.iterrows():
        if not math.isfinite(c["cx"]):
            continue
        x, y = _fmt(c["cx"] / SCALE), _fmt(-c["cy"] / SCALE)
        out.append(f'<g class="clabel" data-c="{html.escape(c["consortium"])}" data-x="{x}" data-y="{y}" '
                   f'data-n="{int(c["n_trusts"])}" transform="translate({x} {y})">'
                   f'<text class="halo" text-anchor="middle" dx="6" dy="-9">{html.escape(c["label"])}</text>'
                   f'<text text-anchor="middle" dx="6" dy="-9">{html.escape(c["label"])}</text>'
                   f'<rect class="key" x="{_fmt(-3.4 * len(c["label"]) - 8)}" y="-19" width="10" height="10" rx="2" '
                   f'style="fill:{c["colour"]}"/></g>')
    out.append('</g></svg>')
    return "".join(out), vb


CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;font-family:%FONT%;color:#1f2328;background:#fff}
#app{display:flex;height:100vh;min-height:420px}
#mapwrap{position:relative;flex:1;overflow:hidden;background:#dfeaf2;touch-action:none;cursor:grab}
#mapwrap.dragging{cursor:grabbing}
#map{width:100%;height:100%;display:block}
.sea{fill:#dfeaf2}
.region{fill:#f2f0eb;stroke:#9a968c;stroke-width:1;vector-effect:non-scaling-stroke}
.consortium-shape{fill-opacity:.16;stroke-width:2;vector-effect:non-scaling-stroke;cursor:pointer}
.consortium-shape.hl{fill-opacity:.35;stroke-width:3.5}
.mk{stroke:#fff;stroke-width:1.2}
.mk.standalone{fill:#fff;stroke:#1f2328;stroke-width:1.8}
.trust{cursor:pointer;outline:none}
.trust:hover .mk,.trust:focus .mk,.trust.sel .mk{stroke:#1f2328;stroke-width:2.5}
.clabel text{font-size:12px;font-weight:700;pointer-events:none;fill:#1f2328}
.clabel .key{stroke:#fff;stroke-width:1.5}
.clabel .halo{stroke:#fff;stroke-width:4px;stroke-linejoin:round;fill:#fff}
.off{display:none}
#panel{width:360px;max-width:45vw;flex:none;min-width:0;overflow:hidden;border-left:1px solid #d0d7de;display:flex;flex-direction:column;background:#fff}
#panel header{padding:10px 12px 6px;border-bottom:1px solid #eaeef2}
#panel h1{font-size:16px;margin:0 0 4px}
.sub{font-size:12px;color:#5b6068}
.synthetic{background:%SYNBG%;color:#fff;font-weight:700;font-size:12px;padding:6px 8px;border-radius:4px;margin-top:6px}
#info{padding:8px 12px;border-bottom:1px solid #eaeef2;font-size:13px;min-height:120px}
#info h2{font-size:14px;margin:0 0 4px}
#info table{border-collapse:collapse;margin-top:6px;font-size:11px;width:100%;table-layout:fixed}
#info td,#info th{padding:1px 2px;text-align:center;border:1px solid #eaeef2}
#info th{background:#f6f8fa;font-weight:600}
td.short{background:#fde2e1;color:#a40e26;font-weight:700}
td.ok{background:#dff3e4}
#legend{flex:1;overflow:auto;padding:6px 12px;font-size:12px}
#legend .row{display:flex;align-items:center;gap:6px;padding:2px 0;cursor:pointer}
#legend .sw{width:14px;height:14px;border-radius:3px;flex:none}
#legend .sw.alone{background:#fff;border:2px solid #1f2328;transform:rotate(45deg) scale(.75)}
#legend .meta{color:#5b6068;margin-left:auto;white-space:nowrap}
#legend .tools{display:flex;gap:6px;margin-bottom:6px}
button{font:inherit;font-size:12px;padding:3px 8px;border:1px solid #d0d7de;border-radius:4px;background:#f6f8fa;cursor:pointer}
button:hover{background:#eaeef2}
#zoom{position:absolute;top:10px;left:10px;display:flex;flex-direction:column;gap:4px}
#zoom button{width:32px;height:32px;font-size:18px;padding:0}
#tip{position:absolute;pointer-events:none;background:rgba(31,35,40,.92);color:#fff;font-size:12px;padding:5px 7px;border-radius:4px;display:none;max-width:280px;z-index:5}
#attrib{position:absolute;left:0;right:0;bottom:0;background:rgba(255,255,255,.85);font-size:10px;color:#5b6068;padding:3px 8px;line-height:1.3}
#hint{position:absolute;top:10px;right:10px;background:rgba(255,255,255,.9);font-size:11px;color:#5b6068;padding:3px 6px;border-radius:4px}
@media print{#zoom,#hint,.tools{display:none}#app{height:auto}#mapwrap{height:16cm}}
"""

JS = r"""
(function(){
"use strict";
var data = JSON.parse(document.getElementById('plan-data').textContent);
var svg = document.getElementById('map');
var wrap = document.getElementById('mapwrap');
var tip = document.getElementById('tip');
var info = document.getElementById('info');
var home = svg.getAttribute('viewBox').split(/\s+/).map(Number);
var view = home.slice();
var byId = {}; data.consortia.forEach(function(c){ byId[c.id] = c; });
var trustEls = Array.prototype.slice.call(document.querySelectorAll('#trusts .trust'));
var labelEls = Array.prototype.slice.call(document.querySelectorAll('#labels .clabel'));
var hullEls = Array.prototype.slice.call(document.querySelectorAll('#hulls .consortium-shape'));
var hidden = {};
var DAYS = ['Mon','Tue','Wed','Thu','Fri','Sat','Sun'];

function pxPerUnit(){
  var r = svg.getBoundingClientRect();
  return Math.min(r.width / view[2], r.height / view[3]) || 1;
}
function apply(){
  svg.setAttribute('viewBox', view.join(' '));
  var k = 1 / pxPerUnit();
  trustEls.forEach(function(el){
    el.setAttribute('transform', 'translate(' + el.dataset.x + ' ' + el.dataset.y + ') scale(' + k + ')');
  });
  declutter(k);
}
function declutter(k){
  // show the biggest consortia's labels first; hide any label that would overlap one shown
  var boxes = [];
  var order = labelEls.slice().sort(function(a, b){ return (b.dataset.n - a.dataset.n) || (a.dataset.c < b.dataset.c ? -1 : 1); });
  var ppu = 1 / k;
  order.forEach(function(el){
    var c = el.dataset.c;
    el.setAttribute('transform', 'translate(' + el.dataset.x + ' ' + el.dataset.y + ') scale(' + k + ')');
    if (hidden[c]) { el.classList.add('off'); return; }
    var sx = (el.dataset.x - view[0]) * ppu, sy = (el.dataset.y - view[1]) * ppu;
    var w = 7.8 * (c.length + 11) + 6, h = 19;
    var b = [sx - w / 2, sy - 6 - h, sx + w / 2, sy - 4];
    var clash = boxes.some(function(o){ return b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]; });
    if (clash) { el.classList.add('off'); } else { el.classList.remove('off'); boxes.push(b); }
  });
}
function zoomAt(f, cx, cy){
  var r = svg.getBoundingClientRect();
  var ppu = pxPerUnit();
  var offx = (r.width - view[2] * ppu) / 2, offy = (r.height - view[3] * ppu) / 2;
  var ux = view[0] + (cx - r.left - offx) / ppu, uy = view[1] + (cy - r.top - offy) / ppu;
  var nw = Math.max(2, Math.min(home[2] * 4, view[2] / f));
  var nh = view[3] * nw / view[2];
  view = [ux - (ux - view[0]) * nw / view[2], uy - (uy - view[1]) * nh / view[3], nw, nh];
  apply();
}
wrap.addEventListener('wheel', function(e){
  e.preventDefault();
  zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX, e.clientY);
}, {passive: false});
var drag = null;
wrap.addEventListener('pointerdown', function(e){
  if (e.target.closest && (e.target.closest('button') || e.target.closest('.trust'))) return;
  drag = {x: e.clientX, y: e.clientY, v: view.slice(), moved: false};
  wrap.classList.add('dragging');
  if (wrap.setPointerCapture) { try { wrap.setPointerCapture(e.pointerId); } catch (err) {} }
});
wrap.addEventListener('pointermove', function(e){
  if (!drag) return;
  var ppu = pxPerUnit();
  var dx = (e.clientX - drag.x) / ppu, dy = (e.clientY - drag.y) / ppu;
  if (Math.abs(dx) + Math.abs(dy) > 0) drag.moved = true;
  view = [drag.v[0] - dx, drag.v[1] - dy, drag.v[2], drag.v[3]];
  apply();
});
function endDrag(){ drag = null; wrap.classList.remove('dragging'); }
wrap.addEventListener('pointerup', endDrag);
wrap.addEventListener('pointercancel', endDrag);
document.getElementById('zin').onclick = function(){ var r = svg.getBoundingClientRect(); zoomAt(1.5, r.left + r.width / 2, r.top + r.height / 2); };
document.getElementById('zout').onclick = function(){ var r = svg.getBoundingClientRect(); zoomAt(1 / 1.5, r.left + r.width / 2, r.top + r.height / 2); };
document.getElementById('zhome').onclick = function(){ view = home.slice(); apply(); };

function esc(s){ return String(s).replace(/[&<>"']/g, function(ch){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[ch]; }); }
function cell(v){
  if (v === '' || v === null || v === undefined) return '<td>\u2013</td>';
  var f = v === 'inf' ? Infinity : parseFloat(v);
  return '<td class="' + (f < data.min_ratio ? 'short' : 'ok') + '">' + (v === 'inf' ? '\u221e' : esc(v)) + '</td>';
}
function trustHtml(t){
  var c = byId[t.c] || {};
  var s = '<h2>' + esc(t.name) + ' <span class="sub">(' + esc(t.code) + ')</span></h2>';
  s += '<div>' + (t.standalone ? '<b>Standalone</b> (procures alone)' : 'Consortium <b>' + esc(t.c) + '</b> with ' + (c.n - 1) + ' other trust' + (c.n === 2 ? '' : 's')) + '</div>';
  s += '<div>Go-live <b>' + esc(t.go_live) + '</b> \u00b7 to market ' + esc(t.go_to_market) + '</div>';
  s += '<div>Contract ends ' + esc(t.contract_end) + ' \u00b7 misaligned <b>' + (t.misaligned === null ? '?' : t.misaligned) + '</b> month' + (t.misaligned === 1 ? '' : 's') + '</div>';
  s += '<table><tr><th>cover</th>' + DAYS.map(function(d){ return '<th>' + d + '</th>'; }).join('') + '</tr>';
  s += '<tr><th>alone</th>' + t.alone.map(cell).join('') + '</tr>';
  s += '<tr><th>pooled</th>' + t.pooled.map(cell).join('') + '</tr></table>';
  s += '<div class="sub">Cover = reporting capacity / demand that day; below ' + data.min_ratio.toFixed(2) + ' (cover.min_ratio, red) is a shortfall.</div>';
  return s;
}
function consortiumHtml(c){
  var names = data.trusts.filter(function(t){ return t.c === c.id; }).map(function(t){ return esc(t.name) + ' (' + esc(t.code) + ')'; });
  var s = '<h2>Consortium ' + esc(c.id) + '</h2><div>Go-live <b>' + esc(c.go_live) + '</b> \u00b7 to market ' + esc(c.go_to_market) + ' \u00b7 ' + c.n + ' trusts \u00b7 misaligned ' + (c.misaligned === null ? '?' : c.misaligned) + ' months in total</div>';
  s += '<div class="sub">' + names.join('; ') + '</div>';
  s += '<table><tr><th>pooled</th>' + DAYS.map(function(d){ return '<th>' + d + '</th>'; }).join('') + '</tr><tr><th>cover</th>' + c.cover.map(cell).join('') + '</tr></table>';
  return s;
}
var selected = null;
function showTip(html, e){
  var r = wrap.getBoundingClientRect();
  tip.innerHTML = html; tip.style.display = 'block';
  var x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
  if (x + 290 > r.width) x = e.clientX - r.left - 290;
  tip.style.left = x + 'px'; tip.style.top = y + 'px';
}
trustEls.forEach(function(el){
  var t = data.trusts[+el.dataset.i];
  el.addEventListener('pointerenter', function(e){
    showTip('<b>' + esc(t.name) + '</b><br>' + (t.standalone ? 'standalone' : 'consortium ' + esc(t.c)) + ' \u00b7 go-live ' + esc(t.go_live) + '<br>contract end ' + esc(t.contract_end) + ' \u00b7 misaligned ' + (t.misaligned === null ? '?' : t.misaligned) + ' mo', e);
    info.innerHTML = trustHtml(t);
  });
  el.addEventListener('pointerleave', function(){ tip.style.display = 'none'; if (selected) info.innerHTML = trustHtml(selected); });
  function pick(){ if (selected) { var old = document.querySelector('.trust.sel'); if (old) old.classList.remove('sel'); } selected = t; el.classList.add('sel'); info.innerHTML = trustHtml(t); }
  el.addEventListener('click', pick);
  el.addEventListener('keydown', function(e){ if (e.key === 'Enter' || e.key === ' ') pick(); });
});
hullEls.forEach(function(el){
  var c = byId[el.dataset.c];
  el.addEventListener('pointerenter', function(e){ el.classList.add('hl'); showTip('<b>' + esc(c.id) + '</b> \u00b7 go-live ' + esc(c.go_live) + ' \u00b7 ' + c.n + ' trusts', e); });
  el.addEventListener('pointerleave', function(){ el.classList.remove('hl'); tip.style.display = 'none'; });
  el.addEventListener('click', function(){ info.innerHTML = consortiumHtml(c); });
});
function setHidden(id, off){
  hidden[id] = off;
  document.querySelectorAll('[data-c="' + CSS.escape(id) + '"]').forEach(function(el){
    if (el.classList.contains('row')) { el.querySelector('input').checked = !off; return; }
    el.classList.toggle('off', off);
  });
}
document.querySelectorAll('#legend .row').forEach(function(row){
  var box = row.querySelector('input');
  box.addEventListener('change', function(){ setHidden(row.dataset.c, !box.checked); apply(); });
  row.addEventListener('mouseenter', function(){ hullEls.forEach(function(h){ if (h.dataset.c === row.dataset.c) h.classList.add('hl'); }); });
  row.addEventListener('mouseleave', function(){ hullEls.forEach(function(h){ h.classList.remove('hl'); }); });
});
document.getElementById('all').onclick = function(){ data.consortia.forEach(function(c){ setHidden(c.id, false); }); apply(); };
document.getElementById('none').onclick = function(){ data.consortia.forEach(function(c){ setHidden(c.id, true); }); apply(); };
window.addEventListener('resize', apply);
apply();
document.body.setAttribute('data-ready', '1');
})();
"""


def render_html_map(data: PlanData, out_dir: Path) -> Path:
    path = Path(out_dir) / "map.html"
    path.write_text(build_page(data), encoding="utf-8")
    return path


def legend_rows(data: PlanData) -> str:
    rows = []
    for _, c in data.consortia.iterrows():
        cid = html.escape(str(c["consortium"]))
        if c["is_standalone"]:
            code = (c["members_list"] or [c["consortium"]])[0]
            name = html.escape(code if code == c["consortium"] else f"{c['consortium']} ({code})")
            sw = '<span class="sw alone"></span>'
            meta = f"{month_label(c['go_live_d'])} \u00b7 alone"
        else:
            name = cid
            sw = f'<span class="sw" style="background:{c["colour"]}"></span>'
            meta = f"{month_label(c['go_live_d'])} \u00b7 {int(c['n_trusts'])} trusts"
        rows.append(f'<label class="row" data-c="{cid}"><input type="checkbox" checked>{sw}'
                    f'<span>{name}</span><span class="meta">{html.escape(meta)}</span></label>')
    return "".join(rows)


def build_page(data: PlanData) -> str:
    svg, _ = build_svg(data)
    payload = json.dumps(plan_json(data), separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    payload = payload.replace("</", "<\\/")
    css = CSS.replace("%FONT%", style.HTML_FONT).replace("%SYNBG%", style.SYNTHETIC_BG)
    synthetic = (f'<div class="synthetic">{html.escape(style.SYNTHETIC_NOTE)}</div>'
                 if data.synthetic else "")
    n_alone = len(data.standalone)
    title = f"Consortia map \u2014 {data.scenario}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{html.escape(title)}</title>
<style>{css}</style></head>
<body>
<div id="app">
<div id="mapwrap">
{svg}
<div id="zoom"><button id="zin" title="Zoom in" aria-label="Zoom in">+</button><button id="zout" title="Zoom out" aria-label="Zoom out">&#8722;</button><button id="zhome" title="Whole map" aria-label="Whole map">&#8962;</button></div>
<div id="hint">Scroll to zoom, drag to pan, hover or click a trust</div>
<div id="tip"></div>
<div id="attrib">{html.escape(data.attribution)}</div>
</div>
<aside id="panel">
<header><h1>{html.escape(title)}</h1>
<div class="sub">{len(data.trusts)} trusts \u00b7 {len(data.groups)} consortia \u00b7 {n_alone} standalone \u00b7 {html.escape(data.status_line)}</div>
{synthetic}</header>
<div id="info"><div class="sub">Hover or click a trust (circle) or a consortium area for details. Standalone trusts are hollow diamonds.</div></div>
<div id="legend"><div class="tools"><button id="all">Show all</button><button id="none">Hide all</button><span class="sub">tick to show or hide</span></div>
{legend_rows(data)}</div>
</aside>
</div>
<script type="application/json" id="plan-data">{payload}</script>
<script>{JS}</script>
</body></html>
"""
