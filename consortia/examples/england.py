"""The England example: 134 real acute trusts with synthetic contract ends, rosters and demand.

Locations, names, regions, ICBs and the specialist flag are real (``data/england/`` beside this
module, linked from ``inputs/england/source/``).
Contract end dates, rosters and demand are synthetic, drawn from one seed and calibrated on the
published facts listed in ``inputs/england/README.md``. :func:`generate_england` writes the
whole example folder; the same seed always gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConsortiaError
from ..geo import haversine_km
from ..scenario import DAYS, WEEKEND, Costs, load_scenario
from ..timing import Calendar
from ..weekend import WeekendRules
from .synth import (
    DEMAND_COLUMNS,
    ROSTER_COLUMNS,
    SUBSPECIALTIES,
    capacity_by_trust,
    cover_ratios,
    demand_by_trust,
    fails_weekend_alone,
    weekend_holders,
    weekend_missing,
    windows,
    witness_groups,
    write_csv,
)

__all__ = ["SOURCE_DIR", "RCR_2018_HEADCOUNT", "RCR_2018_WTE", "RCR_2018_EMPLOYERS", "TESTS_2010_11",
           "TESTS_2010_11_TOTAL", "TESTS_2023_TOTAL", "ERA_YEAR", "RADIOLOGIST_REPORTED", "WEEKEND_SHARE",
           "REPORTS_PER_SESSION", "MIN_RATIO", "MAX_DISTANCE_KM", "MAX_SIZE", "PLAN_MAX_SIZE",
           "WEEKEND_SUBSPECIALTIES", "WEEKEND_ONE_IN", "DUTY_SESSIONS", "HUB_ROTA_SHARE", "DGH_ROTA_SHARE",
           "ROTA_RULES", "SUBSPECIALTY_WEIGHTS", "NEUROSCIENCE_CENTRES",
           "SPECIALIST_FOCUS", "EAST_MIDLANDS_ICBS", "AREA_OVERRIDES", "EXIT_2013_AREAS", "EXTEND_2014_AREAS",
           "TRUST_COLUMNS", "Settings", "npfit_area", "interim_deal_months", "contract_end", "read_source",
           "size_proxy", "apportion", "weekday_demand_total", "england_tables", "cover_summary", "market_summary",
           "MARKET_CAPACITY", "ATTRIBUTION_NOTE", "combined_credit", "generate_england", "scenario_text",
           "readme_text"]

SOURCE_DIR = Path(__file__).resolve().parent / "data" / "england"

# --- calibration facts (cited in inputs/england/README.md) -----------------------------------
RCR_2018_HEADCOUNT = 3927
"""Consultant radiologists counted by the RCR 2018 census."""
RCR_2018_WTE = 3622
RCR_2018_EMPLOYERS = 172
TESTS_2010_11 = {"xray": 22.2e6, "ct": 4.0e6, "mri": 2.1e6, "ultrasound": 8.6e6}
TESTS_2010_11_TOTAL = 38.8e6
TESTS_2023_TOTAL = 46.0e6

# --- modelling choices (documented in inputs/england/README.md) ------------------------------
ERA_YEAR = 2013
"""Demand is scaled from 2010/11 to this year by compound growth towards the 2023 total."""
RADIOLOGIST_REPORTED = {"xray": 0.65, "ct": 1.0, "mri": 1.0, "ultrasound": 0.15, "other": 0.5}
"""Share of each modality's tests that need a radiologist's report."""
WEEKEND_SHARE = 0.30
"""Default weekend-day demand as a share of weekday demand."""
REPORTS_PER_SESSION = 22.0
MIN_RATIO = 0.7
MAX_DISTANCE_KM = 90.0
MAX_SIZE = 8
"""Largest group of the generator's witness plan (it calibrates hubs and the market capacity)."""
PLAN_MAX_SIZE = 11
"""Largest consortium of the plan: the Cheshire and Merseyside PACS consortium of 2012 had 11
trusts, the largest published (inputs/england/README.md, "Costs")."""
WEEKEND_SUBSPECIALTIES = ("neuro",)
WEEKEND_ONE_IN = 8
"""A consultant radiologist is on weekend duty one weekend in this many (NHS Health Careers:
"often between one in seven and one in eight"); the scenario's ``rota.one_in``."""
DUTY_SESSIONS = 3
"""Sessions a radiologist on weekend duty gives on each weekend day (assumption)."""
HUB_ROTA_SHARE = 0.9
"""Share of a hub trust's radiologists on its weekend rota (assumption)."""
DGH_ROTA_SHARE = (0.6, 0.85)
"""Range of the share of another trust's radiologists on its weekend rota (assumption)."""
SUBSPECIALTY_WEIGHTS = {"msk": 16, "chest": 14, "gi": 16, "breast": 12, "neuro": 8,
                        "paediatric": 6, "cardiac": 5, "head_neck": 6, "uro_gynae": 7,
                        "interventional": 10}

NEUROSCIENCE_CENTRES = ("R1H", "RF4", "RGT", "RHM", "RHQ", "RJ7", "RJE", "RJZ", "RK9", "RKB",
                        "RM3", "RR8", "RRK", "RRV", "RTD", "RTH", "RTR", "RVJ", "RWA", "RX1",
                        "RXN", "RYJ", "RYR", "RET")
"""Trusts hosting a regional neurosurgical unit (general knowledge, approximate): they run
weekend neuroradiology. RET (The Walton Centre) is the specialist neuroscience trust."""

SPECIALIST_FOCUS = {
    "RAN": ("msk",), "RBQ": ("cardiac", "chest"), "RBS": ("paediatric",),
    "RBV": ("chest", "gi", "uro_gynae"), "RCU": ("paediatric",), "REN": ("chest", "gi"),
    "REP": ("uro_gynae",), "RET": ("neuro",), "RGM": ("cardiac", "chest"), "RL1": ("msk",),
    "RP4": ("paediatric",), "RP6": ("head_neck",), "RPC": ("head_neck", "msk"),
    "RPY": ("chest", "gi", "breast", "uro_gynae"), "RQ3": ("paediatric", "uro_gynae"),
    "RRJ": ("msk",)}
"""The subspecialties of each specialist trust's radiologists, from the trust's specialty."""

EAST_MIDLANDS_ICBS = ("QJ2", "QJM", "QK1", "QPM", "QT1")
"""Midlands-region ICBs that lie in the former East Midlands (Derbyshire, Lincolnshire,
Leicestershire, Northamptonshire, Nottinghamshire); the others are the former West Midlands."""
AREA_OVERRIDES = {"RNN": "North West", "RD8": "South"}
"""North Cumbria was in the North West in 2013; Milton Keynes was in NHS South Central."""
EXIT_2013_AREAS = ("South", "North West", "West Midlands")
EXTEND_2014_AREAS = ("North East", "Yorkshire and the Humber", "East of England", "East Midlands")

