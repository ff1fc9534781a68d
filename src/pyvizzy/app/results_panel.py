"""5. Results: label issues (ranked), out-of-distribution and unconfident images, and the
near duplicates (drawn once per dataset: the sliders do not change them)."""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, card, html_pane, scroll_pane
from pyvizzy.app.markup import clip_class, esc, item_list, panel_title, thumbnail
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome
from pyvizzy.neighbour_lenses import duplicate_groups

__all__ = ["ResultsPanel", "render_results", "results_layout"]

RESULTS_CSS = stylesheet("results.css")
#: The OOD list's hint, by OOD lens.
_OOD_HINTS = {"rule": "below every OOD threshold", "knn": "far from their nearest neighbours"}
_SECTIONS = (
    ("label_issue", "Label issues", "var(--pv-issue)", "given → suggested, worst label first"),
    ("ood", "Out of distribution", "var(--pv-ood)", None),
    ("unconfident", "Unconfident", "var(--pv-unconfident)", "no class reaches its threshold"),
)


def _issue_tile(state: AppState, row: int, selected: bool) -> str:
    """A label issue: thumbnail, given label struck through, suggested label.

    An item's suggested label, when it has one, is always its most probable class, so
    the tile does not depend on the sliders.
    """
    names = state.class_names
    given = int(state.labels[row])
    suggested = int(np.argmax(state.pred_probs[row]))
    item_id = state.dataset.ids[row]
    return (
        f'<div class="pv-issue" data-pv-key="i{row}">'
        + thumbnail(
            item_id,
            state.image_urls[row],
            given,
            size="",
            selected=selected,
            title=f"{item_id}: given {names[given]}, suggested {names[suggested]} "
            f"(label quality {state.quality[row]:.3f})",
        )
        + f'<div class="lab was{clip_class(names[given])}">{esc(names[given])}</div>'
        + f'<div class="lab now{clip_class(names[suggested])}">→ {esc(names[suggested])}</div>'
        + "</div>"
    )


def _small_tile(state: AppState, row: int, selected: bool) -> str:
    item_id = state.dataset.ids[row]
    given = int(state.labels[row])
    return thumbnail(
        item_id,
        state.image_urls[row],
        given,
        size="sm",
        selected=selected,
        title=f"{item_id}: given {state.class_names[given]}, "
        f"max p {state.pred_probs[row].max():.3f}",
        key=f"s{row}",
    )


def _tiles(state: AppState) -> dict:
    """Per item, its tiles (unselected) and the display orders; once per training."""
    n_items = state.dataset.n_items
    return {
        "issue": [_issue_tile(state, row, False) for row in range(n_items)],
        "small": [_small_tile(state, row, False) for row in range(n_items)],
        "by_quality": np.argsort(state.quality, kind="stable"),
        "by_max_prob": np.argsort(state.pred_probs.max(axis=1), kind="stable"),
    }


def _section_rows(result, tiles: dict) -> dict[str, list[int]]:
    """Per result category, the rows shown, in display order."""
    categories = result.categories
    sections = {}
    for category, *_ in _SECTIONS:
        order = tiles["by_quality"] if category == "label_issue" else tiles["by_max_prob"]
        sections[category] = order[categories[order] == category].tolist()
    return sections


def results_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """Which rows each result list shows at ``outcome``'s setting (default: the current
    one), in order: the page re-sorts the drawn tiles."""
    result = (outcome or state.outcome()).result
    if result is None:
        return None
    tiles = state.cached("result tiles", lambda: _tiles(state))
    return {"sections": _section_rows(result, tiles)}


def render_results(state: AppState) -> str:
    """The three result lists with counts and thumbnails.

    Every item's two tiles (a label-issue tile and a small one) are drawn; those not
    listed wait, hidden, in a pool from which the page takes them when the sliders move
    (:func:`results_layout`).
    """
    result = state.result
    if result is None:
        return '<div class="pv-empty">Results appear once the model is trained.</div>'
    tiles = state.cached("result tiles", lambda: _tiles(state))
    selected = state.selected_index
    sections = _section_rows(result, tiles)
    parts = []
    for category, title, colour, hint in _SECTIONS:
        kind, tile = ("issue", _issue_tile) if category == "label_issue" else ("small", _small_tile)
        rows = sections[category]
        body = "".join(
            tile(state, row, True) if row == selected else tiles[kind][row] for row in rows
        )
        none = '<span class="pv-empty pv-none"' + (' style="display:none">' if rows else ">")
        hint = hint or _OOD_HINTS[state.ood_lens]
        parts.append(
            f'<div class="pv-sec" data-category="{category}" style="--k:{colour}">'
            f'<h3>{title}<span class="n">{len(rows)}</span><span class="hint">{hint}</span></h3>'
            f'<div class="pv-tiles" {item_list(title)}>{none}none</span>{body}</div></div>'
        )
    listed = {"issue": set(sections["label_issue"]),
              "small": set(sections["ood"]) | set(sections["unconfident"])}  # fmt: skip
    pooled = [
        tiles[kind][row]
        for kind in ("issue", "small")
        for row in range(state.dataset.n_items)
        if row not in listed[kind]
    ]
    pool = f'<div class="pv-pool" style="display:none">{"".join(pooled)}</div>'
    return pool + "".join(parts) + _near_duplicates(state, selected)


def _near_duplicates(state: AppState, selected: int | None) -> str:
    """The near-duplicate groups (:func:`pyvizzy.neighbour_lenses.duplicate_groups`), each a
    box of small tiles; the page does not move these (no ``data-pv-key``)."""
    groups = state.cached(
        "duplicate groups", lambda: duplicate_groups(state.neighbours.near_duplicate_sets)
    )
    boxes = "".join(
        '<span class="pv-dup-group">'
        + "".join(
            thumbnail(
                state.dataset.ids[row],
                state.image_urls[row],
                int(state.labels[row]),
                size="sm",
                selected=row == selected,
                title=f"{state.dataset.ids[row]}: given {state.class_names[state.labels[row]]}, "
                f"one of {len(group)} near duplicates",
            )
            for row in group.tolist()
        )
        + "</span>"
        for group in groups
    )
    n_items = sum(len(group) for group in groups)
    count = f"{len(groups)} group{'s' * (len(groups) != 1)}, {n_items} images"
    return (
        '<div class="pv-dups" style="--k:var(--pv-muted)">'
        f'<h3>Near duplicates<span class="n">{len(groups)}</span><span class="hint">{count}: '
        "nearly the same embedding</span></h3>"
        f'<div class="pv-tiles" {item_list("Near duplicates")}>'
        + (boxes or '<span class="pv-empty pv-none">none</span>')
        + "</div></div>"
    )


class ResultsPanel(pn.viewable.Viewer):
    """What confident learning flags at the current thresholds."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.header = html_pane(panel_title(5, "Results"))
        # The page marks the selection in these lists (pv-live-selection).
        self.drawing = PageDrawing(
            state, "results", render_results, results_layout,
            lambda html: scroll_pane(html, stylesheets=[RESULTS_CSS]),
            attrs='class="pv-live-selection"',
        )
        self.lists = self.drawing.pane
        self._layout = card(self.header, self.lists, panel="pv-panel-results")

    def __panel__(self):
        return self._layout

    def page_layout(self, outcome=None) -> dict | None:
        """:func:`results_layout` for the lists on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(outcome)
