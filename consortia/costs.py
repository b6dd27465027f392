"""The money model: what each consortium costs, term by term, in the objective's unit.

One home for the objective. A consortium of ``n`` members going live at period ``t`` costs

    size(n) + sum over members of timing(months late) + min over members k of sum link(i, k)
    + cover(pooled shortfall, missing weekend subspecialty-days)

``size`` is paid once per procurement, ``timing`` per member, and ``link(i, k)`` is what member
``i`` costs when the consortium's medoid is ``k`` (0 for the medoid itself); the medoid is the
member that minimises the consortium's total link cost. Every term is linear in the model's
variables once the size is a choice among whole numbers.

Two readings share these functions:

- **weights** (the scenario has no ``costs`` section): the historic weighted objective,
  ``objective.timing`` x months misaligned, ``objective.distance`` x km to the medoid,
  ``objective.standalone`` per trust alone and the soft-cover weights; numbers unchanged.
- **pounds** (a ``costs`` section): per procurement, the fixed cost of running it and the
  contract value ``contract_per_trust_year x term_years x n^volume_exponent`` (a volume
  discount, concave in size), plus ``integration_per_member`` for each member of a consortium of
  two or more; per trust-month, an extension premium after the contract end and an early-exit
  payout before it; per member, travel to the medoid for on-site cover and the boundary
  premiums (another integrated care board, another region, no ``share`` link with the medoid);
  in soft cover mode, outsourcing the reports the consortium cannot staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, reduce
from operator import add

import networkx as nx
import numpy as np

from .graph import km
from .scenario import Scenario
from .weekend import duty_window, required_pairs

__all__ = ["SOLVER_POUNDS", "WEEKS_PER_YEAR", "WEIGHT_TERMS", "MONEY_TERMS", "CostModel", "cost_model", "amount",
           "pounds", "short_pounds", "value_text"]

WEEKS_PER_YEAR = 52
"""Weekly shortfalls (the cover rule is stated for one week) are paid every week of the term."""

SOLVER_POUNDS = 1000.0
"""The solvers work in thousands of pounds: in whole pounds (terms up to 1e7, tolerances of 1e-6)
HiGHS's master LP stopped with kSolveError on the England example."""

WEIGHT_TERMS = ("timing", "distance", "shortfall", "subspecialty_gap", "standalone")
MONEY_TERMS = ("procurement", "contract", "integration", "extension", "early_exit", "travel", "boundary",
               "shortfall", "subspecialty_gap")


