"""Which packages the site loads, and the site's own ``pyodide-lock.json`` that lists them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class LockEntry:
    """One file Pyodide may load: a wheel, or a zip of shared libraries (openblas)."""

    name: str
    version: str
    file_name: str
    sha256: str
    depends: tuple[str, ...]
    imports: tuple[str, ...]
    package_type: str = "package"
    install_dir: str = "site"

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "file_name": self.file_name,
            "install_dir": self.install_dir,
            "sha256": self.sha256,
            "package_type": self.package_type,
            "imports": list(self.imports),
            "depends": list(self.depends),
            "unvendored_tests": False,
            "shared_library": self.package_type == "shared_library",
        }


class DependencyError(ValueError):
    """A package needs something the site neither ships nor explicitly leaves out."""


def resolve_closure(roots: Iterable[str], requires: Mapping[str, Iterable[str]],
                    not_loaded: Mapping[str, str]) -> list[str]:
    """Every package reachable from ``roots``, leaving out the ``not_loaded`` ones.

    Parameters
    ----------
    roots : iterable of str
        The packages the app imports directly.
    requires : mapping
        Canonical name -> canonical names it declares as run-time dependencies.
    not_loaded : mapping
        Declared dependencies deliberately not shipped, with the reason (from ``pins.json``).

    Returns
    -------
    list of str
        Sorted canonical names.

    Raises
    ------
    DependencyError
        When a dependency is neither available nor listed in ``not_loaded``.
    """
    needed: set[str] = set()
    stack = [canonicalize_name(root) for root in roots]
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        if name not in requires:
            raise DependencyError(
                f"package {name!r} is needed but not vendored; pin it in pins.json or list it "
                "under 'not_loaded' with the reason it is not needed at run time"
            )
        needed.add(name)
        stack.extend(dep for dep in requires[name] if dep not in not_loaded)
    return sorted(needed)


def write_lock(path: Path, info: dict, entries: Iterable[LockEntry]) -> Path:
    """Write a ``pyodide-lock.json`` listing exactly ``entries`` (atomically)."""
    packages = {entry.name: entry.to_json() for entry in sorted(entries, key=lambda e: e.name)}
    known = set(packages)
    for entry in packages.values():
        missing = [dep for dep in entry["depends"] if dep not in known]
        if missing:
            raise DependencyError(f"{entry['name']} depends on {missing}, absent from the lock")
    text = json.dumps({"info": info, "packages": packages}, indent=1, sort_keys=True) + "\n"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