TRUST_COLUMNS = ("code", "name", "lat", "lon", "contract_end", "region", "icb", "trust_type",
                 "npfit_area", "contract_basis", "synthetic_fields")


@dataclass(frozen=True)
class Settings:
    """The scenario settings the England tables are generated for."""

    start: dt.date = dt.date(2013, 1, 1)
    periods: int = 20
    period_months: int = 3
    lead_time_months: int = 6
    max_extension_months: int = 12
    max_early_exit_months: int = 6


def npfit_area(row: dict) -> str:
    """The 2013 national-programme area of a trust, from its 2024 region and ICB."""
    code, region = row["ods_code"], row["nhs_region"]
    if code in AREA_OVERRIDES:
        return AREA_OVERRIDES[code]
    if region == "London":
        return "London"
    if region in ("South East", "South West"):
        return "South"
    if region == "Midlands":
        return "East Midlands" if row["icb_ods_code"] in EAST_MIDLANDS_ICBS else "West Midlands"
    if region == "North East and Yorkshire":
        return "North East" if row["icb_ods_code"] == "QHM" else "Yorkshire and the Humber"
    return region


def _weighted(rng: random.Random, choices: dict):
    keys = sorted(choices)
    return rng.choices(keys, weights=[choices[k] for k in keys])[0]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def interim_deal_months(rng: random.Random) -> int:
    """Length of an interim local deal signed on leaving the national contract in mid-2013."""
    return _weighted(rng, {24: 3, 36: 4, 48: 3}) - (3 if rng.random() < 0.25 else 0)


def contract_end(rng: random.Random, area: str, icb_deal_months: int) -> tuple[dt.date, str]:
    """A synthetic current contract end and the basis it stands on (see the README)."""
    draw = rng.random()
    if area in EXIT_2013_AREAS:
        if draw < 0.8:
            months = icb_deal_months if rng.random() < 0.9 else interim_deal_months(rng)
            return _month_end(2013, 6 + months), f"interim deal from 2013-07-01 ({months} months)"
        year = 2014 if rng.random() < 0.5 else 2015
        return _month_end(year, 6), "stayed on national contract, extended"
    if area in EXTEND_2014_AREAS:
        if draw < 0.8:
            return _month_end(2014, 6), "national contract extended to June 2014"
        return _month_end(2015, 6), "national contract extended beyond June 2014"
    if draw < 0.3:
        return _month_end(2013, 12 if rng.random() < 0.5 else 15), "London phase 1: early exit"
    if draw < 0.7:
        return _month_end(2014, 6), "London phase 2: exit at expiry"
    year = 2015 if rng.random() < 0.7 else 2016
    return _month_end(year, 6), "London phase 3: continuation of service"


def read_source(source_dir: Path) -> list[dict]:
    """The real trusts, sorted by ODS code."""
    path = Path(source_dir) / "england_acute_trusts.csv"
    if not path.is_file():
        raise ConsortiaError("source file not found", file=str(path))
    with path.open(encoding="utf-8", newline="") as f:
        return sorted(csv.DictReader(f), key=lambda r: r["ods_code"])


def size_proxy(row: dict, noise: float) -> float:
    """Relative trust size: specialist 0.3, teaching/university x1.4, neuroscience centre x1.4."""
    if row["trust_type"] == "acute_specialist":
        base = 0.3
    else:
        base = 1.0
        if "University" in row["name"] or "Teaching" in row["name"]:
            base *= 1.4
    if row["ods_code"] in NEUROSCIENCE_CENTRES:
        base *= 1.4
    return base * noise


def apportion(total: int, weights: dict[str, float], minimum: int) -> dict[str, int]:
    """Whole numbers >= ``minimum`` summing to ``total``, proportional to ``weights``."""
    codes = sorted(weights)
    spare = total - minimum * len(codes)
    if spare < 0:
        raise ConsortiaError(f"cannot give {len(codes)} trusts {minimum} each from {total}")
    scale = spare / sum(weights.values())
    quota = {c: weights[c] * scale for c in codes}
    out = {c: minimum + math.floor(quota[c]) for c in codes}
    left = total - sum(out.values())
    for c in sorted(codes, key=lambda c: (-(quota[c] - math.floor(quota[c])), c))[:left]:
        out[c] += 1
    return out


def weekday_demand_total(weekend_share: float, year: int = ERA_YEAR) -> float:
    """England's radiologist reports per weekday in ``year``, from the published test counts."""
    other = TESTS_2010_11_TOTAL - sum(TESTS_2010_11.values())
    reported = sum(TESTS_2010_11[m] * RADIOLOGIST_REPORTED[m] for m in TESTS_2010_11)
    reported += other * RADIOLOGIST_REPORTED["other"]
    growth = (TESTS_2023_TOTAL / TESTS_2010_11_TOTAL) ** ((year - 2010.5) / (2023 - 2010.5))
    per_week = reported * growth * 7 / 365.25
    return per_week / (5 + 2 * weekend_share)


def _roster(seed: int, row: dict, n: int, hub: bool) -> list[dict]:
    """One trust's radiologists. A roster's sat/sun value is what a radiologist on the weekend rota
    gives that day when on duty (one weekend in ``WEEKEND_ONE_IN``); a hub puts more of its
    radiologists on the rota and enough neuroradiologists for weekend neuroradiology."""
    code = row["ods_code"]
    rng = random.Random(f"{seed}:roster:{code}")
    specialist = row["trust_type"] == "acute_specialist"
    focus = SPECIALIST_FOCUS.get(code, ())
    weights = dict(SUBSPECIALTY_WEIGHTS)
    if code not in NEUROSCIENCE_CENTRES:
        weights["neuro"] = 2
    p_sub = min(0.9, 0.35 + 0.012 * n)
    rows = []
    for k in range(n):
        subs = set()
        if specialist and focus and rng.random() < 0.9:
            subs.add(rng.choice(focus))
        elif rng.random() < p_sub:
            subs.add(_weighted(rng, weights))
            if rng.random() < 0.15:
                subs.add(_weighted(rng, weights))
        weekly = 3 if rng.random() < 0.15 else rng.choice((5, 6))
        days = [1.0] * 5
        for d in rng.sample(range(5), weekly - 5) if weekly > 5 else []:
            days[d] += 1
        for d in rng.sample(range(5), 5 - weekly) if weekly < 5 else []:
            days[d] = 0.0
        rows.append({"trust": code, "radiologist": f"{code}-R{k + 1:03d}", "subs": subs,
                     "days": days + [0.0, 0.0]})
    share = HUB_ROTA_SHARE if hub else rng.uniform(*DGH_ROTA_SHARE)
    on_rota = rng.sample(rows, max(1, min(n, round(share * n))))
    if hub:
        # a hub's weekend neuroradiology: enough neuroradiologists on the rota for one every weekend
        for r in [r for r in rows if "neuro" in r["subs"] and r not in on_rota]:
            on_rota.append(r)
        for r in on_rota:
            if sum("neuro" in x["subs"] for x in on_rota) >= WEEKEND_ONE_IN:
                break
            r["subs"].add("neuro")
    for r in on_rota:
        r["days"][5] = r["days"][6] = float(DUTY_SESSIONS)
    for r in rows:
        r["subspecialties"] = ";".join(sorted(r.pop("subs")))
        r.update(zip(DAYS, r.pop("days")))
    return rows


