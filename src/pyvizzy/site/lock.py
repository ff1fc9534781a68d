"""Step *lock*: which packages the site loads, and the site's own ``pyodide-lock.json``.

The lock lists exactly the files the page loads (name, version, file, sha256, depends,
imports); Pyodide checks each download's sha256 against it and resolves dependencies from
it, with no package index.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from pyvizzy.files import sha256_of, write_text_atomic

from . import ddot

#: Pyodide's standard library, as one archive.
STDLIB = "python_stdlib.zip"
#: Pyodide's files the page loads itself (the lock lists the packages).
CORE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", STDLIB)


@dataclass(frozen=True)
class LockEntry:
    """One file Pyodide may load: a wheel, or a zip of shared libraries."""

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
    write_text_atomic(path, text)
    return path


def place_runtime(pyodide_dir: Path, core: Mapping[str, bytes], files: Mapping[str, Path],
                  official: dict, wasm_packages: Iterable[str], infos: Mapping,
                  requires: Mapping[str, Iterable[str]],
                  not_loaded: Mapping[str, str]) -> list[LockEntry]:
    """Pyodide's core files and the packages into ``pyodide_dir``, with the lock of them.

    Parameters
    ----------
    pyodide_dir : Path
        The site's ``pyodide/`` folder.
    core : mapping
        Pyodide's core files by name (bytes).
    files : mapping
        Canonical name -> the file to ship, for every package the site loads.
    official : dict
        Pyodide's official lock: versions, imports and types of its WebAssembly packages.
    wasm_packages : iterable of str
        The packages that are Pyodide's own builds (:data:`pyvizzy.site.ddot.PACKAGE` is the
        site's own shared library).
    infos, requires : mappings
        The pure wheels' :class:`~pyvizzy.site.wheels.WheelInfo`, and every package's
        dependencies.
    not_loaded : mapping
        Dependencies deliberately not shipped (left out of ``depends``).

    Returns
    -------
    list of LockEntry
    """
    pyodide_dir.mkdir(parents=True, exist_ok=True)
    for name in CORE_FILES:
        (pyodide_dir / name).write_bytes(core[name])
    wasm_packages = set(wasm_packages)
    entries = []
    for name, path in files.items():
        shipped = pyodide_dir / path.name
        shutil.copyfile(path, shipped)
        if name == ddot.PACKAGE:
            version, imports = ddot.VERSION, ()
            package_type, install_dir = "shared_library", "dynlib"
        elif name in wasm_packages:
            official_entry = official["packages"][name]
            version, imports = official_entry["version"], tuple(official_entry["imports"])
            package_type = official_entry["package_type"]
            install_dir = official_entry["install_dir"]
        else:
            version, imports = infos[name].version, infos[name].imports
            package_type, install_dir = "package", "site"
        entries.append(LockEntry(
            name=name, version=version, file_name=path.name, sha256=sha256_of(shipped),
            depends=tuple(d for d in requires[name] if d not in not_loaded),
            imports=imports, package_type=package_type, install_dir=install_dir,
        ))
    write_lock(pyodide_dir / "pyodide-lock.json", official["info"], entries)
    return entries
