"""Seeded synthetic instances for tests and benchmarks, and the table helpers they share.

``synthetic_tables`` draws fictional trusts, rosters and demand; ``write_instance`` writes them
with a scenario YAML. The same arguments always give byte-identical files: every random draw
comes from one ``random.Random(seed)``.

The cover helpers (:func:`cover_ratios`, :func:`weekend_missing`, :func:`passes_cover`,
:func:`witness_groups`) evaluate the engine's seven-day cover rule directly on the plain rows,
so generators and tests can check an instance without building the model.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConsortiaError
from ..geo import haversine_km
from ..scenario import DAYS, WEEKEND, Planning, scenario_from_dict
from ..timing import Calendar, add_months
from ..weekend import Staff, WeekendRules, periodic_rota

__all__ = ["TRUST_COLUMNS", "ROSTER_COLUMNS", "DEMAND_COLUMNS", "SUBSPECIALTIES", "ENGLAND_BOUNDS",
           "DEFAULT_REGIONS", "BENCHMARK_SCENARIO", "format_number", "write_csv", "capacity_by_trust",
           "weekend_cover", "demand_by_trust", "cover_ratios", "weekend_missing", "passes_cover",
           "fails_weekend_alone", "windows", "witness_groups", "synthetic_tables", "write_instance"]

TRUST_COLUMNS = ("code", "name", "lat", "lon", "contract_end", "region")
ROSTER_COLUMNS = ("trust", "radiologist", "subspecialties") + DAYS
DEMAND_COLUMNS = ("trust",) + DAYS

SUBSPECIALTIES = ("neuro", "msk", "chest", "gi", "breast", "paediatric", "cardiac", "head_neck",
                  "uro_gynae", "interventional")

ENGLAND_BOUNDS = (50.3, 55.0, -5.0, 1.7)
"""(lat_min, lat_max, lon_min, lon_max) of the synthetic trusts."""

DEFAULT_REGIONS = Path(__file__).resolve().parent / "data" / "england" / "england_regions.geojson"

BENCHMARK_SCENARIO: dict[str, Any] = {
    "planning": {"periods": 12, "period_months": 3, "lead_time_months": 6,
                 "max_extension_months": 12, "max_early_exit_months": 6},
    "network": {"max_distance_km": 80.0},
    "consortium": {"max_size": 8},
    "cover": {"mode": "hard", "reports_per_session": 20.0, "min_ratio": 0.7,
              "weekend_subspecialties": ["neuro"]},
}
"""The synthetic scenario's settings before overrides (inputs, name and start are added)."""


def format_number(value: float) -> str:
    """A number as CSV text: whole numbers without decimals, others with up to 6 decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0")


def write_csv(path: Path, columns: Iterable[str], rows: list[dict]) -> None:
    """Write rows as UTF-8 CSV with "\\n" line endings; numbers go through :func:`format_number`."""
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                         else ("" if v is None else str(v)) for v in (row[c] for c in columns)])
    path.write_bytes(buffer.getvalue().encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# The cover rule on plain rows


def capacity_by_trust(rosters: list[dict], reports_per_session: float, window: int = 1) -> dict[str, list[float]]:
    """Reports each trust's radiologists can produce per day (mon..sun); on sat and sun per weekend
    of the rota's duty ``window`` (each radiologist on duty one weekend in ``rota.one_in``)."""
    out: dict[str, list[float]] = {}
    for row in rosters:
        cap = out.setdefault(row["trust"], [0.0] * 7)
        for k, day in enumerate(DAYS):
            cap[k] += float(row[day]) * reports_per_session / (window if day in WEEKEND else 1)
    return out


def weekend_holders(rosters: list[dict]) -> dict[str, dict[tuple[str, str], int]]:
    """Per trust, how many radiologists of each subspecialty have sessions on sat and on sun."""
    out: dict[str, dict[tuple[str, str], int]] = {}
    for row in rosters:
        held = out.setdefault(row["trust"], {})
        for s in filter(None, row["subspecialties"].split(";")):
            for day in WEEKEND:
                if float(row[day]) > 0:
                    held[s, day] = held.get((s, day), 0) + 1
    return out


