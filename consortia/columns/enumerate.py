"""Reduced-cost column enumeration: every consortium (member set x go-live period) whose reduced
cost at given prices is at most ``delta``, found by a compiled depth-first search.

Why it proves optimality. For any prices (``pi`` per trust, ``mu`` <= 0 per market period,
``sigma`` <= 0 per subset-row cut), every plan ``x`` costs

    cost(x) = sum over its columns of reduced cost + sum(pi) + sum(mu x columns sent to market
              in that period) + sum(sigma x columns in the cut)
           >= sum over its columns of reduced cost + D,   D = sum(pi) + capacity x sum(mu) + sum(sigma).

Each trust is the *lowest-listed member* of at most one column of a plan, so with ``r_s`` the
least reduced cost of a column whose lowest-listed member is ``s``, ``LB = D + sum_s min(0, r_s)``
is a valid lower bound (a Lagrangian bound), and a plan holding a column of reduced cost ``r``
costs at least ``LB + r``. So a plan cheaper than a known plan ``UB`` uses only columns with
``r <= UB - LB``: the best plan over *all* of those columns is the optimum.

The search runs per go-live period ``t`` and per lowest-listed member ``s``, adding members in
increasing list order (``max_size`` at most), so each member set is met once. A branch is cut
when even its best completion cannot reach ``delta``: the partial reduced cost, plus the
cheapest remaining members (their :meth:`~consortia.columns.pricing.ColumnRules.floors`), plus a lower
bound on the medoid distance that only grows as members are added, plus the cut prices already
charged (they only grow too); or when, under hard cover, even every remaining member together
cannot cover a day. Every set the search keeps is then judged by
:meth:`~consortia.columns.pricing.ColumnRules.allows` and priced by
:meth:`~consortia.columns.pricing.ColumnRules.reduced`, the one statement of a column's rules and cost.
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit

from .decisions import Decisions
from .pricing import ColumnRules, Floors, Prices

__all__ = ["TOL", "CHUNK", "PRICED_OUT", "NODES_PER_SECOND", "STAGE_A", "STAGE_B_WIDTH", "STAGE_B_SMALL", "POOL_LIMIT",
           "QUICK_GAP", "QUICK_WIDTH", "QUICK_POOL", "QUICK_SEARCH", "Enumerated", "Enumerator", "Proof", "lagrangian",
           "prove", "quick_plan", "cheapest_plan", "plan_cost"]

TOL = 1e-7
"""Slack in every comparison of the search, on the safe side (keeps a set rather than cut it)."""
CHUNK = 6
"""Lowest-listed members searched per task (tasks are the unit of parallel work)."""
PRICED_OUT = 1e-6
"""Pricing (``keep`` > 0) returns only columns whose reduced cost is below minus this."""
NODES_PER_SECOND = 2_000_000
"""About how many search nodes one core visits per second (lower than measured, so that a
search given a deadline stops near it)."""


@njit(nogil=True, cache=True)
def _growth(d, room, size, cost, ncost, neg):
    """A lower bound on ``size[d + r]`` plus what ``r`` added members cost, over 1 <= r <= room,
    when each candidate costs ``cost[0:ncost]``: the ``r`` least of them (those >= 0 as 0)."""
    nneg = 0
    for q in range(ncost):
        v = cost[q]
        if v < 0.0:
            if nneg < room:
                neg[nneg] = v
                nneg += 1
            else:
                worst = 0
                for r in range(1, room):
                    if neg[r] > neg[worst]:
                        worst = r
                if v < neg[worst]:
                    neg[worst] = v
    neg[:nneg].sort()
    least = np.inf
    total = 0.0
    for r in range(1, min(room, ncost) + 1):
        if r <= nneg:
            total += neg[r - 1]
        if size[d + r] + total < least:
            least = size[d + r] + total
    return least


@njit(nogil=True, cache=True)
def _judge(d, mem, pool, npool, part, pen, netsum, holdsum, dsum, val, dist, net, hold, window, hard, mu, size,
           allow_alone, min_size, max_size, thr, neg, buf):
    """The set mem[0:d]: (lower bound on its reduced cost, whether it passes the cheap tests, lower
    bound on the reduced cost of any superset drawn from pool[0:npool], whether such a superset
    can still cover every day). ``size[n]``: the size cost of ``n`` members; ``hold[k, p]``: the
    holders of required weekend pair ``p`` at trust ``k``, of which a consortium needs ``window``.

    The superset bound is the cheap one (every added member at its own value, the medoid term at
    its least so far) and, when that does not exceed ``thr``, the least over each possible medoid
    ``k`` of the members' cost to ``k`` so far plus each added member's value and cost to ``k``."""
    med = 0.0
    if d >= 2:
        med = np.inf
        for q in range(d):
            if dsum[mem[q]] < med:
                med = dsum[mem[q]]
    lb = part - mu + pen + med + size[d]
    ok = (d == 1 and allow_alone) or (d >= 2 and d >= min_size)
    if ok and hard:
        for p in range(hold.shape[1]):
            if holdsum[p] < window:
                ok = False
                break
        if ok:
            for day in range(7):
                if netsum[day] < -TOL:
                    ok = False
                    break
    bound = np.inf
    reach = d < max_size and npool > 0
    if reach:
        room = max_size - d
        low = np.inf
        for q in range(d):
            if dsum[mem[q]] < low:
                low = dsum[mem[q]]
        for q in range(npool):
            k = pool[q]
            if dsum[k] < low:
                low = dsum[k]
            buf[q] = val[k]
        bound = part - mu + pen + low + _growth(d, room, size, buf, npool, neg)
        if bound <= thr + TOL:
            strong = np.inf
            for q in range(d + npool):
                k = mem[q] if q < d else pool[q - d]
                n = 0
                for r in range(npool):
                    j = pool[r]
                    if j != k:
                        buf[n] = val[j] + dist[j, k]
                        n += 1
                if q < d:
                    grown = _growth(d, room, size, buf, n, neg)
                else:
                    grown = size[d + 1]
                    if room > 1 and n > 0:
                        grown = min(grown, _growth(d + 1, room - 1, size, buf, n, neg))
                    grown += val[k]
                if dsum[k] + grown < strong:
                    strong = dsum[k] + grown
            if part - mu + pen + strong > bound:
                bound = part - mu + pen + strong
        if hard:
            for p in range(hold.shape[1]):
                top = holdsum[p]
                for q in range(npool):
                    top += hold[pool[q], p]
                if top < window:
                    reach = False
                    break
            if reach:
                for day in range(7):
                    top = netsum[day]
                    for q in range(npool):
                        x = net[pool[q], day]
                        if x > 0.0:
                            top += x
                    if top < -TOL:
                        reach = False
                        break
    return lb, ok, bound, reach


@njit(nogil=True, cache=True)
def _keep(lb, d, mem, si, keep, kcount, kval, kmem, thr, delta, count, out_members, out_value, out_start):
    """Record the set mem[0:d] of lower bound ``lb``: in the per-start buffer (``keep`` > 0, which
    may lower the threshold) or in the output. Returns (kcount, threshold, count, overflow)."""
    max_size = kmem.shape[1]
    if keep > 0:
        if kcount < keep:
            slot = kcount
            kcount += 1
        else:
            slot = 0
            for q in range(1, keep):
                if kval[q] > kval[slot]:
                    slot = q
        kval[slot] = lb
        for q in range(max_size):
            kmem[slot, q] = mem[q] if q < d else -1
        if kcount == keep:
            thr = kval[0]
            for q in range(1, keep):
                if kval[q] > thr:
                    thr = kval[q]
            if delta < thr:
                thr = delta
        return kcount, thr, count, False
    if count >= out_value.shape[0]:
        return kcount, thr, count, True
    for q in range(max_size):
        out_members[count, q] = mem[q] if q < d else -1
    out_value[count] = lb
    out_start[count] = si
    return kcount, thr, count + 1, False


@njit(nogil=True, cache=True)
def _flush(si, kcount, kval, kmem, count, out_members, out_value, out_start):
    """Copy a start's kept sets to the output; (count, overflow)."""
    for q in range(kcount):
        if count >= out_value.shape[0]:
            return count, True
        for r in range(kmem.shape[1]):
            out_members[count, r] = kmem[q, r]
        out_value[count] = kval[q]
        out_start[count] = si
        count += 1
    return count, False


