"""Explain one trust's place in a plan: what it gains from its consortium, what each partner
brings, and what the alternatives would cost.

Alternatives without a solve: the trust alone, or the trust moved into each other consortium of
the plan, everything else unchanged. Each is written as a proposal and judged by the independent
checker (every rule, market capacity included; a standalone trust's go-live is chosen at least
cost), so its cost is exact for that plan and its broken rules are named. With ``resolve`` the
scenario is also solved again with the trust kept apart from its partners (or, for a standalone
trust, together with its nearest linked trust): the true next-best plan, everything re-optimised.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..checker import check_plan
from ..costs import value_text
from ..diagnose import DAY_NAMES
from ..graph import build_graph, km
from ..inputs import Instance, load_instance
from ..plan import alone_ratio, weekend_missing
from ..planfolder import read_plan_folder, read_settings
from ..scenario import DAYS, Scenario, scenario_from_dict
from ..timing import Calendar, month_number
from ..trustnames import resolve_trust

__all__ = ["Alternative", "Partner", "Explanation", "plan_scenario", "alternatives", "explain_trust",
           "explanation_lines"]


@dataclass(frozen=True)
class Alternative:
    """One other place for the trust, everything else unchanged."""

    label: str
    ok: bool
    delta: float
    terms: dict[str, float]
    broken: tuple[str, ...] = ()


@dataclass(frozen=True)
class Partner:
    """What one co-member brings the trust."""

    code: str
    km: float
    covers: tuple[str, ...]
    subspecialties: tuple[str, ...]


@dataclass
class Explanation:
    """Why a trust is where the plan put it."""

    trust: str
    consortium: str
    members: tuple[str, ...]
    go_live: str
    alone: tuple[float, ...]
    pooled: tuple[float, ...]
    min_ratio: float
    missing_alone: tuple[str, ...]
    missing_pooled: tuple[str, ...]
    months: int
    best_months: int | None
    partners: list[Partner] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    resolved: object = None
    plan_status: str = "optimal"
    plan_gap: float | None = None
    in_pounds: bool = False
    """Whether the objective is in pounds (a ``costs`` section) rather than weighted points."""

    def value(self, v: float) -> str:
        """A change of the objective in its unit: ``+£1,500,000`` or ``+2.50 points``."""
        return value_text(v, True, signed=True) if self.in_pounds else f"{v:+.2f} points"

    @property
    def days_short_alone(self) -> list[str]:
        return [d for d, r in zip(DAYS, self.alone) if r < self.min_ratio - 1e-9]

    @property
    def days_short_pooled(self) -> list[str]:
        return [d for d, r in zip(DAYS, self.pooled) if r < self.min_ratio - 1e-9]


def plan_scenario(folder: Path) -> Scenario:
    """The scenario a plan folder was solved with (its ``plan.yaml`` settings; input paths as
    written there, relative to the current folder when not absolute)."""
    doc = read_settings(folder)
    return scenario_from_dict(doc["settings"], file=str(folder / "plan.yaml"), base=Path("."), prefix="settings")


def _proposal(rows: dict[str, tuple[str, str]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["trust", "consortium", "go_live"])
        for trust, (cid, go_live) in sorted(rows.items()):
            writer.writerow([trust, cid, go_live])
    return path


def alternatives(scenario: Scenario, instance: Instance, folder: Path, trust: str) -> list[Alternative]:
    """The trust alone, and in each other consortium of the plan, judged by the checker."""
    plan = read_plan_folder(folder)
    rows = {t: (plan.consortium[t], plan.go_live[t]) for t in plan.consortium}
    home = plan.consortium[trust]
    options = {"alone": (f"S-{trust}", "")}
    for cid, members in sorted(plan.members.items()):
        if cid != home:
            first = next(iter(members))
            options[f"join {cid} ({' '.join(sorted(members))})"] = (cid, plan.go_live[first])
    if len(plan.members[home]) == 1:
        options.pop("alone")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        now = check_plan(scenario, instance, _proposal(rows, Path(tmp) / "now.csv"))
        for label, place in options.items():
            moved = {**rows, trust: place}
            report = check_plan(scenario, instance, _proposal(moved, Path(tmp) / "alt.csv"))
            terms = {k: v - now.terms.get(k, 0.0) for k, v in report.terms.items()}
            out.append(Alternative(label, report.ok, report.objective - now.objective, terms,
                                   tuple(report.violations)))
    return sorted(out, key=lambda a: (not a.ok, a.delta))


def explain_trust(folder: str | Path, trust: str, *, scenario: Scenario | None = None,
                  resolve: bool = False, progress=None) -> Explanation:
    """Explain ``trust``'s place in the plan at ``folder``; see the module docstring."""
    folder = Path(folder)
    plan = read_plan_folder(folder)
    scenario = scenario if scenario is not None else plan_scenario(folder)
    instance = load_instance(scenario)
    names = {t.code: t.name for t in instance.trusts if t.code in plan.consortium}
    trust = resolve_trust(trust, names or {c: c for c in plan.consortium}, where=f"the plan {folder}")
    graph = build_graph(scenario, instance)
    home = plan.consortium[trust]
    members = tuple(sorted(plan.members[home]))
    calendar = Calendar(scenario.planning)
    end = instance.trust(trust).contract_end
    window = calendar.window(end)
    explanation = Explanation(
        trust, home, members, plan.go_live[trust], alone_ratio(instance, scenario, [trust]),
        alone_ratio(instance, scenario, members), scenario.cover.min_ratio,
        weekend_missing(instance, scenario, [trust]), weekend_missing(instance, scenario, members),
        abs(month_number(dt.date.fromisoformat(plan.go_live[trust])) - month_number(end)),
        min((calendar.misalignment(end, t) for t in window), default=None),
        plan_status=str(plan.document.get("status", "unknown")),
        plan_gap=plan.document.get("gap"), in_pounds=scenario.costs is not None)
    short = set(explanation.days_short_alone)
    lacking = set(explanation.missing_alone)
    rps = scenario.cover.reports_per_session
    for m in members:
        if m == trust:
            continue
        surplus = [instance.capacity(m, rps)[d] - scenario.cover.min_ratio * instance.demand[m][d] for d in range(7)]
        covers = tuple(day for d, day in enumerate(DAYS) if day in short and surplus[d] > 0)
        brings = lacking - set(weekend_missing(instance, scenario, [m]))
        explanation.partners.append(Partner(m, km(graph, trust, m), covers, tuple(sorted(brings))))
    explanation.alternatives = alternatives(scenario, instance, folder, trust)
    if resolve:
        explanation.resolved = _resolve(scenario, instance, graph, trust, members, progress)
    return explanation


