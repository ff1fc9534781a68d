"""Step *data*: the dataset catalog the site serves, in ``datasets/``."""

from __future__ import annotations

import json
from pathlib import Path

from .context import BuildContext, SiteBuildError

__all__ = ["checked_datasets", "place_datasets"]


def checked_datasets(datasets, default: str | None) -> tuple[tuple[str, Path], ...]:
    """The build's own datasets, ``(key, file)``, once their keys, files and thumbnails and the
    ``default`` key are checked (:func:`pyvizzy.pipeline.catalog.check_catalog_datasets`), so
    that a wrong one stops the build before any step; a :class:`SiteBuildError` says why."""
    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.catalog import check_catalog_datasets
    from pyvizzy.pipeline.errors import InputError

    try:
        return tuple(check_catalog_datasets(datasets, default))
    except (InputError, DatasetError) as error:
        raise SiteBuildError(str(error)) from None


def place_datasets(ctx: BuildContext) -> list[str]:
    """The catalog (:func:`pyvizzy.pipeline.catalog.build_catalog`: digits always, the demo set
    when its files can be had, and the build's own datasets) into ``datasets/``; returns the
    dataset keys."""
    from pyvizzy.dataset import DatasetError
    from pyvizzy.pipeline.catalog import build_catalog
    from pyvizzy.pipeline.errors import InputError

    try:
        index = build_catalog(ctx.staging / "datasets", demo_dir=ctx.demo_dir, log=ctx.log,
                              image_base_url=ctx.image_base_url, datasets=ctx.datasets,
                              default=ctx.default_dataset)
    except (InputError, DatasetError) as error:
        raise SiteBuildError(str(error)) from None
    catalog = json.loads(Path(index).read_text(encoding="utf-8"))
    return [entry["key"] for entry in catalog["datasets"]]
