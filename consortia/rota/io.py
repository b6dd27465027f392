"""Rota files: read a plan folder and its inputs into one task per consortium; write (and
re-verify) rota.csv, rota_summary.csv, rota.yaml and rota.png."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from .. import folders, stopping
from ..errors import ConsortiaError
from ..inputs import read_demand, read_rosters, read_trusts
from ..planfolder import CONSORTIA, PLAN_YAML, PlanFolder, read_plan_folder
from ..scenario import DAYS, Cover, Rota, _build
from ..version import __version__
from .check import check_rota
from .model import ROSTERED, WEEKEND_DAYS, RotaRules, RotaRun, Staff, Task, demand_shares

__all__ = ["ROTA_FILES", "ROTA_COLUMNS", "SUMMARY_COLUMNS", "RotaRejected", "check_saturday", "rules_from",
           "load_tasks", "rota_rows", "summary_rows", "rota_document", "write_rota"]

ROTA_FILES = ("rota.csv", "rota_summary.csv", "rota.yaml")

ROTA_COLUMNS = ("date", "day", "weekend", "consortium", "radiologist", "home_trust", "sessions",
                "subspecialties")

SUMMARY_COLUMNS = ("consortium", "kind", "trust", "radiologist", "weekends_worked", "days_worked",
                   "sessions_given", "sessions_received", "balance", "reports_for_others",
                   "reports_from_others", "demand_share", "sessions_share")


# ---------------------------------------------------------------------------------------------
# Reading a plan folder


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_plan(plan_dir: Path) -> PlanFolder:
    path = plan_dir / PLAN_YAML
    plan = read_plan_folder(plan_dir)
    doc = plan.document
    if not isinstance(doc.get("settings"), dict):
        raise ConsortiaError("plan.yaml has no 'settings' section", file=str(path), key="settings")
    if doc.get("status") not in ROSTERED:
        raise ConsortiaError(f"the plan folder holds no plan (status {doc.get('status')!r}); solve "
                             "the scenario first", file=str(path), key="status")
    return plan


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


def first_saturday(date: dt.date) -> dt.date:
    return date + dt.timedelta(days=(5 - date.weekday()) % 7)


def check_saturday(date: dt.date, where: str) -> None:
    if date.weekday() != 5:
        before = date - dt.timedelta(days=(date.weekday() - 5) % 7)
        raise ConsortiaError(f"{date} is a {date.strftime('%A')}; a rota starts on a Saturday, e.g. "
                             f"{before} or {before + dt.timedelta(days=7)}", key=where)


FLAGS = {"weeks": "--weeks", "one_in": "--one-in", "tolerance": "--tolerance", "start": "--start",
         "time_limit": "--time-limit", "reports_per_session": "--reports-per-session", "min_ratio": "--min-ratio",
         "weekend_subspecialties": "--subspecialties"}
"""The ``consortia rota`` flag of each override."""

_COVER_KEYS = ("reports_per_session", "min_ratio", "weekend_subspecialties")


def _override(cls, section: str, key: str, value):
    """An override checked as the setting it replaces; an error names its flag."""
    plain = value.isoformat() if isinstance(value, dt.date) else value
    try:
        built = _build(cls, {key: plain}, section, "", Path("."))
    except ConsortiaError as exc:
        raise ConsortiaError(f"{FLAGS[key]} {exc.detail} (it replaces {section}.{key})") from None
    return getattr(built, key)


def rules_from(settings: dict, overrides: dict | None = None, *, file: str = "plan.yaml",
               prefix: str = "settings.") -> RotaRules:
    """Rota rules from resolved settings (``cover`` and optional ``rota`` sections) with overrides
    (``weeks``, ``one_in``, ``tolerance``, ``start``, ``time_limit``, ``reports_per_session``,
    ``min_ratio``, ``weekend_subspecialties``; None = keep). A bad setting is named by its key in
    ``file`` (``prefix`` + key: ``settings.rota.weeks`` in plan.yaml, ``rota.weeks`` in a scenario),
    a bad override by its flag (:data:`FLAGS`)."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    sections = {}
    for name in ("rota", "cover"):
        section = settings.get(name) or {}
        if not isinstance(section, dict):
            raise ConsortiaError("expected a mapping of keys", file=file, key=f"{prefix}{name}")
        sections[name] = section
    rota = _build(Rota, sections["rota"], f"{prefix}rota", file, Path("."))
    cover = _build(Cover, {k: v for k, v in sections["cover"].items() if k in _COVER_KEYS}, f"{prefix}cover",
                   file, Path("."))
    rota = dataclasses.replace(rota, **{k: _override(Rota, "rota", k, v) for k, v in overrides.items()
                                        if k not in _COVER_KEYS})
    cover = dataclasses.replace(cover, **{k: _override(Cover, "cover", k, v) for k, v in overrides.items()
                                          if k in _COVER_KEYS})
    if rota.start is not None:
        check_saturday(rota.start, "--start" if "start" in overrides else f"{prefix}rota.start")
    return RotaRules(weeks=rota.weeks, one_in=rota.one_in, tolerance=float(rota.tolerance),
                     reports_per_session=float(cover.reports_per_session), min_ratio=float(cover.min_ratio),
                     weekend_subspecialties=tuple(dict.fromkeys(cover.weekend_subspecialties)), start=rota.start,
                     time_limit=float(rota.time_limit))


