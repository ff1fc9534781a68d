"""4. Confident joint: the K x K matrix (given x suggested) with counts and thumbnails."""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, card, html_pane
from pyvizzy.app.markup import chip, esc, thumbnail
from pyvizzy.app.state import AppState, joint_cell_members

__all__ = ["JointPanel", "cell_alpha", "joint_layout", "render_joint"]

JOINT_CSS = """
.pv-jwrap { display: flex; flex-direction: column; height: 100%; gap: 4px; }
.pv-jbody { flex: 1 1 0; min-height: 0; }
.pv-joint { display: grid; gap: 4px; height: 100%; min-height: 0; box-sizing: border-box; }
.pv-jh { display: flex; align-items: center; justify-content: center; min-width: 0; }
.pv-jh .pv-chip { font-size: 11px; line-height: 17px; padding: 0 7px; }
.pv-jh.row { justify-content: flex-end; }
.pv-jh.row .pv-chip { white-space: normal; text-align: center; line-height: 14px; padding: 2px 5px;
  word-break: break-word; }
.pv-cell { position: relative; border-radius: 7px; min-height: 0; min-width: 0; overflow: auto;
  padding: 16px 4px 4px 4px; box-sizing: border-box; border: 1px solid var(--pv-border);
  align-content: flex-start; display: flex; flex-wrap: wrap; }
.pv-cell.diag { background: rgba(var(--pv-clean-rgb), var(--a)); }
.pv-cell.off { background: rgba(var(--pv-issue-rgb), var(--a)); }
.pv-cell .cnt { position: absolute; top: 2px; right: 6px; font-weight: 750; font-size: 12px;
  font-variant-numeric: tabular-nums; }
.pv-cell.off .cnt { color: var(--pv-issue); }
.pv-cell .cnt.zero { color: var(--pv-muted); font-weight: 500; }
.pv-corner { font-size: 10px; color: var(--pv-muted); display: flex; align-items: flex-end;
  justify-content: flex-end; text-align: right; line-height: 1.15; padding: 0 2px 2px 0; }
"""

#: Cells holding more items than this show smaller thumbnails.
DENSE_CELL = 40
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


def joint_layout(state: AppState) -> dict | None:
    """What the page needs to lay out the joint drawn for this model at the current sliders.

    ``cells`` (row-major, K x K) lists the rows of each cell's items in dataset order,
    ``alpha`` each cell's tint, ``counted`` / ``issues`` the title's counts; the page moves
    the already drawn thumbnails (``data-pv-tile`` = row) accordingly. None before training.
    """
    result = state.result
    if result is None:
        return None
    n_classes = state.n_classes
    cells = joint_cell_members(state.labels, result.suggested, n_classes)
    alphas = _alphas(result.joint)
    n_counted = int(result.joint.sum())
    return {
        "cells": [cells[i][j].tolist() for i in range(n_classes) for j in range(n_classes)],
        "alpha": [round(alphas[i][j], 3) for i in range(n_classes) for j in range(n_classes)],
        "dense": DENSE_CELL,
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
        '<div class="pv-joint pv-live-selection" style="'
        f"grid-template-columns: 64px repeat({n_classes}, minmax(0, 1fr)); "
        f'grid-template-rows: 20px repeat({n_classes}, minmax(0, 1fr));">'
        '<div class="pv-corner"></div>'
    ]
    for j, name in enumerate(names):
        parts.append(
            f'<div class="pv-jh" title="suggested: {esc(name)}">'
            f"{chip('suggested: ' + name, j)}</div>"
        )
    for i, given_name in enumerate(names):
        parts.append(
            f'<div class="pv-jh row" title="given: {esc(given_name)}">'
            f"{chip('given: ' + given_name, i)}</div>"
        )
        for j in range(n_classes):
            members = cells[i][j]
            count = int(result.joint[i, j])
            kind = "diag" if i == j else "off"
            alpha = alphas[i][j]
            size = "xxs" if len(members) > DENSE_CELL else "xs"
            thumbs = "".join(
                thumbnail(
                    ids[row],
                    state.image_urls[row],
                    i,
                    size=size,
                    selected=row == selected,
                    title=f"{ids[row]} · given {given_name}",
                    tile=str(row),
                )
                for row in members
            )
            count_css = "cnt zero" if count == 0 else "cnt"
            parts.append(
                f'<div class="pv-cell {kind}" style="--a:{alpha:.3f}" data-given="{i}" '
                f'data-suggested="{j}" title="given {esc(given_name)}, suggested '
                f'{esc(names[j])}: {count}"><span class="{count_css}">{count}</span>{thumbs}</div>'
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
            tile=str(row),
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
        return (
            '<div class="pv-title"><span class="pv-num">4</span><b>Confident joint</b>'
            f"{counts}</div>"
        )

    def _draw(self, state: AppState) -> str:
        return f'{self._title(state)}<div class="pv-jbody">{render_joint(state)}</div>'

    def page_layout(self, state=None) -> dict | None:
        """:func:`joint_layout` for the drawing on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(state)
