"""Shared look of every figure: palette, fonts, attribution and the synthetic-data note."""

from __future__ import annotations

import math

import matplotlib

__all__ = ["PALETTE", "STANDALONE_COLOUR", "REGION_FILL", "REGION_EDGE", "INK", "MUTED", "SYNTHETIC_BG",
           "COVER_OK", "COVER_SHORT", "SYNTHETIC_NOTE", "ENGLAND_ATTRIBUTION", "FONT", "HTML_FONT", "RC",
           "mpl_context", "PNG_METADATA", "SVG_METADATA", "assign_colours", "text_on", "BASE_CSS", "page_css"]

matplotlib.use("Agg")


# Kelly's colours of maximum contrast (less white, black and grey, which are kept for
# boundaries and standalone trusts). Neighbouring consortia are coloured differently
# (see ``assign_colours``), so 19 colours stay distinguishable for 30+ consortia on a map.
PALETTE = (
    "#be0032",  # vivid red
    "#0067a5",  # strong blue
    "#008856",  # vivid green
    "#f38400",  # vivid orange
    "#875692",  # strong purple
    "#8db600",  # vivid yellow-green
    "#e68fac",  # strong purplish pink
    "#882d17",  # strong reddish brown
    "#2b3d26",  # dark olive green
    "#a1caf1",  # very light blue
    "#f6a600",  # vivid orange yellow
    "#604e97",  # strong violet
    "#b3446c",  # strong purplish red
    "#c2b280",  # greyish yellow
    "#e25822",  # vivid reddish orange
    "#654522",  # deep yellowish brown
    "#dcd300",  # vivid greenish yellow
    "#f99379",  # strong yellowish pink
    "#00a3a3",  # teal
)
STANDALONE_COLOUR = "#6b6b6b"
REGION_FILL = "#f2f0eb"
REGION_EDGE = "#9a968c"
INK = "#1f2328"
MUTED = "#5b6068"
SYNTHETIC_BG = "#b35900"
COVER_OK = "#1a7f37"
COVER_SHORT = "#cf222e"

SYNTHETIC_NOTE = ("Synthetic data: contract dates, rosters and demand are generated, "
                  "not real. Do not use for decisions.")

# SOURCES.md "Licence summary": the combined credit line for the England trusts and regions.
ENGLAND_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(NHS England Organisation Data Service; NHS Choices / NHS website; NHS Digital ERIC). "
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data \u00a9 Crown copyright and database right 2024. One site coordinate from "
    "the RCPCH NHS organisations list, \u00a9 2024 The Royal College of Paediatrics and Child "
    "Health (MIT)."
)

FONT = "DejaVu Sans"
HTML_FONT = 'system-ui, "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif'


RC = {
    "svg.hashsalt": "consortia",  # fixed ids in SVG output: same plan, same bytes
    "svg.fonttype": "none",       # keep text as text (searchable, editable in slides)
    "font.family": FONT,
    "font.size": 9,
    "axes.titleweight": "bold",
    "savefig.dpi": 150,
    "path.simplify": True,
}


def mpl_context():
    """Deterministic, legible matplotlib settings, without touching the caller's rcParams."""
    return matplotlib.rc_context(RC)


PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}


def assign_colours(ids: list[str], centres: dict[str, tuple[float, float]],
                   near_m: float = 60_000.0) -> dict[str, str]:
    """Colour each consortium so that consortia closer than ``near_m`` get different colours.

    ``centres`` are projected (metre) coordinates. Greedy colouring, most-constrained first,
    ties by id, so the result is deterministic. Among the free colours the one furthest
    from the neighbours' colours in RGB space is chosen, so neighbours also contrast.
    """
    ids = sorted(ids)
    near: dict[str, list[str]] = {i: [] for i in ids}
    for a_i, a in enumerate(ids):
        for b in ids[a_i + 1:]:
            (xa, ya), (xb, yb) = centres[a], centres[b]
            if math.hypot(xa - xb, ya - yb) < near_m:
                near[a].append(b)
                near[b].append(a)
    order = sorted(ids, key=lambda i: (-len(near[i]), i))
    rgb = [_rgb(c) for c in PALETTE]
    used = [0] * len(PALETTE)
    out: dict[str, int] = {}
    for i in order:
        taken = {out[n] for n in near[i] if n in out}
        free = [k for k in range(len(PALETTE)) if k not in taken] or list(range(len(PALETTE)))

        def score(k):
            closest = min((_dist(rgb[k], rgb[t]) for t in taken), default=999.0)  # noqa: B023 - used at once
            return (-min(closest, 180.0), used[k], k)

        k = min(free, key=score)
        out[i] = k
        used[k] += 1
    return {i: PALETTE[k] for i, k in out.items()}


def _rgb(hex_: str) -> tuple[int, int, int]:
    h = hex_.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _dist(a, b) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def text_on(hex_: str) -> str:
    """Black or white, whichever reads better on ``hex_``."""
    r, g, b = _rgb(hex_)
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#ffffff"


BASE_CSS = """
*{box-sizing:border-box}
body{font-family:%FONT%;color:#1f2328;margin:0;background:#f6f8fa;line-height:1.4}
main{max-width:1280px;margin:0 auto;padding:18px 22px 40px;background:#fff}
h1{font-size:26px;margin:0 0 2px}
h2{font-size:19px;margin:26px 0 8px;border-bottom:2px solid #eaeef2;padding-bottom:4px}
.sub{color:#5b6068;font-size:13px}
.synthetic{background:%SYNBG%;color:#fff;font-weight:700;padding:8px 12px;border-radius:6px;margin:10px 0;font-size:14px}
"""


def page_css(extra: str) -> str:
    """The CSS shared by the HTML pages (report, batch summary) followed by a page's own rules."""
    return (BASE_CSS + extra).replace("%FONT%", HTML_FONT).replace("%SYNBG%", SYNTHETIC_BG)
