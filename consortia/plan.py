"""The plan: consortia, go-live dates, cover and cost; the one result object of a run."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from .costs import cost_model
from .graph import km
from .inputs import Instance
from .scenario import DAYS, WEEKEND, Scenario
from .status import Status
from .timing import Calendar, month_number, month_start
from .weekend import duty_window, holder_counts, required_pairs

TERMS = ("timing", "distance", "shortfall", "subspecialty_gap", "standalone", "moved")
"""The objective's terms (one weight each in ``objective``); ``moved`` only with a baseline."""


@dataclass(frozen=True)
class ConsortiumPlan:
    """One consortium of the plan (a standalone trust is a consortium of one)."""

    id: str
    members: tuple[str, ...]
    go_live: dt.date
    go_to_market: dt.date
    medoid: str
    distance_km: float
    max_pair_km: float
    cover_ratio: tuple[float, ...]
    weekend_missing: tuple[str, ...]
    months_misaligned: int
    shortfall_reports: float
    fixed: bool = False
    cost: float = 0.0
    """What the consortium adds to the objective (pounds with a ``costs`` section)."""

    @property
    def standalone(self) -> bool:
        return len(self.members) == 1


@dataclass(frozen=True)
class Plan:
    """The result of solving a scenario.

    ``status`` is ``optimal`` (proven), ``feasible`` (a plan, not proven best: see ``gap``),
    ``infeasible`` (no plan exists; see ``diagnosis``), ``no_solution`` (the time limit came
    first) or ``error``. ``terms`` holds each objective term (weighted, or in pounds when the
    scenario has a ``costs`` section: see :mod:`consortia.costs`).
    """

    scenario: Scenario
    status: str
    consortia: tuple[ConsortiumPlan, ...] = ()
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    terms: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    solver: dict = field(default_factory=dict)
    diagnosis: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    counterfactuals: dict = field(default_factory=dict)
    """In pounds, what the plan is compared with (each a :meth:`summary`-like mapping):
    ``alone_at_contract_end`` (every trust buying alone at its contract end, computed with every
    plan) and, when ``consortia solve`` solved it, ``without_market_capacity`` and
    ``market_capacity_cost`` (see :mod:`consortia.whatif.counterfactual`)."""

    @property
    def has_plan(self) -> bool:
        return self.status in Status.HAS_PLAN

    def summary(self) -> dict:
        """Status, objective, bound, gap and the count of consortia and standalone trusts."""
        return {"status": self.status, "objective": self.objective, "best_bound": self.best_bound,
                "gap": self.gap, "n_consortia": self.metrics.get("n_consortia"),
                "n_standalone": self.metrics.get("n_standalone")}

    def consortium_of(self, trust: str) -> ConsortiumPlan:
        """The consortium a trust belongs to."""
        for c in self.consortia:
            if trust in c.members:
                return c
        raise KeyError(trust)

    @property
    def assignments(self) -> dict[str, str]:
        """Trust code -> consortium id."""
        return {m: c.id for c in self.consortia for m in c.members}


def pooled_capacity(instance: Instance, scenario: Scenario, codes) -> tuple[float, ...]:
    """Reports a set of trusts can give per day; on sat and sun, per weekend of the rota's duty
    window (each radiologist is on duty one weekend in ``rota.one_in``)."""
    rps = scenario.cover.reports_per_session
    window = duty_window(scenario)
    caps = [instance.capacity(c, rps) for c in codes]
    return tuple(sum(c[d] for c in caps) / (window if DAYS[d] in WEEKEND else 1) for d in range(7))


def alone_ratio(instance: Instance, scenario: Scenario, codes) -> tuple[float, ...]:
    """Pooled capacity (:func:`pooled_capacity`) / pooled demand per day for a set of trusts
    (inf where demand is 0)."""
    capacity = pooled_capacity(instance, scenario, codes)
    out = []
    for d in range(7):
        demand = sum(instance.demand[c][d] for c in codes)
        out.append(capacity[d] / demand if demand > 0 else float("inf"))
    return tuple(out)


def weekend_holders(instance: Instance, scenario: Scenario, codes) -> dict[tuple[str, str], int]:
    """Radiologists of ``codes`` with sessions that day, per required (subspecialty, day)."""
    held = holder_counts(instance, scenario)
    return {pair: sum(held[c].get(pair, 0) for c in codes) for pair in required_pairs(scenario)}


def weekend_missing(instance: Instance, scenario: Scenario, codes) -> tuple[str, ...]:
    """Required ``subspecialty@day`` weekend sessions the trusts in ``codes`` cannot staff: fewer
    holders with sessions that day than the rota's duty window (one without a rota)."""
    window = duty_window(scenario)
    return tuple(f"{s}@{d}" for (s, d), n in weekend_holders(instance, scenario, codes).items() if n < window)


def missing_share(instance: Instance, scenario: Scenario, codes) -> float:
    """Soft cover: required subspecialty-days missing, pro rata the weekends without a holder."""
    window = duty_window(scenario)
    return sum(max(0, window - n) / window for n in weekend_holders(instance, scenario, codes).values())


def fully_covered(ratio, missing, min_ratio: float) -> bool:
    """Seven-day cover: every day's ratio reaches ``min_ratio`` and no weekend gap."""
    return all(r >= min_ratio - 1e-9 for r in ratio) and not missing


