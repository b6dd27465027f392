"""Batch runs: expansion and validation of the batch file, the local process pool and a Dask
LocalCluster giving identical results, failing scenarios, resume, Ctrl-C and the summary."""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import time
from pathlib import Path

import browser
import pytest
import yaml
from conftest import ROOT

import consortia.batch.executors
from consortia.batch import RESULT_FILE, Reporter, batch_key, load_batch, run_batch, run_task, safe_name
from consortia.batch.executors import empty_record
from consortia.cli.batch import add_parsers, cmd_batch
from consortia.errors import ConsortiaError
from consortia.folders import MANIFEST
from consortia.scenario import NAME_PATTERN, with_overrides

DEMO = ROOT / "inputs" / "demo" / "scenario.yaml"

# Seven small scenarios on the demo instance; the third fails at solve time (no such solver)
# and the fourth is infeasible. One solver thread each, so both executors find the same plans.
BATCH = {
    "name": "t",
    "base": str(DEMO),
    "overrides": {"solver.time_limit": 20, "solver.threads": 1},
    "scenarios": {
        "baseline": {},
        "soft": {"cover.mode": "soft"},
        "bad-solver": {"solver.name": "NO_SUCH_SOLVER"},
        "impossible": {"consortium.allow_standalone": False, "network.max_distance_km": 20},
        "cbc": {"solver.name": "cbc"},
    },
    "grids": {"cap": {"market.capacity": [1, 2], "network.max_distance_km": [60]}},
}
NAMES = ["baseline", "soft", "bad-solver", "impossible", "cbc", "cap__capacity-1", "cap__capacity-2"]
TIMING_COLUMNS = {"solve_seconds", "seconds", "worker", "reused"}
PLAN = ("optimal", "feasible")


