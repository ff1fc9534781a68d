"""The app by keyboard and by screen reader, in Chromium (WCAG 2.2 AA).

- axe-core (the npm package pinned in ``tests/a11y``, installed by ``make test-deps``; never
  part of the site) finds no critical or serious violation at every size of
  ``scripts/size_gallery.py`` in both themes, on the digits set, and on every dataset the
  site has at a phone's and a desktop's size.
- A keyboard alone selects an image in the joint (one tab stop, the arrow keys inside it,
  Enter), hears its name ("digit-0651, given 8, suggested 5"), relabels it and trains.
- On a phone, the Guide shows each panel (its sheet) with its card in view; a cell's "+N"
  opens the cell's whole list from the keyboard, and Escape gives the focus back to it.
- After a slider settles, a polite live region says the counts the page shows.
- In per-class-mean mode the class slider looks off and takes no input, then or later.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import size_gallery  # (a script, not a module of the package)

pytestmark = pytest.mark.browser

A11Y = Path(__file__).with_name("a11y")
AXE_FILE = A11Y / "node_modules" / "axe-core" / "axe.min.js"
LOAD_TIMEOUT_MS = 120_000
#: The rules of WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"critical", "serious"}
SIZES = {size.name: size for size in size_gallery.SIZES}

_AXE_RUN_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']})
  return result.violations.map((v) => ({id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' >> ') + ': ' + n.failureSummary)}))
}"""

_DEEP_ACTIVE_JS = """() => {
  let el = document.activeElement
  while (el && el.shadowRoot && el.shadowRoot.activeElement) { el = el.shadowRoot.activeElement }
  if (!el) { return null }
  const list = el.closest('[data-pv-list]')
  const hook = el.closest('[data-pv]')
  return {tag: el.tagName, hook: hook ? hook.dataset.pv : null, id: el.dataset.pvTile || null,
          pv: el.dataset.pv || null,
          name: el.getAttribute('aria-label'), role: el.getAttribute('role'),
          more: el.classList.contains('pv-more'), text: el.textContent.trim().slice(0, 40),
          list: list ? list.getAttribute('aria-label') : null,
          inJoint: !!el.closest('.pv-joint'), focusVisible: el.matches(':focus-visible'),
          outline: getComputedStyle(el).outlineWidth}
}"""

_LIVE_JS = """() => {
  const find = (node) => {
    const hit = node.querySelector('[data-pv="live"]')
    if (hit) { return hit }
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) { const found = find(el.shadowRoot); if (found) { return found } }
    }
    return null
  }
  const region = find(document)
  return region ? {text: region.textContent, live: region.getAttribute('aria-live'),
                   role: region.getAttribute('role')} : null
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_FILE.exists():
        pytest.fail(f"{AXE_FILE} is missing: run `make test-deps` (npm ci --prefix tests/a11y)")
    pinned = json.loads((A11Y / "package.json").read_text())["dependencies"]["axe-core"]
    installed = json.loads((AXE_FILE.parent / "package.json").read_text())["version"]
    assert installed == pinned, f"axe-core {installed} installed, {pinned} pinned: make test-deps"
    return AXE_FILE.read_text(encoding="utf-8")


def _open(browser, base_url: str, size, dataset: str = "digits"):
    url = f"{base_url}index.html?dataset={dataset}"
    page, frame = size_gallery.open_app(browser, url, size)
    frame.wait_for_function(size_gallery.READY, timeout=LOAD_TIMEOUT_MS, polling=200)
    assert frame.evaluate("window.pyvizzyLoad.error") is None
    return page, frame


def _blocking_violations(frame, axe_source: str) -> list[dict]:
    if not frame.evaluate("typeof window.axe !== 'undefined'"):
        frame.evaluate(axe_source)
    violations = frame.evaluate(_AXE_RUN_JS, WCAG_TAGS)
    return [v for v in violations if v["impact"] in BLOCKING]


def _check_both_themes(frame, axe_source: str, where: str) -> None:
    for theme in ("light", "dark"):
        if frame.evaluate("document.documentElement.dataset.pvTheme || 'light'") != theme:
            frame.locator('[data-pv="theme"]').click()
            frame.wait_for_function(f"document.documentElement.dataset.pvTheme === '{theme}'")
        blocking = _blocking_violations(frame, axe_source)
        assert blocking == [], f"{where}, {theme}: {json.dumps(blocking, indent=1)}"


@pytest.mark.parametrize("size", size_gallery.SIZES, ids=lambda size: size.name)
def test_axe_finds_nothing_serious_at_every_size_in_both_themes(browser, base_url, axe_source,
                                                                size):
    page, frame = _open(browser, base_url, size)
    try:
        _check_both_themes(frame, axe_source, f"digits at {size.name}")
    finally:
        page.context.close()


@pytest.mark.parametrize("size_name", ["390x844", "1440x900"])
def test_axe_finds_nothing_serious_on_every_dataset(browser, base_url, site_dir, axe_source,
                                                    size_name):
    catalog = json.loads((site_dir / "datasets" / "index.json").read_text())
    for entry in catalog["datasets"]:
        if entry["key"] == "digits":
            continue  # (every size above)
        page, frame = _open(browser, base_url, SIZES[size_name], entry["key"])
        try:
            _check_both_themes(frame, axe_source, f"{entry['key']} at {size_name}")
        finally:
            page.context.close()


def _active(frame) -> dict | None:
    return frame.evaluate(_DEEP_ACTIVE_JS)


def _tab_until(page, frame, wanted, limit: int = 40, key: str = "Tab") -> dict:
    """Presses ``key`` until the focused element satisfies ``wanted``; returns it."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        page.wait_for_timeout(30)  # (the page hands a list's focus to its item after Tab)
        active = _active(frame)
        if active and wanted(active):
            return active
        seen.append(active and (active["name"] or active["text"] or active["tag"]))
    raise AssertionError(f"{key} never reached it; focus went: {seen}")


