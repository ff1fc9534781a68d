"""2. Predicted probabilities: each image's out-of-sample class probabilities as bars."""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import batched, card, html_pane, scroll_pane, themed
from pyvizzy.app.markup import clip_class, esc, item_list, panel_title, thumbnail
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState
from pyvizzy.app.theme import class_color

__all__ = ["SORT_ORDERS", "PredProbsPanel", "render_pred_probs", "row_order"]

SORT_ORDERS = {"Order": "dataset", "Label quality ↑": "quality"}
#: With more classes than this, a row shows only its most probable classes (and the given one).
MAX_BARS = 5
#: Rows are drawn in groups of this many, each skipped by the browser while out of view
#: (``content-visibility: auto``): a first frame lays out only the groups in view, and each
#: frame checks a few groups, not every row, for coming into view.
ROWS_PER_GROUP = 20

ROW_CSS = stylesheet("pred_probs.css")


def row_order(state: AppState, order: str) -> np.ndarray:
    """Row indices in display order: dataset order, or by label quality (worst first)."""
    n_items = 0 if state.dataset is None else state.dataset.n_items
    if order == "quality" and state.quality is not None:
        return np.argsort(state.quality, kind="stable")
    return np.arange(n_items)


def _bars(probs: np.ndarray, given: int, names) -> str:
    classes = np.arange(probs.shape[0])
    if classes.size > MAX_BARS:
        top = set(np.argsort(-probs, kind="stable")[: MAX_BARS - 1].tolist()) | {given}
        classes = np.array(sorted(top))
    cells = []
    for k in classes:
        name_css = ("n given" if k == given else "n") + clip_class(names[k])
        cells.append(
            f'<span class="{name_css}">{esc(names[k])}</span>'
            f'<span class="b"><i style="width:{probs[k] * 100:.1f}%;--c:{class_color(int(k))}">'
            f'</i></span><span class="v">{probs[k]:.3f}</span>'
        )
    return f'<div class="pv-bars">{"".join(cells)}</div>'


def _row(state: AppState, row: int) -> str:
    names = state.class_names
    label = int(state.labels[row])
    item_id = state.dataset.ids[row]
    return (
        f'<div class="pv-prow" data-pv-tile="{esc(item_id)}" title="{esc(item_id)} · given '
        f'{esc(names[label])} · label quality {state.quality[row]:.3f}">'
        + thumbnail(item_id, state.image_urls[row], label, size="sm", lazy=True)
        + _bars(state.pred_probs[row], label, names)
        + "</div>"
    )


def render_pred_probs(state: AppState, order: str = "dataset") -> str:
    """One row per image: thumbnail, class probabilities as bars, label quality.

    Rows are built once per training; the selection is marked by the page
    (``pv-live-selection``), so selecting an image does not rebuild this list.
    """
    if state.dataset is None or state.pred_probs is None:
        return '<div class="pv-empty">Train the model to see its predicted probabilities.</div>'
    rows = state.cached(
        "probability rows", lambda: [_row(state, row) for row in range(state.dataset.n_items)]
    )
    ordered = [rows[row] for row in row_order(state, order).tolist()]
    body = "".join(
        f'<div class="pv-rows">{"".join(ordered[start:start + ROWS_PER_GROUP])}</div>'
        for start in range(0, len(ordered), ROWS_PER_GROUP)
    )
    attributes = item_list("Images with their probabilities")
    return f'<div class="pv-live-selection" {attributes}>{body}</div>'


class PredProbsPanel(pn.viewable.Viewer):
    """The model's out-of-sample probabilities, sortable by label quality."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.header = html_pane(panel_title(2, "Predicted probabilities"))
        self.sort = themed(
            pn.widgets.RadioButtonGroup(
                options=SORT_ORDERS,
                value="dataset",
                sizing_mode="stretch_width",
                margin=(4, 0),
            )
        )
        self.rows = scroll_pane(render_pred_probs(state), stylesheets=[ROW_CSS])
        self.sort.param.watch(batched(self._redraw), "value")
        state.param.watch(self._redraw, ["train_revision", "dataset"])
        self._layout = card(self.header, self.sort, self.rows, panel="pv-panel-probs")

    def __panel__(self):
        return self._layout

    def _redraw(self, *_events) -> None:
        self.rows.object = render_pred_probs(self.state, self.sort.value)
