"""A brute-force oracle: enumerate every partition and every go-live, keep the cheapest.

It shares nothing with the model. Each consortium is judged by the checker's reading of the
rules (itself written independently of the model), and the go-lives are enumerated here.
"""

from __future__ import annotations

import math

from consortia.checker import _Rules

TOL = 1e-6


def partitions(items: list):
    """Every set partition of ``items`` (Bell-number many)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in partitions(rest):
        for k in range(len(part)):
            yield part[:k] + [[first] + part[k]] + part[k + 1:]
        yield [[first]] + part


def brute_force(scenario, instance) -> float | None:
    """The optimal objective, or None when no plan keeps every rule."""
    rules = _Rules(scenario, instance)
    cap = scenario.market.capacity
    together = [tuple(p) for p in scenario.directives.together]
    fixed = [(set(f.members), f.grow) for f in scenario.directives.fixed]
    named = {f.name: set(f.members) for f in scenario.directives.fixed if f.name}
    pins = scenario.directives.pin
    block_cache: dict[frozenset, tuple | None] = {}

    def block(members: frozenset):
        if members in block_cache:
            return block_cache[members]
        ms = sorted(members)
        result = None
        if not rules.consortium_breaks("X", ms):
            options = []
            for g in rules.go_lives:
                if rules.go_live_breaks("X", g) or any(rules.timing_breaks(m, g) for m in ms):
                    continue
                if any(set(f.members) <= members and f.go_live not in (None, g)
                       for f in scenario.directives.fixed):
                    continue
                if any(p.go_live not in (None, g) for p in pins if p.trust in members):
                    continue
                options.append((sum(sum(rules.timing_terms(m, g).values()) for m in ms), rules.market_date(g)))
            if options:
                result = (sum(rules.block_terms(ms).values()), sorted(options))
        block_cache[members] = result
        return result

    best = math.inf
    for part in partitions(list(rules.planned)):
        sets = [frozenset(b) for b in part]
        where = {m: k for k, b in enumerate(sets) for m in b}
        if any(where[a] != where[b] for a, b in together):
            continue
        if any(not (f <= sets[where[next(iter(f))]] and (grow or f == sets[where[next(iter(f))]]))
               for f, grow in fixed):
            continue
        if any(p.consortium is not None and not named[p.consortium] <= sets[where[p.trust]]
               for p in pins if p.trust in where):
            continue
        evaluated = [block(b) for b in sets]
        if any(e is None for e in evaluated):
            continue
        static = sum(e[0] for e in evaluated)
        if rules.baseline is not None:
            static += rules.moved_rate() * _moved_count(rules.baseline, sets)
        if static >= best:
            continue
        best = min(best, static + _cheapest_timing(evaluated, cap, best - static))
    return None if math.isinf(best) else best


def _cheapest_timing(blocks, cap, budget) -> float:
    """Least total timing cost choosing one option per block, at most ``cap`` per market date."""
    best = [budget]
    used: dict = {}
    order = sorted(blocks, key=lambda b: len(b[1]))

    def go(k, cost):
        if cost >= best[0]:
            return
        if k == len(order):
            best[0] = cost
            return
        for option_cost, market in order[k][1]:
            if cap is not None and used.get(market, 0) >= cap:
                continue
            used[market] = used.get(market, 0) + 1
            go(k + 1, cost + option_cost)
            used[market] -= 1

    go(0, 0.0)
    return best[0] if best[0] < budget else math.inf


def _moved_count(baseline: dict[str, str], sets: list[frozenset]) -> int:
    """Trusts whose co-members among the trusts in both plans differ from the baseline's."""
    both = {m for b in sets for m in b if m in baseline}
    count = 0
    for block in sets:
        for m in block & both:
            before = {o for o in both if baseline[o] == baseline[m]}
            count += (block & both) != before
    return count


def assert_brackets_brute_force(scenario, instance, folder, proven: bool = False):
    """Solve and hold the plan to the brute-force optimum: ``infeasible`` exactly when none
    exists, ``optimal`` only at the optimum, the bound at or below it, the written plan accepted
    by the checker at the same objective; when ``proven``, proven optimal by enumeration itself
    (no compact fallback)."""
    import pytest

    from consortia import check, solve, write_plan

    expected = brute_force(scenario, instance)
    plan = solve(scenario, instance=instance)
    if expected is None:
        assert plan.status == "infeasible", plan.consortia
        return plan
    if proven:
        assert plan.status == "optimal"
        assert plan.solver["method"] == "enumerate" and "after_columns_found_no_plan" not in plan.solver
    assert plan.status in ("optimal", "feasible")
    assert plan.best_bound <= expected + TOL
    assert plan.objective >= expected - TOL
    if plan.status == "optimal":
        assert plan.objective == pytest.approx(expected, abs=1e-6)
    report = check(scenario, write_plan(plan, folder, instance=instance, figures=False), instance=instance)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(plan.objective, abs=1e-4)
    return plan
