"""The demo set's images: downloaded from the image host into a cache, and made into thumbnails.

The image host publishes no checksums. So a downloaded file is kept only when it decodes as an
image, and its sha256 is then recorded in a manifest beside the images
(``<image root>/sha256.json``); every later build checks each cached file against it, and a
file that differs (or no longer decodes) is deleted and downloaded again. Before downloading
anything the host is asked once, with a short time-out (:func:`pyvizzy.pipeline.download.probe`),
so that an unreachable host costs one request, not one time-out per image.

:func:`ensure_demo_images` is the whole step; the host's address comes from
:func:`image_base_url`. Pillow is imported only when images are checked or made into thumbnails.
"""

import json
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from pyvizzy.dataset_check import DatasetError, read_document
from pyvizzy.files import sha256_of, write_text_atomic
from pyvizzy.pipeline import download

__all__ = [
    "IMAGE_BASE_URL",
    "IMAGE_BASE_URL_ENV",
    "MANIFEST_FILE",
    "DemoImages",
    "cached_image_path",
    "check_cached_images",
    "demo_thumbnails",
    "ensure_demo_images",
    "fetch_images",
    "image_base_url",
    "image_problem",
    "read_manifest",
    "write_manifest",
]

IMAGE_BASE_URL = "https://labelerrors.com/static/imagenet/val/"
#: The environment variable that names another image host (a mirror, or a test's server).
IMAGE_BASE_URL_ENV = "PYVIZZY_IMAGE_BASE_URL"
#: The manifest of the images' sha256, recorded at their first download.
MANIFEST_FILE = "sha256.json"
#: The largest image (in pixels) that is decoded; the demo's are about 500 x 375.
MAX_IMAGE_PIXELS = 40_000_000
HOW_TO_ADD_IMAGES = (
    "to add the photos, build again on a machine that reaches the image host, or set "
    f"{IMAGE_BASE_URL_ENV} to a mirror"
)


def image_base_url(explicit=None):
    """The image host's base address, ending in ``/``.

    ``explicit`` when given (a command-line option), else ``$PYVIZZY_IMAGE_BASE_URL`` when set
    and not empty, else :data:`IMAGE_BASE_URL` (the public host).
    """
    url = explicit or os.environ.get(IMAGE_BASE_URL_ENV) or IMAGE_BASE_URL
    return url if url.endswith("/") else url + "/"


def cached_image_path(image_root, source):
    """Where the image ``source`` (``<synset>/<file>.JPEG``) is kept under ``image_root``."""
    return Path(image_root) / source


def _image_url(base_url, source):
    return base_url + urllib.parse.quote(source)


def manifest_path(image_root):
    """The manifest of the images kept under ``image_root``."""
    return Path(image_root) / MANIFEST_FILE


def read_manifest(image_root):
    """The recorded sha256 of each source (``{source: hex digest}``); empty when there is none.

    A manifest that cannot be read counts as none: every cached image is then checked to
    decode and recorded anew.
    """
    try:
        recorded = read_document(manifest_path(image_root))
    except DatasetError:  # (unreadable, not JSON, nested too deep)
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {k: v for k, v in recorded.items() if isinstance(k, str) and isinstance(v, str)}


def write_manifest(image_root, manifest):
    """Write ``manifest`` (``{source: sha256}``) atomically, sorted, beside the images."""
    text = json.dumps(dict(sorted(manifest.items())), indent=1) + "\n"
    write_text_atomic(manifest_path(image_root), text)


