"""8. Map: every item at its point on a 2-D map of the embeddings, in its given class's
colour, the flagged ones ringed; a click selects.

The points are the dataset file's own ``map`` (written by ``pyvizzy embed`` and the builds:
t-SNE), else its embeddings' first two principal components, computed in the app (numpy
alone, so also in the browser): :meth:`pyvizzy.app.state.AppState.map_points`. The dots are
drawn once per model; a slider move sends only each item's category (:func:`map_layout`),
which the page writes on the dots (``page/map_view.js``).
"""

from __future__ import annotations

import math

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, card, scroll_pane
from pyvizzy.app.markup import esc, item_list, panel_title
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome
from pyvizzy.app.theme import class_color
from pyvizzy.confident import CATEGORIES

__all__ = ["MapPanel", "map_layout", "map_source", "render_map"]

MAP_CSS = stylesheet("map.css")
#: A category's one-letter code on a dot (``data-c``), as the layout sends it.
CATEGORY_CODES = {"clean": "c", "label_issue": "i", "ood": "o", "unconfident": "u"}
#: The dots' radius in map units (the map spans -1..1): smaller with more items (a flagged
#: or selected dot is larger: ``styles/map.css``).
_RADIUS_RANGE = (0.012, 0.04)
#: The margin around the points, in map units.
_PAD = 0.06


def map_source(state: AppState) -> str:
    """Where the map's points come from, in words (:meth:`AppState.map_points`)."""
    if state.dataset.map is not None:
        return "the dataset's map"
    return "principal components (the dataset has no map)"


def _radius(n_items: int) -> float:
    low, high = _RADIUS_RANGE
    return min(high, max(low, 0.6 / math.sqrt(n_items)))


#: The letters by category code (``Categorization.category_codes``: CATEGORIES' order).
_LETTERS = np.frombuffer("".join(CATEGORY_CODES[c] for c in CATEGORIES).encode(), dtype="S1")


def _codes(result) -> str:
    return _LETTERS[result.category_codes].tobytes().decode()


def _dots(state: AppState, points: np.ndarray) -> str:
    """One ``<circle>`` per item in reading order (top to bottom, then left to right: the
    arrow keys' order), each carrying the item's id, key and name."""
    names = state.class_names
    codes = _codes(state.result)
    # (y grows downwards in SVG: the map's y is negated; rows two diameters high)
    band = np.floor(-points[:, 1] / (4 * _radius(state.dataset.n_items)))
    order = np.lexsort((points[:, 0], band))
    selected = state.selected_index
    dots = []
    for row in order.tolist():
        item_id = state.dataset.ids[row]
        given = int(state.labels[row])
        css = "pv-dot sel" if row == selected else "pv-dot"
        dots.append(
            f'<circle class="{css}" data-pv-key="m{row}" data-pv-tile="{esc(item_id)}" '
            f'data-c="{codes[row]}" cx="{points[row, 0]:.4f}" cy="{-points[row, 1]:.4f}" '
            f'style="--c:{class_color(given)}">'
            f"<title>{esc(item_id)}, given {esc(names[given])}</title></circle>"
        )
    return "".join(dots)


def _legend(state: AppState) -> str:
    classes = "".join(
        f'<span><i style="--c:{class_color(k)}"></i>{esc(name)}</span>'
        for k, name in enumerate(state.class_names)
    )
    return (
        f'<div class="pv-map-legend">{classes}<span><i class="ring i"></i>issue</span>'
        '<span><i class="ring o"></i>OOD</span><span><i class="faded"></i>unconfident</span></div>'
    )


def render_map(state: AppState) -> str:
    """The map: a title saying where the points come from, the legend and the dots."""
    title = panel_title(8, "Map")
    if state.result is None:
        return title + '<div class="pv-empty">The map appears once the model is trained.</div>'
    points, source = state.map_points(), map_source(state)
    low, size = -1 - _PAD, 2 + 2 * _PAD
    return (
        panel_title(8, "Map", f'<span class="pv-map-src">{esc(source)}</span>')
        + _legend(state)
        + f'<svg class="pv-map" viewBox="{low} {low} {size} {size}" '
        f'style="--r:{_radius(state.dataset.n_items):.4f}" '
        f'preserveAspectRatio="xMidYMid meet" {item_list("Map of the embeddings")}>'
        + _dots(state, points)
        + "</svg>"
    )


def map_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """Each item's category at ``outcome``'s setting, one letter per item in dataset order
    (:data:`CATEGORY_CODES`), for the page to write on the dots (None before training)."""
    result = (outcome or state.outcome()).result
    if result is None:
        return None
    return {"codes": _codes(result)}


class MapPanel(pn.viewable.Viewer):
    """Every item on a 2-D map of the embeddings."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.drawing = PageDrawing(
            state, "map", render_map, map_layout,
            lambda html: scroll_pane(html, stylesheets=[MAP_CSS]),
            attrs='class="pv-live-selection pv-map-root"',
        )
        self._layout = card(self.drawing.pane, panel="pv-panel-map")

    def __panel__(self):
        return self._layout

    def page_layout(self, outcome=None) -> dict | None:
        """:func:`map_layout` for the map on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(outcome)
