"""How well each OOD lens finds a dataset's planted out-of-distribution items: prints figures.

For every dataset file given (default: the site's cats/dogs/bears and digits sets), trains the
app's 5-fold SVM (seed 0, as the page does) and reports:

- Vizzy's rule at the default sliders (class 50, OOD 15): how many items it flags as OOD and
  how many of them are planted OOD items;
- the ranking of the planted OOD items (AUROC; 1 is perfect, 0.5 chance) by the mean cosine
  or Euclidean distance to the 10 nearest neighbours (:func:`pyvizzy.outlier.knn_outlier_scores`)
  and by the entropy of the predicted probabilities;
- how many planted OOD items are among the most distant items, as many as twice their number.

Example:
    python scripts/lens_figures.py site/datasets/cats-dogs-bears/dataset.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from pyvizzy.app.state import fit_pred_probs
from pyvizzy.confident import categorize
from pyvizzy.dataset import DatasetError, load_dataset
from pyvizzy.formats import TRUTH_OOD
from pyvizzy.outlier import knn_outlier_scores

DEFAULT_DATASETS = ("site/datasets/cats-dogs-bears/dataset.json",
                    "site/datasets/digits/dataset.json")


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """The probability that a positive item scores above a negative one (ties count half)."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        ranks[order[start:start + count]] = start + (count + 1) / 2
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def figures(path: Path) -> dict:
    """The figures of one dataset file (see the module's docstring)."""
    dataset = load_dataset(path)
    planted = np.asarray(dataset.truth) == TRUTH_OOD
    if not planted.any():
        raise ValueError(f"{path}: no item is marked as planted OOD (truth \"OOD\")")
    pred_probs, _ = fit_pred_probs(dataset, dataset.given)
    flagged = categorize(pred_probs, dataset.given).categories == "ood"
    outlying = -knn_outlier_scores(dataset.embeddings, k=10)
    clipped = np.clip(pred_probs, 1e-300, None)
    entropy = -(pred_probs * np.log(clipped)).sum(axis=1)
    top = np.argsort(-outlying, kind="stable")[: 2 * int(planted.sum())]
    return {
        "name": dataset.name,
        "items": dataset.n_items,
        "planted": int(planted.sum()),
        "flagged": int(flagged.sum()),
        "flagged_planted": int((flagged & planted).sum()),
        "auroc_knn": auroc(outlying, planted),
        "auroc_entropy": auroc(entropy, planted),
        "top": len(top),
        "top_planted": int(planted[top].sum()),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*", type=Path,
                        default=[Path(p) for p in DEFAULT_DATASETS],
                        help="dataset files with planted OOD items (default: the site's)")
    args = parser.parse_args(argv)
    for path in args.datasets:
        try:
            found = figures(path)
        except (DatasetError, OSError, ValueError) as error:
            print(f"lens_figures: {str(error).splitlines()[0]}", file=sys.stderr)
            return 1
        print(f"{found['name']} ({found['items']} items, {found['planted']} planted OOD)")
        print(f"  Vizzy's rule at 50/15: {found['flagged']} flagged as OOD, "
              f"{found['flagged_planted']} of them planted")
        print(f"  AUROC, mean distance to 10 nearest neighbours: {found['auroc_knn']:.3f}")
        print(f"  AUROC, entropy of pred_probs:                  {found['auroc_entropy']:.3f}")
        print(f"  the {found['top']} most distant items hold {found['top_planted']} "
              f"planted OOD items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
