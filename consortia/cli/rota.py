"""The ``rota`` command: each consortium's weekend cross-cover rota from a plan folder."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from ..errors import EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_NO_SOLUTION, EXIT_OK, ConsortiaError
from ..rota.check import check_rota
from ..rota.io import RotaRejected, check_saturday, write_rota
from ..rota.model import ConsortiumRota
from ..rota.roster import solve_rota
from ..scenario import MAX_THREADS, parse_date
from ..status import Status
from .console import console, print_verdict

__all__ = ["add_parsers", "COMMANDS", "rota_stage"]


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def add_parsers(subparsers) -> None:
    """Register ``rota``."""
    p = subparsers.add_parser("rota", help="build each consortium's weekend cross-cover rota from a plan folder",
                              description="Assign radiologists of every member trust to Saturday and Sunday "
                                          "reporting duties, consortium by consortium, and write rota.csv, "
                                          "rota_summary.csv, rota.yaml and rota.png into the plan folder.")
    p.add_argument("plan", type=Path, help="plan folder written by 'consortia solve'")
    p.add_argument("--weeks", type=int, metavar="N", help="weekends to roster (default: settings.rota.weeks or 8)")
    p.add_argument("--start", type=_date, metavar="DATE",
                   help="first Saturday of every rota (default: first Saturday on or after each go-live)")
    p.add_argument("--one-in", type=int, metavar="K", dest="one_in",
                   help="at most one weekend in K per radiologist (default: the plan's rota.one_in; at least 2)")
    p.add_argument("--tolerance", type=float, metavar="T",
                   help="trust share of sessions vs share of demand, absolute (default: the plan's rota.tolerance)")
    p.add_argument("--min-ratio", type=float, metavar="R", dest="min_ratio",
                   help="weekend capacity / demand to meet (default: the plan's cover.min_ratio)")
    p.add_argument("--reports-per-session", type=float, metavar="N", dest="reports_per_session",
                   help="reports per session (default: the plan's cover.reports_per_session)")
    p.add_argument("--subspecialties", metavar="LIST",
                   help="comma-separated weekend subspecialties, '' for none (default: the plan's "
                        "cover.weekend_subspecialties)")
    p.add_argument("--consortium", action="append", metavar="ID",
                   help="roster only this consortium (repeatable)")
    p.add_argument("--time-limit", type=float, metavar="S", dest="time_limit",
                   help="solver time limit per consortium (default 60)")
    p.add_argument("--jobs", type=int, metavar="N", help="consortia solved in parallel (default 2)")
    p.add_argument("--no-figure", action="store_true", help="skip rota.png")
    p.add_argument("--check", action="store_true", help="only re-verify the rota files already in the plan folder")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--verbose", action="store_true",
                   help="progress per consortium, the rota table and the full diagnosis of each consortium "
                        "that cannot be rostered (default: one line per consortium)")


def cmd_rota(args: argparse.Namespace) -> int:
    """Run ``consortia rota``; returns the exit code (0 every consortium rostered, 1 some cannot
    be rostered, 3 no rota within the time limit, 4 the written rota failed its check)."""

    out, err = console(), console(stderr=True)
    if args.check:
        if not (args.plan / "rota.csv").is_file():
            raise ConsortiaError("no rota.csv in the plan folder; run 'consortia rota' first", file=str(args.plan))
        report = check_rota(args.plan)
        for line in report.notes:
            out.print(escape(line))
        ok = print_verdict(out, report.violations, f"the rota in {args.plan} keeps every rule", args.plan)
        return EXIT_OK if ok else EXIT_INFEASIBLE
    for flag, value in (("--weeks", args.weeks), ("--one-in", args.one_in), ("--jobs", args.jobs)):
        if value is not None and value < 1:
            raise ConsortiaError(f"{flag} must be at least 1, got {value}")
    if args.jobs is not None and args.jobs > MAX_THREADS:
        raise ConsortiaError(f"--jobs must be at most {MAX_THREADS}, got {args.jobs}")
    for flag, value in (("--tolerance", args.tolerance), ("--min-ratio", args.min_ratio),
                        ("--reports-per-session", args.reports_per_session), ("--time-limit", args.time_limit)):
        if value is not None and not math.isfinite(value):
            raise ConsortiaError(f"{flag} must be a finite number, got {value}")
    if args.start is not None:
        check_saturday(args.start, "--start")
    overrides = {"weeks": args.weeks, "one_in": args.one_in, "tolerance": args.tolerance, "start": args.start,
                 "time_limit": args.time_limit, "min_ratio": args.min_ratio,
                 "reports_per_session": args.reports_per_session,
                 "weekend_subspecialties": None if args.subspecialties is None else
                 [x.strip() for x in args.subspecialties.split(",") if x.strip()]}
    started = time.perf_counter()

    def show(r: ConsortiumRota):
        if args.quiet or not args.verbose:
            return
        err.print(f"[dim]{time.perf_counter() - started:7.1f} s[/]  {r.consortium}: {r.status} ({_what(r)})")

    run = solve_rota(args.plan, overrides, consortia=args.consortium, jobs=args.jobs, progress=show)
    if run.changed_inputs:
        err.print(f"[yellow]warning:[/] {', '.join(run.changed_inputs)} changed since the plan was solved; "
                  "the rota uses the current files")
    try:
        written = write_rota(run, figure=not args.no_figure)
    except RotaRejected as exc:
        err.print(f"[bold red]internal error:[/] {escape(str(exc))}\nNothing was written.")
        return EXIT_INTERNAL
    rules = run.rules
    failed = [r for r in run.rotas if not r.rostered]
    if not args.verbose:
        out.print(f"Weekend rota: {rules.weeks} weekends, each radiologist at most 1 in {rules.one_in}, "
                  f"cover ratio {rules.min_ratio:g}")
        for r in run.rotas:
            out.print(escape(_one_line(r)))
    else:
        table = Table(title=f"Weekend rota: {rules.weeks} weekends, at most 1 in {rules.one_in}, ratio "
                            f"{rules.min_ratio:g}, share tolerance {rules.tolerance:g}")
        for col in ("consortium", "members", "first Saturday", "status", "radiologists", "weekends worked",
                    "spread", "solve s"):
            table.add_column(col, overflow="fold")
        for r in run.rotas:
            worked = f"{r.fewest}-{r.most}" if r.rostered else "-"
            table.add_row(r.consortium, " ".join(r.members), str(r.start), r.status, str(r.n_available), worked,
                          "-" if r.spread is None else str(r.spread), f"{r.seconds:.1f}")
        out.print(table)
        for r in failed:
            err.print(f"[bold red]{r.consortium}[/] ({' '.join(r.members)}) cannot be rostered"
                      if r.status == Status.INFEASIBLE
                      else f"[bold red]{r.consortium}[/]: no rota within the time limit")
            for line in r.diagnosis:
                err.print(f"  - {escape(line)}")
            if r.fixes:
                err.print("  would fix it: " + escape("; ".join(r.fixes)))
    if failed and not args.verbose:
        out.print("--verbose gives the diagnosis of each consortium that cannot be rostered (also in rota.yaml)")
    out.print(f"{len(run.rotas) - len(failed)} of {len(run.rotas)} consortia rostered in {run.seconds:.1f} s; "
              f"written {', '.join(p.name for p in written)} to {run.plan_dir} (passed the independent check)")
    if any(r.status == Status.INFEASIBLE for r in failed):
        return EXIT_INFEASIBLE
    if failed:
        return EXIT_NO_SOLUTION
    return EXIT_OK


def _what(r: ConsortiumRota) -> str:
    if r.rostered:
        return f"spread {r.spread}, {r.person_weekends} person-weekends"
    if r.extra_sessions:
        return f"{r.extra_sessions} extra session(s) needed"
    if any(g.get("kind") == "share" for g in r.gaps):
        return "the trust-share rule cannot be met"
    return r.message or "no rota"


def _one_line(r: ConsortiumRota) -> str:
    """One consortium's rota in one line: rostered, or what stops it and the first fix."""
    who = f"{r.consortium} ({' '.join(r.members)})"
    if r.rostered:
        return (f"{who}: rostered from {r.start}; radiologists work {r.fewest}-{r.most} weekends each "
                f"({r.person_weekends} person-weekends)")
    if r.status != "infeasible":
        return f"{who}: no rota within the time limit"
    fix = f"; would fix it: {r.fixes[0]}" if r.fixes else ""
    return f"{who}: cannot be rostered, {_what(r)}{fix}"