def write_batch(folder: Path, data: dict, name: str = "batch.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def read_summary(folder: Path) -> list[dict]:
    with open(folder / "summary.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def error_of(tmp_path: Path, data: dict) -> str:
    with pytest.raises(ConsortiaError) as info:
        load_batch(write_batch(tmp_path, data))
    return str(info.value)


# ----------------------------------------------------------------------------- the batch file

def test_expansion_names_order_and_resolved_settings(tmp_path):
    batch = load_batch(write_batch(tmp_path, {
        "base": str(DEMO),
        "overrides": {"solver.time_limit": 5},
        "scenarios": {"wide": {"network.max_distance_km": 90}},
        "grids": {"g": {"network.max_distance_km": [40, 60.5], "market.capacity": [1, None],
                        "cover.mode": ["soft"], "cover.weekend_subspecialties": [[], ["neuro"]]}},
    }))
    assert batch.name == "batch" and batch.output == Path("solutions/batch")
    names = [s.name for s in batch.scenarios]
    assert names[:3] == ["wide", "g__max_distance_km-40__capacity-1__weekend_subspecialties-none",
                         "g__max_distance_km-40__capacity-1__weekend_subspecialties-neuro"]
    assert len(names) == 1 + 2 * 2 * 2 and len(set(names)) == len(names)
    assert "g__max_distance_km-60.5__capacity-null__weekend_subspecialties-neuro" in names
    assert all(NAME_PATTERN.match(n) for n in names)
    assert batch.swept_keys == ("network.max_distance_km", "market.capacity", "cover.mode",
                                "cover.weekend_subspecialties")
    last = batch.scenarios[-1]
    assert last.group == "g" and last.scenario.name == last.name
    assert last.scenario.network.max_distance_km == 60.5 and last.scenario.market.capacity is None
    assert last.scenario.cover.mode == "soft" and last.scenario.solver.time_limit == 5
    assert batch.scenarios[0].scenario.market.capacity == 2  # the base's value
    assert not batch.sets_threads


def test_input_overrides_are_relative_to_the_batch_file(tmp_path):
    shutil.copy(ROOT / "inputs/demo/demand.csv", tmp_path / "demand-b.csv")
    batch = load_batch(write_batch(tmp_path, {"base": str(DEMO),
                                              "grids": {"d": {"inputs.demand": ["demand-b.csv"]}}}))
    assert batch.scenarios[0].name == "d"
    assert batch.scenarios[0].scenario.inputs.demand == tmp_path / "demand-b.csv"


@pytest.mark.parametrize("data, expected", [
    ({"scenarios": {"a": {"network.max_distnce_km": 60}}},
     "key 'network.max_distnce_km': scenario 'a': unknown setting; did you mean 'network.max_distance_km'?"),
    ({"grids": {"g": {"max_distance_km": [60]}}},
     "grid 'g': unknown setting; did you mean 'network.max_distance_km'?"),
    ({"overrides": {"solver.tme_limit": 3}, "scenarios": {"a": {}}},
     "overrides: unknown setting; did you mean 'solver.time_limit'?"),
    ({"scenarios": {"a": {"network": {"max_distance_km": 60}}}},
     "'network' is a section; override its settings one by one"),
    ({"scenarios": {"a": {"name": "x"}}}, "cannot be overridden in a batch"),
    ({"scenarios": {"a": {"output.folder": "x"}}}, "cannot be overridden in a batch"),
    ({"grid": {"g": {"market.capacity": [1]}}}, "unknown batch key; did you mean 'grids'?"),
    ({"scenarios": {"a": {"network.max_distance_km": "far"}}},
     "key 'network.max_distance_km': scenario 'a': expected a number, got 'far'"),
    ({"grids": {"g": {"network.max_distance_km": [60, -5]}}},
     "scenario 'g__max_distance_km--5' of grid 'g': -5.0 must be > 0"),
    ({"grids": {"g": {"market.capacity": 2}}}, "each key needs a non-empty list of values"),
    ({"scenarios": {"../escape": {}}}, "scenario name '../escape' must start with a letter or digit"),
    ({"scenarios": {"a/b": {}}}, "scenario name 'a/b' must start with a letter or digit"),
    ({"scenarios": {"summary.csv": {}}}, "is reserved"),
    ({"scenarios": {"Base": {}, "base": {}}}, "two scenarios are named 'base'"),
    ({"scenarios": {"g": {}}, "grids": {"g": {"market.capacity": [1]}}}, "two scenarios are named 'g'"),
    ({"scenarios": {}}, "no scenarios"),
    ({"scenarios": {"a": {"directives.exclude": ["NOPE"]}}}, "scenario 'a': unknown trust 'NOPE'"),
])
def test_bad_batch_files_are_refused_before_anything_runs(tmp_path, data, expected):
    data = {"base": str(DEMO), **data}
    if expected.startswith("scenario 'a': unknown trust"):
        with pytest.raises(ConsortiaError) as info:
            run_batch(load_batch(write_batch(tmp_path, data)), output=tmp_path / "out")
        message = str(info.value)
        assert not (tmp_path / "out").exists()
    else:
        message = error_of(tmp_path, data)
    assert expected in message
    assert "batch.yaml" in message


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "batch.yaml"
    path.write_text(f"base: {DEMO}\nscenarios:\n  a: {{market.capacity: 1, market.capacity: 2}}\n")
    with pytest.raises(ConsortiaError, match=r"key 'market.capacity': key given twice \(line 3\)"):
        load_batch(path)


def test_generated_names_are_safe_and_unique():
    for text in ("a/../b c", "../../etc/passwd", "-x", "ü€", "a" * 300, "." * 5):
        name = safe_name(text)
        assert NAME_PATTERN.match(name) and "/" not in name and len(name) <= 100
    assert safe_name("a" * 300) != safe_name("a" * 299 + "b")


def test_batch_key_follows_settings_and_input_contents_not_threads(tmp_path):
    base = load_batch(write_batch(tmp_path, {"base": str(DEMO), "scenarios": {"a": {}}})).scenarios[0].scenario
    hashes = {"trusts": "1", "rosters": "2", "demand": "3"}
    key = batch_key(base, hashes)
    assert batch_key(with_overrides(base, {"solver.threads": 2}), hashes) == key
    assert batch_key(with_overrides(base, {"name": "other"}), hashes) == key
    assert batch_key(with_overrides(base, {"inputs.trusts": "/elsewhere/trusts.csv"}), hashes) == key
    assert batch_key(with_overrides(base, {"market.capacity": 3}), hashes) != key
    assert batch_key(base, {**hashes, "demand": "4"}) != key


# ----------------------------------------------------------------------------- running

@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch-local")
    batch = load_batch(write_batch(folder, BATCH))
    return run_batch(batch, output=folder / "out", workers=2)


def test_local_batch_runs_every_scenario_and_reports_failures(local_run):
    run = local_run
    out = run.output
    assert [s.name for s in run.batch.scenarios] == NAMES
    status = {r["scenario"]: "plan" if r["status"] in PLAN else r["status"] for r in run.records}
    assert status == {"baseline": "plan", "soft": "plan", "bad-solver": "error", "impossible": "infeasible",
                      "cbc": "plan", "cap__capacity-1": "plan", "cap__capacity-2": "plan"}
    assert run.exit_code == 1 and not run.interrupted
    for name in ("baseline", "soft", "cbc", "cap__capacity-1", "cap__capacity-2"):
        files = {p.name for p in (out / name).iterdir()}
        assert {"assignments.csv", "consortia.csv", "plan.yaml", "consortia.geojson", "consortia.gpkg",
                RESULT_FILE} <= files
        assert "map.png" not in files
        plan = yaml.safe_load((out / name / "plan.yaml").read_text())
        assert plan["scenario"] == name
        assert plan["settings"]["inputs"]["trusts"] == str(ROOT / "inputs/demo/trusts.csv")
        assert plan["inputs"]["trusts"]["path"] == str(ROOT / "inputs/demo/trusts.csv")
        assert plan["settings"]["output"]["folder"] == str(out / name)
        assert plan["settings"]["solver"]["threads"] == 1
    assert {p.name for p in (out / "impossible").iterdir()} == {RESULT_FILE, MANIFEST}
    assert {p.name for p in (out / "bad-solver").iterdir()} == {RESULT_FILE, MANIFEST}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]

    rows = read_summary(out)
    assert [r["scenario"] for r in rows] == NAMES
    columns = list(rows[0])
    for column in ("network.max_distance_km", "market.capacity", "cover.mode", "solver.name",
                   "consortium.allow_standalone", "status", "objective", "term_timing", "term_distance",
                   "term_shortfall", "term_subspecialty_gap", "term_standalone", "best_bound", "gap",
                   "n_consortia", "n_standalone", "trusts_full_cover_pooled", "peak_market",
                   "market_per_period", "solve_seconds", "message"):
        assert column in columns
    by_name = {r["scenario"]: r for r in rows}
    assert "unknown solver 'NO_SUCH_SOLVER'" in by_name["bad-solver"]["message"]
    assert by_name["impossible"]["message"] and by_name["impossible"]["objective"] == ""
    assert by_name["cap__capacity-1"]["market.capacity"] == "1"
    assert by_name["cap__capacity-1"]["peak_market"] == "1"
    assert by_name["soft"]["cover.mode"] == "soft" and by_name["baseline"]["cover.mode"] == "hard"
    base = by_name["baseline"]
    total = sum(float(base[f"term_{t}"]) for t in ("timing", "distance", "shortfall", "subspecialty_gap",
                                                   "standalone"))
    assert float(base["objective"]) == pytest.approx(total, abs=1e-5)
    if by_name["cbc"]["status"] == base["status"] == "optimal":
        assert float(by_name["cbc"]["objective"]) == pytest.approx(float(base["objective"]), abs=1e-5)

    page = (out / "summary.html").read_text()
    assert page.count("<img") >= 3 and "data:image/svg+xml;base64," in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "href='bad-solver/batch-result.yaml'" in page and "href='baseline/plan.yaml'" in page


@pytest.mark.skipif(browser.chromium_path() is None, reason="Chromium is not installed")
def test_summary_html_renders_offline(local_run):
    report = browser.open_page(local_run.output / "summary.html", selectors={"rows": "table.summary tbody tr"},
                               expressions={"charts": "Array.from(document.images).filter("
                                                      "i => i.complete && i.naturalWidth > 0).length"})
    assert report.errors == [] and report.requests == []
    assert report.counts["rows"] == len(NAMES)
    assert report.values["charts"] >= 3
    assert not browser.is_blank(report.screenshot)


@pytest.mark.skipif(browser.chromium_path() is None, reason="Chromium is not installed")
def test_summary_html_is_readable_at_1600_px_with_every_scenario_in_the_charts(local_run, tmp_path):
    import base64
    import re
    page = (local_run.output / "summary.html").read_text()
    charts = [base64.b64decode(m).decode("utf-8")
              for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)]
    bars = charts[0]   # objective terms: one row per scenario, those without a plan marked
    for name in NAMES:
        assert name in bars, name
    assert "infeasible: no plan exists" in bars and "failed with an error" in bars
    report = browser.open_page(
        local_run.output / "summary.html", width=1600, height=1000,
        expressions={"page_width": "document.documentElement.scrollWidth",
                     "status_right": "Math.max.apply(null, Array.from(document.querySelectorAll("
                                     "'table.summary .pill')).map(p => p.getBoundingClientRect().right))"})
    (tmp_path / "summary_1600.png").write_bytes(report.screenshot)
    assert report.values["page_width"] <= 1600, "the page itself never scrolls sideways"
    assert report.values["status_right"] <= 1600, "status is visible without scrolling"


