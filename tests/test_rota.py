"""Weekend cross-cover rota (issue 7): model, diagnosis, independent checker, CLI and figure.

Every rota written here is re-verified by :mod:`consortia.rota.check` (which shares no code with
the model); small random instances are compared with a brute-force enumeration written below,
independently of both.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
import random
import shutil
from pathlib import Path

import pytest
import yaml

from consortia import rota
from consortia.cli import main as cli_main
from consortia.rota.check import check_rota


def rota_cli(argv: list[str]) -> int:
    """``consortia rota ARGV...``; the exit code."""
    return cli_main(["rota", *argv])


ROOT = Path(__file__).resolve().parents[1]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ---------------------------------------------------------------------------------------------
# Tiny plan folders written by hand


def write_assignments(plan: Path, consortia) -> None:
    """The plan folder's assignments.csv for ``consortia`` [(id, [members], go_live)]."""
    with (plan / "assignments.csv").open("w", newline="") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["trust", "consortium", "go_live"])
        w.writerows([m, cid, go_live] for cid, members, go_live in consortia for m in members)


def make_plan(folder: Path, staff, demand, consortia, *, rps=10.0, ratio=1.0, subs=(), rota_section=None):
    """A minimal plan folder: plan.yaml + consortia.csv, and its inputs in ``folder/inputs``.

    ``staff``: [(trust, id, "sub;sub", sat, sun)]; ``demand``: {trust: (sat, sun)};
    ``consortia``: [(id, [members], go_live)].
    """
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    codes = sorted(demand)
    with (inputs / "trusts.csv").open("w", newline="") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["code", "name", "lat", "lon", "contract_end"])
        for i, c in enumerate(codes):
            w.writerow([c, f"Trust {c}", 52 + i / 10, -1.5, "2014-06-30"])
    with (inputs / "rosters.csv").open("w", newline="") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["trust", "radiologist", "subspecialties", *DAYS])
        for trust, name, sub, sat, sun in staff:
            w.writerow([trust, name, sub, 1, 1, 1, 1, 1, sat, sun])
    with (inputs / "demand.csv").open("w", newline="") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["trust", *DAYS])
        for c in codes:
            w.writerow([c, 50, 50, 50, 50, 50, *demand[c]])
    plan = folder / "plan"
    plan.mkdir()
    with (plan / "consortia.csv").open("w", newline="") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["consortium", "members", "n_trusts", "go_live"])
        for cid, members, go_live in consortia:
            w.writerow([cid, " ".join(members), len(members), go_live])
    write_assignments(plan, consortia)
    settings = {"name": "tiny", "inputs": {k: str(inputs / f"{k}.csv") for k in ("trusts", "rosters", "demand")},
                "cover": {"mode": "hard", "reports_per_session": rps, "min_ratio": ratio,
                          "weekend_subspecialties": list(subs)}}
    if rota_section is not None:
        settings["rota"] = rota_section
    doc = {"scenario": "tiny", "status": "optimal", "synthetic": True,
           "inputs": {k: {"path": settings["inputs"][k],
                          "sha256": hashlib.sha256(Path(settings["inputs"][k]).read_bytes()).hexdigest()}
                      for k in ("trusts", "rosters", "demand")},
           "settings": settings}
    (plan / "plan.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return plan


def run_rota(plan: Path, **overrides):
    run = rota.solve_rota(plan, overrides, jobs=1)
    rota.write_rota(run, figure=False)
    return run


# ---------------------------------------------------------------------------------------------
# Brute force, from the rule text (no code shared with the model or the checker)


def brute_force(staff, demand, members, *, weeks, k, rps, ratio, subs, tol):
    """Enumerate every rota of a tiny consortium (numpy outer sums over each person's options).

    Returns ``(best, least_extra)``: ``best`` is the lexicographically least (most weekends
    anyone works, person-weekends, -fewest weekends) over rotas keeping every rule, or None when
    there is none; ``least_extra`` is the fewest hypothetical extra sessions (generic, or one per
    missing subspecialty) any rota needs, ignoring the trust-share rule.
    """
    import numpy as np

    people = [p for p in staff if p[0] in members and (p[3] > 0 or p[4] > 0)]
    slots = [(w, d) for w in range(weeks) for d in (0, 1)]
    gap = max(2, k)
    week_sets = [ws for n in range(weeks + 1) for ws in itertools.combinations(range(weeks), n)
                 if all(b - a >= gap for a, b in zip(ws, ws[1:]))]
    G = np.zeros((1, len(slots)))                       # sessions per weekend day
    M = np.zeros((1, len(slots), len(subs)), bool)      # required subspecialty covered
    T = np.zeros((1, len(members)))                     # sessions per trust
    top = np.zeros(1, int)
    low = np.full(1, weeks + 1, int)
    total = np.zeros(1, int)
    for trust, _, sub, sat, sun in people:
        mine = {x for x in sub.split(";") if x}
        days = [d for d, s in ((0, sat), (1, sun)) if s > 0]
        choices = [c for n in (1, 2) for c in itertools.combinations(days, n)]
        g, m, t, c = [], [], [], []
        for ws in week_sets:
            for picks in itertools.product(choices, repeat=len(ws)):
                row, cover = np.zeros(len(slots)), np.zeros((len(slots), len(subs)), bool)
                for w, ds in zip(ws, picks):
                    for d in ds:
                        row[slots.index((w, d))] = (sat, sun)[d]
                        cover[slots.index((w, d))] = [s in mine for s in subs]
                g.append(row)
                m.append(cover)
                t.append([row.sum() if trust == x else 0.0 for x in members])
                c.append(len(ws))
        g, m, t, c = map(np.array, (g, m, t, c))
        G = (G[:, None] + g[None]).reshape(-1, len(slots))
        if subs:
            M = (M[:, None] | m[None]).reshape(-1, len(slots), len(subs))
        T = (T[:, None] + t[None]).reshape(-1, len(members))
        top = np.maximum(top[:, None], c[None]).reshape(-1)
        low = np.minimum(low[:, None], c[None]).reshape(-1)
        total = (total[:, None] + c[None]).reshape(-1)
    need = np.array([ratio * sum(demand[x][d] for x in members) / rps for w, d in slots])
    short = np.where(need > 1e-6, np.ceil(need - 1e-6 - G), 0)
    missing = (~M).sum(axis=2) if subs else 0
    extra = np.maximum(np.maximum(short, missing), 0).sum(axis=1)
    least_extra = int(extra.min())
    ok = extra == 0
    weekend_need = np.array([sum(demand[x]) for x in members], float)
    sessions = T.sum(axis=1)
    if len(members) > 1 and weekend_need.sum() > 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            off = np.abs(T / sessions[:, None] - weekend_need / weekend_need.sum()).max(axis=1)
        ok &= (sessions == 0) | (off <= tol + 1e-9)
    if not people:
        top, low = np.zeros_like(total), np.zeros_like(total)
    if not ok.any():
        return None, least_extra
    keys = sorted(zip(top[ok].tolist(), total[ok].tolist(), (-low[ok]).tolist()))
    return keys[0], least_extra


def random_instance(seed: int):
    rng = random.Random(seed)
    staff = []
    both = [(1, 1), (2, 1), (1, 2)]
    single = [(1, 0), (0, 1), (2, 0), (0, 2)]
    for i in range(5):
        trust = "TA" if i < 3 else "TB"
        sat, sun = rng.choice(both if i < 2 else single)
        staff.append((trust, f"{trust}-R{i + 1}", "neuro" if rng.random() < 0.5 else "msk", sat, sun))
    staff.append(("TB", "TB-R9", "", 0, 0))   # never at weekends: not on the rota, not in the spread
    demand = {"TA": (rng.choice((2, 4, 7)), rng.choice((2, 5))), "TB": (rng.choice((0, 2, 4)), rng.choice((1, 3)))}
    subs = ["neuro"] if seed % 4 == 0 else []
    tol = rng.choice((1.0, 0.4))
    k = rng.choice((2, 2, 3))
    return staff, demand, subs, tol, k


@pytest.mark.parametrize("seed", range(12))
def test_tiny_rota_matches_brute_force(tmp_path, seed):
    staff, demand, subs, tol, k = random_instance(seed)
    plan = make_plan(tmp_path, staff, demand, [("C01", ["TA", "TB"], "2014-07-01")], subs=subs)
    run = run_rota(plan, weeks=4, one_in=k, tolerance=tol)
    result = run.rotas[0]
    best, least_extra = brute_force(staff, demand, ["TA", "TB"], weeks=4, k=k, rps=10.0, ratio=1.0,
                                    subs=subs, tol=tol)
    report = check_rota(plan)
    assert report.ok, report.violations
    if best is None:
        assert result.status == "infeasible", (seed, result.status)
        assert result.diagnosis
        if tol >= 1.0:
            assert result.extra_sessions == least_extra
    else:
        assert result.status == "optimal", (seed, result.status, result.diagnosis)
        assert (result.most, result.person_weekends, -result.fewest) == best
        assert report.spread["C01"] == result.most - result.fewest


def test_brute_force_cases_cover_both_outcomes():
    outcomes = set()
    for seed in range(12):
        staff, demand, subs, tol, k = random_instance(seed)
        best, _ = brute_force(staff, demand, ["TA", "TB"], weeks=4, k=k, rps=10.0, ratio=1.0, subs=subs, tol=tol)
        outcomes.add(best is None)
    assert outcomes == {True, False}


# ---------------------------------------------------------------------------------------------
# Diagnosis


def test_missing_neuro_every_other_weekend_is_diagnosed(tmp_path):
    staff = [("TA", "A1", "neuro", 1, 1), ("TA", "A2", "", 1, 1), ("TA", "A3", "", 1, 1),
             ("TB", "B1", "", 1, 1), ("TB", "B2", "", 1, 1)]
    demand = {"TA": (6, 6), "TB": (4, 4)}
    plan = make_plan(tmp_path, staff, demand, [("C01", ["TA", "TB"], "2014-07-01")], subs=["neuro"])
    run = run_rota(plan, weeks=4, one_in=2, tolerance=1.0)
    r = run.rotas[0]
    assert r.status == "infeasible"
    assert r.extra_sessions == 4                      # one neuro session on 2 Saturdays and 2 Sundays
    text = "\n".join(r.diagnosis)
    assert "1 neuro radiologist(s) available on Saturdays" in text
    assert "no neuro session on Saturday" in text and "no neuro session on Sunday" in text
    missing = [g for g in r.gaps if g["kind"] == "subspecialty"]
    assert len(missing) == 4 and {g["day"] for g in missing} == {"sat", "sun"}
    for g in missing:                                  # each gap names its weekend and date
        date = dt.date.fromisoformat(g["date"])
        assert date == dt.date(2014, 7, 5) + dt.timedelta(days=7 * (g["weekend"] - 1) + (g["day"] == "sun"))
        assert g["date"] in text
    assert "1 more neuro session every other Saturday" in r.fixes
    assert "1 more neuro session every other Sunday" in r.fixes
    assert check_rota(plan).ok
    doc = yaml.safe_load((plan / "rota.yaml").read_text())
    assert doc["status"] == "none" and doc["consortia"][0]["gaps"]
    assert (plan / "rota.csv").read_text().count("\n") == 1   # header only: no rota for C01


def test_reports_short_are_diagnosed_with_the_fix(tmp_path):
    staff = [("TA", "A1", "", 1, 0), ("TA", "A2", "", 1, 0), ("TA", "A3", "", 1, 0), ("TA", "A4", "", 0, 1),
             ("TA", "A5", "", 0, 1)]
    demand = {"TA": (20, 10)}
    plan = make_plan(tmp_path, staff, demand, [("S-TA", ["TA"], "2014-07-01")])
    run = run_rota(plan, weeks=4, one_in=2)
    r = run.rotas[0]
    assert r.status == "infeasible" and r.extra_sessions == 2
    short = [g for g in r.gaps if g["kind"] == "reports"]
    assert len(short) == 2 and all(g["day"] == "sat" and g["reports_short"] == 10 and g["sessions_short"] == 1
                                   for g in short)
    assert any("10 reports short (1 session(s))" in line for line in r.diagnosis)
    assert any(f.startswith("1 more session ") and "Saturday" in f for f in r.fixes)
    # the counting bound explains it before any solve: 3 Saturday sessions per 2 weekends, 4 needed
    assert any("Saturdays need 2 sessions every weekend" in line for line in r.diagnosis)


def test_trust_share_rule_is_diagnosed(tmp_path):
    staff = [("TA", f"A{i}", "", 1, 1) for i in range(1, 5)] + [("TB", "B1", "", 0, 0)]
    demand = {"TA": (10, 10), "TB": (10, 10)}
    plan = make_plan(tmp_path, staff, demand, [("C01", ["TA", "TB"], "2014-07-01")])
    r = run_rota(plan, weeks=4, one_in=2, tolerance=0.2).rotas[0]
    assert r.status == "infeasible" and r.extra_sessions == 0
    assert any("trust TB gives 0 of" in line for line in r.diagnosis)
    assert any("more weekend radiologists at TB" in f for f in r.fixes)
    assert any("tolerance of at least 0.50" in f for f in r.fixes)
    r = run_rota(plan, weeks=4, one_in=2, tolerance=0.5).rotas[0]
    assert r.status == "optimal"
    assert check_rota(plan).ok


# ---------------------------------------------------------------------------------------------
# The demo plan


@pytest.fixture(scope="module")
def demo_plan(tmp_path_factory):
    """The demo scenario solved by ``consortia solve`` (a real plan folder)."""
    from consortia.cli import main

    folder = tmp_path_factory.mktemp("rota") / "demo"
    assert main(["solve", str(ROOT / "inputs/demo/scenario.yaml"), "--out", str(folder), "--no-maps",
                 "--quiet"]) == 0
    return folder


# the demo's grouping, fixed here so that these tests do not depend on the planning model
DEMO_GROUPS = [("C01", "DMA DMJ", "2014-07-01"), ("C02", "DME DMF", "2014-07-01"), ("C03", "DMB DMD", "2014-10-01"),
               ("C04", "DMC DMM", "2014-10-01"), ("C05", "DMG DMH", "2015-01-01"), ("C06", "DMK DML", "2015-01-01")]


@pytest.fixture()
def demo_fixed(tmp_path):
    """A plan folder with the demo's inputs and a fixed grouping (plan.yaml + consortia.csv)."""
    plan = tmp_path / "plan"
    plan.mkdir()
    demo = ROOT / "inputs" / "demo"
    settings = {"name": "demo", "inputs": {k: str(demo / f"{k}.csv") for k in ("trusts", "rosters", "demand")},
                "cover": {"mode": "hard", "reports_per_session": 10.0, "min_ratio": 1.0,
                          "weekend_subspecialties": ["neuro"]}}
    (plan / "plan.yaml").write_text(yaml.safe_dump({"scenario": "demo", "status": "optimal", "synthetic": True,
                                                    "settings": settings}))
    with (plan / "consortia.csv").open("w", newline="") as h:
        w = csv.writer(h, lineterminator="\n")
        w.writerow(["consortium", "members", "go_live"])
        w.writerows(DEMO_GROUPS)
    write_assignments(plan, [(cid, members.split(), go_live) for cid, members, go_live in DEMO_GROUPS])
    return plan


def copy_plan(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(folder, target)
    return target


WHAT_IF = ["--one-in", "2", "--min-ratio", "0.3", "--tolerance", "0.35"]


def test_demo_plan_is_rosterable_at_its_own_settings(demo_plan, tmp_path, capsys):
    """Every consortium the plan accepts has a rota under the plan's own rota settings."""
    plan = copy_plan(demo_plan, tmp_path)
    assert rota_cli([str(plan), "--no-figure", "--quiet"]) == 0
    doc = yaml.safe_load((plan / "rota.yaml").read_text())
    groups = list(csv.DictReader((plan / "consortia.csv").open()))
    assert doc["n_consortia"] == len(groups)
    assert doc["settings"]["one_in"] == 4 and doc["settings"]["min_ratio"] == 1.0   # from the plan's settings
    assert all(entry["status"] in ("optimal", "feasible") for entry in doc["consortia"])
    assert check_rota(plan).ok


def test_a_rota_stricter_than_the_plan_is_diagnosed(demo_plan, tmp_path, capsys):
    """A what-if one weekend in eight (the plan was made for one in four) names what is short."""
    plan = copy_plan(demo_plan, tmp_path)
    assert rota_cli([str(plan), "--no-figure", "--quiet", "--one-in", "8"]) == 1
    printed = capsys.readouterr()
    out, err = printed.out, printed.err
    doc = yaml.safe_load((plan / "rota.yaml").read_text())
    assert doc["settings"]["one_in"] == 8
    assert any(entry["status"] == "infeasible" for entry in doc["consortia"])
    # by default one line per consortium; --verbose adds the full diagnosis
    groups = list(csv.DictReader((plan / "consortia.csv").open()))
    lines = [line for line in out.splitlines() if line.startswith(tuple(g["consortium"] for g in groups))]
    assert len(lines) == len(groups) and any("cannot be rostered" in line and "would fix it" in line
                                             for line in lines)
    assert len((out + err).splitlines()) < 4 * len(groups)
    assert rota_cli([str(plan), "--no-figure", "--quiet", "--one-in", "8", "--verbose"]) == 1
    assert "cannot be rostered" in capsys.readouterr().err


def test_demo_what_if_rota_is_checked_deterministic_and_drawn(demo_fixed):
    plan = demo_fixed
    assert rota_cli([str(plan), *WHAT_IF, "--quiet", "--jobs", "2"]) == 0
    first = {n: (plan / n).read_bytes() for n in ("rota.csv", "rota_summary.csv")}
    png = (plan / "rota.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert rota_cli([str(plan), *WHAT_IF, "--quiet", "--jobs", "1", "--no-figure"]) == 0
    assert {n: (plan / n).read_bytes() for n in first} == first
    assert not (plan / "rota.png").exists()             # a stale calendar is not left behind
    report = check_rota(plan)
    assert report.ok, report.violations
    rows = list(csv.DictReader((plan / "rota.csv").open()))
    assert list(rows[0]) == ["date", "day", "weekend", "consortium", "radiologist", "home_trust", "sessions",
                             "subspecialties"]
    go_live = {r["consortium"]: dt.date.fromisoformat(r["go_live"])
               for r in csv.DictReader((plan / "consortia.csv").open())}
    for row in rows:                                   # first weekend: first Saturday on/after go-live
        date = dt.date.fromisoformat(row["date"])
        first_sat = go_live[row["consortium"]] + dt.timedelta(days=(5 - go_live[row["consortium"]].weekday()) % 7)
        assert 0 <= (date - first_sat).days < 56
    summary = list(csv.DictReader((plan / "rota_summary.csv").open()))
    trusts = [s for s in summary if s["kind"] == "trust"]
    assert trusts and all(abs(float(s["balance"]) - float(s["sessions_given"]) + float(s["sessions_received"])) < 1e-3
                          for s in trusts)
    for cid in {s["consortium"] for s in trusts}:     # cross-cover balances out within a consortium
        assert abs(sum(float(s["balance"]) for s in trusts if s["consortium"] == cid)) < 1e-3
        assert abs(sum(float(s["reports_for_others"]) - float(s["reports_from_others"])
                       for s in trusts if s["consortium"] == cid)) < 1e-2
    assert rota_cli([str(plan), "--check"]) == 0


def test_checker_catches_a_broken_rota(demo_fixed):
    plan = demo_fixed
    assert rota_cli([str(plan), *WHAT_IF, "--quiet", "--no-figure", "--consortium", "C01"]) == 0
    lines = (plan / "rota.csv").read_text().splitlines()
    header, rows = lines[0], lines[1:]
    neuro = next(i for i, line in enumerate(rows) if line.endswith(",neuro"))
    fields = rows[neuro].split(",")
    date = dt.date.fromisoformat(fields[0])
    # 1. drop a neuro duty: that day loses its neuro cover (and the summary no longer adds up)
    (plan / "rota.csv").write_text("\n".join([header] + rows[:neuro] + rows[neuro + 1:]) + "\n")
    text = "\n".join(check_rota(plan).violations)
    assert "no neuro radiologist on duty" in text and "rota_summary.csv" in text
    # 2. the same radiologist again the next weekend: two weekends in a row
    later = [str(date + dt.timedelta(days=7)), fields[1], str(int(fields[2]) + 1)] + fields[3:]
    (plan / "rota.csv").write_text("\n".join([header] + rows + [",".join(later)]) + "\n")
    text = "\n".join(check_rota(plan).violations)
    assert "closer than one in 2" in text
    # 3. a duty on a day the radiologist is not rostered, with the wrong sessions
    bad = [str(date), "sat" if fields[1] == "sun" else "sun"] + fields[2:6] + ["3"] + fields[7:]
    (plan / "rota.csv").write_text("\n".join([header] + rows + [",".join(bad)]) + "\n")
    text = "\n".join(check_rota(plan).violations)
    assert "the row says" in text
    assert rota_cli([str(plan), "--check"]) == 1


# ---------------------------------------------------------------------------------------------
# Settings and bad input


def test_rota_section_and_flags(tmp_path):
    staff = [("TA", f"A{i}", "", 1, 1) for i in range(1, 7)]
    plan = make_plan(tmp_path, staff, {"TA": (10, 10)}, [("S-TA", ["TA"], "2014-07-01")],
                     rota_section={"weeks": 6, "one_in": 3})
    run = run_rota(plan)
    assert (run.rules.weeks, run.rules.one_in, run.rules.tolerance) == (6, 3, 0.1)
    r = run.rotas[0]
    assert r.status == "optimal" and r.start == dt.date(2014, 7, 5)
    assert (r.most, r.fewest, r.person_weekends) == (1, 1, 6)   # 6 weekends, one radiologist each
    run = run_rota(plan, weeks=3, start=dt.date(2014, 8, 2))
    assert run.rules.weeks == 3 and run.rotas[0].start == dt.date(2014, 8, 2)
    assert check_rota(plan).ok


@pytest.mark.parametrize("argv, message", [
    (["--start", "2014-07-07"], "2014-07-07 is a Monday; a rota starts on a Saturday, e.g. 2014-07-05 or 2014-07-12"),
    (["--one-in", "1"], "must be >= 2"),
    (["--weeks", "0"], "--weeks must be at least 1"),
    (["--consortium", "C99"], "unknown consortium C99"),
    (["--tolerance", "1.5"], "must be between 0 and 1"),
])
def test_bad_flags_exit_2(tmp_path, capsys, argv, message):
    staff = [("TA", "A1", "", 1, 1)]
    plan = make_plan(tmp_path, staff, {"TA": (1, 1)}, [("S-TA", ["TA"], "2014-07-01")])
    assert rota_cli([str(plan), *argv]) == 2
    assert message in capsys.readouterr().err


def test_not_a_plan_folder_and_missing_inputs(tmp_path, capsys):
    assert rota_cli([str(tmp_path)]) == 2
    assert "not a plan folder (no plan.yaml)" in capsys.readouterr().err
    plan = make_plan(tmp_path, [("TA", "A1", "", 1, 1)], {"TA": (1, 1)}, [("S-TA", ["TA"], "2014-07-01")])
    (tmp_path / "inputs" / "rosters.csv").unlink()
    assert rota_cli([str(plan)]) == 2
    assert "rosters file" in capsys.readouterr().err


def test_relative_inputs_resolve_against_the_plan_folders_parents(tmp_path, monkeypatch):
    plan = make_plan(tmp_path, [("TA", f"A{i}", "", 1, 1) for i in range(4)], {"TA": (5, 5)},
                     [("S-TA", ["TA"], "2014-07-01")])
    doc = yaml.safe_load((plan / "plan.yaml").read_text())
    for kind in ("trusts", "rosters", "demand"):
        doc["settings"]["inputs"][kind] = f"inputs/{kind}.csv"
    (plan / "plan.yaml").write_text(yaml.safe_dump(doc))
    monkeypatch.chdir(plan)                            # not found here; found in the plan's parent
    run = run_rota(plan, weeks=4)
    assert run.rotas[0].status == "optimal" and not run.changed_inputs
