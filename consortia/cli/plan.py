"""The plan commands: ``solve`` a scenario, ``check`` a plan, re-draw its ``map``."""

from __future__ import annotations

import math
import time
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from ..api import write_plan
from ..checker import check_plan
from ..errors import EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_NO_SOLUTION, EXIT_OK, ConsortiaError
from ..figures import render_plan_figures
from ..inputs import load_instance
from ..outputs import PlanRejected, _safe_target
from ..pipeline import solve_scenario
from ..scenario import load_scenario, with_overrides
from ..status import Status
from ..whatif.diff import diff_plans
from ..whatif.price import distance_from_optimum, distance_lines
from ..whatif.relax import relaxation_lines, relaxations
from .console import console, print_verdict
from .options import add_set_option, fmt, positive, with_sets

__all__ = ["add_parsers", "COMMANDS"]

err = console(stderr=True)
out = console()


def add_parsers(sub) -> None:
    """Register ``solve``, ``check`` and ``map``."""
    p = sub.add_parser("solve", help="solve a scenario and write its plan folder")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("--out", type=Path, help="plan folder (default: output.folder or solutions/<name>)")
    p.add_argument("--time-limit", type=float, metavar="S", help="solver time limit in seconds")
    p.add_argument("--solver", metavar="NAME", help="highs (default), cbc, or any PuLP solver name")
    p.add_argument("--threads", type=int, metavar="N", help="solver threads")
    p.add_argument("--method", choices=("auto", "enumerate", "columns", "compact"),
                   help="compact MIP or column generation (default: the scenario's solver.method)")
    p.add_argument("--gap", type=float, metavar="G", help="relative gap at which the solver may stop")
    p.add_argument("--no-maps", action="store_true", help="skip maps, charts and the report")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    add_set_option(p)
    p.add_argument("--baseline", type=Path, metavar="PLAN_DIR",
                   help="an earlier plan folder to stay close to; each moved trust costs objective.moved")
    p.add_argument("--moved", type=float, metavar="W", help="cost per trust moved from the baseline "
                                                            "(objective.moved, default 5)")
    p.add_argument("--relax", action="store_true", help="when no plan exists, also find the smallest change of "
                                                       "each numeric setting that gives one (see 'diagnose')")

    p = sub.add_parser("check", help="re-verify a plan folder or a proposal CSV against a scenario")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("plan", type=Path, help="plan folder, or CSV with trust,consortium[,go_live]")
    add_set_option(p)
    p.add_argument("--optimum", action="store_true",
                   help="also solve the scenario and report how far the plan's objective is from the optimum")
    p.add_argument("--time-limit", type=float, metavar="S", help="solver time limit for --optimum")

    p = sub.add_parser("map", help="re-draw the maps, charts and report of a plan folder")
    p.add_argument("plan", type=Path, help="plan folder")
    p.add_argument("--regions", type=Path, help="region polygons GeoJSON (default: the scenario's)")


def _progress_printer(quiet: bool):
    last = [0.0, None]
    started = time.perf_counter()

    def show(stage, event):
        if quiet:
            return
        elapsed = time.perf_counter() - started
        if event is None:
            err.print(f"[dim]{elapsed:7.1f} s[/]  {stage}")
            return
        shown = fmt(event.incumbent)
        if shown == last[1] and elapsed - last[0] < 15.0:
            return
        last[:] = [elapsed, shown]
        gap = "-" if event.gap is None else f"{100 * event.gap:.2f}%"
        err.print(f"[dim]{elapsed:7.1f} s[/]  {stage}  best plan {fmt(event.incumbent)}  "
                  f"bound {fmt(event.bound)}  gap {gap}")
    return show


def _summary(plan, folder: Path | None) -> None:
    table = Table(title=f"Plan for {plan.scenario.name}: {plan.status}", show_lines=False)
    for col in ("consortium", "members", "go-live", "to market", "months off", "km to medoid",
                "min cover", "weekend gaps"):
        table.add_column(col, overflow="fold")
    for c in plan.consortia:
        table.add_row(c.id, " ".join(c.members), str(c.go_live), str(c.go_to_market), str(c.months_misaligned),
                      f"{c.distance_km:.0f}", f"{min(c.cover_ratio):.2f}", " ".join(c.weekend_missing) or "-")
    out.print(table)
    m = plan.metrics
    gap = "-" if plan.gap is None else f"{100 * plan.gap:.3f}%"
    out.print(f"status [bold]{plan.status}[/]  objective {fmt(plan.objective, '.3f')}  bound "
              f"{fmt(plan.best_bound, '.3f')}  gap {gap}  solve {plan.solver.get('solve_seconds', 0):.1f} s "
              f"(model build {plan.solver.get('build_seconds', 0):.1f} s)")
    out.print("terms  " + "  ".join(f"{k} {v:.2f}" for k, v in plan.terms.items()))
    out.print(f"{m['n_consortia']} consortia, {m['n_standalone']} standalone trusts; seven-day cover: "
              f"{m['trusts_full_cover_alone']} of {m['n_trusts']} trusts alone, {m['trusts_full_cover_pooled']} "
              f"pooled; peak procurements per period {m['peak_market']} (capacity "
              f"{m['market_capacity'] if m['market_capacity'] is not None else 'unlimited'}); "
              f"{m['total_months_misaligned']} months misaligned")
    if plan.scenario.synthetic:
        out.print("[yellow]inputs are synthetic (see the scenario's data notes)[/]")
    if folder is not None:
        out.print(f"written to {folder} (passed the independent check)")


