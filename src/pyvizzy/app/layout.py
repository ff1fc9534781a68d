"""The page's grid: one slot per panel, laid out for the space the app has.

The stylesheet (``styles/shell.css``) picks the layout from the frame's own width and height:
wide (four columns; the thresholds and the map side by side under the sliders), medium (a
blog column, a tablet: the joint and the sliders beside why and one more panel at a time),
phone portrait and landscape (the joint and the sliders, every other panel a sheet one tap
away). The page never scrolls: every panel scrolls inside itself. The template is
``page/shell.html``; its script (``page/shell.js``) runs the tab bar.
"""

from __future__ import annotations

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.resources import page_file, page_script, stylesheet

__all__ = ["SHELL_CSS", "Shell"]

SHELL_CSS = stylesheet("shell.css")


class Shell(ReactiveHTML):
    """The page's grid; each slot holds one panel."""

    header = param.Parameter()
    dataset = param.Parameter()
    probs = param.Parameter()
    joint = param.Parameter()
    sliders = param.Parameter()
    thresholds = param.Parameter()
    explainer = param.Parameter()
    results = param.Parameter()
    scoreboard = param.Parameter()
    map = param.Parameter()
    bridge = param.Parameter()

    _template = page_file("shell.html")

    _scripts = {  # noqa: RUF012 - Panel's class attribute
        "render": page_script("shell.js"),
        "tab": "state.onTab(event)",
        "tab_key": "state.onTabKey(event)",
        "close": "state.closeSheet()",
    }

    _stylesheets = [SHELL_CSS]  # noqa: RUF012 - Panel's class attribute
