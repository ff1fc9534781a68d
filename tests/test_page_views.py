"""The page's own layout of Python's drawings (``pyvizzy/app/page/views.js``), run in Chromium.

A slider move does not redraw the joint, the result lists, the histograms, the explainer's
card or the scoreboard: Python sends a layout and the page moves the drawn tiles and lines
and writes a few texts. Here the real page scripts lay out a drawing made at one setting with
the layout of another, and the result must read as Python's own drawing at that other
setting: same elements, classes, styles, titles and texts (cells big enough for every tile).
A joint cell too small for its tiles shows as many as fit and a "+N" that opens the cell's
whole list. No app, no Pyodide: a blank page with the drawings and the two scripts.
"""

from __future__ import annotations

import json

import pytest

from pyvizzy.app import data as app_data
from pyvizzy.app.explainer_panel import explainer_layout, render_explainer
from pyvizzy.app.joint_panel import joint_layout, render_joint
from pyvizzy.app.map_panel import map_layout, render_map
from pyvizzy.app.resources import page_script
from pyvizzy.app.results_panel import render_results, results_layout
from pyvizzy.app.scoreboard_panel import render_scoreboard, scoreboard_layout
from pyvizzy.app.state import AppState
from pyvizzy.app.synthetic import write_synthetic_catalog
from pyvizzy.app.thresholds_panel import histograms_layout, render_histograms

pytestmark = pytest.mark.browser

#: Moves that change every kind of thing a layout writes (categories, cells, label sides).
SETTINGS = ((50, 15), (95, 15), (5, 60), (50, 99), (80, 30), (50, 0))

# Lay out `drawn` (in a fresh root) with `view`; read both it and `redrawn` back as the same
# normalized tree: per element its tag, class, style as the browser holds it, title, a map
# dot's category and own text. The hidden pool of tiles not shown is compared as the set of
# its tiles.
LAY_OUT = """([name, drawn, view, redrawn]) => {
  const make = (html) => {
    const root = document.createElement('div');
    root.innerHTML = html;
    document.body.appendChild(root);
    return root;
  };
  const read = (root) => {
    const out = [];
    const pool = [];
    for (const el of root.querySelectorAll('*')) {
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.nodeValue);
      const row = [el.tagName, el.className.baseVal ?? el.className, el.style.cssText,
                   el.getAttribute('title'), el.getAttribute('data-c'), own.join('')];
      (el.closest('.pv-pool') && !el.classList.contains('pv-pool') ? pool : out).push(row);
    }
    return {out, pool: pool.map((row) => JSON.stringify(row)).sort()};
  };
  const root = make(drawn);
  const tiles = new Map([...root.querySelectorAll('[data-pv-key]')].map(
    (tile) => [tile.dataset.pvKey, tile]));
  const done = PV_LAYOUTS[name](root, view, tiles, root.querySelector('.pv-pool'), new Map());
  return {done, laidOut: read(root), expected: read(make(redrawn))};
}"""


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page()
    page.set_content("<!DOCTYPE html><html><head><style>.pv-cell { width: 2000px;"
                     " height: 2000px; display: flex; flex-wrap: wrap; padding: 20px 4px"
                     " 4px; box-sizing: border-box }</style></head><body></body></html>")
    for name in ("dom.js", "map_view.js", "views.js"):
        page.add_script_tag(content=page_script(name))
    yield page
    page.close()


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv(app_data.DATASETS_ENV, str(write_synthetic_catalog(tmp_path)))
    catalog = app_data.load_catalog()
    entry = catalog.entry(catalog.default)
    dataset = app_data.load_entry(entry)
    state = AppState()
    state.set_dataset(entry.key, dataset, app_data.image_urls(entry, dataset))
    assert state.train()
    return state


def _check(page, name: str, drawn: str, layout: dict | None, redrawn: str) -> None:
    result = page.evaluate(LAY_OUT, [name, drawn, json.loads(json.dumps(layout)), redrawn])
    assert result["done"] is True
    assert result["laidOut"] == result["expected"]


