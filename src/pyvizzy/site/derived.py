"""Files the build makes from verified downloads and keeps in its cache for the next build.

A derived file (a slimmed or bytecode-compiled wheel, a wheel built from an sdist, a wheel
taken out of its carrier) is named by a key made from its input's sha256 and its recipe, and
is reused only while its own sha256 is the one recorded when it was made (``<file>.sha256``
beside it); otherwise it is made again. So a file changed in the cache never reaches the
site: it is remade from its verified input.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .context import RECIPE_VERSION
from pyvizzy.files import sha256_of

__all__ = ["cache_key", "record", "verified"]


def cache_key(source: Path, *extra: str) -> str:
    """A key for what is made from ``source`` by a recipe (its version and ``extra``)."""
    digest = hashlib.sha256(sha256_of(source).encode())
    for item in (RECIPE_VERSION, *extra):
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def _record_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def verified(target: Path) -> bool:
    """Whether ``target`` exists with the sha256 recorded when it was made."""
    record_path = _record_path(target)
    if not (target.is_file() and record_path.is_file()):
        return False
    return record_path.read_text(encoding="ascii").strip() == sha256_of(target)


def record(target: Path) -> Path:
    """Record the sha256 of ``target``, just made (written to a temporary file, then renamed)."""
    record_path = _record_path(target)
    partial = record_path.with_name(record_path.name + ".tmp")
    partial.write_text(sha256_of(target) + "\n", encoding="ascii")
    os.replace(partial, record_path)
    return target
