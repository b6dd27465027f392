"""Batch runs: many variants of one scenario, solved in parallel, locally or on a Dask cluster.

A batch file names a base scenario, overrides applied to every run, named scenarios (name ->
dotted-key overrides) and grids (name -> key -> list of values, expanded as a cartesian
product). Every scenario is resolved and validated before anything runs.

Each scenario is solved by :func:`run_task`, the one worker function of both executors (a
local process pool, or the workers of a Dask distributed cluster): the input files travel
with the task, and the plan folder's files come back to the client, which moves them into
``<output>/<scenario>/`` atomically beside a ``batch-result.yaml`` record. A scenario whose
record already holds the same ``batch_key`` (a hash of its resolved settings and of the
contents of its input files) is not run again, so an interrupted batch resumes where it
stopped. The batch ends with ``summary.csv`` and ``summary.html``.

Exit codes of ``consortia batch``: 0 every scenario finished with a status (optimal,
feasible, infeasible or no_solution), 1 at least one scenario failed with an error, 2 bad
input (nothing ran), 130 interrupted (finished plans are kept; run again to resume).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import datetime as dt
import difflib
import hashlib
import io
import itertools
import json
import math
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .errors import EXIT_INFEASIBLE, EXIT_OK, ConsortiaError
from .scenario import NAME_PATTERN, Scenario, load_scenario, with_overrides

RESULT_FILE = "batch-result.yaml"
SUMMARY_CSV = "summary.csv"
SUMMARY_HTML = "summary.html"
EXIT_INTERRUPTED = 130
FINISHED = ("optimal", "feasible", "infeasible", "no_solution")
TERMS = ("timing", "distance", "shortfall", "subspecialty_gap", "standalone")
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

class _DuplicateKey(Exception):
    def __init__(self, key, line):
        self.key, self.line = key, line


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (YAML would keep the last)."""


def _strict_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConsortiaError("batch file not found", file=str(path))
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except _DuplicateKey as exc:
        raise ConsortiaError(f"key given twice (line {exc.line})", file=str(path), key=str(exc.key)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConsortiaError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", file=str(path)) from None
    except UnicodeDecodeError:
        raise ConsortiaError("not a UTF-8 text file", file=str(path)) from None


def _did_you_mean(key: str, valid: list[str]) -> str:
    last = key.rsplit(".", 1)[-1]
    same_leaf = [v for v in valid if v.rsplit(".", 1)[-1] == last]
    match = same_leaf or difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    if not match:
        match = [v for v in valid if difflib.get_close_matches(last, [v.rsplit(".", 1)[-1]], cutoff=0.7)]
    return f"; did you mean '{match[0]}'?" if match else ""


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


def _check_name(name: Any, what: str, file: Path) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConsortiaError(f"{what} {name!r} must start with a letter or digit and contain only "
                             "letters, digits, '.', '_' or '-' (at most 100 characters; it names "
                             "a folder)", file=str(file))
    if name.lower() in RESERVED_NAMES:
        raise ConsortiaError(f"{what} {name!r} is reserved for the batch's own files", file=str(file))
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

    name = _check_name(data.get("name", safe_name(path.stem)), "batch name", path)
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
                             "(name -> key -> list of values)", file=str(path))

    plan: list[tuple[str, str, dict]] = []
    swept: list[str] = []
    for sname, overrides in named.items():
        _check_name(sname, "scenario name", path)
        overrides = _mapping(overrides, f"scenario '{sname}'", path, f"scenarios.{sname}")
        for key in overrides:
            keys.check(key, f"scenario '{sname}'")
            swept += [key] if key not in swept else []
        plan.append((sname, "scenarios", overrides))
    for gname, grid in grids.items():
        _check_name(gname, "grid name", path)
        grid = _mapping(grid, f"grid '{gname}'", path, f"grids.{gname}")
        if not grid:
            raise ConsortiaError(f"grid '{gname}' has no keys", file=str(path))
        for key in grid:
            keys.check(key, f"grid '{gname}'")
            swept += [key] if key not in swept else []
        plan += [(pname, gname, point) for pname, point in _grid_points(gname, grid, path)]

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