@dataclass(frozen=True)
class CostModel:
    """The cost of consortia under one scenario, over its collaboration graph (node attributes
    ``region`` and ``icb``, graph attribute ``share``)."""

    scenario: Scenario
    graph: nx.Graph = field(compare=False, repr=False)
    pounds: float = 1.0
    """Pounds per unit of every value returned (``SOLVER_POUNDS`` for the solvers, 1 for plans)."""

    @property
    def per_pound(self) -> float:
        return 1.0 / self.pounds

    @property
    def in_pounds(self) -> bool:
        """Whether the objective is in pounds (a ``costs`` section) rather than plain weights."""
        return self.scenario.costs is not None

    @property
    def unit(self) -> str:
        return "GBP" if self.in_pounds else "weighted units"

    @property
    def terms(self) -> tuple[str, ...]:
        """The names of the objective's terms, in the order plan.yaml lists them."""
        return MONEY_TERMS if self.in_pounds else WEIGHT_TERMS

    # -- per procurement ------------------------------------------------------------------

    def size_terms(self, n: int) -> dict[str, float]:
        """What a consortium of ``n`` members pays once, whatever its members (a standalone
        trust is a consortium of one)."""
        c = self.scenario.costs
        if c is None:
            return {"standalone": self.scenario.objective.standalone if n == 1 else 0.0}
        f = self.per_pound
        return {"procurement": c.procurement * f,
                "contract": c.contract_per_trust_year * c.term_years * n ** c.volume_exponent * f,
                "integration": c.integration_per_member * n * f if n >= 2 else 0.0}

    def size(self, n: int) -> float:
        return sum(self.size_terms(n).values())

    def size_depends_on_members(self) -> bool:
        """Whether the size cost differs between consortia of two or more (in pounds it does)."""
        return self.in_pounds

    def size_slope(self, sizes) -> float:
        """The least ``(size(n) - size(1)) / (n - 1)`` over ``sizes`` (each >= 2): so that
        ``size(n) >= size(1) + (n - 1) x slope`` for every allowed ``n`` (a lower bound per member)."""
        return min(((self.size(n) - self.size(1)) / (n - 1) for n in sizes if n >= 2), default=0.0)

    # -- per trust-month ------------------------------------------------------------------

    def timing_terms(self, late: int) -> dict[str, float]:
        """What a member pays for going live ``late`` months after its contract end (< 0: before)."""
        c = self.scenario.costs
        if c is None:
            return {"timing": self.scenario.objective.timing * abs(late)}
        return {"extension": c.extension_per_month * max(0, late) * self.per_pound,
                "early_exit": c.early_exit_per_month * max(0, -late) * self.per_pound}

    def timing(self, late: int) -> float:
        value = self._timings.get(late)
        if value is None:
            value = self._timings[late] = sum(self.timing_terms(late).values())
        return value

    @cached_property
    def _timings(self) -> dict[int, float]:
        """:meth:`timing` by months late, as met."""
        return {}

    # -- per member: the cost to the medoid -----------------------------------------------

    def link_terms(self, i: str, k: str) -> dict[str, float]:
        """What member ``i`` costs when its consortium's medoid is ``k`` (nothing when i is k)."""
        index = self.graph.graph["index"]
        a, b = index[i], index[k]
        return {name: float(matrix[a, b]) for name, matrix in self._link_terms.items()}

    @cached_property
    def _link_terms(self) -> dict[str, np.ndarray]:
        """:meth:`link_term_matrices` of all the graph's trusts (rows in ``index`` order)."""
        index = self.graph.graph["index"]
        return self.link_term_matrices(sorted(index, key=index.get))

    def link_term_matrices(self, codes) -> dict[str, np.ndarray]:
        """:meth:`link_terms` of every pair of ``codes``, one matrix per term (row ``i``, column ``k``,
        in their order): km x ``objective.distance`` with weights; in pounds, travel to the medoid
        and the boundary premiums (another ICB, another region, no ``share`` link)."""
        index = self.graph.graph["index"]
        rows = np.array([index[c] for c in codes], dtype=int)
        distance = np.asarray(self.graph.graph["distance_km"])[np.ix_(rows, rows)]
        c = self.scenario.costs
        if c is None:
            terms = {"distance": self.scenario.objective.distance * distance}
        else:
            nodes = [self.graph.nodes[code] for code in codes]

            def differ(key):
                value = np.array([n.get(key) or "" for n in nodes], dtype=object)
                known = value != ""
                return (value[:, None] != value[None, :]) & known[:, None] & known[None, :]

            share = self.graph.graph.get("share", frozenset())
            local = {code: n for n, code in enumerate(codes)}
            linked = np.zeros((len(codes), len(codes)), dtype=bool)
            for pair in share:
                a, b = tuple(pair)
                if a in local and b in local:
                    linked[local[a], local[b]] = linked[local[b], local[a]] = True
            boundary = c.icb_premium * differ("icb") + c.region_premium * differ("region") \
                + c.no_share_premium * ~linked
            terms = {"travel": self.travel_per_km * distance, "boundary": boundary * self.per_pound}
        for matrix in terms.values():
            np.fill_diagonal(matrix, 0.0)
        return terms

    @property
    def travel_per_km(self) -> float:
        """Cost per km of a member's distance to its medoid over the term (return trips)."""
        c = self.scenario.costs
        return 2 * c.trips_per_year * c.term_years * c.travel_per_km * self.per_pound

    def link(self, i: str, k: str) -> float:
        index = self.graph.graph["index"]
        return self._links[index[i]][index[k]]

    @cached_property
    def _links(self) -> list[list[float]]:
        """:meth:`link_terms` summed, for every pair of the graph's trusts (rows in ``index`` order)."""
        return _summed(self._link_terms).tolist()

    def link_matrix(self, codes) -> np.ndarray:
        """:meth:`link` of every pair of ``codes`` (row ``i``, column ``k``, in their order)."""
        return _summed(self.link_term_matrices(codes))

    def links_matter(self) -> bool:
        """Whether any member can cost anything to its medoid (else the medoid need not be chosen)."""
        c = self.scenario.costs
        if c is None:
            return self.scenario.objective.distance != 0
        return any(v > 0 for v in (c.travel_per_km, c.trips_per_year)) and c.term_years > 0 \
            or any(v > 0 for v in (c.icb_premium, c.region_premium, c.no_share_premium))

    def medoid(self, members) -> str:
        """The member with the least total link cost (ties: least total km, then code)."""
        members = sorted(members)
        if not self.in_pounds:
            return min(members, key=lambda k: (sum(km(self.graph, i, k) for i in members), k))
        return min(members, key=lambda k: (sum(self.link(i, k) for i in members),
                                           sum(km(self.graph, i, k) for i in members), k))

    # -- soft cover and re-planning -------------------------------------------------------

    @property
    def shortfall_rate(self) -> float:
        """Cost per report short in a week (the cover rule's shortfall, summed over seven days)."""
        c = self.scenario.costs
        if c is None:
            return self.scenario.objective.shortfall
        return c.outsourcing_per_report * WEEKS_PER_YEAR * c.term_years * self.per_pound

    @property
    def gap_rate(self) -> float:
        """Cost per required weekend subspecialty missing on a weekend day (of every week)."""
        c = self.scenario.costs
        if c is None:
            return self.scenario.objective.subspecialty_gap
        return c.subspecialty_gap_per_day * WEEKS_PER_YEAR * c.term_years * self.per_pound

    @property
    def moved_rate(self) -> float:
        c = self.scenario.costs
        return self.scenario.objective.moved if c is None else c.moved * self.per_pound

    def cover_terms(self, shortfall_reports: float, missing: float) -> dict[str, float]:
        """Soft cover: the weekly shortfall in reports and the missing weekend subspecialty-days."""
        if self.scenario.cover.mode != "soft":
            return {"shortfall": 0.0, "subspecialty_gap": 0.0}
        return {"shortfall": self.shortfall_rate * shortfall_reports, "subspecialty_gap": self.gap_rate * missing}

    # -- a whole consortium ---------------------------------------------------------------

    def consortium_terms(self, members, late: dict[str, int], shortfall_reports: float,
                         missing: float) -> tuple[str, dict[str, float]]:
        """The medoid and each term of one consortium: ``late`` holds each member's months late."""
        members = sorted(members)
        terms = dict.fromkeys(self.terms, 0.0)
        medoid = self.medoid(members)
        parts = [self.size_terms(len(members)), self.cover_terms(shortfall_reports, missing)]
        parts += [self.timing_terms(late[i]) for i in members]
        if len(members) > 1:
            parts += [self.link_terms(i, medoid) for i in members]
        for part in parts:
            for name, value in part.items():
                terms[name] += value
        return medoid, terms

    def column_cost(self, facts, members, t: int) -> float:
        """The objective contribution of ``members`` going live at period ``t`` (``facts``: each
        trust's :class:`~consortia.model.TrustFacts`), as column generation prices it."""
        if not self.in_pounds:
            return self._weighted_column_cost(facts, members, t)
        value = self.size(len(members)) + sum(self.timing(facts[i].late[t]) for i in members)
        if len(members) > 1 and self.links_matter():
            index, links = self.graph.graph["index"], self._links
            rows = [links[index[i]] for i in members]
            value += min(sum(row[k] for row in rows) for k in (index[k] for k in members))
        if self.scenario.cover.mode == "soft":
            short = sum(max(0.0, -sum(facts[i].net[d] for i in members)) for d in range(7))
            value += self.shortfall_rate * short + self.gap_rate * self.missing_share(facts, members)
        return value

    def _weighted_column_cost(self, facts, members, t: int) -> float:
        """The weighted objective's column cost, summed in its historic order (same floats)."""
        w = self.scenario.objective
        cover = self.scenario.cover
        value = w.timing * sum(facts[i].misalignment[t] for i in members)
        if len(members) > 1 and w.distance:
            value += w.distance * min(sum(km(self.graph, i, k) for i in members) for k in members)
        if len(members) == 1:
            value += w.standalone
        if cover.mode == "soft":
            for d in range(7):
                value += w.shortfall * max(0.0, -sum(facts[i].net[d] for i in members))
            value += w.subspecialty_gap * self.missing_share(facts, members)
        return value

    def missing_share(self, facts, members) -> float:
        """Required weekend subspecialty-days missing, pro rata the weekends without a holder (see
        :func:`consortia.plan.missing_share`)."""
        window = duty_window(self.scenario)
        return sum(max(0, window - sum(facts[i].holders[k] for i in members)) / window
                   for k in range(len(required_pairs(self.scenario))))

    def worst_member(self, fact, neighbours, largest: int) -> float:
        """An upper bound on what one trust (``fact``: its TrustFacts) can add to the objective in
        pounds: the largest size cost, its worst timing, its dearest link and all its cover."""
        late = max((self.timing(v) for v in fact.late.values()), default=0.0)
        link = max((self.link(fact.code, k) for k in neighbours), default=0.0)
        cover = self.shortfall_rate * sum(abs(x) for x in fact.net) + self.gap_rate * 4 * len(
            self.scenario.cover.weekend_subspecialties)
        return max(self.size(n) for n in range(1, max(1, largest) + 1)) + late + link + cover

    def alone_at_contract_end(self, facts) -> float:
        """Counterfactual: every trust buys alone, going live in the period nearest its contract
        end (earlier on a tie), ignoring market capacity and cover rules; soft cover is costed."""
        total = 0.0
        for f in facts.values():
            if not f.window:
                continue
            t = min(f.window, key=lambda p: (f.misalignment[p], f.late[p]))
            total += self.column_cost(facts, (f.code,), t)
        return total