def england_tables(seed: int = 2013, *, weekend_share: float = WEEKEND_SHARE,
                   source_dir: Path = SOURCE_DIR, settings: Settings = Settings()) -> dict:
    """The England trusts, rosters and demand rows, plus the generation notes for the README."""
    if not 0 < weekend_share <= 1:
        raise ConsortiaError(f"weekend_share must be in (0, 1], got {weekend_share!r}")
    source = read_source(source_dir)
    rng = random.Random(seed)
    icb_deal = {icb: interim_deal_months(rng)
                for icb in sorted({r["icb_ods_code"] for r in source})}
    trusts, size, share = [], {}, {}
    for row in source:
        code = row["ods_code"]
        area = npfit_area(row)
        end, basis = contract_end(rng, area, icb_deal[row["icb_ods_code"]])
        size[code] = size_proxy(row, rng.lognormvariate(0.0, 0.35))
        share[code] = size[code] * rng.lognormvariate(0.0, 0.08)
        trusts.append({"code": code, "name": row["name"], "lat": float(row["lat"]),
                       "lon": float(row["lon"]), "contract_end": end.isoformat(),
                       "region": row["nhs_region"], "icb": row["icb_ods_code"],
                       "trust_type": row["trust_type"], "npfit_area": area,
                       "contract_basis": basis, "synthetic_fields": "contract_end"})
    headcount = round(RCR_2018_HEADCOUNT * len(source) / RCR_2018_EMPLOYERS)
    radiologists = apportion(headcount, size, minimum=3)
    weekday_total = weekday_demand_total(weekend_share)
    total_share = sum(share.values())
    demand = []
    for t in trusts:
        weekday = round(weekday_total * share[t["code"]] / total_share, 1)
        weekend = round(weekday * weekend_share, 1)
        demand.append({"trust": t["code"], **{d: weekday for d in DAYS[:5]},
                       **{d: weekend for d in WEEKEND}})
    by_code = {r["ods_code"]: r for r in source}
    hubs = set(NEUROSCIENCE_CENTRES)

    def rosters_for(hub_set: set[str]) -> list[dict]:
        return [r for code in sorted(by_code)
                for r in _roster(seed, by_code[code], radiologists[code], code in hub_set)]

    rosters = rosters_for(hubs)
    planning = _planning(settings)
    window = windows(trusts, planning)
    promoted = []
    orphans = _witness(trusts, rosters, demand, planning)[1]
    while orphans:
        pick = _hub_for(orphans, trusts, hubs, window, radiologists)
        if pick is None:
            break
        hubs.add(pick)
        promoted.append(pick)
        rosters = rosters_for(hubs)
        orphans = _witness(trusts, rosters, demand, planning)[1]
    self_sufficient = list(orphans)
    if orphans:
        _make_self_sufficient(rosters, demand, orphans)
        orphans = _witness(trusts, rosters, demand, planning)[1]
    return {"trusts": trusts, "rosters": rosters, "demand": demand,
            "notes": {"headcount": headcount, "weekday_total": weekday_total,
                      "promoted_hubs": promoted, "hubs": sorted(hubs),
                      "self_sufficient": self_sufficient,
                      "orphans": orphans}}


def _hub_for(orphans: list[str], trusts: list[dict], hubs: set[str], window: dict,
             radiologists: dict[str, int]) -> str | None:
    """The largest non-hub trust within range of the first orphan it can serve, sharing its window."""
    where = {t["code"]: (t["lat"], t["lon"]) for t in trusts}
    for orphan in orphans:
        near = [c for c in sorted(where) if c not in hubs and window[c] & window[orphan]
                and haversine_km(*where[orphan], *where[c]) <= MAX_DISTANCE_KM]
        if near:
            return max(near, key=lambda c: (radiologists[c], c))
    return None


def _make_self_sufficient(rosters: list[dict], demand: list[dict], codes: list[str]) -> None:
    """Give each trust a weekend rota of its own: every radiologist on it, with the weekend
    subspecialties on the first ``WEEKEND_ONE_IN``, and weekday sessions topped up to the rule."""
    need = {d["trust"]: d for d in demand}
    for code in codes:
        rows = [r for r in rosters if r["trust"] == code]
        for r in rows[:WEEKEND_ONE_IN]:
            r["subspecialties"] = ";".join(sorted(set(filter(None, r["subspecialties"].split(";")))
                                                  | set(WEEKEND_SUBSPECIALTIES)))
        for day in DAYS:
            sessions = math.ceil(MIN_RATIO * need[code][day] / REPORTS_PER_SESSION - 1e-9)
            if day in WEEKEND:
                each = max(float(DUTY_SESSIONS), float(math.ceil(sessions * WEEKEND_ONE_IN / len(rows))))
                for r in rows:
                    r[day] = max(r[day], each)
                continue
            short = sessions - sum(r[day] for r in rows)
            for r in rows:
                if short <= 0:
                    break
                r[day] += 1.0
                short -= 1


def _planning(settings: Settings):
    from ..scenario import Planning
    return Planning(start=settings.start, periods=settings.periods,
                    period_months=settings.period_months, lead_time_months=settings.lead_time_months,
                    max_extension_months=settings.max_extension_months,
                    max_early_exit_months=settings.max_early_exit_months)


ROTA_RULES = WeekendRules(weeks=8, one_in=WEEKEND_ONE_IN, tolerance=0.1, reports_per_session=REPORTS_PER_SESSION,
                          min_ratio=MIN_RATIO, weekend_subspecialties=WEEKEND_SUBSPECIALTIES)
"""The weekend rota the England scenario holds its consortia to (its ``rota`` and ``cover`` keys)."""


def _witness(trusts, rosters, demand, planning):
    return witness_groups(trusts, rosters, demand, planning=planning,
                          max_distance_km=MAX_DISTANCE_KM, max_size=MAX_SIZE,
                          reports_per_session=REPORTS_PER_SESSION, min_ratio=MIN_RATIO,
                          weekend_subspecialties=WEEKEND_SUBSPECIALTIES, rota=ROTA_RULES)