def weekend_cover(rosters: list[dict]) -> dict[str, set[tuple[str, str]]]:
    """(subspecialty, day) pairs each trust covers on sat and sun."""
    return {trust: set(held) for trust, held in weekend_holders(rosters).items()}


def demand_by_trust(demand: list[dict]) -> dict[str, list[float]]:
    """Reports each trust needs per day (mon..sun)."""
    return {row["trust"]: [float(row[day]) for day in DAYS] for row in demand}


def cover_ratios(members: Iterable[str], capacity: dict, demand: dict) -> list[float]:
    """Pooled capacity / pooled demand per day (``inf`` when demand is zero)."""
    members = list(members)
    ratios = []
    for k in range(7):
        need = sum(demand.get(m, [0.0] * 7)[k] for m in members)
        have = sum(capacity.get(m, [0.0] * 7)[k] for m in members)
        ratios.append(math.inf if need == 0 else have / need)
    return ratios


def weekend_missing(members: Iterable[str], holders: dict, required: Iterable[str], window: int = 1) -> list[str]:
    """Required ``subspecialty@day`` pairs with fewer holders among the members than ``window``."""
    members = list(members)
    return [f"{s}@{day}" for s in required for day in WEEKEND
            if sum(holders.get(m, {}).get((s, day), 0) for m in members) < window]


def passes_cover(members: Iterable[str], capacity: dict, demand: dict, holders: dict,
                 min_ratio: float, required: Iterable[str], window: int = 1) -> bool:
    """Whether a consortium of ``members`` meets the counting rules of hard cover on all seven days
    (``capacity`` from :func:`capacity_by_trust` with the same ``window``)."""
    members = list(members)
    return (all(r >= min_ratio - 1e-9 for r in cover_ratios(members, capacity, demand))
            and not weekend_missing(members, holders, required, window))


def fails_weekend_alone(code: str, capacity: dict, demand: dict, holders: dict,
                        min_ratio: float, required: Iterable[str], window: int = 1) -> bool:
    """Whether a trust on its own misses the ratio on sat or sun or a required weekend subspecialty."""
    ratios = cover_ratios([code], capacity, demand)
    return (any(ratios[DAYS.index(d)] < min_ratio - 1e-9 for d in WEEKEND)
            or bool(weekend_missing([code], holders, required, window)))


def rota_staff(rosters: list[dict]) -> dict[str, list[Staff]]:
    """Each trust's radiologists with weekend sessions, as the weekend rota reads them."""
    out: dict[str, list[Staff]] = {}
    for row in rosters:
        if float(row["sat"]) > 0 or float(row["sun"]) > 0:
            out.setdefault(row["trust"], []).append(
                Staff(row["trust"], row["radiologist"], tuple(sorted(filter(None, row["subspecialties"].split(";")))),
                      (float(row["sat"]), float(row["sun"]))))
    return out


def windows(trusts: list[dict], planning: Planning) -> dict[str, set[int]]:
    """Go-live periods each trust may use under ``planning``."""
    calendar = Calendar(planning)
    return {t["code"]: set(calendar.window(dt.date.fromisoformat(t["contract_end"]))) for t in trusts}


