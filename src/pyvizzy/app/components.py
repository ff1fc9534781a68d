"""Panel building blocks shared by the panels: themed HTML panes, widgets and cards."""

from __future__ import annotations

import functools
import html

import panel as pn
from panel.io.document import hold

from pyvizzy.app.panel_compat import TextOnlyHTML
from pyvizzy.app.theme import PANEL_CSS, WIDGET_CSS

__all__ = ["PageDrawing", "batched", "card", "html_pane", "scroll_pane", "themed"]

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
    pane. Panel's ``hold`` DROPS the held events of a document it does not consider loaded
    (before the session's on-load, and in Pyodide, where the site's worker batches the
    changes itself: ``panel_compat.DocumentRelay``), so there the callback runs unheld.
    """

    @functools.wraps(callback)
    def run_held(*args, **kwargs):
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None or not pn.state.loaded:
            return callback(*args, **kwargs)
        with hold(doc):
            return callback(*args, **kwargs)

    return run_held


def html_pane(text: str = "", **params) -> pn.pane.HTML:
    """An HTML pane with the app's stylesheet (stretching to the width by default)."""
    params.setdefault("sizing_mode", "stretch_width")
    params.setdefault("margin", (0, 0))
    params["stylesheets"] = [PANEL_CSS, *params.get("stylesheets", [])]
    return TextOnlyHTML(text, **params)


def scroll_region(name: str) -> str:
    """Attributes for a drawing's root that scrolls itself (not its pane), named ``name``.

    A scrolling box must be reachable by keyboard (WCAG 2.1.1): this one is a named region
    in the tab order, whose arrow keys scroll it.
    """
    return f'class="pv-scroller" tabindex="0" role="region" aria-label="{html.escape(name)}"'


def scroll_pane(text: str = "", **params) -> pn.pane.HTML:
    """An HTML pane that fills the space left and scrolls inside itself (its host carries
    ``pv-scrolls``: an edge with more beyond it fades, ``styles/panel.css``)."""
    params.setdefault("sizing_mode", "stretch_both")
    params["css_classes"] = ["pv-scrolls", *params.get("css_classes", [])]
    styles = {"overflow": "auto", "min-height": "0", **params.pop("styles", {})}
    return html_pane(text, styles=styles, **params)


class PageDrawing:
    """An HTML pane drawn in full once per model, then laid out by the page.

    A new dataset, training or OOD lens draws ``draw(state)`` into the pane; a slider move changes
    nothing here: :meth:`page_layout` (``layout(state, outcome)``), sent with the state, tells the
    page (``page/views.js``) where the drawn tiles and lines go. Each full drawing gets a new
    revision (``data-pv-rev``) so that the page lays out only the drawing it was told about.

    Parameters
    ----------
    state : AppState
    view : str
        The drawing's name for the page (``data-pv-view``).
    draw, layout : callable
        ``draw(state) -> str`` (the inner HTML) and ``layout(state, outcome) -> dict | None``
        (None: nothing to lay out).
    make_pane : callable
        ``html -> pane``, e.g. :func:`html_pane` with the panel's stylesheet.
    attrs : str
        Further attributes of the drawing's wrapping ``<div>``.
    per_selection : bool
        The drawing shows the selected item: a new selection draws it anew too.
    """

    def __init__(
        self, state, view: str, draw, layout, make_pane, attrs: str = "",
        per_selection: bool = False,
    ):  # fmt: skip
        self.state = state
        self.view = view
        self._draw = draw
        self._layout = layout
        self._attrs = attrs
        self._per_selection = per_selection
        self.revision = 0
        self._drawn_for = self._model_key()
        self.pane = make_pane(self._content())
        state.param.watch(self._redraw, ["revision", "selected"] if per_selection else ["revision"])

    def _model_key(self) -> tuple:
        state = self.state
        selected = state.selected if self._per_selection else None
        return (
            id(state.dataset), state.train_revision, state.result is None, selected,
            state.ood_lens,
        )  # fmt: skip

    def _content(self) -> str:
        self.revision += 1
        return (
            f'<div {self._attrs} data-pv-view="{self.view}" data-pv-rev="{self.revision}">'
            f"{self._draw(self.state)}</div>"
        )

    def page_layout(self, outcome=None) -> dict | None:
        """``layout(state, outcome)`` for the drawing on the page, with its revision.

        ``outcome`` (a :class:`~pyvizzy.app.state.Outcome`) defaults to the state's current
        one; another setting's gives the layout a slider move there would send.
        """
        layout = self._layout(self.state, outcome or self.state.outcome())
        return None if layout is None else {**layout, "rev": self.revision}

    def _redraw(self, *_events) -> None:
        key = self._model_key()
        if key != self._drawn_for:
            self._drawn_for = key
            self.pane.object = self._content()


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
