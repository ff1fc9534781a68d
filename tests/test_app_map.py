"""The map (8): every item's dot at its point, its category written by the layout, without
a browser."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import numpy as np
import pytest

from pyvizzy.app import data as app_data
from pyvizzy.app.map_panel import CATEGORY_CODES, map_layout, render_map
from pyvizzy.app.state import AppState
from pyvizzy.app.synthetic import write_synthetic_catalog
from pyvizzy.projection import pca_map

DOT = re.compile(r'<circle class="(pv-dot(?: sel)?)" data-pv-key="m(\d+)" data-pv-tile="([^"]+)" '
                 r'data-c="(\w)" cx="([-\d.]+)" cy="([-\d.]+)"')


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_synthetic_catalog(tmp_path_factory.mktemp("datasets"), keys=("alpha",))


def _state(folder, monkeypatch, dataset_map=None) -> AppState:
    monkeypatch.setenv(app_data.DATASETS_ENV, str(folder))
    entry = app_data.load_catalog().entry("alpha")
    dataset = app_data.load_entry(entry)
    if dataset_map is not None:
        dataset = replace(dataset, map=dataset_map(dataset.n_items))
    state = AppState()
    state.set_dataset("alpha", dataset, app_data.image_urls(entry, dataset))
    assert state.train()
    return state


def _dots(html_text: str) -> list[tuple]:
    return [(css, int(row), item_id, code, float(x), float(y))
            for css, row, item_id, code, x, y in DOT.findall(html_text)]


def test_a_dataset_without_a_map_is_mapped_by_its_principal_components(folder, monkeypatch):
    state = _state(folder, monkeypatch)
    assert state.dataset.map is None
    expected = pca_map(state.dataset.embeddings)
    np.testing.assert_array_equal(state.map_points(), expected)
    html_text = render_map(state)
    assert "principal components" in html_text
    dots = _dots(html_text)
    assert sorted(row for _, row, *_ in dots) == list(range(state.dataset.n_items))
    for _, row, item_id, _, x, y in dots:
        assert item_id == state.dataset.ids[row]
        assert (x, y) == (round(expected[row, 0], 4), round(-expected[row, 1], 4))
    assert state.snapshot()["map"] == expected.tolist()


def test_the_datasets_own_map_is_used(folder, monkeypatch):
    rng = np.random.default_rng(3)
    state = _state(folder, monkeypatch, lambda n: np.round(rng.uniform(-1, 1, size=(n, 2)), 4))
    own = state.dataset.map
    dots = _dots(render_map(state))
    assert "the dataset's map" in html.unescape(render_map(state))
    for _, row, _, _, x, y in dots:
        assert (x, y) == (own[row, 0], -own[row, 1] + 0.0)


def test_the_dots_read_top_to_bottom_then_left_to_right(folder, monkeypatch):
    state = _state(folder, monkeypatch)
    ys = [y for *_, y in _dots(render_map(state))]
    # Rows two diameters high: within a row the dots go left to right; rows go down.
    assert ys[0] <= min(ys) + 0.2 and ys[-1] >= max(ys) - 0.2


@pytest.mark.parametrize("lens", ["rule", "knn"])
def test_the_layout_writes_each_items_category(folder, monkeypatch, lens):
    state = _state(folder, monkeypatch)
    state.ood_lens = lens
    for class_percentile, ood_percentile in ((50, 15), (80, 40), (10, 5)):
        state.param.update(class_percentile=class_percentile, ood_percentile=ood_percentile)
        codes = map_layout(state)["codes"]
        assert codes == "".join(CATEGORY_CODES[str(c)] for c in state.result.categories)
        drawn = {row: code for _, row, _, code, _, _ in _dots(render_map(state))}
        # (the drawing is once per model: at another setting its codes are the layout's job)
        assert len(drawn) == len(codes)
    assert set(codes) <= set(CATEGORY_CODES.values())


def test_the_selected_dot_is_marked(folder, monkeypatch):
    state = _state(folder, monkeypatch)
    state.select(state.dataset.ids[5])
    marked = [row for css, row, *_ in _dots(render_map(state)) if css.endswith("sel")]
    assert marked == [5]