def describe(scenario: Scenario, instance: Instance, graph: nx.Graph,
             groups: list[tuple[tuple[str, ...], int]]) -> tuple[tuple[ConsortiumPlan, ...], dict, dict]:
    """Consortia, objective terms and metrics of a grouping ``[(members, go-live period), ...]``.

    Consortia of two or more are numbered C01, C02, ... by go-live then first member; a
    standalone trust's consortium id is ``S-<code>``; fixed consortia (grown or not) keep their
    name, and no other consortium gets it.
    """
    calendar = Calendar(scenario.planning)
    cores = [(frozenset(f.members), f.name or None) for f in scenario.directives.fixed]
    taken = {name for _, name in cores if name}
    ordered = sorted(groups, key=lambda g: (len(g[0]) == 1, g[1], g[0]))
    consortia = []
    number = 0
    costs = cost_model(scenario, graph)
    money: dict[str, float] = dict.fromkeys(costs.terms, 0.0)
    for members, period in ordered:
        members = tuple(sorted(members))
        sums = {m: sum(km(graph, m, o) for o in members) for m in members}
        late = {m: calendar.months_late(instance.trust(m).contract_end, period) for m in members}
        pair = max((km(graph, a, b) for a in members for b in members), default=0.0)
        ratio = alone_ratio(instance, scenario, members)
        capacity = pooled_capacity(instance, scenario, members)
        short = sum(max(0.0, scenario.cover.min_ratio * sum(instance.demand[m][d] for m in members)
                        - capacity[d]) for d in range(7))
        medoid, own = costs.consortium_terms(members, late, short, missing_share(instance, scenario, members))
        for name, value in own.items():
            money[name] += value
        core = next(((c, name) for c, name in cores if c <= set(members)), None)
        is_fixed = core is not None
        if is_fixed and core[1]:
            cid = core[1]
        elif len(members) == 1:
            cid = f"S-{members[0]}"
            while cid in taken:  # never reuse a fixed consortium's name
                cid += "-1"
        else:
            number += 1
            while f"C{number:02d}" in taken:
                number += 1
            cid = f"C{number:02d}"
        consortia.append(ConsortiumPlan(
            id=cid, members=members, go_live=month_start(calendar.go_live(period)),
            go_to_market=month_start(calendar.go_to_market(period)), medoid=medoid,
            distance_km=sums[medoid], max_pair_km=pair, cover_ratio=ratio,
            weekend_missing=weekend_missing(instance, scenario, members),
            months_misaligned=sum(abs(v) for v in late.values()),
            shortfall_reports=short, fixed=is_fixed, cost=sum(own.values())))
    w = scenario.objective
    soft = scenario.cover.mode == "soft"
    terms = money if costs.in_pounds else {
        "timing": w.timing * sum(c.months_misaligned for c in consortia),
        "distance": w.distance * sum(c.distance_km for c in consortia),
        "shortfall": w.shortfall * sum(c.shortfall_reports for c in consortia) if soft else 0.0,
        "subspecialty_gap": (w.subspecialty_gap * sum(missing_share(instance, scenario, c.members) for c in consortia)
                             if soft else 0.0),
        "standalone": w.standalone * sum(1 for c in consortia if c.standalone),
    }
    figures = metrics(scenario, instance, consortia)
    if instance.baseline is not None:
        moved = moved_trusts(instance.baseline, consortia)
        terms["moved"] = costs.moved_rate * len(moved)
        figures["moved"] = moved
    return tuple(consortia), terms, figures


def moved_trusts(baseline: dict[str, str], consortia) -> list[str]:
    """Trusts whose co-members, among the trusts in both plans, differ from the baseline's."""
    planned = {m: c.members for c in consortia for m in c.members}
    common = {m for m in planned if m in baseline}
    moved = []
    for m in sorted(common):
        now = {o for o in planned[m] if o in common}
        before = {o for o in common if baseline[o] == baseline[m]}
        if now != before:
            moved.append(m)
    return moved


def metrics(scenario: Scenario, instance: Instance, consortia) -> dict:
    """Headline figures of a plan."""
    market: dict[str, int] = {}
    for c in consortia:
        key = c.go_to_market.isoformat()
        market[key] = market.get(key, 0) + 1
    min_ratio = scenario.cover.min_ratio
    alone = pooled = 0
    for c in consortia:
        ok = fully_covered(c.cover_ratio, c.weekend_missing, min_ratio)
        pooled += len(c.members) if ok else 0
        for m in c.members:
            alone += fully_covered(alone_ratio(instance, scenario, [m]),
                                   weekend_missing(instance, scenario, [m]), min_ratio)
    return {
        "n_trusts": sum(len(c.members) for c in consortia),
        "n_consortia": sum(1 for c in consortia if not c.standalone),
        "n_standalone": sum(1 for c in consortia if c.standalone),
        "trusts_full_cover_alone": alone,
        "trusts_full_cover_pooled": pooled,
        "total_months_misaligned": sum(c.months_misaligned for c in consortia),
        "market_capacity": scenario.market.capacity,
        "peak_market": max(market.values(), default=0),
        "market_per_period": dict(sorted(market.items())),
        "consortium_sizes": dict(sorted(Counter(len(c.members) for c in consortia).items())),
        "consortia_within_one_icb": _within_one_icb(instance, consortia),
    }


def _within_one_icb(instance: Instance, consortia) -> int | None:
    """How many consortia of two or more have every member in one integrated care board (None
    when trusts.csv has no ``icb`` column)."""
    if not any(t.icb for t in instance.trusts):
        return None
    return sum(1 for c in consortia if not c.standalone
               and len({instance.trust(m).icb for m in c.members}) == 1 and instance.trust(c.members[0]).icb)


def period_of(scenario: Scenario, go_live: dt.date) -> int | None:
    """The planning period whose start is ``go_live``, or None."""
    calendar = Calendar(scenario.planning)
    months = month_number(go_live) - calendar.start
    if go_live.day != 1 or months % scenario.planning.period_months:
        return None
    return months // scenario.planning.period_months


__all__ = ["Plan", "ConsortiumPlan", "describe", "alone_ratio", "weekend_missing", "DAYS"]
