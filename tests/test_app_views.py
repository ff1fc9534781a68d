"""The app's data loading, HTML views and controller, without a browser."""

from __future__ import annotations

import html
import json
import re
import sys

import numpy as np
import pytest

from pyvizzy.app import data as app_data
from pyvizzy.app.bridge import safe_json
from pyvizzy.app.explainer_panel import explain, render_explainer
from pyvizzy.app.joint_panel import joint_layout, render_joint
from pyvizzy.app.markup import FITTING_CHARS, chip, thumbnail
from pyvizzy.app.pred_probs_panel import render_pred_probs
from pyvizzy.app.results_panel import render_results, results_layout
from pyvizzy.app.scoreboard_panel import render_scoreboard
from pyvizzy.app.state import AppState
from pyvizzy.app.synthetic import SYNTHETIC_CLASSES, write_synthetic_catalog
from pyvizzy.app.thresholds_panel import render_histograms


@pytest.fixture(scope="module")
def datasets_folder(tmp_path_factory):
    return write_synthetic_catalog(
        tmp_path_factory.mktemp("datasets"), keys=("alpha", "beta"), random_weights_key="beta"
    )


@pytest.fixture
def use_folder(datasets_folder, monkeypatch):
    monkeypatch.setenv(app_data.DATASETS_ENV, str(datasets_folder))
    return datasets_folder


@pytest.fixture
def state(use_folder):
    catalog = app_data.load_catalog()
    entry = catalog.entry("alpha")
    dataset = app_data.load_entry(entry)
    state = AppState()
    state.set_dataset("alpha", dataset, app_data.image_urls(entry, dataset))
    assert state.train()
    return state


# -- catalog and datasets -----------------------------------------------------------------------


def test_catalog_is_read_from_the_folder_named_by_the_environment(use_folder):
    catalog = app_data.load_catalog()
    assert catalog.default == "alpha"
    assert catalog.keys == ("alpha", "beta")
    dataset = app_data.load_entry(catalog.entry("beta"))
    assert dataset.random_weights
    assert dataset.class_names == SYNTHETIC_CLASSES


def test_a_missing_folder_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv(app_data.DATASETS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="make site"):
        app_data.load_catalog()


class _Requests:
    """Stand-in for the worker's JS globals: ``pyvizzyTakePrefetched`` (texts fetched ahead,
    each taken once; JS's undefined is Python's None) and a synchronous ``XMLHttpRequest``
    that answers every address with its own name."""

    def __init__(self, prefetched: dict):
        outer = self
        self.sent = []
        self.pyvizzyTakePrefetched = lambda url: prefetched.pop(url, None)

        class XMLHttpRequest:
            @staticmethod
            def new():
                request = XMLHttpRequest()
                request.status = 200
                return request

            def open(self, method, url, asynchronous):
                self.url = url

            def send(self):
                outer.sent.append(self.url)
                self.responseText = f"fetched {self.url}"

        self.XMLHttpRequest = XMLHttpRequest