@njit(nogil=True, cache=True)
def _cuts_in(k, cut_ptr, cut_idx, cut_price, cnt, step):
    """Add (step 1) or remove (step -1) member k from the cut counts; the change in cut charge."""
    change = 0.0
    for q in range(cut_ptr[k], cut_ptr[k + 1]):
        c = cut_idx[q]
        if step > 0:
            cnt[c] += 1
            if cnt[c] == 2:
                change += cut_price[c]
        else:
            if cnt[c] == 2:
                change -= cut_price[c]
            cnt[c] -= 1
    return change


@njit(nogil=True, cache=True)
def _search(starts, val, dist, adj, net, hold, window, hard, mu, size, allow_alone, min_size, max_size,
            delta, keep, budget, cut_ptr, cut_idx, cut_price, out_members, out_value, out_start):
    """Search the cliques of ``adj`` whose lowest member is each of ``starts`` (local indices of one
    period), members added in increasing index.

    ``keep`` > 0 keeps only the ``keep`` sets of least lower bound per start (pricing); 0 keeps
    every set with lower bound <= ``delta``. Returns (sets written, overflow, best lower bound
    per start, whether each start's search was complete within ``budget`` nodes).
    """
    n = val.shape[0]
    best = np.full(starts.shape[0], np.inf)
    complete = np.ones(starts.shape[0], dtype=np.bool_)
    count = 0
    depth = max_size + 1
    mem = np.zeros(depth, dtype=np.int64)
    cand = np.zeros((depth, n), dtype=np.int64)
    ncand = np.zeros(depth, dtype=np.int64)
    pos = np.zeros(depth, dtype=np.int64)
    grow = np.zeros(depth, dtype=np.bool_)
    part = np.zeros(depth)
    cutpen = np.zeros(depth)
    netsum = np.zeros((depth, 7))
    holdsum = np.zeros((depth, hold.shape[1]), dtype=np.int64)
    dsum = np.zeros((depth, n))
    cnt = np.zeros(cut_price.shape[0], dtype=np.int64)
    kval = np.zeros(max(keep, 1))
    kmem = np.full((max(keep, 1), max_size), -1, dtype=np.int64)
    neg = np.zeros(max_size)
    buf = np.zeros(n)
    for si in range(starts.shape[0]):
        s = starts[si]
        nodes = 0
        kcount = 0
        thr = delta
        d = 1
        mem[0] = s
        part[1] = val[s]
        cutpen[1] = _cuts_in(s, cut_ptr, cut_idx, cut_price, cnt, 1)
        netsum[1, :] = net[s, :]
        holdsum[1, :] = hold[s, :]
        m = 0
        for j in range(s + 1, n):
            if adj[s, j]:
                cand[1, m] = j
                m += 1
                dsum[1, j] = dist[s, j]
        ncand[1] = m
        dsum[1, s] = 0.0
        evaluate = True
        while d >= 1:
            if evaluate:
                evaluate = False
                nodes += 1
                if nodes > budget:
                    complete[si] = False
                    break
                lb, ok, bound, reach = _judge(d, mem, cand[d], ncand[d], part[d], cutpen[d], netsum[d], holdsum[d],
                                              dsum[d], val, dist, net, hold, window, hard, mu, size, allow_alone,
                                              min_size, max_size, thr, neg, buf)
                if ok:
                    if lb < best[si]:
                        best[si] = lb
                    if lb <= thr + TOL:
                        kcount, thr, count, overflow = _keep(lb, d, mem, si, keep, kcount, kval, kmem, thr, delta,
                                                             count, out_members, out_value, out_start)
                        if overflow:
                            return count, True, best, complete
                grow[d] = reach and bound <= thr + TOL
                pos[d] = 0
            if grow[d] and pos[d] < ncand[d]:
                j = cand[d, pos[d]]
                pos[d] += 1
                mem[d] = j
                part[d + 1] = part[d] + val[j]
                cutpen[d + 1] = cutpen[d] + _cuts_in(j, cut_ptr, cut_idx, cut_price, cnt, 1)
                netsum[d + 1, :] = netsum[d, :] + net[j, :]
                holdsum[d + 1, :] = holdsum[d, :] + hold[j, :]
                m = 0
                for q in range(pos[d], ncand[d]):
                    k = cand[d, q]
                    if adj[j, k]:
                        cand[d + 1, m] = k
                        m += 1
                        dsum[d + 1, k] = dsum[d, k] + dist[j, k]
                ncand[d + 1] = m
                for q in range(d + 1):
                    k = mem[q]
                    dsum[d + 1, k] = dsum[d, k] + dist[j, k]
                d += 1
                evaluate = True
            else:
                _cuts_in(mem[d - 1], cut_ptr, cut_idx, cut_price, cnt, -1)
                d -= 1
        for r in range(d):  # stopped by the budget: leave the members still on the path
            _cuts_in(mem[r], cut_ptr, cut_idx, cut_price, cnt, -1)
        if keep > 0:
            count, overflow = _flush(si, kcount, kval, kmem, count, out_members, out_value, out_start)
            if overflow:
                return count, True, best, complete
    return count, False, best, complete


