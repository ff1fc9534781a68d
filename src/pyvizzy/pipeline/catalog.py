"""The dataset catalog the app reads: ``index.json`` plus one folder per dataset.

:func:`build_catalog` writes::

    out_dir/index.json                      {"format": "pyvizzy-catalog/1", "default": key,
                                             "datasets": [{"key", "name", "path"}, ...]}
    out_dir/digits/dataset.json             always (shipped in this package: bundled/digits)
    out_dir/digits/dataset-thumbnails/...
    out_dir/cats-dogs-bears/dataset.json    when Vizzy's demo files can be had; then default
    out_dir/<key>/dataset.json              each dataset of one's own (``datasets``)

This module imports neither torch nor Pillow at import time: the site build imports it.
"""

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from pyvizzy.dataset import load_dataset
from pyvizzy.formats import CATALOG_FILE, CATALOG_FORMAT, DATASET_FILE

__all__ = [
    "DEMO_KEY",
    "DIGITS_KEY",
    "build_catalog",
    "check_catalog_datasets",
    "digits_asset_path",
]

DIGITS_KEY = "digits"
DEMO_KEY = "cats-dogs-bears"
#: The folder of this package that holds the datasets shipped with it.
BUNDLED_FOLDER = "bundled"
HOW_TO_ADD_DEMO = (
    "to add it, run `pyvizzy demo --out FILE` once on a machine with internet, or set "
    "PYVIZZY_DEMO_DIR to a folder holding Vizzy's files (see docs/datasets.md)"
)


def digits_asset_path():
    """The digits dataset file shipped in this package (``bundled/digits/dataset.json``).

    Found through :mod:`importlib.resources`, so it is the installed package's copy wherever
    the package lives. Its thumbnails are in the folder beside it.
    """
    bundled = resources.files(__package__) / BUNDLED_FOLDER / DIGITS_KEY / DATASET_FILE
    # Imported from a zip archive the file has no path of its own: this path then names no
    # file, and build_catalog regenerates the digits instead.
    return Path(str(bundled))


def _add_digits(folder, log):
    from pyvizzy.pipeline.digits import make_digits_dataset

    asset = digits_asset_path()
    target = folder / DIGITS_KEY
    if asset.is_file():
        load_dataset(asset)  # refuse to publish a broken asset
        shutil.copytree(asset.parent, target)
    else:
        log(f"digits: {asset} not found; regenerating it with scikit-learn's bundled digits")
        make_digits_dataset(target / DATASET_FILE)
    return load_dataset(target / DATASET_FILE)


def _add_demo(folder, demo_dir, cache_dir, allow_download, log, image_base_url=None):
    import importlib.util

    from pyvizzy.pipeline.demo import build_demo_dataset, progress_bar, read_demo_records
    from pyvizzy.pipeline.demo_files import default_cache_dir, find_demo_folder
    from pyvizzy.pipeline.demo_images import demo_thumbnails, ensure_demo_images
    from pyvizzy.pipeline.output import thumbnail_folder_name, write_dataset_with_thumbnails

    source_folder = find_demo_folder(
        demo_dir=demo_dir, cache_dir=cache_dir, allow_download=allow_download, log=log
    )
    records = read_demo_records(source_folder)
    out_path = folder / DEMO_KEY / DATASET_FILE
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    image_root = cache / "images"
    images, thumbnails = None, []
    if importlib.util.find_spec("PIL") is None:
        note = "No images: Pillow is not installed to check the photos and make thumbnails."
        log(f"cat/dog/bear: {note}")
    else:
        fetched = ensure_demo_images(
            records, image_root, base_url=image_base_url, allow_download=allow_download,
            log=lambda line: log(f"cat/dog/bear: {line}"), progress=progress_bar("images"),
        )  # fmt: skip
        note = fetched.note
        if fetched.available:
            images, thumbnails = demo_thumbnails(
                records, image_root, thumbnail_folder_name(out_path),
                available=fetched.available,
            )  # fmt: skip
    dataset = build_demo_dataset(records, images=images, images_note=note)
    write_dataset_with_thumbnails(dataset, out_path, thumbnails)
    log(f"cat/dog/bear: from {source_folder} with {len(thumbnails)} of {len(records.ids)} images")
    return dataset


