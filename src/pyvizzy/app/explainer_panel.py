"""6. Explainer: the selected image's probabilities against its thresholds, and why."""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, card, scroll_pane
from pyvizzy.app.markup import chip, esc, thumbnail
from pyvizzy.app.state import AppState

__all__ = ["ExplainerPanel", "explain", "explainer_layout", "render_explainer"]

EXPLAIN_CSS = """
.pv-ex { display: grid; grid-template-columns: 80px 1fr; gap: 8px; align-items: start; }
.pv-ex .meta { display: flex; flex-direction: column; gap: 3px; min-width: 0; }
.pv-ex code { font-size: 11px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pv-pbars { display: grid; grid-template-columns: minmax(0, 48px) 1fr 36px; gap: 2px 5px;
  align-items: center; font-size: 10.5px; }
.pv-pbars .n { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pv-pbars .track { position: relative; height: 10px; background: var(--pv-sunken);
  border-radius: 3px; }
.pv-pbars .fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--c);
  border-radius: 3px; opacity: .85; }
.pv-pbars .mk { position: absolute; top: -3px; bottom: -3px; width: 2px; border-radius: 1px; }
.pv-pbars .mk.cls { background: var(--pv-class-line); }
.pv-pbars .mk.ood { background: var(--pv-ood-line); }
.pv-pbars .v { text-align: right; font-variant-numeric: tabular-nums; }
.pv-why { margin: 5px 0 0; font-size: 11.5px; line-height: 1.38; }
.pv-ex .th.lg { width: 80px; height: 80px; }
.pv-cat { font-weight: 700; }
.pv-cat.clean { color: var(--pv-accent); }
.pv-cat.label_issue { color: var(--pv-issue); }
.pv-cat.ood { color: var(--pv-ood); }
.pv-cat.unconfident { color: var(--pv-unconfident); }
"""

CATEGORY_TEXT = {
    "clean": "clean",
    "label_issue": "label issue",
    "ood": "out of distribution",
    "unconfident": "unconfident",
}


def _rule(state: AppState, class_name: str) -> str:
    if state.threshold_mode == "mean":
        return f"the mean self-confidence of {class_name}"
    return f"the {state.class_percentile}th percentile of {class_name}'s self-confidence"


def explain(state: AppState, row: int) -> str:
    """One plain sentence (escaped HTML) saying why item ``row`` is in its category."""
    result = state.result
    names = state.class_names
    probs = state.pred_probs[row]
    given = int(state.labels[row])
    top = int(np.argmax(probs))
    top_p = float(probs[top])
    top_t = float(result.class_thresholds[top])
    category = str(result.categories[row])
    top_name, given_name = esc(names[top]), esc(names[given])
    if category in ("clean", "label_issue"):
        text = (
            f"The model predicts <b>{top_name}</b> with p = <b>{top_p:.3f}</b>, at or above "
            f"{top_name}'s class threshold {top_t:.3f} ({esc(_rule(state, names[top]))}), so "
            f"confident learning suggests <b>{top_name}</b>. "
        )
        if category == "clean":
            return text + f"That agrees with the given label {given_name}: clean."
        return text + f"The given label is <b>{given_name}</b>: a label issue."
    text = (
        f"Its most probable class {top_name} has p = {top_p:.3f}, below {top_name}'s class "
        f"threshold {top_t:.3f}, so no label is suggested. "
    )
    if category == "ood":
        return text + (
            f"Every class probability is also below that class's OOD threshold "
            f"({state.ood_percentile}th percentile): <b>out of distribution</b>."
        )
    reaching = [k for k in range(len(names)) if probs[k] >= result.ood_thresholds[k]]
    k = reaching[0] if reaching else top
    return text + (
        f"But p({esc(names[k])}) = {probs[k]:.3f} reaches its OOD threshold "
        f"{result.ood_thresholds[k]:.3f}, so it is not OOD: <b>unconfident</b>."
    )


def _marks(state: AppState) -> list[list[str]]:
    """Per class: the OOD and class threshold lines' positions and tooltips."""
    result = state.result
    return [
        [
            f"{result.ood_thresholds[k] * 100:.1f}%",
            f"OOD threshold {result.ood_thresholds[k]:.3f}",
            f"{result.class_thresholds[k] * 100:.1f}%",
            f"class threshold {result.class_thresholds[k]:.3f}",
        ]
        for k in range(state.n_classes)
    ]


def _suggestion(state: AppState, row: int) -> str:
    suggested = int(state.result.suggested[row])
    return chip("suggested: " + state.class_names[suggested], suggested) if suggested >= 0 else ""


def explainer_layout(state: AppState) -> dict | None:
    """What a slider move changes in the selected item's card (None: no card).

    The card is drawn once per model and selection (:func:`render_explainer`); the page
    moves its threshold lines and writes its suggestion, category and reason from this.
    """
    row = state.selected_index
    if state.result is None or row is None:
        return None
    category = str(state.result.categories[row])
    return {
        "marks": _marks(state),
        "suggestion": _suggestion(state, row),
        "category": [category, CATEGORY_TEXT[category]],
        "why": explain(state, row),
    }


def render_explainer(state: AppState) -> str:
    """The selected item's card: image, labels, probability bars with thresholds, reason."""
    title = '<div class="pv-title"><span class="pv-num">6</span><b>Why?</b></div>'
    if state.result is None:
        return title + '<div class="pv-empty">Train the model, then select an image.</div>'
    row = state.selected_index
    if row is None:
        return title + (
            '<div class="pv-empty">Select an image (click any thumbnail) to see why it is '
            "where it is.</div>"
        )
    result = state.result
    names = state.class_names
    item_id = state.dataset.ids[row]
    given = int(state.labels[row])
    category = str(result.categories[row])
    probs = state.pred_probs[row]
    bars = []
    for k, (name, (ood_left, ood_title, class_left, class_title)) in enumerate(
        zip(names, _marks(state), strict=True)
    ):
        bars.append(
            f'<span class="n" title="{esc(name)}">{esc(name)}</span><span class="track">'
            f'<span class="fill" style="width:{probs[k] * 100:.1f}%;--c:var(--pv-bar)"></span>'
            f'<span class="mk ood" style="left:{ood_left}" title="{ood_title}"></span>'
            f'<span class="mk cls" style="left:{class_left}" title="{class_title}"></span></span>'
            f'<span class="v">{probs[k]:.3f}</span>'
        )
    return (
        title
        + '<div class="pv-ex">'
        + thumbnail(item_id, state.image_urls[row], given, size="lg", selected=False)
        + f'<div class="meta"><code title="{esc(item_id)}">{esc(item_id)}</code>'
        + f"<div>{chip('given: ' + names[given], given)} "
        + f'<span class="pv-sugg">{_suggestion(state, row)}</span></div>'
        + f'<span class="pv-cat {category}">{CATEGORY_TEXT[category]}</span>'
        + f'<div class="pv-pbars">{"".join(bars)}</div></div></div>'
        + f'<p class="pv-why">{explain(state, row)}</p>'
    )


class ExplainerPanel(pn.viewable.Viewer):
    """Why the selected image is clean, a label issue, OOD or unconfident."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.drawing = PageDrawing(
            state, "explainer", render_explainer, explainer_layout,
            lambda html: scroll_pane(html, stylesheets=[EXPLAIN_CSS]),
            attrs='style="display:contents"', per_selection=True,
        )
        self.body = self.drawing.pane
        self._layout = card(self.body, panel="pv-panel-explainer")

    def __panel__(self):
        return self._layout

    def page_layout(self, state=None) -> dict | None:
        """:func:`explainer_layout` for the card on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(state)
