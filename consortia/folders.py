"""Folders the tool owns: a manifest of the files it wrote, replacing such a folder without
losing a user's files, recovering a replace that a crash cut short, and cleaning its own
temporaries.

A folder the tool writes (a plan folder, a batch scenario's folder) holds ``.consortia-manifest``,
a YAML list of the files the tool wrote there (every writer of the folder adds its files:
the plan, the rota, the figures). Replacing the folder replaces exactly those files; every other
file or folder in it is the user's and is carried into the new folder unchanged (hard-linked,
or copied where a link is not possible; a user's file with the name of a new file of the tool
is kept as ``NAME.yours.EXT``). A plan folder written before manifests existed is owned by
its known file names (:data:`KNOWN_NAMES`).

A replace builds the new folder beside the target (``.NAME.tmp-XXXXXXXXXXXX``), sets the old one
aside (``.NAME.old-XXXXXXXXXXXX/plan``), renames the new one into place and deletes the old one.
Each temporary holds a marker (``.consortia-temporary``: the process that made it and the step
it reached). :func:`prepare`, run before a folder is written, restores a folder set aside by a
run that died between the two renames and deletes every marked temporary whose process is gone
(never one of a run still going on).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import yaml

from . import stopping

__all__ = ["MANIFEST", "MARKER", "KNOWN_NAMES", "is_owned", "owned_files", "record", "make_temporary",
           "replace", "prepare"]

MANIFEST = ".consortia-manifest"
MARKER = ".consortia-temporary"
KNOWN_NAMES = frozenset({
    "assignments.csv", "consortia.csv", "plan.yaml", "consortia.geojson", "consortia.gpkg",
    "rota.csv", "rota_summary.csv", "rota.yaml", "rota.png",
    "map.png", "map.svg", "map.html", "timeline.png", "cover.png", "report.html", "slides.pptx",
    "batch-result.yaml"})
"""The files the tool writes into a plan or batch scenario folder: the owned files of a folder
without a manifest (written by an earlier version)."""
OWNER_FILES = ("plan.yaml", "batch-result.yaml")
STALE_FOREIGN_SECONDS = 7 * 24 * 3600
"""A marked temporary made on another machine (a shared disk) is deleted only after a week."""


def is_owned(folder: Path) -> bool:
    """Whether ``folder`` is one the tool wrote (a manifest, or a plan or batch result file)."""
    folder = Path(folder)
    return (folder / MANIFEST).is_file() or any((folder / name).is_file() for name in OWNER_FILES)


def _read_manifest(folder: Path) -> list[str] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        doc = None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        return []  # a damaged manifest owns nothing: every file is kept
    return [f for f in files if isinstance(f, str) and _inside(f)]


def _inside(rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts


def owned_files(folder: Path) -> set[str]:
    """The files of ``folder`` (relative paths) that the tool wrote and may replace."""
    folder = Path(folder)
    listed = _read_manifest(folder)
    if listed is not None:
        return set(listed)
    return {name for name in KNOWN_NAMES if (folder / name).is_file()} if is_owned(folder) else set()


def _write_manifest(folder: Path, files) -> None:
    text = ("# Files consortia wrote in this folder. Solving into the folder again replaces only these;\n"
            "# every other file here is yours and is kept.\n"
            + yaml.safe_dump({"files": sorted(set(files))}, sort_keys=False, allow_unicode=True))
    temp = folder / f"{MANIFEST}.tmp-{uuid.uuid4().hex[:12]}"
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, folder / MANIFEST)


def record(folder: Path, added=(), removed=()) -> None:
    """Add files the tool wrote into ``folder`` to its manifest (and drop files it deleted);
    files are paths inside ``folder`` or relative to it. Files added to a folder in place (not
    a temporary still to be moved) count as written (:func:`consortia.stopping.write_done`)."""
    folder = Path(os.path.abspath(folder))

    def rel(path) -> str:
        path = Path(path)
        return Path(os.path.abspath(path)).relative_to(folder).as_posix() if path.is_absolute() else path.as_posix()

    files = (owned_files(folder) | {rel(p) for p in added}) - {rel(p) for p in removed}
    _write_manifest(folder, files)
    if not (folder / MARKER).is_file():
        for path in added:
            stopping.write_done(folder / rel(path))


# ------------------------------------------------------------------------------ temporaries


def _start_ticks(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot), to tell it from a later one with
    the same number; None if it is not running or unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rfind(b")") + 2:].split()[19].decode()


def _mark(folder: Path, step: str) -> None:
    pid = os.getpid()
    doc = {"pid": pid, "host": socket.gethostname(), "started": _start_ticks(pid), "created": time.time(),
           "step": step}
    (folder / MARKER).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _marker(folder: Path) -> dict | None:
    try:
        doc = yaml.safe_load((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return doc if isinstance(doc, dict) else None


def _running(marker: dict) -> bool:
    """Whether the process that made a temporary may still be using it."""
    if marker.get("host") != socket.gethostname():
        created = marker.get("created")
        return not isinstance(created, (int, float)) or time.time() - created < STALE_FOREIGN_SECONDS
    pid = marker.get("pid")
    if not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return True
    if Path("/proc").is_dir():
        started = _start_ticks(pid)
        return started is not None and started == marker.get("started")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def make_temporary(folder: Path, kind: str, step: str = "writing") -> Path:
    """A new, marked, hidden folder beside ``folder`` (``.NAME.KIND-XXXXXXXXXXXX``).

    Unlike :func:`tempfile.mkdtemp` (always 0700) it is created with the process's umask, so a
    folder moved into place from it can be opened by colleagues as any other folder.
    """
    for _ in range(100):
        candidate = folder.parent / f".{folder.name}.{kind}-{uuid.uuid4().hex[:12]}"
        try:
            with stopping.held():  # never a temporary without its marker
                os.mkdir(candidate)
                _mark(candidate, step)
        except FileExistsError:
            continue
        except BaseException:
            shutil.rmtree(candidate, ignore_errors=True)  # stopped: the caller never saw it
            raise
        return candidate
    raise FileExistsError(f"no free temporary folder name beside {folder}")


def _temporaries(folder: Path, kind: str) -> list[Path]:
    """The marked temporaries of ``kind`` beside ``folder`` (ours by name and marker)."""
    prefix = f".{folder.name}.{kind}-"
    try:
        entries = list(folder.parent.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.name.startswith(prefix) and len(p.name) == len(prefix) + 12
            and p.is_dir() and not p.is_symlink() and (p / MARKER).is_file()]


def _inner_temporaries(folder: Path) -> list[Path]:
    """Marked temporaries directly inside ``folder`` (the rota's and the figures')."""
    try:
        return [p for p in folder.iterdir() if p.name.startswith(".") and p.is_dir() and not p.is_symlink()
                and (p / MARKER).is_file()]
    except OSError:
        return []


def prepare(folder: Path) -> list[str]:
    """Before writing ``folder``: restore it if a run died between setting the old folder aside
    and moving the new one into place, and delete the temporaries of runs that have ended.
    Returns what was done, in words."""
    folder = Path(os.path.abspath(folder))
    notes = []
    olds = []
    for old in _temporaries(folder, "old"):
        marker = _marker(old) or {}
        if not _running(marker):
            olds.append((marker.get("created") if isinstance(marker.get("created"), (int, float)) else 0, old))
    for _, old in sorted(olds, reverse=True):
        marker = _marker(old) or {}
        if not os.path.lexists(folder) and (old / "plan").is_dir() and marker.get("step") != "replaced":
            os.rename(old / "plan", folder)
            notes.append(f"restored {folder} from {old.name}: an earlier run stopped while replacing it")
        shutil.rmtree(old, ignore_errors=True)
    if (folder / MARKER).is_file() and not _running(_marker(folder) or {}):
        (folder / MARKER).unlink()  # moved into place by a run that died just after the move
    stale = [t for t in _temporaries(folder, "tmp") if not _running(_marker(t) or {})]
    if folder.is_dir():
        stale += [t for t in _inner_temporaries(folder) if not _running(_marker(t) or {})]
    for temp in stale:
        shutil.rmtree(temp, ignore_errors=True)
    if stale:
        notes.append(f"deleted {len(stale)} temporary folder(s) left by earlier runs beside or in {folder}")
    return notes


# ------------------------------------------------------------------------------ replacing


def _files(folder: Path) -> list[str]:
    """Every file (or link) under ``folder``, relative, leaving out the manifest, the marker and
    marked temporaries."""
    out = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = [d for d in dirs if not (here / d / MARKER).is_file()]
        for d in dirs:
            if (here / d).is_symlink():
                names.append(d)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
        for name in names:
            rel = (here / name).relative_to(folder).as_posix()
            if rel not in (MANIFEST, MARKER):
                out.append(rel)
        if not names and not dirs and here != folder:
            out.append(here.relative_to(folder).as_posix() + "/")
    return out


def _yours(target: Path) -> Path:
    """A free name for a user's file that the new folder's file of the same name would hide."""
    stem, suffix = (target.name.split(".", 1) + [""])[:2] if not target.name.startswith(".") \
        else (target.name, "")
    for n in range(1, 1000):
        tag = "yours" if n == 1 else f"yours-{n}"
        candidate = target.with_name(f"{stem}.{tag}" + (f".{suffix}" if suffix else ""))
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(f"no free name to keep {target}")


def _carry(old: Path, new: Path, kept: list[str]) -> None:
    """Put every file of the user in ``old`` (not the tool's) into ``new`` at the same place."""
    owned = owned_files(old)
    for rel in _files(old):
        if rel.endswith("/"):
            (new / rel).mkdir(parents=True, exist_ok=True)
            continue
        if rel in owned:
            continue
        source, target = old / rel, new / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(target):
            target = _yours(target)
            kept.append(f"{rel} (kept as {target.relative_to(new).as_posix()}: the new plan has a "
                               f"file of that name)")
        else:
            kept.append(rel)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
            continue
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def replace(new: Path, folder: Path) -> list[str]:
    """Move the finished folder ``new`` (from :func:`make_temporary`) to ``folder``.

    The files in ``new`` become its manifest. An existing ``folder`` is replaced: the files the
    tool wrote there go, every file of the user is carried into the new folder. ``folder`` is
    always either the old folder or the new one, also when the process is stopped (the moves
    hold off a stop request) or dies (:func:`prepare` restores the old folder on the next run).
    Returns the user's files kept, in words.
    """
    new, folder = Path(new), Path(os.path.abspath(folder))
    kept: list[str] = []
    _write_manifest(new, [f for f in _files(new) if not f.endswith("/")])
    if folder.is_dir():
        _carry(folder, new, kept)
    with stopping.held():
        if not folder.exists():
            os.rename(new, folder)
            (folder / MARKER).unlink()
        else:
            old = make_temporary(folder, "old", "setting aside")
            try:
                os.rename(folder, old / "plan")
            except BaseException:
                shutil.rmtree(old, ignore_errors=True)
                raise
            try:
                os.rename(new, folder)
            except BaseException:
                os.rename(old / "plan", folder)
                shutil.rmtree(old, ignore_errors=True)
                raise
            _mark(old, "replaced")
            (folder / MARKER).unlink()
            shutil.rmtree(old, ignore_errors=True)
        stopping.write_done(folder)
    return kept
