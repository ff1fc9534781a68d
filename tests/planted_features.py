"""Shared by the tests of the lenses: features with planted groups of (near) copies."""

from __future__ import annotations

import numpy as np


def planted(seed: int, n_items: int, n_features: int, group_sizes=(2, 3), noise=0.0):
    """Gaussian features with disjoint groups of copies of one row (exact, or ``noise``
    apart)."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n_items, n_features))
    rows = rng.permutation(n_items)
    start = 0
    for size in group_sizes:
        group = rows[start : start + size]
        start += size
        features[group] = features[group[0]] + noise * rng.normal(size=(size, n_features))
    return features
