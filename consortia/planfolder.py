"""Reading a plan folder written by ``consortia solve``: ``plan.yaml``, ``assignments.csv`` and
``consortia.csv``, with errors that name the folder or file.

Used by the what-if commands, the rota and the figures. The checkers (``checker.py``,
``rota/check.py``) keep their own readings, so that a plan is verified independently.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConsortiaError
from .yamlfile import load_strict

__all__ = ["PLAN_YAML", "ASSIGNMENTS", "CONSORTIA", "require", "read_text", "read_yaml", "read_rows",
           "read_plan_yaml", "read_settings", "PlanFolder", "read_plan_folder"]

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
    errors raise :class:`ConsortiaError`."""
    text = read_text(path)
    try:
        return load_strict(text)
    except yaml.YAMLError as exc:
        raise ConsortiaError(f"cannot read {path.name}: {exc}", file=str(path)) from None


def read_rows(path: Path) -> list[dict]:
    """The rows of a CSV file with a header (values as text); errors raise :class:`ConsortiaError`."""
    text = read_text(path)
    try:
        return list(csv.DictReader(text.splitlines()))
    except csv.Error as exc:
        raise ConsortiaError(f"cannot read {path.name}: {exc}", file=str(path)) from None


def read_plan_yaml(folder: str | Path) -> dict:
    """The mapping in a plan folder's ``plan.yaml``."""
    folder = require(folder, PLAN_YAML)
    document = read_yaml(folder / PLAN_YAML)
    if not isinstance(document, dict):
        raise ConsortiaError("plan.yaml is not a mapping", file=str(folder / PLAN_YAML))
    return document


def read_settings(folder: str | Path) -> dict:
    """``plan.yaml`` of a plan folder, refused without its ``settings`` section."""
    document = read_plan_yaml(folder)
    if not isinstance(document.get("settings"), dict):
        raise ConsortiaError("plan.yaml has no 'settings' section", file=str(Path(folder) / PLAN_YAML))
    return document


@dataclass(frozen=True)
class PlanFolder:
    """What a plan folder says: trust -> consortium and go-live, consortium -> members, plan.yaml."""

    path: Path
    consortium: dict[str, str]
    go_live: dict[str, str]
    members: dict[str, frozenset[str]]
    document: dict

    def co_members(self, trust: str) -> frozenset[str]:
        """The trust's consortium, itself included."""
        return self.members[self.consortium[trust]]


def read_plan_folder(path: str | Path) -> PlanFolder:
    """Read the assignment and summary of a plan folder written by ``consortia solve``."""
    path = require(path, ASSIGNMENTS, PLAN_YAML)
    rows = read_rows(path / ASSIGNMENTS)
    document = read_yaml(path / PLAN_YAML) or {}
    consortium, go_live, members = {}, {}, {}
    for number, row in enumerate(rows, start=1):
        trust, cid = row.get("trust"), row.get("consortium")
        if not trust or not cid:
            raise ConsortiaError("trust and consortium are required", file=str(path / ASSIGNMENTS), row=number)
        consortium[trust] = cid
        go_live[trust] = row.get("go_live", "")
        members.setdefault(cid, set()).add(trust)
    if not isinstance(document, dict):
        raise ConsortiaError("plan.yaml is not a mapping", file=str(path / PLAN_YAML))
    return PlanFolder(path, consortium, go_live, {k: frozenset(v) for k, v in members.items()}, document)
