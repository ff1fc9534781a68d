"""Download the pinned third-party files into a cache and verify them (fail closed).

Every file the site vendors comes from a package registry (npm or PyPI), through its ordinary
client (``npm pack``, ``pip download``), and is checked against the sha256 in ``pins.json``
before it is used. A cached file is reused only when its sha256 still matches its pin.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from pyvizzy.files import sha256_of

__all__ = ["PinError", "fetch_npm", "fetch_pypi", "npm_tarball_url", "verify_file"]

#: The pin file (package data of pyvizzy.site; read with pyvizzy.site.resources.pins).
PINS_FILE = "pins.json"


class PinError(RuntimeError):
    """A vendored file is missing, or its sha256 differs from its pin."""


def verify_file(path: Path, expected_sha256: str, *, what: str) -> Path:
    """Raise :class:`PinError` unless ``path`` exists and has the pinned sha256."""
    path = Path(path)
    if not path.is_file():
        raise PinError(f"{what}: {path} is missing")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise PinError(
            f"{what}: sha256 of {path} is {actual}, but its pin in {PINS_FILE} is "
            f"{expected_sha256}. Refusing to build with an unverified file; delete it from the "
            "cache to download it again, or update the pin after checking the new file."
        )
    return path


def _run(command: list[str], *, cwd: Path, env: dict | None = None) -> None:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PinError(
            f"command failed ({result.returncode}): {' '.join(command)}\n{result.stderr[-2000:]}"
        )


def _fetch_into_cache(
    filename: str,
    expected_sha256: str,
    download_dir: Path,
    download: Callable[[Path], None],
    *,
    what: str,
    log: Callable[[str], None],
) -> Path:
    """Return the cached file, downloading it first (into a temp dir) when absent."""
    download_dir.mkdir(parents=True, exist_ok=True)
    cached = download_dir / filename
    if cached.exists():
        return verify_file(cached, expected_sha256, what=what)
    log(f"downloading {what} ({filename})")
    with tempfile.TemporaryDirectory(dir=download_dir) as tmp:
        tmp_dir = Path(tmp)
        download(tmp_dir)
        fetched = tmp_dir / filename
        if not fetched.exists():
            found = ", ".join(sorted(p.name for p in tmp_dir.iterdir())) or "nothing"
            raise PinError(f"{what}: expected {filename}, the registry gave {found}")
        verify_file(fetched, expected_sha256, what=what)
        os.replace(fetched, cached)
    return cached


NPM_REGISTRY = "https://registry.npmjs.org"


def npm_tarball_url(spec: str) -> str:
    """The registry address of an npm package's tarball (``name@version``, unscoped)."""
    name, _, version = spec.rpartition("@")
    return f"{NPM_REGISTRY}/{name}/-/{name}-{version}.tgz"


def fetch_npm(spec: str, filename: str, expected_sha256: str, download_dir: Path,
              *, log: Callable[[str], None] = print) -> Path:
    """``npm pack <spec>`` into the cache and verify the tarball.

    Without npm (Debian's ``nodejs`` package has none) the tarball is read from the npm
    registry's own address for it; either way its sha256 must match the pin.
    """
    npm = shutil.which("npm")

    def download(tmp_dir: Path) -> None:
        if npm is not None:
            _run([npm, "pack", spec, "--silent"], cwd=tmp_dir)
            return
        url = npm_tarball_url(spec)
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                (tmp_dir / filename).write_bytes(response.read())
        except OSError as error:
            raise PinError(f"npm {spec}: could not download {url}: {error}") from error

    return _fetch_into_cache(filename, expected_sha256, download_dir, download,
                             what=f"npm {spec}", log=log)


def fetch_pypi(requirement: str, filename: str, expected_sha256: str, download_dir: Path,
               *, sdist: bool = False, log: Callable[[str], None] = print) -> Path:
    """``pip download --no-deps <requirement>`` (a wheel, or the sdist) and verify it."""

    def download(tmp_dir: Path) -> None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "-d", str(tmp_dir)]
        if sdist:
            command += ["--no-binary=:all:", "--no-build-isolation"]
        else:
            command += ["--only-binary=:all:"]
        _run([*command, requirement], cwd=tmp_dir)

    return _fetch_into_cache(filename, expected_sha256, download_dir, download,
                             what=f"PyPI {requirement}", log=log)
