"""The other lenses in the built site: the page's numbers are CPython's on the same state.

The outlier scores, the near duplicates and the label health computed in Pyodide equal
``pyvizzy.neighbour_lenses`` and ``pyvizzy.health`` run here on the dataset's file and the
page's probabilities; the OOD lens switch recategorizes as ``categorize()`` does; the
scoreboard's OOD rows and the curve's points are the reports CPython computes.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_site_browser import (
    assert_agrees_with_categorize,
    open_page,
    press_slider,
    screenshot,
    wait_for_state,
    wait_until_trained,
)

from pyvizzy.app.pr_curve import _xy
from pyvizzy.confident import categorize, detection_report
from pyvizzy.dataset import load_dataset
from pyvizzy.health import health_summary
from pyvizzy.neighbour_lenses import neighbour_lenses

pytestmark = pytest.mark.browser

def _reports(state: dict, dataset) -> dict:
    """CPython's reports at the page's setting, by lens."""
    probs = np.asarray(state["pred_probs"])
    given = np.asarray(state["given"])
    scores = neighbour_lenses(dataset.embeddings).outlier_scores
    return {
        lens: detection_report(
            categorize(probs, given, state["class_percentile"], state["ood_percentile"],
                       state["threshold_mode"], ood_scores=ood_scores).categories,
            given, dataset.truth,
        )
        for lens, ood_scores in (("rule", None), ("knn", scores))
    }


def _assert_board(page, state: dict, dataset) -> None:
    """The board's OOD rows and the curve's points are CPython's reports."""
    board = page.locator('[data-pv-view="scoreboard"] .pv-board').inner_html()
    reports = _reports(state, dataset)
    for lens, name in (("rule", "OOD, rule"), ("knn", "OOD, kNN")):
        row = re.search(rf'<th scope="row">{name}.*?</tr>', board).group(0)
        ood = reports[lens].ood
        assert re.findall(r"<td>(.*?)</td>", row)[:2] == [f"{ood.n_correct}/{ood.n_actual}",
                                                         str(ood.n_flagged)]
    report = reports[state["ood_lens"]]
    points = re.findall(r'<circle class="now" cx="([\d.]+)" cy="([\d.]+)"', board)
    expected = [_xy(report.cross_class.recall, report.cross_class.precision),
                _xy(report.overall.recall, report.overall.precision)]
    assert [(float(x), float(y)) for x, y in points] == [
        (round(x, 1), round(y, 1)) for x, y in expected
    ]


def test_the_lenses_in_the_page_are_cpythons(browser, base_url, site_dir):
    page, recorder = open_page(browser, base_url, "index.html?dataset=digits&lens=knn")
    state = wait_until_trained(page)
    assert state["ood_lens"] == "knn"
    dataset = load_dataset(site_dir / "datasets" / "digits" / "dataset.json")
    lenses = neighbour_lenses(dataset.embeddings)
    np.testing.assert_allclose(state["outlier_scores"], lenses.outlier_scores, rtol=0,
                               atol=1e-9)
    assert state["near_duplicate_sets"] == [s.tolist() for s in lenses.near_duplicate_sets]
    health = health_summary(np.asarray(state["given"]), np.asarray(state["pred_probs"]))
    assert abs(state["label_health"] - health.overall_label_health_score) <= 1e-12
    assert_agrees_with_categorize(state)
    _assert_board(page, state, dataset)
    screenshot(page, "lens-knn-1440x900")

    # The switch beside the OOD slider: Vizzy's rule, and back.
    lens = page.locator('[data-pv="ood-slider"] select')
    assert lens.get_attribute("aria-label").startswith("OOD lens")
    lens.select_option("rule")
    state = wait_for_state(page, "s.ood_lens === 'rule'")
    assert_agrees_with_categorize(state)
    _assert_board(page, state, dataset)
    page.wait_for_function("() => !location.search.includes('lens=')")
    lens.focus()
    page.keyboard.press("ArrowDown")  # the keyboard chooses too
    state = wait_for_state(page, "s.ood_lens === 'knn'")
    page.wait_for_function("() => location.search.includes('lens=knn')")
    state = press_slider(page, "ood", "ArrowRight", 10, "s.ood_percentile === 25")
    assert state["ood_lens"] == "knn"
    _assert_board(page, state, dataset)
    assert recorder.page_errors == [] and recorder.foreign() == []
    page.context.close()


DOTS = """(dots) => dots.map(
  (dot) => [Number(dot.dataset.pvKey.slice(1)), dot.getAttribute('data-c'), dot.dataset.pvTile])"""
CODES = {"clean": "c", "label_issue": "i", "ood": "o", "unconfident": "u"}


def _assert_dots_show(page, state: dict) -> None:
    dots = page.locator(".pv-map .pv-dot").evaluate_all(DOTS)
    assert len(dots) == len(state["ids"])
    for row, code, item_id in dots:
        assert item_id == state["ids"][row]
        assert code == CODES[state["categories"][row]], (row, item_id)


@pytest.mark.parametrize("key", ["digits", "mine"])
def test_the_map_in_the_page(browser, base_url, site_dir, key):
    from pyvizzy.projection import pca_map

    page, recorder = open_page(browser, base_url, f"index.html?dataset={key}")
    state = wait_until_trained(page)
    dataset = load_dataset(site_dir / "datasets" / key / "dataset.json")
    if dataset.map is not None:
        assert state["map"] == dataset.map.tolist()
    else:  # computed in the browser; rounded to 4 decimals, as CPython's
        np.testing.assert_allclose(state["map"], pca_map(dataset.embeddings), rtol=0,
                                   atol=1.01e-4)
    _assert_dots_show(page, state)
    state = press_slider(page, "class", "ArrowLeft", 20, "s.class_percentile === 30")
    _assert_dots_show(page, state)

    # A dot selects its item; the keyboard goes through the dots as a list.
    item_id = state["ids"][10]
    page.locator(f'.pv-map [data-pv-tile="{item_id}"]').dispatch_event("click")
    wait_for_state(page, f"s.selected === {item_id!r}")
    assert page.locator(f'.pv-map [data-pv-tile="{item_id}"]').get_attribute("class") == (
        "pv-dot sel")
    first = page.locator(".pv-map .pv-dot").evaluate_all(DOTS)[0][2]
    page.locator(".pv-map").focus()
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    wait_for_state(page, f"s.selected === {first!r}")
    focused_name = page.evaluate("""() => {
      let el = document.activeElement
      while (el && el.shadowRoot && el.shadowRoot.activeElement) {
        el = el.shadowRoot.activeElement
      }
      return el.getAttribute('aria-label')
    }""")
    assert focused_name.startswith(first + ", given ")
    screenshot(page, f"map-{key}-1440x900")
    assert recorder.page_errors == [] and recorder.foreign() == []
    page.context.close()
