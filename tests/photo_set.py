"""A small generated photo set and its dataset, for the command-line and end-to-end tests.

``make_photo_folder`` writes 3 class folders of small noisy images (each class its own
colour, so even an untrained network separates them a little); ``embed_photos`` runs
``pyvizzy embed`` on them. A site with the result as a dataset of its own::

    folder = make_photo_folder(tmp / "photos")
    dataset = embed_photos(folder, tmp / "mine" / "dataset.json")
    build_site(out, datasets=[("mine", dataset)])      # the page: ?dataset=mine
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

#: The classes and their mean colours.
COLOURS = {"bear": (120, 80, 40), "cat": (200, 200, 200), "dog": (40, 40, 160)}


def make_photo_folder(root: Path, per_class: int = 30, size: int = 32, seed: int = 0) -> Path:
    """``root/<class>/<i>.png``: ``per_class`` noisy ``size`` x ``size`` images per class."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for name, colour in COLOURS.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.asarray(colour) + rng.normal(0, 40, size=(size, size, 3))
            Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(root / name / f"{i}.png")
    return root


def run_pyvizzy(*args, cwd=None) -> subprocess.CompletedProcess:
    """``python -m pyvizzy ARGS`` in a fresh interpreter (text output captured)."""
    return subprocess.run([sys.executable, "-m", "pyvizzy", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def embed_photos(folder: Path, out: Path, *options: str) -> Path:
    """``pyvizzy embed folder --out out --random-weights --dims 8 OPTIONS``; returns ``out``."""
    result = run_pyvizzy("embed", folder, "--out", out, "--random-weights", "--dims", "8",
                         *options)
    if result.returncode != 0:
        raise RuntimeError(f"pyvizzy embed failed: {result.stderr[-2000:]}")
    return out