# ----------------------------------------------------------------------------- the worker

def _plain(value: Any) -> Any:
    """Plain YAML-able data (no numpy scalars, no tuples, no infinities)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, str, int)):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def _empty_record(name: str) -> dict:
    return {"scenario": name, "status": "error", "objective": None, "best_bound": None, "gap": None,
            "terms": {}, "metrics": {}, "solve_seconds": None, "seconds": None, "message": "",
            "diagnosis": [], "worker": socket.gethostname()}


def _restore_paths(plan_yaml: Path, task: dict) -> None:
    """plan.yaml names the analyst's input files and plan folder, not the worker's copies."""
    doc = yaml.safe_load(plan_yaml.read_text(encoding="utf-8"))
    doc["inputs"] = task["inputs"]
    doc["settings"]["inputs"] = {**doc["settings"]["inputs"], **task["paths"]}
    doc["settings"]["output"]["folder"] = task["folder"]
    plan_yaml.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


_STARTS = None   # in a local pool's worker: the queue on which it says when each task starts
_SCRATCH = None  # in a local pool's worker: the pool's scratch folder, removed with the pool


def run_task(task: dict) -> dict:
    """Solve one scenario of a batch anywhere: the worker function of both executors.

    ``task`` holds the scenario's resolved settings, its input files' bytes and the names
    to restore in plan.yaml. Returns the result record: status, objective, bound, gap,
    terms, metrics, timings, a message when no plan exists or something failed, and
    ``files``: the plan folder's files (relative path -> bytes). Never raises for a problem
    of the scenario itself.
    """
    from .inputs import load_instance
    from .outputs import PlanRejected, write_plan
    from .pipeline import solve_scenario
    from .scenario import scenario_from_dict

    started = time.perf_counter()
    if _STARTS is not None:
        _STARTS.put((task["name"], time.monotonic()))
    record = _empty_record(task["name"])
    work = Path(tempfile.mkdtemp(prefix="consortia-batch-", dir=_SCRATCH))
    try:
        settings = copy.deepcopy(task["settings"])
        settings["output"]["folder"] = None
        for kind in INPUT_KINDS:
            settings["inputs"][kind] = None
        for kind, shipped in task["files"].items():
            target = work / "inputs" / kind / shipped["name"]
            target.parent.mkdir(parents=True)
            target.write_bytes(shipped["data"])
            settings["inputs"][kind] = str(target)
        scenario = scenario_from_dict(settings, file=f"batch scenario {task['name']}", base=work)
        instance = load_instance(scenario)
        plan = solve_scenario(scenario, instance=instance, diagnose=task["diagnose"])
        record.update(status=plan.status, objective=plan.objective, best_bound=plan.best_bound,
                      gap=plan.gap, terms=dict(plan.terms), metrics=dict(plan.metrics),
                      solve_seconds=plan.solver.get("solve_seconds"), diagnosis=list(plan.diagnosis),
                      message="; ".join(plan.diagnosis))
        if plan.solver.get("message") == "interrupted by the user":
            record.update(status="error", message="interrupted by the user")
        elif plan.has_plan:
            folder = write_plan(plan, instance, work / "plan", figures=task["maps"])
            _restore_paths(folder / "plan.yaml", task)
            record["files"] = {p.relative_to(folder).as_posix(): p.read_bytes()
                               for p in sorted(folder.rglob("*")) if p.is_file()}
    except ConsortiaError as exc:
        record.update(status="error", message=str(exc))
    except PlanRejected as exc:
        record.update(status="error", message=f"internal error: {exc}")
    except Exception as exc:  # noqa: BLE001 - one scenario's failure is reported, never raised
        record.update(status="error", message=f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record["seconds"] = round(time.perf_counter() - started, 3)
    files = record.pop("files", {})
    record = _plain(record)
    record["files"] = files
    return record


def _worker_init(starts, scratch: str) -> None:
    """Local pool workers leave Ctrl-C to the client, which stops them, and say when a task starts."""
    global _STARTS, _SCRATCH
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STARTS, _SCRATCH = starts, scratch


# ----------------------------------------------------------------------------- executors

def machine_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class _LocalPool:
    """A pool of worker processes on this machine; a crashed pool is replaced."""

    kind = "local"
    reports_starts = True

    def __init__(self, workers: int):
        import multiprocessing
        self.workers = workers
        self.capacity = workers
        self.pool = None
        self.context = multiprocessing.get_context("spawn")
        self.starts = self.context.Queue()
        self.scratch = tempfile.mkdtemp(prefix="consortia-batch-pool-")

    def _new_pool(self):
        from concurrent.futures import ProcessPoolExecutor
        return ProcessPoolExecutor(self.workers, mp_context=self.context, initializer=_worker_init,
                                   initargs=(self.starts, self.scratch))

    def started(self) -> dict[str, float]:
        """When each task reported so far began in its worker (time.monotonic)."""
        import queue
        out = {}
        with contextlib.suppress(queue.Empty, OSError, EOFError):
            while True:
                name, when = self.starts.get_nowait()
                out[name] = when
        return out

    def data(self, blob: bytes, digest: str):
        return blob

    def submit(self, task: dict):
        from concurrent.futures.process import BrokenProcessPool
        if self.pool is None:
            self.pool = self._new_pool()
        try:
            return self.pool.submit(run_task, task)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            return self.pool.submit(run_task, task)

    @property
    def window(self) -> int:
        return self.workers

    @staticmethod
    def wait(pending, timeout: float) -> list:
        from concurrent.futures import FIRST_COMPLETED, wait
        return list(wait(list(pending), timeout, return_when=FIRST_COMPLETED).done)

    @staticmethod
    def worker_died(exc: BaseException) -> bool:
        from concurrent.futures.process import BrokenProcessPool
        return isinstance(exc, BrokenProcessPool)

    def stop(self, future) -> None:
        """Stop a running scenario: its pool's processes are ended (the others are run again)."""
        for process in list(getattr(self.pool, "_processes", {}).values()):
            process.terminate()

    def close(self, abort: bool = False) -> None:
        self.starts.close()
        self.starts.cancel_join_thread()
        if self.pool is not None:
            processes = list(getattr(self.pool, "_processes", {}).values()) if abort else []
            self.pool.shutdown(wait=not abort, cancel_futures=abort)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(5)
            self.pool = None
        shutil.rmtree(self.scratch, ignore_errors=True)