def witness_groups(trusts: list[dict], rosters: list[dict], demand: list[dict], *,
                   planning: Planning, max_distance_km: float, max_size: int,
                   reports_per_session: float, min_ratio: float,
                   weekend_subspecialties: Iterable[str],
                   rota: WeekendRules | None = None) -> tuple[list[list[str]], list[str]]:
    """A greedy partition meeting hard cover, clique distance, size and shared go-live windows,
    and, with ``rota``, a weekend rota for every group (a periodic one, which is enough to prove
    that a rota exists: :func:`consortia.weekend.periodic_rota`).

    Returns ``(groups, orphans)``: every trust that passes cover alone is a group of one or a
    member of a larger group; ``orphans`` are trusts the greedy pass could place nowhere. An
    empty ``orphans`` proves a hard-cover plan exists when the market capacity is unlimited.
    """
    required = list(weekend_subspecialties)
    window = rota.window if rota is not None else 1
    capacity = capacity_by_trust(rosters, reports_per_session, window)
    need = demand_by_trust(demand)
    holders = weekend_holders(rosters)
    staff = rota_staff(rosters)
    window_of = windows(trusts, planning)
    where = {t["code"]: (float(t["lat"]), float(t["lon"])) for t in trusts}
    codes = sorted(where)

    def dist(a: str, b: str) -> float:
        return haversine_km(*where[a], *where[b])

    def rostered(group: list[str]) -> bool:
        if rota is None:
            return True
        team = [s for m in group for s in staff.get(m, [])]
        weekend = {m: (need.get(m, [0.0] * 7)[5], need.get(m, [0.0] * 7)[6]) for m in group}
        return periodic_rota(team, weekend, rota) is not None

    def ok(group: list[str]) -> bool:
        return (bool(set.intersection(*(window_of[m] for m in group)))
                and passes_cover(group, capacity, need, holders, min_ratio, required, window)
                and rostered(group))

    def surplus(code: str) -> float:
        return min(capacity.get(code, [0.0] * 7)[k] - min_ratio * need.get(code, [0.0] * 7)[k]
                   for k in (5, 6))

    unplaced = {c for c in codes if not ok([c])}
    groups: list[list[str]] = []
    used: set[str] = set()
    for hub in sorted(codes, key=lambda c: (c in unplaced, -surplus(c), c)):
        if hub in used:
            continue
        group = [hub]
        for cand in sorted(unplaced - used - {hub}, key=lambda c: (dist(hub, c), c)):
            if len(group) >= max_size:
                break
            if all(dist(cand, m) <= max_distance_km for m in group) and ok(group + [cand]):
                group.append(cand)
        if ok(group):
            groups.append(group)
            used.update(group)
    orphans = sorted(unplaced - used)
    return groups, orphans


# ---------------------------------------------------------------------------------------------
# Synthetic instances


def _load_regions(path: Path | None):
    if path is None or not Path(path).is_file():
        return None
    from shapely.geometry import shape
    from shapely.prepared import prep
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    return [(f["properties"]["name"], prep(shape(f["geometry"])))
            for f in sorted(features, key=lambda f: f["properties"]["name"])]


def _band_region(lat: float, lon: float) -> str:
    if lat >= 53.3:
        return "North"
    if lat >= 52.0:
        return "Midlands"
    return "South East" if lon >= -1.0 else "South West"


def _place(rng: random.Random, regions) -> tuple[float, float, str]:
    lat_min, lat_max, lon_min, lon_max = ENGLAND_BOUNDS
    while True:
        lat = round(rng.uniform(lat_min, lat_max), 5)
        lon = round(rng.uniform(lon_min, lon_max), 5)
        if regions is None:
            return lat, lon, _band_region(lat, lon)
        from shapely.geometry import Point
        point = Point(lon, lat)
        for name, polygon in regions:
            if polygon.contains(point):
                return lat, lon, name


