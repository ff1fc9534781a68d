"""Where a dataset's image may be: inside the file (a ``data:image/`` URI), or a file in the
dataset file's own folder, named by a plain relative path.

One rule for the site build (:mod:`pyvizzy.pipeline.user_datasets` copies those files) and
for the page (:mod:`pyvizzy.app.data` makes their addresses), so the two cannot drift apart.
Runs unchanged in CPython and in Pyodide.
"""

from __future__ import annotations

import posixpath
import re

__all__ = ["IMAGE_DATA_PREFIX", "UNSAFE_IN_PATH", "relative_image_path"]

#: How an image inside the dataset file starts.
IMAGE_DATA_PREFIX = "data:image/"
#: What a browser reads otherwise than a path does: a scheme (``://``), a backslash (a
#: separator to browsers), a percent escape (``%2e%2e`` is ``..``), control characters (tabs
#: and line breaks are dropped from URLs, so ``.\t.`` is ``..``).
UNSAFE_IN_PATH = re.compile(r"://|[\\%\x00-\x1f\x7f]")


def relative_image_path(image: str) -> str | None:
    """``image`` normalized, when it is a plain path that stays in its dataset file's folder;
    None for an address, an absolute path, a path a browser would read as another one, or one
    that leaves the folder."""
    if UNSAFE_IN_PATH.search(image) or image.startswith("/") or ":" in image.split("/")[0]:
        return None
    normal = posixpath.normpath(image)
    return None if normal == ".." or normal.startswith("../") else normal
