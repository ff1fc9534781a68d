"""The app's own files that are not Python: stylesheets, the page's scripts and templates.

They ship inside the package (``pyvizzy/app/styles/*.css``, ``pyvizzy/app/page/*``) and are
read once, at import, the same way in CPython and in Pyodide.
"""

from __future__ import annotations

from importlib.resources import files

__all__ = ["page_file", "stylesheet"]


def stylesheet(name: str) -> str:
    """The text of ``pyvizzy/app/styles/<name>``."""
    return files("pyvizzy.app").joinpath("styles", name).read_text(encoding="utf-8")


def page_file(name: str) -> str:
    """The text of ``pyvizzy/app/page/<name>``."""
    return files("pyvizzy.app").joinpath("page", name).read_text(encoding="utf-8")
