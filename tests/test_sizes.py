"""The app at every size it is made for, from a 360 px phone to a 2560 px screen, in Chromium.

At each size of ``scripts/size_gallery.py`` (phones with touch, a blog column inside an
iframe, a tablet, laptops, a large screen), with both datasets: the page does not scroll, the
joint and both sliders are in view, the joint is at least 240 px each way (from 640 px tall)
and each slider has at least 120 px of travel. On a phone, a tab opens its panel as a sheet
and Escape closes it, giving the focus back to the tab.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import size_gallery  # (a script, not a module of the package)

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_MS = 120_000
MIN_JOINT = 240
MIN_TRAVEL = 120


def _datasets(site_dir: Path) -> list[str]:
    import json

    catalog = json.loads((site_dir / "datasets" / "index.json").read_text())
    return [entry["key"] for entry in catalog["datasets"]]


def _open(browser, base_url: str, size, query: str = "?dataset=digits"):
    page, frame = size_gallery.open_app(browser, base_url + "index.html" + query, size)
    frame.wait_for_function(size_gallery.READY, timeout=LOAD_TIMEOUT_MS, polling=200)
    assert frame.evaluate("window.pyvizzyLoad.error") is None
    return page, frame


@pytest.mark.parametrize("size", size_gallery.SIZES, ids=lambda size: size.name)
def test_the_core_loop_is_in_view_at_every_size(browser, base_url, site_dir, size):
    for dataset in _datasets(site_dir):
        page, frame = _open(browser, base_url, size, f"?dataset={dataset}")
        try:
            metrics = frame.evaluate(size_gallery.METRICS)
        finally:
            page.context.close()
        where = f"{dataset} at {size.name}: {metrics}"
        assert not metrics["scrolls"], where
        for hook in ("joint", "classSlider", "oodSlider"):
            assert metrics[hook] and metrics[hook]["inView"], f"{hook} out of view: {where}"
        if size.height >= 640:
            assert min(metrics["joint"]["w"], metrics["joint"]["h"]) >= MIN_JOINT, where
        for slider in ("classSlider", "oodSlider"):
            assert metrics[slider]["w"] - 24 >= MIN_TRAVEL, where


def test_on_a_phone_a_tab_opens_its_panel_as_a_sheet_and_escape_closes_it(browser, base_url):
    phone = next(size for size in size_gallery.SIZES if size.name == "390x844")
    page, frame = _open(browser, base_url, phone)
    try:
        results = frame.locator('[data-pv="results"]')
        assert not results.is_visible()
        tab = frame.get_by_role("tab", name="Results")
        tab.tap()
        results.wait_for(state="visible")
        box = results.bounding_box()
        assert box["width"] > 300 and box["height"] > 400  # it covers the joint
        assert frame.evaluate("document.activeElement !== null")
        page.keyboard.press("Escape")
        results.wait_for(state="hidden")
        assert frame.locator('[data-pv="joint"]').is_visible()
        focused = frame.evaluate(
            "() => { let el = document.activeElement;"
            " while (el && el.shadowRoot && el.shadowRoot.activeElement) {"
            " el = el.shadowRoot.activeElement } return el && el.dataset.pvTab }"
        )
        assert focused == "results"
    finally:
        page.context.close()
