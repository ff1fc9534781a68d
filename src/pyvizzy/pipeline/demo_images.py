"""The demo set's images: downloaded from the image host into a cache, and made into thumbnails.

The image host publishes no checksums, so each file is only checked to be an image when its
thumbnail is made. Pillow is imported only when thumbnails are made.
"""

from pathlib import Path

from pyvizzy.pipeline import download
from pyvizzy.pipeline.errors import DemoError

__all__ = [
    "IMAGE_BASE_URL",
    "cached_image_path",
    "demo_thumbnails",
    "fetch_demo_images",
    "have_all_images",
]

IMAGE_BASE_URL = "https://labelerrors.com/static/imagenet/val/"


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
    records : pyvizzy.pipeline.demo.DemoRecords
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
            download.download_file(
                base_url + source, path, None, timeout or download.DOWNLOAD_TIMEOUT_S
            )
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
