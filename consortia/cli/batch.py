"""The ``batch`` command: a sweep of scenarios from a batch YAML, with a live progress display."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..batch.executors import machine_cores, scheduler_problem, tcp_address
from ..batch.keys import InputFiles, batch_key, input_files, reusable
from ..batch.run import Reporter, choose_executor, preflight, run_batch
from ..batch.spec import FINISHED, Batch, load_batch
from ..batch.summary import setting_cell
from ..errors import EXIT_OK, ConsortiaError
from ..status import Status
from .console import console as make_console

__all__ = ["add_parsers", "ConsoleReporter", "COMMANDS"]


# ----------------------------------------------------------------------------- command line


def add_parsers(subparsers) -> None:
    """Register ``batch``."""
    p = subparsers.add_parser("batch", help="run a sweep of scenarios from a batch YAML, in parallel",
                              description="Run every scenario of a batch file (named scenarios and "
                              "grids of overrides on a base scenario), locally in a process pool or on "
                              "a Dask cluster; write one plan folder per scenario, summary.csv and "
                              "summary.html. Scenarios already up to date are skipped.")
    p.add_argument("batch", type=Path, help="batch YAML file")
    p.add_argument("--out", type=Path, help="output folder (default: the file's 'output' or solutions/<name>)")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--executor", choices=["local", "dask"], help="override the file's executor")
    p.add_argument("--maps", action=argparse.BooleanOptionalAction,
                   help="draw maps, charts and report.html in every plan folder (default: the file's "
                   "'maps', else no)")
    p.add_argument("--diagnose", action=argparse.BooleanOptionalAction,
                   help="explain why each infeasible scenario has no plan (default: the file's "
                   "'diagnose', else yes; --no-diagnose is faster)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="stop and report failed any scenario still running after S seconds")
    p.add_argument("--force", action="store_true", help="re-run scenarios that are up to date")
    p.add_argument("--dry-run", action="store_true", help="list the scenarios and what would run; run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress display")


class ConsoleReporter(Reporter):
    """A live progress bar with done, running and failed counts, elapsed and remaining time."""

    def __init__(self, console, quiet: bool = False):
        self.console = console
        self.quiet = quiet
        self.progress = None
        self.task = None
        self.failed = 0
        self.no_plan = 0

    def start(self, run, to_run, reused, capacity):
        where = (f"{run.workers} local worker(s)" if run.executor == "local"
                 else f"Dask cluster ({capacity} worker thread(s))")
        total = len(run.batch.scenarios)
        self.console.print(f"batch [bold]{run.batch.name}[/]: {total} scenario{'' if total == 1 else 's'}, "
                           f"{reused} up to date, {to_run} to run on {where}; output {run.output}")
        if self.quiet or not to_run:
            return
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("running {task.fields[running]}  [red]failed {task.fields[failed]}[/]  "
                       "no plan {task.fields[no_plan]}"),
            TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=self.console, transient=False)
        self.progress.start()
        self.task = self.progress.add_task("solving", total=to_run, running=0, failed=0, no_plan=0)

    def update(self, running):
        if self.progress is not None:
            self.progress.update(self.task, running=running)

    def finished(self, record):
        status = record["status"]
        self.failed += status == "error"
        self.no_plan += status in (Status.INFEASIBLE, Status.NO_SOLUTION)
        if self.progress is None:
            return
        self.progress.update(self.task, advance=1, failed=self.failed, no_plan=self.no_plan)
        colour = {Status.OPTIMAL: "green", Status.FEASIBLE: "yellow", "error": "red"}.get(status, "magenta")
        detail = (f"objective {record['objective']:.3f}" if record.get("objective") is not None
                  else escape(str(record.get("message") or ""))[:160])
        self.progress.console.print(f"[{colour}]{status:>11}[/]  {escape(record['scenario'])}  {detail}  "
                                    f"[dim]{record.get('seconds') or 0:.1f} s[/]")

    def stop(self):
        if self.progress is not None:
            self.progress.update(self.task, running=0)
            self.progress.stop()
            self.progress = None


def _where(batch: Batch, args: argparse.Namespace) -> str:
    """Where a run would go, the Dask scheduler checked: refused when it accepts no connection."""
    kind, scheduler = choose_executor(batch, args.executor, args.scheduler)
    if kind == "local":
        workers = args.workers or batch.workers or machine_cores()
        return f"on {workers} local worker process{'es' if workers != 1 else ''}"
    if tcp_address(scheduler) is None:
        return f"on the Dask cluster at {scheduler} (not checked: not a tcp:// address)"
    problem = scheduler_problem(scheduler)
    if problem:
        raise ConsortiaError(f"a run would fail: cannot reach the Dask scheduler at {scheduler}: {problem}")
    return f"on the Dask cluster at {scheduler} (its scheduler accepts connections)"


def _dry_run(batch: Batch, out: Path, maps: bool, where: str, console) -> int:
    files = InputFiles()
    preflight(batch, files)
    common = ", ".join(f"{k}={setting_cell(v)}" for k, v in batch.overrides.items()) or "none"
    table = Table(title=f"batch {batch.name}: {len(batch.scenarios)} scenarios -> {out}",
                  caption=f"overrides of every scenario: {escape(common)}")
    for col in ("scenario", "group", "overrides", "state"):
        table.add_column(col, overflow="fold")
    for item in batch.scenarios:
        hashes = {k: files.get(p)[1] for k, p in input_files(item.scenario).items()}
        up_to_date = reusable(out / item.name, batch_key(item.scenario, hashes), maps) is not None
        table.add_row(escape(item.name), escape(item.group),
                      escape(", ".join(f"{k}={setting_cell(v)}" for k, v in item.overrides.items()
                                       if k not in batch.overrides or batch.overrides[k] != v)),
                      "up to date" if up_to_date else "would run")
    console.print(table)
    console.print(f"would run {escape(where)}")
    return EXIT_OK


def cmd_batch(args: argparse.Namespace) -> int:
    """Run the ``batch`` subcommand; returns the exit code."""
    console = make_console(stderr=True)
    if args.workers is not None and args.workers < 1:
        raise ConsortiaError(f"--workers must be at least 1, got {args.workers}")
    batch = load_batch(args.batch)
    out = args.out if args.out is not None else batch.output
    if args.dry_run:
        return _dry_run(batch, out, batch.maps if args.maps is None else args.maps, _where(batch, args), console)
    run = run_batch(batch, output=out, executor=args.executor, workers=args.workers,
                    scheduler=args.scheduler, maps=args.maps, diagnose=args.diagnose, timeout=args.timeout,
                    force=args.force,
                    reporter=ConsoleReporter(console, quiet=args.quiet))
    counts = ", ".join(f"{run.count(s)} {s}" for s in (*FINISHED, "error") if run.count(s))
    reused = sum(1 for r in run.records if r is not None and r.get("reused"))
    console.print(f"{counts or 'nothing finished'} ({reused} up to date, not re-run) in {run.seconds:.1f} s")
    for item, record in zip(batch.scenarios, run.records):
        if record is not None and record["status"] == "error":
            console.print(f"[red]error[/] {escape(item.name)}: {escape(str(record.get('message')))}")
    console.print(f"summary: {run.summary['csv']} and {run.summary['html']}")
    if run.interrupted:
        console.print("interrupted: every finished plan folder is kept; run the same command again "
                      "to resume")
    return run.exit_code


COMMANDS = {"batch": cmd_batch}