class _DaskCluster:
    """The workers of an existing Dask distributed cluster."""

    kind = "dask"
    reports_starts = False

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise ConsortiaError("the dask executor needs Dask distributed: pip install "
                                 "'consortia[batch]'") from None
        try:
            self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConsortiaError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.blobs: dict[str, Any] = {}
        self._capacity = (0.0, 1)

    @property
    def capacity(self) -> int:
        checked, threads = self._capacity
        if time.monotonic() - checked > 2.0:
            threads = max(1, sum(self.client.nthreads().values()))
            self._capacity = (time.monotonic(), threads)
        return threads

    def data(self, blob: bytes, digest: str):
        if digest not in self.blobs:
            self.blobs[digest] = self.client.scatter(blob, broadcast=True, hash=True)
        return self.blobs[digest]

    def submit(self, task: dict):
        return self.client.submit(run_task, task, pure=False,
                                  key=f"consortia-batch-{task['name']}-{uuid.uuid4().hex[:8]}")

    @property
    def window(self) -> int:
        return self.capacity

    @staticmethod
    def started() -> dict[str, float]:
        return {}

    @staticmethod
    def wait(pending, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        while True:
            done = [f for f in pending if f.done()]
            if done or time.monotonic() > deadline:
                return done
            time.sleep(0.05)

    @staticmethod
    def worker_died(exc: BaseException) -> bool:
        return False

    @staticmethod
    def stop(future) -> None:
        future.cancel()

    def close(self, abort: bool = False) -> None:
        """Disconnect; the scheduler then drops every task of this batch not yet finished."""
        with contextlib.suppress(Exception):
            self.client.close()


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


def _input_files(scenario: Scenario) -> dict[str, Path]:
    return {kind: getattr(scenario.inputs, kind) for kind in INPUT_KINDS
            if getattr(scenario.inputs, kind) is not None}


class _Files:
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


def _preflight(batch: Batch, files: _Files) -> None:
    """Load each distinct set of inputs once, and check every scenario's directives against it."""
    from .inputs import check_references, load_instance
    instances: dict[tuple, Any] = {}
    for item in batch.scenarios:
        paths = tuple(sorted((k, str(p)) for k, p in _input_files(item.scenario).items()))
        for _, p in paths:
            files.get(Path(p))
        try:
            if paths not in instances:
                instances[paths] = load_instance(item.scenario)
            else:
                check_references(item.scenario, instances[paths])
        except ConsortiaError as exc:
            if exc.key is None:
                raise
            from_batch = any(exc.key == k or exc.key.startswith(k + "[") for k in item.overrides)
            raise ConsortiaError(f"scenario '{item.name}': {exc.detail}",
                                 file=str(batch.file) if from_batch else exc.file,
                                 key=exc.key, row=exc.row, column=exc.column) from None


def read_record(folder: Path) -> dict | None:
    """The batch-result.yaml record of a scenario folder, or None."""
    try:
        record = yaml.safe_load((folder / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) else None


def _reusable(folder: Path, key: str, maps: bool) -> dict | None:
    """The record of a finished scenario whose folder holds what this run would write."""
    record = read_record(folder)
    if record is None or record.get("batch_key") != key or record.get("status") not in FINISHED:
        return None
    if record["status"] in ("optimal", "feasible"):
        needed = ["plan.yaml"] + (["report.html"] if maps else [])
        if not all((folder / name).is_file() for name in needed):
            return None
    return record


def _check_targets(batch: Batch, out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConsortiaError("the batch output path exists and is not a folder", file=str(out))
    for item in batch.scenarios:
        folder = out / item.name
        if folder.resolve().parent != out.resolve():
            raise ConsortiaError(f"scenario '{item.name}' would write outside {out}", file=str(batch.file))
        if folder.exists() and not folder.is_dir():
            raise ConsortiaError("exists and is not a folder; move it away", file=str(folder))
        if folder.is_dir() and any(folder.iterdir()) and not (folder / RESULT_FILE).is_file() \
                and not (folder / "plan.yaml").is_file():
            raise ConsortiaError("refusing to replace a folder that is not a plan folder (no plan.yaml "
                                 "or batch-result.yaml); choose another output folder", file=str(folder))


@contextlib.contextmanager
def _hold_interrupt():
    """Keep a Ctrl-C until the block ends, so that a folder is never half moved."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if caught:
        raise KeyboardInterrupt


def _install(out: Path, name: str, files: dict[str, bytes], record: dict) -> Path:
    """Write a scenario's folder beside its target and move it into place."""
    folder = out / name
    with _hold_interrupt():
        temp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=out))
        try:
            for rel, blob in files.items():
                target = (temp / rel).resolve()
                if temp.resolve() not in target.parents:
                    raise ValueError(f"a worker returned a file outside the plan folder: {rel}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(blob)
            (temp / RESULT_FILE).write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True),
                                            encoding="utf-8")
            old = None
            if folder.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{name}.old-", dir=out))
                os.rename(folder, old / name)
            os.rename(temp, folder)
            if old is not None:
                shutil.rmtree(old)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
    return folder


