"""Why a consortium cannot be rostered: counting bounds, then the gaps program's least extra
sessions, read back as the weekend, the day, the subspecialty or the reports short and the
smallest fix (e.g. "1 more neuro session every other Sunday")."""

from __future__ import annotations

import datetime as dt
import math

from ..status import Status
from .model import (
    DAY_NAMES,
    EPS,
    WEEKEND_DAYS,
    ConsortiumRota,
    Task,
    build_gaps_model,
    demand_shares,
    duties_of,
    need_sessions,
    solve_program,
)

__all__ = ["capacity_bounds", "diagnose"]


def capacity_bounds(task: Task) -> list[str]:
    """Plain-words reasons from counting alone why the rota cannot exist (empty when none).

    In any ``one_in`` consecutive weekends each radiologist works at most one, so those weekends'
    sessions on a day are at most the sum of everyone's roster sessions that day.
    """
    rules = task.rules
    window = min(rules.weeks, rules.one_in)
    need = need_sessions(task)
    reasons = []
    for d, day in enumerate(WEEKEND_DAYS):
        have = sum(s.sessions[d] for s in task.staff)
        people = sum(1 for s in task.staff if s.sessions[d] > 0)
        if need[d] * window > have + EPS:
            demand = sum(task.demand[m][d] for m in task.members)
            reasons.append(
                f"{DAY_NAMES[day]}s need {need[d]:.3g} sessions every weekend ({rules.min_ratio:g} x "
                f"{demand:g} reports / {rules.reports_per_session:g} per session); the {people} "
                f"radiologist(s) available on {DAY_NAMES[day]}s hold {have:g} session(s) between them and "
                f"each works at most one weekend in {rules.one_in}, so at most {have / window:.3g} per "
                f"{DAY_NAMES[day]} on average (the plan's cover rule counted all {have:g} every weekend)")
        for sub in rules.weekend_subspecialties:
            count = sum(1 for s in task.staff if s.sessions[d] > 0 and sub in s.subspecialties)
            if count < window:
                reasons.append(f"{count} {sub} radiologist(s) available on {DAY_NAMES[day]}s, but one "
                               f"is needed every {DAY_NAMES[day]} and each works at most one weekend in "
                               f"{rules.one_in}, so {window} are needed")
    return reasons


def diagnose(task: Task, result: ConsortiumRota, bounds: list[str], outcome) -> None:
    """Fill in the status, gaps and fixes from the gap program (least extra sessions)."""
    rules = task.rules
    var = build_gaps_model(task)
    gaps_outcome = solve_program(var, rules)
    result.diagnosis = list(bounds)
    if gaps_outcome.objective is None:
        result.status = Status.NO_SOLUTION
        result.diagnosis.append(f"no rota and no diagnosis within {rules.time_limit:g} s; raise --time-limit")
        return
    extra = sum(round(v.value() or 0) for v in var.extra.values()) \
        + sum(round(v.value() or 0) for v in var.extra_sub.values())
    slack = sum((v.value() or 0) for v in list(var.over.values()) + list(var.under.values()))
    result.extra_sessions = extra
    result.gaps_proven = gaps_outcome.status == Status.OPTIMAL
    if extra == 0 and slack <= 1e-6:
        # the rules can be met: the first program ran out of time before finding a rota
        if outcome is not None and outcome.status == Status.INFEASIBLE:  # pragma: no cover - solver disagreement
            result.status = Status.NO_SOLUTION
            result.diagnosis.append("the solver reported no rota but found one with no gaps; rerun")
            return
        result.status = Status.FEASIBLE
        result.duties = duties_of(task, var.x)
        result.count(task)
        result.message = "rota found by the gap program; spread not minimised within the time limit"
        return
    if not result.gaps_proven and not bounds and (outcome is None or outcome.status != Status.INFEASIBLE):
        result.status = Status.NO_SOLUTION
        result.diagnosis.append(f"no rota found within {rules.time_limit:g} s; the best attempt below still "
                                f"has gaps, not proven unavoidable")
    else:
        result.status = Status.INFEASIBLE
    _describe_gaps(task, result, var, result.gaps_proven)


