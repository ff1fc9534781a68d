"""The scoreboard's precision/recall curve: an inline SVG of fixed size (its text stays 12 px).

:func:`pr_curve_svg` draws one or more curves (recall along x, precision up y, both 0-1) and
a point on each: the sliders' operating point. It is plain markup built from numbers; the
scoreboard (:mod:`pyvizzy.app.scoreboard_panel`) computes the curves once per model
(:func:`pyvizzy.confident.sweep.detection_sweep`) and draws them on every move.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pyvizzy.app.markup import esc

__all__ = ["Curve", "pr_curve_svg"]

#: The drawing's size in CSS pixels, and the plot's margins (left, top, right, bottom).
WIDTH, HEIGHT = 232, 156
_MARGIN = (34, 8, 10, 30)


@dataclass(frozen=True)
class Curve:
    """One curve: precision and recall per setting (NaN: not drawn), the operating point
    (``None``: none), its CSS colour, dashes (SVG ``stroke-dasharray``) and name."""

    precision: np.ndarray
    recall: np.ndarray
    point: tuple[float, float] | None
    colour: str
    name: str
    dashes: str = ""


def _xy(recall: float, precision: float) -> tuple[float, float]:
    left, top, right, bottom = _MARGIN
    return (
        left + recall * (WIDTH - left - right),
        HEIGHT - bottom - precision * (HEIGHT - top - bottom),
    )


def _path(curve: Curve) -> str:
    """The curve's SVG path: a new stroke after every gap (a setting with NaN)."""
    parts, pen_down = [], False
    for precision, recall in zip(curve.precision.tolist(), curve.recall.tolist(), strict=True):
        if math.isnan(precision) or math.isnan(recall):
            pen_down = False
            continue
        x, y = _xy(recall, precision)
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return " ".join(parts)


def _axes() -> str:
    x0, y0 = _xy(0, 0)
    x1, y1 = _xy(1, 1)
    grid = "".join(
        f'<line class="grid" x1="{x0:.1f}" x2="{x1:.1f}" y1="{_xy(0, v)[1]:.1f}" '
        f'y2="{_xy(0, v)[1]:.1f}"></line>'
        f'<line class="grid" x1="{_xy(v, 0)[0]:.1f}" x2="{_xy(v, 0)[0]:.1f}" y1="{y0:.1f}" '
        f'y2="{y1:.1f}"></line>'
        for v in (0.5, 1)
    )
    ticks = "".join(
        f'<text x="{x0 - 4:.1f}" y="{_xy(0, v)[1] + 4:.1f}" text-anchor="end">{label}</text>'
        f'<text x="{_xy(v, 0)[0]:.1f}" y="{y0 + 14:.1f}" text-anchor="middle">{label}</text>'
        for v, label in ((0, "0"), (0.5, ".5"), (1, "1"))
    )
    return (
        grid
        + f'<line class="axis" x1="{x0:.1f}" x2="{x1:.1f}" y1="{y0:.1f}" y2="{y0:.1f}"></line>'
        + f'<line class="axis" x1="{x0:.1f}" x2="{x0:.1f}" y1="{y0:.1f}" y2="{y1:.1f}"></line>'
        + ticks
        + f'<text x="{(x0 + x1) / 2:.1f}" y="{HEIGHT - 2}" text-anchor="middle">recall</text>'
        + f'<text transform="translate(10 {(y0 + y1) / 2:.1f}) rotate(-90)" '
        'text-anchor="middle">precision</text>'
    )


def pr_curve_svg(curves: list[Curve], label: str) -> str:
    """An SVG drawing of ``curves`` with their points, named ``label`` for screen readers.

    Parameters
    ----------
    curves : list of Curve
        Drawn in order (the last on top).
    label : str
        What the drawing shows, in words (its ``aria-label``; escaped here).

    Returns
    -------
    str
        ``<svg>`` markup, ``WIDTH`` x ``HEIGHT`` CSS pixels.
    """
    body = [_axes()]
    for curve in curves:
        dashes = f' stroke-dasharray="{curve.dashes}"' if curve.dashes else ""
        body.append(
            f'<path class="curve" d="{_path(curve)}" style="stroke:{curve.colour}"{dashes}></path>'
        )
    for curve in curves:
        if curve.point is not None and not any(math.isnan(v) for v in curve.point):
            x, y = _xy(*curve.point)
            body.append(
                f'<circle class="now" cx="{x:.1f}" cy="{y:.1f}" r="4.5" '
                f'style="fill:{curve.colour}"></circle>'
            )
    return (
        f'<svg class="pv-pr" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{esc(label)}">' + "".join(body) + "</svg>"
    )
