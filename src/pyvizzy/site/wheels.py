"""Wheel handling for the site: metadata, slimming, patching, and pyvizzy's own wheel.

Wheels are zip files; everything here reads one and writes a new one (never in place), with
sorted entries and fixed timestamps so that the same input gives the same bytes.
"""

from __future__ import annotations

import base64
import email.parser
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .context import SiteBuildError

# The environment markers of Pyodide 0.27.7 (Python 3.12.7, emscripten, wasm32).
PYODIDE_MARKERS = {
    **default_environment(),
    "implementation_name": "cpython",
    "implementation_version": "3.12.7",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "platform_python_implementation": "CPython",
    "platform_release": "3.1.58",
    "platform_system": "Emscripten",
    "platform_version": "#1",
    "python_full_version": "3.12.7",
    "python_version": "3.12",
    "sys_platform": "emscripten",
}

FIXED_DATE_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class WheelInfo:
    """What the site's ``pyodide-lock.json`` needs to know about one wheel."""

    name: str                # canonical project name, e.g. "scikit-learn"
    version: str
    requires: tuple[str, ...]  # canonical names of run-time dependencies under Pyodide
    imports: tuple[str, ...]   # top-level import names


@contextmanager
def open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    """The zip archive ``path``, open for reading; a damaged one (a bad zip, a bad entry) is a
    :class:`~pyvizzy.site.context.SiteBuildError` naming it."""
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except (zipfile.BadZipFile, zlib.error) as error:
        raise SiteBuildError(f"{path}: a damaged zip archive ({error}); delete it and build "
                             "again (it is downloaded or made anew)") from None


def read_wheel_info(path: Path) -> WheelInfo:
    """Parse a wheel's METADATA (and top-level names) for the Pyodide environment."""
    with open_archive(path) as archive:
        names = archive.namelist()
        metadata_name = next(
            (n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None
        )
        if metadata_name is None:
            raise ValueError(f"{path}: no .dist-info/METADATA in the wheel")
        metadata = email.parser.Parser().parsestr(
            archive.read(metadata_name).decode("utf-8"), headersonly=True
        )
        top_level_name = metadata_name.replace("METADATA", "top_level.txt")
        if top_level_name in names:
            imports = archive.read(top_level_name).decode("utf-8").split()
        else:
            imports = _top_level_from_names(names)
    requires = []
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(
            {**PYODIDE_MARKERS, "extra": ""}
        ):
            requires.append(canonicalize_name(requirement.name))
    return WheelInfo(
        name=canonicalize_name(metadata["Name"]),
        version=metadata["Version"],
        requires=tuple(dict.fromkeys(requires)),
        imports=tuple(sorted(i for i in set(imports) if i and not i.startswith("_"))),
    )


def _top_level_from_names(names: Iterable[str]) -> list[str]:
    tops = set()
    for name in names:
        first = name.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in name:
            tops.add(first)
        elif first.endswith(".py"):
            tops.add(first[:-3])
    return sorted(tops)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(entries: dict[str, bytes], destination: Path) -> Path:
    """Write ``entries`` (archive name -> bytes) as a wheel with a fresh RECORD, atomically."""
    record_name = next(
        (n for n in entries if n.count("/") == 1 and n.endswith(".dist-info/RECORD")), None
    )
    if record_name is None:
        raise ValueError(f"{destination.name}: the entries hold no .dist-info/RECORD")
    body = {n: d for n, d in entries.items() if n != record_name}
    record = "\n".join([*(_record_line(n, d) for n, d in sorted(body.items())),
                        f"{record_name},,"]) + "\n"
    body[record_name] = record.encode("utf-8")
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in sorted(body):
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, body[name])
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return destination


