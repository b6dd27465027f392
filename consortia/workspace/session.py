"""The workspace: a scenario, its named proposals, the background solve, and saving and loading.

Every file the workspace reads is one of the scenario's (through the loaders), the plan folder
named on the command line, or a file inside the save folder; every file it writes is inside
the save folder.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from .. import stopping
from ..costs import amount
from ..errors import ConsortiaError
from ..figures.money import money_sentence
from ..inputs import Instance, load_instance
from ..planfolder import read_plan_yaml
from ..scenario import NAME_PATTERN, Scenario, parse_date
from . import geometry
from .job import Job, Runner
from .proposal import (
    Draft,
    Proposal,
    Verdict,
    directives_yaml,
    draft_from_rows,
    judge,
    lock_consortium,
    lock_go_live,
    lock_trust,
    locked_scenario,
    locks_from_directives,
    move,
    moved_between,
    proposal_csv,
    read_proposal_csv,
    scenario_yaml,
    set_go_live,
    standalone_draft,
)

__all__ = ["Workspace", "Refused", "Optimum"]

MAX_PROPOSALS = 20
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SAVE_KINDS = {"proposal": ".csv", "locks": ".yaml", "scenario": ".yaml", "plan": ""}


class Refused(Exception):
    """A request the workspace will not carry out; the message says why (HTTP ``status``)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Optimum:
    """The best plan the solver found for the scenario without the workspace's locks."""

    objective: float
    bound: float | None
    status: str


