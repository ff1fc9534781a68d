"""The bridge between Python and the page's main thread.

One invisible :class:`~panel.reactive.ReactiveHTML` component carries, as Bokeh model
properties, everything that must cross between Python and the browser. Its scripts
(``pyvizzy/app/page/*.js``) run on the main thread both under ``panel serve`` and in Panel's
pyodide-worker mode (where Python runs in a Web Worker and the models are synced to the
page), so the page behaves the same in both:

- Python -> page: ``static_json`` + ``dynamic`` (``window.pyvizzy.state()``, and a
  ``{type: "pyvizzy:state", state}`` message to the parent frame after each redraw;
  ``dynamic`` also carries the address, written with ``history.replaceState``, and the
  views' layouts), and ``busy_json``, the busy overlay's message (empty: hidden).
- page -> Python: ``query`` (``location.search``, sent once on render: the settings
  the page was opened with) and ``event`` (a click on anything carrying
  ``data-pv-tile``, anywhere in the page's shadow roots, selects that item; the long lists
  mark the selection in the page, ``window.pyvizzy.markSelected``), and ``host_state``
  (a host page's ``pyvizzy:set-state``, ``page/host.js``).
- page only: the theme (``data-pv-theme`` on ``<html>``, also read from and written to the
  ``theme`` query parameter) and the Guide tour, started by clicks on widgets carrying the
  CSS classes in :data:`PAGE_CONTROLS` (Bokeh ``js_on_click`` callbacks are not attached to
  widgets nested in a ReactiveHTML template, so the bridge's own click listener handles
  them); the slider look-ahead finds the sliders' model by its class there too.

The page-side state lives in one object, ``window.pyvizzy.page``, whose shape
``page/page_state.js`` documents.
"""

from __future__ import annotations

import json
import sys

import param
from panel.reactive import ReactiveHTML

from pyvizzy.app.panel_compat import DesignForStylesheetsOnly
from pyvizzy.app.resources import page_script
from pyvizzy.app.theme import GLOBAL_CSS
from pyvizzy.json_text import too_deep_at

__all__ = [
    "GUIDE_BUTTON_CLASS",
    "GUIDE_STEPS",
    "PAGE_CONTROLS",
    "RENDER_SCRIPTS",
    "SLIDERS_CLASS",
    "THEME_TOGGLE_CLASS",
    "Bridge",
    "safe_json",
]

#: CSS classes that make a widget one of the page's own controls (see :data:`PAGE_CONTROLS`).
THEME_TOGGLE_CLASS = "pv-theme-toggle"
GUIDE_BUTTON_CLASS = "pv-guide-button"
SLIDERS_CLASS = "pv-sliders"
#: What the page's scripts know the controls by (``page.controls`` in page_state.js).
PAGE_CONTROLS = {
    "theme": THEME_TOGGLE_CLASS,
    "guide": GUIDE_BUTTON_CLASS,
    "sliders": SLIDERS_CLASS,
}

