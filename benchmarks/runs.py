"""What the benchmark scripts share: a case in its own process, one measured solve, the instances
by name, and a section of RESULTS.md replaced in place."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
CHECKPOINTS = (10.0, 60.0)
"""Seconds at which a solve's progress (best plan and bound so far) is recorded."""


def scenario_path(name: str) -> Path:
    """The scenario file of ``england`` / ``england:weighted`` or ``synth:N:SEED`` (written to a
    temporary folder)."""
    if name.startswith("england"):
        return ROOT / "inputs" / "england" / "scenario.yaml"
    from consortia.examples.synth import write_instance

    _, n, seed = name.split(":")
    return write_instance(Path(tempfile.mkdtemp(prefix=f"bench-{n}-{seed}-")), int(n), int(seed))


def load(name: str, overrides: dict | None = None):
    """The scenario of instance ``name`` with ``overrides``; ``england:weighted`` is the England
    example with the objective weights instead of pounds (no ``costs`` section)."""
    from consortia import load_scenario, with_overrides

    extra = {"costs": None} if name == "england:weighted" else {}
    return with_overrides(load_scenario(scenario_path(name)), {**extra, **(overrides or {})})


def in_own_process(script: Path, args: list[str]) -> dict:
    """Run ``script ARGS`` in a new Python process; its last stdout line is the row (JSON)."""
    out = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def context() -> dict:
    """When, and how busy the machine was (1-minute load average), at the start of a case."""
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "load": round(os.getloadavg()[0], 2)}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_solve(scenario, solve: Callable | None = None) -> dict:
    """Solve ``scenario`` in this process and measure it: status, objective, bound, gap, time,
    the first plan (time and objective), the best plan and bound at each of ``CHECKPOINTS``
    seconds, the solver's own counts and the peak memory."""
    if solve is None:
        from consortia.pipeline import solve_scenario as solve
    row = context()
    events: list[tuple[float, float | None, float | None]] = []
    started = time.perf_counter()

    def progress(stage, event):
        if event is not None:
            events.append((time.perf_counter() - started, event.incumbent, event.bound))

    plan = solve(scenario, progress=progress)
    total = time.perf_counter() - started
    info = plan.solver
    first = next(((t, inc) for t, inc, _ in events if inc is not None), (None, None))
    if info.get("warm_start_found"):
        # the warm start's plan is the first plan; HiGHS reports no callback for a given start
        warm = info["build_seconds"] + info["warm_start_seconds"]
        if first[0] is None or warm < first[0]:
            first = (warm, None)
    at = {}
    for limit in CHECKPOINTS:
        seen = [(inc, b) for t, inc, b in events if t <= limit]
        incumbents = [inc for inc, _ in seen if inc is not None]
        bounds = [b for _, b in seen if b is not None]
        at[f"{limit:g}"] = {"objective": min(incumbents) if incumbents else None,
                            "bound": max(bounds) if bounds else None} if total > limit else \
            {"objective": plan.objective, "bound": plan.best_bound}
    row.update(method=info.get("method"), status=plan.status, objective=plan.objective, bound=plan.best_bound,
               gap=plan.gap, total_s=total, first_plan_s=first[0], first_objective=first[1], at=at,
               build_s=info.get("build_seconds"), solve_s=info.get("solve_seconds"),
               variables=info.get("variables"), constraints=info.get("constraints"),
               columns=info.get("columns"), rounds=info.get("rounds"), pools=info.get("enumerated_pools"),
               nodes=info.get("branching_nodes"),
               message=info.get("message", ""), peak_mb=peak_mb())
    return row


def money(value, pounds: bool) -> str:
    """An objective as shown in the tables: £m in pounds, points with the weights."""
    if value is None:
        return "-"
    return f"£{value / 1e6:,.2f}m" if pounds else f"{value:.2f}"


def fmt(x, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def gap_text(objective, bound) -> str:
    if objective is None or bound is None:
        return "-"
    return f"{100 * abs(objective - bound) / max(1.0, abs(objective)):.2f}%"


def replace_section(title: str, body: str) -> None:
    """Put ``title`` + ``body`` into RESULTS.md in place of the section of that title (or at its end)."""
    section = f"{title}\n\n{body.rstrip()}\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nWritten by the scripts here.\n"
    if title in text:
        head, rest = text.split(title, 1)
        tail = rest.split("\n## ", 1)
        text = head + section + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def keep_rows(path: Path, rows: list[dict], key: Callable[[dict], tuple]) -> list[dict]:
    """This run's rows and, for keys it did not run, the rows kept in ``path`` from earlier runs;
    written back to that file, sorted by key."""
    kept = json.loads(path.read_text()) if path.exists() else []
    merged = {key(r): r for r in kept}
    merged.update({key(r): r for r in rows})
    out = [merged[k] for k in sorted(merged)]
    path.write_text(json.dumps(out, indent=1) + "\n")
    return out