@njit(nogil=True, cache=True)
def _search_connected(starts, val, dist, adj, nbr_ptr, nbr_idx, net, hold, window, hard, mu, size,
                      allow_alone, min_size, max_size, delta, keep, budget, cut_ptr, cut_idx, cut_price,
                      out_members, out_value, out_start):
    """Like :func:`_search`, for connected membership: the sets whose lowest member is each of
    ``starts``, connected by the links ``nbr_ptr``/``nbr_idx`` (CSR) among members of higher
    index, with every two members allowed together by ``adj``. Each set is met once (the ESU
    algorithm of Wernicke, 2006: extend only by members of the extension set, which takes the
    new member's neighbours no member is linked to yet). Supersets are bounded with every
    trust of higher index within ``max_size - 1`` links of the start."""
    n = val.shape[0]
    best = np.full(starts.shape[0], np.inf)
    complete = np.ones(starts.shape[0], dtype=np.bool_)
    count = 0
    depth = max_size + 1
    mem = np.zeros(depth, dtype=np.int64)
    ext = np.zeros((depth, n), dtype=np.int64)
    next_ = np.zeros(depth, dtype=np.int64)
    grow = np.zeros(depth, dtype=np.bool_)
    part = np.zeros(depth)
    cutpen = np.zeros(depth)
    netsum = np.zeros((depth, 7))
    holdsum = np.zeros((depth, hold.shape[1]), dtype=np.int64)
    dsum = np.zeros((depth, n))
    pool = np.zeros((depth, n), dtype=np.int64)
    npool = np.zeros(depth, dtype=np.int64)
    near = np.zeros(n, dtype=np.int64)
    inside = np.zeros(n, dtype=np.bool_)
    hops = np.full(n, -1, dtype=np.int64)
    queue = np.zeros(n, dtype=np.int64)
    ball = np.zeros(n, dtype=np.int64)
    cnt = np.zeros(cut_price.shape[0], dtype=np.int64)
    kval = np.zeros(max(keep, 1))
    kmem = np.full((max(keep, 1), max_size), -1, dtype=np.int64)
    neg = np.zeros(max_size)
    buf = np.zeros(n)
    for si in range(starts.shape[0]):
        s = starts[si]
        # the trusts of higher index within max_size - 1 links of s, through such trusts
        hops[:] = -1
        hops[s] = 0
        queue[0] = s
        head, tail, nball = 0, 1, 0
        while head < tail:
            a = queue[head]
            head += 1
            if hops[a] >= max_size - 1:
                continue
            for q in range(nbr_ptr[a], nbr_ptr[a + 1]):
                b = nbr_idx[q]
                if b > s and hops[b] < 0:
                    hops[b] = hops[a] + 1
                    queue[tail] = b
                    tail += 1
                    if adj[s, b]:
                        ball[nball] = b
                        nball += 1
        nodes = 0
        kcount = 0
        thr = delta
        d = 1
        mem[0] = s
        inside[s] = True
        part[1] = val[s]
        cutpen[1] = _cuts_in(s, cut_ptr, cut_idx, cut_price, cnt, 1)
        netsum[1, :] = net[s, :]
        holdsum[1, :] = hold[s, :]
        dsum[1, s] = 0.0
        m = 0
        for q in range(nball):
            k = ball[q]
            dsum[1, k] = dist[s, k]
            pool[1, m] = k
            m += 1
        npool[1] = m
        m = 0
        for q in range(nbr_ptr[s], nbr_ptr[s + 1]):
            b = nbr_idx[q]
            near[b] += 1
            if b > s and adj[s, b]:
                ext[1, m] = b
                m += 1
        next_[1] = m
        evaluate = True
        while d >= 1:
            if evaluate:
                evaluate = False
                nodes += 1
                if nodes > budget:
                    complete[si] = False
                    break
                lb, ok, bound, reach = _judge(d, mem, pool[d], npool[d], part[d], cutpen[d], netsum[d], holdsum[d],
                                              dsum[d], val, dist, net, hold, window, hard, mu, size, allow_alone,
                                              min_size, max_size, thr, neg, buf)
                if ok:
                    if lb < best[si]:
                        best[si] = lb
                    if lb <= thr + TOL:
                        kcount, thr, count, overflow = _keep(lb, d, mem, si, keep, kcount, kval, kmem, thr, delta,
                                                             count, out_members, out_value, out_start)
                        if overflow:
                            return count, True, best, complete
                grow[d] = reach and bound <= thr + TOL
            if grow[d] and next_[d] > 0:
                next_[d] -= 1
                w = ext[d, next_[d]]
                allowed = True
                for q in range(d):
                    if not adj[mem[q], w]:
                        allowed = False
                        break
                if not allowed:
                    continue
                # the child's extension: what is left of this one and w's exclusive neighbours
                m = next_[d]
                ext[d + 1, :m] = ext[d, :m]
                for q in range(nbr_ptr[w], nbr_ptr[w + 1]):
                    u = nbr_idx[q]
                    if u > s and not inside[u] and near[u] == 0 and hops[u] >= 0:
                        ext[d + 1, m] = u
                        m += 1
                next_[d + 1] = m
                mem[d] = w
                inside[w] = True
                for q in range(nbr_ptr[w], nbr_ptr[w + 1]):
                    near[nbr_idx[q]] += 1
                part[d + 1] = part[d] + val[w]
                cutpen[d + 1] = cutpen[d] + _cuts_in(w, cut_ptr, cut_idx, cut_price, cnt, 1)
                netsum[d + 1, :] = netsum[d, :] + net[w, :]
                holdsum[d + 1, :] = holdsum[d, :] + hold[w, :]
                m = 0
                for q in range(npool[d]):
                    k = pool[d, q]
                    dsum[d + 1, k] = dsum[d, k] + dist[w, k]
                    if k != w:
                        pool[d + 1, m] = k
                        m += 1
                npool[d + 1] = m
                for q in range(d + 1):
                    k = mem[q]
                    dsum[d + 1, k] = dsum[d, k] + dist[w, k]
                d += 1
                evaluate = True
            else:
                k = mem[d - 1]
                inside[k] = False
                for q in range(nbr_ptr[k], nbr_ptr[k + 1]):
                    near[nbr_idx[q]] -= 1
                _cuts_in(k, cut_ptr, cut_idx, cut_price, cnt, -1)
                d -= 1
        for r in range(d):  # stopped by the budget: leave the members still on the path
            k = mem[r]
            inside[k] = False
            for q in range(nbr_ptr[k], nbr_ptr[k + 1]):
                near[nbr_idx[q]] -= 1
            _cuts_in(k, cut_ptr, cut_idx, cut_price, cnt, -1)
        if keep > 0:
            count, overflow = _flush(si, kcount, kval, kmem, count, out_members, out_value, out_start)
            if overflow:
                return count, True, best, complete
    return count, False, best, complete


