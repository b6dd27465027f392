"""The independent checker: re-read a written plan (or a proposal CSV) and re-verify every rule.

This module is a second reading of the rules in the README, written from their text. It shares
no code with the model, the calendar helpers or the plan builder: it has its own distance,
month and cover arithmetic, so that a mistake in one reading shows up as a disagreement.
It only shares the input loaders (the same files must be read the same way).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import yaml

from .csvfile import read_table
from .errors import ConsortiaError
from .inputs import Instance
from .scenario import Scenario, parse_date
from .weekend import Rosterability, WeekendRules

__all__ = ["WEEK", "TOLERANCE", "CheckReport", "check_plan"]

WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOLERANCE = 1e-6


@dataclass
class CheckReport:
    """What the checker found: broken rules in plain words and the recomputed objective."""

    source: Path
    violations: list[str] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)
    go_live: dict[str, dt.date] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    chose_go_live: bool = False
    unrosterable: dict[str, list[str]] = field(default_factory=dict)
    """Consortia (id -> members) that no weekend rota can staff under the scenario's rota settings."""

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def objective(self) -> float:
        return sum(self.terms.values())


def _km(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _months(date: dt.date) -> int:
    """Month count of the nearest 1st of a month (days 16 and later round up)."""
    first = date.replace(day=1)
    if date.day >= 16:
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return first.year * 12 + first.month


def _add_months(date: dt.date, months: int) -> dt.date:
    total = date.year * 12 + date.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _read(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    return list(read_table(path, required, "plan or proposal"))


def _date(text: str, path: Path, row: int, column: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError:
        raise ConsortiaError(f"expected a date YYYY-MM-DD, got {text!r}", file=str(path), row=row,
                             column=column) from None


class _Rules:
    """The rules of a scenario, read independently of the model."""

    def __init__(self, scenario: Scenario, instance: Instance):
        self.s = scenario
        self.trusts = {t.code: t for t in instance.trusts}
        self.planned = [c for c in self.trusts if c not in set(scenario.directives.exclude)]
        self.demand = instance.demand
        self.sessions = {c: [0.0] * 7 for c in self.trusts}
        self.holders = {c: {} for c in self.trusts}
        for r in instance.radiologists:
            for d in range(7):
                self.sessions[r.trust][d] += r.sessions[d]
            for d in (5, 6):
                if r.sessions[d] > 0:
                    for sub in r.subspecialties:
                        self.holders[r.trust][sub, WEEK[d]] = self.holders[r.trust].get((sub, WEEK[d]), 0) + 1
        rota = scenario.rota
        # a radiologist is on weekend duty one weekend in rota.one_in: over that many weekends
        # (at most rota.weeks) a weekend day's roster sessions are given once
        self.window = min(rota.weeks, rota.one_in) if rota.required else 1
        self.rosterable = Rosterability(instance, WeekendRules.of(scenario), rota.time_limit, scenario.solver.threads) \
            if rota.required and scenario.cover.mode == "hard" else None
        self.unrosterable: dict[str, list[str]] = {}
        self.share = {frozenset((a, b)) for a, b, rel in instance.links if rel == "share"}
        self.forbid = {frozenset((a, b)) for a, b, rel in instance.links if rel == "forbid"}
        self.together = {frozenset(p) for p in scenario.directives.together}
        self.apart = {frozenset(p) for p in scenario.directives.apart}
        self.fixed = {frozenset(f.members): f for f in scenario.directives.fixed}
        self.pins = {p.trust: p for p in scenario.directives.pin}
        self.baseline = None
        if scenario.baseline is not None:
            rows = _read(scenario.baseline / "assignments.csv", ("trust", "consortium"))
            self.baseline = {row["trust"]: row["consortium"] for _, row in rows}
        p = scenario.planning
        self.go_lives = [_add_months(p.start, k * p.period_months) for k in range(p.periods)]

    def core(self, members) -> frozenset:
        """The members of the fixed consortium inside ``members`` (empty when there is none)."""
        inside = set(members)
        return next((k for k in self.fixed if k <= inside), frozenset())

    def agreed_go_live(self, members) -> dt.date | None:
        """The go-live a fixed consortium or a pinned member asks of a consortium, if any."""
        core = self.core(members)
        dates = [self.fixed[core].go_live] if core else []
        dates += [self.pins[m].go_live for m in members if m in self.pins]
        return next((d for d in dates if d is not None), None)

    def linked(self, a: str, b: str) -> bool:
        pair = frozenset((a, b))
        if pair in self.forbid or pair in self.apart:
            return False
        if self.s.network.same_region and self.trusts[a].region != self.trusts[b].region:
            return False
        if pair in self.share or pair in self.together:
            return True
        return _km(self.trusts[a], self.trusts[b]) <= self.s.network.max_distance_km

    def misaligned(self, code: str, go_live: dt.date) -> int:
        return abs(go_live.year * 12 + go_live.month - _months(self.trusts[code].contract_end))

    def timing_breaks(self, code: str, go_live: dt.date) -> list[str]:
        p = self.s.planning
        delta = go_live.year * 12 + go_live.month - _months(self.trusts[code].contract_end)
        out = []
        if delta > p.max_extension_months:
            out.append(f"{code} goes live {go_live}, {delta} months after its contract ends "
                       f"({self.trusts[code].contract_end}); planning.max_extension_months is "
                       f"{p.max_extension_months}")
        if -delta > p.max_early_exit_months:
            out.append(f"{code} goes live {go_live}, {-delta} months before its contract ends "
                       f"({self.trusts[code].contract_end}); planning.max_early_exit_months is "
                       f"{p.max_early_exit_months}")
        return out

    def market_date(self, go_live: dt.date) -> dt.date:
        return _add_months(go_live, -self.s.planning.lead_time_months)

    def go_live_breaks(self, cid: str, go_live: dt.date) -> list[str]:
        out = []
        if go_live not in self.go_lives:
            out.append(f"consortium {cid} goes live {go_live}, which is not a period start of the "
                       f"horizon ({self.go_lives[0]} to {self.go_lives[-1]} every "
                       f"{self.s.planning.period_months} months)")
        if self.market_date(go_live) < self.s.planning.start:
            out.append(f"consortium {cid} would go to market {self.market_date(go_live)}, before the planning "
                       f"start {self.s.planning.start}")
        return out

    def pooled(self, members) -> tuple[list[float], list[float]]:
        """Reports the members can give each day (weekend days: per weekend of the duty window)
        and reports they need."""
        rps = self.s.cover.reports_per_session
        cap = [sum(self.sessions[m][d] for m in members) * rps / (self.window if d >= 5 else 1) for d in range(7)]
        dem = [sum(self.demand[m][d] for m in members) for d in range(7)]
        return cap, dem

    def shortfall(self, members) -> float:
        cap, dem = self.pooled(members)
        return sum(max(0.0, self.s.cover.min_ratio * dem[d] - cap[d]) for d in range(7))

    def weekend_holders(self, members) -> dict[tuple[str, str], int]:
        """Radiologists of the members with sessions that day, per required (subspecialty, day)."""
        return {(s, d): sum(self.holders[m].get((s, d), 0) for m in members)
                for s in self.s.cover.weekend_subspecialties for d in ("sat", "sun")}

    def weekend_gaps(self, members) -> list[str]:
        """Required subspecialty-days with fewer holders than the duty window needs."""
        return [f"{s}@{d}" for (s, d), n in self.weekend_holders(members).items() if n < self.window]

    def missing_share(self, members) -> float:
        """Soft cover: required subspecialty-days missing, pro rata the weekends without a holder."""
        return sum(max(0, self.window - n) / self.window for n in self.weekend_holders(members).values())

    def medoid_km(self, members) -> tuple[str, float]:
        """The medoid (least total km; in pounds, least total cost to it, then km, then code) and
        the members' total km to it."""
        def total_km(m):
            return sum(_km(self.trusts[m], self.trusts[o]) for o in members)
        if self.s.costs is None:
            best = min(members, key=lambda m: (total_km(m), m))
        else:
            best = min(members, key=lambda m: (self.medoid_cost(members, m), total_km(m), m))
        return best, total_km(best)

    def medoid_cost(self, members, medoid: str) -> float:
        """In pounds: what the members cost to ``medoid`` (travel and boundary premiums)."""
        return sum(sum(self.joining(m, medoid)) for m in members if m != medoid)

    def joining(self, member: str, medoid: str) -> tuple[float, float]:
        """In pounds: (travel, boundary premiums) of ``member`` served by ``medoid``."""
        c = self.s.costs
        a, b = self.trusts[member], self.trusts[medoid]
        trips = 2 * c.trips_per_year * c.term_years
        premium = 0.0
        if a.extra.get("icb") and b.extra.get("icb") and a.extra["icb"] != b.extra["icb"]:
            premium += c.icb_premium
        if a.region and b.region and a.region != b.region:
            premium += c.region_premium
        if frozenset((member, medoid)) not in self.share:
            premium += c.no_share_premium
        return trips * c.travel_per_km * _km(a, b), premium

    def months_late(self, code: str, go_live: dt.date) -> int:
        return go_live.year * 12 + go_live.month - _months(self.trusts[code].contract_end)

    def timing_terms(self, code: str, go_live: dt.date) -> dict[str, float]:
        """What one member's go-live costs: weighted months off, or (pounds) an extension premium
        or an early-exit payout per month."""
        c = self.s.costs
        if c is None:
            return {"timing": self.s.objective.timing * self.misaligned(code, go_live)}
        late = self.months_late(code, go_live)
        return {"extension": c.extension_per_month * late if late > 0 else 0.0,
                "early_exit": c.early_exit_per_month * -late if late < 0 else 0.0}

    def block_terms(self, members) -> dict[str, float]:
        """What one consortium costs whatever its go-live: size, medoid and soft-cover terms."""
        c = self.s.costs
        soft = self.s.cover.mode == "soft"
        n = len(members)
        short = self.shortfall(members) if soft else 0.0
        gaps = self.missing_share(members) if soft else 0.0
        if c is None:
            w = self.s.objective
            return {"distance": w.distance * self.medoid_km(members)[1], "shortfall": w.shortfall * short,
                    "subspecialty_gap": w.subspecialty_gap * gaps, "standalone": w.standalone if n == 1 else 0.0}
        medoid = self.medoid_km(members)[0]
        travel = boundary = 0.0
        for m in members:
            if m != medoid:
                t, b = self.joining(m, medoid)
                travel, boundary = travel + t, boundary + b
        weeks = 52 * c.term_years
        return {"procurement": c.procurement,
                "contract": c.contract_per_trust_year * c.term_years * n ** c.volume_exponent,
                "integration": c.integration_per_member * n if n > 1 else 0.0,
                "travel": travel, "boundary": boundary,
                "shortfall": c.outsourcing_per_report * weeks * short,
                "subspecialty_gap": c.subspecialty_gap_per_day * weeks * gaps}

    def moved_rate(self) -> float:
        return self.s.objective.moved if self.s.costs is None else self.s.costs.moved

    def consortium_breaks(self, cid: str, members: list[str]) -> list[str]:
        """Membership, size, cover and directive rules of one consortium (not timing)."""
        out = []
        s = self.s
        key = frozenset(members)
        exempt = key in self.fixed
        core = self.core(members) if not exempt else key
        for a, b in itertools.combinations(sorted(members), 2):
            pair = frozenset((a, b))
            if pair in self.forbid:
                out.append(f"{a} and {b} share consortium {cid} but links.csv forbids it")
            if pair in self.apart:
                out.append(f"{a} and {b} share consortium {cid} but directives.apart keeps them apart")
        if not exempt:
            if s.network.membership == "clique":
                for a, b in itertools.combinations(sorted(members), 2):
                    pair = frozenset((a, b))
                    if pair <= core:
                        continue
                    if pair not in self.forbid and pair not in self.apart and not self.linked(a, b):
                        why = ("different regions" if s.network.same_region
                               and self.trusts[a].region != self.trusts[b].region
                               else f"{_km(self.trusts[a], self.trusts[b]):.1f} km apart, more than "
                                    f"network.max_distance_km={s.network.max_distance_km:g}")
                        out.append(f"{a} and {b} in consortium {cid} are not linked ({why})")
            else:
                g = nx.Graph()
                g.add_nodes_from(members)
                g.add_edges_from((a, b) for a, b in itertools.combinations(members, 2)
                                 if self.linked(a, b) or frozenset((a, b)) <= core)
                if not nx.is_connected(g):
                    parts = [" ".join(sorted(c)) for c in nx.connected_components(g)]
                    out.append(f"consortium {cid} is not connected by links: {' | '.join(parts)}")
            n = len(members)
            if n == 1 and not s.consortium.allow_standalone:
                out.append(f"{members[0]} is standalone but consortium.allow_standalone is false")
            if core and n > s.consortium.max_size:
                out.append(f"fixed consortium {cid} grew to {n} trusts; newcomers may join only up to "
                           f"consortium.max_size={s.consortium.max_size}")
            elif not core and n >= 2 and not s.consortium.min_size <= n <= s.consortium.max_size:
                out.append(f"consortium {cid} has {n} trusts; consortium size must be "
                           f"{s.consortium.min_size} to {s.consortium.max_size}")
        if s.cover.mode == "hard":
            cap, dem = self.pooled(members)
            for d in range(7):
                if cap[d] < s.cover.min_ratio * dem[d] - TOLERANCE:
                    out.append(f"consortium {cid} cannot cover {WEEK[d]}: capacity {cap[d]:g} reports < "
                               f"{s.cover.min_ratio:g} x demand {dem[d]:g}")
            shortfalls = len(out)
            for (sub, day), n in self.weekend_holders(members).items():
                if n < self.window:
                    out.append(f"consortium {cid} has {n} {sub} radiologist(s) with {day} sessions; one is needed "
                               f"every {day} and each is on duty one weekend in rota.one_in="
                               f"{s.rota.one_in}, so {self.window} are needed" if self.window > 1
                               else f"consortium {cid} has no {sub} session on {day}")
            if self.rosterable is not None and not out and self.rosterable(members) is not True:
                out.append(f"no weekend rota can staff consortium {cid} (rota.one_in={s.rota.one_in}, "
                           f"rota.weeks={s.rota.weeks}, rota.tolerance={s.rota.tolerance:g})")
            if self.rosterable is not None and len(out) > shortfalls:
                self.unrosterable[cid] = list(members)
        return out


def _assign_go_lives(rules: _Rules, groups: dict[str, list[str]],
                     given: dict[str, dt.date | None]) -> tuple[dict[str, dt.date], list[str]]:
    """Cheapest go-live per consortium within the windows and the market capacity (min-cost flow).

    A consortium keeps a go-live the proposal gives it, or that ``directives.fixed`` or a member's
    ``directives.pin`` agreed for it; the other rules judge those dates afterwards.
    """
    flow = nx.DiGraph()
    cap = rules.s.market.capacity or len(groups)
    problems = []
    for cid, members in groups.items():
        agreed = given.get(cid) or rules.agreed_go_live(members)
        options = [agreed] if agreed is not None else [
            g for g in rules.go_lives if not rules.go_live_breaks(cid, g)
            and not any(rules.timing_breaks(m, g) for m in members)]
        if not options:
            problems.append(f"consortium {cid}: no go-live date fits every member's contract window")
            continue
        flow.add_edge("source", ("c", cid), capacity=1, weight=0)
        for g in options:
            pence = sum(sum(rules.timing_terms(m, g).values()) for m in members) * 100
            flow.add_edge(("c", cid), ("t", g), capacity=1, weight=sum(rules.misaligned(m, g) for m in members)
                          if rules.s.costs is None else round(pence))
            flow.add_edge(("t", g), "sink", capacity=cap, weight=0)
    wanted = len(groups) - len(problems)
    if problems or wanted == 0:
        return {}, problems
    flow.nodes["source"]["demand"] = -wanted
    flow.nodes["sink"]["demand"] = wanted
    try:
        result = nx.min_cost_flow(flow)
    except nx.NetworkXUnfeasible:
        return {}, ["no choice of go-live dates fits every consortium within market.capacity"]
    chosen = {}
    for node, out in result.items():
        if isinstance(node, tuple) and node[0] == "c":
            for target, amount in out.items():
                if amount:
                    chosen[node[1]] = target[1]
    return chosen, []


def _read_plan(path: Path) -> tuple[dict[str, str], dict[str, dt.date | None], list[str]]:
    """trust -> consortium and consortium -> go-live from assignments.csv or a proposal CSV, and
    the rows whose go-live breaks "a consortium goes live together" (a broken rule, not bad input)."""
    file = path / "assignments.csv" if path.is_dir() else path
    rows = _read(file, ("trust", "consortium"))
    assigned: dict[str, str] = {}
    go_live: dict[str, dt.date | None] = {}
    problems: list[str] = []
    for n, row in rows:
        trust, cid = row["trust"], row["consortium"]
        if not trust or not cid:
            raise ConsortiaError("trust and consortium are required", file=str(file), row=n)
        if trust in assigned:
            raise ConsortiaError(f"trust {trust} is listed twice", file=str(file), row=n, column="trust")
        assigned[trust] = cid
        date = _date(row["go_live"], file, n, "go_live") if row.get("go_live") else None
        if date is None:
            if path.is_dir():
                problems.append(f"assignments.csv row {n}: {trust} has no go_live")
            go_live.setdefault(cid, None)
        elif go_live.get(cid) not in (None, date):
            problems.append(f"{file.name} row {n}: {trust} goes live {date} but the rest of consortium {cid} "
                            f"goes live {go_live[cid]}; a consortium goes live together")
        else:
            go_live[cid] = date
    return assigned, go_live, problems


def check_plan(scenario: Scenario, instance: Instance, path: Path) -> CheckReport:
    """Re-verify the plan folder or proposal CSV at ``path``; see :class:`CheckReport`."""
    rules = _Rules(scenario, instance)
    report = CheckReport(path)
    v = report.violations
    assigned, go_live, problems = _read_plan(path)
    v += problems
    for trust in assigned:
        if trust not in rules.trusts:
            v.append(f"{trust} is not a trust of {scenario.inputs.trusts.name}")
        elif trust in scenario.directives.exclude:
            v.append(f"{trust} is excluded by directives.exclude but is in the plan")
    for trust in rules.planned:
        if trust not in assigned:
            v.append(f"{trust} is in no consortium")
    groups: dict[str, list[str]] = {}
    for trust, cid in assigned.items():
        if trust in rules.planned:
            groups.setdefault(cid, []).append(trust)
    report.members = groups
    if any(d is None for d in go_live.values()):
        chosen, unplaced = _assign_go_lives(rules, groups, go_live)
        v += unplaced
        report.chose_go_live = True
        go_live = {c: go_live.get(c) or chosen.get(c) for c in groups}
    report.go_live = {c: d for c, d in go_live.items() if d is not None and c in groups}
    market: dict[dt.date, list[str]] = {}
    for cid, members in sorted(groups.items()):
        v += rules.consortium_breaks(cid, members)
        date = go_live.get(cid)
        if date is None:
            continue
        v += rules.go_live_breaks(cid, date)
        for m in members:
            v += rules.timing_breaks(m, date)
        market.setdefault(rules.market_date(date), []).append(cid)
    cap = scenario.market.capacity
    for when, cids in sorted(market.items()):
        if cap is not None and len(cids) > cap:
            v.append(f"{len(cids)} procurements go to market in the period starting {when} "
                     f"({', '.join(cids)}); market.capacity is {cap}")
    v += _directive_breaks(rules, assigned, go_live)
    report.terms = _terms(rules, groups, go_live)
    report.unrosterable = dict(rules.unrosterable)
    if path.is_dir():
        v += _output_breaks(rules, path, groups, go_live, report)
    return report


def _directive_breaks(rules: _Rules, assigned: dict[str, str], go_live) -> list[str]:
    out = []
    for a, b in rules.s.directives.together:
        if a in assigned and b in assigned and assigned[a] != assigned[b]:
            out.append(f"directives.together: {a} ({assigned[a]}) and {b} ({assigned[b]}) are apart")
    for members, f in rules.fixed.items():
        cids = {assigned.get(m) for m in f.members}
        if len(cids) != 1 or None in cids:
            out.append(f"fixed consortium {' '.join(f.members)} is split across {', '.join(map(str, cids))}")
            continue
        cid = cids.pop()
        extra = sorted(t for t, c in assigned.items() if c == cid and t not in members)
        if extra and not f.grow:
            out.append(f"fixed consortium {' '.join(f.members)} gained {' '.join(extra)}")
        if f.go_live is not None and go_live.get(cid) not in (None, f.go_live):
            out.append(f"fixed consortium {' '.join(f.members)} goes live {go_live.get(cid)}, not {f.go_live}")
    named = {f.name: f for f in rules.s.directives.fixed if f.name}
    for trust, pin in rules.pins.items():
        if trust not in assigned:
            continue
        cid = assigned[trust]
        if pin.consortium is not None:
            core = named[pin.consortium].members
            if any(assigned.get(m) != cid for m in core):
                out.append(f"directives.pin: {trust} is in {cid}, not in fixed consortium {pin.consortium}")
        if pin.go_live is not None and go_live.get(cid) not in (None, pin.go_live):
            out.append(f"directives.pin: {trust} goes live {go_live.get(cid)} with {cid}, not {pin.go_live}")
    return out


def _moved(baseline: dict[str, str], groups) -> list[str]:
    """Trusts that share a consortium with a trust they were not with in the baseline, or no
    longer with one they were with (only trusts in both plans count)."""
    now = {m: cid for cid, ms in groups.items() for m in ms}
    both = sorted(m for m in now if m in baseline)
    out = set()
    for a, b in itertools.combinations(both, 2):
        if (now[a] == now[b]) != (baseline[a] == baseline[b]):
            out.update((a, b))
    return sorted(out)


def _terms(rules: _Rules, groups, go_live) -> dict[str, float]:
    terms = _base_terms(rules, groups, go_live)
    if rules.baseline is not None:
        terms["moved"] = rules.moved_rate() * len(_moved(rules.baseline, groups))
    return terms


def _base_terms(rules: _Rules, groups, go_live) -> dict[str, float]:
    if rules.s.costs is not None:
        return _money_terms(rules, groups, go_live)
    w = rules.s.objective
    soft = rules.s.cover.mode == "soft"
    months = sum(rules.misaligned(m, go_live[c]) for c, ms in groups.items() if go_live.get(c) for m in ms)
    return {
        "timing": w.timing * months,
        "distance": w.distance * sum(rules.medoid_km(ms)[1] for ms in groups.values()),
        "shortfall": w.shortfall * sum(rules.shortfall(ms) for ms in groups.values()) if soft else 0.0,
        "subspecialty_gap": (w.subspecialty_gap * sum(rules.missing_share(ms) for ms in groups.values())
                             if soft else 0.0),
        "standalone": w.standalone * sum(1 for ms in groups.values() if len(ms) == 1),
    }


def _money_terms(rules: _Rules, groups, go_live) -> dict[str, float]:
    """The objective in pounds, summed over consortia (a consortium without a go-live adds its
    other terms)."""
    terms = dict.fromkeys(("procurement", "contract", "integration", "extension", "early_exit", "travel",
                           "boundary", "shortfall", "subspecialty_gap"), 0.0)
    for cid, members in groups.items():
        parts = [rules.block_terms(members)]
        if go_live.get(cid):
            parts += [rules.timing_terms(m, go_live[cid]) for m in members]
        for part in parts:
            for name, value in part.items():
                terms[name] += value
    return terms


def _close(a: float | None, b: float) -> bool:
    if a is None or math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b))


def _num(value) -> float | None:
    """A number written in a plan file, or None when it is not one (a hand edit, a damaged file)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _output_breaks(rules: _Rules, folder: Path, groups, go_live, report: CheckReport) -> list[str]:
    """The written files agree with each other and with the recomputed plan."""
    out = []
    lead = rules.s.planning.lead_time_months
    for n, row in _read(folder / "assignments.csv", ("trust", "consortium", "go_live", "go_to_market",
                                                     "contract_end", "months_misaligned")):
        t = row["trust"]
        if t not in rules.trusts or not row["go_live"]:
            continue
        g = _date(row["go_live"], folder / "assignments.csv", n, "go_live")
        if row["go_to_market"] != _add_months(g, -lead).isoformat():
            out.append(f"assignments.csv row {n}: go_to_market {row['go_to_market']} is not go_live - "
                       f"{lead} months")
        if row["contract_end"] != rules.trusts[t].contract_end.isoformat():
            out.append(f"assignments.csv row {n}: contract_end differs from trusts.csv")
        for column in ("lat", "lon"):
            written = _num(row.get(column))
            if column in row and (written is None or abs(written - getattr(rules.trusts[t], column)) > 1e-4):
                out.append(f"assignments.csv row {n}: {column} {row[column]} differs from trusts.csv")
        if row["months_misaligned"] != str(rules.misaligned(t, g)):
            out.append(f"assignments.csv row {n}: months_misaligned {row['months_misaligned']}, "
                       f"expected {rules.misaligned(t, g)}")
    listed = {}
    for n, row in _read(folder / "consortia.csv", ("consortium", "members", "n_trusts", "go_live", "medoid",
                                                   "distance_km", "max_pair_km",
                                                   *[f"cover_ratio_{d}" for d in WEEK],
                                                   "weekend_subspecialties_missing")):
        cid = row["consortium"]
        if cid in listed:
            out.append(f"consortia.csv row {n}: consortium {cid} is listed twice")
            continue
        listed[cid] = row
        members = sorted(row["members"].split())
        if members != sorted(groups.get(cid, [])):
            out.append(f"consortia.csv row {n}: members of {cid} differ from assignments.csv")
            continue
        if row["n_trusts"] != str(len(members)):
            out.append(f"consortia.csv row {n}: n_trusts {row['n_trusts']} but {len(members)} members")
        if go_live.get(cid) and row["go_live"] != go_live[cid].isoformat():
            out.append(f"consortia.csv row {n}: go_live differs from assignments.csv")
        medoid, total = rules.medoid_km(members)
        if not _close(_num(row["distance_km"]), total):
            out.append(f"consortia.csv row {n}: distance_km {row['distance_km']}, recomputed {total:.4f}")
        if rules.s.costs is None and (row["medoid"] not in members or not _close(
                sum(_km(rules.trusts[row["medoid"]], rules.trusts[o]) for o in members), total)):
            out.append(f"consortia.csv row {n}: medoid {row['medoid']} is not a member with the least "
                       f"total distance ({medoid})")
        if rules.s.costs is not None and (row["medoid"] not in members or not _close(
                rules.medoid_cost(members, row["medoid"]), rules.medoid_cost(members, medoid))):
            out.append(f"consortia.csv row {n}: medoid {row['medoid']} is not a member with the least "
                       f"total cost to it ({medoid})")
        pair = max((_km(rules.trusts[a], rules.trusts[b]) for a in members for b in members), default=0.0)
        if not _close(_num(row["max_pair_km"]), pair):
            out.append(f"consortia.csv row {n}: max_pair_km {row['max_pair_km']}, recomputed {pair:.4f}")
        cap, dem = rules.pooled(members)
        for d, day in enumerate(WEEK):
            want = cap[d] / dem[d] if dem[d] > 0 else math.inf
            got = _num(row[f"cover_ratio_{day}"])
            if not _close(got, want):
                out.append(f"consortia.csv row {n}: cover_ratio_{day} {got}, recomputed {want:.4f}")
        if "cost" in row and go_live.get(cid):
            cost = sum(rules.block_terms(members).values()) + sum(
                sum(rules.timing_terms(m, go_live[cid]).values()) for m in members)
            if not _close(_num(row["cost"]), cost):
                out.append(f"consortia.csv row {n}: cost {row['cost']}, recomputed {cost:.4f}")
        if sorted(row["weekend_subspecialties_missing"].split()) != sorted(rules.weekend_gaps(members)):
            out.append(f"consortia.csv row {n}: weekend_subspecialties_missing differs from the rosters")
    for cid in groups:
        if cid not in listed:
            out.append(f"consortia.csv has no row for consortium {cid}")
    plan_file = folder / "plan.yaml"
    if not plan_file.is_file():
        return out + ["plan.yaml is missing"]
    try:
        doc = yaml.safe_load(plan_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        return out + [f"plan.yaml is not valid YAML: {exc}"]
    if not isinstance(doc, dict):
        return out + ["plan.yaml is not a mapping of keys"]
    terms = doc.get("terms") if isinstance(doc.get("terms"), dict) else {}
    for name, value in report.terms.items():
        if not _close(_num(terms.get(name)), value):
            out.append(f"plan.yaml: term {name} is {terms.get(name)}, recomputed {value:.6f}")
    objective = _num(doc.get("objective"))
    if not _close(objective, report.objective):
        out.append(f"plan.yaml: objective {doc.get('objective')}, recomputed {report.objective:.6f}")
    bound, gap = _num(doc.get("best_bound")), _num(doc.get("gap"))
    if doc.get("best_bound") is not None and bound is None:
        out.append(f"plan.yaml: best_bound {doc['best_bound']!r} is not a number")
    if bound is not None and objective is not None:
        if bound > objective + 1e-6 * max(1.0, abs(objective)):
            out.append(f"plan.yaml: best_bound {bound} exceeds the objective {objective}")
        if doc.get("status") == "optimal" and not _close(bound, objective):
            out.append("plan.yaml: status optimal but the bound does not meet the objective")
        if gap is None or abs(gap - abs(objective - bound) / max(1.0, abs(objective))) > 1e-6:
            out.append(f"plan.yaml: gap {doc.get('gap')} does not match the objective and best_bound")
    if doc.get("status") not in ("optimal", "feasible"):
        out.append(f"plan.yaml: status {doc.get('status')!r} is not a plan status")
    return out
