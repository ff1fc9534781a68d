"""The app script: ``panel serve`` serves it, and the site pre-renders it and runs it in Pyodide.

All logic lives in the package ``pyvizzy.app``; see docs/app.md. Only what runs the app runs
this file (it calls ``.servable()``): import :func:`pyvizzy.app.create_app` instead.
"""

from pyvizzy.app import create_app

create_app().servable(title="pyvizzy: confident learning, visualized")
