"""Resuming a batch: the key of a scenario's result (its settings and its input files'
contents) and the records that show a scenario is already up to date."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from ..errors import ConsortiaError
from ..scenario import Scenario
from ..status import Status
from ..version import __version__
from .spec import FINISHED, INPUT_KINDS, RESULT_FILE, UNKEYED

__all__ = ["batch_key", "read_record", "input_files", "InputFiles", "reusable"]

# ----------------------------------------------------------------------------- the client


def _key_settings(scenario: Scenario) -> dict:
    settings = scenario.to_dict()
    for key in ("name", "inputs", "output"):
        settings.pop(key)
    for section, key in UNKEYED:
        settings[section].pop(key)
    return settings


def batch_key(scenario: Scenario, hashes: dict[str, str]) -> str:
    """SHA-256 of what decides a scenario's result: its settings and its input files' contents."""
    payload = {"settings": _key_settings(scenario), "inputs": hashes, "package_version": __version__}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def input_files(scenario: Scenario) -> dict[str, Path]:
    return {kind: getattr(scenario.inputs, kind) for kind in INPUT_KINDS
            if getattr(scenario.inputs, kind) is not None}


class InputFiles:
    """Input files read once each: bytes and SHA-256 by path."""

    def __init__(self):
        self.blobs: dict[Path, tuple[bytes, str]] = {}

    def get(self, path: Path) -> tuple[bytes, str]:
        if path not in self.blobs:
            if not path.is_file():
                raise ConsortiaError("input file not found", file=str(path))
            blob = path.read_bytes()
            self.blobs[path] = (blob, hashlib.sha256(blob).hexdigest())
        return self.blobs[path]


def read_record(folder: Path) -> dict | None:
    """The batch-result.yaml record of a scenario folder, or None."""
    try:
        record = yaml.safe_load((folder / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) else None


def reusable(folder: Path, key: str, maps: bool) -> dict | None:
    """The record of a finished scenario whose folder holds what this run would write."""
    record = read_record(folder)
    if record is None or record.get("batch_key") != key or record.get("status") not in FINISHED:
        return None
    if record["status"] in Status.HAS_PLAN:
        needed = ["plan.yaml"] + (["report.html"] if maps else [])
        if not all((folder / name).is_file() for name in needed):
            return None
    return record