def cmd_solve(args) -> int:
    """Run ``consortia solve``: exit 0 with a plan written, 1 no plan exists, 3 none within the time limit."""
    positive(args.time_limit, "--time-limit")
    if args.threads is not None and args.threads < 1:
        raise ConsortiaError(f"--threads must be at least 1, got {args.threads}")
    if args.gap is not None and (not math.isfinite(args.gap) or args.gap < 0):
        raise ConsortiaError(f"--gap must be >= 0, got {args.gap}")
    scenario = with_sets(load_scenario(args.scenario), args.sets)
    if args.moved is not None and (not math.isfinite(args.moved) or args.moved < 0):
        raise ConsortiaError(f"--moved must be >= 0, got {args.moved}")
    overrides = {"solver.time_limit": args.time_limit, "solver.name": args.solver,
                 "solver.threads": args.threads, "solver.method": args.method, "solver.gap": args.gap,
                 "objective.moved": args.moved,
                 "baseline": str(args.baseline) if args.baseline is not None else None}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides:
        scenario = with_overrides(scenario, overrides)
    folder = args.out or scenario.output_folder()
    _safe_target(folder)
    instance = load_instance(scenario)
    plan = solve_scenario(scenario, instance=instance, progress=_progress_printer(args.quiet))
    if plan.status == Status.INFEASIBLE:
        err.print(f"[bold red]no plan exists[/] for {scenario.name}. Why:")
        for cause in plan.diagnosis:
            err.print(f"  - {escape(cause)}")
        if args.relax:
            found = relaxations(scenario, instance=instance,
                                per_solve=min(60.0, scenario.solver.time_limit))
            for line in relaxation_lines(found):
                err.print(escape(line))
        return EXIT_INFEASIBLE
    if plan.status == Status.NO_SOLUTION:
        err.print(f"[bold red]no plan found[/] within the time limit of {scenario.solver.time_limit:g} s; "
                  "raise solver.time_limit or --time-limit")
        return EXIT_NO_SOLUTION
    try:
        written = write_plan(plan, folder, instance=instance, figures=not args.no_maps)
    except PlanRejected as exc:
        err.print(f"[bold red]internal error:[/] {escape(str(exc))}\nNothing was written.")
        return EXIT_INTERNAL
    _summary(plan, written)
    if scenario.baseline is not None and (scenario.baseline / "plan.yaml").is_file():
        _moves(scenario.baseline, written)
    elif scenario.baseline is not None:
        moved = plan.metrics.get("moved", [])
        out.print(f"{len(moved)} trust(s) moved from the baseline {scenario.baseline}: {' '.join(moved)}")
    return EXIT_OK


def _moves(baseline: Path, written: Path) -> None:
    """Who moved from the baseline plan, and how their consortium changed."""
    d = diff_plans(baseline, written)
    out.print(f"{len(d.moved)} trust(s) moved from the baseline {baseline}" + (":" if d.moved else ""))
    for m in d.moved:
        change = "; ".join(part for part in (("left " + " ".join(m.left)) if m.left else "",
                                             ("joined " + " ".join(m.joined)) if m.joined else "") if part)
        out.print(f"  {m.trust}: {m.consortium_a} -> {m.consortium_b} ({change})")
    if d.only_b:
        out.print(f"new since the baseline: {' '.join(d.only_b)}")
    if d.inputs or d.settings:
        out.print("what changed: " + ", ".join([f"input {k}" for k in d.inputs]
                                               + [f"{k} {a} -> {b}" for k, (a, b) in d.settings.items()]))


def cmd_check(args) -> int:
    """Run ``consortia check``: exit 0 when the plan keeps every rule, 1 otherwise."""
    scenario = with_sets(load_scenario(args.scenario), args.sets)
    instance = load_instance(scenario)
    if not args.plan.exists():
        raise ConsortiaError("plan folder or proposal file not found", file=str(args.plan))
    report = check_plan(scenario, instance, args.plan)
    if report.chose_go_live and report.go_live:
        out.print("go-live dates chosen at least cost within the windows and market capacity:")
        for cid, date in sorted(report.go_live.items()):
            out.print(f"  {cid}: {date} ({' '.join(sorted(report.members.get(cid, [])))})")
    out.print("objective recomputed: " + f"{report.objective:.3f}  ("
              + ", ".join(f"{k} {v:.2f}" for k, v in report.terms.items()) + ")")
    if args.optimum:
        positive(args.time_limit, "--time-limit")
        solving = with_overrides(scenario, {"solver.time_limit": args.time_limit}) if args.time_limit else scenario
        for line in distance_lines(distance_from_optimum(solving, report.objective, instance=instance)):
            out.print(escape(line))
    ok = print_verdict(out, report.violations, f"{args.plan} keeps every rule of {scenario.name}", args.plan)
    return EXIT_OK if ok else EXIT_INFEASIBLE


def cmd_map(args) -> int:
    """Run ``consortia map``: re-draw a plan folder's figures."""
    if not (args.plan / "plan.yaml").is_file():
        raise ConsortiaError("not a plan folder (no plan.yaml)", file=str(args.plan))
    if args.regions is not None and not args.regions.is_file():
        raise ConsortiaError("regions file not found", file=str(args.regions))
    started = time.perf_counter()
    paths = render_plan_figures(args.plan, regions=args.regions)
    out.print(f"drew {', '.join(p.name for p in paths)} in {time.perf_counter() - started:.1f} s")
    return EXIT_OK


COMMANDS = {"solve": cmd_solve, "check": cmd_check, "map": cmd_map}