def image_problem(path):
    """Why the file at ``path`` is not an image that can be shown, or None when it is one.

    The file is opened with Pillow and decoded in full (a truncated JPEG fails), unless it is
    larger than :data:`MAX_IMAGE_PIXELS`.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            width, height = picture.size
            if width * height > MAX_IMAGE_PIXELS:
                return f"{width} x {height} pixels is larger than an image of this set can be"
            picture.load()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        return f"not an image ({error})"
    return None


def check_cached_images(sources, image_root, manifest):
    """Check the cached images of ``sources`` against ``manifest``; delete the bad ones.

    A file with a recorded sha256 must match it. A file with none (kept by an older build)
    must decode as an image, and its sha256 is then recorded.

    Returns
    -------
    verified : set of str
        The sources whose cached file is good.
    manifest : dict
        ``manifest`` with the newly recorded files added and the deleted ones removed.
    bad : list of str
        One line per deleted file, naming it and why.
    """
    manifest = dict(manifest)
    verified, bad = set(), []
    for source in sources:
        path = cached_image_path(image_root, source)
        if not path.is_file():
            continue
        actual = sha256_of(path)
        recorded = manifest.get(source)
        if recorded is None:
            problem = image_problem(path)
        elif actual != recorded:
            problem = f"sha256 {actual} differs from the one recorded in {MANIFEST_FILE}"
        else:
            problem = None
        if problem is None:
            verified.add(source)
            manifest[source] = actual
        else:
            path.unlink()
            manifest.pop(source, None)
            bad.append(f"{path}: {problem}")
    return verified, manifest, bad


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_images` got: the files fetched, and each kind of failure."""

    fetched: dict  # source -> sha256
    absent: tuple  # "<url>: HTTP 404 ..." lines: the host has no such file
    corrupt: tuple  # "<url>: not an image ..." lines: downloaded, not kept
    lost: str | None  # why the host stopped answering (the files after it were not tried)


def fetch_images(sources, image_root, base_url, *, progress=None, tries=download.DOWNLOAD_TRIES,
                 timeout=download.DOWNLOAD_TIMEOUT_S):  # fmt: skip
    """Download ``sources`` from ``base_url`` into ``image_root``, keeping only images.

    Each file is written atomically (a temporary file, then a rename) and tried again on a
    network failure (:func:`pyvizzy.pipeline.download.download_with_retries`). A file the host
    does not have (an HTTP error) or that does not decode is not kept. When a file still fails
    after its tries, the host is taken as lost and the rest are not tried.

    Parameters
    ----------
    progress : callable, optional
        Wraps the iterable of sources (for example ``tqdm``).
    """
    fetched, absent, corrupt, lost = {}, [], [], None
    for source in sources if progress is None else progress(sources):
        url = _image_url(base_url, source)
        path = cached_image_path(image_root, source)
        try:
            download.download_with_retries(url, path, tries=tries, timeout=timeout)
        except download.HTTPStatusError as error:
            if error.status >= 500:  # (the host fails: the rest would too, each after tries)
                lost = str(error)
                break
            absent.append(str(error))
            continue
        except download.DownloadError as error:
            lost = str(error)
            break
        problem = image_problem(path)
        if problem is None:
            fetched[source] = sha256_of(path)
        else:
            path.unlink()
            corrupt.append(f"{url}: {problem}")
    return FetchResult(fetched, tuple(absent), tuple(corrupt), lost)


@dataclass(frozen=True)
class DemoImages:
    """The outcome of :func:`ensure_demo_images`.

    ``available`` holds the sources with a good image in the cache; ``note`` says why the
    others have none (None when every item has its image), for the dataset's description and
    ``provenance.images``, which the page shows as a notice.
    """

    available: frozenset
    note: str | None


def _unreachable_note(base_url, reason, n_without, n_items, bad):
    lines = [
        f"No images for {n_without} of {n_items} items: the image host could not be reached "
        f"({base_url}: {reason}); {HOW_TO_ADD_IMAGES}."
    ]
    if bad:
        lines.append(f"Cached files found bad and deleted: {'; '.join(bad[:3])}.")
    return " ".join(lines)


def _partial_note(result, n_without, n_items):
    parts = []
    if result.absent:
        parts.append(f"{len(result.absent)} not on the image host (first: {result.absent[0]})")
    if result.corrupt:
        parts.append(f"{len(result.corrupt)} not images (first: {result.corrupt[0]})")
    if result.lost:
        parts.append(f"the rest not fetched: the host stopped answering ({result.lost})")
    return f"No images for {n_without} of {n_items} items: {'; '.join(parts)}."


