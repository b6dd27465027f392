"""The plan folder is the tool's by a manifest: a re-solve replaces only what the tool wrote, a
replace cut short by a crash is recovered, stale temporaries are cleaned; and Ctrl-C / SIGTERM
end every process of a run with a true message about what was written (issue #12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from cases import case
from conftest import ROOT

from consortia import check, folders, load_instance, load_scenario, solve, stopping
from consortia.cli import main
from consortia.errors import EXIT_INTERRUPTED, ConsortiaError
from consortia.outputs import prepare_target, write_plan

JULY = "2014-07-01"
DEMO = ROOT / "inputs" / "demo"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


@pytest.fixture(autouse=True)
def ctrl_c_not_ignored():
    """Ctrl-C acts here even when the suite runs with SIGINT ignored (a background job, nohup):
    consortia, like any well-behaved program, leaves an ignored SIGINT ignored, and so do the
    runs these tests start (an ignored signal stays ignored across exec)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """A three-trust scenario, its plan and instance."""
    scenario = case(tmp_path_factory.mktemp("in"), {"A": (0, JULY), "B": (10, JULY), "C": (20, JULY)})
    return scenario, solve(scenario), load_instance(scenario)


def write(solved, folder: Path, draw=None, kept=None) -> Path:
    scenario, plan, instance = solved
    return write_plan(plan, instance, folder, draw=draw, kept=kept)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def manifest(folder: Path) -> list[str]:
    return yaml.safe_load((folder / folders.MANIFEST).read_text(encoding="utf-8"))["files"]


# ------------------------------------------------------------------------------ ownership


def test_manifest_lists_what_the_tool_wrote_and_a_resolve_keeps_the_users_files(solved, tmp_path):
    folder = write(solved, tmp_path / "plan", draw=lambda temp: (temp / "map.png").write_bytes(b"old map"))
    assert manifest(folder) == sorted(p for p in tree(folder) if p != folders.MANIFEST)
    assert set(manifest(folder)) <= folders.KNOWN_NAMES
    (folder / "notes.txt").write_text("my notes", encoding="utf-8")
    (folder / "mine").mkdir()
    (folder / "mine" / "call.md").write_text("call with the ICB", encoding="utf-8")
    (folder / "empty").mkdir()
    kept: list[str] = []
    write(solved, folder, kept=kept)  # this time without a map: the old one is the tool's and goes
    assert not (folder / "map.png").exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (folder / "mine" / "call.md").read_text(encoding="utf-8") == "call with the ICB"
    assert (folder / "empty").is_dir()
    assert sorted(kept) == ["mine/call.md", "notes.txt"]
    assert "notes.txt" not in manifest(folder) and "map.png" not in manifest(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]  # no temporaries left beside it


def test_a_users_file_named_like_a_new_file_of_the_tool_is_kept_under_another_name(solved, tmp_path):
    folder = write(solved, tmp_path / "plan")
    (folder / "map.png").write_bytes(b"the user's own picture")
    kept: list[str] = []
    write(solved, folder, draw=lambda temp: (temp / "map.png").write_bytes(b"new map"), kept=kept)
    assert (folder / "map.png").read_bytes() == b"new map"
    assert (folder / "map.yours.png").read_bytes() == b"the user's own picture"
    assert kept == ["map.png (kept as map.yours.png: the new plan has a file of that name)"]


def test_a_plan_folder_without_manifest_owns_only_the_tools_known_names(solved, tmp_path):
    folder = write(solved, tmp_path / "plan")
    (folder / folders.MANIFEST).unlink()  # as written by an earlier version
    (folder / "rota.csv").write_text("an old rota", encoding="utf-8")
    (folder / "budget.xlsx").write_bytes(b"the user's")
    write(solved, folder)
    assert not (folder / "rota.csv").exists()
    assert (folder / "budget.xlsx").read_bytes() == b"the user's"


