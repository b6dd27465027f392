"""Column generation: large scenarios solved as a set-partitioning program over consortia.

Every feasible consortium with a go-live period is a *column* with its own cost (misalignment,
km to its medoid, standalone and, in soft mode, cover penalties); the plan picks columns so that
each trust is in exactly one and no period sends more than ``market.capacity`` procurements to
market. The linear relaxation of that program is much tighter than the compact model's, and its
size does not grow with the square of the neighbourhood.

The columns are generated, not enumerated. Each round solves the restricted master LP, reads its
prices (``pi`` per trust, ``mu`` per market period, ``sigma`` per subset-row cut) and asks each
*medoid* ``m`` for the consortium of least reduced cost whose members are all linked to ``m``
(:mod:`consortia.pricing`). When no column prices out, subset-row cuts the LP breaks are added
(of any three trusts, at most one chosen consortium holds two or more). Every trust is the
medoid of at most one consortium of a plan, so after each round of exact pricing

    bound = sum(pi) + capacity x sum(mu) + sum(sigma) + sum over m of min(0, least reduced cost at m)

is a valid lower bound on every plan (a Lagrangian bound; ``mu`` and ``sigma`` are <= 0). The
plan is the best integer selection from the generated columns, improved by a dive; its
objective against that bound is the honest gap. The integer master's own bound is *not* used:
it only covers the generated columns.

Used for scenarios with clique membership and no fixed consortia or pins (and, by enumeration
only, a baseline); see :func:`unsupported`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..errors import ConsortiaError
from ..model import TrustFacts
from ..scenario import Scenario
from ..solver import Interrupt, Progress, silence_highs_banner, uses_highs
from ..status import PROVEN_GAP, Status, is_proven, relative_gap
from .decisions import Decisions
from .pricing import EPS, ColumnRules, Pricer, Prices, in_cut, run_highs

if TYPE_CHECKING:
    from .branching import NodeLP
    from .enumerate import Enumerator, Proof

__all__ = ["INTEGER_SHARE", "PRICING_SECONDS", "DIVE_UNTIL", "CUT_VIOLATION", "CUTS_PER_ROUND", "Column",
           "ColumnOutcome", "AUTO_FROM", "choose_method", "unsupported", "solve_by_columns"]

INTEGER_SHARE = 0.25
"""Share of the time limit kept for choosing the best integer selection of the columns."""
PRICING_SECONDS = 10.0
"""Longest a single pricing MIP may run."""
DIVE_UNTIL = 0.9
"""Share of the time limit after which the dive (see :func:`_dive`) stops."""
CUT_VIOLATION = 0.05
"""How far the LP must break a subset-row cut before the cut is added."""
CUTS_PER_ROUND = 100
"""Most subset-row cuts added after one converged round."""
PRICING_KEEP = 2
"""Columns kept per period and lowest-listed trust by one round of pricing by enumeration."""
PRICING_NODES = 2_000_000
"""Search nodes per period and lowest-listed trust in one round of pricing by enumeration
(beyond them that round gives no bound, but still adds the columns found)."""
CONFIRM_CAP = 100_000
"""Most candidate columns of the exact pricing round that follows a round finding nothing."""
CONFIRM_MOST = 2_000
"""Most columns that round adds (the most negative reduced costs)."""
QUICK_NODES = 200
"""The same, to begin with: rounds search this many nodes (``LARGE_NODES`` in a large scenario)
until one finds nothing (fewer than ``DEEPER_BELOW`` columns per trust in a large scenario)
without being complete; each such round multiplies the nodes by 10, up to ``PRICING_NODES``."""
LARGE_NODES = 2_000
DEEPER_BELOW = 0.25
"""See ``QUICK_NODES``. Deeper rounds find the columns of least reduced cost, and a complete one
gives a bound: on synthetic 2,000 trusts, 200 nodes left the LP at 783 after 423 s, 2,000 at 513
after 171 s; rounds of 2,000 nodes then kept finding a few hundred columns each (1.2 s) while the
LP (5 s a solve) crept down, and no bound came before 400 s; a complete round of 200,000 nodes
took 3.5 s. On small cases both made the brute-force tests 44% slower."""
QUICK_SECONDS = 4.0
"""Longest the first plan of method ``enumerate`` (see :func:`consortia.columns.enumerate.quick_plan`) may take."""
QUICK_SHARE = 0.3
"""Most of the generation's time the first plan may take."""
QUICK_AT = 0.4
"""Share of the generation's time after which the first plan is sought even before the LP is optimal."""
PROOF_LEAST = 0.1
"""Least share of the time limit worth starting the enumeration stages with, once a plan is known."""
GENERATION_SHARE = 0.7
"""Share of the time limit column generation may use before the enumeration stages (method
``enumerate``)."""
LARGE_FROM = 1_000
"""Scenarios of this many planned trusts or more are *large*: their master starts with a small
cost of leaving a trust out (``BOX_START``) and solves its LP by interior point
(``INTERIOR_FROM``), and their pricing searches deeper (``LARGE_NODES``, ``DEEPER_BELOW``).
Smaller scenarios do without: there the interior point changed England's path without a gain
(8.0 s against 4.3 s; synthetic 500 seeds 1 / 2: 26.8 / 48.7 s with it, 25.8 / 54.7 s without),
the small cost of leaving out made England's LP converge later, and the deeper pricing made the
brute-force tests 44% slower."""
BOX_MOST = 1_000.0
"""The cost of leaving a trust out is raised at most to this many times the ``ceiling`` of a
plan's cost: the LP then leaves a trust out only when no plan exists (its bound is then above
the ceiling) or by less than one part in a thousand."""
BOX_START = 10_000.0
"""In a large scenario, the cost of leaving a trust out of the master (which caps every trust's
price) starts at ``big`` (more than any plan can gain by leaving a trust out) divided by this,
and is raised tenfold whenever the LP converges with a trust left out. From ``big``, prices far
above a plan's scale made pricing pick the largest sets: synthetic 2,000 trusts took 8 rounds
(420 s) to bring the LP from 103 million down to 2,700."""
INTERIOR_FROM = 0.05
"""In a large scenario the master LP is solved by HiGHS's interior-point method (IPX, then
crossover to a basis) when at least this many columns per trust were added since its last
solve; otherwise (and always in smaller scenarios) by the simplex from the last basis. On
synthetic 2,000 trusts a warm simplex start after 22,000 new columns took 64,000 iterations
(55 s), IPX 4 s; and IPX's prices (the crossover ends near the centre of the optimal face)
priced out several hundred columns a round where the simplex's found a handful."""


