"""The cat / dog / bear / OOD demo set of Cleanlab's Vizzy, from its published files.

The files are read from a local folder or downloaded from their public addresses (GitHub, at
a pinned commit) into a cache, and every file is checked against its pinned sha256: a
mismatch is an error, never a warning. Nothing here is ever copied into the repository.

Given labels come from ``input_data_before_embeddings.json``, true labels from
``img_id_to_label.json`` and the 32-d embeddings from ``output_data_embeddings_32.json``.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyvizzy.files import cache_dir, sha256_of
from pyvizzy.formats import OOD_LABEL, TRUTH_OOD
from pyvizzy.pipeline import download
from pyvizzy.pipeline.errors import DemoError

__all__ = [
    "CLASS_NAMES",
    "DEMO_FILES",
    "DemoError",
    "DemoFile",
    "build_demo_dataset",
    "default_cache_dir",
    "demo_thumbnails",
    "download_file",
    "fetch_demo_files",
    "fetch_demo_images",
    "find_demo_folder",
    "make_demo_dataset",
    "read_demo_records",
    "verify_demo_folder",
]

VIZZY_COMMIT = "210c05c3f64816fe18f418ff9647a18a6a22f0fa"
RAW_BASE_URL = f"https://raw.githubusercontent.com/cleanlab/vizzy/{VIZZY_COMMIT}/"
IMAGE_BASE_URL = "https://labelerrors.com/static/imagenet/val/"
CLASS_NAMES = ("cat", "dog", "bear")
DOWNLOAD_TIMEOUT_S = 20
DATASET_NAME = "Cats, dogs and bears (Vizzy demo)"
#: The name of the demo files' folder under the cache root (:func:`pyvizzy.files.cache_dir`).
DEMO_CACHE_NAME = "vizzy-demo"


@dataclass(frozen=True)
class DemoFile:
    """One published file: its name, path in the Vizzy repository and pinned sha256."""

    name: str
    repo_path: str
    sha256: str


DEMO_FILES = (
    DemoFile(
        "input_data_before_embeddings.json",
        "src/model/input_data_before_embeddings.json",
        "1e200ef2d306764257c1e8ffd03bc04366e35e0ee014d3066da61df4d040a1b6",
    ),
    DemoFile(
        "img_id_to_label.json",
        "src/model/img_id_to_label.json",
        "cb2137ebe6c5c6500961b781bf362699a89474a4412c4a8cea0f09024489c335",
    ),
    DemoFile(
        "output_data_embeddings_32.json",
        "src/model/output_data_embeddings_32.json",
        "b66d179c0d081f13fdc7e4a19ee1245786e1fbf7c37fd1ccb3bb66bc20e2b45e",
    ),
    DemoFile(
        "embeddings.json",
        "src/model/embeddings.json",
        "f55ac2735fecd73b6e21ee469e9b80cc64014a56538da1efda8bb4875af1c558",
    ),
    DemoFile(
        "LICENSE", "LICENSE", "8afef8024e7352dcdcc153622bf98f40a177350f97cada8927a34f43ce953304"
    ),
)
#: The files the dataset is built from (``embeddings.json`` only serves the SVD comparison).
DATASET_FILES = ("input_data_before_embeddings.json", "img_id_to_label.json",
                 "output_data_embeddings_32.json", "LICENSE")  # fmt: skip


def _demo_file(name):
    for demo_file in DEMO_FILES:
        if demo_file.name == name:
            return demo_file
    raise KeyError(name)


def default_cache_dir():
    """The demo files' download cache: :func:`pyvizzy.files.cache_dir` ``("vizzy-demo")``.

    That is ``$PYVIZZY_CACHE_DIR/vizzy-demo`` when the variable is set, else
    ``.cache/vizzy-demo`` under the current working directory.
    """
    return cache_dir(DEMO_CACHE_NAME)


def shared_demo_dir():
    """The development copy of the demo files: ``../shared/vizzy-demo`` from the working directory.

    The Makefile, the tests and CI run from the repository root, so this is the ``shared``
    folder beside the checkout.
    """
    return Path.cwd().parent / "shared" / "vizzy-demo"


def verify_demo_folder(folder, names=DATASET_FILES):
    """Check that ``folder`` holds the published files ``names``, byte for byte.

    Raises
    ------
    DemoError
        Naming the first file that is missing or whose sha256 differs from the pinned one.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DemoError(f"{folder} is not a folder")
    for name in names:
        demo_file = _demo_file(name)
        path = folder / name
        if not path.is_file():
            raise DemoError(f"{path} is missing")
        actual = sha256_of(path)
        if actual != demo_file.sha256:
            raise DemoError(
                f"{path}: sha256 {actual} differs from the published {demo_file.sha256}"
            )
    return folder


