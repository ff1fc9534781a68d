"""Download a file, keeping it only when its sha256 is the pinned one (fail closed).

Also: one quick request that tells whether a host answers at all (:func:`probe`), and a
download that tries again, with a growing pause, when the network fails
(:func:`download_with_retries`); an answer of the server (HTTP 404 ...) is not retried.
"""

import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from pyvizzy.files import sha256_of
from pyvizzy.pipeline.errors import DownloadError

__all__ = [
    "DownloadError",
    "HTTPStatusError",
    "download_file",
    "download_with_retries",
    "probe",
    "sha256_of",
]

DOWNLOAD_TIMEOUT_S = 20
#: Seconds :func:`probe` waits for a host before calling it unreachable.
PROBE_TIMEOUT_S = 5
#: Tries of one file by :func:`download_with_retries`, and the first pause between them.
DOWNLOAD_TRIES = 3
RETRY_PAUSE_S = 0.5


class HTTPStatusError(DownloadError):
    """The server answered with an HTTP error (``status``): it is reachable, the file is not."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def probe(url, timeout=None):
    """Why the host of ``url`` cannot be reached, or None when it answers (any HTTP status).

    One ``HEAD`` request with a short ``timeout`` (default :data:`PROBE_TIMEOUT_S`): an HTTP
    error (404, 405 ...) still means the host is there.
    """
    timeout = PROBE_TIMEOUT_S if timeout is None else timeout
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", None) or error)


def download_with_retries(url, destination, *, tries=DOWNLOAD_TRIES, pause=RETRY_PAUSE_S,
                          timeout=DOWNLOAD_TIMEOUT_S, sleep=time.sleep):  # fmt: skip
    """:func:`download_file` (no sha256), tried up to ``tries`` times on a network failure.

    The pause between tries starts at ``pause`` seconds and doubles. A client error answer
    (HTTP 4xx, such as 404) is raised at once: asking again would get the same answer.

    Raises
    ------
    DownloadError
        The last failure, once every try has failed.
    """
    for attempt in range(tries):
        try:
            return download_file(url, destination, None, timeout)
        except DownloadError as error:
            if attempt == tries - 1 or 400 <= getattr(error, "status", 0) < 500:
                raise
            sleep(pause * 2**attempt)
    raise ValueError(f"tries must be at least 1, got {tries}")


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
        On a network error or a sha256 mismatch; :class:`HTTPStatusError` on an HTTP error.
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
                message = f"{url}: HTTP {error.code} {error.reason}"
                raise HTTPStatusError(message, error.code) from None
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