@dataclass(frozen=True)
class Column:
    """One consortium at one go-live period, with its cost in the objective."""

    members: tuple[str, ...]
    period: int
    cost: float


@dataclass(frozen=True)
class ColumnOutcome:
    """What column generation found and proved."""

    status: str
    groups: list[tuple[tuple[str, ...], int]]
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    rounds: int
    columns: int
    lp_seconds: float = 0.0
    pricing_seconds: float = 0.0
    integer_seconds: float = 0.0
    message: str = ""
    cuts: int = 0
    pools: tuple[int, ...] = ()
    refused: int = 0
    """Member sets the exact weekend-rota test refused (their columns never chosen)."""
    nodes: int = 0
    """Nodes of the branching tree solved (0: the enumeration stages settled it, or no branching)."""


AUTO_FROM = 50
"""``solver.method: auto`` enumerates from this many planned trusts up; below, the compact model
proves the optimum in about a second (and needs no compiled search)."""


def choose_method(scenario: Scenario, trusts: int) -> str:
    """'compact', 'columns' or 'enumerate' for a scenario with ``trusts`` planned trusts (see
    ``solver.method``).

    Raises :class:`ConsortiaError` when a column method is asked for a scenario it cannot solve.
    """
    method = scenario.solver.method
    reason = unsupported(scenario, "columns" if method == "columns" else "enumerate")
    if not uses_highs(scenario.solver):
        reason = reason or f"solver.name is {scenario.solver.name!r} (column generation runs on HiGHS)"
    if method in ("columns", "enumerate") and reason:
        raise ConsortiaError(f"column generation cannot solve this scenario: {reason}; use solver.method "
                             "'compact' or 'auto'", key="solver.method")
    if method == "auto":
        if trusts < AUTO_FROM:
            return "compact"
        if reason is None:
            return "enumerate"
        return "columns" if uses_highs(scenario.solver) and unsupported(scenario, "columns") is None else "compact"
    return method


def unsupported(scenario: Scenario, method: str = "enumerate") -> str | None:
    """Why column generation by ``method`` ('enumerate' or 'columns') cannot solve a scenario
    (None when it can). Only 'enumerate' takes fixed consortia, pins and a baseline."""
    d = scenario.directives
    if method == "enumerate":
        return None
    if scenario.network.membership != "clique":
        return "network.membership is 'connected'"
    if d.fixed:
        return "directives.fixed is set"
    if d.pin:
        return "directives.pin is set"
    if scenario.baseline is not None:
        return "a baseline plan is given"
    return None


