"""Plain-words summaries of a plan, shared by the report and the slide deck."""

from __future__ import annotations

import math

from .plandata import DAYS, PlanData, tsunami_counts
from .text import period_word, plural

__all__ = ["covers_every_day", "headline_parts", "headline_sentence", "objective_rows", "period_word",
           "TERM_UNITS"]


def covers_every_day(data: PlanData, c) -> bool:
    need = data.min_ratio
    values = []
    for d in DAYS:
        try:
            values.append(float(c[f"cover_ratio_{d}"]))
        except (TypeError, ValueError):
            values.append(float("nan"))
    return all(v >= need for v in values if not math.isnan(v)) and not any(math.isnan(v) for v in values)


def headline_parts(data: PlanData) -> list[str]:
    """The headline's clauses: size, market load, daily cover, weekend rule, rota, status."""
    n_trusts = len(data.trusts)
    n_groups, n_alone = len(data.groups), len(data.standalone)
    parts = [f"{plural(n_trusts, 'trust')} in {plural(n_groups, 'consortium', 'consortia')}"
             + (f" and {plural(n_alone, 'standalone trust')}" if n_alone else "")]
    market = data.market_per_period
    if market:
        peak = max(market.values())
        naive = tsunami_counts(data)
        word = period_word(data.period_months)
        clause = f"no {word} sends more than {plural(peak, 'procurement')} to market"
        if naive and max(naive.values()) > peak:
            clause += f" instead of up to {max(naive.values())} if every trust went alone"
        parts.append(clause)
    cons = data.consortia
    if len(cons):
        ok = sum(covers_every_day(data, c) for _, c in cons.iterrows())
        share = f"{data.min_ratio * 100:.0f}% of its demand"
        if ok == len(cons):
            parts.append(f"every consortium can report at least {share} on every day of the week")
        else:
            parts.append(f"{ok} of {len(cons)} consortia can report at least {share} on every day"
                         " of the week")
    subs = data.weekend_subspecialties
    if subs and len(cons):
        short = [c for c in cons["consortium"] if data.weekend_missing(c)]
        names = " and ".join([", ".join(subs[:-1]), subs[-1]] if len(subs) > 1 else subs)
        if not short:
            parts.append(f"every consortium has {names} cover on Saturdays and Sundays")
        else:
            what = f"at least one of {names}" if len(subs) > 1 else names
            parts.append(f"{plural(len(short), 'consortium', 'consortia')} of {len(cons)} lack"
                         f" {what} cover on a weekend day")
    if data.rota is not None and data.rota.status:
        parts.append(f"{data.rota.n_rostered} of {len(data.rota.status)} consortia have a workable"
                     f" weekend rota over {data.rota.weeks} weekends")
    parts.append(data.status_words)
    return parts


def headline_sentence(data: PlanData) -> str:
    """One sentence a meeting can read, e.g. "134 trusts in 32 consortia; no quarter sends more
    than 4 procurements to market instead of up to 48 if every trust went alone; ...; proven
    optimal"."""
    parts = headline_parts(data)
    return "; ".join(parts) + "."


TERM_UNITS = {
    "timing": ("months between contract end and go-live, all trusts", "months"),
    "distance": ("km from each member to its consortium's hub (medoid), summed", "km"),
    "shortfall": ("reports short of the cover ratio, summed over the seven days", "reports"),
    "subspecialty_gap": ("missing weekend subspecialty-days", "subspecialty-days"),
    "standalone": ("trusts left to procure alone", "trusts"),
    "moved": ("trusts moved from the baseline plan", "trusts"),
}


def objective_rows(data: PlanData) -> list[tuple[str, str, str, str]]:
    """(term, what it counts with its unit, weight per unit, points) for each objective term."""
    weights = data.settings.get("objective") or {}
    out = []
    for term, points in (data.plan.get("terms") or {}).items():
        what, unit = TERM_UNITS.get(term, (term, "units"))
        w = weights.get(term)
        try:
            amount = float(points) / float(w) if w else None
        except (TypeError, ValueError):
            amount = None
        amount_s = "" if amount is None else f"{_round(amount)} {unit}"
        out.append((term, f"{what}: {amount_s}" if amount_s else what,
                    "" if w is None else f"{float(w):g} per {unit.rstrip('s') if unit.endswith('s') else unit}",
                    f"{float(points):,.2f}"))
    return out


def _round(x: float) -> str:
    s = f"{x:,.1f}"
    return s[:-2] if s.endswith(".0") else s
