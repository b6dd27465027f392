"""slides.pptx: read back with python-pptx (slides, titles, pictures, banner, attribution) and,
where LibreOffice is installed, rendered to PNG pages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest_figures import REGIONS_GEOJSON, TRUSTS_CSV, make_fake_plan  # noqa: E402

from consortia.figures import (
    render_plan_figures,  # noqa: E402
    style,  # noqa: E402
)
from consortia.figures.plandata import load_plan  # noqa: E402
from consortia.figures.slides import PER_CONSORTIUM_UP_TO  # noqa: E402

pptx = pytest.importorskip("pptx")
if not (TRUSTS_CSV.is_file() and REGIONS_GEOJSON.is_file()):
    pytest.skip(f"shared England data not found at {TRUSTS_CSV.parent}", allow_module_level=True)


def shapes_text(slide) -> str:
    out = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            out.append(sh.text_frame.text)
        if getattr(sh, "has_table", False) and sh.has_table:
            out.extend(c.text for row in sh.table.rows for c in row.cells)
    return "\n".join(out)


def title_of(slide) -> str:
    return next(sh.text_frame.text for sh in slide.shapes if sh.name == "title")


@pytest.fixture(scope="module")
def england(tmp_path_factory):
    folder = make_fake_plan(tmp_path_factory.mktemp("england") / "plan")
    render_plan_figures(folder)
    return folder


def test_deck_has_headline_pictures_and_one_slide_per_region(england):
    data = load_plan(england)
    deck = pptx.Presentation(str(england / "slides.pptx"))
    slides = list(deck.slides)
    assert len(data.consortia) > PER_CONSORTIUM_UP_TO
    regions = sorted(set(data.trusts["region"]))
    titles = [title_of(s) for s in slides]
    assert titles[0].startswith("PACS/RIS purchasing consortia")
    assert titles[1:4] == ["The consortia on the map", "Procurement timeline",
                           "Seven-day reporting cover, alone and pooled"]
    pictures = [[sh.name for sh in s.shapes if sh.shape_type == 13] for s in slides[1:4]]
    assert pictures == [["map.png"], ["timeline.png"], ["cover.png"]]
    region_titles = [t.split(" (")[0] for t in titles[4:]]
    assert sorted(set(region_titles)) == regions
    listed = " ".join(shapes_text(s) for s in slides[4:])
    for cid in data.consortia["consortium"]:
        assert cid in listed, cid
    assert "proven optimal" in shapes_text(slides[0]).lower()
    # a weighted plan (no costs section): nothing in pounds, no money headline
    assert "£" not in shapes_text(slides[0]) and "money" not in [sh.name for sh in slides[0].shapes]
    for s in slides:
        text = shapes_text(s)
        assert style.SYNTHETIC_NOTE in text
        assert "Crown copyright" in text


def test_small_plan_gets_one_slide_per_consortium_and_no_banner_for_real_data(tmp_path):
    folder = make_fake_plan(tmp_path / "plan", n_trusts=9, synthetic=False)
    plan = yaml.safe_load((folder / "plan.yaml").read_text())
    plan["attribution"] = "Data: Example Health Board."
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    render_plan_figures(folder)
    data = load_plan(folder)
    assert len(data.consortia) <= PER_CONSORTIUM_UP_TO
    slides = list(pptx.Presentation(str(folder / "slides.pptx")).slides)
    assert len(slides) == 4 + len(data.consortia)
    for s, (_, c) in zip(slides[4:], data.consortia.iterrows()):
        assert c["consortium"] in title_of(s)
        text = shapes_text(s)
        for code in data.members(c["consortium"])["trust"]:
            assert code in text
    for s in slides:
        assert "Synthetic data" not in shapes_text(s)
        assert "Example Health Board" in shapes_text(s)


def test_libreoffice_renders_every_slide(england, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice or pdftoppm not installed (apt-get install libreoffice-impress poppler-utils)")
    run = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                          str(england / "slides.pptx")], capture_output=True, text=True, timeout=300,
                         env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    pdf = tmp_path / "slides.pdf"
    assert pdf.is_file(), run.stderr
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "slide")], check=True,
                   timeout=300)
    pages = sorted(tmp_path.glob("slide-*.png"))
    assert len(pages) == len(pptx.Presentation(str(england / "slides.pptx")).slides)
