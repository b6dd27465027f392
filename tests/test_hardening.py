"""Hardening (issue #12): honest status after a MIP start, clear exit-2 messages instead of
internal errors on bad input, and size limits on settings that multiply work."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT
from small import demand, write_case

from consortia import solve
from consortia.cli import main

DEMO = ROOT / "inputs" / "demo"
FIVE = [("N.2", 51.37301, "2019-10-30"), ("N.3", 51.56054, "2019-06-13"), ("N.4", 51.75588, "2019-07-28"),
        ("N.5", 51.9468, "2019-06-15"), ("N.6", 52.10651, "2019-12-30")]
FIVE_OPTIMUM = 8.819385426732886  # found by CBC, by HiGHS without a start and by enumeration


def five_trusts(folder, method: str, solver: str = "highs"):
    """The issue's five-trust case, where HiGHS took the warm start handed to it as proven optimal."""
    trusts = [{"code": c, "name": c, "lat": lat, "lon": -2.2, "contract_end": end, "region": "North"}
              for c, lat, end in FIVE]
    settings = {
        "planning": {"start": "2019-03-01", "periods": 8, "period_months": 1, "lead_time_months": 0,
                     "max_extension_months": 2, "max_early_exit_months": 5},
        "market": {"capacity": None}, "network": {"max_distance_km": 45, "membership": "clique"},
        "consortium": {"min_size": 2, "max_size": 2, "allow_standalone": True},
        "cover": {"mode": "hard", "min_ratio": 0.0, "weekend_subspecialties": []},
        "objective": {"timing": 0.5, "distance": 0.01, "standalone": 5},
        "solver": {"name": solver, "method": method, "time_limit": 60, "gap": 0.0},
        "rota": {"required": False}}
    return write_case(folder, trusts, [], [demand(c, 0, 0) for c, _, _ in FIVE], settings)


@pytest.mark.parametrize("method,solver", [("compact", "highs"), ("compact", "cbc"), ("enumerate", "highs")])
def test_the_five_trust_case_is_optimal_only_at_its_optimum(tmp_path, method, solver):
    plan = solve(five_trusts(tmp_path, method, solver))
    assert plan.objective == pytest.approx(FIVE_OPTIMUM, abs=1e-6)
    assert plan.status == "optimal"
    assert plan.best_bound <= plan.objective + 1e-9


def test_columns_never_claim_more_than_they_prove_on_the_five_trust_case(tmp_path):
    plan = solve(five_trusts(tmp_path, "columns"))
    assert plan.objective == pytest.approx(FIVE_OPTIMUM, abs=1e-6)
    assert plan.best_bound <= plan.objective + 1e-9
    assert plan.status == ("optimal" if plan.gap <= 1e-6 else "feasible")


def test_highs_claim_after_a_start_is_checked_against_its_dual_bound(tmp_path):
    """The start HiGHS mistook for optimal: its claim is not taken, the search starts again."""
    import pulp

    from consortia.solver import run_solver
    scenario = five_trusts(tmp_path, "compact")
    problem = pulp.LpProblem("start", pulp.LpMinimize)
    x = pulp.LpVariable("x", cat="Binary")
    y = pulp.LpVariable("y", cat="Binary")
    problem += 3 * x + 2 * y + 1
    problem += x + y >= 1
    outcome = run_solver(problem, scenario.solver, start={x: 1.0, y: 0.0})
    assert outcome.objective == pytest.approx(3.0)
    assert outcome.status == "optimal" and outcome.bound == pytest.approx(3.0, abs=1e-5)