def _task(scenario: Scenario, files: _Files, backend, out: Path, maps: bool, diagnose: bool,
          threads: int | None) -> dict:
    settings = scenario.to_dict()
    if threads is not None:
        settings["solver"]["threads"] = threads
    shipped = {}
    inputs = {}
    for kind, path in sorted(_input_files(scenario).items()):
        blob, digest = files.get(path)
        inputs[kind] = {"path": str(path), "sha256": digest}
        if kind != "regions" or maps:
            shipped[kind] = {"name": path.name, "data": backend.data(blob, digest)}
    return {"name": scenario.name, "settings": settings, "files": shipped, "inputs": inputs,
            "paths": {k: v["path"] for k, v in inputs.items()}, "folder": str(out / scenario.name),
            "maps": maps, "diagnose": diagnose}


def _error_record(name: str, message: str) -> dict:
    record = _empty_record(name)
    record.update(message=message, worker=None)
    return record


class Reporter:
    """What a batch tells as it runs; the base class stays silent."""

    def start(self, run: BatchRun, to_run: int, reused: int, capacity: int) -> None:
        """The batch starts: ``to_run`` scenarios to solve, ``reused`` already up to date."""

    def update(self, running: int) -> None:
        """Called about twice a second while scenarios run."""

    def finished(self, record: dict) -> None:
        """A scenario finished (its folder is in place)."""

    def stop(self) -> None:
        """The batch ended, finished or interrupted."""


