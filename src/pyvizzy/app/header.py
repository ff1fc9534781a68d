"""The header: the app's name, the dataset switcher, Open and Export, the lede, notices,
Guide and Theme.

A native ``<select>`` switches datasets (named "Dataset"); with one dataset the header shows
its name instead. "Open dataset..." (a file input) and a file dropped on the window send the
file's text to Python (``opened``; :mod:`pyvizzy.app.opened`); Export asks Python for the
table (:mod:`pyvizzy.app.export`) and downloads it. Nothing leaves the page. Notices and the
last error are text (never HTML). The Guide and theme buttons are the page's own (the
bridge's click listener runs them).
"""

from __future__ import annotations

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.bridge import GUIDE_BUTTON_CLASS, THEME_TOGGLE_CLASS, safe_json
from pyvizzy.app.data import dataset_notices
from pyvizzy.app.resources import page_file, page_script, stylesheet
from pyvizzy.app.state import AppState
from pyvizzy.page_limits import MAX_DATASET_CHARS

__all__ = ["LEDE", "Header", "HeaderBar"]

HEADER_CSS = stylesheet("header.css")
LEDE = (
    "Confident learning finds mislabeled and out-of-distribution images from a model's "
    "out-of-sample probabilities: drag the sliders."
)


class HeaderBar(ReactiveHTML):
    """The header's elements, synced with the page (JSON where Panel would sanitize text)."""

    dataset = param.String(default="", doc="The chosen dataset's key (page <-> Python).")
    options_json = param.String(default="[]", doc="safe_json of [[name, key], ...].")
    title_json = param.String(default="", doc="safe_json of {name, description}.")
    notices_json = param.String(default="", doc="safe_json of {error, notices}.")
    lede_json = param.String(default=safe_json(LEDE))
    dismissed = param.Integer(default=0, doc="Counts the page's Dismiss presses.")
    opened = param.String(
        default="", doc="JSON {n, name, size, text} of the last file the reader opened or "
        "dropped (page ->; no text: refused, too large); n counts them.",
    )
    open_limit = param.Integer(
        default=MAX_DATASET_CHARS, constant=True,
        doc="Bytes of the largest file the page reads (larger ones are refused unread).",
    )
    exports = param.Integer(default=0, doc="Counts the page's Export presses (page ->).")
    export_json = param.String(
        default="", doc="safe_json of {n, name, text, error}: the table to download (-> page)."
    )
    guide_class = param.String(default=GUIDE_BUTTON_CLASS, constant=True)
    theme_class = param.String(default=THEME_TOGGLE_CLASS, constant=True)

    _template = page_file("header.html")

    _scripts = {  # noqa: RUF012 - Panel's class attribute
        "render": page_script("header.js"),
        "pick": "data.dataset = picker.value",
        "dismiss": "data.dismissed = data.dismissed + 1",
        "open": "state.open(opener.files[0]); opener.value = ''",
        "export": "data.exports = data.exports + 1",
        "export_json": "state.download()",
        # (the view as it is now, in a new tab)
        "full": "full.href = window.location.href",
        "options_json": "state.options()",
        "dataset": "state.current()",
        "title_json": "state.current()",
        "notices_json": "state.notes()",
    }

    _stylesheets = [HEADER_CSS]  # noqa: RUF012 - Panel's class attribute


class Header:
    """The header, kept in step with the state and the catalog.

    ``bar.dataset`` changes when the reader picks another dataset (the controller watches
    it).
    """

    def __init__(self, state: AppState):
        self.state = state
        self.bar = HeaderBar(sizing_mode="stretch_width", margin=0)
        self.bar.param.watch(lambda _event: self.state.dismiss_notices(), "dismissed")
        state.param.watch(self._redraw, ["notices", "error", "dataset"])
        self._redraw()

    def __panel__(self) -> HeaderBar:
        return self.bar

    def set_catalog(self, catalog) -> None:
        """Offer the catalog's datasets in the switcher (the name alone when only one)."""
        self.bar.options_json = safe_json([[entry.name, entry.key] for entry in catalog.entries])
        self._redraw()

    def _redraw(self, *_events) -> None:
        state, bar = self.state, self.bar
        dataset = state.dataset
        updates = {
            "title_json": safe_json({
                "name": "" if dataset is None else dataset.name,
                "description": "" if dataset is None else dataset.description,
            }),
            "notices_json": safe_json({
                "error": state.error,
                "notices": list(state.notices),
                "dataset": [] if dataset is None else dataset_notices(dataset, state.image_urls),
            }),
        }
        if state.dataset_key:
            updates["dataset"] = state.dataset_key
        bar.param.update({k: v for k, v in updates.items() if getattr(bar, k) != v})