def download_file(url, destination, sha256, timeout=DOWNLOAD_TIMEOUT_S):
    """Download ``url`` to ``destination``, kept only if its sha256 is ``sha256``.

    Raises
    ------
    DemoError
        On a network or HTTP error, or a sha256 mismatch (no file is left behind).
    """
    try:
        return download.download_file(url, destination, sha256, timeout=timeout)
    except download.DownloadError as error:
        raise DemoError(str(error)) from None


def fetch_demo_files(cache_dir=None, base_url=RAW_BASE_URL, names=None, log=None, timeout=None):
    """Make sure the cache holds the published files, downloading what is missing or wrong.

    Parameters
    ----------
    cache_dir : path-like, optional
        Defaults to :func:`default_cache_dir`.
    base_url : str
        Base of the Vizzy repository at the pinned commit; each file is fetched from
        ``base_url + repo_path``. Overridable for tests (a local server).
    names : sequence of str, optional
        Which files; all of :data:`DEMO_FILES` by default.
    log : callable, optional
        Called with one line per file downloaded.

    Returns
    -------
    pathlib.Path
        The cache folder, verified.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    names = tuple(names) if names is not None else tuple(f.name for f in DEMO_FILES)
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    for name in names:
        demo_file = _demo_file(name)
        path = cache_dir / name
        if path.is_file() and sha256_of(path) == demo_file.sha256:
            continue
        url = base_url + demo_file.repo_path
        if log is not None:
            log(f"downloading {url}")
        download_file(url, path, demo_file.sha256, timeout=timeout or DOWNLOAD_TIMEOUT_S)
    return verify_demo_folder(cache_dir, names)


def find_demo_folder(
    demo_dir=None, cache_dir=None, allow_download=True, base_url=RAW_BASE_URL, log=None
):
    """Find a folder holding the verified demo files, in a fixed order of places.

    1. ``demo_dir`` if given (it must then be valid: an error otherwise);
    2. the folder named by the environment variable ``PYVIZZY_DEMO_DIR`` (likewise);
    3. the cache (``cache_dir`` or :func:`default_cache_dir`);
    4. :func:`shared_demo_dir` (``../shared/vizzy-demo`` from the working directory);
    5. a download into the cache, if ``allow_download``.

    Raises
    ------
    DemoError
        With the reason when none of them works.
    """
    if demo_dir is not None:
        return verify_demo_folder(demo_dir)
    if os.environ.get("PYVIZZY_DEMO_DIR"):
        try:
            return verify_demo_folder(os.environ["PYVIZZY_DEMO_DIR"])
        except DemoError as error:
            raise DemoError(f"PYVIZZY_DEMO_DIR: {error}") from None
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    for candidate in (cache_dir, shared_demo_dir()):
        try:
            return verify_demo_folder(candidate)
        except DemoError:
            continue
    if not allow_download:
        raise DemoError(
            f"the Vizzy demo files are neither in {cache_dir} nor in {shared_demo_dir()}"
        )
    return fetch_demo_files(cache_dir, base_url=base_url, names=DATASET_FILES, log=log)


def _load_json(path):
    import json

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DemoError(f"{path}: cannot be read as JSON ({error})") from None


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
        except (TypeError, ValueError):
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
    """Make the :class:`~pyvizzy.dataset.Dataset` of the demo set.

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
            "every file sha256-verified (scripts/fetch_demo.py)"
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
        "method": method,
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
    )


