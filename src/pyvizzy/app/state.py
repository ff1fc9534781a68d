"""The app's state: one param-driven object that every panel watches.

:class:`AppState` holds what the user chose (dataset, sliders, threshold mode, OOD
lens, selected item, pending relabels) and what was computed from it (out-of-sample
predicted probabilities, the categorization, the other lenses). Every computation goes
through :mod:`pyvizzy.confident`, :mod:`pyvizzy.crossval` and the lenses'
modules. A slider change only recomputes :func:`pyvizzy.confident.categorize` (well under
a millisecond); training runs only on load and on :meth:`AppState.train`.

The module imports param and numpy but not Panel, so its logic is tested
without a browser or a server.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import param

from pyvizzy.app.data import FILE_KEY_PREFIX
from pyvizzy.app.outcome import Outcome, SliderSetting, joint_cell_members, ranked_label_issues
from pyvizzy.app.query import (
    OOD_LENSES,
    PERCENTILE_BOUNDS,
    QuerySettings,
    format_query,
    quoted,
)
from pyvizzy.app.training import N_FOLDS, TRAIN_SEED, fit_pred_probs
from pyvizzy.confident import (
    THRESHOLD_MODES,
    DetectionReport,
    categorize,
    detection_report,
    label_quality_scores,
)
from pyvizzy.confident.sweep import DetectionSweep, detection_sweep
from pyvizzy.health import HealthSummary, health_summary
from pyvizzy.neighbour_lenses import NeighbourLenses, neighbour_lenses
from pyvizzy.projection import pca_map

__all__ = [
    "DEFAULT_CLASS_PERCENTILE",
    "DEFAULT_OOD_PERCENTILE",
    "N_FOLDS",
    "TRAIN_SEED",
    "AppState",
    "Outcome",
    "SliderSetting",
    "fit_pred_probs",
    "joint_cell_members",
    "ranked_label_issues",
]

DEFAULT_CLASS_PERCENTILE = 50
DEFAULT_OOD_PERCENTILE = 15


def _float_list(array) -> list:
    return [float(value) for value in np.asarray(array, dtype=np.float64).ravel()]


# --------------------------------------------------------------------------------------------
# The state
# --------------------------------------------------------------------------------------------


class AppState(param.Parameterized):
    """Everything the panels show, and the actions that change it.

    Parameters are set by widgets (sliders, mode, selection); ``result`` and
    ``revision`` change after every recomputation, and views watch ``revision``.
    Training is explicit (:meth:`load`, :meth:`train`); moving a slider only
    recomputes the categorization.
    """

    dataset_key = param.String(default=None, allow_None=True, doc="Catalog key of the dataset.")
    dataset = param.Parameter(default=None, doc="The loaded pyvizzy.dataset.Dataset.")
    image_urls = param.List(default=[], doc="Page-relative thumbnail URL (or None) per item.")
    labels = param.Array(default=None, doc="Given labels the model was trained on (n,).")
    pending_labels = param.Array(default=None, doc="Given labels with unapplied relabels (n,).")
    pred_probs = param.Array(default=None, doc="Out-of-sample predicted probabilities (n, K).")
    quality = param.Array(default=None, doc="Label quality score per item (self-confidence).")
    trained = param.Boolean(default=False)
    train_seconds = param.Number(default=None, allow_None=True)
    class_percentile = param.Integer(default=DEFAULT_CLASS_PERCENTILE, bounds=PERCENTILE_BOUNDS)
    ood_percentile = param.Integer(default=DEFAULT_OOD_PERCENTILE, bounds=PERCENTILE_BOUNDS)
    threshold_mode = param.Selector(default="percentile", objects=list(THRESHOLD_MODES))
    ood_lens = param.Selector(default=OOD_LENSES[0], objects=list(OOD_LENSES),
                              doc="What decides OOD: Vizzy's rule or the nearest neighbours.")
    selected = param.String(default=None, allow_None=True, doc="Id of the selected item.")
    result = param.Parameter(default=None, doc="pyvizzy.confident.Categorization, or None.")
    report = param.Parameter(default=None, doc="DetectionReport when true labels are known.")
    notices = param.List(default=[], doc="Sentences shown to the user (ignored settings...).")
    error = param.String(default=None, allow_None=True, doc="Why the last action failed.")
    revision = param.Integer(default=0, doc="Bumped after every recomputation.")
    train_revision = param.Integer(default=0, doc="Bumped after every training.")

    def __init__(self, **params):
        super().__init__(**params)
        self._index_of: dict[str, int] = {}
        #: What views compute once per dataset and training (see :meth:`cached`).
        self.view_cache: dict = {}
        self._view_cache_key = None
        self._dataset_cache: tuple = (None, {})  # (dataset, {name: value})
        #: The names of the files the reader opened (a host page is never told them).
        self.private_names: set[str] = set()
        #: ``time.perf_counter()`` when the last recomputation began (for redraw timings).
        self.recompute_started: float | None = None

    # -- queries ---------------------------------------------------------------------------

    @property
    def n_classes(self) -> int:
        """K, or 0 before a dataset is loaded."""
        return 0 if self.dataset is None else self.dataset.n_classes

    @property
    def class_names(self) -> tuple[str, ...]:
        """The dataset's class names (empty before a dataset is loaded)."""
        return () if self.dataset is None else tuple(self.dataset.class_names)

    def index_of(self, item_id: str) -> int | None:
        """Row of the item with this id, or None."""
        return self._index_of.get(item_id)

    @property
    def selected_index(self) -> int | None:
        """Row of the selected item, or None."""
        return None if self.selected is None else self.index_of(self.selected)

    @property
    def n_pending(self) -> int:
        """How many items are relabelled but not trained on yet."""
        if self.labels is None or self.pending_labels is None:
            return 0
        return int(np.count_nonzero(self.labels != self.pending_labels))

    def cached(self, name: str, compute):
        """``compute()``, remembered until the dataset or the model changes.

        Views use it for what does not depend on the sliders (histogram bars, tiles).
        """
        key = (id(self.dataset), self.train_revision)
        if key != self._view_cache_key:
            self.view_cache.clear()
            self._view_cache_key = key
        if name not in self.view_cache:
            self.view_cache[name] = compute()
        return self.view_cache[name]

    def dataset_cached(self, name: str, compute):
        """``compute()``, remembered while the dataset stays (training does not change it)."""
        if self._dataset_cache[0] is not self.dataset:
            self._dataset_cache = (self.dataset, {})
        values = self._dataset_cache[1]
        if name not in values:
            values[name] = compute()
        return values[name]

    @property
    def neighbours(self) -> NeighbourLenses | None:
        """The dataset's outlier scores and near duplicates (computed once per dataset)."""
        if self.dataset is None:
            return None
        return self.dataset_cached("neighbours", lambda: neighbour_lenses(self.dataset.embeddings))

    def map_points(self) -> np.ndarray | None:
        """Each item's point on the map, in [-1, 1]: the dataset's own ``map``, else its
        embeddings' first two principal components (once per dataset)."""
        if self.dataset is None or self.dataset.map is not None:
            return None if self.dataset is None else self.dataset.map
        return self.dataset_cached("pca map", lambda: pca_map(self.dataset.embeddings))

    def health(self) -> HealthSummary | None:
        """cleanlab's label health summary of the model (None before training)."""
        if self.pred_probs is None:
            return None
        return self.cached("health", lambda: health_summary(self.labels, self.pred_probs))

    def sweep(self, lens: str | None = None) -> DetectionSweep | None:
        """The scoreboard's counts at every slider setting (percentile mode) with ``lens``
        (default: the one in use); None before training or without known truth."""
        if self.pred_probs is None or not self.dataset.has_truth:
            return None
        lens = lens or self.ood_lens
        return self.cached(
            f"sweep {lens}",
            lambda: detection_sweep(
                self.pred_probs, self.labels, self.dataset.truth, self._ood_scores(lens)
            ),
        )

    def lens_report(self, outcome: Outcome, lens: str) -> DetectionReport | None:
        """The scoreboard at ``outcome``'s setting had ``lens`` decided OOD (looked up in the
        lens's sweep in percentile mode)."""
        if lens == self.ood_lens or outcome.report is None:
            return outcome.report
        if self.threshold_mode == "percentile":
            setting = outcome.setting
            return self.sweep(lens).report_at(setting.class_percentile, setting.ood_percentile)
        return self._categorize(outcome.setting, lens)[1]

    def _ood_scores(self, lens: str):
        return self.neighbours.outlier_scores if lens == "knn" else None

    @property
    def setting(self) -> SliderSetting:
        """Where the sliders stand now."""
        return SliderSetting(self.class_percentile, self.ood_percentile)

    def outcome(self) -> Outcome:
        """The categorization at the current setting (computed already)."""
        return Outcome(self.setting, self.result, self.report)

    def outcome_at(self, setting: SliderSetting) -> Outcome:
        """The categorization the sliders would give at ``setting``, computed now.

        Nothing in the state changes and no watcher is told.
        """
        if setting == self.setting:
            return self.outcome()
        return Outcome(setting, *self._categorize(setting))

    def address(self, setting: SliderSetting | None = None) -> str:
        """The query string that reopens the current view (with the sliders at ``setting``).

        A file the reader opened cannot be reopened from an address: its address holds the
        settings alone (and no item of it).
        """
        setting = setting or self.setting
        from_file = self.is_from_file
        return format_query(
            None if from_file else self.dataset_key,
            setting.class_percentile,
            setting.ood_percentile,
            self.threshold_mode,
            None if from_file else self.selected,
            self.ood_lens,
        )

    @property
    def is_from_file(self) -> bool:
        """Whether the dataset is a file the reader opened (kept in this page only)."""
        return bool(self.dataset_key) and self.dataset_key.startswith(FILE_KEY_PREFIX)

    def static_snapshot(self) -> dict:
        """The part of :meth:`snapshot` that changes only with the data, labels or model."""
        dataset = self.dataset
        return {
            "dataset": self.dataset_key,
            "class_names": list(self.class_names),
            "ids": [] if dataset is None else list(dataset.ids),
            "given": [] if self.labels is None else [int(v) for v in self.labels],
            "pending_given": (
                [] if self.pending_labels is None else [int(v) for v in self.pending_labels]
            ),
            "pred_probs": (
                [] if self.pred_probs is None else [_float_list(row) for row in self.pred_probs]
            ),
            "from_file": self.is_from_file,
            "trained": bool(self.trained),
            "train_seconds": self.train_seconds,
            "runtime": "pyodide" if sys.platform == "emscripten" else "cpython",
            **self._lens_snapshot(),
        }

    def _lens_snapshot(self) -> dict:
        """The neighbours' per-item results and the label health (empty before training)."""
        if not self.trained:
            return {"outlier_scores": [], "near_duplicate_sets": [], "label_health": None,
                    "map": []}  # fmt: skip
        neighbours = self.neighbours
        return {
            "map": [_float_list(point) for point in self.map_points()],
            "outlier_scores": _float_list(neighbours.outlier_scores),
            "near_duplicate_sets": [members.tolist() for members in neighbours.near_duplicate_sets],
            "label_health": self.health().overall_label_health_score,
        }

    def dynamic_snapshot(self, outcome: Outcome | None = None) -> dict:
        """The part of :meth:`snapshot` that changes with the sliders and the selection.

        ``outcome`` (default: the current one) gives the sliders' part.
        """
        outcome = outcome or self.outcome()
        result = outcome.result
        return {
            "class_percentile": outcome.setting.class_percentile,
            "ood_percentile": outcome.setting.ood_percentile,
            "threshold_mode": self.threshold_mode,
            "ood_lens": self.ood_lens,
            "ood_score_cut": None if result is None else result.ood_score_cut,
            "class_thresholds": [] if result is None else result.class_thresholds.tolist(),
            "ood_thresholds": [] if result is None else result.ood_thresholds.tolist(),
            "joint": [] if result is None else result.joint.tolist(),
            "categories": [] if result is None else result.categories.tolist(),
            "selected": self.selected,
            "notices": list(self.notices),
            "error": self.error,
            "private": self._names_a_file(),
            "revision": self.revision,
        }

    def _names_a_file(self) -> bool:
        """Whether the error or a notice names a file the reader opened."""
        texts = [self.error or "", *self.notices]
        return any(name in text for name in self.private_names for text in texts)

    def snapshot(self) -> dict:
        """The state as plain JSON-able data (what ``window.pyvizzy.state()`` returns).

        ``dataset``, ``from_file`` (a file the reader opened), ``class_names``, ``ids``,
        ``given`` (the labels trained on), ``pending_given`` (with unapplied relabels),
        ``pred_probs`` (n x K),
        ``class_percentile``, ``ood_percentile``, ``threshold_mode``,
        ``class_thresholds``, ``ood_thresholds``, ``joint`` (K x K), ``categories``,
        ``selected``, ``trained``, ``train_seconds``, ``notices``, ``error``, ``private`` (the
        error or a notice names a file the reader opened), ``revision``,
        ``runtime`` (``"cpython"`` or ``"pyodide"``); the other lenses: ``ood_lens``
        (``"rule"`` or ``"knn"``), ``ood_score_cut`` (the kNN score below which an item is
        OOD, with ``"knn"``), ``outlier_scores``, ``near_duplicate_sets`` (per item, the rows of
        its near duplicates), ``label_health`` (cleanlab's overall label health score) and
        ``map`` (each item's point on the map).
        """
        return {**self.static_snapshot(), **self.dynamic_snapshot()}

    # -- actions -----------------------------------------------------------------------------

    def notify(self, *sentences: str) -> None:
        """Add sentences to the visible notices (newest last, at most 6 kept)."""
        if sentences:
            self.notices = [*self.notices, *sentences][-6:]

    def dismiss_notices(self) -> None:
        """Clear the notices and the last error."""
        self.notices = []
        self.error = None

    def set_dataset(self, key: str, dataset, image_urls=None) -> None:
        """Make ``dataset`` current (untrained) under catalog ``key``."""
        n_items = dataset.n_items
        urls = list(image_urls) if image_urls is not None else [None] * n_items
        if len(urls) != n_items:
            raise ValueError(f"image_urls has {len(urls)} entries for {n_items} items")
        self._index_of = {item_id: row for row, item_id in enumerate(dataset.ids)}
        with param.parameterized.batch_call_watchers(self):
            self.dataset_key = key
            self.dataset = dataset
            self.image_urls = urls
            self.labels = np.array(dataset.given, dtype=np.int64)
            self.pending_labels = np.array(dataset.given, dtype=np.int64)
            self.pred_probs = None
            self.quality = None
            self.result = None
            self.report = None
            self.trained = False
            self.train_seconds = None
            if self.selected is not None and self.selected not in self._index_of:
                self.selected = None

    def open(self, key: str, dataset, image_urls=None, settings: QuerySettings | None = None,
             progress=None) -> bool:
        """Make ``dataset`` current under ``key``, trained on its given labels.

        The model is trained before anything changes: when training fails, ``error`` says
        why and the dataset on screen stays whole. ``settings`` (from the address) are
        applied to the new dataset; the first label issue is selected when none is.
        ``progress`` hears of each fold (:func:`fit_pred_probs`).

        Returns
        -------
        bool
            False (and ``error`` set) when training failed.
        """
        labels = np.array(dataset.given, dtype=np.int64)
        try:
            pred_probs, seconds = fit_pred_probs(dataset, labels, progress)
        except Exception as error:  # whatever fails, the state stays whole
            self.error = f"Training failed: {error}"
            return False
        with param.parameterized.batch_call_watchers(self):
            self.set_dataset(key, dataset, image_urls)
            if settings is not None:
                self.apply_settings(settings)
            self._install(labels, pred_probs, seconds)
        if self.selected is None:
            self.select_first_issue()
        return True

    def train(self, progress=None) -> bool:
        """Train on the pending labels (5-fold SVM) and recompute everything (``progress``
        hears of each fold: :func:`fit_pred_probs`).

        Returns
        -------
        bool
            False (and ``error`` set, previous results kept) when training is impossible,
            e.g. a class left with fewer items than folds after relabelling.
        """
        if self.dataset is None:
            self.error = "No dataset is loaded."
            return False
        labels = np.array(self.pending_labels, dtype=np.int64)
        try:
            pred_probs, seconds = fit_pred_probs(self.dataset, labels, progress)
        except Exception as error:  # whatever fails, the state stays whole
            self.error = f"Training failed: {error}"
            self.revision += 1
            return False
        with param.parameterized.batch_call_watchers(self):
            self._install(labels, pred_probs, seconds)
        return True

    def _install(self, labels, pred_probs, seconds: float) -> None:
        """Make a trained model's probabilities current and recompute (inside a batch)."""
        self.labels = labels
        self.pred_probs = pred_probs
        self.quality = label_quality_scores(pred_probs, labels)
        self.trained = True
        self.train_seconds = seconds
        self.error = None
        self.train_revision += 1
        self.recompute()

    def relabel(self, item_id: str, class_index: int) -> None:
        """Give an item another label; it takes effect on the next :meth:`train`."""
        row = self.index_of(item_id)
        if row is None:
            raise ValueError(f"no item with id {item_id!r} in dataset {self.dataset_key!r}")
        if not 0 <= int(class_index) < self.n_classes:
            raise ValueError(f"class index {class_index} is not in 0..{self.n_classes - 1}")
        pending = np.array(self.pending_labels, dtype=np.int64)
        pending[row] = int(class_index)
        self.pending_labels = pending

    def select(self, item_id: str | None) -> bool:
        """Select an item by id (None to clear); False if no such item."""
        if item_id is not None and item_id not in self._index_of:
            return False
        self.selected = item_id
        return True

    def select_first_issue(self) -> None:
        """Select the label issue with the lowest label quality, if there is one."""
        if self.result is not None:
            ranked = ranked_label_issues(self.result.categories, self.quality)
            if ranked.size:
                self.selected = self.dataset.ids[int(ranked[0])]

    def apply_settings(self, settings: QuerySettings) -> None:
        """Apply the threshold settings and selection of :func:`parse_query`'s result."""
        with param.parameterized.batch_call_watchers(self):
            if settings.class_percentile is not None:
                self.class_percentile = settings.class_percentile
            if settings.ood_percentile is not None:
                self.ood_percentile = settings.ood_percentile
            if settings.threshold_mode is not None:
                self.threshold_mode = settings.threshold_mode
            if settings.ood_lens is not None:
                self.ood_lens = settings.ood_lens
            if settings.select is not None and not self.select(settings.select):
                self.notify(f"Ignored select={quoted(settings.select)}: no item has that id.")
            self.notify(*settings.notices)

    def _categorize(self, setting: SliderSetting, lens: str | None = None):
        """``(result, report)`` with the sliders at ``setting`` and ``lens`` (default: the one
        in use) deciding OOD ((None, None) untrained)."""
        if self.pred_probs is None or self.labels is None:
            return None, None
        result = categorize(
            self.pred_probs,
            self.labels,
            class_percentile=setting.class_percentile,
            ood_percentile=setting.ood_percentile,
            threshold_mode=self.threshold_mode,
            ood_scores=self._ood_scores(lens or self.ood_lens),
        )
        dataset = self.dataset
        report = (
            detection_report(result.categories, self.labels, dataset.truth)
            if dataset.has_truth
            else None
        )
        return result, report

    @param.depends("class_percentile", "ood_percentile", "threshold_mode", "ood_lens", watch=True)
    def recompute(self) -> None:
        """Recompute thresholds, categories, joint and scoreboard (no training)."""
        self.recompute_started = time.perf_counter()
        self.result, self.report = self._categorize(self.setting)
        self.revision += 1
