"""Files the build makes from verified downloads and keeps in its cache for the next build.

A derived file (a slimmed or bytecode-compiled wheel, a wheel built from an sdist) is named by
a key made from its input's sha256 and its recipe, and is reused only while its own sha256 is
the one recorded when it was made (``<file>.sha256`` beside it); otherwise it is made again
from its verified input. The record sits in the same cache: it catches a file damaged or
changed there, not someone who rewrites both.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pyvizzy.files import sha256_of, write_text_atomic

from .context import RECIPE_VERSION

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
    write_text_atomic(_record_path(target), sha256_of(target) + "\n")
    return target
