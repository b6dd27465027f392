"""Benchmark: an 8-week weekend rota for every consortium of the England plan (issue 7), then
its figures.

    python benchmarks/rota_benchmark.py [--plan PLAN_DIR] [--jobs 2] [--record]

Without ``--plan`` the England scenario is solved first (``consortia solve
inputs/england/scenario.yaml --no-maps --time-limit 120``, not part of the timing). Each run
works on a fresh copy of the plan folder, so the given folder is never changed, and times the
whole of ``consortia rota``: building and solving every consortium's integer programs in
parallel, writing rota.csv / rota_summary.csv / rota.yaml, the independent check and rota.png.

Runs:

* ``plan settings``: the plan's own cover settings (ratio 0.7, neuro every weekend day) with
  the rota defaults (at most one weekend in 4, trust-share tolerance 0.1). With these rosters no
  consortium can be rostered, so this run times the counting bounds and the gap programs.
* ``what-if 1 in 2``: ratio 0.3, one weekend in 2, no required subspecialty, tolerance 0.4.
* ``what-if 1 in 4``: ratio 0.15, one weekend in 4, no required subspecialty, tolerance 0.4.
* ``what-if 1 in 4, neuro``: the same with a neuroradiologist required on every weekend day.

Then every figure of the last run's plan folder, with its rota, is drawn and timed
(``render_plan_figures``, as ``consortia map PLAN_DIR``: map.png/.svg, map.html, timeline.png,
cover.png with the weekend panel, report.html and slides.pptx); target under
``FIGURES_TARGET_SECONDS``. The tests check only what keeps it quick (one reading of the plan,
each picture drawn once, one slide map per region), never the time.

``--record`` writes the results as the "## Weekend rota" section of benchmarks/RESULTS.md
(replacing that section if present, leaving every other section alone).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consortia import rota  # noqa: E402 - after the sys.path line above

RUNS = [
    ("plan settings", {}),
    ("what-if 1 in 2", {"one_in": 2, "min_ratio": 0.3, "tolerance": 0.4, "weekend_subspecialties": []}),
    ("what-if 1 in 4", {"one_in": 4, "min_ratio": 0.15, "tolerance": 0.4, "weekend_subspecialties": []}),
    ("what-if 1 in 4, neuro", {"one_in": 4, "min_ratio": 0.15, "tolerance": 0.4}),
]
TARGET_SECONDS = 60.0
FIGURES_TARGET_SECONDS = 20.0


def solve_england(folder: Path) -> tuple[Path, float]:
    from consortia.cli import main

    started = time.perf_counter()
    code = main(["solve", str(ROOT / "inputs/england/scenario.yaml"), "--no-maps", "--time-limit", "120",
                 "--quiet", "--out", str(folder)])
    if code != 0:
        raise SystemExit(f"solving the England scenario failed (exit {code})")
    return folder, time.perf_counter() - started


def one_run(plan: Path, overrides: dict, jobs: int, work: Path, name: str) -> dict:
    copy = work / re.sub(r"\W+", "-", name)
    shutil.copytree(plan, copy)
    for f in ("rota.csv", "rota_summary.csv", "rota.yaml", "rota.png"):
        (copy / f).unlink(missing_ok=True)
    started = time.perf_counter()
    run = rota.solve_rota(copy, {"weeks": 8, **overrides}, jobs=jobs)
    solved = time.perf_counter()
    rota.write_rota(run, figure=True)
    done = time.perf_counter()
    statuses = collections.Counter(r.status for r in run.rotas)
    rostered = [r for r in run.rotas if r.rostered]
    return {
        "name": name, "overrides": overrides, "n": len(run.rotas),
        "rostered": len(rostered), "optimal": statuses.get("optimal", 0),
        "infeasible": statuses.get("infeasible", 0), "no_solution": statuses.get("no_solution", 0),
        "solve": solved - started, "write": done - solved, "total": done - started,
        "slowest": max(run.rotas, key=lambda r: r.seconds),
        "duties": sum(len(r.duties) for r in run.rotas),
        "spread": collections.Counter(r.spread for r in rostered),
        "rules": run.rules,
    }


def time_figures(folder: Path) -> float:
    """Seconds to draw every figure of the plan in ``folder`` (its rota included)."""
    from consortia.figures import render_plan_figures

    started = time.perf_counter()
    render_plan_figures(folder)
    return time.perf_counter() - started


def describe_plan(plan: Path) -> str:
    import yaml

    doc = yaml.safe_load((plan / "plan.yaml").read_text(encoding="utf-8"))
    gap = doc.get("gap")
    metrics = doc.get("metrics") or {}
    return (f"plan from `consortia solve inputs/england/scenario.yaml --no-maps --time-limit "
            f"{doc['settings']['solver']['time_limit']:g}`: {doc['status']}"
            + (f", gap {100 * gap:.1f}%" if gap else "")
            + f", {metrics.get('n_consortia')} consortia and {metrics.get('n_standalone')} standalone trust(s)")


def section(results: list[dict], plan: Path, solve_seconds: float | None, jobs: int,
            figures_seconds: float | None = None) -> str:
    from importlib.metadata import version

    import highspy  # noqa: F401

    lines = ["## Weekend rota", "",
             f"`python benchmarks/rota_benchmark.py` on {dt.date.today().isoformat()}: {os.cpu_count()} cores "
             f"(shared), Python {platform.python_version()}, PuLP {version('pulp')}, highspy {version('highspy')}; "
             f"{jobs} worker processes, one HiGHS thread each. An 8-week rota for every consortium of the "
             f"England plan ({results[0]['n']} consortia incl. standalone trusts"
             + f"; {describe_plan(plan)}"
             + (f", solved in {solve_seconds:.0f} s, not part of the timing" if solve_seconds else "")
             + "). Total = solve + write + independent check + rota.png; "
             f"target under {TARGET_SECONDS:.0f} s.", "",
             "| run | one in k | ratio | tolerance | required subspecialties | rostered | cannot be rostered "
             "| no rota in time | solve s | write+check+png s | total s | slowest consortium |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        rules = r["rules"]
        slow = r["slowest"]
        lines.append(f"| {r['name']} | {rules.one_in} | {rules.min_ratio:g} | {rules.tolerance:g} | "
                     f"{' '.join(rules.weekend_subspecialties) or '-'} | {r['rostered']} ({r['optimal']} proven) | "
                     f"{r['infeasible']} | {r['no_solution']} | {r['solve']:.1f} | {r['write']:.1f} | "
                     f"**{r['total']:.1f}** | {slow.consortium} {slow.seconds:.1f} s ({slow.status}) |")
    lines += ["", "With the plan's own settings no consortium can be rostered: the plan's cover rule counts "
              "every radiologist's weekend sessions as available every weekend, but one weekend in 4 leaves about "
              "a quarter of that; each consortium's diagnosis (rota.yaml) says by how much, day by day."]
    if figures_seconds is not None:
        lines += ["", f"Every figure of the plan with the '{results[-1]['name']}' rota (map.png/.svg, map.html, "
                  f"timeline.png, cover.png with the weekend panel, report.html, slides.pptx; as `consortia map`): "
                  f"**{figures_seconds:.1f} s**; target under {FIGURES_TARGET_SECONDS:.0f} s."]
    spreads = [f"{r['name']}: " + ", ".join(f"spread {k} x{v}" for k, v in sorted(r["spread"].items()))
               for r in results if r["rostered"]]
    if spreads:
        lines += ["", "Spread of weekends worked among rostered consortia: " + "; ".join(spreads) + "."]
    return "\n".join(lines) + "\n"


def record(text: str) -> Path:
    path = ROOT / "benchmarks" / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    match = re.search(r"^## Weekend rota\n.*?(?=^## |\Z)", old, flags=re.MULTILINE | re.DOTALL)
    if match:
        new = old[:match.start()] + text + ("\n" if old[match.end():] else "") + old[match.end():]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, help="England plan folder (default: solve the scenario first)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--record", action="store_true", help="write the section into benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rota-bench-") as tmp:
        work = Path(tmp)
        solve_seconds = None
        plan = args.plan
        if plan is None:
            plan, solve_seconds = solve_england(work / "england")
            print(f"England plan solved in {solve_seconds:.1f} s", file=sys.stderr)
        results = []
        for name, overrides in RUNS:
            r = one_run(plan, overrides, args.jobs, work, name)
            print(f"{name}: {r['rostered']}/{r['n']} rostered, total {r['total']:.1f} s", file=sys.stderr)
            results.append(r)
        figures_seconds = time_figures(work / re.sub(r"\W+", "-", results[-1]["name"]))
        print(f"figures: {figures_seconds:.1f} s", file=sys.stderr)
    text = section(results, plan, solve_seconds, args.jobs, figures_seconds)
    print(text)
    if args.record:
        print(f"recorded in {record(text)}", file=sys.stderr)
    return 0 if all(r["total"] < TARGET_SECONDS for r in results) and figures_seconds < FIGURES_TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
