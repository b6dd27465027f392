"""A proposal: who is in which consortium, when each goes live, and what the lead has locked.

A :class:`Draft` is one immutable state of a proposal; a :class:`Proposal` is a named history
of drafts with undo and redo. Locks are kept as the scenario directives they stand for:

- a locked consortium is ``directives.fixed`` (its members exactly, named after it, with its
  go-live when that is locked too);
- trusts locked in the same consortium are ``directives.together`` pairs (a group of trusts
  that must stay together; a group of one trust holds nothing yet);
- a locked go-live of a consortium that is not locked whole is a ``directives.pin`` with that
  ``go_live`` for each of its members.

:func:`judge` is the verdict: the draft written as the proposal CSV that ``consortia check``
reads, checked by :func:`consortia.checker.check_plan` against the scenario with the locks
added, so the page and ``consortia check`` cannot disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..checker import CheckReport, check_plan
from ..csvfile import read_table
from ..errors import ConsortiaError
from ..inputs import Instance
from ..scenario import NAME_PATTERN, Scenario, parse_date, with_overrides

__all__ = ["LockedConsortium", "Draft", "Proposal", "Verdict", "judge", "proposal_csv", "read_proposal_csv",
           "draft_from_rows", "standalone_draft", "directive_additions", "locked_scenario", "directives_yaml",
           "scenario_yaml", "locks_from_directives", "move", "set_go_live", "lock_consortium", "lock_trust",
           "lock_go_live", "moved_between", "new_consortium_id"]

HISTORY_LIMIT = 200


@dataclass(frozen=True)
class LockedConsortium:
    """A consortium the lead agreed: these members exactly, optionally this go-live."""

    name: str
    members: tuple[str, ...]
    go_live: dt.date | None = None


@dataclass(frozen=True)
class Draft:
    """One state of a proposal (hashable, so verdicts can be cached)."""

    assignment: tuple[tuple[str, str], ...]          # (trust, consortium), sorted by trust
    go_live: tuple[tuple[str, dt.date], ...] = ()    # consortium -> given go-live (others: least cost)
    fixed: tuple[LockedConsortium, ...] = ()
    kept: tuple[tuple[str, ...], ...] = ()           # groups of trusts locked together
    pins: tuple[tuple[str, dt.date], ...] = ()       # trust -> locked go-live of its consortium

    @property
    def consortium(self) -> dict[str, str]:
        return dict(self.assignment)

    @property
    def given_go_live(self) -> dict[str, dt.date]:
        return dict(self.go_live)

    def members(self) -> dict[str, list[str]]:
        """Consortium -> its members, consortia in order of first member."""
        out: dict[str, list[str]] = {}
        for trust, cid in self.assignment:
            out.setdefault(cid, []).append(trust)
        return out

    def with_assignment(self, consortium: dict[str, str]) -> Draft:
        used = set(consortium.values())
        return replace(self, assignment=tuple(sorted(consortium.items())),
                       go_live=tuple((c, d) for c, d in self.go_live if c in used))

    @property
    def has_locks(self) -> bool:
        return bool(self.fixed or self.kept or self.pins)


def draft_from_rows(rows: dict[str, tuple[str, dt.date | None]]) -> Draft:
    """A draft from trust -> (consortium, go-live or None)."""
    go_live: dict[str, dt.date] = {}
    for cid, date in rows.values():
        if date is not None:
            go_live.setdefault(cid, date)
    return Draft(tuple(sorted((t, c) for t, (c, _) in rows.items())), tuple(sorted(go_live.items())))


def standalone_draft(codes: list[str]) -> Draft:
    """Every trust alone (``S-<code>``), go-lives left to the checker."""
    return draft_from_rows({c: (f"S-{c}", None) for c in codes})


def read_proposal_csv(path: Path, known: set[str]) -> Draft:
    """A draft from a proposal CSV (or a plan folder's assignments.csv): trust,consortium[,go_live]."""
    rows: dict[str, tuple[str, dt.date | None]] = {}
    for n, row in read_table(path, ("trust", "consortium"), "proposal"):
        trust, cid = row["trust"], row["consortium"]
        if trust not in known:
            raise ConsortiaError(f"{trust!r} is not a trust of this scenario", file=str(path), row=n,
                                 column="trust")
        if trust in rows:
            raise ConsortiaError(f"trust {trust} is listed twice", file=str(path), row=n, column="trust")
        if not NAME_PATTERN.match(cid):
            raise ConsortiaError(f"{cid!r} is not a consortium name (letters, digits, '.', '_', '-')",
                                 file=str(path), row=n, column="consortium")
        text_date = (row.get("go_live") or "").strip()
        try:
            date = parse_date(text_date) if text_date else None
        except ValueError:
            raise ConsortiaError(f"expected a date YYYY-MM-DD, got {text_date!r}", file=str(path), row=n,
                                 column="go_live") from None
        rows[trust] = (cid, date)
    if not rows:
        raise ConsortiaError("the proposal lists no trust", file=str(path))
    return draft_from_rows(rows)


def proposal_csv(draft: Draft) -> str:
    """The draft as the proposal CSV ``consortia check`` reads (trust,consortium,go_live)."""
    given = draft.given_go_live
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["trust", "consortium", "go_live"])
    for trust, cid in draft.assignment:
        writer.writerow([trust, cid, given[cid].isoformat() if cid in given else ""])
    return out.getvalue()


