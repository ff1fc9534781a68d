"""The slider look-ahead: payloads computed ahead equal what a move publishes."""

from __future__ import annotations

import json

import pytest

from pyvizzy.app import data as app_data
from pyvizzy.app.lookahead import SliderLookahead, lookahead_order
from pyvizzy.app.query import parse_query
from pyvizzy.app.state import SliderSetting
from pyvizzy.app.synthetic import write_synthetic_catalog

#: Differ between a payload computed ahead and Python's answer to the move, by design.
_PER_ANSWER = ("seq", "revision", "redraw_ms")


@pytest.fixture(scope="module")
def datasets_folder(tmp_path_factory):
    return write_synthetic_catalog(tmp_path_factory.mktemp("datasets"), keys=("alpha",))


@pytest.fixture
def app(datasets_folder, monkeypatch):
    from pyvizzy.app.controller import PyvizzyApp

    monkeypatch.setenv(app_data.DATASETS_ENV, str(datasets_folder))
    app = PyvizzyApp()
    app.start("")
    return app


def _comparable(payload_json: str | bytes) -> dict:
    payload = json.loads(payload_json)
    for key in _PER_ANSWER:
        payload["state"].pop(key, None)
    return payload


def _move(app, class_percentile: int, ood_percentile: int) -> dict:
    app.sliders_panel.sliders.param.update(class_percentile=class_percentile,
                                           ood_percentile=ood_percentile)
    return _comparable(app.bridge.dynamic)


@pytest.mark.parametrize(
    ("setting", "mode", "select_row"),
    [((51, 15), "percentile", None), ((50, 16), "percentile", 3), ((0, 0), "percentile", 7),
     ((100, 100), "percentile", None), ((73, 2), "mean", 11), ((50, 14), "mean", None)],
)  # fmt: skip
def test_a_payload_computed_ahead_is_what_the_move_then_publishes(app, setting, mode, select_row):
    if select_row is not None:
        app.state.select(app.state.dataset.ids[select_row])
    app.thresholds_panel.mode.value = mode
    published_before = app.bridge.dynamic
    revision, basis = app.state.revision, app.basis
    ahead = app.preview_payload(SliderSetting(*setting))
    # Computing ahead changes nothing: not the state, not what the page was sent.
    assert app.bridge.dynamic == published_before
    assert (app.state.revision, app.basis) == (revision, basis)
    assert _move(app, *setting) == _comparable(ahead)
    assert app.basis == basis
    state = json.loads(ahead)["state"]
    assert (state["class_percentile"], state["ood_percentile"]) == setting
    assert json.loads(ahead)["views"]["joint"]["cells"]  # laid out, not empty


def test_only_the_sliders_keep_the_basis(app):
    basis = app.basis
    _move(app, 60, 20)
    assert app.basis == basis
    for change in (
        lambda: app.state.select(app.state.dataset.ids[5]),  # another card in the explainer
        lambda: setattr(app.thresholds_panel.mode, "value", "mean"),
        lambda: app.state.relabel(app.state.dataset.ids[0], 1),  # the pending labels show
        app.retrain,
    ):
        change()
        assert app.basis > basis
        basis = app.basis


def test_a_payload_at_a_setting_reports_that_setting_everywhere(app):
    app.state.select(app.state.dataset.ids[4])
    before = (app.state.class_percentile, app.state.ood_percentile)
    payload = json.loads(app.preview_payload(SliderSetting(83, 7)))
    state, views = payload["state"], payload["views"]
    assert (state["class_percentile"], state["ood_percentile"]) == (83, 7)
    address = parse_query(payload["address"])
    assert (address.class_percentile, address.ood_percentile) == (83, 7)
    assert views["histograms"]["legend"] == ["class threshold (83th pct)",
                                             "OOD threshold (7th pct)"]
    outcome = app.state.outcome_at(SliderSetting(83, 7))
    assert state["class_thresholds"] == outcome.result.class_thresholds.tolist()
    assert state["categories"] == outcome.result.categories.tolist()
    row = app.state.selected_index
    assert views["explainer"]["category"]["key"] == outcome.result.categories[row]
    assert (app.state.class_percentile, app.state.ood_percentile) == before


@pytest.mark.parametrize("bad", [(101, 15), (50, -1), (50.5, 15), (True, 15)])
def test_a_bad_setting_is_refused(bad):
    with pytest.raises(ValueError, match=r"must be a whole number in 0\.\.100"):
        SliderSetting(*bad)


def _keys(settings) -> list[str]:
    return [setting.key for setting in settings]


def test_the_order_goes_the_way_of_the_last_move_first():
    at = SliderSetting(50, 15)
    assert _keys(lookahead_order(at, "class", -1, reach=(2, 1))) == [
        "49,15", "51,15", "48,15", "50,16", "52,15", "50,14"
    ]  # fmt: skip
    assert _keys(lookahead_order(at, "ood", 1, reach=(1, 1))) == ["50,16", "50,14", "51,15",
                                                                   "49,15"]  # fmt: skip


def test_the_order_stays_inside_the_sliders_and_leaves_out_a_disabled_one():
    order = lookahead_order(SliderSetting(100, 0), "class", 1, reach=(3, 2))
    assert _keys(order) == ["99,0", "100,1", "98,0", "100,2", "97,0"]
    assert _keys(lookahead_order(SliderSetting(50, 15), "class", 1, reach=(3, 2),
                                 sliders=("ood",))) == ["50,16", "50,14", "50,17", "50,13"]
    with pytest.raises(ValueError, match="step"):
        lookahead_order(SliderSetting(50, 15), "class", 2)


def _all_ahead(lookahead) -> list[tuple[int, str, str]]:
    found = []
    while (payload := lookahead.next_payload()) is not None:
        found.append(payload)
    return found


def test_the_lookahead_sends_each_setting_once_per_basis_and_follows_the_moves(app):
    lookahead = SliderLookahead(app, reach=(2, 1))
    first = _all_ahead(lookahead)
    assert [key for _, key, _ in first] == ["51,15", "49,15", "52,15", "50,16", "48,15", "50,14"]
    assert {basis for basis, _, _ in first} == {app.basis}
    for _, key, text in first:
        state = json.loads(text)["state"]
        assert key == f"{state['class_percentile']},{state['ood_percentile']}"
    _move(app, 49, 15)  # one step down: what is not sent yet, downwards first
    assert [key for _, key, _ in _all_ahead(lookahead)] == ["47,15", "49,16", "49,14"]
    _move(app, 49, 16)  # the OOD slider up
    assert [key for _, key, _ in _all_ahead(lookahead)] == ["49,17", "49,18", "48,16"]
    app.state.select(app.state.dataset.ids[9])  # a new basis: everything again
    again = _all_ahead(lookahead)
    assert {basis for basis, _, _ in again} == {app.basis}
    assert [key for _, key, _ in again][:2] == ["49,17", "49,15"]


def test_the_lookahead_stops_at_its_limit_and_waits_for_a_model(app, datasets_folder):
    from pyvizzy.app.controller import PyvizzyApp

    assert len(_all_ahead(SliderLookahead(app, reach=(4, 2), limit=5))) == 4  # + the current
    untrained = PyvizzyApp()
    assert untrained.lookahead.next_payload() is None
