"""Hand-made tiny scenarios for the rule, input, CLI and output tests.

Trusts sit on one meridian (lon -1.5), ``km`` kilometres north of 52.0 N, so the distance
between two trusts is the difference of their ``km``. By default every trust covers its own
demand on every day (:func:`strong`); :func:`weak` cannot, :func:`neuro` has weekend neuro.
"""

from __future__ import annotations

from pathlib import Path

from small import demand, roster, trust, write_case

from consortia import check, solve, write_plan

KM_PER_DEGREE = 6371.0088 * 3.141592653589793 / 180  # great-circle km per degree of latitude

PLANNING = {"start": "2014-01-01", "periods": 6, "period_months": 3, "lead_time_months": 0,
            "max_extension_months": 6, "max_early_exit_months": 3}
"""write_case's default horizon: go-lives 2014-01-01 .. 2015-04-01, quarterly."""


def strong(code):
    """Two radiologists, 40 reports a weekday, 20 a weekend day: a surplus on every day."""
    return roster(code, 2, weekday=2, sat=1, sun=1)


def weak(code):
    """One radiologist, weekdays only: 10 reports a weekday, none at the weekend."""
    return roster(code, 1, weekday=1)


def neuro(code):
    """Like ``strong``, with neuro radiologists working both weekend days."""
    return roster(code, 2, weekday=2, sat=1, sun=1, subs="neuro")


def case(folder: Path, layout: dict, settings: dict | None = None, *, links=None, rosters=None,
         demands=None):
    """Write a scenario of ``layout = {code: (km north, contract_end[, region])}`` and load it.

    ``rosters`` maps a code to a roster factory (default :func:`strong`); ``demands`` maps a code
    to (weekday, weekend) reports (default (10, 5)).
    """
    rosters, demands = rosters or {}, demands or {}
    trusts = [trust(code, round(52.0 + v[0] / KM_PER_DEGREE, 6), -1.5, *v[1:]) for code, v in layout.items()]
    rows = [r for code in layout for r in rosters.get(code, strong)(code)]
    need = [demand(code, *demands.get(code, (10, 5))) for code in layout]
    return write_case(Path(folder), trusts, rows, need, settings or {}, links)


def solve_checked(scenario, folder: Path):
    """Solve, write the plan to ``folder`` (no figures), and assert the checker passes it."""
    plan = solve(scenario)
    assert plan.has_plan, (plan.status, plan.diagnosis)
    written = write_plan(plan, folder, figures=False)
    report = check(scenario, written)
    assert report.ok, report.violations
    assert abs(report.objective - plan.objective) <= 1e-4 * max(1.0, abs(plan.objective))
    return plan


def groups(plan) -> set[frozenset]:
    """The plan's consortia as sets of trust codes."""
    return {frozenset(c.members) for c in plan.consortia}


QUIET = {"term_years": 1.0, "procurement": 0.0, "contract_per_trust_year": 0.0, "volume_exponent": 1.0,
         "extension_per_month": 0.0, "early_exit_per_month": 0.0, "integration_per_member": 0.0,
         "icb_premium": 0.0, "region_premium": 0.0, "no_share_premium": 0.0, "travel_per_km": 0.0,
         "trips_per_year": 1.0, "outsourcing_per_report": 0.0, "subspecialty_gap_per_day": 0.0}
"""Every cost off: each test switches on the terms it is about."""


def costed(folder: Path, layout: dict, costs: dict, settings: dict | None = None, *, links=None, rosters=None):
    """A scenario of ``layout = {code: (km north, contract_end, icb[, region])}`` in pounds."""
    rows = []
    for code, (north, end, icb, *region) in layout.items():
        row = trust(code, round(52.0 + north / KM_PER_DEGREE, 6), -1.5, end, *(region or ["R1"]))
        row["icb"] = icb
        rows.append(row)
    rosters = rosters or {}
    radiologists = [r for code in layout for r in rosters.get(code, strong)(code)]
    need = [demand(code, 10, 5) for code in layout]
    doc = {"costs": {**QUIET, **costs}, **(settings or {})}
    return write_case(Path(folder), rows, radiologists, need, doc, links)