def test_a_folder_that_is_no_plan_folder_is_refused(solved, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(ConsortiaError, match="not a consortia plan folder"):
        write(solved, folder)
    assert tree(folder) == {"thesis.tex": b"years of work"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_writers_in_place_add_their_files_to_the_manifest(solved, tmp_path):
    folder = write(solved, tmp_path / "plan")
    (folder / "rota.csv").write_text("x", encoding="utf-8")
    folders.record(folder, [folder / "rota.csv"])
    assert "rota.csv" in manifest(folder)
    folders.record(folder, removed=["rota.csv"])
    assert "rota.csv" not in manifest(folder)


# ------------------------------------------------------------------------------ crashes and temporaries


CRASH = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from consortia import folders
    folder = Path(sys.argv[1])
    new = folders.make_temporary(folder, "tmp")
    (new / "plan.yaml").write_text("new plan", encoding="utf-8")
    renames = []
    real = os.rename
    def rename(a, b):
        renames.append((a, b))
        if len(renames) == 2:
            os._exit(9)  # the machine dies between setting the old plan aside and moving the new one in
        real(a, b)
    os.rename = rename
    folders.replace(new, folder)
""")


def test_a_crash_between_the_two_renames_is_recovered_on_the_next_run(solved, tmp_path):
    folder = write(solved, tmp_path / "plan")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    before = tree(folder)
    crashed = subprocess.run([sys.executable, "-c", CRASH, str(folder)], env=ENV, capture_output=True, timeout=60)
    assert crashed.returncode == 9, crashed.stderr
    assert not folder.exists()
    left = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert left == [".plan.old", ".plan.tmp"]
    notes = prepare_target(folder)
    assert any("restored" in n for n in notes) and any("deleted 1 temporary" in n for n in notes)
    assert tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]
    write(solved, folder)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_failing_second_rename_puts_the_old_plan_back(solved, tmp_path, monkeypatch):
    folder = write(solved, tmp_path / "plan")
    before = tree(folder)
    real, calls = os.rename, []

    def rename(a, b):
        calls.append(a)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(a, b)

    monkeypatch.setattr(folders.os, "rename", rename)
    with pytest.raises(OSError):
        write(solved, folder)
    monkeypatch.undo()
    assert tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _fake_temporary(path: Path, pid: int, step: str = "writing") -> Path:
    path.mkdir()
    (path / "plan.yaml").write_text("half written", encoding="utf-8")
    folders._mark(path, step)
    marker = yaml.safe_load((path / folders.MARKER).read_text(encoding="utf-8"))
    marker.update(pid=pid, started=folders._start_ticks(pid) if pid == os.getpid() else "1")
    (path / folders.MARKER).write_text(yaml.safe_dump(marker), encoding="utf-8")
    return path


def test_stale_temporaries_are_cleaned_and_live_or_foreign_ones_kept(solved, tmp_path):
    folder = write(solved, tmp_path / "plan")
    dead = _dead_pid()
    stale = _fake_temporary(tmp_path / ".plan.tmp-0123456789ab", dead)
    stale_old = _fake_temporary(tmp_path / ".plan.old-0123456789ab", dead, "replaced")
    inner = _fake_temporary(folder / ".rota.tmp-0123456789ab", dead)
    live = _fake_temporary(tmp_path / ".plan.tmp-ba9876543210", os.getpid())
    unmarked = tmp_path / ".plan.tmp-aaaaaaaaaaaa"
    unmarked.mkdir()  # not the tool's: no marker
    before = tree(folder)
    prepare_target(folder)
    assert not stale.exists() and not stale_old.exists() and not inner.exists()
    assert live.exists() and unmarked.exists()
    assert tree(folder) == {k: v for k, v in before.items() if not k.startswith(".rota.tmp")}


# ------------------------------------------------------------------------------ signals


def test_a_stop_during_the_swap_is_held_until_it_is_done_and_reported_truly(solved, tmp_path, monkeypatch,
                                                                              capsys):
    """The reproducer: Ctrl-C while the new plan replaces the old one said "no plan folder was
    written or changed" (2 of 30 tries). The signal arrives right after each rename in turn."""
    scenario = solved[0]
    for after in (1, 2):
        folder = tmp_path / f"plan{after}"
        assert main(["solve", str(scenario.source), "--out", str(folder), "--no-maps", "--no-rota", "--quiet"]) == 0
        old = tree(folder)
        real, calls = os.rename, []

        def rename(a, b, after=after, calls=calls, real=real):
            real(a, b)
            calls.append(a)
            if len(calls) == after:
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(folders.os, "rename", rename)
        code = main(["solve", str(scenario.source), "--out", str(folder), "--no-maps", "--no-rota", "--quiet"])
        monkeypatch.undo()
        err = capsys.readouterr().err
        assert code == EXIT_INTERRUPTED
        assert f"completely written before the stop: {folder}" in " ".join(err.split()), err
        assert tree(folder) != old and (folder / folders.MANIFEST).is_file()
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f".plan{after}")) == []


