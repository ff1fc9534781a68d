"""The app's own files that are not Python: stylesheets, the page's scripts and templates.

They ship inside the package (``pyvizzy/app/styles/*.css``, ``pyvizzy/app/page/*``) and are
read once, at import, the same way in CPython and in Pyodide.
"""

from __future__ import annotations

import re
from importlib.resources import files

__all__ = ["page_file", "page_script", "stylesheet"]

_CSS_COMMENT = re.compile(r"/\*.*?\*/\s*", re.S)
_JS_LINE_COMMENT = re.compile(r"^[ \t]*//.*\n", re.M)


def stylesheet(name: str) -> str:
    """The rules of ``pyvizzy/app/styles/<name>``, its comments left out (they are for the
    file's readers; the page repeats a stylesheet in every pane that uses it)."""
    text = files("pyvizzy.app").joinpath("styles", name).read_text(encoding="utf-8")
    return _CSS_COMMENT.sub("", text)


def page_file(name: str) -> str:
    """The text of ``pyvizzy/app/page/<name>``."""
    return files("pyvizzy.app").joinpath("page", name).read_text(encoding="utf-8")


def page_script(name: str) -> str:
    """The script ``pyvizzy/app/page/<name>``, its whole-line comments left out (they are
    for the file's readers; the page receives the script with the app's document)."""
    return _JS_LINE_COMMENT.sub("", page_file(name))
