"""Write a dataset file together with its thumbnails, all or nothing.

The thumbnails go to a folder beside the dataset file named after it
(``dataset.json`` -> ``dataset-thumbnails/``), and the items' ``image`` fields hold paths
relative to the dataset file. The folder is filled under a temporary name and swapped in only
when complete; the dataset file is written last (atomically, by
:func:`pyvizzy.dataset.save_dataset`). If anything fails, the previous file and folder are left
as they were and no temporary file remains.
"""

import base64
import os
import shutil
import tempfile
from pathlib import Path

from pyvizzy.dataset import save_dataset

__all__ = [
    "inline_thumbnails",
    "out_path_problem",
    "thumbnail_folder_name",
    "write_dataset_with_thumbnails",
]

#: The media type of a thumbnail, by its file's suffix.
THUMBNAIL_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                   ".webp": "image/webp"}


def out_path_problem(out_path):
    """What is wrong with ``out_path`` as a dataset file to write, or None if nothing is.

    The scripts check this before any work, so a bad ``--out`` costs nothing.
    """
    out_path = Path(out_path)
    if out_path.suffix != ".json":
        return f"--out {out_path}: the dataset file must end in .json"
    if out_path.is_dir():
        return f"--out {out_path} is a folder, not a file"
    return None


def inline_thumbnails(images, thumbnails):
    """The items' ``image`` fields with each thumbnail file replaced by its ``data:`` URI.

    Parameters
    ----------
    images : sequence of (str or None)
        As :func:`write_dataset_with_thumbnails` takes them: ``<folder>/<file name>`` or None.
    thumbnails : iterable of (str, bytes)
        File name and content of each thumbnail those fields name.

    Returns
    -------
    list of (str or None)
        ``data:image/jpeg;base64,...`` (or png, webp) for each named thumbnail: one
        self-contained dataset file, with no thumbnail folder.
    """
    uris = {}
    for name, content in thumbnails:
        kind = THUMBNAIL_TYPES.get(Path(name).suffix.lower())
        if kind is None:
            raise ValueError(f"thumbnail {name!r}: not a .jpg, .png or .webp file")
        uris[name] = f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"
    return [None if image is None else uris[Path(image).name] for image in images]


def thumbnail_folder_name(dataset_path):
    """Name of the thumbnail folder that belongs to ``dataset_path`` (``<stem>-thumbnails``)."""
    return f"{Path(dataset_path).stem}-thumbnails"


def write_dataset_with_thumbnails(dataset, out_path, thumbnails):
    """Write ``thumbnails`` and then ``dataset`` to ``out_path``, atomically as a whole.

    Parameters
    ----------
    dataset : pyvizzy.dataset.Dataset
        Its ``images`` should name files as ``<thumbnail folder>/<file name>``.
    out_path : path-like
        The dataset file to write.
    thumbnails : iterable of (str, bytes)
        File name (no folders) and content of each thumbnail. Empty: no folder is written and
        an existing one is removed.

    Returns
    -------
    pathlib.Path
        The dataset file written.
    """
    out_path = Path(out_path)
    folder = out_path.parent / thumbnail_folder_name(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=out_path.parent))
    backup = None
    try:
        written = 0
        for name, content in thumbnails:
            if not name or Path(name).name != name or name.startswith("."):
                raise ValueError(f"thumbnail name {name!r} must be a plain file name")
            (staging / name).write_bytes(content)
            os.chmod(staging / name, 0o644)
            written += 1
        os.chmod(staging, 0o755)
        if folder.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=out_path.parent))
            backup.rmdir()
            folder.rename(backup)
        if written:
            staging.rename(folder)
        try:
            save_dataset(dataset, out_path)
        except BaseException:
            if folder.exists():
                shutil.rmtree(folder)
            if backup is not None:
                backup.rename(folder)
                backup = None
            raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
        if backup is not None and backup.exists():
            shutil.rmtree(backup)
    return out_path
