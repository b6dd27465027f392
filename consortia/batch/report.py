"""summary.html of a batch: headline counts, comparison charts and the summary table.

One self-contained page that works offline: the charts are matplotlib SVGs inlined as data
URLs, the styles are inline, nothing is fetched. Each scenario links to its own folder.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from typing import Any
from urllib.parse import quote

from ..costs import pounds, short_pounds
from ..figures import style
from ..status import Status

__all__ = ["TERM_LABELS", "objective_unit", "objective_axis", "objective_text", "STATUS_COLOURS", "MAX_BARS",
           "MAX_LABELLED_POINTS", "CSS", "terms_chart", "tradeoff_chart", "structure_chart", "sweep_chart",
           "render_summary_html"]

TERM_LABELS = {"timing": "timing (months off contract end)", "distance": "distance to medoid",
               "shortfall": "cover shortfall", "subspecialty_gap": "weekend subspecialty gaps",
               "standalone": "standalone trusts", "moved": "trusts moved from the baseline",
               "procurement": "running procurements", "contract": "contracts (volume discount)",
               "integration": "integration and information governance", "extension": "contract extensions",
               "early_exit": "leaving contracts early", "travel": "travel for on-site cover",
               "boundary": "ICB, region and sharing boundaries"}
"""Every objective term, weighted (``plan.TERMS``) and in pounds (``costs.MONEY_TERMS``)."""
STATUS_COLOURS = {Status.OPTIMAL: "#1a7f37", Status.FEASIBLE: "#bf8700", Status.INFEASIBLE: "#8250df",
                  Status.NO_SOLUTION: "#0969da", "error": "#cf222e", "not_run": "#6e7781"}
MAX_BARS = 50
MAX_LABELLED_POINTS = 25

CSS = """
.headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:14px 0}
.kpi{border:1px solid #d0d7de;border-radius:8px;padding:10px 12px}
.kpi .v{font-size:24px;font-weight:700}
.kpi .l{font-size:12px;color:#5b6068}
.kpi.warn .v{color:#cf222e}
figure{margin:8px 0 18px}
figure img{max-width:100%;height:auto;border:1px solid #eaeef2;display:block}
figcaption{font-size:12px;color:#5b6068;margin-top:4px}
.scroll{overflow-x:auto}
main{max-width:1560px}
table.summary{border-collapse:collapse;font-size:12px;width:100%}
table.summary th,table.summary td{border:1px solid #eaeef2;padding:2px 6px;text-align:right;vertical-align:top}
table.summary th{background:#f6f8fa;position:sticky;top:0;max-width:110px;text-align:left}
table.summary td.name{min-width:250px;max-width:300px}
table.summary td.t{text-align:left}
table.summary td.msg{text-align:left;min-width:200px;max-width:340px;color:#5b6068}
.pill{display:inline-block;color:#fff;border-radius:9px;padding:0 7px;font-size:11px;font-weight:600}
footer{margin-top:28px;font-size:11px;color:#5b6068;border-top:1px solid #eaeef2;padding-top:8px}
"""


def _finish_bars(fig, ax, xlabel: str, rows: int) -> None:
    """The shared look of the horizontal bar charts: x label, light grid, legend below."""
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color="#eaeef2")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=3, frameon=False)
    ax.set_ylim(-0.6, rows - 0.4)


def _num(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return ""
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.{digits}f}"


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def objective_unit(rows: list[dict]) -> str:
    """The unit of the objectives in ``rows``: "GBP", "weighted units", or "mixed"."""
    units = {str(r.get("objective_unit") or "weighted units") for r in rows}
    return units.pop() if len(units) == 1 else ("mixed" if units else "weighted units")


def objective_axis(rows: list[dict]) -> tuple[str, float]:
    """The label of an objective axis and the divisor of its values (millions for pounds)."""
    unit = objective_unit(rows)
    if unit == "GBP":
        return "cost over the term, £ million (lower is better)", 1e6
    if unit == "mixed":
        return "objective, £ million or points: see the unit column (lower is better)", 1.0
    return "objective, points (lower is better)", 1.0


def objective_text(value: Any, unit: str | None) -> str:
    """An objective or term value for the table: whole pounds, or points to 2 decimals."""
    number = _float(value)
    if unit == "GBP" and number is not None:
        return pounds(number)
    return _num(value)


def _scale(rows: list[dict]) -> float:
    return objective_axis(rows)[1] if objective_unit(rows) == "GBP" else 1.0


def _value(row: dict, key: str, scale: float) -> float | None:
    v = _float(row.get(key))
    if v is None:
        return None
    return v / scale if row.get("objective_unit") == "GBP" else v


def _svg(fig) -> str:
    import matplotlib.pyplot as plt
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata=style.SVG_METADATA)
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _with_plan(rows: list[dict]) -> list[dict]:
    return [r for r in rows
            if r.get("status") in Status.HAS_PLAN and _float(r.get("objective")) is not None]


def _shown(rows: list[dict]) -> tuple[list[dict], str]:
    """The scenarios a bar chart shows, in table order: every scenario without a plan (marked,
    never dropped) and at most MAX_BARS with one, the best by objective when there are more."""
    planned = _with_plan(rows)
    keep = {id(r) for r in planned}
    note = ""
    if len(planned) > MAX_BARS:
        keep = {id(r) for r in sorted(planned, key=lambda r: _float(r["objective"]))[:MAX_BARS]}
        note = f" (the {MAX_BARS} best of {len(planned)} plans)"
    return [r for r in rows if id(r) in keep or r not in planned], note


def _mark_without_plan(ax, shown: list[dict]) -> None:
    """Write the status beside the empty bar of each scenario without a plan."""
    planned = _with_plan(shown)
    for y, r in enumerate(shown[::-1]):
        if r in planned:
            continue
        status = str(r.get("status") or "no plan")
        words = {"infeasible": "infeasible: no plan exists", "no_solution": "no plan within the time limit",
                 "error": "failed with an error", "not_run": "not run"}.get(status, status)
        ax.annotate(words, (0, y), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=8, color=STATUS_COLOURS.get(status, style.MUTED), fontweight="bold")
        ax.get_yticklabels()[y].set_color(STATUS_COLOURS.get(status, style.MUTED))


def terms_chart(rows: list[dict]) -> tuple[str, str] | None:
    """Stacked bars: each objective term per scenario with a plan."""
    import matplotlib.pyplot as plt
    shown, note = _shown(rows)
    if not shown:
        return None
    terms = [t for t in TERM_LABELS if any((_float(r.get(f"term_{t}")) or 0) > 0 for r in shown)]
    planned = _with_plan(shown)
    label, _ = objective_axis(planned)
    scale = _scale(planned)
    with style.mpl_context():
        fig, ax = plt.subplots(figsize=(9.5, 1.4 + 0.28 * len(shown)), layout="constrained")
        names = [r["scenario"] for r in shown][::-1]
        left = [0.0] * len(shown)
        for k, term in enumerate(terms):
            values = [_value(r, f"term_{term}", scale) or 0.0 for r in shown][::-1]
            ax.barh(names, values, left=left, color=style.PALETTE[k % len(style.PALETTE)],
                    label=TERM_LABELS[term], height=0.7)
            left = [a + b for a, b in zip(left, values)]
        ax.set_yticks(range(len(shown)), names)
        _mark_without_plan(ax, shown)
        _finish_bars(fig, ax, label, len(shown))
        mixed = (" Objectives in pounds and in points share the axis: compare scenarios of one unit only."
                 if objective_unit(planned) == "mixed" else "")
        return _svg(fig), ("Objective terms per scenario" + note + "; scenarios without a plan are "
                           "named in colour with their status." + mixed)


def _pareto(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both: fewer months misaligned and more trusts covered."""
    front = []
    for x, y in sorted(set(points), key=lambda p: (p[0], -p[1])):
        if not front or y > front[-1][1]:
            front.append((x, y))
    return front


def tradeoff_chart(rows: list[dict]) -> tuple[str, str] | None:
    """Scatter: months misaligned against trusts with full seven-day cover, per scenario."""
    import matplotlib.pyplot as plt
    planned = [r for r in _with_plan(rows) if _float(r.get("total_months_misaligned")) is not None
               and _float(r.get("trusts_full_cover_pooled")) is not None]
    if not planned:
        return None
    xs = [_float(r["total_months_misaligned"]) for r in planned]
    ys = [_float(r["trusts_full_cover_pooled"]) for r in planned]
    front = _pareto(list(zip(xs, ys)))
    with style.mpl_context():
        fig, ax = plt.subplots(figsize=(8.5, 5.2), layout="constrained")
        for status in Status.HAS_PLAN:
            pts = [(x, y) for x, y, r in zip(xs, ys, planned) if r["status"] == status]
            if pts:
                ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=36, color=STATUS_COLOURS[status],
                           label=status, alpha=0.8, zorder=3)
        if len(front) > 1:
            ax.plot([p[0] for p in front], [p[1] for p in front], color=style.MUTED, lw=1, ls="--",
                    zorder=2, label="trade-off frontier")
        on_front = set(front)
        number = {id(r): k + 1 for k, r in enumerate(rows)}
        names: dict[tuple[float, float], list[int]] = {}
        for x, y, r in zip(xs, ys, planned):
            names.setdefault((x, y), []).append(number[id(r)])
        for (x, y), at in names.items():
            if len(names) <= MAX_LABELLED_POINTS or (x, y) in on_front:
                label = f"#{at[0]}" + (f" +{len(at) - 1}" if len(at) > 1 else "")
                ax.annotate(label, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=7,
                            color=style.INK)
        ax.set_xlabel("months between contract ends and go-live, all trusts (lower is better)")
        ax.set_ylabel("trusts with full seven-day cover in their consortium")
        ax.grid(color="#eaeef2")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        fig.legend(loc="outside lower center", ncol=3, frameon=False)
        return _svg(fig), ("Misalignment against seven-day cover: each point is a scenario with a plan, "
                           "labelled with its # in the table below (+n: n more scenarios at the same "
                           "point); the dashed line joins the scenarios that no other beats on both.")


def structure_chart(rows: list[dict]) -> tuple[str, str] | None:
    """Bars: consortia and standalone trusts per scenario, with the peak procurements per period."""
    import matplotlib.pyplot as plt
    shown, note = _shown(rows)
    if not shown:
        return None
    with style.mpl_context():
        fig, ax = plt.subplots(figsize=(9.5, 1.4 + 0.28 * len(shown)), layout="constrained")
        names = [r["scenario"] for r in shown][::-1]
        ys = list(range(len(shown)))
        consortia = [_float(r.get("n_consortia")) or 0 for r in shown][::-1]
        alone = [_float(r.get("n_standalone")) or 0 for r in shown][::-1]
        peak = [_float(r.get("peak_market")) or 0 for r in shown][::-1]
        ax.barh([y + 0.2 for y in ys], consortia, height=0.38, color=style.PALETTE[1], label="consortia")
        ax.barh([y - 0.2 for y in ys], alone, height=0.38, color=style.STANDALONE_COLOUR,
                label="standalone trusts")
        ax.scatter(peak, ys, marker="|", s=160, color=style.PALETTE[0], zorder=3,
                   label="peak procurements in one period")
        ax.set_yticks(ys, names)
        _mark_without_plan(ax, shown)
        _finish_bars(fig, ax, "count", len(shown))
        return _svg(fig), "Consortia, standalone trusts and peak procurements per period" + note + "."


NO_LIMIT = "no limit"


def _numeric(text: str) -> float | None:
    if text in ("", "null", "None", "true", "false", NO_LIMIT):
        return None
    return _float(text)


def setting_words(value: Any) -> str:
    """A swept setting's value as a meeting reads it: null (no limit) in words."""
    return NO_LIMIT if value is None or str(value) in ("null", "None") else str(value)


def sweep_chart(rows: list[dict], swept: list[str]) -> tuple[str, str] | None:
    """Small multiples: the objective against each numeric swept setting."""
    import matplotlib.pyplot as plt
    keys = []
    for key in swept:
        raw = [str(r.get(key, "")) for r in rows]
        values = {_numeric(v) for v in raw}
        numbers = values - {None}
        if len(numbers) > 1 and all(_numeric(v) is not None or setting_words(v) == NO_LIMIT for v in raw):
            keys.append(key)
    keys = keys[:6]
    planned = _with_plan(rows)
    if not keys or not planned:
        return None
    cols = min(2, len(keys))
    lines = math.ceil(len(keys) / cols)
    with style.mpl_context():
        fig, axes = plt.subplots(lines, cols, figsize=(5.6 * cols, 4.0 * lines), squeeze=False,
                                 layout="constrained")
        for ax in axes.flat[len(keys):]:
            ax.set_visible(False)
        for ax, key in zip(axes.flat, keys):
            numbers = sorted({_numeric(str(r.get(key, ""))) for r in rows} - {None})
            step = (numbers[-1] - numbers[0]) / max(len(numbers) - 1, 1)
            unlimited = numbers[-1] + step   # "no limit" drawn one step past the largest value

            def at(r, key=key, unlimited=unlimited):
                v = _numeric(str(r.get(key, "")))
                return unlimited if v is None else v

            xs = [at(r) for r in planned]
            ys = [_value(r, "objective", _scale(planned)) for r in planned]
            ax.scatter(xs, ys, s=30, color=style.PALETTE[1], alpha=0.75, zorder=3,
                       label="scenario with a plan")
            means: dict[float, list[float]] = {}
            for x, y in zip(xs, ys):
                means.setdefault(x, []).append(y)
            order = sorted(means)
            ax.plot(order, [sum(means[x]) / len(means[x]) for x in order], color=style.INK, lw=1.4,
                    zorder=2, label="mean at each value")
            failed: dict[float, int] = {}
            for r in rows:
                if r.get("status") not in Status.HAS_PLAN:
                    failed[at(r)] = failed.get(at(r), 0) + 1
            every = [at(r) for r in rows]
            low, high = min(every), max(every)
            pad = 0.08 * (high - low or 1.0)
            ax.set_xlim(low - pad, high + pad)
            ticks = sorted(set(every))
            ax.set_xticks(ticks, [NO_LIMIT if x == unlimited and any(
                _numeric(str(r.get(key, ""))) is None for r in rows) else _num(x) for x in ticks])
            for x, n in sorted(failed.items()):
                ax.annotate(f"\u00d7 {n} without plan", (x, 0), xycoords=("data", "axes fraction"),
                            xytext=(0, 5), textcoords="offset points", fontsize=8, ha="center",
                            color=STATUS_COLOURS["infeasible"], fontweight="bold")
            ax.set_title(key, fontsize=10)
            ax.set_xlabel(key)
            ax.set_ylabel(objective_axis(planned)[0])
            ax.grid(color="#eaeef2")
            ax.set_axisbelow(True)
            ax.spines[["top", "right"]].set_visible(False)
        axes.flat[0].legend(fontsize=8, frameon=False)
        return _svg(fig), ("The objective against each numeric swept setting: dots are scenarios with a "
                           "plan, the line joins their mean at each value; \u00d7 counts the scenarios "
                           "without a plan at that value (infeasible or failed).")


def _headline(rows: list[dict], seconds: float) -> list[tuple[str, str, bool]]:
    count = {s: sum(1 for r in rows if r.get("status") == s) for s in STATUS_COLOURS}
    planned = _with_plan(rows)
    best = min(planned, key=lambda r: _float(r["objective"])) if planned else None
    kpis = [(str(len(rows)), "scenarios", False),
            (str(count[Status.OPTIMAL] + count[Status.FEASIBLE]), "with a plan "
             f"({count['optimal']} proven optimal)", False),
            (str(count[Status.INFEASIBLE]), "infeasible (no plan exists)", False),
            (str(count[Status.NO_SOLUTION]), "no plan within the time limit", count[Status.NO_SOLUTION] > 0),
            (str(count["error"]), "failed with an error", count["error"] > 0)]
    if count["not_run"]:
        kpis.append((str(count["not_run"]), "not run (interrupted)", True))
    if best is not None and objective_unit(planned) == "GBP":
        kpis.append((short_pounds(_float(best["objective"])), f"least cost: {best['scenario']}", False))
    elif best is not None and objective_unit(planned) == "weighted units":
        kpis.append((_num(best["objective"]), f"best objective: {best['scenario']}", False))
    kpis.append((f"{seconds:,.0f} s", "batch wall time this run", False))
    return kpis


def _link(run, name: str) -> str:
    folder = run.output / name
    for file in ("report.html", "plan.yaml", "batch-result.yaml"):
        if (folder / file).is_file():
            return f"<a href='{quote(name)}/{file}'>{_breakable(name)}</a>"
    return html.escape(name)


def _breakable(text: str) -> str:
    """Escaped text that may wrap after dots and underscores (long dotted keys and names)."""
    return re.sub(r"(\.|_+)", r"\1<wbr>", html.escape(text))


def _table(run, rows: list[dict], swept: list[str]) -> str:
    columns = ([("#", "#"), ("scenario", "scenario"), ("status", "status"), ("group", "group")]
               + [(k, k) for k in swept] + [("objective", "objective")]
               + [(f"term_{t}", t) for t in dict.fromkeys(k[5:] for r in rows for k in r if k.startswith("term_"))
                  if t != "moved" or any(r.get("term_moved") not in (None, "") for r in rows)]
               + [("gap", "gap"), ("n_consortia", "consortia"), ("n_standalone", "standalone"),
                  ("trusts_full_cover_pooled", "7-day cover"), ("total_months_misaligned", "months off"),
                  ("peak_market", "peak market"), ("solve_seconds", "solve s"), ("message", "message")])
    head = "".join(f"<th>{_breakable(label)}</th>" for _, label in columns)
    body = []
    for number, r in enumerate(rows, 1):
        cells = []
        for key, _ in columns:
            value = r.get(key)
            if key == "#":
                cells.append(f"<td>{number}</td>")
            elif key == "scenario":
                cells.append(f"<td class='t name'>{_link(run, r['scenario'])}</td>")
            elif key == "status":
                colour = STATUS_COLOURS.get(str(value), "#6e7781")
                cells.append(f"<td class='t'><span class='pill' style='background:{colour}'>"
                             f"{html.escape(str(value))}</span></td>")
            elif key == "message":
                cells.append(f"<td class='msg'>{html.escape(str(value or ''))}</td>")
            elif key == "gap":
                gap = _float(value)
                cells.append(f"<td>{'' if gap is None else f'{100 * gap:.2f}%'}</td>")
            elif key in swept:
                cells.append(f"<td class='t'>{html.escape(setting_words(value))}</td>")
            elif key == "group":
                cells.append(f"<td class='t'>{html.escape(str(value if value is not None else ''))}</td>")
            elif key == "objective" or key.startswith("term_"):
                cells.append(f"<td>{html.escape(objective_text(value, r.get('objective_unit')))}</td>")
            else:
                cells.append(f"<td>{html.escape(_num(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='scroll'><table class='summary'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")


def render_summary_html(run, rows: list[dict]) -> str:
    """The text of summary.html for a batch run and its summary rows."""
    batch = run.batch
    swept = list(batch.swept_keys)
    charts = [terms_chart(rows), tradeoff_chart(rows), structure_chart(rows), sweep_chart(rows, swept)]
    figures = "".join(f"<figure><img alt='{html.escape(caption)}' src='{src}'>"
                      f"<figcaption>{html.escape(caption)}</figcaption></figure>"
                      for src, caption in (c for c in charts if c is not None))
    kpis = "".join(f"<div class='kpi{' warn' if warn else ''}'><div class='v'>{html.escape(v)}</div>"
                   f"<div class='l'>{html.escape(label)}</div></div>"
                   for v, label, warn in _headline(rows, run.seconds))
    synthetic = (f"<div class='synthetic'>{html.escape(style.SYNTHETIC_NOTE)}</div>"
                 if batch.base.synthetic else "")
    where = (f"{run.workers} local worker process(es)" if run.executor == "local"
             else "a Dask distributed cluster")
    interrupted = ("<p class='synthetic'>This batch was interrupted: scenarios marked not_run have no "
                   "result yet. Run the same command again to resume.</p>" if run.interrupted else "")
    css = style.page_css(CSS)
    title = f"Batch {batch.name}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{html.escape(title)}</title><style>{css}</style></head>
<body><main>
<header><h1>{html.escape(title)}</h1>
<div class="sub">{html.escape(batch.description)}</div>
<div class="sub">Base scenario {html.escape(batch.base.name)} ({html.escape(str(batch.base.source or ''))});
batch file {html.escape(str(batch.file))}; run on {html.escape(where)}.</div>
{synthetic}{interrupted}</header>
<section class="headline">{kpis}</section>
<section><h2>Comparison</h2>{figures or "<p class='sub'>No scenario has a plan yet.</p>"}</section>
<section><h2>Every scenario ({len(rows)})</h2>
<p class="sub">Each name opens the scenario's folder: report.html when maps were drawn, else plan.yaml,
else the batch-result.yaml record. summary.csv beside this page holds every column.</p>
{_table(run, rows, swept)}</section>
<footer>{synthetic}<div>{html.escape(batch.base.attribution)}</div></footer>
</main></body></html>
"""
