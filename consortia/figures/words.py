"""Plain-words summaries of a plan, shared by the report and the slide deck."""

from __future__ import annotations

import math

from ..costs import pounds, short_pounds
from .plandata import DAYS, PlanData, tsunami_counts
from .text import plural

__all__ = ["covers_every_day", "headline_parts", "headline_sentence", "objective_rows", "period_word",
           "TERM_UNITS", "MONEY_TERM_WORDS", "money_rows", "in_pounds", "money_figures", "money_sentence",
           "capacity_clause"]


def period_word(months: int) -> str:
    return {1: "month", 3: "quarter", 6: "half-year", 12: "year"}.get(months, f"{months}-month period")


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


# ----------------------------------------------------------------------------- in pounds


def in_pounds(plan: dict) -> bool:
    """Whether a plan.yaml mapping's objective is in pounds (a ``costs`` section)."""
    return plan.get("objective_unit") == "GBP" and _number(plan.get("objective")) is not None


def _number(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _section(plan: dict, key: str) -> dict:
    value = (plan.get("counterfactuals") or {}).get(key)
    return value if isinstance(value, dict) else {}


def money_figures(plan: dict) -> dict | None:
    """The headline's numbers from a plan.yaml mapping in pounds, or None for weighted plans:
    ``cost``, ``alone``, ``saving`` (alone minus cost), ``saving_share``, ``without`` (the plan
    without market capacity's record), ``capacity`` (what the market capacity costs: estimate,
    low, high, exact) and ``term_years``."""
    if not in_pounds(plan):
        return None
    cost = float(plan["objective"])
    alone = _number(_section(plan, "alone_at_contract_end").get("objective"))
    costs = (plan.get("settings") or {}).get("costs") or {}
    return {"cost": cost, "alone": alone,
            "saving": None if alone is None else alone - cost,
            "saving_share": None if not alone else (alone - cost) / alone,
            "without": _section(plan, "without_market_capacity"),
            "capacity": _section(plan, "market_capacity_cost"),
            "term_years": _number(costs.get("term_years"))}


def capacity_clause(plan: dict) -> str | None:
    """What the market capacity adds, in words, from plan.yaml's counterfactuals (None when the
    plan without it was not solved)."""
    figures = money_figures(plan)
    if figures is None:
        return None
    without, cost = figures["without"], figures["capacity"]
    if not without or without.get("status") == "skipped":
        return None
    if without.get("note") == "the scenario sets no market capacity":
        return "no market capacity is set"
    settings = plan.get("settings") or {}
    cap = (settings.get("market") or {}).get("capacity")
    word = period_word(int((settings.get("planning") or {}).get("period_months") or 3))
    what = (f"the market capacity ({plural(int(cap), 'procurement')} a {word})" if cap is not None
            else "the market capacity")
    free = _number(without.get("objective"))
    if free is None:
        limit = _number(without.get("time_limit"))
        within = f" within {limit:g} s" if limit is not None else ""
        return (f"no plan without market capacity was found{within}" if without.get("status") == "no_solution"
                else f"the plan without market capacity: {without.get('status')}")
    estimate, high = _number(cost.get("estimate")), _number(cost.get("high"))
    if cost.get("exact") and estimate is not None and estimate < 0.5:
        return f"{what} adds nothing (the plan without it costs the same)"
    if cost.get("exact"):
        return f"{what} adds {short_pounds(estimate)} (the plan without it: {short_pounds(free)})"
    if not cost.get("cheaper_plan_found"):
        limit = _number(without.get("time_limit"))
        return ("no cheaper plan without market capacity was found" + (f" in {limit:g} s" if limit else "")
                + (f"; {what} adds at most {short_pounds(high)}" if high is not None else ""))
    most = f", at most {short_pounds(high)}" if high is not None else ""
    return f"{what} adds about {short_pounds(estimate)}{most} (the plan without it: {short_pounds(free)})"


def money_sentence(plan: dict) -> str | None:
    """The plan's cost against both counterfactuals in one sentence a meeting reads, e.g. "Buying
    in 33 consortia (and 1 trust alone) costs £498.9m over the 7-year term, £71.9m (12.6%) less
    than every trust buying alone at its contract end (£570.8m); the market capacity (4
    procurements a quarter) adds about £0.9m, at most £1.0m (the plan without it: £498.0m)."; None
    for a weighted plan (no pounds)."""
    figures = money_figures(plan)
    if figures is None:
        return None
    m = plan.get("metrics") or {}
    n_groups, n_alone = int(m.get("n_consortia") or 0), int(m.get("n_standalone") or 0)
    who = (f"Buying in {plural(n_groups, 'consortium', 'consortia')}"
           + (f" (and {plural(n_alone, 'trust')} alone)" if n_alone else "")) if n_groups else \
        f"{plural(n_alone, 'trust')} buying alone at the planned go-lives"
    term = f" over the {figures['term_years']:g}-year term" if figures["term_years"] else ""
    verb = "cost" if not n_groups and n_alone != 1 else "costs"
    text = f"{who} {verb} {short_pounds(figures['cost'])}{term}"
    if figures["alone"] is not None:
        saving = figures["saving"]
        share = f" ({100 * abs(figures['saving_share']):.1f}%)" if figures["saving_share"] is not None else ""
        text += (f", {short_pounds(abs(saving))}{share} {'less' if saving >= 0 else 'more'} than every trust "
                 f"buying alone at its contract end ({short_pounds(figures['alone'])})")
    clause = capacity_clause(plan)
    return text + (f"; {clause}" if clause else "") + "."


MONEY_TERM_WORDS = {
    "procurement": ("running each procurement (one per consortium and per standalone trust)", "procurement"),
    "contract": ("the contract over the term, with the volume discount of buying together", "contract_per_trust_year"),
    "integration": ("joining the shared platform and its information governance, per member",
                    "integration_per_member"),
    "extension": ("running past the contract end, per trust-month", "extension_per_month"),
    "early_exit": ("leaving a contract before its end, per trust-month", "early_exit_per_month"),
    "travel": ("travel to the hub for on-site cover over the term", "travel_per_km"),
    "boundary": ("members in another ICB or region than their hub, or without an image-sharing agreement",
                 "icb_premium"),
    "shortfall": ("outsourcing the reports short of the cover ratio, every week of the term",
                  "outsourcing_per_report"),
    "subspecialty_gap": ("missing weekend subspecialty-days, every week of the term", "subspecialty_gap_per_day"),
    "moved": ("trusts moved from the baseline plan", "moved"),
}
"""Each cost term: what it counts, and the ``costs`` setting of its rate."""

_RATE_UNITS = {"procurement": "a procurement", "contract_per_trust_year": "a trust-year alone",
               "integration_per_member": "a member", "extension_per_month": "a trust-month",
               "early_exit_per_month": "a trust-month", "travel_per_km": "a km",
               "outsourcing_per_report": "a report", "subspecialty_gap_per_day": "a day", "moved": "a trust"}


def _rate(costs: dict, term: str, key: str) -> str:
    if term == "boundary":
        parts = [(costs.get("icb_premium"), "another ICB"), (costs.get("region_premium"), "another region"),
                 (costs.get("no_share_premium"), "no sharing agreement")]
        return "; ".join(f"{pounds(float(v))} {what}" for v, what in parts if _number(v) is not None)
    value = _number(costs.get(key))
    if value is None:
        return ""
    text = (f"£{value:,.3f}".rstrip("0").rstrip(".") if not value.is_integer() else pounds(value))
    text += f" {_RATE_UNITS.get(key, '')}".rstrip()
    if term == "contract" and _number(costs.get("volume_exponent")) is not None:
        text += f", x n^{float(costs['volume_exponent']):g} for n trusts"
    if term == "travel" and _number(costs.get("trips_per_year")) is not None:
        text += f", {float(costs['trips_per_year']):g} return trips a year"
    return text


def money_rows(data: PlanData) -> list[tuple[str, str, str, str]]:
    """(term, what it counts, rate, pounds) for each cost term of a plan in pounds."""
    costs = data.settings.get("costs") or {}
    out = []
    for term, value in (data.plan.get("terms") or {}).items():
        what, key = MONEY_TERM_WORDS.get(term, (term, term))
        out.append((term, what, _rate(costs, term, key), pounds(float(value))))
    return out
