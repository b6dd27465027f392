"""A plan in pounds in plain words: its cost against the counterfactuals that plan.yaml records
(``counterfactuals``: every trust alone at its contract end, the plan without market capacity),
shared by the report, the slides, the workspace and the terminal. Reads plan.yaml mappings only
(no plotting library, so the command line can use it at once); says nothing for a weighted plan.
"""

from __future__ import annotations

import math

from ..costs import pounds, short_pounds
from .text import period_word, plural

__all__ = ["MONEY_TERM_WORDS", "in_pounds", "money_figures", "capacity_clause", "money_sentence", "money_lines",
           "money_rows"]


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
    lines = money_lines(plan)
    if lines is None:
        return None
    return "; ".join(lines[:1] + [line[0].lower() + line[1:] for line in lines[1:]]) + "."


def money_lines(plan: dict) -> list[str] | None:
    """:func:`money_sentence` as its clauses, each a line (for a slide): the cost against every
    trust alone, then what the market capacity adds (when known)."""
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
    return [text] + ([clause[0].upper() + clause[1:]] if clause else [])


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


def money_rows(plan: dict) -> list[tuple[str, str, str, str]]:
    """(term, what it counts, rate, pounds) for each cost term of a plan.yaml mapping in pounds."""
    costs = (plan.get("settings") or {}).get("costs") or {}
    out = []
    for term, value in (plan.get("terms") or {}).items():
        what, key = MONEY_TERM_WORDS.get(term, (term, term))
        out.append((term, what, _rate(costs, term, key), pounds(float(value))))
    return out
