"""The plan commands: ``solve`` a scenario, ``check`` a plan, re-draw its ``map``."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from .. import stopping
from ..checker import check_plan
from ..costs import amount
from ..errors import EXIT_INFEASIBLE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_NO_SOLUTION, EXIT_OK, ConsortiaError
from ..figures import render_plan_figures
from ..figures.money import money_sentence
from ..figures.text import plural, short_name
from ..inputs import load_instance
from ..outputs import PlanRejected, prepare_target, write_plan
from ..pipeline import solve_scenario
from ..planfolder import read_plan_yaml
from ..rota.roster import rota_diagnosis
from ..scenario import load_scenario, with_overrides
from ..status import Status
from ..whatif.counterfactual import (
    COUNTERFACTUAL_SHARE,
    add_counterfactuals,
    counterfactual_limit,
    skip_counterfactuals,
    without_capacity_scenario,
)
from ..whatif.diff import diff_plans
from ..whatif.price import distance_from_optimum, distance_lines
from ..whatif.relax import relaxation_lines, relaxations
from .console import console, print_verdict
from .options import add_set_option, fmt, positive, with_sets
from .rota import rota_stage

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
    p.add_argument("--no-rota", action="store_true", help="skip the weekend rota of every consortium")
    p.add_argument("--no-counterfactuals", action="store_true",
                   help="in pounds, skip solving the plan without market capacity for the headline")
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


STAGE_WORDS = {
    "inputs": "reading the inputs",
    "graph": "building the collaboration graph",
    "model": "building the integer program",
    "plan": "describing the plan",
    "diagnose": "no plan exists: finding out why",
}


def _stage_words(stage: str, scenario) -> str:
    limit = scenario.solver.time_limit
    if stage == "warm start":
        return f"warm start: a first plan from a quick sub-solve (at most {min(60.0, limit / 5):g} s)"
    if stage == "solve":
        return f"solving with {scenario.solver.name} (time limit {limit:g} s in all)"
    if stage == "columns":
        return f"column generation (time limit {limit:g} s in all)"
    return STAGE_WORDS.get(stage, stage)


def progress_words(event, scenario=None) -> str:
    """A solver progress event in plain words (in pounds when ``scenario`` has a ``costs`` section)."""
    money = scenario is not None and scenario.costs is not None

    def value(v):
        return amount(scenario, v) if money else f"{fmt(v)} points"

    best = f"best plan so far {value(event.incumbent)}" if event.incumbent is not None else "no plan yet"
    if event.bound is None:
        return best + "; no bound on the best possible yet"
    bound = f"no plan can cost less than {value(event.bound)}" if money else \
        f"no plan can score below {fmt(event.bound)}"
    if event.gap is None or event.incumbent is None:
        return f"{best}; {bound}"
    return f"{best}; {bound}, so it is within {100 * event.gap:.1f}% of the best possible"


class Progress:
    """Prints each stage as it starts, solver progress as the best plan changes, and a line
    every ``beat`` seconds while a stage runs silently (the warm start, drawing)."""

    def __init__(self, scenario, quiet: bool, beat: float = 10.0):
        self.scenario, self.quiet, self.beat = scenario, quiet, beat
        self.started = time.perf_counter()
        self.stage, self.stage_started, self.last_line = None, self.started, self.started
        self.shown = [0.0, None]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        if not quiet:
            self._thread = threading.Thread(target=self._heartbeat, daemon=True)
            self._thread.start()

    def _print(self, text: str) -> None:
        with self._lock:
            now = time.perf_counter()
            self.last_line = now
            err.print(f"[dim]{now - self.started:7.1f} s[/]  {text}")

    def _heartbeat(self) -> None:
        while not self._stop.wait(1.0):
            now = time.perf_counter()
            if self.stage is not None and now - self.last_line >= self.beat:
                self._print(f"  still working, {now - self.stage_started:.0f} s so far: {self.stage}")

    def __call__(self, stage, event=None):
        if self.quiet:
            return
        if event is None:
            self.stage, self.stage_started = _stage_words(stage, self.scenario), time.perf_counter()
            self._print(self.stage)
            return
        elapsed = time.perf_counter() - self.started
        shown = fmt(event.incumbent)
        if shown == self.shown[1] and elapsed - self.shown[0] < 15.0:
            return
        self.shown = [elapsed, shown]
        self._print(f"  {progress_words(event, self.scenario)}")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.stage = None


def _members_cell(members, names) -> str:
    return "\n".join(f"{code} {short_name(names.get(code, ''))}".strip() for code in members)


def _summary(plan, names: dict[str, str]) -> None:
    table = Table(title=f"Plan for {plan.scenario.name}: {plan.status}", show_lines=False)
    for col in ("consortium", "members", "go-live", "to market", "months off", "widest pair km",
                "min cover ratio", "weekend gaps"):
        table.add_column(col, overflow="fold")
    limit = plan.scenario.network.max_distance_km
    for c in plan.consortia:
        table.add_row(c.id, _members_cell(c.members, names), str(c.go_live), str(c.go_to_market),
                      str(c.months_misaligned), "-" if c.standalone else f"{c.max_pair_km:.0f}",
                      f"{min(c.cover_ratio):.2f}", " ".join(c.weekend_missing) or "-")
    out.print(table)
    m = plan.metrics
    if plan.scenario.costs is None:
        out.print(f"status [bold]{plan.status}[/]: {escape(status_words(plan))}; score "
                  f"{fmt(plan.objective, '.2f')} points (lower is better); solved in "
                  f"{plan.solver.get('solve_seconds', 0):.1f} s (model build "
                  f"{plan.solver.get('build_seconds', 0):.1f} s)")
        out.print("score terms: " + "; ".join(term_words(plan.scenario, k, v) for k, v in plan.terms.items()))
    else:
        out.print(f"status [bold]{plan.status}[/]: {escape(status_words(plan))}; cost "
                  f"{amount(plan.scenario, plan.objective)}; solved in {plan.solver.get('solve_seconds', 0):.1f} s")
        out.print("cost terms: " + "; ".join(f"{k} {amount(plan.scenario, v)}" for k, v in plan.terms.items()))
    n_alone = m["n_standalone"]
    cap = m["market_capacity"]
    out.print(f"{plural(m['n_consortia'], 'consortium', 'consortia')}"
              + (f" and {plural(n_alone, 'standalone trust')}" if n_alone else ", no standalone trust")
              + f"; widest pair of members {max((c.max_pair_km for c in plan.consortia), default=0):.0f} km"
              + f" (rule: at most {limit:g} km)"
              + f"; seven-day cover: {m['trusts_full_cover_alone']} of {m['n_trusts']} trusts have it alone, "
              f"{m['trusts_full_cover_pooled']} in their consortium; at most "
              f"{plural(m['peak_market'], 'procurement')} to market in one period ("
              + (f"capacity {cap}" if cap is not None else "no capacity limit")
              + f"); {plural(m['total_months_misaligned'], 'month')} misaligned in total")
    if plan.scenario.synthetic:
        out.print("[yellow]inputs are synthetic (see the scenario's data notes)[/]")


def status_words(plan) -> str:
    """The plan's status in words: proven optimal, or how close to the best possible."""
    if plan.status == "optimal":
        return "proven optimal"
    if plan.gap is not None:
        floor = amount(plan.scenario, plan.best_bound) if plan.scenario.costs is not None else fmt(plan.best_bound)
        return (f"within {100 * plan.gap:.1f}% of the best possible, not proven optimal "
                f"(no plan can score below {floor})")
    return "a valid plan; how far from the best possible is not known"


