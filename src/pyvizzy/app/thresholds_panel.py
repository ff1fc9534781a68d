"""3. Thresholds: the threshold mode and per-class histograms.

Per class, a histogram of its self-confidence ``pred_probs[labels == k, k]`` with the
class threshold (blue) and the OOD threshold (amber) drawn as lines that move with the
sliders (``sliders_panel``).
"""

from __future__ import annotations

import numpy as np
import panel as pn

from pyvizzy.app.components import PageDrawing, batched, card, html_pane, scroll_pane, themed
from pyvizzy.app.markup import esc, panel_title
from pyvizzy.app.resources import stylesheet
from pyvizzy.app.state import AppState, Outcome
from pyvizzy.app.theme import class_color

__all__ = [
    "N_BINS",
    "ThresholdsPanel",
    "histograms_layout",
    "render_histograms",
    "self_confidence_histogram",
]

N_BINS = 25
MODE_LABELS = {"Class percentile": "percentile", "Per-class mean": "mean"}

HIST_CSS = stylesheet("thresholds.css")

_WIDTH, _HEIGHT = 200.0, 32.0


def self_confidence_histogram(pred_probs, labels, class_index: int, n_bins: int = N_BINS):
    """Counts of ``pred_probs[labels == k, k]`` in ``n_bins`` equal bins over [0, 1]."""
    values = np.asarray(pred_probs)[np.asarray(labels) == class_index, class_index]
    counts, _edges = np.histogram(values, bins=n_bins, range=(0.0, 1.0))
    return counts


#: A value label spans about this fraction of the plot's width (for placing labels).
LABEL_SPAN = 0.09


def _marker_layout(value: float, label_left: bool, lower: bool = False) -> dict:
    """A threshold line's place (``left``, CSS), its label's ``side`` and row (``low``), and
    its ``text`` (for the page)."""
    left = float(np.clip(value, 0.0, 1.0)) * 100
    return {
        "left": f"{left:.2f}%",
        "side": "left" if label_left else "right",
        "low": lower,
        "text": f"{value:.3f}",
    }


def _marker(value: float, css: str, label_left: bool, lower: bool = False) -> str:
    """A threshold line with its value, placed at ``value`` along [0, 1]."""
    mark = _marker_layout(value, label_left, lower)
    row = " low" if mark["low"] else ""
    return (
        f'<span class="mark {css}" style="left:{mark["left"]}"></span>'
        f'<span class="val {css} {mark["side"]}{row}" style="left:{mark["left"]}">'
        f'{mark["text"]}</span>'
    )


def _markers(class_threshold: float, ood_threshold: float) -> dict:
    class_left, ood_left, ood_lower = label_sides(class_threshold, ood_threshold)
    return {
        "ood": _marker_layout(ood_threshold, ood_left, ood_lower),
        "cls": _marker_layout(class_threshold, class_left),
    }


def label_sides(class_threshold: float, ood_threshold: float) -> tuple[bool, bool, bool]:
    """Where the two value labels go: (class label left of its line, OOD label left of its
    line, OOD label on a lower row), keeping both inside the plot and apart."""
    class_left = class_threshold > 1 - LABEL_SPAN or (
        ood_threshold > class_threshold and class_threshold > LABEL_SPAN
    )
    ood_left = ood_threshold > 1 - LABEL_SPAN or (
        ood_threshold > LABEL_SPAN and ood_threshold <= class_threshold
    )
    class_span = (class_threshold - LABEL_SPAN, class_threshold) if class_left else (
        class_threshold, class_threshold + LABEL_SPAN
    )
    ood_span = (ood_threshold - LABEL_SPAN, ood_threshold) if ood_left else (
        ood_threshold, ood_threshold + LABEL_SPAN
    )
    overlap = class_span[0] < ood_span[1] and ood_span[0] < class_span[1]
    return class_left, ood_left, overlap


def histogram_svg(counts, color: str) -> str:
    """The bars of one class's self-confidence histogram (square-root heights, so the
    few images in the low bins stay visible next to the peak)."""
    peak = np.sqrt(max(int(counts.max()), 1)) if counts.size else 1.0
    bin_width = _WIDTH / counts.size
    bars = []
    for i, count in enumerate(counts):
        if count:
            height = max(_HEIGHT * np.sqrt(count) / peak, 1.5)
            bars.append(
                f'<rect x="{i * bin_width + 0.5:.1f}" y="{_HEIGHT - height:.1f}" '
                f'width="{bin_width - 1:.1f}" height="{height:.1f}"></rect>'
            )
    return (
        f'<svg viewBox="0 0 {_WIDTH:.0f} {_HEIGHT:.0f}" preserveAspectRatio="none" '
        'aria-hidden="true">'
        f'<g fill="{color}" opacity="0.7">{"".join(bars)}</g>'
        f'<line class="axis" x1="0" x2="{_WIDTH:.0f}" y1="{_HEIGHT}" y2="{_HEIGHT}"></line></svg>'
    )