class _Master:
    """The restricted master: columns so far, as an LP (or, at the end, an integer program)."""

    def __init__(self, problem: ColumnRules, big: float):
        import highspy

        self.problem = problem
        self.trusts = list(problem.facts)
        self.row = {c: k for k, c in enumerate(self.trusts)}
        cap = problem.scenario.market.capacity
        self.market_row = {}
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("threads", problem.scenario.solver.threads or 0)
        n = len(self.trusts)
        h.addRows(n, np.ones(n), np.ones(n), 0, np.zeros(n, dtype=np.int32), np.array([], dtype=np.int32),
                  np.array([]))
        if cap is not None:
            for p in sorted(set(problem.market.values())):
                self.market_row[p] = h.getNumRow()
                h.addRow(-highspy.kHighsInf, float(cap), 0, np.array([], dtype=np.int32), np.array([]))
        self.big = big
        self.ceiling = n * (big + (problem.costs.moved_rate if problem.baseline else 0.0))
        """More than any plan costs (each trust adds less than ``big`` and a move): a bound above it
        proves that no plan exists."""
        self.large = n >= LARGE_FROM
        """Whether the scenario is large (see ``LARGE_FROM``)."""
        self.box = big / BOX_START if self.large else big
        """The cost of leaving a trust out (an artificial column), which caps its price; raised
        tenfold each time the LP converges with a trust left out, up to ``BOX_MOST`` x ``ceiling``:
        ``big`` is more than a plan gains by leaving one trust out of one consortium, but a chain
        of go-lives displaced under market capacity can raise a trust's price far above it."""
        for k in range(n):
            h.addCol(self.box, 0.0, highspy.kHighsInf, 1, np.array([k], dtype=np.int32), np.array([1.0]))
        self.highs = h
        self.artificial = n
        self.columns: list[Column] = []
        self.seen: set[tuple[tuple[str, ...], int]] = set()
        self.of_trust: dict[str, list[int]] = {}
        self.tested: set[int] = set()
        """Columns whose members the exact weekend-rota test has decided."""
        self.refused: set[int] = set()
        """Columns held at zero: their members have no weekend rota."""
        self.decisions = Decisions()
        """The branching decisions every column must keep (see :meth:`restrict`)."""
        self.blocked: set[int] = set()
        """Columns held at zero: they break the decisions."""
        self.cut_row: dict[frozenset[str], int] = {}
        self.added = 0
        """Columns added since the LP was last solved."""
        self.interrupt: Interrupt | None = None
        self.interrupted_before = False
        cb = highspy.cb.HighsCallbackType

        def stop_on_ctrl_c(kind, message, data_out, data_in, user_data):
            # a Ctrl-C during the integer selection stops it with its best plan; one pressed
            # earlier (which stopped the generation) does not
            requested = self.interrupt is not None and self.interrupt.requested
            if requested and not self.interrupted_before and data_in is not None:
                data_in.user_interrupt = True

        h.setCallback(stop_on_ctrl_c, None)
        h.startCallback(cb.kCallbackMipInterrupt)

    def add(self, members: tuple[str, ...], t: int, allowed: bool = False) -> bool:
        """Add a column unless it is already there or breaks a rule (when ``allowed``, the
        enumeration has tested the rules); True when added. The weekend rota is tested here only
        by its counting rules and the sets already refused: the exact test waits until the LP
        uses the column (:meth:`solve_lp`) or a plan chooses it (:meth:`solve_integer`)."""
        if (members, t) in self.seen or self.problem.refused(members) or not self.decisions.admits(members, t) \
                or not (allowed or self.problem.allows(members, t, exact=False)):
            return False
        self.seen.add((members, t))
        column = Column(members, t, self.problem.cost(members, t))
        rows = sorted(self.row[i] for i in members)
        if t in self.problem.market and self.problem.market[t] in self.market_row:
            rows.append(self.market_row[self.problem.market[t]])
        inside = set(members)
        rows += [row for cut, row in self.cut_row.items() if in_cut(cut, inside)]
        self.highs.addCol(column.cost, 0.0, np.inf, len(rows), np.array(rows, dtype=np.int32), np.ones(len(rows)))
        for i in members:
            self.of_trust.setdefault(i, []).append(len(self.columns))
        self.columns.append(column)
        self.added += 1
        return True

    def solve_lp(self) -> tuple[float, Prices]:
        """The LP optimum and its prices, over the columns not refused.

        Every column the LP uses is tested exactly for a weekend rota (once: the answers are
        remembered); those without one are refused (held at zero) and the LP solved again until
        the columns it uses all have a rota. That LP is then also optimal over the columns with
        a rota (the untested ones it does not use change nothing), and the Lagrangian bound of
        :func:`_generate` holds at any prices."""
        h = self.highs
        n = len(self.trusts)
        while True:
            interior = self.large and self.added >= INTERIOR_FROM * n
            h.setOptionValue("solver", "ipx" if interior else "simplex")
            self.added = 0
            if run_highs(h) != "optimal" and interior:
                h.setOptionValue("solver", "simplex")  # IPX or its crossover gave up: the simplex will not
                run_highs(h)
            h.setOptionValue("solver", "choose")
            if self.problem.rosterable is None:
                break
            values = self.values()
            failing = [k for k in np.flatnonzero(values > EPS) if int(k) not in self.tested
                       and not self._test(int(k))]
            if not failing:
                break
        duals = h.getSolution().row_dual
        return h.getInfo().objective_function_value, Prices(
            {c: duals[k] for c, k in self.row.items()},
            {p: min(0.0, duals[k]) for p, k in self.market_row.items()},
            {cut: min(0.0, duals[k]) for cut, k in self.cut_row.items()})

    def separate(self, most: int) -> int:
        """Add up to ``most`` subset-row cuts the LP solution breaks; how many were added.

        For three trusts, at most one chosen consortium can hold two or more of them; the LP
        often breaks this with three consortia at one half, each holding a different pair.
        """
        values = self.values()
        positive = [(set(self.columns[k].members), float(values[k])) for k in np.flatnonzero(values > EPS)]
        columns_of: dict[str, list[int]] = {}
        linked: dict[str, set[str]] = {}
        for k, (members, value) in enumerate(positive):
            for i in members:
                columns_of.setdefault(i, []).append(k)
            if value < 1 - EPS:
                for i in members:
                    linked.setdefault(i, set()).update(members - {i})
        order = self.problem.order
        broken = []
        for a in sorted(linked, key=order.get):
            for b in sorted((x for x in linked[a] if order[x] > order[a]), key=order.get):
                for c in sorted((x for x in linked[a] & linked[b] if order[x] > order[b]), key=order.get):
                    cut = frozenset((a, b, c))
                    if cut in self.cut_row:
                        continue
                    ks = set(columns_of[a]) | set(columns_of[b]) | set(columns_of[c])
                    lhs = sum(positive[k][1] for k in ks if in_cut(cut, positive[k][0]))
                    if lhs > 1 + CUT_VIOLATION:
                        broken.append((-lhs, len(broken), cut))
        broken.sort(key=lambda b: b[:2])
        for _, _, cut in broken[:most]:
            count: dict[int, int] = {}
            for i in cut:
                for k in self.of_trust.get(i, ()):
                    count[k] = count.get(k, 0) + 1
            rows = [self.artificial + k for k in sorted(count) if count[k] >= 2]
            self.cut_row[cut] = self.highs.getNumRow()
            self.highs.addRow(-np.inf, 1.0, len(rows), np.array(rows, dtype=np.int32), np.ones(len(rows)))
        return min(most, len(broken))

    def _test(self, k: int) -> bool:
        """The exact weekend-rota test of column ``k``; every column of a member set without a
        rota is held at zero from then on."""
        self.tested.add(k)
        members = self.columns[k].members
        if k not in self.refused and self.problem.rostered(members):
            return True
        for j in self.of_trust[members[0]]:
            if self.columns[j].members == members and j not in self.refused:
                self.refused.add(j)
                self.highs.changeColBounds(self.artificial + j, 0.0, 0.0)
        return False

    def restrict(self, decisions: Decisions) -> None:
        """Hold at zero every column that breaks the branching ``decisions`` and free those that
        only broke the previous ones (refused columns stay at zero)."""
        named = decisions.trusts()
        touched = sorted({k for i in named for k in self.of_trust.get(i, ())})
        blocked = {k for k in touched if not decisions.admits(self.columns[k].members, self.columns[k].period)}
        freed = np.array(sorted(self.blocked - blocked - self.refused), dtype=np.int32)
        held = np.array(sorted(blocked - self.blocked), dtype=np.int32)
        if len(freed):
            self.highs.changeColsBounds(len(freed), self.artificial + freed, np.zeros(len(freed)),
                                        np.full(len(freed), np.inf))
        if len(held):
            self.highs.changeColsBounds(len(held), self.artificial + held, np.zeros(len(held)), np.zeros(len(held)))
        self.decisions, self.blocked = decisions, blocked

    def raise_box(self, to_big: bool = False) -> bool:
        """Raise the cost of leaving a trust out tenfold (or to at least ``big``); False when it
        is already ``BOX_MOST`` x ``ceiling`` (or ``big``)."""
        top = self.big if to_big else BOX_MOST * self.ceiling
        if self.box >= top:
            return False
        self.box = top if to_big else min(top, 10 * self.box)
        n = self.artificial
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.full(n, self.box))
        return True

    def uses_artificial(self) -> bool:
        values = self.highs.getSolution().col_value
        return any(values[k] > EPS for k in range(self.artificial))

    def values(self) -> np.ndarray:
        """The LP value of every generated column, in order."""
        return np.asarray(self.highs.getSolution().col_value[self.artificial:])

    def fix(self, k: int, lower: float) -> None:
        """Require column ``k`` (lower 1) or release it (lower 0); a refused or blocked column stays
        at zero."""
        if k not in self.refused and k not in self.blocked:
            self.highs.changeColBounds(self.artificial + k, lower, np.inf)

    def solve_integer(self, seconds: float, start: list[int] | None = None,
                      gap: float | None = None) -> tuple[list[Column], float | None]:
        """The best integer selection of the generated columns within ``seconds`` (within
        ``gap``, default ``solver.gap``, of the best), from the columns ``start`` if given.
        The master is an LP again afterwards."""
        import highspy

        h = self.highs
        n = self.artificial
        total = h.getNumCol()
        every = np.arange(total, dtype=np.int32)
        h.changeColsBounds(n, every[:n], np.zeros(n), np.zeros(n))
        h.changeColsIntegrality(total, every, np.array([highspy.HighsVarType.kInteger] * total))
        h.setOptionValue("time_limit", max(1.0, seconds))
        h.setOptionValue("mip_rel_gap", self.problem.scenario.solver.gap if gap is None else gap)
        if start and not self.refused & set(start):
            h.setSolution(len(start), np.array([n + k for k in start], dtype=np.int32), np.ones(len(start)))
        h.setOptionValue("output_flag", self.problem.scenario.solver.log)
        self.interrupted_before = self.interrupt is not None and self.interrupt.requested
        deadline = time.perf_counter() + max(1.0, seconds)
        while True:
            run_highs(h)
            has_plan = h.getInfo().primal_solution_status != 0
            values = h.getSolution().col_value if has_plan else []
            picked = [k for k in range(len(self.columns)) if values[n + k] > 0.5] if has_plan else []
            # the columns were added by the counting rules of the weekend rota: test the chosen
            # ones exactly, refuse those without a rota and choose again
            failing = [k for k in picked if not self._test(k)] if self.problem.rosterable is not None else []
            if not failing:
                break
            has_plan = False
            if time.perf_counter() >= deadline:
                break
            h.setOptionValue("time_limit", max(0.5, deadline - time.perf_counter()))
        h.setOptionValue("output_flag", False)
        chosen = [self.columns[k] for k in picked] if has_plan else []
        h.changeColsIntegrality(total, every, np.array([highspy.HighsVarType.kContinuous] * total))
        h.changeColsBounds(n, every[:n], np.zeros(n), np.full(n, np.inf))
        h.setOptionValue("time_limit", np.inf)
        if not has_plan:
            return [], None
        return chosen, sum(c.cost for c in chosen)


