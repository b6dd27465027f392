"""The plan folder: written atomically, deterministic, complete, and readable by GIS tools."""

from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pyogrio
import pytest
import yaml
from cases import case
from conftest import ROOT

import consortia
import consortia.folders
from consortia import check, load_instance, load_scenario, solve, write_plan
from consortia.cli import main
from consortia.errors import ConsortiaError
from consortia.outputs import PlanRejected

DEMO = ROOT / "inputs" / "demo" / "scenario.yaml"
JULY = "2014-07-01"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo scenario, its plan, and the plan folder (no figures)."""
    scenario = load_scenario(DEMO)
    plan = solve(scenario)
    folder = write_plan(plan, tmp_path_factory.mktemp("demo") / "plan", figures=False)
    return scenario, plan, folder


def snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def solve_cli(scenario_path, out) -> int:
    return main(["solve", str(scenario_path), "--out", str(out), "--no-maps", "--quiet"])


@pytest.fixture
def written(tmp_path):
    """A three-trust scenario and its good plan folder at tmp_path/plan."""
    scenario = case(tmp_path / "in", {"A": (0, JULY), "B": (10, JULY), "C": (20, JULY)})
    assert solve_cli(scenario.source, tmp_path / "plan") == 0
    return scenario, tmp_path / "plan"


def test_infeasible_run_leaves_no_folder_and_keeps_the_good_plan(written, tmp_path, capsys):
    scenario, folder = written
    before = snapshot(folder)
    trusts = scenario.inputs.trusts
    trusts.write_text(trusts.read_text(encoding="utf-8").replace("2014-07-01", "2019-07-01", 1), encoding="utf-8")
    assert solve_cli(scenario.source, folder) == 1
    assert solve_cli(scenario.source, tmp_path / "new") == 1
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "plan"]


def test_plan_failing_the_check_is_never_moved_into_place(written, tmp_path, monkeypatch):
    scenario, folder = written
    before = snapshot(folder)
    plan = solve(scenario)
    report = check(scenario, folder)
    report.violations.append("a rule the checker says is broken")
    monkeypatch.setattr("consortia.checker.check_plan", lambda *args: report)
    with pytest.raises(PlanRejected):
        write_plan(plan, folder, figures=False)
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "plan"]


def test_rerun_replaces_the_plan_folder_cleanly(written, tmp_path):
    scenario, folder = written
    (folder / "map.png").write_text("a figure of an older run, listed in the manifest", encoding="utf-8")
    consortia.folders.record(folder, ["map.png"])
    (folder / "notes.txt").write_text("the user's own notes", encoding="utf-8")
    doc = yaml.safe_load(scenario.source.read_text(encoding="utf-8"))
    doc["directives"] = {"apart": [["A", "B"]]}
    scenario.source.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert solve_cli(scenario.source, folder) == 0
    assert not (folder / "map.png").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "the user's own notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "plan"]
    assert "directives" in yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))["settings"]
    assert check(load_scenario(scenario.source), folder).ok


def test_current_folder_is_never_replaced(written, tmp_path, monkeypatch):
    scenario, folder = written
    plan = solve(scenario)
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    for target in (".", "sub/.."):
        with pytest.raises(ConsortiaError, match="current folder"):
            write_plan(plan, target, figures=False)
    assert snapshot(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "plan"]


def test_relative_folder_with_dots_is_written(written, tmp_path, monkeypatch):
    scenario, _ = written
    monkeypatch.chdir(tmp_path)
    path = write_plan(solve(scenario), "in/../again", figures=False)
    assert path == tmp_path / "again" and check(scenario, path).ok


def test_plan_is_deterministic(demo, tmp_path):
    scenario, _, folder = demo
    again = write_plan(solve(scenario), tmp_path / "again", figures=False)
    for name in ("assignments.csv", "consortia.csv"):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_plan_yaml_records_result_provenance_and_settings(demo):
    scenario, plan, folder = demo
    doc = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    assert doc["status"] == "optimal" and doc["gap"] <= 1e-6
    assert doc["objective"] == pytest.approx(plan.objective) and doc["best_bound"] == pytest.approx(plan.objective)
    assert set(doc["terms"]) == {"timing", "distance", "shortfall", "subspecialty_gap", "standalone"}
    assert sum(doc["terms"].values()) == pytest.approx(doc["objective"])
    assert {"name", "time_limit", "threads", "build_seconds", "solve_seconds"} <= set(doc["solver"])
    assert doc["solver"]["name"] == "highs"
    assert doc["package_version"] == consortia.__version__
    assert {"python", "pulp", "highspy"} <= set(doc["created_with"])
    assert set(doc["inputs"]) == {"trusts", "rosters", "demand", "links"}
    for kind, entry in doc["inputs"].items():
        path = getattr(scenario.inputs, kind)
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), kind
    assert doc["settings"] == json.loads(json.dumps(scenario.to_dict()))
    assert doc["settings"]["market"]["capacity"] == 2
    assert doc["metrics"]["n_trusts"] == 12 and doc["synthetic"] is True


def test_geojson_holds_both_layers(demo):
    _, plan, folder = demo
    features = json.loads((folder / "consortia.geojson").read_text(encoding="utf-8"))["features"]
    trusts = [f for f in features if f["properties"]["layer"] == "trusts"]
    hulls = [f for f in features if f["properties"]["layer"] == "consortia"]
    assert len(trusts) + len(hulls) == len(features)
    assert sorted(f["properties"]["trust"] for f in trusts) == sorted(plan.assignments)
    assert sorted(f["properties"]["consortium"] for f in hulls) == sorted(c.id for c in plan.consortia)
    assert {f["geometry"]["type"] for f in trusts} == {"Point"}
    assert {f["geometry"]["type"] for f in hulls} == {"Polygon"}


def test_geopackage_has_trusts_and_consortia_layers(demo):
    _, plan, folder = demo
    assert sorted(name for name, _ in pyogrio.list_layers(folder / "consortia.gpkg")) == ["consortia", "trusts"]
    trusts = gpd.read_file(folder / "consortia.gpkg", layer="trusts")
    hulls = gpd.read_file(folder / "consortia.gpkg", layer="consortia")
    assert trusts.crs.to_epsg() == hulls.crs.to_epsg() == 4326
    assert sorted(trusts["trust"]) == sorted(plan.assignments)
    assert sorted(hulls["consortium"]) == sorted(c.id for c in plan.consortia)
    for c in plan.consortia:  # every member's point lies in its consortium's polygon
        hull = hulls.loc[hulls["consortium"] == c.id, "geometry"].iloc[0]
        assert trusts.loc[trusts["trust"].isin(c.members), "geometry"].within(hull).all(), c.id


def test_extra_trust_columns_are_carried_without_clobbering_the_plan(tmp_path):
    scenario = case(tmp_path / "in", {"A": (0, JULY), "B": (10, JULY)})
    path = scenario.inputs.trusts
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",note,consortium,Trust,fid,"] + [line + f",n{k},OLD{k},x,y," for k, line in
                                                         enumerate(lines[1:])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = solve(scenario)
    folder = write_plan(plan, tmp_path / "plan", figures=False)
    assert check(scenario, folder).ok
    header = (folder / "assignments.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[-4:] == ["note", "input_consortium", "input_Trust", "input_fid"]
    trusts = gpd.read_file(folder / "consortia.gpkg", layer="trusts")
    assert set(trusts["consortium"]) == {plan.consortia[0].id} and set(trusts["input_consortium"]) == {"OLD0", "OLD1"}
    assert load_instance(scenario).trust("A").extra == {"note": "n0", "consortium": "OLD0", "Trust": "x", "fid": "y"}


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o027, 0o750)])
def test_plan_folder_permissions_follow_the_umask(demo, tmp_path, umask, mode):
    """A colleague on a shared drive can open the plan folder (it is not owner-only)."""
    import os
    import stat
    scenario, plan, _ = demo
    previous = os.umask(umask)
    try:
        folder = write_plan(plan, tmp_path / "plan", figures=False)
        again = write_plan(plan, tmp_path / "plan", figures=False)  # replacing an existing plan
    finally:
        os.umask(previous)
    assert again == folder
    assert stat.S_IMODE(folder.stat().st_mode) == mode
    assert stat.S_IMODE((folder / "plan.yaml").stat().st_mode) == mode & 0o666
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]
