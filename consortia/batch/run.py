"""Running a batch: every scenario not already up to date, a window at a time, each plan
folder moved into place as it finishes, then the summary."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import time
from collections import deque
from pathlib import Path
from typing import Any

import yaml

from .. import folders, stopping
from ..errors import ConsortiaError
from ..inputs import check_references, load_instance
from ..scenario import Scenario
from .executors import DaskCluster, LocalPool, empty_record, machine_cores, plain
from .keys import InputFiles, batch_key, input_files, reusable
from .spec import RESULT_FILE, WORKER_DIED, Batch, BatchRun
from .summary import write_summary

__all__ = ["Reporter", "run_batch", "preflight"]


def preflight(batch: Batch, files: InputFiles) -> None:
    """Load each distinct set of inputs once, and check every scenario's directives against it."""
    instances: dict[tuple, Any] = {}
    for item in batch.scenarios:
        paths = tuple(sorted((k, str(p)) for k, p in input_files(item.scenario).items()))
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


def _check_targets(batch: Batch, out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConsortiaError("the batch output path exists and is not a folder", file=str(out))
    for item in batch.scenarios:
        folder = out / item.name
        if folder.resolve().parent != out.resolve():
            raise ConsortiaError(f"scenario '{item.name}' would write outside {out}", file=str(batch.file))
        if folder.exists() and not folder.is_dir():
            raise ConsortiaError("exists and is not a folder; move it away", file=str(folder))
        folders.prepare(folder)
        if folder.is_dir() and any(folder.iterdir()) and not folders.is_owned(folder):
            raise ConsortiaError("refusing to replace a folder that is not a plan folder (no plan.yaml, "
                                 "batch-result.yaml or .consortia-manifest); choose another output folder",
                                 file=str(folder))


def _install(out: Path, name: str, files: dict[str, bytes], record: dict) -> Path:
    """Write a scenario's folder beside its target and move it into place (the user's own files
    in an earlier folder of the scenario are kept, :func:`consortia.folders.replace`)."""
    folder = out / name
    folders.prepare(folder)
    temp = folders.make_temporary(folder, "tmp")
    try:
        for rel, blob in files.items():
            target = (temp / rel).resolve()
            if temp.resolve() not in target.parents:
                raise ValueError(f"a worker returned a file outside the plan folder: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
        (temp / RESULT_FILE).write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True),
                                        encoding="utf-8")
        folders.replace(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return folder


def _task(scenario: Scenario, files: InputFiles, backend, out: Path, maps: bool, diagnose: bool,
          threads: int | None) -> dict:
    settings = scenario.to_dict()
    if threads is not None:
        settings["solver"]["threads"] = threads
    shipped = {}
    inputs = {}
    for kind, path in sorted(input_files(scenario).items()):
        blob, digest = files.get(path)
        inputs[kind] = {"path": str(path), "sha256": digest}
        if kind != "regions" or maps:
            shipped[kind] = {"name": path.name, "data": backend.data(blob, digest)}
    return {"name": scenario.name, "settings": settings, "files": shipped, "inputs": inputs,
            "paths": {k: v["path"] for k, v in inputs.items()}, "folder": str(out / scenario.name),
            "maps": maps, "diagnose": diagnose}


def _error_record(name: str, message: str) -> dict:
    record = empty_record(name)
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
        with stopping.held():  # a worker process is never left half started
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


def choose_executor(batch: Batch, executor: str | None = None, scheduler: str | None = None) -> tuple[str, str | None]:
    """The executor a run uses ('local' or 'dask') and the Dask scheduler's address: the arguments
    (``scheduler`` selects Dask) override the batch file."""
    scheduler = scheduler or (batch.scheduler if (executor or batch.executor) == "dask" else None)
    kind = executor or ("dask" if scheduler else batch.executor)
    if kind == "dask" and not scheduler:
        raise ConsortiaError("the dask executor needs a scheduler address: 'scheduler:' in the batch "
                             "file or --scheduler", file=str(batch.file), key="scheduler")
    return kind, scheduler


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
    kind, scheduler = choose_executor(batch, executor, scheduler)
    workers = workers if workers is not None else (batch.workers or machine_cores())
    if workers < 1:
        raise ConsortiaError(f"workers must be at least 1, got {workers}")

    _check_targets(batch, out)
    files = InputFiles()
    preflight(batch, files)
    keys = [batch_key(item.scenario, {k: files.get(p)[1] for k, p in input_files(item.scenario).items()})
            for item in batch.scenarios]
    records: list[dict | None] = [None] * len(batch.scenarios)
    for i, item in enumerate(batch.scenarios):
        record = None if force else reusable(out / item.name, keys[i], maps)
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
            backend = LocalPool(min(workers, len(todo))) if kind == "local" else DaskCluster(scheduler)
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
                      "overrides": plain(batch.scenarios[i].overrides),
                      "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            with stopping.held():  # a folder in place is always in the summary
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
    with stopping.held():
        run.summary = write_summary(run)
    return run
