"""Colours and stylesheets of the app, for the light and the dark theme.

The theme is a set of CSS custom properties (``--pv-*``) defined on the page's root
element by :data:`GLOBAL_CSS` (``styles/page.css``, injected by the bridge on the main
thread). Custom properties inherit through shadow roots, so every panel's own stylesheet
(:data:`PANEL_CSS`, :data:`WIDGET_CSS`, and each panel's) reads them, and switching theme
is one attribute on ``<html>``: ``data-pv-theme="dark"``. No request leaves the site.
"""

from __future__ import annotations

from pyvizzy.app.resources import stylesheet

__all__ = [
    "CLASS_COLORS",
    "GLOBAL_CSS",
    "PANEL_CSS",
    "WIDGET_CSS",
    "class_color",
]

#: One colour per class (cycled), readable on both themes.
CLASS_COLORS = (
    "#4e79a7",
    "#e68a2e",
    "#59a14f",
    "#b07aa1",
    "#e15759",
    "#76b7b2",
    "#c9a227",
    "#9c755f",
    "#ff9da7",
    "#7f7f7f",
)


def class_color(class_index: int) -> str:
    """The colour of a class (gray for none, i.e. index < 0)."""
    if class_index < 0:
        return "#8a8f98"
    return CLASS_COLORS[class_index % len(CLASS_COLORS)]


#: Injected once into the page's <head> (light DOM) by the bridge.
GLOBAL_CSS = stylesheet("page.css")
#: Shared by every HTML pane (inside its shadow root).
PANEL_CSS = stylesheet("panel.css")
#: Restyles Bokeh / Panel widgets (inside their shadow roots) with the theme's colours.
WIDGET_CSS = stylesheet("widget.css")