# --- locks as directives ---------------------------------------------------------------------

def directive_additions(draft: Draft) -> dict[str, list]:
    """The workspace's locks as YAML-ready directive entries (fixed, together, pin)."""
    fixed = []
    for f in draft.fixed:
        entry = {"name": f.name, "members": list(f.members)}
        if f.go_live is not None:
            entry["go_live"] = f.go_live.isoformat()
        fixed.append(entry)
    together = [[group[0], other] for group in draft.kept for other in group[1:]]
    pins = [{"trust": t, "go_live": d.isoformat()} for t, d in draft.pins]
    return {"fixed": fixed, "together": together, "pin": pins}


def locked_scenario(scenario: Scenario, draft: Draft) -> Scenario:
    """``scenario`` with the draft's locks added to its directives."""
    if not draft.has_locks:
        return scenario
    add = directive_additions(draft)
    base = scenario.to_dict()["directives"]
    try:
        return with_overrides(scenario, {"directives.fixed": base["fixed"] + add["fixed"],
                                         "directives.together": base["together"] + add["together"],
                                         "directives.pin": base["pin"] + add["pin"]})
    except ConsortiaError as exc:
        raise ConsortiaError(f"these locks do not fit the scenario's own directives: {exc.detail}"
                             + (f" ({exc.key})" if exc.key else "")) from None


def directives_yaml(scenario: Scenario, draft: Draft) -> str:
    """The ``directives:`` section of the scenario with the locks, to paste into a scenario file."""
    section = locked_scenario(scenario, draft).to_dict()["directives"]
    section = {k: v for k, v in _clean_directives(section).items() if v}
    return yaml.safe_dump({"directives": section}, sort_keys=False, allow_unicode=True)


def _clean_directives(section: dict) -> dict:
    """Directive entries without their null or default fields (as a person would write them)."""
    out = dict(section)
    out["fixed"] = [{k: v for k, v in f.items() if v is not None and not (k == "grow" and v is False)}
                    for f in section.get("fixed", [])]
    out["pin"] = [{k: v for k, v in p.items() if v is not None} for p in section.get("pin", [])]
    return out


