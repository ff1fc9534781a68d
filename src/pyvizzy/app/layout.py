"""The one-window layout: a CSS grid with one slot per panel.

Left to right, the data's path: dataset -> predicted probabilities -> confident joint
and thresholds -> explanation, results and scoreboard. The page never scrolls: the grid
fills the viewport and every panel scrolls inside itself (``styles/shell.css``).
"""

from __future__ import annotations

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.resources import page_file, stylesheet

__all__ = ["SHELL_CSS", "Shell"]

SHELL_CSS = stylesheet("shell.css")


class Shell(ReactiveHTML):
    """The page's grid (``page/shell.html``); each slot holds one panel."""

    header = param.Parameter()
    dataset = param.Parameter()
    probs = param.Parameter()
    joint = param.Parameter()
    thresholds = param.Parameter()
    explainer = param.Parameter()
    results = param.Parameter()
    scoreboard = param.Parameter()
    bridge = param.Parameter()

    _template = page_file("shell.html")

    _stylesheets = [SHELL_CSS]  # noqa: RUF012 - Panel's class attribute