def _moves(state, draw, layout, name, page, select: bool = False) -> int:
    """Draw at the first setting, then lay out at each other one; returns how many changed."""
    state.param.update(class_percentile=SETTINGS[0][0], ood_percentile=SETTINGS[0][1])
    drawn = draw(state)
    changed = 0
    for class_percentile, ood_percentile in SETTINGS[1:]:
        state.param.update(class_percentile=class_percentile, ood_percentile=ood_percentile)
        redrawn = draw(state)
        changed += redrawn != drawn
        _check(page, name, drawn, layout(state), redrawn)
    return changed


def test_the_joint_laid_out_reads_as_a_redraw(state, page):
    assert _moves(state, render_joint, joint_layout, "joint", page) >= 2


def test_the_result_lists_laid_out_read_as_a_redraw(state, page):
    assert _moves(state, render_results, results_layout, "results", page) >= 2


def test_the_map_laid_out_reads_as_a_redraw(state, page):
    assert _moves(state, render_map, map_layout, "map", page) >= 2
    state.ood_lens = "knn"
    assert _moves(state, render_map, map_layout, "map", page) >= 2


def test_the_histograms_laid_out_read_as_a_redraw(state, page):
    assert _moves(state, render_histograms, histograms_layout, "histograms", page) >= 2


def test_the_explainers_card_and_the_scoreboard_laid_out_read_as_a_redraw(state, page):
    # An item whose category changes across the settings, selected.
    categories = []
    for class_percentile, ood_percentile in SETTINGS:
        state.param.update(class_percentile=class_percentile, ood_percentile=ood_percentile)
        categories.append(state.result.categories.copy())
    moving = [row for row in range(state.dataset.n_items)
              if len({str(per_setting[row]) for per_setting in categories}) > 2]  # fmt: skip
    state.select(state.dataset.ids[moving[0]])
    assert _moves(state, render_explainer, explainer_layout, "explainer", page) >= 2
    assert _moves(state, render_scoreboard, scoreboard_layout, "scoreboard", page) >= 1


# A joint cell 4 tiles wide and 2 high (26 px apart), the rest as in the test page.
SMALL_CELL = """([drawn, view]) => {
  const root = document.createElement('div');
  root.innerHTML = drawn;
  document.body.appendChild(root);
  for (const cell of root.querySelectorAll('.pv-cell')) {
    cell.style.width = (4 * 26 + 8) + 'px';
    cell.style.height = (2 * 26 + 24) + 'px';
  }
  const tiles = new Map([...root.querySelectorAll('[data-pv-key]')].map(
    (tile) => [tile.dataset.pvKey, tile]));
  PV_LAYOUTS.joint(root, view, tiles, root.querySelector('.pv-pool'), new Map());
  const cells = [...root.querySelectorAll('.pv-cell')].map((cell) => {
    const more = cell.querySelector('.pv-more');
    return {tiles: cell.querySelectorAll('[data-pv-key]').length, more: more.hidden ? null
            : more.textContent};
  });
  const full = root.querySelector('.pv-cell:not(:has(.pv-more[hidden])) .pv-more');
  let listed = null;
  if (full) {
    pvOpenCell(root, full);
    listed = root.querySelectorAll('.pv-cell-list [data-pv-tile]').length;
  }
  return {cells, listed};
}"""


def test_a_cell_shows_what_fits_and_a_count_that_opens_the_rest(state, page):
    layout = joint_layout(state)
    found = page.evaluate(SMALL_CELL, [render_joint(state), json.loads(json.dumps(layout))])
    capacity = 4 * 2
    for rows, cell in zip(layout["cells"], found["cells"], strict=True):
        if len(rows) <= capacity:
            assert cell == {"tiles": len(rows), "more": None}
        else:  # the "+N" button takes two tiles' room
            assert cell == {"tiles": capacity - 2, "more": f"+{len(rows) - (capacity - 2)}"}
    assert any(cell["more"] for cell in found["cells"])
    first_full = next(rows for rows in layout["cells"] if len(rows) > capacity)
    assert found["listed"] == len(first_full)  # its whole list, every tile
