"""Write a plan folder: CSV, YAML, GeoJSON and GeoPackage, moved into place atomically."""

from __future__ import annotations

import csv
import io
import math
import os
import platform
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from . import folders
from .errors import ConsortiaError
from .inputs import Instance
from .plan import Plan, alone_ratio, weekend_missing
from .scenario import DAYS
from .timing import month_number
from .version import __version__

__all__ = ["PLAN_FILES", "assignment_rows", "GEO_RESERVED", "consortium_rows", "plan_document", "PlanRejected",
           "prepare_target", "write_plan"]

PLAN_FILES = ("assignments.csv", "consortia.csv", "plan.yaml")


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return "" if value is None else str(value)


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _fmt(v) for k, v in row.items()})
    return out.getvalue()


def assignment_rows(plan: Plan, instance: Instance) -> tuple[list[dict], list[str]]:
    """One row per planned trust, with the columns of ``assignments.csv``."""
    scenario = plan.scenario
    extras: list[str] = []
    for t in instance.trusts:
        extras += [k for k in t.extra if k not in extras]
    columns = ["trust", "name", "consortium", "go_live", "go_to_market", "contract_end", "months_misaligned",
               "standalone", "lat", "lon", "region", *[f"alone_ratio_{d}" for d in DAYS],
               "alone_weekend_missing"]
    renamed = _extra_names(extras, columns)
    rows = []
    for c in plan.consortia:
        for code in c.members:
            t = instance.trust(code)
            ratio = alone_ratio(instance, scenario, [code])
            months = abs(month_number(c.go_live) - month_number(t.contract_end))
            row = {"trust": code, "name": t.name, "consortium": c.id, "go_live": c.go_live.isoformat(),
                   "go_to_market": c.go_to_market.isoformat(), "contract_end": t.contract_end.isoformat(),
                   "months_misaligned": months, "standalone": c.standalone, "lat": t.lat, "lon": t.lon,
                   "region": t.region or ""}
            row.update({f"alone_ratio_{d}": ratio[k] for k, d in enumerate(DAYS)})
            row["alone_weekend_missing"] = " ".join(weekend_missing(instance, scenario, [code]))
            row.update({renamed[k]: t.extra.get(k, "") for k in extras})
            rows.append(row)
    return rows, columns + [renamed[k] for k in extras]


GEO_RESERVED = ("geometry", "fid", "layer")
"""Column names the GeoJSON and GeoPackage writers use themselves."""


def _extra_names(extras: list[str], taken: list[str]) -> dict[str, str]:
    """The output name of each extra ``trusts.csv`` column: its own, or ``input_<name>`` where it
    would clash with a computed column (compared without case, as GeoPackage does)."""
    used = {c.lower() for c in taken} | set(GEO_RESERVED)
    names = {}
    for k in extras:
        name = k
        while name.lower() in used:
            name = f"input_{name}"
        used.add(name.lower())
        names[k] = name
    return names


def consortium_rows(plan: Plan) -> tuple[list[dict], list[str]]:
    """One row per consortium, with the columns of ``consortia.csv``."""
    rows = []
    for c in plan.consortia:
        row = {"consortium": c.id, "members": " ".join(c.members), "n_trusts": len(c.members),
               "go_live": c.go_live.isoformat(), "go_to_market": c.go_to_market.isoformat(),
               "medoid": c.medoid, "distance_km": c.distance_km, "max_pair_km": c.max_pair_km}
        row.update({f"cover_ratio_{d}": c.cover_ratio[k] for k, d in enumerate(DAYS)})
        row.update({"weekend_subspecialties_missing": " ".join(c.weekend_missing),
                    "months_misaligned": c.months_misaligned, "fixed": c.fixed, "cost": c.cost})
        rows.append(row)
    columns = ["consortium", "members", "n_trusts", "go_live", "go_to_market", "medoid", "distance_km",
               "max_pair_km", *[f"cover_ratio_{d}" for d in DAYS], "weekend_subspecialties_missing",
               "months_misaligned", "fixed", "cost"]
    return rows, columns


def plan_document(plan: Plan, instance: Instance) -> dict:
    """The content of ``plan.yaml``."""
    from importlib.metadata import version

    import highspy  # noqa: F401  (version below)
    import pulp

    s = plan.scenario
    return {
        "scenario": s.name,
        "description": s.description,
        "status": plan.status,
        "objective": plan.objective,
        "objective_kind": "costs" if s.costs is not None else "weights",
        "objective_unit": "GBP" if s.costs is not None else "weighted units",
        "best_bound": plan.best_bound,
        "gap": plan.gap,
        "terms": plan.terms,
        "counterfactuals": plan.counterfactuals,
        "solver": plan.solver,
        "metrics": plan.metrics,
        "diagnosis": list(plan.diagnosis),
        "synthetic": s.synthetic,
        "attribution": s.attribution,
        "package_version": __version__,
        "created_with": {"python": platform.python_version(), "pulp": pulp.__version__,
                         "highspy": version("highspy")},
        "inputs": instance.file_hashes(),
        "excluded": list(plan.excluded),
        "settings": s.to_dict(),
    }