TERM_UNITS = {"timing": ("month", "months"), "distance": ("km to the hub", "km to the hubs"),
              "shortfall": ("report short", "reports short"),
              "subspecialty_gap": ("missing subspecialty-day", "missing subspecialty-days"),
              "standalone": ("standalone trust", "standalone trusts"), "moved": ("moved trust", "moved trusts")}


def term_words(scenario, term: str, points: float) -> str:
    """"timing 144.00 points (144 months x 1)"."""
    weight = getattr(scenario.objective, term, None)
    unit = TERM_UNITS.get(term)
    if not weight or unit is None:
        return f"{term} {points:.2f} points"
    amount = points / weight
    shown = f"{amount:.0f}" if abs(amount - round(amount)) < 1e-6 else f"{amount:.1f}"
    return f"{term} {points:.2f} points ({shown} {unit[0] if shown == '1' else unit[1]} x {weight:g})"


def cmd_solve(args) -> int:
    """Run ``consortia solve``: exit 0 with a plan written, 1 no plan exists, 3 none within the time limit,
    130 stopped (Ctrl-C or SIGTERM; the best plan so far is written when there is one)."""
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
                 ("objective.moved" if scenario.costs is None else "costs.moved"): args.moved,
                 "baseline": str(args.baseline) if args.baseline is not None else None}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides:
        scenario = with_overrides(scenario, overrides)
    folder = args.out or scenario.output_folder()
    for note in prepare_target(folder):
        err.print(escape(note))
    instance = load_instance(scenario)
    progress = Progress(scenario, args.quiet)
    names = {t.code: t.name for t in instance.trusts}
    written, rota_code = None, EXIT_OK
    try:
        plan = solve_scenario(scenario, instance=instance, progress=progress)
        stopped = bool(plan.solver.get("interrupted"))
        plan = _counterfactuals(plan, instance, progress, args)
        stopped = stopped or stopping.requested()
        if plan.has_plan:
            progress.stage = None  # no heartbeat over the summary
            _summary(plan, names)
            extras = not stopped
            if not args.quiet:
                progress.stage_started = time.perf_counter()
                progress.stage = ("writing the plan folder, re-checking it independently"
                                  + (" and rostering every consortium" if extras and not args.no_rota else "")
                                  + (" and drawing maps, charts, report and slides" if extras and not args.no_maps
                                     else ""))
                progress._print(progress.stage)
            written, rota_code = _write(plan, folder, instance, args, extras=extras)
    finally:
        progress.close()
    if plan.status == Status.INFEASIBLE:
        err.print(f"[bold red]no plan exists[/] for {scenario.name}. Why:")
        for cause in plan.diagnosis:
            err.print(f"  - {escape(cause)}")
        if args.relax and not stopped:
            found = relaxations(scenario, instance=instance,
                                per_solve=min(60.0, scenario.solver.time_limit))
            for line in relaxation_lines(found):
                err.print(escape(line))
        return EXIT_INTERRUPTED if stopped else EXIT_INFEASIBLE
    if plan.status == Status.NO_SOLUTION:
        if stopped:
            err.print(f"[bold red]stopped[/] ({stopping.signal_name()}) before any plan was found")
            return EXIT_INTERRUPTED
        err.print(f"[bold red]no plan found[/] within the time limit of {scenario.solver.time_limit:g} s; "
                  "raise solver.time_limit or --time-limit")
        return EXIT_NO_SOLUTION
    if written is None:
        return EXIT_INTERNAL
    if scenario.costs is not None:
        sentence = money_sentence(read_plan_yaml(written))
        if sentence:
            out.print(escape(sentence))
    out.print(f"written to {written} (passed the independent check)")
    if stopped:
        err.print(f"[bold yellow]stopped[/] ({stopping.signal_name()}): this is the best plan found before the "
                  f"stop, written without its weekend rota and figures (add them with 'consortia rota "
                  f"{written}' and 'consortia map {written}')")
        return EXIT_INTERRUPTED
    if scenario.baseline is not None and (scenario.baseline / "plan.yaml").is_file():
        _moves(scenario.baseline, written)
    elif scenario.baseline is not None:
        moved = plan.metrics.get("moved", [])
        out.print(f"{len(moved)} trust(s) moved from the baseline {scenario.baseline}: {' '.join(moved)}")
    return rota_code if rota_code == EXIT_INTERNAL else EXIT_OK


