"""Read a plan folder (assignments.csv, consortia.csv, plan.yaml, and the weekend rota files
rota.yaml and rota.csv when ``consortia rota`` wrote them) and the regions file into one object
the figure modules share. Nothing else on disk is read."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..planfolder import ASSIGNMENTS, CONSORTIA, ROTA_CSV, read_plan_folder, read_rota_files, read_text
from . import style

__all__ = ["DAYS", "DAY_NAMES", "HULL_BUFFER_M", "PLACES", "Inset", "PlanData", "polygon_rings", "parse_date",
           "month_label", "as_bool", "as_ratio", "natural_key", "split_codes", "resolve_regions", "load_plan",
           "find_insets"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HULL_BUFFER_M = 5_000.0

# A few reference places used only to name the dense-area insets of the map.
PLACES = (
    ("London", 51.507, -0.128), ("Manchester", 53.480, -2.242), ("Birmingham", 52.486, -1.890),
    ("Liverpool", 53.408, -2.991), ("Leeds", 53.800, -1.549), ("Sheffield", 53.381, -1.470),
    ("Newcastle", 54.978, -1.618), ("Bristol", 51.454, -2.588), ("Nottingham", 52.954, -1.158),
    ("Leicester", 52.637, -1.140), ("Southampton", 50.910, -1.404), ("Cambridge", 52.205, 0.122),
    ("Oxford", 51.752, -1.258), ("Norwich", 52.630, 1.297), ("Plymouth", 50.376, -4.143),
)


@dataclass
class Inset:
    letter: str
    name: str
    bounds: tuple[float, float, float, float]  # projected xmin, ymin, xmax, ymax

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.bounds
        return x0 <= x <= x1 and y0 <= y <= y1


ROSTERED_STATUSES = ("optimal", "feasible")


@dataclass
class RotaView:
    """The weekend rota of a plan folder (rota.yaml, rota.csv): who covers which weekend."""

    weeks: int
    status: dict[str, str]        # consortium -> rota status (optimal, feasible, infeasible...)
    shifts: pd.DataFrame          # rota.csv: date, day, weekend, consortium, radiologist, home_trust...

    def rostered(self, cid: str) -> bool | None:
        """True when the consortium has a rota, False when it could not be rostered, None when
        the rota run did not cover it."""
        s = self.status.get(str(cid))
        return None if s is None else s in ROSTERED_STATUSES

    def weekends(self, cid: str) -> list[tuple[int, dict[str, tuple[dt.date | None, dict[str, int]]]]]:
        """(weekend number, {day: (date, {home trust: sessions})}) per rostered weekend."""
        sh = self.shifts[self.shifts["consortium"] == str(cid)]
        out = []
        for wk in sorted(set(int(w) for w in sh["weekend"])):
            days = {}
            for day in ("sat", "sun"):
                rows = sh[(sh["weekend"].astype(int) == wk) & (sh["day"] == day)]
                if rows.empty:
                    continue
                per: dict[str, int] = {}
                for trust, n in zip(rows["home_trust"], rows["sessions"]):
                    per[str(trust)] = per.get(str(trust), 0) + int(n)
                days[day] = (parse_date(rows["date"].iloc[0]), per)
            out.append((wk, days))
        return out

    @property
    def n_rostered(self) -> int:
        return sum(s in ROSTERED_STATUSES for s in self.status.values())


def load_rota(folder: Path) -> RotaView | None:
    """The plan folder's rota, or None when ``consortia rota`` has not been run on it."""
    files = read_rota_files(folder)
    if files is None:
        return None
    doc, csv_path = files.document, Path(folder) / ROTA_CSV
    status = {str(c.get("consortium")): str(c.get("status")) for c in doc.get("consortia") or []}
    shifts = pd.read_csv(csv_path, dtype={"consortium": str, "home_trust": str, "day": str},
                         keep_default_na=False)
    weeks = int((doc.get("settings") or {}).get("weeks") or 0)
    return RotaView(weeks=weeks, status=status, shifts=shifts)


