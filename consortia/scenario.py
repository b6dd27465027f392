"""The scenario: every setting of a run, parsed from YAML into frozen dataclasses.

Each section of the YAML file is one dataclass below; each field's ``doc`` metadata is the
documentation of that key (the README's settings table is generated from it). Unknown keys
are rejected with the closest valid name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConsortiaError
from .suggest import did_you_mean
from .yamlfile import load_strict, problem_words

__all__ = ["DAYS", "WEEKEND", "NAME_PATTERN", "YAML11_EXPONENT", "setting", "Inputs", "Planning", "Market",
           "Network", "Consortium", "Cover", "Objective", "Solver", "FixedConsortium", "Pin", "Directives",
           "Output", "Scenario", "EARLIEST_DATE", "LATEST_DATE", "calendar_problem", "parse_date", "MAX_MONTHS",
           "MAX_PERIODS", "MAX_WEEKS", "MAX_THREADS", "MAX_CONSORTIUM", "MAX_WEIGHT", "MAX_MONEY",
           "MAX_RATIO", "MAX_REPORTS", "scenario_from_dict", "load_scenario",
           "with_overrides", "parse_set", "settings_table"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKEND = ("sat", "sun")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
YAML11_EXPONENT = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+$")


def setting(default: Any = dataclasses.MISSING, *, doc: str, check=None, unit: str = ""):
    """A scenario key: its default, its documentation and an optional value check."""
    meta = {"doc": doc, "check": check, "unit": unit}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def _positive(v):
    return v > 0 or "must be > 0"


def _non_negative(v):
    return v >= 0 or "must be >= 0"


def _at_least(n):
    return lambda v: v >= n or f"must be >= {n}"


def _between(low, high, why=""):
    return lambda v: low <= v <= high or f"must be between {low} and {high}{why}"


EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
"""The calendar the tool plans in: every date of the inputs and settings lies within it, so the
month arithmetic of a plan (periods, extensions, lead times added) stays within Python's dates."""


DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> dt.date:
    """The date ``text`` writes as YYYY-MM-DD, the one form the tool reads; ``ValueError`` for any
    other text or an impossible date (``date.fromisoformat`` alone also reads 20141231 and 2014-W01-1)."""
    if not DATE_FORM.fullmatch(text):
        raise ValueError(f"{text!r} is not written YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def calendar_problem(date: dt.date) -> str | None:
    """Why ``date`` lies outside the calendar the tool plans in, or None when it lies inside."""
    if EARLIEST_DATE <= date <= LATEST_DATE:
        return None
    return f"{date.isoformat()} is outside the dates the tool plans for ({EARLIEST_DATE} to {LATEST_DATE})"


MAX_MONTHS = 1200
"""Longest lead time, extension or early exit (100 years)."""
MAX_PERIODS = 240
"""Most planning periods (the model grows with periods times trusts times candidates)."""
MAX_WEEKS = 104
"""Most weekends a rota covers (two years; the rota model grows with the weeks)."""
MAX_THREADS = 256
"""Most solver threads."""
MAX_CONSORTIUM = 1000
"""Largest consortium size a scenario may allow (the column generation's tables grow with it)."""


MAX_WEIGHT = 1_000_000.0
"""Largest objective weight. Weights are relative to each other; a plan's coefficients are weights
times months, km or trusts, and HiGHS reads a coefficient of 1e20 as infinite (its tolerances are
relative to about 1e-9), so larger weights would make the solver's answer meaningless."""
MAX_MONEY = 1_000_000_000.0
"""Largest amount of one cost setting, in pounds (a billion: the whole of England's PACS/RIS spend
over a term is about half of one)."""
MAX_RATIO = 100.0
"""Largest cover ratio (pooled capacity a hundred times the demand)."""
MAX_REPORTS = 1000.0
"""Most reports one session may produce."""


def _weight(v):
    return 0 <= v <= MAX_WEIGHT or (f"must be between 0 and {MAX_WEIGHT:,.0f} (weights are relative; larger "
                                    "ones are beyond the solver's numerical range)")


def _money(v):
    return 0 <= v <= MAX_MONEY or (f"must be between 0 and {MAX_MONEY:,.0f} pounds (larger amounts are "
                                   "beyond the solver's numerical range)")


def _one_of(*choices):
    return lambda v: v in choices or f"must be one of {', '.join(choices)}"


def _valid_name(v):
    return bool(NAME_PATTERN.match(v)) or (
        "must start with a letter or digit and contain only letters, digits, '.', '_' or '-' "
        "(it names the output folder)")


@dataclass(frozen=True)
class Inputs:
    trusts: Path = setting(doc="trusts CSV: code, name, lat, lon, contract_end[, region]")
    rosters: Path = setting(doc="rosters CSV: one row per radiologist")
    demand: Path = setting(doc="demand CSV: reports needed per trust and day of week")
    links: Path | None = setting(None, doc="optional links CSV: trust_a, trust_b, relation (share/forbid)")
    regions: Path | None = setting(None, doc="optional region polygons (GeoJSON, EPSG:4326) for maps")


@dataclass(frozen=True)
class Planning:
    start: dt.date = setting(doc="start of the first period (the 1st of a month); go-live dates are period "
                                 "starts, and a go-live's go-to-market date (lead time earlier) may not "
                                 "fall before this")
    periods: int = setting(doc="number of planning periods (go-live dates are period starts)",
                           check=_between(1, MAX_PERIODS, " (the model grows with the periods)"))
    period_months: int = setting(3, doc="length of a period", unit="months", check=_between(1, 120))
    lead_time_months: int = setting(6, doc="time from going to market to go-live", unit="months",
                                    check=_between(0, MAX_MONTHS))
    max_extension_months: int = setting(12, doc="longest a trust may run past its contract end "
                                                "before go-live", unit="months", check=_between(0, MAX_MONTHS))
    max_early_exit_months: int = setting(6, doc="longest a trust may go live before its contract end",
                                         unit="months", check=_between(0, MAX_MONTHS))


@dataclass(frozen=True)
class Market:
    capacity: int | None = setting(None, doc="most procurements (consortia and standalone trusts) "
                                             "that may go to market in one period; null = no limit",
                                   check=_at_least(1))


@dataclass(frozen=True)
class Network:
    max_distance_km: float = setting(80.0, doc="two trusts are linked when their great-circle "
                                               "distance is at most this", unit="km", check=_positive)
    membership: str = setting("clique", doc="'clique': every pair of members linked; 'connected': "
                                            "the members form a connected subgraph",
                              check=_one_of("clique", "connected"))
    same_region: bool = setting(False, doc="never link trusts of different regions (needs a 'region' column)")


@dataclass(frozen=True)
class Consortium:
    min_size: int = setting(2, doc="fewest trusts in a consortium of two or more",
                            check=_between(2, MAX_CONSORTIUM))
    max_size: int = setting(8, doc="most trusts in a consortium", check=_between(2, MAX_CONSORTIUM))
    allow_standalone: bool = setting(True, doc="may a trust stay alone (a consortium of one)?")


@dataclass(frozen=True)
class Cover:
    mode: str = setting("hard", doc="'hard': every consortium must meet the cover rules; 'soft': "
                                    "shortfalls are allowed and paid for in the objective",
                        check=_one_of("hard", "soft"))
    reports_per_session: float = setting(10.0, doc="reports one radiologist session produces",
                                         unit="reports", check=lambda v: 0 < v <= MAX_REPORTS or
                                         f"must be > 0 and at most {MAX_REPORTS:g}")
    min_ratio: float = setting(1.0, doc="pooled capacity / pooled demand a consortium needs on every "
                                        "day of the week", check=_between(0, MAX_RATIO))
    weekend_subspecialties: list[str] = setting([], doc="subspecialties that need at least one session "
                                                        "on each of sat and sun in every consortium")


def _whole(v):
    return (isinstance(v, int) and v >= 1) or "must be a whole number >= 1"


def _weeks(v):
    whole = _whole(v)
    return _between(1, MAX_WEEKS, " (the rota model grows with the weeks)")(v) if whole is True else whole


def _one_in(v):
    return v >= 2 or ("must be >= 2: a radiologist never works two weekends in a row, so 2 "
                      "(every other weekend at most) is the most often anyone can work")


def _fraction(v):
    return 0 <= v <= 1 or "must be between 0 and 1"


@dataclass(frozen=True)
class Rota:
    """The weekend rota every consortium must be able to staff (see consortia/weekend.py)."""

    one_in: int = setting(8, doc="a radiologist is on weekend duty at most one weekend in any `one_in` "
                                 "consecutive weekends (so never two in a row); a roster's sat/sun value is "
                                 "what they give on that day when on duty", unit="weekends", check=_one_in)
    weeks: int = setting(8, doc="consecutive weekends a rota covers", unit="weekends",
                         check=_weeks)
    tolerance: float = setting(0.10, doc="a trust's share of its consortium's weekend sessions may differ "
                                         "from its share of the weekend demand by at most this "
                                         "(0.1 = 10 percentage points)", check=_fraction)
    required: bool = setting(True, doc="every consortium and standalone trust must be rosterable under these "
                                       "rules (in cover.mode soft, a shortfall is paid for instead); false = "
                                       "weekend sessions count every weekend, with no rota behind the plan")
    start: dt.date | None = setting(None, doc="first Saturday of every consortium's rota; null = the "
                                              "first Saturday on or after each consortium's go-live")
    time_limit: float = setting(60.0, doc="solver time limit per consortium for the rota (and again for a "
                                          "diagnosis)", unit="s", check=_positive)


@dataclass(frozen=True)
class Objective:
    timing: float = setting(1.0, doc="cost per month between a trust's contract end and its go-live",
                            unit="per trust-month", check=_weight)
    distance: float = setting(0.01, doc="cost per km from each member to its consortium's medoid",
                              unit="per km", check=_weight)
    shortfall: float = setting(1.0, doc="soft cover: cost per report short of the ratio, summed over "
                                        "the seven days of a week", unit="per report",
                               check=_weight)
    subspecialty_gap: float = setting(20.0, doc="soft cover: cost per required weekend subspecialty "
                                                "missing on a weekend day", unit="per gap",
                                      check=_weight)
    standalone: float = setting(5.0, doc="cost per trust left standalone", unit="per trust",
                                check=_weight)
    moved: float = setting(5.0, doc="with a baseline: cost per trust that moved, i.e. whose co-members "
                                    "among the trusts planned in both plans differ from the baseline's",
                           unit="per trust", check=_weight)


@dataclass(frozen=True)
class Costs:
    """The objective in pounds: what each consortium costs over one contract term.

    Sources of the defaults are in the README ("The costed objective") and
    inputs/england/README.md; a default without a published figure is an assumption, said so.
    """

    term_years: float = setting(7.0, doc="contract term the recurring costs are counted over (Kent and "
                                         "Medway consortium 2013: 7 years; Cheshire and Merseyside: 5 + 5; "
                                         "EMRAD: 10)", unit="years", check=lambda v: 0 < v <= 100 or
                                "must be > 0 and at most 100 years")
    procurement: float = setting(60000.0, doc="cost of running one procurement (every consortium and every "
                                              "standalone trust runs one); assumption from NHS SBS 2014: a full "
                                              "OJEU process costs 'tens of thousands of pounds'",
                                 unit="£ per procurement", check=_money)
    contract_per_trust_year: float = setting(600000.0, doc="PACS/RIS contract value of one trust buying alone "
                                                          "(EMRAD 2014: £30m over 10 years for 7 trusts "
                                                          "after a 30-40% saving; Sussex 2013: £10-20m over "
                                                          "5 years for 5 trusts)", unit="£ per trust-year",
                                             check=_money)
    volume_exponent: float = setting(0.78, doc="volume discount: n trusts buying together pay n^exponent "
                                               "times one trust's contract (0.78 gives EMRAD's 35% saving at 7 "
                                               "trusts; 1 = no discount)", check=lambda v: 0 < v <= 1 or
                                     "must be > 0 and <= 1 (a discount, concave in size)")
    extension_per_month: float = setting(10000.0, doc="premium for running a contract past its end, per "
                                                      "trust-month (assumption: 20% on a £50k monthly "
                                                      "charge)", unit="£ per trust-month", check=_money)
    early_exit_per_month: float = setting(50000.0, doc="payout for leaving a contract before its end, per "
                                                       "trust-month (assumption: the remaining monthly "
                                                       "charges, £600k a year)", unit="£ per trust-month",
                                          check=_money)
    integration_per_member: float = setting(150000.0, doc="integration and information-governance work of "
                                                          "each member of a consortium of two or more "
                                                          "(assumption)", unit="£ per member",
                                            check=_money)
    icb_premium: float = setting(1500000.0, doc="extra joining cost of a member whose integrated care board "
                                                "(trusts.csv column 'icb') differs from its medoid's; "
                                                "calibrated so that England's consortia span about as many "
                                                "ICBs as published PACS consortia (2.2 on average)",
                                 unit="£ per member", check=_money)
    region_premium: float = setting(5000000.0, doc="extra joining cost of a member whose region differs from "
                                                   "its medoid's; calibrated: no published PACS consortium "
                                                   "crossed an NHS region", unit="£ per member",
                                    check=_money)
    no_share_premium: float = setting(50000.0, doc="extra joining cost of a member with no 'share' link "
                                                   "(image-sharing agreement) with its medoid (assumption)",
                                      unit="£ per member", check=_money)
    travel_per_km: float = setting(0.416, doc="travel for on-site cover (NHS Agenda for Change car rate "
                                              "from July 2013: 67p a mile)", unit="£ per km",
                                   check=_money)
    trips_per_year: float = setting(52.0, doc="return trips a year from each member to its medoid for "
                                              "on-site cover and meetings (assumption: one a week)",
                                    unit="trips per year", check=_between(0, 1000))
    outsourcing_per_report: float = setting(33.0, doc="soft cover: outsourcing one report a consortium "
                                                      "cannot staff (Salisbury NHS FT 2024/25: £1,213,005 "
                                                      "for 37,090 outsourced reports)", unit="£ per report",
                                            check=_money)
    subspecialty_gap_per_day: float = setting(1500.0, doc="soft cover: buying in a missing weekend "
                                                          "subspecialty for one day (assumption)",
                                              unit="£ per day", check=_money)
    moved: float = setting(100000.0, doc="with a baseline: re-planning cost of each trust that moved "
                                         "(assumption)", unit="£ per trust", check=_money)


@dataclass(frozen=True)
class Solver:
    name: str = setting("highs", doc="'highs' (in-process, default), 'cbc' (bundled with PuLP) or any "
                                     "PuLP solver name, e.g. GUROBI_CMD")
    time_limit: float = setting(300.0, doc="wall-clock limit for the solver", unit="s", check=_positive)
    gap: float = setting(0.0, doc="relative MIP gap at which the solver may stop; 0 asks for a proof",
                         check=_non_negative)
    threads: int | None = setting(None, doc="solver threads; null = solver default",
                                 check=_between(1, MAX_THREADS))
    log: bool = setting(False, doc="echo the solver's own log")
    method: str = setting("auto", doc="'enumerate': column generation over candidate consortia (HiGHS), then "
                                      "every consortium whose reduced cost is within the gap is enumerated "
                                      "and the best plan over them is the proven optimum (when that pool is "
                                      "too large, branch and price: the plans split by trusts together or "
                                      "apart, each half solved the same way); 'columns': "
                                      "column generation with pricing MIPs and a price-and-dive plan, bound "
                                      "from its LP, no proof by enumeration; 'compact': one MIP over trust x "
                                      "consortium x period; 'auto': enumerate from 50 trusts up when the "
                                      "solver is highs, else compact (below 50 trusts it proves in about a "
                                      "second)",
                          check=_one_of("auto", "enumerate", "columns", "compact"))


@dataclass(frozen=True)
class FixedConsortium:
    members: list[str] = setting(doc="trust codes of a consortium that already exists")
    name: str | None = setting(None, doc="its name, used as the consortium id in outputs")
    go_live: dt.date | None = setting(None, doc="its go-live date, if already agreed (a period start)")
    grow: bool = setting(False, doc="other trusts may join it; each newcomer must keep every rule (links to "
                                    "the members, size, cover, timing); the original members stay exempt "
                                    "among themselves")


@dataclass(frozen=True)
class Pin:
    trust: str = setting(doc="trust code")
    consortium: str | None = setting(None, doc="the name of a fixed consortium the trust must be in (one "
                                               "with grow: true, unless the trust is already a member)")
    go_live: dt.date | None = setting(None, doc="the go-live date of the trust's consortium (a period start)")


@dataclass(frozen=True)
class Directives:
    together: list[list[str]] = setting([], doc="pairs [A, B] that must share a consortium (also links them)")
    apart: list[list[str]] = setting([], doc="pairs [A, B] that must not share a consortium")
    exclude: list[str] = setting([], doc="trusts left out of the plan altogether")
    fixed: list[FixedConsortium] = setting([], doc="pre-formed consortia kept exactly as listed; they are "
                                                   "exempt from the membership rule and the size bounds")
    pin: list[Pin] = setting([], doc="locks on single trusts: a trust kept in a named fixed consortium, or "
                                     "given its consortium's go-live date, or both")


@dataclass(frozen=True)
class Output:
    folder: Path | None = setting(None, doc="plan folder; default solutions/<name> under the current "
                                            "directory")


@dataclass(frozen=True)
class Scenario:
    name: str = setting(doc="scenario name; names the default output folder", check=_valid_name)
    inputs: Inputs = setting(doc="input files")
    planning: Planning = setting(doc="planning horizon and timing rules")
    description: str = setting("", doc="free text shown in reports")
    synthetic: bool = setting(False, doc="true when any input is synthetic; shown on outputs")
    attribution: str = setting("", doc="data attribution shown on maps and reports")
    market: Market = setting(Market(), doc="supplier market")
    network: Network = setting(Network(), doc="collaboration graph")
    consortium: Consortium = setting(Consortium(), doc="consortium size")
    cover: Cover = setting(Cover(), doc="seven-day cover")
    rota: Rota = setting(Rota(), doc="weekend rota")
    objective: Objective = setting(Objective(), doc="objective weights (used when there is no costs section)")
    costs: Costs | None = setting(None, doc="the objective in pounds; when given, it replaces the objective "
                                            "weights (costs: {} takes every default)")
    solver: Solver = setting(Solver(), doc="solver")
    directives: Directives = setting(Directives(), doc="directives from regional leads")
    baseline: Path | None = setting(None, doc="plan folder of an earlier plan to stay close to (re-planning); "
                                              "each trust that moves from it costs objective.moved")
    output: Output = setting(Output(), doc="outputs")
    source: Path | None = field(default=None, compare=False, metadata={"doc": "", "internal": True})

    def output_folder(self) -> Path:
        """The plan folder this scenario writes to."""
        return self.output.folder or Path("solutions") / self.name

    def to_dict(self) -> dict:
        """The fully resolved settings as plain YAML-able data."""
        return _plain(self)


def _plain(obj):
    if dataclasses.is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not f.metadata.get("internal")}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def _field_types(cls) -> dict[str, Any]:
    import typing
    return typing.get_type_hints(cls)


