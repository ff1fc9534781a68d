"""The one-window layout and the controller that loads, trains and publishes.

Left to right, the data's path: dataset -> predicted probabilities -> confident joint
and thresholds -> explanation, results and scoreboard. The page never scrolls: a CSS
grid fills the viewport and every panel scrolls inside itself.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from urllib.parse import urlencode

import panel as pn
import param
from panel.reactive import ReactiveHTML

from pyvizzy.app import data as app_data
from pyvizzy.app import speedups
from pyvizzy.app.bridge import Bridge
from pyvizzy.app.components import batched
from pyvizzy.app.dataset_panel import DatasetPanel
from pyvizzy.app.explainer_panel import ExplainerPanel
from pyvizzy.app.header import Header
from pyvizzy.app.joint_panel import JointPanel
from pyvizzy.app.lookahead import SliderLookahead
from pyvizzy.app.pred_probs_panel import PredProbsPanel
from pyvizzy.app.results_panel import ResultsPanel
from pyvizzy.app.scoreboard_panel import ScoreboardPanel
from pyvizzy.app.state import AppState, QuerySettings, parse_query
from pyvizzy.app.thresholds_panel import ThresholdsPanel
from pyvizzy.dataset import DatasetError

__all__ = ["PyvizzyApp", "Shell", "app_for", "create_app"]

BUSY_TRAINING = "Training the 5-fold SVM on your labels…"
BUSY_LOADING = "Loading the dataset and training the model…"
#: Pause between showing the busy overlay and starting the work (lets the page draw it).
BUSY_PAUSE_SECONDS = 0.03
#: The app built in each Bokeh document (see :func:`app_for`).
_APPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

SHELL_CSS = """
:host { display: block; width: 100vw; height: 100vh; }
.pv-shell { box-sizing: border-box; width: 100%; height: 100%; padding: 6px 8px 8px;
  display: flex; flex-direction: column; gap: 6px; background: var(--pv-page);
  color: var(--pv-text); overflow: hidden; }
.pv-hd { flex: 0 0 34px; display: flex; min-width: 0; }
.pv-body { flex: 1 1 0; min-height: 0; display: grid; gap: 8px;
  grid-template-columns: minmax(140px, 12%) minmax(180px, 15%) minmax(0, 1fr) minmax(270px, 25%); }