BOMB = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                 + [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi")])


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """A copy of the demo input folder, as the current directory."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    monkeypatch.chdir(folder)
    return folder


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


def bad_input(capsys, *args) -> str:
    """The message of a command that must stop with exit 2 on bad input, not an internal error."""
    code, text = run(capsys, *args)
    assert code == 2, text
    assert "internal error" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize("setting,words", [
    ("planning.start=2014-02-30", ["planning.start", "not a calendar date"]),
    ("planning.start=9999-10-01", ["planning.start", "outside the dates"]),
    ("planning.start=0001-01-01", ["planning.start", "outside the dates"]),
    ("planning.periods=1000000000", ["planning.periods", "between 1 and 240"]),
    ("planning.max_extension_months=100000000", ["planning.max_extension_months", "between 0 and 1200"]),
    ("rota.weeks=10000", ["rota.weeks", "between 1 and 104"]),
    ("solver.threads=100000", ["solver.threads", "between 1 and 256"]),
    ("consortium.max_size=1000000000", ["consortium.max_size", "between 2 and 1000"]),
    (f"description={BOMB}", ["description", "expands to more than"]),
    ("description=" + "[" * 5000 + "]" * 5000, ["description", "nested more than 64"]),
], ids=["impossible-date", "year-9999", "year-1", "periods", "extension", "weeks", "threads", "max-size", "bomb",
                                 "deep"])
def test_bad_settings_are_named(demo, capsys, setting, words):
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps", "--set", setting)
    assert all(w in text for w in words), text


def test_threads_flag_is_bounded(demo, capsys):
    assert "solver.threads" in bad_input(capsys, "solve", "scenario.yaml", "--no-maps", "--threads", "100000")


def _with(scenario_text: str, extra: str) -> str:
    return scenario_text.replace("description: Twelve", extra + "\ndescription: Twelve", 1)


@pytest.mark.parametrize("extra,words", [
    ("directives:\n  fixed:\n  - {members: [DMA, DMB], go_live: 2014-02-30}", ["line 6", "not a calendar date"]),
    ("directives:\n  pin:\n  - {trust: DMA, go_live: 2014-02-31}", ["line 6", "not a calendar date"]),
    ("directives:\n  pin:\n  - {trust: DMA, go_live: 9999-12-01}", ["directives.pin[0].go_live", "outside"]),
    ("x: " + "[" * 5000 + "]" * 5000, ["nested more than 64"]),
    (BOMB.replace("a: &a", "x: &a"), ["expands to more than"]),
], ids=["fixed-go-live", "pin-go-live", "pin-year-9999", "deep", "bomb"])
def test_bad_scenario_files_are_named(demo, capsys, extra, words):
    path = demo / "scenario.yaml"
    path.write_text(_with(path.read_text(encoding="utf-8"), extra), encoding="utf-8")
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert "scenario.yaml" in text and all(w in text for w in words), text


def test_a_yaml_bomb_is_refused_quickly_in_a_batch_file(demo, capsys):
    (demo / "bomb.yaml").write_text(BOMB + "\nname: bomb\nbase: scenario.yaml\nscenarios: {x: {}}\n",
                                    encoding="utf-8")
    text = bad_input(capsys, "batch", "bomb.yaml", "--dry-run")
    assert "bomb.yaml" in text and "expands to more than" in text and len(text) < 2000


def _edit_row(path, number: int, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number] = edit(lines[number])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_contract_end_beyond_the_calendar_is_named(demo, capsys):
    _edit_row(demo / "trusts.csv", 1, lambda line: line.replace("2014-06-30", "9999-12-31"))
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert "trusts.csv, row 1, column 'contract_end'" in text and "outside the dates" in text


def test_a_value_over_the_field_limit_is_named(demo, capsys):
    _edit_row(demo / "trusts.csv", 2, lambda line: line.replace("(fictional)", "x" * 200_000, 1))
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert "trusts.csv, row 2" in text and "longer than 131,072 characters" in text


def test_a_row_with_too_few_values_is_named(demo, capsys):
    _edit_row(demo / "trusts.csv", 3, lambda line: "ABC,Foo")
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert "trusts.csv, row 3" in text and "2 values where the header has 7 columns" in text


def test_an_out_name_with_a_newline_is_refused(demo, capsys):
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps", "--out", "a\nb")
    assert "control characters" in text
    assert not any(p.name.startswith(".a") for p in demo.iterdir())


def test_a_huge_batch_grid_is_refused_before_it_is_expanded(demo, capsys):
    grid = "\n".join(f"    {key}: [{', '.join(str(v) for v in values)}]" for key, values in [
        ("network.max_distance_km", range(40, 50)), ("market.capacity", range(1, 11)),
        ("objective.timing", range(10)), ("objective.distance", range(10)), ("objective.standalone", range(10)),
        ("cover.min_ratio", [0.1 * k for k in range(10)]), ("consortium.max_size", range(2, 12))])
    (demo / "grid.yaml").write_text(f"name: big\nbase: scenario.yaml\ngrids:\n  g:\n{grid}\n", encoding="utf-8")
    text = bad_input(capsys, "batch", "grid.yaml", "--dry-run")
    assert "grids.g" in text and "10,000,000 combinations" in text and "more than the 1,000" in text


def test_generate_refuses_to_overwrite_without_force(tmp_path, capsys):
    folder = tmp_path / "synthetic"
    folder.mkdir()
    (folder / "scenario.yaml").write_text("my own scenario\n", encoding="utf-8")
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    text = bad_input(capsys, "generate", "synthetic", "--trusts", "5", "--out", folder)
    assert "scenario.yaml" in text and "--force" in text
    assert (folder / "scenario.yaml").read_text(encoding="utf-8") == "my own scenario\n"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "scenario.yaml"]
    code, text = run(capsys, "generate", "synthetic", "--trusts", "5", "--out", folder, "--force")
    assert code == 0, text
    assert (folder / "scenario.yaml").read_text(encoding="utf-8") != "my own scenario\n"
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_generate_bounds_the_synthetic_size(tmp_path, capsys):
    text = bad_input(capsys, "generate", "synthetic", "--trusts", "100000000", "--out", tmp_path / "x")
    assert "--trusts" in text and "5000" in text
    assert not (tmp_path / "x").exists()


def test_rota_weeks_are_bounded_before_any_model_is_built(demo, capsys):
    code, text = run(capsys, "solve", "scenario.yaml", "--out", demo / "plan", "--no-maps", "--no-rota", "--quiet")
    assert code == 0, text
    text = bad_input(capsys, "rota", demo / "plan", "--weeks", "10000", "--time-limit", "5")
    assert "rota.weeks" in text and "between 1 and 104" in text
    assert not (demo / "plan" / "rota.csv").exists()


def test_a_column_named_twice_in_the_header_is_refused(demo, capsys):
    _edit_row(demo / "trusts.csv", 0, lambda line: line + ",lat")
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert "trusts.csv" in text and "column 'lat'" in text and "twice" in text


# ----------------------------------------------------------------------------- numbers and text in the input tables


@pytest.mark.parametrize("file,row,old,new,words", [
    ("rosters.csv", 1, ",2,2,2,2,2,2,2", ",1e308,2,2,2,2,2,2", ["rosters.csv, row 1, column 'mon'", "maximum 24"]),
    ("rosters.csv", 1, ",2,2,2,2,2,2,2", ",2,2,2,2,2,1e20,2", ["rosters.csv, row 1, column 'sat'", "maximum 24"]),
    ("rosters.csv", 1, ",2,2,2,2,2,2,2", ",nan,2,2,2,2,2,2", ["rosters.csv, row 1, column 'mon'", "decimal"]),
    ("demand.csv", 1, "238,238", "1e20,238", ["demand.csv, row 1, column 'mon'", "maximum 100,000"]),
    ("demand.csv", 1, "238,238", "inf,238", ["demand.csv, row 1, column 'mon'", "decimal"]),
    ("trusts.csv", 1, "52.4068", "5_2.4068", ["trusts.csv, row 1, column 'lat'", "decimal", "no '_'"]),
    ("trusts.csv", 1, "52.4068", "91", ["trusts.csv, row 1, column 'lat'", "maximum 90"]),
    ("trusts.csv", 2, "Brindley", "Brind\x00ley", ["trusts.csv, row 2, column 'name'", "U+0000"]),
    ("trusts.csv", 2, "Brindley", "\"Brindley", ["trusts.csv, row 2, column 'name'", "never closed"]),
    ("trusts.csv", 2, "52.5862", "\"52.5862", ["trusts.csv, row 2, column 'lat'", "never closed"]),
    ("rosters.csv", 1, "breast", "bre\x1bast", ["rosters.csv, row 1, column 'subspecialties'", "U+001B"]),
], ids=["sessions-1e308", "sessions-1e20", "sessions-nan", "demand-1e20", "demand-inf", "underscore", "lat-91",
        "nul", "unclosed-quote-name", "unclosed-quote-lat", "escape"])
def test_bad_numbers_and_text_in_the_tables_are_named(demo, capsys, file, row, old, new, words):
    _edit_row(demo / file, row, lambda line: line.replace(old, new, 1))
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert all(w in text for w in words), text
    assert not (demo / "solutions").exists()


def test_minus_zero_sessions_solve_as_zero(demo, capsys):
    _edit_row(demo / "rosters.csv", 1, lambda line: line.replace(",2,2,2,2,2,2,2", ",2,2,2,2,2,-0,-0.0", 1))
    code, text = run(capsys, "solve", "scenario.yaml", "--no-maps", "--no-rota", "--out", demo / "plan")
    assert code == 0, text
    import math

    from consortia import load_scenario
    from consortia.inputs import load_instance
    first = load_instance(load_scenario(demo / "scenario.yaml")).radiologists[0]
    assert first.sessions[5:] == (0.0, 0.0) and all(math.copysign(1, s) == 1 for s in first.sessions)


@pytest.mark.parametrize("setting,words", [
    ("objective.distance=5_2.4", ["objective.distance", "not a plain decimal number"]),
    ("planning.periods=010", ["planning.periods", "not a plain decimal number"]),
    ("objective.distance=1e20", ["objective.distance", "between 0 and 1,000,000"]),
    ("objective.timing=1e7", ["objective.timing", "between 0 and 1,000,000"]),
    ("costs={procurement: 1e12}", ["costs.procurement", "between 0 and 1,000,000,000 pounds"]),
    ("cover.min_ratio=1e20", ["cover.min_ratio", "between 0 and 100"]),
    ("cover.reports_per_session=1e300", ["cover.reports_per_session", "at most 1000"]),
], ids=["underscore", "octal", "distance-1e20", "timing-1e7", "money", "ratio", "reports"])
def test_numeric_settings_out_of_range_are_named(demo, capsys, setting, words):
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps", "--set", setting)
    assert all(w in text for w in words), text


def test_a_yaml_number_with_an_underscore_names_its_line(demo, capsys):
    path = demo / "scenario.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead_time_months: 6", "lead_time_months: 1_2"),
                    encoding="utf-8")
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps")
    assert "scenario.yaml" in text and "line 16" in text and "'1_2'" in text, text


def test_weights_at_their_upper_bound_still_solve(demo, capsys):
    """The bound is where the solver still answers (1e20 was HiGHS's infinity: exit 3 in 0.2 s)."""
    code, text = run(capsys, "solve", "scenario.yaml", "--no-maps", "--no-rota", "--out", demo / "plan",
                     "--set", "objective.distance=1000000")
    assert code == 0 and "optimal" in text, text


def test_a_proposal_row_with_more_values_than_the_header_is_refused(demo, capsys):
    (demo / "proposal.csv").write_text("trust,consortium,go_live\nDMA,X,2014-07-01\nDMG,X,2014-07-01,DMM\n",
                                       encoding="utf-8")
    text = bad_input(capsys, "check", "scenario.yaml", "proposal.csv")
    assert "proposal.csv, row 2" in text and "3 values where the header has 3" not in text
    assert "4 values where the header has 3 columns" in text, text


# ----------------------------------------------------------------------------- damaged plan folders


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The demo solved once (no figures, no rota): a folder holding the inputs and ``plan``."""
    folder = tmp_path_factory.mktemp("solved") / "demo"
    shutil.copytree(DEMO, folder)
    assert main(["solve", str(folder / "scenario.yaml"), "--out", str(folder / "plan"), "--no-maps", "--no-rota",
                 "--quiet"]) == 0
    return folder


def _lines_edit(name: str, edit):
    def damage(plan):
        path = plan / name
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return damage


def _terms_seven(text: str) -> str:
    import re
    return re.sub(r"terms:\n(  .*\n)+", "terms: 7\n", text)


def _drop_consortium(plan) -> None:
    """C04 taken out of both tables: only plan.yaml's trust count shows it."""
    for name, column in (("assignments.csv", 2), ("consortia.csv", 0)):
        lines = (plan / name).read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if line.split(",")[column] != "C04"]
        (plan / name).write_text("".join(kept), encoding="utf-8")


DAMAGES = {
    "terms-7": (_lines_edit("plan.yaml", _terms_seven), ["plan.yaml, key 'terms'", "mapping of term names"]),
    "two-columns": (_lines_edit("assignments.csv", lambda t: "".join(",".join(line.split(",")[:2]) + "\n"
                                                                     for line in t.splitlines())),
                    ["assignments.csv", "missing column(s) consortium, go_live"]),
    "duplicate-row": (_lines_edit("assignments.csv", lambda t: t + t.splitlines(keepends=True)[-1]),
                      ["assignments.csv, row 13, column 'trust'", "listed twice"]),
    "truncated-row": (_lines_edit("assignments.csv", lambda t: t[:-40]), ["assignments.csv, row 12", "values where"]),
    "last-row-lost": (_lines_edit("assignments.csv", lambda t: "".join(t.splitlines(keepends=True)[:-1])),
                      ["consortia.csv, row 4, column 'members'", "disagree"]),
    "duplicate-consortium": (_lines_edit("consortia.csv", lambda t: t + t.splitlines(keepends=True)[-1]),
                             ["consortia.csv, row 5, column 'consortium'", "listed twice"]),
    "count": (_lines_edit("plan.yaml", lambda t: t.replace("n_trusts: 12", "n_trusts: 12x", 1)),
              ["plan.yaml, key 'metrics.n_trusts'", "whole number"]),
    "consortium-lost": (_drop_consortium, ["plan.yaml, key 'metrics.n_trusts'", "counts 12 trusts", "lists 9"]),
    "go-live": (_lines_edit("assignments.csv", lambda t: t.replace("2014-07-01", "2014-13-01", 1)),
                ["assignments.csv, row 1, column 'go_live'", "YYYY-MM-DD"]),
    "lat-text": (_lines_edit("assignments.csv", lambda t: t.replace(",52.4068,", ",abc,", 1)),
                 ["assignments.csv, row 1, column 'lat'", "decimal notation"]),
    "ratio-text": (_lines_edit("consortia.csv", lambda t: t.replace(",1.164,", ",zz,", 1)),
                   ["consortia.csv, row 1, column 'cover_ratio_mon'", "decimal notation"]),
}
COMMANDS = {"diff": lambda good, bad: ["diff", good, bad], "map": lambda good, bad: ["map", bad],
            "explain": lambda good, bad: ["explain", bad, "DMA"], "rota": lambda good, bad: ["rota", bad]}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_plan_folders_are_named_by_every_command(solved, tmp_path, monkeypatch, capsys, damage, command):
    bad = tmp_path / "bad"
    shutil.copytree(solved / "plan", bad)
    edit, words = DAMAGES[damage]
    edit(bad)
    before = sorted(p.name for p in bad.iterdir())
    monkeypatch.chdir(solved)
    text = bad_input(capsys, *COMMANDS[command](solved / "plan", bad))
    assert all(w in text for w in words), text
    assert sorted(p.name for p in bad.iterdir()) == before


def test_the_undamaged_plan_folder_reads(solved):
    from consortia.planfolder import read_plan_folder
    plan = read_plan_folder(solved / "plan")
    assert len(plan.consortium) == 12 and len(plan.consortia_rows) == len(plan.members) == 4


# ----------------------------------------------------------------------------- rota flags, plan.yaml keys


@pytest.mark.parametrize("flags,words", [
    (["--tolerance", "-1"], ["--tolerance -1.0 must be between 0 and 1", "rota.tolerance"]),
    (["--tolerance", "2"], ["--tolerance 2.0 must be between 0 and 1"]),
    (["--one-in", "1"], ["--one-in"]),
    (["--time-limit", "0"], ["--time-limit 0.0 must be > 0"]),
    (["--min-ratio", "-1"], ["--min-ratio -1.0 must be between 0 and 100"]),
    (["--reports-per-session", "0"], ["--reports-per-session 0.0 must be > 0"]),
    (["--weeks", "500"], ["--weeks 500 must be between 1 and 104"]),
    (["--start", "2014-07-03"], ["--start", "Thursday"]),
    (["--jobs", "100000"], ["--jobs must be at most 256"]),
], ids=["tolerance-negative", "tolerance-2", "one-in", "time-limit", "min-ratio", "reports", "weeks", "start",
        "jobs"])
def test_rota_flags_are_named_as_flags(solved, tmp_path, monkeypatch, capsys, flags, words):
    plan = tmp_path / "plan"
    shutil.copytree(solved / "plan", plan)
    monkeypatch.chdir(solved)
    text = bad_input(capsys, "rota", plan, *flags)
    assert all(w in text for w in words), text
    assert "plan.yaml" not in text
    assert not (plan / "rota.csv").exists()


@pytest.mark.parametrize("old,new,key", [
    ("  tolerance: 0.1\n", "  tolerance: -1\n", "settings.rota.tolerance"),
    ("  reports_per_session: 10.0\n", "  reports_per_session: 0\n", "settings.cover.reports_per_session"),
])
def test_a_bad_rota_setting_in_plan_yaml_is_named_by_its_plan_yaml_key(solved, tmp_path, monkeypatch, capsys,
                                                                         old, new, key):
    plan = tmp_path / "plan"
    shutil.copytree(solved / "plan", plan)
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    assert old in text
    (plan / "plan.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.chdir(solved)
    message = bad_input(capsys, "rota", plan)
    assert "plan.yaml" in message and f"key '{key}'" in message, message


def test_a_bad_rota_setting_in_a_scenario_is_named_by_its_scenario_key(demo, capsys):
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps", "--set", "rota.tolerance=-1")
    assert "key 'rota.tolerance'" in text and "--tolerance" not in text, text


# ----------------------------------------------------------------------------- batch on a Dask cluster


def _closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_dry_run_checks_that_the_dask_scheduler_is_reachable(demo, capsys):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    text = bad_input(capsys, "batch", "batch.yaml", "--dry-run", "--scheduler", address)
    assert "cannot reach the Dask scheduler at " + address in text and "would run" not in text, text


def test_a_dry_run_says_where_it_would_run(demo, capsys):
    import socket
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        code, text = run(capsys, "batch", "batch.yaml", "--dry-run", "--scheduler", address)
    assert code == 0 and f"would run on the Dask cluster at {address} (its scheduler accepts connections)" in text
    code, text = run(capsys, "batch", "batch.yaml", "--dry-run", "--scheduler", "inproc://somewhere")
    assert code == 0 and "not checked" in text, text
    code, text = run(capsys, "batch", "batch.yaml", "--dry-run", "--workers", "3")
    assert code == 0 and "would run on 3 local worker processes" in text, text


def test_a_run_fails_before_any_dask_client_waits_for_a_missing_scheduler(demo, capsys, monkeypatch):
    pytest.importorskip("distributed")
    import distributed

    def never(*args, **kwargs):
        raise AssertionError("a Client was made for a scheduler nothing listens on")

    monkeypatch.setattr(distributed, "Client", never)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    text = bad_input(capsys, "batch", "batch.yaml", "--scheduler", address, "--out", demo / "sweep")
    assert "cannot reach the Dask scheduler at " + address in text and "Connection refused" in text, text


@pytest.fixture(scope="module")
def rostered(solved, tmp_path_factory):
    """The solved demo's plan folder with its weekend rota written (no figure)."""
    plan = tmp_path_factory.mktemp("rostered") / "plan"
    shutil.copytree(solved / "plan", plan)
    assert main(["rota", str(plan), "--no-figure", "--quiet"]) == 0
    return plan


def _rota_consortia_seven(text: str) -> str:
    return text[:text.index("\nconsortia:")] + "\nconsortia: 7\n"


ROTA_DAMAGES = {
    "consortia-7": ("rota.yaml", _rota_consortia_seven, ["rota.yaml, key 'consortia'", "a list"]),
    "weeks-text": ("rota.yaml", lambda t: t.replace("  weeks: 8\n", "  weeks: eight\n", 1),
                   ["rota.yaml, key 'settings.weeks'"]),
    "three-columns": ("rota.csv", lambda t: "".join(",".join(line.split(",")[:3]) + "\n" for line in t.splitlines()),
                      ["rota.csv", "missing column(s) consortium"]),
    "truncated": ("rota.csv", lambda t: t[:-30], ["rota.csv, row", "values where the header has 8 columns"]),
    "weekend-0": ("rota.csv", lambda t: t.replace(",sat,1,", ",sat,0,", 1),
                  ["rota.csv, row 1, column 'weekend'", "from 1 to 8"]),
}


@pytest.mark.parametrize("command", ["map", "check"])
@pytest.mark.parametrize("damage", list(ROTA_DAMAGES))
def test_damaged_rota_files_are_named(rostered, tmp_path, capsys, damage, command):
    plan = tmp_path / "plan"
    shutil.copytree(rostered, plan)
    name, edit, words = ROTA_DAMAGES[damage]
    (plan / name).write_text(edit((plan / name).read_text(encoding="utf-8")), encoding="utf-8")
    text = bad_input(capsys, *(["map", plan] if command == "map" else ["rota", "--check", plan]))
    assert all(w in text for w in words), text
    assert not (plan / "map.png").exists()


def test_explain_names_a_bad_setting_by_its_plan_yaml_key(solved, tmp_path, monkeypatch, capsys):
    plan = tmp_path / "plan"
    shutil.copytree(solved / "plan", plan)
    text = (plan / "plan.yaml").read_text(encoding="utf-8")
    assert "\n    periods: 12\n" in text
    (plan / "plan.yaml").write_text(text.replace("\n    periods: 12\n", "\n    periods: 0\n", 1), encoding="utf-8")
    monkeypatch.chdir(solved)
    message = bad_input(capsys, "explain", plan, "DMA")
    assert "plan.yaml, key 'settings.planning.periods'" in message, message


@pytest.mark.parametrize("setting,words", [
    ('description="a\\0b"', ["key 'description'", "control character (U+0000)"]),
    ("planning.start=2013-07-01T10:00:00", ["key 'planning.start'", "date and time"]),
], ids=["nul", "datetime"])
def test_text_and_date_settings_are_refused_when_they_would_be_copied_wrong(demo, capsys, setting, words):
    text = bad_input(capsys, "solve", "scenario.yaml", "--no-maps", "--set", setting)
    assert all(w in text for w in words), text


@pytest.mark.parametrize("damage,words", [
    ("duplicate-consortium", "consortia.csv row 5: consortium C04 is listed twice"),
    ("lat-text", "assignments.csv row 1: lat abc differs from trusts.csv"),
])
def test_the_checker_does_not_pass_a_damaged_plan_folder(solved, tmp_path, capsys, damage, words):
    bad = tmp_path / "bad"
    shutil.copytree(solved / "plan", bad)
    DAMAGES[damage][0](bad)
    code, text = run(capsys, "check", solved / "scenario.yaml", bad)
    assert code == 1 and words in text and "Traceback" not in text, text
