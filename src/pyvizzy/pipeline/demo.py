"""The cat / dog / bear / OOD demo set of Cleanlab's Vizzy, built from its published files.

Given labels come from ``input_data_before_embeddings.json``, true labels from
``img_id_to_label.json`` and the 32-d embeddings from ``output_data_embeddings_32.json``.
Each item's point on the embedding map is a t-SNE of the 32-d embeddings
(:func:`pyvizzy.projection.tsne_map`, seed 0). The files themselves (pinned, verified, found
or downloaded) are
:mod:`pyvizzy.pipeline.demo_files`' business; the images and thumbnails are
:mod:`pyvizzy.pipeline.demo_images`'.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyvizzy.formats import OOD_LABEL, TRUTH_OOD
from pyvizzy.pipeline.demo_files import (
    RAW_BASE_URL,
    VIZZY_COMMIT,
    default_cache_dir,
    fetch_demo_files,
    verify_demo_folder,
)
from pyvizzy.pipeline.demo_images import (
    IMAGE_BASE_URL,
    cached_image_path,
    demo_thumbnails,
    ensure_demo_images,
)
from pyvizzy.pipeline.errors import DemoError

__all__ = [
    "CLASS_NAMES",
    "DemoRecords",
    "build_demo_dataset",
    "make_demo_dataset",
    "progress_bar",
    "read_demo_records",
]

CLASS_NAMES = ("cat", "dog", "bear")
DATASET_NAME = "Cats, dogs and bears (Vizzy demo)"


def _load_json(path):
    """The parsed JSON file ``path``, read as a dataset file is (nesting checked first)."""
    from pyvizzy.dataset_check import DatasetError, read_document

    try:
        return read_document(path)
    except DatasetError as error:
        raise DemoError(str(error)) from None


@dataclass(frozen=True, eq=False)
class DemoRecords:
    """The demo set as plain arrays, in the order of ``input_data_before_embeddings.json``."""

    ids: tuple
    sources: tuple  # "<synset>/<file>.JPEG" on the image host
    given: np.ndarray
    truth: np.ndarray
    embeddings: np.ndarray
    license_text: str


def read_demo_records(folder):
    """Read and cross-check the demo files in ``folder`` (verified or not).

    Raises
    ------
    DemoError
        Naming the file, field and id of the first inconsistency.
    """
    folder = Path(folder)
    inputs_path = folder / "input_data_before_embeddings.json"
    truth_path = folder / "img_id_to_label.json"
    embedded_path = folder / "output_data_embeddings_32.json"
    inputs, truths, embedded = (_load_json(p) for p in (inputs_path, truth_path, embedded_path))
    for path, document in ((inputs_path, inputs), (truth_path, truths), (embedded_path, embedded)):
        if not isinstance(document, dict) or not document:
            raise DemoError(f"{path}: expected a non-empty object keyed by image id")
    class_index = {name: k for k, name in enumerate(CLASS_NAMES)}
    ids, sources, given, truth, embeddings = [], [], [], [], []
    dims = None
    for image_id, record in inputs.items():
        where = f"{inputs_path}: id {image_id!r}"
        if not isinstance(record, dict):
            raise DemoError(f"{where}: expected an object")
        label = record.get("givenLabel")
        if label not in class_index:
            raise DemoError(f"{where}: field 'givenLabel' is {label!r}, not one of {CLASS_NAMES}")
        source = record.get("src")
        if not isinstance(source, str) or not source or ".." in source.split("/"):
            raise DemoError(f"{where}: field 'src' must be a relative image path")
        true_label = truths.get(image_id)
        if true_label != OOD_LABEL and true_label not in class_index:
            raise DemoError(
                f"{truth_path}: id {image_id!r}: label {true_label!r} is not one of "
                f"{[*CLASS_NAMES, OOD_LABEL]}"
            )
        embedded_record = embedded.get(image_id)
        vector = embedded_record.get("embedding") if isinstance(embedded_record, dict) else None
        if not isinstance(vector, list) or not vector:
            raise DemoError(f"{embedded_path}: id {image_id!r}: field 'embedding' is missing")
        try:
            values = np.asarray(vector, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise DemoError(
                f"{embedded_path}: id {image_id!r}: field 'embedding' holds a non-number"
            ) from None
        if values.ndim != 1 or not np.all(np.isfinite(values)) or (dims and values.size != dims):
            raise DemoError(
                f"{embedded_path}: id {image_id!r}: field 'embedding' must be {dims or 'n'} "
                "finite numbers"
            )
        dims = values.size
        ids.append(image_id)
        sources.append(source)
        given.append(class_index[label])
        truth.append(TRUTH_OOD if true_label == OOD_LABEL else class_index[true_label])
        embeddings.append(values)
    extra_ids = (set(truths) | set(embedded)) - set(inputs)
    if extra_ids:
        raise DemoError(f"{folder}: ids {sorted(extra_ids)[:3]} are not in {inputs_path.name}")
    license_path = folder / "LICENSE"
    license_text = license_path.read_text(encoding="utf-8") if license_path.is_file() else ""
    return DemoRecords(
        ids=tuple(ids),
        sources=tuple(sources),
        given=np.asarray(given, dtype=np.int64),
        truth=np.asarray(truth, dtype=np.int64),
        embeddings=np.vstack(embeddings),
        license_text=license_text,
    )


def build_demo_dataset(records, images=None, images_note=None, embeddings=None, method=None,
                       random_weights=False):  # fmt: skip
    """Make the :class:`~pyvizzy.dataset.Dataset` of the demo set, with its t-SNE map.

    Parameters
    ----------
    records : DemoRecords
    images : sequence of (str or None), optional
        Thumbnail path (relative to the dataset file) of each item; none by default.
    images_note : str, optional
        Why there are no (or only some) images; added to the description and provenance.
    embeddings : ndarray of shape (n, d), optional
        Recomputed embeddings to use instead of the published ones.
    method : str, optional
        How ``embeddings`` were made (required with them).
    random_weights : bool
        Whether ``embeddings`` came from an untrained network.
    """
    from pyvizzy.dataset import Dataset
    from pyvizzy.projection import tsne_map, tsne_method

    n_items = len(records.ids)
    image_paths = tuple(images) if images is not None else (None,) * n_items
    description = (
        "The 300 ImageNet validation images of Cleanlab's Vizzy demo: 97 cats, 97 dogs, "
        "97 bears and 9 images of other things (out of distribution), given the labels cat, "
        "dog or bear with 18 planted errors (9 cross-class, 9 OOD)."
    )
    if embeddings is None:
        embeddings = records.embeddings
        method = (
            "given labels from input_data_before_embeddings.json, true labels from "
            "img_id_to_label.json, embeddings = the published 32-d ResNet-18 penultimate-"
            "layer features reduced by truncated SVD (output_data_embeddings_32.json); "
            "every file sha256-verified (pyvizzy demo)"
        )
    elif method is None:
        raise ValueError("method must say how recomputed embeddings were made")
    provenance = {
        "source": (
            f"Cleanlab Vizzy demo data, https://github.com/cleanlab/vizzy at commit "
            f"{VIZZY_COMMIT} (src/model/*.json); images: ImageNet (ILSVRC2012) validation "
            f"set, {IMAGE_BASE_URL}<synset>/<file>.JPEG"
        ),
        "license": (
            "data files: MIT, Copyright (c) 2021-2022 Cleanlab Inc. (license_text); "
            "images: ImageNet terms of access (non-commercial research and education)"
        ),
        "method": f"{method}; {tsne_method()}",
        "license_text": records.license_text,
    }
    if random_weights:
        provenance["random_weights"] = True
    if images_note:
        description = f"{description} {images_note}"
        provenance["images"] = images_note
    return Dataset(
        name=DATASET_NAME,
        description=description,
        class_names=CLASS_NAMES,
        provenance=provenance,
        ids=records.ids,
        given=records.given,
        truth=records.truth,
        embeddings=np.asarray(embeddings, dtype=np.float64),
        images=image_paths,
        map=tsne_map(embeddings),
    )


def progress_bar(desc):
    """A wrapper of iterables that draws a tqdm progress bar on stderr, or None without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return lambda iterable: tqdm(iterable, desc=desc)


