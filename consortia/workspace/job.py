"""One background solve at a time: a worker process, its live progress, and a stop button.

The solve runs in a separate process (started with ``spawn``), not a thread of the server:
HiGHS keeps one thread pool per process, a solve can only be stopped cleanly from the
signal handler of its own main thread (:class:`consortia.solver.Interrupt`, the Ctrl-C of
``consortia solve``), and a solver that crashes or runs out of memory takes only the worker
down. The worker sends progress events and finally the plan (pickled) over a pipe.

Stop sends the worker one SIGINT. The worker remembers it: a HiGHS solve running then (compact
model, warm start or column generation) stops with its best plan so far, as after Ctrl-C in
``consortia solve``, and every solver stage that starts later in the worker starts already
stopped (the worker's whole solve is one stage of :func:`consortia.stopping.solving`), so the
plan comes back as soon as the solver has one. A worker that
has not ended 45 s after a stop is killed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Job", "Runner", "STOP_GRACE_SECONDS"]

STOP_GRACE_SECONDS = 45.0


def _work(scenario, conn) -> None:
    """The worker process: solve ``scenario`` and send progress and the result over ``conn``."""
    from .. import stopping
    from ..errors import ConsortiaError
    from ..pipeline import solve_scenario

    def progress(stage, event):
        conn.send(("progress", stage, None if event is None else
                   (event.incumbent, event.bound, event.gap, event.seconds)))

    try:
        with stopping.run(), stopping.solving():  # a stop between solver stages is remembered, not raised
            plan = solve_scenario(scenario, progress=progress)
        conn.send(("done", plan))
    except KeyboardInterrupt:
        conn.send(("stopped", "stopped before the solver had a plan"))
    except ConsortiaError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the page, the server keeps running
        conn.send(("error", f"the solver failed: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


@dataclass
class Job:
    """A background solve and what is known of it so far."""

    kind: str                      # "solve" (around the locks) or "optimum" (how far from the best plan)
    proposal: str
    started: float = field(default_factory=time.monotonic)
    stage: str = "starting"
    incumbent: float | None = None
    bound: float | None = None
    gap: float | None = None
    state: str = "running"         # running, done, stopped, failed
    message: str = ""
    stop_requested: bool = False
    stop_at: float = 0.0
    result: str = ""               # the proposal a finished solve added
    ended: float | None = None
    plan: object = None
    process: object = None

    def view(self) -> dict:
        return {"kind": self.kind, "proposal": self.proposal, "stage": self.stage, "state": self.state,
                "incumbent": self.incumbent, "bound": self.bound, "gap": self.gap,
                "seconds": round((self.ended or time.monotonic()) - self.started, 1), "message": self.message,
                "result": self.result,
                "stopping": self.stop_requested and self.state == "running"}


class Runner:
    """Runs at most one :class:`Job` at a time; ``on_finish(job, state)`` is called when it ends
    (state: done, stopped or failed), before the job shows that state."""

    def __init__(self, on_finish: Callable[[Job, str], None]):
        self._lock = threading.Lock()
        self._on_finish = on_finish
        self.job: Job | None = None

    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.state == "running"

    def start(self, kind: str, proposal: str, scenario) -> Job:
        with self._lock:
            if self.busy:
                raise RuntimeError("a solve is already running; stop it or wait for it to finish")
            context = multiprocessing.get_context("spawn")
            parent, child = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(scenario, child), daemon=True,
                                      name="consortia-workspace-solve")
            job = Job(kind, proposal, process=process)
            process.start()
            child.close()
            self.job = job
        threading.Thread(target=self._watch, args=(job, parent), daemon=True).start()
        return job

    def stop(self) -> bool:
        job = self.job
        if job is None or job.state != "running" or job.stop_requested:
            return job is not None and job.state == "running"
        job.stop_requested = True
        job.stop_at = time.monotonic()
        self._interrupt(job)
        return True

    @staticmethod
    def _interrupt(job: Job) -> None:
        try:
            os.kill(job.process.pid, signal.SIGINT)
        except (ProcessLookupError, TypeError):
            pass

    def _watch(self, job: Job, conn) -> None:
        state = "failed"
        try:
            while True:
                if job.stop_requested and time.monotonic() - job.stop_at > STOP_GRACE_SECONDS:
                    job.process.kill()
                    state, job.message = "stopped", "stopped (the solver did not stop in time and was ended)"
                    break
                if not conn.poll(0.2):
                    continue
                try:
                    kind, *payload = conn.recv()
                except EOFError:  # the worker is gone without a word: it crashed or was killed
                    job.process.join(timeout=5)
                    job.message = (f"the solver process ended unexpectedly (exit code "
                                   f"{job.process.exitcode}); nothing was changed")
                    break
                if kind == "progress":
                    stage, event = payload
                    job.stage = stage
                    if event is not None:
                        job.incumbent, job.bound, job.gap = event[0], event[1], event[2]
                elif kind == "done":
                    job.plan = payload[0]
                    state = "stopped" if job.stop_requested else "done"
                    break
                else:
                    state = "stopped" if kind == "stopped" else "failed"
                    job.message = payload[0]
                    break
        finally:
            conn.close()
            job.process.join(timeout=5)
            if job.process.is_alive():
                job.process.kill()
            try:
                self._on_finish(job, state)
            except Exception as exc:  # noqa: BLE001 - keep the server alive, say what went wrong
                state, job.message = "failed", f"could not take over the solver's plan: {exc}"
            job.ended = time.monotonic()
            job.state = state

    def shutdown(self) -> None:
        job = self.job
        if job is not None and job.process is not None and job.process.is_alive():
            job.process.kill()
