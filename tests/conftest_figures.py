"""A realistic, deterministic plan folder for the figure tests (no solver needed).

``make_fake_plan(folder)`` writes ``assignments.csv``, ``consortia.csv`` and ``plan.yaml``
exactly as README "Outputs: the plan folder" describes them, for the real 134 English acute
trusts grouped into fake consortia by ICB (large ICBs split, a few trusts standalone), with
go-lives on a quarterly grid 2013-2016. Everything is drawn from a seeded generator, so the
same call writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path

import pandas as pd
import yaml

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
for _candidate in (SHARED, Path("/work/shared/data")):
    if (_candidate / "england_acute_trusts.csv").exists():
        SHARED = _candidate
        break
TRUSTS_CSV = SHARED / "england_acute_trusts.csv"
REGIONS_GEOJSON = SHARED / "england_regions.geojson"

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SUBSPECIALTIES = ("neuro", "paeds", "msk", "cardiac", "breast")


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def _haversine(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def make_fake_plan(folder: Path, *, seed: int = 7, n_trusts: int | None = None,
                   synthetic: bool = True, regions: Path | None = REGIONS_GEOJSON,
                   capacity: int | None = 4, status: str = "optimal") -> Path:
    """Write a fake plan folder; return it. ``n_trusts`` keeps only the first N trusts."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    trusts = pd.read_csv(TRUSTS_CSV).sort_values("ods_code").reset_index(drop=True)
    if n_trusts is not None:
        trusts = trusts.head(n_trusts)

    # groups: ICB members, split into chunks of at most 5; a few random trusts stand alone
    groups: list[list[str]] = []
    for _, icb in sorted(trusts.groupby("icb_ods_code"), key=lambda kv: kv[0]):
        codes = list(icb["ods_code"])
        rng.shuffle(codes)
        alone = [c for c in codes if rng.random() < 0.12] if len(codes) > 2 else []
        rest = [c for c in codes if c not in alone]
        for c in alone:
            groups.append([c])
        if len(rest) == 1:
            groups.append(rest)
        elif rest:
            k = math.ceil(len(rest) / 5)
            for i in range(k):
                chunk = sorted(rest[i::k])
                groups.append(chunk)
    groups.sort(key=lambda g: (trusts.set_index("ods_code").loc[g[0], "lat"] * -1, g[0]))

    start = dt.date(2013, 1, 1)
    periods = 16
    lead = 6
    by_code = trusts.set_index("ods_code")
    assign_rows, cons_rows = [], []
    for i, members in enumerate(groups, start=1):
        cid = f"C{i:02d}"
        go_live = _add_months(start, 3 * rng.randrange(periods))
        go_to_market = _add_months(go_live, -lead)
        alone_missing_union: set[str] = set()
        cap = {d: 0.0 for d in DAYS}
        dem = {d: 0.0 for d in DAYS}
        total_mis = 0
        standalone = len(members) == 1
        for code in members:
            t = by_code.loc[code]
            offset = rng.randint(-6, 9)
            contract_end = _add_months(go_live, offset) - dt.timedelta(days=rng.randint(0, 27))
            mis = abs(offset)
            total_mis += mis
            ratios = {}
            for d in DAYS:
                demand = rng.randint(120, 600) * (0.45 if d in ("sat", "sun") else 1.0)
                base = rng.uniform(0.85, 1.5) if d not in ("sat", "sun") else rng.uniform(0.35, 1.25)
                ratios[d] = round(base, 3)
                cap[d] += base * demand
                dem[d] += demand
            missing = sorted(f"{s}@{d}" for s in SUBSPECIALTIES for d in ("sat", "sun")
                             if rng.random() < 0.18)
            alone_missing_union.update(missing)
            row = {
                "trust": code, "name": t["name"], "consortium": cid,
                "go_live": go_live.isoformat(), "go_to_market": go_to_market.isoformat(),
                "contract_end": contract_end.isoformat(), "months_misaligned": mis,
                "standalone": "true" if standalone else "false",
                "lat": t["lat"], "lon": t["lon"], "region": t["nhs_region"],
            }
            row.update({f"alone_ratio_{d}": ratios[d] for d in DAYS})
            row["alone_weekend_missing"] = " ".join(missing)
            row["icb_ods_code"] = t["icb_ods_code"]
            row["trust_type"] = t["trust_type"]
            assign_rows.append(row)
        pooled = {d: round(cap[d] / dem[d] * (1.0 if standalone else 1.12), 3) for d in DAYS}
        still_missing = sorted(m for m in alone_missing_union
                               if standalone or rng.random() < 0.15)
        pts = [(by_code.loc[c, "lat"], by_code.loc[c, "lon"]) for c in members]
        dist_sum = {c: sum(_haversine(p, q) for q in pts) for c, p in zip(members, pts)}
        medoid = min(members, key=lambda c: (dist_sum[c], c))
        mp = pts[members.index(medoid)]
        row = {
            "consortium": cid, "members": " ".join(members), "n_trusts": len(members),
            "go_live": go_live.isoformat(), "go_to_market": go_to_market.isoformat(),
            "medoid": medoid, "distance_km": round(sum(_haversine(p, mp) for p in pts), 1),
            "max_pair_km": round(max((_haversine(p, q) for p in pts for q in pts), default=0.0), 1),
        }
        row.update({f"cover_ratio_{d}": pooled[d] for d in DAYS})
        row["weekend_subspecialties_missing"] = " ".join(still_missing)
        row["months_misaligned"] = total_mis
        row["fixed"] = "true" if i == 3 else "false"
        cons_rows.append(row)

    assignments = pd.DataFrame(assign_rows)
    consortia = pd.DataFrame(cons_rows)
    assignments.to_csv(folder / "assignments.csv", index=False)
    consortia.to_csv(folder / "consortia.csv", index=False)

    market: dict[str, int] = {}
    for p in range(-2, periods):
        market[_add_months(start, 3 * p).isoformat()] = 0
    for r in cons_rows:
        market[r["go_to_market"]] = market.get(r["go_to_market"], 0) + 1
    market = dict(sorted(market.items()))
    alone_full = sum(all(r[f"alone_ratio_{d}"] >= 1.0 for d in DAYS) for r in assign_rows)
    pooled_full = 0
    for r in cons_rows:
        if all(r[f"cover_ratio_{d}"] >= 1.0 for d in DAYS):
            pooled_full += r["n_trusts"]
    plan = {
        "scenario": "england-fixture",
        "status": status,
        "objective": 1234.5,
        "best_bound": 1200.0,
        "gap": 0.028,
        "terms": {"timing": 800.0, "distance": 300.0, "shortfall": 100.0,
                  "subspecialty_gap": 20.0, "standalone": 14.5},
        "solver": {"name": "highs", "time_limit": 60, "gap": 0.01, "threads": 1,
                   "build_seconds": 1.2, "solve_seconds": 30.1},
        "metrics": {
            "n_trusts": len(assign_rows),
            "n_consortia": len(cons_rows),
            "n_standalone": sum(1 for r in cons_rows if r["n_trusts"] == 1),
            "trusts_full_cover_alone": int(alone_full),
            "trusts_full_cover_pooled": int(pooled_full),
            "total_months_misaligned": int(sum(r["months_misaligned"] for r in assign_rows)),
            "market_capacity": capacity,
            "peak_market": max(market.values()),
            "market_per_period": market,
        },
        "synthetic": synthetic,
        "attribution": "",
        "package_version": "0.1.0",
        "created_with": {"python": "3.11", "pulp": "3.3.0", "highspy": "1.7"},
        "inputs": {},
        "excluded": [],
        "settings": {
            "name": "england-fixture",
            "description": "Fixture: English acute trusts grouped by ICB (fake plan for tests)",
            "inputs": {"trusts": str(TRUSTS_CSV),
                       "regions": str(regions) if regions else None},
            "planning": {"start": start.isoformat(), "periods": periods, "period_months": 3,
                         "lead_time_months": lead},
            "market": {"capacity": capacity},
            "cover": {"min_ratio": 1.0, "weekend_subspecialties": list(SUBSPECIALTIES)},
            "synthetic": synthetic,
        },
    }
    with open(folder / "plan.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(plan, f, sort_keys=False, allow_unicode=True)
    return folder
