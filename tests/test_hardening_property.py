"""Property-based suite of issue #12: whatever is done to a copy of the demo's files and settings,
``consortia solve`` ends with exit 0, 1, 2 or 3, never a traceback; an exit-2 message names a file
and row/column, a YAML key or a flag; nothing outside the plan folder is touched; and any plan
written passes ``consortia check`` re-reading it.

The CI run uses a fixed number of derandomised examples (CI_EXAMPLES: 46 s of CPU, 148 s of wall
time measured on the shared 2-core machine at load 6-7; the README's Reliability section). A larger
run by hand: ``CONSORTIA_PROPERTY_EXAMPLES=2000`` multiplies every example count to that order;
``CONSORTIA_PROPERTY_COLLECT=1`` records each broken property instead of stopping at the first,
and ``CONSORTIA_PROPERTY_REPORT=counts.json`` writes the examples run by exit code and the
problems found (the README's reliability section quotes such a run).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mutations import (
    COLUMNS,
    KEYS,
    Hang,
    Mutation,
    apply,
    cell_row,
    field_mutation,
    flags,
    mutation,
    names_a_place,
    plausible_mutation,
    set_args,
    sets,
    snapshot,
    time_limits,
    values,
    watchdog,
)

from consortia.cli import main
from consortia.inputs import MAX_DEMAND, MAX_SESSIONS

DEMO = ROOT / "inputs" / "demo"
SCALE = int(os.environ.get("CONSORTIA_PROPERTY_EXAMPLES", "0"))
COLLECT = os.environ.get("CONSORTIA_PROPERTY_COLLECT") == "1"
REPORT = os.environ.get("CONSORTIA_PROPERTY_REPORT")
HANG_SECONDS = 120.0
COUNTS: dict[str, Counter] = {}
PROBLEMS: list[str] = []


CI_EXAMPLES = {"settings": 30, "files": 70, "batch": 30, "plausible": 30, "methods": 8, "cell": 60}


def examples(ci: int) -> int:
    """``ci`` examples in CI; in a run by hand, this test's share of CONSORTIA_PROPERTY_EXAMPLES
    (the examples of all the property tests together)."""
    return max(ci, round(SCALE * ci / sum(CI_EXAMPLES.values()))) if SCALE else ci


def suite_settings(ci: int):
    return settings(max_examples=examples(ci), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def _report():
    """After each test, the counts so far into CONSORTIA_PROPERTY_REPORT (when set)."""
    yield
    if REPORT:
        Path(REPORT).write_text(json.dumps({
            "counts": {test: {str(k): v for k, v in sorted(c.items(), key=str)} for test, c in COUNTS.items()},
            "problems": PROBLEMS}, indent=1))


def run(args: list[str], capsys) -> tuple[object, str]:
    """``consortia ARGS`` in this process: (exit code, everything printed)."""
    try:
        with watchdog(HANG_SECONDS):
            code = main(args)
    except SystemExit as exc:  # argparse refusing a flag's value
        code = exc.code
    except Hang as exc:
        code = f"hang ({exc})"
    captured = capsys.readouterr()
    return code, captured.out + captured.err




def judge(test: str, code, text: str, what: str, problems: list[str]) -> None:
    """Count the outcome; fail (or, when collecting, record) every broken property."""
    COUNTS.setdefault(test, Counter())[code] += 1
    found = [f"{p}\n  case: {what}\n  output: {text[-1500:]}" for p in problems]
    if COLLECT:
        PROBLEMS.extend(f"{test}: {p}" for p in found)
        return
    assert not found, "\n".join(found)


def common_problems(code, text: str) -> list[str]:
    problems = []
    if code not in (0, 1, 2, 3):
        problems.append(f"exit code {code}")
    if "Traceback" in text or "internal error" in text:
        problems.append("traceback or internal error")
    if code == 2 and not names_a_place(text):
        problems.append("exit 2 without a file and row/column, key or flag")
    return problems


def solve_and_check(base: Path, args: list[str], sets_: list[str], capsys,
                    out: str = "plan") -> tuple[object, str, list[str]]:
    """Solve with ``args`` in ``base`` (the working folder too) into ``base / out``; the problems
    of the properties."""
    scenario, plan = base / "demo" / "scenario.yaml", base / out
    skip = Path(out).parts[0]
    before = snapshot(base, skip=skip)
    cwd = Path.cwd()
    os.chdir(base)  # a stray relative write would land in the snapshot
    try:
        code, text = run(["solve", str(scenario), "--out", str(plan), *args, *sets_], capsys)
        problems = common_problems(code, text)
        after = snapshot(base, skip=skip)
        if after != before:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            problems.append(f"touched outside the plan folder: {changed}")
        if code == 0 and not (plan / "plan.yaml").is_file():
            problems.append("exit 0 without a plan folder")
        if code != 0 and code != 2 and plan.exists():
            problems.append(f"exit {code} but a plan folder was written")
        if (plan / "plan.yaml").is_file():
            written = snapshot(base, skip="")
            check, checked = run(["check", str(scenario), str(plan), *sets_], capsys)
            if check != 0 or "OK:" not in checked:
                problems.append(f"the written plan fails 'consortia check' (exit {check}): {checked[-800:]}")
            if snapshot(base, skip="") != written:
                problems.append("'consortia check' changed a file")
    finally:
        os.chdir(cwd)
    return code, text, problems


def fresh_case(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("case")
    shutil.copytree(DEMO, base / "demo")
    return base


# ---------------------------------------------------------------------------------------------
# settings only (the original 30-example property)


@suite_settings(CI_EXAMPLES["settings"])
@given(changes=st.lists(st.tuples(st.sampled_from(KEYS), values), min_size=1, max_size=3)
       , raw=st.booleans())
def test_any_setting_value_ends_in_a_known_exit_code(tmp_path_factory, capsys, changes, raw):
    base = fresh_case(tmp_path_factory)
    code, text, problems = solve_and_check(base, ["--no-maps", "--no-rota", "--quiet", "--time-limit", "2"],
                                           set_args(changes, raw), capsys)
    judge("settings", code, text, repr(changes), problems)
    shutil.rmtree(base)


# ---------------------------------------------------------------------------------------------
# damaged files, with settings and flags


@suite_settings(CI_EXAMPLES["files"])
@given(mutations=st.lists(mutation(), min_size=1, max_size=3), changes=sets, raw=st.booleans(), extra=flags,
       limit=time_limits, rota=st.sampled_from([False] * 9 + [True]))
def test_damaged_inputs_end_in_a_known_exit_code(tmp_path_factory, capsys, mutations, changes, raw, extra,
                                                 limit, rota):
    base = fresh_case(tmp_path_factory)
    for m in mutations:
        apply(m, base / "demo")
    args = ["--no-maps", "--quiet", "--time-limit", limit, *[a for flag in extra for a in flag]]
    if not rota:
        args.append("--no-rota")
    code, text, problems = solve_and_check(base, args, set_args(changes, raw), capsys)
    judge("files", code, text, f"{[m.describe() for m in mutations]} {args} {changes}", problems)
    shutil.rmtree(base)


# ---------------------------------------------------------------------------------------------
# a damaged batch file: --dry-run reads and expands it, runs nothing, writes nothing


@suite_settings(CI_EXAMPLES["batch"])
@given(mutations=st.lists(mutation(files=("batch.yaml", "batch.yaml", "scenario.yaml")), min_size=1, max_size=3))
def test_damaged_batch_files_end_in_a_known_exit_code(tmp_path_factory, capsys, mutations):
    base = fresh_case(tmp_path_factory)
    for m in mutations:
        apply(m, base / "demo")
    before = snapshot(base, skip="")
    cwd = Path.cwd()
    os.chdir(base)
    try:
        code, text = run(["batch", str(base / "demo" / "batch.yaml"), "--dry-run", "--out", str(base / "sweep")],
                         capsys)
    finally:
        os.chdir(cwd)
    problems = common_problems(code, text)
    if snapshot(base, skip="") != before:
        problems.append("batch --dry-run wrote or changed a file")
    judge("batch", code, text, str([m.describe() for m in mutations]), problems)
    shutil.rmtree(base)


# ---------------------------------------------------------------------------------------------
# valid changes: the plans that get written, re-read by the checker


@suite_settings(CI_EXAMPLES["plausible"])
@given(mutations=st.lists(plausible_mutation(), min_size=1, max_size=4), rota=st.sampled_from([False] * 7 + [True]),
       out=st.sampled_from(["plan"] * 4 + ["plan with spaces", "plän ünïcødé", "plan.csv", "new/nested/plan"]))
def test_plausible_changes_give_plans_that_pass_the_check(tmp_path_factory, capsys, mutations, rota, out):
    base = fresh_case(tmp_path_factory)
    for m in mutations:
        apply(m, base / "demo")
    args = ["--no-maps", "--quiet", "--time-limit", "2", *([] if rota else ["--no-rota"])]
    code, text, problems = solve_and_check(base, args, [], capsys, out)
    judge("plausible", code, text, f"{[m.describe() for m in mutations]} rota={rota} out={out!r}", problems)
    shutil.rmtree(base)


# ---------------------------------------------------------------------------------------------
# honest status: a plan called optimal is not beaten by another method, and runs repeat exactly


def _plan_facts(folder: Path) -> tuple[str, float, bytes]:
    document = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
    return document["status"], document["objective"], (folder / "assignments.csv").read_bytes()


@suite_settings(CI_EXAMPLES["methods"])
@given(mutations=st.lists(plausible_mutation(), min_size=1, max_size=3))
def test_an_optimal_plan_is_not_beaten_by_another_method(tmp_path_factory, capsys, mutations):
    base = fresh_case(tmp_path_factory)
    for m in mutations:
        apply(m, base / "demo")
    scenario = str(base / "demo" / "scenario.yaml")
    outcomes = {}
    for name, extra in {"compact": ["--method", "compact"], "again": ["--method", "compact"],
                        "columns": ["--method", "columns"], "cbc": ["--method", "compact", "--solver", "cbc"]}.items():
        code, text = run(["solve", scenario, "--out", str(base / name), "--no-maps", "--no-rota", "--quiet",
                          "--time-limit", "20", *extra], capsys)
        outcomes[name] = (code, _plan_facts(base / name) if code == 0 else None, text)
    problems = [f"{name}: {p}" for name, (code, _, text) in outcomes.items() for p in common_problems(code, text)]
    codes = {name: code for name, (code, _, _) in outcomes.items()}
    if len({c for c in codes.values() if c in (0, 1)}) > 1:
        problems.append(f"one method finds a plan, another says none exists: {codes}")
    found = {name: facts for name, (_, facts, _) in outcomes.items() if facts is not None}
    best = min((objective for _, objective, _ in found.values()), default=None)
    for name, (status, objective, _) in found.items():
        if status == "optimal" and objective > best + 1e-6 * max(1.0, abs(best)):
            problems.append(f"{name} says optimal at {objective}, but another method found {best}")
    if "compact" in found and "again" in found and found["compact"][2] != found["again"][2]:
        problems.append("the same solve twice gave different assignments.csv")
    judge("methods", codes["compact"], outcomes["compact"][2], str([m.describe() for m in mutations]), problems)
    shutil.rmtree(base)


# ---------------------------------------------------------------------------------------------
# one bad cell: refused at its own row and column

STRICT_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
STRICT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _number_ok(value: str, low=None, high=None) -> bool | None:
    """Should the reader accept ``value`` in a numeric column (plain decimal within its range)."""
    text = value.strip()
    if not STRICT_NUMBER.match(text):
        return False
    number = float(text)
    if not math.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        return False
    return True


def _date_ok(value: str) -> bool:
    import datetime as dt

    if not STRICT_DATE.match(value):
        return False
    try:
        return 1900 <= dt.date.fromisoformat(value).year <= 2199
    except ValueError:
        return False


def should_accept(file: str, column: str, value: str) -> bool | None:
    """Whether a lone change of one cell to ``value`` is valid input (None: not asserted)."""
    if column in ("lat", "lon"):
        return _number_ok(value, -90 if column == "lat" else -180, 90 if column == "lat" else 180)
    if column in COLUMNS["demand.csv"][1:]:
        return _number_ok(value, 0, MAX_SESSIONS if file == "rosters.csv" else MAX_DEMAND)
    if column == "contract_end":
        return _date_ok(value)
    if column in ("name", "radiologist"):
        return True if value.strip() else False
    if column == "code":
        return False if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", value.strip()) else None
    return False  # rosters/demand 'trust': none of the drawn values is a trust of the demo


@suite_settings(CI_EXAMPLES["cell"])
@given(m=field_mutation())
@example(m=Mutation("trusts.csv", "set_cell", (4, "contract_end", "2014-W01-1")))
@example(m=Mutation("trusts.csv", "set_cell", (2, "contract_end", "20141231")))
def test_a_bad_cell_is_refused_at_its_row_and_column(tmp_path_factory, capsys, m):
    base = fresh_case(tmp_path_factory)
    row, (_, column, value) = cell_row(m, DEMO), m.args
    apply(m, base / "demo")
    code, text, problems = solve_and_check(base, ["--no-maps", "--no-rota", "--quiet", "--time-limit", "2"], [],
                                           capsys)
    verdict = should_accept(m.file, column, value)
    if verdict is False:
        if code != 2:
            problems.append(f"{value!r} in {m.file} row {row} column {column} accepted (exit {code})")
        elif not (m.file in text and f"row {row}" in text and f"column '{column}'" in text):
            problems.append(f"refused but not at {m.file} row {row} column '{column}'")
    judge("cell", code, text, m.describe(), problems)
    shutil.rmtree(base)


# ---------------------------------------------------------------------------------------------
# reproducers of the numeric and NUL-byte classes, as this suite draws them


@pytest.mark.parametrize("m, limit", [
    (Mutation("demand.csv", "set_cell", (3, "mon", "5_2.4")), []),
    (Mutation("rosters.csv", "set_cell", (5, "sat", "1e20")), []),
    (Mutation("rosters.csv", "set_cell", (0, "sat", "1e308")), ["--time-limit", "5"]),
    (Mutation("trusts.csv", "set_cell", (2, "name", "Brindley\x00Valley")), []),
], ids=["underscored number", "sessions 1e20", "sessions 1e308", "NUL in a name"])
def test_a_reproducer_cell_is_refused_at_its_row_and_column(tmp_path_factory, capsys, m, limit):
    base = fresh_case(tmp_path_factory)
    row = f"row {cell_row(m, DEMO)}"
    apply(m, base / "demo")
    code, text, _ = solve_and_check(base, ["--no-maps", "--no-rota", "--quiet", *limit], [], capsys)
    assert code == 2 and row in text and f"column '{m.args[1]}'" in text, text


def test_huge_objective_weight_is_refused_by_key(tmp_path_factory, capsys):
    base = fresh_case(tmp_path_factory)
    code, text, _ = solve_and_check(base, ["--no-maps", "--no-rota", "--quiet", "--time-limit", "2"],
                                    ["--set", "objective.distance=1e20"], capsys)
    assert code == 2 and "objective.distance" in text, text


# ---------------------------------------------------------------------------------------------
# as a user runs it: a real process, its exit code and its output


SUBPROCESS_CASES = {
    "demo": ([], ["--time-limit", "5"], 0),
    "no-plan-exists": ([Mutation("scenario.yaml", "yaml_set", ("consortium.min_size", 5)),
                        Mutation("scenario.yaml", "yaml_set", ("consortium.max_size", 5)),
                        Mutation("scenario.yaml", "yaml_set", ("consortium.allow_standalone", False))],
                       ["--time-limit", "5"], 1),
    "truncated": ([Mutation("rosters.csv", "truncate", (0.5,))], ["--time-limit", "5"], 2),
    "long-field": ([Mutation("trusts.csv", "long_field", (0.4, 300_000))], [], 2),
    "alias-bomb": ([Mutation("scenario.yaml", "yaml_bomb", ("planning", 9))], [], 2),
}


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_as_a_process(tmp_path, name):
    mutations, extra, expected = SUBPROCESS_CASES[name]
    shutil.copytree(DEMO, tmp_path / "demo")
    for m in mutations:
        apply(m, tmp_path / "demo")
    before = snapshot(tmp_path, skip="plan")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scenario = str(tmp_path / "demo" / "scenario.yaml")
    done = subprocess.run([sys.executable, "-m", "consortia.cli", "solve", scenario, "--out", str(tmp_path / "plan"),
                           "--no-maps", "--no-rota", "--quiet", *extra],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    text = done.stdout + done.stderr
    assert not common_problems(done.returncode, text), (done.returncode, text)
    assert done.returncode == expected, text
    assert snapshot(tmp_path, skip="plan") == before
    if expected == 0:
        check = subprocess.run([sys.executable, "-m", "consortia.cli", "check", scenario, str(tmp_path / "plan")],
                               capture_output=True, text=True, env=env, timeout=300)
        assert check.returncode == 0 and "OK:" in check.stdout, check.stdout + check.stderr
