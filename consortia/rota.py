"""Weekend cross-cover rota: turn each consortium's pooled capacity into named weekend duties.

``consortia rota PLAN_DIR`` reads a plan folder (``plan.yaml``, ``consortia.csv``) and the
rosters and demand it was planned from, and builds, for every consortium, a rota of Saturday
and Sunday reporting duties over ``weeks`` consecutive weekends in which

* each weekend day's pooled demand is met: sessions x ``reports_per_session`` >=
  ``min_ratio`` x the members' demand that day;
* every required weekend subspecialty has at least one session on each weekend day;
* a radiologist works only on a weekend day their roster gives sessions for (a duty is the
  whole of that day's rostered sessions), at most one weekend in any ``one_in`` consecutive
  weekends and so never two weekends in a row (working both days of a weekend is one weekend);
* each trust's share of the consortium's weekend sessions is within ``tolerance`` (absolute,
  0.1 = 10 percentage points) of its share of the consortium's weekend demand;
* the load is fair: among all such rotas the solver minimises, in this order, the most
  weekends any radiologist works, the person-weekends worked in total (no needless duties) and
  then the spread (most minus fewest weekends worked over the radiologists with any weekend
  availability). Spread alone would be perverse: the rota with spread 0 often has everyone
  working as many weekends as the scarcest subspecialist must.

One integer program per consortium (PuLP with HiGHS, one thread each, so the same inputs give
the same rota); consortia are solved independently in parallel worker processes.

When a consortium cannot be rostered, a second integer program adds hypothetical extra
sessions (generic or of a required subspecialty) and slack in the trust-share rule, and
minimises them: its solution names the weekend, the day, the subspecialty or the reports short
and the smallest fix (e.g. "1 more neuro session every other Sunday").

Capacity note: the plan's cover rule counts each radiologist's weekend roster sessions as
available *every* weekend. Under "one weekend in k" a radiologist gives those sessions on at
most one weekend in k, so the weekend capacity a rota can use is about 1/k of what the plan
counted; a consortium that passes the plan's cover rule may well not be rosterable. The
diagnosis says so with the numbers (the capacity bound per day).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import math
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import (
    EXIT_BAD_INPUT,
    EXIT_INFEASIBLE,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    ConsortiaError,
)
from .scenario import DAYS, Rota

WEEKEND_DAYS = ("sat", "sun")
DAY_NAMES = {"sat": "Saturday", "sun": "Sunday"}
ROTA_FILES = ("rota.csv", "rota_summary.csv", "rota.yaml")
ROTA_COLUMNS = ("date", "day", "weekend", "consortium", "radiologist", "home_trust", "sessions",
                "subspecialties")
SUMMARY_COLUMNS = ("consortium", "kind", "trust", "radiologist", "weekends_worked", "days_worked",
                   "sessions_given", "sessions_received", "balance", "reports_for_others",
                   "reports_from_others", "demand_share", "sessions_share")
ROSTERED = ("optimal", "feasible")
EXIT_INTERNAL = 4
EPS = 1e-6


@dataclass(frozen=True)
class RotaRules:
    """Every setting a rota is built under (the rota section plus the plan's cover section)."""

    weeks: int
    one_in: int
    tolerance: float
    reports_per_session: float
    min_ratio: float
    weekend_subspecialties: tuple[str, ...]
    start: dt.date | None
    time_limit: float

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["weekend_subspecialties"] = list(self.weekend_subspecialties)
        d["start"] = self.start.isoformat() if self.start else None
        return d


@dataclass(frozen=True)
class Staff:
    """A radiologist with weekend availability: sessions on (sat, sun)."""

    trust: str
    radiologist: str
    subspecialties: tuple[str, ...]
    sessions: tuple[float, float]


@dataclass(frozen=True)
class Task:
    """One consortium to roster."""

    consortium: str
    members: tuple[str, ...]
    go_live: dt.date
    start: dt.date
    staff: tuple[Staff, ...]
    demand: dict          # trust -> (sat, sun) reports
    rules: RotaRules


@dataclass(frozen=True)
class Duty:
    """One radiologist on one weekend day."""

    consortium: str
    weekend: int          # 1-based
    date: dt.date
    day: str
    trust: str
    radiologist: str
    sessions: float
    subspecialties: tuple[str, ...]


@dataclass
class ConsortiumRota:
    """The rota of one consortium, or why there is none."""

    consortium: str
    members: tuple[str, ...]
    go_live: dt.date
    start: dt.date
    status: str                       # optimal, feasible, infeasible, no_solution
    duties: list[Duty] = field(default_factory=list)
    n_available: int = 0
    spread: int | None = None
    person_weekends: int | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    message: str = ""
    diagnosis: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    extra_sessions: int | None = None
    gaps_proven: bool = False

    fewest: int | None = None
    most: int | None = None

    @property
    def rostered(self) -> bool:
        return self.status in ROSTERED

    def count(self, task: Task) -> None:
        """Set spread, fewest, most and person-weekends from the duties."""
        worked = weekends_worked(task, self.duties)
        self.fewest = min(worked.values()) if worked else 0
        self.most = max(worked.values()) if worked else 0
        self.spread = self.most - self.fewest
        self.person_weekends = sum(worked.values())


@dataclass
class RotaRun:
    """Every consortium's rota under one set of rules."""

    plan_dir: Path
    rules: RotaRules
    rotas: list[ConsortiumRota]
    tasks: list[Task]
    inputs: dict
    changed_inputs: list[str]
    seconds: float
    synthetic: bool = False
    scenario: str = ""


# ---------------------------------------------------------------------------------------------
# Reading a plan folder


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_plan_yaml(plan_dir: Path) -> dict:
    path = plan_dir / "plan.yaml"
    if not plan_dir.is_dir():
        raise ConsortiaError("plan folder not found", file=str(plan_dir))
    if not path.is_file():
        raise ConsortiaError("not a plan folder (no plan.yaml)", file=str(plan_dir))
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConsortiaError(f"not a readable plan.yaml: {exc}", file=str(path))
    if not isinstance(doc, dict) or not isinstance(doc.get("settings"), dict):
        raise ConsortiaError("plan.yaml has no 'settings' section", file=str(path))
    if doc.get("status") not in ROSTERED:
        raise ConsortiaError(f"the plan folder holds no plan (status {doc.get('status')!r}); solve "
                             "the scenario first", file=str(path), key="status")
    return doc


def _resolve_input(kind: str, raw: Any, plan_dir: Path, sha: str | None, plan_file: Path) -> tuple[Path, bool]:
    """An input file named in plan.yaml: relative paths are tried against the current directory,
    then against each parent of the plan folder. Returns (path, changed since the plan)."""
    if not isinstance(raw, str) or not raw:
        raise ConsortiaError(f"no {kind} file named", file=str(plan_file), key=f"settings.inputs.{kind}")
    path = Path(raw)
    candidates = [path] if path.is_absolute() else \
        [Path.cwd() / path] + [parent / path for parent in plan_dir.resolve().parents]
    found = []
    for c in candidates:
        if c.is_file() and c.resolve() not in [f.resolve() for f in found]:
            found.append(c)
    if not found:
        raise ConsortiaError(f"{kind} file {raw!r} not found (looked in the current directory and above "
                             f"the plan folder); run from the folder the plan was solved in",
                             file=str(plan_file), key=f"settings.inputs.{kind}")
    if sha:
        for c in found:
            if _sha(c) == sha:
                return c, False
        return found[0], True
    return found[0], False


def _first_saturday(date: dt.date) -> dt.date:
    return date + dt.timedelta(days=(5 - date.weekday()) % 7)


def _check_saturday(date: dt.date, where: str) -> None:
    if date.weekday() != 5:
        before = date - dt.timedelta(days=(date.weekday() - 5) % 7)
        raise ConsortiaError(f"{date} is a {date.strftime('%A')}; a rota starts on a Saturday, e.g. "
                             f"{before} or {before + dt.timedelta(days=7)}", key=where)


def rules_from(settings: dict, overrides: dict | None = None, *, file: str = "plan.yaml") -> RotaRules:
    """Rota rules from a plan's resolved settings (``cover`` and optional ``rota`` sections) with
    overrides (``weeks``, ``one_in``, ``tolerance``, ``start``, ``time_limit``,
    ``reports_per_session``, ``min_ratio``, ``weekend_subspecialties``; None = keep)."""
    from .scenario import _build

    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    section = settings.get("rota") or {}
    if not isinstance(section, dict):
        raise ConsortiaError("expected a mapping of keys", file=file, key="settings.rota")
    section = dict(section)
    for key in ("weeks", "one_in", "tolerance", "start", "time_limit"):
        if key in overrides:
            value = overrides[key]
            section[key] = value.isoformat() if isinstance(value, dt.date) else value
    rota = _build(Rota, section, "rota", file, Path("."))
    cover = settings.get("cover") or {}
    rps = overrides.get("reports_per_session", cover.get("reports_per_session", 10.0))
    ratio = overrides.get("min_ratio", cover.get("min_ratio", 1.0))
    subs = overrides.get("weekend_subspecialties", cover.get("weekend_subspecialties") or [])
    for key, value, ok in (("reports_per_session", rps, lambda v: v > 0),
                           ("min_ratio", ratio, lambda v: v >= 0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not ok(value):
            raise ConsortiaError(f"{value!r} is not a valid {key}", file=file, key=f"cover.{key}")
    if not isinstance(subs, (list, tuple)) or not all(isinstance(s, str) and s for s in subs):
        raise ConsortiaError(f"expected a list of subspecialty names, got {subs!r}", file=file,
                             key="cover.weekend_subspecialties")
    if rota.start is not None:
        _check_saturday(rota.start, "rota.start" if "start" not in overrides else "--start")
    return RotaRules(weeks=rota.weeks, one_in=rota.one_in, tolerance=float(rota.tolerance),
                     reports_per_session=float(rps), min_ratio=float(ratio),
                     weekend_subspecialties=tuple(dict.fromkeys(subs)), start=rota.start,
                     time_limit=float(rota.time_limit))


def load_tasks(plan_dir: str | Path, overrides: dict | None = None,
               consortia: list[str] | None = None) -> tuple[list[Task], RotaRules, dict, list[str], dict]:
    """Read a plan folder and its inputs into one :class:`Task` per consortium.

    Returns ``(tasks, rules, inputs, changed, plan_doc)``: ``inputs`` maps each input kind to its
    resolved path and SHA-256; ``changed`` lists inputs whose content differs from the plan's.
    """
    from .inputs import read_demand, read_rosters, read_trusts

    plan_dir = Path(plan_dir)
    doc = _read_plan_yaml(plan_dir)
    plan_file = plan_dir / "plan.yaml"
    settings = doc["settings"]
    rules = rules_from(settings, overrides, file=str(plan_file))
    named = settings.get("inputs") or {}
    hashes = doc.get("inputs") or {}
    paths, changed = {}, []
    for kind in ("trusts", "rosters", "demand"):
        sha = (hashes.get(kind) or {}).get("sha256") if isinstance(hashes.get(kind), dict) else None
        path, differs = _resolve_input(kind, named.get(kind), plan_dir, sha, plan_file)
        paths[kind] = path
        if differs:
            changed.append(kind)
    trusts = {t.code: t for t in read_trusts(paths["trusts"])}
    radiologists = read_rosters(paths["rosters"], trusts)
    demand = read_demand(paths["demand"], trusts)
    known_subs = {s for r in radiologists for s in r.subspecialties}
    for i, s in enumerate(rules.weekend_subspecialties):
        if s not in known_subs:
            raise ConsortiaError(f"no radiologist in {paths['rosters'].name} has subspecialty {s!r}",
                                 file=str(plan_file), key=f"cover.weekend_subspecialties[{i}]")

    table = plan_dir / "consortia.csv"
    if not table.is_file():
        raise ConsortiaError("the plan folder has no consortia.csv", file=str(plan_dir))
    rows = list(csv.DictReader(table.read_text(encoding="utf-8").splitlines()))
    if not rows or not {"consortium", "members", "go_live"} <= set(rows[0]):
        raise ConsortiaError("expected columns consortium, members, go_live", file=str(table))
    ids = [r["consortium"] for r in rows]
    if consortia:
        unknown = [c for c in consortia if c not in ids]
        if unknown:
            raise ConsortiaError(f"unknown consortium {', '.join(unknown)}; the plan has "
                                 f"{', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''}",
                                 key="--consortium")
    sat, sun = DAYS.index("sat"), DAYS.index("sun")
    by_trust: dict[str, list[Staff]] = {}
    for r in radiologists:
        if r.sessions[sat] > 0 or r.sessions[sun] > 0:
            by_trust.setdefault(r.trust, []).append(
                Staff(r.trust, r.radiologist, tuple(sorted(r.subspecialties)), (r.sessions[sat], r.sessions[sun])))
    tasks = []
    for number, row in enumerate(rows, start=1):
        if consortia and row["consortium"] not in consortia:
            continue
        members = tuple(row["members"].split())
        for m in members:
            if m not in trusts:
                raise ConsortiaError(f"member {m} of {row['consortium']} is not in "
                                     f"{paths['trusts'].name}", file=str(table), row=number, column="members")
        try:
            go_live = dt.date.fromisoformat(row["go_live"])
        except ValueError:
            raise ConsortiaError(f"expected a date, got {row['go_live']!r}", file=str(table), row=number,
                                 column="go_live")
        start = rules.start or _first_saturday(go_live)
        staff = tuple(s for m in members for s in sorted(by_trust.get(m, []), key=lambda s: s.radiologist))
        tasks.append(Task(row["consortium"], members, go_live, start, staff,
                          {m: (demand[m][sat], demand[m][sun]) for m in members}, rules))
    inputs = {k: {"path": str(p), "sha256": _sha(p)} for k, p in paths.items()}
    return tasks, rules, inputs, changed, doc


# ---------------------------------------------------------------------------------------------
# The integer programs


def need_sessions(task: Task) -> tuple[float, float]:
    """Sessions needed on (sat, sun) of every weekend: ratio x pooled demand / reports per session."""
    r = task.rules
    return tuple(r.min_ratio * sum(task.demand[m][d] for m in task.members) / r.reports_per_session
                 for d in range(2))


def demand_shares(task: Task) -> dict[str, float] | None:
    """Each member's share of the consortium's weekend (sat + sun) demand; None without demand."""
    total = sum(sum(task.demand[m]) for m in task.members)
    if total <= 0:
        return None
    return {m: sum(task.demand[m]) / total for m in task.members}


def _build(task: Task, elastic: bool):
    import pulp

    rules = task.rules
    n, k = rules.weeks, rules.one_in
    staff = task.staff
    need = need_sessions(task)
    shares = demand_shares(task) if len(task.members) > 1 else None
    prob = pulp.LpProblem(f"rota_{'gaps' if elastic else 'duties'}", pulp.LpMinimize)
    x, z = {}, {}
    for i, s in enumerate(staff):
        for w in range(n):
            z[i, w] = prob.add_variable(f"z_{i}_{w}", 0, 1, pulp.LpBinary)
            for d in range(2):
                if s.sessions[d] > 0:
                    x[i, w, d] = prob.add_variable(f"x_{i}_{w}_{d}", 0, 1, pulp.LpBinary)
    for i, s in enumerate(staff):
        for w in range(n):
            days = [x[i, w, d] for d in range(2) if (i, w, d) in x]
            for v in days:
                prob += z[i, w] >= v
            prob += z[i, w] <= pulp.lpSum(days)
        for w0 in range(max(1, n - k + 1)):
            prob += pulp.lpSum(z[i, w] for w in range(w0, min(n, w0 + k))) <= 1
    # symmetry: radiologists of one trust with the same weekend sessions and the same required
    # subspecialties are interchangeable, so order them by weekends worked (valid for every rota)
    classes: dict[tuple, list[int]] = {}
    for i, s in enumerate(staff):
        key = (s.trust, s.sessions, tuple(x for x in rules.weekend_subspecialties if x in s.subspecialties))
        classes.setdefault(key, []).append(i)
    for group in classes.values():
        for a, b in zip(group, group[1:]):
            prob += pulp.lpSum(z[a, w] for w in range(n)) >= pulp.lpSum(z[b, w] for w in range(n))
    extra, extra_sub, over, under = {}, {}, {}, {}
    for w in range(n):
        for d in range(2):
            given = pulp.lpSum(staff[i].sessions[d] * x[i, w, d] for i in range(len(staff)) if (i, w, d) in x)
            subs = {}
            for sub in rules.weekend_subspecialties:
                cover = pulp.lpSum(x[i, w, d] for i, s in enumerate(staff)
                                   if (i, w, d) in x and sub in s.subspecialties)
                if elastic:
                    extra_sub[sub, w, d] = subs[sub] = prob.add_variable(f"f_{len(extra_sub)}", 0, 1, pulp.LpBinary)
                    cover = cover + subs[sub]
                prob += cover >= 1
            if elastic:
                extra[w, d] = prob.add_variable(f"e_{w}_{d}", 0, None, pulp.LpInteger)
                given = given + extra[w, d] + pulp.lpSum(subs.values())
            if need[d] > EPS:
                prob += given >= need[d] - EPS
    if shares is not None:
        sessions = {m: pulp.lpSum(staff[i].sessions[d] * v for (i, w, d), v in x.items() if staff[i].trust == m)
                    for m in task.members}
        total = pulp.lpSum(sessions.values())
        for m in task.members:
            up = sessions[m] - shares[m] * total - rules.tolerance * total
            down = shares[m] * total - sessions[m] - rules.tolerance * total
            if elastic:
                over[m] = prob.add_variable(f"u_{len(over)}", 0)
                under[m] = prob.add_variable(f"v_{len(under)}", 0)
                up, down = up - over[m], down - under[m]
            prob += up <= 0
            prob += down <= 0
    if elastic:
        # least extra sessions and share slack; then (weight 1e-3) the smallest peak of extra
        # sessions on any one day, so a structural shortage reads as "n more every Sunday"
        peak = [prob.add_variable(f"peak_{d}", 0) for d in range(2)]
        for (w, d), v in extra.items():
            prob += peak[d] >= v + pulp.lpSum(f for (sub, ww, dd), f in extra_sub.items() if (ww, dd) == (w, d))
        prob += pulp.lpSum(extra.values()) + pulp.lpSum(extra_sub.values()) \
            + pulp.lpSum(over.values()) + pulp.lpSum(under.values()) + 1e-3 * pulp.lpSum(peak)
    else:
        worked = {i: pulp.lpSum(z[i, w] for w in range(n)) for i in range(len(staff))}
        top = prob.add_variable("most_weekends", 0, n, pulp.LpInteger)
        low = prob.add_variable("fewest_weekends", 0, n, pulp.LpInteger)
        for i in worked:
            prob += top >= worked[i]
            prob += low <= worked[i]
        # stage 1 (lexicographic, integer): the most weekends anyone works, then person-weekends
        # (no needless duties); stage 2 (see ``roster``) then raises the fewest weekends anyone
        # works. One objective with all three converges slowly: its unit is 1, not 1 person-weekend.
        total = pulp.lpSum(z.values())
        prob += (len(staff) * n + 1) * top + total
        return prob, {"x": x, "z": z, "top": top, "low": low, "total": total}
    return prob, {"x": x, "z": z, "extra": extra, "extra_sub": extra_sub, "over": over, "under": under}


def _solve(prob, rules: RotaRules):
    from .scenario import Solver
    from .solve import run_solver

    return run_solver(prob, Solver(name="highs", time_limit=rules.time_limit, gap=0.0, threads=1, log=False))


def _duties(task: Task, x: dict) -> list[Duty]:
    out = []
    for (i, w, d), var in x.items():
        if (var.value() or 0) > 0.5:
            s = task.staff[i]
            date = task.start + dt.timedelta(days=7 * w + d)
            out.append(Duty(task.consortium, w + 1, date, WEEKEND_DAYS[d], s.trust, s.radiologist,
                            s.sessions[d], s.subspecialties))
    return sorted(out, key=lambda u: (u.date, u.trust, u.radiologist))


def weekends_worked(task: Task, duties: list[Duty]) -> dict[tuple[str, str], int]:
    """Weekends worked by every radiologist of the consortium with weekend availability."""
    seen = {(s.trust, s.radiologist): set() for s in task.staff}
    for u in duties:
        seen[u.trust, u.radiologist].add(u.weekend)
    return {key: len(v) for key, v in seen.items()}


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


def roster(task: Task) -> ConsortiumRota:
    """Build one consortium's rota, or the diagnosis of why it cannot be built."""
    started = time.perf_counter()
    result = ConsortiumRota(task.consortium, task.members, task.go_live, task.start, "infeasible",
                            n_available=len(task.staff))
    bounds = capacity_bounds(task)
    outcome = None
    if not bounds:
        prob, var = _build(task, elastic=False)
        outcome = _solve(prob, task.rules)
        result.message = outcome.message
        if outcome.status in ROSTERED:
            result.status = outcome.status
            result.duties = _duties(task, var["x"])
            result.count(task)
            result.objective, result.bound, result.gap = outcome.objective, outcome.bound, outcome.gap
            # stage 2: keep the most weekends and the person-weekends, raise the fewest
            prob += var["top"] <= result.most
            prob += var["total"] <= result.person_weekends
            prob.setObjective(-1 * var["low"])
            second = _solve(prob, task.rules)
            if second.status in ROSTERED:
                duties = _duties(task, var["x"])
                if weekends_worked(task, duties) and min(weekends_worked(task, duties).values()) >= result.fewest:
                    result.duties = duties
                    result.count(task)
                if second.status != "optimal":
                    result.status = "feasible"
                    result.message = f"fewest weekends not proven best ({second.message})"
            result.seconds = time.perf_counter() - started
            return result
    _diagnose(task, result, bounds, outcome)
    result.seconds = time.perf_counter() - started
    return result


def _diagnose(task: Task, result: ConsortiumRota, bounds: list[str], outcome) -> None:
    """Fill in the status, gaps and fixes from the gap program (least extra sessions)."""
    rules = task.rules
    prob, var = _build(task, elastic=True)
    gaps_outcome = _solve(prob, rules)
    result.diagnosis = list(bounds)
    if gaps_outcome.objective is None:
        result.status = "no_solution"
        result.diagnosis.append(f"no rota and no diagnosis within {rules.time_limit:g} s; raise --time-limit")
        return
    extra = sum(round(v.value() or 0) for v in var["extra"].values()) \
        + sum(round(v.value() or 0) for v in var["extra_sub"].values())
    slack = sum((v.value() or 0) for v in list(var["over"].values()) + list(var["under"].values()))
    result.extra_sessions = extra
    result.gaps_proven = gaps_outcome.status == "optimal"
    if extra == 0 and slack <= 1e-6:
        # the rules can be met: the first program ran out of time before finding a rota
        if outcome is not None and outcome.status == "infeasible":  # pragma: no cover - solver disagreement
            result.status = "no_solution"
            result.diagnosis.append("the solver reported no rota but found one with no gaps; rerun")
            return
        result.status = "feasible"
        result.duties = _duties(task, var["x"])
        result.count(task)
        result.message = "rota found by the gap program; spread not minimised within the time limit"
        return
    if not result.gaps_proven and not bounds and (outcome is None or outcome.status != "infeasible"):
        result.status = "no_solution"
        result.diagnosis.append(f"no rota found within {rules.time_limit:g} s; the best attempt below still "
                                f"has gaps, not proven unavoidable")
    else:
        result.status = "infeasible"
    _describe_gaps(task, result, var, result.gaps_proven)


def _describe_gaps(task: Task, result: ConsortiumRota, var: dict, proven: bool) -> None:
    rules = task.rules
    n = rules.weeks
    need = need_sessions(task)
    rps = rules.reports_per_session
    duties = _duties(task, var["x"])
    given: dict[tuple[int, int], float] = {}
    for u in duties:
        key = (u.weekend - 1, WEEKEND_DAYS.index(u.day))
        given[key] = given.get(key, 0.0) + u.sessions
    plain: dict[int, dict[int, int]] = {0: {}, 1: {}}
    special: dict[tuple[str, int], list[int]] = {}
    for (w, d), v in var["extra"].items():
        amount = round(v.value() or 0)
        if amount:
            plain[d][w] = amount
    for (sub, w, d), v in var["extra_sub"].items():
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
    for d, day in enumerate(WEEKEND_DAYS):
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
            slack = (var["over"][m].value() or 0) + (var["under"][m].value() or 0)
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


# ---------------------------------------------------------------------------------------------
# Running every consortium


def _run_one(task: Task) -> ConsortiumRota:
    return roster(task)


def solve_rota(plan_dir: str | Path, overrides: dict | None = None, *, consortia: list[str] | None = None,
               jobs: int | None = None, progress=None) -> RotaRun:
    """Roster every consortium of a plan folder (in parallel worker processes when ``jobs`` > 1)."""
    started = time.perf_counter()
    plan_dir = Path(plan_dir)
    tasks, rules, inputs, changed, doc = load_tasks(plan_dir, overrides, consortia)
    jobs = jobs or min(2, os.cpu_count() or 1)
    results: dict[str, ConsortiumRota] = {}
    order = sorted(tasks, key=lambda t: (-len(t.staff) * rules.weeks, t.consortium))
    if jobs <= 1 or len(tasks) <= 1:
        for t in order:
            results[t.consortium] = roster(t)
            if progress:
                progress(results[t.consortium])
    else:
        # not "fork": the parent may hold HiGHS worker threads (a solve earlier in this process)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(_run_one, t): t.consortium for t in order}
            try:
                for future in concurrent.futures.as_completed(futures):
                    results[futures[future]] = future.result()
                    if progress:
                        progress(results[futures[future]])
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    rotas = [results[t.consortium] for t in tasks]
    return RotaRun(plan_dir, rules, rotas, tasks, inputs, changed, time.perf_counter() - started,
                   synthetic=bool(doc.get("synthetic")), scenario=str(doc.get("scenario", "")))


# ---------------------------------------------------------------------------------------------
# Writing the rota files


def _num(value: float) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _csv_text(columns, rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else (_num(row[c]) if isinstance(row[c], (int, float))
                                                        else str(row[c])) for c in columns])
    return buffer.getvalue()


def rota_rows(run: RotaRun) -> list[dict]:
    """The rows of ``rota.csv``: consortium by consortium (plan order), then date, trust, radiologist."""
    rows = []
    for r in run.rotas:
        for u in r.duties:
            rows.append({"date": u.date.isoformat(), "day": u.day, "weekend": u.weekend,
                         "consortium": u.consortium, "radiologist": u.radiologist, "home_trust": u.trust,
                         "sessions": float(u.sessions), "subspecialties": ";".join(u.subspecialties)})
    return rows


def summary_rows(run: RotaRun) -> list[dict]:
    """The rows of ``rota_summary.csv``: per trust (cross-cover balance), then per radiologist."""
    rows = []
    rps = run.rules.reports_per_session
    tasks = {t.consortium: t for t in run.tasks}
    for r in run.rotas:
        if not r.rostered:
            continue
        task = tasks[r.consortium]
        gave = {m: 0.0 for m in task.members}
        received = {m: 0.0 for m in task.members}
        for_others = {m: 0.0 for m in task.members}
        from_others = {m: 0.0 for m in task.members}
        day_total: dict[tuple[int, int], float] = {}
        by_trust_day: dict[tuple[int, int, str], float] = {}
        for u in r.duties:
            key = (u.weekend, WEEKEND_DAYS.index(u.day))
            day_total[key] = day_total.get(key, 0.0) + u.sessions
            by_trust_day[key + (u.trust,)] = by_trust_day.get(key + (u.trust,), 0.0) + u.sessions
            gave[u.trust] += u.sessions
        for (w, d), total in day_total.items():
            demand = sum(task.demand[m][d] for m in task.members)
            for m in task.members:
                share = task.demand[m][d] / demand if demand > 0 else 0.0
                mine = total * share
                own = by_trust_day.get((w, d, m), 0.0)
                received[m] += mine
                for_others[m] += rps * max(0.0, own - mine)
                from_others[m] += rps * max(0.0, mine - own)
        worked_days: dict[tuple[str, str], int] = {}
        worked_weeks: dict[tuple[str, str], set] = {(s.trust, s.radiologist): set() for s in task.staff}
        sessions: dict[tuple[str, str], float] = {}
        for u in r.duties:
            key = (u.trust, u.radiologist)
            worked_days[key] = worked_days.get(key, 0) + 1
            worked_weeks[key].add(u.weekend)
            sessions[key] = sessions.get(key, 0.0) + u.sessions
        shares = demand_shares(task) or {m: 0.0 for m in task.members}
        total = sum(gave.values())
        for m in task.members:
            keys = [k for k in worked_weeks if k[0] == m]
            rows.append({"consortium": r.consortium, "kind": "trust", "trust": m, "radiologist": "",
                         "weekends_worked": sum(len(worked_weeks[k]) for k in keys),
                         "days_worked": sum(worked_days.get(k, 0) for k in keys),
                         "sessions_given": gave[m], "sessions_received": received[m],
                         "balance": gave[m] - received[m], "reports_for_others": for_others[m],
                         "reports_from_others": from_others[m], "demand_share": shares[m],
                         "sessions_share": gave[m] / total if total > 0 else 0.0})
        for key in sorted(worked_weeks):
            rows.append({"consortium": r.consortium, "kind": "radiologist", "trust": key[0],
                         "radiologist": key[1], "weekends_worked": len(worked_weeks[key]),
                         "days_worked": worked_days.get(key, 0), "sessions_given": sessions.get(key, 0.0)})
    return rows


def rota_document(run: RotaRun) -> dict:
    """The content of ``rota.yaml``: the rules, the inputs and every consortium's outcome."""
    from importlib.metadata import version

    import highspy  # noqa: F401
    import pulp

    from . import __version__

    consortia = []
    for r in run.rotas:
        entry = {"consortium": r.consortium, "members": list(r.members), "go_live": r.go_live.isoformat(),
                 "start": r.start.isoformat(),
                 "end": (r.start + dt.timedelta(days=7 * (run.rules.weeks - 1) + 1)).isoformat(),
                 "status": r.status, "radiologists_available": r.n_available}
        if r.rostered:
            entry.update({"spread": r.spread, "fewest_weekends": r.fewest, "most_weekends": r.most,
                          "person_weekends": r.person_weekends,
                          "duties": len(r.duties), "objective": r.objective, "best_bound": r.bound,
                          "gap": r.gap})
        else:
            entry.update({"extra_sessions": r.extra_sessions, "extra_sessions_least": r.gaps_proven,
                          "diagnosis": list(r.diagnosis), "fixes": list(r.fixes), "gaps": list(r.gaps)})
        entry["solver_message"] = r.message
        consortia.append(entry)
    statuses = [r.status for r in run.rotas]
    return {
        "scenario": run.scenario,
        "synthetic": run.synthetic,
        "status": "rostered" if all(s in ROSTERED for s in statuses) else
                  ("none" if not any(s in ROSTERED for s in statuses) else "partial"),
        "n_consortia": len(run.rotas),
        "n_rostered": sum(s in ROSTERED for s in statuses),
        "settings": run.rules.to_dict(),
        "inputs": run.inputs,
        "inputs_changed_since_plan": list(run.changed_inputs),
        "package_version": __version__,
        "created_with": {"pulp": pulp.__version__, "highspy": version("highspy")},
        "consortia": consortia,
    }


class RotaRejected(Exception):
    """The written rota failed the independent check (a bug): nothing was replaced."""


def write_rota(run: RotaRun, *, figure: bool = True) -> list[Path]:
    """Write rota.csv, rota_summary.csv, rota.yaml (and rota.png) into the plan folder.

    The files are written to a temporary folder inside the plan folder, re-verified there by
    :func:`consortia.rota_check.check_rota`, then moved into place; a failed check raises
    :class:`RotaRejected` and leaves the plan folder unchanged.
    """
    from .rota_check import check_rota

    folder = run.plan_dir
    temp = Path(tempfile.mkdtemp(prefix=".rota-", dir=folder))
    try:
        (temp / "rota.csv").write_bytes(_csv_text(ROTA_COLUMNS, rota_rows(run)).encode("utf-8"))
        (temp / "rota_summary.csv").write_bytes(_csv_text(SUMMARY_COLUMNS, summary_rows(run)).encode("utf-8"))
        (temp / "rota.yaml").write_bytes(yaml.safe_dump(rota_document(run), sort_keys=False,
                                                        allow_unicode=True, width=100).encode("utf-8"))
        report = check_rota(folder, rota_dir=temp)
        if not report.ok:
            raise RotaRejected("the written rota breaks its own rules:\n  " + "\n  ".join(report.violations[:20]))
        names = list(ROTA_FILES)
        if figure:
            from .rota_figure import render_rota_figure
            render_rota_figure(temp, out=temp / "rota.png", plan_dir=folder)
            names.append("rota.png")
        elif (folder / "rota.png").exists():
            (folder / "rota.png").unlink()   # a stale calendar of an earlier rota
        written = []
        for name in names:
            os.replace(temp / name, folder / name)
            written.append(folder / name)
        return written
    finally:
        shutil.rmtree(temp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Command line


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``rota`` subcommand."""
    p = subparsers.add_parser("rota", help="build each consortium's weekend cross-cover rota from a plan folder",
                              description="Assign radiologists of every member trust to Saturday and Sunday "
                                          "reporting duties, consortium by consortium, and write rota.csv, "
                                          "rota_summary.csv, rota.yaml and rota.png into the plan folder.")
    p.add_argument("plan", type=Path, help="plan folder written by 'consortia solve'")
    p.add_argument("--weeks", type=int, metavar="N", help="weekends to roster (default: settings.rota.weeks or 8)")
    p.add_argument("--start", type=_date, metavar="DATE",
                   help="first Saturday of every rota (default: first Saturday on or after each go-live)")
    p.add_argument("--one-in", type=int, metavar="K", dest="one_in",
                   help="at most one weekend in K per radiologist (default 4; at least 2)")
    p.add_argument("--tolerance", type=float, metavar="T",
                   help="trust share of sessions vs share of demand, absolute (default 0.1)")
    p.add_argument("--min-ratio", type=float, metavar="R", dest="min_ratio",
                   help="weekend capacity / demand to meet (default: the plan's cover.min_ratio)")
    p.add_argument("--reports-per-session", type=float, metavar="N", dest="reports_per_session",
                   help="reports per session (default: the plan's cover.reports_per_session)")
    p.add_argument("--subspecialties", metavar="LIST",
                   help="comma-separated weekend subspecialties, '' for none (default: the plan's "
                        "cover.weekend_subspecialties)")
    p.add_argument("--consortium", action="append", metavar="ID",
                   help="roster only this consortium (repeatable)")
    p.add_argument("--time-limit", type=float, metavar="S", dest="time_limit",
                   help="solver time limit per consortium (default 60)")
    p.add_argument("--jobs", type=int, metavar="N", help="consortia solved in parallel (default 2)")
    p.add_argument("--no-figure", action="store_true", help="skip rota.png")
    p.add_argument("--check", action="store_true", help="only re-verify the rota files already in the plan folder")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def run_cli(args) -> int:
    """Run ``consortia rota``; returns the exit code (0 every consortium rostered, 1 some cannot
    be rostered, 3 no rota within the time limit, 4 the written rota failed its check)."""

    from .console import console, print_verdict
    from rich.markup import escape
    from rich.table import Table

    out, err = console(), console(stderr=True)
    if args.check:
        from .rota_check import check_rota
        if not (args.plan / "rota.csv").is_file():
            raise ConsortiaError("no rota.csv in the plan folder; run 'consortia rota' first", file=str(args.plan))
        report = check_rota(args.plan)
        for line in report.notes:
            out.print(escape(line))
        ok = print_verdict(out, report.violations, f"the rota in {args.plan} keeps every rule", args.plan)
        return EXIT_OK if ok else EXIT_INFEASIBLE
    for flag, value in (("--weeks", args.weeks), ("--one-in", args.one_in), ("--jobs", args.jobs)):
        if value is not None and value < 1:
            raise ConsortiaError(f"{flag} must be at least 1, got {value}")
    for flag, value in (("--tolerance", args.tolerance), ("--min-ratio", args.min_ratio),
                        ("--reports-per-session", args.reports_per_session), ("--time-limit", args.time_limit)):
        if value is not None and not math.isfinite(value):
            raise ConsortiaError(f"{flag} must be a finite number, got {value}")
    if args.start is not None:
        _check_saturday(args.start, "--start")
    overrides = {"weeks": args.weeks, "one_in": args.one_in, "tolerance": args.tolerance, "start": args.start,
                 "time_limit": args.time_limit, "min_ratio": args.min_ratio,
                 "reports_per_session": args.reports_per_session,
                 "weekend_subspecialties": None if args.subspecialties is None else
                 [x.strip() for x in args.subspecialties.split(",") if x.strip()]}
    started = time.perf_counter()

    def show(r: ConsortiumRota):
        if args.quiet:
            return
        if r.rostered:
            what = f"spread {r.spread}, {r.person_weekends} person-weekends"
        elif r.extra_sessions:
            what = f"{r.extra_sessions} extra session(s) needed"
        elif any(g.get("kind") == "share" for g in r.gaps):
            what = "the trust-share rule cannot be met"
        else:
            what = r.message or "no rota"
        err.print(f"[dim]{time.perf_counter() - started:7.1f} s[/]  {r.consortium}: {r.status} ({what})")

    run = solve_rota(args.plan, overrides, consortia=args.consortium, jobs=args.jobs, progress=show)
    if run.changed_inputs:
        err.print(f"[yellow]warning:[/] {', '.join(run.changed_inputs)} changed since the plan was solved; "
                  "the rota uses the current files")
    try:
        written = write_rota(run, figure=not args.no_figure)
    except RotaRejected as exc:
        err.print(f"[bold red]internal error:[/] {escape(str(exc))}\nNothing was written.")
        return EXIT_INTERNAL
    rules = run.rules
    table = Table(title=f"Weekend rota: {rules.weeks} weekends, at most 1 in {rules.one_in}, ratio "
                        f"{rules.min_ratio:g}, share tolerance {rules.tolerance:g}")
    for col in ("consortium", "members", "first Saturday", "status", "radiologists", "weekends worked",
                "spread", "solve s"):
        table.add_column(col, overflow="fold")
    for r in run.rotas:
        worked = f"{r.fewest}-{r.most}" if r.rostered else "-"
        table.add_row(r.consortium, " ".join(r.members), str(r.start), r.status, str(r.n_available), worked,
                      "-" if r.spread is None else str(r.spread), f"{r.seconds:.1f}")
    out.print(table)
    failed = [r for r in run.rotas if not r.rostered]
    for r in failed:
        err.print(f"[bold red]{r.consortium}[/] ({' '.join(r.members)}) cannot be rostered"
                  if r.status == "infeasible" else f"[bold red]{r.consortium}[/]: no rota within the time limit")
        for line in r.diagnosis:
            err.print(f"  - {escape(line)}")
        if r.fixes:
            err.print("  would fix it: " + escape("; ".join(r.fixes)))
    out.print(f"{len(run.rotas) - len(failed)} of {len(run.rotas)} consortia rostered in {run.seconds:.1f} s; "
              f"written {', '.join(p.name for p in written)} to {run.plan_dir} (passed the independent check)")
    if any(r.status == "infeasible" for r in failed):
        return EXIT_INFEASIBLE
    if failed:
        return EXIT_NO_SOLUTION
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - until wired into consortia.cli
    """Stand-alone entry point: ``python -m consortia.rota PLAN_DIR ...``."""
    import sys

    parser = argparse.ArgumentParser(prog="consortia")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["rota", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run_cli(args)
    except ConsortiaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