def cover_summary(trusts: list[dict], rosters: list[dict], demand: list[dict], *,
                  max_distance_km: float = MAX_DISTANCE_KM, min_ratio: float = MIN_RATIO,
                  reports_per_session: float = REPORTS_PER_SESSION,
                  required=WEEKEND_SUBSPECIALTIES, window: int = WEEKEND_ONE_IN) -> dict:
    """How many trusts fail weekend cover alone, and pooled with all neighbours within range
    (weekend capacity per weekend of the one-in-``window`` rota)."""
    capacity = capacity_by_trust(rosters, reports_per_session, window)
    need = demand_by_trust(demand)
    holders = weekend_holders(rosters)
    alone_fail = [t["code"] for t in trusts
                  if fails_weekend_alone(t["code"], capacity, need, holders, min_ratio, required, window)]
    pooled_fail = []
    for t in trusts:
        pool = [u["code"] for u in trusts
                if haversine_km(t["lat"], t["lon"], u["lat"], u["lon"]) <= max_distance_km]
        ratios = cover_ratios(pool, capacity, need)
        if (any(ratios[DAYS.index(d)] < min_ratio - 1e-9 for d in WEEKEND)
                or weekend_missing(pool, holders, required, window)):
            pooled_fail.append(t["code"])
    alone_ratio = [cover_ratios([t["code"]], capacity, need) for t in trusts]
    return {"n": len(trusts), "alone_fail": alone_fail, "pooled_fail": pooled_fail,
            "alone_missing_neuro": sum(1 for t in trusts if weekend_missing([t["code"]], holders, ("neuro",), window)),
            "alone_low_weekend": sum(1 for r in alone_ratio if min(r[5], r[6]) < min_ratio - 1e-9),
            "alone_low_weekday": sum(1 for r in alone_ratio if min(r[:5]) < min_ratio - 1e-9),
            "weekday_ratio": sum(capacity[c][0] for c in capacity) / sum(need[c][0] for c in need),
            "weekend_ratio": sum(capacity[c][5] for c in capacity) / sum(need[c][5] for c in need),
            "on_rota": sum(1 for r in rosters if float(r["sat"]) > 0) / len(rosters)}


def market_summary(trusts: list[dict], groups: list[list[str]], planning) -> dict:
    """Procurements per go-to-market period when each group goes live nearest its members'
    contract ends, and the least capacity at which the groups can still all be scheduled."""
    calendar = Calendar(planning)
    ends = {t["code"]: dt.date.fromisoformat(t["contract_end"]) for t in trusts}
    jobs = []
    for g in groups:
        common = sorted(set.intersection(*(set(calendar.window(ends[m])) for m in g)))
        best = min(common, key=lambda p: (sum(calendar.misalignment(ends[m], p) for m in g), p))
        jobs.append((common, best))
    natural: dict[int, int] = {}
    for _, best in jobs:
        natural[calendar.market_period(best)] = natural.get(calendar.market_period(best), 0) + 1

    def schedulable(cap: int) -> bool:
        load: dict[int, int] = {}
        for common, _ in sorted(jobs, key=lambda j: (j[0][-1], j[0][0])):
            free = [p for p in common if load.get(calendar.market_period(p), 0) < cap]
            if not free:
                return False
            load[calendar.market_period(free[0])] = load.get(calendar.market_period(free[0]), 0) + 1
        return True

    least = next(c for c in range(1, len(jobs) + 1) if schedulable(c))
    return {"procurements": len(jobs), "natural_peak": max(natural.values()),
            "natural": dict(sorted(natural.items())), "least_capacity": least}


MARKET_CAPACITY = 4
"""Most procurements per quarter; below the natural peak, so the 2014 wave must be spread."""

ATTRIBUTION_NOTE = ("Contract end dates, radiologist rosters and reporting demand are synthetic "
                    "(consortia.england, seed {seed}); trust names, locations, regions, ICBs and "
                    "the specialist flag are real.")


def combined_credit(source_dir: Path) -> str:
    """The combined OGL credit line quoted in the source's SOURCES.md."""
    text = (Path(source_dir) / "SOURCES.md").read_text(encoding="utf-8")
    lines = text.split("For a combined credit line, this covers all of them:", 1)[1].splitlines()
    quote = []
    for line in lines:
        if line.startswith(">"):
            quote.append(line.lstrip("> ").strip())
        elif quote:
            break
    return " ".join(quote)


ENGLAND_FILES = ("trusts.csv", "rosters.csv", "demand.csv", "regions.geojson", "scenario.yaml", "README.md")
"""The files :func:`generate_england` writes into its folder."""


def generate_england(out_dir: Path, seed: int = 2013, *, weekend_share: float = WEEKEND_SHARE,
                     source_dir: Path = SOURCE_DIR) -> list[Path]:
    """Write the England example folder and return the files written.

    Files: ``trusts.csv``, ``rosters.csv``, ``demand.csv`` (synthetic contract ends, rosters
    and demand on the real trusts), ``regions.geojson`` (the real boundaries),
    ``scenario.yaml`` and ``README.md``. Raises :class:`ConsortiaError` for bad arguments.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConsortiaError(f"seed must be a whole number, got {seed!r}")
    source_dir = Path(source_dir)
    regions = source_dir / "england_regions.geojson"
    if not regions.is_file():
        raise ConsortiaError("source file not found", file=str(regions))
    tables = england_tables(seed, weekend_share=weekend_share, source_dir=source_dir)
    settings = Settings()
    planning = _planning(settings)
    groups, orphans = _witness(tables["trusts"], tables["rosters"], tables["demand"], planning)
    cover = cover_summary(tables["trusts"], tables["rosters"], tables["demand"])
    market = market_summary(tables["trusts"], groups, planning)
    credit = combined_credit(source_dir)
    facts = {"seed": seed, "weekend_share": weekend_share, "credit": credit, "cover": cover,
             "market": market, "groups": groups, "orphans": orphans, "settings": settings,
             **tables["notes"], "reports_weekday": sum(d["mon"] for d in tables["demand"]),
             "reports_weekend": sum(d["sat"] for d in tables["demand"]),
             "n_radiologists": len(tables["rosters"]),
             "ends": _count(t["contract_end"] for t in tables["trusts"]),
             "areas": _count(f'{t["region"]}: {t["npfit_area"]}' for t in tables["trusts"]),
             "rnn_km": _distance(tables["trusts"], "RNN", "RTD")}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in ENGLAND_FILES]
    write_csv(paths[0], TRUST_COLUMNS, tables["trusts"])
    write_csv(paths[1], ROSTER_COLUMNS, tables["rosters"])
    write_csv(paths[2], DEMAND_COLUMNS, tables["demand"])
    paths[3].write_bytes(regions.read_bytes())
    paths[4].write_bytes(scenario_text(facts).encode("utf-8"))
    paths[5].write_bytes(readme_text(facts).encode("utf-8"))
    load_scenario(paths[4])
    return paths


def _distance(trusts: list[dict], a: str, b: str) -> float:
    where = {t["code"]: (t["lat"], t["lon"]) for t in trusts}
    return haversine_km(*where[a], *where[b])


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scenario_text(f: dict) -> str:
    """The commented scenario YAML of the England example."""
    s = f["settings"]
    c = Costs()
    attribution = f["credit"] + " " + ATTRIBUTION_NOTE.format(seed=f["seed"])
    return f"""# England example: the 134 real English acute trusts (December 2025 configuration) planned