#: The Guide tour, in the data's order: each step's panel (its card's CSS class), the tab that
#: shows it where the panel is not always in view (shell.html's tab bar), title, text.
GUIDE_STEPS = (
    {
        "panel": "pv-panel-dataset",
        "tab": "data",
        "title": "1. Dataset",
        "text": "Each image and its given label. Click one to select it everywhere; relabel it "
        "with the 'Relabel selected as' menu, then press Train to refit the model on your "
        "edits.",
    },
    {
        "panel": "pv-panel-probs",
        "tab": "probs",
        "title": "2. Predicted probabilities",
        "text": "A 5-fold SVM on the image embeddings gives every image out-of-sample class "
        "probabilities. Sort by label quality to see the least trustworthy labels first.",
    },
    {
        "panel": "pv-panel-thresholds",
        "tab": "thresholds",
        "title": "3. Thresholds",
        "text": "Per class, the self-confidence of its images. The class threshold (blue) is "
        "the class percentile of these; an image is confidently its most probable class when "
        "it reaches that class's threshold. The OOD threshold (amber) is a lower percentile.",
    },
    {
        "panel": "pv-panel-joint",
        "tab": "",
        "title": "4. Confident joint",
        "text": "Rows: given label, columns: suggested label. The diagonal agrees with the "
        "given label; every image off the diagonal is a label issue.",
    },
    {
        "panel": "pv-panel-results",
        "tab": "results",
        "title": "5. Results",
        "text": "Label issues ranked by label quality, images below every OOD threshold "
        "(out of distribution), images confident in no class (unconfident) and groups of "
        "near duplicates. Beside the OOD slider, choose what decides OOD: Vizzy's rule or "
        "the nearest neighbours (the images farthest from theirs).",
    },
    {
        "panel": "pv-panel-explainer",
        "tab": "why",
        "title": "6. Why?",
        "text": "The selected image's probabilities against its thresholds, and why it lands "
        "in its category. Drag the sliders and watch everything update.",
    },
    {
        "panel": "pv-panel-scoreboard",
        "tab": "score",
        "title": "7. Scoreboard",
        "text": "When the true labels are known: how many planted errors the flags find, by "
        "either OOD lens, and the precision/recall curve along the class percentile, the "
        "sliders' point on it. Below: cleanlab's label health of the dataset.",
    },
    {
        "panel": "pv-panel-map",
        "tab": "map",
        "title": "8. Map",
        "text": "Every image on a 2-D map of its embedding, in its given class's colour; "
        "label issues and OOD images ringed. Click a dot to select it.",
    },
)

#: The render script: the page's scripts, one per job, then the one that starts them.
RENDER_SCRIPTS = (
    "dom.js",
    "page_state.js",
    "theme.js",
    "host.js",
    "busy.js",
    "address.js",
    "selection.js",
    "keys.js",
    "guide.js",
    "announce.js",
    "map_view.js",
    "views.js",
    "lookahead.js",
    "bridge_render.js",
)


def safe_json(value) -> str:
    """JSON text with no ``<``, ``>`` or ``&`` (written as ``\\u003c`` etc.).

    Panel sanitizes every string property of a ReactiveHTML component as HTML, which
    would mangle such characters; JSON's unicode escapes carry them through intact.
    """
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")



#: The longest page message of the small kinds (a click, a host's settings) that is read.
MAX_MESSAGE_CHARS = 4096
#: How deeply a page message may nest (they are flat objects).
MAX_MESSAGE_DEPTH = 4


def read_page_message(text: str | None, max_chars: int = MAX_MESSAGE_CHARS) -> dict | None:
    """The JSON object a message from the page holds, or None (ignored).

    A message over ``max_chars`` or nested deeper than :data:`MAX_MESSAGE_DEPTH` is refused
    before it is parsed, as is one that is not JSON or not an object.
    """
    if not text or len(text) > max_chars or too_deep_at(text, MAX_MESSAGE_DEPTH):
        return None
    try:
        message = json.loads(text)
    except ValueError:  # (not JSON, or an integer longer than Python reads)
        return None
    return message if isinstance(message, dict) else None


