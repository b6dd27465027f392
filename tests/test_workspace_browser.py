"""The planning workspace in real headless Chromium, with no network beyond the local server.

One walk through a meeting on the demo: move a trust so that a rule breaks and read the
message, move it back, lock a consortium and solve around it, ask how far the proposal is from
the best plan, save the proposal and open it again, and check that `consortia check` says of the
saved file exactly what the page said. Screenshots go to $CONSORTIA_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import browser  # noqa: E402
from workspace_server import running_server  # noqa: E402

import consortia  # noqa: E402
from consortia.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "inputs" / "demo" / "scenario.yaml"

pytestmark = pytest.mark.skipif(browser.chromium_path() is None,
                                reason="Chromium not installed (/usr/bin/chromium); CI installs it")

READY = "document.body && document.body.dataset.ready === '1' && document.body.dataset.busy !== '1'"


def shot(page: browser.Session, name: str) -> None:
    png = page.screenshot()
    assert not browser.is_blank(png)
    folder = os.environ.get("CONSORTIA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(png)


def verdict(page) -> str:
    return page.eval("document.getElementById('verdict-text').textContent")


def broken_rules(page) -> list[str]:
    """Every broken rule the page lists (general ones and those under a consortium)."""
    return sorted(page.eval("Array.from(document.querySelectorAll('#verdict li, #consortia .broken li'))"
                            ".map(function(li){ return li.textContent; })"))


def rendered_after(page, before: int, timeout: float = 20.0) -> None:
    page.wait(f"+document.body.dataset.render > {before} && document.body.dataset.busy !== '1'", timeout)


def renders(page) -> int:
    return int(page.eval("+document.body.dataset.render"))


def cli_check(scenario: Path, proposal: Path) -> tuple[int, list[str]]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):   # the console prints to whatever stdout is now
        code = main(["check", str(scenario), str(proposal)])
    verdict = buffer.getvalue().split("\nweekend rota of ")[0]  # the rota's diagnosis follows the verdict
    return code, sorted(line[4:] for line in verdict.splitlines() if line.startswith("  - "))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace")
    plan = consortia.solve(consortia.load_scenario(DEMO))
    plan_dir = consortia.write_plan(plan, folder / "plan", figures=False)
    with running_server(DEMO, plan_dir, "--save-dir", folder / "saves", cwd=folder) as (proc, url):
        yield proc, url, folder / "saves"


def test_a_meeting_in_the_browser(served):
    proc, url, saves = served
    base = url.split("/?token=")[0]
    with browser.Session(1500, 950) as page:
        page.goto(url)
        page.wait(READY, 30)
        assert "Every rule kept" in verdict(page)
        shot(page, "workspace-demo")

        # select DMA on the map and move it into C03: a link rule breaks, next to C03
        n = renders(page)
        page.click('#trusts .trust[data-code="DMA"]')
        rendered_after(page, n)
        assert "DMA" in page.eval("document.getElementById('trustbox').textContent")
        n = renders(page)
        page.choose("#move-target", "C03")
        page.click("#move")
        rendered_after(page, n)
        assert "broken rule" in verdict(page)
        c03 = page.eval("document.querySelector('.crow[data-c=\"C03\"]').textContent")
        assert "DMA and DMK in consortium C03 are not linked" in c03
        shot(page, "workspace-demo-broken")

        # move it back: every rule kept again; undo and redo go through the same states
        n = renders(page)
        page.choose("#move-target", "C01")
        page.click("#move")
        rendered_after(page, n)
        assert "Every rule kept" in verdict(page)
        n = renders(page)
        page.click("#undo")
        rendered_after(page, n)
        assert "broken rule" in verdict(page)
        n = renders(page)
        page.click("#redo")
        rendered_after(page, n)
        assert "Every rule kept" in verdict(page)

        # lock C02, send DMJ off alone, and solve around the lock
        n = renders(page)
        page.click('.crow[data-c="C02"] .lock-c')
        rendered_after(page, n)
        assert page.eval("document.querySelector('.crow[data-c=\"C02\"] .lock-c').getAttribute('aria-pressed')") \
            == "true"
        assert "fixed:" in page.eval("document.getElementById('locks-yaml').textContent")
        c02 = sorted(page.eval("Array.from(document.querySelectorAll('.crow[data-c=\"C02\"] .code'))"
                               ".map(function(e){ return e.dataset.code; })"))
        n = renders(page)
        page.click('#trusts .trust[data-code="DMJ"]')
        rendered_after(page, n)
        n = renders(page)
        page.choose("#move-target", "new")
        page.click("#move")
        rendered_after(page, n)
        page.type("#time-limit", "30")
        page.click("#solve")
        page.wait("document.querySelector('#tabs button.on') && "
                  "document.querySelector('#tabs button.on').dataset.p === 'solved-plan'", 60)
        page.wait(READY)
        assert "Every rule kept" in verdict(page)
        assert page.eval("document.getElementById('job-state').textContent") == "done"
        assert "moved" in page.eval("document.getElementById('job-message').textContent")
        solved_c02 = page.eval("Array.from(document.querySelectorAll('.crow')).map(function(r){ return "
                               "Array.from(r.querySelectorAll('.code')).map(function(e){ return e.dataset.code; })"
                               ".sort().join(' '); })")
        assert " ".join(c02) in solved_c02
        shot(page, "workspace-demo-solved")

        # how far is the edited proposal from the best plan?
        page.click('#tabs button[data-p="plan"]')
        page.wait("document.querySelector('#tabs button.on').dataset.p === 'plan'")
        page.wait(READY)
        page.click("#howfar")
        page.wait("document.getElementById('distance-text')", 60)
        assert "more than the proven optimum" in page.eval("document.getElementById('distance-text').textContent")

        # break a rule, save the proposal (and its locks as a scenario file), open it again
        n = renders(page)
        page.click('#trusts .trust[data-code="DMA"]')
        rendered_after(page, n)
        n = renders(page)
        page.choose("#move-target", "C03")
        page.click("#move")
        rendered_after(page, n)
        said_ok, said = "Every rule kept" in verdict(page), broken_rules(page)
        assert not said_ok and said
        page.type("#save-name", "meeting")
        page.click("#save-proposal")
        page.wait("document.getElementById('saved-text') && "
                  "document.getElementById('saved-text').textContent.indexOf('meeting.csv') >= 0")
        page.click("#save-scenario")
        page.wait("document.getElementById('saved-text').textContent.indexOf('meeting.yaml') >= 0")
        page.wait("document.querySelector('#filelist .file[data-name=\"meeting.csv\"]')")
        page.click('#filelist .file[data-name="meeting.csv"] .load')
        page.wait("document.querySelector('#tabs button.on').dataset.p === 'meeting'")
        page.wait(READY)
        assert broken_rules(page) == said
        shot(page, "workspace-demo-saved")

        code, cli_broken = cli_check(saves / "meeting.yaml", saves / "meeting.csv")
        assert (code == 0) == said_ok and cli_broken == said

        assert not page.errors()
        assert all(r.startswith(base + "/") for r in page.requests()), page.requests()
    assert proc.poll() is None