def read_entries(path: Path) -> dict[str, bytes]:
    """Every file in a zip archive (directories left out), by name."""
    with open_archive(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def filter_wheel(source: Path, destination: Path, *, keep: Callable[[str], bool],
                 patch: Callable[[str, bytes], bytes] | None = None) -> Path:
    """Copy a wheel keeping only the names ``keep`` accepts, optionally patching contents."""
    entries = {}
    for name, data in read_entries(source).items():
        if name.endswith(".dist-info/RECORD") or keep(name):
            entries[name] = patch(name, data) if patch else data
    return write_wheel(entries, destination)


def is_dist_info(name: str) -> bool:
    """Whether a wheel entry belongs to its top-level ``.dist-info`` folder."""
    return name.split("/", 1)[0].endswith(".dist-info")


def module_file_prefixes(modules: list[str]) -> tuple[str, ...]:
    """Wheel-entry prefixes of the files of ``modules`` and of their parents' ``__init__``.

    ``["a.b.c"]`` gives ``("a/__init__.", "a/b/__init__.", "a/b/c.")``: ``c`` as a
    module (``c.py``, ``c.cpython-312-wasm32-emscripten.so``, ...), with the packages
    above it.
    """
    prefixes = set()
    for module in modules:
        parts = module.split(".")
        prefixes.add("/".join(parts) + ".")
        prefixes.update("/".join(parts[:end]) + "/__init__." for end in range(1, len(parts)))
    return tuple(sorted(prefixes))


#: Files no package reads when it runs: type stubs, Cython sources and declarations, C and
#: Fortran sources and headers, static libraries, TypeScript, source maps.
NEVER_RUN_SUFFIXES = (".pyi", ".ts", ".map", ".tsx", ".pxd", ".pyx", ".pxi", ".h", ".hpp",
                      ".c", ".cpp", ".a", ".f", ".f90", ".pc")


def is_never_run(name: str) -> bool:
    """Whether a wheel entry is nothing the package reads when it runs: a test, a cached
    bytecode folder, one of :data:`NEVER_RUN_SUFFIXES`, or a file of the wheel's ``.data``
    folder (which pip installs outside the package, as data or headers for other tools)."""
    return (
        "/tests/" in name
        or "/__pycache__/" in name
        or name.endswith(NEVER_RUN_SUFFIXES)
        or name.split("/", 1)[0].endswith(".data")
    )


def module_prefixes(modules: list[str]) -> tuple[str, ...]:
    """Wheel-entry prefixes of ``modules`` (``"a.b"``: ``a/b/`` and ``a/b.``, a package or a
    module such as ``b.py`` or ``b.cpython-312-wasm32-emscripten.so``)."""
    return tuple(sorted(p for m in modules for p in ("/".join(m.split(".")) + "/",
                                                       "/".join(m.split(".")) + ".")))


# panel/dist holds the JS/CSS bundles: served as plain files by the site, so only the CSS
# (read by Python when building stylesheets) stays in the wheel.
def keep_in_panel(name: str) -> bool:
    """Which panel wheel entries the Pyodide runtime needs."""
    if is_never_run(name):
        return False
    if name.startswith("panel/dist/"):
        return name.startswith("panel/dist/css/")
    # panel/package.json stays: panel reads its JS version from it at import time.
    return not name.startswith(("panel/package-lock", "panel/tsconfig", "panel/styles/"))


def keep_in_bokeh(name: str) -> bool:
    """Which bokeh wheel entries the Pyodide runtime needs (the JS is served separately)."""
    if is_never_run(name):
        return False
    return not name.startswith(("bokeh/server/static/", "bokeh/sphinxext/", "bokeh/sampledata/"))


def patch_panel(cdn_root: str) -> Callable[[str, bytes], bytes]:
    """The two changes the site makes to Panel's Python code.

    - ``panel.io.resources.CDN_ROOT`` points at the site's own copy of Panel's files: Panel
      builds stylesheet URLs from it in Python (default.css, loading.css, ...), which left
      alone point at cdn.holoviz.org.
    - ``panel.io.pyodide`` imports pandas (to patch ``read_csv`` for URLs) whenever
      ``pyodide_http`` is absent; it now does so only when pandas is already imported, so an
      app that does not use pandas does not load it (megabytes, and seconds of import).

    A pinned file that no longer holds the expected line fails the build.
    """
    edits = {
        "panel/io/resources.py": [(
            b'CDN_ROOT = "https://cdn.holoviz.org/panel/"',
            f'CDN_ROOT = "{cdn_root}"'.encode(),
        )],
        "panel/io/pyodide.py": [(
            b"if pyodide_http is None:\n    import pandas\n",
            b"if pyodide_http is None and 'pandas' in sys.modules:\n    import pandas\n",
        )],
    }

    def patch(name: str, data: bytes) -> bytes:
        for original, replacement in edits.get(name, []):
            if original not in data:
                raise ValueError(f"{name}: {original!r} not found; did the Panel pin change?")
            data = data.replace(original, replacement)
        return data

    return patch


def build_pure_wheel_from_sdist(sdist: Path, out_dir: Path, env_overrides: dict[str, str],
                                expected_name: str) -> Path:
    """Build a ``py3-none-any`` wheel from an sdist with its C extension disabled."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / expected_name
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        env = {**os.environ, **env_overrides}
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-cache-dir", "--quiet", "--disable-pip-version-check", "-w", tmp, str(sdist)],
            env=env, capture_output=True, text=True, check=False,
        )
        built = Path(tmp) / expected_name
        if result.returncode != 0 or not built.exists():
            found = sorted(p.name for p in Path(tmp).iterdir())
            raise RuntimeError(
                f"building {expected_name} from {sdist.name} failed (got {found}):\n"
                f"{result.stderr[-2000:]}"
            )
        os.replace(built, target)
    return target


def build_pyvizzy_wheel(package_dir: Path, version: str, destination_dir: Path,
                        exclude_subpackages: Iterable[str] = ("site", "pipeline", "cli"),
                        exclude_modules: Iterable[str] = ("__main__.py",)) -> Path:
    """Zip ``src/pyvizzy`` into a pure wheel for Pyodide (the build-time subpackages and the
    command line, ``pyvizzy.cli`` and ``__main__.py``, left out)."""
    excluded, excluded_modules = tuple(f"{sub}/" for sub in exclude_subpackages), \
        frozenset(exclude_modules)
    entries: dict[str, bytes] = {}
    for path in sorted(package_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        relative = path.relative_to(package_dir).as_posix()
        if relative.startswith(excluded) or relative in excluded_modules:
            continue
        entries[f"pyvizzy/{relative}"] = path.read_bytes()
    dist_info = f"pyvizzy-{version}.dist-info"
    entries[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: pyvizzy\nVersion: {version}\n"
        "Requires-Dist: numpy\nRequires-Dist: scikit-learn\n"
    ).encode()
    entries[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: pyvizzy.site\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    entries[f"{dist_info}/top_level.txt"] = b"pyvizzy\n"
    entries[f"{dist_info}/RECORD"] = b""
    return write_wheel(entries, destination_dir / f"pyvizzy-{version}-py3-none-any.whl")