@dataclass(frozen=True)
class _Period:
    """One go-live period's trusts (in list order) as the search's arrays."""

    t: int
    codes: tuple[str, ...]
    val_floor: np.ndarray
    dist: np.ndarray
    adj: np.ndarray
    net: np.ndarray
    hold: np.ndarray
    market: int | None
    nbr_ptr: np.ndarray
    """Connected membership: each trust's links to the period's other trusts (CSR)."""
    nbr_idx: np.ndarray


@dataclass(frozen=True)
class Enumerated:
    """The columns an enumeration found, with what it proved about the rest."""

    columns: list[tuple[tuple[str, ...], int, float]]
    """(members, period, reduced cost) of every allowed column found, in a fixed order."""
    complete: bool
    """Whether every column with reduced cost <= ``delta`` is among ``columns`` (no budget, cap
    or deadline stopped the search)."""
    least: dict[str, float]
    """Per lowest-listed trust, a lower bound on the least reduced cost of its columns, at most
    ``delta`` (valid only when ``complete``)."""
    delta: float
    seconds: float
    reason: str = ""


class Enumerator:
    """Reduced-cost column enumeration over a scenario's :class:`ColumnRules`."""

    def __init__(self, rules: ColumnRules, threads: int | None = None):
        self.rules = rules
        floors = rules.floors()
        self.floors = floors
        order = rules.order
        self.periods: list[_Period] = []
        periods = sorted({t for f in rules.facts.values() for t in f.window})
        # members of fixed consortia and trusts pinned into one are searched apart (_locked)
        codes_all = [c for c in sorted(rules.facts, key=order.get)
                     if rules.facts[c].fixed is None and rules.facts[c].joins is None]
        for t in periods:
            codes = tuple(c for c in codes_all if t in rules.facts[c].misalignment)
            if not codes:
                continue
            idx = np.array([floors.index[c] for c in codes])
            links = floors.adjacent[np.ix_(idx, idx)] if floors.connected else np.zeros((0, 0), dtype=bool)
            self.periods.append(_Period(
                t, codes, np.array([floors.member(c, t) for c in codes]),
                np.ascontiguousarray(floors.distance[np.ix_(idx, idx)]),
                np.ascontiguousarray(floors.linked[np.ix_(idx, idx)]).astype(np.uint8),
                np.ascontiguousarray(floors.net[idx]), np.ascontiguousarray(floors.holders[idx]),
                rules.market.get(t),
                np.concatenate([[0], np.cumsum(links.sum(axis=1))]).astype(np.int64) if floors.connected
                else np.zeros(1, dtype=np.int64),
                np.nonzero(links)[1].astype(np.int64)))
        self.threads = max(1, min(os.cpu_count() or 1, threads or os.cpu_count() or 1))

    def run(self, prices: Prices, delta: float, *, keep: int = 0, cap: int = 2_000_000,
            budget: int = 50_000_000, deadline: float = float("inf"),
            decisions: Decisions | None = None) -> Enumerated:
        """Every allowed column with reduced cost <= ``delta`` at ``prices`` that keeps the
        branching ``decisions`` (``keep`` > 0, for pricing: of those, only the ``keep`` of least
        lower bound per period and lowest-listed trust, and only those below ``-PRICED_OUT``;
        ``least`` is then a lower bound over every allowed column, kept decisions or not).
        Stops, incomplete, after ``cap`` candidate sets, ``budget`` search nodes per
        lowest-listed trust and period, or at ``deadline`` (perf_counter seconds)."""
        started = time.perf_counter()
        f = self.floors
        c = self.rules.scenario.consortium
        decisions = decisions or Decisions()
        tasks = []
        for p in self.periods:
            pi = np.array([prices.trust[code] for code in p.codes])
            mu = prices.market.get(p.market, 0.0) if p.market is not None else 0.0
            ptr, idx, price = _cut_arrays(p.codes, prices)
            val = p.val_floor - pi
            adj = _decided(p, decisions)
            for lo in range(0, len(p.codes), CHUNK):
                starts = np.arange(lo, min(lo + CHUNK, len(p.codes)), dtype=np.int64)
                tasks.append((p, starts, val, adj, mu, ptr, idx, price))
        per_task = max(1024, (keep * CHUNK) if keep else 200_000)
        if deadline < float("inf"):
            # the compiled search cannot look at the clock: bound its nodes by the time left
            budget = int(min(budget, max(10_000, (deadline - started) * NODES_PER_SECOND / CHUNK)))

        def work(task):
            p, starts, val, adj, mu, ptr, idx, price = task
            if time.perf_counter() > deadline:
                return None
            members = np.empty((per_task, c.max_size), dtype=np.int64)
            value = np.empty(per_task)
            start = np.empty(per_task, dtype=np.int64)
            if f.connected:
                got = _search_connected(starts, val, p.dist, adj, p.nbr_ptr, p.nbr_idx, p.net, p.hold, f.window,
                                        f.hard, mu, f.size, c.allow_standalone, c.min_size, c.max_size,
                                        delta + TOL, keep, budget, ptr, idx, price, members, value, start)
            else:
                got = _search(starts, val, p.dist, adj, p.net, p.hold, f.window, f.hard, mu, f.size,
                              c.allow_standalone, c.min_size, c.max_size, delta + TOL, keep, budget, ptr, idx,
                              price, members, value, start)
            count, overflow, best, complete = got
            return members[:count].copy(), value[:count].copy(), start[:count].copy(), overflow, best, complete

        if self.threads > 1 and len(tasks) > 1:
            with ThreadPoolExecutor(self.threads) as pool:
                results = list(pool.map(work, tasks))
        else:
            results = [work(task) for task in tasks]
        complete = True
        reason = ""
        least: dict[str, float] = {}
        found = []
        total = 0
        rules = self.rules
        for task, result in zip(tasks, results):
            p, starts = task[0], task[1]
            if result is None:
                complete, reason = False, "time limit reached while enumerating"
                continue
            members, value, start, overflow, best, done = result
            if overflow:
                complete, reason = False, f"more than {per_task:,} candidate columns in one task"
            if not done.all():
                complete, reason = False, f"more than {budget:,} search nodes for one trust and period"
            for k, s in enumerate(starts):
                code = p.codes[s]
                least[code] = min(least.get(code, delta), float(best[k]))
            sets = [(tuple(p.codes[k] for k in sorted(row[row >= 0])), lb) for row, lb in zip(members, value)]
            if decisions:
                sets = [(m, lb) for m, lb in sets if decisions.admits(m, p.t)]
            total += len(sets)
            if total > cap:
                complete, reason = False, f"more than {cap:,} candidate columns"
                break
            # with keep, a set of lower bound lb has reduced cost >= lb: only those below -PRICED_OUT
            found.extend((m, p.t) for m, lb in sets if not (keep and lb >= -PRICED_OUT))
        columns = []
        if total > cap:
            found = []  # too many to be of use
        for n, (members, t) in enumerate(found):
            if n % 1000 == 999 and time.perf_counter() > deadline:
                complete, reason = False, "time limit reached while enumerating"
                break
            if not rules.allows(members, t, exact=False):
                continue
            r = rules.reduced(members, t, prices)
            if r <= delta + TOL:
                columns.append((members, t, r))
        columns.extend(c for c in self._locked(prices, delta, keep) if decisions.admits(c[0], c[1]))
        if not keep:
            # every column within delta is here: the least reduced cost per lowest-listed trust
            # is exact (the search's own bounds count sets that break rules it does not test)
            least = {code: delta for code in least}
            for members, _, r in columns:
                least[members[0]] = min(least.get(members[0], delta), r)
        else:
            for members, _, r in columns:
                least[members[0]] = min(least.get(members[0], delta), r)
        return Enumerated(columns, complete, least, delta, time.perf_counter() - started, reason)

    def _locked(self, prices: Prices, delta: float, keep: int) -> list[tuple[tuple[str, ...], int, float]]:
        """The allowed columns of each fixed consortium (its members, the trusts pinned into it and,
        when it grows, newcomers) with reduced cost <= ``delta``, or the ``keep`` of least
        reduced cost per consortium and period; a small search in Python, pruned like the
        compiled one."""
        rules = self.rules
        f = self.floors
        order = rules.order
        size = rules.scenario.consortium.max_size
        out = []
        for k, core in sorted(rules.core.items()):
            if not core:
                continue
            base = sorted(core | rules.pinned.get(k, frozenset()), key=order.get)
            room = max(0, size - len(core)) - (len(base) - len(core))
            grow = rules.scenario.directives.fixed[k].grow
            periods = set.intersection(*(set(rules.facts[i].window) for i in base))
            for t in sorted(periods):
                mu = prices.market.get(rules.market[t], 0.0)
                start = math.fsum(f.member(i, t) - prices.trust[i] for i in base) - mu
                near = [i for i in sorted(rules.facts, key=order.get)
                        if grow and room > 0 and rules.facts[i].fixed is None and rules.facts[i].joins is None
                        and t in rules.facts[i].misalignment
                        and all(f.linked[f.index[i], f.index[b]] for b in base)]
                value = {i: f.member(i, t) - prices.trust[i] for i in near}
                sets = _grown(base, near, value, start, room, delta, f, order)
                found = [(m, t, rules.reduced(m, t, prices)) for m in sets if rules.allows(m, t, exact=False)]
                found = [c for c in found if c[2] <= delta + TOL]
                if keep:
                    found = sorted(found, key=lambda c: (c[2], c[0]))[:keep]
                out.extend(found)
        return out