@dataclass
class _State:
    """What the generation loop has done so far."""

    started: float
    stop: float
    bound: float | None = None
    rounds: int = 0
    lp_seconds: float = 0.0
    pricing_seconds: float = 0.0
    message: str = "time limit reached while generating columns"
    infeasible: bool = False
    prices: Prices | None = None
    converged: bool = False
    incumbent: list = field(default_factory=list)
    quick_early: bool = False
    quick_converged: bool = False
    incumbent_value: float | None = None
    nodes: int = 0
    """Nodes of the branching tree solved (see :mod:`consortia.columns.branching`)."""
    priced: float | None = None
    """The Lagrangian bound at ``prices`` (None when that round's pricing was incomplete)."""
    undecided: bool = False
    """Whether the LP still left a trust out at the highest cost of leaving out, its bound
    below ``ceiling``: neither a plan nor a proof that none exists."""

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def offer(self, chosen: list, value: float | None, progress: Callable[[Progress], None] | None) -> None:
        """Keep the plan ``chosen`` (columns or (members, period) pairs) of cost ``value`` as the
        incumbent when it is the best so far, and report it."""
        if value is None:
            return
        if self.incumbent_value is None or value < self.incumbent_value:
            self.incumbent = [(c.members, c.period) if isinstance(c, Column) else c for c in chosen]
            self.incumbent_value = value
        if progress is not None:
            progress(Progress(value, self.bound, relative_gap(value, self.bound), self.elapsed()))


