"""The command line end to end: solve the demo from a clean folder, check the plan, check
proposals, catch a tampered plan; solvers and honest status."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cases import case
from conftest import ROOT

from consortia import check, load_instance, load_scenario, solve, with_overrides, write_plan
from consortia.checker import _km
from consortia.cli import main
from consortia.examples.synth import write_instance
from consortia.status import PROVEN_GAP, relative_gap

DEMO = ROOT / "inputs" / "demo" / "scenario.yaml"
PLAN_FILES = ("assignments.csv", "consortia.csv", "plan.yaml", "consortia.geojson", "consortia.gpkg")


def consortia_cmd(*args, cwd) -> subprocess.CompletedProcess:
    """Run the installed ``consortia`` command (or ``python -m consortia.cli`` without it)."""
    exe = shutil.which("consortia")
    command = [exe] if exe else [sys.executable, "-m", "consortia.cli"]
    return subprocess.run([*command, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``consortia solve <demo> --no-maps`` run in a clean folder: (folder, completed process)."""
    here = tmp_path_factory.mktemp("clean")
    return here, consortia_cmd("solve", DEMO, "--no-maps", cwd=here)


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, table: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    return path


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


def test_solve_writes_the_plan_folder_in_a_clean_folder(demo):
    here, done = demo
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in here.iterdir()) == ["solutions"]
    assert sorted(p.name for p in (here / "solutions").iterdir()) == ["demo"]  # no temporary folder left
    for name in PLAN_FILES:
        assert (here / "solutions" / "demo" / name).stat().st_size > 0, name
    assert "passed the independent check" in done.stdout


def test_check_passes_the_written_plan(demo):
    here, _ = demo
    done = consortia_cmd("check", DEMO, "solutions/demo", cwd=here)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout


def test_proposal_without_go_live_gets_go_lives_chosen(demo, tmp_path, capsys):
    here, _ = demo
    plan = rows(here / "solutions" / "demo" / "assignments.csv")
    proposal = write_rows(tmp_path / "proposal.csv", [{"trust": r["trust"], "consortium": r["consortium"]}
                                                      for r in plan])
    code, text = run(capsys, "check", DEMO, proposal)
    assert code == 0, text
    assert "go-live dates chosen" in text
    for r in plan:  # the plan's go-lives are the cheapest, so the checker finds the same cost
        assert r["consortium"] in text
    written = yaml.safe_load((here / "solutions" / "demo" / "plan.yaml").read_text(encoding="utf-8"))
    assert f"score recomputed: {written['objective']:.2f} points" in text


def test_bad_proposal_lists_the_broken_rules(demo, tmp_path, capsys):
    scenario = load_scenario(DEMO)
    trusts = {t.code: t for t in load_instance(scenario).trusts}
    a, b = max(((a, b) for a in trusts for b in trusts if a < b), key=lambda p: _km(trusts[p[0]], trusts[p[1]]))
    assert _km(trusts[a], trusts[b]) > 2 * scenario.network.max_distance_km
    here, _ = demo
    table = [{"trust": r["trust"], "consortium": "FAR" if r["trust"] in (a, b) else r["consortium"]}
             for r in rows(here / "solutions" / "demo" / "assignments.csv")]
    code, text = run(capsys, "check", DEMO, write_rows(tmp_path / "proposal.csv", table))
    assert code == 1
    assert "broken rule(s)" in text
    assert f"{a} and {b} in consortium FAR are not linked" in text and "network.max_distance_km=60" in text
    assert "score not comparable with a valid plan" in text and "score recomputed" not in text


def test_tampered_plan_fails_the_check(demo, tmp_path, capsys):
    here, _ = demo
    folder = tmp_path / "tampered"
    shutil.copytree(here / "solutions" / "demo", folder)
    table = rows(folder / "assignments.csv")
    moved = table[0]
    home, other = moved["consortium"], next(r["consortium"] for r in table if r["consortium"] != moved["consortium"])
    moved["consortium"] = other
    write_rows(folder / "assignments.csv", table)
    code, text = run(capsys, "check", DEMO, folder)
    assert code == 1
    assert f"members of {home} differ from assignments.csv" in text
    assert f"members of {other} differ from assignments.csv" in text