def _decided(p: _Period, decisions: Decisions) -> np.ndarray:
    """The period's pairs allowed together, less the pairs the ``decisions`` keep apart and every
    pair with a trust they ban from the period, so that the search prunes them; *together* and
    a banned trust alone are left to the filter of :meth:`Enumerator.run`."""
    if not decisions.apart and not decisions.banned:
        return p.adj
    local = {code: k for k, code in enumerate(p.codes)}
    apart = [(local[a], local[b]) for a, b in decisions.apart if a in local and b in local]
    banned = [local[i] for i, t in decisions.banned if t == p.t and i in local]
    if not apart and not banned:
        return p.adj
    adj = p.adj.copy()
    for a, b in apart:
        adj[a, b] = adj[b, a] = 0
    adj[banned, :] = 0
    adj[:, banned] = 0
    return adj


def _grown(base: list[str], near: list[str], value: dict[str, float], start: float, room: int, delta: float,
           f: Floors, order: dict[str, int]) -> list[tuple[str, ...]]:
    """``base`` with every set of at most ``room`` pairwise-linked trusts of ``near`` whose
    partial reduced cost (``start`` plus their ``value``) may still reach ``delta``."""
    sets: list[tuple[str, ...]] = []

    def search(chosen, rest, part):
        if part <= delta + TOL:
            sets.append(tuple(sorted(base + chosen, key=order.get)))
        if len(chosen) >= room or not rest:
            return
        best = sorted(v for v in (value[j] for j in rest) if v < 0)[:room - len(chosen)]
        if part + sum(best) > delta + TOL:
            return
        for n, j in enumerate(rest):
            search(chosen + [j], [x for x in rest[n + 1:] if f.linked[f.index[j], f.index[x]]], part + value[j])

    search([], near, start)
    return sets