def solve_by_columns(scenario: Scenario, graph: nx.Graph, facts: dict[str, TrustFacts],
                     progress: Callable[[Progress], None] | None = None, method: str = "enumerate",
                     baseline: dict[str, str] | None = None,
                     rosterable: Callable[[tuple[str, ...]], bool | None] | None = None) -> ColumnOutcome:
    """Solve a plain scenario by column generation within ``scenario.solver.time_limit``.

    ``method`` 'enumerate': price by enumeration, then prove the optimum by the enumeration
    stages of :func:`consortia.columns.enumerate.prove`; 'columns': price by MIPs, then pick the best
    plan from the generated columns (price and dive). The first Ctrl-C stops the generation
    and keeps the best plan and a valid bound.
    """
    import highspy

    limit = scenario.solver.time_limit
    share = GENERATION_SHARE if method == "enumerate" else 1 - INTEGER_SHARE
    run = _State(time.perf_counter(), share * limit)
    order = {c: k for k, c in enumerate(graph.nodes)}
    problem = ColumnRules(scenario, graph, facts, order, baseline=baseline, rosterable=rosterable)
    big = 2.0 * (1 + scenario.consortium.max_size * max((_worst(problem, c) for c in facts), default=1.0))
    if not scenario.solver.log:
        silence_highs_banner()
    highspy.Highs.resetGlobalScheduler(True)
    master = _Master(problem, big)
    for code, f in facts.items():
        if f.window:
            master.add((code,), min(f.window, key=lambda p: (f.misalignment[p], p)))
    enumerator = None
    if method == "enumerate":
        from .enumerate import Enumerator  # imports numba: only when enumerating

        enumerator = Enumerator(problem, scenario.solver.threads)
    pricers = [Pricer(problem, m) for m in facts] if enumerator is None else []
    proof = None
    with Interrupt() as interrupt:
        master.interrupt = interrupt
        _generate(problem, master, pricers, run, progress, interrupt, enumerator)
        if enumerator is not None:
            _generate_on(problem, master, run, progress, interrupt, enumerator)
        left = limit - run.elapsed()
        # the stages need the prices of an optimal LP (before or after cuts): earlier prices
        # make the pools explode, and the generated columns are the better hope of a plan
        if enumerator is not None and run.prices is not None and not run.infeasible and not interrupt.requested \
                and run.quick_converged and (left > PROOF_LEAST * limit or not run.incumbent):
            from .enumerate import QUICK_GAP, prove

            t0 = time.perf_counter()
            if not run.incumbent:
                # no quick plan (its columns lacked a rota, or a large scenario's did not fit in its
                # seconds): the generated columns' best plan, so that stage A searches only within
                # that plan's gap (without one, synthetic 2,000's stage A went over 100,000 columns)
                seconds = QUICK_SHARE * left if master.large else min(QUICK_SECONDS, QUICK_SHARE * left)
                run.offer(*master.solve_integer(seconds, gap=QUICK_GAP), None)
            proof = prove(enumerator, run.prices, run.incumbent, [(c.members, c.period) for c in master.columns],
                          run.started + limit, interrupt)
            run.pricing_seconds += time.perf_counter() - t0
            run.message = proof.message
            if not proof.proven and run.converged and not interrupt.requested and run.elapsed() < limit:
                proof = _branch(problem, master, enumerator, run, proof, interrupt, progress)
                run.message = proof.message
        if proof is not None and proof.objective is not None:
            chosen = [Column(m, t, problem.cost(m, t)) for m, t in proof.chosen]
            objective, integer_seconds = proof.objective, 0.0
            if proof.bound is not None:
                run.bound = proof.bound if proof.proven else max(run.bound or proof.bound, proof.bound)
        elif run.incumbent:
            chosen = [Column(m, t, problem.cost(m, t)) for m, t in run.incumbent]
            objective, integer_seconds = sum(c.cost for c in chosen), 0.0
        elif enumerator is not None:
            # no plan from the enumeration stages: the best selection of the generated columns
            t0 = time.perf_counter()
            chosen, objective = master.solve_integer(limit - run.elapsed()) if not run.infeasible else ([], None)
            integer_seconds = time.perf_counter() - t0
        else:
            chosen, objective, integer_seconds = _select(problem, master, pricers, run, interrupt)
    if interrupt.requested:
        run.message = "interrupted by the user"

    def outcome(status, chosen=(), objective=None, bound=None, gap=None, integer_seconds=0.0, message=""):
        return ColumnOutcome(status, [(c.members, c.period) for c in chosen], objective, bound, gap, run.elapsed(),
                             run.rounds, len(master.columns), run.lp_seconds, run.pricing_seconds, integer_seconds,
                             message or run.message, len(master.cut_row),
                             proof.pools if proof is not None else (), len(problem.refused_order), run.nodes)

    if run.infeasible:
        return outcome(Status.INFEASIBLE, message="no selection of consortia covers every trust")
    if objective is None:
        return outcome(Status.NO_SOLUTION, bound=run.bound, integer_seconds=integer_seconds)
    bound = run.bound
    if bound is not None and bound > objective:
        if bound - objective > PROVEN_GAP * max(1.0, abs(objective)):
            raise RuntimeError(f"column generation's bound {bound} is above its plan's objective {objective}")
        bound = objective  # rounding only
    gap = relative_gap(objective, bound)
    status = Status.OPTIMAL if is_proven(gap) else Status.FEASIBLE
    if progress is not None:
        progress(Progress(objective, bound, gap, run.elapsed()))
    return outcome(status, chosen, objective, bound, gap, integer_seconds)


