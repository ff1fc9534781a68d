"""pyvizzy.app.panel_compat: each override of Panel's private API against the pinned Panel, the
version check, and the fence (no other module touches Panel's or Bokeh's private names)."""

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

    class IntSlider(panel_compat.DesignForStylesheetsOnly, pn.widgets.IntSlider):
        """Panel's slider with the override (as the bridge and the sliders have it)."""

    doc = Document()
    ours = IntSlider(end=100, stylesheets=[":host { color: red; }"])
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


# -- one test per override, against the pinned Panel --------------------------------------------


def test_it_refuses_any_other_panel_or_bokeh_with_a_clear_error():
    from pyvizzy import versions

    panel_compat.check_versions(versions.PANEL, versions.BOKEH)
    with pytest.raises(panel_compat.PanelVersionError, match=r"needs Panel 1\.7\.5 and Bokeh"
                       r" 3\.7\.3, found Panel 1\.8\.0 and Bokeh 3\.7\.3"):
        panel_compat.check_versions("1.8.0", versions.BOKEH)
    with pytest.raises(panel_compat.PanelVersionError, match="pip install"):
        panel_compat.check_versions(versions.PANEL, "3.8.0")


def test_the_pinned_versions_are_the_ones_pyproject_and_the_running_panel_have():
    import tomllib
    from pathlib import Path

    import bokeh
    import panel as pn

    from pyvizzy import versions

    assert (pn.__version__, bokeh.__version__) == (versions.PANEL, versions.BOKEH)
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert set(pyproject["project"]["optional-dependencies"]["app"]) >= {
        f"panel=={versions.PANEL}", f"bokeh=={versions.BOKEH}"}


def test_the_text_only_pane_sends_the_text_panel_would_and_nothing_else():
    import panel as pn
    from bokeh.document import Document

    doc = Document()
    ours = panel_compat.TextOnlyHTML("<b>a</b> & <i>b</i>")
    panels = pn.pane.HTML("<b>a</b> & <i>b</i>")
    models = [pane.get_root(doc) for pane in (ours, panels)]
    changes = []
    models[0].on_change("text", lambda attr, old, new: changes.append(attr))
    models[0].on_change("stylesheets", lambda attr, old, new: changes.append(attr))
    for pane in (ours, panels):
        pane.object = '<p title="x<y">"quoted" & more</p>'
    assert models[0].text == models[1].text
    assert changes == ["text"]


# -- the fence ----------------------------------------------------------------------------------

#: Where Panel's and Bokeh's private API may be used: the fenced module, and the site's text
#: patches of Panel's files.
FENCED = ("app/panel_compat.py", "site/wheels.py")
#: Panel/Bokeh internals without a leading underscore that only the fence may use.
INTERNAL_NAMES = ("MockSessionContext", "synced_references", "flush_synced",
                  "initialize_document", "apply_json_patch")
#: Private names of Python itself that the site build uses (pycompile.py: CPython's own way to
#: write a sourceless .pyc, run in Pyodide's Python).
PYTHONS_OWN = ("_code_to_timestamp_pyc",)


def _our_private_names(trees) -> set[str]:
    """Every ``_name`` these modules define: functions, classes, variables, arguments, and
    attributes set on ``self`` or ``cls`` (not on other objects: setting a private attribute
    of Panel's is using its private API)."""
    import ast

    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                  and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add(node.asname or node.name.split(".")[0])
    return {name for name in names if name.startswith("_")}


def test_no_module_but_panel_compat_touches_panels_or_bokehs_private_api():
    import ast
    from pathlib import Path

    package = Path(panel_compat.__file__).resolve().parents[1]
    sources = {path.relative_to(package).as_posix(): path.read_text(encoding="utf-8")
               for path in package.rglob("*.py")}
    trees = {name: ast.parse(text) for name, text in sources.items()}
    ours = _our_private_names(tree for name, tree in trees.items() if name not in FENCED)
    ours |= set(PYTHONS_OWN)
    found = []
    for name, tree in trees.items():
        if name in FENCED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                "panel", "bokeh"
            ):
                found += [f"{name}: from {node.module} import {alias.name}"
                          for alias in node.names
                          if alias.name.startswith("_") or alias.name in INTERNAL_NAMES]
            elif isinstance(node, ast.Attribute):
                private = node.attr.startswith("_") and not node.attr.startswith("__")
                if (private and node.attr not in ours) or node.attr in INTERNAL_NAMES:
                    found.append(f"{name}:{node.lineno}: .{node.attr}")
    assert found == []


def test_the_relay_processes_a_page_message_once_per_component_and_answers_in_one_patch():
    # Panel's own way (no session: each property processed at once) updates a slider twice for
    # `value` and `value_throttled` arriving together; through the relay, once with both.
    import json

    import panel as pn
    from bokeh.document import Document

    def updates(through_relay: bool):
        doc = Document()
        sent = []
        # (made before the models: Panel binds its change handler as it makes a model)
        relay = panel_compat.DocumentRelay(doc, sent.append) if through_relay else None
        slider = pn.widgets.IntSlider(start=0, end=100, value=10)
        model = slider.get_root(doc)
        doc.add_root(model)
        calls = []
        slider.param.watch(lambda *events: calls.append(sorted(e.name for e in events)),
                           ["value", "value_throttled"])
        patch = json.dumps({"events": [
            {"kind": "ModelChanged", "model": {"id": model.id}, "attr": attr, "new": 42}
            for attr in ("value", "value_throttled")]})
        if through_relay:
            relay.link()
            relay.apply_page_patch(patch)
        else:
            from bokeh.core.serialization import Serialized

            doc.apply_json_patch(Serialized(content=json.loads(patch), buffers=[]), setter="js")
        return calls, sent, slider.value

    assert updates(through_relay=False)[0] == [["value"], ["value_throttled"]]
    calls, sent, value = updates(through_relay=True)
    assert calls == [["value", "value_throttled"]] and value == 42
    assert len(sent) <= 1 and all(isinstance(patch, str) for patch in sent)


def test_the_page_session_gives_the_app_the_pages_address():
    import panel as pn
    from bokeh.document import Document
    from panel.io.state import set_curdoc

    doc = Document()
    panel_compat.attach_page_session(doc, {"class": [b"60"], "select": [b"digit-1"]})
    with set_curdoc(doc):
        assert pn.state.session_args == {"class": [b"60"], "select": [b"digit-1"]}


def test_an_app_script_runs_as_panel_serve_would_run_it_or_says_why_not(tmp_path):
    import panel as pn

    good = tmp_path / "good.py"
    good.write_text("import panel as pn\npn.pane.Markdown('hi').servable(title='t')\n")
    document = panel_compat.run_app_script(good)
    assert document.roots and document.title == "t"
    asks = tmp_path / "asks.py"
    asks.write_text("import panel as pn\n"
                    "pn.state.cache['asked'] = dict(pn.state.session_args)\n"
                    "pn.pane.Str('asked').servable(title='a')\n")
    panel_compat.run_app_script(asks, "?dataset=digits&class=70")
    assert pn.state.cache.pop("asked") == {"dataset": [b"digits"], "class": [b"70"]}
    silent = tmp_path / "silent.py"
    silent.write_text("x = 1\n")
    with pytest.raises(RuntimeError, match=r"silent\.py: the app published nothing"):
        panel_compat.run_app_script(silent)
    broken = tmp_path / "broken.py"
    broken.write_text("raise ValueError('no dataset here')\n")
    with pytest.raises(RuntimeError, match=r"broken\.py: the app failed to run:(.|\n)*no dataset"):
        panel_compat.run_app_script(broken)
