"""The app at every size it is made for, from a 360 px phone to a 2560 px screen, in Chromium.

At each size of ``scripts/size_gallery.py`` (phones with touch, a blog column inside an iframe,
a tablet, laptops, a large screen), with both datasets: the page does not scroll, the joint and
both sliders are in view, the joint is at least 240 px each way (from 640 px tall) and each
slider has at least 120 px of travel, no visible text is under 12 px, no control under 24 px
and no control's name cut. Zoomed in (a 1280 px screen at 200 % and 400 %), the page scrolls
only vertically and its controls keep their names whole. On a phone, a tab opens its panel as a
sheet and Escape closes it, giving the focus back to the tab. A set of 8 classes (generated,
added to the site's own) keeps every cell's count whole, in view and 12 px or more, on a phone
too, where a tap on a cell lists its images. A panel that scrolls shades an edge with more
beyond it, and only there.
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
MIN_FONT = 12


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
        assert metrics["smallestFont"] >= MIN_FONT, where
        assert metrics["smallTargets"] == 0, where
        assert metrics["cutControls"] == [], where


#: A 1280x720 screen at 200 % zoom, a 1280x1024 one at 400 % (WCAG 1.4.10: 320 CSS px).
ZOOMED = (size_gallery.Size(640, 360), size_gallery.Size(320, 256, touch=True))


@pytest.mark.parametrize("size", ZOOMED, ids=lambda size: size.name)
def test_zoomed_in_the_page_scrolls_only_vertically_and_keeps_names_whole(browser, base_url,
                                                                          size):
    page, frame = _open(browser, base_url, size)
    try:
        metrics = frame.evaluate(size_gallery.METRICS)
        frame.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
        page.wait_for_timeout(100)
        bottom = frame.evaluate(size_gallery.METRICS)
    finally:
        page.context.close()
    where = f"{size.name}: {metrics}"
    assert not metrics["scrollsSideways"], where
    assert metrics["cutControls"] == [] and bottom["cutControls"] == [], where
    assert metrics["smallestFont"] >= MIN_FONT, where
    # Scrolled down, the sliders are in view.
    assert bottom["classSlider"]["inView"] and bottom["oodSlider"]["inView"], bottom


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


@pytest.fixture(scope="module")
def many_classes_url(site_dir, tmp_path_factory):
    """The site with generated sets of 8 and 20 classes (keys ``classes-8``, ``classes-20``)
    added, served."""
    from pyvizzy.app.synthetic import write_synthetic_catalog
    from pyvizzy.site.serve import serve_in_thread

    scratch = tmp_path_factory.mktemp("eight-classes")
    keys = {"classes-8": 8, "classes-20": 20}
    catalog = write_synthetic_catalog(scratch / "catalog", keys=tuple(keys), n_classes=keys)
    server, url = serve_in_thread(size_gallery.site_with_datasets(site_dir, catalog,
                                                                  scratch / "site"))
    yield url
    server.shutdown()
    server.server_close()


#: The first element under ``node`` matching ``selector``, in shadow roots too.
_FIND_JS = """  const find = (node, selector) => {
    const hit = node.querySelector(selector)
    if (hit) { return hit }
    for (const el of node.querySelectorAll('*')) {
      const found = el.shadowRoot && find(el.shadowRoot, selector)
      if (found) { return found }
    }
    return null
  }