def _generate_on(problem: ColumnRules, master: _Master, run: _State, progress: Callable[[Progress], None] | None,
                 interrupt: Interrupt, enumerator: Enumerator) -> None:
    """When generation used its share of the limit without converging (a large scenario on a busy
    machine): the best plan of the columns so far, unless one is known, then generation again
    until ``PROOF_LEAST`` of the limit is left, so that the proof stages may still run. Without
    this the rest of the limit went unused: synthetic 2,000 trusts at a load of 4 ended at 470 s
    of 600, 0.5% from its bound."""
    limit = problem.scenario.solver.time_limit
    left = limit - run.elapsed()
    if run.converged or run.infeasible or run.undecided or interrupt.requested or left <= 2 * PROOF_LEAST * limit:
        return
    if not run.incumbent:
        run.offer(*master.solve_integer(left / 2), progress)
    run.stop = (1 - PROOF_LEAST) * limit
    _generate(problem, master, [], run, progress, interrupt, enumerator)


def _branch(problem: ColumnRules, master: _Master, enumerator: Enumerator, run: _State, proof: Proof,
            interrupt: Interrupt, progress: Callable[[Progress], None] | None) -> Proof:
    """Branch and price (:func:`consortia.columns.branching.branch`) from the converged root for
    the time left, when the enumeration stages could not prove their plan; the proof of the two.

    Without a plan yet, the best plan of the generated columns (within ``QUICK_GAP``, in at most
    half the time left) comes first: the tree closes nodes by enumeration only below a plan, and
    a tree stopped by the limit must not leave the run without one."""
    from .branching import NodeLP, branch
    from .enumerate import QUICK_GAP

    bounds = [b for b in (run.bound, proof.bound) if b is not None]
    if not bounds:
        return proof
    run.bound = max(bounds)
    if not proof.chosen:
        run.offer(*master.solve_integer((problem.scenario.solver.time_limit - run.elapsed()) / 2, gap=QUICK_GAP),
                  progress)
        proof = dataclasses.replace(proof, chosen=run.incumbent, objective=run.incumbent_value)

    def solve_node(decisions: Decisions, deadline: float) -> NodeLP:
        master.restrict(decisions)
        # no quick plan at a node: the tree has its plan
        node = _State(run.started, deadline - run.started, quick_early=True, quick_converged=True)
        _generate(problem, master, [], node, None, interrupt, enumerator)
        run.rounds += node.rounds
        run.lp_seconds += node.lp_seconds
        run.pricing_seconds += node.pricing_seconds
        values = master.values()
        solution = [(c.members, c.period, float(values[k])) for k, c in enumerate(master.columns) if values[k] > EPS]
        return NodeLP(node.bound, node.prices, node.priced, solution, node.converged, node.infeasible, node.undecided)

    t0, counted = time.perf_counter(), run.lp_seconds + run.pricing_seconds
    try:
        tree = branch(enumerator, solve_node, proof.chosen, run.bound,
                      run.started + problem.scenario.solver.time_limit, interrupt, progress, run.started)
    finally:
        master.restrict(Decisions())
    # the nodes' enumeration and integer programs (their rounds are counted already)
    run.pricing_seconds += time.perf_counter() - t0 - (run.lp_seconds + run.pricing_seconds - counted)
    run.nodes = tree.nodes
    run.infeasible = tree.infeasible
    return dataclasses.replace(proof, proven=tree.proven, chosen=tree.chosen, objective=tree.objective,
                               bound=tree.bound, pools=proof.pools + tree.pools,
                               seconds=proof.seconds + time.perf_counter() - t0, message=tree.message)