def _resolve(scenario, instance, graph, trust, members, progress):
    """Re-solve with the trust kept from its partners (or, alone, joined to its nearest link)."""
    from .price import price_request

    if len(members) > 1:
        return price_request(scenario, apart=[(trust, m) for m in members if m != trust], instance=instance,
                             progress=progress)
    linked = sorted(graph.neighbors(trust), key=lambda n: km(graph, trust, n))
    if not linked:
        return None
    return price_request(scenario, together=[(trust, linked[0])], instance=instance, progress=progress)


def explanation_lines(e: Explanation) -> list[str]:
    """The explanation as plain lines of text."""
    lines = [f"{e.trust} is in {e.consortium} ({' '.join(e.members)}), going live {e.go_live}, "
             f"{e.months} month(s) from its contract end"
             + (f" (the least its window allows is {e.best_months})" if e.best_months is not None else "")]
    ratios = "  ".join(f"{d} {a:.2f}->{p:.2f}" for d, a, p in zip(DAYS, e.alone, e.pooled))
    lines.append(f"cover ratio alone -> pooled (needs {e.min_ratio:g}): {ratios}")
    if e.days_short_alone:
        gained = [DAY_NAMES[d] for d in e.days_short_alone if d not in e.days_short_pooled]
        lines.append(f"alone it cannot cover {', '.join(DAY_NAMES[d] for d in e.days_short_alone)}"
                     + (f"; in {e.consortium} it gains {', '.join(gained)}" if gained else ""))
    if e.missing_alone:
        gained = [g for g in e.missing_alone if g not in e.missing_pooled]
        lines.append(f"alone it lacks weekend sessions {' '.join(e.missing_alone)}"
                     + (f"; in {e.consortium} it gains {' '.join(gained)}" if gained else ""))
    if not e.days_short_alone and not e.missing_alone:
        lines.append("it covers every day alone; it is grouped for timing, compactness and the market")
    for p in e.partners:
        brings = []
        if p.covers:
            brings.append("spare capacity on " + ", ".join(DAY_NAMES[d] for d in p.covers))
        if p.subspecialties:
            brings.append("weekend " + " ".join(p.subspecialties))
        lines.append(f"  partner {p.code}: {p.km:.0f} km" + (f"; brings {'; '.join(brings)}" if brings else ""))
    lines.append(f"alternatives: only {e.trust} moves, every other trust keeps its consortium and "
                 "go-live; " + ("change of the plan's cost in pounds over the term (negative is cheaper):"
                                if e.in_pounds else "change of the plan's score in points (negative is better):"))
    valid = sorted((a for a in e.alternatives if a.ok), key=lambda a: (a.delta, a.label))
    broken = [a for a in e.alternatives if not a.ok]
    for a in valid[:8]:
        terms = ", ".join(f"{k} {value_text(v, e.in_pounds, signed=True) if e.in_pounds else f'{v:+.2f}'}"
                          for k, v in a.terms.items() if abs(v) > (0.5 if e.in_pounds else 1e-9))
        lines.append(f"  {a.label}: {e.value(a.delta)}" + (f" ({terms})" if terms else ""))
    if len(valid) > 8:
        lines.append(f"  ... and {len(valid) - 8} more that keep every rule")
    if not valid:
        lines.append("  none keeps every rule")
    if broken:
        lines.append(f"  {len(broken)} other move{'s' if len(broken) != 1 else ''} would break a rule, "
                     f"e.g. {broken[0].label}: {broken[0].broken[0]}")
    better = [a for a in valid if a.delta < -1e-6]
    if better:
        if e.plan_status == "optimal":
            what = "costs less" if e.in_pounds else "scores better"
            lines.append(f"  a move {what} on its own, yet the plan is proven optimal: it would "
                         "break the plan elsewhere (the change shown counts this trust's move only)")
        else:
            gap = f" (within {100 * float(e.plan_gap):.1f}% of the best possible)" if e.plan_gap is not None else ""
            lines.append(f"  note: the plan is {e.plan_status}, not proven optimal{gap}, so a better "
                         "plan may exist; these numbers are not proven either (use --resolve)")
    if e.resolved is not None:
        from .price import price_lines
        lines.append("next-best plan, everything re-optimised:")
        lines += [f"  {line}" for line in price_lines(e.resolved)]
    return lines
