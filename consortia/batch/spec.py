"""Batch files: a base scenario, overrides for every run, named scenarios and grids, resolved
and validated into one :class:`Batch` before anything runs."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import EXIT_INFEASIBLE, EXIT_INTERRUPTED, EXIT_OK, ConsortiaError
from ..scenario import NAME_PATTERN, Scenario, load_scenario, with_overrides
from ..status import Status
from ..suggest import did_you_mean
from ..yamlfile import DuplicateKeyError, load_strict, problem_words

__all__ = ["Batch", "BatchScenario", "BatchRun", "load_batch", "safe_name", "RESULT_FILE", "SUMMARY_CSV",
           "SUMMARY_HTML", "FINISHED", "INPUT_KINDS"]

MAX_SCENARIOS = 1000
"""Most scenarios one batch file may hold (named scenarios and grid points together)."""
RESULT_FILE = "batch-result.yaml"

SUMMARY_CSV = "summary.csv"

SUMMARY_HTML = "summary.html"

FINISHED = Status.ALL


INPUT_KINDS = ("trusts", "rosters", "demand", "links", "regions")

BATCH_KEYS = {
    "name": "batch name; names the default output folder solutions/<name>",
    "description": "free text shown in summary.html",
    "base": "the base scenario YAML, relative to the batch file",
    "output": "output folder, relative to the batch file (default solutions/<name>)",
    "executor": "'local' (a process pool, default) or 'dask' (a Dask distributed cluster)",
    "workers": "local executor: number of worker processes (default: the machine's cores)",
    "scheduler": "dask executor: the scheduler address, e.g. tcp://10.0.0.5:8786",
    "maps": "draw maps, charts and report.html in every plan folder (default false)",
    "diagnose": "explain each infeasible scenario (default true; slower when many are infeasible)",
    "timeout": "seconds a scenario may take in all before it is stopped and reported failed "
               "(default: no limit beyond solver.time_limit)",
    "overrides": "dotted-key overrides applied to every scenario",
    "scenarios": "named scenarios: name -> dotted-key overrides",
    "grids": "grids: name -> dotted key -> list of values (cartesian product)",
}

FORBIDDEN_KEYS = {
    "name": "the batch names each scenario",
    "output.folder": "the batch writes each plan to <output>/<scenario>",
}
# Settings that decide how a scenario runs, not what it asks: left out of the batch_key.

UNKEYED = (("solver", "threads"), ("solver", "log"))

RESERVED_NAMES = {SUMMARY_CSV, SUMMARY_HTML}

WORKER_DIED = "the worker process died (crashed or ran out of memory)"


@dataclass(frozen=True)
class BatchScenario:
    """One scenario of a batch: its name, where it came from and its resolved settings."""

    name: str
    group: str
    overrides: dict
    scenario: Scenario


@dataclass(frozen=True)
class Batch:
    """A parsed, validated batch file."""

    name: str
    file: Path
    base: Scenario
    output: Path
    scenarios: tuple[BatchScenario, ...]
    swept_keys: tuple[str, ...]
    overrides: dict = field(default_factory=dict)
    description: str = ""
    executor: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    maps: bool = False
    diagnose: bool = True
    timeout: float | None = None
    sets_threads: bool = False


@dataclass
class BatchRun:
    """The outcome of running a batch: one record per scenario, in batch order."""

    batch: Batch
    output: Path
    records: list[dict | None]
    executor: str
    workers: int
    seconds: float = 0.0
    interrupted: bool = False
    summary: dict[str, Path] = field(default_factory=dict)

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.records if r is not None and r["status"] in statuses)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_INFEASIBLE if self.errors else EXIT_OK

# ----------------------------------------------------------------------------- batch file


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConsortiaError("batch file not found", file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConsortiaError("not a UTF-8 text file", file=str(path)) from None
    try:
        return load_strict(text)
    except DuplicateKeyError as exc:
        raise ConsortiaError(f"key given twice (line {exc.line})", file=str(path), key=str(exc.key)) from None
    except yaml.YAMLError as exc:
        raise ConsortiaError(problem_words(exc, text), file=str(path)) from None


def _did_you_mean(key: str, valid: list[str]) -> str:
    match = did_you_mean(key, valid, dotted=True)
    return f"; did you mean '{match}'?" if match else ""


def _schema_keys(base: Scenario) -> tuple[list[str], list[str]]:
    """Every overridable dotted key of the scenario schema, and the section names."""
    leaves: list[str] = []
    sections: list[str] = []

    def walk(node: dict, prefix: str) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                sections.append(prefix + k)
                walk(v, prefix + k + ".")
            else:
                leaves.append(prefix + k)

    walk(base.to_dict(), "")
    return leaves, sections


class _KeyChecker:
    def __init__(self, base: Scenario, file: Path):
        self.leaves, self.sections = _schema_keys(base)
        self.file = str(file)

    def check(self, key: Any, where: str) -> str:
        if not isinstance(key, str):
            raise ConsortiaError(f"{where}: a setting must be a dotted key such as "
                                 f"'network.max_distance_km', got {key!r}", file=self.file)
        if key in FORBIDDEN_KEYS:
            raise ConsortiaError(f"{where}: cannot be overridden in a batch ({FORBIDDEN_KEYS[key]})",
                                 file=self.file, key=key)
        if key in self.sections:
            example = next(v for v in self.leaves if v.startswith(key + "."))
            raise ConsortiaError(f"{where}: '{key}' is a section; override its settings one by one, "
                                 f"e.g. '{example}'", file=self.file, key=key)
        if key not in self.leaves:
            raise ConsortiaError(f"{where}: unknown setting" + _did_you_mean(key, self.leaves),
                                 file=self.file, key=key)
        return key


def _mapping(value: Any, what: str, file: Path, key: str | None = None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConsortiaError(f"{what} must be a mapping, got {value!r}", file=str(file), key=key)
    return value


def _check_name(name: Any, what: str, file: Path, key: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConsortiaError(f"{what} {name!r} must start with a letter or digit and contain only "
                             "letters, digits, '.', '_' or '-' (at most 100 characters; it names "
                             "a folder)", file=str(file), key=key)
    if name.lower() in RESERVED_NAMES:
        raise ConsortiaError(f"{what} {name!r} is reserved for the batch's own files", file=str(file), key=key)
    return name


def _label(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "+".join(_label(v) for v in value) if value else "none"
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
    return "v" + digest[:6]


def safe_name(text: str) -> str:
    """A folder-safe scenario name made from ``text`` (letters, digits, '.', '_' and '-')."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    name = re.sub(r"^[^A-Za-z0-9]+", "", name) or "scenario"
    if len(name) > 100:
        name = name[:91].rstrip("-.") + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return name


