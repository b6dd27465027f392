"""Proof by column enumeration: England and synthetic instances, time to first plan, to proof,
and the gap at short limits.

For each instance and time limit it runs ``solve`` (``solver.method`` as given, default auto)
in its own process and records status, objective, bound, gap, solve time, the time of the first
plan (the first progress event with a plan) and peak memory; it replaces the "## Proof by
enumeration" section of benchmarks/RESULTS.md. Solve time excludes maps (none are drawn).

Run by hand:  python benchmarks/proof_benchmark.py [--instances england synth:134:1 ...]
              [--limits 10 60 600] [--method auto]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTION = "## Proof by enumeration"
DEFAULT = ["england", "synth:134:1", "synth:134:2", "synth:134:3", "synth:500:1", "synth:500:2", "synth:500:3"]


def scenario_path(name: str) -> Path:
    """The scenario file of ``england`` or ``synth:N:SEED`` (written to a temporary folder)."""
    if name == "england":
        return ROOT / "inputs" / "england" / "scenario.yaml"
    from consortia.examples.synth import write_instance

    _, n, seed = name.split(":")
    return write_instance(Path(tempfile.mkdtemp(prefix=f"proof-{n}-{seed}-")), int(n), int(seed))


def run_one(name: str, limit: float, method: str) -> dict:
    """Solve one instance in this process and measure it."""
    from consortia import load_scenario, with_overrides
    from consortia.pipeline import solve_scenario

    scenario = with_overrides(load_scenario(scenario_path(name)),
                              {"solver.time_limit": limit, "solver.method": method})
    first = {}
    started = time.perf_counter()

    def progress(stage, event):
        if event is not None and event.incumbent is not None and "t" not in first:
            first["t"] = time.perf_counter() - started
            first["objective"] = event.incumbent

    plan = solve_scenario(scenario, progress=progress)
    total = time.perf_counter() - started
    return {"instance": name, "limit": limit, "requested": method, "method": plan.solver.get("method"),
            "status": plan.status, "objective": plan.objective, "bound": plan.best_bound, "gap": plan.gap,
            "total_s": total, "first_plan_s": first.get("t"), "first_objective": first.get("objective"),
            "pools": plan.solver.get("enumerated_pools"), "columns": plan.solver.get("columns"),
            "rounds": plan.solver.get("rounds"), "message": plan.solver.get("message", ""),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d %H:%M")}


def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def write_results(rows: list[dict]) -> None:
    lines = [SECTION, "",
             f"`python benchmarks/proof_benchmark.py`, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores "
             f"(shared with other work: the 1-minute load average at the start of each run is in the table), Python "
             f"{platform.python_version()}, HiGHS (highspy), numba. Each row is one solve in its own process; "
             "time = inputs + graph + solve + plan (no maps). First plan = the first progress event with a plan "
             "(its objective in brackets). Pools = columns enumerated in stage A / stage B.", "",
             "| instance | limit s | method | status | objective | bound | gap | time s | first plan s | pools "
             "| peak MB | load |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        gap = "-" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        first = "-" if r["first_plan_s"] is None else f"{r['first_plan_s']:.1f} ({r['first_objective']:.2f})"
        pools = " / ".join(f"{p:,}" for p in r["pools"]) if r.get("pools") else "-"
        lines.append(f"| {r['instance']} | {r['limit']:g} | {r['method']} | {r['status']} | "
                     f"{_fmt(r['objective'], '.2f')} | {_fmt(r['bound'], '.2f')} | {gap} | {r['total_s']:.1f} | "
                     f"{first} | {pools} | {r['peak_mb']:.0f} | {r['load']:.1f} |")
    section = "\n".join(lines) + "\n"
    path = HERE / "RESULTS.md"
    text = path.read_text()
    if SECTION in text:
        head, rest = text.split(SECTION, 1)
        tail = rest.split("\n## ", 1)
        text = head + section + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=DEFAULT)
    parser.add_argument("--limits", type=float, nargs="+", default=[10, 60, 600])
    parser.add_argument("--method", default="auto", choices=["auto", "enumerate", "columns", "compact"])
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), args.method)))
        return
    path = HERE / "proof_results.json"
    kept = {(r["instance"], r["limit"], r["requested"]): r for r in json.loads(path.read_text())} \
        if path.exists() else {}
    for name in args.instances:
        for limit in args.limits:
            out = subprocess.run([sys.executable, __file__, "--one", name, str(limit), "--method", args.method],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(row, flush=True)
            kept[(name, limit, args.method)] = row
            path.write_text(json.dumps(list(kept.values()), indent=1) + "\n")
    order = {n: k for k, n in enumerate(DEFAULT)}
    rows = sorted(kept.values(), key=lambda r: (order.get(r["instance"], 99), r["instance"], r["requested"],
                                                r["limit"]))
    write_results(rows)


if __name__ == "__main__":
    main()