def test_member_going_live_apart_fails_the_check(demo, tmp_path, capsys):
    here, _ = demo
    folder = tmp_path / "tampered"
    shutil.copytree(here / "solutions" / "demo", folder)
    table = rows(folder / "assignments.csv")
    second = next(r for k, r in enumerate(table) if r["consortium"] in {o["consortium"] for o in table[:k]})
    second["go_live"] = "2016-04-01"
    write_rows(folder / "assignments.csv", table)
    code, text = run(capsys, "check", DEMO, folder)
    assert code == 1
    assert f"{second['trust']} goes live 2016-04-01 but the rest of consortium {second['consortium']}" in text


def test_proposal_keeping_a_fixed_consortium_keeps_its_go_live(tmp_path, capsys):
    fixed = {"directives": {"fixed": [{"members": ["A", "B"], "go_live": "2014-10-01"}]}}
    scenario = case(tmp_path / "in", {"A": (0, "2014-07-01"), "B": (10, "2014-07-01"), "C": (20, "2014-07-01")},
                    fixed)
    table = [{"trust": "A", "consortium": "P1"}, {"trust": "B", "consortium": "P1"},
             {"trust": "C", "consortium": "P2"}]
    code, text = run(capsys, "check", scenario.source, write_rows(tmp_path / "proposal.csv", table))
    assert code == 0, text
    assert "P1: 2014-10-01 (A B)" in text and "P2: 2014-07-01 (C)" in text


def edit_plan_yaml(change):
    def edit(folder):
        doc = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
        (folder / "plan.yaml").write_text(yaml.safe_dump(change(doc), sort_keys=False), encoding="utf-8")
    return edit


def edit_consortia_csv(column, value):
    def edit(folder):
        table = rows(folder / "consortia.csv")
        table[0][column] = value
        write_rows(folder / "consortia.csv", table)
    return edit


HAND_EDITS = {
    "bound below an optimal objective": (edit_plan_yaml(lambda d: {**d, "best_bound": d["objective"] / 2}),
                                         "status optimal but the bound does not meet the objective"),
    "gap that does not match": (edit_plan_yaml(lambda d: {**d, "gap": 0.25}),
                                "gap 0.25 does not match the objective and best_bound"),
    "objective not a number": (edit_plan_yaml(lambda d: {**d, "objective": "lots"}),
                               "plan.yaml: objective lots"),
    "plan.yaml not a mapping": (edit_plan_yaml(lambda d: ["a list"]), "plan.yaml is not a mapping"),
    "distance not a number": (edit_consortia_csv("distance_km", "forty"), "row 1: distance_km forty"),
    "infinite cover": (edit_consortia_csv("cover_ratio_mon", "inf"), "row 1: cover_ratio_mon inf"),
}


@pytest.mark.parametrize("name", HAND_EDITS)
def test_hand_edited_plan_fails_the_check_without_crashing(demo, tmp_path, capsys, name):
    here, _ = demo
    folder = tmp_path / "edited"
    shutil.copytree(here / "solutions" / "demo", folder)
    edit, expected = HAND_EDITS[name]
    edit(folder)
    code, text = run(capsys, "check", DEMO, folder)
    assert code == 1, text
    assert expected in text


def test_check_of_a_non_csv_proposal_is_bad_input(tmp_path, capsys):
    proposal = tmp_path / "proposal.xlsx"
    proposal.write_bytes(b"PK\x03\x04\xff\xfe binary spreadsheet")
    code, text = run(capsys, "check", DEMO, proposal)
    assert code == 2 and "proposal.xlsx" in text and "internal error" not in text