def _select(problem: ColumnRules, master: _Master, pricers: list[Pricer], run: _State, interrupt: Interrupt
            ) -> tuple[list[Column], float | None, float]:
    """The best plan from the columns: the integer master, then, unless that is proven or
    good enough, a dive and the integer master again. Returns its columns, objective and the
    seconds spent."""
    started = time.perf_counter()
    scenario = problem.scenario
    limit = scenario.solver.time_limit
    if run.infeasible:
        return [], None, 0.0
    master.raise_box(to_big=True)  # the dive reads a trust left out as a dead end
    chosen, objective = master.solve_integer(min(limit - run.elapsed(), max(10.0, 0.1 * limit)))
    gap = relative_gap(objective, run.bound)
    if objective is not None and not interrupt.requested \
            and (gap is None or gap > max(PROVEN_GAP, scenario.solver.gap)):
        dive = _dive(problem, master, pricers, run.started + DIVE_UNTIL * limit, interrupt)
        if dive is not None and not interrupt.requested:
            better, value = master.solve_integer(limit - run.elapsed(), start=dive)
            if value is not None and value < objective:
                chosen, objective = better, value
    return chosen, objective, time.perf_counter() - started


def _dive(problem: ColumnRules, master: _Master, pricers: list[Pricer], deadline: float,
          interrupt: Interrupt) -> list[int] | None:
    """Price and dive: require the columns the LP already takes whole and its largest fractional
    one, generate columns again for the trusts left, and repeat until the LP is integral. A
    fractional column that leaves some trust without any consortium is released and not tried
    again. Returns the indices of that plan's columns (None when out of time or out of
    candidates); the master's columns are all free again afterwards."""
    fixed: list[int] = []
    taken: set[str] = set()
    tabu: set[int] = set()

    def require(k: int) -> None:
        master.fix(k, 1.0)
        fixed.append(k)
        taken.update(master.columns[k].members)

    try:
        while time.perf_counter() < deadline and not interrupt.requested:
            master.solve_lp()
            values = master.values()
            if not ((values > EPS) & (values < 1 - EPS)).any():
                return [int(k) for k in np.flatnonzero(values > 0.5)]
            for k in np.flatnonzero(values >= 1 - EPS):
                if int(k) not in fixed:
                    require(int(k))
            free = np.where(values < 1 - EPS, values, 0.0)
            free[list(tabu)] = 0.0
            if free.max() <= EPS:
                return None
            trial = int(np.argmax(free))
            require(trial)
            if not _regenerate(master, pricers, taken, deadline, interrupt):
                fixed.remove(trial)
                master.fix(trial, 0.0)
                taken.clear()
                for k in fixed:
                    taken.update(master.columns[k].members)
                tabu.add(trial)
        return None
    finally:
        for k in fixed:
            master.fix(k, 0.0)


def _regenerate(master: _Master, pricers: list[Pricer], taken: set[str], deadline: float,
                interrupt: Interrupt) -> bool:
    """Greedy pricing for the trusts not ``taken`` until nothing prices out; False when some
    trust is still left without a consortium."""
    while time.perf_counter() < deadline and not interrupt.requested:
        _, prices = master.solve_lp()
        priced = prices.without(taken)
        if not sum(master.add(*found) for pricer in pricers if pricer.m not in taken
                   for found in pricer.greedy(priced)):
            break
    master.solve_lp()
    return not master.uses_artificial()


