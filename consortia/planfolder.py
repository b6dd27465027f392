"""Reading a plan folder written by ``consortia solve``: ``plan.yaml``, ``assignments.csv`` and
``consortia.csv``, validated, with errors that name the file and the row and column or the key.

:func:`read_plan_folder` is the one reader of what ``diff``, ``explain``, ``rota`` and the figures
read: every value they use has the type it should (:data:`PLAN_KEYS`), every trust is listed once,
every consortium once, and the two tables and ``plan.yaml``'s trust count agree, so a damaged,
truncated or hand-edited folder is refused (exit 2) rather than drawn or compared. The checkers
(``checker.py``, ``rota/check.py``) keep their own readings, so that a plan is verified
independently.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .csvfile import iso_date, read_table
from .csvfile import number as read_number
from .errors import ConsortiaError
from .yamlfile import load_strict, problem_words

__all__ = ["PLAN_YAML", "ASSIGNMENTS", "CONSORTIA", "PLAN_KEYS", "require", "read_text", "read_yaml",
           "read_rows", "read_plan_yaml", "read_settings", "PlanFolder", "read_plan_folder", "NUMBER_COLUMNS",
           "ROTA_YAML", "ROTA_CSV",
           "ROTA_SUMMARY", "ROTA_KEYS", "RotaFiles", "read_rota_files"]

PLAN_YAML = "plan.yaml"
ASSIGNMENTS = "assignments.csv"
CONSORTIA = "consortia.csv"


def require(folder: str | Path, *names: str) -> Path:
    """``folder`` as a Path, refused unless it is a folder holding every file in ``names``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConsortiaError("plan folder not found", file=str(folder))
    for name in names:
        if not (folder / name).is_file():
            raise ConsortiaError(f"not a plan folder (no {name})", file=str(folder))
    return folder


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; unreadable files raise :class:`ConsortiaError`."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConsortiaError(f"cannot read {path.name}: {exc}", file=str(path)) from None


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path`` (strict YAML with limits, :func:`~consortia.yamlfile.load_strict`);
    errors raise :class:`ConsortiaError` naming the line."""
    text = read_text(path)
    try:
        return load_strict(text)
    except yaml.YAMLError as exc:
        raise ConsortiaError(problem_words(exc, text), file=str(path)) from None


def read_rows(path: Path, required: tuple[str, ...] = ()) -> list[dict]:
    """The rows of a CSV file with a header (values as text), read by the strict CSV reader."""
    return [row for _, row in read_table(path, required)]


def _number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))


def _whole(v) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool))


def _text(v) -> bool:
    return v is None or isinstance(v, str)


def _mapping(v) -> bool:
    return v is None or isinstance(v, dict)


def _numbers(v) -> bool:
    return v is None or (isinstance(v, dict) and all(isinstance(k, str) and _number(x) and x is not None
                                                     for k, x in v.items()))


def _counts(v) -> bool:
    return v is None or (isinstance(v, dict) and all(_whole(x) for x in v.values()))


def _texts(v) -> bool:
    return v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v))


def _date(v) -> bool:
    if v is None or isinstance(v, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(v))
    except ValueError:
        return False
    return True


PLAN_KEYS = {
    "status": (_text, "text"), "objective": (_number, "a number or null"),
    "best_bound": (_number, "a number or null"), "gap": (_number, "a number or null"),
    "terms": (_numbers, "a mapping of term names to numbers"), "metrics": (_mapping, "a mapping"),
    "metrics.n_trusts": (_whole, "a whole number"), "metrics.n_consortia": (_whole, "a whole number"),
    "metrics.n_standalone": (_whole, "a whole number"),
    "metrics.trusts_full_cover_alone": (_whole, "a whole number"),
    "metrics.trusts_full_cover_pooled": (_whole, "a whole number"),
    "metrics.total_months_misaligned": (_whole, "a whole number"),
    "metrics.market_capacity": (_whole, "a whole number or null"),
    "metrics.peak_market": (_whole, "a whole number"),
    "metrics.market_per_period": (_counts, "a mapping of dates to whole numbers"),
    "solver": (_mapping, "a mapping"), "inputs": (_mapping, "a mapping"), "settings": (_mapping, "a mapping"),
    "settings.inputs": (_mapping, "a mapping"), "settings.planning": (_mapping, "a mapping"),
    "settings.planning.start": (_date, "a date YYYY-MM-DD"),
    "settings.planning.period_months": (_whole, "a whole number"),
    "settings.planning.lead_time_months": (_whole, "a whole number"),
    "settings.market": (_mapping, "a mapping"), "settings.market.capacity": (_whole, "a whole number or null"),
    "settings.cover": (_mapping, "a mapping"), "settings.cover.min_ratio": (_number, "a number"),
    "settings.cover.weekend_subspecialties": (_texts, "a list of names"),
    "settings.rota": (_mapping, "a mapping"),
}
"""The keys of ``plan.yaml`` the commands read, each with its check and what it must be."""


def _check_keys(document: Any, keys: dict, path: Path) -> None:
    """Raise naming the first of ``keys`` (dotted key -> (check, what it must be)) that
    ``document`` lacks or holds wrongly."""
    if not isinstance(document, dict):
        raise ConsortiaError(f"expected a mapping of keys, got {type(document).__name__}", file=str(path))
    for key, (ok, what) in keys.items():
        node: Any = document
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not ok(node):
            shown = repr(node) if len(repr(node)) <= 60 else repr(node)[:57] + "..."
            raise ConsortiaError(f"expected {what}, got {shown}", file=str(path), key=key)


def _check_plan_document(document: Any, path: Path) -> dict:
    _check_keys(document, PLAN_KEYS, path)
    for kind, entry in (document.get("inputs") or {}).items():
        if not isinstance(entry, dict) or not all(_text(entry.get(k)) for k in ("path", "sha256")):
            raise ConsortiaError("expected a mapping with path and sha256", file=str(path), key=f"inputs.{kind}")
    return document


def read_plan_yaml(folder: str | Path) -> dict:
    """The mapping in a plan folder's ``plan.yaml``, every key in :data:`PLAN_KEYS` checked."""
    folder = require(folder, PLAN_YAML)
    return _check_plan_document(read_yaml(folder / PLAN_YAML), folder / PLAN_YAML)