def _short_labels(keys: list[str]) -> dict[str, str]:
    """Shortest dotted suffix that tells each key apart: 'network.max_distance_km' -> 'max_distance_km'."""
    depth = {k: 1 for k in keys}
    while True:
        labels = {k: ".".join(k.split(".")[-depth[k]:]) for k in keys}
        clashes = [k for k in keys if list(labels.values()).count(labels[k]) > 1]
        if not clashes:
            return labels
        for k in clashes:
            depth[k] += 1


def _grid_points(gname: str, grid: dict, file: Path) -> list[tuple[str, dict]]:
    keys = list(grid)
    for key in keys:
        values = grid[key]
        if not isinstance(values, list) or not values:
            raise ConsortiaError(f"grid '{gname}': each key needs a non-empty list of values "
                                 f"(a list-valued setting takes a list of lists), got {values!r}",
                                 file=str(file), key=key)
    size = math.prod(len(grid[k]) for k in keys)
    if size > MAX_SCENARIOS:
        raise ConsortiaError(f"grid '{gname}' has {size:,} combinations ("
                             + " x ".join(str(len(grid[k])) for k in keys)
                             + f"), more than the {MAX_SCENARIOS:,} scenarios a batch may hold; split it "
                             "or use fewer values", file=str(file), key=f"grids.{gname}")
    varying = [k for k in keys if len(grid[k]) > 1]
    labels = _short_labels(varying)
    points = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        point = dict(zip(keys, combo))
        parts = [gname] + [f"{labels[k]}-{_label(point[k])}" for k in varying]
        points.append((safe_name("__".join(parts)), point))
    return points


def _input_paths(overrides: dict, folder: Path) -> dict:
    """Relative ``inputs.*`` paths in a batch file are relative to the batch file."""
    out = {}
    for key, value in overrides.items():
        if key.startswith("inputs.") and isinstance(value, str) and value.strip() \
                and not Path(value).is_absolute():
            value = str(folder / value)
        out[key] = value
    return out


