"""The faster ``edit_readonly`` behaves as Panel's and replaces it everywhere."""

from __future__ import annotations

import sys

import param
import pytest
from panel.util.parameters import edit_readonly as panels_edit_readonly

from pyvizzy.app import panel_compat


class Locked(param.Parameterized):
    frozen = param.Integer(default=1, readonly=True)
    fixed = param.String(default="a", constant=True)
    both = param.Number(default=0.5, readonly=True, constant=True)
    free = param.Boolean(default=False)


def flags(obj):
    return {name: (p.readonly, p.constant) for name, p in obj.param.objects("existing").items()}


def class_flags():
    return {name: (p.readonly, p.constant) for name, p in Locked.param.objects().items()}


def edited(edit, error=None):
    """A fresh object, its parameters set inside ``edit``: its values and flags after."""
    obj = Locked()
    obj.param.objects("existing")["fixed"]  # as pn.state's: some parameters copied already
    try:
        with edit(obj):
            obj.param.update(frozen=2, both=0.25, free=True)
            if error:
                raise error
    except RuntimeError:
        pass
    return (obj.frozen, obj.fixed, obj.both, obj.free), flags(obj), class_flags()


@pytest.mark.parametrize("error", [None, RuntimeError("in the block")])
def test_it_has_the_same_effect_as_panels_own(error):
    before = class_flags()
    ours = edited(panel_compat.edit_readonly, error)
    panels = edited(panels_edit_readonly, error)
    assert ours == panels
    assert ours[0] == (2, "a", 0.25, True)
    assert class_flags() == before
    obj = Locked()
    with panel_compat.edit_readonly(obj):
        obj.fixed = "b"
    assert obj.fixed == "b"
    with pytest.raises(TypeError):
        Locked().frozen = 3  # locked again outside the block


def test_install_replaces_panels_function_in_the_modules_that_hold_it(monkeypatch):
    import panel.reactive
    import panel.util
    import panel.util.parameters
    import panel.widgets.slider

    modules = (panel.util.parameters, panel.util, panel.reactive, panel.widgets.slider,
               sys.modules["panel.io.state"])
    for module in modules:
        monkeypatch.setattr(module, "edit_readonly", panels_edit_readonly)
    assert panel_compat.install_fast_edit_readonly() >= len(modules)
    for module in modules:
        assert module.edit_readonly is panel_compat.edit_readonly
    assert panel_compat.install_fast_edit_readonly() == 0


def test_a_widget_not_busy_changes_without_flipping_panels_busy_state():
    import panel as pn

    flips = []
    watcher = pn.state.param.watch(lambda event: flips.append(event.new), "busy")
    try:
        counted, quiet = pn.widgets.IntSlider(end=100), pn.widgets.IntSlider(end=100)
        assert panel_compat.not_busy(quiet, "value", "value_throttled") is quiet
        counted._process_events({"value": 51, "value_throttled": 51})
        assert flips == [True, False]  # Panel's own way: busy while the change is processed
        flips.clear()
        quiet._process_events({"value": 51, "value_throttled": 51})
        assert quiet.value == 51 and flips == []
        assert counted._busy__ignore == []  # only the one widget changed
    finally:
        pn.state.param.unwatch(watcher)


def test_the_design_is_asked_only_when_stylesheets_change_and_the_properties_are_panels():
    from types import SimpleNamespace

    import panel as pn
    from bokeh.document import Document

    doc = Document()
    ours = panel_compat.IntSlider(end=100, stylesheets=[":host { color: red; }"])
    panels = pn.widgets.IntSlider(end=100, stylesheets=[":host { color: red; }"])
    for slider in (ours, panels):
        slider.get_root(doc)
    asked = []
    design_params = ours._design.params
    ours._design.params = lambda *args, **kwargs: asked.append(1) or design_params(*args,
                                                                                   **kwargs)

    def change(name, new):
        return SimpleNamespace(name=name, new=new)

    def same_sheets(properties):  # stylesheet models compared by URL, not by their new ids
        sheets = properties.get("stylesheets", [])
        return {**properties, "stylesheets": [getattr(sheet, "url", sheet) for sheet in sheets]}

    moved = [change("value", 51), change("value_throttled", 51)]
    properties = ours._update_properties(*moved, doc=doc)
    assert asked == []  # (the design may be Panel's slider's too: asked after ours only)
    assert properties == panels._update_properties(*moved, doc=doc)
    restyled = [change("stylesheets", [":host { color: blue; }"])]
    asked.clear()
    properties = ours._update_properties(*restyled, doc=doc)
    assert asked == [1]
    assert same_sheets(properties) == same_sheets(panels._update_properties(*restyled, doc=doc))
    assert len(properties["stylesheets"]) > 1  # the design's, then the widget's own