def _legend(state: AppState, outcome: Outcome) -> list[str]:
    """The legend's texts: the class line's rule, the OOD line's percentile."""
    setting = outcome.setting
    class_rule = (
        f"{setting.class_percentile}th pct" if state.threshold_mode == "percentile" else "mean"
    )
    if outcome.result is not None and outcome.result.ood_score_cut is not None:
        ood_text = (f"OOD: kNN outlier score below its {setting.ood_percentile}th pct "
                    f"({outcome.result.ood_score_cut:.3f}), not these lines")  # fmt: skip
    else:
        ood_text = f"OOD threshold ({setting.ood_percentile}th pct)"
    return [f"class threshold ({class_rule})", ood_text]


def histograms_layout(state: AppState, outcome: Outcome | None = None) -> dict | None:
    """The threshold lines and the legend at ``outcome``'s setting (default: the current
    one): the page moves the lines of the drawn histograms (None before training).

    ``marks`` holds, per class, ``{"ood": line, "cls": line}`` (see :func:`_marker_layout`).
    """
    outcome = outcome or state.outcome()
    result = outcome.result
    if result is None:
        return None
    return {
        "marks": [
            _markers(float(result.class_thresholds[k]), float(result.ood_thresholds[k]))
            for k in range(state.n_classes)
        ],
        "legend": _legend(state, outcome),
    }


def _histogram_plot(
    bars_svg: str, class_threshold: float, ood_threshold: float, knn: str = ""
) -> str:
    class_left, ood_left, ood_lower = label_sides(class_threshold, ood_threshold)
    return (
        f'<div class="pv-plot{knn}">'
        + bars_svg
        + _marker(ood_threshold, "ood", label_left=ood_left, lower=ood_lower)
        + _marker(class_threshold, "cls", label_left=class_left)
        + "</div>"
    )


def class_histograms(state: AppState) -> list[tuple[int, str]]:
    """Per class: (number of items given it, its histogram's SVG bars).

    These depend on the labels and the model only, not on the sliders: they are computed
    once per training and reused by every redraw.
    """

    def compute():
        histograms = []
        for k in range(state.n_classes):
            counts = self_confidence_histogram(state.pred_probs, state.labels, k)
            histograms.append((int(counts.sum()), histogram_svg(counts, class_color(k))))
        return histograms

    return state.cached("histograms", compute)


def render_histograms(state: AppState) -> str:
    """Per class: its self-confidence histogram with the two threshold lines."""
    result = state.result
    if result is None:
        return '<div class="pv-empty">Thresholds appear once the model is trained.</div>'
    names = state.class_names
    class_text, ood_text = _legend(state, state.outcome())
    knn = " knn" if state.ood_lens == "knn" else ""
    parts = [
        f'<div class="pv-legend{knn}"><span><i style="background:var(--pv-class-line)"></i>'
        f"{class_text}</span><span><i class=\"ood\" style=\"background:var(--pv-ood-line)\">"
        f"</i>{ood_text}</span>"
        "<span>bars: p(given class)</span></div>"
    ]
    for k, (name, (n_given, bars_svg)) in enumerate(
        zip(names, class_histograms(state), strict=True)
    ):
        parts.append(
            f'<div class="pv-hist"><div class="lbl" title="{esc(name)}">{esc(name)}'
            f"<small>{n_given} given</small></div>"
            + _histogram_plot(
                bars_svg,
                float(result.class_thresholds[k]),
                float(result.ood_thresholds[k]),
                knn,
            )
            + "</div>"
        )
    return "".join(parts)


class ThresholdsPanel(pn.viewable.Viewer):
    """The threshold mode and the per-class histograms with both threshold lines."""

    def __init__(self, state: AppState, **params):
        super().__init__(**params)
        self.state = state
        self.header = html_pane(
            panel_title(3, "Thresholds"),
            sizing_mode="fixed",
            width=130,
            height=24,
            margin=(6, 0, 0, 0),
        )
        self.mode = themed(
            pn.widgets.RadioButtonGroup(
                options=MODE_LABELS,
                value=state.threshold_mode,
                sizing_mode="stretch_width",
                styles={"min-width": "250px"},
                margin=(0, 0, 0, 6),
            )
        )
        self.drawing = PageDrawing(
            state, "histograms", render_histograms, histograms_layout,
            lambda html: scroll_pane(html, stylesheets=[HIST_CSS]),
            attrs='style="display:contents"',
        )
        self.histograms = self.drawing.pane
        # Widget -> state (a mode change recomputes; it never retrains), and back.
        self.mode.param.watch(batched(self._set_mode), "value")
        state.param.watch(self._sync_mode, ["threshold_mode"])
        self._layout = card(
            # (the mode's two buttons go below the title where they would not fit beside it)
            pn.Row(self.header, self.mode, sizing_mode="stretch_width", margin=0,
                   styles={"flex-wrap": "wrap"}),
            self.histograms,
            panel="pv-panel-thresholds",
        )

    def __panel__(self):
        return self._layout

    def _set_mode(self, event) -> None:
        self.state.threshold_mode = event.new

    def _sync_mode(self, *_events) -> None:
        if self.mode.value != self.state.threshold_mode:
            self.mode.value = self.state.threshold_mode

    def page_layout(self, outcome=None) -> dict | None:
        """:func:`histograms_layout` for the drawing on the page (None: nothing to lay out)."""
        return self.drawing.page_layout(outcome)