def _contract_ends(rng: random.Random, n: int, start: dt.date, periods: int,
                   period_months: int) -> list[dt.date]:
    """Contract ends in a few waves, each a quarter end, inside the go-live horizon."""
    horizon = periods * period_months
    waves = sorted({rng.randrange(6, max(7, horizon - 2), 3) for _ in range(max(2, n // 15))})
    ends = []
    for _ in range(n):
        month = rng.choice(waves) + rng.choice((-3, 0, 0, 0, 3))
        month = min(max(month, 6), horizon - 1)
        ends.append(add_months(start, month) - dt.timedelta(days=1))
    return ends


WEEKEND_SHARE = 0.25
"""Weekend-day demand as a share of weekday demand (synthetic instances)."""
DUTY_WINDOW = 8
"""Weekend duty one weekend in this many (the default ``rota.one_in``); hubs hold this many
weekend neuroradiologists, so a consortium with a hub can staff neuro every weekend."""


def _roster(rng: random.Random, code: str, size: float, hub: bool, subspecialties: tuple[str, ...]) -> list[dict]:
    """One trust's radiologists. A roster's sat/sun value is what a radiologist gives that day
    when on weekend duty (one weekend in ``rota.one_in``): a hub puts everyone on its weekend
    rota with 3 sessions a duty day, other trusts most of their radiologists with 2."""
    n = max(2, round(size))
    others = [s for s in subspecialties if s != "neuro"]
    rows = []
    for k in range(n):
        subs = []
        if rng.random() < 0.4 + 0.4 * hub:
            subs.append(rng.choice(others))
        on_rota = hub or rng.random() < 0.8
        duty = float(3 if hub else 2) if on_rota else 0.0
        rows.append({"trust": code, "radiologist": f"{code}-R{k + 1:02d}", "subs": subs,
                     "days": [float(rng.choice((1, 1, 1, 2))) for _ in range(5)] + [duty, duty]})
    if hub and "neuro" in subspecialties:
        for row in rows[:DUTY_WINDOW]:
            row["subs"] = ["neuro"]
    for row in rows:
        row["subspecialties"] = ";".join(sorted(set(row.pop("subs"))))
        for k, day in enumerate(DAYS):
            row[day] = row["days"][k]
        del row["days"]
    return rows


def synthetic_tables(n_trusts: int, seed: int, *, start: dt.date = dt.date(2013, 1, 1),
                     periods: int = 12, period_months: int = 3,
                     subspecialties: tuple[str, ...] = SUBSPECIALTIES,
                     regions: Path | None = DEFAULT_REGIONS) -> dict[str, list[dict]]:
    """Fictional trusts, rosters and demand as plain rows with the README's columns.

    Trusts are placed uniformly on land inside England (rejection-sampled against the region
    polygons in ``regions``; without that file, inside a bounding box with coarse latitude-band
    regions). About one trust in four is a "hub" with weekend surplus and weekend neuro cover;
    the others have thin weekend rotas. Contract ends come in a few clustered waves.
    """
    if not isinstance(n_trusts, int) or n_trusts < 2:
        raise ConsortiaError(f"n_trusts must be a whole number >= 2, got {n_trusts!r}")
    if periods < 1 or period_months < 1:
        raise ConsortiaError("periods and period_months must be >= 1")
    if not subspecialties:
        raise ConsortiaError("subspecialties must not be empty")
    rng = random.Random(seed)
    polygons = _load_regions(regions)
    ends = _contract_ends(rng, n_trusts, start, periods, period_months)
    trusts, rosters, demand = [], [], []
    for i in range(n_trusts):
        code = f"T{i + 1:03d}"
        lat, lon, region = _place(rng, polygons)
        hub = rng.random() < 0.25
        size = rng.lognormvariate(math.log(30 if hub else 15), 0.3)
        weekday = round(size * rng.uniform(18, 22), 1)
        weekend = round(weekday * WEEKEND_SHARE, 1)
        trusts.append({"code": code, "name": f"Fictional Trust {i + 1:03d} (synthetic)",
                       "lat": lat, "lon": lon, "contract_end": ends[i].isoformat(), "region": region})
        demand.append({"trust": code, **{d: weekday for d in DAYS[:5]}, "sat": weekend, "sun": weekend})
        rosters.extend(_roster(rng, code, size, hub, tuple(subspecialties)))
    return {"trusts": trusts, "rosters": rosters, "demand": demand}


def _apply_overrides(data: dict, overrides: dict) -> dict:
    for key, value in overrides.items():
        if isinstance(value, dict) and "." not in key and isinstance(data.get(key), dict):
            data[key] = _apply_overrides(data[key], value)
            continue
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConsortiaError(f"cannot override '{key}': '{part}' is not a section", key=key)
        node[parts[-1]] = value
    return data


def _repair(tables: dict, scenario) -> None:
    """Give orphan trusts (no group can cover them) a weekend rota of their own: every radiologist
    on it with the required subspecialties and enough sessions, and locum rows up to the duty
    window where the trust has fewer radiologists."""
    cover = scenario.cover
    rules = WeekendRules.of(scenario) if scenario.rota.required else None
    window = rules.window if rules else 1
    _, orphans = witness_groups(
        tables["trusts"], tables["rosters"], tables["demand"], planning=scenario.planning,
        max_distance_km=scenario.network.max_distance_km, max_size=scenario.consortium.max_size,
        reports_per_session=cover.reports_per_session, min_ratio=cover.min_ratio,
        weekend_subspecialties=cover.weekend_subspecialties, rota=rules)
    need = demand_by_trust(tables["demand"])
    for code in orphans:
        rows = [r for r in tables["rosters"] if r["trust"] == code]
        while len(rows) < window:
            locum = {"trust": code, "radiologist": f"{code}-L{len(rows) + 1:02d}", "subspecialties": "",
                     **{day: 0.0 for day in DAYS}}
            tables["rosters"].append(locum)
            rows.append(locum)
        for row in rows:
            subs = set(filter(None, row["subspecialties"].split(";"))) | set(cover.weekend_subspecialties)
            row["subspecialties"] = ";".join(sorted(subs))
        for k, day in enumerate(DAYS):
            sessions = math.ceil(cover.min_ratio * need[code][k] / cover.reports_per_session - 1e-9)
            if day in WEEKEND:
                each = max(1.0, float(sessions))  # one radiologist on duty covers a weekend day
                for row in rows:
                    row[day] = max(row[day], each)
            else:
                rows[0][day] += max(0.0, sessions - sum(r[day] for r in rows))


SYNTHETIC_FILES = ("trusts.csv", "rosters.csv", "demand.csv", "scenario.yaml")
"""The files :func:`write_instance` writes into its folder."""
MAX_TRUSTS = 5000
"""Most trusts of a synthetic instance (England has about 130 acute trusts)."""


def write_instance(folder: str | Path, n_trusts: int, seed: int, **scenario_overrides: Any) -> Path:
    """Write a synthetic instance (three CSVs and ``scenario.yaml``) into ``folder``.

    The scenario starts from :data:`BENCHMARK_SCENARIO` (80 km, at most 8 trusts, 12 quarterly
    periods from 2013-01-01, hard cover). Overrides are dotted keys, passed as keyword arguments
    through a dict, e.g. ``write_instance(d, 30, 1, **{"network.max_distance_km": 60})``, or as
    nested dicts, e.g. ``cover={"mode": "soft"}``. ``planning.start``, ``planning.periods`` and
    ``planning.period_months`` also shape the contract ends. Trusts that no neighbour group can
    cover under the final settings get a self-sufficient rota, so a hard-cover plan exists
    whenever the market capacity is unlimited. Returns the scenario path.
    """
    settings = json.loads(json.dumps(BENCHMARK_SCENARIO))
    settings["planning"]["start"] = "2013-01-01"
    settings = _apply_overrides(settings, scenario_overrides)
    data = {"name": f"synthetic-{n_trusts}-{seed}",
            "description": f"Synthetic instance: {n_trusts} fictional trusts, seed {seed}.",
            "synthetic": True,
            "attribution": "Synthetic data generated by consortia.synth; no real trust is described.",
            "inputs": {"trusts": "trusts.csv", "rosters": "rosters.csv", "demand": "demand.csv"},
            **settings}
    scenario = scenario_from_dict(json.loads(json.dumps(data, default=str)), file="scenario overrides")
    planning = scenario.planning
    tables = synthetic_tables(n_trusts, seed, start=planning.start, periods=planning.periods,
                              period_months=planning.period_months)
    _repair(tables, scenario)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "trusts.csv", TRUST_COLUMNS, tables["trusts"])
    write_csv(folder / "rosters.csv", ROSTER_COLUMNS, tables["rosters"])
    write_csv(folder / "demand.csv", DEMAND_COLUMNS, tables["demand"])
    path = folder / "scenario.yaml"
    text = yaml.safe_dump(json.loads(json.dumps(data, default=str)), sort_keys=False,
                          allow_unicode=True, width=100)
    path.write_bytes(("# Synthetic benchmark instance written by consortia.synth.write_instance.\n"
                      + text).encode("utf-8"))
    return path
