"""4. Confident joint: the K x K matrix (given x suggested) with counts and thumbnails."""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, card, html_pane
from pyvizzy.app.markup import chip, esc, item_list, panel_title, thumbnail
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome, joint_cell_members

__all__ = ["JointPanel", "cell_alpha", "joint_layout", "render_joint"]

JOINT_CSS = stylesheet("joint.css")
#: What a screen reader calls the joint (one tab stop; its images by the arrow keys).
JOINT_LIST_NAME = "Confident joint: images by given and suggested label"

#: Tint of a cell: MIN_ALPHA for a non-empty cell up to MAX_ALPHA for the fullest.
MIN_ALPHA, MAX_ALPHA = 0.10, 0.42


def cell_alpha(count: int, peak: int) -> float:
    """Background opacity of a cell holding ``count`` items (the fullest holds ``peak``)."""
    if count <= 0 or peak <= 0:
        return 0.03
    return MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * (count / peak) ** 0.5


def _alphas(joint: np.ndarray) -> list[list[float]]:
    """Every cell's tint: diagonal cells scaled to the fullest diagonal one, others likewise."""
    n_classes = joint.shape[0]
    diagonal_peak = max(int(joint[k, k]) for k in range(n_classes))
    off_peak = max(
        [int(joint[i, j]) for i in range(n_classes) for j in range(n_classes) if i != j] or [0]
    )
    return [
        [cell_alpha(int(joint[i, j]), diagonal_peak if i == j else off_peak)
         for j in range(n_classes)]
        for i in range(n_classes)
    ]  # fmt: skip


def joint_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """What the page needs to lay out the joint drawn for this model at ``outcome``'s setting
    (default: the current one).

    ``cells`` (row-major, K x K) lists the rows of each cell's items in dataset order,
    ``alpha`` each cell's tint, ``counted`` / ``issues`` the title's counts; the page moves
    the already drawn thumbnails (``data-pv-key`` = row) accordingly, as many as fit in a
    cell, and a "+N" for the rest (``page/views.js``). None before training.
    """
    result = (outcome or state.outcome()).result
    if result is None:
        return None
    n_classes = state.n_classes
    cells = joint_cell_members(state.labels, result.suggested, n_classes)
    alphas = _alphas(result.joint)
    n_counted = int(result.joint.sum())
    return {
        "cells": [cells[i][j].tolist() for i in range(n_classes) for j in range(n_classes)],
        "alpha": [f"{alphas[i][j]:.3f}" for i in range(n_classes) for j in range(n_classes)],
        "counted": n_counted,
        "issues": n_counted - int(result.joint.trace()),
    }


def render_joint(state: AppState) -> str:
    """The confident joint as a CSS grid: headers, then one cell per (given, suggested).

    Items in no cell (no suggested label) wait, hidden, in a pool: the page moves tiles
    between the cells and the pool when the sliders move (:func:`joint_layout`).
    """
    result = state.result
    if result is None:
        return '<div class="pv-empty">The confident joint appears once the model is trained.</div>'
    names = state.class_names
    n_classes = len(names)
    cells = joint_cell_members(state.labels, result.suggested, n_classes)
    selected = state.selected_index
    alphas = _alphas(result.joint)
    ids = state.dataset.ids
    parts = [
        f'<div class="pv-joint pv-live-selection" {item_list(JOINT_LIST_NAME)} style="'
        f"grid-template-columns: minmax(0, max-content) repeat({n_classes}, minmax(0, 1fr)); "
        f'grid-template-rows: auto repeat({n_classes}, minmax(0, 1fr));">'
        '<div class="pv-corner"><span>suggested &rarr;</span><span>given &darr;</span></div>'
    ]
    for j, name in enumerate(names):
        parts.append(
            f'<div class="pv-jh" title="suggested: {esc(name)}">{chip(name, j)}</div>'
        )
    for i, given_name in enumerate(names):
        parts.append(
            f'<div class="pv-jh row" title="given: {esc(given_name)}">{chip(given_name, i)}</div>'
        )
        for j in range(n_classes):
            members = cells[i][j]
            count = int(result.joint[i, j])
            kind = "diag" if i == j else "off"
            alpha = alphas[i][j]
            thumbs = "".join(
                thumbnail(
                    ids[row],
                    state.image_urls[row],
                    i,
                    size="xs",
                    selected=row == selected,
                    title=f"{ids[row]} · given {given_name}",
                    key=str(row),
                )
                for row in members
            )
            count_css = "cnt zero" if count == 0 else "cnt"
            parts.append(
                f'<div class="pv-cell {kind}" style="--a:{alpha:.3f}" data-given="{i}" '
                f'data-suggested="{j}" title="given {esc(given_name)}, suggested '
                f'{esc(names[j])}: {count}"><span class="{count_css}">{count}</span>{thumbs}'
                '<button type="button" class="pv-more" tabindex="-1" hidden></button></div>'
            )
    unplaced = np.flatnonzero(np.asarray(result.suggested) < 0).tolist()
    pool = "".join(
        thumbnail(
            ids[row],
            state.image_urls[row],
            int(state.labels[row]),
            size="xs",
            selected=row == selected,
            title=f"{ids[row]} · given {names[int(state.labels[row])]}",
            key=str(row),
        )
        for row in unplaced
    )
    parts.append(f'<div class="pv-pool" style="display:none">{pool}</div></div>')
    return "".join(parts)


class JointPanel(pn.viewable.Viewer):
    """The confident joint heatmap with the images of every cell."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        # Title and matrix in one pane: one model update per redraw.
        self.drawing = PageDrawing(
            state, "joint", self._draw, joint_layout,
            lambda html: html_pane(html, stylesheets=[JOINT_CSS], sizing_mode="stretch_both"),
            attrs='class="pv-jwrap"',
        )
        self.matrix = self.drawing.pane
        self._layout = card(self.matrix, panel="pv-panel-joint")

    def __panel__(self):
        return self._layout

    @staticmethod
    def _title(state: AppState) -> str:
        result = state.result
        counts = ""
        if result is not None:
            n_counted = int(result.joint.sum())
            n_issues = n_counted - int(result.joint.trace())
            counts = (
                f'<span class="pv-count"><span class="pv-jn">{n_counted}</span> confidently '
                'labelled · <span style="color:var(--pv-issue)">'
                f'<span class="pv-ji">{n_issues}</span> off-diagonal</span></span>'
            )
        return panel_title(4, "Confident joint", counts)

    def _draw(self, state: AppState) -> str:
        return f'{self._title(state)}<div class="pv-jbody">{render_joint(state)}</div>'

    def page_layout(self, outcome=None) -> dict | None:
        """:func:`joint_layout` for the drawing on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(outcome)