def check_catalog_datasets(datasets, default=None):
    """``datasets`` as a list of ``(key, file)`` once checked for :func:`build_catalog`: keys
    valid and free (``digits`` and ``cats-dogs-bears`` are taken), files valid, ``default``
    one of the keys (:func:`pyvizzy.pipeline.user_datasets.check_user_datasets`)."""
    from pyvizzy.pipeline.user_datasets import check_user_datasets

    return check_user_datasets(datasets, taken=(DIGITS_KEY, DEMO_KEY), default=default)


def build_catalog(out_dir, *, demo_dir=None, cache_dir=None, allow_download=True, log=print,
                  image_base_url=None, datasets=(), default=None):  # fmt: skip
    """Write the dataset catalog to ``out_dir`` (replacing it as a whole, atomically).

    Parameters
    ----------
    out_dir : path-like
        The ``datasets/`` folder of the site.
    demo_dir : path-like, optional
        A folder holding Vizzy's demo files; an error if it does not hold the published ones.
    cache_dir : path-like, optional
        The demo files' download cache (default
        :func:`pyvizzy.pipeline.demo_files.default_cache_dir`).
    allow_download : bool, default=True
        Whether the demo files and the demo's images may be downloaded when not found locally.
    image_base_url : str, optional
        The host of the demo's images; None: ``$PYVIZZY_IMAGE_BASE_URL``, else the public host
        (:func:`pyvizzy.pipeline.demo_images.image_base_url`).
    datasets : iterable of (str, path-like), default=()
        Datasets of one's own, ``(key, file)``: each file and its thumbnails are copied into
        ``out_dir/<key>/`` (:mod:`pyvizzy.pipeline.user_datasets`), listed after the others.
    default : str, optional
        The key the page opens by default (otherwise the cat/dog/bear set when it is
        included, else the digits).
    log : callable, default=print
        Receives one line per event; when the cat/dog/bear set is unavailable, one line saying
        why and how to add it.

    Returns
    -------
    pathlib.Path
        ``out_dir/index.json``.

    Raises
    ------
    pyvizzy.pipeline.errors.InputError
        If a key of ``datasets`` is invalid or taken, a thumbnail of one leaves its folder, or
        ``default`` names no dataset of the catalog; checked before any work but the last.
    pyvizzy.dataset.DatasetError
        If a file of ``datasets`` is not a valid dataset.
    pyvizzy.pipeline.errors.DemoError
        Only when ``demo_dir`` was named and does not hold the published files; otherwise the
        demo set is looked for by :func:`pyvizzy.pipeline.demo_files.find_demo_folder`.
    """
    from pyvizzy.pipeline.errors import DemoError, InputError
    from pyvizzy.pipeline.user_datasets import add_user_dataset

    datasets = check_catalog_datasets(datasets, default)
    requested = default
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    backup = None
    try:
        entries = []
        digits = _add_digits(staging, log)
        entries.append(
            {"key": DIGITS_KEY, "name": digits.name, "path": f"{DIGITS_KEY}/{DATASET_FILE}"}
        )
        default = DIGITS_KEY
        try:
            demo_dataset = _add_demo(
                staging, demo_dir, cache_dir, allow_download, log, image_base_url
            )
        except DemoError as error:
            if demo_dir is not None:
                raise
            log(f"cat/dog/bear dataset not included: {error}; {HOW_TO_ADD_DEMO}")
        else:
            entries.insert(
                0,
                {"key": DEMO_KEY, "name": demo_dataset.name, "path": f"{DEMO_KEY}/{DATASET_FILE}"},
            )
            default = DEMO_KEY
        for key, path in datasets:
            added = add_user_dataset(staging, key, path)
            entries.append({"key": key, "name": added.name, "path": f"{key}/{DATASET_FILE}"})
            log(f"{key}: {added.n_items} items from {path}")
        if requested is not None:
            if requested not in [entry["key"] for entry in entries]:
                raise InputError(f"--default {requested}: the {requested} dataset is not in "
                                 "the catalog (see the line above on why)")
            default = requested
        index = {"format": CATALOG_FORMAT, "default": default, "datasets": entries}
        (staging / CATALOG_FILE).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
        os.chmod(staging, 0o755)
        if out_dir.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
            backup.rmdir()
            out_dir.rename(backup)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
        if backup is not None and backup.exists():
            shutil.rmtree(backup)
    return out_dir / CATALOG_FILE
