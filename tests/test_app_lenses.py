"""The other lenses in the app, without a browser: the OOD lens switch, the scoreboard of
both lenses and its precision/recall curve, the near duplicates and the label health."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from pyvizzy.app import data as app_data
from pyvizzy.app.explainer_panel import explain
from pyvizzy.app.pr_curve import _xy
from pyvizzy.app.query import parse_query
from pyvizzy.app.results_panel import render_results
from pyvizzy.app.scoreboard_panel import render_scoreboard, scoreboard_layout
from pyvizzy.app.state import AppState
from pyvizzy.app.synthetic import write_synthetic_catalog
from pyvizzy.app.thresholds_panel import render_histograms
from pyvizzy.confident import categorize, detection_report
from pyvizzy.health import health_summary
from pyvizzy.near_duplicate import near_duplicate_sets
from pyvizzy.outlier import knn_outlier_scores


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_synthetic_catalog(tmp_path_factory.mktemp("datasets"), keys=("alpha",))


@pytest.fixture
def state(folder, monkeypatch):
    monkeypatch.setenv(app_data.DATASETS_ENV, str(folder))
    entry = app_data.load_catalog().entry("alpha")
    dataset = app_data.load_entry(entry)
    state = AppState()
    state.set_dataset("alpha", dataset, app_data.image_urls(entry, dataset))
    assert state.train()
    return state


def _categories(state, class_percentile, ood_percentile, lens):
    scores = knn_outlier_scores(state.dataset.embeddings) if lens == "knn" else None
    return categorize(state.pred_probs, state.labels, class_percentile, ood_percentile,
                      ood_scores=scores)


@pytest.mark.parametrize(("class_percentile", "ood_percentile"), [(50, 15), (20, 40), (90, 5)])
def test_the_lens_decides_the_categories_as_categorize_does(state, class_percentile,
                                                            ood_percentile):
    state.param.update(class_percentile=class_percentile, ood_percentile=ood_percentile)
    for lens in ("rule", "knn"):
        state.ood_lens = lens
        expected = _categories(state, class_percentile, ood_percentile, lens)
        np.testing.assert_array_equal(state.result.categories, expected.categories)
        np.testing.assert_array_equal(state.result.joint, expected.joint)
        assert state.snapshot()["ood_lens"] == lens
    # Under the neighbours, the OOD items are the ones with the lowest scores.
    scores = knn_outlier_scores(state.dataset.embeddings)
    cut = np.percentile(scores, ood_percentile)
    assert state.snapshot()["ood_score_cut"] == cut
    np.testing.assert_array_equal(state.result.categories == "ood", scores < cut)


def test_the_lens_is_in_the_address_and_read_back(state):
    state.ood_lens = "knn"
    address = state.address()
    assert "lens=knn" in address
    settings = parse_query(address, ("alpha",))
    assert settings.ood_lens == "knn" and not settings.notices
    state.ood_lens = "rule"
    assert "lens" not in state.address()
    state.apply_settings(settings)
    assert state.ood_lens == "knn"
    assert parse_query("?lens=entropy").notices == (
        "Ignored lens='entropy': expected rule or knn.",
    )


def test_the_scoreboard_scores_both_lenses(state):
    for lens in ("rule", "knn"):
        state.ood_lens = lens
        board = render_scoreboard(state)
        for other in ("rule", "knn"):
            expected = detection_report(
                _categories(state, 50, 15, other).categories, state.labels, state.dataset.truth
            ).ood
            name = {"rule": "OOD, rule", "knn": "OOD, kNN"}[other]
            row = re.search(rf'<tr class="(on)?"><th scope="row">{name}.*?</tr>', board)
            assert row is not None, name
            assert (row.group(1) == "on") == (other == lens)
            cells = re.findall(r"<td>(.*?)</td>", row.group(0))
            assert cells[:2] == [f"{expected.n_correct}/{expected.n_actual}",
                                 str(expected.n_flagged)]


@pytest.mark.parametrize("lens", ["rule", "knn"])
def test_the_curves_point_is_the_scoreboards_figures(state, lens):
    state.ood_lens = lens
    for class_percentile, ood_percentile in ((50, 15), (10, 60), (75, 0)):
        state.param.update(class_percentile=class_percentile, ood_percentile=ood_percentile)
        report = state.report
        # The point is on the curve: the sweep's counts there are the scoreboard's.
        assert state.sweep().report_at(class_percentile, ood_percentile) == report
        board = scoreboard_layout(state)["html"]
        points = re.findall(r'<circle class="now" cx="([\d.]+)" cy="([\d.]+)"', board)
        expected = [_xy(report.cross_class.recall, report.cross_class.precision),
                    _xy(report.overall.recall, report.overall.precision)]
        assert [(float(x), float(y)) for x, y in points] == [
            (round(x, 1), round(y, 1)) for x, y in expected
        ]
        precision = f"{100 * report.overall.precision:.0f}%"
        assert f"Now: all errors {precision} precision" in board


def test_the_lens_changes_the_reasons_and_the_threshold_legend(state):
    state.ood_lens = "knn"
    result = state.result
    row = int(np.flatnonzero(result.categories == "ood")[0])
    assert "kNN outlier score" in explain(state, row)
    assert "out of distribution" in explain(state, row)
    assert "not these lines" in render_histograms(state)
    assert 'class="pv-plot knn"' in render_histograms(state)
    assert "far from their nearest neighbours" in render_results(state)
    state.ood_lens = "rule"
    assert "kNN" not in explain(state, row)
    assert "below every OOD threshold" in render_results(state)


def test_the_near_duplicates_are_listed_by_group(state):
    _, sets = near_duplicate_sets(state.dataset.embeddings)
    html_text = render_results(state)
    section = html_text[html_text.index('<div class="pv-dups"'):]
    tiles = re.findall(r'data-pv-tile="([^"]+)"', section)
    assert sorted(tiles) == sorted(
        state.dataset.ids[row] for row, members in enumerate(sets) if len(members)
    )


def test_planted_copies_show_as_near_duplicates(state):
    embeddings = np.array(state.dataset.embeddings)
    embeddings[7] = embeddings[3]
    embeddings[11] = embeddings[3] + 1e-9
    copied = AppState()
    copied.set_dataset("alpha", replace(state.dataset, embeddings=embeddings), state.image_urls)
    assert copied.train()
    section = render_results(copied)
    section = section[section.index('<div class="pv-dups"'):]
    ids = state.dataset.ids
    assert set(re.findall(r'data-pv-tile="([^"]+)"', section)) == {ids[3], ids[7], ids[11]}
    assert "1 group, 3 images" in section


def test_the_label_health_is_cleanlabs(state):
    summary = health_summary(state.labels, state.pred_probs)
    board = render_scoreboard(state)
    assert f"Label health <b>{summary.overall_label_health_score:.3f}</b>" in board
    assert f"{summary.num_label_issues} estimated label issues of {state.dataset.n_items}" in board
    assert board.count("<tr><th scope=\"row\">") >= state.n_classes
    assert state.snapshot()["label_health"] == summary.overall_label_health_score