def test_cbc_solves_the_demo_to_the_highs_objective(tmp_path):
    scenario = load_scenario(DEMO)
    highs = solve(scenario)
    cbc_scenario = with_overrides(scenario, {"solver.name": "cbc"})
    cbc = solve(cbc_scenario)
    assert highs.status == cbc.status == "optimal"
    assert cbc.solver["name"] == "cbc"
    assert cbc.objective == pytest.approx(highs.objective, abs=1e-6)
    assert check(cbc_scenario, write_plan(cbc, tmp_path / "cbc", figures=False)).ok


def test_unknown_solver_is_bad_input_listing_the_solvers(tmp_path, capsys):
    code, text = run(capsys, "solve", DEMO, "--solver", "gurobbi", "--out", tmp_path / "plan", "--no-maps",
                     "--quiet")
    assert code == 2
    assert "gurobbi" in text and "highs" in text and "cbc" in text
    assert not (tmp_path / "plan").exists()


def test_status_is_honest_under_a_tiny_time_limit(tmp_path, capsys):
    """A plan is 'optimal' only with a proven bound; the status, bound and gap agree."""
    path = write_instance(tmp_path / "big", 134, 7)
    scenario = with_overrides(load_scenario(path), {"solver.time_limit": 0.5, "solver.threads": 1})
    plan = solve(scenario)
    assert plan.status in ("optimal", "feasible", "no_solution")
    if plan.status == "no_solution":
        assert plan.objective is None and not plan.consortia and plan.diagnosis
    else:
        assert plan.gap == pytest.approx(relative_gap(plan.objective, plan.best_bound))
        assert plan.best_bound is None or plan.best_bound <= plan.objective + 1e-6 * max(1, plan.objective)
        assert (plan.status == "optimal") == (plan.gap is not None and plan.gap <= PROVEN_GAP)
        assert check(scenario, write_plan(plan, tmp_path / "plan", figures=False)).ok
    code, _ = run(capsys, "solve", path, "--time-limit", "0.5", "--threads", "1", "--out", tmp_path / "cli",
                  "--no-maps", "--no-rota", "--quiet")
    assert code in (0, 3)
    if code == 3:
        assert not (tmp_path / "cli").exists()
    else:
        doc = yaml.safe_load((tmp_path / "cli" / "plan.yaml").read_text(encoding="utf-8"))
        assert doc["status"] != "optimal" or doc["gap"] <= PROVEN_GAP


def test_solve_speaks_plain_words(tmp_path, capsys):
    code, text = run(capsys, "solve", DEMO, "--out", tmp_path / "plan", "--no-maps")
    assert code == 0, text
    assert "time limit 60 s in all" in text
    assert "proven optimal" in text and "bound -" not in text and "gap -" not in text
    assert "widest pair of members" in text and "(rule: at most 60 km)" in text
    assert "DMA Avonford General Hospital" in text
    assert "no standalone trust" in text and "standalone trusts;" not in text
    assert "39 months x 1" in text  # the demo plan rostered at one weekend in four


def test_progress_reports_a_silent_stage_and_the_plural_is_right(capsys):
    """A stage that runs silently gets a "still working" line from the heartbeat (waited for, not
    slept for: the heartbeat's clock is not raced)."""
    import threading

    from consortia.cli.plan import Progress
    from consortia.figures.words import plural
    progress = Progress(load_scenario(DEMO), quiet=False, beat=0.5)
    heard = threading.Event()
    say = progress._print

    def printed(text: str) -> None:
        say(text)
        if "still working" in text:
            heard.set()
    progress._print = printed
    try:
        progress("warm start")
        assert heard.wait(60), "no heartbeat line while the stage ran"  # 60 s: only against a hang
    finally:
        progress.close()
    err = capsys.readouterr().err
    assert "warm start: a first plan from a quick sub-solve (at most 12 s)" in err
    assert "still working" in err and "so far: warm start" in err
    assert plural(1, "standalone trust") == "1 standalone trust"