.pv-col { display: flex; flex-direction: column; gap: 8px; min-height: 0; min-width: 0; }
.pv-slot { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.pv-grow { flex: 1 1 0; }
.pv-slot-th { flex: 0 0 clamp(205px, 34%, 255px); }
.pv-slot-ex { flex: 0 0 clamp(180px, 31%, 235px); }
.pv-slot-sc { flex: 0 0 118px; }
.pv-br { position: absolute; width: 0; height: 0; overflow: hidden; }
"""


class Shell(ReactiveHTML):
    """The page's grid; each slot holds one panel."""

    header = param.Parameter()
    dataset = param.Parameter()
    probs = param.Parameter()
    joint = param.Parameter()
    thresholds = param.Parameter()
    explainer = param.Parameter()
    results = param.Parameter()
    scoreboard = param.Parameter()
    bridge = param.Parameter()

    _template = """
<div id="shell" class="pv-shell">
  <div id="hd" class="pv-hd">${header}</div>
  <div id="body" class="pv-body">
    <div id="c1" class="pv-col pv-slot">${dataset}</div>
    <div id="c2" class="pv-col pv-slot">${probs}</div>
    <div id="c3" class="pv-col">
      <div id="jt" class="pv-slot pv-grow">${joint}</div>
      <div id="th" class="pv-slot pv-slot-th">${thresholds}</div>
    </div>
    <div id="c4" class="pv-col">
      <div id="ex" class="pv-slot pv-slot-ex">${explainer}</div>
      <div id="rs" class="pv-slot pv-grow">${results}</div>
      <div id="sc" class="pv-slot pv-slot-sc">${scoreboard}</div>
    </div>
  </div>
  <div id="br" class="pv-br">${bridge}</div>
</div>
"""

    _stylesheets = [SHELL_CSS]  # noqa: RUF012 - Panel's class attribute


class PyvizzyApp:
    """Builds the panels around one :class:`AppState` and runs the app's actions.

    Parameters
    ----------
    load_catalog, load_entry : callables, optional
        Where datasets come from (defaults: :mod:`pyvizzy.app.data`); tests pass their own.
    """

    def __init__(self, load_catalog=None, load_entry=None):
        speedups.install()
        self._load_catalog = load_catalog or app_data.load_catalog
        self._load_entry = load_entry or app_data.load_entry
        self.catalog = None
        self.started = False
        self._applied = None
        self._published = 0
        self._static_key = None
        self._basis_key = None
        #: Numbers the published payloads' non-slider part (see :meth:`publish`).
        self.basis = 0
        self.state = AppState()
        self.bridge = Bridge()
        self.header = Header(self.state)
        self.dataset_panel = DatasetPanel(self.state)
        self.probs_panel = PredProbsPanel(self.state)
        self.joint_panel = JointPanel(self.state)
        self.thresholds_panel = ThresholdsPanel(self.state)
        self.explainer_panel = ExplainerPanel(self.state)
        self.results_panel = ResultsPanel(self.state)
        self.scoreboard_panel = ScoreboardPanel(self.state)
        #: The payloads of nearby slider settings, for the site's worker to send ahead.
        self.lookahead = SliderLookahead(self)
        # Registered after the panels' watchers: the page hears about a state once drawn.
        self.state.param.watch(
            self.publish, ["revision", "selected", "notices", "error", "pending_labels"]
        )
        self.bridge.param.watch(batched(self._on_query), "query")
        self.bridge.param.watch(batched(self._on_click), "event")
        self.header.dataset_select.param.watch(self._on_dataset_choice, "value")
        self.dataset_panel.on_train = lambda: self.run_busy(BUSY_TRAINING, self.retrain)

    # -- the page ----------------------------------------------------------------------------

    def view(self) -> Shell:
        """The whole page."""
        return Shell(
            header=self.header.__panel__(),
            dataset=self.dataset_panel.__panel__(),
            probs=self.probs_panel.__panel__(),
            joint=self.joint_panel.__panel__(),
            thresholds=self.thresholds_panel.__panel__(),
            explainer=self.explainer_panel.__panel__(),
            results=self.results_panel.__panel__(),
            scoreboard=self.scoreboard_panel.__panel__(),
            bridge=self.bridge,
            sizing_mode="stretch_both",
            margin=0,
        )

    def publish(self, *_events) -> None:
        """Send the state to the page (``window.pyvizzy.state()``) and update the address."""
        state = self.state
        static_key = (
            id(state.dataset),
            state.train_revision,
            None if state.pending_labels is None else state.pending_labels.tobytes(),
            state.trained,
        )
        static = None
        if static_key != self._static_key:
            self._static_key = static_key
            static = state.static_snapshot()
        self._published += 1
        dynamic, address, views = self._page_payload(state)
        if state.recompute_started is not None:
            # Python's share of the last redraw: recompute + every view + this snapshot.
            dynamic["redraw_ms"] = round(1000 * (time.perf_counter() - state.recompute_started), 2)
        # Everything a payload holds but the sliders' part: while it stays the same, a
        # payload computed ahead for other slider values (:meth:`preview_payload`) is what
        # a move to them would send.
        basis_key = (
            static_key, state.threshold_mode, state.selected, tuple(state.notices),
            state.error, tuple(view and view["rev"] for view in views.values()),
        )  # fmt: skip
        if basis_key != self._basis_key:
            self._basis_key = basis_key
            self.basis += 1
        self.bridge.send_state(static, dynamic, address, views, self.basis)

    def _page_payload(self, state) -> tuple[dict, str | None, dict]:
        """The state's dynamic snapshot, address and view layouts, as :meth:`publish` sends.

        ``state`` is :attr:`state` or a :class:`~pyvizzy.app.state.StateAtSliders` of it.
        """
        dynamic = {**state.dynamic_snapshot(), "seq": self._published}
        address = state.address() if state.dataset_key else None
        views = {
            "joint": self.joint_panel.page_layout(state),
            "results": self.results_panel.page_layout(state),
            "histograms": self.thresholds_panel.page_layout(state),
            "explainer": self.explainer_panel.page_layout(state),
            "scoreboard": self.scoreboard_panel.page_layout(state),
        }
        return dynamic, address, views

    def preview_payload(self, class_percentile: int, ood_percentile: int) -> str:
        """The payload a move of the sliders to these values would publish, computed now.

        It is the JSON that :meth:`publish` would send (same ``basis``), but with the last
        published ``seq`` and ``revision`` and no ``redraw_ms``; nothing in the app
        changes. The site sends these ahead of the moves (:mod:`pyvizzy.app.lookahead`).
        """
        dynamic, address, views = self._page_payload(
            self.state.at_sliders(class_percentile, ood_percentile)
        )
        return self.bridge.payload_json(dynamic, address, views, self.basis)

    # -- actions -------------------------------------------------------------------------------

    def start(self, query: str = "") -> None:
        """Read the catalog, apply the address's settings, load and train the dataset."""
        self.started = True
        try:
            self.catalog = self._load_catalog()
        except (OSError, ValueError) as error:
            self.state.error = f"Could not read the dataset catalog: {error}"
            self.publish()
            return
        self.header.set_catalog(self.catalog)
        settings = parse_query(query, self.catalog.keys)
        self._applied = settings
        self.open_dataset(settings.dataset or self.catalog.default, settings)
        self.publish()

    def open_dataset(self, key: str, settings: QuerySettings | None = None) -> bool:
        """Load catalog dataset ``key``, apply ``settings`` and train; False on failure."""
        settings = settings or QuerySettings()
        try:
            entry = self.catalog.entry(key)
            dataset = self._load_entry(entry)
        except (KeyError, OSError, DatasetError, ValueError) as error:
            self.state.error = f"Could not load dataset {key!r}: {error}"
            self.state.notify(*settings.notices)
            self.publish()
            return False
        self.state.set_dataset(key, dataset, app_data.image_urls(entry, dataset))
        self.state.apply_settings(settings)
        if self.state.train() and self.state.selected is None:
            self.state.select_first_issue()
        self.dataset_panel.refresh_status()
        return True

    def apply_query(self, query: str) -> None:
        """Apply an address's settings to the running app (switching dataset if it names one).

        A query that parses to the settings already applied at start is ignored, so its
        notices are not repeated.
        """
        if self.catalog is None:
            self.publish()
            return
        settings = parse_query(query, self.catalog.keys)
        if settings == self._applied:
            self.publish()  # the page waits for a state after sending its address
            return
        self._applied = settings
        if settings.dataset is not None and settings.dataset != self.state.dataset_key:
            self.open_dataset(settings.dataset, settings)
        else:
            self.state.apply_settings(settings)
        self.publish()

    def retrain(self) -> bool:
        """Train on the pending labels (the Train button); False if training failed."""
        trained = self.state.train()
        self.dataset_panel.refresh_status()
        self.publish()
        return trained

    def run_busy(self, message: str, action) -> None:
        """Show ``message`` on the page's busy overlay, run ``action``, hide the overlay.

        ``action`` runs in a coroutine after a short pause, so that the overlay reaches the
        page first, both under ``panel serve`` and in Pyodide's worker.
        """
        self.bridge.set_busy(message)

        async def run():
            await asyncio.sleep(BUSY_PAUSE_SECONDS)
            try:
                batched(action)()
            finally:
                self.bridge.set_busy(None)

        pn.state.execute(run)

    def _on_query(self, event) -> None:
        if event.new is None:
            return
        if self.started:
            self.apply_query(event.new)
        else:
            self.start(event.new)

    def _on_click(self, _event) -> None:
        item_id = self.bridge.clicked_id()
        if item_id is not None:
            self.state.select(item_id)

    def _on_dataset_choice(self, event) -> None:
        if event.new and event.new != self.state.dataset_key and self.catalog is not None:
            self.run_busy(BUSY_LOADING, lambda: self.switch_dataset(event.new))

    def switch_dataset(self, key: str) -> bool:
        """Open another dataset of the catalog (the header's switcher)."""
        opened = self.open_dataset(key)
        self.publish()
        return opened


def initial_query() -> str:
    """The query string of the request that opened this session (``""`` if none is known).

    Under ``panel serve`` the request's arguments are known when the app is built, so the
    first view already honours the address. In Pyodide they are not: the bridge sends
    ``location.search`` once the page renders (:meth:`PyvizzyApp.apply_query`).
    """
    try:
        arguments = pn.state.session_args or {}
    except Exception:  # no session (pre-rendering, tests, Pyodide)
        return ""
    pairs = []
    for key, values in arguments.items():
        for value in values:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            pairs.append((key, text))
    return "?" + urlencode(pairs) if pairs else ""


def create_app(load_catalog=None, load_entry=None, query: str | None = None) -> Shell:
    """Build the app's page, load the first dataset and train (call ``.servable()`` on it).

    Parameters
    ----------
    load_catalog, load_entry : callables, optional
        Where datasets come from (default: :mod:`pyvizzy.app.data`).
    query : str, optional
        Initial settings; default: the request's query string (see :func:`initial_query`).
    """
    # No IDE signatures for Panel's classes (nothing here completes code; making them took
    # 45 ms of the first build in CPython, more in Pyodide), and no search of every installed
    # distribution's metadata for Panel extensions to load (the app uses none; in the site's
    # worker the search read the zipped standard library's directory: about 100 ms a visit).
    pn.extension(apply_signatures=False, load_entry_points=False)
    app = PyvizzyApp(load_catalog, load_entry)
    if pn.state.curdoc is not None:
        _APPS[pn.state.curdoc] = app
    app.start(initial_query() if query is None else query)
    return app.view()


def app_for(document) -> PyvizzyApp | None:
    """The app :func:`create_app` built in this Bokeh document (None if none)."""
    return _APPS.get(document)
