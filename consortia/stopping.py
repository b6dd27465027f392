"""Stopping a run on Ctrl-C (SIGINT) or SIGTERM: one stop request per run, honoured by every
solver stage, never in the middle of moving a folder into place, and ending every process the
run started.

- During a solver stage (:func:`solving`) the first signal only records the request: the solver
  stops at its next callback with its best plan so far, and every later solver stage of the
  same run starts already stopped. A second signal raises :class:`Stopped`.
- Elsewhere a signal raises :class:`Stopped` (a :class:`KeyboardInterrupt`) at once.
- Inside :func:`held` (a folder or file being moved into place) a signal is kept until the block
  ends, then raised, so a folder is always either the old one or the new one.
- :func:`write_done` records each output that was completely written and moved into place; the
  command line says exactly those when a run is interrupted (:func:`written`).

The command line installs the handlers for its whole run (:func:`run`); in the Python API a
solve installs the SIGINT handler for its own duration (:func:`session`). Signals a process
ignores (batch workers ignore SIGINT: their parent stops them) stay ignored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

__all__ = ["Stopped", "run", "session", "solving", "held", "requested", "signal_name", "write_done",
           "written", "writing", "partly_written", "follow_parent", "descendants", "end_processes", "end_pool"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(KeyboardInterrupt):
    """The run was stopped by a signal (Ctrl-C or SIGTERM)."""

    def __init__(self, signum: int = signal.SIGINT):
        self.signum = signum
        super().__init__(signal_name(signum))


class _State:
    def __init__(self):
        self.installed = False     # the command line's handlers, for its whole run
        self.sessions = 0          # nested API sessions holding a temporary SIGINT handler
        self.signum: int | None = None
        self.solving = 0
        self.held = 0
        self.pending = False
        self.written: list[Path] = []
        self.partial: list[Path] = []


_state = _State()


def _handle(signum, frame) -> None:
    again = _state.signum is not None
    if _state.signum is None:
        _state.signum = signum
    if _state.held:
        _state.pending = True
        return
    if _state.solving and not again:
        return
    raise Stopped(_state.signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def run():
    """One run of the command line: SIGINT and SIGTERM are handled while it lasts, and what it
    wrote is recorded from its start."""
    if not _main_thread():
        yield
        return
    previous = {}
    for signum in _SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _handle)
    _state.installed, _state.signum, _state.pending, _state.written, _state.partial = True, None, False, [], []
    try:
        yield
    finally:
        _state.installed = False
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def session():
    """One run in the Python API: a stop request lasts until the outermost session ends, and
    Ctrl-C is handled while it runs (a no-op under the command line, which handles both signals)."""
    if _state.installed or not _main_thread():
        yield
        return
    previous = None
    if _state.sessions == 0:
        _state.signum, _state.pending = None, False
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            previous = signal.signal(signal.SIGINT, _handle)
    _state.sessions += 1
    try:
        yield
    finally:
        _state.sessions -= 1
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def solving():
    """A solver stage: the first stop request is left to the solver (see :func:`requested`)."""
    with session():
        _state.solving += 1
        try:
            yield
        finally:
            _state.solving -= 1


@contextlib.contextmanager
def held():
    """Keep a stop request until the block ends (then raise :class:`Stopped`)."""
    _state.held += 1
    try:
        yield
    finally:
        _state.held -= 1
    if _state.held == 0 and _state.pending:
        _state.pending = False
        raise Stopped(_state.signum or signal.SIGINT)


def requested() -> bool:
    """Whether this run was asked to stop."""
    return _state.signum is not None


def signal_name(signum: int | None = None) -> str:
    """'Ctrl-C' for SIGINT, the signal's name otherwise."""
    signum = _state.signum if signum is None else signum
    if signum is None or signum == signal.SIGINT:
        return "Ctrl-C"
    return signal.Signals(signum).name


def write_done(path: str | Path) -> None:
    """Record that ``path`` (a folder or file) was completely written and moved into place."""
    path = Path(os.path.abspath(path))
    if path not in _state.written:
        _state.written.append(path)


def written() -> list[Path]:
    """What this process completely wrote and moved into place, in order."""
    return list(_state.written)


@contextlib.contextmanager
def writing(path: str | Path):
    """Files written into ``path`` in place, not moved there: complete when the block ends,
    partly written (:func:`partly_written`) if it is stopped."""
    path = Path(os.path.abspath(path))
    _state.partial.append(path)
    yield
    _state.partial.remove(path)
    write_done(path)


def partly_written() -> list[Path]:
    """What a stopped block of :func:`writing` left partly written."""
    return list(_state.partial)


# ------------------------------------------------------------------------------ processes


def follow_parent(parent: int | None = None) -> None:
    """In a worker process: end it (SIGTERM) when its parent process ends, however the parent
    ends (Linux; elsewhere a no-op). ``parent``, when given, is the process that started it:
    if that one has already ended, the worker ends now."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent ended before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _parents() -> dict[int, int]:
    """Every process's parent, read from /proc (empty where there is no /proc)."""
    parents = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return parents
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if fields and fields[0] not in (b"Z", b"X"):
            parents[int(entry)] = int(fields[1])
    return parents


def descendants(pid: int | None = None) -> list[int]:
    """The living processes started by ``pid`` (default: this process), at any depth."""
    pid = os.getpid() if pid is None else pid
    parents = _parents()
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier and p not in found]
        found += children
        frontier = children
    return found


def _resource_tracker(pid: int) -> bool:
    """Whether ``pid`` is multiprocessing's resource tracker: it ignores SIGTERM, ends by itself
    when this process ends and then frees what its workers left (so it is left to do that)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"multiprocessing.resource_tracker" in f.read()
    except OSError:
        return False


def end_processes(pids: list[int], grace: float = 3.0) -> None:
    """SIGTERM each process, then SIGKILL those still alive after ``grace`` seconds."""
    pids = [p for p in pids if not _resource_tracker(p)]
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        if alive:
            time.sleep(0.05)
    for pid in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is running (an ended child not yet collected counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] not in (b"Z", b"X")


def end_pool(pool) -> None:
    """End a :class:`concurrent.futures.ProcessPoolExecutor` now: cancel what has not started and
    end its worker processes, running or not."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(5)
