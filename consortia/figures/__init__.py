"""Pictures of a plan for stakeholder meetings: map.png/.svg, map.html, timeline.png, cover.png,
report.html and slides.pptx, all readable offline.

``render_plan_figures(plan_dir)`` reads only ``assignments.csv``, ``consortia.csv``,
``plan.yaml`` and the rota files when present inside ``plan_dir``, plus a regions GeoJSON (the
``regions`` argument, else
``settings.inputs.regions`` of plan.yaml when that file exists, else no basemap), so it can
re-render an existing plan folder (``consortia map PLAN_DIR``) or a temporary one before it is
moved into place. Output is deterministic: the same plan gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

FIGURE_FILES = ("map.png", "map.svg", "map.html", "timeline.png", "cover.png", "report.html",
                "slides.pptx")


def render_plan_figures(plan_dir: Path, *, regions: Path | None = None) -> list[Path]:
    """Write every figure of the plan in ``plan_dir`` into that folder; return their paths.

    The figures are drawn in a temporary folder inside ``plan_dir`` and moved in together (a
    stop request waits for the move), so the folder holds all old or all new figures; they are
    added to its manifest (:mod:`consortia.folders`)."""
    import os
    import shutil

    from .. import folders, stopping
    from .charts import render_cover, render_timeline
    from .map_html import render_html_map
    from .map_static import render_static_map
    from .plandata import load_plan
    from .report import render_report
    from .slides import render_slides

    plan_dir = Path(plan_dir)
    data = load_plan(plan_dir, regions=regions)
    temp = folders.make_temporary(plan_dir / "figures", "tmp")
    try:
        drawn: list[Path] = []
        drawn += render_static_map(data, temp)
        drawn.append(render_html_map(data, temp))
        drawn.append(render_timeline(data, temp))
        drawn.append(render_cover(data, temp))
        drawn.append(render_report(data, temp))
        drawn.append(render_slides(data, temp))
        written = [plan_dir / p.name for p in drawn]
        with stopping.held():
            for source, target in zip(drawn, written):
                os.replace(source, target)
            folders.record(plan_dir, written)
        return written
    finally:
        shutil.rmtree(temp, ignore_errors=True)


__all__ = ["FIGURE_FILES", "render_plan_figures"]