# as if it were 2013, when the national programme's (NPfIT) PACS/RIS contracts ran out.
# Written by `consortia generate england --seed {f['seed']}`; see README.md beside this file for
# what is real, what is synthetic and how the synthetic parts were calibrated.
name: england
description: >-
  134 real English acute trusts with SYNTHETIC contract end dates, radiologist rosters and
  reporting demand (seed {f['seed']}), planned over quarterly go-lives from mid-2013.
# Contract ends, rosters and demand are synthetic: outputs are labelled as such.
synthetic: true
attribution: {_quote(attribution)}

inputs:
  trusts: trusts.csv        # real trusts; contract_end is synthetic (column synthetic_fields)
  rosters: rosters.csv      # synthetic: {f['n_radiologists']} radiologists
  demand: demand.csv        # synthetic: reports needed per day of week
  regions: regions.geojson  # real NHS England region boundaries (ONS, OGL v3.0)

planning:
  # Go-to-market dates must be on or after `start`; with a 6-month lead time the first usable
  # go-live is 2013-07-01, just after the Southern / North West / West Midlands exits of
  # 30 June 2013.
  start: {s.start.isoformat()}
  # Quarterly go-lives from 2013-01-01 to 2017-10-01. The horizon reaches past 2016 because
  # interim local deals signed in 2013 (2-4 years) end as late as mid-2017, and every trust
  # needs a go-live inside its window (12 months late .. 6 months early).
  periods: {s.periods}
  period_months: {s.period_months}
  # About six months from going to market (OJEU notice, competitive dialogue, award) to go-live.
  lead_time_months: {s.lead_time_months}
  # A trust may run up to a year past its contract end on a short extension ...
  max_extension_months: {s.max_extension_months}
  # ... or leave up to six months early (paying off the tail of its contract).
  max_early_exit_months: {s.max_early_exit_months}

market:
  # The "tsunami": {f['ends'].get('2014-06-30', 0)} of the 134 trusts' contracts end on 30 June 2014.
  # If every group went live nearest its members' contract ends, up to {f['market']['natural_peak']}
  # procurements would go to market in one quarter; suppliers can run about {MARKET_CAPACITY} at once,
  # so the plan must spread the wave (a witness plan fits at {f['market']['least_capacity']} per quarter).
  capacity: {MARKET_CAPACITY}

network:
  # Members of a consortium must all be within {MAX_DISTANCE_KM:g} km of each other (great circle):
  # about a 90-minute drive, close enough for shared MDTs and on-site cover; it also reaches
  # North Cumbria (Carlisle), {f['rnn_km']:.0f} km from Newcastle.
  max_distance_km: {MAX_DISTANCE_KM:g}
  membership: clique
  # Groups may cross NHS region borders (e.g. Milton Keynes with Oxford or Bedford).
  same_region: false

consortium:
  min_size: 2
  # Published PACS consortia and imaging networks had 4 to 11 trusts (Kent and Medway 4, Sussex 5,
  # EMRAD 7-8, Yorkshire 9, Cheshire and Merseyside 11); the 2019 strategy's 18 networks
  # average 7-8 trusts.
  max_size: {PLAN_MAX_SIZE}
  allow_standalone: true

cover:
  # Hard: every consortium (and every standalone trust) must meet the rules below.
  mode: hard
  # One reporting session (half a day, ~4 hours) of a consultant: a mix of plain films
  # (a few minutes each) and cross-sectional studies (15-20 minutes each).
  reports_per_session: {REPORTS_PER_SESSION:g}
  # With a national radiologist shortfall near 30%, trusts outsource part of their reporting;
  # each consortium must report at least {MIN_RATIO:.0%} of its demand in-house on every day.
  min_ratio: {MIN_RATIO:g}
  # Weekend stroke/head-injury imaging needs a neuroradiologist on both weekend days.
  weekend_subspecialties: [{', '.join(WEEKEND_SUBSPECIALTIES)}]

rota:
  # A roster's sat/sun value is what a radiologist gives that day when on weekend duty; each is on
  # duty at most one weekend in {WEEKEND_ONE_IN} (NHS Health Careers: "often between one in seven and
  # one in eight"). Every consortium must be able to staff {ROTA_RULES.weeks} weekends in a row this way,
  # each trust giving its share of the weekend sessions within {ROTA_RULES.tolerance:.0%}.
  one_in: {WEEKEND_ONE_IN}
  weeks: {ROTA_RULES.weeks}
  tolerance: {ROTA_RULES.tolerance:g}

# The objective in pounds over one contract term (consortia.costs; sources in README.md beside
# this file, "Costs"). Every value is the package default; "assumption" marks a value no public
# figure gives.
costs:
  # Kent and Medway 2013: 7 years; Cheshire and Merseyside: 5 + 5; EMRAD: 10.
  term_years: {c.term_years:g}
  # Assumption: a full OJEU procurement costs "tens of thousands of pounds" (NHS SBS, 2014).
  procurement: {c.procurement:.0f}
  # One trust buying alone, per year: EMRAD paid £0.43m a trust-year after a 30-40% saving.
  contract_per_trust_year: {c.contract_per_trust_year:.0f}
  # n trusts together pay n^{c.volume_exponent:g} times one trust's contract: 35% less at 7 trusts (EMRAD).
  volume_exponent: {c.volume_exponent:g}
  # Assumptions: a 20% premium on a £50k monthly charge per month of extension; the remaining
  # monthly charge per month of early exit.
  extension_per_month: {c.extension_per_month:.0f}
  early_exit_per_month: {c.early_exit_per_month:.0f}
  # Assumption: joining a shared platform and its information governance, per member.
  integration_per_member: {c.integration_per_member:.0f}
  # Calibrated on how published consortia formed: none crossed an NHS region; they spanned
  # 2.2 integrated care boards on average (EMRAD 5, Yorkshire 2, Sussex 2, Kent 1, Cheshire 1).
  icb_premium: {c.icb_premium:.0f}
  region_premium: {c.region_premium:.0f}
  # No trust pair has a recorded image-sharing agreement here (no links.csv): every member pays it.
  no_share_premium: {c.no_share_premium:.0f}
  # NHS Agenda for Change car rate from July 2013 (67p a mile); one return trip a week (assumption).
  travel_per_km: {c.travel_per_km:g}
  trips_per_year: {c.trips_per_year:g}
  # Soft cover only (cover.mode is hard here): £32.70 a report outsourced (Salisbury NHS FT 2024/25).
  outsourcing_per_report: {c.outsourcing_per_report:g}
  subspecialty_gap_per_day: {c.subspecialty_gap_per_day:g}
  moved: {c.moved:.0f}