def ensure_demo_images(records, image_root, *, base_url=None, allow_download=True, log=print,
                       progress=None, probe_timeout=None,
                       timeout=download.DOWNLOAD_TIMEOUT_S,
                       tries=download.DOWNLOAD_TRIES):  # fmt: skip
    """Make the cache hold a checked image of every item that can have one.

    1. The cached images are checked against the manifest (bad ones are deleted).
    2. If some are missing and ``allow_download``, the host is probed once; unreachable, the
       build goes on without them and the note says so.
    3. Otherwise the missing ones are downloaded (:func:`fetch_images`) and their sha256
       recorded in the manifest, which is written atomically.

    Parameters
    ----------
    records : pyvizzy.pipeline.demo.DemoRecords
    image_root : path-like
        The cache folder of the images (``<cache>/images``).
    base_url : str, optional
        The image host; :func:`image_base_url` decides when None.
    log : callable
        Receives one line per event (a bad cached file, the host unreachable, files missing).
    progress : callable, optional
        Wraps the iterable of sources downloaded (for example ``tqdm``).
    probe_timeout : float, optional
        Seconds the probe waits (default :data:`pyvizzy.pipeline.download.PROBE_TIMEOUT_S`).

    Returns
    -------
    DemoImages
    """
    base_url = image_base_url(base_url)
    image_root = Path(image_root)
    n_items = len(records.sources)
    recorded = read_manifest(image_root)
    verified, manifest, bad = check_cached_images(records.sources, image_root, recorded)
    for line in bad:
        log(f"cat/dog/bear image deleted from the cache: {line}")
    if manifest != recorded:
        write_manifest(image_root, manifest)
    missing = [source for source in records.sources if source not in verified]
    if not missing:
        return DemoImages(frozenset(verified), None)
    if not allow_download:
        note = (
            f"No images for {len(missing)} of {n_items} items: they are not in the cache and "
            f"downloads are turned off; {HOW_TO_ADD_IMAGES}."
        )
        log(note)
        return DemoImages(frozenset(verified), note)
    reason = download.probe(_image_url(base_url, missing[0]), timeout=probe_timeout)
    if reason is not None:
        note = _unreachable_note(base_url, reason, len(missing), n_items, bad)
        log(note)
        return DemoImages(frozenset(verified), note)
    # A file fetched before an interruption is not in the manifest: the next build checks
    # that it decodes and records it.
    result = fetch_images(
        missing, image_root, base_url, progress=progress, tries=tries, timeout=timeout
    )
    if result.fetched:
        write_manifest(image_root, {**manifest, **result.fetched})
    available = frozenset(verified | set(result.fetched))
    if len(available) == n_items:
        return DemoImages(available, None)
    note = _partial_note(result, n_items - len(available), n_items)
    log(note)
    return DemoImages(available, note)


def demo_thumbnails(records, image_root, thumbnail_folder, size=128, progress=None,
                    available=None):  # fmt: skip
    """Thumbnails (JPEG, longer side ``size``) of the demo images kept under ``image_root``.

    Parameters
    ----------
    available : collection of str, optional
        The sources that have an image (from :func:`ensure_demo_images`); the other items get
        none. Every item by default.

    Returns
    -------
    images : tuple of (str or None)
        ``<thumbnail_folder>/<id>.jpg`` for each item, for the dataset's ``image`` fields.
    thumbnails : list of (str, bytes)

    Raises
    ------
    DemoError
        If an image that should be there is missing or is not a readable image.
    """
    from PIL import Image, UnidentifiedImageError

    from pyvizzy.pipeline.errors import DemoError
    from pyvizzy.pipeline.thumbnails import photo_thumbnail

    pairs = [
        (image_id, source)
        for image_id, source in zip(records.ids, records.sources, strict=True)
        if available is None or source in available
    ]
    thumbnails = {}
    for image_id, source in pairs if progress is None else progress(pairs):
        path = cached_image_path(image_root, source)
        try:
            with Image.open(path) as picture:
                thumbnails[image_id] = (f"{image_id}.jpg", photo_thumbnail(picture, size=size))
        except (OSError, UnidentifiedImageError) as error:
            raise DemoError(f"{path}: not a readable image ({error})") from None
    images = tuple(
        f"{thumbnail_folder}/{thumbnails[image_id][0]}" if image_id in thumbnails else None
        for image_id in records.ids
    )
    return images, list(thumbnails.values())