def _execute(backend, tasks: dict[int, dict], order: list[int], reporter: Reporter,
             timeout: float | None = None):
    """Run ``tasks`` a window at a time; yield ``(index, record)`` as each one finishes.

    A scenario running longer than ``timeout`` seconds is stopped and reported failed. When
    a worker process dies, every scenario it may have taken down is run again alone, so only
    the one that fails on its own is reported.
    """
    queue = deque(order)
    suspects: deque[int] = deque()
    alone: set[int] = set()
    pending: dict[Any, int] = {}
    began: dict[Any, float | None] = {}

    def submit(i: int) -> None:
        future = backend.submit(tasks[i])
        pending[future] = i
        began[future] = None if backend.reports_starts else time.monotonic()

    while queue or suspects or pending:
        if suspects and not pending:
            i = suspects.popleft()
            alone.add(i)
            submit(i)
        while not suspects and queue and len(pending) < backend.window:
            submit(queue.popleft())
        reporter.update(min(len(pending), backend.capacity))
        starts = backend.started()
        for future, i in pending.items():
            began[future] = starts.get(tasks[i]["name"], began[future])
        if timeout is not None:
            now = time.monotonic()
            late = [f for f in pending if began[f] is not None and now - began[f] > timeout and not f.done()]
            for future in late:
                i = pending.pop(future)
                backend.stop(future)
                yield i, _error_record(tasks[i]["name"], f"stopped after the batch timeout of {timeout:g} s")
        for future in backend.wait(pending, 0.5):
            i = pending.pop(future)
            try:
                record = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails one scenario at most
                if backend.worker_died(exc) and i not in alone:
                    suspects.append(i)
                    continue
                message = WORKER_DIED if backend.worker_died(exc) else f"{type(exc).__name__}: {exc}"
                record = _error_record(tasks[i]["name"], message)
            yield i, record


