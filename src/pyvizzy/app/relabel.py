"""The relabel controls: "Relabel selected as" and Train.

The page's own elements (``page/relabel.html``, ``page/relabel.js``): a native ``<select>``
named by its label, off while no image is selected, and a Train button (``data-pv="train"``);
44 px on touch screens. Picking a class relabels the selected image (a pending label); Train
refits the model on the pending labels.
"""

from __future__ import annotations

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.bridge import safe_json
from pyvizzy.app.panel_compat import DesignForStylesheetsOnly
from pyvizzy.app.resources import page_file, page_script, stylesheet

__all__ = ["RelabelBar"]

RELABEL_CSS = stylesheet("relabel.css")


class RelabelBar(DesignForStylesheetsOnly, ReactiveHTML):
    """The select and the Train button, synced with the page as numbers."""

    names_json = param.String(default="[]", doc="safe_json of the class names.")
    label = param.Integer(default=-1, doc="The selected image's class index (-1: none).")
    trains = param.Integer(default=0, doc="Counts the page's Train presses.")

    _template = page_file("relabel.html")

    _scripts = {  # noqa: RUF012 - Panel's class attribute
        "render": page_script("relabel.js"),
        "pick": "data.label = Number(picker.value)",
        "train": "data.trains = data.trains + 1",
        "names_json": "state.options()",
        "label": "state.current()",
    }

    _stylesheets = [RELABEL_CSS]  # noqa: RUF012 - Panel's class attribute

    def set_names(self, names) -> None:
        """Offer these class names."""
        value = safe_json(list(names))
        if self.names_json != value:
            self.names_json = value
