"""pyvizzy: serve with ``panel serve app/main.py`` or compile for Pyodide.

All logic lives in the package ``pyvizzy.app``; see docs/app.md.
"""

from pyvizzy.app import create_app

create_app().servable(title="pyvizzy: confident learning, visualized")
