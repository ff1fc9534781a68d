"""1. Dataset: every image with its given label; select, relabel, Train."""

from __future__ import annotations

import panel as pn

from pyvizzy.app.components import batched, card, html_pane, scroll_pane
from pyvizzy.app.markup import chip, esc, item_list, panel_title, thumbnail
from pyvizzy.app.relabel import RelabelBar
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState

__all__ = ["DatasetPanel", "render_dataset_grid", "render_dataset_header"]

#: Tiles are drawn in groups of this many, each a grid of its own, skipped by the browser
#: while out of view (``content-visibility: auto``); a multiple of the column counts the
#: panel has (2 in the app's layout; 1, 3, 4 and 6 also), so that rows are full.
TILES_PER_GROUP = 12

ITEM_CSS = stylesheet("dataset.css")


def render_dataset_header(state: AppState) -> str:
    """Title, size, the random-weights warning and what is selected."""
    dataset = state.dataset
    if dataset is None:
        return panel_title(1, "Dataset")
    parts = [
        panel_title(
            1,
            "Dataset",
            f'<span class="pv-count" title="{dataset.n_items} images">· {dataset.n_items}</span>',
        )
    ]
    if dataset.random_weights:
        parts.append(
            '<div class="pv-warn" role="alert" title="The embeddings come from a network with '
            'random (untrained) weights: they carry little meaning.">Random network weights: '
            "results are illustrative only.</div>"
        )
    row = state.selected_index
    if row is None:
        parts.append('<div class="pv-selected-line pv-muted">Click an image to select it.</div>')
    else:
        label = int(state.pending_labels[row])
        parts.append(
            f'<div class="pv-selected-line">{chip(dataset.class_names[label], label)}'
            f'<code title="{esc(dataset.ids[row])}">{esc(dataset.ids[row])}</code></div>'
        )
    return "".join(parts)


def render_dataset_grid(state: AppState) -> str:
    """Every item as a thumbnail with its (pending) given label; edited ones marked.

    The selection is not drawn here: the page marks it (``pv-live-selection``), so that
    selecting an image does not rebuild this list of every image.
    """
    dataset = state.dataset
    if dataset is None:
        return '<div class="pv-empty">No dataset loaded.</div>'
    pending = state.pending_labels
    edited = pending != state.labels
    names = dataset.class_names
    tiles = []
    for row, item_id in enumerate(dataset.ids):
        label = int(pending[row])
        mark = '<span class="pv-edited" title="relabelled"></span>' if edited[row] else ""
        tiles.append(
            '<div class="pv-item">'
            + thumbnail(
                item_id,
                state.image_urls[row],
                label,
                size="md",
                lazy=True,
                title=f"{item_id} · given {names[label]}",
            )
            + chip(names[label], label)
            + mark
            + "</div>"
        )
    groups = "".join(
        f'<div class="pv-tiles">{"".join(tiles[start:start + TILES_PER_GROUP])}</div>'
        for start in range(0, len(tiles), TILES_PER_GROUP)
    )
    return f'<div class="pv-grid pv-live-selection" {item_list("Dataset images")}>{groups}</div>'


class DatasetPanel(pn.viewable.Viewer):
    """The dataset's images; relabel the selected one and retrain."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        #: Called by the Train button instead of ``state.train()`` (the app shows busy).
        self.on_train = None
        self._syncing = False
        self.header = html_pane(render_dataset_header(state), stylesheets=[ITEM_CSS])
        self.controls = RelabelBar(sizing_mode="stretch_width", margin=0)
        self.controls.param.watch(self._on_train, "trains")
        self.status = html_pane(self._status_text())
        self.grid = scroll_pane(render_dataset_grid(state), stylesheets=[ITEM_CSS])
        self.controls.param.watch(batched(self._on_relabel), "label")
        # (one watcher: a new dataset changes its labels too, and is drawn once)
        state.param.watch(self._on_dataset, ["dataset", "pending_labels", "train_revision"])
        state.param.watch(self._on_selected, ["selected"])
        self._layout = card(
            self.header,
            self.controls,
            self.status,
            self.grid,
            panel="pv-panel-dataset",
        )
        self._sync_relabel()

    def __panel__(self):
        return self._layout

    def _status_text(self) -> str:
        state = self.state
        if state.error:
            return f'<div class="pv-error">{esc(state.error)}</div>'
        if state.n_pending:
            return (
                f'<div class="pv-warn">{state.n_pending} relabelled: press Train to refit.</div>'
            )
        if state.train_seconds is not None:
            return (
                f'<div class="pv-muted">Trained 5-fold SVM in {state.train_seconds:.2f} s.</div>'
            )
        return '<div class="pv-muted">Not trained yet.</div>'

    def _sync_relabel(self) -> None:
        state = self.state
        row = state.selected_index
        self._syncing = True
        try:
            self.controls.set_names(state.class_names)
            self.controls.label = -1 if row is None else int(state.pending_labels[row])
        finally:
            self._syncing = False

    def _on_dataset(self, *_events) -> None:
        self.header.object = render_dataset_header(self.state)
        self.grid.object = render_dataset_grid(self.state)
        self.status.object = self._status_text()
        self._sync_relabel()

    def _on_selected(self, *_events) -> None:
        self.header.object = render_dataset_header(self.state)
        self._sync_relabel()

    def _on_relabel(self, event) -> None:
        state = self.state
        if self._syncing or event.new < 0 or state.selected is None:
            return
        if event.new < len(state.class_names):
            state.relabel(state.selected, event.new)

    def _on_train(self, _event) -> None:
        if self.on_train is not None:
            self.on_train()
        else:
            self.state.train()
            self.refresh_status()

    def refresh_status(self) -> None:
        """Redraw the status line (after an error or a training)."""
        self.status.object = self._status_text()