class Bridge(DesignForStylesheetsOnly, ReactiveHTML):
    """Invisible component syncing state, address, clicks and theme with the page."""

    static_json = param.String(
        default="", doc="safe_json of {basis, state}: the state's slow part (Python ->)."
    )
    dynamic = param.Bytes(
        default=b"",
        doc="UTF-8 JSON payload {state: the rest of the state, address: the query string, "
        "views: name -> layout, basis: numbers all but the sliders' part}.",
    )
    query = param.String(default=None, allow_None=True, doc="location.search at start (page ->).")
    event = param.String(default="", doc="JSON of the last click on a data-pv-tile element.")
    host_state = param.String(
        default="", doc="JSON {n, query} of a host page's last pyvizzy:set-state (page ->): its "
        "settings as a query string; n counts the messages, so a repeated one applies again.",
    )
    css_json = param.String(default=safe_json(GLOBAL_CSS), doc="Theme CSS for <head>.")
    guide_json = param.String(default=safe_json(GUIDE_STEPS))
    controls_json = param.String(default=safe_json(PAGE_CONTROLS))
    start_json = param.String(default=safe_json("Loading the dataset and training the model…"))
    busy_json = param.String(default="", doc="safe_json of a busy message; empty when idle.")

    _template = '<div id="pvbridge" class="pv-bridge" style="display:none"></div>'

    _scripts = {  # noqa: RUF012 - Panel's class attribute
        "render": "\n".join(page_script(name) for name in RENDER_SCRIPTS),
        "static_json": page_script("bridge_static.js"),
        "dynamic": page_script("bridge_dynamic.js"),
        "busy_json": page_script("bridge_busy.js"),
    }

    def __init__(self, **params):
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)

    def send_state(
        self,
        static: dict | None,
        dynamic: dict,
        address: str | None = None,
        views: dict | None = None,
        basis: int | None = None,
    ) -> None:
        """Publish a state snapshot to the page, in two parts merged there.

        ``static`` (ids, labels, predicted probabilities: the bulk) changes only when the
        data or the model does; None leaves the page's copy as it is. The page draws it
        with the first payload of its ``basis``, so that its state never pairs one model's
        probabilities with another's categories. ``dynamic``
        (thresholds, categories, selection...) is sent on every change, with ``address``,
        the query string to show in the address bar (None: leave it). It travels as
        bytes: Panel sanitizes string properties as HTML (slow, and it mangles ``<``),
        bytes it leaves alone. ``views`` (name -> layout, e.g. which thumbnails go in which
        cell of the joint) tells the page how to re-sort views it lays out itself.
        ``basis`` numbers everything in the payload but the sliders' part: payloads
        computed ahead for other slider values are only used on the same basis.
        """
        if static is not None:
            self.static_json = safe_json({"basis": basis, "state": static})
        self.dynamic = self.payload_json(dynamic, address, views, basis).encode()

    @staticmethod
    def payload_json(
        dynamic: dict, address: str | None, views: dict | None, basis: int | None
    ) -> str:
        """The JSON text of a payload for the page (see :meth:`send_state`)."""
        payload = {"state": dynamic, "address": address, "views": views or {}, "basis": basis}
        return json.dumps(payload, allow_nan=False, separators=(",", ":"))

    def published_state(self) -> dict:
        """The state as the page will merge it (what ``window.pyvizzy.state()`` returns)."""
        static = json.loads(self.static_json)["state"] if self.static_json else {}
        dynamic = json.loads(self.dynamic)["state"] if self.dynamic else {}
        return {**static, **dynamic}

    def published_views(self) -> dict:
        """The view layouts last sent to the page (name -> layout)."""
        return json.loads(self.dynamic)["views"] if self.dynamic else {}

    def published_address(self) -> str | None:
        """The query string last sent to the page's address bar."""
        return json.loads(self.dynamic)["address"] if self.dynamic else None

    def set_busy(self, message: str | None) -> None:
        """Show the page's busy overlay with ``message``, or hide it (None)."""
        self.busy_json = safe_json(message) if message else ""

    @staticmethod
    def tell_busy_now(message: str) -> None:
        """Put ``message`` on the busy overlay at once, while Python is still at work.

        A property set now would reach the page only when the work is done; in the site's
        worker the page is told directly (the worker's ``pyvizzyTellBusy``). Under
        ``panel serve`` nothing is told.
        """
        if sys.platform != "emscripten":
            return
        import js  # Pyodide's module of the worker's JS globals

        tell = getattr(js, "pyvizzyTellBusy", None)
        if tell is not None:
            tell(message)

    def clicked_id(self) -> str | None:
        """The item id of the last click event, or None when there was none."""
        message = read_page_message(self.event)
        if message is not None and message.get("action") == "select":
            item_id = message.get("id")
            return item_id if isinstance(item_id, str) else None
        return None