solver:
  name: highs
  # auto = column generation, then proof by reduced-cost enumeration (about a minute on 2 cores,
  # see the README's performance section); the compact model (--method compact) was still 32% from
  # its bound after 10 minutes. A shorter limit (--time-limit) returns the best plan found, with its
  # bound and gap.
  method: auto
  time_limit: 600
"""


def _table(rows: list[tuple], header: tuple) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def readme_text(f: dict) -> str:
    """The README of the England example folder."""
    c, m = f["cover"], f["market"]
    n = c["n"]
    other = TESTS_2010_11_TOTAL - sum(TESTS_2010_11.values())
    reported = {k: TESTS_2010_11[k] * RADIOLOGIST_REPORTED[k] for k in TESTS_2010_11}
    reported["other"] = other * RADIOLOGIST_REPORTED["other"]
    growth = (TESTS_2023_TOTAL / TESTS_2010_11_TOTAL) ** ((ERA_YEAR - 2010.5) / (2023 - 2010.5))
    modality = _table([(k, f"{TESTS_2010_11.get(k, other) / 1e6:.1f}m", f"{RADIOLOGIST_REPORTED[k]:.0%}",
                        f"{reported[k] / 1e6:.2f}m") for k in ("xray", "ct", "mri", "ultrasound", "other")],
                      ("modality", "tests 2010/11", "need a radiologist report", "reports"))
    ends = _table(sorted(f["ends"].items()), ("contract_end", "trusts"))
    areas = _table([(k.split(": ")[0], k.split(": ")[1], v) for k, v in f["areas"].items()],
                   ("NHS region (2024)", "2013 programme area", "trusts"))
    sizes = _count(str(len(g)) for g in f["groups"])
    weekday_cap = c["weekday_ratio"] * f["reports_weekday"]
    return f"""# England example (`inputs/england/`)

The 134 English NHS acute trusts open in December 2025, planned as if it were 2013, when the
national programme's (NPfIT) PACS/RIS contracts ran out. **Trust identities, locations, regions,
ICBs and the specialist flag are real. Contract end dates, radiologist rosters and reporting
demand are SYNTHETIC**: drawn from seed {f['seed']} and calibrated on the published figures below.
Do not read any trust's row as a statement about that trust.

Regenerate (byte-identical for the same seed):

```bash
consortia generate england --seed {f['seed']} --out inputs/england
# or: python -c "from consortia.examples.england import generate_england; generate_england('inputs/england', {f['seed']})"
```

## Files

| file | real or synthetic |
| --- | --- |
| `source/england_acute_trusts.csv`, `source/england_regions.geojson`, `source/SOURCES.md` | **real**: unmodified copies of the shared data set and its provenance |
| `trusts.csv` | real `code` (ODS), `name`, `lat`, `lon`, `region` (NHS region), `icb`, `trust_type`; derived `npfit_area` (mapping below); **SYNTHETIC** `contract_end` and `contract_basis`. Every row says so in `synthetic_fields` = `contract_end`. |
| `rosters.csv` | **SYNTHETIC**: {f['n_radiologists']} fictional radiologists (`<code>-R001` ...) |
| `demand.csv` | **SYNTHETIC**: reports needed per day of week |
| `regions.geojson` | **real**: copy of `source/england_regions.geojson` (ONS NHS England Regions 2024) |
| `scenario.yaml` | the settings, each commented; `synthetic: true` |
| `README.md` | this file (generated with the data, so its numbers match the files) |

## Attribution (real data)

{f['credit']}

Full provenance, licences and caveats: `source/SOURCES.md`. The synthetic parts are generated by
`consortia/examples/england.py` and carry no third-party rights.

## Calibration

The published figures below were supplied with the project brief and are cited as given; they
were not re-checked against the original publications here.

### (a) Contract ends: the 2013-2015 NPfIT exit waves

Published pattern: in the **South, the North West and the West Midlands** about 80% of trusts left
the programme's contracts on 30 June 2013 and took interim local deals, typically 2-4 years; in the
**North East, Yorkshire, the East and the East Midlands** most trusts extended to June 2014, a few
further; in **London** the contracts ended in June 2014, with trusts in three exit phases (early
exit by June 2014, exit at expiry, continuation of service to June 2015 or later).

Today's 7 NHS regions are mapped to those 2013 areas (`npfit_area`) as follows:

- London -> London; South East and South West -> South.
- Midlands -> **East Midlands** for the ICBs of Derbyshire (QJ2), Lincolnshire (QJM),
  Leicestershire (QK1), Northamptonshire (QPM) and Nottinghamshire (QT1), the counties of the
  former East Midlands SHA; every other Midlands ICB -> **West Midlands**. (ICB, not longitude,
  because the old SHA border follows county lines.)
- North East and Yorkshire -> **North East** for the North East and North Cumbria ICB (QHM),
  **Yorkshire and the Humber** otherwise; but North Cumbria (RNN) -> **North West**, the SHA
  Cumbria belonged to in 2013.
- East of England -> East of England, except Milton Keynes (RD8) -> **South** (NHS South Central
  in 2013).

{areas}

**What `contract_end` means.** The date the trust's *current* PACS/RIS contract ends, i.e. the date
by which its next (consortium) system must be live. For a trust that left in 2013 and took an
interim deal, that is the end of the interim deal, not 30 June 2013. Rules (seeded):

- South / North West / West Midlands: 80% took an interim deal from 1 July 2013. Its length is
  drawn once per ICB (24, 36 or 48 months, weights 3:4:3, shortened by 3 months to a 31 March
  financial-year end with probability 0.25), because neighbouring trusts tended to procure interim
  deals together; 10% of trusts draw their own length. The other 20% stayed on an extended
  national contract to 30 June 2014 or 2015 (even odds). *Assumption: the brief gives no figure
  for the remaining 20%.*
- North East / Yorkshire / East / East Midlands: 80% end 30 June 2014; 20% extended to 30 June 2015.
- London: 30% early exit (31 Dec 2013 or 31 Mar 2014), 40% exit at expiry (30 June 2014), 30%
  continuation of service (30 June 2015, or 30 June 2016 with probability 0.3).

`contract_basis` in `trusts.csv` records which rule produced each date. Resulting distribution:

{ends}

