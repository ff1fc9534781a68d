"""What the site build reads from the package itself: templates, pins, the bytecode compiler,
the default app script.

All of it is package data found through :mod:`importlib.resources`, so the build works from
an installed package (``pip install .``), outside any checkout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path

__all__ = [
    "app_script",
    "app_script_file",
    "bake_script",
    "pins",
    "pycompile_files",
    "template_bytes",
    "template_text",
]

_SITE = files("pyvizzy.site")


def template_bytes(name: str) -> bytes:
    """``pyvizzy/site/templates/<name>`` as bytes."""
    return _SITE.joinpath("templates", name).read_bytes()


def template_text(name: str) -> str:
    """``pyvizzy/site/templates/<name>`` as text."""
    return _SITE.joinpath("templates", name).read_text(encoding="utf-8")


def pins() -> dict:
    """``pins.json``: every third-party file the site vendors, with its version and sha256."""
    return json.loads(_SITE.joinpath("pins.json").read_text(encoding="utf-8"))


@contextmanager
def pycompile_files() -> Iterator[tuple[Path, Path]]:
    """Real paths of ``pycompile.mjs`` (run by Node.js) and the Python it runs in Pyodide."""
    with as_file(_SITE.joinpath("pycompile.mjs")) as script, \
            as_file(_SITE.joinpath("pycompile.py")) as compiler:
        yield script, compiler


def bake_script() -> str:
    """``bake_upload.js``: what the bake visit's page runs to send its snapshot back."""
    return _SITE.joinpath("bake_upload.js").read_text(encoding="utf-8")


@contextmanager
def app_script() -> Iterator[Path]:
    """A real path of the default app script, ``pyvizzy/app/main.py`` (for the build, which
    also works from a package that is not a folder of files)."""
    with as_file(files("pyvizzy.app").joinpath("main.py")) as path:
        yield path


def app_script_file() -> Path:
    """The default app script's own file, for ``panel serve`` (the package must be a folder
    of files, as an editable or a pip install is)."""
    found = files("pyvizzy.app").joinpath("main.py")
    if not isinstance(found, Path):
        raise FileNotFoundError(f"pyvizzy is not installed as files ({found}): panel serve "
                                "needs the app script as a file")
    return found
