"""Proof by column enumeration against an analyst's baseline: England and synthetic instances, the
time to the first plan, the time-vs-gap curve, and a PySAL spopt regionalisation repaired to
feasibility, side by side in the same run.

For each instance and time limit it runs ``solve`` (``solver.method`` as given, default auto) in
its own process and records status, objective, bound, gap, solve time, the first plan (the first
progress event with a plan), the best plan and bound seen after 10 s and 60 s, peak memory and
the load average. Then, in its own process, the baseline of ``spopt_baseline.py``: every
configuration of its grid regionalised, repaired, written as a plan folder and scored by the
independent checker; its best objective is reported as a ratio to ours (the longest limit's plan
of the same run). It replaces the "## Proof by enumeration" and "## Baseline: PySAL spopt"
sections of benchmarks/RESULTS.md
(rows kept in proof_results.json and baseline_results.json until run again). Solve time excludes maps (none are drawn).

Run by hand:  python benchmarks/proof_benchmark.py [--quick] [--instances england synth:134:1 ...]
              [--limits 10 60 600] [--method auto] [--no-baseline] [--report-only]
(needs ``pip install -e ".[bench]"`` for the baseline; ``--no-baseline`` runs without it)
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from runs import (
    CHECKPOINTS,
    context,
    fmt,
    gap_text,
    in_own_process,
    keep_rows,
    load,
    measure_solve,
    money,
    replace_section,
)

HERE = Path(__file__).resolve().parent
SECTION = "## Proof by enumeration: time to a plan and the time-vs-gap curve"
BASELINE_SECTION = "## Baseline: PySAL spopt regionalisation, repaired"
DEFAULT = ["england", "england:weighted", "synth:134:1", "synth:134:2", "synth:134:3", "synth:500:1", "synth:500:2",
           "synth:500:3"]
QUICK = ["england:weighted", "synth:134:1"]
COMMAND = "python benchmarks/proof_benchmark.py"


def run_one(name: str, limit: float, method: str) -> dict:
    """Solve one instance in this process and measure it."""
    scenario = load(name, {"solver.time_limit": limit, "solver.method": method})
    row = measure_solve(scenario)
    return {**row, "instance": name, "limit": limit, "requested": method, "pounds": scenario.costs is not None}


def run_baseline(name: str, quick: bool) -> dict:
    """Every configuration of the baseline's grid on one instance, in this process."""
    import spopt_baseline as sb

    row = context()
    scenario = load(name)
    started = time.perf_counter()
    outcomes = sb.baseline_plans(scenario, Path(tempfile.mkdtemp(prefix="spopt-baseline-")), quick=quick)
    top = sb.best(outcomes)
    row.update(instance=name, grid="quick" if quick else "full", seconds=time.perf_counter() - started,
               pounds=scenario.costs is not None, configs=[{
                   "config": o.config.label, "algorithm": o.config.algorithm, "regions": o.regions,
                   "regions_kept": o.regions_kept, "consortia": o.consortia, "objective": o.objective,
                   "accepted": o.accepted, "seconds": o.seconds, "spopt_seconds": o.spopt_seconds, "note": o.note}
                   for o in outcomes],
               best=None if top is None else {"config": top.config.label, "objective": top.objective,
                                              "consortia": top.consortia, "folder": str(top.folder)})
    return row


def _pools(r) -> str:
    pools = " / ".join(f"{p:,}" for p in r["pools"]) if r.get("pools") else "-"
    return pools + (f"; {r['nodes']:,} nodes" if r.get("nodes") else "")


def _at(r, limit: float) -> str:
    point = (r.get("at") or {}).get(f"{limit:g}")
    if not point:
        return "-"
    if point["objective"] is None:
        return "no plan"
    return f"{money(point['objective'], r.get('pounds', False))} ({gap_text(point['objective'], point['bound'])})"


def write_results(rows: list[dict], baselines: list[dict]) -> None:
    checkpoints = " | ".join(f"at {c:g} s" for c in CHECKPOINTS)
    lines = [f"`{COMMAND}` (`--quick`: England weighted and synthetic 134 seed 1, limits 10 and 60 s, 4 baseline "
             f"configurations), {os.cpu_count()} cores shared with other work (the 1-minute load average at the start "
             f"of each run is in the table), Python {platform.python_version()}, HiGHS (highspy), numba. Each row is "
             "one solve in its own process; time = inputs + graph + solve + plan (no maps). First plan = the first "
             "progress event with a plan (its objective in brackets; a warm start's plan has none). "
             f"{checkpoints.replace(' | ', ' and ').capitalize()} = the best plan and its gap to the best bound "
             "seen by then within the same run (after the run ended: its final plan). Pools = columns "
             "enumerated in stage A / stage B (then per node closed by enumeration), and the branching nodes solved "
             "(none: the enumeration stages proved it, or there was no time). `england` is the shipped scenario "
             "(pounds); `england:weighted` the "
             "same without its `costs` section (the weighted objective).", "",
             "| instance | limit s | method | status | objective | bound | gap | time s | first plan s | "
             f"{checkpoints} | pools | peak MB | load | date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | " + " | ".join("---" for _ in CHECKPOINTS)
             + " | --- | --- | --- | --- |"]
    for r in rows:
        pounds = r.get("pounds", False)
        first = "-" if r["first_plan_s"] is None else (
            f"{r['first_plan_s']:.1f}" + (f" ({money(r['first_objective'], pounds)})"
                                          if r.get("first_objective") is not None else ""))
        gap = "-" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        at = " | ".join(_at(r, c) for c in CHECKPOINTS)
        lines.append(f"| {r['instance']} | {r['limit']:g} | {r['method']} | {r['status']} | "
                     f"{money(r['objective'], pounds)} | {money(r['bound'], pounds)} | {gap} | {r['total_s']:.1f} | "
                     f"{first} | {at} | {_pools(r)} | {r['peak_mb']:.0f} | {fmt(r.get('load'), '.1f')} | "
                     f"{r.get('date', '-')} |")
    replace_section(SECTION, "\n".join(lines))
    if baselines:
        write_baseline(rows, baselines)