### (b) Workforce: radiologists per trust

Published: the Royal College of Radiologists' 2018 workforce census counted {RCR_2018_HEADCOUNT:,}
consultant radiologists ({RCR_2018_WTE:,} WTE) across {RCR_2018_EMPLOYERS} employing bodies;
national shortfall near 30%.

- Total across the 134 trusts: {RCR_2018_HEADCOUNT:,} x 134 / {RCR_2018_EMPLOYERS} =
  **{f['headcount']:,} radiologists** (the acute trusts' share by number of employing bodies;
  conservative, since several of today's trusts are mergers of 2018 bodies).
- No public size per trust is in our data, so size is a documented proxy: 1.0 for a general acute
  trust, x1.4 if its name contains "University" or "Teaching", x1.4 if it hosts a regional
  neurosciences centre (list in `consortia/examples/england.py`, from general knowledge, approximate),
  0.3 for a specialist trust; times a seeded lognormal factor (sigma 0.35). Headcount is
  apportioned by size (largest remainder), at least 3 per trust.
- Specialist trusts' radiologists hold their trust's specialty (e.g. paediatric at Great Ormond
  Street, msk at the orthopaedic hospitals, cardiac/chest at Papworth and Liverpool Heart and
  Chest, neuro at The Walton Centre).
- Weekday job plans: 85% full-time with 5 or 6 reporting sessions a week, 15% part-time with 3
  (the census's 3,622 WTE / 3,927 heads = 0.92); at most 2 sessions a day.
- The ~30% shortfall is modelled by `cover.min_ratio` = {MIN_RATIO:g}: a consortium must report
  {MIN_RATIO:.0%} of demand in-house (the rest is outsourced). Nationally, weekday capacity is
  {weekday_cap:,.0f} reports/day = {c['weekday_ratio']:.2f} of weekday demand.

### (c) Activity: reports needed per day

Published: about 38.8 million imaging tests in England in 2010/11 (22.2m X-ray, 4.0m CT, 2.1m
MRI, 8.6m ultrasound; the remaining {other / 1e6:.1f}m is "other": fluoroscopy, nuclear medicine,
etc.) and about 46 million in 2023.

Not every test needs a radiologist's report: ultrasound is mostly reported by the sonographer who
performs it, and reporting radiographers report a share of plain X-ray. Assumed shares (choices,
not published figures):

{modality}

Scaled from 2010/11 to {ERA_YEAR} by compound growth towards the 2023 total (x{growth:.3f}), this is
{sum(reported.values()) * growth / 1e6:.1f}m radiologist reports a year. Weekend demand is lower than
weekday demand; no public share was found, so **a weekend day has {f['weekend_share']:.0%} of a
weekday's demand** (the `weekend_share` argument of `generate_england`). That gives
**{f['reports_weekday']:,.0f} reports per weekday and {f['reports_weekend']:,.0f} per weekend day**
across the 134 trusts, split by trust size with a seeded lognormal factor (sigma 0.08).

### (d) Subspecialties and weekend cover

Subspecialties: {', '.join(SUBSPECIALTIES)}. A radiologist at a general trust has a subspecialty
with probability 0.35 + 0.012 x (radiologists in the trust), capped at 0.9, so larger trusts have
more subspecialists; 15% of those have a second one. Neuroradiologists are rare outside
neurosciences centres.

Weekend sessions. A roster's `sat` / `sun` value is what a radiologist gives on that day **when on
weekend duty**, and each radiologist is on duty at most **one weekend in {WEEKEND_ONE_IN}** (`rota.one_in`):

| figure | value | source |
| --- | --- | --- |
| weekend duty frequency | one weekend in {WEEKEND_ONE_IN} | NHS Health Careers, "Working life (clinical radiology)": "On-call commitment can vary, but is often between one in seven and one in eight." The RCR's interventional radiology standard (AuditLive IR-802) asks for a rota of "a minimum 1 in 6 frequency"; a large department advertised 1 in 20 (East Lancashire Hospitals, NHS Jobs C9435-21-1087, c.2021). |
| radiologists on the weekend rota | {HUB_ROTA_SHARE:.0%} at a hub, {DGH_ROTA_SHARE[0]:.0%}-{DGH_ROTA_SHARE[1]:.0%} elsewhere ({c['on_rota']:.0%} nationally) | **assumption**: no national figure was found. The same advert implies about 74-80% (20 on the general rota, 5 interventional radiologists on their own rota, 2 semi-retired off every rota). |
| sessions on a weekend duty day | {DUTY_SESSIONS:g} | **assumption**: weekend work is premium time, in which one programmed activity is 3 hours (BMA, "Structure of the consultant contract"); one advert has 09:00-15:00 on site on Saturdays (2 PAs); {DUTY_SESSIONS:g} sessions is a 9-hour reporting day. |
| weekend-day demand | {f['weekend_share']:.0%} of a weekday's | **assumption** (see (c)): no public weekday/weekend split of the Diagnostic Imaging Dataset was found. |

A **hub** puts {HUB_ROTA_SHARE:.0%} of its radiologists on its weekend rota and at least {WEEKEND_ONE_IN}
neuroradiologists, so it can staff weekend neuroradiology every weekend; every other trust puts a
seeded {DGH_ROTA_SHARE[0]:.0%}-{DGH_ROTA_SHARE[1]:.0%} of its radiologists on its rota, neuroradiologists
included. On duty, everyone gives {DUTY_SESSIONS:g} sessions on each weekend day. Hubs are the
{len(NEUROSCIENCE_CENTRES)} neurosciences centres, plus {len(f['promoted_hubs'])} large trusts promoted by the
generator ({', '.join(f['promoted_hubs'])}) because a trust nearby had no group that could cover it (the
largest non-hub trust within {MAX_DISTANCE_KM:g} km with an overlapping go-live window is promoted,
repeatedly, until a hard-cover plan with a weekend rota for every group exists). Trusts that still had no
group (none within range shared their go-live window) were given a self-sufficient rota:
{', '.join(f['self_sufficient']) or 'none'}.

### Why groups help (checked by `tests/test_england_data.py`)

With `cover` and `rota` as in `scenario.yaml` (reports_per_session {REPORTS_PER_SESSION:g}, min_ratio
{MIN_RATIO:g}, weekend neuro on sat and sun, one weekend in {WEEKEND_ONE_IN}: a weekend day's capacity
is a {WEEKEND_ONE_IN}th of the rostered sessions):

- **Alone, {len(c['alone_fail'])} of {n} trusts ({len(c['alone_fail']) / n:.0%}) fail weekend cover**:
  {c['alone_low_weekend']} are below the ratio on sat/sun and {c['alone_missing_neuro']} have no
  weekend neuro ({c['alone_low_weekday']} also miss the ratio on some weekday).
- **Pooled with every trust within {MAX_DISTANCE_KM:g} km, {n - len(c['pooled_fail'])} of {n}
  ({(n - len(c['pooled_fail'])) / n:.0%}) pass** on sat and sun (national weekend capacity is
  {c['weekend_ratio']:.2f} of weekend demand).
- A greedy witness plan meets cover, a weekend rota for every group, the {MAX_DISTANCE_KM:g} km
  clique rule, at most {MAX_SIZE} trusts and a shared go-live window per group: {m['procurements']} procurements
  (group sizes {', '.join(f'{k}: {v}' for k, v in sorted(sizes.items(), key=lambda kv: int(kv[0])))}),
  {len(f['orphans'])} trusts left over. Going live nearest their contract ends they would peak at
  {m['natural_peak']} go-to-markets in one quarter; they can be scheduled with
  {m['least_capacity']} per quarter (earliest-deadline-first), so `market.capacity` = {MARKET_CAPACITY}
  admits a hard-cover plan yet is well below the unconstrained peak.

## Costs (the `costs` section of `scenario.yaml`)

The plan is costed in pounds over one contract term ({Costs().term_years:g} years; README.md of the
project, "The costed objective", has the formulas). Published figures behind the values:

- **Contract value and volume discount.** NHS Supply Chain's PACS/RIS framework carried 146
  projects worth £69m placed by 84 trusts by May 2014, many of them short tactical deals (Digital
  Health, 22 May 2014, https://www.digitalhealth.net/2014/05/trusts-make-pacs-refresh-solo-effort/;
  the framework was tendered at £171m-£363m over 4 years: Digital Health, April 2012,
  https://www.digitalhealth.net/2012/04/nhs-supply-chain-leads-on-pacsris/). The East Midlands
  Radiology Consortium (EMRAD) bought one system for 7 trusts for £30m over 10 years and expected
  to save 30-40% against buying alone (Computerworld, 24 September 2014,
  https://www.computerworld.com.my/tech/emerging-technology/east-midlands-nhs-trusts-club-together-to-save-30-percent-on-imaging/):
  £0.43m a trust-year together, about £0.6m alone, hence `contract_per_trust_year` = £{Costs().contract_per_trust_year:,.0f}
  and `volume_exponent` = {Costs().volume_exponent:g} (7^{Costs().volume_exponent:g} / 7 = {7 ** Costs().volume_exponent / 7:.2f}). The Sussex PACS
  RIS Replacement Programme (5 trusts) tendered £10m-£20m for 60 months (HSJ,
  https://www.hsj.co.uk/east-sussex-healthcare-nhs-trust/east-sussex-hospitals-leads-tender-for-archiving-and-imaging-system/5039281.article):
  £0.4-0.8m a trust-year.
- **Running a procurement.** A full OJEU process "can take up to 12 months and involve spending
  tens of thousands of pounds" (NHS Shared Business Services, August 2014,
  https://www.competefor.com/blog/development-of-an-nhs-wide-procurement-with-a-framework-value-potentially-worth-1-25bn/):
  assumption £{Costs().procurement:,.0f}.
- **Extension and early exit.** No published monthly rate. NPfIT transitions show both are dear:
  Fujitsu "almost doubled" support costs in its transition, and CSC's termination penalty was
  capped by the years left (Computerworld,
  https://www.computerworld.com/article/3414845/nhs--cancelling-csc-s--3-1bn--health-it-contract-could-cost-more-than-continuation.html).
  Assumptions: £{Costs().extension_per_month:,.0f} a trust-month past the contract end (20% on a £50k monthly
  charge), £{Costs().early_exit_per_month:,.0f} a trust-month before it (the remaining charge).
- **Joining: integration and information governance.** "We all underestimated the technical and
  information governance challenges" (HSCIC clinical lead, Digital Health, 22 May 2014, above);
  no cost per organisation is published. Assumptions: £{Costs().integration_per_member:,.0f} per member,
  £{Costs().no_share_premium:,.0f} more without an image-sharing agreement with the medoid (there is no
  links.csv here, so every member pays it).
- **Boundaries, calibrated on how published consortia formed.** Kent and Medway (4 trusts, one
  ICB; Digital Health, May 2013, https://www.digitalhealth.net/2013/05/ge-wins-pacs-and-ris-deal-in-kent/),
  Sussex (5 trusts, 2 ICBs), EMRAD (7-8 trusts, 5 ICBs; NHS Providers,
  https://nhsproviders.org/new-care-models-harnessing-technology/case-study-east-midlands-radiology-consortium),
  the Yorkshire Imaging Collaborative (9 trusts, 2 ICBs; NHS Transformation Directorate,
  https://transform.england.nhs.uk/key-tools-and-info/digital-playbooks/cancer-digital-playbook/how-yorkshire-trusts-are-delivering-better-and-more-efficient-care-through-integrated-clinical-imaging/)
  and Cheshire and Merseyside (11 trusts, one ICB; digitalhealthnews.eu,
  https://digitalhealthnews.eu/carestream/3164-carestream-strike-pacs-gold-with-cheshire-and-merseyside-nhs-consortium):
  none crossed an NHS region, and they spanned 2.2 ICBs on average (ICBs of today, 2022 on, as the
  proxy of which organisations already work together). `region_premium` = £{Costs().region_premium:,.0f} (more than
  any member's volume saving, so a group crosses a region only where cover or timing leave no
  other choice) and `icb_premium` = £{Costs().icb_premium:,.0f}, the value at which the England plan's
  consortia span about as many ICBs as the published ones.
- **Size.** Those consortia had 4 to 11 trusts, and the 2019 national strategy planned 24 imaging
  networks, 18 by 2023 (RCR, 6 November 2019,
  https://www.rcr.ac.uk/posts/official-strategy-english-radiology-networks-released), 7-8 trusts
  each on average: `consortium.max_size` = {PLAN_MAX_SIZE}.
- **Travel.** NHS Agenda for Change car rate from 1 July 2013: 67p a mile (£{Costs().travel_per_km:g} a km; NHS
  Employers, http://www.nhsemployers.org/PayAndContracts/AgendaForChange/mileage/Pages/Mileage-allowances.aspx);
  one return trip a week from each member to its medoid (assumption).
- **Outsourcing** (soft cover only; this scenario's cover is hard): £{Costs().outsourcing_per_report:g} a report, from
  Salisbury NHS FT's £1,213,005 for 37,090 outsourced reports in 2024/25 (FOI_9069,
  http://www.otdfun.com/about-us/freedom-of-information-foi/previous-foi-requests/foi_9069); NHS
  outsourcing spend was £206m in 2020 (RCR, via Future Care Capital,
  https://futurecarecapital.org.uk/latest/more-patient-scans-sent-outside-nhs-for-diagnosis/).
"""