def _generate(problem: ColumnRules, master: _Master, pricers: list[Pricer], run: _State,
              progress: Callable[[Progress], None] | None, interrupt: Interrupt,
              enumerator: Enumerator | None = None) -> None:
    """Add columns and cuts until neither helps, time runs out or Ctrl-C; ``run`` records the
    best Lagrangian bound found and the last prices.

    With an ``enumerator``, each round prices by enumeration: the ``PRICING_KEEP`` columns of
    least reduced cost per period and lowest-listed trust (see :mod:`consortia.columns.enumerate`),
    which also gives the bound when the search was complete. Without one, each round tries
    greedy pricing first; only when that finds nothing does it solve the pricing MIPs of every
    medoid, which also gives the bound.
    """
    capacity = problem.scenario.market.capacity or 0
    budget = LARGE_NODES if master.large else QUICK_NODES
    few = DEEPER_BELOW * len(problem.facts) if master.large else 1
    while run.elapsed() < run.stop and not interrupt.requested:
        t0 = time.perf_counter()
        value, prices = master.solve_lp()
        run.prices = prices
        if enumerator is not None and not run.quick_early and not run.quick_converged \
                and run.elapsed() > QUICK_AT * run.stop:
            # the LP is slow to converge: a first plan at these prices, before time runs out
            run.quick_early = True
            _quick(master, enumerator, prices, run, progress, interrupt)
        run.lp_seconds += time.perf_counter() - t0
        run.rounds += 1
        t0 = time.perf_counter()
        added = 0 if enumerator is not None else sum(master.add(*found) for pricer in pricers
                                                     for found in pricer.greedy(prices))
        if added:
            run.pricing_seconds += time.perf_counter() - t0
            if progress is not None:
                progress(Progress(run.incumbent_value, run.bound, relative_gap(run.incumbent_value, run.bound),
                                  run.elapsed()))
            continue
        lagrange = sum(prices.trust.values()) + capacity * sum(prices.market.values()) + sum(prices.cut.values())
        priced_all = searched_all = True
        if enumerator is not None:
            found = enumerator.run(prices, 0.0, keep=PRICING_KEEP, budget=budget,
                                   deadline=run.started + run.stop, decisions=master.decisions)
            added += sum(master.add(m, t, allowed=True) for m, t, r in sorted(found.columns, key=lambda c: c[2])
                         if r < -EPS)
            quiet = found.complete and min(found.least.values(), default=0.0) >= -EPS
            if not found.complete and added < few and budget < PRICING_NODES:
                # few columns found within the node budget: search deeper (before the exact round)
                budget = min(PRICING_NODES, 10 * budget)
                if not added:
                    run.pricing_seconds += time.perf_counter() - t0
                    continue
            if not added and not quiet:
                # nothing found by the quick search: every column that prices out, exactly (its
                # least reduced costs are exact, so this round's bound is the tight one)
                found = enumerator.run(prices, 0.0, cap=CONFIRM_CAP, deadline=run.started + run.stop,
                                       decisions=master.decisions)
                added += sum(master.add(m, t, allowed=True) for m, t, r in
                             sorted(found.columns, key=lambda c: (c[2], c[0], c[1]))[:CONFIRM_MOST] if r < -EPS)
            priced_all = searched_all = found.complete
            lagrange += sum(min(0.0, v) for v in found.least.values())
        for pricer in pricers if enumerator is None else []:
            left = run.stop - run.elapsed()
            if left <= 0 or interrupt.requested:
                priced_all = False
                break
            low = pricer.relaxed(prices)
            if low >= -EPS:
                lagrange += low
                continue
            low, found, searched = pricer.exact(prices, min(left, PRICING_SECONDS))
            lagrange += low
            searched_all = searched_all and searched
            added += sum(master.add(*f) for f in found)
        run.pricing_seconds += time.perf_counter() - t0
        artificial = master.uses_artificial()
        # a valid bound at any prices, a trust left out or not (the artificial columns are no plan's)
        run.priced = float(lagrange) if priced_all else None
        if priced_all:
            run.bound = float(lagrange if run.bound is None else max(run.bound, lagrange))
        if progress is not None:
            progress(Progress(run.incumbent_value, run.bound, relative_gap(run.incumbent_value, run.bound),
                                  run.elapsed()))
        if not (priced_all and searched_all and added == 0):
            continue
        if artificial:
            if run.bound is not None and run.bound > master.ceiling:
                run.infeasible = True  # every plan would cost more than any plan can: none exists
                return
            if master.raise_box():
                continue
            run.undecided = True
            run.message = "column generation could not tell whether a plan exists (its LP leaves a trust out)"
            return
        if enumerator is not None and not run.quick_converged:
            # the LP is optimal (before cuts): a first good plan now, so a short limit still has one
            run.quick_converged = True
            _quick(master, enumerator, prices, run, progress, interrupt)
        if not master.separate(CUTS_PER_ROUND):
            run.message = "converged: no column prices out and no subset-row cut is broken"
            run.converged = True
            return


def _quick(master: _Master, enumerator: Enumerator, prices: Prices, run: _State,
           progress: Callable[[Progress], None] | None, interrupt: Interrupt) -> None:
    """Find a first plan (see :func:`consortia.columns.enumerate.quick_plan`) into ``run.incumbent``."""
    from .enumerate import quick_plan

    t0 = time.perf_counter()
    seconds = max(0.5, min(QUICK_SECONDS, QUICK_SHARE * run.stop, run.stop - run.elapsed()))
    run.offer(*quick_plan(enumerator, prices, [(c.members, c.period) for c in master.columns], seconds, interrupt,
                          search=run.bound is not None), progress)
    run.pricing_seconds += time.perf_counter() - t0


def _worst(problem: ColumnRules, code: str) -> float:
    """An upper bound on what one trust can add to the objective."""
    if problem.costs.in_pounds:
        return problem.costs.worst_member(problem.facts[code], list(problem.graph.neighbors(code)),
                                          problem.scenario.consortium.max_size)
    w = problem.scenario.objective
    f = problem.facts[code]
    months = max(f.misalignment.values(), default=0)
    farthest = max((d for _, _, d in problem.graph.edges(code, data="distance_km")), default=0.0)
    return (w.timing * months + w.distance * farthest + w.standalone + (w.moved if problem.baseline else 0.0)
            + w.shortfall * sum(abs(x) for x in f.net) + w.subspecialty_gap * 4 * len(
                problem.scenario.cover.weekend_subspecialties))