def test_no_limit_is_written_in_words():
    from consortia.batch.report import setting_words
    assert setting_words(None) == setting_words("null") == "no limit"
    assert setting_words(2) == "2"


def test_dask_cluster_gives_the_same_results(local_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run = run_batch(local_run.batch, output=tmp_path / "out", scheduler=cluster.scheduler_address)
    assert run.executor == "dask" and run.exit_code == 1
    local_rows, dask_rows = read_summary(local_run.output), read_summary(run.output)
    strip = [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in local_rows]
    assert [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in dask_rows] == strip
    for name in NAMES:
        for file in ("assignments.csv", "consortia.csv"):
            ours, theirs = local_run.output / name / file, run.output / name / file
            assert ours.is_file() == theirs.is_file()
            if ours.is_file():
                assert ours.read_bytes() == theirs.read_bytes()


def test_rerun_skips_unchanged_scenarios_and_reruns_changed_or_failed(local_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(local_run.output, out)
    stamp = (out / "baseline" / "plan.yaml").stat().st_mtime_ns
    run = run_batch(local_run.batch, output=out, workers=1)
    reused = {r["scenario"]: r["reused"] for r in run.records}
    assert reused == {n: n != "bad-solver" for n in NAMES}
    assert (out / "baseline" / "plan.yaml").stat().st_mtime_ns == stamp
    assert [r["reused"] for r in read_summary(out)] == ["false" if n == "bad-solver" else "true" for n in NAMES]
    assert read_summary(out)[0]["objective"] == read_summary(local_run.output)[0]["objective"]

    changed = {**BATCH, "scenarios": {**BATCH["scenarios"], "soft": {"cover.mode": "soft",
                                                                     "objective.shortfall": 2.0}}}
    batch = load_batch(write_batch(tmp_path, changed))
    run = run_batch(batch, output=out, workers=1)
    rerun = sorted(r["scenario"] for r in run.records if not r["reused"])
    assert rerun == ["bad-solver", "soft"]
    assert yaml.safe_load((out / "soft" / "plan.yaml").read_text())["settings"]["objective"]["shortfall"] == 2.0


class _StopAfterFirst(Reporter):
    def finished(self, record):
        raise KeyboardInterrupt


def test_ctrl_c_keeps_finished_plans_and_resume_completes(tmp_path):
    data = {**BATCH, "scenarios": {"baseline": {}, "soft": {"cover.mode": "soft"}}, "grids": {}}
    batch = load_batch(write_batch(tmp_path, data))
    out = tmp_path / "out"
    run = run_batch(batch, output=out, workers=1, reporter=_StopAfterFirst())
    assert run.interrupted and run.exit_code == 130
    done = [r["scenario"] for r in run.records if r is not None]
    assert done == ["baseline"]
    assert sorted(p.name for p in out.iterdir()) == ["baseline", "summary.csv", "summary.html"]
    assert (out / "baseline" / "plan.yaml").is_file()
    rows = read_summary(out)
    assert rows[0]["status"] in PLAN and rows[1]["status"] == "not_run"
    run = run_batch(batch, output=out, workers=1)
    assert run.exit_code == 0
    assert [(r["scenario"], r["reused"]) for r in run.records] == [("baseline", True), ("soft", False)]


def crash_on_soft(task: dict) -> dict:
    """The worker function, except that the process dies on the scenario 'soft'."""
    if task["name"] == "soft":
        os._exit(9)
    return run_task(task)


def test_a_crashing_worker_fails_only_its_own_scenario(tmp_path, monkeypatch):
    monkeypatch.setattr(consortia.batch.executors, "run_task", crash_on_soft)
    data = {**BATCH, "scenarios": {"baseline": {}, "soft": {"cover.mode": "soft"},
                                   "cap1": {"market.capacity": 1}, "cap3": {"market.capacity": 3}},
            "grids": {}}
    run = run_batch(load_batch(write_batch(tmp_path, data)), output=tmp_path / "out", workers=2)
    status = {r["scenario"]: (r["status"], r["message"]) for r in run.records}
    assert status["soft"] == ("error", "the worker process died (crashed or ran out of memory)")
    assert all(status[n][0] in PLAN for n in ("baseline", "cap1", "cap3")), status
    assert run.exit_code == 1


MARKS = "CONSORTIA_TEST_BATCH_MARKS"   # a folder where the workers below leave marks


def _wait_for(path: Path) -> None:
    for _ in range(600):  # at most a minute: only against a hang
        if path.exists():
            return
        time.sleep(0.1)


def hang_on_slow(task: dict) -> dict:
    """The worker function, except that 'quick' leaves a mark per attempt and does not start its
    solve before 'slow' is stopped, and 'slow', once 'quick' has begun, says it started an hour
    ago and then does not end (a mark says so if it ever wakes)."""
    marks = Path(os.environ[MARKS])
    if task["name"] == "slow":
        _wait_for(marks / "quick-attempts")
        (marks / "slow-started").touch()
        consortia.batch.executors._STARTS.put((task["name"], time.monotonic() - 3600.0))
        time.sleep(60)  # far longer than the client takes to stop it
        (marks / "slow-woke").touch()
        return {**empty_record(task["name"]), "message": "ran to the end", "files": {}}
    with open(marks / "quick-attempts", "a") as f:
        f.write("x")
    _wait_for(marks / "slow-stopped")
    return run_task(task)


def test_a_scenario_past_the_batch_timeout_is_stopped_and_the_others_finish(tmp_path, monkeypatch):
    """A scenario running longer than the batch timeout is reported failed and its worker is ended
    (it never runs on); a scenario running beside it when it is stopped is run again and finishes.
    No clock is raced: 'slow' says it began an hour before the timeout of 300 s, and 'quick' is
    running until 'slow' is stopped (hang_on_slow)."""
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv(MARKS, str(marks))
    monkeypatch.setattr(consortia.batch.executors, "run_task", hang_on_slow)
    stop = consortia.batch.executors.LocalPool.stop

    def stop_and_mark(pool, future):
        stop(pool, future)
        (marks / "slow-stopped").touch()
    monkeypatch.setattr(consortia.batch.executors.LocalPool, "stop", stop_and_mark)
    data = {**BATCH, "timeout": 300, "scenarios": {"slow": {}, "quick": {}}, "grids": {}}
    run = run_batch(load_batch(write_batch(tmp_path, data)), output=tmp_path / "out", workers=2)
    status = {r["scenario"]: (r["status"], r["message"]) for r in run.records}
    assert status["slow"] == ("error", "stopped after the batch timeout of 300 s")
    assert (marks / "slow-started").exists() and not (marks / "slow-woke").exists()
    assert status["quick"][0] in PLAN, status
    assert (tmp_path / "out" / "quick" / "plan.yaml").is_file()
    assert (marks / "quick-attempts").read_text() == "xx"  # ended with 'slow', then run again alone
    assert run.exit_code == 1


def test_refuses_to_replace_a_folder_that_is_not_a_plan(tmp_path):
    batch = load_batch(write_batch(tmp_path, {"base": str(DEMO), "scenarios": {"a": {}}}))
    (tmp_path / "out" / "a").mkdir(parents=True)
    (tmp_path / "out" / "a" / "notes.txt").write_text("mine")
    with pytest.raises(ConsortiaError, match="refusing to replace a folder that is not a plan folder"):
        run_batch(batch, output=tmp_path / "out")
    assert (tmp_path / "out" / "a" / "notes.txt").read_text() == "mine"


def _cli(argv):
    parser = argparse.ArgumentParser(prog="consortia")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return cmd_batch(parser.parse_args(argv))


def test_cli_dry_run_and_bad_arguments(tmp_path, capsys):
    path = write_batch(tmp_path, BATCH)
    assert _cli(["batch", str(path), "--dry-run", "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "cap__capacity-2" in err and "would run" in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConsortiaError, match="--workers must be at least 1"):
        _cli(["batch", str(path), "--workers", "0"])
    dask_only = write_batch(tmp_path, {**BATCH, "executor": "dask"}, "dask.yaml")
    with pytest.raises(ConsortiaError, match="needs a scheduler address"):
        _cli(["batch", str(dask_only), "--out", str(tmp_path / "out2")])


def test_summary_of_a_costed_batch_has_the_terms_in_pounds_and_the_unit(tmp_path):
    """A batch of scenarios in pounds: summary.csv has one column per cost term (costs.MONEY_TERMS)
    and the objective's unit; summary.html shows pounds; a weighted batch keeps plan.TERMS."""
    from cases import costed

    from consortia.batch.summary import summary_terms
    from consortia.costs import MONEY_TERMS
    from consortia.plan import TERMS

    layout = {"A": (0, "2014-04-01", "I1"), "B": (20, "2014-04-01", "I2")}
    base = costed(tmp_path / "case", layout, {"procurement": 50000.0, "icb_premium": 30000.0,
                                              "extension_per_month": 10000.0})
    scenarios = {"open": {}, "dear-boundary": {"costs.icb_premium": 60000.0}}
    batch = load_batch(write_batch(tmp_path, {"name": "money", "base": str(base.source),
                                              "overrides": {"solver.threads": 1}, "scenarios": scenarios}))
    run = run_batch(batch, output=tmp_path / "out", workers=1)
    assert summary_terms(batch) == [*MONEY_TERMS, "moved"]
    rows = read_summary(tmp_path / "out")
    assert [r["objective_unit"] for r in rows] == ["GBP", "GBP"]
    for row in rows:
        assert {f"term_{t}" for t in MONEY_TERMS} <= set(row) and "term_timing" not in row
        total = sum(float(row[f"term_{t}"] or 0) for t in MONEY_TERMS)
        assert float(row["objective"]) == pytest.approx(total)
    by_name = {r["scenario"]: r for r in rows}
    assert float(by_name["open"]["term_boundary"]) == pytest.approx(30000.0)
    assert float(by_name["dear-boundary"]["term_procurement"]) == pytest.approx(100000.0)
    assert float(by_name["dear-boundary"]["term_boundary"]) == 0.0
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "£80,000" in page and "least cost: open" in page
    assert run.exit_code == 0
    weighted = load_batch(write_batch(tmp_path / "w", BATCH))
    assert summary_terms(weighted) == list(TERMS)
