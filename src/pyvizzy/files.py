"""File helpers shared by the dataset code, the pipeline and the site build.

sha256 digests of files and bytes; writing a file atomically (a temporary file beside it, then
a rename), so that a reader never sees a half-written file; and where the download caches are.
Nothing here looks for the repository checkout: caches are found from the environment or the
current working directory (the Makefile, the tests and CI run from the repository root).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = [
    "CACHE_DIR_ENV",
    "cache_dir",
    "sha256_of",
    "sha256_of_bytes",
    "write_bytes_atomic",
    "write_text_atomic",
]

#: The environment variable that names the folder holding every cache.
CACHE_DIR_ENV = "PYVIZZY_CACHE_DIR"

_READ_CHUNK_BYTES = 1 << 20
_DEFAULT_CACHE_ROOT = ".cache"


def sha256_of(path: str | os.PathLike) -> str:
    """The sha256 hex digest of a file's bytes, read in chunks (large files stay cheap)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_READ_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of_bytes(data: bytes) -> str:
    """The sha256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def cache_dir(name: str) -> Path:
    """The folder of the cache ``name`` (for example ``"vizzy-demo"`` or ``"weights"``).

    Parameters
    ----------
    name : str
        A plain folder name.

    Returns
    -------
    pathlib.Path
        ``$PYVIZZY_CACHE_DIR/<name>`` when that variable is set and not empty, else
        ``.cache/<name>`` under the current working directory; absolute, not created.

    Raises
    ------
    ValueError
        If ``name`` is not a plain folder name.
    """
    if not name or name in (".", "..") or Path(name).name != name:
        raise ValueError(f"cache name {name!r} must be a plain folder name")
    root = os.environ.get(CACHE_DIR_ENV) or _DEFAULT_CACHE_ROOT
    return Path(root).absolute() / name


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary file and a rename.

    See :func:`write_bytes_atomic`.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename; returns the path.

    The temporary file sits in the same folder (a rename across file systems is not atomic);
    on any failure it is removed and an existing ``path`` is left untouched. The folder is
    created if needed and the file is made world-readable (it is published by the site).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
