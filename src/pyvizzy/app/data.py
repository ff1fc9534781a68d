"""Finding and loading datasets, the same way under ``panel serve`` and in Pyodide.

The site holds a folder ``datasets/`` beside its page: ``datasets/index.json`` (the
catalog, format ``pyvizzy-catalog/1``) and one folder per dataset with its
``dataset.json`` and thumbnails. The app reads them by a path relative to that
folder:

- in Pyodide (Python in a Web Worker that sits at the site root), by a synchronous
  HTTP request for ``datasets/<path>`` relative to the worker's location;
- under CPython (``panel serve``), from the local folder named by the environment
  variable ``PYVIZZY_DATASETS`` (default ``site/datasets``), which the server also
  serves at ``datasets/`` (``--static-dirs datasets=<folder>``), so that thumbnail
  URLs ``datasets/<key>/<image>`` work in both.

:func:`read_datasets_text` is the one place that knows the difference.
"""

from __future__ import annotations

import json
import os
import posixpath
import sys
from dataclasses import dataclass
from pathlib import Path

from pyvizzy.dataset import Dataset, loads_dataset
from pyvizzy.formats import CATALOG_FILE, CATALOG_FORMAT, MAX_JSON_DEPTH
from pyvizzy.image_paths import IMAGE_DATA_PREFIX, UNSAFE_IN_PATH, relative_image_path
from pyvizzy.json_text import too_deep_at
from pyvizzy.page_limits import MAX_DATASET_CHARS, size_problem

__all__ = [
    "DATASETS_ENV",
    "DATASETS_URL",
    "DEFAULT_DATASETS_DIR",
    "FILE_KEY_PREFIX",
    "ORIGIN_ADDRESS",
    "ORIGIN_CATALOG",
    "ORIGIN_FILE",
    "Catalog",
    "CatalogEntry",
    "CatalogError",
    "check_dataset_address",
    "dataset_notices",
    "datasets_dir",
    "entry_url",
    "fetch_ahead",
    "image_urls",
    "is_dataset_address",
    "load_catalog",
    "load_entry",
    "parse_catalog",
    "read_address_text",
    "read_datasets_text",
]

#: Where the datasets folder is, relative to the page (and to the Pyodide worker).
DATASETS_URL = "datasets"
DATASETS_ENV = "PYVIZZY_DATASETS"
DEFAULT_DATASETS_DIR = "site/datasets"
#: The longest ``?dataset=`` address.
MAX_ADDRESS_CHARS = 500


class CatalogError(ValueError):
    """The dataset catalog is missing or invalid; the message names file, field and row."""


#: Where a dataset comes from (:attr:`CatalogEntry.origin`): the site's catalog, an address
#: on the page's origin (``?dataset=some/file.json``), or a file the reader opened.
ORIGIN_CATALOG, ORIGIN_ADDRESS, ORIGIN_FILE = "catalog", "address", "file"
#: The start of the key of a file the reader opened (catalog keys are ``a-z 0-9 -``).
FILE_KEY_PREFIX = "file:"


@dataclass(frozen=True)
class CatalogEntry:
    """One dataset the app can open: its key, display name and path.

    ``path`` is relative to the datasets folder for the catalog's own entries, relative to
    the page for an address, and the file's name for a file the reader opened (which is
    never fetched: the app keeps its dataset).
    """

    key: str
    name: str
    path: str
    origin: str = ORIGIN_CATALOG


