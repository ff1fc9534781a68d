"""Panel building blocks shared by the panels: themed HTML panes, widgets and cards."""

from __future__ import annotations

import functools

import panel as pn
from panel.io.document import hold

from pyvizzy.app.theme import PANEL_CSS, WIDGET_CSS

__all__ = ["TextOnlyHTML", "batched", "card", "html_pane", "scroll_pane", "themed"]

CARD_STYLES = {
    "background": "var(--pv-panel, #fff)",
    "border-radius": "10px",
    "border": "1px solid var(--pv-border, #ddd)",
    "box-shadow": "var(--pv-shadow, none)",
    "overflow": "hidden",
    "min-height": "0",
    "min-width": "0",
}


def batched(callback):
    """Run a callback with the document held when that is safe and useful.

    Under ``panel serve``, once the session is loaded, all the model changes the callback
    causes then reach the page as ONE patch instead of one websocket message per changed
    pane (a slider redraw went from about 57 to 28 ms on a loaded machine). Panel's
    ``hold`` DROPS the held events of a document it does not consider loaded (before the
    session's on-load, and in Pyodide, where each change is posted to the page anyway),
    so there the callback runs unheld.
    """

    @functools.wraps(callback)
    def run_held(*args, **kwargs):
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None or not pn.state.loaded:
            return callback(*args, **kwargs)
        with hold(doc):
            return callback(*args, **kwargs)

    return run_held


class TextOnlyHTML(pn.pane.HTML):
    """An HTML pane whose content updates send the new text and nothing else.

    Panel's HTML pane recomputes every property of its model (stylesheets included,
    building new stylesheet models to compare) each time its content changes. The app
    replaces the content of five panes on every slider move, and that overhead was about
    half the Python time of a redraw (more in Pyodide). The text is escaped exactly as
    Panel does; other parameters still update through Panel's usual path.
    """

    def _update(self, ref, model) -> None:
        model.update(text=self._transform_object(self.object)["object"])


def html_pane(text: str = "", **params) -> pn.pane.HTML:
    """An HTML pane with the app's stylesheet (stretching to the width by default)."""
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("margin", (0, 0))
    params["stylesheets"] = [PANEL_CSS, *params.get("stylesheets", [])]
    return TextOnlyHTML(text, **params)


def scroll_pane(text: str = "", **params) -> pn.pane.HTML:
    """An HTML pane that fills the space left and scrolls inside itself."""
    params.setdefault("sizing_mode", "stretch_both")
    styles = {"overflow": "auto", "min-height": "0", **params.pop("styles", {})}
    return html_pane(text, styles=styles, **params)


def themed(widget):
    """Give a widget the theme's colours (works in light and dark)."""
    widget.stylesheets = [*widget.stylesheets, WIDGET_CSS]
    return widget


def card(*objects, panel: str, **params) -> pn.Column:
    """A panel's card: a column filling its grid cell, found by the Guide as ``.{panel}``."""
    params.setdefault("sizing_mode", "stretch_both")
    params.setdefault("margin", 0)
    styles = {**CARD_STYLES, "padding": "8px 9px", **params.pop("styles", {})}
    return pn.Column(*objects, css_classes=["pv-card", panel], styles=styles, **params)
