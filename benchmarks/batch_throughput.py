"""Batch throughput: scenarios per minute of ``consortia batch`` on the demo instance.

Runs one sweep of small demo scenarios with 1 and with 2 local worker processes (and, with
``--dask``, on a two-worker Dask LocalCluster), each from an empty output folder, and writes
the median of ``--repeat`` runs to benchmarks/RESULTS.md under "## Batch throughput" (that
section only is replaced; the rest of the file is kept).

    python benchmarks/batch_throughput.py [--repeat 3] [--scenarios 12] [--dask] [--no-write]

Wall time includes starting the worker processes, solving, writing and checking every plan
folder (no maps) and the summary; it is what an analyst waits for.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consortia.batch import load_batch, machine_cores, run_batch  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
HEADING = "## Batch throughput"
WEIGHTS = (0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.055)


def sweep(folder: Path, scenarios: int) -> Path:
    """A batch file of ``scenarios`` quick demo variants: distance weight x market capacity."""
    capacities = [2, 3, None]
    per = -(-scenarios // len(capacities))
    if per > len(WEIGHTS):
        raise SystemExit(f"at most {len(WEIGHTS) * len(capacities)} scenarios")
    data = {"name": "throughput", "base": str(ROOT / "inputs" / "demo" / "scenario.yaml"),
            "overrides": {"solver.time_limit": 60},
            "grids": {"w": {"objective.distance": list(WEIGHTS[:per]), "market.capacity": capacities}}}
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def measure(batch_file: Path, scenarios: int, workers: int | None, scheduler: str | None) -> float:
    """Seconds for one run of the first ``scenarios`` scenarios from an empty output folder."""
    batch = load_batch(batch_file)
    batch = dataclasses.replace(batch, scenarios=batch.scenarios[:scenarios])
    with tempfile.TemporaryDirectory(prefix="consortia-bench-") as out:
        started = time.perf_counter()
        run = run_batch(batch, output=Path(out) / "out", workers=workers, scheduler=scheduler)
        seconds = time.perf_counter() - started
    bad = [r["scenario"] for r in run.records if r is None or r["status"] not in ("optimal", "feasible")]
    if bad:
        raise SystemExit(f"scenarios without a plan: {bad}")
    return seconds


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_section(text: str) -> None:
    """Replace (or append) the "## Batch throughput" section of RESULTS.md."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == HEADING), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    RESULTS.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (median reported)")
    parser.add_argument("--scenarios", type=int, default=12, help="scenarios in the sweep (default 12)")
    parser.add_argument("--dask", action="store_true", help="also run on a 2-worker Dask LocalCluster")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="consortia-bench-") as folder:
        batch_file = sweep(Path(folder), args.scenarios)
        configs: list[tuple[str, int | None, str | None]] = [("local, 1 worker", 1, None),
                                                              ("local, 2 workers", 2, None)]
        cluster = None
        if args.dask:
            from distributed import LocalCluster
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            configs.append(("Dask LocalCluster, 2 workers x 1 thread", None, cluster.scheduler_address))
        rows = []
        try:
            for label, workers, scheduler in configs:
                times = [measure(batch_file, args.scenarios, workers, scheduler) for _ in range(args.repeat)]
                median = statistics.median(times)
                rows.append((label, median, 60 * args.scenarios / median, times))
                print(f"{label:42s} {median:7.1f} s  {60 * args.scenarios / median:6.1f} scenarios/min  "
                      f"(runs: {', '.join(f'{t:.1f}' for t in times)})", flush=True)
        finally:
            if cluster is not None:
                cluster.close()

    base = rows[0][1]
    table = ["| executor | wall time (median) | scenarios per minute | speed-up vs 1 worker |",
             "| --- | ---: | ---: | ---: |"]
    table += [f"| {label} | {median:.1f} s | {rate:.1f} | {base / median:.2f}x |"
              for label, median, rate, _ in rows]
    text = "\n".join([
        HEADING, "",
        f"`python benchmarks/batch_throughput.py --repeat {args.repeat} --scenarios {args.scenarios}"
        f"{' --dask' if args.dask else ''}` on {dt.date.today().isoformat()}: {args.scenarios} demo scenarios "
        "(12 fictional trusts; a grid of objective.distance x market.capacity, all optimal), each run "
        "from an empty output folder; wall time covers starting the workers, solving, writing and "
        "re-checking every plan folder (no maps) and the summary.",
        "",
        *table, "",
        f"Machine: {machine_cores()} cores available ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()}; load average {load:.1f} when the benchmark started (the machine is "
        "shared: a load above the core count slows every configuration, the parallel ones most). "
        "Each local worker's solver gets max(1, cores // workers) threads; the Dask cluster is "
        "started before the clock, the local pool inside it.", "",
    ])
    if not args.no_write:
        write_section(text)
        print(f"wrote the '{HEADING[3:]}' section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
