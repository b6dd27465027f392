"""Core engine benchmark: synthetic instances of 50, 134, 250 and 500 trusts.

Shape (issue 2): max distance 80 km, at most 8 trusts per consortium, 12 quarterly periods,
hard cover, HiGHS. For each size it records model build time, time to the first plan, time to
proof (or the gap at the time limit) and peak memory, each size in its own process, and
replaces the "## Core engine" section of benchmarks/RESULTS.md.

Run by hand:  python benchmarks/core_benchmark.py [--sizes 50 134] [--time-limit 600] [--methods auto]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from pathlib import Path

from runs import fmt as _fmt
from runs import in_own_process, keep_rows, load, measure_solve, replace_section

HERE = Path(__file__).resolve().parent
SECTION = "## Core engine"


def run_one(n: int, seed: int, time_limit: float, method: str) -> dict:
    """Solve one synthetic instance in this process and measure it."""
    scenario = load(f"synth:{n}:{seed}", {"solver.time_limit": time_limit, "solver.method": method})
    row = measure_solve(scenario)
    if row["method"] in ("columns", "enumerate"):
        size = f"{row['columns']:,} columns, {row['rounds']} rounds"
    else:
        size = f"{row['variables'] or 0:,} variables, {row['constraints'] or 0:,} constraints"
    return {**row, "trusts": n, "seed": seed, "requested": method, "size": size}


def merge_rows(rows: list[dict]) -> list[dict]:
    """The rows of this run and, for the (trusts, seed, method) it did not run, the rows kept in
    core_results.json from earlier runs; written back to that file, sorted."""
    return keep_rows(HERE / "core_results.json", rows, lambda r: (r["trusts"], r["seed"], r["requested"]))


def write_results(rows: list[dict], time_limit: float) -> None:
    lines = [SECTION, "",
             f"Updated {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"HiGHS (highspy); time limit {time_limit:g} s; synthetic instances from "
             "`consortia.examples.synth.write_instance(folder, n, seed)` (80 km, max 8, 12 quarterly periods, hard "
             "cover). Total = inputs + graph + model build + warm start + solve + plan. Method `compact`: "
             "the MIP of model.py; `columns`: column generation (columns/), whose first plan comes "
             "at the end and whose bound is the Lagrangian bound of its LP. Each row is kept in "
             "core_results.json until that size, seed and method are run again.", "",
             "| trusts | seed | method | size | build s | first plan s | status | objective | bound | gap | solve s "
             "| total s | peak MB |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        gap = "-" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        lines.append(f"| {r['trusts']} | {r['seed']} | {r['method']} | {r['size']} | {_fmt(r['build_s'], '.1f')} | "
                     f"{_fmt(r['first_plan_s'], '.1f')} | {r['status']} | {_fmt(r['objective'], '.2f')} | "
                     f"{_fmt(r['bound'], '.2f')} | {gap} | {_fmt(r['solve_s'], '.1f')} | "
                     f"{_fmt(r['total_s'], '.1f')} | {_fmt(r['peak_mb'], '.0f')} |")
    replace_section(SECTION, "\n".join(lines[2:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 134, 250, 500])
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1],
                        help="instance seeds; each size is run with each seed")
    parser.add_argument("--methods", nargs="+", default=["auto"], choices=["auto", "enumerate", "compact", "columns"],
                        help="solver.method values to run for each size (default: auto)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seeds[0], args.time_limit, args.methods[0])))
        return
    rows = []
    for n, seed, method in itertools.product(args.sizes, args.seeds, args.methods):
        row = in_own_process(Path(__file__), ["--one", str(n), "--seeds", str(seed),
                                              "--time-limit", str(args.time_limit), "--methods", method])
        print(row, flush=True)
        rows.append(row)
    write_results(merge_rows(rows), args.time_limit)


if __name__ == "__main__":
    main()
