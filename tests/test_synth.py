"""The seeded synthetic instance generator."""

import datetime as dt

import pytest

from consortia.errors import ConsortiaError
from consortia.examples.synth import (
    ENGLAND_BOUNDS,
    ROSTER_COLUMNS,
    capacity_by_trust,
    demand_by_trust,
    fails_weekend_alone,
    synthetic_tables,
    weekend_cover,
    windows,
    witness_groups,
    write_instance,
)
from consortia.scenario import load_scenario

FILES = ("trusts.csv", "rosters.csv", "demand.csv", "scenario.yaml")


def test_same_seed_same_bytes(tmp_path):
    write_instance(tmp_path / "a", 40, 3)
    write_instance(tmp_path / "b", 40, 3)
    write_instance(tmp_path / "c", 40, 4)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "rosters.csv").read_bytes() != (tmp_path / "c" / "rosters.csv").read_bytes()


def test_scenario_loads_with_defaults(tmp_path):
    scenario = load_scenario(write_instance(tmp_path, 30, 1))
    assert scenario.synthetic
    assert scenario.network.max_distance_km == 80 and scenario.consortium.max_size == 8
    assert scenario.planning.periods == 12 and scenario.planning.period_months == 3
    assert scenario.cover.mode == "hard"
    assert scenario.inputs.trusts.is_file()


def test_overrides_dotted_and_nested(tmp_path):
    path = write_instance(tmp_path, 20, 1, **{"network.max_distance_km": 60}, cover={"mode": "soft"})
    scenario = load_scenario(path)
    assert scenario.network.max_distance_km == 60 and scenario.cover.mode == "soft"
    assert scenario.cover.min_ratio == 0.7


def test_bad_arguments(tmp_path):
    with pytest.raises(ConsortiaError):
        write_instance(tmp_path, 1, 1)
    with pytest.raises(ConsortiaError):
        write_instance(tmp_path, 10, 1, **{"network.max_distnce_km": 60})
    with pytest.raises(ConsortiaError):
        synthetic_tables(0, 1)


def test_tables_shape():
    tables = synthetic_tables(25, 9)
    lat_min, lat_max, lon_min, lon_max = ENGLAND_BOUNDS
    assert [t["code"] for t in tables["trusts"]] == [f"T{i:03d}" for i in range(1, 26)]
    for t in tables["trusts"]:
        assert lat_min <= t["lat"] <= lat_max and lon_min <= t["lon"] <= lon_max
        assert "fictional" in t["name"].lower()
        assert dt.date(2013, 1, 1) <= dt.date.fromisoformat(t["contract_end"]) <= dt.date(2016, 1, 1)
    assert all(set(ROSTER_COLUMNS) == set(r) for r in tables["rosters"])
    assert all(d["sat"] < d["mon"] for d in tables["demand"])


def test_hard_cover_witness_exists_and_groups_matter(tmp_path):
    scenario = load_scenario(write_instance(tmp_path, 60, 5))
    tables = {name: _read(tmp_path / f"{name}.csv") for name in ("trusts", "rosters", "demand")}
    cover = scenario.cover
    groups, orphans = witness_groups(
        tables["trusts"], tables["rosters"], tables["demand"], planning=scenario.planning,
        max_distance_km=scenario.network.max_distance_km, max_size=scenario.consortium.max_size,
        reports_per_session=cover.reports_per_session, min_ratio=cover.min_ratio,
        weekend_subspecialties=cover.weekend_subspecialties)
    assert orphans == []
    assert any(len(g) > 1 for g in groups)
    assert all(windows(tables["trusts"], scenario.planning).values())
    capacity = capacity_by_trust(tables["rosters"], cover.reports_per_session)
    failing = [t for t in tables["trusts"] if fails_weekend_alone(
        t["code"], capacity, demand_by_trust(tables["demand"]), weekend_cover(tables["rosters"]),
        cover.min_ratio, cover.weekend_subspecialties)]
    assert len(failing) >= 10


def _read(path):
    import csv
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("lat", "lon", "mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            if key in r:
                r[key] = float(r[key])
    return rows