def read_settings(folder: str | Path) -> dict:
    """``plan.yaml`` of a plan folder, refused without its ``settings`` section."""
    document = read_plan_yaml(folder)
    if not isinstance(document.get("settings"), dict):
        raise ConsortiaError("plan.yaml has no 'settings' section", file=str(Path(folder) / PLAN_YAML),
                             key="settings")
    return document


@dataclass(frozen=True)
class PlanFolder:
    """What a plan folder says: trust -> consortium and go-live, consortium -> members, the rows of
    ``consortia.csv`` (row number, values) and plan.yaml."""

    path: Path
    consortium: dict[str, str]
    go_live: dict[str, str]
    members: dict[str, frozenset[str]]
    document: dict
    consortia_rows: tuple[tuple[int, dict[str, str]], ...] = ()

    def co_members(self, trust: str) -> frozenset[str]:
        """The trust's consortium, itself included."""
        return self.members[self.consortium[trust]]


_RATIOS = {f"{kind}_ratio_{d}": (0, None, True) for kind in ("alone", "cover")
           for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NUMBER_COLUMNS = {
    ASSIGNMENTS: {"lat": (-90, 90, False), "lon": (-180, 180, False), "months_misaligned": (None, None, False),
                  **{k: v for k, v in _RATIOS.items() if k.startswith("alone")}},
    CONSORTIA: {"distance_km": (0, None, False), "max_pair_km": (0, None, False),
                "months_misaligned": (None, None, False), "cost": (None, None, False),
                **{k: v for k, v in _RATIOS.items() if k.startswith("cover")}},
}
"""The number columns of a plan's tables the figures read: (lowest, highest, may be 'inf'); each is
checked when the table has it (an empty value is allowed)."""


def _check_numbers(table, name: str) -> None:
    for column, (low, high, infinite) in NUMBER_COLUMNS[name].items():
        if column not in table.header:
            continue
        for number, row in table:
            if row[column] == "" or (infinite and row[column] == "inf"):
                continue
            read_number(row, column, table.path, number, low=low, high=high)


def _assignments(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    consortium, go_live, members = {}, {}, {}
    table = read_table(path, ("trust", "consortium", "go_live"))
    _check_numbers(table, ASSIGNMENTS)
    for number, row in table:
        trust, cid = row["trust"], row["consortium"]
        for column, value in (("trust", trust), ("consortium", cid)):
            if not value:
                raise ConsortiaError(f"a {column} is required", file=str(path), row=number, column=column)
        if trust in consortium:
            raise ConsortiaError(f"trust {trust} is listed twice", file=str(path), row=number, column="trust")
        go_live[trust] = iso_date(row, "go_live", path, number).isoformat()
        consortium[trust] = cid
        members.setdefault(cid, set()).add(trust)
    return consortium, go_live, members


def _consortia(path: Path, consortium: dict[str, str], members: dict[str, set[str]]):
    """The rows of consortia.csv, each checked against assignments.csv."""
    seen: dict[str, int] = {}
    table = read_table(path, ("consortium", "members", "go_live"))
    _check_numbers(table, CONSORTIA)
    for number, row in table:
        cid = row["consortium"]
        if not cid:
            raise ConsortiaError("a consortium is required", file=str(path), row=number, column="consortium")
        if cid in seen:
            raise ConsortiaError(f"consortium {cid} is listed twice (first on row {seen[cid]})", file=str(path),
                                 row=number, column="consortium")
        seen[cid] = number
        listed = row["members"].split()
        if not listed or len(set(listed)) != len(listed):
            raise ConsortiaError("expected the distinct codes of the consortium's trusts", file=str(path),
                                 row=number, column="members")
        if set(listed) != members.get(cid, set()):
            stray = sorted(set(listed) ^ members.get(cid, set()))
            raise ConsortiaError(f"{ASSIGNMENTS} and {CONSORTIA} disagree on consortium {cid}'s members ("
                                 f"{' '.join(stray[:5])}{' ...' if len(stray) > 5 else ''}); the folder is "
                                 "damaged or was edited by hand: solve again", file=str(path), row=number,
                                 column="members")
        if row.get("n_trusts", "") != "" and row["n_trusts"] != str(len(listed)):
            raise ConsortiaError(f"n_trusts {row['n_trusts']!r} but {len(listed)} members", file=str(path),
                                 row=number, column="n_trusts")
        iso_date(row, "go_live", path, number)
    missing = sorted(set(members) - set(seen))
    if missing:
        trust = next(t for t, c in sorted(consortium.items()) if c == missing[0])
        raise ConsortiaError(f"{ASSIGNMENTS} puts {trust} in consortium {missing[0]}, which {CONSORTIA} does not "
                             "list; the folder is damaged or was edited by hand: solve again", file=str(path))
    return table.rows


def read_plan_folder(path: str | Path) -> PlanFolder:
    """Read and cross-check ``plan.yaml``, ``assignments.csv`` and ``consortia.csv`` of a plan folder
    written by ``consortia solve``; see the module docstring."""
    path = require(path, PLAN_YAML, ASSIGNMENTS, CONSORTIA)
    document = read_plan_yaml(path)
    consortium, go_live, members = _assignments(path / ASSIGNMENTS)
    rows = _consortia(path / CONSORTIA, consortium, members)
    counted = (document.get("metrics") or {}).get("n_trusts")
    if counted is not None and counted != len(consortium):
        raise ConsortiaError(f"plan.yaml counts {counted} trusts but {ASSIGNMENTS} lists {len(consortium)}; "
                             "the folder is damaged or was edited by hand: solve again",
                             file=str(path / PLAN_YAML), key="metrics.n_trusts")
    return PlanFolder(path, consortium, go_live, {k: frozenset(v) for k, v in members.items()}, document, rows)


ROTA_YAML = "rota.yaml"
ROTA_CSV = "rota.csv"
ROTA_SUMMARY = "rota_summary.csv"
ROTA_KEYS = {
    "settings": (lambda v: isinstance(v, dict), "a mapping"),
    "settings.weeks": (lambda v: _whole(v) and v is not None and v >= 1, "a whole number >= 1"),
    "settings.one_in": (lambda v: _whole(v) and v is not None and v >= 1, "a whole number >= 1"),
    "settings.tolerance": (lambda v: _number(v) and v is not None, "a number"),
    "settings.reports_per_session": (lambda v: _number(v) and v is not None, "a number"),
    "settings.min_ratio": (lambda v: _number(v) and v is not None, "a number"),
    "settings.weekend_subspecialties": (lambda v: _texts(v) and v is not None, "a list of names"),
    "settings.start": (_date, "a date YYYY-MM-DD or null"),
    "inputs": (lambda v: isinstance(v, dict), "a mapping"),
    "consortia": (lambda v: isinstance(v, list), "a list"),
}
"""The keys of ``rota.yaml`` the figures and the rota's checker read, each with its check."""
ROTA_ENTRY_KEYS = {
    "consortium": (lambda v: isinstance(v, str) and bool(v), "a consortium id"),
    "members": (lambda v: _texts(v) and bool(v), "a list of trust codes"),
    "go_live": (lambda v: v is not None and _date(v), "a date YYYY-MM-DD"),
    "start": (lambda v: v is not None and _date(v), "a date YYYY-MM-DD"),
    "status": (lambda v: isinstance(v, str), "text"),
    "spread": (_whole, "a whole number"), "fewest_weekends": (_whole, "a whole number"),
    "most_weekends": (_whole, "a whole number"), "person_weekends": (_whole, "a whole number"),
    "radiologists_available": (_whole, "a whole number"), "diagnosis": (_texts, "a list of lines"),
}


@dataclass(frozen=True)
class RotaFiles:
    """The weekend rota files of a plan folder: ``rota.yaml`` and the rows of ``rota.csv`` and
    ``rota_summary.csv`` (values as text, each checked for its type)."""

    document: dict
    shifts: tuple[dict[str, str], ...]
    summary: tuple[dict[str, str], ...]


def _check_rota_document(document: Any, path: Path) -> dict:
    _check_keys(document, ROTA_KEYS, path)
    for kind in ("trusts", "rosters", "demand"):
        entry = document["inputs"].get(kind)
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("path", "sha256")):
            raise ConsortiaError("expected a mapping with path and sha256", file=str(path), key=f"inputs.{kind}")
    for i, entry in enumerate(document["consortia"]):
        if not isinstance(entry, dict):
            raise ConsortiaError("expected a mapping", file=str(path), key=f"consortia[{i}]")
        for key, (ok, what) in ROTA_ENTRY_KEYS.items():
            if not ok(entry.get(key)):
                raise ConsortiaError(f"expected {what}, got {entry.get(key)!r:.60}", file=str(path),
                                     key=f"consortia[{i}].{key}")
    return document


def read_rota_files(folder: str | Path) -> RotaFiles | None:
    """The rota files in ``folder``, each value the figures and the rota's checker read checked for
    its type, or None when ``rota.yaml`` and ``rota.csv`` are not both there."""
    folder = Path(folder)
    if not ((folder / ROTA_YAML).is_file() and (folder / ROTA_CSV).is_file()):
        return None
    document = _check_rota_document(read_yaml(folder / ROTA_YAML), folder / ROTA_YAML)
    shifts = read_table(folder / ROTA_CSV, ("date", "day", "weekend", "consortium", "radiologist", "home_trust",
                                            "sessions", "subspecialties"))
    weeks = document["settings"]["weeks"]
    for number, row in shifts:
        iso_date(row, "date", shifts.path, number)
        if row["day"] not in ("sat", "sun"):
            raise ConsortiaError(f"expected sat or sun, got {row['day']!r}", file=str(shifts.path), row=number,
                                 column="day")
        if not row["weekend"].isdigit() or not 1 <= int(row["weekend"]) <= weeks:
            raise ConsortiaError(f"expected a weekend number from 1 to {weeks}, got {row['weekend']!r}",
                                 file=str(shifts.path), row=number, column="weekend")
        read_number(row, "sessions", shifts.path, number, low=0)
    summary = ()
    if (folder / ROTA_SUMMARY).is_file():
        summary = tuple(r for _, r in read_table(folder / ROTA_SUMMARY, ("consortium", "kind", "trust",
                                                                         "radiologist")))
    return RotaFiles(document, tuple(r for _, r in shifts), summary)
