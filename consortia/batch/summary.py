"""The batch summary: summary.csv (one row per scenario) and summary.html."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import uuid
from pathlib import Path
from typing import Any

from .. import stopping
from ..costs import MONEY_TERMS
from ..plan import TERMS
from .spec import SUMMARY_CSV, SUMMARY_HTML, Batch, BatchRun

__all__ = ["summary_terms", "summary_columns", "summary_rows", "write_summary", "setting_cell", "unit_of"]

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


def setting_cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return _cell(value)


def unit_of(scenario) -> str:
    """The unit of a scenario's objective, as plan.yaml's ``objective_unit`` says it."""
    return "GBP" if scenario.costs is not None else "weighted units"


def summary_terms(batch: Batch) -> list[str]:
    """The objective terms of the batch's scenarios: the weighted terms (``plan.TERMS``) when
    any scenario has plain weights, the terms in pounds (``costs.MONEY_TERMS`` and ``moved``)
    when any has a ``costs`` section, in that order without repeats."""
    units = {unit_of(item.scenario) for item in batch.scenarios} or {"weighted units"}
    names = [*(TERMS if "weighted units" in units else ()), *((*MONEY_TERMS, "moved") if "GBP" in units else ())]
    return list(dict.fromkeys(names))


def summary_columns(batch: Batch) -> list[str]:
    """The columns of summary.csv."""
    return (["scenario", "group", *batch.swept_keys, "status", "objective", "objective_unit",
             *[f"term_{t}" for t in summary_terms(batch)], "best_bound", "gap", "n_trusts", "n_consortia",
             "n_standalone", "trusts_full_cover_alone", "trusts_full_cover_pooled",
             "total_months_misaligned", "market_capacity", "peak_market", "market_per_period",
             "solve_seconds", "seconds", "reused", "worker", "message"])


def summary_rows(run: BatchRun) -> list[dict]:
    """One row per scenario, in batch order (scenarios not run say so)."""
    rows = []
    terms_of = summary_terms(run.batch)
    for item, record in zip(run.batch.scenarios, run.records):
        settings = item.scenario.to_dict()
        row: dict[str, Any] = {"scenario": item.name, "group": item.group, "objective_unit": unit_of(item.scenario)}
        row.update({k: setting_cell(_dig(settings, k)) for k in run.batch.swept_keys})
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
        row.update({f"term_{t}": terms.get(t) for t in terms_of})
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
    from .report import render_summary_html  # matplotlib: only the client draws the summary

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
    for path in paths.values():
        stopping.write_done(path)
    return paths