def _counterfactuals(plan, instance, progress, args):
    """In pounds, the plan with the plan without market capacity solved for the headline (a
    share of the time limit), or recorded as skipped with ``--no-counterfactuals``."""
    scenario = plan.scenario
    if not plan.has_plan or scenario.costs is None:
        return plan
    if args.no_counterfactuals:
        return skip_counterfactuals(plan, "not solved (consortia solve --no-counterfactuals)")
    if plan.solver.get("interrupted") or str(plan.solver.get("message", "")).startswith("interrupted"):
        # Ctrl-C: no second solve
        return skip_counterfactuals(plan, "not solved: the plan's solve was interrupted")
    if scenario.market.capacity is None:
        return add_counterfactuals(plan, instance=instance)
    limit = counterfactual_limit(scenario)
    if not args.quiet:
        progress.stage, progress.stage_started = None, time.perf_counter()
        progress._print(f"the plan without market capacity, for the headline: a second solve of at most "
                        f"{limit:g} s ({100 * COUNTERFACTUAL_SHARE:.0f}% of the time limit; "
                        "--no-counterfactuals skips it)")
    kept = progress.scenario
    progress.scenario = without_capacity_scenario(scenario, limit)
    try:
        with_both = add_counterfactuals(plan, instance=instance, progress=progress)
    finally:
        progress.scenario = kept
    if not args.quiet:
        free = with_both.counterfactuals.get("without_market_capacity") or {}
        progress._print(f"  the plan without market capacity: {_record_words(scenario, free)}")
    return with_both


