"""The what-if commands: ``diff``, ``price``, ``counterfactuals``, ``diagnose`` and ``explain``."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import yaml
from rich.markup import escape

from .. import stopping
from ..errors import EXIT_INFEASIBLE, EXIT_NO_SOLUTION, EXIT_OK, ConsortiaError
from ..inputs import load_instance
from ..pipeline import solve_scenario
from ..scenario import load_scenario, with_overrides
from ..status import Status
from ..whatif.counterfactual import counterfactual_lines, counterfactuals
from ..whatif.diff import diff_lines, diff_plans
from ..whatif.explain import explain_trust, explanation_lines, plan_scenario
from ..whatif.price import price_lines, price_request
from ..whatif.relax import SETTINGS, relaxation_lines, relaxations
from .console import console
from .options import add_set_option, with_sets
from .plan import Progress

__all__ = ["add_parsers", "COMMANDS"]


def add_parsers(subparsers) -> None:
    """Register ``diff``, ``price``, ``counterfactuals``, ``diagnose`` and ``explain``."""
    p = subparsers.add_parser("diff", help="compare two plan folders: moves, splits, merges, cost and cover")
    p.add_argument("plan_a", type=Path, help="first plan folder")
    p.add_argument("plan_b", type=Path, help="second plan folder")

    p = subparsers.add_parser("price", help="what a together/apart request costs: solve with and without it")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("--together", nargs=2, action="append", default=[], metavar=("A", "B"),
                   help="trusts A and B must share a consortium (repeatable)")
    p.add_argument("--apart", nargs=2, action="append", default=[], metavar=("A", "B"),
                   help="trusts A and B must not share a consortium (repeatable)")
    add_set_option(p)
    p.add_argument("--time-limit", type=float, metavar="S", help="solver time limit per solve in seconds")
    p.add_argument("--quiet", action="store_true", help="no progress lines")

    p = subparsers.add_parser("counterfactuals",
                              help="a plan's cost against every trust alone and the plan without market capacity")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument("--out", type=Path, metavar="FILE", help="also write the figures to this YAML file")
    add_set_option(p)
    p.add_argument("--time-limit", type=float, metavar="S", help="solver time limit per solve in seconds")
    p.add_argument("--quiet", action="store_true", help="no progress lines")

    p = subparsers.add_parser("diagnose", help="why a scenario has no plan, and the smallest change of each "
                                               "numeric setting that gives one")
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    add_set_option(p)
    p.add_argument("--budget", type=float, default=300.0, metavar="S",
                   help="seconds for the whole search (default 300)")
    p.add_argument("--time-limit", type=float, metavar="S",
                   help="seconds per solve (default: solver.time_limit, at most 60)")
    p.add_argument("--setting", action="append", choices=SETTINGS, metavar="KEY",
                   help=f"relax only this setting (repeatable; default all of {', '.join(SETTINGS)})")

    p = subparsers.add_parser("explain", help="why a trust is in its consortium, and what the alternatives cost")
    p.add_argument("plan", type=Path, help="plan folder")
    p.add_argument("trust", help="trust code")
    p.add_argument("--scenario", type=Path, help="scenario YAML (default: the settings in plan.yaml)")
    p.add_argument("--resolve", action="store_true",
                   help="also solve again without the trust's current grouping (the true next-best plan)")
    p.add_argument("--time-limit", type=float, metavar="S", help="solver time limit for --resolve")


def cmd_diff(args: argparse.Namespace) -> int:
    """Run ``consortia diff``; exit 0 whatever the differences."""
    out = console()
    for line in diff_lines(diff_plans(args.plan_a, args.plan_b)):
        out.print(escape(line))
    return EXIT_OK


def cmd_price(args: argparse.Namespace) -> int:
    """Run ``consortia price``: exit 0 with a price, 1 when either solve has no plan, 3 when a
    solve ran out of time without a plan."""
    out = console()
    scenario = with_sets(load_scenario(args.scenario), args.sets)
    if args.time_limit is not None:
        if not args.time_limit > 0:
            raise ConsortiaError(f"--time-limit must be a positive number, got {args.time_limit}")
        scenario = with_overrides(scenario, {"solver.time_limit": args.time_limit})

    show = Progress(scenario, args.quiet)
    try:
        price = price_request(scenario, together=args.together, apart=args.apart, progress=show)
    finally:
        show.close()
    for line in price_lines(price):
        out.print(escape(line))
    if price.objective is not None or price.reused:
        return EXIT_OK
    statuses = {price.without.status, price.with_request.status}
    return EXIT_NO_SOLUTION if Status.NO_SOLUTION in statuses and Status.INFEASIBLE not in statuses else EXIT_INFEASIBLE


def cmd_counterfactuals(args: argparse.Namespace) -> int:
    """Run ``consortia counterfactuals``: exit 0 when the plan was found, 1 when none exists, 3 when
    the time limit came first."""
    out, err = console(), console(stderr=True)
    scenario = with_sets(load_scenario(args.scenario), args.sets)
    if args.time_limit is not None:
        if not (math.isfinite(args.time_limit) and args.time_limit > 0):
            raise ConsortiaError(f"--time-limit must be a positive number, got {args.time_limit}")
        scenario = with_overrides(scenario, {"solver.time_limit": args.time_limit})

    def show(stage, event):
        if not args.quiet and event is None:
            err.print(f"[dim]{stage}[/]")

    result = counterfactuals(scenario, progress=show)
    for text in counterfactual_lines(result):
        out.print(escape(text))
    if args.out is not None:
        with stopping.writing(args.out):
            args.out.write_text(yaml.safe_dump(result.document(), sort_keys=False), encoding="utf-8")
        out.print(f"written to {escape(str(args.out))}")
    if result.plan.has_plan:
        return EXIT_OK
    return EXIT_NO_SOLUTION if result.plan.status == Status.NO_SOLUTION else EXIT_INFEASIBLE


def cmd_diagnose(args: argparse.Namespace) -> int:
    """Run ``consortia diagnose``: exit 0 when the scenario has a plan as it is, 1 otherwise."""
    out = console()
    for value, flag in ((args.budget, "--budget"), (args.time_limit, "--time-limit")):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ConsortiaError(f"{flag} must be a positive number, got {value}")
    scenario = with_sets(load_scenario(args.scenario), args.sets)
    instance = load_instance(scenario)
    per_solve = args.time_limit if args.time_limit is not None else min(60.0, scenario.solver.time_limit)
    probe = with_overrides(scenario, {"solver.time_limit": per_solve})
    plan = solve_scenario(probe, instance=instance, diagnose=True)
    if plan.has_plan:
        out.print(f"{scenario.name} has a plan ({plan.status}); nothing to diagnose")
        return EXIT_OK
    out.print(f"no plan for {scenario.name} ({plan.status}). Why:")
    for cause in plan.diagnosis:
        out.print(f"  - {escape(cause)}")
    found = relaxations(scenario, instance=instance, settings=args.setting or SETTINGS,
                        budget=args.budget, per_solve=per_solve)
    for line in relaxation_lines(found):
        out.print(escape(line))
    return EXIT_INFEASIBLE


def cmd_explain(args: argparse.Namespace) -> int:
    """Run ``consortia explain``; exit 0."""
    out = console()
    scenario = load_scenario(args.scenario) if args.scenario else None
    if args.time_limit is not None:
        if not (math.isfinite(args.time_limit) and args.time_limit > 0):
            raise ConsortiaError(f"--time-limit must be a positive number, got {args.time_limit}")
        scenario = with_overrides(scenario or plan_scenario(args.plan), {"solver.time_limit": args.time_limit})
    explanation = explain_trust(args.plan, args.trust, scenario=scenario, resolve=args.resolve)
    for line in explanation_lines(explanation):
        out.print(escape(line))
    return EXIT_OK


COMMANDS = {"diff": cmd_diff, "price": cmd_price, "counterfactuals": cmd_counterfactuals, "diagnose": cmd_diagnose,
            "explain": cmd_explain}
