"""7. Scoreboard: how many planted errors are flagged now (when true labels are known), by
both OOD lenses, the precision/recall curve along the class percentile, and the dataset's
label health.

The board (the table and the curve) changes with the sliders: the page writes it in on every
move (:func:`scoreboard_layout`). The label health depends on the model alone: it is drawn
once per model, below the board.
"""

from __future__ import annotations

import math

import panel as pn

from pyvizzy.app.components import PageDrawing, card, scroll_pane, scroll_region
from pyvizzy.app.markup import esc, panel_title
from pyvizzy.app.pr_curve import Curve, pr_curve_svg
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome

__all__ = ["ScoreboardPanel", "render_scoreboard", "scoreboard_layout"]

SCORE_CSS = stylesheet("scoreboard.css")
#: The OOD lenses' names in the board, and their short names in the table.
LENS_NAMES = {"rule": "Vizzy's rule", "knn": "nearest neighbours"}
_LENS_SHORT = {"rule": "rule", "knn": "kNN"}
#: The overlapping class pairs listed under the health table.
N_OVERLAPS_SHOWN = 3


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.0f}%"


def _row(name: str, counts, css: str = "", note: str = "") -> str:
    return (
        f'<tr class="{css}"><th scope="row">{name}{note}</th>'
        f"<td>{counts.n_correct}/{counts.n_actual}</td><td>{counts.n_flagged}</td>"
        f"<td>{_percent(counts.precision)}</td><td>{_percent(counts.recall)}</td></tr>"
    )


def _table(state: AppState, outcome: Outcome) -> str:
    """Found, flagged, precision and recall: all errors, cross-class, and OOD by each lens
    (the lens in use marked; the other at the same OOD percentile)."""
    report = outcome.report
    rows = [_row("All errors", report.overall, "all"), _row("Cross-class", report.cross_class)]
    for lens, name in LENS_NAMES.items():
        counts = state.lens_report(outcome, lens).ood
        in_use = lens == state.ood_lens
        note = f'<span class="pv-sr"> ({name}{", the lens in use" * in_use})</span>'
        rows.append(_row(f"OOD, {_LENS_SHORT[lens]}", counts, "on" if in_use else "", note))
    return (
        '<table class="pv-score"><tr><td></td><th scope="col">found</th>'
        '<th scope="col">flagged</th><th scope="col" aria-label="precision">'
        '<span class="long">precision</span><span class="short">prec.</span></th>'
        '<th scope="col">recall</th></tr>' + "".join(rows) + "</table>"
    )


def _curve(state: AppState, outcome: Outcome) -> str:
    """Precision against recall as the class percentile goes from 0 to 100 at the current
    OOD percentile and lens, with the sliders' point on each curve."""
    sweep = state.sweep()
    ood = outcome.setting.ood_percentile
    report = outcome.report
    curves = []
    for kind, colour, name, dashes in (
        ("cross_class", "var(--pv-issue)", "cross-class", "5 3"),
        ("overall", "var(--pv-text)", "all errors", ""),
    ):
        precision, recall = sweep.curve(kind, ood)
        counts = getattr(report, kind)
        curves.append(Curve(precision, recall, (counts.recall, counts.precision), colour, name,
                            dashes))  # fmt: skip
    mean = state.threshold_mode == "mean"
    lens = LENS_NAMES[state.ood_lens]
    label = (
        f"Precision against recall as the class percentile goes from 0 to 100, at OOD "
        f"percentile {ood} ({lens}). Now: all errors {_percent(report.overall.precision)} "
        f"precision, {_percent(report.overall.recall)} recall; cross-class "
        f"{_percent(report.cross_class.precision)} precision, "
        f"{_percent(report.cross_class.recall)} recall."
    )
    return (
        '<figure class="pv-curve">' + pr_curve_svg(curves, label) + "<figcaption>"
        '<span><i class="all"></i>all errors</span> <span><i class="cross"></i>cross-class</span>'
        f"<br>as the class percentile goes 0 → 100, OOD at {ood} ({esc(lens)}); dots: now"
        + (" (per-class mean, off the curve)" if mean else "")
        + "</figcaption></figure>"
    )


def _board(state: AppState, outcome: Outcome) -> str:
    """The part that moves with the sliders: title, table and curve."""
    report = outcome.report
    if outcome.result is None:
        return panel_title(7, "Scoreboard") + (
            '<div class="pv-empty">Appears once the model is trained.</div>'
        )
    if report is None:
        return panel_title(7, "Scoreboard") + (
            '<div class="pv-empty">This dataset has no known true labels, so flagged images '
            "cannot be scored.</div>"
        )
    overall = report.overall
    found = panel_title(
        7,
        "Scoreboard",
        f'<span class="pv-count" title="planted errors found">found <b>{overall.n_correct}</b>'
        f" of {overall.n_actual}</span>",
    )
    return found + _table(state, outcome) + _curve(state, outcome)


def _health(state: AppState) -> str:
    """cleanlab's label health summary of the model: the score and the per-class table."""
    health = state.health()
    if health is None:
        return ""
    names = state.class_names
    rows = "".join(
        f'<tr><th scope="row">{esc(names[row["Class Index"]])}</th>'
        f'<td>{row["Label Issues"]}</td><td>{_percent(row["Label Noise"])}</td>'
        f'<td>{row["Label Quality Score"]:.3f}</td></tr>'
        for row in health.rows("classes_by_label_quality")
    )
    overlaps = [
        f"{esc(names[row['Class Index A']])} and {esc(names[row['Class Index B']])} "
        f"({row['Num Overlapping Examples']})"
        for row in health.rows("overlapping_classes")[:N_OVERLAPS_SHOWN]
        if row["Num Overlapping Examples"] > 0
    ]
    return (
        '<section class="pv-health" aria-label="Label health">'
        f'<h3>Label health <b>{health.overall_label_health_score:.3f}</b></h3>'
        f'<p class="pv-note">cleanlab\'s health summary, at its own thresholds (not the '
        f"sliders'): {health.num_label_issues} estimated label issues of "
        f"{state.dataset.n_items}.</p>"
        '<table class="pv-score"><tr><td></td><th scope="col">issues</th>'
        '<th scope="col">noise</th><th scope="col">quality</th></tr>' + rows + "</table>"
        + (f'<p class="pv-note">Most mixed up: {", ".join(overlaps)}.</p>' if overlaps else "")
        + "</section>"
    )


def render_scoreboard(state: AppState) -> str:
    """The board at the current setting, then the label health."""
    return f'<div class="pv-board">{_board(state, state.outcome())}</div>' + _health(state)


def scoreboard_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """The board at ``outcome``'s setting, for the page to write in (None before training).

    The counts change with most slider moves; the page writes the board's few lines
    itself instead of Panel replacing the pane.
    """
    outcome = outcome or state.outcome()
    if outcome.result is None:
        return None
    return {"html": _board(state, outcome)}


class ScoreboardPanel(pn.viewable.Viewer):
    """Precision and recall of the flags against the dataset's true labels, and the
    dataset's label health."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.drawing = PageDrawing(
            state, "scoreboard", render_scoreboard, scoreboard_layout,
            lambda html: scroll_pane(html, stylesheets=[SCORE_CSS]),
            attrs=scroll_region("Scoreboard"),
        )
        self.body = self.drawing.pane
        self._layout = card(self.body, panel="pv-panel-scoreboard")

    def __panel__(self):
        return self._layout

    def page_layout(self, outcome=None) -> dict | None:
        """:func:`scoreboard_layout` for the board on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(outcome)