@dataclass(frozen=True)
class Catalog:
    """The datasets the site offers, and the one opened by default."""

    default: str
    entries: tuple[CatalogEntry, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The dataset keys, in catalog order."""
        return tuple(entry.key for entry in self.entries)

    def with_entry(self, entry: CatalogEntry) -> Catalog:
        """This catalog with ``entry`` added at the end (replacing one with its key)."""
        kept = tuple(known for known in self.entries if known.key != entry.key)
        return Catalog(default=self.default, entries=(*kept, entry))

    def entry(self, key: str) -> CatalogEntry:
        """The entry for ``key`` (KeyError if absent)."""
        for entry in self.entries:
            if entry.key == key:
                return entry
        raise KeyError(key)


def is_pyodide() -> bool:
    """Whether this Python runs in the browser (Pyodide)."""
    return sys.platform == "emscripten"


def datasets_dir() -> Path:
    """The local datasets folder (CPython only): ``$PYVIZZY_DATASETS`` or ``site/datasets``."""
    return Path(os.environ.get(DATASETS_ENV) or DEFAULT_DATASETS_DIR)


def _check_relative(path: str, source: str, field: str) -> str:
    """A normalized path inside the datasets folder, or CatalogError."""
    if not isinstance(path, str) or not path:
        raise CatalogError(f"{source}: field {field!r}: expected a non-empty relative path")
    normalized = posixpath.normpath(path)
    if (
        "://" in path
        or path.startswith(("/", "\\"))
        or normalized == ".."
        or normalized.startswith("../")
    ):
        raise CatalogError(
            f"{source}: field {field!r}: {path!r} must be a path inside the datasets folder"
        )
    return normalized


def read_datasets_text(relative_path: str) -> str:
    """Read a text file of the datasets folder, in CPython or in Pyodide.

    Parameters
    ----------
    relative_path : str
        A path inside the datasets folder, e.g. ``"index.json"`` or ``"digits/dataset.json"``.

    Raises
    ------
    FileNotFoundError, OSError
        When the file cannot be read (the message says where it was looked for).
    """
    relative_path = _check_relative(relative_path, "datasets", "path")
    try:
        return _read_page_text(f"{DATASETS_URL}/{relative_path}")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{datasets_dir() / relative_path} does not exist: build the datasets (make site) "
            f"or point {DATASETS_ENV} at a datasets folder"
        ) from None


def _read_page_text(url: str) -> str:
    """The text at ``url``, relative to the page: in Pyodide by a request relative to the
    worker (which sits beside the page), under CPython from the folder that holds the
    datasets folder (which ``panel serve`` serves at ``datasets/``). A text over
    :data:`~pyvizzy.page_limits.MAX_DATASET_CHARS` is refused (OSError) before it is parsed.
    """
    if is_pyodide():
        try:
            text = _fetch_text(url)
        except Exception as error:  # pyodide raises OSError or JsException
            raise OSError(f"could not fetch {url} relative to the page: {error}") from None
    else:
        inside = url.removeprefix(f"{DATASETS_URL}/")
        local = (datasets_dir() / inside if inside != url
                 else datasets_dir().parent / url.lstrip("/"))
        text = local.read_text(encoding="utf-8")
    if len(text) > MAX_DATASET_CHARS:
        raise OSError(f"{url} is {len(text) / 1e6:.1f} MB; the page reads files up to "
                      f"{MAX_DATASET_CHARS // 1_000_000} MB")
    return text


def _fetch_text(url: str) -> str:
    """The text at ``url`` (relative to the worker), by a synchronous request, as Pyodide's
    ``open_url`` makes it; with no module to import (``js`` is imported before the memory
    snapshot is taken, ``pyodide.http`` would be imported anew on every visit).

    The site's worker fetches the catalog and the dataset the page asks for while Python
    starts: a text that has arrived there (``pyvizzyTakePrefetched``, by the same relative
    address) is taken, once, instead.
    """
    import js  # Pyodide's module of the worker's JS globals

    take_prefetched = getattr(js, "pyvizzyTakePrefetched", None)
    text = take_prefetched(url) if take_prefetched is not None else None
    if isinstance(text, str):
        return text
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.send()
    if request.status != 200:
        raise OSError(f"the server answered {request.status}")
    return request.responseText


def parse_catalog(text: str, source: str = CATALOG_FILE) -> Catalog:
    """Validate a catalog (``index.json``) and return it.

    Raises
    ------
    CatalogError
        Naming the file, the field and the row that is wrong.
    """
    deep = too_deep_at(text, MAX_JSON_DEPTH)
    if deep is not None:
        raise CatalogError(f"{source}: nested deeper than {MAX_JSON_DEPTH} levels at line "
                           f"{deep[0]}, column {deep[1]}")
    try:
        obj = json.loads(text)
    except ValueError as error:  # (not JSON, or an integer longer than Python reads)
        raise CatalogError(f"{source}: not valid JSON: {error}") from None
    if not isinstance(obj, dict):
        raise CatalogError(f"{source}: expected a JSON object at the top level")
    if obj.get("format") != CATALOG_FORMAT:
        raise CatalogError(
            f"{source}: field 'format': expected {CATALOG_FORMAT!r}, got {obj.get('format')!r}"
        )
    rows = obj.get("datasets")
    if not isinstance(rows, list) or not rows:
        raise CatalogError(f"{source}: field 'datasets': expected a non-empty list")
    entries = []
    for row, item in enumerate(rows):
        where = f"datasets[{row}]"
        if not isinstance(item, dict):
            raise CatalogError(f"{source}: field {where!r}: expected an object")
        for key in ("key", "name", "path"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise CatalogError(f"{source}: field '{where}.{key}': expected a non-empty string")
        if item["key"] in {entry.key for entry in entries}:
            raise CatalogError(f"{source}: field '{where}.key': {item['key']!r} is repeated")
        path = _check_relative(item["path"], source, f"{where}.path")
        entries.append(CatalogEntry(key=item["key"], name=item["name"], path=path))
    default = obj.get("default", entries[0].key)
    if default not in {entry.key for entry in entries}:
        raise CatalogError(f"{source}: field 'default': {default!r} is not a dataset key")
    return Catalog(default=default, entries=tuple(entries))


def load_catalog() -> Catalog:
    """Read and validate ``datasets/index.json``."""
    return parse_catalog(read_datasets_text(CATALOG_FILE), f"{DATASETS_URL}/{CATALOG_FILE}")


def is_dataset_address(value: str) -> bool:
    """Whether a ``?dataset=`` value is a file's address (it holds a ``/`` or ends in
    ``.json``) rather than a catalog key."""
    return "/" in value or value.endswith(".json")


def check_dataset_address(value: str) -> str:
    """The normalized address of a dataset file on the page's own origin.

    Relative addresses are relative to the page and may not leave the site's folder; an
    absolute path (``/data/mine.json``) stays on the page's host. Anything that could name
    another host or read as another path is refused.

    Raises
    ------
    ValueError
        Saying why the address cannot be used.
    """
    if len(value) > MAX_ADDRESS_CHARS:
        raise ValueError(f"an address of more than {MAX_ADDRESS_CHARS} characters")
    if value.startswith("//") or ":" in value.split("/")[0] or "://" in value:
        raise ValueError("the page opens dataset files from its own site only")
    if UNSAFE_IN_PATH.search(value) or "?" in value or "#" in value:
        raise ValueError(
            "a backslash, percent escape, query, fragment or control character in the address"
        )
    normalized = posixpath.normpath(value)
    if normalized == ".." or normalized.startswith("../"):
        raise ValueError("the address leaves the site's folder")
    if not normalized.endswith(".json"):
        raise ValueError("expected the address of a .json dataset file")
    return normalized


def read_address_text(path: str) -> str:
    """Read the dataset file at a page-relative address (see :func:`check_dataset_address`).

    Read as :func:`_read_page_text` reads.
    """
    return _read_page_text(check_dataset_address(path))


def entry_url(entry: CatalogEntry) -> str:
    """The page-relative address of the dataset file of a catalog entry or an address (what
    :func:`load_entry` reads, and names in its errors)."""
    if entry.origin == ORIGIN_ADDRESS:
        return check_dataset_address(entry.path)
    return f"{DATASETS_URL}/{_check_relative(entry.path, 'datasets', 'path')}"


async def fetch_ahead(url: str) -> None:
    """Have the site's worker fetch the text at page-relative ``url`` for the next read of
    it (:func:`_fetch_text` takes it), giving up when no byte arrives for a while.

    The app reads a dataset with a synchronous request, which nothing can stop if the server
    stalls; a switch of dataset awaits this first (the worker's ``pyvizzyFetchAhead``: its
    idle limit in ``docs/site.md``). Under CPython, and in a worker without it, it does
    nothing.

    Raises
    ------
    OSError
        Saying why the fetch failed (an HTTP status, a stall).
    """
    if not is_pyodide():
        return
    import js  # Pyodide's module of the worker's JS globals

    fetch = getattr(js, "pyvizzyFetchAhead", None)
    if fetch is None:
        return
    try:
        await fetch(url)
    except Exception as error:  # a JsException carrying the worker's Error
        message = getattr(error, "message", None) or str(error)
        raise OSError(f"could not fetch {url} relative to the page: {message}") from None


def load_entry(entry: CatalogEntry) -> Dataset:
    """Read and validate one dataset of the catalog, or at an address.

    Raises
    ------
    OSError, DatasetError
        When it cannot be read or is not valid.
    ValueError
        When it is larger than the page trains on (:mod:`pyvizzy.page_limits`).
    """
    source = entry_url(entry)
    if entry.origin == ORIGIN_ADDRESS:
        text = read_address_text(entry.path)
    else:
        text = read_datasets_text(entry.path)
    dataset = loads_dataset(text, source)
    problem = size_problem(dataset.n_items, dataset.n_classes)
    if problem:
        raise ValueError(f"{source} {problem}")
    return dataset


def _image_url(image: str | None, folder: str | None) -> str | None:
    """The page-relative URL of a dataset's image named relative to ``folder`` (a page-relative
    folder; None when relative paths cannot be shown), or None where there is none to load."""
    if not image:
        return None
    if image.startswith(IMAGE_DATA_PREFIX):
        return image
    normal = None if folder is None else relative_image_path(image)
    return None if normal is None else posixpath.normpath(posixpath.join(folder, normal))


def image_urls(entry: CatalogEntry, dataset: Dataset) -> list[str | None]:
    """Page-relative thumbnail URL of every item, or None where there is none to load.

    Paths relative to the dataset file become ``datasets/<dir of path>/<image>`` for the
    catalog's datasets, and stay inside the datasets folder. Absolute URLs are NOT loaded
    (the page makes no request to another host) and paths that leave the dataset's site
    folder are refused, as are paths a browser would read as another path (a backslash, a
    percent escape, a control character: each could spell ``..``): all get None, i.e. a
    placeholder tile. ``data:image/...`` URIs are kept; they are the only images of a file
    the reader opened (its folder is unknown).
    """
    folder = posixpath.dirname(entry.path) or "."
    if entry.origin == ORIGIN_FILE:
        folder = None
    elif entry.origin == ORIGIN_CATALOG:
        folder = posixpath.join(DATASETS_URL, folder)
    return [_image_url(image, folder) for image in dataset.images]


def dataset_notices(dataset: Dataset, urls: list[str | None]) -> list[str]:
    """What the page says about a dataset for as long as it is open (sentences).

    Embeddings from a network with random weights; no images, or images that cannot be
    shown (``urls``, from :func:`image_urls`, has None where a path was refused): the tiles
    then show the items' ids. Where items lack an image and the dataset's
    ``provenance.images`` says why (the demo set's image host could not be reached, say),
    that sentence is the notice.
    """
    notices = []
    if dataset.random_weights:
        notices.append(
            "Random network weights: the embeddings carry little meaning, so the results are "
            "illustrative only."
        )
    named = sum(1 for image in dataset.images if image)
    shown = sum(1 for url in urls if url)
    why = (getattr(dataset, "provenance", None) or {}).get("images")
    if named < len(dataset.images) and isinstance(why, str) and why:
        # (its first clause: the details, addresses and how to add the photos are for the
        # builder, in the dataset's description)
        reason = why.split(" (")[0].split(". ")[0].rstrip(".;")
        notices.append(f"{reason}; tiles without a photo show their item's id.")
    elif named == 0:
        notices.append("This dataset has no images: each tile shows its item's id.")
    if shown < named:
        notices.append(
            f"{named - shown} of {named} images cannot be shown (only those in the site's "
            "datasets folder or inside the file can): their tiles show the items' ids."
        )
    return notices
