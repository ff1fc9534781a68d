"""The versions of Pyodide, Panel and Bokeh that the app and the site are made for.

One home for them: the site build checks that ``site/pins.json`` vendors exactly these
(:func:`pyvizzy.site.slim.check_versions`), :mod:`pyvizzy.app.panel_compat` refuses to load
under any other Panel or Bokeh (its overrides of their private API are written against
these), and a test checks that ``pyproject.toml`` pins the same. Changing one means
changing all of them, and re-checking every override in ``panel_compat``.
"""

__all__ = ["BOKEH", "PANEL", "PYODIDE"]

#: Pyodide, the Python runtime of the site (Python 3.12.7).
PYODIDE = "0.27.7"
#: Panel: the last version for Pyodide 0.27 that uses the pure ``bleach`` sanitizer.
PANEL = "1.7.5"
#: Bokeh: its Python package and the BokehJS files the site serves must be the same version.
BOKEH = "3.7.3"