def _group(pgid: int) -> list[int]:
    """Living processes of a process group, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[3]) == pgid and fields[0] not in (b"Z", b"X"):
            found.append(int(entry))
    return found


def _poll(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "consortia.cli", *args], cwd=cwd, env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_sigterm_to_a_batch_parent_ends_its_workers(tmp_path):
    run = _start(["batch", str(DEMO / "batch.yaml"), "--workers", "2", "--out", str(tmp_path / "out"),
                  "--quiet"], tmp_path)
    try:
        workers = _poll(lambda: len(stopping.descendants(run.pid)) >= 2 and stopping.descendants(run.pid),
                        120, "the batch's worker processes")
        os.kill(run.pid, signal.SIGTERM)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == EXIT_INTERRUPTED, output
    assert "interrupted (SIGTERM)" in output and "Traceback" not in output
    _poll(lambda: not _group(run.pid), 10, f"no process left of the batch (workers were {workers})")


def _solve_until(tmp_path: Path, triggers: tuple[str, ...], sig: int, extra: list[str]) -> tuple[int, str]:
    """Run ``consortia solve`` and send ``sig`` when it prints one of ``triggers``."""
    run = _start(["solve", str(tmp_path / "in" / "scenario.yaml"), "--out", str(tmp_path / "plan"), *extra],
                 tmp_path)
    lines = []
    try:
        for text in run.stdout:
            lines.append(text)
            if any(line in text for line in triggers):
                os.kill(run.pid, sig)
                break
        output, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    return run.returncode, "".join(lines) + output


@pytest.fixture
def synthetic(tmp_path):
    """A synthetic instance whose compact model takes HiGHS a while to prove (the stop lands in the search)."""
    assert main(["generate", "synthetic", "--trusts", "60", "--out", str(tmp_path / "in")]) == 0
    return tmp_path


def test_a_stop_during_the_solve_writes_the_best_plan_and_says_so(solved, tmp_path, monkeypatch, capsys):
    """Ctrl-C while HiGHS runs: the solve stops with its best plan, which is written (checked,
    without rota and figures); exit 130 and the message names the folder."""
    from consortia import solver

    real, sent = solver.Progress, []

    def progress(incumbent, *rest):  # HiGHS reports a plan: Ctrl-C comes now, once
        if incumbent is not None and not sent:
            sent.append(incumbent)
            os.kill(os.getpid(), signal.SIGINT)
        return real(incumbent, *rest)

    monkeypatch.setattr(solver, "Progress", progress)
    folder = tmp_path / "plan"
    assert main(["solve", str(solved[0].source), "--out", str(folder), "--quiet"]) == EXIT_INTERRUPTED
    words = " ".join(capsys.readouterr().err.split())
    assert "stopped (Ctrl-C): this is the best plan found before the stop" in words
    assert f"completely written before the stop: {folder}" in words
    assert check(solved[0], folder).ok and not (folder / "rota.csv").exists()
    assert yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))["solver"]["interrupted"] is True
    assert sent


def test_ctrl_c_during_the_solve_of_a_real_run_is_reported_truly(synthetic):
    # the solve's first progress line, or (should it prove its plan before printing one) the write
    code, output = _solve_until(synthetic, ("best plan so far", "writing the plan folder"), signal.SIGINT,
                                ["--method", "compact", "--gap", "0", "--time-limit", "120", "--no-maps"])
    words = " ".join(output.split())
    assert code == EXIT_INTERRUPTED, output
    assert "Traceback" not in output
    folder = synthetic / "plan"
    if "nothing was written or replaced" in words:
        assert not folder.exists()
    else:
        assert f"completely written before the stop: {folder}" in words
        assert check(load_scenario(synthetic / "in" / "scenario.yaml"), folder).ok
    assert sorted(p.name for p in synthetic.iterdir()) == ["in"] + (["plan"] if folder.exists() else [])


def test_ctrl_c_while_writing_says_what_the_folder_holds(tmp_path):
    """Ctrl-C once the plan is being written (rota, figures): the message matches the folder."""
    (tmp_path / "in").mkdir()
    for name in ("scenario.yaml", "trusts.csv", "rosters.csv", "demand.csv", "links.csv"):
        (tmp_path / "in" / name).write_bytes((DEMO / name).read_bytes())
    old = tmp_path / "plan"
    old.mkdir()
    (old / "plan.yaml").write_text("an older plan", encoding="utf-8")
    (old / "notes.txt").write_text("mine", encoding="utf-8")
    before = tree(old)
    code, output = _solve_until(tmp_path, ("writing the plan folder",), signal.SIGINT, [])
    words = " ".join(output.split())
    assert code == EXIT_INTERRUPTED, output
    assert "Traceback" not in output
    if "nothing was written or replaced" in words:
        assert tree(old) == before
    else:
        assert f"completely written before the stop: {old}" in words
        assert (old / "notes.txt").read_text(encoding="utf-8") == "mine" and tree(old) != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "plan"]