def test_in_the_worker_a_text_fetched_ahead_is_taken_once_instead_of_a_request(monkeypatch):
    worker = _Requests({"datasets/index.json": "ahead"})
    monkeypatch.setitem(sys.modules, "js", worker)
    monkeypatch.setattr(app_data, "is_pyodide", lambda: True)
    assert app_data.read_datasets_text("index.json") == "ahead"
    assert worker.sent == []
    assert app_data.read_datasets_text("index.json") == "fetched datasets/index.json"
    assert app_data.read_datasets_text("a/dataset.json") == "fetched datasets/a/dataset.json"
    assert worker.sent == ["datasets/index.json", "datasets/a/dataset.json"]


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ("not json", "not valid JSON"),
        ({"format": "other", "datasets": []}, "field 'format'"),
        ({"format": "pyvizzy-catalog/1", "datasets": []}, "field 'datasets'"),
        (
            {"format": "pyvizzy-catalog/1", "datasets": [{"key": "a", "name": "A"}]},
            "field 'datasets[0].path'",
        ),
        (
            {
                "format": "pyvizzy-catalog/1",
                "datasets": [
                    {"key": "a", "name": "A", "path": "a/d.json"},
                    {"key": "a", "name": "B", "path": "b/d.json"},
                ],
            },
            "'datasets[1].key': 'a' is repeated",
        ),
        (
            {
                "format": "pyvizzy-catalog/1",
                "datasets": [{"key": "a", "name": "A", "path": "../secret.json"}],
            },
            "inside the datasets folder",
        ),
        (
            {
                "format": "pyvizzy-catalog/1",
                "datasets": [{"key": "a", "name": "A", "path": "https://x.org/d.json"}],
            },
            "inside the datasets folder",
        ),
        (
            {
                "format": "pyvizzy-catalog/1",
                "default": "zzz",
                "datasets": [{"key": "a", "name": "A", "path": "a/d.json"}],
            },
            "field 'default'",
        ),
        ('{"format": ' + "[" * 100_000, "nested deeper than 64 levels at line 1, column 75"),
        ('{"format": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_a_bad_catalog_names_file_field_and_row(catalog, message):
    text = catalog if isinstance(catalog, str) else json.dumps(catalog)
    with pytest.raises(app_data.CatalogError, match=re.escape(message)) as error:
        app_data.parse_catalog(text, "site/datasets/index.json")
    assert "site/datasets/index.json" in str(error.value)


def test_image_urls_stay_on_the_site(use_folder):
    entry = app_data.CatalogEntry("k", "K", "k/dataset.json")
    dataset = app_data.load_entry(app_data.load_catalog().entry("alpha"))
    images = ("thumbs/a.png", "https://example.org/a.png", "../../etc/passwd", None,
              "data:image/png;base64,AAAA", "sub/../b.png", "/abs.png", "c:/x.png",
              "..\\..\\secret.png", "thumbs\\a.png", "%2e%2e/%2e%2e/x.png", ".\t./.\n./x.png",
              "https://evil.example;connect-src *;script-src-elem * 'unsafe-inline';x/y.png")
    fake = type("FakeDataset", (), {"images": images})
    assert app_data.image_urls(entry, fake) == [
        "datasets/k/thumbs/a.png",
        None,
        None,
        None,
        "data:image/png;base64,AAAA",
        "datasets/k/b.png",
        None,
        None,
        None,  # a backslash is a separator to browsers: "..\\" would leave datasets/
        None,
        None,  # browsers read "%2e%2e" as ".."
        None,  # and drop tabs and line breaks from a URL
        None,
    ]
    assert len(app_data.image_urls(app_data.load_catalog().entry("alpha"), dataset)) == (
        dataset.n_items
    )


# -- HTML views ---------------------------------------------------------------------------------


def _cells(html_text: str) -> dict[tuple[int, int], list[str]]:
    cells = {}
    pattern = re.compile(
        r'<div class="pv-cell [a-z]+" style="[^"]*" data-given="(\d+)" data-suggested="(\d+)"'
        r'[^>]*>(.*?)</div>'
    )
    for given, suggested, body in pattern.findall(html_text):
        cells[(int(given), int(suggested))] = re.findall(r'data-pv-tile="([^"]+)"', body)
    return cells


@pytest.mark.parametrize(("class_percentile", "ood_percentile"), [(50, 15), (90, 5), (10, 40)])
def test_joint_cells_show_the_thumbnails_of_their_items(state, class_percentile, ood_percentile):
    state.param.update(class_percentile=class_percentile, ood_percentile=ood_percentile)
    cells = _cells(render_joint(state))
    result = state.result
    ids = np.array(state.dataset.ids)
    assert len(cells) == state.n_classes**2
    for (i, j), shown in cells.items():
        expected = ids[(state.labels == i) & (result.suggested == j)].tolist()
        assert shown == expected
        assert len(shown) == result.joint[i, j]


def test_the_drawn_views_hold_every_tile_once_for_the_page_to_move(state):
    """The joint and the result lists can be re-laid out in the page with no redraw."""
    ids = list(state.dataset.ids)
    joint_html = render_joint(state)
    tiles = re.findall(r'data-pv-key="(\d+)" data-pv-tile="([^"]+)"', joint_html)
    assert sorted(int(row) for row, _ in tiles) == list(range(len(ids)))
    assert all(ids[int(row)] == item_id for row, item_id in tiles)
    results_html = render_results(state)
    keys = re.findall(r'data-pv-key="([is]\d+)"', results_html)
    assert sorted(keys) == sorted([f"i{row}" for row in range(len(ids))]
                                  + [f"s{row}" for row in range(len(ids))])  # fmt: skip
    state.param.update(class_percentile=90, ood_percentile=5)
    layout = joint_layout(state)
    cells = _cells(render_joint(state))
    n_classes = state.n_classes
    for index, rows in enumerate(layout["cells"]):
        assert [ids[row] for row in rows] == cells[(index // n_classes, index % n_classes)]
    sections = results_layout(state)["sections"]
    for category, rows in sections.items():
        assert sorted(rows) == np.flatnonzero(state.result.categories == category).tolist()


def test_dataset_text_is_escaped_everywhere(state):
    state.select(state.dataset.ids[0])
    for html_text in (
        render_joint(state),
        render_results(state),
        render_histograms(state),
        render_explainer(state),
    ):
        assert "tri<angle>" not in html_text
    assert "tri&lt;angle&gt;" in render_joint(state)
    tile = thumbnail('x"><script>', "datasets/a b/<i>.png", 0)
    assert "<script>" not in tile and "<i>" not in tile
    assert 'data-pv-tile="x&quot;&gt;&lt;script&gt;"' in tile


def test_a_tile_without_image_is_a_placeholder_and_a_broken_one_has_a_fallback():
    without = thumbnail("item-0042", None, 1)
    assert "<img" not in without and ">0042<" in without
    broken = thumbnail("item-0042", "datasets/k/missing.png", 1)
    assert 'data-ph="0042"' in broken  # drawn by img::after when the image fails
    assert "onerror" not in broken  # no inline script (the site's CSP forbids it)


def test_every_image_is_named_by_its_id_and_given_label(state):
    joint = render_joint(state)
    names = [html.unescape(name) for name in re.findall(r'<img [^>]*alt="([^"]*)"', joint)]
    assert len(names) == len(state.dataset.ids) - sum(url is None for url in state.image_urls)
    given = {f"{item_id} · given {state.class_names[label]}"
             for item_id, label in zip(state.dataset.ids, state.labels, strict=True)}
    assert set(names) <= given
    assert 'alt="a-1"' in thumbnail("a-1", "datasets/k/a.png", 0)


def test_labels_repeated_per_image_are_clipped_only_when_their_text_may_not_fit(state):
    short, long = "c" * FITTING_CHARS, "c" * (FITTING_CHARS + 1)
    assert 'class="pv-chip"' in chip(short, 0)
    assert 'class="pv-chip cut"' in chip(long, 0)
    rows = render_pred_probs(state)  # the classes: circle, square, tri<angle>
    names = re.findall(r'<span class="(n[^"]*)">([^<]*)</span>', rows)
    assert {css.endswith(" cut") for css, text in names if text == "tri&lt;angle&gt;"} == {True}
    assert {css.endswith(" cut") for css, text in names if text == "circle"} == {False}


def test_the_long_lists_are_drawn_in_groups_of_every_item_once_in_order(state):
    # Groups the browser skips while out of view: all but the last full, nothing lost.
    from pyvizzy.app.dataset_panel import TILES_PER_GROUP, render_dataset_grid
    from pyvizzy.app.pred_probs_panel import ROWS_PER_GROUP, row_order

    n_items = state.dataset.n_items
    for order in ("dataset", "quality"):
        groups = render_pred_probs(state, order).split('<div class="pv-rows">')[1:]
        ids = [re.findall(r'<div class="pv-prow" data-pv-tile="([^"]+)"', g) for g in groups]
        assert [len(g) for g in ids[:-1]] == [ROWS_PER_GROUP] * (len(ids) - 1)
        expected = [state.dataset.ids[row] for row in row_order(state, order)]
        assert [i for group in ids for i in group] == expected and len(expected) == n_items
    groups = render_dataset_grid(state).split('<div class="pv-tiles">')[1:]
    counts = [g.count('<div class="pv-item">') for g in groups]
    assert counts[:-1] == [TILES_PER_GROUP] * (len(groups) - 1) and sum(counts) == n_items
    tile_ids = re.findall(r'<div class="pv-item"><[^>]*data-pv-tile="([^"]+)"', "".join(groups))
    assert tile_ids == list(state.dataset.ids)


def test_results_list_every_flagged_item_once(state):
    state.param.update(class_percentile=60, ood_percentile=20)
    html_text = render_results(state)
    sections = {}
    for chunk in html_text.split('<div class="pv-sec" ')[1:]:
        category = re.match(r'data-category="([a-z_]+)"', chunk).group(1)
        sections[category] = re.findall(r'data-pv-tile="([^"]+)"', chunk)
    assert set(sections) == {"label_issue", "ood", "unconfident"}
    for category, shown in sections.items():
        expected = np.array(state.dataset.ids)[state.result.categories == category]
        assert sorted(shown) == sorted(expected.tolist())


def test_explanations_name_the_category_of_every_item(state):
    state.param.update(class_percentile=70, ood_percentile=25)
    words = {
        "clean": "clean",
        "label_issue": "label issue",
        "ood": "out of distribution",
        "unconfident": "unconfident",
    }
    for row, category in enumerate(state.result.categories):
        assert words[str(category)] in explain(state, row)


def test_scoreboard_counts_the_planted_errors(state):
    html_text = render_scoreboard(state)
    report = state.report
    assert report is not None
    assert f"<b>{report.overall.n_correct}</b> of {report.overall.n_actual}" in html_text
    planted = int(np.count_nonzero(state.dataset.truth != state.labels))
    assert report.overall.n_actual == planted


def test_safe_json_carries_markup_characters_through_panels_sanitizer():
    from panel.util import HTML_SANITIZER

    value = {"name": "tri<angle> & <b>", "query": "?a=1&b=2"}
    encoded = safe_json(value)
    assert HTML_SANITIZER.clean(encoded) == encoded
    assert json.loads(encoded) == value


# -- the controller -----------------------------------------------------------------------------


def _app(use_folder, query=""):
    from pyvizzy.app.controller import PyvizzyApp

    app = PyvizzyApp()
    app.start(query)
    return app


def test_creating_the_app_searches_no_entry_points(use_folder, monkeypatch):
    import panel as pn
    from panel.config import panel_extension

    from pyvizzy.app.controller import create_app

    searched = []
    monkeypatch.setattr(panel_extension, "_loaded", False)  # as in a fresh interpreter
    monkeypatch.setattr(pn.config, "load_entry_points", True)  # Panel's default
    monkeypatch.setattr(panel_extension, "_load_entry_points", lambda self: searched.append(1))
    create_app(query="")
    assert searched == []


def test_start_trains_the_default_dataset_and_publishes(use_folder):
    app = _app(use_folder)
    published = app.bridge.published_state()
    assert published["dataset"] == "alpha" and published["trained"]
    assert published["selected"] is not None  # the worst label issue, to explain
    assert app.bridge.published_address().startswith("?dataset=alpha&class=50&ood=15")


def test_start_honours_the_address_and_reports_bad_values(use_folder):
    app = _app(use_folder, "?dataset=beta&class=70&ood=oops")
    state = app.state
    assert state.dataset_key == "beta" and state.class_percentile == 70
    assert state.ood_percentile == 15
    assert any("ood='oops'" in notice for notice in state.notices)
    assert "Random network weights" in app.dataset_panel.header.object


def test_opening_a_dataset_draws_its_images_once(use_folder, monkeypatch):
    # A new dataset is trained before it is shown: its images are drawn once, with the
    # model's results (each drawing of 300 tiles costs the browser 30 ms).
    from pyvizzy.app import dataset_panel

    drawn = []
    draw = dataset_panel.render_dataset_grid
    monkeypatch.setattr(dataset_panel, "render_dataset_grid",
                        lambda state: drawn.append(state.trained) or draw(state))
    app = _app(use_folder)
    assert drawn == [False, True]  # the panel made empty, the dataset trained
    drawn.clear()
    app.apply_query("?dataset=beta")
    assert drawn == [True]


def test_a_later_address_switches_dataset_and_a_click_selects(use_folder):
    app = _app(use_folder)
    app.apply_query("?dataset=beta&mode=mean")
    assert app.state.dataset_key == "beta" and app.state.threshold_mode == "mean"
    panel, sliders = app.thresholds_panel, app.sliders_panel.sliders  # they show the address
    assert panel.mode.value == "mean" and sliders.class_disabled
    app.apply_query("?dataset=beta&mode=percentile&class=64&ood=7")
    assert (sliders.class_percentile, sliders.ood_percentile) == (64, 7)
    assert panel.mode.value == "percentile" and not sliders.class_disabled
    item_id = app.state.dataset.ids[7]
    app.bridge.event = json.dumps({"action": "select", "id": item_id, "n": 1})
    assert app.state.selected == item_id
    assert app.bridge.published_state()["selected"] == item_id
    assert f"select={item_id}" in app.bridge.published_address()


def test_a_hosts_set_state_applies_each_time_and_is_validated(use_folder):
    app = _app(use_folder)
    app.bridge.host_state = json.dumps({"n": 1, "query": "?class=64&ood=7"})
    assert (app.state.class_percentile, app.state.ood_percentile) == (64, 7)
    app.state.class_percentile = 65  # the reader moves on; the same settings apply again
    app.bridge.host_state = json.dumps({"n": 2, "query": "?class=64&ood=7"})
    assert app.state.class_percentile == 64
    app.bridge.host_state = json.dumps({"n": 3, "query": "?class=999"})
    assert app.state.class_percentile == 64
    assert any("class=" in notice for notice in app.state.notices)
    app.bridge.host_state = "not json"  # ignored
    assert app.state.class_percentile == 64


def test_moving_the_slider_widget_redraws_without_training(use_folder):
    app = _app(use_folder)
    trainings = app.state.train_revision
    before = app.bridge.published_views()
    drawn = app.joint_panel.matrix.object
    app.sliders_panel.sliders.class_percentile = 95
    assert app.state.class_percentile == 95
    assert app.state.train_revision == trainings
    # The drawn tiles are re-sorted in the page: only their layout is sent.
    assert app.joint_panel.matrix.object == drawn
    assert app.bridge.published_views() != before
    assert app.bridge.published_views()["joint"] == {
        **joint_layout(app.state),
        "rev": app.joint_panel.drawing.revision,
    }
    assert app.bridge.published_state()["class_percentile"] == 95


def test_relabel_controls_then_train(use_folder):
    app = _app(use_folder)
    state = app.state
    controls = app.dataset_panel.controls
    row = state.selected_index
    assert controls.label == int(state.labels[row])
    assert json.loads(controls.names_json) == list(state.class_names)
    new_label = int(state.result.suggested[row])
    controls.label = new_label  # a pick on the page
    assert state.n_pending == 1
    controls.trains += 1  # a Train press on the page
    assert state.n_pending == 0
    assert int(state.labels[row]) == new_label
    assert app.bridge.published_state()["given"][row] == new_label
    state.selected = None  # nothing selected: the select is off
    assert controls.label == -1


def test_a_missing_catalog_is_an_error_on_the_page_not_a_crash(tmp_path, monkeypatch):
    from pyvizzy.app.controller import PyvizzyApp

    monkeypatch.setenv(app_data.DATASETS_ENV, str(tmp_path))
    app = PyvizzyApp()
    app.start("")
    assert "Could not read the dataset catalog" in app.state.error
    assert app.bridge.published_state()["trained"] is False


@pytest.mark.parametrize(
    ("class_threshold", "ood_threshold"),
    [(0.95, 0.70), (0.945, 0.8), (0.5, 0.45), (0.3, 0.6), (0.02, 0.01), (0.99, 0.98), (1.0, 0.0)],
)
def test_threshold_labels_stay_inside_the_plot_and_apart(class_threshold, ood_threshold):
    from pyvizzy.app.thresholds_panel import LABEL_SPAN, label_sides

    class_left, ood_left, ood_lower = label_sides(class_threshold, ood_threshold)

    def span(value, left):
        return (value - LABEL_SPAN, value) if left else (value, value + LABEL_SPAN)

    class_span, ood_span = span(class_threshold, class_left), span(ood_threshold, ood_left)
    for low, high in (class_span, ood_span):
        assert -1e-9 <= low and high <= 1 + 1e-9
    overlapping = class_span[0] < ood_span[1] and ood_span[0] < class_span[1]
    assert overlapping == ood_lower  # overlapping labels go on two rows


def test_text_on_a_class_colour_reads_at_4_5_to_1_or_more():
    from pyvizzy.app.theme import CLASS_COLORS, class_color, class_style, contrast_ratio

    for index in range(-1, len(CLASS_COLORS)):
        colour = class_color(index)
        ink = class_style(index).split("--on-c:")[1]
        assert contrast_ratio(colour, ink) >= 4.5, (index, colour, ink)
    # The ratio is WCAG's: black on white is 21, a colour on itself 1.
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#e68a2e", "#e68a2e") == pytest.approx(1.0)
    # Chips and tiles carry the ink with the colour.
    assert "--on-c:#111418" in chip("dog", 1) and "--on-c:#111418" in thumbnail("x", None, 1)


def test_the_image_lists_are_named_tab_stops(state):
    joint = render_joint(state)
    assert joint.count("data-pv-list") == 1 and 'aria-label="Confident joint' in joint
    assert joint.count('class="pv-more" tabindex="-1"') == len(state.class_names) ** 2
    results = render_results(state)
    assert results.count("data-pv-list") == 4
    for name in ("Label issues", "Out of distribution", "Unconfident", "Near duplicates"):
        assert f'role="group" aria-label="{name}"' in results
    assert 'data-pv-list tabindex="0"' in render_pred_probs(state)


def test_a_dataset_says_when_it_has_no_images_or_random_weights(use_folder):
    dataset = app_data.load_entry(app_data.load_catalog().entry("alpha"))

    def fake(images, random_weights=False):
        return type("FakeDataset", (), {"images": images, "random_weights": random_weights})

    n = dataset.n_items
    named = fake(("a.png",) * n)
    assert app_data.dataset_notices(named, ["datasets/a.png"] * n) == []
    assert app_data.dataset_notices(fake((None,) * n), [None] * n) == [
        "This dataset has no images: each tile shows its item's id."
    ]
    refused = app_data.dataset_notices(named, [None, None] + ["datasets/a.png"] * (n - 2))
    assert refused and refused[0].startswith(f"2 of {n} images cannot be shown")
    weights = app_data.dataset_notices(fake(("a.png",) * n, True), ["x"] * n)
    assert len(weights) == 1 and weights[0].startswith("Random network weights")