def _options(data: dict, path: Path) -> dict:
    """The batch file's own settings (everything but the scenarios), checked."""
    def fail(key, message):
        raise ConsortiaError(message, file=str(path), key=key)

    name = _check_name(data.get("name", safe_name(path.stem)), "batch name", path, "name")
    executor = data.get("executor", "local")
    if executor not in ("local", "dask"):
        fail("executor", f"must be 'local' or 'dask', got {executor!r}")
    workers = data.get("workers")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        fail("workers", f"must be a whole number >= 1, got {workers!r}")
    scheduler = data.get("scheduler")
    if scheduler is not None and not isinstance(scheduler, str):
        fail("scheduler", f"must be an address such as tcp://host:8786, got {scheduler!r}")
    maps, diagnose = data.get("maps", False), data.get("diagnose", True)
    for key, value in (("maps", maps), ("diagnose", diagnose)):
        if not isinstance(value, bool):
            fail(key, f"expected true or false, got {value!r}")
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not 0 < timeout < math.inf):
        fail("timeout", f"must be a number of seconds > 0, got {timeout!r}")
    output = data.get("output")
    if output is not None and (not isinstance(output, str) or not output.strip()):
        fail("output", f"expected a folder path, got {output!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        fail("description", "expected text")
    return {"name": name, "executor": executor, "workers": workers, "scheduler": scheduler, "maps": maps,
            "diagnose": diagnose, "timeout": float(timeout) if timeout is not None else None,
            "description": description,
            "output": path.parent / output if output else Path("solutions") / name}


def load_batch(path: str | Path) -> Batch:
    """Read and validate a batch file: every scenario is expanded and resolved.

    Raises :class:`ConsortiaError` naming the file, the scenario and the key of the first
    problem: an unknown setting (with the closest valid key), a bad value, a bad or repeated
    scenario name.
    """
    path = Path(path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConsortiaError("a batch file is a mapping with at least 'base' and 'scenarios' or "
                             "'grids'", file=str(path))
    for key in data:
        if key not in BATCH_KEYS:
            raise ConsortiaError("unknown batch key" + _did_you_mean(str(key), list(BATCH_KEYS))
                                 + f" (valid: {', '.join(BATCH_KEYS)})", file=str(path), key=str(key))
    folder = path.parent
    if not isinstance(data.get("base"), str):
        raise ConsortiaError("the base scenario YAML is required, e.g. 'base: scenario.yaml'",
                             file=str(path), key="base")
    base = load_scenario(folder / data["base"])
    options = _options(data, path)

    keys = _KeyChecker(base, path)
    common = _mapping(data.get("overrides"), "overrides", path, "overrides")
    for key in common:
        keys.check(key, "overrides")
    named = _mapping(data.get("scenarios"), "scenarios", path, "scenarios")
    grids = _mapping(data.get("grids"), "grids", path, "grids")
    if not named and not grids:
        raise ConsortiaError("no scenarios: add 'scenarios' (name -> overrides) or 'grids' "
                             "(name -> key -> list of values)", file=str(path), key="scenarios")

    plan: list[tuple[str, str, dict]] = []
    swept: list[str] = []
    for sname, overrides in named.items():
        _check_name(sname, "scenario name", path, f"scenarios.{sname}")
        overrides = _mapping(overrides, f"scenario '{sname}'", path, f"scenarios.{sname}")
        for key in overrides:
            keys.check(key, f"scenario '{sname}'")
            swept += [key] if key not in swept else []
        plan.append((sname, "scenarios", overrides))
    for gname, grid in grids.items():
        _check_name(gname, "grid name", path, f"grids.{gname}")
        grid = _mapping(grid, f"grid '{gname}'", path, f"grids.{gname}")
        if not grid:
            raise ConsortiaError(f"grid '{gname}' has no keys", file=str(path), key=f"grids.{gname}")
        for key in grid:
            keys.check(key, f"grid '{gname}'")
            swept += [key] if key not in swept else []
        plan += [(pname, gname, point) for pname, point in _grid_points(gname, grid, path)]
        if len(plan) > MAX_SCENARIOS:
            raise ConsortiaError(f"{len(plan):,} scenarios up to grid '{gname}', more than the "
                                 f"{MAX_SCENARIOS:,} a batch may hold", file=str(path), key=f"grids.{gname}")

    seen: dict[str, str] = {}
    for sname, group, _ in plan:
        other = seen.get(sname.lower())
        if other is not None:
            raise ConsortiaError(f"two scenarios are named '{sname}' (from {other} and from {group}); "
                                 "names must differ (ignoring case): rename one", file=str(path))
        seen[sname.lower()] = group

    scenarios = []
    for sname, group, overrides in plan:
        merged = _input_paths({**common, **overrides}, folder)
        where = f"scenario '{sname}'" if group == "scenarios" else f"scenario '{sname}' of grid '{group}'"
        try:
            resolved = with_overrides(base, {**merged, "name": sname})
        except ConsortiaError as exc:
            raise ConsortiaError(f"{where}: {exc.detail}", file=str(path), key=exc.key) from None
        scenarios.append(BatchScenario(sname, group, {**common, **overrides}, resolved))
    every = [common] + [o for _, _, o in plan]
    return Batch(file=path, base=base, scenarios=tuple(scenarios), swept_keys=tuple(swept),
                 overrides=dict(common), sets_threads=any("solver.threads" in o for o in every), **options)