def make_demo_dataset(out_path, *, from_dir=None, cache_dir=None, base_url=RAW_BASE_URL,
                      images=False, image_base_url=None, recompute=False,
                      weights_file=None, random_weights=False, seed=0, device="auto",
                      weights_cache=None, allow_download=True, log=print):  # fmt: skip
    """The whole of ``pyvizzy demo``: get the files, build and write the dataset.

    Parameters
    ----------
    out_path : path-like
        Dataset file to write (thumbnails beside it).
    from_dir : path-like, optional
        A local folder holding the published files; else they are downloaded into the cache
        (``base_url`` + their repository path) and verified.
    images : bool
        Download the 300 images from ``image_base_url`` into ``<cache>/images`` and make
        thumbnails (:func:`pyvizzy.pipeline.demo_images.ensure_demo_images`). Items whose
        image cannot be had have none, and the dataset says why.
    image_base_url : str, optional
        The image host; None: ``$PYVIZZY_IMAGE_BASE_URL``, else the public host
        (:func:`pyvizzy.pipeline.demo_images.image_base_url`).
    recompute : bool
        Embed the downloaded images with ResNet-18 (``weights_file``, ``random_weights`` or
        the pinned pretrained weights) and reduce them to 32 dimensions, instead of using the
        published embeddings. Needs the images.

    Returns
    -------
    pyvizzy.dataset.Dataset
    """
    from pyvizzy.pipeline.output import thumbnail_folder_name, write_dataset_with_thumbnails

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if from_dir is not None:
        folder = verify_demo_folder(from_dir)
    else:
        try:
            folder = fetch_demo_files(cache, base_url=base_url, log=log)
        except DemoError as error:
            raise DemoError(
                f"{error} (without internet, pass --from DIR, a folder holding Vizzy's files)"
            ) from None
    records = read_demo_records(folder)

    image_paths, thumbnails, note = None, [], None
    if images or recompute:
        image_root = cache / "images"
        fetched = ensure_demo_images(
            records, image_root, base_url=image_base_url, log=log, progress=progress_bar("images")
        )
        note = fetched.note
        if recompute and note:
            raise DemoError(f"--recompute needs the images, which cannot be had: {note}")
        if fetched.available:
            image_paths, thumbnails = demo_thumbnails(
                records, image_root, thumbnail_folder_name(out_path),
                progress=progress_bar("thumbnails"), available=fetched.available,
            )  # fmt: skip
    else:
        note = "No images (run pyvizzy demo --images to add them)."

    embeddings, method = None, None
    if recompute:
        from pyvizzy.pipeline.embed import LabelledImages, network_features
        from pyvizzy.pipeline.svd import truncated_svd

        labelled = LabelledImages(
            paths=tuple(cached_image_path(cache / "images", s) for s in records.sources),
            ids=records.ids,
            class_names=CLASS_NAMES,
            given=records.given,
            truth=records.truth,
            source=str(cache / "images"),
        )
        features, network_note = network_features(
            labelled, dims=32, weights_file=weights_file, random_weights=random_weights,
            seed=seed, device=device, weights_cache=weights_cache,
            allow_download=allow_download, log=log,
        )  # fmt: skip
        reduced = truncated_svd(features, 32)
        embeddings = reduced.reduced
        method = (
            f"given labels from input_data_before_embeddings.json, true labels from "
            f"img_id_to_label.json (sha256-verified); embeddings recomputed: {network_note} "
            f"-> truncated SVD to 32 dimensions, keeping {reduced.energy_ratio.sum():.1%} of "
            "the sum of squares"
        )
    dataset = build_demo_dataset(
        records, images=image_paths, images_note=note, embeddings=embeddings, method=method,
        random_weights=random_weights and recompute,
    )  # fmt: skip
    write_dataset_with_thumbnails(dataset, out_path, thumbnails)
    return dataset