@dataclass
class PlanData:
    folder: Path
    plan: dict
    trusts: pd.DataFrame          # assignments.csv + x, y (projected), is_standalone, colour
    consortia: pd.DataFrame       # consortia.csv + is_standalone, colour, hull, cx, cy, label
    regions: object | None        # GeoDataFrame in the projected CRS, or None
    regions_path: Path | None
    crs: str
    attribution: str
    synthetic: bool
    insets: list[Inset] = field(default_factory=list)
    rota: RotaView | None = None

    # --- convenience -------------------------------------------------------------------
    @property
    def scenario(self) -> str:
        return str(self.plan.get("scenario") or self.settings.get("name") or self.folder.name)

    @property
    def settings(self) -> dict:
        return self.plan.get("settings") or {}

    @property
    def metrics(self) -> dict:
        return self.plan.get("metrics") or {}

    @property
    def min_ratio(self) -> float:
        """The cover ratio the scenario requires on every day (``cover.min_ratio``)."""
        value = (self.settings.get("cover") or {}).get("min_ratio")
        return 1.0 if value is None else float(value)

    @property
    def weekend_subspecialties(self) -> list[str]:
        """The subspecialties the scenario requires on Saturday and Sunday."""
        return [str(s) for s in (self.settings.get("cover") or {}).get("weekend_subspecialties") or []]

    def weekend_missing(self, cid: str) -> set[tuple[str, str]]:
        """(subspecialty, day) pairs the pooled consortium lacks at the weekend."""
        row = self.consortia[self.consortia["consortium"] == str(cid)]
        raw = row["weekend_subspecialties_missing"].iloc[0] if (
            len(row) and "weekend_subspecialties_missing" in row) else ""
        out = set()
        for token in split_codes(raw):
            sub, _, day = token.partition("@")
            out.add((sub, day))
        return out

    @property
    def period_months(self) -> int:
        return int((self.settings.get("planning") or {}).get("period_months") or 3)

    @property
    def lead_time_months(self) -> int | None:
        v = (self.settings.get("planning") or {}).get("lead_time_months")
        return None if v is None else int(v)

    @property
    def capacity(self) -> int | None:
        cap = self.metrics.get("market_capacity")
        if cap is None:
            cap = (self.settings.get("market") or {}).get("capacity")
        return None if cap in (None, "", "null") else int(cap)

    @property
    def market_per_period(self) -> dict[dt.date, int]:
        raw = self.metrics.get("market_per_period") or {}
        out = {}
        for k, v in raw.items():
            d = parse_date(k)
            if d is not None:
                out[d] = int(v or 0)
        return dict(sorted(out.items()))

    @property
    def groups(self) -> pd.DataFrame:
        """Consortia of two or more trusts."""
        return self.consortia[~self.consortia["is_standalone"]]

    @property
    def standalone(self) -> pd.DataFrame:
        return self.consortia[self.consortia["is_standalone"]]

    def members(self, cid: str) -> pd.DataFrame:
        return self.trusts[self.trusts["consortium"] == cid]

    @property
    def gap_text(self) -> str:
        """The plan's relative gap as "gap 1.2%", or "" when unknown."""
        gap = self.plan.get("gap")
        try:
            return f"gap {float(gap) * 100:.1f}%" if gap is not None and math.isfinite(float(gap)) else ""
        except (TypeError, ValueError):
            return ""

    @property
    def status_words(self) -> str:
        """The plan's standing in plain words: "proven optimal", "within 4.2% of the best
        possible (not proven optimal)", or what the status says when no gap is known."""
        status = str(self.plan.get("status", "unknown"))
        if status == "optimal":
            return "proven optimal"
        gap = self.plan.get("gap")
        try:
            gap = float(gap) if gap is not None else None
        except (TypeError, ValueError):
            gap = None
        if status == "feasible" and gap is not None and math.isfinite(gap):
            pct = gap * 100
            return (f"within {pct:.1f}% of the best possible (not proven optimal)" if pct >= 0.05
                    else "within 0.1% of the best possible (not proven optimal)")
        if status == "feasible":
            return "a valid plan; how far from the best possible is not known"
        return f"solver status: {status}"

    @property
    def status_line(self) -> str:
        status = str(self.plan.get("status", "unknown"))
        gap_s = self.gap_text
        solver = (self.plan.get("solver") or {}).get("name", "")
        parts = [f"solver status: {status}"]
        if gap_s:
            parts.append(gap_s)
        if solver:
            parts.append(str(solver))
        return ", ".join(parts)