def test_a_keyboard_alone_selects_an_image_in_the_joint_relabels_it_and_trains(browser,
                                                                                base_url):
    page, frame = _open(browser, base_url, SIZES["1440x900"])
    try:
        before = frame.evaluate("window.pyvizzy.state()")
        # The joint is one tab stop: Tab lands on an image in it, named by its cell.
        item = _tab_until(page, frame, lambda a: a["inJoint"] and a["id"])
        assert item["role"] == "button" and item["focusVisible"] and item["outline"] == "3px"
        assert item["list"].startswith("Confident joint")
        row = before["ids"].index(item["id"])
        names = before["class_names"]
        given = names[before["given"][row]]
        assert item["name"].startswith(f"{item['id']}, given {given}, suggested ")
        # The arrow keys move inside it; Enter selects.
        page.keyboard.press("ArrowRight")
        moved = _active(frame)
        assert moved["inJoint"] and moved["id"] and moved["id"] != item["id"]
        page.keyboard.press("Enter")
        frame.wait_for_function(
            f"window.pyvizzy.state().selected === {json.dumps(moved['id'])}", timeout=30_000
        )
        # Tab leaves the joint at once (its images are not tab stops), and comes back to the
        # same image with Shift+Tab.
        page.keyboard.press("Tab")
        page.wait_for_timeout(30)
        assert not _active(frame)["inJoint"]
        back = _tab_until(page, frame, lambda a: a["inJoint"], key="Shift+Tab")
        assert back["id"] == moved["id"]
        # Relabel it with the dataset panel's select, by keyboard, then Train.
        row = before["ids"].index(moved["id"])
        seen = []
        relabel = _tab_until(page, frame, lambda a: seen.append(a) or a["pv"] == "relabel",
                             key="Shift+Tab")
        assert relabel["tag"] == "SELECT"
        # (every stop on the way back has a name)
        assert all(a["name"] or a["text"] for a in seen), seen
        current = before["given"][row]
        page.keyboard.press("ArrowDown" if current < len(names) - 1 else "ArrowUp")
        page.wait_for_timeout(300)
        _tab_until(page, frame, lambda a: a["pv"] == "train" and a["text"] == "Train")
        page.keyboard.press("Enter")
        after = frame.wait_for_function(
            f"(() => {{ const s = window.pyvizzy.state();"
            f" return s && s.trained && s.given[{row}] !== {current} ? s : null }})()",
            timeout=LOAD_TIMEOUT_MS, polling=200,
        ).json_value()
        assert after["given"][row] != current
        assert after["pred_probs"] != before["pred_probs"]
    finally:
        page.context.close()


def test_on_a_phone_a_cells_whole_list_opens_from_the_keyboard(browser, base_url):
    page, frame = _open(browser, base_url, SIZES["390x844"])
    try:
        _tab_until(page, frame, lambda a: a["inJoint"])
        more = None
        for _ in range(200):  # along the joint to the first "+N"
            page.keyboard.press("ArrowRight")
            active = _active(frame)
            if active["more"]:
                more = active
                break
        assert more is not None, "no cell had a +N button"
        assert more["name"].startswith(more["text"] + " more: list all ")
        page.keyboard.press("Enter")
        dialog = frame.get_by_role("dialog")
        dialog.wait_for(state="visible")
        assert _active(frame)["text"] == "Close"
        total = int(more["name"].rsplit(" ", 1)[1])
        assert dialog.locator("[data-pv-tile]").count() == total
        page.keyboard.press("Tab")  # into the list of the cell's images
        page.wait_for_timeout(30)
        assert _active(frame)["id"]
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        assert _active(frame)["more"]
    finally:
        page.context.close()


