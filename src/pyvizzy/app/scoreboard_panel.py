"""7. Scoreboard: how many planted errors are flagged now (when true labels are known)."""

from __future__ import annotations

import math

import panel as pn

from pyvizzy.app.components import PageDrawing, card, scroll_pane, scroll_region
from pyvizzy.app.markup import panel_title
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome

__all__ = ["ScoreboardPanel", "render_scoreboard", "scoreboard_layout"]

SCORE_CSS = stylesheet("scoreboard.css")


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.0f}%"


def render_scoreboard(state: AppState, outcome: Outcome | None = None) -> str:
    """Flagged vs planted errors, precision and recall (overall, cross-class, OOD), at
    ``outcome``'s setting (default: the current one)."""
    outcome = outcome or state.outcome()
    title = panel_title(7, "Scoreboard")
    report = outcome.report
    if outcome.result is None:
        return title + '<div class="pv-empty">Appears once the model is trained.</div>'
    if report is None:
        return title + (
            '<div class="pv-empty">This dataset has no known true labels, so flagged images '
            "cannot be scored.</div>"
        )
    overall = report.overall
    rows = []
    for css, name, counts in (
        ("all", "All errors", report.overall),
        ("", "Cross-class", report.cross_class),
        ("", "OOD", report.ood),
    ):
        rows.append(
            f'<tr class="{css}"><td>{name}</td><td>{counts.n_correct}/{counts.n_actual}</td>'
            f"<td>{counts.n_flagged}</td><td>{_percent(counts.precision)}</td>"
            f"<td>{_percent(counts.recall)}</td></tr>"
        )
    found = panel_title(
        7,
        "Scoreboard",
        f'<span class="pv-count" title="planted errors found">found <b>{overall.n_correct}</b>'
        f" of {overall.n_actual}</span>",
    )
    return (
        found
        + '<table class="pv-score"><tr><td></td><th>found</th><th>flagged</th>'
        + "<th>precision</th><th>recall</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def scoreboard_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """The board at ``outcome``'s setting, for the page to write in (None before training).

    The counts change with most slider moves; the page writes the board's few lines
    itself instead of Panel replacing the pane.
    """
    outcome = outcome or state.outcome()
    if outcome.result is None:
        return None
    return {"html": render_scoreboard(state, outcome)}


class ScoreboardPanel(pn.viewable.Viewer):
    """Precision and recall of the flags against the dataset's true labels."""

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
