"""Vizzy's published demo files: pinned, verified, and found in a fixed order of places.

The files are read from a local folder or downloaded from their public addresses (GitHub, at
a pinned commit) into a cache, and every file is checked against its pinned sha256: a
mismatch is an error, never a warning. Nothing here is ever copied into the repository.

:func:`find_demo_folder` is the one place that knows where the files may be: a folder named
by the caller or by ``PYVIZZY_DEMO_DIR``, the cache, the development copy
``../shared/vizzy-demo`` (relative to the working directory), or a download.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from pyvizzy import files
from pyvizzy.files import sha256_of
from pyvizzy.pipeline import download
from pyvizzy.pipeline.errors import DemoError

__all__ = [
    "DATASET_FILES",
    "DEMO_CACHE_NAME",
    "DEMO_DIR_ENV",
    "DEMO_FILES",
    "RAW_BASE_URL",
    "VIZZY_COMMIT",
    "DemoError",
    "DemoFile",
    "default_cache_dir",
    "download_file",
    "fetch_demo_files",
    "find_demo_folder",
    "shared_demo_dir",
    "verify_demo_folder",
]

VIZZY_COMMIT = "210c05c3f64816fe18f418ff9647a18a6a22f0fa"
RAW_BASE_URL = f"https://raw.githubusercontent.com/cleanlab/vizzy/{VIZZY_COMMIT}/"
#: The environment variable that names a folder holding the demo files.
DEMO_DIR_ENV = "PYVIZZY_DEMO_DIR"
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
    return files.cache_dir(DEMO_CACHE_NAME)


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


def download_file(url, destination, sha256, timeout=download.DOWNLOAD_TIMEOUT_S):
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
        download_file(url, path, demo_file.sha256, timeout=timeout or download.DOWNLOAD_TIMEOUT_S)
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
    if os.environ.get(DEMO_DIR_ENV):
        try:
            return verify_demo_folder(os.environ[DEMO_DIR_ENV])
        except DemoError as error:
            raise DemoError(f"{DEMO_DIR_ENV}: {error}") from None
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