def tsunami_counts(data: PlanData) -> dict[dt.date, int]:
    """Procurements per go-to-market date if every trust went alone at its own contract end.

    Each contract end rounds to a month as the plan does (README rule 5: days 1-15 to the 1st
    of that month, 16-31 to the 1st of the next), goes live at the start of the go-live period
    that month falls in, and goes to market the lead time earlier.
    """
    from ..timing import month_number, month_start

    planning = data.settings.get("planning") or {}
    start_d = parse_date(planning.get("start"))
    starts = sorted(data.market_per_period)
    start = month_number(start_d) if start_d else (month_number(starts[0]) if starts else None)
    if start is None:
        return {}
    pm, lead = data.period_months, data.lead_time_months or 0
    out: dict[dt.date, int] = {}
    for d in data.trusts["contract_end_d"]:
        if d is None:
            continue
        go_live = start + ((month_number(d) - start) // pm) * pm
        key = month_start(go_live - lead)
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def polygon_rings(geom):
    """Every ring (exterior and holes) of a shapely (Multi)Polygon with at least 3 points."""
    if geom is None or geom.is_empty:
        return
    for poly in (list(geom.geoms) if hasattr(geom, "geoms") else [geom]):
        if poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = list(ring.coords)
            if len(xy) >= 3:
                yield xy


def parse_date(v) -> dt.date | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    if not s or s.lower() in ("nan", "none", "null"):
        return None
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        return None


def month_label(d: dt.date | None) -> str:
    return d.strftime("%b %Y") if d else "?"


def as_bool(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False
    return str(v).strip().lower() in ("true", "1", "yes", "y", "t")


def as_ratio(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f


def natural_key(s: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(s))]


def split_codes(v) -> list[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    return [t for t in str(v).replace(",", " ").split() if t]


def projection(lat: np.ndarray, lon: np.ndarray) -> str:
    """The projected CRS the figures draw in: British National Grid near England, else a local
    transverse Mercator around the trusts."""
    if len(lat) == 0:
        return "EPSG:3857"
    lat0 = round(float(np.nanmean(lat)), 1)
    lon0 = round(float(np.nanmean(lon)), 1)
    if 49.5 <= lat0 <= 56.5 and -6.5 <= lon0 <= 2.5:
        return "EPSG:27700"  # British National Grid for anything in or near England
    return (f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 "
            "+ellps=WGS84 +units=m +no_defs")


def resolve_regions(folder: Path, plan: dict, regions: Path | None) -> Path | None:
    if regions is not None:
        return Path(regions)
    raw = ((plan.get("settings") or {}).get("inputs") or {}).get("regions")
    if not raw:
        return None
    p = Path(str(raw))
    candidates = [p] if p.is_absolute() else [Path.cwd() / p, folder / p, folder.parent / p,
                                                folder.parent.parent / p]
    for c in candidates:
        if c.is_file():
            return c
    return None


def _is_england_regions(gdf, path: Path | None) -> bool:
    cols = set(getattr(gdf, "columns", []))
    if "ons_code_nhser24" in cols or "nhser24_name" in cols:
        return True
    return bool(path) and "england_regions" in Path(path).name


def load_plan(folder: Path, regions: Path | None = None) -> PlanData:
    folder = Path(folder)
    plan = read_plan_folder(folder).document
    trusts = pd.read_csv(io.StringIO(read_text(folder / ASSIGNMENTS)), dtype={"trust": str, "consortium": str},
                         keep_default_na=False, na_values=[""])
    cons = pd.read_csv(io.StringIO(read_text(folder / CONSORTIA)), dtype={"consortium": str, "members": str},
                       keep_default_na=False, na_values=[""])
    trusts["consortium"] = trusts["consortium"].astype(str)
    cons["consortium"] = cons["consortium"].astype(str)
    if "name" not in trusts:
        trusts["name"] = trusts["trust"]
    trusts["name"] = trusts["name"].fillna(trusts["trust"]).astype(str)
    for col in ("go_live", "go_to_market", "contract_end"):
        if col in trusts:
            trusts[col + "_d"] = [parse_date(v) for v in trusts[col]]
        else:
            trusts[col + "_d"] = None
    for col in ("go_live", "go_to_market"):
        if col in cons:
            cons[col + "_d"] = [parse_date(v) for v in cons[col]]
        else:
            cons[col + "_d"] = None
    for d in DAYS:
        for frame, col in ((trusts, f"alone_ratio_{d}"), (cons, f"cover_ratio_{d}")):
            frame[col] = [as_ratio(v) for v in frame[col]] if col in frame else np.nan
    if "months_misaligned" not in trusts:
        trusts["months_misaligned"] = np.nan
    trusts["months_misaligned"] = pd.to_numeric(trusts["months_misaligned"], errors="coerce")
    cons["members_list"] = [split_codes(v) for v in cons.get("members", [""] * len(cons))]
    if "n_trusts" not in cons:
        cons["n_trusts"] = [len(m) for m in cons["members_list"]]
    cons["n_trusts"] = pd.to_numeric(cons["n_trusts"], errors="coerce").fillna(0).astype(int)
    counts = trusts["consortium"].value_counts()
    cons["n_trusts"] = [max(int(n), int(counts.get(c, 0))) for c, n in
                        zip(cons["consortium"], cons["n_trusts"])]
    cons["is_standalone"] = (cons["n_trusts"] <= 1).astype(bool)
    stand_ids = set(cons.loc[cons["is_standalone"], "consortium"])
    trusts["is_standalone"] = pd.Series(
        [as_bool(s) or c in stand_ids for s, c in
         zip(trusts.get("standalone", [False] * len(trusts)), trusts["consortium"])],
        index=trusts.index, dtype=bool)
    if "months_misaligned" in cons:
        cons["months_misaligned"] = pd.to_numeric(cons["months_misaligned"], errors="coerce")
    else:
        cons["months_misaligned"] = [trusts.loc[trusts["consortium"] == c, "months_misaligned"].sum()
                                     for c in cons["consortium"]]
    cons = cons.iloc[sorted(range(len(cons)), key=lambda i: natural_key(cons["consortium"].iloc[i]))]
    cons = cons.reset_index(drop=True)

    # projection
    from pyproj import Transformer
    lat = pd.to_numeric(trusts.get("lat"), errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(trusts.get("lon"), errors="coerce").to_numpy(dtype=float)
    crs = projection(lat, lon)
    tf = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tf.transform(lon, lat)
    trusts["lat"], trusts["lon"] = lat, lon
    trusts["x"], trusts["y"] = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    # hulls and label anchors
    from shapely.geometry import MultiPoint
    hulls, cxs, cys = [], [], []
    for cid in cons["consortium"]:
        m = trusts[trusts["consortium"] == cid]
        pts = [(px, py) for px, py in zip(m["x"], m["y"]) if math.isfinite(px) and math.isfinite(py)]
        if not pts:
            hulls.append(None)
            cxs.append(float("nan"))
            cys.append(float("nan"))
            continue
        hull = MultiPoint(pts).convex_hull.buffer(HULL_BUFFER_M, quad_segs=8)
        hulls.append(hull)
        cxs.append(float(np.mean([p[0] for p in pts])))
        cys.append(float(np.mean([p[1] for p in pts])))
    cons["hull"], cons["cx"], cons["cy"] = hulls, cxs, cys

    mxs, mys = [], []
    for cid, med, cx_, cy_ in zip(cons["consortium"], cons.get("medoid", [None] * len(cons)),
                                  cons["cx"], cons["cy"]):
        m = trusts[(trusts["consortium"] == cid) & np.isfinite(trusts["x"]) & np.isfinite(trusts["y"])]
        hub = m[m["trust"] == str(med)] if med is not None else m.iloc[:0]
        if hub.empty and len(m):  # no medoid recorded: the member nearest the members' centre
            hub = m.iloc[[int(np.argmin(np.hypot(m["x"] - cx_, m["y"] - cy_)))]]
        mxs.append(float(hub["x"].iloc[0]) if len(hub) else float("nan"))
        mys.append(float(hub["y"].iloc[0]) if len(hub) else float("nan"))
    cons["mx"], cons["my"] = mxs, mys

    grouped = [c for c, s in zip(cons["consortium"], cons["is_standalone"]) if not s]
    colours = style.assign_colours(grouped, neighbour_graph(trusts, cons, grouped))
    cons["colour"] = [colours.get(c, style.STANDALONE_COLOUR) for c in cons["consortium"]]
    cmap = dict(zip(cons["consortium"], cons["colour"]))
    trusts["colour"] = [style.STANDALONE_COLOUR if s else cmap.get(c, style.STANDALONE_COLOUR)
                        for c, s in zip(trusts["consortium"], trusts["is_standalone"])]
    cons["label"] = [f"{c} \u00b7 {month_label(d)}" for c, d in zip(cons["consortium"], cons["go_live_d"])]

    # regions
    rpath = resolve_regions(folder, plan, regions)
    gdf = None
    england = False
    if rpath is not None and Path(rpath).is_file():
        import geopandas as gpd
        gdf = gpd.read_file(rpath)
        if gdf.crs is None:
            gdf = gdf.set_crs("EPSG:4326")
        england = _is_england_regions(gdf, rpath)
        gdf = gdf.to_crs(crs)
        gdf["geometry"] = gdf.geometry.simplify(250.0, preserve_topology=True)
        gdf = gdf[~gdf.geometry.is_empty].reset_index(drop=True)

    attribution = str(plan.get("attribution") or "").strip()
    if england and "Crown copyright" not in attribution:
        attribution = (attribution + " " if attribution else "") + style.ENGLAND_ATTRIBUTION
    synthetic = as_bool(plan.get("synthetic")) or as_bool((plan.get("settings") or {}).get("synthetic"))

    data = PlanData(folder=folder, plan=plan, trusts=trusts, consortia=cons, regions=gdf,
                    regions_path=Path(rpath) if rpath else None, crs=crs,
                    attribution=attribution, synthetic=synthetic)
    data.insets = find_insets(data)
    data.rota = load_rota(folder)
    return data


NEIGHBOUR_M = 30_000.0


def neighbour_graph(trusts: pd.DataFrame, cons: pd.DataFrame, ids: list[str],
                    near_m: float = NEIGHBOUR_M):
    """Consortia as nodes, an edge where two consortia's drawings (members and the lines to
    their medoid) come within ``near_m`` of each other: neighbours on the map or in an inset."""
    import networkx as nx
    from shapely.geometry import LineString, MultiLineString, MultiPoint

    shapes = {}
    row = {c: i for i, c in enumerate(cons["consortium"])}
    for cid in ids:
        m = trusts[(trusts["consortium"] == cid) & np.isfinite(trusts["x"]) & np.isfinite(trusts["y"])]
        pts = list(zip(m["x"], m["y"]))
        if not pts:
            continue
        hub = (cons["mx"].iloc[row[cid]], cons["my"].iloc[row[cid]])
        lines = [LineString([p, hub]) for p in pts if p != hub]
        shapes[cid] = MultiLineString(lines) if lines else MultiPoint(pts)
    graph = nx.Graph()
    graph.add_nodes_from(sorted(ids, key=natural_key))
    keys = sorted(shapes, key=natural_key)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if shapes[a].distance(shapes[b]) < near_m:
                graph.add_edge(a, b)
    return graph


def find_insets(data: PlanData, max_insets: int = 2, radius_m: float = 22_000.0,
                min_trusts: int = 6) -> list[Inset]:
    """Dense clusters of trusts (London, Manchester...) that get an enlarged inset."""
    t = data.trusts[np.isfinite(data.trusts["x"]) & np.isfinite(data.trusts["y"])]
    if len(t) < 25:
        return []
    xs, ys = t["x"].to_numpy(), t["y"].to_numpy()
    alive = np.ones(len(t), dtype=bool)
    out: list[Inset] = []
    for letter in "AB"[:max_insets]:
        best, best_n = None, 0
        for i in range(len(t)):
            if not alive[i]:
                continue
            near = alive & (np.hypot(xs - xs[i], ys - ys[i]) <= radius_m)
            n = int(near.sum())
            if n > best_n:
                best, best_n = i, n
        if best is None or best_n < min_trusts:
            break
        # the densest cluster (London) gets a tight window; the next one (the North West
        # conurbation) a wider one so neighbouring cities share one inset
        grow = 1.25 if not out else 1.75
        sel = alive & (np.hypot(xs - xs[best], ys - ys[best]) <= radius_m * grow)
        x0, x1 = xs[sel].min(), xs[sel].max()
        y0, y1 = ys[sel].min(), ys[sel].max()
        pad = 6_000.0
        x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
        alive &= ~((xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1))
        name = _place_names(data.crs, (x0, y0, x1, y1))
        if not name and "region" in t:
            name = str(t["region"].iloc[best])
        out.append(Inset(letter, name or f"Detail {letter}", (x0, y0, x1, y1)))
    return out


def _place_names(crs: str, bounds) -> str:
    """Names of the reference places inside ``bounds`` (at most two), e.g. 'Manchester & Liverpool'."""
    from pyproj import Transformer
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x0, y0, x1, y1 = bounds
    found = []
    for name, plat, plon in PLACES:
        px, py = fwd.transform(plon, plat)
        if x0 <= px <= x1 and y0 <= py <= y1:
            found.append(name)
    return " & ".join(found[:2])
