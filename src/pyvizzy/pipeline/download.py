"""Download a file, keeping it only when its sha256 is the pinned one (fail closed)."""

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from pyvizzy.files import sha256_of
from pyvizzy.pipeline.errors import DownloadError

__all__ = ["DownloadError", "download_file", "sha256_of"]

DOWNLOAD_TIMEOUT_S = 20


def download_file(url, destination, sha256=None, timeout=DOWNLOAD_TIMEOUT_S, progress=None):
    """Download ``url`` to ``destination``; with ``sha256``, keep it only if the hash matches.

    The bytes go to a temporary file beside ``destination``, renamed into place only when
    complete (and verified); on any failure no file is left behind.

    Parameters
    ----------
    url : str
    destination : path-like
    sha256 : str, optional
        Expected lowercase hex digest. None: no check (for hosts that publish none).
    timeout : float
        Seconds to wait for the connection and for each read.
    progress : callable, optional
        Called with the number of bytes of each block read (for example ``tqdm.update``).

    Raises
    ------
    DownloadError
        On a network or HTTP error, or a sha256 mismatch.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as stream:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        digest.update(block)
                        stream.write(block)
                        if progress is not None:
                            progress(len(block))
            except urllib.error.HTTPError as error:
                raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", None) or error
                raise DownloadError(f"{url}: cannot download ({reason})") from None
        actual = digest.hexdigest()
        if sha256 is not None and actual != sha256:
            raise DownloadError(f"{url}: sha256 {actual} differs from the published {sha256}")
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return destination