def _closest(key: str, valid: list[str]) -> str:
    match = did_you_mean(key, valid)
    return f"; did you mean '{match}'?" if match else f"; valid keys: {', '.join(valid)}"


def _convert(value: Any, typ: Any, key: str, file: str, base: Path):
    import types
    import typing
    origin = typing.get_origin(typ)
    args = typing.get_args(typ)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        typ = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(typ), typing.get_args(typ)
    if value is None:
        raise ConsortiaError("a value is required", file=file, key=key)
    if dataclasses.is_dataclass(typ):
        return _build(typ, value, key, file, base)
    if origin is list:
        if not isinstance(value, list):
            raise ConsortiaError(f"expected a list, got {value!r}", file=file, key=key)
        return [_convert(v, args[0], f"{key}[{i}]", file, base) for i, v in enumerate(value)]
    if typ is bool:
        if not isinstance(value, bool):
            raise ConsortiaError(f"expected true or false, got {value!r}", file=file, key=key)
        return value
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConsortiaError(f"expected a whole number, got {value!r}", file=file, key=key)
        return value
    if typ is float:
        if isinstance(value, str) and YAML11_EXPONENT.match(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e-4 (no dot, no exponent sign) as text
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConsortiaError(f"expected a number, got {value!r}", file=file, key=key)
        if value != value or value in (float("inf"), float("-inf")):
            raise ConsortiaError(f"expected a finite number, got {value!r}", file=file, key=key)
        return float(value)
    if typ is str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ConsortiaError(f"expected text, got {value!r}", file=file, key=key)
        control = _CONTROL.search(value)
        if control:
            raise ConsortiaError(f"the text holds a control character (U+{ord(control.group()):04X}); only "
                                 "printable characters, line breaks and tabs are allowed", file=file, key=key)
        return value
    if typ is dt.date:
        if isinstance(value, dt.datetime):
            raise ConsortiaError(f"expected a date YYYY-MM-DD, got a date and time {value.isoformat()!r}",
                                 file=file, key=key)
        if isinstance(value, str):
            try:
                value = parse_date(value)
            except ValueError:
                pass
        if not isinstance(value, dt.date):
            raise ConsortiaError(f"expected a date YYYY-MM-DD, got {value!r}", file=file, key=key)
        problem = calendar_problem(value)
        if problem:
            raise ConsortiaError(problem, file=file, key=key)
        return value
    if typ is Path:
        if not isinstance(value, str) or not value.strip():
            raise ConsortiaError(f"expected a file path, got {value!r}", file=file, key=key)
        path = Path(value)
        return path if path.is_absolute() else base / path
    raise TypeError(f"unsupported setting type {typ}")  # pragma: no cover - schema bug


def _build(cls, data: Any, prefix: str, file: str, base: Path):
    if not isinstance(data, dict):
        raise ConsortiaError(f"expected a mapping of keys, got {data!r}", file=file, key=prefix or None)
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    types_ = _field_types(cls)
    for key in data:
        if key not in fields:
            full = f"{prefix}.{key}" if prefix else str(key)
            raise ConsortiaError("unknown key" + _closest(str(key), list(fields)), file=file, key=full)
    values = {}
    for name, f in fields.items():
        full = f"{prefix}.{name}" if prefix else name
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConsortiaError("this key is required: " + f.metadata["doc"], file=file, key=full)
            continue
        value = _convert(data[name], types_[name], full, file, base)
        check = f.metadata.get("check")
        if check is not None and value is not None:
            verdict = check(value)
            if verdict is not True:
                raise ConsortiaError(f"{value!r} {verdict}", file=file, key=full)
        values[name] = value
    return cls(**values)


def _validate(s: Scenario, file: str) -> None:
    if s.consortium.max_size < s.consortium.min_size:
        raise ConsortiaError(f"max_size {s.consortium.max_size} is below min_size {s.consortium.min_size}",
                             file=file, key="consortium.max_size")
    if s.planning.start.day != 1:
        raise ConsortiaError(f"{s.planning.start} must be the 1st of a month", file=file,
                             key="planning.start")
    for i, name in enumerate(s.cover.weekend_subspecialties):
        if name in s.cover.weekend_subspecialties[:i]:
            raise ConsortiaError(f"{name!r} is listed twice", file=file, key=f"cover.weekend_subspecialties[{i}]")
    for kind in ("together", "apart"):
        for i, pair in enumerate(getattr(s.directives, kind)):
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ConsortiaError(f"expected a pair of two different trust codes, got {pair!r}",
                                     file=file, key=f"directives.{kind}[{i}]")
    for i, fixed in enumerate(s.directives.fixed):
        if not fixed.members or len(set(fixed.members)) != len(fixed.members):
            raise ConsortiaError("members must be a non-empty list of distinct trust codes", file=file,
                                 key=f"directives.fixed[{i}].members")
        if fixed.name is not None and not NAME_PATTERN.match(fixed.name):
            raise ConsortiaError("a consortium name may hold only letters, digits, '.', '_' or '-'",
                                 file=file, key=f"directives.fixed[{i}].name")
        if fixed.name is not None and fixed.name in [f.name for f in s.directives.fixed[:i]]:
            raise ConsortiaError(f"another fixed consortium is already named {fixed.name!r}", file=file,
                                 key=f"directives.fixed[{i}].name")
    _validate_pins(s, file)
    seen: dict[str, int] = {}
    for i, fixed in enumerate(s.directives.fixed):
        for code in fixed.members:
            if code in seen:
                raise ConsortiaError(f"trust {code} is already in fixed consortium {seen[code]}",
                                     file=file, key=f"directives.fixed[{i}].members")
            seen[code] = i


def _validate_pins(s: Scenario, file: str) -> None:
    fixed = {f.name: f for f in s.directives.fixed if f.name}
    pinned: set[str] = set()
    for i, pin in enumerate(s.directives.pin):
        key = f"directives.pin[{i}]"
        if pin.consortium is None and pin.go_live is None:
            raise ConsortiaError("a pin needs a consortium, a go_live, or both", file=file, key=key)
        if pin.trust in pinned:
            raise ConsortiaError(f"trust {pin.trust} is pinned twice", file=file, key=key)
        pinned.add(pin.trust)
        if pin.consortium is None:
            continue
        target = fixed.get(pin.consortium)
        if target is None:
            raise ConsortiaError(f"no fixed consortium is named {pin.consortium!r}"
                                 + _closest(pin.consortium, sorted(fixed)) if fixed else
                                 f"no fixed consortium is named {pin.consortium!r} (name one in "
                                 f"directives.fixed)", file=file, key=f"{key}.consortium")
        others = [f for f in s.directives.fixed if f is not target and pin.trust in f.members]
        if others:
            raise ConsortiaError(f"trust {pin.trust} is a member of another fixed consortium",
                                 file=file, key=f"{key}.consortium")
        if pin.trust not in target.members and not target.grow:
            raise ConsortiaError(f"fixed consortium {pin.consortium!r} keeps exactly its members; set its "
                                 f"grow: true to let {pin.trust} join", file=file, key=f"{key}.consortium")


def scenario_from_dict(data: dict, *, file: str = "<scenario>", base: Path | None = None,
                       prefix: str = "") -> Scenario:
    """Build a validated :class:`Scenario` from plain data, as parsed from YAML.

    Relative paths are resolved against ``base`` (the YAML file's folder). Errors name each key
    with ``prefix`` before it (``settings`` for the settings section of a plan's plan.yaml).
    """
    base = base if base is not None else Path(".")
    scenario = _build(Scenario, data, prefix, file, base)
    try:
        _validate(scenario, file)
    except ConsortiaError as exc:
        if not prefix or exc.key is None:
            raise
        raise ConsortiaError(exc.detail, file=exc.file, key=f"{prefix}.{exc.key}") from None
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario YAML file.

    Paths inside the file are relative to the file. Raises :class:`ConsortiaError` naming the
    file and key of the first problem found.
    """
    path = Path(path)
    if not path.is_file():
        raise ConsortiaError("scenario file not found", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConsortiaError("not a UTF-8 text file", file=str(path)) from None
    try:
        data = load_strict(text)
    except yaml.YAMLError as exc:
        raise ConsortiaError(problem_words(exc, text), file=str(path)) from None
    if data is None:
        raise ConsortiaError("the file is empty", file=str(path))
    scenario = scenario_from_dict(data, file=str(path), base=path.parent)
    return dataclasses.replace(scenario, source=path)


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted-key overrides, e.g. ``{"solver.time_limit": 30}``."""
    data = scenario.to_dict()
    for dotted, value in overrides.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise ConsortiaError("unknown key" + _closest(part, [k for k, v in node.items()
                                                                     if isinstance(v, dict)]), key=dotted)
            node = node[part]
        if parts[-1] not in node:
            raise ConsortiaError("unknown key" + _closest(parts[-1], list(node)), key=dotted)
        node[parts[-1]] = value
    file = str(scenario.source) if scenario.source else "<scenario>"
    rebuilt = scenario_from_dict(data, file=file, base=Path("."))
    return dataclasses.replace(rebuilt, source=scenario.source)


def parse_set(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` from the command line: a dotted key and a YAML value, e.g.
    ``market.capacity=2`` or ``directives.apart=[[RXX, RYY]]``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConsortiaError(f"expected KEY=VALUE, got {text!r}", key="--set")
    try:
        return key.strip(), load_strict(value) if value.strip() else None
    except yaml.YAMLError as exc:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise ConsortiaError(f"not a YAML value: {shown!r} ({getattr(exc, 'problem', None) or exc})",
                             key=key.strip()) from None


def settings_table() -> str:
    """The Markdown table of every scenario key, its default, unit and meaning (for the README)."""
    rows = ["| key | default | unit | meaning |", "| --- | --- | --- | --- |"]

    def walk(cls, prefix):
        import typing
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.metadata.get("internal"):
                continue
            key = f"{prefix}{f.name}"
            typ = hints[f.name]
            if dataclasses.is_dataclass(typ):
                walk(typ, key + ".")
                continue
            optional = [a for a in typing.get_args(typ) if dataclasses.is_dataclass(a)]
            if optional:
                rows.append(f"| `{key}` | null | | {f.metadata['doc']} |")
                walk(optional[0], key + ".")
                continue
            if f.default is not dataclasses.MISSING:
                default = ("null" if f.default is None else
                           yaml.safe_dump(_plain(f.default)).strip().removesuffix("...").strip())
            elif f.default_factory is not dataclasses.MISSING:
                default = yaml.safe_dump(f.default_factory(), default_flow_style=True).strip()
            else:
                default = "*required*"
            rows.append(f"| `{key}` | {default} | {f.metadata.get('unit', '')} | {f.metadata['doc']} |")
            if typing.get_origin(typ) is list and dataclasses.is_dataclass(typing.get_args(typ)[0]):
                walk(typing.get_args(typ)[0], key + "[].")

    walk(Scenario, "")
    return "\n".join(rows)