def _finite(row: dict) -> dict:
    """GeoJSON has no infinity: an infinite ratio (no demand) becomes null."""
    return {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in row.items()}


def _geo_layers(plan: Plan, rows: list[dict]):
    import geopandas as gpd
    from shapely.geometry import MultiPoint, Point

    rows = [_finite(r) for r in rows]
    points = gpd.GeoDataFrame(rows, geometry=[Point(r["lon"], r["lat"]) for r in rows], crs="EPSG:4326")
    projected = points.to_crs(points.estimate_utm_crs())
    shapes = []
    crows = [_finite(r) for r in consortium_rows(plan)[0]]
    for c in plan.consortia:
        pts = projected.geometry[projected["consortium"] == c.id]
        shapes.append(MultiPoint(list(pts)).convex_hull.buffer(5000, quad_segs=8))
    hulls = gpd.GeoDataFrame(crows, geometry=shapes, crs=projected.crs).to_crs("EPSG:4326")
    return points, hulls


def _write_files(plan: Plan, instance: Instance, folder: Path) -> None:
    arows, acols = assignment_rows(plan, instance)
    crows, ccols = consortium_rows(plan)
    (folder / "assignments.csv").write_text(_csv(arows, acols), encoding="utf-8")
    (folder / "consortia.csv").write_text(_csv(crows, ccols), encoding="utf-8")
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan_document(plan, instance), sort_keys=False,
                                                     allow_unicode=True), encoding="utf-8")
    points, hulls = _geo_layers(plan, arows)
    both = points.assign(layer="trusts")
    import geopandas as gpd
    import pandas as pd
    combined = gpd.GeoDataFrame(pd.concat([both, hulls.assign(layer="consortia")], ignore_index=True),
                                crs="EPSG:4326")
    combined.to_file(folder / "consortia.geojson", driver="GeoJSON")
    points.to_file(folder / "consortia.gpkg", layer="trusts", driver="GPKG")
    hulls.to_file(folder / "consortia.gpkg", layer="consortia", driver="GPKG")


def _safe_target(folder: Path) -> None:
    """Refuse an output folder that a plan must not replace or cannot be written to."""
    bad = sorted({repr(c)[1:-1] for c in str(folder) if ord(c) < 32 or ord(c) == 127})
    if bad:
        raise ConsortiaError(f"a folder name may not hold control characters (it holds {', '.join(bad)})",
                             file=repr(str(folder)))
    folder = Path(os.path.abspath(folder))
    here = Path.cwd()
    if folder == here or folder in here.parents:
        raise ConsortiaError("refusing to replace the current folder or a folder above it; choose a "
                             "new or plan folder with --out", file=str(folder))
    if folder.exists() and not folder.is_dir():
        raise ConsortiaError("the output path exists and is not a folder", file=str(folder))
    blocking = next((p for p in folder.parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ConsortiaError(f"cannot write a folder inside {blocking}: it is a file", file=str(folder))
    if blocking is not None and not os.access(blocking, os.W_OK | os.X_OK):
        raise ConsortiaError(f"cannot write inside {blocking}: permission denied", file=str(folder))


def prepare_target(folder: str | Path) -> list[str]:
    """Check that a plan can be written to ``folder``, after restoring it if an earlier run was
    stopped while replacing it and deleting the temporaries of ended runs; returns what was
    restored or deleted, in words. A folder that holds files but is no plan folder is refused."""
    folder = Path(os.path.abspath(folder))
    _safe_target(folder)
    notes = folders.prepare(folder)
    if folder.is_dir() and any(folder.iterdir()) and not folders.is_owned(folder):
        raise ConsortiaError("refusing to write into a folder that is not a consortia plan folder (it has "
                             "files but no plan.yaml or .consortia-manifest); choose another --out",
                             file=str(folder))
    return notes


class PlanRejected(Exception):
    """The written plan failed the independent check; nothing was moved into place."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("the plan failed the independent check:\n  " + "\n  ".join(violations))


def write_plan(plan: Plan, instance: Instance, folder: str | Path, *,
               draw: Callable[[Path], object] | None = None, kept: list[str] | None = None) -> Path:
    """Write the plan folder atomically and return its path.

    Everything is written to a temporary folder beside ``folder``, re-read and re-verified by
    the independent checker, and only then moved into place (:func:`consortia.folders.replace`):
    an existing plan folder is replaced only at that point, and only the files the tool wrote
    there; the user's own files in it are carried into the new one (listed in ``kept``, when
    given). ``draw(folder)``, when given, adds the figures (maps, charts, report) to the checked
    folder before it is moved into place. Raises :class:`PlanRejected` if the checker finds a
    broken rule.
    """
    if not plan.has_plan:
        raise ValueError(f"a plan with status {plan.status!r} has nothing to write")
    folder = Path(os.path.abspath(folder))  # "." or "a/.." have no name and no parent to write beside
    prepare_target(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = folders.make_temporary(folder, "tmp")
    try:
        _write_files(plan, instance, temp)
        from .checker import check_plan
        report = check_plan(plan.scenario, instance, temp)
        if report.violations:
            raise PlanRejected(report.violations)
        if draw is not None:
            draw(temp)
        done = folders.replace(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    if kept is not None:
        kept += done
    return folder
