"""File helpers shared by the dataset code, the pipeline and the site build.

sha256 digests of files and bytes, and writing a file atomically (a temporary file beside it,
then a rename), so that a reader never sees a half-written file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["sha256_of", "sha256_of_bytes", "write_text_atomic"]

_READ_CHUNK_BYTES = 1 << 20


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


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary file and a rename.

    The temporary file sits in the same folder (a rename across file systems is not atomic);
    on any failure it is removed and an existing ``path`` is left untouched. The folder is
    created if needed and the file is made world-readable (it is published by the site).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
