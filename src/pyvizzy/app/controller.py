"""The app's controller: builds the panels around one state, loads, trains and publishes.

:class:`PyvizzyApp` owns the :class:`~pyvizzy.app.state.AppState`, the panels, the bridge
to the page and the slider look-ahead. What the page shows reaches it in one way: the app
*publishes* (:meth:`PyvizzyApp.publish`) the state and the views' layouts through the bridge,
when the state changes on its own (a slider, a click) or once at the end of an action (load,
train, an address): see :meth:`PyvizzyApp.acting`.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlencode

import panel as pn

from pyvizzy.app import data as app_data
from pyvizzy.app.bridge import Bridge, read_page_message, safe_json
from pyvizzy.app.components import batched
from pyvizzy.app.dataset_panel import DatasetPanel
from pyvizzy.app.explainer_panel import ExplainerPanel
from pyvizzy.app.export import export_csv, export_file_name
from pyvizzy.app.header import Header
from pyvizzy.app.joint_panel import JointPanel
from pyvizzy.app.layout import Shell
from pyvizzy.app.lookahead import SliderLookahead
from pyvizzy.app.map_panel import MapPanel
from pyvizzy.app.opened import OpenedFile, dataset_from_text, file_key, read_opened_message
from pyvizzy.app.panel_compat import install_fast_edit_readonly
from pyvizzy.app.pred_probs_panel import PredProbsPanel
from pyvizzy.app.query import QuerySettings, parse_query, quoted
from pyvizzy.app.results_panel import ResultsPanel
from pyvizzy.app.scoreboard_panel import ScoreboardPanel
from pyvizzy.app.sliders_panel import SlidersPanel
from pyvizzy.app.state import AppState, Outcome, SliderSetting
from pyvizzy.app.thresholds_panel import ThresholdsPanel
from pyvizzy.dataset import DatasetError

__all__ = ["PyvizzyApp", "app_for", "create_app", "initial_query"]

BUSY_TRAINING = "Training the 5-fold SVM on your labels…"
BUSY_LOADING = "Loading the dataset and training the model…"
BUSY_OPENING = "Reading your file and training the model…"
BUSY_STARTING = "Training the model…"
#: Pause between showing the busy overlay and starting the work (lets the page draw it).
BUSY_PAUSE_SECONDS = 0.03
#: The state's parameters whose change the page must hear about.
PUBLISHED_PARAMS = ("revision", "selected", "notices", "error", "pending_labels")
#: The app built in each Bokeh document (see :func:`app_for`).
_APPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class PyvizzyApp:
    """Builds the panels around one :class:`AppState` and runs the app's actions.

    Parameters
    ----------
    load_catalog, load_entry : callables, optional
        Where datasets come from (defaults: :mod:`pyvizzy.app.data`); tests pass their own.
    """

    def __init__(self, load_catalog=None, load_entry=None):
        install_fast_edit_readonly()
        self._load_catalog = load_catalog or app_data.load_catalog
        self._load_entry = load_entry or app_data.load_entry
        self.catalog = None
        self._busy_message = None
        #: The datasets of the files the reader opened, by key (kept for this visit only).
        self._files: dict = {}
        self.started = False
        self._applied = None
        self._acting = False
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
        self.sliders_panel = SlidersPanel(self.state)
        self.thresholds_panel = ThresholdsPanel(self.state)
        self.explainer_panel = ExplainerPanel(self.state)
        self.results_panel = ResultsPanel(self.state)
        self.scoreboard_panel = ScoreboardPanel(self.state)
        self.map_panel = MapPanel(self.state)
        #: The payloads of nearby slider settings, for the site's worker to send ahead.
        self.lookahead = SliderLookahead(self)
        # Registered after the panels' watchers: the page hears about a state once drawn.
        self.state.param.watch(self._on_state_change, list(PUBLISHED_PARAMS))
        self.bridge.param.watch(batched(self._on_query), "query")
        self.bridge.param.watch(batched(self._on_click), "event")
        self.bridge.param.watch(batched(self._on_host_state), "host_state")
        self.header.bar.param.watch(self._on_dataset_choice, "dataset")
        self.header.bar.param.watch(self._on_opened, "opened")
        self.header.bar.param.watch(lambda _event: self.export_table(), "exports")
        self.dataset_panel.on_train = lambda: self.run_busy(BUSY_TRAINING, self.retrain)

    # -- the page ----------------------------------------------------------------------------

    def view(self) -> Shell:
        """The whole page."""
        return Shell(
            header=self.header.__panel__(),
            dataset=self.dataset_panel.__panel__(),
            probs=self.probs_panel.__panel__(),
            joint=self.joint_panel.__panel__(),
            sliders=self.sliders_panel.__panel__(),
            thresholds=self.thresholds_panel.__panel__(),
            explainer=self.explainer_panel.__panel__(),
            results=self.results_panel.__panel__(),
            scoreboard=self.scoreboard_panel.__panel__(),
            map=self.map_panel.__panel__(),
            bridge=self.bridge,
            sizing_mode="stretch_both",
            margin=0,
        )

    @contextmanager
    def acting(self) -> Iterator[None]:
        """Run an action, then publish once: the state's own changes publish nothing meanwhile.

        Actions nest (opening a dataset is part of starting); only the outermost publishes,
        and only when the action did not raise (its error then goes on as it was).
        """
        if self._acting:
            yield
            return
        self._acting = True
        try:
            yield
        finally:
            self._acting = False
        self.publish()

    def _on_state_change(self, *_events) -> None:
        if not self._acting:
            self.publish()

    def publish(self) -> None:
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
        dynamic, address, views = self._page_payload(state.outcome())
        if state.recompute_started is not None:
            # Python's share of the last redraw: recompute + every view + this snapshot.
            dynamic["redraw_ms"] = round(1000 * (time.perf_counter() - state.recompute_started), 2)
        # Everything a payload holds but the sliders' part: while it stays the same, a
        # payload computed ahead for another setting (:meth:`preview_payload`) is what a
        # move there would send.
        basis_key = (
            static_key, state.threshold_mode, state.ood_lens, state.selected,
            tuple(state.notices),
            state.error, tuple(view and view["rev"] for view in views.values()),
        )  # fmt: skip
        if basis_key != self._basis_key:
            self._basis_key = basis_key
            self.basis += 1
        self.bridge.send_state(static, dynamic, address, views, self.basis)

    def _page_payload(self, outcome: Outcome) -> tuple[dict, str | None, dict]:
        """The state's dynamic snapshot, address and view layouts at ``outcome``'s setting."""
        state = self.state
        dynamic = {**state.dynamic_snapshot(outcome), "seq": self._published}
        address = state.address(outcome.setting) if state.dataset_key else None
        views = {
            "joint": self.joint_panel.page_layout(outcome),
            "results": self.results_panel.page_layout(outcome),
            "histograms": self.thresholds_panel.page_layout(outcome),
            "explainer": self.explainer_panel.page_layout(outcome),
            "scoreboard": self.scoreboard_panel.page_layout(outcome),
            "map": self.map_panel.page_layout(outcome),
        }
        return dynamic, address, views

    def preview_payload(self, setting: SliderSetting) -> str:
        """The payload a move of the sliders to ``setting`` would publish, computed now.

        It is the JSON that :meth:`publish` would send (same ``basis``), but with the last
        published ``seq`` and ``revision`` and no ``redraw_ms``; every part of it reports
        ``setting``, and nothing in the app changes. The site sends these ahead of the
        moves (:mod:`pyvizzy.app.lookahead`).
        """
        outcome = self.state.outcome_at(setting)
        dynamic, address, views = self._page_payload(outcome)
        return self.bridge.payload_json(dynamic, address, views, self.basis)

    # -- actions -------------------------------------------------------------------------------

    def start(self, query: str = "") -> None:
        """Read the catalog, apply the address's settings, load and train the dataset (the
        page's loading line hears of each fold: in the site's worker, that is its progress)."""
        self.started = True
        self._busy_message = BUSY_STARTING
        try:
            self._start(query)
        finally:
            self._busy_message = None

    def _start(self, query: str) -> None:
        with self.acting():
            try:
                self.catalog = self._load_catalog()
            except (OSError, ValueError) as error:
                self.state.error = f"Could not read the dataset catalog: {error}"
                return
            self.header.set_catalog(self.catalog)
            settings = parse_query(query, self.catalog.keys)
            self._applied = settings
            asked = settings.dataset or self.catalog.default
            if self.open_dataset(asked, settings) or asked == self.catalog.default:
                return
            # (the asked dataset failed: the default opens, and the page says what failed)
            failed = self.state.error
            if self.open_dataset(self.catalog.default, replace(settings, notices=())):
                self.state.error = failed

    def open_dataset(self, key: str, settings: QuerySettings | None = None) -> bool:
        """Open dataset ``key`` (the catalog's, an address on the page's origin, or a file
        the reader opened), apply ``settings`` and train; False (the dataset on screen kept,
        ``error`` saying why) on failure."""
        settings = settings or QuerySettings()
        with self.acting():
            try:
                entry = self._entry(key)
                dataset = self._files.get(key) or self._load_entry(entry)
            except (KeyError, OSError, DatasetError, ValueError) as error:
                self.state.error = f"Could not load dataset {quoted(key)}: {error}"
                self.state.notify(*settings.notices)
                return False
            return self._show(entry, dataset, settings)

    def _entry(self, key: str) -> app_data.CatalogEntry:
        """The catalog's entry for ``key``, or a new one for the address ``key``."""
        if key in self.catalog.keys:
            return self.catalog.entry(key)
        if app_data.is_dataset_address(key):
            path = app_data.check_dataset_address(key)
            return app_data.CatalogEntry(path, path, path, app_data.ORIGIN_ADDRESS)
        raise KeyError(key)

    def _show(self, entry, dataset, settings: QuerySettings) -> bool:
        """Train on ``dataset`` and make it current (the switcher offers it from then on)."""
        urls = app_data.image_urls(entry, dataset)
        if not self.state.open(entry.key, dataset, urls, settings, self._fold_progress):
            self.state.error = f"Could not open {quoted(entry.name)}: {self.state.error}"
            self.state.notify(*settings.notices)
            return False
        if entry.origin != app_data.ORIGIN_CATALOG:
            name = dataset.name + (" (your file)" if entry.origin == app_data.ORIGIN_FILE else "")
            self.catalog = self.catalog.with_entry(replace(entry, name=name))
            self.header.set_catalog(self.catalog)
        self.dataset_panel.refresh_status()
        return True

    def open_file(self, opened: OpenedFile) -> bool:
        """Open a file the reader chose or dropped (read in the page, nothing uploaded)."""
        self.state.private_names.add(opened.name)
        with self.acting():
            try:
                dataset = dataset_from_text(opened)
            except ValueError as error:
                self.state.error = f"Could not open {quoted(opened.name)}: {error}"
                return False
            entry = app_data.CatalogEntry(
                file_key(opened.name), opened.name, opened.name, app_data.ORIGIN_FILE
            )
            if not self._show(entry, dataset, QuerySettings()):
                return False
            self._files[entry.key] = dataset
            hidden = sum(1 for image in dataset.images if image) - sum(
                1 for url in self.state.image_urls if url
            )
            if hidden:
                self.state.notify(
                    f"{hidden} images of {opened.name} are files beside it, which the page "
                    "cannot read: only images inside the file show (pyvizzy embed "
                    "--inline-thumbnails)."
                )
            return True

    def export_table(self) -> None:
        """Hand the page the Export table of the current view (:mod:`pyvizzy.app.export`)."""
        bar = self.header.bar
        count = bar.exports
        try:
            table = {"n": count, "name": export_file_name(self.state.dataset.name),
                     "text": export_csv(self.state)}
        except (ValueError, AttributeError) as error:
            self.state.error = f"Nothing exported: {error}"
            return
        bar.export_json = safe_json(table)

    def apply_query(self, query: str) -> None:
        """Apply an address's settings to the running app (switching dataset if it names one).

        A query that parses to the settings already applied at start is ignored, so its
        notices are not repeated (the page, waiting for a state after sending its address,
        still gets one).
        """
        with self.acting():
            if self.catalog is None:
                return
            settings = parse_query(query, self.catalog.keys)
            if settings == self._applied:
                return
            self._applied = settings
            self._apply(settings)

    def apply_host_state(self, query: str) -> None:
        """Apply a host page's ``pyvizzy:set-state``: the settings ``query`` names (validated
        as the address's are), whatever was applied before."""
        with self.acting():
            if self.catalog is None or not self.started:
                return
            settings = parse_query(query, self.catalog.keys)
            if (settings.dataset or "").startswith(app_data.FILE_KEY_PREFIX):
                settings = replace(settings, dataset=None)  # (the reader's files are theirs)
            self._apply(settings)

    def _apply(self, settings: QuerySettings) -> None:
        if settings.dataset is not None and settings.dataset != self.state.dataset_key:
            self.open_dataset(settings.dataset, settings)
        else:
            self.state.apply_settings(settings)

    def retrain(self) -> bool:
        """Train on the pending labels (the Train button); False if training failed."""
        with self.acting():
            trained = self.state.train(self._fold_progress)
            self.dataset_panel.refresh_status()
            return trained

    def switch_dataset(self, key: str) -> bool:
        """Open another dataset of the catalog (the header's switcher)."""
        return self.open_dataset(key)

    def run_busy(self, message: str, action, dataset: str | None = None) -> None:
        """Show ``message`` on the page's busy overlay, run ``action``, hide the overlay.

        ``action`` runs in a coroutine after a short pause, so that the overlay reaches the
        page first, both under ``panel serve`` and in Pyodide's worker. When it opens the
        catalog's dataset or address ``dataset``, that file is fetched first with a limit on
        how long it may stall (:meth:`fetch_ahead`); if that fails, the error says why and
        ``action`` does not run.
        """
        self.bridge.set_busy(message)

        async def run():
            await asyncio.sleep(BUSY_PAUSE_SECONDS)
            self._busy_message = message
            try:
                if dataset is None or await self.fetch_ahead(dataset):
                    batched(action)()
            finally:
                self._busy_message = None
                self.bridge.set_busy(None)

        pn.state.execute(run)

    async def fetch_ahead(self, key: str) -> bool:
        """Fetch the file of dataset ``key`` (the catalog's, or an address) for the read that
        opens it, giving up when it stalls (:func:`pyvizzy.app.data.fetch_ahead`); False,
        with the dataset on screen kept and ``error`` saying why, when that failed."""
        try:
            url = app_data.entry_url(self._entry(key))
        except (KeyError, ValueError):
            return True  # (opening it says why)
        try:
            await app_data.fetch_ahead(url)
        except OSError as error:
            with self.acting():
                self.state.error = f"Could not load dataset {quoted(key)}: {error}"
            return False
        return True

    def _on_query(self, event) -> None:
        if event.new is None:
            return
        if self.started:
            self.apply_query(event.new)
        else:
            self.start(event.new)

    def _on_host_state(self, event) -> None:
        message = read_page_message(event.new)
        query = message.get("query") if message is not None else None
        if not isinstance(query, str) or self.catalog is None:
            return
        asked = parse_query(query, self.catalog.keys).dataset
        if asked is None or asked == self.state.dataset_key or asked.startswith(
                app_data.FILE_KEY_PREFIX):
            self.apply_host_state(query)
        else:  # (another dataset: fetched first, with the busy overlay up)
            self.run_busy(BUSY_LOADING, lambda: self.apply_host_state(query), asked)

    def _on_click(self, _event) -> None:
        item_id = self.bridge.clicked_id()
        if item_id is not None:
            self.state.select(item_id)

    def _fold_progress(self, fold: int, n_folds: int) -> None:
        """Tell the page which fold a training at start or started from the page has
        reached."""
        if self._busy_message:
            self.bridge.tell_busy_now(f"{self._busy_message} Fold {fold + 1} of {n_folds}.")

    def _on_opened(self, event) -> None:
        opened = read_opened_message(event.new) if event.new else None
        if opened is not None and self.catalog is not None:
            self.run_busy(BUSY_OPENING, lambda: self.open_file(opened))

    def _on_dataset_choice(self, event) -> None:
        if event.new and event.new != self.state.dataset_key and self.catalog is not None:
            self.run_busy(BUSY_LOADING, lambda: self.switch_dataset(event.new), event.new)


def initial_query() -> str:
    """The query string of the request that opened this session (``""`` if none is known).

    Under ``panel serve`` the request's arguments are known when the app is built, so the
    first view already honours the address. In the site's worker they are too (the worker
    gives the document a session carrying the page's address); elsewhere the bridge sends
    ``location.search`` once the page renders (:meth:`PyvizzyApp.apply_query`).
    """
    try:
        arguments = pn.state.session_args or {}
    except Exception:  # no session (pre-rendering, tests)
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
    # No IDE signatures for Panel's classes (nothing here completes code, and making them is
    # a noticeable part of the first build), and no search of every installed distribution's
    # metadata for Panel extensions to load (the app uses none; in the site's worker the
    # search would read the zipped standard library's directory on every visit).
    pn.extension(apply_signatures=False, load_entry_points=False)
    app = PyvizzyApp(load_catalog, load_entry)
    if pn.state.curdoc is not None:
        _APPS[pn.state.curdoc] = app
    app.start(initial_query() if query is None else query)
    return app.view()


def app_for(document) -> PyvizzyApp | None:
    """The app :func:`create_app` built in this Bokeh document (None if none)."""
    return _APPS.get(document)
