"""Step *gzip*: a ``.gz`` beside each compressible file, for servers that send it as is."""

from __future__ import annotations

import gzip
from pathlib import Path

from pyvizzy.files import write_bytes_atomic

__all__ = ["COMPRESSIBLE", "gzip_files"]

#: File types worth serving gzip-compressed.
COMPRESSIBLE = (".js", ".mjs", ".css", ".json", ".html", ".wasm", ".zip", ".whl", ".svg")
#: Smaller files, and files gzip shrinks by less than a tenth, are served as they are.
MIN_BYTES, MIN_SAVING = 1024, 0.1


def gzip_files(folder: Path) -> None:
    """Write ``<file>.gz`` beside each compressible file of ``folder`` where it pays."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSIBLE and path.stat().st_size > MIN_BYTES:
            data = path.read_bytes()
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) < (1 - MIN_SAVING) * len(data):
                write_bytes_atomic(path.with_name(path.name + ".gz"), packed)
