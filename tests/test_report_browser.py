"""The HTML report looked at in a real headless Chromium, 1400 px wide, on the demo campaign
(four outlets, one nobody coded; two coders; a lead who adjudicated): the full-page screenshot is
kept as a test artifact (tests/artifacts/report-1400.png, or $ANNOTATOR_TEST_ARTIFACTS) for a
person to look at, and the browser's own layout is asked whether anything is cut off: every text
of every chart inside its drawing, every label in the legends, no chart needing a scrollbar.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from tests.report_demo_fixture import FRAMES, NOT_CODED, build

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("ANNOTATOR_TEST_ARTIFACTS")
                 or Path(__file__).parent / "artifacts")
WIDTH = 1400

pytestmark = pytest.mark.skipif(
    not (find_spec("selenium") and CHROMIUM and CHROMEDRIVER),
    reason="needs selenium (test extra) and Debian's chromium + chromium-driver",
)

CLIPPED = """
const out = [];
for (const svg of document.querySelectorAll('svg')) {
  const box = svg.getBoundingClientRect();
  for (const t of svg.querySelectorAll('text')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 ||
        r.bottom > box.bottom + 1) {
      out.push(svg.getAttribute('aria-label') + ': ' + t.textContent);
    }
  }
}
for (const c of document.querySelectorAll('.chart')) {
  if (c.scrollWidth > c.clientWidth + 1) out.push('scrollbar: ' + c.innerHTML.slice(0, 80));
}
return out;
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("browser")
    demo = build(folder / "demo.db")
    demo.store.close()
    html = folder / "report.html"
    r = CliRunner().invoke(cli, ["report", "--db", str(folder / "demo.db"), "--html", str(html)])
    assert r.exit_code == 0, r.output
    yield html


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--hide-scrollbars", f"--window-size={WIDTH},1000",
                "--host-resolver-rules=MAP * ~NOTFOUND"):  # offline: the page fetches nothing
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER or ""), options=options)
    yield d
    d.quit()


def test_report_page_in_chromium_at_1400px(page: Path, driver: Any) -> None:
    driver.get(page.as_uri())
    # a full-page screenshot: the window as tall as the page, 1400 px of CSS width
    inner = driver.execute_script("return [window.innerWidth, document.body.scrollHeight]")
    outer = driver.get_window_size()
    driver.set_window_size(WIDTH + outer["width"] - inner[0], min(inner[1] + 200, 16_000))
    assert driver.execute_script("return window.innerWidth") == WIDTH
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-1400.png"
    assert driver.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == WIDTH  # the PNG header's width

    # nothing cut off: every text inside its chart, no chart wider than the page
    assert driver.execute_script(CLIPPED) == []
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH

    # every label of the 14-label document set in its legend
    legend = driver.execute_script(
        "return [...document.querySelectorAll('svg.doc-labels')].map("
        "s => [...s.querySelectorAll('text.legend')].map(t => t.textContent))"
    )
    assert FRAMES in legend

    text = driver.execute_script("return document.body.innerText")
    assert text.startswith("Framing report")
    assert "Counts (default, see --gold): adjudicated gold" in text
    # the outlet nobody coded, named as such, not drawn at zero
    assert f"Not coded (no answered sentence, so no rate): {NOT_CODED}." in text
    assert "Name_Calling-Labeling: outlets differ" in text
    # each coded outlet's rate with its interval, drawn as a dot and a bar
    dots = driver.execute_script("return document.querySelectorAll('svg.intervals circle.rate')"
                                 ".length")
    bars = driver.execute_script("return document.querySelectorAll('svg.intervals line[stroke-"
                                 "linecap]').length")
    heads = driver.execute_script("return document.querySelectorAll('svg.intervals "
                                  "text.label-head').length")
    assert heads >= 5 and dots == 3 * heads and bars > 10  # labels nobody uses are listed
    assert "used in no coded document: " in text