def cached_image_path(image_root, source):
    """Where the image ``source`` (``<synset>/<file>.JPEG``) is kept under ``image_root``."""
    return Path(image_root) / source


def fetch_demo_images(records, image_root, base_url=IMAGE_BASE_URL, progress=None, timeout=None):
    """Download the demo images that are not yet under ``image_root``.

    The image host publishes no checksums, so each file is only checked to be an image when
    its thumbnail is made. The first failure stops the download (the host is unreachable or
    the file is gone) and is raised as :class:`DemoError`; files already fetched are kept.

    Parameters
    ----------
    records : DemoRecords
    image_root : path-like
    base_url : str
        Image host; overridable for tests.
    progress : callable, optional
        Wraps the iterable of sources (for example ``tqdm``).
    """
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    sources = records.sources if progress is None else progress(records.sources)
    for source in sources:
        path = cached_image_path(image_root, source)
        if path.is_file():
            continue
        try:
            download.download_file(base_url + source, path, None, timeout or DOWNLOAD_TIMEOUT_S)
        except download.DownloadError as error:
            raise DemoError(str(error)) from None
    return Path(image_root)


def have_all_images(records, image_root):
    """Whether every image of ``records`` is under ``image_root``."""
    return all(cached_image_path(image_root, s).is_file() for s in records.sources)


def demo_thumbnails(records, image_root, thumbnail_folder, size=128, progress=None):
    """Thumbnails (JPEG, longer side ``size``) of the demo images kept under ``image_root``.

    Returns
    -------
    images : tuple of str
        ``<thumbnail_folder>/<id>.jpg`` for each item, for the dataset's ``image`` fields.
    thumbnails : list of (str, bytes)

    Raises
    ------
    DemoError
        If an image is missing or is not a readable image.
    """
    from PIL import Image, UnidentifiedImageError

    from pyvizzy.pipeline.thumbnails import photo_thumbnail

    pairs = list(zip(records.ids, records.sources, strict=True))
    thumbnails = []
    for image_id, source in pairs if progress is None else progress(pairs):
        path = cached_image_path(image_root, source)
        try:
            with Image.open(path) as picture:
                thumbnails.append((f"{image_id}.jpg", photo_thumbnail(picture, size=size)))
        except (OSError, UnidentifiedImageError) as error:
            raise DemoError(f"{path}: not a readable image ({error})") from None
    images = tuple(f"{thumbnail_folder}/{name}" for name, _ in thumbnails)
    return images, thumbnails


def _tqdm(desc):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return lambda iterable: tqdm(iterable, desc=desc)


def make_demo_dataset(out_path, *, from_dir=None, cache_dir=None, base_url=RAW_BASE_URL,
                      images=False, image_base_url=IMAGE_BASE_URL, recompute=False,
                      weights_file=None, random_weights=False, seed=0, device="auto",
                      weights_cache=None, allow_download=True, log=print):  # fmt: skip
    """The whole of ``scripts/fetch_demo.py``: get the files, build and write the dataset.

    Parameters
    ----------
    out_path : path-like
        Dataset file to write (thumbnails beside it).
    from_dir : path-like, optional
        A local folder holding the published files; else they are downloaded into the cache
        (``base_url`` + their repository path) and verified.
    images : bool
        Download the 300 images from ``image_base_url`` into ``<cache>/images`` and make
        thumbnails. If the host cannot be reached, the dataset has no images and says so.
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
        try:
            fetch_demo_images(records, image_root, image_base_url, progress=_tqdm("images"))
        except DemoError as error:
            if recompute:
                raise DemoError(
                    f"--recompute needs the images, which cannot be had: {error}"
                ) from None
            note = (
                f"No images: the image host could not be reached ({error}); the app shows "
                "placeholder tiles."
            )
            log(note)
        else:
            image_paths, thumbnails = demo_thumbnails(
                records, image_root, thumbnail_folder_name(out_path), progress=_tqdm("thumbnails")
            )
    else:
        note = "No images (run scripts/fetch_demo.py --images to add them)."

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
