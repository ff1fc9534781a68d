"""Build the static pyvizzy site (the Panel app in Pyodide, served from our own files only).

Build-time only: this subpackage is left out of the wheel the browser loads.
"""

from .build import BuildReport, SiteBuildError, build_site

__all__ = ["BuildReport", "SiteBuildError", "build_site"]