def run_batch(batch: Batch, *, output: str | Path | None = None, executor: str | None = None,
              workers: int | None = None, scheduler: str | None = None, maps: bool | None = None,
              diagnose: bool | None = None, timeout: float | None = None, force: bool = False,
              reporter: Reporter | None = None) -> BatchRun:
    """Run every scenario of ``batch`` that is not already up to date; write the summary.

    Arguments override the batch file's settings; ``scheduler`` selects the Dask executor.
    One scenario's failure is recorded and the others go on. On Ctrl-C the workers are
    stopped, every finished plan folder is kept and the summary lists what finished.
    """
    reporter = reporter or Reporter()
    out = Path(output) if output is not None else batch.output
    maps = batch.maps if maps is None else maps
    diagnose = batch.diagnose if diagnose is None else diagnose
    timeout = batch.timeout if timeout is None else timeout
    if timeout is not None and not 0 < timeout < math.inf:
        raise ConsortiaError(f"the timeout must be a number of seconds > 0, got {timeout}")
    scheduler = scheduler or (batch.scheduler if (executor or batch.executor) == "dask" else None)
    kind = executor or ("dask" if scheduler else batch.executor)
    if kind == "dask" and not scheduler:
        raise ConsortiaError("the dask executor needs a scheduler address: 'scheduler:' in the batch "
                             "file or --scheduler", file=str(batch.file), key="scheduler")
    workers = workers if workers is not None else (batch.workers or machine_cores())
    if workers < 1:
        raise ConsortiaError(f"workers must be at least 1, got {workers}")

    _check_targets(batch, out)
    files = _Files()
    _preflight(batch, files)
    keys = [batch_key(item.scenario, {k: files.get(p)[1] for k, p in _input_files(item.scenario).items()})
            for item in batch.scenarios]
    records: list[dict | None] = [None] * len(batch.scenarios)
    for i, item in enumerate(batch.scenarios):
        record = None if force else _reusable(out / item.name, keys[i], maps)
        if record is not None:
            records[i] = {**record, "reused": True}
    todo = [i for i, r in enumerate(records) if r is None]
    run = BatchRun(batch, out, records, kind, workers if kind == "local" else 0)
    started = time.perf_counter()
    backend = None
    clean = False
    try:
        out.mkdir(parents=True, exist_ok=True)
        if todo:
            backend = _LocalPool(min(workers, len(todo))) if kind == "local" else _DaskCluster(scheduler)
        if kind == "local":
            threads = None if batch.sets_threads else max(1, machine_cores() // workers)
        else:
            threads = None if batch.sets_threads else 1
        reporter.start(run, len(todo), len(batch.scenarios) - len(todo), backend.capacity if backend else 0)
        tasks = {i: _task(batch.scenarios[i].scenario, files, backend, out, maps, diagnose, threads)
                 for i in todo}
        for i, record in _execute(backend, tasks, todo, reporter, timeout):
            files_out = record.pop("files", {}) or {}
            record = {**record, "batch": batch.name, "batch_key": keys[i],
                      "overrides": _plain(batch.scenarios[i].overrides),
                      "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            _install(out, batch.scenarios[i].name, files_out, record)
            records[i] = {**record, "reused": False}
            reporter.finished(records[i])
        clean = True
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        if backend is not None:
            backend.close(abort=not clean)
        reporter.stop()
        run.seconds = time.perf_counter() - started
    with _hold_interrupt():
        run.summary = write_summary(run)
    return run


# ----------------------------------------------------------------------------- the summary

def _dig(settings: dict, dotted: str) -> Any:
    node: Any = settings
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if math.isfinite(value) else ""
    return str(value)


def _setting_cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return _cell(value)


def summary_columns(batch: Batch) -> list[str]:
    """The columns of summary.csv."""
    return (["scenario", "group", *batch.swept_keys, "status", "objective",
             *[f"term_{t}" for t in TERMS], "best_bound", "gap", "n_trusts", "n_consortia",
             "n_standalone", "trusts_full_cover_alone", "trusts_full_cover_pooled",
             "total_months_misaligned", "market_capacity", "peak_market", "market_per_period",
             "solve_seconds", "seconds", "reused", "worker", "message"])


def summary_rows(run: BatchRun) -> list[dict]:
    """One row per scenario, in batch order (scenarios not run say so)."""
    rows = []
    for item, record in zip(run.batch.scenarios, run.records):
        settings = item.scenario.to_dict()
        row: dict[str, Any] = {"scenario": item.name, "group": item.group}
        row.update({k: _setting_cell(_dig(settings, k)) for k in run.batch.swept_keys})
        if record is None:
            row.update(status="not_run", message="not run: the batch was interrupted")
            rows.append(row)
            continue
        metrics = record.get("metrics") or {}
        terms = record.get("terms") or {}
        row.update(status=record.get("status"), objective=record.get("objective"),
                   best_bound=record.get("best_bound"), gap=record.get("gap"),
                   solve_seconds=record.get("solve_seconds"), seconds=record.get("seconds"),
                   reused=bool(record.get("reused")), worker=record.get("worker"),
                   message=record.get("message") or "")
        row.update({f"term_{t}": terms.get(t) for t in TERMS})
        for k in ("n_trusts", "n_consortia", "n_standalone", "trusts_full_cover_alone",
                  "trusts_full_cover_pooled", "total_months_misaligned", "peak_market"):
            row[k] = metrics.get(k)
        row["market_capacity"] = item.scenario.market.capacity
        per_period = metrics.get("market_per_period") or {}
        row["market_per_period"] = " ".join(f"{p}:{n}" for p, n in per_period.items())
        rows.append(row)
    return rows


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_summary(run: BatchRun) -> dict[str, Path]:
    """Write summary.csv and summary.html into the batch's output folder."""
    from .batch_report import render_summary_html

    run.output.mkdir(parents=True, exist_ok=True)
    rows = summary_rows(run)
    columns = summary_columns(run.batch)
    text = io.StringIO()
    writer = csv.DictWriter(text, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    paths = {"csv": run.output / SUMMARY_CSV, "html": run.output / SUMMARY_HTML}
    _write_atomic(paths["csv"], text.getvalue())
    _write_atomic(paths["html"], render_summary_html(run, rows))
    return paths


# ----------------------------------------------------------------------------- command line

def add_parser(subparsers) -> None:
    """Register the ``batch`` subcommand."""
    p = subparsers.add_parser("batch", help="run a sweep of scenarios from a batch YAML, in parallel",
                              description="Run every scenario of a batch file (named scenarios and "
                              "grids of overrides on a base scenario), locally in a process pool or on "
                              "a Dask cluster; write one plan folder per scenario, summary.csv and "
                              "summary.html. Scenarios already up to date are skipped.")
    p.add_argument("batch", type=Path, help="batch YAML file")
    p.add_argument("--out", type=Path, help="output folder (default: the file's 'output' or solutions/<name>)")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--executor", choices=["local", "dask"], help="override the file's executor")
    p.add_argument("--maps", action=argparse.BooleanOptionalAction,
                   help="draw maps, charts and report.html in every plan folder (default: the file's "
                   "'maps', else no)")
    p.add_argument("--diagnose", action=argparse.BooleanOptionalAction,
                   help="explain why each infeasible scenario has no plan (default: the file's "
                   "'diagnose', else yes; --no-diagnose is faster)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="stop and report failed any scenario still running after S seconds")
    p.add_argument("--force", action="store_true", help="re-run scenarios that are up to date")
    p.add_argument("--dry-run", action="store_true", help="list the scenarios and what would run; run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress display")


class ConsoleReporter(Reporter):
    """A live progress bar with done, running and failed counts, elapsed and remaining time."""

    def __init__(self, console, quiet: bool = False):
        self.console = console
        self.quiet = quiet
        self.progress = None
        self.task = None
        self.failed = 0
        self.no_plan = 0

    def start(self, run, to_run, reused, capacity):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        where = (f"{run.workers} local worker(s)" if run.executor == "local"
                 else f"Dask cluster ({capacity} worker thread(s))")
        total = len(run.batch.scenarios)
        self.console.print(f"batch [bold]{run.batch.name}[/]: {total} scenario{'' if total == 1 else 's'}, "
                           f"{reused} up to date, {to_run} to run on {where}; output {run.output}")
        if self.quiet or not to_run:
            return
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("running {task.fields[running]}  [red]failed {task.fields[failed]}[/]  "
                       "no plan {task.fields[no_plan]}"),
            TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=self.console, transient=False)
        self.progress.start()
        self.task = self.progress.add_task("solving", total=to_run, running=0, failed=0, no_plan=0)

    def update(self, running):
        if self.progress is not None:
            self.progress.update(self.task, running=running)

    def finished(self, record):
        from rich.markup import escape
        status = record["status"]
        self.failed += status == "error"
        self.no_plan += status in ("infeasible", "no_solution")
        if self.progress is None:
            return
        self.progress.update(self.task, advance=1, failed=self.failed, no_plan=self.no_plan)
        colour = {"optimal": "green", "feasible": "yellow", "error": "red"}.get(status, "magenta")
        detail = (f"objective {record['objective']:.3f}" if record.get("objective") is not None
                  else escape(str(record.get("message") or ""))[:160])
        self.progress.console.print(f"[{colour}]{status:>11}[/]  {escape(record['scenario'])}  {detail}  "
                                    f"[dim]{record.get('seconds') or 0:.1f} s[/]")

    def stop(self):
        if self.progress is not None:
            self.progress.update(self.task, running=0)
            self.progress.stop()
            self.progress = None


def _dry_run(batch: Batch, out: Path, maps: bool, console) -> int:
    from rich.markup import escape
    from rich.table import Table
    files = _Files()
    _preflight(batch, files)
    common = ", ".join(f"{k}={_setting_cell(v)}" for k, v in batch.overrides.items()) or "none"
    table = Table(title=f"batch {batch.name}: {len(batch.scenarios)} scenarios -> {out}",
                  caption=f"overrides of every scenario: {escape(common)}")
    for col in ("scenario", "group", "overrides", "state"):
        table.add_column(col, overflow="fold")
    for item in batch.scenarios:
        hashes = {k: files.get(p)[1] for k, p in _input_files(item.scenario).items()}
        up_to_date = _reusable(out / item.name, batch_key(item.scenario, hashes), maps) is not None
        table.add_row(escape(item.name), escape(item.group),
                      escape(", ".join(f"{k}={_setting_cell(v)}" for k, v in item.overrides.items()
                                       if k not in batch.overrides or batch.overrides[k] != v)),
                      "up to date" if up_to_date else "would run")
    console.print(table)
    return EXIT_OK


def run_cli(args) -> int:
    """Run the ``batch`` subcommand; returns the exit code."""
    from .console import console as make_console
    from rich.markup import escape

    console = make_console(stderr=True)
    if args.workers is not None and args.workers < 1:
        raise ConsortiaError(f"--workers must be at least 1, got {args.workers}")
    batch = load_batch(args.batch)
    out = args.out if args.out is not None else batch.output
    if args.dry_run:
        return _dry_run(batch, out, batch.maps if args.maps is None else args.maps, console)
    run = run_batch(batch, output=out, executor=args.executor, workers=args.workers,
                    scheduler=args.scheduler, maps=args.maps, diagnose=args.diagnose, timeout=args.timeout,
                    force=args.force,
                    reporter=ConsoleReporter(console, quiet=args.quiet))
    counts = ", ".join(f"{run.count(s)} {s}" for s in (*FINISHED, "error") if run.count(s))
    reused = sum(1 for r in run.records if r is not None and r.get("reused"))
    console.print(f"{counts or 'nothing finished'} ({reused} up to date, not re-run) in {run.seconds:.1f} s")
    for item, record in zip(batch.scenarios, run.records):
        if record is not None and record["status"] == "error":
            console.print(f"[red]error[/] {escape(item.name)}: {escape(str(record.get('message')))}")
    console.print(f"summary: {run.summary['csv']} and {run.summary['html']}")
    if run.interrupted:
        console.print("interrupted: every finished plan folder is kept; run the same command again "
                      "to resume")
    return run.exit_code


__all__ = ["Batch", "BatchScenario", "BatchRun", "Reporter", "ConsoleReporter", "load_batch",
           "run_batch", "run_task", "batch_key", "safe_name", "summary_rows", "summary_columns",
           "write_summary", "read_record", "add_parser", "run_cli"]