"""
_COUNTS_JS = "() => {\n" + _FIND_JS + """  const joint = find(document, '.pv-joint')
  const within = (a, b) => a.width > 0 && a.left >= b.left - 0.5 && a.right <= b.right + 0.5 &&
    a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight}
  const cells = [...joint.querySelectorAll('.pv-cell')].map((cell) => {
    const count = cell.querySelector('.cnt')
    const box = count.getBoundingClientRect()
    const tiles = [...cell.querySelectorAll('[data-pv-tile]')].map((t) => t.getBoundingClientRect())
    return {
      n: Number(count.textContent), title: cell.title,
      font: parseFloat(getComputedStyle(count).fontSize),
      whole: within(box, cell.getBoundingClientRect()), inView: within(box, screen),
      covered: tiles.some((t) => t.width && t.left < box.right && t.right > box.left &&
                                 t.top < box.bottom && t.bottom > box.top),
    }
  })
  return {dense: joint.classList.contains('dense'), cells,
          counted: Number(find(document, '.pv-jn').textContent)}
}"""


@pytest.mark.parametrize("size_name", ["360x640", "844x390", "700x650-iframe", "1440x900"])
def test_eight_classes_keep_every_count_readable(browser, many_classes_url, size_name):
    size = next(size for size in size_gallery.SIZES if size.name == size_name)
    page, frame = _open(browser, many_classes_url, size, "?dataset=classes-8")
    try:
        metrics = frame.evaluate(size_gallery.METRICS)
        joint = frame.evaluate(_COUNTS_JS)
    finally:
        page.context.close()
    assert not metrics["scrolls"], metrics
    for hook in ("joint", "classSlider", "oodSlider"):
        assert metrics[hook]["inView"], metrics
    cells = joint["cells"]
    assert len(cells) == 64
    assert sum(cell["n"] for cell in cells) == joint["counted"] > 0
    for cell in cells:
        assert cell["title"].endswith(f": {cell['n']}"), cell
        assert cell["whole"] and cell["inView"] and not cell["covered"], (size_name, cell)
        assert cell["font"] >= 12, cell
    # Counts alone where the cells are too small for images (a phone, the blog column).
    assert joint["dense"] == (size_name != "1440x900")


def test_on_a_phone_a_tap_on_a_cell_of_eight_classes_lists_its_images(browser,
                                                                       many_classes_url):
    phone = next(size for size in size_gallery.SIZES if size.name == "360x640")
    page, frame = _open(browser, many_classes_url, phone, "?dataset=classes-8")
    try:
        cell = frame.locator(".pv-cell.diag").first
        count = int(cell.locator(".cnt").text_content())
        assert count > 0
        box = cell.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
        cell.tap()
        listing = frame.locator(".pv-cell-list")
        listing.wait_for(state="visible")
        assert listing.get_attribute("aria-label").startswith("given circle, suggested circle")
        assert listing.locator(".pv-cell-list-body [data-pv-tile]").count() == count
        page.keyboard.press("Escape")
        listing.wait_for(state="detached")
    finally:
        page.context.close()


_HEAT_JS = "() => {\n" + _FIND_JS + """  const joint = find(document, '.pv-joint')
  const cells = [...joint.querySelectorAll('.pv-cell')].map((cell) => {
    const count = cell.querySelector('.cnt')
    const more = cell.querySelector('.pv-more')
    return {n: Number(count.textContent), shown: getComputedStyle(count).visibility,
            name: more.hidden ? null : more.getAttribute('aria-label'),
            colour: getComputedStyle(cell).backgroundColor}
  })
  return {heat: joint.classList.contains('heat'), cells}
}"""


@pytest.mark.parametrize("size_name", ["390x844", "700x650-iframe"])
def test_twenty_classes_in_a_small_frame_make_the_joint_a_heat_map(browser, many_classes_url,
                                                                   size_name):
    size = next(size for size in size_gallery.SIZES if size.name == size_name)
    page, frame = _open(browser, many_classes_url, size, "?dataset=classes-20")
    try:
        metrics = frame.evaluate(size_gallery.METRICS)
        joint = frame.evaluate(_HEAT_JS)
        cells = joint["cells"]
        assert not metrics["scrolls"] and metrics["joint"]["inView"], metrics
        assert joint["heat"] and len(cells) == 400
        # No count is drawn cut: each is in its cell's colour (none for an empty cell) and
        # in its name, and a tap lists the cell's images.
        assert {cell["shown"] for cell in cells} == {"hidden"}
        empty = {cell["colour"] for cell in cells if cell["n"] == 0}
        assert len(empty) == 1 and not empty & {cell["colour"] for cell in cells if cell["n"]}
        for cell in cells:
            assert cell["n"] == 0 or cell["name"].endswith(f": {cell['n']}, list them"), cell
        row = next(k for k, cell in enumerate(cells) if cell["n"] and k % 21)  # off-diagonal
        frame.locator(".pv-cell").nth(row).click()
        listing = frame.locator(".pv-cell-list")
        listing.wait_for(state="visible")
        tiles = listing.locator(".pv-cell-list-body [data-pv-tile]").count()
        assert tiles == cells[row]["n"]
    finally:
        page.context.close()


_SCROLLER_JS = """(action) => {
  const all = (node, found = []) => {
    for (const el of node.querySelectorAll('*')) {
      found.push(el)
      if (el.shadowRoot) { all(el.shadowRoot, found) }
    }
    return found
  }
  const boxes = all(document).filter((el) => el.classList.contains('pv-scrolls') &&
                                             el.clientHeight)
  if (action === 'count') {
    return boxes.map((el) => el.scrollHeight > el.clientHeight + 1)
  }
  // The probabilities' list (it overflows), its content hidden: only what the box paints.
  const box = boxes.find((el) => el.scrollHeight > 2 * el.clientHeight &&
                                 el.shadowRoot.querySelector('.pv-prow'))
  if (action === 'at-end') {
    return box.scrollTop + box.clientHeight >= box.scrollHeight - 1
  }
  if (action === 'hide') {
    const style = document.createElement('style')
    style.textContent = '* { visibility: hidden !important }'
    box.shadowRoot.appendChild(style)
  } else {
    box.scrollTop = action * (box.scrollHeight - box.clientHeight)
  }
  const rect = box.getBoundingClientRect()
  return {x: rect.left, y: rect.top, width: rect.width, height: rect.height}
}"""


def _bands(page, box) -> tuple[float, float]:
    """The mean brightness of the top and the bottom 10 px of ``box`` on screen."""
    import io

    from PIL import Image, ImageStat

    def mean(y):
        clip = {"x": box["x"] + 4, "y": y, "width": box["width"] - 8, "height": 10}
        image = Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("L")
        return ImageStat.Stat(image).mean[0]

    return mean(box["y"]), mean(box["y"] + box["height"] - 10)


def test_a_panel_that_scrolls_shades_an_edge_with_more_beyond_it(browser, base_url):
    desktop = next(size for size in size_gallery.SIZES if size.name == "1440x900")
    page, frame = _open(browser, base_url, desktop)
    try:
        overflows = frame.evaluate(_SCROLLER_JS, "count")
        box = frame.evaluate(_SCROLLER_JS, "hide")
        at_top = _bands(page, box)
        frame.evaluate(_SCROLLER_JS, 0.5)
        midway = _bands(page, box)
        for _ in range(10):  # (a long list's lazily drawn groups take their height as they show)
            frame.evaluate(_SCROLLER_JS, 1)
            page.wait_for_timeout(100)
            if frame.evaluate(_SCROLLER_JS, "at-end"):
                break
        at_end = _bands(page, box)
    finally:
        page.context.close()
    # The dataset, the probabilities and the results overflow; Why and the scoreboard do not.
    assert sum(overflows) >= 3 and not all(overflows), overflows
    panel = max(*at_top, *midway, *at_end)  # (white: the panel's own colour)
    shaded = panel - 3  # a shade darkens the band by more than that
    top, bottom = 0, 1
    assert at_top[top] > shaded and at_top[bottom] < shaded, at_top
    assert midway[top] < shaded and midway[bottom] < shaded, midway
    assert at_end[top] < shaded and at_end[bottom] > shaded, at_end


_PRIMARY_JS = """() => {
  const all = (node, found = []) => {
    for (const el of node.querySelectorAll('*')) {
      found.push(el)
      if (el.shadowRoot) { all(el.shadowRoot, found) }
    }
    return found
  }
  const selectors = ['[data-pv="dataset"]', '[data-pv="guide"]', '[data-pv="theme"]',
                     '[data-pv="class-slider"] input', '[data-pv="ood-slider"] input', '.pv-tab',
                     '[data-pv="relabel"]', '[data-pv="train"]']
  const shown = []
  for (const el of all(document)) {
    const selector = selectors.find((s) => el.matches(s))
    const box = selector && el.getBoundingClientRect()
    if (box && box.width && box.height) {
      shown.push({selector, text: el.textContent.trim().slice(0, 20),
                  w: Math.round(box.width), h: Math.round(box.height)})
    }
  }
  return shown
}"""


@pytest.mark.parametrize("size_name", ["390x844", "1024x768"])
def test_on_touch_screens_the_primary_controls_are_44_px(browser, base_url, site_dir,
                                                         size_name):
    size = next(size for size in size_gallery.SIZES if size.name == size_name)
    page, frame = _open(browser, base_url, size)
    try:
        frame.get_by_role("tab", name="Data").tap()  # (where Train and Relabel are)
        frame.locator('[data-pv="train"]').wait_for(state="visible")
        shown = frame.evaluate(_PRIMARY_JS)
    finally:
        page.context.close()
    found = {control["selector"] for control in shown}
    # Every kind of primary control is on screen (the dataset switcher where there is a choice).
    assert len(found) == (8 if len(_datasets(site_dir)) > 1 else 7), shown
    for control in shown:
        assert control["h"] >= 44 and control["w"] >= 44, control


def test_on_a_phone_a_slider_follows_a_finger(browser, base_url):
    phone = next(size for size in size_gallery.SIZES if size.name == "390x844")
    page, frame = _open(browser, base_url, phone, "?dataset=digits&class=20")
    try:
        track = frame.locator('[data-pv="class-slider"] input').bounding_box()
        y = track["y"] + track["height"] / 2
        start = track["x"] + 12 + 0.2 * (track["width"] - 24)  # the handle, at 20
        touch = page.context.new_cdp_session(page)
        touch.send("Input.dispatchTouchEvent",
                   {"type": "touchStart", "touchPoints": [{"x": start, "y": y}]})
        for step in range(1, 11):
            touch.send("Input.dispatchTouchEvent", {
                "type": "touchMove", "touchPoints": [{"x": start + step * 15, "y": y}]})
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        # 150 px of a track about 340 px wide: about 44 percentiles further.
        frame.wait_for_function("window.pyvizzy.state().class_percentile >= 55",
                                timeout=30_000)
        page.wait_for_timeout(500)  # (where the finger left it)
        moved = frame.evaluate("window.pyvizzy.state().class_percentile")
    finally:
        page.context.close()
    assert 55 <= moved <= 75, moved


def test_turning_a_phone_lays_the_page_out_again_without_a_reload(browser, base_url):
    phone = next(size for size in size_gallery.SIZES if size.name == "390x844")
    page, frame = _open(browser, base_url, phone)
    try:
        frame.evaluate("window.pvNotReloaded = true")
        portrait = frame.evaluate(size_gallery.METRICS)
        page.set_viewport_size({"width": 844, "height": 390})
        frame.wait_for_function("() => innerWidth === 844")
        page.wait_for_timeout(300)
        landscape = frame.evaluate(size_gallery.METRICS)
        page.set_viewport_size({"width": 390, "height": 844})
        frame.wait_for_function("() => innerWidth === 390")
        page.wait_for_timeout(300)
        back = frame.evaluate(size_gallery.METRICS)
        assert frame.evaluate("window.pvNotReloaded === true")
    finally:
        page.context.close()
    for metrics in (portrait, landscape, back):
        assert not metrics["scrolls"], metrics
        for hook in ("joint", "classSlider", "oodSlider"):
            assert metrics[hook]["inView"], metrics
    # Portrait: the sliders below the joint; landscape: beside it.
    assert portrait["oodSlider"]["y"] >= portrait["joint"]["y"] + portrait["joint"]["h"]
    assert landscape["oodSlider"]["x"] >= landscape["joint"]["x"] + landscape["joint"]["w"]
    assert [back[hook] for hook in ("joint", "classSlider", "oodSlider")] == [
        portrait[hook] for hook in ("joint", "classSlider", "oodSlider")]