def load_tasks(plan_dir: str | Path, overrides: dict | None = None,
               consortia: list[str] | None = None) -> tuple[list[Task], RotaRules, dict, list[str], dict]:
    """Read a plan folder and its inputs into one :class:`Task` per consortium.

    Returns ``(tasks, rules, inputs, changed, plan_doc)``: ``inputs`` maps each input kind to its
    resolved path and SHA-256; ``changed`` lists inputs whose content differs from the plan's.
    """
    plan_dir = Path(plan_dir)
    plan = _read_plan(plan_dir)
    doc = plan.document
    plan_file = plan_dir / PLAN_YAML
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

    table = plan_dir / CONSORTIA
    rows = plan.consortia_rows
    ids = [r["consortium"] for _, r in rows]
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
    for number, row in rows:
        if consortia and row["consortium"] not in consortia:
            continue
        members = tuple(row["members"].split())
        for m in members:
            if m not in trusts:
                raise ConsortiaError(f"member {m} of {row['consortium']} is not in "
                                     f"{paths['trusts'].name}", file=str(table), row=number, column="members")
        go_live = dt.date.fromisoformat(row["go_live"])  # checked by read_plan_folder
        start = rules.start or first_saturday(go_live)
        staff = tuple(s for m in members for s in sorted(by_trust.get(m, []), key=lambda s: s.radiologist))
        tasks.append(Task(row["consortium"], members, go_live, start, staff,
                          {m: (demand[m][sat], demand[m][sun]) for m in members}, rules))
    inputs = {k: {"path": str(p), "sha256": _sha(p)} for k, p in paths.items()}
    return tasks, rules, inputs, changed, doc

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
    :func:`consortia.rota.check.check_rota`, then moved into place; a failed check raises
    :class:`RotaRejected` and leaves the plan folder unchanged.
    """

    folder = run.plan_dir
    temp = folders.make_temporary(folder / "rota", "tmp")  # inside the plan folder: .rota.tmp-XXXX
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
            from .figure import render_rota_figure  # matplotlib: only when drawing

            render_rota_figure(temp, out=temp / "rota.png", plan_dir=folder)
            names.append("rota.png")
        stale = [] if figure or "rota.png" not in folders.owned_files(folder) else ["rota.png"]
        written = []
        with stopping.held():  # the rota files in place are all old or all new
            for name in stale:
                (folder / name).unlink(missing_ok=True)   # the calendar of an earlier rota
            for name in names:
                os.replace(temp / name, folder / name)
                written.append(folder / name)
            folders.record(folder, written, removed=stale)
        return written
    finally:
        shutil.rmtree(temp, ignore_errors=True)
