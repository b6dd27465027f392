"""A property of every ``solve`` (issue #12): whatever values the demo's settings are given, the
command ends with exit 0, 1, 2 or 3 (never an internal error or a traceback), and a bad value is
reported by its key. Hypothesis draws the mutations; about 30 examples keep it within a minute."""

from __future__ import annotations

import shutil

import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortia.cli import main

DEMO = ROOT / "inputs" / "demo"
KEYS = ["name", "description", "planning.start", "planning.periods", "planning.period_months",
        "planning.lead_time_months", "planning.max_extension_months", "planning.max_early_exit_months",
        "market.capacity", "network.max_distance_km", "network.membership", "consortium.min_size",
        "consortium.max_size", "consortium.allow_standalone", "cover.mode", "cover.reports_per_session",
        "cover.min_ratio", "cover.weekend_subspecialties", "rota.one_in", "rota.weeks", "rota.tolerance",
        "objective.timing", "objective.distance", "objective.standalone", "solver.gap", "solver.threads",
        "solver.method"]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10, max_value=300), st.integers(), st.sampled_from([10**9, -(10**18), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e20, 1e308, -0.0, 1e-300]),
    st.dates().map(str), st.sampled_from(["2014-02-30", "9999-12-31", "0001-01-01", "2013-07-01"]),
    st.sampled_from(["clique", "connected", "soft", "hard", "columns", "compact", "neuro", ""]),
    st.text(max_size=20))
wild = st.one_of(scalars, st.lists(scalars, max_size=3))
plausible = st.one_of(st.integers(min_value=0, max_value=14), st.floats(min_value=0, max_value=100),
                      st.sampled_from(["clique", "connected", "soft", "hard", "enumerate", "2014-01-01"]))
values = st.one_of(wild, plausible)  # about half the runs get values a solve can start from


def _as_yaml(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text[:-4].strip() if text.endswith("\n...") or text.endswith(" ...") else text


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.sampled_from(KEYS), values), min_size=1, max_size=3),
       raw=st.booleans())
def test_any_setting_value_ends_in_a_known_exit_code(tmp_path_factory, capsys, changes, raw):
    folder = tmp_path_factory.mktemp("mutant")
    shutil.copytree(DEMO, folder / "demo")
    args = ["solve", str(folder / "demo" / "scenario.yaml"), "--out", str(folder / "plan"), "--no-maps",
            "--no-rota", "--quiet", "--time-limit", "2"]
    for key, value in changes:
        args += ["--set", f"{key}={value if raw and isinstance(value, str) else _as_yaml(value)}"]
    code = main(args)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (0, 1, 2, 3), (args, text)
    assert "Traceback" not in text and "internal error" not in text, (args, text)
    if code == 2:
        assert "key '" in text or "file" in text or ".csv" in text or ".yaml" in text, (args, text)
