"""Branch and price against one large enumeration: the same instances proven with the default
pool limit (the enumeration stages alone, as every instance of the proof benchmark is) and with
the pool limit cut, so that the proof must go through the branching tree; side by side in one
run, each solve in its own process, rounds of A B C A B C ... so that a drift of the machine's
speed falls on every setting alike.

Run by hand:  python benchmarks/branching_benchmark.py [--instances england synth:500:1 ...]
              [--pools 400000 4000 400] [--repeat 3] [--limit 600]

It replaces the "## Branch and price" section of benchmarks/RESULTS.md (rows kept in
branching_results.json until run again). Time = inputs + graph + solve + plan (no maps); the
median of the repeats is quoted, with the ratio to the default pool limit's median.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from pathlib import Path

from runs import in_own_process, keep_rows, load, measure_solve, money, replace_section

HERE = Path(__file__).resolve().parent
SECTION = "## Branch and price: the proof when the pool is too large"
DEFAULT_INSTANCES = ["england", "synth:134:1", "synth:500:1", "synth:500:2", "synth:500:3"]
DEFAULT_POOLS = [400_000, 4_000, 400]
COMMAND = "python benchmarks/branching_benchmark.py"


def run_one(name: str, limit: float, pool: int) -> dict:
    """Solve one instance in this process with the pool limit ``pool`` and measure it."""
    from consortia.columns import enumerate as enumeration

    enumeration.POOL_LIMIT = pool
    scenario = load(name, {"solver.time_limit": limit, "solver.method": "enumerate"})
    row = measure_solve(scenario)
    return {**row, "instance": name, "limit": limit, "pool": pool, "pounds": scenario.costs is not None}


def write_results(rows: list[dict]) -> None:
    lines = [f"`{COMMAND}`, {os.cpu_count()} cores shared with other work, Python {platform.python_version()}, "
             "HiGHS (highspy), numba. `solver.method: enumerate`. The pool limit is the most columns the "
             "enumeration stages' stage B may hold (stage A: a quarter of it); 400,000 is the default, under "
             "which every instance here is proven by the enumeration stages alone. With a smaller limit the "
             "proof goes through the branching tree (nodes: how many were solved; pools: stage A / stage B / "
             "each node whose enumeration fitted the limit, 0 for a stage over it). Each setting was run "
             "`repeat` times in rounds; time is the median (min-max), ratio = median / the default limit's "
             "median on the same instance.", "",
             "| instance | pool limit | runs | status | objective | gap | nodes | time s median (min-max) | "
             "ratio | peak MB | pools (last run) | load | date |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    by: dict[tuple[str, int], list[dict]] = {}
    for r in rows:
        by.setdefault((r["instance"], r["pool"]), []).append(r)
    for (name, pool), runs in by.items():
        times = [r["total_s"] for r in runs]
        base = by.get((name, DEFAULT_POOLS[0]))
        ratio = statistics.median(times) / statistics.median([r["total_s"] for r in base]) if base else None
        last = runs[-1]
        statuses = "/".join(sorted({r["status"] for r in runs}))
        shown = money(last["objective"], last.get("pounds", False))
        gap = "-" if last["gap"] is None else f"{100 * last['gap']:.3f}%"
        nodes = "/".join(str(r.get("nodes") or 0) for r in runs)
        pools = " / ".join(f"{p:,}" for p in last["pools"] or []) or "-"
        if len(pools) > 60:
            pools = pools[:57] + "..."
        lines.append(f"| {name} | {pool:,} | {len(runs)} | {statuses} | {shown} | {gap} | {nodes} | "
                     f"{statistics.median(times):.1f} ({min(times):.1f}-{max(times):.1f}) | "
                     f"{'-' if ratio is None else f'{ratio:.2f}x'} | {max(r['peak_mb'] for r in runs):.0f} | "
                     f"{pools} | {last['load']:.1f} | {last['date']} |")
    replace_section(SECTION, "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=DEFAULT_INSTANCES)
    parser.add_argument("--pools", type=int, nargs="+", default=DEFAULT_POOLS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=600.0)
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the RESULTS.md section from the kept rows, without running")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), int(args.one[2]))))
        return
    rows = []
    for name in [] if args.report_only else args.instances:
        for repeat in range(args.repeat):
            for pool in args.pools:
                row = in_own_process(Path(__file__), ["--one", name, str(args.limit), str(pool)])
                row["repeat"] = repeat
                print({k: row[k] for k in ("instance", "pool", "status", "objective", "total_s", "nodes", "load")},
                      flush=True)
                rows.append(row)
    kept = keep_rows(HERE / "branching_results.json", rows,
                     lambda r: (r["instance"], -r["pool"], r.get("repeat", 0)))
    write_results(kept)


if __name__ == "__main__":
    main()
