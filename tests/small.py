"""Tiny seeded random instances for the brute-force and rule tests."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import yaml

from consortia.scenario import DAYS, load_scenario

SUBS = ("neuro", "msk", "chest")


def write_rows(path: Path, rows: list[dict], columns: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_case(folder: Path, trusts: list[dict], rosters: list[dict], demand: list[dict],
               settings: dict, links: list[dict] | None = None):
    """Write a scenario folder from plain rows and settings; return the loaded Scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = [k for k in trusts[0] if k not in ("code", "name", "lat", "lon", "contract_end")]
    write_rows(folder / "trusts.csv", trusts, ["code", "name", "lat", "lon", "contract_end", *extra])
    write_rows(folder / "rosters.csv", rosters, ["trust", "radiologist", "subspecialties", *DAYS])
    write_rows(folder / "demand.csv", demand, ["trust", *DAYS])
    inputs = {"trusts": "trusts.csv", "rosters": "rosters.csv", "demand": "demand.csv"}
    if links:
        write_rows(folder / "links.csv", links, ["trust_a", "trust_b", "relation"])
        inputs["links"] = "links.csv"
    doc = {"name": "case", "inputs": inputs, **settings}
    doc.setdefault("planning", {"start": "2014-01-01", "periods": 6, "period_months": 3,
                                "lead_time_months": 0, "max_extension_months": 6,
                                "max_early_exit_months": 3})
    doc.setdefault("solver", {"time_limit": 60, "gap": 0.0})
    # the hand-made cases test the other rules; the weekend rota rule has its own cases
    # (tests/test_weekend.py, and random_case below draws it)
    doc.setdefault("rota", {"required": False})
    (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_scenario(folder / "scenario.yaml")


def trust(code, lat, lon, end, region="R1"):
    return {"code": code, "name": f"Trust {code} (fictional)", "lat": lat, "lon": lon,
            "contract_end": end, "region": region}


def roster(code, n, weekday=2, sat=0, sun=0, subs=""):
    return [{"trust": code, "radiologist": f"{code}-{k}", "subspecialties": subs, "mon": weekday,
             "tue": weekday, "wed": weekday, "thu": weekday, "fri": weekday, "sat": sat, "sun": sun}
            for k in range(n)]


def demand(code, weekday, weekend):
    return {"trust": code, **{d: weekday for d in DAYS[:5]}, "sat": weekend, "sun": weekend}


def random_case(folder: Path, seed: int, n: int):
    """A random small scenario with a random selection of rules switched on."""
    rng = random.Random(seed)
    codes = [f"T{k}" for k in range(n)]
    hard = rng.random() < 0.5
    months = ["2014-01-01", "2014-03-20", "2014-06-30", "2014-09-10", "2014-11-30", "2015-02-28"]
    trusts, rosters, demands = [], [], []
    for c in codes:
        trusts.append(trust(c, round(52 + rng.uniform(0, 0.9), 4), round(-1.5 + rng.uniform(0, 1.4), 4),
                            rng.choice(months), rng.choice(["R1", "R2"])))
        for k in range(rng.randint(0 if not hard else 1, 3)):
            subs = ";".join(sorted(rng.sample(SUBS, rng.randint(0, 2))))
            rosters.append({"trust": c, "radiologist": f"{c}-{k}", "subspecialties": subs,
                            **{d: rng.choice([1, 2]) for d in DAYS[:5]},
                            "sat": rng.choice([0, 1, 1]), "sun": rng.choice([0, 1, 1])})
        demands.append(demand(c, rng.randint(5, 30), rng.randint(0, 8)))
    settings = {
        "planning": {"start": "2014-01-01", "periods": rng.randint(5, 7), "period_months": rng.choice([3, 4]),
                     "lead_time_months": rng.choice([0, 3]), "max_extension_months": rng.choice([6, 9, 12]),
                     "max_early_exit_months": rng.choice([0, 3, 6])},
        "market": {"capacity": rng.choice([None, 2, 3, 4])},
        "network": {"max_distance_km": rng.choice([30, 50, 80]),
                    "membership": rng.choice(["clique", "connected"]),
                    "same_region": rng.random() < 0.2},
        "consortium": {"min_size": rng.choice([2, 2, 3]), "max_size": rng.choice([3, 4, 8]),
                       "allow_standalone": rng.random() < 0.8},
        "cover": {"mode": "hard" if hard else "soft", "reports_per_session": rng.choice([5, 10]),
                  "min_ratio": rng.choice([0.0, 0.5, 1.0] if not hard else [0.0, 0.3, 0.6]),
                  "weekend_subspecialties": rng.sample(["neuro", "msk"], rng.randint(0, 1))},
        "objective": {"timing": rng.choice([0.0, 1.0, 2.5]), "distance": rng.choice([0.0, 0.05]),
                      "shortfall": 0.3, "subspecialty_gap": 4.0, "standalone": rng.choice([0.0, 3.0])},
        "solver": {"time_limit": 60, "gap": 0.0},
    }
    directives = {}
    if rng.random() < 0.3:
        directives["together"] = [rng.sample(codes, 2)]
    if rng.random() < 0.3:
        directives["apart"] = [rng.sample(codes, 2)]
    if rng.random() < 0.2:
        directives["exclude"] = [rng.choice(codes)]
    if rng.random() < 0.2:
        free = [c for c in codes if c not in directives.get("exclude", [])]
        directives["fixed"] = [{"members": rng.sample(free, min(2, len(free)))}]
    if directives:
        if "fixed" in directives:
            fixed = set(directives["fixed"][0]["members"])
            for kind in ("together", "apart"):
                directives[kind] = [p for p in directives.get(kind, []) if not set(p) & fixed]
        excluded = set(directives.get("exclude", []))
        for kind in ("together", "apart"):
            directives[kind] = [p for p in directives.get(kind, []) if not set(p) & excluded]
        if directives.get("together") and directives.get("apart") and \
                set(directives["together"][0]) == set(directives["apart"][0]):
            directives["apart"] = []
        settings["directives"] = directives
    links = []
    if rng.random() < 0.4:
        a, b = rng.sample(codes, 2)
        links.append({"trust_a": a, "trust_b": b, "relation": rng.choice(["share", "forbid"])})
    if not any(r for r in rosters if "neuro" in r["subspecialties"] or "msk" in r["subspecialties"]):
        settings["cover"]["weekend_subspecialties"] = []
    else:
        have = {s for r in rosters for s in r["subspecialties"].split(";") if s}
        settings["cover"]["weekend_subspecialties"] = [s for s in settings["cover"]["weekend_subspecialties"]
                                                       if s in have]
    _locks(rng, codes, directives, settings)
    if directives:
        settings["directives"] = directives
    settings["rota"] = random_rota(random.Random(f"rota:{seed}"))
    return write_case(folder, trusts, rosters, demands, settings, links)


def random_rota(rng: random.Random) -> dict:
    """Random weekend-rota rules small enough for a brute-force oracle (drawn apart from the rest of
    the case, so the other draws of a seed stay as they were)."""
    return {"required": rng.random() < 0.8, "one_in": rng.choice([2, 3]), "weeks": rng.choice([2, 3, 4]),
            "tolerance": rng.choice([0.1, 0.3, 1.0]), "time_limit": 30}


def _locks(rng: random.Random, codes: list[str], directives: dict, settings: dict) -> None:
    """Sometimes let the fixed consortium grow, pin a free trust into it, pin a go-live."""
    excluded = set(directives.get("exclude", []))
    fixed = directives.get("fixed", [])
    core = set(fixed[0]["members"]) if fixed else set()
    free = [c for c in codes if c not in excluded and c not in core]
    pins = []
    if fixed and rng.random() < 0.5:
        fixed[0]["grow"] = True
        fixed[0]["name"] = "F"
        if free and rng.random() < 0.5:
            pins.append({"trust": rng.choice(free), "consortium": "F"})
    if rng.random() < 0.25:
        planning = settings["planning"]
        month = rng.randrange(planning["periods"]) * planning["period_months"]
        go_live = f"{2014 + month // 12}-{month % 12 + 1:02d}-01"
        trust = rng.choice([c for c in codes if c not in excluded])
        if pins and pins[0]["trust"] == trust:
            pins[0]["go_live"] = go_live
        else:
            pins.append({"trust": trust, "go_live": go_live})
    if pins:
        directives["pin"] = pins


def seeded_case(folder: Path, seed: int, costed: bool = False):
    """The random case of ``seed`` (3 to 8 trusts; in pounds when ``costed``) and its instance, as
    the brute-force tests use them; an invalid random draw skips the test (that path is tested
    elsewhere)."""
    import pytest

    from consortia import load_instance
    from consortia.errors import ConsortiaError

    n = 8 if seed % 20 == 0 else 3 + seed % 5
    try:
        scenario = (random_costed_case if costed else random_case)(folder, seed, n)
        return scenario, load_instance(scenario)
    except ConsortiaError as exc:
        pytest.skip(f"invalid random draw: {exc}")


def random_costed_case(folder: Path, seed: int, n: int):
    """:func:`random_case` with the objective in pounds: a random ``costs`` section (small
    values, so that every term can tip a choice) and a random ``icb`` column in trusts.csv."""
    random_case(folder, seed, n)
    rng = random.Random(10_000 + seed)
    with (folder / "trusts.csv").open(encoding="utf-8") as handle:
        trusts = list(csv.DictReader(handle))
    for t in trusts:
        t["icb"] = rng.choice(["I1", "I2", "I3"])
    write_rows(folder / "trusts.csv", trusts, list(trusts[0]))
    doc = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    doc["costs"] = {
        "term_years": rng.choice([1.0, 2.0]),
        "procurement": rng.choice([0.0, 2.0, 5.0]),
        "contract_per_trust_year": rng.choice([0.0, 1.0, 3.0]),
        "volume_exponent": rng.choice([0.5, 0.8, 1.0]),
        "extension_per_month": rng.choice([0.0, 0.5, 1.0]),
        "early_exit_per_month": rng.choice([0.0, 1.0, 3.0]),
        "integration_per_member": rng.choice([0.0, 0.5, 1.0]),
        "icb_premium": rng.choice([0.0, 1.0, 4.0]),
        "region_premium": rng.choice([0.0, 2.0]),
        "no_share_premium": rng.choice([0.0, 0.5]),
        "travel_per_km": rng.choice([0.0, 0.01, 0.05]),
        "trips_per_year": rng.choice([0.5, 1.0]),
        "outsourcing_per_report": rng.choice([0.0, 0.002, 0.01]),
        "subspecialty_gap_per_day": rng.choice([0.0, 0.02, 0.1]),
    }
    (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_scenario(folder / "scenario.yaml")


def seeded_costed_case(folder: Path, seed: int):
    """The costed random case of ``seed`` and its instance (see :func:`seeded_case`)."""
    return seeded_case(folder, seed, costed=True)
