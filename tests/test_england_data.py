"""The committed England example: real trusts, synthetic tables, and why groups help."""

import csv
import json
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from consortia.errors import ConsortiaError
from consortia.examples.england import (
    MAX_DISTANCE_KM,
    MIN_RATIO,
    REPORTS_PER_SESSION,
    Settings,
    _planning,
    _witness,
    cover_summary,
    generate_england,
)
from consortia.examples.synth import windows
from consortia.scenario import load_scenario

ENGLAND = Path(__file__).resolve().parents[1] / "inputs" / "england"
FILES = ("trusts.csv", "rosters.csv", "demand.csv", "regions.geojson", "scenario.yaml", "README.md")


def rows(name):
    with (ENGLAND / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def tables():
    trusts = rows("trusts.csv")
    for t in trusts:
        t["lat"], t["lon"] = float(t["lat"]), float(t["lon"])
    rosters = rows("rosters.csv")
    for r in rosters:
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            r[day] = float(r[day])
    return {"trusts": trusts, "rosters": rosters, "demand": rows("demand.csv")}


def test_134_unique_codes_all_labelled_synthetic(tables):
    codes = [t["code"] for t in tables["trusts"]]
    assert len(codes) == 134 == len(set(codes))
    assert {t["synthetic_fields"] for t in tables["trusts"]} == {"contract_end"}
    assert {r["trust"] for r in tables["rosters"]} == set(codes)
    assert [d["trust"] for d in tables["demand"]] == codes


def test_coordinates_inside_england_and_own_region(tables):
    features = json.loads((ENGLAND / "regions.geojson").read_text(encoding="utf-8"))["features"]
    polygons = {f["properties"]["name"]: shape(f["geometry"]) for f in features}
    for t in tables["trusts"]:
        assert 49.8 <= t["lat"] <= 55.9 and -6.5 <= t["lon"] <= 2.0, t["code"]
        assert polygons[t["region"]].contains(Point(t["lon"], t["lat"])), t["code"]


def test_source_copies_untouched():
    shared = Path("/work/shared/data")
    if not shared.is_dir():
        pytest.skip("shared data folder not present")
    for name in ("england_acute_trusts.csv", "england_regions.geojson", "SOURCES.md"):
        assert (ENGLAND / "source" / name).read_bytes() == (shared / name).read_bytes()


def test_same_seed_regenerates_identical_files(tmp_path):
    generate_england(tmp_path, 2013)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (ENGLAND / name).read_bytes(), name


def test_scenario_loads_and_is_labelled():
    scenario = load_scenario(ENGLAND / "scenario.yaml")
    assert scenario.synthetic and "synthetic" in scenario.attribution
    assert "Open Government Licence" in scenario.attribution
    assert scenario.cover.mode == "hard" and scenario.cover.weekend_subspecialties == ["neuro"]


def test_every_trust_has_a_go_live_window(tables):
    scenario = load_scenario(ENGLAND / "scenario.yaml")
    assert all(windows(tables["trusts"], scenario.planning).values())


def test_alone_many_fail_pooled_most_pass(tables):
    summary = cover_summary(tables["trusts"], tables["rosters"], tables["demand"],
                            max_distance_km=MAX_DISTANCE_KM, min_ratio=MIN_RATIO,
                            reports_per_session=REPORTS_PER_SESSION)
    n = summary["n"]
    assert len(summary["alone_fail"]) / n >= 0.5
    assert len(summary["pooled_fail"]) / n <= 0.1


def test_a_hard_cover_witness_plan_exists(tables):
    groups, orphans = _witness(tables["trusts"], tables["rosters"], tables["demand"],
                               _planning(Settings()))
    assert orphans == []
    assert sorted(c for g in groups for c in g) == sorted(t["code"] for t in tables["trusts"])
    assert sum(len(g) > 1 for g in groups) >= 10


def test_bad_arguments_raise_consortia_error(tmp_path):
    with pytest.raises(ConsortiaError):
        generate_england(tmp_path, 2013, weekend_share=0)
    with pytest.raises(ConsortiaError):
        generate_england(tmp_path, "2013")
    with pytest.raises(ConsortiaError):
        generate_england(tmp_path, 2013, source_dir=tmp_path / "missing")
