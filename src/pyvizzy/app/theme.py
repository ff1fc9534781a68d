"""Colours and stylesheets of the app, for the light and the dark theme.

The theme is a set of CSS custom properties (``--pv-*``) defined on the page's root
element by :data:`GLOBAL_CSS` (``styles/page.css``, injected by the bridge on the main
thread). Custom properties inherit through shadow roots, so every panel's own stylesheet
(:data:`PANEL_CSS`, :data:`WIDGET_CSS`, and each panel's) reads them, and switching theme
is one attribute on ``<html>``: ``data-pv-theme="dark"``. No request leaves the site.
"""

from __future__ import annotations

import functools

from pyvizzy.app.resources import stylesheet

__all__ = [
    "CLASS_COLORS",
    "GLOBAL_CSS",
    "PANEL_CSS",
    "WIDGET_CSS",
    "class_color",
    "class_style",
    "contrast_ratio",
    "readable_ink",
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


#: The two inks text on a class colour is drawn in (whichever contrasts more).
LIGHT_INK = "#ffffff"
DARK_INK = "#111418"


def _relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    high, low = sorted((_relative_luminance(first), _relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@functools.lru_cache(maxsize=256)
def readable_ink(background: str) -> str:
    """The ink (:data:`LIGHT_INK` or :data:`DARK_INK`) that reads best on ``background``
    (remembered: a page draws thousands of chips in a few colours)."""
    light = contrast_ratio(background, LIGHT_INK)
    return LIGHT_INK if light >= contrast_ratio(background, DARK_INK) else DARK_INK


def class_style(class_index: int) -> str:
    """Inline CSS giving a class's colour (``--c``) and the ink to write on it (``--on-c``)."""
    color = class_color(class_index)
    return f"--c:{color};--on-c:{readable_ink(color)}"


#: Injected once into the page's <head> (light DOM) by the bridge.
GLOBAL_CSS = stylesheet("page.css")
#: Shared by every HTML pane (inside its shadow root).
PANEL_CSS = stylesheet("panel.css")
#: Restyles Bokeh / Panel widgets (inside their shadow roots) with the theme's colours.
WIDGET_CSS = stylesheet("widget.css")