def _record_words(scenario, record: dict) -> str:
    """A counterfactual plan's record (plan.yaml) in words."""
    if record.get("objective") is None:
        return {"no_solution": "no plan found within its time limit",
                "infeasible": "no plan exists"}.get(record.get("status"), str(record.get("status")))
    standing = "proven optimal" if record.get("status") == Status.OPTIMAL else (
        f"within {100 * record['gap']:.2f}% of the best possible" if record.get("gap") is not None
        else "not proven optimal")
    return f"{amount(scenario, record['objective'])}, {standing}"


def _write(plan, folder, instance, args, *, extras: bool) -> tuple[Path | None, int]:
    """Write the plan folder with (``extras``) its weekend rota and then its figures, which show
    the rota; all of it is checked in a temporary folder before it replaces ``folder``.
    Returns the folder (None when the plan failed its check) and the rota stage's exit code."""
    rota_code = [EXIT_OK]

    def draw(temp: Path) -> None:
        if not args.no_rota:
            rota_code[0] = rota_stage(temp, figure=not args.no_maps, quiet=args.quiet)
        if stopping.requested():
            raise stopping.Stopped()  # stopped while rostering: nothing replaces the folder
        if not args.no_maps:
            render_plan_figures(temp, regions=plan.scenario.inputs.regions)

    kept: list[str] = []
    try:
        written = write_plan(plan, instance, folder, draw=draw if extras else None, kept=kept)
    except PlanRejected as exc:
        err.print(f"[bold red]internal error:[/] {escape(str(exc))}\nNothing was written.")
        return None, EXIT_INTERNAL
    if kept:
        out.print("kept your own files in the plan folder: " + escape(", ".join(kept)))
    return written, rota_code[0]


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
    out.print(escape(check_words(scenario, report)))
    if args.optimum and report.violations:
        out.print("--optimum skipped: a proposal that breaks rules has no distance from the optimum")
    elif args.optimum:
        positive(args.time_limit, "--time-limit")
        solving = with_overrides(scenario, {"solver.time_limit": args.time_limit}) if args.time_limit else scenario
        for line in distance_lines(distance_from_optimum(solving, report.objective, instance=instance)):
            out.print(escape(line))
    ok = print_verdict(out, report.violations, f"{args.plan} keeps every rule of {scenario.name}", args.plan)
    for cid, members in sorted(report.unrosterable.items()):
        rota = rota_diagnosis(scenario, instance, cid, members, report.go_live.get(cid))
        out.print(f"weekend rota of {cid} ({' '.join(members)}):")
        for line in rota.diagnosis:
            out.print(f"  - {escape(line)}")
        if rota.fixes:
            out.print("  would fix it: " + escape("; ".join(rota.fixes)))
    return EXIT_OK if ok else EXIT_INFEASIBLE


def check_words(scenario, report) -> str:
    """The checked plan's recomputed objective and terms, in pounds or in points."""
    money = scenario.costs is not None
    if money:
        terms = "; ".join(f"{k} {amount(scenario, v)}" for k, v in report.terms.items())
        total, what = f"cost {amount(scenario, report.objective)}", "cost"
    else:
        terms = "; ".join(term_words(scenario, k, v) for k, v in report.terms.items())
        total, what = f"score {report.objective:.2f} points", "score"
    if report.violations:
        # a broken proposal can score below the optimum precisely because it breaks rules
        return (f"{what} not comparable with a valid plan: the proposal breaks "
                f"{plural(len(report.violations), 'rule')} (below); as written it would {total} ({terms})")
    if money:
        return f"cost recomputed: {amount(scenario, report.objective)} over the term ({terms})"
    return f"score recomputed: {report.objective:.2f} points, lower is better ({terms})"


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
