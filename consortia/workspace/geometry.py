"""The workspace map: the same projection, SVG shapes and colours as ``map.html``.

The base map (regions and trust markers) is drawn once; consortium outlines, colours and
label anchors are recomputed for each draft with the figures' own helpers.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..figures import style
from ..figures.map_html import SCALE, geom_to_svg_path
from ..figures.plandata import HULL_BUFFER_M, projection
from ..inputs import Instance
from ..scenario import Scenario

__all__ = ["BaseMap", "base_map", "shapes"]


@dataclass(frozen=True)
class BaseMap:
    """Projected trust positions (metres) and the static SVG of regions and trust markers."""

    xy: dict[str, tuple[float, float]]
    svg: str
    attribution: str


def _f(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def base_map(scenario: Scenario, instance: Instance, codes: list[str]) -> BaseMap:
    """The map for the trusts ``codes``: regions of ``inputs.regions`` (if any) and one marker each."""
    from pyproj import Transformer

    trusts = [instance.trust(c) for c in codes]
    lat = np.array([t.lat for t in trusts], dtype=float)
    lon = np.array([t.lon for t in trusts], dtype=float)
    crs = projection(lat, lon)
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    xy = {c: (float(a), float(b)) for c, a, b in zip(codes, np.atleast_1d(x), np.atleast_1d(y))}
    regions = _regions(scenario, crs)
    xs = [p[0] / SCALE for p in xy.values()]
    ys = [-p[1] / SCALE for p in xy.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if regions is not None and len(regions):
        bx0, by0, bx1, by1 = regions.total_bounds
        x0, x1 = min(x0, bx0 / SCALE), max(x1, bx1 / SCALE)
        y0, y1 = min(y0, -by1 / SCALE), max(y1, -by0 / SCALE)
    pad = max(max(x1 - x0, y1 - y0) * 0.04, 2.5 * HULL_BUFFER_M / SCALE)  # room for outlines and labels
    vb = (x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad)
    out = [f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="{" ".join(_f(v) for v in vb)}" '
           f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="Map of the proposal for '
           f'{html.escape(scenario.name)}">',
           f'<rect class="sea" x="{_f(vb[0] - 5000)}" y="{_f(vb[1] - 5000)}" width="{_f(vb[2] + 10000)}" '
           f'height="{_f(vb[3] + 10000)}"/>', '<g id="regions">']
    if regions is not None:
        names = regions["name"] if "name" in regions else [""] * len(regions)
        for name, geom in zip(names, regions.geometry):
            d = geom_to_svg_path(geom)
            if d:
                out.append(f'<path class="region" d="{d}"><title>{html.escape(str(name))}</title></path>')
    out.append('</g><g id="hulls"></g><g id="links"></g><g id="trusts">')
    for c in codes:
        px, py = _f(xy[c][0] / SCALE), _f(-xy[c][1] / SCALE)
        out.append(f'<g class="trust" tabindex="0" data-code="{html.escape(c)}" data-x="{px}" data-y="{py}" '
                   f'transform="translate({px} {py})"><circle r="5" class="mk"/>'
                   f'<path d="M0 -6L6 0L0 6L-6 0Z" class="mk standalone"/></g>')
    out.append('</g><g id="labels"></g></svg>')
    attribution = scenario.attribution.strip()
    if regions is not None and "Crown copyright" not in attribution and _england(regions):
        attribution = (attribution + " " if attribution else "") + style.ENGLAND_ATTRIBUTION
    return BaseMap(xy, "".join(out), attribution)


def _regions(scenario: Scenario, crs: str):
    path = scenario.inputs.regions
    if path is None or not path.is_file():
        return None
    import geopandas as gpd

    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    gdf = gdf.to_crs(crs)
    gdf["geometry"] = gdf.geometry.simplify(250.0, preserve_topology=True)
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def _england(gdf) -> bool:
    return bool({"ons_code_nhser24", "nhser24_name"} & set(gdf.columns))


def shapes(base: BaseMap, groups: dict[str, list[str]], memory: dict[str, str],
           near_m: float = 60_000.0) -> dict[str, dict]:
    """Per consortium of two or more: outline path, label anchor (map units) and colour.

    Colours come from :func:`consortia.figures.style.assign_colours`, but a consortium keeps
    the colour it had before (``memory``, updated here) unless a nearby consortium has it, so
    one move does not recolour the whole map.
    """
    from shapely.geometry import MultiPoint

    out = {}
    centres = {}
    for cid, members in groups.items():
        if len(members) < 2:
            continue
        pts = [base.xy[m] for m in members if m in base.xy]
        hull = MultiPoint(pts).convex_hull.buffer(HULL_BUFFER_M, quad_segs=8)
        cx, cy = float(np.mean([p[0] for p in pts])), float(np.mean([p[1] for p in pts]))
        centres[cid] = (cx, cy)
        out[cid] = {"path": geom_to_svg_path(hull), "x": round(cx / SCALE, 2), "y": round(-cy / SCALE, 2)}
    near = nx.Graph()
    near.add_nodes_from(sorted(out))
    near.add_edges_from((a, b) for a in sorted(out) for b in sorted(out)
                        if a < b and math.hypot(centres[a][0] - centres[b][0], centres[a][1] - centres[b][1]) < near_m)
    fresh = style.assign_colours(sorted(out), near)
    colours: dict[str, str] = {}
    for cid in sorted(out, key=lambda c: (c not in memory, c)):
        (x, y) = centres[cid]
        taken = {colours[o] for o in colours if math.hypot(centres[o][0] - x, centres[o][1] - y) < near_m}
        wanted = ([memory[cid]] if cid in memory else []) + [fresh[cid], *style.PALETTE]
        colours[cid] = next((c for c in wanted if c not in taken), fresh[cid])
    memory.update(colours)
    for cid in out:
        out[cid]["colour"] = colours[cid]
    return out