def scenario_yaml(scenario: Scenario, draft: Draft) -> str:
    """A whole scenario file with the locks, input paths made absolute so it loads from anywhere."""
    data = locked_scenario(scenario, draft).to_dict()
    for key, value in list(data["inputs"].items()):
        if value is not None:
            data["inputs"][key] = os.path.abspath(value)
    if data.get("baseline") is not None:
        data["baseline"] = os.path.abspath(data["baseline"])
    data["output"] = {k: v for k, v in data["output"].items() if v is not None}
    data["directives"] = _clean_directives(data["directives"])
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def locks_from_directives(scenario: Scenario, text: str, source: str) -> tuple[tuple, tuple, tuple]:
    """(fixed, kept, pins) from a saved ``directives:`` snippet or scenario file, leaving out the
    entries the scenario has already."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConsortiaError(f"not valid YAML: {exc}", file=source) from None
    section = data.get("directives") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ConsortiaError("expected a 'directives:' section", file=source)
    current = scenario.to_dict()["directives"]
    own = _clean_directives(current)
    try:
        probe = with_overrides(scenario, {f"directives.{k}": section.get(k, current[k])
                                          for k in ("fixed", "together", "pin")})
    except ConsortiaError as exc:
        raise ConsortiaError(exc.detail, file=source, key=exc.key) from None
    new = _clean_directives(probe.to_dict()["directives"])
    fixed = tuple(LockedConsortium(f["name"] or "-".join(f["members"]), tuple(f["members"]),
                                   dt.date.fromisoformat(f["go_live"]) if f.get("go_live") else None)
                  for f in new["fixed"] if f not in own["fixed"])
    pairs = [tuple(p) for p in new["together"] if list(p) not in own["together"]]
    pins = tuple(sorted((p["trust"], dt.date.fromisoformat(p["go_live"])) for p in new["pin"]
                        if p not in own["pin"] and p.get("go_live") and not p.get("consortium")))
    return fixed, _groups(pairs), pins


def _groups(pairs) -> tuple[tuple[str, ...], ...]:
    """Trusts linked by ``together`` pairs, merged into groups."""
    groups: list[set[str]] = []
    for a, b in pairs:
        hit = [g for g in groups if a in g or b in g]
        merged = set().union(*hit, {a, b}) if hit else {a, b}
        groups = [g for g in groups if g not in hit] + [merged]
    return tuple(sorted(tuple(sorted(g)) for g in groups))


# --- the verdict ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What the checker says of a draft, sorted to the consortium each broken rule concerns."""

    report: CheckReport
    by_consortium: dict[str, list[str]] = field(default_factory=dict)
    general: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def objective(self) -> float:
        return self.report.objective


def judge(scenario: Scenario, instance: Instance, draft: Draft) -> Verdict:
    """Check ``draft`` exactly as ``consortia check`` checks its proposal CSV."""
    checked = locked_scenario(scenario, draft)
    with tempfile.TemporaryDirectory(prefix="consortia-workspace-") as folder:
        path = Path(folder) / "proposal.csv"
        path.write_text(proposal_csv(draft), encoding="utf-8")
        report = check_plan(checked, instance, path)
    return Verdict(report, *_sort_violations(report.violations, draft))


TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _sort_violations(violations: list[str], draft: Draft) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """Each broken rule next to the consortia it names (or whose members it names)."""
    consortium = draft.consortium
    ids = set(consortium.values())
    by: dict[str, list[str]] = {}
    general = []
    for text in violations:
        tokens = [t.rstrip(".-") for t in TOKEN.findall(text)]
        named = [t for t in tokens if t in ids]
        if not named:
            named = [consortium[t] for t in tokens if t in consortium]
        named = list(dict.fromkeys(named))
        if not named:
            general.append(text)
        for cid in named:
            by.setdefault(cid, []).append(text)
    return by, tuple(general)


# --- edits and history ------------------------------------------------------------------------

def new_consortium_id(draft: Draft) -> str:
    used = set(draft.consortium.values()) | {f.name for f in draft.fixed}
    n = 1
    while f"new-{n}" in used:
        n += 1
    return f"new-{n}"


def move(draft: Draft, trust: str, target: str) -> Draft:
    """``trust`` moved to consortium ``target`` ("new" for a new consortium)."""
    consortium = draft.consortium
    if target == "new":
        target = new_consortium_id(draft)
    consortium[trust] = target
    return draft.with_assignment(consortium)