def _describe_gaps(task: Task, result: ConsortiumRota, var: dict, proven: bool) -> None:
    rules = task.rules
    n = rules.weeks
    need = need_sessions(task)
    rps = rules.reports_per_session
    duties = duties_of(task, var.x)
    given: dict[tuple[int, int], float] = {}
    for u in duties:
        key = (u.weekend - 1, WEEKEND_DAYS.index(u.day))
        given[key] = given.get(key, 0.0) + u.sessions
    plain: dict[int, dict[int, int]] = {0: {}, 1: {}}
    special: dict[tuple[str, int], list[int]] = {}
    for (w, d), v in var.extra.items():
        amount = round(v.value() or 0)
        if amount:
            plain[d][w] = amount
    for (sub, w, d), v in var.extra_sub.items():
        if (v.value() or 0) > 0.5:
            special.setdefault((sub, d), []).append(w)
    for w in range(n):
        for d, day in enumerate(WEEKEND_DAYS):
            date = task.start + dt.timedelta(days=7 * w + d)
            short = max(0.0, (need[d] - given.get((w, d), 0.0)) * rps)
            if short > EPS:
                result.gaps.append({"weekend": w + 1, "date": date.isoformat(), "day": day, "kind": "reports",
                                    "reports_short": round(short, 2),
                                    "sessions_short": math.ceil(short / rps - EPS)})
            for sub in rules.weekend_subspecialties:
                if w in special.get((sub, d), []):
                    result.gaps.append({"weekend": w + 1, "date": date.isoformat(), "day": day,
                                        "kind": "subspecialty", "subspecialty": sub})
    for day in WEEKEND_DAYS:
        name = DAY_NAMES[day]
        rows = [g for g in result.gaps if g["day"] == day and g["kind"] == "reports"]
        if 0 < len(rows) <= 4:
            result.diagnosis.append("; ".join(f"{name} {g['date']} (weekend {g['weekend']}): {g['reports_short']:g} "
                                              f"reports short ({g['sessions_short']} session(s))" for g in rows))
        elif rows:
            reports = [g["reports_short"] for g in rows]
            sessions = [g["sessions_short"] for g in rows]
            result.diagnosis.append(
                f"{name}s short of reports on {len(rows)} of the {n} weekends (weekends "
                f"{' '.join(str(g['weekend']) for g in rows)}): {_span(reports)} reports "
                f"({_span(sessions)} session(s)) each")
        for sub in rules.weekend_subspecialties:
            group = [g for g in result.gaps if g["day"] == day and g.get("subspecialty") == sub]
            if 0 < len(group) <= 4:
                result.diagnosis.append(f"no {sub} session on {name} " + ", ".join(
                    f"{g['date']} (weekend {g['weekend']})" for g in group))
            elif group:
                result.diagnosis.append(f"no {sub} session on {len(group)} of the {n} {name}s (weekends "
                                        f"{' '.join(str(g['weekend']) for g in group)})")
    word = "" if proven else "(not proven least) "
    for d, day in enumerate(WEEKEND_DAYS):
        subs = [f"1 {sub} session {_pattern(sorted(ws), n, day)}"
                for (sub, dd), ws in sorted(special.items()) if dd == d]
        if not plain[d]:
            if subs:
                result.fixes.append(word + " and ".join(f"1 more {p[2:]}" for p in subs))
            continue
        totals = {w: plain[d].get(w, 0) + sum(1 for (sub, dd), ws in special.items() if dd == d and w in ws)
                  for w in range(n)}
        weeks = sorted(w for w, t in totals.items() if t)
        amounts = [totals[w] for w in weeks]
        text = f"{_span(amounts)} more session{'s' if max(amounts) > 1 else ''} {_pattern(weeks, n, day)}"
        if subs:
            text += " (of them " + " and ".join(subs) + ")"
        result.fixes.append(word + text)
    # the trust-share rule
    shares = demand_shares(task)
    if shares is not None and len(task.members) > 1:
        gave = {m: 0.0 for m in task.members}
        for u in duties:
            gave[u.trust] += u.sessions
        total = sum(gave.values())
        worst = 0.0
        for m in task.members:
            slack = (var.over[m].value() or 0) + (var.under[m].value() or 0)
            if slack > 1e-4:
                got = gave[m] / total if total > 0 else 0.0
                worst = max(worst, abs(got - shares[m]))
                people = sum(1 for s in task.staff if s.trust == m)
                result.gaps.append({"kind": "share", "trust": m, "sessions_share": round(got, 4),
                                    "demand_share": round(shares[m], 4), "sessions_off": round(slack, 2)})
                result.diagnosis.append(
                    f"trust {m} gives {gave[m]:g} of {total:g} sessions ({100 * got:.0f}%) against "
                    f"{100 * shares[m]:.0f}% of the weekend demand (tolerance {100 * rules.tolerance:g} "
                    f"points; {people} {m} radiologist(s) available at weekends)")
        if worst:
            below = [m for m in task.members if total > 0 and gave[m] / total < shares[m] - 1e-9]
            if below:
                result.fixes.append("more weekend radiologists at " + ", ".join(
                    f"{m} ({100 * gave[m] / total:.0f}% of the sessions, {100 * shares[m]:.0f}% of the demand)"
                    for m in below))
            result.fixes.append(f"or a trust-share tolerance of at least {math.ceil(worst * 100) / 100:.2f}")
    # alternatives from the capacity bound alone
    if any(g["kind"] != "share" for g in result.gaps):
        window = min(rules.weeks, rules.one_in)
        limits, ratios = [], []
        for d in range(2):
            have = sum(s.sessions[d] for s in task.staff)
            demand = sum(task.demand[m][d] for m in task.members)
            if need[d] > EPS:
                limits.append(have / need[d])
                ratios.append(have / window * rps / demand)
            for sub in rules.weekend_subspecialties:
                limits.append(sum(1 for s in task.staff if s.sessions[d] > 0 and sub in s.subspecialties))
        k_max = math.floor(min(limits) + EPS) if limits else rules.one_in
        notes = []
        if 2 <= k_max < rules.one_in:
            notes.append(f"the rosters pass the capacity bound at one weekend in {k_max}")
        elif k_max < 2:
            notes.append("even one weekend in 2 (the most often the never-two-in-a-row rule allows) fails "
                         "the capacity bound")
        if ratios and min(ratios) < rules.min_ratio:
            notes.append(f"the weekend sessions support a ratio of at most {min(ratios):.2f} "
                         f"(required {rules.min_ratio:g})")
        if notes:
            result.fixes.append("alternatively (capacity bound only, not solved): " + "; ".join(notes))


def _span(values) -> str:
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _pattern(weekends: list[int], n: int, day: str) -> str:
    """``every Sunday``, ``every other Sunday``, ``one Sunday in 3`` or ``on 3 of the 8 Sundays (...)``."""
    name = DAY_NAMES[day]
    if len(weekends) == n:
        return f"every {name}"
    for period in range(2, n):
        if len(weekends) >= 2 and weekends == list(range(weekends[0] % period, n, period)):
            return f"every other {name}" if period == 2 else f"one {name} in {period}"
    return f"on {len(weekends)} of the {n} {name}s (weekend{'s' if len(weekends) > 1 else ''} " \
           f"{' '.join(str(w + 1) for w in weekends)})"
