"""Independent checker of a written weekend rota (``rota.csv`` and friends in a plan folder).

A second reading of the rota rules in the README, written from their text. It shares no code
with :mod:`consortia.rota` (the model): it re-reads ``rota.csv``, ``rota_summary.csv`` and
``rota.yaml``, the plan's ``consortia.csv`` and the input files ``rota.yaml`` names, and
re-verifies, for every rostered consortium:

* every duty: a known radiologist of a member trust, on a Saturday or Sunday inside the rota's
  weekends, the day their roster gives sessions for, with that many sessions and their
  subspecialties; nobody twice on one day;
* every weekend day: sessions x reports per session >= ratio x the members' demand, and every
  required subspecialty present;
* every radiologist: at most one weekend in any ``one_in`` consecutive weekends, never two in a row;
* every trust: share of sessions within the tolerance of its share of weekend demand;
* the reported spread and person-weekends, and every row of ``rota_summary.csv``.

It shares only the input readers with the rest of the package (the same files must be read
the same way).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..csvfile import read_table
from ..planfolder import read_rota_files

__all__ = ["SLACK", "OK_STATUSES", "RotaCheckReport", "check_rota"]

SLACK = 1e-6
OK_STATUSES = {"optimal", "feasible"}
SAT, SUN = 5, 6


@dataclass
class RotaCheckReport:
    """Broken rules in plain words (empty when the rota is sound) and a few recomputed figures."""

    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    spread: dict[str, int] = field(default_factory=dict)
    person_weekends: dict[str, int] = field(default_factory=dict)
    duties: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


def _saturday_on_or_after(d: dt.date) -> dt.date:
    while d.weekday() != SAT:
        d += dt.timedelta(days=1)
    return d


def check_rota(plan_dir: str | Path, rota_dir: str | Path | None = None) -> RotaCheckReport:
    """Re-verify the rota files in ``rota_dir`` (default: the plan folder) against the plan."""
    from ..errors import ConsortiaError
    from ..inputs import read_demand, read_rosters, read_trusts

    plan_dir = Path(plan_dir)
    rota_dir = Path(rota_dir) if rota_dir is not None else plan_dir
    report = RotaCheckReport()
    bad = report.violations.append
    for name in ("rota.csv", "rota_summary.csv", "rota.yaml"):
        if not (rota_dir / name).is_file():
            raise ConsortiaError(f"{name} is missing", file=str(rota_dir))
    files = read_rota_files(rota_dir)
    meta = files.document
    rules = meta["settings"]
    weeks, k = int(rules["weeks"]), int(rules["one_in"])
    tol, rps, ratio = float(rules["tolerance"]), float(rules["reports_per_session"]), float(rules["min_ratio"])
    required = list(rules["weekend_subspecialties"])
    fixed_start = dt.date.fromisoformat(rules["start"]) if rules.get("start") else None

    # inputs, as rota.yaml names them; their content must not have changed since
    paths = {}
    for kind in ("trusts", "rosters", "demand"):
        entry = meta["inputs"][kind]
        paths[kind] = Path(entry["path"])
        if not paths[kind].is_file():
            raise ConsortiaError(f"{kind} file {entry['path']} named in rota.yaml not found", file=str(rota_dir))
        if hashlib.sha256(paths[kind].read_bytes()).hexdigest() != entry["sha256"]:
            bad(f"{kind} file {entry['path']} changed after the rota was written")
    trusts = {t.code: t for t in read_trusts(paths["trusts"])}
    people = {(r.trust, r.radiologist): r for r in read_rosters(paths["rosters"], trusts)}
    demand = read_demand(paths["demand"], trusts)

    plan_rows = {row["consortium"]: row for _, row in read_table(plan_dir / "consortia.csv",
                                                                 ("consortium", "members", "go_live"))}
    entries = {e["consortium"]: e for e in meta["consortia"]}
    if len(entries) != len(meta["consortia"]):
        bad("rota.yaml lists a consortium twice")
    for cid, e in entries.items():
        if cid not in plan_rows:
            bad(f"{cid} is not a consortium of the plan")
            continue
        if sorted(e["members"]) != sorted(plan_rows[cid]["members"].split()):
            bad(f"{cid}: members {e['members']} differ from the plan's {plan_rows[cid]['members']}")
        start = dt.date.fromisoformat(e["start"])
        go_live = dt.date.fromisoformat(plan_rows[cid]["go_live"])
        expected = fixed_start or _saturday_on_or_after(go_live)
        if start != expected:
            bad(f"{cid}: rota starts {start}, expected {expected}")
        if start.weekday() != SAT:
            bad(f"{cid}: rota starts on {start}, not a Saturday")
        if e["status"] not in OK_STATUSES and not e.get("diagnosis"):
            bad(f"{cid}: not rostered ({e['status']}) but no diagnosis given")

    # the duties
    duties: dict[str, list[dict]] = {cid: [] for cid in entries}
    seen = set()
    for number, row in enumerate(files.shifts, start=1):
        where = f"rota.csv row {number}"
        cid = row["consortium"]
        if cid not in entries:
            bad(f"{where}: consortium {cid} is not in rota.yaml")
            continue
        e = entries[cid]
        if e["status"] not in OK_STATUSES:
            bad(f"{where}: {cid} was not rostered ({e['status']}) but has duties")
        key = (row["home_trust"], row["radiologist"])
        person = people.get(key)
        if person is None:
            bad(f"{where}: radiologist {row['radiologist']} of {row['home_trust']} is not in the rosters")
            continue
        if row["home_trust"] not in e["members"]:
            bad(f"{where}: {row['home_trust']} is not a member of {cid}")
        try:
            date = dt.date.fromisoformat(row["date"])
        except ValueError:
            bad(f"{where}: bad date {row['date']!r}")
            continue
        weekday = {"sat": SAT, "sun": SUN}.get(row["day"])
        if weekday is None or date.weekday() != weekday:
            bad(f"{where}: {date} is a {date.strftime('%A')}, the row says {row['day']}")
            continue
        offset = (date - dt.date.fromisoformat(e["start"])).days
        week = offset // 7
        if not 0 <= week < weeks:
            bad(f"{where}: {date} is outside {cid}'s {weeks} weekends from {e['start']}")
            continue
        if int(row["weekend"]) != week + 1:
            bad(f"{where}: {date} is weekend {week + 1}, the row says {row['weekend']}")
        rostered = person.sessions[weekday]
        if rostered <= 0:
            bad(f"{where}: {row['radiologist']} ({row['home_trust']}) has no {row['day']} sessions in the roster")
        if abs(float(row["sessions"]) - rostered) > SLACK:
            bad(f"{where}: {row['sessions']} sessions, the roster gives {rostered:g} on {row['day']}")
        subs = sorted(s for s in row["subspecialties"].split(";") if s)
        if subs != sorted(person.subspecialties):
            bad(f"{where}: subspecialties {row['subspecialties']!r} differ from the roster's")
        if (key, date) in seen:
            bad(f"{where}: {row['radiologist']} ({row['home_trust']}) is on duty twice on {date}")
        seen.add((key, date))
        duties[cid].append({"week": week, "weekday": weekday, "person": key, "sessions": rostered,
                            "subs": set(person.subspecialties)})
    report.duties = sum(len(v) for v in duties.values())

    expected_summary: list[tuple] = []
    for cid, e in entries.items():
        if e["status"] not in OK_STATUSES:
            continue
        members = e["members"]
        rows = duties[cid]
        # demand and subspecialties, day by day
        for week in range(weeks):
            for weekday, name in ((SAT, "Saturday"), (SUN, "Sunday")):
                today = [r for r in rows if r["week"] == week and r["weekday"] == weekday]
                day = dt.date.fromisoformat(e["start"]) + dt.timedelta(days=7 * week + weekday - SAT)
                reports = rps * sum(r["sessions"] for r in today)
                needed = ratio * sum(demand[m][weekday] for m in members)
                if reports < needed - SLACK:
                    bad(f"{cid} {name} {day}: {reports:g} reports of capacity, {needed:g} needed")
                for sub in required:
                    if not any(sub in r["subs"] for r in today):
                        bad(f"{cid} {name} {day}: no {sub} radiologist on duty")
        # one weekend in k, never two in a row
        worked: dict[tuple, set] = {}
        for r in rows:
            worked.setdefault(r["person"], set()).add(r["week"])
        for person, weeks_set in worked.items():
            ordered = sorted(weeks_set)
            for a, b in zip(ordered, ordered[1:]):
                if b - a < max(2, k):
                    bad(f"{cid}: {person[1]} ({person[0]}) works weekends {a + 1} and {b + 1}, "
                        f"closer than one in {k}")
        # trust shares
        weekend_need = {m: demand[m][SAT] + demand[m][SUN] for m in members}
        all_need = sum(weekend_need.values())
        gave = {m: sum(r["sessions"] for r in rows if r["person"][0] == m) for m in members}
        all_gave = sum(gave.values())
        if len(members) > 1 and all_need > 0 and all_gave > 0:
            for m in members:
                diff = gave[m] / all_gave - weekend_need[m] / all_need
                if abs(diff) > tol + SLACK:
                    bad(f"{cid}: {m} gives {100 * gave[m] / all_gave:.1f}% of the sessions against "
                        f"{100 * weekend_need[m] / all_need:.1f}% of the weekend demand (tolerance "
                        f"{100 * tol:g} points)")
        # spread over everyone with weekend availability
        pool = [key for key, p in people.items() if key[0] in members
                and (p.sessions[SAT] > 0 or p.sessions[SUN] > 0)]
        counts = {key: len(worked.get(key, ())) for key in pool}
        spread = (max(counts.values()) - min(counts.values())) if counts else 0
        total = sum(counts.values())
        report.spread[cid], report.person_weekends[cid] = spread, total
        if e.get("spread") != spread:
            bad(f"{cid}: rota.yaml says spread {e.get('spread')}, the rota has {spread}")
        if counts and (e.get("fewest_weekends"), e.get("most_weekends")) != (min(counts.values()),
                                                                             max(counts.values())):
            bad(f"{cid}: rota.yaml says weekends worked {e.get('fewest_weekends')}-{e.get('most_weekends')}, "
                f"the rota has {min(counts.values())}-{max(counts.values())}")
        if e.get("person_weekends") != total:
            bad(f"{cid}: rota.yaml says {e.get('person_weekends')} person-weekends, the rota has {total}")
        if e.get("radiologists_available") != len(pool):
            bad(f"{cid}: rota.yaml says {e.get('radiologists_available')} radiologists available, "
                f"the rosters have {len(pool)}")
        report.notes.append(f"{cid}: {len(rows)} duties, weekends worked "
                            f"{min(counts.values()) if counts else 0}-{max(counts.values()) if counts else 0} "
                            f"(spread {spread})")
        # the cross-cover balance, recomputed: each day's sessions are shared by demand
        received = {m: 0.0 for m in members}
        for_others = {m: 0.0 for m in members}
        from_others = {m: 0.0 for m in members}
        for week in range(weeks):
            for weekday in (SAT, SUN):
                today = [r for r in rows if r["week"] == week and r["weekday"] == weekday]
                if not today:
                    continue
                pot = sum(r["sessions"] for r in today)
                day_need = sum(demand[m][weekday] for m in members)
                for m in members:
                    fair = pot * demand[m][weekday] / day_need if day_need > 0 else 0.0
                    own = sum(r["sessions"] for r in today if r["person"][0] == m)
                    received[m] += fair
                    for_others[m] += rps * max(0.0, own - fair)
                    from_others[m] += rps * max(0.0, fair - own)
        for m in members:
            expected_summary.append((cid, "trust", m, "", {
                "weekends_worked": sum(counts[p] for p in pool if p[0] == m),
                "sessions_given": gave[m], "sessions_received": received[m],
                "balance": gave[m] - received[m], "reports_for_others": for_others[m],
                "reports_from_others": from_others[m],
                "demand_share": weekend_need[m] / all_need if all_need > 0 else 0.0,
                "sessions_share": gave[m] / all_gave if all_gave > 0 else 0.0}))
        for p in pool:
            expected_summary.append((cid, "radiologist", p[0], p[1], {
                "weekends_worked": counts[p],
                "days_worked": sum(1 for r in rows if r["person"] == p),
                "sessions_given": sum(r["sessions"] for r in rows if r["person"] == p)}))

    summary = {(r["consortium"], r["kind"], r["trust"], r["radiologist"]): r
               for r in files.summary}
    for cid, kind, trust, name, values in expected_summary:
        row = summary.pop((cid, kind, trust, name), None)
        label = f"rota_summary.csv {cid} {kind} {trust} {name}".rstrip()
        if row is None:
            bad(f"{label}: row missing")
            continue
        for column, value in values.items():
            try:
                written = float(row[column])
            except (KeyError, ValueError):
                bad(f"{label}: column {column} missing or not a number")
                continue
            if abs(written - value) > 1e-3 * max(1.0, abs(value)):
                bad(f"{label}: {column} is {row[column]}, recomputed {value:.4f}")
    for key in summary:
        bad(f"rota_summary.csv: unexpected row {' '.join(k for k in key if k)}")
    return report