def _cut_arrays(codes: tuple[str, ...], prices: Prices) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The priced subset-row cuts of one period's trusts: for each local trust, the cuts it is in
    (CSR arrays), and each cut's charge (minus its price, >= 0)."""
    local = {c: k for k, c in enumerate(codes)}
    cuts = [cut for cut, v in sorted(prices.cut.items(), key=lambda cv: sorted(cv[0]))
            if v < 0 and sum(i in local for i in cut) >= 2]
    of: list[list[int]] = [[] for _ in codes]
    for n, cut in enumerate(cuts):
        for i in cut:
            if i in local:
                of[local[i]].append(n)
    ptr = np.zeros(len(codes) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in of])
    idx = np.array([n for x in of for n in x], dtype=np.int64)
    price = np.array([-prices.cut[cut] for cut in cuts], dtype=float)
    return ptr, idx, price


STAGE_A = 0.003
"""Stage A enumerates columns within this share of the bound, for a good plan quickly."""
STAGE_B_WIDTH = 0.03
"""Stage B is tried only when the gap is within this share of the bound or stage A's pool held
at most ``STAGE_B_SMALL`` columns: a wider gap on a large instance (prices from a column
generation stopped by the time limit) would mean a pool far beyond ``POOL_LIMIT``."""
STAGE_B_SMALL = 2_000
POOL_LIMIT = 400_000
"""Most columns the stage B pool may hold. Each column is a trust set and a period (a few
hundred bytes in Python and in HiGHS), so this keeps memory near 1 GB; a larger pool means the
bound is too weak for a proof by enumeration, and the run reports its plan as ``feasible``
with the bound and gap instead."""