def _summed(terms: dict[str, np.ndarray]) -> np.ndarray:
    """The sum of per-term matrices, term by term in their order (the same floats as summing each
    pair's terms)."""
    return reduce(add, terms.values())


def cost_model(scenario: Scenario, graph: nx.Graph, *, for_solver: bool = False) -> CostModel:
    """The cost model of ``scenario`` over its collaboration graph; ``for_solver``: in the unit the
    solvers work in (thousands of pounds when the objective is in pounds)."""
    return CostModel(scenario, graph, SOLVER_POUNDS if for_solver and scenario.costs is not None else 1.0)


def amount(scenario: Scenario, value: float, *, signed: bool = False) -> str:
    """A value of the objective as text: whole pounds (``£1,234,567``) in pounds, else 3 decimals."""
    return value_text(value, scenario.costs is not None, signed=signed)


def value_text(value: float, in_pounds: bool, *, signed: bool = False) -> str:
    """:func:`amount` when only whether the objective is in pounds is known (e.g. from plan.yaml's
    ``objective_unit``)."""
    if not in_pounds:
        return f"{value:+.3f}" if signed else f"{value:.3f}"
    return pounds(value, signed=signed)


def _sign(value: float, signed: bool) -> str:
    return ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")


def pounds(value: float, *, signed: bool = False) -> str:
    """Whole pounds: ``£1,234,567`` (``+£1,234,567`` when ``signed``)."""
    return f"{_sign(value, signed)}£{abs(value):,.0f}"


def short_pounds(value: float, *, signed: bool = False) -> str:
    """Pounds as a meeting reads them: ``£498.9m``, ``£1.25bn``, ``£650k``, ``£900``."""
    v = abs(value)
    if v >= 1e9:
        text = f"{v / 1e9:,.2f}bn"
    elif v >= 1e6 - 5e4:
        text = f"{v / 1e6:,.1f}m"
    elif v >= 1e3 - 0.5:
        text = f"{v / 1e3:,.0f}k"
    else:
        text = f"{v:,.0f}"
    return f"{_sign(value, signed)}£{text}"
