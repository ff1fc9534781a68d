"""Build the static pyvizzy site (the Panel app in Pyodide, served from our own files only).

Build-time only: this subpackage is left out of the wheel the browser loads. The build is a
pipeline of steps (:mod:`pyvizzy.site.build` runs them; docs/site.md has the table).
"""

from .build import build_site
from .context import BuildReport, SiteBuildError

__all__ = ["BuildReport", "SiteBuildError", "build_site"]