@dataclass(frozen=True)
class Proof:
    """What the enumeration stages found and proved."""

    proven: bool
    chosen: list[tuple[tuple[str, ...], int]]
    objective: float | None
    bound: float | None
    pools: tuple[int, ...]
    seconds: float
    message: str


def lagrangian(prices: Prices, capacity: int | None, found: Enumerated) -> float | None:
    """The Lagrangian bound at ``prices`` from a complete enumeration (see the module docstring)."""
    if not found.complete:
        return None
    dual = (math.fsum(prices.trust.values()) + (capacity or 0) * math.fsum(prices.market.values())
            + math.fsum(prices.cut.values()))
    return dual + math.fsum(min(0.0, v) for v in found.least.values())


def prove(enumerator: Enumerator, prices: Prices, incumbent: list[tuple[tuple[str, ...], int]],
          extra: list[tuple[tuple[str, ...], int]], deadline: float, interrupt=None) -> Proof:
    """Stage A (columns within ``STAGE_A`` of the bound, best plan over them and ``extra``),
    then, unless that already closes the gap, stage B (every column within UB - LB, best plan
    over them with UB as cutoff). ``incumbent`` is the best plan known (may be empty)."""
    started = time.perf_counter()
    rules = enumerator.rules
    capacity = rules.scenario.market.capacity
    dual = (math.fsum(prices.trust.values()) + (capacity or 0) * math.fsum(prices.market.values())
            + math.fsum(prices.cut.values()))
    best = list(incumbent)
    best_value = plan_cost(rules, best) if best else None
    pools: list[int] = []

    def done(proven, bound, message):
        return Proof(proven, best, best_value, bound, tuple(pools), time.perf_counter() - started, message)

    delta = max(STAGE_A * abs(dual), 1e-3)
    if best_value is not None:
        delta = min(delta, max(best_value - dual, 0.0) + 1e-6)
    found = enumerator.run(prices, delta, cap=POOL_LIMIT // 4, deadline=deadline)
    pools.append(len(found.columns))
    bound = lagrangian(prices, capacity, found)
    if bound is None:
        return done(False, None, f"stage A stopped: {found.reason}")
    pool = _union([(m, t) for m, t, _ in found.columns], best)
    chosen, value, exact = cheapest_plan(rules, pool, best, None, deadline - time.perf_counter(), interrupt)
    if value is None and extra and not (interrupt is not None and interrupt.requested):
        # the pool holds no plan: widen it with the columns generated so far
        pool = _union(pool, extra)
        chosen, value, exact = cheapest_plan(rules, pool, best, None, deadline - time.perf_counter(), interrupt)
    if value is not None and (best_value is None or value < best_value - 1e-9):
        best, best_value = chosen, value
    if best_value is None:
        return done(False, bound, "stage A found no plan")
    if exact and value is not None and abs(value - best_value) <= 1e-9 and best_value - bound <= found.delta:
        return done(True, best_value, f"proven by enumeration: every column within {found.delta:.4g} of the bound "
                                 f"({pools[0]:,}) searched")
    if interrupt is not None and interrupt.requested:
        return done(False, bound, "interrupted by the user")
    if time.perf_counter() >= deadline:
        return done(False, bound, "time limit reached before stage B")
    if best_value - bound > STAGE_B_WIDTH * max(1.0, abs(bound)) and pools[0] > STAGE_B_SMALL:
        return done(False, bound, f"gap {best_value - bound:.4g} too wide for stage B (prices from an unfinished "
                                  "column generation)")
    delta = best_value - bound + max(1e-6, 1e-9 * abs(best_value))
    found = enumerator.run(prices, delta, cap=POOL_LIMIT, deadline=deadline)
    pools.append(len(found.columns))
    if not found.complete:
        return done(False, bound, f"stage B stopped: {found.reason}")
    bound = max(bound, lagrangian(prices, capacity, found))
    if best_value - bound > found.delta:
        return done(False, bound, f"stage B searched within {found.delta:.4g} of the bound, less than the gap")
    pool = _union([(m, t) for m, t, _ in found.columns], best)
    chosen, value, exact = cheapest_plan(rules, pool, best, best_value, deadline - time.perf_counter(), interrupt)
    if value is not None and value < best_value - 1e-9:
        best, best_value = chosen, value
    if exact:
        return done(True, best_value, f"proven by enumeration: every column within {found.delta:.4g} of the bound "
                                      f"({pools[1]:,}) searched")
    return done(False, bound, "stage B integer program stopped before its proof")


QUICK_GAP = 0.01
"""Relative gap at which the quick plan's integer program may stop."""


QUICK_WIDTH = 0.03
"""The quick plan keeps the generated columns within this share of the bound."""
QUICK_POOL = 30_000
"""Most columns the quick plan's search adds."""
QUICK_SEARCH = 0.5
"""Most of the quick plan's time its search may take (the rest is for its integer program)."""


def quick_plan(enumerator: Enumerator, prices: Prices, extra: list[tuple[tuple[str, ...], int]],
               seconds: float, interrupt=None, search: bool = True
               ) -> tuple[list[tuple[tuple[str, ...], int]], float | None]:
    """A good first plan, fast: the best plan (within ``QUICK_GAP``) over the columns ``extra``
    and (when ``search``) the columns within ``STAGE_A`` of the bound at ``prices``; its
    columns and cost."""
    deadline = time.perf_counter() + seconds
    rules = enumerator.rules
    capacity = rules.scenario.market.capacity
    dual = (math.fsum(prices.trust.values()) + (capacity or 0) * math.fsum(prices.market.values())
            + math.fsum(prices.cut.values()))
    pool = list(extra)
    if search:
        # the generated columns far from pricing out rarely help a good plan
        pool = [(m, t) for m, t in extra if rules.reduced(m, t, prices) <= QUICK_WIDTH * abs(dual)]
        found = enumerator.run(prices, max(STAGE_A * abs(dual), 1e-3), cap=QUICK_POOL,
                               deadline=time.perf_counter() + QUICK_SEARCH * seconds)
        pool = _union([(m, t) for m, t, _ in found.columns], pool)
    chosen, value, _ = cheapest_plan(rules, pool, [], None, deadline - time.perf_counter(), interrupt, QUICK_GAP)
    return chosen, value


def _union(*lists) -> list[tuple[tuple[str, ...], int]]:
    seen = {}
    for columns in lists:
        for column in columns:
            seen.setdefault(column, None)
    return list(seen)


def plan_cost(rules: ColumnRules, columns) -> float:
    return math.fsum(rules.cost(m, t) for m, t in columns)


def cheapest_plan(rules: ColumnRules, pool, start, cutoff: float | None, seconds: float, interrupt,
               gap: float = 0.0) -> tuple[list, float | None, bool]:
    """The cheapest plan over the columns ``pool`` (set partitioning with market capacity) by
    HiGHS with relative ``gap`` (0: a proof) and presolve off (on large pools its probing costs
    far more than it saves, and ignores the time limit), from ``start`` and below ``cutoff``
    when given.
    Returns its columns, its cost (None when none found) and whether HiGHS proved it optimal
    over the pool (its own dual bound meeting the plan's cost: a start is never taken as proven),
    or, with no plan, proved that the pool holds none (below ``cutoff``, when given)."""
    import highspy

    from .pricing import run_highs

    if seconds <= 0 or not pool:
        return [], None, False
    deadline = time.perf_counter() + seconds
    codes = sorted(rules.facts, key=rules.order.get)
    row = {c: k for k, c in enumerate(codes)}
    capacity = rules.scenario.market.capacity
    markets = sorted({rules.market[t] for _, t in pool}) if capacity is not None else []
    market_row = {p: len(codes) + k for k, p in enumerate(markets)}
    cost = np.array([rules.cost(m, t) for m, t in pool])
    starts, index = [0], []
    for m, t in pool:
        index.extend(row[i] for i in m)
        if capacity is not None:
            index.append(market_row[rules.market[t]])
        starts.append(len(index))
    h = highspy.Highs()
    h.setOptionValue("output_flag", rules.scenario.solver.log)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", rules.scenario.solver.threads or 0)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("time_limit", max(0.5, seconds))
    if cutoff is not None:
        h.setOptionValue("objective_bound", cutoff + 1e-6 * max(1.0, abs(cutoff)))
    nrows = len(codes) + len(markets)
    lower = np.array([1.0] * len(codes) + [-highspy.kHighsInf] * len(markets))
    upper = np.array([1.0] * len(codes) + [float(capacity or 0)] * len(markets))
    h.addRows(nrows, lower, upper, 0, np.zeros(nrows, dtype=np.int32), np.array([], dtype=np.int32),
              np.array([]))
    n = len(pool)
    h.addCols(n, cost, np.zeros(n), np.ones(n), len(index), np.array(starts[:-1], dtype=np.int32),
              np.array(index, dtype=np.int32), np.ones(len(index)))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    where = {c: k for k, c in enumerate(pool)}
    if start and all(c in where for c in start):
        h.setSolution(len(start), np.array([where[c] for c in start], dtype=np.int32), np.ones(len(start)))
    if interrupt is not None:
        def stop_on_ctrl_c(kind, message, data_out, data_in, user_data):
            if interrupt.requested and data_in is not None:
                data_in.user_interrupt = True

        h.setCallback(stop_on_ctrl_c, None)
        h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
    while True:
        status = run_highs(h)
        info = h.getInfo()
        if status == "infeasible" or info.primal_solution_status == 0:
            return [], None, status == "infeasible"
        values = np.asarray(h.getSolution().col_value)
        chosen = [pool[k] for k in np.flatnonzero(values > 0.5)]
        # the pool was searched with the weekend rota's counting rules only: forbid every column
        # of a chosen member set that no rota can staff, and solve again
        failing = {m for m, _ in chosen if not rules.rostered(m)}
        if not failing:
            break
        if time.perf_counter() >= deadline:
            return [], None, False
        drop = np.array([k for k, (m, _) in enumerate(pool) if m in failing], dtype=np.int32)
        h.changeColsBounds(len(drop), drop, np.zeros(len(drop)), np.zeros(len(drop)))
        h.setOptionValue("time_limit", max(0.5, deadline - time.perf_counter()))
    if not _is_plan(rules, chosen):
        return [], None, False
    value = plan_cost(rules, chosen)
    proven = status == "optimal" and info.mip_dual_bound >= value - 1e-6 * max(1.0, abs(value))
    return chosen, value, proven


def _is_plan(rules: ColumnRules, columns) -> bool:
    """Whether ``columns`` hold every trust once and keep the market capacity."""
    seen = [i for m, _ in columns for i in m]
    if sorted(seen, key=rules.order.get) != sorted(rules.facts, key=rules.order.get):
        return False
    capacity = rules.scenario.market.capacity
    if capacity is not None:
        per: dict[int, int] = {}
        for _, t in columns:
            per[rules.market[t]] = per.get(rules.market[t], 0) + 1
        if max(per.values(), default=0) > capacity:
            return False
    return True
