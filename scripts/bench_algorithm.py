"""Time the algorithm on demo-sized data: cross-validation and every slider-move computation.

Usage::

    .venv/bin/python scripts/bench_algorithm.py [--demo-dir ../shared/vizzy-demo] [--repeat 7]

Uses Vizzy's 300 x 32 demo embeddings when the folder holds them, else a synthetic
set of the same shape (3 overlapping Gaussian classes). BLAS and OpenMP run on one
thread by default (``--threads``), as in Pyodide; on a busy machine extra BLAS threads
mostly add spin-waiting. Prints median and minimum wall times; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import timeit
from pathlib import Path

import numpy as np
import sklearn
from threadpoolctl import threadpool_limits

from pyvizzy.confident import (
    categorize,
    cleanlab_confident_joint,
    detection_report,
    label_quality_scores,
    percentile_thresholds,
)
from pyvizzy.crossval import out_of_sample_pred_probs
from pyvizzy.formats import OOD_LABEL, TRUTH_OOD
from pyvizzy.pipeline.demo_files import shared_demo_dir

DEFAULT_DEMO_DIR = shared_demo_dir()


def load_demo(demo_dir: Path):
    """(features, labels, truth or None, source) from the Vizzy files, or a synthetic stand-in."""
    given_path = demo_dir / "input_data_before_embeddings.json"
    embedded_path = demo_dir / "output_data_embeddings_32.json"
    truth_path = demo_dir / "img_id_to_label.json"
    if given_path.is_file() and embedded_path.is_file():
        given = json.loads(given_path.read_text())
        embedded = json.loads(embedded_path.read_text())
        ids = list(given)
        class_names = sorted({entry["givenLabel"] for entry in given.values()})
        features = np.array([embedded[item]["embedding"] for item in ids])
        labels = np.array([class_names.index(given[item]["givenLabel"]) for item in ids])
        truth = None
        if truth_path.is_file():
            names = json.loads(truth_path.read_text())
            truth = np.array([
                TRUTH_OOD if names[item] == OOD_LABEL else class_names.index(names[item])
                for item in ids
            ])
        return features, labels, truth, f"Vizzy demo files in {demo_dir}"
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=3.0, size=(3, 32))
    labels = np.repeat(np.arange(3), 100)
    features = centers[labels] + rng.normal(scale=4.0, size=(300, 32))
    return features, labels, None, "synthetic 300 x 32, 3 classes (demo files not found)"


def time_calls(function, repeat: int, number: int) -> tuple[float, float]:
    """Median and minimum seconds per call over ``repeat`` rounds of ``number`` calls."""
    rounds = [t / number for t in timeit.repeat(function, repeat=repeat, number=number)]
    return statistics.median(rounds), min(rounds)


def report(name: str, median: float, minimum: float) -> None:
    scale, unit = (1e3, "ms") if median >= 1e-3 else (1e6, "us")
    print(f"{name:<52} median {median * scale:9.2f} {unit}   min {minimum * scale:9.2f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path, default=DEFAULT_DEMO_DIR)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="BLAS / OpenMP threads")
    args = parser.parse_args()
    with threadpool_limits(limits=args.threads):
        run(args)


def run(args: argparse.Namespace) -> None:
    """Load the data and print every timing."""

    features, labels, truth, source = load_demo(args.demo_dir)
    print(f"data: {source}: {features.shape[0]} x {features.shape[1]}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, {platform.machine()}, {args.threads} BLAS thread(s)"
    )

    fits = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        pred_probs = out_of_sample_pred_probs(features, labels, seed=0)
        fits.append(time.perf_counter() - start)
    report(
        "out_of_sample_pred_probs (5 folds, C=10, gamma=0.01)", statistics.median(fits), min(fits)
    )

    slider_calls = {
        "categorize (percentile 50 / 15)": lambda: categorize(pred_probs, labels),
        "categorize (mean thresholds)": lambda: categorize(
            pred_probs, labels, threshold_mode="mean"
        ),
        "percentile_thresholds": lambda: percentile_thresholds(pred_probs, labels, 50),
        "label_quality_scores (normalized_margin)": lambda: label_quality_scores(
            pred_probs, labels, method="normalized_margin"
        ),
        "cleanlab_confident_joint": lambda: cleanlab_confident_joint(labels, pred_probs),
    }
    for name, call in slider_calls.items():
        report(name, *time_calls(call, args.repeat, 200))

    result = categorize(pred_probs, labels)
    print(f"categories at the defaults: {result.counts()}")
    if truth is not None:
        found = detection_report(result.categories, labels, truth)
        report_call = lambda: detection_report(result.categories, labels, truth)  # noqa: E731
        report("detection_report", *time_calls(report_call, args.repeat, 200))
        print(
            f"planted errors flagged: {found.overall.n_correct} of {found.overall.n_actual} "
            f"({found.overall.n_flagged} flagged, precision {found.overall.precision:.3f}, "
            f"recall {found.overall.recall:.3f})"
        )


if __name__ == "__main__":
    main()