def rota_stage(plan_dir: Path, *, figure: bool, quiet: bool) -> int:
    """The weekend rota of every consortium of a freshly written plan, as a stage of ``consortia
    solve``: one line per consortium, the rota files written into the plan folder (checked).
    Returns the exit code ``consortia rota`` would give."""
    out, err = console(), console(stderr=True)
    started = time.perf_counter()

    def show(r: ConsortiumRota):
        if not quiet:
            err.print(f"[dim]{time.perf_counter() - started:7.1f} s[/]  rota  {escape(_one_line(r))}")

    run = solve_rota(plan_dir, {}, progress=show)
    try:
        write_rota(run, figure=figure)
    except RotaRejected as exc:
        err.print(f"[bold red]internal error:[/] {escape(str(exc))}\nThe rota was not written.")
        return EXIT_INTERNAL
    failed = [r for r in run.rotas if not r.rostered]
    for r in failed:
        why = "no weekend rota can staff it" if r.status == Status.INFEASIBLE else "no rota within the time limit"
        err.print(f"[bold red]{r.consortium}[/] ({' '.join(r.members)}): {why}")
        for line in r.diagnosis:
            err.print(f"  - {escape(line)}")
    rules = run.rules
    out.print(f"weekend rota: {len(run.rotas) - len(failed)} of {len(run.rotas)} consortia rostered for "
              f"{rules.weeks} weekends, each radiologist on duty at most one weekend in {rules.one_in} "
              f"({run.seconds:.1f} s; rota.csv, rota_summary.csv, rota.yaml passed the independent check)")
    if any(r.status == Status.INFEASIBLE for r in failed):
        return EXIT_INFEASIBLE
    return EXIT_NO_SOLUTION if failed else EXIT_OK


COMMANDS = {"rota": cmd_rota}