def test_the_counts_are_said_once_a_slider_settles(browser, base_url):
    page, frame = _open(browser, base_url, SIZES["1440x900"])
    try:
        slider = _tab_until(page, frame, lambda a: a["tag"] == "INPUT"
                            and a["name"] == "Class percentile")
        assert slider["hook"] == "class-slider"
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        frame.wait_for_function("window.pyvizzy.state().class_percentile === 55", timeout=30_000)
        page.wait_for_timeout(1200)  # (said once the views settle)
        live = frame.evaluate(_LIVE_JS)
        assert live["role"] == "status" and live["live"] == "polite"
        state = frame.evaluate("window.pyvizzy.state()")
        categories = state["categories"]
        joint = state["joint"]
        counted = sum(map(sum, joint))
        off_diagonal = counted - sum(joint[k][k] for k in range(len(joint)))
        expected = (
            f"{counted} confidently labelled, {off_diagonal} off-diagonal; "
            f"{categories.count('label_issue')} label issues, {categories.count('ood')} out of "
            f"distribution, {categories.count('unconfident')} unconfident"
        )
        assert live["text"] == expected
    finally:
        page.context.close()


_GUIDE_JS = """() => {
  const guide = document.getElementById('pv-guide')
  const card = guide.querySelector('.pv-guide-card').getBoundingClientRect()
  const box = guide.querySelector('.pv-guide-box')
  const shell = (function find(node) {
    const hit = node.querySelector('[data-pv="app"]')
    if (hit) { return hit }
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) { const found = find(el.shadowRoot); if (found) { return found } }
    }
    return null
  })(document)
  return {open: guide.classList.contains('pv-open'), title: guide.querySelector('h2').textContent,
          card: [card.left, card.top, card.right, card.bottom], boxShown: !box.hidden,
          sheet: shell.dataset.pvSheet, width: innerWidth, height: innerHeight}
}"""


def test_on_a_phone_the_guide_shows_each_panel_and_its_card_in_view(browser, base_url):
    page, frame = _open(browser, base_url, SIZES["390x844"])
    try:
        _tab_until(page, frame, lambda a: a["pv"] == "guide")
        page.keyboard.press("Enter")
        steps = []
        while True:
            frame.wait_for_function("document.getElementById('pv-guide')"
                                    ".classList.contains('pv-open')")
            shown = frame.evaluate(_GUIDE_JS)
            steps.append(shown)
            left, top, right, bottom = shown["card"]
            assert 0 <= left and right <= shown["width"], shown
            assert 0 <= top and bottom <= shown["height"], shown
            assert shown["boxShown"], shown  # its panel is in view, boxed
            if _active(frame)["text"] == "Done":
                break
            page.keyboard.press("Enter")
            assert len(steps) < 10
        # The panels a phone keeps in sheets were opened for their steps; the joint's was not.
        assert [step["sheet"] for step in steps] == [
            "data", "probs", "thresholds", "", "results", "why", "score", "map"
        ]
        page.keyboard.press("Enter")
        frame.wait_for_function("!document.getElementById('pv-guide')"
                                ".classList.contains('pv-open')")
        assert frame.evaluate(_GUIDE_JS)["sheet"] == ""  # the joint is in view again
        assert _active(frame)["pv"] == "guide"
    finally:
        page.context.close()


_CLASS_SLIDER_JS = """() => {
  const find = (node) => {
    const hit = node.querySelector('[data-pv="class-slider"]')
    if (hit) { return hit }
    for (const el of node.querySelectorAll('*')) {
      const found = el.shadowRoot && find(el.shadowRoot)
      if (found) { return found }
    }
    return null
  }
  const box = find(document)
  const input = box.querySelector('input')
  return {disabled: input.disabled, opacity: Number(getComputedStyle(box).opacity),
          value: input.value}
}"""


def test_in_mean_mode_the_class_slider_looks_off_and_takes_no_input(browser, base_url):
    page, frame = _open(browser, base_url, SIZES["1440x900"], "digits&class=70")
    try:
        live = frame.evaluate(_CLASS_SLIDER_JS)
        frame.get_by_role("button", name="Per-class mean").click()
        frame.wait_for_function("window.pyvizzy.state().threshold_mode === 'mean'")
        frame.wait_for_function(f"({_CLASS_SLIDER_JS})().disabled")
        off = frame.evaluate(_CLASS_SLIDER_JS)
        slider = frame.locator('[data-pv="class-slider"] input')
        # A click in the middle of the disabled slider (50, were it live), then keys.
        slider.click(force=True)
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        frame.get_by_role("button", name="Class percentile").click()
        frame.wait_for_function("window.pyvizzy.state().threshold_mode === 'percentile'")
        page.wait_for_timeout(500)
        state = frame.evaluate("window.pyvizzy.state()")
    finally:
        page.context.close()
    assert not live["disabled"] and off["disabled"]
    assert off["opacity"] < live["opacity"]  # it looks off
    assert state["class_percentile"] == 70  # and nothing done then was applied later