class Workspace:
    """One scenario open for editing; every method is safe to call from several threads."""

    def __init__(self, scenario: Scenario, plan_dir: Path | None, save_dir: Path):
        self.scenario = scenario
        self.instance: Instance = load_instance(scenario)
        self.codes = [c for c in self.instance.codes if c not in set(scenario.directives.exclude)]
        self.known = set(self.codes)
        self.base = geometry.base_map(scenario, self.instance, self.codes)
        self.save_dir = Path(os.path.abspath(save_dir))
        self.plan_dir = plan_dir
        self._lock = threading.RLock()
        self._verdicts: dict[Draft, Verdict] = {}
        self._colours: dict[str, str] = {}    # consortium -> the colour it was drawn in
        self.proposals: dict[str, Proposal] = {}
        self.plans: dict[str, object] = {}     # proposal name -> the solver's Plan it started from
        self.moved: dict[str, list[str]] = {}  # proposal name -> trusts the solver moved
        self.optimum: Optimum | None = None
        self.runner = Runner(self._finished)
        if plan_dir is not None:
            start = read_proposal_csv(_plan_file(plan_dir), self.known)
            self._add("plan", f"plan folder {plan_dir}", start)
        else:
            self._add("start", "every trust alone (no plan folder given)", standalone_draft(self.codes))

    # --- proposals ------------------------------------------------------------------------
    def _add(self, name: str, origin: str, draft: Draft) -> Proposal:
        if len(self.proposals) >= MAX_PROPOSALS:
            raise Refused(f"at most {MAX_PROPOSALS} proposals are kept; delete one first")
        name = self._free_name(name)
        proposal = Proposal(name, origin, [(draft, origin)])
        self.proposals[name] = proposal
        return proposal

    def _free_name(self, name: str) -> str:
        if name not in self.proposals:
            return name
        n = 2
        while f"{name}-{n}" in self.proposals:
            n += 1
        return f"{name}-{n}"

    def proposal(self, name: str) -> Proposal:
        try:
            return self.proposals[name]
        except KeyError:
            raise Refused(f"no proposal is named {name!r}", 404) from None

    def copy(self, source: str, name: str) -> Proposal:
        with self._lock:
            _check_name(name, "name")
            if name in self.proposals:
                raise Refused(f"a proposal is already named {name!r}")
            return self._add(name, f"copy of {source}", self.proposal(source).draft)

    def delete(self, name: str) -> None:
        with self._lock:
            self.proposal(name)
            if len(self.proposals) == 1:
                raise Refused("the last proposal cannot be deleted")
            del self.proposals[name]

    def verdict(self, draft: Draft) -> Verdict:
        with self._lock:
            found = self._verdicts.get(draft)
        if found is None:
            found = judge(self.scenario, self.instance, draft)
            with self._lock:
                if len(self._verdicts) > 500:
                    self._verdicts.clear()
                self._verdicts[draft] = found
        return found

    def edit(self, name: str, action: str, body: dict) -> str:
        """Apply one edit to proposal ``name``; returns what it did in words."""
        with self._lock:
            p = self.proposal(name)
            d = p.draft
            if action == "move":
                trust = self._trust(body.get("trust"))
                target = body.get("to")
                if target != "new":
                    _check_name(target, "to")
                new, what = move(d, trust, target), None
                what = f"moved {trust} to {new.consortium[trust]}"
            elif action == "go_live":
                cid = self._consortium(d, body.get("consortium"))
                date = _date(body.get("go_live"), "go_live", optional=True)
                new = set_go_live(d, cid, date)
                what = f"{cid} goes live {date}" if date else f"{cid}: cheapest go-live"
            elif action == "lock":
                new, what = self._lock_edit(d, body)
            else:
                raise Refused(f"unknown edit {action!r}", 404)
            if new.has_locks:
                try:
                    locked_scenario(self.scenario, new)
                except ConsortiaError as exc:
                    raise Refused(str(exc)) from None
            p.apply(new, what)
            return what

    def _lock_edit(self, d: Draft, body: dict) -> tuple[Draft, str]:
        kind, on = body.get("kind"), body.get("on")
        if not isinstance(on, bool):
            raise Refused("'on' must be true or false")
        if kind == "consortium":
            cid = self._consortium(d, body.get("consortium"))
            return lock_consortium(d, cid, on, None), f"{'locked' if on else 'unlocked'} consortium {cid}"
        if kind == "trust":
            trust = self._trust(body.get("trust"))
            return lock_trust(d, trust, on), f"{'locked' if on else 'unlocked'} {trust} in {d.consortium[trust]}"
        if kind == "go_live":
            cid = self._consortium(d, body.get("consortium"))
            date = None
            if on:
                date = d.given_go_live.get(cid) or self.verdict(d).report.go_live.get(cid)
                if date is None:
                    raise Refused(f"consortium {cid} has no go-live date to lock yet")
            return lock_go_live(d, cid, date), f"{'locked' if on else 'unlocked'} the go-live of {cid}"
        raise Refused("'kind' must be consortium, trust or go_live")

    def _trust(self, code) -> str:
        if not isinstance(code, str) or code not in self.known:
            raise Refused(f"{code!r} is not a trust of scenario {self.scenario.name}")
        return code

    @staticmethod
    def _consortium(d: Draft, cid) -> str:
        if not isinstance(cid, str) or cid not in set(d.consortium.values()):
            raise Refused(f"{cid!r} is not a consortium of this proposal")
        return cid

    def undo(self, name: str, forward: bool) -> str | None:
        with self._lock:
            p = self.proposal(name)
            return p.redo() if forward else p.undo()

    # --- the view the page draws ----------------------------------------------------------
    def view(self, name: str) -> dict:
        with self._lock:
            p = self.proposal(name)
            draft, start = p.draft, p.start
            undo, redo = p.can_undo, p.can_redo
            moved = self.moved.get(name, [])
            names = list(self.proposals)
        verdict, before = self.verdict(draft), self.verdict(start)
        groups = draft.members()
        with self._lock:
            shapes = geometry.shapes(self.base, groups, self._colours)
        chosen = verdict.report.go_live
        given = draft.given_go_live
        locked = {f.name: f for f in draft.fixed}
        pins = dict(draft.pins)
        kept = {t: g for g in draft.kept for t in g}
        consortia = []
        for cid, members in sorted(groups.items(), key=lambda kv: (len(kv[1]) == 1, _natural(kv[0]))):
            date = given.get(cid) or chosen.get(cid)
            fixed = locked.get(cid)
            consortia.append({
                "id": cid, "members": members, "n": len(members), "standalone": len(members) == 1,
                "go_live": date.isoformat() if date else None, "go_live_given": cid in given,
                "colour": shapes.get(cid, {}).get("colour", "#6b6b6b"),
                "path": shapes.get(cid, {}).get("path", ""),
                "x": shapes.get(cid, {}).get("x"), "y": shapes.get(cid, {}).get("y"),
                "locked": fixed is not None,
                "go_live_locked": (fixed is not None and fixed.go_live is not None)
                or (bool(members) and all(m in pins for m in members)),
                "broken": verdict.by_consortium.get(cid, []),
            })
        trusts = [{"code": c, "name": self.instance.trust(c).name, "c": draft.consortium.get(c),
                   "region": self.instance.trust(c).region or "",
                   "contract_end": self.instance.trust(c).contract_end.isoformat(),
                   "locked": c in kept, "kept_with": [o for o in kept.get(c, ()) if o != c]}
                  for c in self.codes]
        return {
            "proposal": name, "proposals": names, "origin": p.origin,
            "ok": verdict.ok, "violations": verdict.report.violations, "general": list(verdict.general),
            "objective": verdict.objective, "terms": verdict.report.terms,
            "before": {"objective": before.objective, "terms": before.report.terms, "ok": before.ok,
                       "n_broken": len(before.report.violations)},
            "consortia": consortia, "trusts": trusts, "undo": undo, "redo": redo,
            "moved_by_solver": moved, "moved_since_start": moved_between(start, draft),
            "locks_yaml": directives_yaml(self.scenario, draft) if draft.has_locks else "",
            "has_locks": draft.has_locks, "lone_locks": [g[0] for g in draft.kept if len(g) == 1],
            "job": self.runner.job.view() if self.runner.job else None,
            "distance": self._distance(verdict),
        }

    def _distance(self, verdict: Verdict) -> dict | None:
        """How far the proposal is from the best plan the solver found (None before it ran)."""
        opt = self.optimum
        if opt is None:
            return None
        low = verdict.objective - opt.objective
        high = verdict.objective - opt.bound if opt.bound is not None else None
        return {"status": opt.status, "optimum": opt.objective, "bound": opt.bound, "low": low, "high": high,
                "ok": verdict.ok}

    def session_info(self) -> dict:
        s = self.scenario
        p = s.planning
        go_lives = []
        for k in range(p.periods):
            total = p.start.year * 12 + p.start.month - 1 + k * p.period_months
            go_lives.append(dt.date(total // 12, total % 12 + 1, 1).isoformat())
        return {"scenario": s.name, "description": s.description, "synthetic": s.synthetic,
                "attribution": self.base.attribution, "go_lives": go_lives,
                "time_limit": s.solver.time_limit, "save_dir": str(self.save_dir),
                "proposals": list(self.proposals),
                "unit": "GBP" if s.costs is not None else "points", "headline": self.plan_headline(),
                "units": {} if s.costs is not None else
                {"timing": "per trust-month", "distance": "per km", "standalone": "per trust",
                 "shortfall": "per report", "subspecialty_gap": "per gap", "moved": "per trust"},
                "weights": {} if s.costs is not None else s.to_dict()["objective"]}

    def plan_headline(self) -> str | None:
        """In pounds, the headline of the plan folder the workspace opened (its cost against the
        counterfactuals recorded in its plan.yaml), else None."""
        if self.plan_dir is None or self.scenario.costs is None or not Path(self.plan_dir).is_dir():
            return None
        try:
            return money_sentence(read_plan_yaml(self.plan_dir))
        except ConsortiaError:
            return None

    def diff(self, a: str, b: str) -> dict:
        """What differs between two proposals: moved and retimed trusts, objective and terms."""
        with self._lock:
            da, db = self.proposal(a).draft, self.proposal(b).draft
        va, vb = self.verdict(da), self.verdict(db)
        ga = {**va.report.go_live, **da.given_go_live}
        gb = {**vb.report.go_live, **db.given_go_live}
        moved = moved_between(da, db)
        ca, cb = da.consortium, db.consortium
        retimed = [t for t in sorted(set(ca) & set(cb)) if t not in moved and ga.get(ca[t]) != gb.get(cb[t])]
        return {"a": a, "b": b, "moved": [{"trust": t, "from": ca[t], "to": cb[t]} for t in moved],
                "retimed": [{"trust": t, "from": str(ga.get(ca[t])), "to": str(gb.get(cb[t]))} for t in retimed],
                "objective": [va.objective, vb.objective],
                "terms": {k: [va.report.terms.get(k, 0.0), vb.report.terms.get(k, 0.0)]
                          for k in dict.fromkeys([*va.report.terms, *vb.report.terms])},
                "broken": [len(va.report.violations), len(vb.report.violations)]}

    # --- solving --------------------------------------------------------------------------
    def start_solve(self, name: str, kind: str, time_limit) -> dict:
        from ..scenario import with_overrides

        if not isinstance(time_limit, (int, float)) or isinstance(time_limit, bool) \
                or not math.isfinite(time_limit) or not 0 < time_limit <= 86_400:
            raise Refused("time_limit must be a number of seconds above 0 and at most 86400")
        with self._lock:
            draft = self.proposal(name).draft
            scenario = locked_scenario(self.scenario, draft) if kind == "solve" else self.scenario
            scenario = with_overrides(scenario, {"solver.time_limit": float(time_limit)})
            try:
                job = self.runner.start(kind, name, scenario)
            except RuntimeError as exc:
                raise Refused(str(exc), 409) from None
        return job.view()

    def stop_solve(self) -> bool:
        return self.runner.stop()

    def _finished(self, job: Job, state: str) -> None:
        plan = job.plan
        if plan is None:
            return
        if plan.has_plan:
            job.incumbent, job.bound, job.gap = plan.objective, plan.best_bound, plan.gap
        if not plan.has_plan:
            why = "; ".join(plan.diagnosis) or plan.status
            if plan.status == "infeasible":
                job.message = f"no plan exists with these locks: {why}"
            elif job.stop_requested:
                job.message = "stopped before the solver found a plan; nothing was changed"
            else:
                job.message = f"no plan: {why}"
            return
        if job.kind == "optimum":
            self.optimum = Optimum(plan.objective, plan.best_bound, plan.status)
            job.message = f"best plan found: {amount(self.scenario, plan.objective)} ({plan.status})"
            return
        rows = {m: (c.id, c.go_live) for c in plan.consortia for m in c.members}
        draft = draft_from_rows(rows)
        with self._lock:
            source = self.proposals.get(job.proposal)
            if source is not None:
                # the solver kept the locks: carry them over so the solved proposal shows them
                s = source.draft
                draft = Draft(draft.assignment, draft.go_live, s.fixed, s.kept, s.pins)
            label = f"solved around the locks of {job.proposal} ({plan.status}"
            label += f", gap {100 * plan.gap:.2f}%)" if plan.gap is not None and plan.status != "optimal" else ")"
            new = self._add(f"solved-{job.proposal}", label, draft)
            self.plans[new.name] = plan
            self.moved[new.name] = moved_between(source.draft, draft) if source is not None else []
        if plan.status == "optimal" and not draft.has_locks:
            self.optimum = Optimum(plan.objective, plan.best_bound, plan.status)
        moved = self.moved[new.name]
        shown = " ".join(moved[:12]) + (" ..." if len(moved) > 12 else "")
        job.message = f"new proposal {new.name}: {len(moved)} trust(s) moved" + (f" ({shown})" if moved else "")
        job.result = new.name

    # --- saving and loading ---------------------------------------------------------------
    def target(self, file_name, kind: str) -> Path:
        """The path ``file_name`` names inside the save folder (nothing outside it)."""
        if not isinstance(file_name, str) or not FILE_NAME.match(file_name) or ".." in file_name:
            raise Refused("a file name may hold only letters, digits, '.', '_' or '-' (no folders); "
                          f"files are saved in {self.save_dir}", 403 if isinstance(file_name, str)
                          and ("/" in file_name or "\\" in file_name or ".." in file_name) else 400)
        suffix = SAVE_KINDS[kind]
        if suffix and not file_name.endswith(suffix):
            file_name += suffix
        path = (self.save_dir / file_name).resolve()
        if path.parent != self.save_dir.resolve():
            raise Refused(f"{file_name} is outside the save folder {self.save_dir}", 403)
        return path

    def save(self, name: str, kind: str, file_name) -> dict:
        if kind not in SAVE_KINDS:
            raise Refused(f"'kind' must be one of {', '.join(SAVE_KINDS)}")
        path = self.target(file_name, kind)
        with self._lock:
            draft = self.proposal(name).draft
            plan = self.plans.get(name)
        self.save_dir.mkdir(parents=True, exist_ok=True)
        if kind == "plan":
            return self._save_plan(name, draft, plan, path)
        text = {"proposal": lambda: proposal_csv(draft),
                "locks": lambda: directives_yaml(self.scenario, draft),
                "scenario": lambda: scenario_yaml(self.scenario, draft)}[kind]()
        _atomic_write(path, text)
        verdict = self.verdict(draft)
        return {"path": str(path), "kind": kind, "ok": verdict.ok, "n_broken": len(verdict.report.violations)}

    def _save_plan(self, name: str, draft: Draft, plan, path: Path) -> dict:
        from ..api import write_plan
        from ..outputs import PlanRejected

        if plan is None or draft != self.proposal(name).start:
            raise Refused("only a plan the solver returned can be saved as a plan folder (solve first, and "
                          "save it before editing it; an edited proposal saves as a proposal CSV)")
        try:
            written = write_plan(plan, path, instance=self.instance, figures=True)
        except PlanRejected as exc:
            raise Refused(f"the plan failed the independent check, nothing was written: {exc}", 500) from None
        except ConsortiaError as exc:
            raise Refused(str(exc)) from None
        return {"path": str(written), "kind": "plan", "ok": True, "n_broken": 0}

    def load(self, kind: str, file_name) -> dict:
        """Load a saved proposal CSV or plan folder as a new proposal, or saved locks onto ``name``."""
        if kind not in ("proposal", "plan"):
            raise Refused("'kind' must be proposal or plan (locks load with 'load_locks')")
        path = self.target(file_name, kind)
        if not path.exists():
            raise Refused(f"{path.name} is not in the save folder {self.save_dir}", 404)
        draft = read_proposal_csv(_plan_file(path) if kind == "plan" else path, self.known)
        with self._lock:
            p = self._add(_stem(path.name), f"loaded from {path}", draft)
        return {"proposal": p.name}

    def load_locks(self, name: str, file_name) -> str:
        path = self.target(file_name, "locks")
        if not path.is_file():
            raise Refused(f"{path.name} is not in the save folder {self.save_dir}", 404)
        fixed, kept, pins = locks_from_directives(self.scenario, path.read_text(encoding="utf-8"), str(path))
        named = {t for f in fixed for t in f.members} | {t for g in kept for t in g} | {t for t, _ in pins}
        unknown = sorted(t for t in named if t not in self.known)
        if unknown:
            raise Refused(f"{path.name} names trusts this scenario does not plan: {' '.join(unknown)}")
        with self._lock:
            p = self.proposal(name)
            new = Draft(p.draft.assignment, p.draft.go_live, fixed, kept, pins)
            locked_scenario(self.scenario, new)
            p.apply(new, f"locks loaded from {path.name}")
        return f"locks loaded from {path.name}"

    def saved_files(self) -> list[dict]:
        if not self.save_dir.is_dir():
            return []
        out = []
        for p in sorted(self.save_dir.iterdir()):
            if p.name.startswith("."):
                continue
            if p.is_dir() and (p / "plan.yaml").is_file():
                out.append({"name": p.name, "kind": "plan"})
            elif p.suffix == ".csv":
                out.append({"name": p.name, "kind": "proposal"})
            elif p.suffix == ".yaml":
                out.append({"name": p.name, "kind": "locks"})
        return out


def _plan_file(path: Path) -> Path:
    path = Path(path)
    if path.is_dir():
        if not (path / "assignments.csv").is_file():
            raise ConsortiaError("not a plan folder (no assignments.csv)", file=str(path))
        return path / "assignments.csv"
    return path


def _stem(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if name.endswith((".csv", ".yaml")) else name
    return stem if NAME_PATTERN.match(stem) else "loaded"


def _check_name(value, key: str) -> None:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise Refused(f"'{key}' must be a name of letters, digits, '.', '_' or '-' (at most 100)")


def _date(value, key: str, optional: bool = False) -> dt.date | None:
    if value is None and optional:
        return None
    try:
        return parse_date(value) if isinstance(value, str) else _bad(key)
    except ValueError:
        return _bad(key)


def _bad(key: str):
    raise Refused(f"'{key}' must be a date YYYY-MM-DD")


def _natural(s: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", s)]


def _atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
    stopping.write_done(path)
