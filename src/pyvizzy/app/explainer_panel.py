"""6. Explainer: the selected image's probabilities against its thresholds, and why."""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, card, scroll_pane, scroll_region
from pyvizzy.app.markup import chip, esc, panel_title, thumbnail
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome

__all__ = ["ExplainerPanel", "explain", "explainer_layout", "render_explainer"]

EXPLAIN_CSS = stylesheet("explainer.css")

#: The bars' OOD lines are hidden when the nearest neighbours decide OOD.
_LENS_CLASS = {"rule": "", "knn": " pv-knn"}
CATEGORY_TEXT = {
    "clean": "clean",
    "label_issue": "label issue",
    "ood": "out of distribution",
    "unconfident": "unconfident",
}


def _rule(state: AppState, outcome: Outcome, class_name: str) -> str:
    if state.threshold_mode == "mean":
        return f"the mean self-confidence of {class_name}"
    percentile = outcome.setting.class_percentile
    return f"the {percentile}th percentile of {class_name}'s self-confidence"


def explain(state: AppState, row: int, outcome: Outcome | None = None) -> str:
    """One plain sentence (escaped HTML) saying why item ``row`` is in its category at
    ``outcome``'s setting (default: the current one)."""
    outcome = outcome or state.outcome()
    result = outcome.result
    names = state.class_names
    probs = state.pred_probs[row]
    given = int(state.labels[row])
    top = int(np.argmax(probs))
    top_p = float(probs[top])
    top_t = float(result.class_thresholds[top])
    category = str(result.categories[row])
    top_name, given_name = esc(names[top]), esc(names[given])
    if category in ("clean", "label_issue"):
        rule = esc(_rule(state, outcome, names[top]))
        text = (
            f"The model predicts <b>{top_name}</b> with p = <b>{top_p:.3f}</b>, at or above "
            f"{top_name}'s class threshold {top_t:.3f} ({rule}), so "
            f"confident learning suggests <b>{top_name}</b>. "
        )
        if category == "clean":
            return text + f"That agrees with the given label {given_name}: clean."
        return text + f"The given label is <b>{given_name}</b>: a label issue."
    if result.ood_score_cut is not None and category == "ood":
        return _explain_by_neighbours(state, row, outcome, "")
    text = (
        f"Its most probable class {top_name} has p = {top_p:.3f}, below {top_name}'s class "
        f"threshold {top_t:.3f}, so no label is suggested. "
    )
    if result.ood_score_cut is not None:
        return _explain_by_neighbours(state, row, outcome, text)
    if category == "ood":
        return text + (
            f"Every class probability is also below that class's OOD threshold "
            f"({outcome.setting.ood_percentile}th percentile): <b>out of distribution</b>."
        )
    reaching = [k for k in range(len(names)) if probs[k] >= result.ood_thresholds[k]]
    k = reaching[0] if reaching else top
    return text + (
        f"But p({esc(names[k])}) = {probs[k]:.3f} reaches its OOD threshold "
        f"{result.ood_thresholds[k]:.3f}, so it is not OOD: <b>unconfident</b>."
    )


def _explain_by_neighbours(state: AppState, row: int, outcome: Outcome, text_before: str) -> str:
    """The reason of an OOD or unconfident item when the nearest neighbours decide OOD."""
    score = float(state.neighbours.outlier_scores[row])
    cut = outcome.result.ood_score_cut
    percentile = outcome.setting.ood_percentile
    rule = f"{cut:.3f}, the {percentile}th percentile of every item's kNN outlier score"
    if outcome.result.categories[row] == "ood":
        return (
            f"Its 10 nearest neighbours are far: its kNN outlier score {score:.3f} is below "
            f"{rule}, so it is <b>out of distribution</b>, whatever the model suggests."
        )
    return text_before + (
        f"Its kNN outlier score {score:.3f} is at or above {rule}, so it is not OOD: "
        "<b>unconfident</b>."
    )


def _marks(result) -> list[dict]:
    """Per class: the OOD and class threshold lines' positions (``left``, CSS) and tooltips
    (``title``), as ``{"ood": line, "cls": line}``."""
    return [
        {
            "ood": {
                "left": f"{ood * 100:.1f}%",
                "title": f"OOD threshold {ood:.3f}",
            },
            "cls": {
                "left": f"{cls * 100:.1f}%",
                "title": f"class threshold {cls:.3f}",
            },
        }
        for ood, cls in zip(
            result.ood_thresholds.tolist(), result.class_thresholds.tolist(), strict=True
        )
    ]


def _suggestion(state: AppState, result, row: int) -> str:
    suggested = int(result.suggested[row])
    return chip("suggested: " + state.class_names[suggested], suggested) if suggested >= 0 else ""


def explainer_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """What a slider move changes in the selected item's card, at ``outcome``'s setting
    (default: the current one); None when there is no card.

    The card is drawn once per model and selection (:func:`render_explainer`); the page
    moves its threshold lines and writes its suggestion, category and reason from this:
    ``marks`` (:func:`_marks`), ``suggestion`` and ``why`` (HTML), ``category``
    (``{"key", "text"}``).
    """
    outcome = outcome or state.outcome()
    row = state.selected_index
    if outcome.result is None or row is None:
        return None
    category = str(outcome.result.categories[row])
    return {
        "marks": _marks(outcome.result),
        "suggestion": _suggestion(state, outcome.result, row),
        "category": {"key": category, "text": CATEGORY_TEXT[category]},
        "why": explain(state, row, outcome),
    }


def render_explainer(state: AppState) -> str:
    """The selected item's card: image, labels, probability bars with thresholds, reason."""
    title = panel_title(6, "Why?")
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
    for k, (name, marks) in enumerate(zip(names, _marks(result), strict=True)):
        ood, cls = marks["ood"], marks["cls"]
        bars.append(
            f'<span class="n" title="{esc(name)}">{esc(name)}</span><span class="track">'
            f'<span class="fill" style="width:{probs[k] * 100:.1f}%;--c:var(--pv-bar)"></span>'
            f'<span class="mk ood" style="left:{ood["left"]}" title="{ood["title"]}"></span>'
            f'<span class="mk cls" style="left:{cls["left"]}" title="{cls["title"]}"></span>'
            f'</span><span class="v">{probs[k]:.3f}</span>'
        )
    return (
        title
        + '<div class="pv-ex">'
        + thumbnail(item_id, state.image_urls[row], given, size="lg", selected=False)
        + f'<div class="meta"><code title="{esc(item_id)}">{esc(item_id)}</code>'
        + f"<div>{chip('given: ' + names[given], given)} "
        + f'<span class="pv-sugg">{_suggestion(state, result, row)}</span></div>'
        + f'<span class="pv-cat {category}">{CATEGORY_TEXT[category]}</span>'
        + f'<div class="pv-pbars{_LENS_CLASS[state.ood_lens]}">{"".join(bars)}</div></div></div>'
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
            attrs=scroll_region("Why?"),
            per_selection=True,
        )
        self.body = self.drawing.pane
        self._layout = card(self.body, panel="pv-panel-explainer")

    def __panel__(self):
        return self._layout

    def page_layout(self, outcome=None) -> dict | None:
        """:func:`explainer_layout` for the card on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(outcome)