def set_go_live(draft: Draft, cid: str, date: dt.date | None) -> Draft:
    """Consortium ``cid`` goes live on ``date`` (None: the cheapest date that fits)."""
    given = {c: d for c, d in draft.go_live if c != cid}
    if date is not None:
        given[cid] = date
    return replace(draft, go_live=tuple(sorted(given.items())))


def lock_consortium(draft: Draft, cid: str, on: bool, go_live: dt.date | None) -> Draft:
    """Lock (or unlock) consortium ``cid`` with its current members; keeps a go-live lock."""
    fixed = [f for f in draft.fixed if f.name != cid]
    pins = dict(draft.pins)
    members = tuple(draft.members().get(cid, ()))
    if on:
        locked_date = next((pins[m] for m in members if m in pins), None)
        for m in members:
            pins.pop(m, None)
        fixed.append(LockedConsortium(cid, members, locked_date))
    kept = tuple(g for g in draft.kept if not (on and set(g) <= set(members)))
    return replace(draft, fixed=tuple(sorted(fixed, key=lambda f: f.name)), kept=kept,
                   pins=tuple(sorted(pins.items())))


def lock_trust(draft: Draft, trust: str, on: bool) -> Draft:
    """Lock ``trust`` in its consortium (it stays with the other trusts locked there), or unlock it."""
    groups = [tuple(t for t in g if t != trust) for g in draft.kept]
    groups = [g for g in groups if g]
    if on:
        cid = draft.consortium[trust]
        home = next((i for i, g in enumerate(groups) if any(draft.consortium.get(t) == cid for t in g)), None)
        if home is None:
            groups.append((trust,))
        else:
            groups[home] = tuple(sorted(groups[home] + (trust,)))
    return replace(draft, kept=tuple(sorted(groups)))


def lock_go_live(draft: Draft, cid: str, date: dt.date | None) -> Draft:
    """Lock consortium ``cid``'s go-live at ``date`` (None unlocks it)."""
    members = draft.members().get(cid, [])
    fixed = list(draft.fixed)
    for i, f in enumerate(fixed):
        if f.name == cid:
            fixed[i] = replace(f, go_live=date)
            return replace(draft, fixed=tuple(fixed))
    pins = {t: d for t, d in draft.pins if t not in members}
    if date is not None:
        pins.update({m: date for m in members})
    return replace(draft, pins=tuple(sorted(pins.items())))


@dataclass
class Proposal:
    """A named proposal: its history of drafts (undo / redo) and where it came from."""

    name: str
    origin: str
    history: list[tuple[Draft, str]]
    position: int = 0

    @property
    def draft(self) -> Draft:
        return self.history[self.position][0]

    @property
    def start(self) -> Draft:
        return self.history[0][0]

    def apply(self, draft: Draft, what: str) -> None:
        if draft == self.draft:
            return
        del self.history[self.position + 1:]
        self.history.append((draft, what))
        if len(self.history) > HISTORY_LIMIT:
            # the first draft is the reference for "before"; keep it, drop the oldest edit after it
            del self.history[1]
        self.position = len(self.history) - 1

    def undo(self) -> str | None:
        if self.position == 0:
            return None
        self.position -= 1
        return self.history[self.position + 1][1]

    def redo(self) -> str | None:
        if self.position + 1 >= len(self.history):
            return None
        self.position += 1
        return self.history[self.position][1]

    @property
    def can_undo(self) -> str | None:
        return self.history[self.position][1] if self.position > 0 else None

    @property
    def can_redo(self) -> str | None:
        return self.history[self.position + 1][1] if self.position + 1 < len(self.history) else None


def moved_between(a: Draft, b: Draft) -> list[str]:
    """Trusts in both drafts whose co-members (among the trusts in both) differ."""
    ca, cb = a.consortium, b.consortium
    common = sorted(set(ca) & set(cb))
    moved = []
    for t in common:
        with_a = {o for o in common if ca[o] == ca[t]}
        with_b = {o for o in common if cb[o] == cb[t]}
        if with_a != with_b:
            moved.append(t)
    return moved
