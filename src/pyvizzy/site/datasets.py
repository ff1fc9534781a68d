"""Step *data*: the dataset catalog the site serves, in ``datasets/``."""

from __future__ import annotations

import json
from pathlib import Path

from .context import BuildContext

__all__ = ["place_datasets"]


def place_datasets(ctx: BuildContext) -> list[str]:
    """The catalog (:func:`pyvizzy.pipeline.catalog.build_catalog`: digits always, the demo set
    when its files can be had) into ``datasets/``; returns the dataset keys."""
    from pyvizzy.pipeline.catalog import build_catalog

    index = build_catalog(ctx.staging / "datasets", demo_dir=ctx.demo_dir, log=ctx.log)
    catalog = json.loads(Path(index).read_text(encoding="utf-8"))
    return [entry["key"] for entry in catalog["datasets"]]
