"""What the page opens: the largest dataset it reads and trains on, wherever it comes from.

A dataset of the site's catalog, one at an address on the site (``?dataset=``) and a file the
reader opens are held to the same limits, and ``pyvizzy build`` refuses a dataset over them
before it builds anything. At the limits (5,000 items in 20 classes of 32 dimensions),
training five folds in the browser takes about 20 s on a laptop (``docs/app.md``); a larger
set would keep the page busy for minutes.
"""

from __future__ import annotations

__all__ = ["MAX_CLASSES", "MAX_DATASET_CHARS", "MAX_ITEMS", "size_problem"]

#: The largest dataset text the page reads (50 MB).
MAX_DATASET_CHARS = 50_000_000
#: The most classes and items of a dataset the page trains on.
MAX_CLASSES, MAX_ITEMS = 20, 5000


def size_problem(n_items: int, n_classes: int) -> str | None:
    """Why a dataset of ``n_items`` in ``n_classes`` is too large for the page (None: it is
    not), as a clause to follow the dataset's name."""
    if n_classes > MAX_CLASSES or n_items > MAX_ITEMS:
        return (f"has {n_items} items in {n_classes} classes; the page trains on up to "
                f"{MAX_ITEMS} items in up to {MAX_CLASSES} classes")
    return None
