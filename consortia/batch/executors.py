"""Where a batch's scenarios run: :func:`run_task`, the one worker function, and its two
executors, a local process pool and the workers of a Dask distributed cluster."""

from __future__ import annotations

import contextlib
import copy
import math
import os
import shutil
import signal
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConsortiaError
from .spec import INPUT_KINDS

__all__ = ["run_task", "machine_cores", "LocalPool", "REACH_SECONDS", "tcp_address", "scheduler_problem", "DaskCluster",
           "empty_record", "plain"]

# ----------------------------------------------------------------------------- the worker


def plain(value: Any) -> Any:
    """Plain YAML-able data (no numpy scalars, no tuples, no infinities)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, str, int)):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def empty_record(name: str) -> dict:
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
    from ..api import write_plan
    from ..inputs import load_instance
    from ..outputs import PlanRejected
    from ..pipeline import solve_scenario
    from ..scenario import scenario_from_dict

    started = time.perf_counter()
    if _STARTS is not None:
        _STARTS.put((task["name"], time.monotonic()))
    record = empty_record(task["name"])
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
            folder = write_plan(plan, work / "plan", instance=instance, figures=task["maps"])
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
    record = plain(record)
    record["files"] = files
    return record


def _worker_init(starts, scratch: str, parent: int) -> None:
    """Local pool workers leave Ctrl-C to the client, which stops them, end with the client
    however it ends, and say when a task starts."""
    global _STARTS, _SCRATCH
    from ..stopping import follow_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    follow_parent(parent)
    _STARTS, _SCRATCH = starts, scratch

# ----------------------------------------------------------------------------- executors


def machine_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalPool:
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
                                   initargs=(self.starts, self.scratch, os.getpid()))

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


REACH_SECONDS = 3.0
"""How long a run or a dry run waits for the Dask scheduler to accept a TCP connection."""


def tcp_address(address: str) -> tuple[str, int] | None:
    """The host and port of a Dask scheduler address (``tcp://host:port``, ``tls://...`` or
    ``host:port``), or None for one that names no TCP host and port (``inproc://``, ``ucx://``)."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    host, colon, port = rest.rstrip("/").rpartition(":")
    if scheme not in ("tcp", "tls") or not colon or not port.isdigit() or not host:
        return None
    return host.strip("[]"), int(port)


def scheduler_problem(address: str, timeout: float = REACH_SECONDS) -> str | None:
    """Why the Dask scheduler at ``address`` does not accept a TCP connection within ``timeout``
    seconds, or None when it does. Only for addresses :func:`tcp_address` reads."""
    host, port = tcp_address(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return (f"nothing accepts connections at {host}:{port} within {timeout:g} s "
                f"({exc.strerror or type(exc).__name__}); start the scheduler (dask scheduler) or fix the address")


class DaskCluster:
    """The workers of an existing Dask distributed cluster."""

    kind = "dask"
    reports_starts = False

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise ConsortiaError("the dask executor needs Dask distributed: pip install "
                                 "'consortia[batch]'") from None
        problem = scheduler_problem(address) if tcp_address(address) else None
        if problem:
            raise ConsortiaError(f"cannot reach the Dask scheduler at {address}: {problem}")
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