def write_baseline(rows: list[dict], baselines: list[dict]) -> None:
    import spopt_baseline as sb

    ours = {}
    for r in rows:
        if r["objective"] is not None and (r["instance"] not in ours or r["limit"] > ours[r["instance"]]["limit"]):
            ours[r["instance"]] = r
    method = sb.__doc__.split("\n\n")[1].replace("``", "`")
    grid = " ".join(sb.grid.__doc__.split()).replace("``SLOW_ABOVE``", str(sb.SLOW_ABOVE))
    lines = [f"`{COMMAND}`, in the same run as the section above (`benchmarks/spopt_baseline.py`):", "", method,
             "", grid + f" Spatial weights: symmetrised {sb.NEIGHBOURS}-"
             "nearest neighbours of the positions. Ratio = best accepted baseline / our plan at the longest limit of "
             "the same run (lower is better for both; 1.52x on England weighted and 1.61x on synthetic 500 were "
             "measured by hand before this benchmark existed, on the code and rosters of that day).", "",
             "| instance | configurations | accepted by the checker | best configuration | its consortia | baseline "
             "objective | ours (limit s, status) | ratio | baseline s | load | date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for b in baselines:
        pounds = b.get("pounds", False)
        accepted = sum(1 for c in b["configs"] if c["accepted"])
        mine = ours.get(b["instance"])
        best = b["best"]
        ratio = f"{best['objective'] / mine['objective']:.2f}x" if best and mine else "-"
        we = f"{money(mine['objective'], pounds)} ({mine['limit']:g}, {mine['status']})" if mine else "no plan"
        lines.append(f"| {b['instance']} | {len(b['configs'])} ({b['grid']}) | {accepted} | "
                     f"{best['config'] if best else '-'} | {best['consortia'] if best else '-'} | "
                     f"{money(best['objective'] if best else None, pounds)} | {we} | **{ratio}** | "
                     f"{b['seconds']:.0f} | {b['load']:.1f} | {b['date']} |")
    lines += ["", "Best accepted objective per algorithm (configurations accepted / run; spopt's own seconds, "
              "median):", "", "| instance | " + " | ".join(sb.ALGORITHMS) + " |",
              "| --- | " + " | ".join("---" for _ in sb.ALGORITHMS) + " |"]
    for b in baselines:
        cells = []
        for a in sb.ALGORITHMS:
            runs = [c for c in b["configs"] if c["algorithm"] == a]
            ok = [c["objective"] for c in runs if c["accepted"]]
            secs = sorted(c["spopt_seconds"] for c in runs)
            cells.append("-" if not runs else f"{money(min(ok), b.get('pounds', False)) if ok else 'none'} "
                         f"({len(ok)}/{len(runs)}; {secs[len(secs) // 2]:.1f} s)")
        lines.append(f"| {b['instance']} | " + " | ".join(cells) + " |")
    failed = [(b["instance"], c) for b in baselines for c in b["configs"] if not c["accepted"]]
    if failed:
        lines += ["", "Configurations the repair could not make feasible (every repaired plan that was written "
                  "was accepted by the checker):", ""]
        lines += [f"- {name}, {c['config']}: {c['note']}" for name, c in failed]
    replace_section(BASELINE_SECTION, "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+")
    parser.add_argument("--limits", type=float, nargs="+")
    parser.add_argument("--method", default="auto", choices=["auto", "enumerate", "columns", "compact"])
    parser.add_argument("--quick", action="store_true", help="England weighted and synthetic 134 seed 1, limits "
                        "10 and 60 s, 4 baseline configurations")
    parser.add_argument("--no-baseline", action="store_true", help="our solver only (no spopt needed)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the RESULTS.md sections from the kept rows, without running")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), args.method)))
        return
    if args.baseline_one:
        print(json.dumps(run_baseline(args.baseline_one, args.quick)))
        return
    instances = args.instances or (QUICK if args.quick else DEFAULT)
    limits = args.limits or ([10, 60] if args.quick else [10, 60, 600])
    rows, baselines = [], []
    for name in [] if args.report_only else instances:
        for limit in limits:
            row = in_own_process(Path(__file__), ["--one", name, str(limit), "--method", args.method])
            print({k: v for k, v in row.items() if k != "at"}, flush=True)
            rows.append(row)
        if not args.no_baseline:
            b = in_own_process(Path(__file__), ["--baseline-one", name] + (["--quick"] if args.quick else []))
            print({k: v for k, v in b.items() if k != "configs"}, flush=True)
            baselines.append(b)
    order = {n: k for k, n in enumerate(DEFAULT)}

    def key(r):
        return order.get(r["instance"], 99), r["instance"], r["requested"], r["limit"]

    with open(HERE / ".proof_benchmark.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs at once: each keeps the other's rows
        kept = keep_rows(HERE / "proof_results.json", rows, key)
        kept_baselines = keep_rows(HERE / "baseline_results.json", baselines,
                                   lambda b: (order.get(b["instance"], 99), b["instance"], b["grid"]))
        write_results(kept, kept_baselines)


if __name__ == "__main__":
    main()
